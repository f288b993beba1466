/*
 * store/serialize: model objects <-> JSON.  See serialize.h.
 *
 * Every stored struct is described once, by a table of its members (key,
 * kind, offset; checked against the member's C type at compile time) in
 * the order they are written; ser_fields() and des_fields() walk the same
 * table, so writing and reading cannot drift apart.  Writers go through
 * struct ser, which remembers the first error.  Readers go through struct
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"
#include "store/json-text.h"

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

/*
 * Objects are written straight into compact JSON text (store/json-text.h),
 * the bytes json_dumps(JSON_COMPACT) would give for the same members in the
 * same order, without building a json_t tree.  struct ser is the object
 * being written: its members are separated by commas (first tells whether
 * one was written yet); the first error is kept and every later call does
 * nothing, and then the text is thrown away.
 */
struct ser {
	struct store_text *b;
	bool first;
	int err;
};

static void fail(struct ser *s, int err)
{
	if (!s->err)
		s->err = err;
}

/*
 * `,"key":` (the value follows).  Keys are this file's literals, none with a
 * byte that JSON escapes (the unit tests compare every kind's text with
 * json_dumps), so they are copied as they are.
 */
static void ser_key(struct ser *s, const char *key)
{
	struct store_text *b = s->b;
	size_t len = strlen(key);

	if (!store_text_reserve(b, len + 4))
		return;
	if (!s->first)
		b->p[b->n++] = ',';
	s->first = false;
	b->p[b->n++] = '"';
	memcpy(b->p + b->n, key, len);
	b->n += len;
	b->p[b->n++] = '"';
	b->p[b->n++] = ':';
}

/*
 * A string value: -EINVAL unless valid UTF-8 (what json_string() refuses).
 * Printable ASCII without '"' or '\\' (IDs, CIDRs, states, most tags) is
 * valid and needs no escape: one pass, one copy.
 */
static void ser_text(struct ser *s, const char *str, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		store_text_quoted(s->b, str, n);
		return;
	}
	if (!store_text_utf8_valid(str, n)) {
		fail(s, -EINVAL);
		return;
	}
	store_text_string(s->b, str, n);
}

static void put_text(struct ser *s, const char *key, const char *str)
{
	if (s->err)
		return;
	ser_key(s, key);
	ser_text(s, str, strlen(str));
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
		put_text(s, key, buf);
}
#define PUT_BUF(s, key, field) put_buf((s), (key), (field), sizeof(field))

/* A heap string: left out when NULL, "" kept. */
static void put_strp(struct ser *s, const char *key, const char *str)
{
	if (str && strlen(str) > STORE_SER_STRING_MAX)
		fail(s, -EINVAL);
	if (str)
		put_text(s, key, str);
}

static void put_int(struct ser *s, const char *key, long long v)
{
	if (s->err)
		return;
	ser_key(s, key);
	store_text_int(s->b, v);
}

static void put_bool(struct ser *s, const char *key, bool v)
{
	if (s->err)
		return;
	ser_key(s, key);
	store_text_put(s->b, v ? "true" : "false", v ? 4 : 5);
}

static void put_enum(struct ser *s, const char *key, int v, const char *const *names, size_t n)
{
	if (v < 0 || (size_t)v >= n || !names[v]) {
		fail(s, -EINVAL);
		return;
	}
	put_text(s, key, names[v]);
}

/* An IPv4 address (written even when 0). */
static void put_ip4_always(struct ser *s, const char *key, uint32_t ip)
{
	char buf[NET_IP4_STRLEN];

	put_text(s, key, net_ip4_format(ip, buf));
}

/* An IPv4 address: left out when 0. */
static void put_ip4(struct ser *s, const char *key, uint32_t ip)
{
	if (ip)
		put_ip4_always(s, key, ip);
}

/* "a.b.c.d/len" exactly as stored (host bits are not cleared); NULL when len > 32. */
static const char *cidr4_text(struct net_cidr4 c, char buf[NET_CIDR4_STRLEN + 4])
{
	char ip[NET_IP4_STRLEN];

	if (c.len > 32)
		return NULL;
	snprintf(buf, NET_CIDR4_STRLEN + 4, "%s/%u", net_ip4_format(c.addr, ip), (unsigned)c.len);
	return buf;
}

static void put_cidr4(struct ser *s, const char *key, struct net_cidr4 c)
{
	char buf[NET_CIDR4_STRLEN + 4];

	if (!cidr4_text(c, buf))
		fail(s, -EINVAL);
	else
		put_text(s, key, buf);
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
		fail(s, -EINVAL);
		return;
	}
	snprintf(buf, sizeof(buf), "%s/%u", net_ip6_format(&c->addr, ip), (unsigned)c->len);
	put_text(s, key, buf);
}

/* An object member of s: `,"key":{` ... obj_end(); sub shares s's text. */
static struct ser obj_begin(struct ser *s, const char *key)
{
	if (!s->err) {
		if (key)
			ser_key(s, key);
		store_text_char(s->b, '{');
	}
	return (struct ser){.b = s->b, .first = true, .err = s->err};
}

static void obj_end(struct ser *s, struct ser *sub)
{
	fail(s, sub->err);
	if (!s->err)
		store_text_char(s->b, '}');
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
	t = obj_begin(s, key);
	for (size_t i = 0; i < tags->n && !t.err; i++) {
		const char *k = tags->items[i].key;
		size_t len = strlen(k);

		/* Over-long, duplicate (model_tags_set makes none) or invalid UTF-8 keys. */
		if (len > STORE_SER_STRING_MAX || !store_text_utf8_valid(k, len)) {
			t.err = -EINVAL;
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(tags->items[j].key, k) == 0)
				t.err = -EINVAL;
		put_strp(&t, k, tags->items[i].value ? tags->items[i].value : "");
	}
	obj_end(s, &t);
}

/*
 * Arrays are left out when empty: array_begin() writes `,"key":[` when n > 0
 * (false: nothing to write, or an error), array_sep() comes before every
 * element but the first, array_end() closes it.
 */
static bool array_begin(struct ser *s, const char *key, size_t n)
{
	if (s->err || n == 0)
		return false;
	if (n > STORE_SER_ARRAY_MAX) {
		s->err = -EINVAL;
		return false;
	}
	ser_key(s, key);
	store_text_char(s->b, '[');
	return true;
}

static void array_sep(struct ser *s, size_t i)
{
	if (i)
		store_text_char(s->b, ',');
}

static void array_end(struct ser *s)
{
	if (!s->err)
		store_text_char(s->b, ']');
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

static void cidr4_from_value(struct des *d, const json_t *v, struct net_cidr4 *ret)
{
	char ip[NET_IP4_STRLEN];
	const char *str;
	unsigned len;
	uint32_t addr;

	str = string_value(d, v, NET_CIDR4_STRLEN);
	if (!str)
		return;
	if (net_prefix_split(str, ip, sizeof(ip), 32, &len) < 0 || net_ip4_parse(ip, &addr) < 0) {
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
	if (net_prefix_split(str, ip, sizeof(ip), 128, &len) < 0 || net_ip6_parse(ip, &addr) < 0) {
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

static void put_cidr4_array(struct ser *s, const char *key, const struct net_cidr4 *items, size_t n)
{
	char buf[NET_CIDR4_STRLEN + 4];

	if (!array_begin(s, key, n))
		return;
	for (size_t i = 0; i < n && !s->err; i++) {
		array_sep(s, i);
		if (!cidr4_text(items[i], buf))
			s->err = -EINVAL;
		else
			ser_text(s, buf, strlen(buf));
	}
	array_end(s);
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

/* ---- field tables ---------------------------------------------------------- */

/*
 * Each stored struct is described once, as a table of its members in the
 * order they are written: ser_fields() writes an object from it and
 * des_fields() reads one back, so the two directions cannot drift apart.
 * The F_* macros check each member's C type at compile time.
 */
enum field_type {
	F_BUF,	   /* char[N], left out when "" */
	F_STRP,	   /* char *, left out when NULL */
	F_INT,	   /* int */
	F_U32,	   /* uint32_t */
	F_I64,	   /* int64_t */
	F_BOOL,	   /* bool */
	F_ENUM,	   /* an enum, by name */
	F_IP4,	   /* uint32_t address, left out when 0 */
	F_IP4_REQ, /* uint32_t address, always written and required */
	F_CIDR4,   /* struct net_cidr4 */
	F_CIDR6,   /* struct net_cidr6, left out when all zero */
	F_TAGS,	   /* struct model_tags */
	F_CIDR4S,  /* struct net_cidr4 * with count and capacity */
	F_IDS,	   /* char (*)[MODEL_ID_LEN] with count and capacity */
	F_TEXTS,   /* char [max][len] inline with a count */
	F_ARRAY,   /* T * with count and capacity: objects of the sub-table */
	F_INLINE,  /* T [max] inline with a count: objects of the sub-table */
	F_EXACT,   /* T [max] inline, always max of them: objects of the sub-table */
	F_OBJECT,  /* T inline, left out when empty() says so: an object */
};

struct field {
	const char *key;
	enum field_type type;
	size_t off;		  /* the member (for arrays: the items) */
	size_t size;		  /* F_BUF: its size; arrays: one element's; F_TEXTS: one text's */
	size_t max;		  /* F_INLINE, F_EXACT, F_TEXTS: elements that fit */
	size_t off_n, off_cap;	  /* arrays: the count and capacity members */
	const char *const *names; /* F_ENUM */
	size_t n_names;
	const struct field *sub; /* F_ARRAY, F_INLINE, F_EXACT, F_OBJECT */
	size_t n_sub;
	bool (*empty)(const void *); /* F_OBJECT */
};

/* 0, or a compile error when cond is false. */
#define FCHECK(cond)		   (0 * sizeof(char[(cond) ? 1 : -1]))
#define FMEMBER(T, m)		   (((T *)0)->m)
#define FIS(T, m, ctype)	   __builtin_types_compatible_p(__typeof__(FMEMBER(T, m)), ctype)
#define FOFF(T, m, cond)	   (offsetof(T, m) + FCHECK(cond))
#define FSCALAR(T, ty, k, m, ctype) {.key = (k), .type = (ty), .off = FOFF(T, m, FIS(T, m, ctype))}
#define F_SIZES(T, m)                                                                              \
	.off_n = FOFF(T, n_##m, FIS(T, n_##m, size_t)),                                            \
	.off_cap = FOFF(T, cap_##m, FIS(T, cap_##m, size_t))

#define F_BUF_(T, k, m)                                                                            \
	{.key = (k), .type = F_BUF, .off = FOFF(T, m, FIS(T, m[0], char)), .size = sizeof(FMEMBER(T, m))}
#define F_STRP_(T, k, m)  FSCALAR(T, F_STRP, k, m, char *)
#define F_INT_(T, k, m)	  FSCALAR(T, F_INT, k, m, int)
#define F_U32_(T, k, m)	  FSCALAR(T, F_U32, k, m, uint32_t)
#define F_I64_(T, k, m)	  FSCALAR(T, F_I64, k, m, int64_t)
#define F_BOOL_(T, k, m)  FSCALAR(T, F_BOOL, k, m, bool)
#define F_IP4_(T, k, m)	  FSCALAR(T, F_IP4, k, m, uint32_t)
#define F_CIDR4_(T, k, m) FSCALAR(T, F_CIDR4, k, m, struct net_cidr4)
#define F_CIDR6_(T, k, m) FSCALAR(T, F_CIDR6, k, m, struct net_cidr6)
#define F_TAGS_(T)	  FSCALAR(T, F_TAGS, "tags", tags, struct model_tags)
#define F_ENUM_(T, k, m, nm)                                                                       \
	{.key = (k), .type = F_ENUM, .off = FOFF(T, m, sizeof(FMEMBER(T, m)) == sizeof(int)),      \
	 .names = (nm), .n_names = ARRAY_SIZE(nm)}
#define F_CIDR4S_(T, k, m)                                                                         \
	{.key = (k), .type = F_CIDR4S, .off = FOFF(T, m, FIS(T, m, struct net_cidr4 *)),           \
	 F_SIZES(T, m)}
#define F_IDS_(T, k, m)                                                                            \
	{.key = (k), .type = F_IDS, .off = FOFF(T, m, FIS(T, m, char(*)[MODEL_ID_LEN])),          \
	 .size = MODEL_ID_LEN, F_SIZES(T, m)}
#define F_TEXTS_(T, k, m)                                                                          \
	{.key = (k), .type = F_TEXTS, .off = FOFF(T, m, FIS(T, m[0][0], char)),                    \
	 .size = sizeof(FMEMBER(T, m)[0]), .max = ARRAY_SIZE(FMEMBER(T, m)),                       \
	 .off_n = FOFF(T, n_##m, FIS(T, n_##m, size_t))}
#define F_SUB(tab) .sub = (tab), .n_sub = ARRAY_SIZE(tab)
#define F_ARRAY_(T, k, m, tab)                                                                     \
	{.key = (k), .type = F_ARRAY, .off = offsetof(T, m), .size = sizeof(*FMEMBER(T, m)),       \
	 F_SIZES(T, m), F_SUB(tab)}
#define F_INLINE_(T, k, m, tab)                                                                    \
	{.key = (k), .type = F_INLINE, .off = offsetof(T, m), .size = sizeof(FMEMBER(T, m)[0]),    \
	 .max = ARRAY_SIZE(FMEMBER(T, m)), .off_n = FOFF(T, n_##m, FIS(T, n_##m, size_t)),         \
	 F_SUB(tab)}
#define F_EXACT_(T, k, m, tab)                                                                     \
	{.key = (k), .type = F_EXACT, .off = offsetof(T, m), .size = sizeof(FMEMBER(T, m)[0]),     \
	 .max = ARRAY_SIZE(FMEMBER(T, m)), F_SUB(tab)}
#define F_OBJECT_(T, k, m, tab, is_empty)                                                          \
	{.key = (k), .type = F_OBJECT, .off = offsetof(T, m), F_SUB(tab), .empty = (is_empty)}

static void ser_fields(struct ser *s, const void *o, const struct field *f, size_t n);
static void des_fields(struct des *d, void *o, const struct field *f, size_t n);

/* An array of objects, each from the sub-table (left out when empty). */
static void ser_objects(struct ser *s, const struct field *f, const char *items, size_t n)
{
	if (!array_begin(s, f->key, n))
		return;
	for (size_t i = 0; i < n && !s->err; i++) {
		struct ser e;

		array_sep(s, i);
		e = obj_begin(s, NULL);
		ser_fields(&e, items + i * f->size, f->sub, f->n_sub);
		obj_end(s, &e);
	}
	array_end(s);
}

/* Texts of f->size bytes each (each must hold its NUL). */
static void ser_texts(struct ser *s, const char *key, const char *items, size_t size, size_t n)
{
	if (!array_begin(s, key, n))
		return;
	for (size_t i = 0; i < n && !s->err; i++) {
		size_t len = strnlen(items + i * size, size);

		if (len == size) {
			s->err = -EINVAL;
			break;
		}
		array_sep(s, i);
		ser_text(s, items + i * size, len);
	}
	array_end(s);
}

static void ser_object(struct ser *s, const struct field *f, const void *p)
{
	struct ser e = obj_begin(s, f->key);

	ser_fields(&e, p, f->sub, f->n_sub);
	obj_end(s, &e);
}

static void ser_fields(struct ser *s, const void *o, const struct field *f, size_t n)
{
	for (; n > 0 && !s->err; n--, f++) {
		const char *p = (const char *)o + f->off;

		switch (f->type) {
		case F_BUF:
			put_buf(s, f->key, p, f->size);
			break;
		case F_STRP:
			put_strp(s, f->key, *(char *const *)p);
			break;
		case F_INT:
			put_int(s, f->key, *(const int *)p);
			break;
		case F_U32:
			put_int(s, f->key, *(const uint32_t *)p);
			break;
		case F_I64:
			put_int(s, f->key, *(const int64_t *)p);
			break;
		case F_BOOL:
			put_bool(s, f->key, *(const bool *)p);
			break;
		case F_ENUM:
			put_enum(s, f->key, *(const int *)p, f->names, f->n_names);
			break;
		case F_IP4:
			put_ip4(s, f->key, *(const uint32_t *)p);
			break;
		case F_IP4_REQ:
			put_ip4_always(s, f->key, *(const uint32_t *)p);
			break;
		case F_CIDR4:
			put_cidr4(s, f->key, *(const struct net_cidr4 *)p);
			break;
		case F_CIDR6:
			put_cidr6(s, f->key, (const struct net_cidr6 *)p);
			break;
		case F_TAGS:
			put_tags(s, f->key, (const struct model_tags *)p);
			break;
		case F_CIDR4S:
			put_cidr4_array(s, f->key, *(struct net_cidr4 *const *)p,
					*(const size_t *)((const char *)o + f->off_n));
			break;
		case F_IDS:
			ser_texts(s, f->key, *(char *const *)p, f->size,
				  *(const size_t *)((const char *)o + f->off_n));
			break;
		case F_TEXTS:
			if (*(const size_t *)((const char *)o + f->off_n) > f->max)
				s->err = -EINVAL;
			else
				ser_texts(s, f->key, p, f->size,
					  *(const size_t *)((const char *)o + f->off_n));
			break;
		case F_ARRAY:
			ser_objects(s, f, *(char *const *)p,
				    *(const size_t *)((const char *)o + f->off_n));
			break;
		case F_INLINE:
			if (*(const size_t *)((const char *)o + f->off_n) > f->max)
				s->err = -EINVAL;
			else
				ser_objects(s, f, p, *(const size_t *)((const char *)o + f->off_n));
			break;
		case F_EXACT:
			ser_objects(s, f, p, f->max);
			break;
		case F_OBJECT:
			if (!f->empty(p))
				ser_object(s, f, p);
			break;
		}
	}
}

/*
 * An array of objects into items (n_items counts the filled ones, so frees
 * see only those).  heap: the items pointer, grown to fit (cap beside it);
 * otherwise items holds f->max inline elements.
 */
static void des_objects(struct des *d, const struct field *f, char **heap, char *items,
			size_t *n_items, size_t *cap)
{
	size_t n;
	const json_t *a = get_array(d, f->key, &n);

	if (!a)
		return;
	if (heap) {
		if (reserve(d, (void **)heap, cap, n, f->size) < 0)
			return;
		items = *heap;
	} else if (f->type == F_EXACT ? n != f->max : n > f->max) {
		des_fail(d);
		return;
	}
	for (size_t i = 0; i < n && !d->err; i++) {
		struct des e = des_sub(d, json_array_get(a, i));

		if (n_items)
			*n_items = i + 1;
		des_fields(&e, items + i * f->size, f->sub, f->n_sub);
		des_sub_end(d, &e);
	}
}

/* Texts of f->size bytes each into items (heap: grown first, cap beside it). */
static void des_texts(struct des *d, const struct field *f, char **heap, char *items,
		      size_t *n_items, size_t *cap)
{
	size_t n;
	const json_t *a = get_array(d, f->key, &n);

	if (!a)
		return;
	if (heap) {
		if (reserve(d, (void **)heap, cap, n, f->size) < 0)
			return;
		items = *heap;
	} else if (n > f->max) {
		des_fail(d);
		return;
	}
	for (size_t i = 0; i < n && !d->err; i++) {
		const char *str = string_value(d, json_array_get(a, i), f->size - 1);

		if (str)
			memcpy(items + i * f->size, str, strlen(str) + 1);
		*n_items = i + 1;
	}
}

static void des_fields(struct des *d, void *o, const struct field *f, size_t n)
{
	for (; n > 0 && !d->err; n--, f++) {
		char *p = (char *)o + f->off;
		size_t *n_items = (size_t *)((char *)o + f->off_n);
		size_t *cap = (size_t *)((char *)o + f->off_cap);
		const json_t *v;

		switch (f->type) {
		case F_BUF:
			get_buf(d, f->key, p, f->size);
			break;
		case F_STRP:
			get_strp(d, f->key, (char **)p);
			break;
		case F_INT:
			*(int *)p = (int)get_integer(d, f->key, INT_MIN, INT_MAX, 0);
			break;
		case F_U32:
			*(uint32_t *)p = (uint32_t)get_integer(d, f->key, 0, UINT32_MAX, 0);
			break;
		case F_I64:
			*(int64_t *)p = (int64_t)get_integer(d, f->key, INT64_MIN, INT64_MAX, 0);
			break;
		case F_BOOL:
			get_bool(d, f->key, (bool *)p);
			break;
		case F_ENUM:
			*(int *)p = get_enum(d, f->key, f->names, f->n_names);
			break;
		case F_IP4_REQ:
			if (!json_object_get(d->o, f->key))
				des_fail(d);
			/* fall through */
		case F_IP4:
			get_ip4(d, f->key, (uint32_t *)p);
			break;
		case F_CIDR4:
			get_cidr4(d, f->key, (struct net_cidr4 *)p);
			break;
		case F_CIDR6:
			get_cidr6(d, f->key, (struct net_cidr6 *)p);
			break;
		case F_TAGS:
			get_tags(d, f->key, (struct model_tags *)p);
			break;
		case F_CIDR4S:
			get_cidr4_array(d, f->key, (struct net_cidr4 **)p, n_items, cap);
			break;
		case F_IDS:
			des_texts(d, f, (char **)p, NULL, n_items, cap);
			break;
		case F_TEXTS:
			des_texts(d, f, NULL, p, n_items, NULL);
			break;
		case F_ARRAY:
			des_objects(d, f, (char **)p, NULL, n_items, cap);
			break;
		case F_INLINE:
			des_objects(d, f, NULL, p, n_items, NULL);
			break;
		case F_EXACT:
			des_objects(d, f, NULL, p, NULL, NULL);
			break;
		case F_OBJECT:
			v = des_get(d, f->key);
			if (v) {
				struct des e = des_sub(d, v);

				des_fields(&e, p, f->sub, f->n_sub);
				des_sub_end(d, &e);
			}
			break;
		}
	}
}

/* ---- the stored objects, member by member --------------------------------- */

#define T struct model_vpc_cidr
static const struct field vpc_cidr_fields[] = {
    F_BUF_(T, "association_id", association_id),
    F_CIDR4_(T, "cidr", cidr),
    F_ENUM_(T, "state", state, cidr_state_names),
};
#undef T
#define T struct model_vpc_cidr6
static const struct field vpc_cidr6_fields[] = {
    F_BUF_(T, "association_id", association_id),
    F_CIDR6_(T, "cidr", cidr),
    F_ENUM_(T, "state", state, cidr_state_names),
    F_STRP_(T, "pool", pool),
    F_STRP_(T, "network_border_group", network_border_group),
};
#undef T
#define T struct model_vpc
static const struct field vpc_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "owner_id", owner_id),
    F_ARRAY_(T, "cidrs", cidrs, vpc_cidr_fields),
    F_ARRAY_(T, "cidrs6", cidrs6, vpc_cidr6_fields),
    F_ENUM_(T, "state", state, state_names),
    F_BOOL_(T, "is_default", is_default),
    F_BUF_(T, "dhcp_options_id", dhcp_options_id),
    F_BUF_(T, "instance_tenancy", instance_tenancy),
    F_BOOL_(T, "enable_dns_support", enable_dns_support),
    F_BOOL_(T, "enable_dns_hostnames", enable_dns_hostnames),
    F_BOOL_(T, "enable_nau_metrics", enable_nau_metrics),
    F_TAGS_(T),
};
#undef T

#define T struct model_subnet
static const struct field subnet_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "owner_id", owner_id),
    F_CIDR4_(T, "cidr", cidr),
    F_BOOL_(T, "has_cidr6", has_cidr6),
    F_CIDR6_(T, "cidr6", cidr6),
    F_BUF_(T, "cidr6_association_id", cidr6_association_id),
    F_BUF_(T, "az", az),
    F_BUF_(T, "az_id", az_id),
    F_ENUM_(T, "state", state, state_names),
    F_BOOL_(T, "default_for_az", default_for_az),
    F_BOOL_(T, "map_public_ip_on_launch", map_public_ip_on_launch),
    F_BOOL_(T, "assign_ipv6_on_creation", assign_ipv6_on_creation),
    F_BOOL_(T, "enable_dns64", enable_dns64),
    F_BOOL_(T, "ipv6_native", ipv6_native),
    F_BUF_(T, "hostname_type", hostname_type),
    F_BOOL_(T, "enable_resource_name_dns_a", enable_resource_name_dns_a),
    F_BOOL_(T, "enable_resource_name_dns_aaaa", enable_resource_name_dns_aaaa),
    F_TAGS_(T),
};
#undef T

#define T struct model_route
static const struct field route_fields[] = {
    F_ENUM_(T, "dest_type", dest_type, dest_type_names),
    F_CIDR4_(T, "dest", dest),
    F_CIDR6_(T, "dest6", dest6),
    F_BUF_(T, "prefix_list_id", prefix_list_id),
    F_ENUM_(T, "target_type", target_type, target_type_names),
    F_BUF_(T, "target_id", target_id),
    F_ENUM_(T, "origin", origin, origin_names),
    F_BOOL_(T, "blackhole", blackhole),
};
#undef T
#define T struct model_rtb_assoc
static const struct field rtb_assoc_fields[] = {
    F_BUF_(T, "id", id),
    F_BOOL_(T, "main", main),
    F_BUF_(T, "subnet_id", subnet_id),
    F_BUF_(T, "gateway_id", gateway_id),
};
#undef T
#define T struct model_route_table
static const struct field route_table_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "owner_id", owner_id),
    F_ARRAY_(T, "routes", routes, route_fields),
    F_ARRAY_(T, "assocs", assocs, rtb_assoc_fields),
    F_IDS_(T, "propagating_vgws", propagating_vgws),
    F_TAGS_(T),
};
#undef T

#define T struct model_sg_rule
static const struct field sg_rule_fields[] = {
    F_BUF_(T, "id", id),
    F_BOOL_(T, "egress", egress),
    F_INT_(T, "protocol", protocol),
    F_INT_(T, "from_port", from_port),
    F_INT_(T, "to_port", to_port),
    F_ENUM_(T, "peer_type", peer_type, peer_type_names),
    F_CIDR4_(T, "cidr", cidr),
    F_CIDR6_(T, "cidr6", cidr6),
    F_BUF_(T, "prefix_list_id", prefix_list_id),
    F_BUF_(T, "group_id", group_id),
    F_BUF_(T, "group_owner", group_owner),
    F_STRP_(T, "description", description),
    F_TAGS_(T),
};
#undef T
#define T struct model_sg
static const struct field sg_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "owner_id", owner_id),
    F_STRP_(T, "name", name),
    F_STRP_(T, "description", description),
    F_ARRAY_(T, "rules", rules, sg_rule_fields),
    F_TAGS_(T),
};
#undef T

#define T struct model_nacl_entry
static const struct field nacl_entry_fields[] = {
    F_INT_(T, "rule_number", rule_number),
    F_BOOL_(T, "egress", egress),
    F_INT_(T, "protocol", protocol),
    F_BOOL_(T, "allow", allow),
    F_BOOL_(T, "is_ipv6", is_ipv6),
    F_CIDR4_(T, "cidr", cidr),
    F_CIDR6_(T, "cidr6", cidr6),
    F_INT_(T, "from_port", from_port),
    F_INT_(T, "to_port", to_port),
    F_INT_(T, "icmp_type", icmp_type),
    F_INT_(T, "icmp_code", icmp_code),
};
#undef T
#define T struct model_nacl_assoc
static const struct field nacl_assoc_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "subnet_id", subnet_id),
};
#undef T
/* Stored order is kept as is (it was the model's order when saved). */
#define T struct model_nacl
static const struct field nacl_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "owner_id", owner_id),
    F_BOOL_(T, "is_default", is_default),
    F_ARRAY_(T, "entries", entries, nacl_entry_fields),
    F_ARRAY_(T, "assocs", assocs, nacl_assoc_fields),
    F_TAGS_(T),
};
#undef T

#define T struct model_eni_ip
static const struct field eni_ip_fields[] = {
    /* The private IP is always written, even 0.0.0.0, and required. */
    {.key = "ip", .type = F_IP4_REQ, .off = FOFF(T, ip, FIS(T, ip, uint32_t))},
    F_BOOL_(T, "primary", primary),
    F_IP4_(T, "public_ip", public_ip),
    F_BUF_(T, "allocation_id", allocation_id),
    F_BUF_(T, "association_id", association_id),
};
#undef T
#define T struct model_eni_attachment
static const struct field eni_attachment_fields[] = {
    F_BOOL_(T, "present", present),
    F_BUF_(T, "id", id),
    F_BUF_(T, "instance_id", instance_id),
    F_BUF_(T, "instance_owner", instance_owner),
    F_INT_(T, "device_index", device_index),
    F_INT_(T, "network_card_index", network_card_index),
    F_BOOL_(T, "delete_on_termination", delete_on_termination),
    F_BUF_(T, "status", status),
    F_I64_(T, "attach_time", attach_time),
};
#undef T

static bool attachment_is_zero(const void *p)
{
	const struct model_eni_attachment *a = p;

	/* Field by field: padding bytes may differ. */
	return !a->present && !a->id[0] && !a->instance_id[0] && !a->instance_owner[0] &&
	       a->device_index == 0 && a->network_card_index == 0 && !a->delete_on_termination &&
	       !a->status[0] && a->attach_time == 0;
}

#define T struct model_eni
static const struct field eni_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "subnet_id", subnet_id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "az", az),
    F_BUF_(T, "owner_id", owner_id),
    F_BUF_(T, "mac", mac),
    F_STRP_(T, "description", description),
    F_BUF_(T, "interface_type", interface_type),
    F_BOOL_(T, "requester_managed", requester_managed),
    F_BUF_(T, "requester_id", requester_id),
    F_ARRAY_(T, "ips", ips, eni_ip_fields),
    F_CIDR4S_(T, "prefixes", prefixes),
    F_IDS_(T, "sg_ids", sg_ids),
    F_BOOL_(T, "source_dest_check", source_dest_check),
    F_ENUM_(T, "status", status, eni_status_names),
    F_OBJECT_(T, "attachment", attachment, eni_attachment_fields, attachment_is_zero),
    F_U32_(T, "tcp_established_timeout", tcp_established_timeout),
    F_U32_(T, "udp_stream_timeout", udp_stream_timeout),
    F_U32_(T, "udp_timeout", udp_timeout),
    F_TAGS_(T),
};
#undef T

#define T struct model_instance
static const struct field instance_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "reservation_id", reservation_id),
    F_BUF_(T, "owner_id", owner_id),
    F_BUF_(T, "image_id", image_id),
    F_BUF_(T, "instance_type", instance_type),
    F_BUF_(T, "subnet_id", subnet_id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "az", az),
    F_STRP_(T, "key_name", key_name),
    F_ENUM_(T, "state", state, instance_state_names),
    F_I64_(T, "launch_time", launch_time),
    F_INT_(T, "ami_launch_index", ami_launch_index),
    F_BOOL_(T, "metadata_tokens_required", metadata_tokens_required),
    F_INT_(T, "metadata_hop_limit", metadata_hop_limit),
    F_BOOL_(T, "metadata_endpoint_enabled", metadata_endpoint_enabled),
    /* Absent in rows written before these fields existed: false, the defaults. */
    F_BOOL_(T, "metadata_protocol_ipv6", metadata_protocol_ipv6),
    F_BOOL_(T, "metadata_tags_enabled", metadata_tags_enabled),
    F_BOOL_(T, "auto_public_ip", auto_public_ip),
    F_TAGS_(T),
};
#undef T

#define T struct model_igw
static const struct field igw_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "owner_id", owner_id),
    F_BUF_(T, "attachment_vpc_id", attachment.vpc_id),
    F_BUF_(T, "attachment_state", attachment.state),
    F_TAGS_(T),
};
#undef T

#define T struct model_eip
static const struct field eip_fields[] = {
    F_BUF_(T, "allocation_id", allocation_id),
    F_IP4_(T, "public_ip", public_ip),
    F_BUF_(T, "association_id", association_id),
    F_BUF_(T, "eni_id", eni_id),
    F_BUF_(T, "instance_id", instance_id),
    F_IP4_(T, "private_ip", private_ip),
    F_BUF_(T, "eni_owner", eni_owner),
    F_BUF_(T, "network_border_group", network_border_group),
    F_TAGS_(T),
};
#undef T

#define T struct model_nat_gateway
static const struct field nat_gateway_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "subnet_id", subnet_id),
    F_BUF_(T, "vpc_id", vpc_id),
    F_ENUM_(T, "connectivity", connectivity, nat_connectivity_names),
    F_ENUM_(T, "state", state, state_names),
    F_BUF_(T, "eni_id", eni_id),
    F_IP4_(T, "private_ip", private_ip),
    F_BUF_(T, "allocation_id", allocation_id),
    F_IP4_(T, "public_ip", public_ip),
    F_I64_(T, "create_time", create_time),
    F_I64_(T, "delete_time", delete_time),
    F_STRP_(T, "failure_code", failure_code),
    F_STRP_(T, "failure_message", failure_message),
    F_TAGS_(T),
};
#undef T

#define T struct model_vgw_attachment
static const struct field vgw_attachment_fields[] = {
    F_BUF_(T, "vpc_id", vpc_id),
    F_BUF_(T, "state", state),
};
#undef T
#define T struct model_vgw
static const struct field vgw_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "type", type),
    F_BUF_(T, "az", az),
    F_U32_(T, "amazon_side_asn", amazon_side_asn),
    F_ENUM_(T, "state", state, state_names),
    F_ARRAY_(T, "attachments", attachments, vgw_attachment_fields),
    F_TAGS_(T),
};
#undef T

#define T struct model_cgw
static const struct field cgw_fields[] = {
    F_BUF_(T, "id", id),
    F_U32_(T, "bgp_asn", bgp_asn),
    F_IP4_(T, "ip_address", ip_address),
    F_BUF_(T, "type", type),
    F_STRP_(T, "device_name", device_name),
    F_ENUM_(T, "state", state, state_names),
    F_TAGS_(T),
};
#undef T

#define T struct model_vpn_route
static const struct field vpn_route_fields[] = {
    F_CIDR4_(T, "cidr", cidr),
    F_BUF_(T, "state", state),
};
#undef T
#define T struct model_vpn_tunnel
static const struct field vpn_tunnel_fields[] = {
    F_IP4_(T, "outside_ip", outside_ip),
    F_CIDR4_(T, "inside_cidr", inside_cidr),
    F_BOOL_(T, "up", up),
};
#undef T
#define T struct model_vpn_connection
static const struct field vpn_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "cgw_id", cgw_id),
    F_BUF_(T, "vgw_id", vgw_id),
    F_BUF_(T, "type", type),
    F_ENUM_(T, "state", state, state_names),
    F_BOOL_(T, "static_routes_only", static_routes_only),
    F_ARRAY_(T, "routes", routes, vpn_route_fields),
    F_EXACT_(T, "tunnels", tunnels, vpn_tunnel_fields), /* both, in order */
    F_STRP_(T, "customer_gateway_configuration", customer_gateway_configuration),
    F_TAGS_(T),
};
#undef T

#define T struct model_flow_log
static const struct field flow_log_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "resource_id", resource_id),
    F_ENUM_(T, "traffic_type", traffic_type, flow_traffic_names),
    F_BUF_(T, "destination_type", destination_type),
    F_STRP_(T, "destination", destination),
    F_STRP_(T, "log_group_name", log_group_name),
    F_STRP_(T, "deliver_logs_permission_arn", deliver_logs_permission_arn),
    F_STRP_(T, "format", format),
    F_INT_(T, "max_aggregation_interval", max_aggregation_interval),
    F_I64_(T, "creation_time", creation_time),
    F_BUF_(T, "status", status),
    F_TAGS_(T),
};
#undef T

#define T struct model_prefix_list
static const struct field prefix_list_fields[] = {
    F_BUF_(T, "id", id),
    F_STRP_(T, "name", name),
    F_CIDR4S_(T, "cidrs", cidrs),
    F_INT_(T, "max_entries", max_entries),
    F_BOOL_(T, "aws_managed", aws_managed),
    F_TAGS_(T),
};
#undef T

#define T struct model_dhcp_config
static const struct field dhcp_config_fields[] = {
    F_BUF_(T, "key", key),
    F_TEXTS_(T, "values", values),
};
#undef T
#define T struct model_dopt
static const struct field dopt_fields[] = {
    F_BUF_(T, "id", id),
    F_BUF_(T, "owner_id", owner_id),
    F_INLINE_(T, "configs", configs, dhcp_config_fields),
    F_BOOL_(T, "region_default", region_default),
    F_TAGS_(T),
};
#undef T

/* ---- per-kind entry points ----------------------------------------------- */

/* o as one JSON object from its table; -EINVAL when it has no ID (has_id false). */
static int ser_object_text(const void *o, const struct field *f, size_t n, bool has_id,
			   char **ret_text, size_t *ret_length)
{
	struct store_text b = {0};
	struct ser s = {.b = &b, .first = true, .err = 0};
	size_t length;
	char *text;

	store_text_char(&b, '{');
	ser_fields(&s, o, f, n);
	store_text_char(&b, '}');
	if (!s.err && !has_id)
		s.err = -EINVAL;
	text = store_text_finish(&b, &length);
	if (s.err || !text) {
		free(text);
		return s.err ? s.err : -ENOMEM;
	}
	*ret_text = text;
	*ret_length = length;
	return 0;
}

/* The json_t of text (which it frees): the same document, for callers that want a tree. */
static int text_to_json(char *text, size_t length, json_t **ret_json)
{
	json_t *json = json_loadb(text, length, 0, NULL);

	free(text);
	if (!json)
		return -ENOMEM; /* the text is ours and well-formed: only memory can fail */
	*ret_json = json;
	return 0;
}

/*
 * For each kind: the public serialise/deserialise pair and the accessors the
 * kind table uses.  Deserialising builds the object in a scratch model and
 * moves it into m only when it is complete and has its ID.
 */
#define STORE_KIND(kind, type, field, idfield)                                                     \
	static int kind##_text(const type *o, char **ret_text, size_t *ret_length)                 \
	{                                                                                          \
		return ser_object_text(o, kind##_fields, ARRAY_SIZE(kind##_fields),                \
				       o->idfield[0] != '\0', ret_text, ret_length);               \
	}                                                                                          \
	int store_serialize_##kind(const type *o, json_t **ret_json)                               \
	{                                                                                          \
		char *text = NULL;                                                                 \
		size_t length = 0;                                                                 \
		int r = kind##_text(o, &text, &length);                                            \
                                                                                                   \
		return r < 0 ? r : text_to_json(text, length, ret_json);                           \
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
		des_fields(&d, o, kind##_fields, ARRAY_SIZE(kind##_fields));                       \
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
	static int kind##_text_at(const struct model *m, size_t i, char **ret_text,                \
				  size_t *ret_length)                                              \
	{                                                                                          \
		return kind##_text(m->field[i], ret_text, ret_length);                             \
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
		name, kind##_count, kind##_id, kind##_serialize_at, kind##_text_at,                \
		    store_deserialize_##kind, kind##_fingerprint_at                                \
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
	struct store_text b = {0};
	struct ser s = {.b = &b, .first = true, .err = 0};
	size_t length;
	char *text;

	store_text_char(&b, '{');
	PUT_BUF(&s, "account_id", m->account_id);
	PUT_BUF(&s, "region", m->region);
	for (size_t k = 0; k < ARRAY_SIZE(kinds) && !s.err; k++) {
		size_t n = kinds[k].count(m);

		if (!array_begin(&s, kinds[k].name, n))
			continue;
		for (size_t i = 0; i < n && !s.err; i++) {
			char *o;
			size_t len;

			s.err = kinds[k].serialize_text(m, i, &o, &len);
			if (s.err)
				break;
			array_sep(&s, i);
			store_text_put(&b, o, len);
			free(o);
		}
		array_end(&s);
	}
	store_text_char(&b, '}');
	text = store_text_finish(&b, &length);
	if (s.err || !text) {
		free(text);
		return s.err ? s.err : -ENOMEM;
	}
	return text_to_json(text, length, ret_json);
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

