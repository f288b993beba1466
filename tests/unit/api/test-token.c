/*
 * ClientToken idempotency: first use proceeds and asks to be remembered,
 * a repeat with the same parameters replays the stored answer, a repeat
 * with other parameters is IdempotentParameterMismatch; DryRun, read
 * actions and undeclared tokens bypass it; bad tokens are refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "api/req-private.h"
#include "api/token-private.h"

static char stored_token[80], stored_hash[65], stored_body[128];
static int gets;

static int t_get(void *ud, const char *region, const char *token, char **ret_hash, char **ret_body)
{
	gets++;
	if (!stored_token[0] || strcmp(token, stored_token) != 0)
		return 0;
	*ret_hash = strdup(stored_hash);
	*ret_body = strdup(stored_body);
	return 1;
}

static const struct api_persist persist = {.token_get = t_get};
static const struct api_action mutating = {"CreateNatGateway", NULL, API_MUTATING};
static const struct api_action reading = {"DescribeNatGateways", NULL, API_READ};

struct outcome {
	int rc;
	const char *token;
	char hash[65];
	char *body;
	char code[64];
};

static struct outcome check(const char *body, const struct api_action *a, bool declared)
{
	struct api_params p = {0};
	struct api_req r = {0};
	struct outcome o = {0};

	cr_assert_eq(api_params_parse(&p, body, strlen(body), NULL), 0);
	r.params = &p;
	r.action = a;
	r.dry_run = api_params_get(&p, "DryRun") != NULL;
	o.rc =
	    api_client_token_check(&persist, &r, declared, "us-east-1", &o.token, o.hash, &o.body);
	if (o.token)
		o.token = "set"; /* points into p, which goes away */
	if (r.error.code)
		snprintf(o.code, sizeof(o.code), "%s", r.error.code);
	api_req_arena_free(&r);
	api_params_done(&p);
	return o;
}

Test(token, lifecycle)
{
	struct outcome o;

	stored_token[0] = '\0';
	o = check("Action=CreateNatGateway&SubnetId=subnet-1&ClientToken=tok1", &mutating, true);
	cr_assert_eq(o.rc, 0);
	cr_assert_str_eq(o.token, "set");
	cr_assert_eq(strlen(o.hash), 64);
	/* Remember it as dispatch.c would after the save. */
	snprintf(stored_token, sizeof(stored_token), "tok1");
	memcpy(stored_hash, o.hash, 65);
	snprintf(stored_body, sizeof(stored_body), "<stored/>");
	/* Same parameters (order and DryRun-free): the stored answer. */
	o = check("SubnetId=subnet-1&ClientToken=tok1&Action=CreateNatGateway", &mutating, true);
	cr_assert_eq(o.rc, 1);
	cr_assert_str_eq(o.body, "<stored/>");
	free(o.body);
	/* Other parameters: mismatch. */
	o = check("Action=CreateNatGateway&SubnetId=subnet-2&ClientToken=tok1", &mutating, true);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.code, "IdempotentParameterMismatch");
	/* Another token: proceeds. */
	o = check("Action=CreateNatGateway&SubnetId=subnet-2&ClientToken=tok2", &mutating, true);
	cr_assert_eq(o.rc, 0);
	cr_assert_not_null(o.token);
}

Test(token, bypass_and_refusals)
{
	struct outcome o;
	char body[200];
	int before = gets;

	o = check("Action=CreateNatGateway&SubnetId=s&ClientToken=t&DryRun=true", &mutating, true);
	cr_assert_eq(o.rc, 0);
	cr_assert_null(o.token);
	o = check("Action=DescribeNatGateways&ClientToken=t", &reading, true);
	cr_assert_eq(o.rc, 0);
	cr_assert_null(o.token);
	o = check("Action=CreateNatGateway&ClientToken=t", &mutating, false);
	cr_assert_eq(o.rc, 0);
	cr_assert_null(o.token);
	o = check("Action=CreateNatGateway&SubnetId=s", &mutating, true);
	cr_assert_eq(o.rc, 0);
	cr_assert_null(o.token);
	cr_assert_eq(gets, before); /* none of these looked the store up */
	snprintf(body, sizeof(body), "Action=CreateNatGateway&ClientToken=%065d", 0);
	o = check(body, &mutating, true);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.code, "InvalidParameterValue");
	o = check("Action=CreateNatGateway&ClientToken=", &mutating, true);
	cr_assert_lt(o.rc, 0);
	o = check("Action=CreateNatGateway&ClientToken=a%20b", &mutating, true);
	cr_assert_lt(o.rc, 0);
}

Test(token, hash_ignores_token_and_dry_run_only)
{
	struct api_params a = {0}, b = {0}, c = {0};
	char ha[65], hb[65], hc[65];

	cr_assert_eq(api_params_parse(&a, "X=1&Y=2&ClientToken=a", 21, NULL), 0);
	cr_assert_eq(api_params_parse(&b, "Y=2&DryRun=true&X=1&ClientToken=b", 33, NULL), 0);
	cr_assert_eq(api_params_parse(&c, "X=1&Y=3", 7, NULL), 0);
	cr_assert_eq(api_params_hash(&a, ha), 0);
	cr_assert_eq(api_params_hash(&b, hb), 0);
	cr_assert_eq(api_params_hash(&c, hc), 0);
	cr_assert_str_eq(ha, hb);
	cr_assert_str_neq(ha, hc);
	api_params_done(&a);
	api_params_done(&b);
	api_params_done(&c);
}
