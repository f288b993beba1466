/*
 * The request path without the network (api_server_handle): XML response
 * and error document shapes, the action table, DryRun without side
 * effects, persistence (save before answer, reload on a failed save, the
 * change callback), Regions from the SigV4 scope, authentication errors
 * and the body limit.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ec2-model.h"
#include "api/server.h"
#include "lib/sigv4/sigv4.h"

#define VPC_ID "vpc-0123456789abcdef0"
#define NOW    1795720048 /* 2026-11-26T19:07:28Z */

struct fake_store {
	int loads, saves, inits, changes;
	char account[16];
	bool fail_save;
	char last_init_region[32];
};

static struct fake_store FS;

static int fake_load(void *ud, const char *account, const char *region, struct model **ret,
		     bool *ret_fresh)
{
	struct fake_store *fs = ud;
	struct model *m = model_new(account, region);
	struct model_vpc *v = m ? model_add_vpc(m) : NULL;

	if (!v) {
		model_free(m);
		return -ENOMEM;
	}
	/* The "stored" state: one VPC without tags. */
	strcpy(v->id, VPC_ID);
	strcpy(v->owner_id, account);
	fs->loads++;
	snprintf(fs->account, sizeof(fs->account), "%s", account);
	*ret = m;
	*ret_fresh = fs->loads == 1;
	return 0;
}

static int fake_save(void *ud, const struct model *m)
{
	struct fake_store *fs = ud;

	if (fs->fail_save)
		return -EIO;
	fs->saves++;
	return 0;
}

static int fake_init(void *ud, struct model *m, struct model_ctx *ctx, struct model_err *err)
{
	struct fake_store *fs = ud;

	fs->inits++;
	snprintf(fs->last_init_region, sizeof(fs->last_init_region), "%s", m->region);
	return 0;
}

/* A one-entry token memory. */
static char tok_name[80], *tok_hash, *tok_resp;

static int fake_token_get(void *ud, const char *region, const char *token, char **ret_hash,
			  char **ret_resp)
{
	if (!tok_hash || strcmp(tok_name, token) != 0)
		return 0;
	*ret_hash = strdup(tok_hash);
	*ret_resp = strdup(tok_resp);
	return 1;
}

static int fake_token_put(void *ud, const char *region, const char *token, const char *hash,
			  const char *resp)
{
	free(tok_hash);
	free(tok_resp);
	snprintf(tok_name, sizeof(tok_name), "%s", token);
	tok_hash = strdup(hash);
	tok_resp = strdup(resp);
	return 0;
}

static void on_change(void *ud, const char *region, const struct model *m)
{
	((struct fake_store *)ud)->changes++;
}

static int64_t fixed_now(void)
{
	return NOW;
}

static struct api_server *S;

static void make_server(const struct api_credential *creds, size_t n)
{
	struct api_config cfg = {
	    .credentials = creds,
	    .n_credentials = n,
	    .seed = 1,
	    .now = fixed_now,
	    .persist = {&FS, fake_load, fake_save, fake_init, fake_token_get, fake_token_put, NULL, NULL, NULL, NULL},
	};

	memset(&FS, 0, sizeof(FS));
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	api_set_change_callback(S, on_change, &FS);
}

static void setup(void)
{
	make_server(NULL, 0);
}

static void teardown(void)
{
	S = api_server_free(S);
	free(tok_hash);
	free(tok_resp);
	tok_hash = tok_resp = NULL;
}

static struct api_http_response post_h(const char *body, const struct sigv4_header *h, size_t nh)
{
	struct api_http_request req = {
	    .method = "POST",
	    .path = "/",
	    .headers = h,
	    .n_headers = nh,
	    .body = body,
	    .body_size = strlen(body),
	};
	struct api_http_response resp;

	cr_assert_eq(api_server_handle(S, &req, &resp), 0);
	return resp;
}

static struct api_http_response post(const char *body)
{
	return post_h(body, NULL, 0);
}

static bool matches(const char *re, const char *s)
{
	regex_t rx;
	bool ok;

	cr_assert_eq(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0, "%s", re);
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

#define UUID "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

Test(dispatch, success_document, .init = setup, .fini = teardown)
{
	struct api_http_response r = post("Action=DescribeRegions&Version=2016-11-15&"
					  "RegionName.1=eu-west-1");

	cr_assert_eq(r.status, 200);
	cr_assert(matches("^<\\?xml version=\"1.0\" encoding=\"UTF-8\"\\?>\n"
			  "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/"
			  "2016-11-15/\"><requestId>" UUID "</requestId><regionInfo><item>"
			  "<regionName>eu-west-1</regionName><regionEndpoint>ec2.eu-west-1."
			  "amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required"
			  "</optInStatus></item></regionInfo></DescribeRegionsResponse>\n$",
			  r.body),
		  "%s", r.body);
	cr_assert_str_eq(r.action, "DescribeRegions");
	cr_assert_str_eq(r.code, "");
	api_http_response_done(&r);
}

Test(dispatch, error_documents, .init = setup, .fini = teardown)
{
	static const struct {
		const char *body, *code;
		int status;
	} cases[] = {
	    {"Action=Bogus&Version=2016-11-15", "InvalidAction", 400},
	    /* A real EC2 operation that openvpc does not implement. */
	    {"Action=DescribeCapacityReservations&Version=2016-11-15", "InvalidAction", 400},
	    {"Action=DescribeRegions", "MissingParameter", 400},
	    {"Version=2016-11-15", "MissingAction", 400},
	    {"Action=DescribeRegions&Version=2014-01-01", "InvalidParameterValue", 400},
	    {"Action=DescribeRegions&Version=2016-11-15&Nope=1", "UnknownParameter", 400},
	    {"Action=DescribeRegions&Version=2016-11-15&DryRun=1", "InvalidParameterValue", 400},
	    {"Action=DescribeRegions&Version=2016-11-15&DryRun=true", "DryRunOperation", 412},
	    {"Action=DescribeRegions&Version=2016-11-15&a=1&a=2", "InvalidParameterValue", 400},
	    {"Action=DescribeRegions&Version=2016-11-15&a=%", "MalformedQueryString", 400},
	    {"Action=CreateTags&Version=2016-11-15&Tag.1.Key=k", "MissingParameter", 400},
	    {"Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-1&Tag.1.Key=k",
	     "InvalidVpcID.NotFound", 400},
	    {"Action=DescribeInstanceTypes&Version=2016-11-15&MaxResults=4",
	     "InvalidParameterValue", 400},
	    {"Action=DescribeInstanceTypes&Version=2016-11-15&NextToken=x", "InvalidNextToken",
	     400},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_http_response r = post(cases[i].body);
		char re[512];

		cr_expect_eq(r.status, cases[i].status, "%s: %d", cases[i].body, r.status);
		cr_expect_str_eq(r.code, cases[i].code, "%s", cases[i].body);
		snprintf(
		    re, sizeof(re),
		    "^<\\?xml version=\"1.0\" encoding=\"UTF-8\"\\?>\n<Response><Errors><Error>"
		    "<Code>%s</Code><Message>[^<]+</Message></Error></Errors>"
		    "<RequestID>" UUID "</RequestID></Response>\n$",
		    cases[i].code);
		cr_expect(matches(re, r.body), "%s", r.body);
		api_http_response_done(&r);
	}
}

Test(dispatch, dry_run_message, .init = setup, .fini = teardown)
{
	struct api_http_response r =
	    post("Action=DescribeAvailabilityZones&Version=2016-11-15&DryRun=true");

	cr_assert(strstr(r.body, "<Message>Request would have succeeded, but DryRun flag is "
				 "set.</Message>"));
	api_http_response_done(&r);
}

Test(dispatch, mutating_saves_then_answers, .init = setup, .fini = teardown)
{
	struct api_http_response r;

	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<tagSet/>"), "%s", r.body);
	api_http_response_done(&r);
	cr_assert_eq(FS.inits, 1);
	cr_assert_str_eq(FS.last_init_region, "us-east-1");
	cr_assert_eq(FS.saves, 1); /* the fresh Region */
	/* DryRun: nothing saved, nothing changed. */
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
		 "&Tag.1.Key=Name&Tag.1.Value=x&DryRun=true");
	cr_assert_eq(r.status, 412);
	api_http_response_done(&r);
	cr_assert_eq(FS.saves, 1);
	cr_assert_eq(FS.changes, 0);
	/* A real change: saved once, callback once. */
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
		 "&Tag.1.Key=Name&Tag.1.Value=web");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<return>true</return>"));
	api_http_response_done(&r);
	cr_assert_eq(FS.saves, 2);
	cr_assert_eq(FS.changes, 1);
	r = post("Action=DescribeTags&Version=2016-11-15&Filter.1.Name=resource-type&"
		 "Filter.1.Value.1=vpc");
	cr_assert(strstr(r.body, "<tagSet><item><resourceId>" VPC_ID "</resourceId><resourceType>"
				 "vpc</resourceType><key>Name</key><value>web</value></item>"
				 "</tagSet>"),
		  "%s", r.body);
	api_http_response_done(&r);
	/* A failed save: InternalError, and the Region is back to the stored state. */
	FS.fail_save = true;
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=env");
	cr_assert_eq(r.status, 500);
	cr_assert_str_eq(r.code, "InternalError");
	api_http_response_done(&r);
	cr_assert_eq(FS.changes, 1);
	FS.fail_save = false;
	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert_null(strstr(r.body, "<key>env</key>"), "%s", r.body);
	api_http_response_done(&r);
	/* Reads are never saved. */
	cr_assert_eq(FS.saves, 2);
}

Test(dispatch, describe_tags_pagination, .init = setup, .fini = teardown)
{
	struct api_http_response r;
	char body[512], *tok, *end;
	int seen = 0;

	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
		 "&Tag.1.Key=a&Tag.2.Key=b&Tag.3.Key=c&Tag.4.Key=d&Tag.5.Key=e&Tag.6.Key=f&"
		 "Tag.7.Key=g");
	cr_assert_eq(r.status, 200, "%s", r.body);
	api_http_response_done(&r);
	snprintf(body, sizeof(body), "Action=DescribeTags&Version=2016-11-15&MaxResults=5");
	for (int page = 0; page < 3; page++) {
		r = post(body);
		cr_assert_eq(r.status, 200, "%s", r.body);
		for (const char *p = r.body; (p = strstr(p, "<item>")); p++)
			seen++;
		tok = strstr(r.body, "<nextToken>");
		if (!tok) {
			api_http_response_done(&r);
			break;
		}
		tok += strlen("<nextToken>");
		end = strchr(tok, '<');
		*end = '\0';
		snprintf(body, sizeof(body),
			 "Action=DescribeTags&Version=2016-11-15&MaxResults=5&NextToken=%s", tok);
		api_http_response_done(&r);
	}
	cr_assert_eq(seen, 7);
}

Test(dispatch, body_limit, .init = setup, .fini = teardown)
{
	struct api_http_request req = {.method = "POST", .path = "/"};
	struct api_http_response resp;
	char *big = malloc(API_BODY_MAX + 2);

	memset(big, 'a', API_BODY_MAX + 1);
	big[API_BODY_MAX + 1] = '\0';
	req.body = big;
	req.body_size = API_BODY_MAX + 1;
	cr_assert_eq(api_server_handle(S, &req, &resp), 0);
	cr_assert_eq(resp.status, 413);
	cr_assert_str_eq(resp.code, "RequestEntityTooLarge");
	api_http_response_done(&resp);
	free(big);
}

Test(dispatch, action_table)
{
	size_t n;
	const struct api_action *t = api_actions(&n);

	cr_assert_geq(n, 7);
	for (size_t i = 0; i < n; i++) {
		const struct ec2_model_op *op = ec2_model_find(t[i].name);

		cr_expect_not_null(op, "%s is not an EC2 operation", t[i].name);
		if (i)
			cr_expect_lt(strcmp(t[i - 1].name, t[i].name), 0, "order/duplicate at %s",
				     t[i].name);
		if (strncmp(t[i].name, "Describe", 8) == 0)
			cr_expect_not(t[i].flags & API_MUTATING, "%s", t[i].name);
		cr_expect_eq(api_action_find(t[i].name), &t[i]);
	}
	cr_assert_null(api_action_find("DescribeNothing"));
}

Test(dispatch, helpers)
{
	char buf[32];
	struct api_req r = {0};
	struct model_err err = {MODEL_ERR_VPC_NOT_FOUND, "The vpc ID 'vpc-1' does not exist"};

	api_format_time(NOW, buf);
	cr_assert_str_eq(buf, "2026-11-26T19:07:28.000Z");
	api_format_time(0, buf);
	cr_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
	api_format_time(-1, buf);
	cr_assert_str_eq(buf, "1969-12-31T23:59:59.000Z");
	api_format_time(951868800, buf);
	cr_assert_str_eq(buf, "2000-03-01T00:00:00.000Z");
	api_format_time(INT64_MAX, buf);
	cr_assert_str_eq(buf, "9999-12-31T23:59:59.000Z");
	cr_assert_lt(api_fail_model(&r, -ENOENT, &err), 0);
	cr_assert_str_eq(r.error.code, "InvalidVpcID.NotFound");
	cr_assert_eq(r.error.status, 400);
	cr_assert_str_eq(r.error.message, "The vpc ID 'vpc-1' does not exist");
}

/* ---- authentication ------------------------------------------------------------ */

static const struct api_credential creds[] = {{"AKIDGOOD", "good-secret"}};

static struct api_http_response signed_post(const char *body, const char *key, const char *secret,
					    const char *region, int64_t when)
{
	char date[SIGV4_AMZ_DATE_LEN], *authz = NULL;
	struct sigv4_header h[4] = {
	    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
	    {"Host", "127.0.0.1:8787"},
	    {"X-Amz-Date", date},
	};
	struct sigv4_request sreq = {"POST", "/", NULL, h, 3, body, strlen(body)};
	struct api_http_response r;

	sigv4_format_amz_date(when, date);
	cr_assert_eq(sigv4_sign(&sreq, key, secret, date, region, "ec2", &authz), 0);
	h[3] = (struct sigv4_header){"Authorization", authz};
	r = post_h(body, h, 4);
	free(authz);
	return r;
}

static void secured(void)
{
	make_server(creds, 1);
}

Test(auth, verified, .init = secured, .fini = teardown)
{
	const char *body = "Action=DescribeAvailabilityZones&Version=2016-11-15";
	struct api_http_response r;

	r = signed_post(body, "AKIDGOOD", "good-secret", "eu-west-1", NOW);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<zoneName>eu-west-1a</zoneName>"));
	cr_assert_str_eq(FS.last_init_region, "eu-west-1");
	api_http_response_done(&r);
	r = signed_post(body, "AKIDGOOD", "bad-secret", "us-east-1", NOW);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(r.code, "SignatureDoesNotMatch");
	api_http_response_done(&r);
	r = signed_post(body, "AKIDOTHER", "good-secret", "us-east-1", NOW);
	cr_assert_eq(r.status, 401);
	cr_assert_str_eq(r.code, "AuthFailure");
	api_http_response_done(&r);
	r = signed_post(body, "AKIDGOOD", "good-secret", "us-east-1", NOW - 901);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(r.code, "RequestExpired");
	api_http_response_done(&r);
	r = signed_post(body, "AKIDGOOD", "good-secret", "us-east-1", NOW + 600);
	cr_assert_eq(r.status, 200);
	api_http_response_done(&r);
	r = post(body);
	cr_assert_eq(r.status, 403);
	cr_assert_str_eq(r.code, "MissingAuthenticationToken");
	api_http_response_done(&r);
	/* Authentication comes before everything else, even InvalidAction. */
	r = post("Action=Bogus");
	cr_assert_str_eq(r.code, "MissingAuthenticationToken");
	api_http_response_done(&r);
}

Test(auth, unverified_accepts_any_well_formed, .init = setup, .fini = teardown)
{
	const char *body = "Action=DescribeAvailabilityZones&Version=2016-11-15";
	struct sigv4_header bad[] = {{"Authorization", "AWS4-HMAC-SHA256 nonsense"}};
	struct api_http_response r;

	r = signed_post(body, "ANYKEY", "any-secret", "ap-south-1", NOW - 100000);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<regionName>ap-south-1</regionName>"));
	api_http_response_done(&r);
	r = post_h(body, bad, 1);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(r.code, "IncompleteSignature");
	api_http_response_done(&r);
}

Test(auth, credentials_file)
{
	struct api_credential *c = NULL;
	size_t n = 0;

	cr_assert_eq(
	    api_credentials_parse("# comment\n\nAKID1 s1\n  AKID2   s2/with+chars  \n", &c, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[1].access_key, "AKID2");
	cr_assert_str_eq(c[1].secret, "s2/with+chars");
	free(c);
	cr_assert_lt(api_credentials_parse("AKID1\n", &c, &n), 0);
	cr_assert_lt(api_credentials_parse("AKID1 s1 extra\n", &c, &n), 0);
	cr_assert_lt(api_credentials_parse("AK/ID s1\n", &c, &n), 0);
}

Test(dispatch, client_token, .init = setup, .fini = teardown)
{
	/*
	 * Newer SDK models add ClientToken to mutating actions this build's model
	 * lacks (CreateRouteTable in 2023): every mutating action accepts it and
	 * gets idempotency; a read-only action still refuses it.
	 */
	struct api_http_response r =
	    post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
		 "&Tag.1.Key=a&ClientToken=abc");

	cr_assert_eq(r.status, 200, "%s", r.body);
	api_http_response_done(&r);
	r = post("Action=DescribeTags&Version=2016-11-15&ClientToken=abc");
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(r.code, "UnknownParameter");
	api_http_response_done(&r);
	cr_assert(ec2_model_accepts(ec2_model_find("CreateNatGateway"), "ClientToken"));
}

Test(dispatch, configured_account)
{
	struct api_config cfg = {.account_id = "111122223333",
				 .seed = 1,
				 .persist = {&FS, fake_load, fake_save, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
	struct api_config bad = {.account_id = "12345"};
	struct api_server *other = NULL;
	struct api_http_response r;

	memset(&FS, 0, sizeof(FS));
	cr_assert_eq(api_server_new(&bad, &other), -EINVAL);
	bad = (struct api_config){.default_region = "Not A Region"};
	cr_assert_eq(api_server_new(&bad, &other), -EINVAL);
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert_eq(r.status, 200);
	api_http_response_done(&r);
	cr_assert_str_eq(FS.account, "111122223333");
	S = api_server_free(S);
}

Test(auth, region_limit, .init = setup, .fini = teardown)
{
	const char *body = "Action=DescribeAvailabilityZones&Version=2016-11-15";
	char region[32];

	for (int i = 1; i <= API_REGIONS_MAX + 1; i++) {
		struct api_http_response r;

		snprintf(region, sizeof(region), "xx-test-%d", i);
		r = signed_post(body, "K", "s", region, NOW);
		if (i <= API_REGIONS_MAX) {
			cr_assert_eq(r.status, 200, "%s: %s", region, r.body);
		} else {
			cr_assert_eq(r.status, 400);
			cr_assert_str_eq(r.code, "InvalidParameterValue");
		}
		api_http_response_done(&r);
	}
	/* Known Regions keep working. */
	struct api_http_response r = signed_post(body, "K", "s", "xx-test-1", NOW);

	cr_assert_eq(r.status, 200);
	api_http_response_done(&r);
}

/* persist.sync (group commit): called after every request; a failure turns a success into 500. */
static int syncs, sync_result;

static int fake_sync(void *ud)
{
	syncs++;
	return sync_result;
}

Test(dispatch, sync_before_answer)
{
	struct api_config cfg = {
	    .seed = 1,
	    .now = fixed_now,
	    .persist = {&FS, fake_load, fake_save, fake_init, NULL, NULL, fake_sync, NULL, NULL, NULL},
	};
	struct api_http_response r;

	memset(&FS, 0, sizeof(FS));
	syncs = sync_result = 0;
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=a");
	cr_assert_eq(r.status, 200, "%s", r.body);
	api_http_response_done(&r);
	cr_assert_eq(syncs, 1);
	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert_eq(r.status, 200);
	api_http_response_done(&r);
	cr_assert_eq(syncs, 2);
	/* The change was committed but could not be made durable: not acknowledged. */
	sync_result = -EIO;
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=b");
	cr_assert_eq(r.status, 500);
	cr_assert_str_eq(r.code, "InternalError");
	cr_assert(strstr(r.body, "<Code>InternalError</Code>"), "%s", r.body);
	api_http_response_done(&r);
	cr_assert_eq(syncs, 3);
	/* An error stays the error it was. */
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-nope&Tag.1.Key=b");
	cr_assert_eq(r.status, 400);
	api_http_response_done(&r);
	S = api_server_free(S);
}

/*
 * persist.commit (batches): runs before sync for every answer; when it
 * fails, nothing is synced, the answer is 500 and the Region is reloaded
 * from the store (the change callback runs), so the model holds nothing
 * of the lost batch.
 */
static int commits, commit_result;
static char hook_trace[64];

static int fake_commit(void *ud)
{
	commits++;
	strncat(hook_trace, "c", sizeof(hook_trace) - strlen(hook_trace) - 1);
	return commit_result;
}

static int trace_sync(void *ud)
{
	syncs++;
	strncat(hook_trace, "s", sizeof(hook_trace) - strlen(hook_trace) - 1);
	return 0;
}

Test(dispatch, commit_before_sync_and_a_failed_commit_reloads)
{
	struct api_config cfg = {
	    .seed = 1,
	    .now = fixed_now,
	    .persist = {&FS, fake_load, fake_save, fake_init, NULL, NULL, trace_sync, NULL, NULL,
			fake_commit},
	};
	struct api_http_response r;
	int loads;

	memset(&FS, 0, sizeof(FS));
	syncs = commits = commit_result = 0;
	hook_trace[0] = '\0';
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	api_set_change_callback(S, on_change, &FS);
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=a");
	cr_assert_eq(r.status, 200, "%s", r.body);
	api_http_response_done(&r);
	cr_assert_str_eq(hook_trace, "cs");
	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert(strstr(r.body, "<key>a</key>"), "%s", r.body);
	api_http_response_done(&r);
	cr_assert_str_eq(hook_trace, "cscs");

	/* The batch cannot be committed: no sync, 500, the Region reloaded. */
	commit_result = -EIO;
	loads = FS.loads;
	FS.changes = 0;
	r = post("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID "&Tag.1.Key=b");
	cr_assert_eq(r.status, 500);
	cr_assert_str_eq(r.code, "InternalError");
	api_http_response_done(&r);
	cr_assert_str_eq(hook_trace, "cscsc");
	cr_assert_eq(FS.loads, loads + 1, "the Region is reloaded");
	cr_assert_geq(FS.changes, 2, "the change callback sees the reloaded model");
	commit_result = 0;
	r = post("Action=DescribeTags&Version=2016-11-15");
	cr_assert_eq(r.status, 200);
	cr_assert_null(strstr(r.body, "<key>b</key>"), "%s", r.body);
	api_http_response_done(&r);
	S = api_server_free(S);
}

/* persist.save_hint: CreateTags / DeleteTags name their resources; anything doubtful saves fully. */
static int hint_saves;
static char hint_ids[160];

static int fake_save_hint(void *ud, const struct model *m, const char *const *ids, size_t n)
{
	hint_saves++;
	hint_ids[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(hint_ids + strlen(hint_ids), sizeof(hint_ids) - strlen(hint_ids), "%s%s",
			 i ? "," : "", ids[i]);
	return 0;
}

static int post_status(const char *body)
{
	struct api_http_response r = post(body);
	int status = r.status;

	api_http_response_done(&r);
	return status;
}

Test(dispatch, save_hint_names_the_tagged_resources)
{
	struct api_config cfg = {
	    .seed = 1,
	    .now = fixed_now,
	    .persist = {&FS, fake_load, fake_save, fake_init, NULL, NULL, NULL, fake_save_hint, NULL, NULL},
	};

	memset(&FS, 0, sizeof(FS));
	hint_saves = 0;
	cr_assert_eq(api_server_new(&cfg, &S), 0);
	/* The Region's first request loads it (fresh: one full save). */
	cr_assert_eq(post_status("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				 "&ResourceId.2=" VPC_ID "&Tag.1.Key=a"),
		     200);
	cr_assert_eq(hint_saves, 1);
	cr_assert_str_eq(hint_ids, VPC_ID "," VPC_ID);
	cr_assert_eq(FS.saves, 1, "the fresh Region's save");
	cr_assert_eq(post_status("Action=DeleteTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				 "&Tag.1.Key=a"),
		     200);
	cr_assert_eq(hint_saves, 2);
	/* A failed mutating request: the next save compares everything... */
	cr_assert_eq(post_status("Action=CreateTags&Version=2016-11-15&ResourceId.1=vpc-nope"
				 "&Tag.1.Key=b"),
		     400);
	cr_assert_eq(post_status("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				 "&Tag.1.Key=b"),
		     200);
	cr_assert_eq(hint_saves, 2);
	cr_assert_eq(FS.saves, 2);
	/* ...and the one after it is hinted again; actions that name nothing never are. */
	cr_assert_eq(post_status("Action=CreateTags&Version=2016-11-15&ResourceId.1=" VPC_ID
				 "&Tag.1.Key=c"),
		     200);
	cr_assert_eq(hint_saves, 3);
	cr_assert_eq(post_status("Action=CreateDefaultVpc&Version=2016-11-15"), 200);
	cr_assert_eq(hint_saves, 3);
	cr_assert_eq(FS.saves, 3);
	S = api_server_free(S);
}

/* The text of the first <tag>...</tag> in body after from (at most size - 1 bytes). */
static void xml_value(const char *body, const char *from, const char *tag, char *out, size_t size)
{
	char open[64];
	const char *p = from ? strstr(body, from) : body, *end;

	cr_assert_not_null(p, "%s in %s", from, body);
	snprintf(open, sizeof(open), "<%s>", tag);
	p = strstr(p, open);
	cr_assert_not_null(p, "%s in %s", open, body);
	p += strlen(open);
	end = strchr(p, '<');
	cr_assert_not_null(end);
	cr_assert_lt((size_t)(end - p), size);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

static int subnet_available(const char *subnet_id)
{
	char body[256], v[16];
	struct api_http_response r;

	snprintf(body, sizeof(body), "Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=%s",
		 subnet_id);
	r = post(body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	xml_value(r.body, NULL, "availableIpAddressCount", v, sizeof(v));
	api_http_response_done(&r);
	return atoi(v);
}

/* DescribeSubnets' memoised AvailableIpAddressCount follows every change, whatever the action. */
Test(dispatch, subnet_free_addresses_follow_changes, .init = setup, .fini = teardown)
{
	char body[512], vpc[32], subnet[32], eni[32];
	struct api_http_response r;

	r = post("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.9.0.0/16");
	cr_assert_eq(r.status, 200, "%s", r.body);
	xml_value(r.body, NULL, "vpcId", vpc, sizeof(vpc));
	api_http_response_done(&r);
	snprintf(body, sizeof(body),
		 "Action=CreateSubnet&Version=2016-11-15&VpcId=%s&CidrBlock=10.9.1.0/24", vpc);
	r = post(body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	xml_value(r.body, NULL, "subnetId", subnet, sizeof(subnet));
	api_http_response_done(&r);
	cr_assert_eq(subnet_available(subnet), 251);
	cr_assert_eq(subnet_available(subnet), 251);

	snprintf(body, sizeof(body),
		 "Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=%s"
		 "&SecondaryPrivateIpAddressCount=2",
		 subnet);
	r = post(body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	xml_value(r.body, NULL, "networkInterfaceId", eni, sizeof(eni));
	api_http_response_done(&r);
	cr_assert_eq(subnet_available(subnet), 248);

	/* DryRun changes nothing; a refused request neither. */
	snprintf(body, sizeof(body),
		 "Action=CreateNetworkInterface&Version=2016-11-15&SubnetId=%s&DryRun=true",
		 subnet);
	cr_assert_eq(post_status(body), 412);
	cr_assert_eq(subnet_available(subnet), 248);
	snprintf(body, sizeof(body),
		 "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=%s"
		 "&SecondaryPrivateIpAddressCount=1000",
		 eni);
	cr_assert_eq(post_status(body), 400);
	cr_assert_eq(subnet_available(subnet), 248);

	snprintf(body, sizeof(body),
		 "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=%s"
		 "&SecondaryPrivateIpAddressCount=3&Ipv4PrefixCount=1",
		 eni);
	cr_assert_eq(post_status(body), 200);
	cr_assert_eq(subnet_available(subnet), 248 - 3 - 16);

	/* A failed save puts the stored state back (here: no subnet at all). */
	FS.fail_save = true;
	snprintf(body, sizeof(body), "Action=DeleteNetworkInterface&Version=2016-11-15"
				     "&NetworkInterfaceId=%s",
		 eni);
	cr_assert_eq(post_status(body), 500);
	FS.fail_save = false;
	snprintf(body, sizeof(body), "Action=DescribeSubnets&Version=2016-11-15&SubnetId.1=%s",
		 subnet);
	cr_assert_eq(post_status(body), 400);
}
