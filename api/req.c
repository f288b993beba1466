/*
 * req: what a handler uses on its request: the request arena, errors,
 * DryRun and the typed parameter accessors (api.h).
 *
 * The arena is a singly linked list of blocks, each one allocation, freed
 * together by api_req_arena_free() when the request ends.
 */
#include "api/api.h"
#include "api/params.h"
#include "api/req-private.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

struct api_arena_block {
	struct api_arena_block *next;
	max_align_t data[];
};

void api_set_touched(struct api_req *r, const char *const *ids, size_t n_ids)
{
	r->touched = ids;
	r->n_touched = ids ? n_ids : 0;
}

void api_touch_list(struct api_req *r, const char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(ids[i] = api_strdup(r, ids[i])))
			return;
	api_set_touched(r, ids, n);
}

void api_touch(struct api_req *r, const char *a, const char *b)
{
	const char **ids = api_alloc(r, 2 * sizeof(*ids));
	size_t n = 0;

	if (!ids || !(ids[n++] = api_strdup(r, a)))
		return;
	if (b && strcmp(a, b) != 0 && !(ids[n++] = api_strdup(r, b)))
		return;
	api_set_touched(r, ids, n);
}

void *api_alloc(struct api_req *r, size_t size)
{
	struct api_arena_block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = calloc(1, sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = r->arena;
	r->arena = b;
	return b->data;
}

char *api_strdup(struct api_req *r, const char *s)
{
	size_t n = strlen(s);
	char *d = api_alloc(r, n + 1);

	if (d)
		memcpy(d, s, n + 1);
	return d;
}

bool api_id_listed(const char *const *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return true;
	return false;
}

void api_req_arena_free(struct api_req *r)
{
	while (r->arena) {
		struct api_arena_block *next = r->arena->next;

		free(r->arena);
		r->arena = next;
	}
}

/* ---- errors --------------------------------------------------------------- */

__attribute__((format(printf, 4, 0))) static int
vfail(struct api_req *r, int status, const char *code, const char *fmt, va_list ap)
{
	r->error.code = code;
	r->error.status = status;
	vsnprintf(r->error.message, sizeof(r->error.message), fmt, ap);
	return -EINVAL;
}

int api_fail(struct api_req *r, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vfail(r, status, code, fmt, ap);
	va_end(ap);
	return e;
}

int api_fail_invalid_value(struct api_req *r, const char *fmt, ...)
{
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vfail(r, 400, "InvalidParameterValue", fmt, ap);
	va_end(ap);
	return e;
}

int api_fail_missing(struct api_req *r, const char *name)
{
	return api_fail(r, 400, "MissingParameter", "The request must contain the parameter %s",
			name);
}

int api_fail_model(struct api_req *r, int rc, const struct model_err *err)
{
	enum model_errcode code = err ? err->code : MODEL_ERR_INTERNAL;

	if (code == MODEL_ERR_NONE || code >= MODEL_ERR__COUNT)
		code = MODEL_ERR_INTERNAL;
	r->error.code = model_err_code_name(code);
	r->error.status = model_err_http_status(code);
	util_strscpy(r->error.message, err && err->message[0] ? err->message : "Internal error",
		     sizeof(r->error.message));
	return rc < 0 ? rc : -EINVAL;
}

int api_dry_run_check(struct api_req *r)
{
	r->dry_run_checked = true;
	if (!r->dry_run)
		return 0;
	api_fail(r, 412, "DryRunOperation",
		 "Request would have succeeded, but DryRun flag is set.");
	return -EALREADY;
}

/* ---- parameter accessors ---------------------------------------------------- */

/*
 * The parameter name of fmt and ap into buf.  The names the handlers ask for
 * use only "%s" and "%zu" ("Tag.%zu.Key", "%s.%zu"): formatted here, a tenth
 * of vsnprintf's instructions; any other directive goes to vsnprintf.
 */
__attribute__((format(printf, 3, 0))) static int vname(char *buf, size_t size, const char *fmt,
						       va_list ap)
{
	size_t n = 0;
	va_list aq;
	int len;

	va_copy(aq, ap);
	for (const char *p = fmt; *p; p++) {
		char digits[UTIL_DEC_MAX];
		const char *piece = p;
		size_t piece_len = 1;

		if (*p == '%' && p[1] == 's') {
			piece = va_arg(aq, const char *);
			if (!piece)
				piece = "(null)"; /* as glibc's vsnprintf */
			piece_len = strlen(piece);
			p++;
		} else if (*p == '%' && p[1] == 'z' && p[2] == 'u') {
			piece = util_dec(va_arg(aq, size_t), digits + sizeof(digits));
			piece_len = (size_t)(digits + sizeof(digits) - piece);
			p += 2;
		} else if (*p == '%') {
			va_end(aq);
			len = vsnprintf(buf, size, fmt, ap);
			return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
		}
		if (piece_len >= size - n) {
			va_end(aq);
			return -ENAMETOOLONG;
		}
		memcpy(buf + n, piece, piece_len);
		n += piece_len;
	}
	va_end(aq);
	buf[n] = '\0';
	return 0;
}

static int get_raw(struct api_req *r, const char **ret, unsigned flags, const char *name)
{
	const char *v = api_params_get(r->params, name);

	if (!v) {
		if (flags & API_REQUIRED)
			return api_fail_missing(r, name);
		return 0;
	}
	*ret = v;
	return 1;
}

/*
 * The value of the parameter named by fmt and ap, its name formatted into
 * name[API_PARAM_NAME_MAX + 1]: 1 and *ret, 0 when absent and optional, or
 * the request's error (a name too long to exist is a missing parameter).
 */
__attribute__((format(printf, 5, 0))) static int
vget(struct api_req *r, const char **ret, char *name, unsigned flags, const char *fmt, va_list ap)
{
	if (vname(name, API_PARAM_NAME_MAX + 1, fmt, ap) < 0)
		return flags & API_REQUIRED ? api_fail_missing(r, fmt) : 0;
	return get_raw(r, ret, flags, name);
}

int api_get_str(struct api_req *r, const char **ret, unsigned flags, const char *fmt, ...)
{
	char name[API_PARAM_NAME_MAX + 1];
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vget(r, ret, name, flags, fmt, ap);
	va_end(ap);
	return e;
}

int api_get_bool(struct api_req *r, bool *ret, unsigned flags, const char *fmt, ...)
{
	char name[API_PARAM_NAME_MAX + 1];
	const char *v = NULL;
	bool b;
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vget(r, &v, name, flags, fmt, ap);
	va_end(ap);
	if (e <= 0)
		return e;
	if (util_parse_bool(v, &b) < 0)
		return api_fail_invalid_value(
		    r, "Value (%.64s) for parameter %s is invalid. Expected: 'true' or 'false'.", v,
		    name);
	*ret = b;
	return 1;
}

int api_get_long(struct api_req *r, long *ret, long min, long max, unsigned flags, const char *fmt,
		 ...)
{
	char name[API_PARAM_NAME_MAX + 1];
	const char *v = NULL;
	long l;
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vget(r, &v, name, flags, fmt, ap);
	va_end(ap);
	if (e <= 0)
		return e;
	e = util_parse_long(v, min, max, &l);
	if (e == -ERANGE)
		return api_fail_invalid_value(
		    r,
		    "Value (%.64s) for parameter %s is invalid. Expected a value between %ld "
		    "and %ld.",
		    v, name, min, max);
	if (e < 0)
		return api_fail_invalid_value(
		    r, "Value (%.64s) for parameter %s is invalid. Expected an integer.", v, name);
	*ret = l;
	return 1;
}

/*
 * Parse the index right after prefix+"." in name: the digits up to the
 * next '.' or the end.  Returns the index (>= 0) or -1 when not an index.
 */
static long index_after(const char *name, size_t prefix_len)
{
	const char *s = name + prefix_len;
	long v = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9') {
		if (++digits > 7)
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (digits == 0 || (*s != '\0' && *s != '.'))
		return -1;
	if (digits > 1 && name[prefix_len] == '0')
		return 0; /* leading zero: treated as invalid index 0 */
	return v;
}

int api_get_count(struct api_req *r, size_t *ret_n, const char *fmt, ...)
{
	char prefix[API_PARAM_NAME_MAX + 2];
	bool *seen = NULL;
	size_t plen, n = 0, i;
	long max_idx = 0;
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vname(prefix, sizeof(prefix) - 1, fmt, ap);
	va_end(ap);
	if (e < 0) {
		*ret_n = 0;
		return 0;
	}
	plen = strlen(prefix);
	prefix[plen++] = '.';
	prefix[plen] = '\0';
	seen = calloc(API_LIST_MAX + 1, sizeof(*seen));
	if (!seen)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (i = api_params_lower_bound(r->params, prefix);
	     i < r->params->n && strncmp(r->params->items[i].name, prefix, plen) == 0; i++) {
		long idx = index_after(r->params->items[i].name, plen);

		if (idx < 0)
			continue; /* "Prefix.Other": not an element of this list */
		if (idx == 0 || idx > API_LIST_MAX) {
			free(seen);
			prefix[plen - 1] = '\0';
			return api_fail_invalid_value(
			    r, "Invalid list index in parameter %s (expected 1..%d)",
			    r->params->items[i].name, API_LIST_MAX);
		}
		if (!seen[idx]) {
			seen[idx] = true;
			n++;
			max_idx = UTIL_MAX(max_idx, idx);
		}
	}
	free(seen);
	if ((size_t)max_idx != n) {
		prefix[plen - 1] = '\0';
		return api_fail_invalid_value(r, "The list %s must be numbered 1..N without gaps",
					      prefix);
	}
	*ret_n = n;
	return 0;
}

int api_get_str_list(struct api_req *r, const char ***ret_items, size_t *ret_n, const char *fmt,
		     ...)
{
	char prefix[API_PARAM_NAME_MAX + 1];
	const char **items;
	size_t n;
	va_list ap;
	int e;

	va_start(ap, fmt);
	e = vname(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (e < 0)
		return api_fail_invalid_value(r, "Parameter name too long");
	e = api_get_count(r, &n, "%s", prefix);
	if (e < 0)
		return e;
	items = api_alloc(r, (n + 1) * sizeof(*items));
	if (!items)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		e = api_get_str(r, &items[i], API_REQUIRED, "%s.%zu", prefix, i + 1);
		if (e < 0)
			return e;
	}
	*ret_items = items;
	*ret_n = n;
	return 0;
}

/* ---- tags ------------------------------------------------------------------- */

static int check_tag(struct api_req *r, const char *key, const char *value)
{
	if (!*key || strlen(key) > API_TAG_KEY_MAX)
		return api_fail_invalid_value(r, "Tag keys must be between 1 and %d characters",
					      API_TAG_KEY_MAX);
	if (strncmp(key, "aws:", 4) == 0)
		return api_fail_invalid_value(r, "Tag keys starting with 'aws:' are reserved for "
						 "internal use");
	if (value && strlen(value) > API_TAG_VALUE_MAX)
		return api_fail_invalid_value(r, "Tag values may be at most %d characters",
					      API_TAG_VALUE_MAX);
	return 0;
}

int api_get_tags(struct api_req *r, const char *prefix, bool values_required,
		 struct api_tag **ret_tags, size_t *ret_n)
{
	struct api_tag *tags;
	size_t n;
	int e;

	e = api_get_count(r, &n, "%s", prefix);
	if (e < 0)
		return e;
	if (n > API_TAGS_MAX)
		return api_fail(r, 400, "TagLimitExceeded",
				"The maximum number of tags per request is %d", API_TAGS_MAX);
	tags = api_alloc(r, (n + 1) * sizeof(*tags));
	if (!tags)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		e = api_get_str(r, &tags[i].key, API_REQUIRED, "%s.%zu.Key", prefix, i + 1);
		if (e < 0)
			return e;
		e = api_get_str(r, &tags[i].value, values_required ? API_REQUIRED : API_OPTIONAL,
				"%s.%zu.Value", prefix, i + 1);
		if (e < 0)
			return e;
		e = check_tag(r, tags[i].key, tags[i].value);
		if (e < 0)
			return e;
		for (size_t j = 0; j < i; j++)
			if (strcmp(tags[j].key, tags[i].key) == 0)
				return api_fail_invalid_value(r, "Duplicate tag key '%s'",
							      tags[i].key);
	}
	*ret_tags = tags;
	*ret_n = n;
	return 0;
}

int api_get_tag_specs(struct api_req *r, const char *resource_type, struct model_tags *ret_tags)
{
	struct model_tags out = {0};
	size_t n_specs;
	int e;

	e = api_get_count(r, &n_specs, "TagSpecification");
	if (e < 0)
		return e;
	for (size_t i = 1; i <= n_specs; i++) {
		const char *type = NULL;
		struct api_tag *tags = NULL;
		size_t n_tags = 0;
		char prefix[64];

		e = api_get_str(r, &type, API_REQUIRED, "TagSpecification.%zu.ResourceType", i);
		if (e < 0)
			goto fail;
		if (strcmp(type, resource_type) != 0) {
			e = api_fail_invalid_value(
			    r, "'%.64s' is not a valid taggable resource type for this operation.",
			    type);
			goto fail;
		}
		snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag", i);
		e = api_get_tags(r, prefix, false, &tags, &n_tags);
		if (e < 0)
			goto fail;
		for (size_t j = 0; j < n_tags; j++) {
			if (model_tags_get(&out, tags[j].key)) {
				e = api_fail_invalid_value(r, "Duplicate tag key '%s'",
							   tags[j].key);
				goto fail;
			}
			if (out.n >= API_TAGS_MAX) {
				e = api_fail(r, 400, "TagLimitExceeded",
					     "The maximum number of tags per resource is %d",
					     API_TAGS_MAX);
				goto fail;
			}
			if (model_tags_set(&out, tags[j].key, tags[j].value ? tags[j].value : "") <
			    0) {
				e = api_fail(r, 500, "InternalError", "Out of memory");
				goto fail;
			}
		}
	}
	*ret_tags = out;
	return 0;
fail:
	model_tags_clear(&out);
	return e;
}
