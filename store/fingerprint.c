/*
 * store/fingerprint: digests of model objects.  See fingerprint.h.
 *
 * The digest is two 64-bit lanes fed 8 bytes at a time (multiply, rotate or
 * shift), finished with the SplitMix64 finaliser; every chunk is preceded by its
 * length so that ("ab", "c") and ("a", "bc") differ.  A NULL pointer and an
 * empty string differ too.
 */
#include "store/fingerprint.h"

#include <string.h>

#include "lib/util/util.h"

struct fp_state {
	uint64_t a, b;
};

/*
 * Each step is a bijection of the lane for a fixed word and of the word for
 * a fixed lane, so a change confined to one word always changes the final
 * digest; the two lanes use different constants and rotations.
 */
static void fp_word(struct fp_state *st, uint64_t w)
{
	st->a = (st->a ^ w) * 0x9e3779b97f4a7c15ULL;
	st->a = (st->a << 31) | (st->a >> 33);
	st->b = (st->b + w) * 0xff51afd7ed558ccdULL;
	st->b ^= st->b >> 29;
}

static void fp_bytes(struct fp_state *st, const void *p, size_t size)
{
	const unsigned char *c = p;
	uint64_t w;
	size_t i = 0;

	fp_word(st, size);
	if (!p)
		return;
	for (; i + 8 <= size; i += 8) {
		memcpy(&w, c + i, 8);
		fp_word(st, w);
	}
	if (i < size) {
		w = 0;
		memcpy(&w, c + i, size - i);
		fp_word(st, w);
	}
}

static void fp_str(struct fp_state *st, const char *s)
{
	if (!s) {
		fp_word(st, UINT64_MAX); /* NULL differs from "" */
		return;
	}
	fp_bytes(st, s, strlen(s));
}

static void fp_tags(struct fp_state *st, const struct model_tags *t)
{
	fp_word(st, t->n);
	for (size_t i = 0; i < t->n; i++) {
		fp_str(st, t->items[i].key);
		fp_str(st, t->items[i].value);
	}
}

#define FP_BEGIN(o)                                                                                \
	struct fp_state st = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL};                       \
	fp_bytes(&st, (o), sizeof(*(o)))
#define FP_ARRAY(items, n) fp_bytes(&st, (items), (n) * sizeof(*(items)))
#define FP_END()                                                                                   \
	return (struct store_fp)                                                                   \
	{                                                                                          \
		util_hash64(st.a), util_hash64(st.b)                                               \
	}

struct store_fp store_fingerprint_vpc(const struct model_vpc *o)
{
	FP_BEGIN(o);
	FP_ARRAY(o->cidrs, o->n_cidrs);
	FP_ARRAY(o->cidrs6, o->n_cidrs6);
	for (size_t i = 0; i < o->n_cidrs6; i++) {
		fp_str(&st, o->cidrs6[i].pool);
		fp_str(&st, o->cidrs6[i].network_border_group);
	}
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_subnet(const struct model_subnet *o)
{
	FP_BEGIN(o);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_route_table(const struct model_route_table *o)
{
	FP_BEGIN(o);
	FP_ARRAY(o->routes, o->n_routes);
	FP_ARRAY(o->assocs, o->n_assocs);
	FP_ARRAY(o->propagating_vgws, o->n_propagating_vgws);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_sg(const struct model_sg *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->name);
	fp_str(&st, o->description);
	FP_ARRAY(o->rules, o->n_rules);
	for (size_t i = 0; i < o->n_rules; i++) {
		fp_str(&st, o->rules[i].description);
		fp_tags(&st, &o->rules[i].tags);
	}
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_nacl(const struct model_nacl *o)
{
	FP_BEGIN(o);
	FP_ARRAY(o->entries, o->n_entries);
	FP_ARRAY(o->assocs, o->n_assocs);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_eni(const struct model_eni *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->description);
	FP_ARRAY(o->ips, o->n_ips);
	FP_ARRAY(o->prefixes, o->n_prefixes);
	FP_ARRAY(o->sg_ids, o->n_sg_ids);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_instance(const struct model_instance *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->key_name);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_igw(const struct model_igw *o)
{
	FP_BEGIN(o);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_eip(const struct model_eip *o)
{
	FP_BEGIN(o);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_nat_gateway(const struct model_nat_gateway *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->failure_code);
	fp_str(&st, o->failure_message);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_vgw(const struct model_vgw *o)
{
	FP_BEGIN(o);
	FP_ARRAY(o->attachments, o->n_attachments);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_cgw(const struct model_cgw *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->device_name);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_dopt(const struct model_dopt *o)
{
	FP_BEGIN(o); /* the configurations are inline, zero-filled past their text */
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_vpn(const struct model_vpn_connection *o)
{
	FP_BEGIN(o);
	FP_ARRAY(o->routes, o->n_routes);
	fp_str(&st, o->customer_gateway_configuration);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_flow_log(const struct model_flow_log *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->destination);
	fp_str(&st, o->log_group_name);
	fp_str(&st, o->deliver_logs_permission_arn);
	fp_str(&st, o->format);
	fp_tags(&st, &o->tags);
	FP_END();
}

struct store_fp store_fingerprint_prefix_list(const struct model_prefix_list *o)
{
	FP_BEGIN(o);
	fp_str(&st, o->name);
	FP_ARRAY(o->cidrs, o->n_cidrs);
	fp_tags(&st, &o->tags);
	FP_END();
}
