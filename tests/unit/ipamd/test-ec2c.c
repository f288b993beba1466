/*
 * Unit tests of ipamd/ec2c: exact request bodies, signatures checked with
 * lib/sigv4's verifier, parsing of canned answers (vpcd's, captured into
 * tests/fuzz/corpus/ec2c-xml/, and AWS documentation examples), error
 * documents, limits, retries with an injected transport and sleep, paging,
 * and the libcurl transport against a local HTTP server that fails N times.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipamd/ec2c-form.h"
#include "ipamd/ec2c-xml.h"
#include "ipamd/ec2c.h"
#include "lib/sigv4/sigv4.h"
#include "lib/util/util.h"

#define NOW    1795000000 /* 2026-11-18T11:06:40Z */
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* ---- canned answers ---- */

static char *corpus(const char *name, size_t *ret_size)
{
	const char *root = getenv("OPENVPC_SOURCE_ROOT");
	char path[4096];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/ec2c-xml/%s", root ? root : ".", name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (ret_size)
		*ret_size = (size_t)n;
	return buf;
}

/* ---- an injected transport that plays a script ---- */

struct step {
	int r;	     /* < 0: transport error */
	long status; /* else this status */
	char *body;  /* owned */
};

#define MAX_STEPS 32
struct fake {
	struct step steps[MAX_STEPS];
	int n_steps, calls;
	bool repeat_last; /* past the script: play the last step again, unrecorded */
	int extra_calls;
	char *bodies[MAX_STEPS]; /* request bodies seen */
	char *headers[MAX_STEPS][8];
	size_t n_headers[MAX_STEPS];
	char url[512];
	long sleeps[MAX_STEPS];
	int n_sleeps;
	long timeout_ms;
};

static void fake_push(struct fake *f, int r, long status, const char *body)
{
	cr_assert_lt(f->n_steps, MAX_STEPS);
	f->steps[f->n_steps++] = (struct step){r, status, body ? strdup(body) : NULL};
}

static void fake_push_file(struct fake *f, long status, const char *name)
{
	char *b = corpus(name, NULL);

	fake_push(f, 0, status, b);
	free(b);
}

static int fake_send(void *ud, const struct ec2c_http_request *req,
		     struct ec2c_http_response *ret_resp)
{
	struct fake *f = ud;
	int i = f->calls;
	struct step *s;

	if (f->repeat_last && i >= f->n_steps) {
		s = &f->steps[f->n_steps - 1];
		f->extra_calls++;
		ret_resp->status = s->status;
		ret_resp->body = strdup(s->body);
		ret_resp->body_size = strlen(s->body);
		return 0;
	}
	f->calls++;
	cr_assert_lt(i, f->n_steps, "unexpected request %d: %s", i, req->body);
	s = &f->steps[i];
	f->bodies[i] = strndup(req->body, req->body_size);
	cr_assert_leq(req->n_headers, 8);
	for (size_t h = 0; h < req->n_headers; h++)
		f->headers[i][h] = strdup(req->headers[h]);
	f->n_headers[i] = req->n_headers;
	snprintf(f->url, sizeof(f->url), "%s", req->url);
	f->timeout_ms = req->timeout_ms;
	if (s->r < 0)
		return s->r;
	ret_resp->status = s->status;
	ret_resp->body = s->body ? strdup(s->body) : NULL;
	ret_resp->body_size = s->body ? strlen(s->body) : 0;
	return 0;
}

static void fake_sleep(void *ud, long ms)
{
	struct fake *f = ud;

	cr_assert_lt(f->n_sleeps, MAX_STEPS);
	f->sleeps[f->n_sleeps++] = ms;
}

static int64_t fake_now(void *ud)
{
	(void)ud;
	return NOW;
}

static void fake_free(struct fake *f)
{
	for (int i = 0; i < f->n_steps; i++)
		free(f->steps[i].body);
	for (int i = 0; i < f->calls; i++) {
		free(f->bodies[i]);
		for (size_t h = 0; h < f->n_headers[i]; h++)
			free(f->headers[i][h]);
	}
	free(f);
}

static struct ec2c *client_opts(struct fake *f, int max_attempts, const char *token,
				const char *endpoint)
{
	struct ec2c_hooks hooks = {
	    .send = fake_send, .sleep = fake_sleep, .now = fake_now, .userdata = f, .seed = 42};
	struct ec2c_config cfg;
	struct ec2c *c = NULL;

	ec2c_config_defaults(&cfg);
	strcpy(cfg.access_key, "AKIDEXAMPLE");
	strcpy(cfg.secret_key, SECRET);
	if (token)
		strcpy(cfg.session_token, token);
	if (endpoint)
		strcpy(cfg.endpoint, endpoint);
	cfg.max_attempts = max_attempts;
	cfg.backoff_base_ms = 100;
	cfg.backoff_max_ms = 400;
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), 0);
	return c;
}

static struct ec2c *client(struct fake *f, int max_attempts)
{
	return client_opts(f, max_attempts, NULL, NULL);
}

static const char *header(struct fake *f, int call, const char *name)
{
	size_t n = strlen(name);

	for (size_t h = 0; h < f->n_headers[call]; h++)
		if (strncasecmp(f->headers[call][h], name, n) == 0 && f->headers[call][h][n] == ':')
			return f->headers[call][h] + n + 2;
	return NULL;
}

/* Verify the signature of request `call` with lib/sigv4; returns sigv4_verify's result. */
static int verify_call(struct fake *f, int call, const char *secret, struct sigv4_auth *ret_auth)
{
	struct sigv4_header hs[4];
	struct sigv4_auth auth;
	size_t n = 0;
	const char *names[] = {"Content-Type", "Host", "X-Amz-Date", "X-Amz-Security-Token"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = header(f, call, names[i]);

		if (v)
			hs[n++] = (struct sigv4_header){names[i], v};
	}
	const char *path = strchr(strstr(f->url, "://") + 3, '/');
	struct sigv4_request req = {
	    .method = "POST",
	    .path = path,
	    .headers = hs,
	    .n_headers = n,
	    .payload = f->bodies[call],
	    .payload_size = strlen(f->bodies[call]),
	};
	cr_assert_not_null(header(f, call, "Authorization"));
	cr_assert_eq(sigv4_parse_authorization(header(f, call, "Authorization"), &auth), 0);
	if (ret_auth)
		*ret_auth = auth;
	return sigv4_verify(&req, &auth, secret, header(f, call, "X-Amz-Date"));
}

/* ---- the form ---- */

Test(ec2c_form, encodes_like_botocore)
{
	struct ec2c_form f;
	const char *body;
	size_t size;

	ec2c_form_init(&f, "CreateVpc");
	ec2c_form_add(&f, "CidrBlock", "10.0.0.0/16");
	ec2c_form_addf(&f, "a b&c=d~é", "Tag.%d.Value", 1);
	ec2c_form_add_long(&f, "MaxResults", 5);
	cr_assert_eq(ec2c_form_finish(&f, &body, &size), 0);
	cr_assert_str_eq(body, "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16"
			       "&Tag.1.Value=a%20b%26c%3Dd~%C3%A9&MaxResults=5");
	cr_assert_eq(size, strlen(body));
	ec2c_form_done(&f);
}

Test(ec2c_form, errors_are_sticky)
{
	struct ec2c_form f;
	const char *body;
	size_t size;
	char *big = malloc(EC2C_FORM_MAX);

	ec2c_form_init(&f, "X");
	ec2c_form_add(&f, "A", NULL);
	ec2c_form_add(&f, "B", "fine");
	cr_assert_eq(ec2c_form_finish(&f, &body, &size), -EINVAL);
	ec2c_form_done(&f);

	memset(big, 'a', EC2C_FORM_MAX - 1);
	big[EC2C_FORM_MAX - 1] = '\0';
	ec2c_form_init(&f, "X");
	ec2c_form_add(&f, "A", big);
	cr_assert_eq(ec2c_form_finish(&f, &body, &size), -E2BIG);
	ec2c_form_done(&f);
	ec2c_form_done(NULL);
	free(big);
}

/* ---- request bodies and signatures ---- */

Test(ec2c_request, create_eni_body_and_signature)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 3);
	const char *sgs[] = {"sg-1", "sg-2"};
	const struct ec2c_kv tags[] = {
	    {"node.k8s.amazonaws.com/instance_id", "i-0123"},
	    {"cluster.k8s.amazonaws.com/name", "demo"},
	};
	struct ec2c_create_eni in = {
	    .subnet_id = "subnet-6cf8e9db19741e4cf",
	    .description = "aws-K8S-i-0123",
	    .group_ids = sgs,
	    .n_group_ids = 2,
	    .tags = tags,
	    .n_tags = 2,
	    .secondary_ip_count = 3,
	};
	struct ec2c_error err;
	struct sigv4_auth auth;
	struct ec2c_eni eni;
	const char *tok;

	fake_push_file(f, 200, "create-eni.xml");
	cr_assert_eq(ec2c_create_network_interface(c, &in, &eni, &err), 0);
	cr_assert_eq(f->calls, 1);
	tok = strstr(f->bodies[0], "&ClientToken=");
	cr_assert_not_null(tok);
	cr_assert_eq(strncmp(f->bodies[0],
			     "Action=CreateNetworkInterface&Version=2016-11-15"
			     "&SubnetId=subnet-6cf8e9db19741e4cf&Description=aws-K8S-i-0123"
			     "&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2"
			     "&SecondaryPrivateIpAddressCount=3"
			     "&TagSpecification.1.ResourceType=network-interface"
			     "&TagSpecification.1.Tag.1.Key=node.k8s.amazonaws.com%2Finstance_id"
			     "&TagSpecification.1.Tag.1.Value=i-0123"
			     "&TagSpecification.1.Tag.2.Key=cluster.k8s.amazonaws.com%2Fname"
			     "&TagSpecification.1.Tag.2.Value=demo&ClientToken=",
			     (size_t)(tok - f->bodies[0]) + 13),
		     0, "%s", f->bodies[0]);
	cr_assert_eq(strlen(tok + 13), 32);
	cr_assert_eq(strspn(tok + 13, "0123456789abcdef"), 32);

	/* Signed as EC2 wants it, and valid for lib/sigv4's verifier. */
	cr_assert_str_eq(f->url, "http://127.0.0.1:8787/");
	cr_assert_str_eq(header(f, 0, "Host"), "127.0.0.1:8787");
	cr_assert_str_eq(header(f, 0, "Content-Type"),
			 "application/x-www-form-urlencoded; charset=utf-8");
	cr_assert_str_eq(header(f, 0, "X-Amz-Date"), "20261118T110640Z");
	cr_assert_eq(verify_call(f, 0, SECRET, &auth), 0);
	cr_assert_str_eq(auth.access_key, "AKIDEXAMPLE");
	cr_assert_str_eq(auth.region, "us-east-1");
	cr_assert_str_eq(auth.service, "ec2");
	cr_assert_str_eq(auth.date, "20261118");
	cr_assert_str_eq(auth.signed_headers, "content-type;host;x-amz-date");
	cr_assert_eq(verify_call(f, 0, "wrong-secret", NULL), -EACCES);
	cr_assert_eq(f->timeout_ms, 10000);

	ec2c_eni_done(&eni);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_request, session_token_is_signed)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c =
	    client_opts(f, 1, "FQoGZXIvYXdzEXAMPLE//token==", "https://ec2.example.com:8443/api");
	struct sigv4_auth auth;
	struct ec2c_error err;

	fake_push_file(f, 200, "delete.xml");
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), 0);
	cr_assert_str_eq(f->url, "https://ec2.example.com:8443/api");
	cr_assert_str_eq(header(f, 0, "Host"), "ec2.example.com:8443");
	cr_assert_str_eq(header(f, 0, "X-Amz-Security-Token"), "FQoGZXIvYXdzEXAMPLE//token==");
	cr_assert_eq(verify_call(f, 0, SECRET, &auth), 0);
	cr_assert_eq(verify_call(f, 0, "other", &auth), -EACCES);
	cr_assert_str_eq(auth.signed_headers, "content-type;host;x-amz-date;x-amz-security-token");
	ec2c_free(c);
	fake_free(f);
}

/* Each call: its exact body (ClientToken-free calls). */
Test(ec2c_request, exact_bodies)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 1);
	const uint32_t ips[] = {0x0a000205, 0x0a000206};
	const struct net_cidr4 pfx[] = {{0x0a000130, 28}};
	const char *ids[] = {"eni-1", "eni-2"};
	const char *vals[] = {"i-1", "i-2"};
	const struct ec2c_filter flt[] = {{"attachment.instance-id", vals, 2}, {"status", vals, 1}};
	const struct ec2c_describe q_ids = {.ids = ids, .n_ids = 2, .max_results = 5};
	const struct ec2c_describe q_flt = {.filters = flt, .n_filters = 2, .max_results = 1000};
	const struct ec2c_kv tags[] = {{"k", "v w"}};
	struct ec2c_eni_list enis;
	struct ec2c_subnet_list subnets;
	struct ec2c_instance *inst = malloc(sizeof(*inst));
	struct ec2c_assigned as;
	char att[EC2C_ID_MAX];
	struct ec2c_error err;
	static const char *const want[] = {
	    "Action=AttachNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1"
	    "&InstanceId=i-1&DeviceIndex=2&NetworkCardIndex=0",
	    "Action=ModifyNetworkInterfaceAttribute&Version=2016-11-15&NetworkInterfaceId=eni-1"
	    "&Attachment.AttachmentId=eni-attach-1&Attachment.DeleteOnTermination=true",
	    "Action=DetachNetworkInterface&Version=2016-11-15&AttachmentId=eni-attach-1&Force=true",
	    "Action=DeleteNetworkInterface&Version=2016-11-15&NetworkInterfaceId=eni-1",
	    "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
	    "&SecondaryPrivateIpAddressCount=2",
	    "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
	    "&Ipv4PrefixCount=1",
	    "Action=UnassignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId=eni-1"
	    "&PrivateIpAddress.1=10.0.2.5&PrivateIpAddress.2=10.0.2.6&Ipv4Prefix.1=10.0.1.48%2F28",
	    "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1",
	    "Action=DescribeNetworkInterfaces&Version=2016-11-15&NetworkInterfaceId.1=eni-1"
	    "&NetworkInterfaceId.2=eni-2",
	    "Action=DescribeNetworkInterfaces&Version=2016-11-15"
	    "&Filter.1.Name=attachment.instance-id&Filter.1.Value.1=i-1&Filter.1.Value.2=i-2"
	    "&Filter.2.Name=status&Filter.2.Value.1=i-1&MaxResults=1000",
	    "Action=DescribeSubnets&Version=2016-11-15",
	    "Action=CreateTags&Version=2016-11-15&ResourceId.1=eni-1&ResourceId.2=eni-2"
	    "&Tag.1.Key=k&Tag.1.Value=v%20w",
	    "Action=TerminateInstances&Version=2016-11-15&InstanceId.1=i-1",
	};

	fake_push_file(f, 200, "attach.xml");
	fake_push_file(f, 200, "modify.xml");
	fake_push_file(f, 200, "detach.xml");
	fake_push_file(f, 200, "delete.xml");
	fake_push_file(f, 200, "assign-aws.xml");
	fake_push_file(f, 200, "assign-prefix.xml");
	fake_push_file(f, 200, "unassign.xml");
	fake_push_file(f, 200, "describe-instances.xml");
	fake_push_file(f, 200, "describe-enis.xml");
	fake_push_file(f, 200, "describe-enis.xml");
	fake_push_file(f, 200, "describe-subnets.xml");
	fake_push_file(f, 200, "create-tags.xml");
	fake_push_file(f, 200, "terminate.xml");
	cr_assert_eq(ec2c_attach_network_interface(c, "eni-1", "i-1", 2, att, &err), 0);
	cr_assert_str_eq(att, "eni-attach-6eae311d312853cad");
	cr_assert_eq(ec2c_set_delete_on_termination(c, "eni-1", "eni-attach-1", &err), 0);
	cr_assert_eq(ec2c_detach_network_interface(c, "eni-attach-1", true, &err), 0);
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), 0);
	cr_assert_eq(ec2c_assign_private_ips(c, "eni-1", 2, 0, &as, &err), 0);
	cr_assert_eq(ec2c_assign_private_ips(c, "eni-1", 0, 1, &as, &err), 0);
	cr_assert_eq(ec2c_unassign_private_ips(c, "eni-1", ips, 2, pfx, 1, &err), 0);
	cr_assert_eq(ec2c_describe_instance(c, "i-1", inst, &err), 0);
	cr_assert_eq(ec2c_describe_network_interfaces(c, &q_ids, &enis, &err), 0);
	ec2c_eni_list_done(&enis);
	cr_assert_eq(ec2c_describe_network_interfaces(c, &q_flt, &enis, &err), 0);
	ec2c_eni_list_done(&enis);
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &subnets, &err), 0);
	ec2c_subnet_list_done(&subnets);
	cr_assert_eq(ec2c_create_tags(c, ids, 2, tags, 1, &err), 0);
	cr_assert_eq(ec2c_terminate_instance(c, "i-1", &err), 0);
	cr_assert_eq(f->calls, (int)ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		cr_expect_str_eq(f->bodies[i], want[i]);
		cr_expect_eq(verify_call(f, (int)i, SECRET, NULL), 0, "call %zu", i);
	}
	free(inst);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_request, bad_arguments_send_nothing)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 1);
	struct ec2c_create_eni in = {
	    .subnet_id = "subnet-1", .secondary_ip_count = 1, .prefix_count = 1};
	struct ec2c_assigned as;
	struct ec2c_error err;
	struct ec2c_eni eni;
	char att[EC2C_ID_MAX];
	const char *vals[] = {NULL};
	const struct ec2c_filter flt[] = {{"x", vals, 1}};
	const struct ec2c_describe q = {.filters = flt, .n_filters = 1};
	struct ec2c_eni_list l;

	cr_assert_eq(ec2c_create_network_interface(c, &in, &eni, &err), -EINVAL);
	in = (struct ec2c_create_eni){0};
	cr_assert_eq(ec2c_create_network_interface(c, &in, &eni, &err), -EINVAL);
	cr_assert_eq(ec2c_assign_private_ips(c, "eni-1", 0, 0, &as, &err), -EINVAL);
	cr_assert_eq(ec2c_assign_private_ips(c, "eni-1", 1, 1, &as, &err), -EINVAL);
	cr_assert_eq(ec2c_attach_network_interface(c, "eni-1", "", 1, att, &err), -EINVAL);
	cr_assert_eq(ec2c_attach_network_interface(c, "eni-1", "i-1", -1, att, &err), -EINVAL);
	cr_assert_eq(ec2c_unassign_private_ips(c, "eni-1", NULL, 0, NULL, 0, &err), -EINVAL);
	cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), -EINVAL);
	cr_assert_eq(ec2c_delete_network_interface(c, NULL, NULL), -EINVAL);
	cr_assert_eq(f->calls, 0);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_client, new_validates_config)
{
	struct ec2c_config cfg;
	struct ec2c_hooks hooks = {.send = fake_send};
	struct ec2c *c = NULL;
	static const char *const bad[] = {"ftp://x",	    "http://",		 "http://a b",
					  "127.0.0.1:8787", "http://user@host/", "http://h/?q"};

	ec2c_config_defaults(&cfg);
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), -EINVAL, "no keys");
	strcpy(cfg.access_key, "AK");
	strcpy(cfg.secret_key, "SK");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		strcpy(cfg.endpoint, bad[i]);
		cr_expect_eq(ec2c_new(&cfg, &hooks, &c), -EINVAL, "%s", bad[i]);
	}
	strcpy(cfg.endpoint, "http://[::1]:8787");
	memset(cfg.region, 'x', sizeof(cfg.region));
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), -EINVAL, "region without its NUL");
	strcpy(cfg.region, "eu-west-1");
	cfg.max_attempts = 0;
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), -EINVAL);
	cfg.max_attempts = 1;
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), 0);
	c = ec2c_free(c);
	cr_assert_null(c);
	cr_assert_null(ec2c_free(NULL));
}

Test(ec2c_client, config_from_env)
{
	struct ec2c_config cfg;
	char big[EC2C_URL_MAX + 10];

	ec2c_config_defaults(&cfg);
	cr_assert_str_eq(cfg.endpoint, "http://127.0.0.1:8787");
	cr_assert_str_eq(cfg.region, "us-east-1");
	cr_assert_eq(cfg.timeout_ms, 10000);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tok", 1);
	setenv("AWS_EC2_ENDPOINT", "https://ec2.eu-west-1.amazonaws.com", 1);
	setenv("AWS_REGION", "eu-west-1", 1);
	cr_assert_eq(ec2c_config_from_env(&cfg), 0);
	cr_assert_str_eq(cfg.access_key, "AKIAENV");
	cr_assert_str_eq(cfg.secret_key, "secretenv");
	cr_assert_str_eq(cfg.session_token, "tok");
	cr_assert_str_eq(cfg.endpoint, "https://ec2.eu-west-1.amazonaws.com");
	cr_assert_str_eq(cfg.region, "eu-west-1");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	setenv("AWS_EC2_ENDPOINT", big, 1);
	setenv("AWS_ACCESS_KEY_ID", "OTHER", 1);
	cr_assert_eq(ec2c_config_from_env(&cfg), -ENAMETOOLONG);
	cr_assert_str_eq(cfg.access_key, "AKIAENV", "unchanged on failure");
}

/* ---- parsing ---- */

Test(ec2c_parse, create_eni_from_vpcd)
{
	size_t size;
	char *b = corpus("create-eni.xml", &size);
	char ip[NET_IP4_STRLEN];
	struct ec2c_eni e;

	cr_assert_eq(ec2c_xml_parse_create_eni(b, size, &e), 0);
	cr_assert_str_eq(e.id, "eni-d279ea4596be56f0d");
	cr_assert_str_eq(e.subnet_id, "subnet-0001a33ecaff5e65f");
	cr_assert_str_eq(e.vpc_id, "vpc-ce8dfb100078ab444");
	cr_assert_str_eq(e.az, "us-east-1d");
	cr_assert_str_eq(e.mac, "0e:32:f9:4f:71:fc");
	cr_assert_str_eq(e.status, "available");
	cr_assert_str_eq(e.description, "aws-K8S-i-84553f9d02148857a");
	cr_assert_str_eq(net_ip4_format(e.primary_ip, ip), "172.31.48.5");
	cr_assert_eq(e.n_secondary_ips, 3);
	cr_assert_str_eq(net_ip4_format(e.secondary_ips[2], ip), "172.31.48.8");
	cr_assert_eq(e.n_group_ids, 1);
	cr_assert_str_eq(e.group_ids[0], "sg-8f35f0cb563882bc5");
	cr_assert_not(e.attached);
	cr_assert_eq(e.n_tags, 1);
	cr_assert_str_eq(ec2c_eni_tag(&e, "node.k8s.amazonaws.com/instance_id"),
			 "i-84553f9d02148857a");
	cr_assert_null(ec2c_eni_tag(&e, "other"));
	ec2c_eni_done(&e);
	cr_assert_null(e.tags);
	free(b);
}

Test(ec2c_parse, describe_enis_page_and_prefixes)
{
	struct ec2c_eni_list l = {0};
	char token[EC2C_NEXT_TOKEN_MAX], buf[NET_CIDR4_STRLEN];
	size_t size;
	char *b = corpus("describe-enis-page1.xml", &size);
	const struct ec2c_eni *e;

	cr_assert_eq(ec2c_xml_parse_eni_page(b, size, &l, token), 0);
	cr_assert_str_eq(token, "page-2-token");
	cr_assert_eq(l.n_enis, 1);
	e = &l.enis[0];
	cr_assert_str_eq(e->mac, "02:1a:2b:3c:4d:5e");
	cr_assert_eq(e->n_secondary_ips, 1);
	cr_assert_eq(e->n_prefixes, 1);
	cr_assert_str_eq(net_cidr4_format(e->prefixes[0], buf), "10.0.1.32/28");
	cr_assert_eq(e->n_group_ids, 2);
	cr_assert_str_eq(e->group_ids[1], "sg-0fedcba9876543210");
	cr_assert_str_eq(ec2c_eni_tag(e, "cluster.k8s.amazonaws.com/name"), "demo & test");
	free(b);

	/* A second page appends. */
	b = corpus("describe-enis.xml", &size);
	cr_assert_eq(ec2c_xml_parse_eni_page(b, size, &l, token), 0);
	cr_assert_str_eq(token, "");
	cr_assert_eq(l.n_enis, 3);
	e = &l.enis[2];
	cr_assert_str_eq(e->id, "eni-d279ea4596be56f0d");
	cr_assert(e->attached);
	cr_assert_str_eq(e->attachment.id, "eni-attach-6eae311d312853cad");
	cr_assert_str_eq(e->attachment.instance_id, "i-84553f9d02148857a");
	cr_assert_eq(e->attachment.device_index, 1);
	cr_assert_str_eq(e->attachment.status, "attached");
	cr_assert(e->attachment.delete_on_termination);
	cr_assert_eq(l.enis[1].attachment.device_index, 0);
	ec2c_eni_list_done(&l);
	ec2c_eni_list_done(&l);
	free(b);
}

Test(ec2c_parse, describe_instance_and_subnets)
{
	struct ec2c_instance *in = calloc(1, sizeof(*in));
	struct ec2c_subnet_list sl = {0};
	char token[EC2C_NEXT_TOKEN_MAX], buf[NET_CIDR4_STRLEN];
	size_t size;
	char *b = corpus("describe-instances.xml", &size);

	cr_assert_eq(ec2c_xml_parse_instance(b, size, in), 0);
	cr_assert_str_eq(in->id, "i-84553f9d02148857a");
	cr_assert_str_eq(in->instance_type, "t3.small");
	cr_assert_str_eq(in->subnet_id, "subnet-0001a33ecaff5e65f");
	cr_assert_str_eq(in->az, "us-east-1d");
	cr_assert_str_eq(in->state, "running");
	cr_assert_eq(in->n_enis, 2);
	cr_assert_eq(in->enis[1].device_index, 1);
	cr_assert_str_eq(in->enis[1].attachment_id, "eni-attach-6eae311d312853cad");
	cr_assert_str_eq(in->enis[0].id, "eni-6281c5a29d52bb835");
	free(b);

	b = corpus("describe-subnets.xml", &size);
	cr_assert_eq(ec2c_xml_parse_subnet_page(b, size, &sl, token), 0);
	cr_assert_eq(sl.n_subnets, 6);
	cr_assert_str_eq(sl.subnets[0].az, "us-east-1d");
	cr_assert_str_eq(sl.subnets[0].az_id, "use1-az4");
	cr_assert_eq(sl.subnets[0].available_ips, 4091);
	cr_assert_str_eq(net_cidr4_format(sl.subnets[0].cidr, buf), "172.31.48.0/20");
	cr_assert_str_eq(sl.subnets[0].state, "available");
	ec2c_subnet_list_done(&sl);
	free(b);

	/* The AWS documentation's example (indented, many more members). */
	b = corpus("describe-instances-aws.xml", &size);
	cr_assert_eq(ec2c_xml_parse_instance(b, size, in), 0);
	cr_assert_str_eq(in->id, "i-1234567890abcdef0");
	cr_assert_str_eq(in->instance_type, "t2.micro");
	cr_assert_str_eq(in->az, "eu-west-1c");
	cr_assert_str_eq(in->vpc_id, "vpc-11112222");
	cr_assert_str_eq(net_ip4_format(in->primary_ip, buf), "192.168.1.88");
	cr_assert_eq(in->n_enis, 1);
	cr_assert_str_eq(in->enis[0].id, "eni-551ba033");
	cr_assert_str_eq(in->enis[0].attachment_id, "eni-attach-39697adc");
	cr_assert_eq(in->enis[0].device_index, 0);
	cr_assert_str_eq(in->enis[0].attachment_status, "attached");
	free(b);

	/* An answer without the instance. */
	static const char none[] = "<DescribeInstancesResponse><reservationSet/>"
				   "</DescribeInstancesResponse>";
	cr_assert_eq(ec2c_xml_parse_instance(none, sizeof(none) - 1, in), -ENOENT);
	free(in);
}

Test(ec2c_parse, assign_from_aws_docs)
{
	struct ec2c_assigned a;
	char ip[NET_IP4_STRLEN], pb[NET_CIDR4_STRLEN];
	size_t size;
	char *b = corpus("assign-aws.xml", &size);

	cr_assert_eq(ec2c_xml_parse_assign(b, size, &a), 0);
	cr_assert_str_eq(a.eni_id, "eni-0a1b2c3d4e5f60718");
	cr_assert_eq(a.n_ips, 2);
	cr_assert_str_eq(net_ip4_format(a.ips[1], ip), "10.0.2.11");
	cr_assert_eq(a.n_prefixes, 0);
	free(b);
	b = corpus("assign-prefix.xml", &size);
	cr_assert_eq(ec2c_xml_parse_assign(b, size, &a), 0);
	cr_assert_eq(a.n_ips, 0);
	cr_assert_eq(a.n_prefixes, 1);
	cr_assert_str_eq(net_cidr4_format(a.prefixes[0], pb), "172.31.48.48/28");
	free(b);
}

Test(ec2c_parse, error_documents)
{
	struct ec2c_error err = {0};
	size_t size;
	char *b = corpus("err-limit.xml", &size);
	static const char generic[] =
	    "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
	    "<Message>no</Message></Error><RequestId>r-1</RequestId></ErrorResponse>";
	static const char nocode[] = "<Response><Errors><Error><Message>x</Message></Error>"
				     "</Errors></Response>";

	cr_assert_eq(ec2c_xml_parse_error(b, size, &err), 0);
	cr_assert_str_eq(err.code, "PrivateIpAddressLimitExceeded");
	cr_assert_str_eq(err.message, "Number of private addresses 14 exceeds the limit of 4 for "
				      "network interface eni-d279ea4596be56f0d");
	cr_assert_str_eq(err.request_id, "e2805731-59f4-42e9-b179-9fb29d109b74");
	free(b);
	cr_assert_eq(ec2c_xml_parse_error(generic, sizeof(generic) - 1, &err), 0);
	cr_assert_str_eq(err.code, "InvalidAction");
	cr_assert_str_eq(err.request_id, "r-1");
	memset(&err, 0, sizeof(err));
	cr_assert_eq(ec2c_xml_parse_error(nocode, sizeof(nocode) - 1, &err), -EBADMSG);
	cr_assert_str_eq(err.code, "", "untouched on failure");
}

Test(ec2c_parse, long_message_is_cut_on_a_character)
{
	struct ec2c_error err;
	size_t n = 2 * EC2C_MESSAGE_MAX;
	char *doc = malloc(n + 200), *p = doc;

	p += sprintf(p, "<Response><Errors><Error><Code>X</Code><Message>a");
	for (size_t i = 0; i < EC2C_MESSAGE_MAX / 2; i++)
		p += sprintf(p, "\xc3\xa9"); /* 2-byte é, shifted by the leading 'a' */
	p += sprintf(p, "</Message></Error></Errors></Response>");
	cr_assert_eq(ec2c_xml_parse_error(doc, (size_t)(p - doc), &err), 0);
	cr_assert_lt(strlen(err.message), EC2C_MESSAGE_MAX);
	cr_assert_eq(strlen(err.message) % 2, 1, "no half character left");
	free(doc);
}

Test(ec2c_parse, refuses_bad_and_oversized)
{
	struct ec2c_eni e;
	struct ec2c_eni_list l = {0};
	char token[EC2C_NEXT_TOKEN_MAX], att[EC2C_ID_MAX] = "unchanged";
	char *doc = malloc(1 << 16), *p;
	static const struct {
		const char *xml;
		int want;
	} cases[] = {
	    {"", -EBADMSG},
	    {"not xml", -EBADMSG},
	    {"<CreateNetworkInterfaceResponse/>", -EBADMSG},
	    {"<OtherResponse><networkInterface><networkInterfaceId>eni-1</networkInterfaceId>"
	     "</networkInterface></OtherResponse>",
	     -EBADMSG},
	    {"<CreateNetworkInterfaceResponse><networkInterface><subnetId>s</subnetId>"
	     "</networkInterface></CreateNetworkInterfaceResponse>",
	     -EBADMSG},
	    {"<CreateNetworkInterfaceResponse><networkInterface><networkInterfaceId>eni-1"
	     "</networkInterfaceId><privateIpAddress>10.0.0.300</privateIpAddress>"
	     "</networkInterface></CreateNetworkInterfaceResponse>",
	     -EBADMSG},
	    {"<CreateNetworkInterfaceResponse><networkInterface><networkInterfaceId>eni-1"
	     "</networkInterfaceId><attachment><deviceIndex>-1</deviceIndex></attachment>"
	     "</networkInterface></CreateNetworkInterfaceResponse>",
	     -EBADMSG},
	    {"<CreateNetworkInterfaceResponse><networkInterface><networkInterfaceId>eni-1"
	     "</networkInterfaceId><ipv4PrefixSet><item><ipv4Prefix>10.0.0.0/33</ipv4Prefix>"
	     "</item></ipv4PrefixSet></networkInterface></CreateNetworkInterfaceResponse>",
	     -EBADMSG},
	    {"<CreateNetworkInterfaceResponse><networkInterface><networkInterfaceId>"
	     "eni-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	     "</networkInterfaceId></networkInterface></CreateNetworkInterfaceResponse>",
	     -E2BIG},
	    {"<!DOCTYPE x [<!ENTITY a \"eni-1\">]><CreateNetworkInterfaceResponse>"
	     "<networkInterface><networkInterfaceId>&a;</networkInterfaceId>"
	     "</networkInterface></CreateNetworkInterfaceResponse>",
	     -EBADMSG},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&e, 0x5a, sizeof(e));
		cr_expect_eq(ec2c_xml_parse_create_eni(cases[i].xml, strlen(cases[i].xml), &e),
			     cases[i].want, "case %zu", i);
		cr_expect_eq(((unsigned char *)&e)[0], 0x5a, "ret untouched, case %zu", i);
	}
	cr_assert_eq(ec2c_xml_parse_attach("<AttachNetworkInterfaceResponse/>", 33, att), -EBADMSG);
	cr_assert_str_eq(att, "unchanged");

	/* 65 secondary IPs: over EC2C_ENI_IPS_MAX. */
	p = doc + sprintf(doc, "<CreateNetworkInterfaceResponse><networkInterface>"
			       "<networkInterfaceId>eni-1</networkInterfaceId>"
			       "<privateIpAddressesSet>");
	for (int i = 0; i < EC2C_ENI_IPS_MAX + 1; i++)
		p += sprintf(p,
			     "<item><privateIpAddress>10.0.0.%d</privateIpAddress>"
			     "<primary>false</primary></item>",
			     i + 2);
	p += sprintf(p, "</privateIpAddressesSet></networkInterface>"
			"</CreateNetworkInterfaceResponse>");
	cr_assert_eq(ec2c_xml_parse_create_eni(doc, (size_t)(p - doc), &e), -E2BIG);

	/* 51 tags: over EC2C_TAGS_MAX; the list keeps what it had. */
	p = doc + sprintf(doc, "<DescribeNetworkInterfacesResponse><networkInterfaceSet>"
			       "<item><networkInterfaceId>eni-1</networkInterfaceId></item>"
			       "<item><networkInterfaceId>eni-2</networkInterfaceId><tagSet>");
	for (int i = 0; i < EC2C_TAGS_MAX + 1; i++)
		p += sprintf(p, "<item><key>k%d</key><value>v</value></item>", i);
	p += sprintf(p, "</tagSet></item></networkInterfaceSet>"
			"</DescribeNetworkInterfacesResponse>");
	cr_assert_eq(ec2c_xml_parse_eni_page(doc, (size_t)(p - doc), &l, token), -E2BIG);
	cr_assert_eq(l.n_enis, 0);
	ec2c_eni_list_done(&l);
	free(doc);
}

/* ---- errors and retries ---- */

Test(ec2c_retry, final_api_error_is_reported_once)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 5);
	struct ec2c_assigned as;
	struct ec2c_error err;

	fake_push_file(f, 400, "err-limit.xml");
	cr_assert_eq(ec2c_assign_private_ips(c, "eni-d279ea4596be56f0d", 10, 0, &as, &err),
		     -EREMOTEIO);
	cr_assert(ec2c_error_is(&err, "PrivateIpAddressLimitExceeded"));
	cr_assert_eq(err.http_status, 400);
	cr_assert_str_eq(err.request_id, "e2805731-59f4-42e9-b179-9fb29d109b74");
	cr_assert_eq(err.attempts, 1);
	cr_assert_eq(f->calls, 1);
	cr_assert_eq(f->n_sleeps, 0);

	fake_push_file(f, 400, "err-notfound.xml");
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-d279ea4596be56f0d", &err), -ENOENT);
	cr_assert_str_eq(err.code, "InvalidNetworkInterfaceID.NotFound");

	fake_push(f, 0, 401,
		  "<Response><Errors><Error><Code>AuthFailure</Code><Message>no"
		  "</Message></Error></Errors></Response>");
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -EACCES);

	fake_push(f, 0, 403, "<html>forbidden</html>");
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -EREMOTEIO);
	cr_assert_str_eq(err.code, "");
	cr_assert_eq(err.http_status, 403);
	cr_assert_eq(f->calls, 4);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_retry, throttling_then_success)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 5);
	struct ec2c_error err;
	struct ec2c_eni eni;
	struct ec2c_create_eni in = {.subnet_id = "subnet-1", .secondary_ip_count = 1};
	const char *tok;

	fake_push_file(f, 503, "err-throttle.xml");
	fake_push(f, 0, 400,
		  "<Response><Errors><Error><Code>Throttling</Code></Error></Errors>"
		  "</Response>");
	fake_push(f, -ECONNRESET, 0, NULL);
	fake_push(f, 0, 502, "<html>bad gateway</html>");
	fake_push_file(f, 200, "create-eni.xml");
	cr_assert_eq(ec2c_create_network_interface(c, &in, &eni, &err), 0);
	cr_assert_eq(f->calls, 5);
	cr_assert_eq(err.attempts, 5);
	cr_assert_str_eq(err.code, "");
	cr_assert_str_eq(eni.id, "eni-d279ea4596be56f0d");
	/* One ClientToken for every attempt of the call; every attempt signed. */
	tok = strstr(f->bodies[0], "ClientToken=");
	cr_assert_not_null(tok);
	for (int i = 1; i < 5; i++) {
		cr_assert_str_eq(f->bodies[i], f->bodies[0]);
		cr_assert_eq(verify_call(f, i, SECRET, NULL), 0);
	}
	/* Backoff: base 100, cap 400: [50,100], [100,200], [200,400], [200,400]. */
	cr_assert_eq(f->n_sleeps, 4);
	cr_assert(f->sleeps[0] >= 50 && f->sleeps[0] <= 100, "%ld", f->sleeps[0]);
	cr_assert(f->sleeps[1] >= 100 && f->sleeps[1] <= 200, "%ld", f->sleeps[1]);
	cr_assert(f->sleeps[2] >= 200 && f->sleeps[2] <= 400, "%ld", f->sleeps[2]);
	cr_assert(f->sleeps[3] >= 200 && f->sleeps[3] <= 400, "%ld", f->sleeps[3]);
	ec2c_eni_done(&eni);
	ec2c_free(c);
	fake_free(f);
}

struct seen {
	int n;
	char actions[4][64];
	int results[4], attempts[4];
};

static struct seen seen_log;

static void on_request_log(void *ud, const char *action, int result, const struct ec2c_error *err,
			   long elapsed_ms)
{
	(void)ud;
	cr_assert_geq(elapsed_ms, 0);
	if (seen_log.n < 4) {
		snprintf(seen_log.actions[seen_log.n], 64, "%s", action);
		seen_log.results[seen_log.n] = result;
		seen_log.attempts[seen_log.n] = err->attempts;
	}
	seen_log.n++;
}

Test(ec2c_retry, stats_and_request_hook)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c_hooks hooks = {.send = fake_send,
				   .sleep = fake_sleep,
				   .now = fake_now,
				   .userdata = f,
				   .seed = 1,
				   .on_request = on_request_log};
	struct ec2c_config cfg;
	struct ec2c_stats st;
	struct ec2c_error err;
	struct ec2c *c;

	ec2c_config_defaults(&cfg);
	strcpy(cfg.access_key, "AK");
	strcpy(cfg.secret_key, "SK");
	cfg.max_attempts = 3;
	cr_assert_eq(ec2c_new(&cfg, &hooks, &c), 0);
	fake_push_file(f, 503, "err-throttle.xml");
	fake_push_file(f, 200, "delete.xml");
	fake_push_file(f, 400, "err-notfound.xml");
	fake_push(f, -ECONNREFUSED, 0, NULL);
	fake_push(f, -ECONNREFUSED, 0, NULL);
	fake_push(f, -ECONNREFUSED, 0, NULL);
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), 0);
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -ENOENT);
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -ECONNREFUSED);
	ec2c_get_stats(c, &st);
	cr_assert_eq(st.requests, 3);
	cr_assert_eq(st.attempts, 6);
	cr_assert_eq(st.retries, 3);
	cr_assert_eq(st.throttled, 1);
	cr_assert_eq(st.api_errors, 1);
	cr_assert_eq(st.transport_errors, 1);
	cr_assert_eq(seen_log.n, 3);
	cr_assert_str_eq(seen_log.actions[0], "DeleteNetworkInterface");
	cr_assert_eq(seen_log.results[0], 0);
	cr_assert_eq(seen_log.attempts[0], 2);
	cr_assert_eq(seen_log.results[1], -ENOENT);
	cr_assert_eq(seen_log.results[2], -ECONNREFUSED);
	cr_assert_eq(seen_log.attempts[2], 3);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_retry, gives_up_after_max_attempts)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 3);
	struct ec2c_error err;

	for (int i = 0; i < 3; i++)
		fake_push_file(f, 503, "err-throttle.xml");
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -EAGAIN);
	cr_assert_eq(f->calls, 3);
	cr_assert_eq(f->n_sleeps, 2);
	cr_assert_eq(err.attempts, 3);
	cr_assert_str_eq(err.code, "RequestLimitExceeded");
	cr_assert_eq(err.http_status, 503);

	for (int i = 0; i < 3; i++)
		fake_push(f, -ECONNREFUSED, 0, NULL);
	cr_assert_eq(ec2c_delete_network_interface(c, "eni-1", &err), -ECONNREFUSED);
	cr_assert_eq(err.http_status, 0);
	cr_assert_str_eq(err.code, "");
	cr_assert_eq(f->calls, 6);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_retry, malformed_success_is_not_retried)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 3);
	struct ec2c_error err;
	char att[EC2C_ID_MAX];

	fake_push(f, 0, 200,
		  "<AttachNetworkInterfaceResponse><nothing/>"
		  "</AttachNetworkInterfaceResponse>");
	cr_assert_eq(ec2c_attach_network_interface(c, "eni-1", "i-1", 1, att, &err), -EBADMSG);
	cr_assert_eq(f->calls, 1);
	cr_assert_eq(err.http_status, 200);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_paging, endless_tokens_stop_at_the_page_limit)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 1);
	struct ec2c_subnet_list sl;
	struct ec2c_error err;

	fake_push(f, 0, 200,
		  "<DescribeSubnetsResponse><subnetSet/><nextToken>again</nextToken>"
		  "</DescribeSubnetsResponse>");
	f->repeat_last = true;
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), -E2BIG);
	cr_assert_eq(f->calls + f->extra_calls, EC2C_PAGES_MAX);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_paging, list_limit_over_pages)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 1);
	struct ec2c_eni_list l = {0};
	struct ec2c_error err;
	size_t per_page = EC2C_LIST_MAX / 2 + 1;
	char *doc = malloc(per_page * 80 + 256), *p = doc;
	char token[EC2C_NEXT_TOKEN_MAX];

	p += sprintf(p, "<DescribeNetworkInterfacesResponse><networkInterfaceSet>");
	for (size_t i = 0; i < per_page; i++)
		p += sprintf(p, "<item><networkInterfaceId>eni-%zu</networkInterfaceId></item>", i);
	p += sprintf(p, "</networkInterfaceSet><nextToken>t</nextToken>"
			"</DescribeNetworkInterfacesResponse>");
	/* One page fits; the second goes past EC2C_LIST_MAX. */
	cr_assert_eq(ec2c_xml_parse_eni_page(doc, (size_t)(p - doc), &l, token), 0);
	cr_assert_eq(l.n_enis, per_page);
	cr_assert_eq(ec2c_xml_parse_eni_page(doc, (size_t)(p - doc), &l, token), -E2BIG);
	cr_assert_eq(l.n_enis, per_page, "the list keeps its first page");
	ec2c_eni_list_done(&l);
	/* Through the client: the call fails and frees what it had. */
	fake_push(f, 0, 200, doc);
	fake_push(f, 0, 200, doc);
	cr_assert_eq(ec2c_describe_network_interfaces(c, NULL, &l, &err), -E2BIG);
	cr_assert_eq(f->calls, 2);
	free(doc);
	ec2c_free(c);
	fake_free(f);
}

Test(ec2c_paging, next_token_followed_to_the_end)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ec2c *c = client(f, 1);
	struct ec2c_eni_list l;
	struct ec2c_error err;
	const char *vals[] = {"i-84553f9d02148857a"};
	const struct ec2c_filter flt[] = {{"attachment.instance-id", vals, 1}};
	const struct ec2c_describe q = {.filters = flt, .n_filters = 1, .max_results = 5};

	fake_push_file(f, 200, "describe-enis-page1.xml");
	fake_push_file(f, 200, "describe-enis.xml");
	cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), 0);
	cr_assert_eq(f->calls, 2);
	cr_assert_str_eq(f->bodies[1], "Action=DescribeNetworkInterfaces&Version=2016-11-15"
				       "&Filter.1.Name=attachment.instance-id"
				       "&Filter.1.Value.1=i-84553f9d02148857a&MaxResults=5"
				       "&NextToken=page-2-token");
	cr_assert_eq(l.n_enis, 3);
	cr_assert_str_eq(l.enis[0].id, "eni-0f7db2f9e5e5a8c01");
	cr_assert_str_eq(l.enis[2].id, "eni-d279ea4596be56f0d");
	ec2c_eni_list_done(&l);

	/* A failing second page frees the first. */
	fake_push_file(f, 200, "describe-enis-page1.xml");
	fake_push_file(f, 400, "err-notfound.xml");
	cr_assert_eq(ec2c_describe_network_interfaces(c, &q, &l, &err), -ENOENT);
	ec2c_free(c);
	fake_free(f);
}

/* ---- the libcurl transport against a local server ---- */

struct server {
	int fd;
	int port;
	int fail_first; /* answer 503 RequestLimitExceeded this many times */
	int silent;	/* never answer (timeouts) */
	int requests;
	int verified; /* requests whose signature lib/sigv4 verified */
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *s = arg;
	static char buf[1 << 16];

	for (;;) {
		int cfd = accept(s->fd, NULL, NULL);
		size_t n = 0;
		char *hdr_end, *p;
		long clen = 0;

		if (cfd < 0)
			return NULL;
		for (;;) {
			ssize_t k = read(cfd, buf + n, sizeof(buf) - 1 - n);

			if (k <= 0)
				break;
			n += (size_t)k;
			buf[n] = '\0';
			hdr_end = strstr(buf, "\r\n\r\n");
			if (hdr_end) {
				p = strcasestr(buf, "\r\nContent-Length:");
				clen = p ? strtol(p + 17, NULL, 10) : 0;
				if (n >= (size_t)(hdr_end + 4 - buf) + (size_t)clen)
					break;
			}
		}
		s->requests++;
		if (s->silent) {
			usleep(400 * 1000);
			close(cfd);
			continue;
		}
		/* Verify the signature as vpcd would. */
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end) {
			struct sigv4_header hs[3];
			const char *names[] = {"Content-Type", "Host", "X-Amz-Date"};
			char vals[3][256], auth_line[1024] = "";
			struct sigv4_auth auth;
			size_t nh = 0;

			*hdr_end = '\0';
			for (size_t i = 0; i < 3; i++) {
				char key[64];

				snprintf(key, sizeof(key), "\r\n%s: ", names[i]);
				p = strcasestr(buf, key);
				if (!p)
					continue;
				p += strlen(key);
				snprintf(vals[i], sizeof(vals[i]), "%.*s", (int)strcspn(p, "\r"),
					 p);
				hs[nh++] = (struct sigv4_header){names[i], vals[i]};
			}
			p = strcasestr(buf, "\r\nAuthorization: ");
			if (p) {
				p += 17;
				snprintf(auth_line, sizeof(auth_line), "%.*s",
					 (int)strcspn(p, "\r"), p);
			}
			struct sigv4_request req = {"POST", "/",	 NULL,	      hs,
						    nh,	    hdr_end + 4, (size_t)clen};
			if (nh == 3 && sigv4_parse_authorization(auth_line, &auth) == 0 &&
			    sigv4_verify(&req, &auth, SECRET, vals[2]) == 0)
				s->verified++;
		}
		if (s->requests <= s->fail_first) {
			static const char body[] =
			    "<Response><Errors><Error><Code>RequestLimitExceeded</"
			    "Code><Message>slow"
			    "</Message></Error></Errors><RequestID>x</RequestID></Response>";
			dprintf(cfd,
				"HTTP/1.1 503 Service Unavailable\r\nContent-Length: %zu\r\n"
				"Connection: close\r\n\r\n%s",
				sizeof(body) - 1, body);
		} else {
			size_t size;
			char *body = corpus("describe-subnets.xml", &size);

			dprintf(cfd,
				"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
				"Content-Length: %zu\r\nConnection: close\r\n\r\n",
				size);
			if (write(cfd, body, size) != (ssize_t)size)
				s->requests += 1000; /* fails the test's count */
			free(body);
		}
		close(cfd);
	}
}

static void server_start(struct server *s)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(s->fd, 0);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s->fd, 8), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
	s->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	close(s->fd);
	pthread_join(s->thread, NULL);
}

static struct ec2c *curl_client(int port, int attempts, long timeout_ms)
{
	struct ec2c_config cfg;
	struct ec2c *c = NULL;

	ec2c_config_defaults(&cfg);
	snprintf(cfg.endpoint, sizeof(cfg.endpoint), "http://127.0.0.1:%d", port);
	strcpy(cfg.access_key, "AKIDEXAMPLE");
	strcpy(cfg.secret_key, SECRET);
	cfg.max_attempts = attempts;
	cfg.backoff_base_ms = 1;
	cfg.backoff_max_ms = 4;
	cfg.timeout_ms = timeout_ms;
	cr_assert_eq(ec2c_new(&cfg, NULL, &c), 0);
	return c;
}

Test(ec2c_curl, fails_twice_then_succeeds)
{
	struct server s = {.fail_first = 2};
	struct ec2c_subnet_list sl;
	struct ec2c_error err;
	struct ec2c *c;

	server_start(&s);
	c = curl_client(s.port, 4, 5000);
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), 0, "%s %s", err.code, err.message);
	cr_assert_eq(s.requests, 3);
	cr_assert_eq(s.verified, 3, "every attempt carries a valid signature");
	cr_assert_eq(err.attempts, 3);
	cr_assert_eq(sl.n_subnets, 6);
	ec2c_subnet_list_done(&sl);
	c = ec2c_free(c);

	/* Fewer attempts than failures: the throttling error comes back. */
	s.requests = 0;
	s.fail_first = 5;
	c = curl_client(s.port, 2, 5000);
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), -EAGAIN);
	cr_assert_str_eq(err.code, "RequestLimitExceeded");
	cr_assert_eq(err.http_status, 503);
	cr_assert_eq(s.requests, 2);
	ec2c_free(c);
	server_stop(&s);
}

Test(ec2c_curl, timeout_and_refused)
{
	struct server s = {.silent = 1};
	struct ec2c_subnet_list sl;
	struct ec2c_error err;
	struct ec2c *c;
	int port;

	server_start(&s);
	c = curl_client(s.port, 2, 100);
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), -ETIMEDOUT);
	cr_assert_eq(err.attempts, 2);
	cr_assert_eq(err.http_status, 0);
	ec2c_free(c);
	port = s.port;
	server_stop(&s);
	/* Nobody listens there any more. */
	c = curl_client(port, 2, 1000);
	cr_assert_eq(ec2c_describe_subnets(c, NULL, &sl, &err), -ECONNREFUSED);
	ec2c_free(c);
}
