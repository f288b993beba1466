/* imds: the Instance Metadata Service's answers over a model. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fabric/imds.h"
#include "lib/model/dns.h"
#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-vpc.h"

static struct model *m;
static struct model_ctx ctx;
static struct util_rng rng;
static struct model_instance *inst;
static struct imds_key key = {{1, 2, 3}};

static void setup(void)
{
	struct model_err err = {0};
	struct model_vpc *vpc;
	size_t n;

	util_rng_seed(&rng, 7);
	model_ctx_init(&ctx, "us-east-1", &rng);
	m = model_new("123456789012", "us-east-1");
	cr_assert_eq(model_op_create_default_vpc(m, &ctx, &vpc, &err), 0, "%s", err.message);
	struct model_run_instances run = {.image_id = "ami-0abcdef1234567890", .instance_type = "t3.small",
					  .min_count = 1, .max_count = 1, .associate_public_ip = -1};
	cr_assert_eq(model_op_run_instances(m, &ctx, &run, &inst, &n, &err), 0, "%s", err.message);
}

static void teardown(void)
{
	model_free(m);
}

TestSuite(imds, .init = setup, .fini = teardown);

static struct imds_resp ask(const char *method, const char *path, const char *token, const char *ttl,
			    int64_t now)
{
	struct imds_req q = {.method = method, .path = path, .token = token, .ttl = ttl};
	struct imds_resp r;

	cr_assert_eq(imds_answer(&key, m, inst->id, now, &q, &r), 0);
	return r;
}

static void expect(const char *path, int status, const char *body)
{
	struct imds_resp r = ask("GET", path, NULL, NULL, 1000);

	cr_assert_eq(r.status, status, "%s: %d %s", path, r.status, r.body);
	if (body)
		cr_assert_str_eq(r.body, body, "%s", path);
	imds_resp_clear(&r);
}

Test(imds, instance_and_interface_paths_follow_the_model)
{
	const struct model_eni *pri = NULL;
	char path[256], ip[16];

	for (size_t i = 0; i < m->n_enis; i++)
		if (m->enis[i]->attachment.present && strcmp(m->enis[i]->attachment.instance_id, inst->id) == 0)
			pri = m->enis[i];
	cr_assert(pri);
	net_ip4_format(pri->ips[0].ip, ip);
	expect("/latest/meta-data/instance-id", 200, inst->id);
	expect("/latest/meta-data/instance-type", 200, "t3.small");
	expect("/latest/meta-data/ami-id", 200, "ami-0abcdef1234567890");
	expect("/latest/meta-data/placement/availability-zone", 200, inst->az);
	expect("/latest/meta-data/local-ipv4", 200, ip);
	expect("/latest/meta-data/mac", 200, pri->mac);
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/interface-id", pri->mac);
	expect(path, 200, pri->id);
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/device-number", pri->mac);
	expect(path, 200, "0");
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/vpc-ipv4-cidr-blocks", pri->mac);
	expect(path, 200, "172.31.0.0/16");
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/local-ipv4s", pri->mac);
	expect(path, 200, ip);
	/* A secondary address and a prefix appear at once. */
	struct model_err err = {0};
	cr_assert_eq(model_op_assign_private_ip_addresses(m, &ctx, pri->id, NULL, 0, 1, NULL, 0, 0, false,
							  NULL, &err),
		     0, "%s", err.message);
	struct imds_resp r = ask("GET", path, NULL, NULL, 1000);
	cr_assert(strchr(r.body, '\n'), "two addresses: %s", r.body);
	imds_resp_clear(&r);
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/ipv4-prefix", pri->mac);
	expect(path, 404, NULL);
	expect("/latest/meta-data/no-such-thing", 404, NULL);
	r = ask("GET", "/latest/dynamic/instance-identity/document", NULL, NULL, 1000);
	cr_assert(strstr(r.body, "\"region\" : \"us-east-1\""), "%s", r.body);
	cr_assert(strstr(r.body, inst->id));
	imds_resp_clear(&r);
}

Test(imds, hostnames_come_from_the_vpc_dns_names)
{
	const struct model_eni *pri = model_instance_primary_eni(m, inst->id);
	char path[256], host[MODEL_DNS_NAME_LEN];

	cr_assert(pri && pri->ips[0].public_ip, "the default subnet maps a public IP");
	model_dns_private_name("us-east-1", pri->ips[0].ip, host);
	cr_assert_eq(strncmp(host, "ip-172-31-", 10), 0, "%s", host);
	expect("/latest/meta-data/hostname", 200, host);
	expect("/latest/meta-data/local-hostname", 200, host);
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/local-hostname",
		 pri->mac);
	expect(path, 200, host);
	model_dns_public_name("us-east-1", pri->ips[0].public_ip, host);
	expect("/latest/meta-data/public-hostname", 200, host);
	snprintf(path, sizeof(path), "/latest/meta-data/network/interfaces/macs/%s/public-hostname",
		 pri->mac);
	expect(path, 200, host);
	/* No DNS hostnames in the VPC: no public hostname. */
	model_find_vpc(m, pri->vpc_id)->enable_dns_hostnames = false;
	expect("/latest/meta-data/public-hostname", 404, NULL);
	expect(path, 404, NULL);
}

Test(imds, directories_list_their_children)
{
	struct imds_resp r = ask("GET", "/latest/meta-data/", NULL, NULL, 1000);

	cr_assert(strstr(r.body, "instance-id\n"), "%s", r.body);
	cr_assert(strstr(r.body, "network/\n"), "%s", r.body);
	cr_assert(strstr(r.body, "placement/\n"), "%s", r.body);
	imds_resp_clear(&r);
	r = ask("GET", "/latest/meta-data/network/interfaces/macs", NULL, NULL, 1000);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.body[strlen(r.body) - 1], '/', "%s", r.body);
	imds_resp_clear(&r);
	expect("/latest/meta-data/placement/", 200, "availability-zone\nregion");
}

Test(imds, imdsv2_tokens)
{
	struct imds_resp t = ask("PUT", "/latest/api/token", NULL, "60", 1000);

	cr_assert_eq(t.status, 200);
	cr_assert_eq(t.token_ttl, 60);
	cr_assert_eq(t.ip_ttl, 1, "hop limit 1 by default");
	struct imds_resp r = ask("GET", "/latest/meta-data/instance-id", t.body, NULL, 1059);
	cr_assert_eq(r.status, 200);
	imds_resp_clear(&r);
	r = ask("GET", "/latest/meta-data/instance-id", t.body, NULL, 1060);
	cr_assert_eq(r.status, 401, "expired");
	imds_resp_clear(&r);
	char forged[64];
	strcpy(forged, t.body);
	forged[20] = forged[20] == 'a' ? 'b' : 'a';
	r = ask("GET", "/latest/meta-data/instance-id", forged, NULL, 1001);
	cr_assert_eq(r.status, 401, "forged");
	imds_resp_clear(&r);
	r = ask("GET", "/latest/meta-data/instance-id", "junk", NULL, 1001);
	cr_assert_eq(r.status, 401);
	imds_resp_clear(&r);
	const char *bad_ttl[] = {NULL, "0", "21601", "x"};
	for (size_t i = 0; i < 4; i++) {
		r = ask("PUT", "/latest/api/token", NULL, bad_ttl[i], 1000);
		cr_assert_eq(r.status, 400);
		imds_resp_clear(&r);
	}
	struct imds_req fw = {.method = "PUT", .path = "/latest/api/token", .ttl = "60", .forwarded = true};
	cr_assert_eq(imds_answer(&key, m, inst->id, 1000, &fw, &r), 0);
	cr_assert_eq(r.status, 403);
	imds_resp_clear(&r);
	/* A token is bound to its instance. */
	struct model_run_instances run = {.image_id = "ami-0abcdef1234567891", .instance_type = "t3.small",
					  .min_count = 1, .max_count = 1, .associate_public_ip = -1};
	struct model_instance *other;
	size_t n;
	struct model_err err = {0};
	cr_assert_eq(model_op_run_instances(m, &ctx, &run, &other, &n, &err), 0, "%s", err.message);
	struct imds_req q = {.method = "GET", .path = "/latest/meta-data/instance-id", .token = t.body};
	cr_assert_eq(imds_answer(&key, m, other->id, 1001, &q, &r), 0);
	cr_assert_eq(r.status, 401);
	imds_resp_clear(&r);
	imds_resp_clear(&t);
}

Test(imds, metadata_options_apply_at_once)
{
	struct model_err err = {0};
	struct model_metadata_options req = {.http_tokens = "required", .hop_limit = 2};

	expect("/latest/meta-data/instance-id", 200, NULL);
	cr_assert_eq(model_op_modify_instance_metadata_options(m, &ctx, inst->id, &req, &err), 0);
	expect("/latest/meta-data/instance-id", 401, NULL);
	struct imds_resp t = ask("PUT", "/latest/api/token", NULL, "21600", 1000);
	cr_assert_eq(t.ip_ttl, 2);
	imds_resp_clear(&t);
	struct model_metadata_options off = {.http_endpoint = "disabled"};
	cr_assert_eq(model_op_modify_instance_metadata_options(m, &ctx, inst->id, &off, &err), 0);
	expect("/latest/meta-data/instance-id", 403, NULL);
	struct imds_req q = {.method = "GET", .path = "/latest/meta-data/instance-id"};
	struct imds_resp r;
	cr_assert_eq(imds_answer(&key, m, "i-00000000000000000", 1000, &q, &r), 0);
	cr_assert_eq(r.status, 404);
	imds_resp_clear(&r);
}
