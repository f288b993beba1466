/*
 * store/serialize: model objects <-> JSON.  See serialize.h.
 *
 * Writers go through struct ser, which remembers the first error so that a
 * serialiser is a flat list of put_*() calls.  Readers go through struct
 * des, which remembers the first error and counts the keys it consumed:
 * des_finish() rejects an object with keys nobody read (unknown or
 * misspelled fields), so corrupt rows cannot load half-understood.
 *
 * Deserialising fills an object that lives in a scratch model; only a
 * complete, valid object is moved into the caller's model, so a failure
 * leaves no trace and the model's own free functions clean up partial
 * objects.
 */
#include "store/serialize.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

/* ---- enum names -------------------------------------------------------- */

static const char *const cidr_state_names[] = {
    [MODEL_CIDR_ASSOCIATING] = "associating",
    [MODEL_CIDR_ASSOCIATED] = "associated",
    [MODEL_CIDR_DISASSOCIATING] = "disassociating",
    [MODEL_CIDR_DISASSOCIATED] = "disassociated",
    [MODEL_CIDR_FAILING] = "failing",
    [MODEL_CIDR_FAILED] = "failed",
};

static const char *const state_names[] = {
    [MODEL_STATE_PENDING] = "pending",	 [MODEL_STATE_AVAILABLE] = "available",
    [MODEL_STATE_DELETING] = "deleting", [MODEL_STATE_DELETED] = "deleted",
    [MODEL_STATE_FAILED] = "failed",
};

static const char *const target_type_names[] = {
    [MODEL_TARGET_NONE] = "none",	  [MODEL_TARGET_LOCAL] = "local",
    [MODEL_TARGET_IGW] = "igw",		  [MODEL_TARGET_EIGW] = "eigw",
    [MODEL_TARGET_NAT] = "nat",		  [MODEL_TARGET_ENI] = "eni",
    [MODEL_TARGET_INSTANCE] = "instance", [MODEL_TARGET_VGW] = "vgw",
    [MODEL_TARGET_PCX] = "pcx",		  [MODEL_TARGET_TGW] = "tgw",
    [MODEL_TARGET_VPCE] = "vpce",	  [MODEL_TARGET_OTHER] = "other",
};

static const char *const origin_names[] = {
    [MODEL_ORIGIN_CREATE_ROUTE_TABLE] = "CreateRouteTable",
    [MODEL_ORIGIN_CREATE_ROUTE] = "CreateRoute",
    [MODEL_ORIGIN_PROPAGATED] = "EnableVgwRoutePropagation",
    [MODEL_ORIGIN_ADVERTISEMENT] = "Advertisement",
};

static const char *const dest_type_names[] = {
    [MODEL_DEST_CIDR4] = "cidr4",
    [MODEL_DEST_CIDR6] = "cidr6",
    [MODEL_DEST_PREFIX_LIST] = "prefix-list",
};

static const char *const peer_type_names[] = {
    [MODEL_PEER_CIDR4] = "cidr4",
    [MODEL_PEER_CIDR6] = "cidr6",
    [MODEL_PEER_PREFIX_LIST] = "prefix-list",
    [MODEL_PEER_GROUP] = "group",
};

static const char *const eni_status_names[] = {
    [MODEL_ENI_AVAILABLE] = "available",   [MODEL_ENI_ATTACHING] = "attaching",
    [MODEL_ENI_IN_USE] = "in-use",	   [MODEL_ENI_DETACHING] = "detaching",
    [MODEL_ENI_ASSOCIATED] = "associated",
};

static const char *const instance_state_names[] = {
    [MODEL_INSTANCE_PENDING] = "pending",
    [MODEL_INSTANCE_RUNNING] = "running",
    [MODEL_INSTANCE_SHUTTING_DOWN] = "shutting-down",
    [MODEL_INSTANCE_TERMINATED] = "terminated",
    [MODEL_INSTANCE_STOPPING] = "stopping",
    [MODEL_INSTANCE_STOPPED] = "stopped",
};

static const char *const nat_connectivity_names[] = {
    [MODEL_NAT_PUBLIC] = "public",
    [MODEL_NAT_PRIVATE] = "private",
};

static const char *const flow_traffic_names[] = {
    [MODEL_FLOW_ALL] = "ALL",
    [MODEL_FLOW_ACCEPT] = "ACCEPT",
    [MODEL_FLOW_REJECT] = "REJECT",
};

/* ---- writer -------------------------------------------------------------- */

struct ser {
	json_t *o;
	int err;
};

/* Takes the reference to v.  A NULL v means json_* could not build it. */
static void ser_set(struct ser *s, const char *key, json_t *v, int err_if_null)
{
	if (s->err) {
		json_decref(v);
		return;
	}
	if (!v) {
		s->err = err_if_null;
		return;
	}
	if (json_object_set_new(s->o, key, v) < 0)
		s->err = -ENOMEM;
}

static json_t *text(const char *str)
{
	/* json_string() fails on invalid UTF-8 (or OOM, which we cannot tell apart). */
	return json_string(str);
}

/* A fixed-size char array: left out when empty. */
static void put_buf(struct ser *s, const char *key, const char *buf, size_t size)
{
	if (s->err)
		return;
	if (strnlen(buf, size) == size) {
		s->err = -EINVAL;
		return;
	}
	if (buf[0])
		ser_set(s, key, text(buf), -EINVAL);
}
#define PUT_BUF(s, key, field) put_buf((s), (key), (field), sizeof(field))

/* A heap string: left out when NULL, "" kept. */
static void put_strp(struct ser *s, const char *key, const char *str)
{
	if (str && strlen(str) > STORE_SER_STRING_MAX && !s->err)
		s->err = -EINVAL;
	if (str)
		ser_set(s, key, text(str), -EINVAL);
}

static void put_int(struct ser *s, const char *key, long long v)
{
	ser_set(s, key, json_integer(v), -ENOMEM);
}

static void put_bool(struct ser *s, const char *key, bool v)
{
	ser_set(s, key, json_boolean(v), -ENOMEM);
}

static void put_enum(struct ser *s, const char *key, int v, const char *const *names, size_t n)
{
	if (v < 0 || (size_t)v >= n || !names[v]) {
		if (!s->err)
			s->err = -EINVAL;
		return;
	}
	ser_set(s, key, json_string(names[v]), -ENOMEM);
}
#define PUT_ENUM(s, key, v, names) put_enum((s), (key), (int)(v), (names), ARRAY_SIZE(names))

/* An IPv4 address: left out when 0. */
static void put_ip4(struct ser *s, const char *key, uint32_t ip)
{
	char buf[NET_IP4_STRLEN];

	if (ip)
		ser_set(s, key, json_string(net_ip4_format(ip, buf)), -ENOMEM);
}

/* "a.b.c.d/len" exactly as stored (host bits are not cleared). */
static json_t *cidr4_json(struct net_cidr4 c)
{
	char ip[NET_IP4_STRLEN], buf[NET_CIDR4_STRLEN + 4];

	if (c.len > 32)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/%u", net_ip4_format(c.addr, ip), (unsigned)c.len);
	return json_string(buf);
}

static void put_cidr4(struct ser *s, const char *key, struct net_cidr4 c)
{
	ser_set(s, key, cidr4_json(c), c.len > 32 ? -EINVAL : -ENOMEM);
}

static bool cidr6_is_zero(const struct net_cidr6 *c)
{
	static const struct net_ip6 zero;

	return c->len == 0 && memcmp(&c->addr, &zero, sizeof(zero)) == 0;
}

/* Left out when all zero. */
static void put_cidr6(struct ser *s, const char *key, const struct net_cidr6 *c)
{
	char ip[NET_IP6_STRLEN], buf[NET_CIDR6_STRLEN + 4];

	if (cidr6_is_zero(c))
		return;
	if (c->len > 128) {
		if (!s->err)
			s->err = -EINVAL;
		return;
	}
	snprintf(buf, sizeof(buf), "%s/%u", net_ip6_format(&c->addr, ip), (unsigned)c->len);
	ser_set(s, key, json_string(buf), -ENOMEM);
}

/* Tags as an object in insertion order; left out when there are none. */
static void put_tags(struct ser *s, const char *key, const struct model_tags *tags)
{
	struct ser t;

	if (s->err || tags->n == 0)
		return;
	if (tags->n > STORE_SER_TAGS_MAX) {
		s->err = -EINVAL;
		return;
	}
	t.o = json_object();
	t.err = t.o ? 0 : -ENOMEM;
	for (size_t i = 0; i < tags->n && !t.err; i++) {
		if (strlen(tags->items[i].key) > STORE_SER_STRING_MAX ||
		    json_object_get(t.o, tags->items[i].key)) {
			t.err =
			    -EINVAL; /* over-long or duplicate key (model_tags_set makes none) */
			break;
		}
		put_strp(&t, tags->items[i].key, tags->items[i].value ? tags->items[i].value : "");
	}
	if (t.err) {
		json_decref(t.o);
		s->err = t.err;
		return;
	}
	ser_set(s, key, t.o, -ENOMEM);
}

/* Start an array element (an object); finish with put_elem(). */
static struct ser elem_begin(const struct ser *parent)
{
	struct ser e = {.o = NULL, .err = parent->err};

	if (!e.err) {
		e.o = json_object();
		if (!e.o)
			e.err = -ENOMEM;
	}
	return e;
}

static void elem_end(struct ser *parent, json_t *array, struct ser *e)
{
	if (!parent->err && e->err)
		parent->err = e->err;
	if (parent->err) {
		json_decref(e->o);
		return;
	}
	if (json_array_append_new(array, e->o) < 0)
		parent->err = -ENOMEM;
}

static json_t *array_begin(struct ser *s)
{
	json_t *a;

	if (s->err)
		return NULL;
	a = json_array();
	if (!a)
		s->err = -ENOMEM;
	return a;
}

/* Arrays are left out when empty. */
static void array_end(struct ser *s, const char *key, json_t *a)
{
	if (!a)
		return;
	if (s->err || json_array_size(a) == 0) {
		json_decref(a);
		return;
	}
	if (json_array_size(a) > STORE_SER_ARRAY_MAX) {
		json_decref(a);
		s->err = -EINVAL;
		return;
	}
	ser_set(s, key, a, -ENOMEM);
}

static void array_append(struct ser *s, json_t *a, json_t *v, int err_if_null)
{
	if (s->err) {
		json_decref(v);
		return;
	}
	if (!v) {
		s->err = err_if_null;
		return;
	}
	if (json_array_append_new(a, v) < 0)
		s->err = -ENOMEM;
}

/* ---- reader -------------------------------------------------------------- */

struct des {
	const json_t *o;
	size_t used;
	int err;
};

static void des_fail(struct des *d)
{
	if (!d->err)
		d->err = -EPROTO;
}

static const json_t *des_get(struct des *d, const char *key)
{
	const json_t *v;

	if (d->err)
		return NULL;
	v = json_object_get(d->o, key);
	if (v)
		d->used++;
	return v;
}

/* Every key must have been consumed. */
static void des_finish(struct des *d)
{
	if (!d->err && d->used != json_object_size(d->o))
		d->err = -EPROTO;
}

static struct des des_sub(struct des *parent, const json_t *v)
{
	struct des d = {.o = v, .used = 0, .err = parent->err};

	if (!d.err && !json_is_object(v))
		d.err = -EPROTO;
	return d;
}

static void des_sub_end(struct des *parent, struct des *d)
{
	des_finish(d);
	if (!parent->err && d->err)
		parent->err = d->err;
}

/* A string value without embedded NULs, or NULL (and failure). */
static const char *string_value(struct des *d, const json_t *v, size_t max_length)
{
	const char *str;

	if (!json_is_string(v)) {
		des_fail(d);
		return NULL;
	}
	str = json_string_value(v);
	if (json_string_length(v) > max_length || strlen(str) != json_string_length(v)) {
		des_fail(d);
		return NULL;
	}
	return str;
}

static void get_buf(struct des *d, const char *key, char *buf, size_t size)
{
	const json_t *v = des_get(d, key);
	const char *str;

	if (!v)
		return; /* absent: stays "" */
	str = string_value(d, v, size - 1);
	if (str)
		memcpy(buf, str, strlen(str) + 1);
}
#define GET_BUF(d, key, field) get_buf((d), (key), (field), sizeof(field))

static void get_strp(struct des *d, const char *key, char **ret)
{
	const json_t *v = des_get(d, key);
	const char *str;

	if (!v)
		return; /* absent: stays NULL */
	str = string_value(d, v, STORE_SER_STRING_MAX);
	if (!str)
		return;
	*ret = strdup(str);
	if (!*ret)
		d->err = -ENOMEM;
}

static long long get_integer(struct des *d, const char *key, long long min, long long max,
			     long long dflt)
{
	const json_t *v = des_get(d, key);
	long long x;

	if (!v)
		return dflt;
	if (!json_is_integer(v)) {
		des_fail(d);
		return dflt;
	}
	x = json_integer_value(v);
	if (x < min || x > max) {
		des_fail(d);
		return dflt;
	}
	return x;
}
#define GET_INT(d, key, field) ((field) = (int)get_integer((d), (key), INT_MIN, INT_MAX, 0))
#define GET_U32(d, key, field) ((field) = (uint32_t)get_integer((d), (key), 0, UINT32_MAX, 0))
#define GET_I64(d, key, field) ((field) = (int64_t)get_integer((d), (key), INT64_MIN, INT64_MAX, 0))

static void get_bool(struct des *d, const char *key, bool *ret)
{
	const json_t *v = des_get(d, key);

	if (!v)
		return;
	if (!json_is_boolean(v)) {
		des_fail(d);
		return;
	}
	*ret = json_is_true(v);
}

static int get_enum(struct des *d, const char *key, const char *const *names, size_t n)
{
	const json_t *v = des_get(d, key);
	const char *str;

	if (!v)
		return 0;
	str = string_value(d, v, 64);
	if (!str)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], str) == 0)
			return (int)i;
	des_fail(d);
	return 0;
}
#define GET_ENUM(d, key, field, names)                                                             \
	((field) = (__typeof__(field))get_enum((d), (key), (names), ARRAY_SIZE(names)))

static void get_ip4(struct des *d, const char *key, uint32_t *ret)
{
	const json_t *v = des_get(d, key);
	const char *str;

	if (!v)
		return;
	str = string_value(d, v, NET_IP4_STRLEN);
	if (str && net_ip4_parse(str, ret) < 0)
		des_fail(d);
}

/* Split "addr/len" into addr text (in buf) and len <= max_len. */
static int split_prefix(const char *str, char *buf, size_t size, unsigned max_len,
			unsigned *ret_len)
{
	const char *slash = strchr(str, '/');
	long len;

	if (!slash || (size_t)(slash - str) >= size)
		return -EINVAL;
	memcpy(buf, str, (size_t)(slash - str));
	buf[slash - str] = '\0';
	if (util_parse_long(slash + 1, 0, max_len, &len) < 0 || slash[1] == '+' || slash[1] == '-')
		return -EINVAL;
	*ret_len = (unsigned)len;
	return 0;
}

static void cidr4_from_value(struct des *d, const json_t *v, struct net_cidr4 *ret)
{
	char ip[NET_IP4_STRLEN];
	const char *str;
	unsigned len;
	uint32_t addr;

	str = string_value(d, v, NET_CIDR4_STRLEN);
	if (!str)
		return;
	if (split_prefix(str, ip, sizeof(ip), 32, &len) < 0 || net_ip4_parse(ip, &addr) < 0) {
		des_fail(d);
		return;
	}
	ret->addr = addr;
	ret->len = (uint8_t)len;
}

static void get_cidr4(struct des *d, const char *key, struct net_cidr4 *ret)
{
	const json_t *v = des_get(d, key);

	if (v)
		cidr4_from_value(d, v, ret);
}

static void get_cidr6(struct des *d, const char *key, struct net_cidr6 *ret)
{
	const json_t *v = des_get(d, key);
	char ip[NET_IP6_STRLEN];
	struct net_ip6 addr;
	const char *str;
	unsigned len;

	if (!v)
		return;
	str = string_value(d, v, NET_CIDR6_STRLEN);
	if (!str)
		return;
	if (split_prefix(str, ip, sizeof(ip), 128, &len) < 0 || net_ip6_parse(ip, &addr) < 0) {
		des_fail(d);
		return;
	}
	ret->addr = addr;
	ret->len = (uint8_t)len;
}

static void get_tags(struct des *d, const char *key, struct model_tags *tags)
{
	const json_t *v = des_get(d, key);
	const char *k;
	json_t *val;

	if (!v)
		return;
	if (!json_is_object(v) || json_object_size(v) > STORE_SER_TAGS_MAX) {
		des_fail(d);
		return;
	}
	json_object_foreach((json_t *)v, k, val)
	{
		const char *str = string_value(d, val, STORE_SER_STRING_MAX);

		if (!str)
			return;
		if (strlen(k) > STORE_SER_STRING_MAX) {
			des_fail(d);
			return;
		}
		if (model_tags_set(tags, k, str) < 0) {
			d->err = -ENOMEM;
			return;
		}
	}
}

/* An array (absent = empty); its size is checked against the limit. */
static const json_t *get_array(struct des *d, const char *key, size_t *ret_n)
{
	const json_t *v = des_get(d, key);

	*ret_n = 0;
	if (!v)
		return NULL;
	if (!json_is_array(v) || json_array_size(v) > STORE_SER_ARRAY_MAX) {
		des_fail(d);
		return NULL;
	}
	*ret_n = json_array_size(v);
	return v;
}

/*
 * Make room for n zeroed elements in (items, cap); *count stays for the
 * caller to bump as it fills them (so frees see only filled elements).
 */
static int reserve(struct des *d, void **items, size_t *cap, size_t n, size_t elem_size)
{
	if (d->err || n == 0)
		return d->err;
	if (util_grow(items, cap, n, elem_size) < 0) {
		d->err = -ENOMEM;
		return d->err;
	}
	memset(*items, 0, n * elem_size);
	return 0;
}
#define RESERVE(d, items, cap, n) reserve((d), (void **)&(items), &(cap), (n), sizeof(*(items)))

/* An array of ID strings into a char (*)[MODEL_ID_LEN] array. */
static void get_id_array(struct des *d, const char *key, char (**items)[MODEL_ID_LEN],
			 size_t *n_items, size_t *cap)
{
	size_t n;
	const json_t *a = get_array(d, key, &n);

	if (!a || reserve(d, (void **)items, cap, n, sizeof(**items)) < 0)
		return;
	for (size_t i = 0; i < n && !d->err; i++) {
		const char *str = string_value(d, json_array_get(a, i), MODEL_ID_LEN - 1);

		if (str)
			memcpy((*items)[i], str, strlen(str) + 1);
		*n_items = i + 1;
	}
}

static void put_id_array(struct ser *s, const char *key, const char (*items)[MODEL_ID_LEN],
			 size_t n)
{
	json_t *a = array_begin(s);

	for (size_t i = 0; i < n && !s->err; i++) {
		if (strnlen(items[i], MODEL_ID_LEN) == MODEL_ID_LEN) {
			s->err = -EINVAL;
			break;
		}
		array_append(s, a, text(items[i]), -EINVAL);
	}
	array_end(s, key, a);
}

static void put_cidr4_array(struct ser *s, const char *key, const struct net_cidr4 *items, size_t n)
{
	json_t *a = array_begin(s);

	for (size_t i = 0; i < n && !s->err; i++)
		array_append(s, a, cidr4_json(items[i]), items[i].len > 32 ? -EINVAL : -ENOMEM);
	array_end(s, key, a);
}

static void get_cidr4_array(struct des *d, const char *key, struct net_cidr4 **items,
			    size_t *n_items, size_t *cap)
{
	size_t n;
	const json_t *a = get_array(d, key, &n);

	if (!a || reserve(d, (void **)items, cap, n, sizeof(**items)) < 0)
		return;
	for (size_t i = 0; i < n && !d->err; i++) {
		cidr4_from_value(d, json_array_get(a, i), &(*items)[i]);
		*n_items = i + 1;
	}
}

/* ---- VPC --------------------------------------------------------------- */

static void ser_vpc(struct ser *s, const struct model_vpc *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "owner_id", o->owner_id);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_cidrs && !s->err; i++) {
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "association_id", o->cidrs[i].association_id);
		put_cidr4(&e, "cidr", o->cidrs[i].cidr);
		PUT_ENUM(&e, "state", o->cidrs[i].state, cidr_state_names);
		elem_end(s, a, &e);
	}
	array_end(s, "cidrs", a);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_cidrs6 && !s->err; i++) {
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "association_id", o->cidrs6[i].association_id);
		put_cidr6(&e, "cidr", &o->cidrs6[i].cidr);
		PUT_ENUM(&e, "state", o->cidrs6[i].state, cidr_state_names);
		put_strp(&e, "pool", o->cidrs6[i].pool);
		put_strp(&e, "network_border_group", o->cidrs6[i].network_border_group);
		elem_end(s, a, &e);
	}
	array_end(s, "cidrs6", a);
	PUT_ENUM(s, "state", o->state, state_names);
	put_bool(s, "is_default", o->is_default);
	PUT_BUF(s, "dhcp_options_id", o->dhcp_options_id);
	PUT_BUF(s, "instance_tenancy", o->instance_tenancy);
	put_bool(s, "enable_dns_support", o->enable_dns_support);
	put_bool(s, "enable_dns_hostnames", o->enable_dns_hostnames);
	put_bool(s, "enable_nau_metrics", o->enable_nau_metrics);
	put_tags(s, "tags", &o->tags);
}

static void des_vpc(struct des *d, struct model_vpc *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "owner_id", o->owner_id);
	a = get_array(d, "cidrs", &n);
	if (a && RESERVE(d, o->cidrs, o->cap_cidrs, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_vpc_cidr *c = &o->cidrs[i];

			o->n_cidrs = i + 1;
			GET_BUF(&e, "association_id", c->association_id);
			get_cidr4(&e, "cidr", &c->cidr);
			GET_ENUM(&e, "state", c->state, cidr_state_names);
			des_sub_end(d, &e);
		}
	}
	a = get_array(d, "cidrs6", &n);
	if (a && RESERVE(d, o->cidrs6, o->cap_cidrs6, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_vpc_cidr6 *c = &o->cidrs6[i];

			o->n_cidrs6 = i + 1;
			GET_BUF(&e, "association_id", c->association_id);
			get_cidr6(&e, "cidr", &c->cidr);
			GET_ENUM(&e, "state", c->state, cidr_state_names);
			get_strp(&e, "pool", &c->pool);
			get_strp(&e, "network_border_group", &c->network_border_group);
			des_sub_end(d, &e);
		}
	}
	GET_ENUM(d, "state", o->state, state_names);
	get_bool(d, "is_default", &o->is_default);
	GET_BUF(d, "dhcp_options_id", o->dhcp_options_id);
	GET_BUF(d, "instance_tenancy", o->instance_tenancy);
	get_bool(d, "enable_dns_support", &o->enable_dns_support);
	get_bool(d, "enable_dns_hostnames", &o->enable_dns_hostnames);
	get_bool(d, "enable_nau_metrics", &o->enable_nau_metrics);
	get_tags(d, "tags", &o->tags);
}

/* ---- subnet ------------------------------------------------------------ */

static void ser_subnet(struct ser *s, const struct model_subnet *o)
{
	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "owner_id", o->owner_id);
	put_cidr4(s, "cidr", o->cidr);
	put_bool(s, "has_cidr6", o->has_cidr6);
	put_cidr6(s, "cidr6", &o->cidr6);
	PUT_BUF(s, "cidr6_association_id", o->cidr6_association_id);
	PUT_BUF(s, "az", o->az);
	PUT_BUF(s, "az_id", o->az_id);
	PUT_ENUM(s, "state", o->state, state_names);
	put_bool(s, "default_for_az", o->default_for_az);
	put_bool(s, "map_public_ip_on_launch", o->map_public_ip_on_launch);
	put_bool(s, "assign_ipv6_on_creation", o->assign_ipv6_on_creation);
	put_bool(s, "enable_dns64", o->enable_dns64);
	put_bool(s, "ipv6_native", o->ipv6_native);
	PUT_BUF(s, "hostname_type", o->hostname_type);
	put_bool(s, "enable_resource_name_dns_a", o->enable_resource_name_dns_a);
	put_bool(s, "enable_resource_name_dns_aaaa", o->enable_resource_name_dns_aaaa);
	put_tags(s, "tags", &o->tags);
}

static void des_subnet(struct des *d, struct model_subnet *o)
{
	GET_BUF(d, "id", o->id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "owner_id", o->owner_id);
	get_cidr4(d, "cidr", &o->cidr);
	get_bool(d, "has_cidr6", &o->has_cidr6);
	get_cidr6(d, "cidr6", &o->cidr6);
	GET_BUF(d, "cidr6_association_id", o->cidr6_association_id);
	GET_BUF(d, "az", o->az);
	GET_BUF(d, "az_id", o->az_id);
	GET_ENUM(d, "state", o->state, state_names);
	get_bool(d, "default_for_az", &o->default_for_az);
	get_bool(d, "map_public_ip_on_launch", &o->map_public_ip_on_launch);
	get_bool(d, "assign_ipv6_on_creation", &o->assign_ipv6_on_creation);
	get_bool(d, "enable_dns64", &o->enable_dns64);
	get_bool(d, "ipv6_native", &o->ipv6_native);
	GET_BUF(d, "hostname_type", o->hostname_type);
	get_bool(d, "enable_resource_name_dns_a", &o->enable_resource_name_dns_a);
	get_bool(d, "enable_resource_name_dns_aaaa", &o->enable_resource_name_dns_aaaa);
	get_tags(d, "tags", &o->tags);
}

/* ---- route table ------------------------------------------------------- */

static void ser_route_table(struct ser *s, const struct model_route_table *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "owner_id", o->owner_id);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_routes && !s->err; i++) {
		const struct model_route *r = &o->routes[i];
		struct ser e = elem_begin(s);

		PUT_ENUM(&e, "dest_type", r->dest_type, dest_type_names);
		put_cidr4(&e, "dest", r->dest);
		put_cidr6(&e, "dest6", &r->dest6);
		PUT_BUF(&e, "prefix_list_id", r->prefix_list_id);
		PUT_ENUM(&e, "target_type", r->target_type, target_type_names);
		PUT_BUF(&e, "target_id", r->target_id);
		PUT_ENUM(&e, "origin", r->origin, origin_names);
		put_bool(&e, "blackhole", r->blackhole);
		elem_end(s, a, &e);
	}
	array_end(s, "routes", a);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_assocs && !s->err; i++) {
		const struct model_rtb_assoc *r = &o->assocs[i];
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "id", r->id);
		put_bool(&e, "main", r->main);
		PUT_BUF(&e, "subnet_id", r->subnet_id);
		PUT_BUF(&e, "gateway_id", r->gateway_id);
		elem_end(s, a, &e);
	}
	array_end(s, "assocs", a);
	put_id_array(s, "propagating_vgws", (const char(*)[MODEL_ID_LEN])o->propagating_vgws,
		     o->n_propagating_vgws);
	put_tags(s, "tags", &o->tags);
}

static void des_route_table(struct des *d, struct model_route_table *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "owner_id", o->owner_id);
	a = get_array(d, "routes", &n);
	if (a && RESERVE(d, o->routes, o->cap_routes, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_route *r = &o->routes[i];

			o->n_routes = i + 1;
			GET_ENUM(&e, "dest_type", r->dest_type, dest_type_names);
			get_cidr4(&e, "dest", &r->dest);
			get_cidr6(&e, "dest6", &r->dest6);
			GET_BUF(&e, "prefix_list_id", r->prefix_list_id);
			GET_ENUM(&e, "target_type", r->target_type, target_type_names);
			GET_BUF(&e, "target_id", r->target_id);
			GET_ENUM(&e, "origin", r->origin, origin_names);
			get_bool(&e, "blackhole", &r->blackhole);
			des_sub_end(d, &e);
		}
	}
	a = get_array(d, "assocs", &n);
	if (a && RESERVE(d, o->assocs, o->cap_assocs, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_rtb_assoc *r = &o->assocs[i];

			o->n_assocs = i + 1;
			GET_BUF(&e, "id", r->id);
			get_bool(&e, "main", &r->main);
			GET_BUF(&e, "subnet_id", r->subnet_id);
			GET_BUF(&e, "gateway_id", r->gateway_id);
			des_sub_end(d, &e);
		}
	}
	get_id_array(d, "propagating_vgws", &o->propagating_vgws, &o->n_propagating_vgws,
		     &o->cap_propagating_vgws);
	get_tags(d, "tags", &o->tags);
}

/* ---- security group ---------------------------------------------------- */

static void ser_sg(struct ser *s, const struct model_sg *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "owner_id", o->owner_id);
	put_strp(s, "name", o->name);
	put_strp(s, "description", o->description);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_rules && !s->err; i++) {
		const struct model_sg_rule *r = &o->rules[i];
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "id", r->id);
		put_bool(&e, "egress", r->egress);
		put_int(&e, "protocol", r->protocol);
		put_int(&e, "from_port", r->from_port);
		put_int(&e, "to_port", r->to_port);
		PUT_ENUM(&e, "peer_type", r->peer_type, peer_type_names);
		put_cidr4(&e, "cidr", r->cidr);
		put_cidr6(&e, "cidr6", &r->cidr6);
		PUT_BUF(&e, "prefix_list_id", r->prefix_list_id);
		PUT_BUF(&e, "group_id", r->group_id);
		PUT_BUF(&e, "group_owner", r->group_owner);
		put_strp(&e, "description", r->description);
		put_tags(&e, "tags", &r->tags);
		elem_end(s, a, &e);
	}
	array_end(s, "rules", a);
	put_tags(s, "tags", &o->tags);
}

static void des_sg(struct des *d, struct model_sg *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "owner_id", o->owner_id);
	get_strp(d, "name", &o->name);
	get_strp(d, "description", &o->description);
	a = get_array(d, "rules", &n);
	if (a && RESERVE(d, o->rules, o->cap_rules, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_sg_rule *r = &o->rules[i];

			o->n_rules = i + 1;
			GET_BUF(&e, "id", r->id);
			get_bool(&e, "egress", &r->egress);
			GET_INT(&e, "protocol", r->protocol);
			GET_INT(&e, "from_port", r->from_port);
			GET_INT(&e, "to_port", r->to_port);
			GET_ENUM(&e, "peer_type", r->peer_type, peer_type_names);
			get_cidr4(&e, "cidr", &r->cidr);
			get_cidr6(&e, "cidr6", &r->cidr6);
			GET_BUF(&e, "prefix_list_id", r->prefix_list_id);
			GET_BUF(&e, "group_id", r->group_id);
			GET_BUF(&e, "group_owner", r->group_owner);
			get_strp(&e, "description", &r->description);
			get_tags(&e, "tags", &r->tags);
			des_sub_end(d, &e);
		}
	}
	get_tags(d, "tags", &o->tags);
}

/* ---- network ACL ------------------------------------------------------- */

static void ser_nacl(struct ser *s, const struct model_nacl *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "owner_id", o->owner_id);
	put_bool(s, "is_default", o->is_default);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_entries && !s->err; i++) {
		const struct model_nacl_entry *r = &o->entries[i];
		struct ser e = elem_begin(s);

		put_int(&e, "rule_number", r->rule_number);
		put_bool(&e, "egress", r->egress);
		put_int(&e, "protocol", r->protocol);
		put_bool(&e, "allow", r->allow);
		put_bool(&e, "is_ipv6", r->is_ipv6);
		put_cidr4(&e, "cidr", r->cidr);
		put_cidr6(&e, "cidr6", &r->cidr6);
		put_int(&e, "from_port", r->from_port);
		put_int(&e, "to_port", r->to_port);
		put_int(&e, "icmp_type", r->icmp_type);
		put_int(&e, "icmp_code", r->icmp_code);
		elem_end(s, a, &e);
	}
	array_end(s, "entries", a);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_assocs && !s->err; i++) {
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "id", o->assocs[i].id);
		PUT_BUF(&e, "subnet_id", o->assocs[i].subnet_id);
		elem_end(s, a, &e);
	}
	array_end(s, "assocs", a);
	put_tags(s, "tags", &o->tags);
}

static void des_nacl(struct des *d, struct model_nacl *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "owner_id", o->owner_id);
	get_bool(d, "is_default", &o->is_default);
	/* Stored order is kept as is (it was the model's order when saved). */
	a = get_array(d, "entries", &n);
	if (a && RESERVE(d, o->entries, o->cap_entries, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_nacl_entry *r = &o->entries[i];

			o->n_entries = i + 1;
			GET_INT(&e, "rule_number", r->rule_number);
			get_bool(&e, "egress", &r->egress);
			GET_INT(&e, "protocol", r->protocol);
			get_bool(&e, "allow", &r->allow);
			get_bool(&e, "is_ipv6", &r->is_ipv6);
			get_cidr4(&e, "cidr", &r->cidr);
			get_cidr6(&e, "cidr6", &r->cidr6);
			GET_INT(&e, "from_port", r->from_port);
			GET_INT(&e, "to_port", r->to_port);
			GET_INT(&e, "icmp_type", r->icmp_type);
			GET_INT(&e, "icmp_code", r->icmp_code);
			des_sub_end(d, &e);
		}
	}
	a = get_array(d, "assocs", &n);
	if (a && RESERVE(d, o->assocs, o->cap_assocs, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));

			o->n_assocs = i + 1;
			GET_BUF(&e, "id", o->assocs[i].id);
			GET_BUF(&e, "subnet_id", o->assocs[i].subnet_id);
			des_sub_end(d, &e);
		}
	}
	get_tags(d, "tags", &o->tags);
}

/* ---- ENI --------------------------------------------------------------- */

static bool attachment_is_zero(const struct model_eni_attachment *a)
{
	static const struct model_eni_attachment zero;

	/* Field by field: padding bytes may differ. */
	return !a->present && !a->id[0] && !a->instance_id[0] && !a->instance_owner[0] &&
	       a->device_index == zero.device_index &&
	       a->network_card_index == zero.network_card_index && !a->delete_on_termination &&
	       !a->status[0] && a->attach_time == 0;
}

static void ser_eni(struct ser *s, const struct model_eni *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "subnet_id", o->subnet_id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "az", o->az);
	PUT_BUF(s, "owner_id", o->owner_id);
	PUT_BUF(s, "mac", o->mac);
	put_strp(s, "description", o->description);
	PUT_BUF(s, "interface_type", o->interface_type);
	put_bool(s, "requester_managed", o->requester_managed);
	PUT_BUF(s, "requester_id", o->requester_id);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_ips && !s->err; i++) {
		const struct model_eni_ip *ip = &o->ips[i];
		struct ser e = elem_begin(s);
		char buf[NET_IP4_STRLEN];

		/* The private IP is always written, even 0.0.0.0. */
		ser_set(&e, "ip", json_string(net_ip4_format(ip->ip, buf)), -ENOMEM);
		put_bool(&e, "primary", ip->primary);
		put_ip4(&e, "public_ip", ip->public_ip);
		PUT_BUF(&e, "allocation_id", ip->allocation_id);
		PUT_BUF(&e, "association_id", ip->association_id);
		elem_end(s, a, &e);
	}
	array_end(s, "ips", a);
	put_cidr4_array(s, "prefixes", o->prefixes, o->n_prefixes);
	put_id_array(s, "sg_ids", (const char(*)[MODEL_ID_LEN])o->sg_ids, o->n_sg_ids);
	put_bool(s, "source_dest_check", o->source_dest_check);
	PUT_ENUM(s, "status", o->status, eni_status_names);
	if (!attachment_is_zero(&o->attachment) && !s->err) {
		const struct model_eni_attachment *at = &o->attachment;
		struct ser e = elem_begin(s);

		put_bool(&e, "present", at->present);
		PUT_BUF(&e, "id", at->id);
		PUT_BUF(&e, "instance_id", at->instance_id);
		PUT_BUF(&e, "instance_owner", at->instance_owner);
		put_int(&e, "device_index", at->device_index);
		put_int(&e, "network_card_index", at->network_card_index);
		put_bool(&e, "delete_on_termination", at->delete_on_termination);
		PUT_BUF(&e, "status", at->status);
		put_int(&e, "attach_time", at->attach_time);
		if (e.err) {
			s->err = e.err;
			json_decref(e.o);
		} else {
			ser_set(s, "attachment", e.o, -ENOMEM);
		}
	}
	put_int(s, "tcp_established_timeout", o->tcp_established_timeout);
	put_int(s, "udp_stream_timeout", o->udp_stream_timeout);
	put_int(s, "udp_timeout", o->udp_timeout);
	put_tags(s, "tags", &o->tags);
}

static void des_eni(struct des *d, struct model_eni *o)
{
	const json_t *a, *v;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "subnet_id", o->subnet_id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "az", o->az);
	GET_BUF(d, "owner_id", o->owner_id);
	GET_BUF(d, "mac", o->mac);
	get_strp(d, "description", &o->description);
	GET_BUF(d, "interface_type", o->interface_type);
	get_bool(d, "requester_managed", &o->requester_managed);
	GET_BUF(d, "requester_id", o->requester_id);
	a = get_array(d, "ips", &n);
	if (a && RESERVE(d, o->ips, o->cap_ips, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));
			struct model_eni_ip *ip = &o->ips[i];

			o->n_ips = i + 1;
			if (!json_object_get(e.o, "ip"))
				des_fail(&e);
			get_ip4(&e, "ip", &ip->ip);
			get_bool(&e, "primary", &ip->primary);
			get_ip4(&e, "public_ip", &ip->public_ip);
			GET_BUF(&e, "allocation_id", ip->allocation_id);
			GET_BUF(&e, "association_id", ip->association_id);
			des_sub_end(d, &e);
		}
	}
	get_cidr4_array(d, "prefixes", &o->prefixes, &o->n_prefixes, &o->cap_prefixes);
	get_id_array(d, "sg_ids", &o->sg_ids, &o->n_sg_ids, &o->cap_sg_ids);
	get_bool(d, "source_dest_check", &o->source_dest_check);
	GET_ENUM(d, "status", o->status, eni_status_names);
	v = des_get(d, "attachment");
	if (v) {
		struct model_eni_attachment *at = &o->attachment;
		struct des e = des_sub(d, v);

		get_bool(&e, "present", &at->present);
		GET_BUF(&e, "id", at->id);
		GET_BUF(&e, "instance_id", at->instance_id);
		GET_BUF(&e, "instance_owner", at->instance_owner);
		GET_INT(&e, "device_index", at->device_index);
		GET_INT(&e, "network_card_index", at->network_card_index);
		get_bool(&e, "delete_on_termination", &at->delete_on_termination);
		GET_BUF(&e, "status", at->status);
		GET_I64(&e, "attach_time", at->attach_time);
		des_sub_end(d, &e);
	}
	GET_U32(d, "tcp_established_timeout", o->tcp_established_timeout);
	GET_U32(d, "udp_stream_timeout", o->udp_stream_timeout);
	GET_U32(d, "udp_timeout", o->udp_timeout);
	get_tags(d, "tags", &o->tags);
}

/* ---- instance ---------------------------------------------------------- */

static void ser_instance(struct ser *s, const struct model_instance *o)
{
	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "reservation_id", o->reservation_id);
	PUT_BUF(s, "owner_id", o->owner_id);
	PUT_BUF(s, "image_id", o->image_id);
	PUT_BUF(s, "instance_type", o->instance_type);
	PUT_BUF(s, "subnet_id", o->subnet_id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_BUF(s, "az", o->az);
	put_strp(s, "key_name", o->key_name);
	PUT_ENUM(s, "state", o->state, instance_state_names);
	put_int(s, "launch_time", o->launch_time);
	put_int(s, "ami_launch_index", o->ami_launch_index);
	put_bool(s, "metadata_tokens_required", o->metadata_tokens_required);
	put_int(s, "metadata_hop_limit", o->metadata_hop_limit);
	put_bool(s, "metadata_endpoint_enabled", o->metadata_endpoint_enabled);
	put_bool(s, "metadata_protocol_ipv6", o->metadata_protocol_ipv6);
	put_bool(s, "metadata_tags_enabled", o->metadata_tags_enabled);
	put_bool(s, "auto_public_ip", o->auto_public_ip);
	put_tags(s, "tags", &o->tags);
}

static void des_instance(struct des *d, struct model_instance *o)
{
	GET_BUF(d, "id", o->id);
	GET_BUF(d, "reservation_id", o->reservation_id);
	GET_BUF(d, "owner_id", o->owner_id);
	GET_BUF(d, "image_id", o->image_id);
	GET_BUF(d, "instance_type", o->instance_type);
	GET_BUF(d, "subnet_id", o->subnet_id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_BUF(d, "az", o->az);
	get_strp(d, "key_name", &o->key_name);
	GET_ENUM(d, "state", o->state, instance_state_names);
	GET_I64(d, "launch_time", o->launch_time);
	GET_INT(d, "ami_launch_index", o->ami_launch_index);
	get_bool(d, "metadata_tokens_required", &o->metadata_tokens_required);
	GET_INT(d, "metadata_hop_limit", o->metadata_hop_limit);
	get_bool(d, "metadata_endpoint_enabled", &o->metadata_endpoint_enabled);
	/* Absent in rows written before these fields existed: false, the defaults. */
	get_bool(d, "metadata_protocol_ipv6", &o->metadata_protocol_ipv6);
	get_bool(d, "metadata_tags_enabled", &o->metadata_tags_enabled);
	get_bool(d, "auto_public_ip", &o->auto_public_ip);
	get_tags(d, "tags", &o->tags);
}

/* ---- internet gateway, Elastic IP, NAT gateway ------------------------- */

static void ser_igw(struct ser *s, const struct model_igw *o)
{
	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "owner_id", o->owner_id);
	PUT_BUF(s, "attachment_vpc_id", o->attachment.vpc_id);
	PUT_BUF(s, "attachment_state", o->attachment.state);
	put_tags(s, "tags", &o->tags);
}

static void des_igw(struct des *d, struct model_igw *o)
{
	GET_BUF(d, "id", o->id);
	GET_BUF(d, "owner_id", o->owner_id);
	GET_BUF(d, "attachment_vpc_id", o->attachment.vpc_id);
	GET_BUF(d, "attachment_state", o->attachment.state);
	get_tags(d, "tags", &o->tags);
}

static void ser_eip(struct ser *s, const struct model_eip *o)
{
	PUT_BUF(s, "allocation_id", o->allocation_id);
	put_ip4(s, "public_ip", o->public_ip);
	PUT_BUF(s, "association_id", o->association_id);
	PUT_BUF(s, "eni_id", o->eni_id);
	PUT_BUF(s, "instance_id", o->instance_id);
	put_ip4(s, "private_ip", o->private_ip);
	PUT_BUF(s, "eni_owner", o->eni_owner);
	PUT_BUF(s, "network_border_group", o->network_border_group);
	put_tags(s, "tags", &o->tags);
}

static void des_eip(struct des *d, struct model_eip *o)
{
	GET_BUF(d, "allocation_id", o->allocation_id);
	get_ip4(d, "public_ip", &o->public_ip);
	GET_BUF(d, "association_id", o->association_id);
	GET_BUF(d, "eni_id", o->eni_id);
	GET_BUF(d, "instance_id", o->instance_id);
	get_ip4(d, "private_ip", &o->private_ip);
	GET_BUF(d, "eni_owner", o->eni_owner);
	GET_BUF(d, "network_border_group", o->network_border_group);
	get_tags(d, "tags", &o->tags);
}

static void ser_nat_gateway(struct ser *s, const struct model_nat_gateway *o)
{
	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "subnet_id", o->subnet_id);
	PUT_BUF(s, "vpc_id", o->vpc_id);
	PUT_ENUM(s, "connectivity", o->connectivity, nat_connectivity_names);
	PUT_ENUM(s, "state", o->state, state_names);
	PUT_BUF(s, "eni_id", o->eni_id);
	put_ip4(s, "private_ip", o->private_ip);
	PUT_BUF(s, "allocation_id", o->allocation_id);
	put_ip4(s, "public_ip", o->public_ip);
	put_int(s, "create_time", o->create_time);
	put_int(s, "delete_time", o->delete_time);
	put_strp(s, "failure_code", o->failure_code);
	put_strp(s, "failure_message", o->failure_message);
	put_tags(s, "tags", &o->tags);
}

static void des_nat_gateway(struct des *d, struct model_nat_gateway *o)
{
	GET_BUF(d, "id", o->id);
	GET_BUF(d, "subnet_id", o->subnet_id);
	GET_BUF(d, "vpc_id", o->vpc_id);
	GET_ENUM(d, "connectivity", o->connectivity, nat_connectivity_names);
	GET_ENUM(d, "state", o->state, state_names);
	GET_BUF(d, "eni_id", o->eni_id);
	get_ip4(d, "private_ip", &o->private_ip);
	GET_BUF(d, "allocation_id", o->allocation_id);
	get_ip4(d, "public_ip", &o->public_ip);
	GET_I64(d, "create_time", o->create_time);
	GET_I64(d, "delete_time", o->delete_time);
	get_strp(d, "failure_code", &o->failure_code);
	get_strp(d, "failure_message", &o->failure_message);
	get_tags(d, "tags", &o->tags);
}

/* ---- VPN: virtual private gateway, customer gateway, connection --------- */

static void ser_vgw(struct ser *s, const struct model_vgw *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "type", o->type);
	PUT_BUF(s, "az", o->az);
	put_int(s, "amazon_side_asn", o->amazon_side_asn);
	PUT_ENUM(s, "state", o->state, state_names);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_attachments && !s->err; i++) {
		struct ser e = elem_begin(s);

		PUT_BUF(&e, "vpc_id", o->attachments[i].vpc_id);
		PUT_BUF(&e, "state", o->attachments[i].state);
		elem_end(s, a, &e);
	}
	array_end(s, "attachments", a);
	put_tags(s, "tags", &o->tags);
}

static void des_vgw(struct des *d, struct model_vgw *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "type", o->type);
	GET_BUF(d, "az", o->az);
	GET_U32(d, "amazon_side_asn", o->amazon_side_asn);
	GET_ENUM(d, "state", o->state, state_names);
	a = get_array(d, "attachments", &n);
	if (a && RESERVE(d, o->attachments, o->cap_attachments, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));

			o->n_attachments = i + 1;
			GET_BUF(&e, "vpc_id", o->attachments[i].vpc_id);
			GET_BUF(&e, "state", o->attachments[i].state);
			des_sub_end(d, &e);
		}
	}
	get_tags(d, "tags", &o->tags);
}

static void ser_cgw(struct ser *s, const struct model_cgw *o)
{
	PUT_BUF(s, "id", o->id);
	put_int(s, "bgp_asn", o->bgp_asn);
	put_ip4(s, "ip_address", o->ip_address);
	PUT_BUF(s, "type", o->type);
	put_strp(s, "device_name", o->device_name);
	PUT_ENUM(s, "state", o->state, state_names);
	put_tags(s, "tags", &o->tags);
}

static void des_cgw(struct des *d, struct model_cgw *o)
{
	GET_BUF(d, "id", o->id);
	GET_U32(d, "bgp_asn", o->bgp_asn);
	get_ip4(d, "ip_address", &o->ip_address);
	GET_BUF(d, "type", o->type);
	get_strp(d, "device_name", &o->device_name);
	GET_ENUM(d, "state", o->state, state_names);
	get_tags(d, "tags", &o->tags);
}

static void ser_vpn(struct ser *s, const struct model_vpn_connection *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "cgw_id", o->cgw_id);
	PUT_BUF(s, "vgw_id", o->vgw_id);
	PUT_BUF(s, "type", o->type);
	PUT_ENUM(s, "state", o->state, state_names);
	put_bool(s, "static_routes_only", o->static_routes_only);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_routes && !s->err; i++) {
		struct ser e = elem_begin(s);

		put_cidr4(&e, "cidr", o->routes[i].cidr);
		PUT_BUF(&e, "state", o->routes[i].state);
		elem_end(s, a, &e);
	}
	array_end(s, "routes", a);
	/* Always both tunnels, in order. */
	a = array_begin(s);
	for (size_t i = 0; i < ARRAY_SIZE(o->tunnels) && !s->err; i++) {
		struct ser e = elem_begin(s);

		put_ip4(&e, "outside_ip", o->tunnels[i].outside_ip);
		put_cidr4(&e, "inside_cidr", o->tunnels[i].inside_cidr);
		put_bool(&e, "up", o->tunnels[i].up);
		elem_end(s, a, &e);
	}
	array_end(s, "tunnels", a);
	put_strp(s, "customer_gateway_configuration", o->customer_gateway_configuration);
	put_tags(s, "tags", &o->tags);
}

static void des_vpn(struct des *d, struct model_vpn_connection *o)
{
	const json_t *a;
	size_t n;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "cgw_id", o->cgw_id);
	GET_BUF(d, "vgw_id", o->vgw_id);
	GET_BUF(d, "type", o->type);
	GET_ENUM(d, "state", o->state, state_names);
	get_bool(d, "static_routes_only", &o->static_routes_only);
	a = get_array(d, "routes", &n);
	if (a && RESERVE(d, o->routes, o->cap_routes, n) == 0) {
		for (size_t i = 0; i < n && !d->err; i++) {
			struct des e = des_sub(d, json_array_get(a, i));

			o->n_routes = i + 1;
			get_cidr4(&e, "cidr", &o->routes[i].cidr);
			GET_BUF(&e, "state", o->routes[i].state);
			des_sub_end(d, &e);
		}
	}
	a = get_array(d, "tunnels", &n);
	if (a && n != ARRAY_SIZE(o->tunnels))
		des_fail(d);
	for (size_t i = 0; a && i < n && !d->err; i++) {
		struct des e = des_sub(d, json_array_get(a, i));

		get_ip4(&e, "outside_ip", &o->tunnels[i].outside_ip);
		get_cidr4(&e, "inside_cidr", &o->tunnels[i].inside_cidr);
		get_bool(&e, "up", &o->tunnels[i].up);
		des_sub_end(d, &e);
	}
	get_strp(d, "customer_gateway_configuration", &o->customer_gateway_configuration);
	get_tags(d, "tags", &o->tags);
}

/* ---- flow log, prefix list --------------------------------------------- */

static void ser_flow_log(struct ser *s, const struct model_flow_log *o)
{
	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "resource_id", o->resource_id);
	PUT_ENUM(s, "traffic_type", o->traffic_type, flow_traffic_names);
	PUT_BUF(s, "destination_type", o->destination_type);
	put_strp(s, "destination", o->destination);
	put_strp(s, "log_group_name", o->log_group_name);
	put_strp(s, "deliver_logs_permission_arn", o->deliver_logs_permission_arn);
	put_strp(s, "format", o->format);
	put_int(s, "max_aggregation_interval", o->max_aggregation_interval);
	put_int(s, "creation_time", o->creation_time);
	PUT_BUF(s, "status", o->status);
	put_tags(s, "tags", &o->tags);
}

static void des_flow_log(struct des *d, struct model_flow_log *o)
{
	GET_BUF(d, "id", o->id);
	GET_BUF(d, "resource_id", o->resource_id);
	GET_ENUM(d, "traffic_type", o->traffic_type, flow_traffic_names);
	GET_BUF(d, "destination_type", o->destination_type);
	get_strp(d, "destination", &o->destination);
	get_strp(d, "log_group_name", &o->log_group_name);
	get_strp(d, "deliver_logs_permission_arn", &o->deliver_logs_permission_arn);
	get_strp(d, "format", &o->format);
	GET_INT(d, "max_aggregation_interval", o->max_aggregation_interval);
	GET_I64(d, "creation_time", o->creation_time);
	GET_BUF(d, "status", o->status);
	get_tags(d, "tags", &o->tags);
}

static void ser_prefix_list(struct ser *s, const struct model_prefix_list *o)
{
	PUT_BUF(s, "id", o->id);
	put_strp(s, "name", o->name);
	put_cidr4_array(s, "cidrs", o->cidrs, o->n_cidrs);
	put_int(s, "max_entries", o->max_entries);
	put_bool(s, "aws_managed", o->aws_managed);
	put_tags(s, "tags", &o->tags);
}

static void des_prefix_list(struct des *d, struct model_prefix_list *o)
{
	GET_BUF(d, "id", o->id);
	get_strp(d, "name", &o->name);
	get_cidr4_array(d, "cidrs", &o->cidrs, &o->n_cidrs, &o->cap_cidrs);
	GET_INT(d, "max_entries", o->max_entries);
	get_bool(d, "aws_managed", &o->aws_managed);
	get_tags(d, "tags", &o->tags);
}

static void ser_dopt(struct ser *s, const struct model_dopt *o)
{
	json_t *a;

	PUT_BUF(s, "id", o->id);
	PUT_BUF(s, "owner_id", o->owner_id);
	a = array_begin(s);
	for (size_t i = 0; i < o->n_configs && !s->err; i++) {
		const struct model_dhcp_config *c = &o->configs[i];
		struct ser e = elem_begin(s);
		json_t *v = array_begin(&e);

		PUT_BUF(&e, "key", c->key);
		for (size_t k = 0; k < c->n_values && !e.err; k++)
			array_append(&e, v, text(c->values[k]), -EINVAL);
		array_end(&e, "values", v);
		elem_end(s, a, &e);
	}
	array_end(s, "configs", a);
	put_bool(s, "region_default", o->region_default);
	put_tags(s, "tags", &o->tags);
}

static void des_dopt(struct des *d, struct model_dopt *o)
{
	const json_t *a, *v;
	size_t n, nv;

	GET_BUF(d, "id", o->id);
	GET_BUF(d, "owner_id", o->owner_id);
	a = get_array(d, "configs", &n);
	if (n > MODEL_DHCP_KEYS_MAX)
		des_fail(d);
	for (size_t i = 0; a && i < n && !d->err; i++) {
		struct des e = des_sub(d, json_array_get(a, i));
		struct model_dhcp_config *c = &o->configs[i];

		o->n_configs = i + 1;
		GET_BUF(&e, "key", c->key);
		v = get_array(&e, "values", &nv);
		if (nv > MODEL_DHCP_VALUES_MAX)
			des_fail(&e);
		for (size_t k = 0; v && k < nv && !e.err; k++) {
			const char *str =
			    string_value(&e, json_array_get(v, k), MODEL_DHCP_VALUE_LEN - 1);

			if (str)
				memcpy(c->values[k], str, strlen(str) + 1);
			c->n_values = k + 1;
		}
		des_sub_end(d, &e);
	}
	get_bool(d, "region_default", &o->region_default);
	get_tags(d, "tags", &o->tags);
}

/* ---- per-kind entry points ----------------------------------------------- */

/*
 * For each kind: the public serialise/deserialise pair and the accessors the
 * kind table uses.  Deserialising builds the object in a scratch model and
 * moves it into m only when it is complete and has its ID.
 */
#define STORE_KIND(kind, type, field, idfield)                                                     \
	int store_serialize_##kind(const type *o, json_t **ret_json)                               \
	{                                                                                          \
		struct ser s = {.o = json_object(), .err = 0};                                     \
                                                                                                   \
		if (!s.o)                                                                          \
			return -ENOMEM;                                                            \
		ser_##kind(&s, o);                                                                 \
		if (!s.err && !o->idfield[0])                                                      \
			s.err = -EINVAL;                                                           \
		if (s.err) {                                                                       \
			json_decref(s.o);                                                          \
			return s.err;                                                              \
		}                                                                                  \
		*ret_json = s.o;                                                                   \
		return 0;                                                                          \
	}                                                                                          \
	int store_deserialize_##kind(const json_t *json, struct model *m)                          \
	{                                                                                          \
		struct des d = {.o = json, .used = 0, .err = 0};                                   \
		struct model *tmp;                                                                 \
		type *o;                                                                           \
                                                                                                   \
		if (!json_is_object(json))                                                         \
			return -EPROTO;                                                            \
		tmp = model_new(NULL, NULL);                                                       \
		if (!tmp)                                                                          \
			return -ENOMEM;                                                            \
		o = model_add_##kind(tmp);                                                         \
		if (!o) {                                                                          \
			model_free(tmp);                                                           \
			return -ENOMEM;                                                            \
		}                                                                                  \
		des_##kind(&d, o);                                                                 \
		des_finish(&d);                                                                    \
		if (!d.err && !o->idfield[0])                                                      \
			d.err = -EPROTO;                                                           \
		if (!d.err && VEC_PUSH(m->field, m->n_##field, m->cap_##field, o) < 0)             \
			d.err = -ENOMEM;                                                           \
		if (!d.err)                                                                        \
			tmp->n_##field = 0; /* now owned by m */                                   \
		model_free(tmp);                                                                   \
		return d.err;                                                                      \
	}                                                                                          \
	static size_t kind##_count(const struct model *m)                                          \
	{                                                                                          \
		return m->n_##field;                                                               \
	}                                                                                          \
	static const char *kind##_id(const struct model *m, size_t i)                              \
	{                                                                                          \
		return m->field[i]->idfield;                                                       \
	}                                                                                          \
	static int kind##_serialize_at(const struct model *m, size_t i, json_t **ret_json)         \
	{                                                                                          \
		return store_serialize_##kind(m->field[i], ret_json);                              \
	}                                                                                          \
	static struct store_fp kind##_fingerprint_at(const struct model *m, size_t i)              \
	{                                                                                          \
		return store_fingerprint_##kind(m->field[i]);                                      \
	}

STORE_KIND(vpc, struct model_vpc, vpcs, id)
STORE_KIND(subnet, struct model_subnet, subnets, id)
STORE_KIND(route_table, struct model_route_table, route_tables, id)
STORE_KIND(sg, struct model_sg, sgs, id)
STORE_KIND(nacl, struct model_nacl, nacls, id)
STORE_KIND(eni, struct model_eni, enis, id)
STORE_KIND(instance, struct model_instance, instances, id)
STORE_KIND(igw, struct model_igw, igws, id)
STORE_KIND(eip, struct model_eip, eips, allocation_id)
STORE_KIND(nat_gateway, struct model_nat_gateway, nat_gateways, id)
STORE_KIND(vgw, struct model_vgw, vgws, id)
STORE_KIND(cgw, struct model_cgw, cgws, id)
STORE_KIND(vpn, struct model_vpn_connection, vpns, id)
STORE_KIND(flow_log, struct model_flow_log, flow_logs, id)
STORE_KIND(prefix_list, struct model_prefix_list, prefix_lists, id)
STORE_KIND(dopt, struct model_dopt, dopts, id)

#define KIND_ENTRY(name, kind)                                                                     \
	{                                                                                          \
		name, kind##_count, kind##_id, kind##_serialize_at, store_deserialize_##kind,      \
		    kind##_fingerprint_at                                                          \
	}

static const struct store_kind kinds[] = {
    KIND_ENTRY("vpc", vpc),
    KIND_ENTRY("subnet", subnet),
    KIND_ENTRY("route-table", route_table),
    KIND_ENTRY("security-group", sg),
    KIND_ENTRY("network-acl", nacl),
    KIND_ENTRY("network-interface", eni),
    KIND_ENTRY("instance", instance),
    KIND_ENTRY("internet-gateway", igw),
    KIND_ENTRY("elastic-ip", eip),
    KIND_ENTRY("nat-gateway", nat_gateway),
    KIND_ENTRY("vpn-gateway", vgw),
    KIND_ENTRY("customer-gateway", cgw),
    KIND_ENTRY("vpn-connection", vpn),
    KIND_ENTRY("flow-log", flow_log),
    KIND_ENTRY("prefix-list", prefix_list),
    KIND_ENTRY("dhcp-options", dopt),
};

const struct store_kind *store_kinds(size_t *ret_count)
{
	*ret_count = ARRAY_SIZE(kinds);
	return kinds;
}

const struct store_kind *store_kind_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* ---- whole model --------------------------------------------------------- */

int store_serialize_model(const struct model *m, json_t **ret_json)
{
	struct ser s = {.o = json_object(), .err = 0};

	if (!s.o)
		return -ENOMEM;
	PUT_BUF(&s, "account_id", m->account_id);
	PUT_BUF(&s, "region", m->region);
	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !s.err; k++) {
		json_t *a = array_begin(&s);

		for (size_t i = 0; i < kinds[k].count(m) && !s.err; i++) {
			json_t *o = NULL;

			s.err = kinds[k].serialize(m, i, &o);
			if (!s.err)
				array_append(&s, a, o, -ENOMEM);
		}
		array_end(&s, kinds[k].name, a);
	}
	if (s.err) {
		json_decref(s.o);
		return s.err;
	}
	*ret_json = s.o;
	return 0;
}

int store_deserialize_model(const json_t *json, struct model **ret_model)
{
	struct des d = {.o = json, .used = 0, .err = 0};
	char account[MODEL_ACCOUNT_LEN] = "", region[MODEL_AZ_LEN] = "";
	struct model *m;

	if (!json_is_object(json))
		return -EPROTO;
	GET_BUF(&d, "account_id", account);
	GET_BUF(&d, "region", region);
	if (d.err)
		return d.err;
	if (!account[0] || !region[0])
		return -EPROTO;
	m = model_new(account, region);
	if (!m)
		return -ENOMEM;
	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !d.err; k++) {
		size_t n;
		const json_t *a = get_array(&d, kinds[k].name, &n);

		for (size_t i = 0; a && i < n && !d.err; i++)
			d.err = kinds[k].deserialize(json_array_get(a, i), m);
	}
	des_finish(&d);
	if (d.err) {
		model_free(m);
		return d.err;
	}
	*ret_model = m;
	return 0;
}

