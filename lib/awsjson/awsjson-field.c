/*
 * awsjson-field: typed readers for describe-* JSON fields, each failing with
 * a message that names the JSON path and the offending value.  See
 * awsjson-private.h for the conventions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/model/ops.h"
#include "lib/util/util.h"

void aj_restore(struct aj_ctx *c, size_t mark)
{
	if (mark < sizeof(c->path)) {
		c->path_len = mark;
		c->path[mark] = '\0';
	}
}

static void path_append(struct aj_ctx *c, const char *s)
{
	size_t n = strlen(s);

	/* A path that does not fit is truncated; it only ever feeds a message. */
	if (c->path_len + n >= sizeof(c->path))
		n = sizeof(c->path) - 1 - c->path_len;
	memcpy(c->path + c->path_len, s, n);
	c->path_len += n;
	c->path[c->path_len] = '\0';
}

void aj_push_key(struct aj_ctx *c, const char *key)
{
	if (c->path_len > 0)
		path_append(c, ".");
	path_append(c, key);
}

void aj_push_index(struct aj_ctx *c, size_t i)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "[%zu]", i);
	path_append(c, buf);
}

int aj_fail(struct aj_ctx *c, const char *key, int errno_value, const char *fmt, ...)
{
	va_list ap;
	size_t mark = aj_mark(c);

	if (key)
		aj_push_key(c, key);
	if (c->err) {
		util_strscpy(c->err->field, c->path, sizeof(c->err->field));
		va_start(ap, fmt);
		vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
		va_end(ap);
	}
	aj_restore(c, mark);
	return errno_value;
}

const char *aj_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

json_t *aj_get(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

int aj_expect_object(struct aj_ctx *c, const json_t *v)
{
	if (!json_is_object(v))
		return aj_fail(c, NULL, -EINVAL, "expected an object, found %s", aj_type_name(v));
	return 0;
}

int aj_check_count(struct aj_ctx *c, const char *key, size_t n, size_t max, const char *what)
{
	if (n >= max)
		return aj_fail(c, key, -E2BIG, "more than %zu %s", max, what);
	return 0;
}

int aj_opt_array(struct aj_ctx *c, const json_t *obj, const char *key, size_t max,
		 json_t **ret_array)
{
	json_t *v = aj_get(obj, key);

	if (!v) {
		*ret_array = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return aj_fail(c, key, -EINVAL, "expected a list, found %s", aj_type_name(v));
	if (json_array_size(v) > max)
		return aj_fail(c, key, -E2BIG, "%zu elements, more than the limit of %zu",
			       json_array_size(v), max);
	*ret_array = v;
	return 0;
}

int aj_each_top(struct aj_ctx *c, const json_t *v, aj_item_fn fn, void *userdata)
{
	size_t i, mark = aj_mark(c);
	json_t *item;
	int r;

	json_array_foreach(v, i, item)
	{
		aj_push_index(c, i);
		r = fn(c, item, userdata);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	return 0;
}

int aj_each(struct aj_ctx *c, const json_t *obj, const char *key, size_t max, aj_item_fn fn,
	    void *userdata)
{
	size_t mark = aj_mark(c);
	json_t *arr;
	int r;

	r = aj_opt_array(c, obj, key, max, &arr);
	if (r < 0 || !arr)
		return r;
	aj_push_key(c, key);
	r = aj_each_top(c, arr, fn, userdata);
	aj_restore(c, mark);
	return r;
}

int aj_opt_string(struct aj_ctx *c, const json_t *obj, const char *key, const char **ret)
{
	json_t *v = aj_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return aj_fail(c, key, -EINVAL, "expected a string, found %s", aj_type_name(v));
	if (strlen(json_string_value(v)) != json_string_length(v))
		return aj_fail(c, key, -EINVAL, "string contains a NUL character");
	*ret = json_string_value(v);
	return 0;
}

/*
 * Like aj_opt_string, but "" counts as absent: the CLI (and moto) print empty
 * strings for unset IDs and addresses, e.g. "InstanceId": "".
 */
static int opt_nonempty(struct aj_ctx *c, const json_t *obj, const char *key, const char **ret)
{
	const char *s = NULL;
	int r = aj_opt_string(c, obj, key, &s);

	if (r < 0 || !s || !*s)
		return r;
	*ret = s;
	return 0;
}

int aj_req_string(struct aj_ctx *c, const json_t *obj, const char *key, const char **ret)
{
	const char *s = NULL;
	int r = aj_opt_string(c, obj, key, &s);

	if (r < 0)
		return r;
	if (!s)
		return aj_fail(c, key, -EINVAL, "missing");
	*ret = s;
	return 0;
}

int aj_opt_strbuf(struct aj_ctx *c, const json_t *obj, const char *key, char *buf, size_t size)
{
	const char *s = NULL;
	int r = aj_opt_string(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	if (strlen(s) >= size)
		return aj_fail(c, key, -EINVAL, "\"%.40s...\" is longer than %zu characters", s,
			       size - 1);
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int check_id(struct aj_ctx *c, const char *key, const char *s, const char *const *prefixes,
		    char buf[MODEL_ID_LEN])
{
	for (size_t i = 0; prefixes[i]; i++) {
		if (model_id_valid(s, prefixes[i])) {
			util_strscpy(buf, s, MODEL_ID_LEN);
			return 0;
		}
	}
	if (prefixes[1])
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not a valid ID", s);
	return aj_fail(c, key, -EINVAL,
		       "\"%.60s\" is not a valid %s ID (%s followed by 8 or 17 hex digits)", s,
		       prefixes[0], prefixes[0]);
}

int aj_opt_id_any(struct aj_ctx *c, const json_t *obj, const char *key, const char *const *prefixes,
		  char buf[MODEL_ID_LEN])
{
	const char *s = NULL;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	return check_id(c, key, s, prefixes, buf);
}

int aj_opt_id(struct aj_ctx *c, const json_t *obj, const char *key, const char *prefix,
	      char buf[MODEL_ID_LEN])
{
	const char *const prefixes[] = {prefix, NULL};

	return aj_opt_id_any(c, obj, key, prefixes, buf);
}

int aj_req_id(struct aj_ctx *c, const json_t *obj, const char *key, const char *prefix,
	      char buf[MODEL_ID_LEN])
{
	const char *s = NULL;
	const char *const prefixes[] = {prefix, NULL};
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0)
		return r;
	if (!s)
		return aj_fail(c, key, -EINVAL, "missing");
	return check_id(c, key, s, prefixes, buf);
}

int aj_opt_bool(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret)
{
	json_t *v = aj_get(obj, key);

	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*ret = json_is_true(v);
		return 0;
	}
	if (json_is_string(v)) {
		bool b;

		if (util_parse_bool(json_string_value(v), &b) == 0) {
			*ret = b;
			return 0;
		}
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not true or false",
			       json_string_value(v));
	}
	return aj_fail(c, key, -EINVAL, "expected a boolean, found %s", aj_type_name(v));
}

int aj_opt_int(struct aj_ctx *c, const json_t *obj, const char *key, long min, long max, long *ret)
{
	json_t *v = aj_get(obj, key);
	long value;

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < min || i > max)
			return aj_fail(c, key, -EINVAL, "%lld is out of range %ld..%ld",
				       (long long)i, min, max);
		*ret = (long)i;
		return 0;
	}
	if (json_is_string(v)) {
		if (util_parse_long(json_string_value(v), min, max, &value) < 0)
			return aj_fail(c, key, -EINVAL, "\"%.60s\" is not an integer in %ld..%ld",
				       json_string_value(v), min, max);
		*ret = value;
		return 0;
	}
	return aj_fail(c, key, -EINVAL, "expected an integer, found %s", aj_type_name(v));
}

int aj_opt_cidr4(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret_present,
		 struct net_cidr4 *ret)
{
	const char *s = NULL;
	struct net_cidr4 cidr;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0)
		return r;
	if (!s) {
		if (ret_present)
			*ret_present = false;
		return 0;
	}
	if (net_cidr4_parse(s, &cidr) < 0)
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not an IPv4 CIDR", s);
	*ret = cidr;
	if (ret_present)
		*ret_present = true;
	return 0;
}

int aj_req_cidr4(struct aj_ctx *c, const json_t *obj, const char *key, struct net_cidr4 *ret)
{
	bool present = false;
	struct net_cidr4 cidr;
	int r = aj_opt_cidr4(c, obj, key, &present, &cidr);

	if (r < 0)
		return r;
	if (!present)
		return aj_fail(c, key, -EINVAL, "missing");
	*ret = cidr;
	return 0;
}

int aj_opt_cidr6(struct aj_ctx *c, const json_t *obj, const char *key, bool *ret_present,
		 struct net_cidr6 *ret)
{
	const char *s = NULL;
	struct net_cidr6 cidr;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0)
		return r;
	if (!s) {
		*ret_present = false;
		return 0;
	}
	if (net_cidr6_parse(s, &cidr) < 0)
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not an IPv6 CIDR", s);
	*ret = cidr;
	*ret_present = true;
	return 0;
}

int aj_opt_ip4(struct aj_ctx *c, const json_t *obj, const char *key, uint32_t *ret)
{
	const char *s = NULL;
	uint32_t ip;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	if (net_ip4_parse(s, &ip) < 0)
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not an IPv4 address", s);
	*ret = ip;
	return 0;
}

int aj_req_ip4(struct aj_ctx *c, const json_t *obj, const char *key, uint32_t *ret)
{
	const char *s = NULL;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0)
		return r;
	if (!s)
		return aj_fail(c, key, -EINVAL, "missing");
	return aj_opt_ip4(c, obj, key, ret);
}

int aj_owner(struct aj_ctx *c, const json_t *obj, const char *key, char buf[MODEL_ACCOUNT_LEN])
{
	const char *s = NULL;
	size_t n;
	int r = opt_nonempty(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	n = strlen(s);
	if (n != 12 || strspn(s, "0123456789") != n)
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not a 12-digit account ID", s);
	memcpy(buf, s, n + 1);
	if (c->m->account_id[0] == '\0')
		memcpy(c->m->account_id, s, n + 1);
	return 0;
}

int aj_az(struct aj_ctx *c, const json_t *obj, const char *key, char buf[MODEL_AZ_LEN])
{
	const char *s = NULL;
	size_t n;
	int r = aj_opt_string(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	n = strlen(s);
	if (n < 2 || n >= MODEL_AZ_LEN || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not an availability zone", s);
	memcpy(buf, s, n + 1);
	/* us-east-1a -> us-east-1 (a Region ends in a digit; the zone adds letters). */
	if (c->m->region[0] == '\0') {
		size_t end = n;

		while (end > 0 && s[end - 1] >= 'a' && s[end - 1] <= 'z')
			end--;
		if (end > 0 && end < n) {
			memcpy(c->m->region, s, end);
			c->m->region[end] = '\0';
		}
	}
	return 0;
}

int aj_tags(struct aj_ctx *c, const json_t *obj, struct model_tags *tags)
{
	json_t *arr, *t;
	size_t i, mark = aj_mark(c);
	/* Most resources print "Tags"; describe-network-interfaces prints "TagSet". */
	const char *name = aj_get(obj, "Tags") ? "Tags" : "TagSet";
	int r = aj_opt_array(c, obj, name, AJ_MAX_TAGS, &arr);

	if (r < 0 || !arr)
		return r;
	aj_push_key(c, name);
	json_array_foreach(arr, i, t)
	{
		const char *key = NULL, *value = "";
		size_t m2 = aj_mark(c);

		aj_push_index(c, i);
		if ((r = aj_expect_object(c, t)) < 0 ||
		    (r = aj_req_string(c, t, "Key", &key)) < 0 ||
		    (r = aj_opt_string(c, t, "Value", &value)) < 0)
			goto out;
		if ((r = model_tags_set(tags, key, value)) < 0)
			goto out;
		aj_restore(c, m2);
	}
	r = 0;
out:
	aj_restore(c, mark);
	return r;
}

int aj_opt_state(struct aj_ctx *c, const json_t *obj, const char *key, enum model_state *ret)
{
	static const struct {
		const char *name;
		enum model_state state;
	} names[] = {
	    {"pending", MODEL_STATE_PENDING},	{"available", MODEL_STATE_AVAILABLE},
	    {"deleting", MODEL_STATE_DELETING}, {"deleted", MODEL_STATE_DELETED},
	    {"failed", MODEL_STATE_FAILED},	{"attached", MODEL_STATE_AVAILABLE},
	    {"attaching", MODEL_STATE_PENDING}, {"detaching", MODEL_STATE_DELETING},
	    {"detached", MODEL_STATE_DELETED},
	};
	const char *s = NULL;
	int r = aj_opt_string(c, obj, key, &s);

	if (r < 0 || !s)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*ret = names[i].state;
			return 0;
		}
	}
	return aj_fail(c, key, -EINVAL, "\"%.60s\" is not a known state", s);
}
