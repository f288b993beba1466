/*
 * Configured quotas (api_quota_set, struct api_config.quotas): the
 * "name=value" parser and its errors, and a raised or lowered quota taking
 * effect on the request path.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/server.h"

Test(quota, parse)
{
	struct model_quotas q, d;

	model_quotas_default(&q);
	model_quotas_default(&d);
	cr_assert_eq(q.enis_per_region, 5000);
	cr_assert_eq(api_quota_set(&q, "enis_per_region=10000"), 0);
	cr_assert_eq(q.enis_per_region, 10000);
	cr_assert_eq(api_quota_set(&q, "instances_per_region=1"), 0);
	cr_assert_eq(q.instances_per_region, 1);
	/* Nothing else moved. */
	q.enis_per_region = d.enis_per_region;
	q.instances_per_region = d.instances_per_region;
	cr_assert_eq(memcmp(&q, &d, sizeof(q)), 0);
	/* Every name is settable. */
	for (size_t i = 0; api_quota_name(i); i++) {
		char s[128];

		snprintf(s, sizeof(s), "%s=7", api_quota_name(i));
		cr_assert_eq(api_quota_set(&q, s), 0, "%s", s);
	}
	for (size_t i = 0; i < sizeof(q) / sizeof(int); i++)
		cr_assert_eq(((int *)&q)[i], 7);
	cr_assert_null(api_quota_name(sizeof(q) / sizeof(int)));
	/* Errors. */
	cr_assert_eq(api_quota_set(&q, "enis_per_region"), -EINVAL);
	cr_assert_eq(api_quota_set(&q, NULL), -EINVAL);
	cr_assert_eq(api_quota_set(NULL, "enis_per_region=1"), -EINVAL);
	cr_assert_eq(api_quota_set(&q, "enis_per_region="), -ERANGE);
	cr_assert_eq(api_quota_set(&q, "enis_per_region=0"), -ERANGE);
	cr_assert_eq(api_quota_set(&q, "enis_per_region=-5"), -ERANGE);
	cr_assert_eq(api_quota_set(&q, "enis_per_region=1000001"), -ERANGE);
	cr_assert_eq(api_quota_set(&q, "enis_per_region=12x"), -ERANGE);
	cr_assert_eq(api_quota_set(&q, "enis=1"), -ENOENT);
	cr_assert_eq(api_quota_set(&q, "enis_per_region_x=1"), -ENOENT);
	cr_assert_eq(api_quota_set(&q, "=1"), -ENOENT);
	cr_assert_eq(q.enis_per_region, 7);
}

static struct api_http_response post(struct api_server *s, const char *body)
{
	struct api_http_request req = {
	    .method = "POST", .path = "/", .body = body, .body_size = strlen(body)};
	struct api_http_response resp;

	cr_assert_eq(api_server_handle(s, &req, &resp), 0);
	return resp;
}

/* CreateVpc n times; returns how many succeeded, the last error code in code. */
static int create_vpcs(struct api_server *s, int n, char code[64])
{
	int ok = 0;

	code[0] = '\0';
	for (int i = 0; i < n; i++) {
		char body[128];
		struct api_http_response r;

		snprintf(body, sizeof(body),
			 "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.%d.0.0/16", i);
		r = post(s, body);
		if (r.status == 200)
			ok++;
		else
			snprintf(code, 64, "%s", r.code);
		api_http_response_done(&r);
	}
	return ok;
}

Test(quota, configured_quotas_apply)
{
	struct model_quotas q;
	struct api_config cfg = {.seed = 1};
	struct api_server *s;
	char code[64];

	/* Default: 5 VPCs per Region. */
	cr_assert_eq(api_server_new(&cfg, &s), 0);
	cr_assert_eq(create_vpcs(s, 7, code), 5);
	cr_assert_str_eq(code, "VpcLimitExceeded");
	s = api_server_free(s);
	/* Raised to 7, then lowered to 2. */
	model_quotas_default(&q);
	cr_assert_eq(api_quota_set(&q, "vpcs_per_region=7"), 0);
	cfg.quotas = &q;
	cr_assert_eq(api_server_new(&cfg, &s), 0);
	cr_assert_eq(create_vpcs(s, 9, code), 7);
	cr_assert_str_eq(code, "VpcLimitExceeded");
	s = api_server_free(s);
	cr_assert_eq(api_quota_set(&q, "vpcs_per_region=2"), 0);
	cr_assert_eq(api_server_new(&cfg, &s), 0);
	q.vpcs_per_region = 100; /* the server copied the quotas */
	cr_assert_eq(create_vpcs(s, 4, code), 2);
	s = api_server_free(s);
}
