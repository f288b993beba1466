/*
 * store/serialize: model objects <-> JSON, the form the store keeps on disk.
 *
 * What it is.  One JSON object per model object, with every field of the
 * struct in lib/model/model.h, so that serialise -> deserialise -> serialise
 * gives the same bytes and the same struct.  The store writes one row per
 * object; store_serialize_model() puts a whole model in one document (tests,
 * dumps).
 *
 * Format.  Keys are the struct's field names.  Addresses and CIDRs are text
 * ("10.0.0.0/16", host bits kept exactly as in memory), enums are names
 * ("available", "CreateRoute"), tags are a JSON object in insertion order.
 * Fields that are zero are left out when leaving them out loses nothing: an
 * empty fixed-size string, a NULL heap string, a 0 address, an all-zero IPv6
 * block, an ENI attachment that is all zero.  A NULL heap string and an empty
 * one are different ("" is written).
 *
 * Validation.  Deserialising checks every key and type: an unknown key, a
 * wrong type, an out-of-range number, an unknown enum name, a string that
 * does not fit its field, a bad address or an array over its limit is
 * -EPROTO, never a crash and never a partly filled model.  Serialising
 * refuses (-EINVAL) what deserialising would refuse (a CIDR length over 32,
 * a fixed-size string without its NUL, invalid UTF-8), so whatever was saved
 * can be loaded.
 *
 * Ownership.  store_serialize_*() return a new reference (json_decref).
 * store_deserialize_*() append a new object to m only on success; on failure
 * m is unchanged.  Nothing here logs or does I/O.
 */
#ifndef OPENVPC_STORE_SERIALIZE_H
#define OPENVPC_STORE_SERIALIZE_H

#include <jansson.h>
#include <stddef.h>

#include "lib/model/model.h"
#include "store/fingerprint.h"

/* Limits on what deserialisation accepts. */
#define STORE_SER_ARRAY_MAX  100000    /* elements of any array (rules, IPs, routes...) */
#define STORE_SER_STRING_MAX (1 << 20) /* bytes of any heap string */
#define STORE_SER_TAGS_MAX   1000      /* tags on one object or rule */

/*
 * One kind of object.  count/id/serialize address the i-th object of that
 * kind in a model; deserialize appends one (0, or -EPROTO / -ENOMEM with m
 * unchanged).
 */
struct store_kind {
	const char *name; /* "vpc", "subnet", ... as stored in objects.kind */
	size_t (*count)(const struct model *m);
	const char *(*id)(const struct model *m, size_t i);
	int (*serialize)(const struct model *m, size_t i, json_t **ret_json);
	/* The same object as its compact JSON text (what the store writes) and its length. */
	int (*serialize_text)(const struct model *m, size_t i, char **ret_text, size_t *ret_length);
	int (*deserialize)(const json_t *json, struct model *m);
	/* store/fingerprint.h digest of the i-th object. */
	struct store_fp (*fingerprint)(const struct model *m, size_t i);
};

/* All kinds, in a fixed order (the order of struct model). */
const struct store_kind *store_kinds(size_t *ret_count);
/* The kind with that name, or NULL. */
const struct store_kind *store_kind_find(const char *name);

int store_serialize_vpc(const struct model_vpc *o, json_t **ret_json);
int store_serialize_subnet(const struct model_subnet *o, json_t **ret_json);
int store_serialize_route_table(const struct model_route_table *o, json_t **ret_json);
int store_serialize_sg(const struct model_sg *o, json_t **ret_json);
int store_serialize_nacl(const struct model_nacl *o, json_t **ret_json);
int store_serialize_eni(const struct model_eni *o, json_t **ret_json);
int store_serialize_instance(const struct model_instance *o, json_t **ret_json);
int store_serialize_igw(const struct model_igw *o, json_t **ret_json);
int store_serialize_eip(const struct model_eip *o, json_t **ret_json);
int store_serialize_nat_gateway(const struct model_nat_gateway *o, json_t **ret_json);
int store_serialize_vgw(const struct model_vgw *o, json_t **ret_json);
int store_serialize_cgw(const struct model_cgw *o, json_t **ret_json);
int store_serialize_dopt(const struct model_dopt *o, json_t **ret_json);
int store_serialize_vpn(const struct model_vpn_connection *o, json_t **ret_json);
int store_serialize_flow_log(const struct model_flow_log *o, json_t **ret_json);
int store_serialize_prefix_list(const struct model_prefix_list *o, json_t **ret_json);

int store_deserialize_vpc(const json_t *json, struct model *m);
int store_deserialize_subnet(const json_t *json, struct model *m);
int store_deserialize_route_table(const json_t *json, struct model *m);
int store_deserialize_sg(const json_t *json, struct model *m);
int store_deserialize_nacl(const json_t *json, struct model *m);
int store_deserialize_eni(const json_t *json, struct model *m);
int store_deserialize_instance(const json_t *json, struct model *m);
int store_deserialize_igw(const json_t *json, struct model *m);
int store_deserialize_eip(const json_t *json, struct model *m);
int store_deserialize_nat_gateway(const json_t *json, struct model *m);
int store_deserialize_vgw(const json_t *json, struct model *m);
int store_deserialize_cgw(const json_t *json, struct model *m);
int store_deserialize_dopt(const json_t *json, struct model *m);
int store_deserialize_vpn(const json_t *json, struct model *m);
int store_deserialize_flow_log(const json_t *json, struct model *m);
int store_deserialize_prefix_list(const json_t *json, struct model *m);

/*
 * A whole model: {"account_id", "region", "<kind>": [objects...] for each
 * kind}.  Deserialising returns a new model owned by the caller.
 */
int store_serialize_model(const struct model *m, json_t **ret_json);
int store_deserialize_model(const json_t *json, struct model **ret_model);

/*
 * Compact, deterministic text of a JSON value (free()), NULL on OOM: the
 * same bytes as json_dumps(JSON_COMPACT) (store/json-text.c).
 */
char *store_json_text(const json_t *json);

#endif
