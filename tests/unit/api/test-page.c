/*
 * Pagination: opaque NextToken round trips, tampering, cross-action reuse,
 * MaxResults ranges and page selection in ID order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/params.h"
#include "api/req-private.h"

Test(page, token_round_trip)
{
	char tok[1024], id[API_PAGE_ID_MAX + 1];

	api_page_set_key(7);
	cr_assert_eq(
	    api_page_token_encode("DescribeVpcs", "vpc-0123456789abcdef0", tok, sizeof(tok)), 0);
	cr_assert_eq(api_page_token_decode("DescribeVpcs", tok, id, sizeof(id)), 0);
	cr_assert_str_eq(id, "vpc-0123456789abcdef0");
	/* Another action's token. */
	cr_assert_eq(api_page_token_decode("DescribeSubnets", tok, id, sizeof(id)), -EINVAL);
	/* Tampered ID or check. */
	tok[0] = tok[0] == '7' ? '6' : '7';
	cr_assert_eq(api_page_token_decode("DescribeVpcs", tok, id, sizeof(id)), -EINVAL);
	cr_assert_eq(api_page_token_decode("DescribeVpcs", "", id, sizeof(id)), -EINVAL);
	cr_assert_eq(api_page_token_decode("DescribeVpcs", "zz.0000000000000000", id, sizeof(id)),
		     -EINVAL);
	cr_assert_eq(api_page_token_decode("DescribeVpcs", "00.0000000000000000", id, sizeof(id)),
		     -EINVAL);
	/* Another daemon (key) does not accept it. */
	cr_assert_eq(api_page_token_encode("DescribeVpcs", "vpc-1", tok, sizeof(tok)), 0);
	api_page_set_key(8);
	cr_assert_eq(api_page_token_decode("DescribeVpcs", tok, id, sizeof(id)), -EINVAL);
	/* Too small a buffer. */
	cr_assert_eq(api_page_token_encode("DescribeVpcs", "vpc-1", tok, 8), -EINVAL);
}

static const char *str_id(const void *o)
{
	return o;
}

Test(page, select_in_id_order)
{
	const void *items[] = {"c", "a", "e", "b", "d"};
	struct api_page pg = {.max_results = 2};
	size_t start, count;
	bool more;

	api_page_select(&pg, items, 5, str_id, &start, &count, &more);
	cr_assert_eq(start, 0);
	cr_assert_eq(count, 2);
	cr_assert(more);
	cr_assert_str_eq(items[0], "a");
	cr_assert_str_eq(items[1], "b");
	pg.after_id = "b";
	api_page_select(&pg, items, 5, str_id, &start, &count, &more);
	cr_assert_eq(start, 2);
	cr_assert_eq(count, 2);
	cr_assert(more);
	pg.after_id = "d";
	api_page_select(&pg, items, 5, str_id, &start, &count, &more);
	cr_assert_eq(count, 1);
	cr_assert_not(more);
	/* The last returned object was deleted meanwhile: continue after its ID. */
	const void *fewer[] = {"a", "c", "e"};

	pg.after_id = "b";
	api_page_select(&pg, fewer, 3, str_id, &start, &count, &more);
	cr_assert_str_eq(fewer[start], "c");
	/* No MaxResults: everything. */
	pg = (struct api_page){0};
	api_page_select(&pg, items, 5, str_id, &start, &count, &more);
	cr_assert_eq(count, 5);
	cr_assert_not(more);
}

static const struct api_action fake = {"DescribeVpcs", NULL, 0};

static int parse(const char *body, struct api_page *pg, struct api_req *r, struct api_params *p)
{
	memset(p, 0, sizeof(*p));
	memset(r, 0, sizeof(*r));
	cr_assert_eq(api_params_parse(p, body, strlen(body), NULL), 0);
	r->params = p;
	r->action = &fake;
	return api_page_parse(r, 5, 1000, pg);
}

Test(page, parse_ranges)
{
	struct api_params p;
	struct api_req r;
	struct api_page pg;
	char body[1200], tok[1024];

	cr_assert_eq(parse("MaxResults=5", &pg, &r, &p), 0);
	cr_assert_eq(pg.max_results, 5);
	api_params_done(&p);
	api_req_arena_free(&r);
	cr_assert_lt(parse("MaxResults=4", &pg, &r, &p), 0);
	cr_assert_str_eq(r.error.code, "InvalidParameterValue");
	api_params_done(&p);
	api_req_arena_free(&r);
	cr_assert_lt(parse("MaxResults=1001", &pg, &r, &p), 0);
	api_params_done(&p);
	api_req_arena_free(&r);
	cr_assert_lt(parse("NextToken=garbage", &pg, &r, &p), 0);
	cr_assert_str_eq(r.error.code, "InvalidNextToken");
	api_params_done(&p);
	api_req_arena_free(&r);
	api_page_token_encode("DescribeVpcs", "vpc-9", tok, sizeof(tok));
	snprintf(body, sizeof(body), "NextToken=%s", tok);
	cr_assert_eq(parse(body, &pg, &r, &p), 0);
	cr_assert_str_eq(pg.after_id, "vpc-9");
	api_req_arena_free(&r);
	api_params_done(&p);
	/* An empty NextToken is the first page. */
	cr_assert_eq(parse("NextToken=", &pg, &r, &p), 0);
	cr_assert_null(pg.after_id);
	api_params_done(&p);
}

Test(page, ranges_table)
{
	long min, max;
	bool clamp;
	static const char *const names[] = {"DescribeVpcs", "DescribeRouteTables",
					    "DescribeEgressOnlyInternetGateways",
					    "DescribeVpcEndpoints", "DescribeUnknownThing"};
	static const long want[][3] = {
	    {5, 1000, 0}, {5, 100, 0}, {5, 255, 0}, {1, 1000, 1}, {5, 1000, 0}};

	for (size_t i = 0; i < 5; i++) {
		api_page_range(names[i], &min, &max, &clamp);
		cr_expect_eq(min, want[i][0], "%s", names[i]);
		cr_expect_eq(max, want[i][1], "%s", names[i]);
		cr_expect_eq(clamp, want[i][2] != 0, "%s", names[i]);
	}
}

Test(page, parse_default_clamps)
{
	static const struct api_action ep = {"DescribeVpcEndpoints", NULL, 0};
	static const struct api_action rt = {"DescribeRouteTables", NULL, 0};
	struct api_params p = {0};
	struct api_req r = {0};
	struct api_page pg;

	cr_assert_eq(api_params_parse(&p, "MaxResults=5000", 15, NULL), 0);
	r.params = &p;
	r.action = &ep;
	cr_assert_eq(api_page_parse_default(&r, &pg), 0);
	cr_assert_eq(pg.max_results, 1000);
	r.action = &rt;
	cr_assert_lt(api_page_parse_default(&r, &pg), 0);
	cr_assert_str_eq(r.error.code, "InvalidParameterValue");
	api_params_done(&p);
}
