/*
 * page: MaxResults / NextToken (ec2-api.md section 6).
 *
 * A NextToken is opaque to clients: "<hex of the last ID returned>.<16 hex
 * check>", where the check is a keyed hash over the action name and the ID
 * with a per-daemon key.  A token is valid only for the action that issued
 * it and only while this daemon runs (AWS tokens expire too); anything else
 * is InvalidNextToken.  Pages continue after the last ID returned, in ID
 * order, so deleting objects between pages never repeats or skips one.
 */
#include "api/api.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

static uint64_t page_key = 0x6f70656e76706321ULL;

void api_page_set_key(uint64_t key)
{
	page_key = key;
}

static uint64_t token_check(const char *action, const char *id)
{
	uint64_t h = util_hash64(page_key);

	for (const unsigned char *c = (const unsigned char *)action; *c; c++)
		h = util_hash64(h ^ *c);
	h = util_hash64(h ^ 0x2e);
	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = util_hash64(h ^ *c);
	return h;
}

int api_page_token_encode(const char *action, const char *last_id, char *buf, size_t size)
{
	size_t len = strlen(last_id), k = 0;
	static const char hex[] = "0123456789abcdef";

	if (len == 0 || len > API_PAGE_ID_MAX || size < 2 * len + 18)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		buf[k++] = hex[(unsigned char)last_id[i] >> 4];
		buf[k++] = hex[(unsigned char)last_id[i] & 15];
	}
	snprintf(buf + k, size - k, ".%016llx", (unsigned long long)token_check(action, last_id));
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int api_page_token_decode(const char *action, const char *token, char *ret_id, size_t size)
{
	const char *dot = strchr(token, '.');
	char id[API_PAGE_ID_MAX + 1], check[17];
	size_t hexlen;

	if (!dot || strlen(dot + 1) != 16)
		return -EINVAL;
	hexlen = (size_t)(dot - token);
	if (hexlen == 0 || hexlen % 2 || hexlen / 2 > API_PAGE_ID_MAX)
		return -EINVAL;
	for (size_t i = 0; i < hexlen / 2; i++) {
		int hi = hexval((unsigned char)token[2 * i]),
		    lo = hexval((unsigned char)token[2 * i + 1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -EINVAL;
		id[i] = (char)(hi << 4 | lo);
	}
	id[hexlen / 2] = '\0';
	snprintf(check, sizeof(check), "%016llx", (unsigned long long)token_check(action, id));
	if (strcmp(check, dot + 1) != 0)
		return -EINVAL;
	if (strlen(id) + 1 > size)
		return -EINVAL;
	memcpy(ret_id, id, strlen(id) + 1);
	return 0;
}

int api_page_parse(struct api_req *r, long min, long max, struct api_page *ret)
{
	struct api_page pg = {0};
	const char *tok = NULL;
	long mr = 0;
	int e;

	e = api_get_long(r, &mr, min, max, API_OPTIONAL, "MaxResults");
	if (e < 0)
		return e;
	pg.max_results = e > 0 ? mr : 0;
	e = api_get_str(r, &tok, API_OPTIONAL, "NextToken");
	if (e < 0)
		return e;
	if (e > 0 && *tok) {
		char *id = api_alloc(r, API_PAGE_ID_MAX + 1);

		if (!id)
			return api_fail(r, 500, "InternalError", "Out of memory");
		if (api_page_token_decode(r->action->name, tok, id, API_PAGE_ID_MAX + 1) < 0)
			return api_fail(r, 400, "InvalidNextToken", "The token '%.64s' is invalid.",
					tok);
		pg.after_id = id;
	}
	*ret = pg;
	return 0;
}

struct by_id_arg {
	const char *(*id_of)(const void *);
};

static int by_id(const void *a, const void *b, void *arg)
{
	const struct by_id_arg *x = arg;

	return strcmp(x->id_of(*(const void *const *)a), x->id_of(*(const void *const *)b));
}

void api_page_select(const struct api_page *page, const void **items, size_t n,
		     const char *(*id_of)(const void *item), size_t *ret_start, size_t *ret_count,
		     bool *ret_more)
{
	struct by_id_arg arg = {id_of};
	size_t start = 0, count;

	if (n > 1)
		qsort_r(items, n, sizeof(*items), by_id, &arg);
	if (page->after_id)
		while (start < n && strcmp(id_of(items[start]), page->after_id) <= 0)
			start++;
	count = n - start;
	if (page->max_results > 0 && (size_t)page->max_results < count)
		count = (size_t)page->max_results;
	*ret_start = start;
	*ret_count = count;
	*ret_more = start + count < n;
}

/* ec2-api.md section 6. Sorted by action for bsearch. */
static const struct page_range {
	const char *action;
	long min, max;
	bool clamp;
} page_ranges[] = {
    {"DescribeDhcpOptions", 5, 1000, false},
    {"DescribeEgressOnlyInternetGateways", 5, 255, false},
    {"DescribeFlowLogs", 1, 1000, true},
    {"DescribeInstanceTypes", 5, 100, false},
    {"DescribeInstances", 5, 1000, false},
    {"DescribeInternetGateways", 5, 1000, false},
    {"DescribeManagedPrefixLists", 1, 100, false},
    {"DescribeNatGateways", 5, 1000, false},
    {"DescribeNetworkAcls", 5, 1000, false},
    {"DescribeNetworkInsightsAnalyses", 1, 100, false},
    {"DescribeNetworkInterfaces", 5, 1000, false},
    {"DescribePrefixLists", 1, 1000, true},
    {"DescribeRouteTables", 5, 100, false},
    {"DescribeSecurityGroupRules", 5, 1000, false},
    {"DescribeSecurityGroups", 5, 1000, false},
    {"DescribeSubnets", 5, 1000, false},
    {"DescribeTags", 5, 1000, false},
    {"DescribeVpcEndpoints", 1, 1000, true},
    {"DescribeVpcPeeringConnections", 5, 1000, false},
    {"DescribeVpcs", 5, 1000, false},
};

static int range_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct page_range *)elem)->action);
}

void api_page_range(const char *action, long *ret_min, long *ret_max, bool *ret_clamp)
{
	const struct page_range *pr =
	    bsearch(action, page_ranges, sizeof(page_ranges) / sizeof(page_ranges[0]),
		    sizeof(page_ranges[0]), range_cmp);

	*ret_min = pr ? pr->min : 5;
	*ret_max = pr ? pr->max : 1000;
	*ret_clamp = pr ? pr->clamp : false;
}

int api_page_parse_default(struct api_req *r, struct api_page *ret_page)
{
	long min, max;
	bool clamp;
	struct api_page pg;
	int e;

	api_page_range(r->action->name, &min, &max, &clamp);
	e = api_page_parse(r, min, clamp ? LONG_MAX : max, &pg);
	if (e < 0)
		return e;
	if (pg.max_results > max)
		pg.max_results = max;
	*ret_page = pg;
	return 0;
}
