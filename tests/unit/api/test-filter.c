/*
 * The Describe filter engine: EC2 wildcards against a trivial oracle
 * (exhaustive expansion over a small alphabet), AND/OR semantics, tag
 * filters, unknown names.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/params.h"
#include "api/req-private.h"
#include "lib/util/util.h"

Test(wildcard, documented_cases)
{
	cr_assert(api_wildcard_match("database?", "database"));
	cr_assert(api_wildcard_match("database?", "database1"));
	cr_assert_not(api_wildcard_match("database?", "database12"));
	cr_assert(api_wildcard_match("*", ""));
	cr_assert(api_wildcard_match("*", "anything"));
	cr_assert(api_wildcard_match("vpc-*", "vpc-0123"));
	cr_assert_not(api_wildcard_match("vpc-*", "subnet-0123"));
	cr_assert(api_wildcard_match("*-1?", "us-east-1a"));
	cr_assert(api_wildcard_match("a*b*c", "aXXbYYc"));
	cr_assert_not(api_wildcard_match("a*b*c", "aXXbYY"));
	cr_assert(api_wildcard_match("\\*", "*"));
	cr_assert_not(api_wildcard_match("\\*", "x"));
	cr_assert(api_wildcard_match("a\\?b", "a?b"));
	cr_assert_not(api_wildcard_match("a\\?b", "ab"));
	cr_assert(api_wildcard_match("a\\\\b", "a\\b"));
	cr_assert(api_wildcard_match("Name", "Name"));
	cr_assert_not(api_wildcard_match("name", "Name")); /* case-sensitive */
	cr_assert_not(api_wildcard_match("", "x"));
	cr_assert(api_wildcard_match("", ""));
}

/* Oracle: does pattern p (over "ab*?") match s (over "ab"), by brute-force recursion on sets? */
static bool oracle(const char *p, const char *s)
{
	if (!*p)
		return !*s;
	if (*p == '*') {
		for (size_t k = 0; k <= strlen(s); k++)
			if (oracle(p + 1, s + k))
				return true;
		return false;
	}
	if (*p == '?')
		return oracle(p + 1, s) || (*s && oracle(p + 1, s + 1));
	return *s == *p && oracle(p + 1, s + 1);
}

Test(wildcard, against_oracle)
{
	static const char pa[] = "ab*?";
	struct util_rng rng;

	util_rng_seed(&rng, 42);
	for (int i = 0; i < 20000; i++) {
		char p[8], s[8];
		size_t lp = util_rng_below(&rng, 7), ls = util_rng_below(&rng, 7);

		for (size_t k = 0; k < lp; k++)
			p[k] = pa[util_rng_below(&rng, 4)];
		p[lp] = '\0';
		for (size_t k = 0; k < ls; k++)
			s[k] = "ab"[util_rng_below(&rng, 2)];
		s[ls] = '\0';
		cr_assert_eq(api_wildcard_match(p, s), oracle(p, s), "'%s' vs '%s'", p, s);
	}
}

struct thing {
	const char *id;
	const char *cidrs[3];
	bool is_default;
	struct model_tags tags;
};

static void f_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct thing *)o)->id);
}

static void f_cidr(const void *o, struct api_filter_match *m)
{
	for (int i = 0; i < 3 && ((const struct thing *)o)->cidrs[i]; i++)
		api_filter_emit(m, ((const struct thing *)o)->cidrs[i]);
}

static void f_default(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, ((const struct thing *)o)->is_default);
}

static const struct model_tags *thing_tags(const void *o)
{
	return &((const struct thing *)o)->tags;
}

static const struct api_filter_field fields[] = {
    {"thing-id", f_id},
    {"cidr", f_cidr},
    {"is-default", f_default},
};
static const struct api_filter_table table = {fields, 3, thing_tags};

static struct thing things[3];

static void make_things(void)
{
	memset(things, 0, sizeof(things));
	things[0] = (struct thing){"t-1", {"10.0.0.0/16", "10.1.0.0/16"}, true, {0}};
	things[1] = (struct thing){"t-2", {"172.31.0.0/16"}, false, {0}};
	things[2] = (struct thing){"t-3", {NULL}, false, {0}};
	model_tags_set(&things[0].tags, "Name", "web");
	model_tags_set(&things[0].tags, "env", "prod");
	model_tags_set(&things[1].tags, "Name", "db");
}

static void free_things(void)
{
	for (int i = 0; i < 3; i++)
		model_tags_clear(&things[i].tags);
}

/* Which of the three things match the filters in body ("" = parse error)? */
static void matching(const char *body, char out[4])
{
	struct api_params p = {0};
	struct api_req r = {0};
	struct api_filters f;
	size_t k = 0;

	cr_assert_eq(api_params_parse(&p, body, strlen(body), NULL), 0);
	r.params = &p;
	if (api_filters_parse(&r, &table, &f) < 0) {
		out[0] = '\0';
	} else {
		for (int i = 0; i < 3; i++)
			if (api_filters_match(&f, &things[i]))
				out[k++] = (char)('1' + i);
		out[k] = '\0';
	}
	api_req_arena_free(&r);
	api_params_done(&p);
}

#define EXPECT(body, want)                                                                         \
	do {                                                                                       \
		char got[4];                                                                       \
		matching(body, got);                                                               \
		cr_expect_str_eq(got, want, "%s", body);                                           \
	} while (0)

Test(filters, semantics, .init = make_things, .fini = free_things)
{
	EXPECT("X=1", "123");
	EXPECT("Filter.1.Name=thing-id&Filter.1.Value.1=t-2", "2");
	/* OR across values */
	EXPECT("Filter.1.Name=thing-id&Filter.1.Value.1=t-2&Filter.1.Value.2=t-3", "23");
	/* AND across filters */
	EXPECT("Filter.1.Name=thing-id&Filter.1.Value.1=t-*&Filter.2.Name=is-default&"
	       "Filter.2.Value.1=false",
	       "23");
	/* any value of a list field */
	EXPECT("Filter.1.Name=cidr&Filter.1.Value.1=10.1.0.0/16", "1");
	EXPECT("Filter.1.Name=cidr&Filter.1.Value.1=*", "12");
	/* tags */
	EXPECT("Filter.1.Name=tag:Name&Filter.1.Value.1=web", "1");
	EXPECT("Filter.1.Name=tag:Name&Filter.1.Value.1=*", "12");
	EXPECT("Filter.1.Name=tag-key&Filter.1.Value.1=env", "1");
	EXPECT("Filter.1.Name=tag-value&Filter.1.Value.1=db", "2");
	EXPECT("Filter.1.Name=tag:name&Filter.1.Value.1=web", "");
	/* errors: unknown name, no values */
	EXPECT("Filter.1.Name=colour&Filter.1.Value.1=x", "");
	EXPECT("Filter.1.Name=thing-id", "");
	EXPECT("Filter.1.Value.1=x", "");
}

Test(filters, unknown_name_message)
{
	struct api_params p = {0};
	struct api_req r = {0};
	struct api_filters f;
	const char *body = "Filter.1.Name=bogus&Filter.1.Value.1=x";

	cr_assert_eq(api_params_parse(&p, body, strlen(body), NULL), 0);
	r.params = &p;
	cr_assert_lt(api_filters_parse(&r, &table, &f), 0);
	cr_assert_str_eq(r.error.code, "InvalidParameterValue");
	cr_assert_str_eq(r.error.message, "The filter 'bogus' is invalid");
	api_req_arena_free(&r);
	api_params_done(&p);
}

Test(wildcard, linear_time_on_hostile_patterns)
{
	char p[4001], s[8001];

	/* 2000 x "?*" against 8000 characters that never match the final 'b'. */
	for (int i = 0; i < 2000; i++) {
		p[2 * i] = '?';
		p[2 * i + 1] = '*';
	}
	p[3999] = 'b';
	p[4000] = '\0';
	memset(s, 'a', 8000);
	s[8000] = '\0';
	cr_assert_not(api_wildcard_match(p, s));
	s[7999] = 'b';
	cr_assert(api_wildcard_match(p, s));
}
