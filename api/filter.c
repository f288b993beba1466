/*
 * filter: the generic Describe* filter engine (ec2-api.md section 8).
 *
 * A resource describes its filterable fields with a struct api_filter_table:
 * per field a callback that emits each of the object's values for it as a
 * string.  Matching a filter = some emitted value matches some of the
 * filter's values (wildcards); matching a request = every filter matches.
 * Tag filters (tag:Key, tag-key, tag-value) read the object's tags through
 * the table's tags callback.  All parsed data lives in the request arena.
 */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct api_filter_match {
	const struct api_filter *filter;
	bool matched;
};

/*
 * Wildcards are matched by simulating the pattern's automaton (one bit per
 * pattern position), so the cost is O(pattern x string) whatever the
 * pattern: a backtracking matcher is exponential in the number of '?' and
 * '*', and filter values come from clients.
 */
enum wc_kind {
	WC_LIT,
	WC_STAR,
	WC_OPT,
};

struct wc_token {
	enum wc_kind kind;
	char c;
};

static void wc_closure(const struct wc_token *t, size_t k, bool *st)
{
	for (size_t i = 0; i < k; i++)
		if (st[i] && t[i].kind != WC_LIT)
			st[i + 1] = true;
}

bool api_wildcard_match(const char *p, const char *s)
{
	size_t plen = strlen(p), k = 0;
	struct wc_token *t;
	bool *cur, *next, ok = false;

	if (!strpbrk(p, "*?\\")) /* the common case: a plain value */
		return strcmp(p, s) == 0;
	t = malloc((plen + 1) * sizeof(*t));
	cur = calloc(plen + 2, sizeof(*cur));
	next = calloc(plen + 2, sizeof(*next));
	if (!t || !cur || !next)
		goto out;
	for (size_t i = 0; i < plen; i++) {
		if (p[i] == '*')
			t[k++] = (struct wc_token){WC_STAR, 0};
		else if (p[i] == '?')
			t[k++] = (struct wc_token){WC_OPT, 0};
		else if (p[i] == '\\' && i + 1 < plen)
			t[k++] = (struct wc_token){WC_LIT, p[++i]};
		else
			t[k++] = (struct wc_token){WC_LIT, p[i]};
	}
	cur[0] = true;
	wc_closure(t, k, cur);
	for (; *s; s++) {
		bool any = false;

		memset(next, 0, (k + 1) * sizeof(*next));
		for (size_t i = 0; i < k; i++) {
			if (!cur[i])
				continue;
			if (t[i].kind == WC_STAR)
				next[i] = true;
			else if (t[i].kind == WC_OPT || t[i].c == *s)
				next[i + 1] = true;
		}
		wc_closure(t, k, next);
		for (size_t i = 0; i <= k; i++)
			any = any || next[i];
		if (!any)
			goto out;
		bool *tmp = cur;

		cur = next;
		next = tmp;
	}
	ok = cur[k];
out:
	free(t);
	free(cur);
	free(next);
	return ok;
}

void api_filter_emit(struct api_filter_match *m, const char *value)
{
	if (m->matched || !value)
		return;
	for (size_t i = 0; i < m->filter->n_values; i++)
		if (api_wildcard_match(m->filter->values[i], value)) {
			m->matched = true;
			return;
		}
}

void api_filter_emitf(struct api_filter_match *m, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (m->matched)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	api_filter_emit(m, buf);
}

void api_filter_emit_bool(struct api_filter_match *m, bool value)
{
	api_filter_emit(m, value ? "true" : "false");
}

int api_filters_parse(struct api_req *r, const struct api_filter_table *table,
		      struct api_filters *ret)
{
	struct api_filters f = {.table = table};
	size_t n;
	int e;

	e = api_get_count(r, &n, "Filter");
	if (e < 0)
		return e;
	if (n > API_FILTERS_MAX)
		return api_fail_invalid_value(r, "The maximum number of filters is %d",
					      API_FILTERS_MAX);
	f.items = api_alloc(r, (n + 1) * sizeof(*f.items));
	if (!f.items)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		struct api_filter *it = &f.items[i];
		bool tag = false;

		e = api_get_str(r, &it->name, API_REQUIRED, "Filter.%zu.Name", i + 1);
		if (e < 0)
			return e;
		if (table->tags &&
		    (strncmp(it->name, "tag:", 4) == 0 || strcmp(it->name, "tag-key") == 0 ||
		     strcmp(it->name, "tag-value") == 0))
			tag = true;
		for (size_t j = 0; !tag && j < table->n_fields; j++)
			if (strcmp(table->fields[j].name, it->name) == 0)
				it->field = &table->fields[j];
		if (!tag && !it->field)
			return api_fail_invalid_value(r, "The filter '%.128s' is invalid",
						      it->name);
		e = api_get_str_list(r, &it->values, &it->n_values, "Filter.%zu.Value", i + 1);
		if (e < 0)
			return e;
		if (it->n_values > API_FILTER_VALUES_MAX)
			return api_fail_invalid_value(
			    r, "The maximum number of filter values is %d", API_FILTER_VALUES_MAX);
		if (it->n_values == 0)
			return api_fail_invalid_value(r, "The filter '%.128s' has no values",
						      it->name);
	}
	f.n = n;
	*ret = f;
	return 0;
}

static bool match_one(const struct api_filters *f, const struct api_filter *flt, const void *obj)
{
	struct api_filter_match m = {.filter = flt};

	if (flt->field) {
		flt->field->values(obj, &m);
		return m.matched;
	}
	const struct model_tags *tags = f->table->tags(obj);

	for (size_t i = 0; tags && i < tags->n && !m.matched; i++) {
		const struct model_tag *t = &tags->items[i];

		if (strcmp(flt->name, "tag-key") == 0)
			api_filter_emit(&m, t->key);
		else if (strcmp(flt->name, "tag-value") == 0)
			api_filter_emit(&m, t->value ? t->value : "");
		else if (strcmp(flt->name + 4, t->key) == 0)
			api_filter_emit(&m, t->value ? t->value : "");
	}
	return m.matched;
}

bool api_filters_match(const struct api_filters *f, const void *obj)
{
	for (size_t i = 0; f && i < f->n; i++)
		if (!match_one(f, &f->items[i], obj))
			return false;
	return true;
}
