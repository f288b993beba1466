/*
 * awsjson-private: the parsing context and typed field readers shared by the
 * per-family importers (awsjson-vpc.c, awsjson-rtb.c, awsjson-sg.c,
 * awsjson-nacl.c, awsjson-eni.c, awsjson-gw.c).
 *
 * The context carries the model being filled, the error to fill and the JSON
 * path of the value being read.  Readers append a key or an index to the
 * path while they work and restore it on return (aj_mark()/aj_restore()), so
 * that an error anywhere names the full path.
 *
 * Every reader returns 0 or a negative errno and writes its ret_* output only
 * on success.  A key that is absent is not an error for the optional
 * readers (aj_opt_*: the output is left unchanged and 0 returned); a key that
 * is present with the wrong type or a bad value always is.  JSON null counts
 * as absent.
 */
#ifndef OPENVPC_AWSJSON_PRIVATE_H
#define OPENVPC_AWSJSON_PRIVATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/awsjson/awsjson.h"
#include "lib/model/model.h"

/* Limits on what one import may create (AWS quotas with a wide margin). */
#define AJ_MAX_VPCS		 1000
#define AJ_MAX_SUBNETS		 20000
#define AJ_MAX_ROUTE_TABLES	 20000
#define AJ_MAX_SGS		 25000
#define AJ_MAX_NACLS		 20000
#define AJ_MAX_ENIS		 50000
#define AJ_MAX_INSTANCES	 50000
#define AJ_MAX_IGWS		 1000
#define AJ_MAX_EIPS		 5000
#define AJ_MAX_NAT_GATEWAYS	 5000
#define AJ_MAX_VGWS		 1000
#define AJ_MAX_CGWS		 1000
#define AJ_MAX_VPNS		 1000
#define AJ_MAX_PREFIX_LISTS	 5000
#define AJ_MAX_CIDRS_PER_VPC	 50
#define AJ_MAX_ROUTES_PER_TABLE	 1200 /* 1,000 static + 100 propagated + margin */
#define AJ_MAX_ASSOCS_PER_TABLE	 20000
#define AJ_MAX_RULES_PER_SG	 2000 /* 1,000 per direction (the adjustable maximum) */
#define AJ_MAX_NACL_ENTRIES	 200  /* 40 per direction and family, with margin */
#define AJ_MAX_IPS_PER_ENI	 128
#define AJ_MAX_PREFIXES_PER_ENI	 128
#define AJ_MAX_SGS_PER_ENI	 16
#define AJ_MAX_TAGS		 100
#define AJ_MAX_VPN_ROUTES	 1000
#define AJ_MAX_PREFIX_LIST_CIDRS 5000

struct aj_ctx {
	struct model *m;
	struct awsjson_error *err;
	char path[256];
	size_t path_len;
};

/* Current path length, to restore later. */
static inline size_t aj_mark(const struct aj_ctx *c)
{
	return c->path_len;
}
void aj_restore(struct aj_ctx *c, size_t mark);
/* Append ".key" (or "key" at the root) / "[i]" to the path. */
void aj_push_key(struct aj_ctx *c, const char *key);
void aj_push_index(struct aj_ctx *c, size_t i);

/*
 * Record an error for the current path plus key (key may be NULL) and
 * return errno_value.
 */
int aj_fail(struct aj_ctx *c, const char *key, int errno_value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a string", "a number", ... for messages. */
const char *aj_type_name(const json_t *v);

/* Value of key in obj, or NULL when absent or null. */
json_t *aj_get(const json_t *obj, const char *key);

/* Require v to be an object (the element at the current path). */
int aj_expect_object(struct aj_ctx *c, const json_t *v);

/*
 * The array at key: *ret_array = NULL and 0 when absent; -EINVAL when not an
 * array; -E2BIG when it holds more than max elements.
 */
int aj_opt_array(struct aj_ctx *c, const json_t *obj, const char *key, size_t max,
		 json_t **ret_array);

/* Strings. aj_req_string fails when absent. *ret points into the JSON value. */
int aj_req_string(struct aj_ctx *c, const json_t *obj, const char *key, const char **ret);
int aj_opt_string(struct aj_ctx *c, const json_t *obj, const char *key, const char **ret);
/* Copy an optional string into a fixed buffer; too long is an error. */
int aj_opt_strbuf(struct aj_ctx *c, const json_t *obj, const char *key, char *buf, size_t size);

/* An ID with the given prefix ("vpc-") and 8 or 17 hex digits, copied into buf. */
int aj_req_id(struct aj_ctx *c, const json_t *obj, const char *key, const char *prefix,
	      char buf[MODEL_ID_LEN]);
int aj_opt_id(struct aj_ctx *c, const json_t *obj, const char *key, const char *prefix,
	      char buf[MODEL_ID_LEN]);
/* An ID of any of the given prefixes (NULL-terminated list), or "local" when allow_local. */
int aj_opt_id_any(struct aj_ctx *c, const json_t *obj, const char *key, const char *const *prefixes,
		  char buf[MODEL_ID_LEN]);

int aj_opt_bool(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret);
/* An integer in [min, max]; AWS sometimes prints numbers as strings: both are accepted. */
int aj_opt_int(struct aj_ctx *c, const json_t *obj, const char *key, long min, long max, long *ret);

int aj_req_cidr4(struct aj_ctx *c, const json_t *obj, const char *key, struct net_cidr4 *ret);
int aj_opt_cidr4(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret_present,
		 struct net_cidr4 *ret);
int aj_opt_cidr6(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret_present,
		 struct net_cidr6 *ret);
int aj_opt_ip4(struct aj_ctx *c, const json_t *obj, const char *key, uint32_t *ret);
int aj_req_ip4(struct aj_ctx *c, const json_t *obj, const char *key, uint32_t *ret);

/* OwnerId (12 digits) into buf, and into the model's account when it has none. */
int aj_owner(struct aj_ctx *c, const json_t *obj, const char *key, char buf[MODEL_ACCOUNT_LEN]);
/* AvailabilityZone into buf, and its Region into the model's when it has none. */
int aj_az(struct aj_ctx *c, const json_t *obj, const char *key, char buf[MODEL_AZ_LEN]);
/* Tags: [{Key, Value}]. */
int aj_tags(struct aj_ctx *c, const json_t *obj, struct model_tags *tags);

/*
 * Call fn for each element of the array at key in obj (absent: nothing), with
 * the path extended by ".key[i]".  Stops at the first error.  max bounds the
 * number of elements.
 */
typedef int (*aj_item_fn)(struct aj_ctx *c, const json_t *item, void *userdata);
int aj_each(struct aj_ctx *c, const json_t *obj, const char *key, size_t max, aj_item_fn fn,
	    void *userdata);
/* Same over a top-level array v (the path already names it). */
int aj_each_top(struct aj_ctx *c, const json_t *v, aj_item_fn fn, void *userdata);

/* Object count check before adding one more (n already present). */
int aj_check_count(struct aj_ctx *c, const char *key, size_t n, size_t max, const char *what);

/* State names ("available", "pending", ...) to model_state. */
int aj_opt_state(struct aj_ctx *c, const json_t *obj, const char *key, enum model_state *ret);

/* The top-level importers, one per key.  v is the value of the key. */
int aj_import_vpcs(struct aj_ctx *c, const json_t *v);
int aj_import_subnets(struct aj_ctx *c, const json_t *v);
int aj_import_route_tables(struct aj_ctx *c, const json_t *v);
int aj_import_security_groups(struct aj_ctx *c, const json_t *v);
int aj_import_prefix_lists(struct aj_ctx *c, const json_t *v);
int aj_import_network_acls(struct aj_ctx *c, const json_t *v);
int aj_import_network_interfaces(struct aj_ctx *c, const json_t *v);
int aj_import_reservations(struct aj_ctx *c, const json_t *v);
int aj_import_addresses(struct aj_ctx *c, const json_t *v);
int aj_import_internet_gateways(struct aj_ctx *c, const json_t *v);
int aj_import_nat_gateways(struct aj_ctx *c, const json_t *v);
int aj_import_vpn_gateways(struct aj_ctx *c, const json_t *v);
int aj_import_vpn_connections(struct aj_ctx *c, const json_t *v);
int aj_import_customer_gateways(struct aj_ctx *c, const json_t *v);

/*
 * Apply cross references that depend on documents loaded in any order:
 * Elastic IP associations onto ENI addresses.  Idempotent.
 */
void aj_link(struct model *m);

#endif
