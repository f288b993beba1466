/*
 * store/fingerprint: a cheap 128-bit digest of a model object's memory, used
 * by store_save_region() to skip serialising objects that did not change.
 *
 * What it covers.  The object's struct bytes (every inline field, including
 * fixed-size strings and padding), then the contents behind every pointer
 * field: heap strings, element arrays (n elements), strings and tags inside
 * elements, and the tags.  Any change to what the object holds therefore
 * changes the digest (up to a 2^-128-ish accidental collision).
 *
 * What it is not.  Not a canonical hash: pointer values and padding are in
 * it, so equal objects at different addresses may digest differently.  That
 * is safe here: a differing digest only means "serialise and compare the JSON
 * text", which decides whether a row is written.  A digest that stays equal
 * while content changed would lose a write, which is why every pointer
 * field of lib/model/model.h must be listed in fingerprint.c (the
 * fingerprint unit test mutates every one of them).
 *
 * Nothing here allocates, logs or fails.
 */
#ifndef OPENVPC_STORE_FINGERPRINT_H
#define OPENVPC_STORE_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/model/model.h"

struct store_fp {
	uint64_t a, b;
};

static inline int store_fp_equal(struct store_fp x, struct store_fp y)
{
	return x.a == y.a && x.b == y.b;
}

struct store_fp store_fingerprint_vpc(const struct model_vpc *o);
struct store_fp store_fingerprint_subnet(const struct model_subnet *o);
struct store_fp store_fingerprint_route_table(const struct model_route_table *o);
struct store_fp store_fingerprint_sg(const struct model_sg *o);
struct store_fp store_fingerprint_nacl(const struct model_nacl *o);
struct store_fp store_fingerprint_eni(const struct model_eni *o);
struct store_fp store_fingerprint_instance(const struct model_instance *o);
struct store_fp store_fingerprint_igw(const struct model_igw *o);
struct store_fp store_fingerprint_eip(const struct model_eip *o);
struct store_fp store_fingerprint_nat_gateway(const struct model_nat_gateway *o);
struct store_fp store_fingerprint_vgw(const struct model_vgw *o);
struct store_fp store_fingerprint_cgw(const struct model_cgw *o);
struct store_fp store_fingerprint_dopt(const struct model_dopt *o);
struct store_fp store_fingerprint_vpn(const struct model_vpn_connection *o);
struct store_fp store_fingerprint_flow_log(const struct model_flow_log *o);
struct store_fp store_fingerprint_prefix_list(const struct model_prefix_list *o);

#endif
