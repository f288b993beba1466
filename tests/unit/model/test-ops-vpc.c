/*
 * Tests for ops-vpc: one test per documented behaviour of the VPC, subnet,
 * route table, internet gateway, Elastic IP, NAT gateway, VPN and flow log
 * operations.  Failed operations are checked to change nothing through a
 * text digest of the model.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/ops-vpc.h"

static struct model *m;
static struct util_rng rng;
static struct model_ctx ctx;
static struct model_err err;

static void setup(void)
{
	util_rng_seed(&rng, 7);
	model_ctx_init(&ctx, "us-east-1", &rng);
	ctx.now = 1700000000;
	m = model_new("123456789012", "us-east-1");
	cr_assert_not_null(m);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	m = model_free(m);
}

TestSuite(ops_vpc, .init = setup, .fini = teardown);

static struct net_cidr4 C(const char *s) {
	struct net_cidr4 c = {0};

	cr_assert_eq(net_cidr4_parse(s, &c), 0, "bad cidr %s", s);
	return c;
}

static uint32_t
IP(const char *s)
{
	uint32_t ip = 0;

	cr_assert_eq(net_ip4_parse(s, &ip), 0);
	return ip;
}

static const char *code(void)
{
	return model_err_code_name(err.code);
}

/* ---- digest: a text rendering of everything the ops may change ---------- */

struct buf {
	char *p;
	size_t n, cap;
};

static void bp(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bp(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->cap - b->n < 512) {
		b->cap = b->cap * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		cr_assert_not_null(b->p);
	}
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < b->cap - b->n);
	b->n += (size_t)n;
}

static char *digest(void)
{
	struct buf b = {0};

	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct model_vpc *v = m->vpcs[i];

		bp(&b, "vpc %s %d %d %d %s|", v->id, v->enable_dns_support, v->enable_dns_hostnames,
		   v->is_default, v->dhcp_options_id);
		for (size_t j = 0; j < v->n_cidrs; j++)
			bp(&b, "c %s %x/%u|", v->cidrs[j].association_id, v->cidrs[j].cidr.addr,
			   v->cidrs[j].cidr.len);
	}
	for (size_t i = 0; i < m->n_subnets; i++) {
		const struct model_subnet *s = m->subnets[i];

		bp(&b, "sn %s %x/%u %s %d %d %d %s %d %d|", s->id, s->cidr.addr, s->cidr.len, s->az,
		   s->map_public_ip_on_launch, s->assign_ipv6_on_creation, s->enable_dns64,
		   s->hostname_type, s->enable_resource_name_dns_a,
		   s->enable_resource_name_dns_aaaa);
	}
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route_table *r = m->route_tables[i];

		bp(&b, "rtb %s %s|", r->id, r->vpc_id);
		for (size_t j = 0; j < r->n_routes; j++)
			bp(&b, "r %d %x/%u %s %d %s %d|", r->routes[j].dest_type,
			   r->routes[j].dest.addr, r->routes[j].dest.len,
			   r->routes[j].prefix_list_id, r->routes[j].target_type,
			   r->routes[j].target_id, r->routes[j].origin);
		for (size_t j = 0; j < r->n_assocs; j++)
			bp(&b, "a %s %d %s %s|", r->assocs[j].id, r->assocs[j].main,
			   r->assocs[j].subnet_id, r->assocs[j].gateway_id);
		for (size_t j = 0; j < r->n_propagating_vgws; j++)
			bp(&b, "p %s|", r->propagating_vgws[j]);
	}
	for (size_t i = 0; i < m->n_sgs; i++)
		bp(&b, "sg %s %s %zu|", m->sgs[i]->id, m->sgs[i]->vpc_id, m->sgs[i]->n_rules);
	for (size_t i = 0; i < m->n_nacls; i++) {
		bp(&b, "acl %s %zu|", m->nacls[i]->id, m->nacls[i]->n_entries);
		for (size_t j = 0; j < m->nacls[i]->n_assocs; j++)
			bp(&b, "aa %s %s|", m->nacls[i]->assocs[j].id,
			   m->nacls[i]->assocs[j].subnet_id);
	}
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		bp(&b, "eni %s %s|", e->id, e->subnet_id);
		for (size_t j = 0; j < e->n_ips; j++)
			bp(&b, "ip %x %x %s %s|", e->ips[j].ip, e->ips[j].public_ip,
			   e->ips[j].allocation_id, e->ips[j].association_id);
	}
	for (size_t i = 0; i < m->n_igws; i++)
		bp(&b, "igw %s %s|", m->igws[i]->id, m->igws[i]->attachment.vpc_id);
	for (size_t i = 0; i < m->n_eips; i++)
		bp(&b, "eip %s %x %s %s %x|", m->eips[i]->allocation_id, m->eips[i]->public_ip,
		   m->eips[i]->association_id, m->eips[i]->eni_id, m->eips[i]->private_ip);
	for (size_t i = 0; i < m->n_nat_gateways; i++)
		bp(&b, "nat %s %d %s|", m->nat_gateways[i]->id, m->nat_gateways[i]->state,
		   m->nat_gateways[i]->eni_id);
	for (size_t i = 0; i < m->n_vgws; i++) {
		bp(&b, "vgw %s|", m->vgws[i]->id);
		for (size_t j = 0; j < m->vgws[i]->n_attachments; j++)
			bp(&b, "va %s %s|", m->vgws[i]->attachments[j].vpc_id,
			   m->vgws[i]->attachments[j].state);
	}
	for (size_t i = 0; i < m->n_cgws; i++)
		bp(&b, "cgw %s|", m->cgws[i]->id);
	for (size_t i = 0; i < m->n_vpns; i++) {
		bp(&b, "vpn %s %d|", m->vpns[i]->id, m->vpns[i]->state);
		for (size_t j = 0; j < m->vpns[i]->n_routes; j++)
			bp(&b, "vr %x/%u %s|", m->vpns[i]->routes[j].cidr.addr,
			   m->vpns[i]->routes[j].cidr.len, m->vpns[i]->routes[j].state);
	}
	for (size_t i = 0; i < m->n_flow_logs; i++)
		bp(&b, "fl %s %s|", m->flow_logs[i]->id, m->flow_logs[i]->resource_id);
	bp(&b, "end");
	return b.p;
}

/* Run the failing expression and check it returned < 0 with code and changed nothing. */
#define EXPECT_FAIL(expr, want)                                                                    \
	do {                                                                                       \
		char *before_ = digest();                                                          \
		int r_ = (expr);                                                                   \
		char *after_ = digest();                                                           \
		cr_assert_lt(r_, 0, "%s succeeded", #expr);                                        \
		cr_assert_str_eq(code(), want, "%s: %s", #expr, err.message);                      \
		cr_assert_str_eq(before_, after_, "%s changed the model", #expr);                  \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

#define OK(expr) cr_assert_eq((expr), 0, "%s: %s %s", #expr, code(), err.message)

/* ---- fixtures ------------------------------------------------------------- */

static struct model_vpc *mkvpc(const char *cidr)
{
	struct model_vpc *v = NULL;

	OK(model_op_create_vpc(m, &ctx, C(cidr), NULL, &v, &err));
	return v;
}

static struct model_subnet *mksubnet(const char *vpc_id, const char *cidr)
{
	struct model_subnet *s = NULL;

	OK(model_op_create_subnet(m, &ctx, vpc_id, C(cidr), NULL, NULL, &s, &err));
	return s;
}

/* An ENI built directly (the ENI ops belong to another family). */
static struct model_eni *mkeni(const struct model_subnet *s, const char *ip)
{
	struct model_eni *e = model_add_eni(m);
	struct model_eni_ip a = {0};
	char id[MODEL_ID_LEN];

	cr_assert_not_null(e);
	model_new_id(m, &ctx, "eni-", id);
	memcpy(e->id, id, sizeof(id));
	strcpy(e->subnet_id, s->id);
	strcpy(e->vpc_id, s->vpc_id);
	strcpy(e->az, s->az);
	strcpy(e->interface_type, "interface");
	a.ip = IP(ip);
	a.primary = true;
	cr_assert_eq(model_eni_add_ip(e, &a), 0);
	return e;
}

static struct model_igw *mkigw_attached(const char *vpc_id)
{
	struct model_igw *g = NULL;

	OK(model_op_create_internet_gateway(m, &ctx, &g, &err));
	OK(model_op_attach_internet_gateway(m, &ctx, g->id, vpc_id, &err));
	return g;
}

static const struct model_route *find_route(const struct model_route_table *r, const char *cidr)
{
	struct net_cidr4 c = C(cidr);

	for (size_t i = 0; i < r->n_routes; i++)
		if (r->routes[i].dest_type == MODEL_DEST_CIDR4 &&
		    net_cidr4_equal(r->routes[i].dest, c))
			return &r->routes[i];
	return NULL;
}

static struct model_route_spec dest(const char *cidr)
{
	struct model_route_spec s = {0};

	s.has_dest4 = true;
	s.dest4 = C(cidr);
	return s;
}

/* ---- VPCs ----------------------------------------------------------------- */

Test(ops_vpc, create_vpc_makes_main_table_default_sg_default_nacl)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	const struct model_route_table *rt;
	const struct model_nacl *acl;
	const struct model_sg *sg = NULL;

	cr_assert_eq(strncmp(v->id, "vpc-", 4), 0);
	cr_assert_eq(v->state, MODEL_STATE_AVAILABLE);
	cr_assert_str_eq(v->owner_id, "123456789012");
	cr_assert(v->enable_dns_support);
	cr_assert_not(v->enable_dns_hostnames);
	cr_assert_str_eq(v->instance_tenancy, "default");
	cr_assert_eq(strncmp(v->dhcp_options_id, "dopt-", 5), 0);
	cr_assert_eq(v->n_cidrs, 1);
	cr_assert_eq(v->cidrs[0].state, MODEL_CIDR_ASSOCIATED);
	cr_assert_eq(strncmp(v->cidrs[0].association_id, "vpc-cidr-assoc-", 15), 0);

	rt = model_vpc_main_route_table(m, v->id);
	cr_assert_not_null(rt);
	cr_assert_eq(rt->n_routes, 1);
	cr_assert_eq(rt->routes[0].target_type, MODEL_TARGET_LOCAL);
	cr_assert_str_eq(rt->routes[0].target_id, "local");
	cr_assert(net_cidr4_equal(rt->routes[0].dest, C("10.0.0.0/16")));
	cr_assert_eq(rt->n_assocs, 1);
	cr_assert(rt->assocs[0].main);
	cr_assert_eq(strncmp(rt->assocs[0].id, "rtbassoc-", 9), 0);

	for (size_t i = 0; i < m->n_sgs; i++)
		if (strcmp(m->sgs[i]->vpc_id, v->id) == 0)
			sg = m->sgs[i];
	cr_assert_not_null(sg);
	cr_assert_str_eq(sg->name, "default");
	cr_assert_str_eq(sg->description, "default VPC security group");
	cr_assert_eq(sg->n_rules, 2);
	cr_assert_not(sg->rules[0].egress);
	cr_assert_eq(sg->rules[0].peer_type, MODEL_PEER_GROUP);
	cr_assert_str_eq(sg->rules[0].group_id, sg->id);
	cr_assert_eq(sg->rules[0].protocol, MODEL_PROTO_ALL);
	cr_assert_eq(strncmp(sg->rules[0].id, "sgr-", 4), 0);
	cr_assert(sg->rules[1].egress);
	cr_assert_eq(sg->rules[1].peer_type, MODEL_PEER_CIDR4);
	cr_assert_eq(sg->rules[1].cidr.len, 0);

	acl = model_vpc_default_nacl(m, v->id);
	cr_assert_not_null(acl);
	cr_assert(acl->is_default);
	cr_assert_eq(acl->n_entries, 4);
	for (size_t i = 0; i < 4; i++) {
		bool deny = acl->entries[i].rule_number == MODEL_NACL_DEFAULT_RULE4;

		cr_assert(acl->entries[i].rule_number == 100 || deny);
		cr_assert_eq(acl->entries[i].allow, !deny);
		cr_assert_eq(acl->entries[i].protocol, MODEL_PROTO_ALL);
	}
}

Test(ops_vpc, second_vpc_shares_the_region_dhcp_options)
{
	struct model_vpc *a = mkvpc("10.0.0.0/16");
	char dopt[MODEL_ID_LEN];
	struct model_vpc *b;

	strcpy(dopt, a->dhcp_options_id);
	b = mkvpc("10.1.0.0/16");
	cr_assert_str_eq(b->dhcp_options_id, dopt);
}

Test(ops_vpc, create_vpc_prefix_outside_16_28_is_InvalidVpc_Range)
{
	EXPECT_FAIL(model_op_create_vpc(m, &ctx, C("10.0.0.0/15"), NULL, NULL, &err),
		    "InvalidVpc.Range");
	cr_assert_str_eq(err.message, "The CIDR '10.0.0.0/15' is invalid.");
	EXPECT_FAIL(model_op_create_vpc(m, &ctx, C("10.0.0.0/29"), NULL, NULL, &err),
		    "InvalidVpc.Range");
	OK(model_op_create_vpc(m, &ctx, C("10.0.0.0/28"), NULL, NULL, &err));
}

Test(ops_vpc, create_vpc_link_local_is_InvalidVpc_Range)
{
	EXPECT_FAIL(model_op_create_vpc(m, &ctx, C("169.254.0.0/16"), NULL, NULL, &err),
		    "InvalidVpc.Range");
}

Test(ops_vpc, create_vpc_bad_tenancy_is_InvalidParameterValue)
{
	EXPECT_FAIL(model_op_create_vpc(m, &ctx, C("10.0.0.0/16"), "shared", NULL, &err),
		    "InvalidParameterValue");
}

Test(ops_vpc, sixth_vpc_is_VpcLimitExceeded)
{
	for (int i = 0; i < 5; i++) {
		char c[32];

		snprintf(c, sizeof(c), "10.%d.0.0/16", i);
		mkvpc(c);
	}
	EXPECT_FAIL(model_op_create_vpc(m, &ctx, C("10.9.0.0/16"), NULL, NULL, &err),
		    "VpcLimitExceeded");
}

Test(ops_vpc, delete_vpc_removes_main_table_default_sg_and_nacl)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	char id[MODEL_ID_LEN];

	strcpy(id, v->id);
	OK(model_op_delete_vpc(m, &ctx, id, &err));
	cr_assert_eq(m->n_vpcs, 0);
	cr_assert_eq(m->n_route_tables, 0);
	cr_assert_eq(m->n_sgs, 0);
	cr_assert_eq(m->n_nacls, 0);
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, id, &err), "InvalidVpcID.NotFound");
	cr_assert_str_eq(err.message + strlen(err.message) - 14, "does not exist");
}

Test(ops_vpc, delete_vpc_with_subnet_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = mksubnet(v->id, "10.0.1.0/24");
	char msg[256];

	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	snprintf(msg, sizeof(msg), "The vpc '%s' has dependencies and cannot be deleted.", v->id);
	cr_assert_str_eq(err.message, msg);
	OK(model_op_delete_subnet(m, &ctx, s->id, &err));
	OK(model_op_delete_vpc(m, &ctx, v->id, &err));
}

Test(ops_vpc, delete_vpc_with_attached_igw_or_extra_table_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = NULL;

	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	OK(model_op_detach_internet_gateway(m, &ctx, g->id, v->id, &err));
	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	OK(model_op_delete_route_table(m, &ctx, rt->id, &err));
	OK(model_op_delete_vpc(m, &ctx, v->id, &err));
}

Test(ops_vpc, associate_cidr_adds_local_route_to_every_table)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_route_table *rt = NULL;
	char assoc[MODEL_ID_LEN];

	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.1.0.0/16"), assoc, &err));
	cr_assert_eq(v->n_cidrs, 2);
	cr_assert_str_eq(v->cidrs[1].association_id, assoc);
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route *r = find_route(m->route_tables[i], "10.1.0.0/16");

		cr_assert_not_null(r);
		cr_assert_eq(r->target_type, MODEL_TARGET_LOCAL);
	}
	OK(model_op_disassociate_vpc_cidr_block(m, &ctx, assoc, &err));
	cr_assert_eq(v->n_cidrs, 1);
	for (size_t i = 0; i < m->n_route_tables; i++)
		cr_assert_null(find_route(m->route_tables[i], "10.1.0.0/16"));
}

Test(ops_vpc, associate_cidr_overlapping_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	EXPECT_FAIL(
	    model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.0.128.0/17"), NULL, &err),
	    "InvalidVpc.Range");
}

Test(ops_vpc, associate_cidr_rfc1918_mixing_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_vpc *w = mkvpc("172.16.0.0/16");

	EXPECT_FAIL(
	    model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("192.168.0.0/16"), NULL, &err),
	    "InvalidVpc.Range");
	EXPECT_FAIL(
	    model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("198.19.0.0/16"), NULL, &err),
	    "InvalidVpc.Range");
	EXPECT_FAIL(
	    model_op_associate_vpc_cidr_block(m, &ctx, w->id, C("172.31.0.0/16"), NULL, &err),
	    "InvalidVpc.Range");
	/* 10.0.0.0/15 holds the primary: nothing from 10.0.0.0/16 ... */
	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("100.64.0.0/16"), NULL, &err));
	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("203.0.113.0/24"), NULL, &err));
	OK(model_op_associate_vpc_cidr_block(m, &ctx, w->id, C("172.17.0.0/16"), NULL, &err));
}

Test(ops_vpc, associate_cidr_in_10_0_16_with_10_0_15_vpc_is_refused)
{
	struct model_vpc *v = mkvpc("10.1.0.0/16");

	EXPECT_FAIL(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.0.0.0/24"), NULL, &err),
		    "InvalidVpc.Range");
	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.2.0.0/16"), NULL, &err));
}

Test(ops_vpc, associate_cidr_quota_is_CidrLimitExceeded)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	for (int i = 1; i < 5; i++) {
		char c[32];

		snprintf(c, sizeof(c), "10.%d.0.0/16", i + 10);
		OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C(c), NULL, &err));
	}
	EXPECT_FAIL(
	    model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.30.0.0/16"), NULL, &err),
	    "CidrLimitExceeded");
}

Test(ops_vpc, associate_cidr_covering_a_route_destination_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_vgw *g = NULL;
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("10.5.0.0/24");

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	s.gateway_id = g->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	EXPECT_FAIL(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.5.0.0/24"), NULL, &err),
		    "InvalidVpc.Range");
	EXPECT_FAIL(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.5.0.0/16"), NULL, &err),
		    "InvalidVpc.Range");
	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.5.0.0/25"), NULL, &err));
}

Test(ops_vpc, disassociate_primary_cidr_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	EXPECT_FAIL(model_op_disassociate_vpc_cidr_block(m, &ctx, v->cidrs[0].association_id, &err),
		    "OperationNotPermitted");
	EXPECT_FAIL(model_op_disassociate_vpc_cidr_block(m, &ctx, "vpc-cidr-assoc-0000", &err),
		    "InvalidVpcCidrBlockAssociationID.NotFound");
}

Test(ops_vpc, disassociate_cidr_with_subnet_inside_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	char assoc[MODEL_ID_LEN];

	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.1.0.0/16"), assoc, &err));
	mksubnet(v->id, "10.1.2.0/24");
	EXPECT_FAIL(model_op_disassociate_vpc_cidr_block(m, &ctx, assoc, &err),
		    "DependencyViolation");
}

Test(ops_vpc, modify_vpc_attribute_hostnames_requires_dns_support)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	OK(model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_DNS_SUPPORT, false, &err));
	cr_assert_not(v->enable_dns_support);
	EXPECT_FAIL(
	    model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_DNS_HOSTNAMES, true, &err),
	    "InvalidParameterValue");
	OK(model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_DNS_SUPPORT, true, &err));
	OK(model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_DNS_HOSTNAMES, true, &err));
	cr_assert(v->enable_dns_hostnames);
	EXPECT_FAIL(model_op_modify_vpc_attribute(m, &ctx, "vpc-00000000",
						  MODEL_VPC_ATTR_DNS_SUPPORT, true, &err),
		    "InvalidVpcID.NotFound");
}

Test(ops_vpc, modify_vpc_attribute_nau_metrics)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	cr_assert_not(v->enable_nau_metrics);
	OK(model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_NAU_METRICS, true, &err));
	cr_assert(v->enable_nau_metrics);
	cr_assert(v->enable_dns_support);
	cr_assert_not(v->enable_dns_hostnames);
	OK(model_op_modify_vpc_attribute(m, &ctx, v->id, MODEL_VPC_ATTR_NAU_METRICS, false, &err));
	cr_assert_not(v->enable_nau_metrics);
}

Test(ops_vpc, create_default_vpc_has_subnet_per_az_igw_and_default_route)
{
	struct model_vpc *v = NULL;
	const struct model_route_table *rt;
	const struct model_route *r;
	const struct model_igw *g;
	size_t n = 0;

	OK(model_op_create_default_vpc(m, &ctx, &v, &err));
	cr_assert(v->is_default);
	cr_assert(v->enable_dns_hostnames);
	cr_assert(net_cidr4_equal(v->cidrs[0].cidr, C("172.31.0.0/16")));
	for (size_t i = 0; i < m->n_subnets; i++) {
		const struct model_subnet *s = m->subnets[i];
		char c[32];

		snprintf(c, sizeof(c), "172.31.%zu.0/20", n * 16);
		cr_assert(net_cidr4_equal(s->cidr, C(c)), "subnet %zu", n);
		cr_assert_str_eq(s->az, ctx.azs[n]);
		cr_assert_str_eq(s->az_id, ctx.az_ids[n]);
		cr_assert(s->default_for_az);
		cr_assert(s->map_public_ip_on_launch);
		cr_assert_eq(model_subnet_available_ips(m, s), 4091);
		cr_assert_not_null(model_subnet_nacl(m, s->id));
		n++;
	}
	cr_assert_eq(n, ctx.n_azs);
	g = model_vpc_igw(m, v->id);
	cr_assert_not_null(g);
	rt = model_vpc_main_route_table(m, v->id);
	r = find_route(rt, "0.0.0.0/0");
	cr_assert_not_null(r);
	cr_assert_str_eq(r->target_id, g->id);
	cr_assert(model_route_active(m, rt, r));
	EXPECT_FAIL(model_op_create_default_vpc(m, &ctx, NULL, &err), "DefaultVpcAlreadyExists");
	cr_assert_str_eq(err.message,
			 "A Default VPC already exists for this account in this region.");
}

/* ---- subnets -------------------------------------------------------------- */

Test(ops_vpc, create_subnet_sets_fields_and_default_nacl_association)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = NULL;
	const struct model_nacl *acl = model_vpc_default_nacl(m, v->id);

	OK(model_op_create_subnet(m, &ctx, v->id, C("10.0.1.0/24"), NULL, "use1-az1", &s, &err));
	cr_assert_str_eq(s->az, "us-east-1b");
	cr_assert_str_eq(s->az_id, "use1-az1");
	cr_assert_eq(s->state, MODEL_STATE_AVAILABLE);
	cr_assert_str_eq(s->hostname_type, "ip-name");
	cr_assert_not(s->map_public_ip_on_launch);
	cr_assert_eq(model_subnet_available_ips(m, s), 251);
	cr_assert_eq(acl->n_assocs, 1);
	cr_assert_str_eq(acl->assocs[0].subnet_id, s->id);
	cr_assert_eq(strncmp(acl->assocs[0].id, "aclassoc-", 9), 0);
	cr_assert_eq(model_subnet_route_table(m, s->id), model_vpc_main_route_table(m, v->id));
	s = mksubnet(v->id, "10.0.2.0/24");
	cr_assert_str_eq(s->az, "us-east-1a");
}

Test(ops_vpc, subnet_overlap_is_InvalidSubnet_Conflict)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	mksubnet(v->id, "10.0.1.0/24");
	EXPECT_FAIL(
	    model_op_create_subnet(m, &ctx, v->id, C("10.0.1.0/25"), NULL, NULL, NULL, &err),
	    "InvalidSubnet.Conflict");
	cr_assert_str_eq(err.message, "The CIDR '10.0.1.0/25' conflicts with another subnet");
}

Test(ops_vpc, subnet_outside_vpc_or_bad_prefix_is_InvalidSubnet_Range)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	EXPECT_FAIL(
	    model_op_create_subnet(m, &ctx, v->id, C("10.1.0.0/24"), NULL, NULL, NULL, &err),
	    "InvalidSubnet.Range");
	EXPECT_FAIL(
	    model_op_create_subnet(m, &ctx, v->id, C("10.0.0.0/29"), NULL, NULL, NULL, &err),
	    "InvalidSubnet.Range");
	EXPECT_FAIL(model_op_create_subnet(m, &ctx, "vpc-0123456789abcdef0", C("10.0.0.0/24"), NULL,
					   NULL, NULL, &err),
		    "InvalidVpcID.NotFound");
}

Test(ops_vpc, subnet_in_unknown_az_is_InvalidParameterValue)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	EXPECT_FAIL(model_op_create_subnet(m, &ctx, v->id, C("10.0.0.0/24"), "us-west-2a", NULL,
					   NULL, &err),
		    "InvalidParameterValue");
	EXPECT_FAIL(model_op_create_subnet(m, &ctx, v->id, C("10.0.0.0/24"), "us-east-1a",
					   "use1-az1", NULL, &err),
		    "InvalidParameterCombination");
}

Test(ops_vpc, subnet_quota_is_SubnetLimitExceeded)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	ctx.quotas.subnets_per_vpc = 2;
	mksubnet(v->id, "10.0.1.0/24");
	mksubnet(v->id, "10.0.2.0/24");
	EXPECT_FAIL(
	    model_op_create_subnet(m, &ctx, v->id, C("10.0.3.0/24"), NULL, NULL, NULL, &err),
	    "SubnetLimitExceeded");
}

Test(ops_vpc, delete_subnet_with_eni_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(s, "10.0.1.10");

	EXPECT_FAIL(model_op_delete_subnet(m, &ctx, s->id, &err), "DependencyViolation");
	model_remove_eni(m, e->id);
	OK(model_op_delete_subnet(m, &ctx, s->id, &err));
}

Test(ops_vpc, delete_subnet_removes_nacl_and_route_table_associations)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *rt = NULL;

	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	OK(model_op_associate_route_table(m, &ctx, rt->id, s->id, NULL, NULL, &err));
	OK(model_op_delete_subnet(m, &ctx, s->id, &err));
	cr_assert_eq(rt->n_assocs, 0);
	cr_assert_eq(model_vpc_default_nacl(m, v->id)->n_assocs, 0);
	OK(model_op_delete_route_table(m, &ctx, rt->id, &err));
}

Test(ops_vpc, modify_subnet_attribute_one_at_a_time)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = mksubnet(v->id, "10.0.1.0/24");

	OK(model_op_modify_subnet_attribute(m, &ctx, s->id, MODEL_SUBNET_ATTR_MAP_PUBLIC_IP, true,
					    NULL, &err));
	cr_assert(s->map_public_ip_on_launch);
	OK(model_op_modify_subnet_attribute(m, &ctx, s->id, MODEL_SUBNET_ATTR_HOSTNAME_TYPE, false,
					    "resource-name", &err));
	cr_assert_str_eq(s->hostname_type, "resource-name");
	OK(model_op_modify_subnet_attribute(m, &ctx, s->id, MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_A,
					    true, NULL, &err));
	cr_assert(s->enable_resource_name_dns_a);
	EXPECT_FAIL(model_op_modify_subnet_attribute(
			m, &ctx, s->id, MODEL_SUBNET_ATTR_HOSTNAME_TYPE, false, "fqdn", &err),
		    "InvalidParameterValue");
	EXPECT_FAIL(model_op_modify_subnet_attribute(m, &ctx, s->id, MODEL_SUBNET_ATTR_ASSIGN_IPV6,
						     true, NULL, &err),
		    "InvalidParameterValue");
}

/* ---- route tables --------------------------------------------------------- */

Test(ops_vpc, create_route_table_has_local_route_per_cidr)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_route_table *rt = NULL;

	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.1.0.0/16"), NULL, &err));
	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	cr_assert_eq(rt->n_routes, 2);
	cr_assert_not_null(find_route(rt, "10.0.0.0/16"));
	cr_assert_not_null(find_route(rt, "10.1.0.0/16"));
	cr_assert_eq(rt->n_assocs, 0);
}

Test(ops_vpc, route_table_quota_is_RouteTableLimitExceeded)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");

	ctx.quotas.route_tables_per_vpc = 2; /* main included */
	OK(model_op_create_route_table(m, &ctx, v->id, NULL, &err));
	EXPECT_FAIL(model_op_create_route_table(m, &ctx, v->id, NULL, &err),
		    "RouteTableLimitExceeded");
}

Test(ops_vpc, delete_main_or_associated_table_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *s = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *main = model_vpc_main_route_table(m, v->id), *rt = NULL;
	char msg[256], assoc[MODEL_ID_LEN];

	EXPECT_FAIL(model_op_delete_route_table(m, &ctx, main->id, &err), "DependencyViolation");
	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	OK(model_op_associate_route_table(m, &ctx, rt->id, s->id, NULL, assoc, &err));
	EXPECT_FAIL(model_op_delete_route_table(m, &ctx, rt->id, &err), "DependencyViolation");
	snprintf(msg, sizeof(msg), "The routeTable '%s' has dependencies and cannot be deleted.",
		 rt->id);
	cr_assert_str_eq(err.message, msg);
	OK(model_op_disassociate_route_table(m, &ctx, assoc, &err));
	OK(model_op_delete_route_table(m, &ctx, rt->id, &err));
	EXPECT_FAIL(model_op_delete_route_table(m, &ctx, "rtb-00000000", &err),
		    "InvalidRouteTableID.NotFound");
}

Test(ops_vpc, create_route_to_igw_and_duplicate_is_RouteAlreadyExists)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");
	const struct model_route *r;

	s.gateway_id = g->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	r = find_route(rt, "0.0.0.0/0");
	cr_assert_not_null(r);
	cr_assert_eq(r->target_type, MODEL_TARGET_IGW);
	cr_assert_eq(r->origin, MODEL_ORIGIN_CREATE_ROUTE);
	cr_assert(model_route_active(m, rt, r));
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "RouteAlreadyExists");
	cr_assert_str_eq(err.message, "The route identified by 0.0.0.0/0 already exists.");
}

Test(ops_vpc, create_route_target_checks)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16"), *w = mkvpc("10.1.0.0/16");
	struct model_igw *g = mkigw_attached(w->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");

	s.gateway_id = "igw-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidGatewayID.NotFound");
	s.gateway_id = g->id; /* attached to another VPC */
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
	s.gateway_id = NULL;
	s.nat_gateway_id = "nat-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "NatGatewayNotFound");
	s.nat_gateway_id = NULL;
	s.eni_id = "eni-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err),
		    "InvalidNetworkInterfaceID.NotFound");
	s.eni_id = NULL;
	s.instance_id = "i-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidInstanceID.NotFound");
	s.instance_id = NULL;
	s.gateway_id = "vgw-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err),
		    "InvalidVpnGatewayID.NotFound");
	s.nat_gateway_id = "nat-0123456789abcdef0";
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err),
		    "InvalidParameterCombination");
	s.gateway_id = s.nat_gateway_id = NULL;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "MissingParameter");
}

Test(ops_vpc, route_into_169_254_168_0_22_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_spec s = dest("169.254.169.0/24");

	s.gateway_id = g->id;
	EXPECT_FAIL(
	    model_op_create_route(m, &ctx, model_vpc_main_route_table(m, v->id)->id, &s, &err),
	    "InvalidParameterValue");
}

Test(ops_vpc, route_more_specific_than_local_needs_whole_subnet_and_eni_or_nat)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *a = mksubnet(v->id, "10.0.1.0/24");
	struct model_subnet *b = mksubnet(v->id, "10.0.2.0/24");
	struct model_eni *e = mkeni(a, "10.0.1.10");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("10.0.2.0/25");

	(void)b;
	s.eni_id = e->id;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
	s = dest("10.0.2.0/24");
	s.gateway_id = g->id;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
	s.gateway_id = NULL;
	s.eni_id = e->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	cr_assert_eq(find_route(rt, "10.0.2.0/24")->target_type, MODEL_TARGET_ENI);
}

Test(ops_vpc, route_quota_is_RouteLimitExceeded)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);

	ctx.quotas.routes_per_table = 3;
	for (int i = 0; i < 3; i++) {
		char c[32];
		struct model_route_spec s;

		snprintf(c, sizeof(c), "192.0.%d.0/24", i);
		s = dest(c);
		s.gateway_id = g->id;
		OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	}
	struct model_route_spec s = dest("192.0.9.0/24");

	s.gateway_id = g->id;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "RouteLimitExceeded");
}

Test(ops_vpc, instance_target_needs_exactly_one_eni_and_is_stored_as_instance)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_instance *in = model_add_instance(m);
	struct model_eni *e1 = mkeni(sn, "10.0.1.10"), *e2 = mkeni(sn, "10.0.1.11");
	struct model_route_spec s = dest("0.0.0.0/0");
	char id[MODEL_ID_LEN];

	model_new_id(m, &ctx, "i-", id);
	memcpy(in->id, id, sizeof(id));
	strcpy(in->vpc_id, v->id);
	strcpy(in->subnet_id, sn->id);
	in->state = MODEL_INSTANCE_RUNNING;
	e1->attachment.present = e2->attachment.present = true;
	strcpy(e1->attachment.instance_id, in->id);
	strcpy(e2->attachment.instance_id, in->id);
	e2->attachment.device_index = 1;
	s.instance_id = in->id;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidInstanceID");
	e2->attachment.present = false;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	cr_assert_eq(find_route(rt, "0.0.0.0/0")->target_type, MODEL_TARGET_INSTANCE);
	cr_assert_str_eq(find_route(rt, "0.0.0.0/0")->target_id, in->id);
	cr_assert(model_route_active(m, rt, find_route(rt, "0.0.0.0/0")));
}

Test(ops_vpc, replace_route_and_local_route_replacement_and_restore)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");

	s.gateway_id = g->id;
	EXPECT_FAIL(model_op_replace_route(m, &ctx, rt->id, &s, &err), "InvalidRoute.NotFound");
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	s.gateway_id = NULL;
	s.eni_id = e->id;
	OK(model_op_replace_route(m, &ctx, rt->id, &s, &err));
	cr_assert_eq(find_route(rt, "0.0.0.0/0")->target_type, MODEL_TARGET_ENI);

	s = dest("10.0.0.0/16");
	s.gateway_id = g->id;
	EXPECT_FAIL(model_op_replace_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
	s.gateway_id = NULL;
	s.eni_id = e->id;
	OK(model_op_replace_route(m, &ctx, rt->id, &s, &err));
	cr_assert_str_eq(find_route(rt, "10.0.0.0/16")->target_id, e->id);
	s.eni_id = NULL;
	s.local_target = true;
	OK(model_op_replace_route(m, &ctx, rt->id, &s, &err));
	cr_assert_eq(find_route(rt, "10.0.0.0/16")->target_type, MODEL_TARGET_LOCAL);
	s = dest("0.0.0.0/0");
	s.local_target = true;
	EXPECT_FAIL(model_op_replace_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
}

Test(ops_vpc, delete_local_route_is_refused_and_missing_is_NotFound)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct net_cidr4 local = C("10.0.0.0/16"), other = C("0.0.0.0/0");
	char msg[256];

	EXPECT_FAIL(model_op_delete_route(m, &ctx, rt->id, &local, NULL, &err),
		    "InvalidParameterValue");
	snprintf(msg, sizeof(msg), "cannot remove local route 10.0.0.0/16 in route table %s",
		 rt->id);
	cr_assert_str_eq(err.message, msg);
	EXPECT_FAIL(model_op_delete_route(m, &ctx, rt->id, &other, NULL, &err),
		    "InvalidRoute.NotFound");
}

Test(ops_vpc, delete_route_removes_it)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");
	struct net_cidr4 d = C("0.0.0.0/0");

	s.gateway_id = g->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	OK(model_op_delete_route(m, &ctx, rt->id, &d, NULL, &err));
	cr_assert_null(find_route(rt, "0.0.0.0/0"));
	cr_assert_eq(rt->n_routes, 1);
}

Test(ops_vpc, associate_route_table_twice_is_Resource_AlreadyAssociated)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *a = NULL, *b = NULL;
	char assoc[MODEL_ID_LEN];

	OK(model_op_create_route_table(m, &ctx, v->id, &a, &err));
	OK(model_op_create_route_table(m, &ctx, v->id, &b, &err));
	OK(model_op_associate_route_table(m, &ctx, a->id, sn->id, NULL, assoc, &err));
	cr_assert_eq(strncmp(assoc, "rtbassoc-", 9), 0);
	cr_assert_eq(model_subnet_route_table(m, sn->id), a);
	EXPECT_FAIL(model_op_associate_route_table(m, &ctx, b->id, sn->id, NULL, NULL, &err),
		    "Resource.AlreadyAssociated");
}

Test(ops_vpc, gateway_edge_association)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_route_table *a = NULL;
	char assoc[MODEL_ID_LEN];

	OK(model_op_create_route_table(m, &ctx, v->id, &a, &err));
	OK(model_op_associate_route_table(m, &ctx, a->id, NULL, g->id, assoc, &err));
	cr_assert_eq(model_gateway_route_table(m, g->id), a);
	EXPECT_FAIL(model_op_associate_route_table(m, &ctx, a->id, NULL, g->id, NULL, &err),
		    "Resource.AlreadyAssociated");
	EXPECT_FAIL(model_op_associate_route_table(m, &ctx, a->id, NULL, "igw-0000000000000000a",
						   NULL, &err),
		    "InvalidGatewayID.NotFound");
}

Test(ops_vpc, disassociate_main_association_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_route_table *main = model_vpc_main_route_table(m, v->id);
	char msg[256];

	EXPECT_FAIL(model_op_disassociate_route_table(m, &ctx, main->assocs[0].id, &err),
		    "InvalidParameterValue");
	snprintf(msg, sizeof(msg), "cannot disassociate the main route table association %s",
		 main->assocs[0].id);
	cr_assert_str_eq(err.message, msg);
	EXPECT_FAIL(model_op_disassociate_route_table(m, &ctx, "rtbassoc-00000000", &err),
		    "InvalidAssociationID.NotFound");
}

Test(ops_vpc, replace_main_association_makes_another_table_main)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *old = model_vpc_main_route_table(m, v->id), *rt = NULL;
	char assoc[MODEL_ID_LEN], old_assoc[MODEL_ID_LEN];

	OK(model_op_create_route_table(m, &ctx, v->id, &rt, &err));
	strcpy(old_assoc, old->assocs[0].id);
	OK(model_op_replace_route_table_association(m, &ctx, old_assoc, rt->id, assoc, &err));
	cr_assert_str_neq(assoc, old_assoc);
	cr_assert_eq(model_vpc_main_route_table(m, v->id), rt);
	cr_assert_eq(model_subnet_route_table(m, sn->id), rt);
	cr_assert_eq(old->n_assocs, 0);
	EXPECT_FAIL(
	    model_op_replace_route_table_association(m, &ctx, old_assoc, rt->id, NULL, &err),
	    "InvalidAssociationID.NotFound");
	/* the former main table is now deletable */
	OK(model_op_delete_route_table(m, &ctx, old->id, &err));
}

static int count_route(const struct model_route *r, void *u)
{
	cr_assert_eq(r->origin, MODEL_ORIGIN_PROPAGATED);
	cr_assert_eq(r->target_type, MODEL_TARGET_VGW);
	(*(size_t *)u)++;
	return 0;
}

Test(ops_vpc, vgw_route_propagation_shows_vpn_static_routes)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_vgw *g = NULL;
	struct model_cgw *c = NULL;
	struct model_vpn_connection *vpn = NULL;
	size_t n = 0;

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	EXPECT_FAIL(model_op_enable_vgw_route_propagation(m, &ctx, rt->id, g->id, &err),
		    "Gateway.NotAttached");
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	OK(model_op_enable_vgw_route_propagation(m, &ctx, rt->id, g->id, &err));
	OK(model_op_enable_vgw_route_propagation(m, &ctx, rt->id, g->id, &err));
	cr_assert_eq(rt->n_propagating_vgws, 1);
	OK(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.1"), &c, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, &vpn, &err));
	OK(model_op_create_vpn_connection_route(m, &ctx, vpn->id, C("192.168.0.0/16"), &err));
	for (size_t i = 0; i < m->n_vpns; i++)
		n += m->vpns[i]->n_routes;
	cr_assert_eq(n, 1);
	n = 0;
	cr_assert_eq(model_rtb_foreach_propagated(m, rt, count_route, &n), 0);
	cr_assert_eq(n, 1);
	OK(model_op_delete_vpn_connection_route(m, &ctx, vpn->id, C("192.168.0.0/16"), &err));
	n = 0;
	model_rtb_foreach_propagated(m, rt, count_route, &n);
	cr_assert_eq(n, 0);
	EXPECT_FAIL(
	    model_op_delete_vpn_connection_route(m, &ctx, vpn->id, C("192.168.0.0/16"), &err),
	    "InvalidRoute.NotFound");
	OK(model_op_disable_vgw_route_propagation(m, &ctx, rt->id, g->id, &err));
	cr_assert_eq(rt->n_propagating_vgws, 0);
}

/* ---- internet gateways ---------------------------------------------------- */

Test(ops_vpc, igw_attach_detach_and_blackhole)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_igw *g = NULL, *h = NULL;
	char gid[MODEL_ID_LEN];
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");

	OK(model_op_create_internet_gateway(m, &ctx, &g, &err));
	cr_assert_eq(strncmp(g->id, "igw-", 4), 0);
	cr_assert_str_eq(g->owner_id, "123456789012");
	OK(model_op_create_internet_gateway(m, &ctx, &h, &err));
	OK(model_op_attach_internet_gateway(m, &ctx, g->id, v->id, &err));
	cr_assert_str_eq(g->attachment.state, "available");
	EXPECT_FAIL(model_op_attach_internet_gateway(m, &ctx, g->id, v->id, &err),
		    "Resource.AlreadyAssociated");
	EXPECT_FAIL(model_op_attach_internet_gateway(m, &ctx, h->id, v->id, &err),
		    "Resource.AlreadyAssociated");
	EXPECT_FAIL(model_op_delete_internet_gateway(m, &ctx, g->id, &err), "DependencyViolation");
	s.gateway_id = g->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	OK(model_op_detach_internet_gateway(m, &ctx, g->id, v->id, &err));
	cr_assert_not(model_route_active(m, rt, find_route(rt, "0.0.0.0/0")));
	EXPECT_FAIL(model_op_detach_internet_gateway(m, &ctx, g->id, v->id, &err),
		    "Gateway.NotAttached");
	strcpy(gid, g->id);
	OK(model_op_delete_internet_gateway(m, &ctx, gid, &err));
	EXPECT_FAIL(model_op_delete_internet_gateway(m, &ctx, gid, &err),
		    "InvalidInternetGatewayID.NotFound");
}

Test(ops_vpc, igw_quota_is_InternetGatewayLimitExceeded)
{
	for (int i = 0; i < 5; i++)
		OK(model_op_create_internet_gateway(m, &ctx, NULL, &err));
	EXPECT_FAIL(model_op_create_internet_gateway(m, &ctx, NULL, &err),
		    "InternetGatewayLimitExceeded");
}

Test(ops_vpc, detach_igw_with_mapped_public_address_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_igw *g = mkigw_attached(v->id);
	struct model_eip *eip = NULL;
	char assoc[MODEL_ID_LEN];

	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	OK(model_op_associate_address(m, &ctx, eip->allocation_id, e->id, NULL, 0, false, assoc,
				      &err));
	EXPECT_FAIL(model_op_detach_internet_gateway(m, &ctx, g->id, v->id, &err),
		    "DependencyViolation");
	cr_assert(strstr(err.message, "has some mapped public address(es)"));
	OK(model_op_disassociate_address(m, &ctx, assoc, &err));
	OK(model_op_detach_internet_gateway(m, &ctx, g->id, v->id, &err));
}

/* ---- Elastic IPs ---------------------------------------------------------- */

Test(ops_vpc, allocate_address_from_pool_and_quota)
{
	struct model_eip *e = NULL;

	OK(model_op_allocate_address(m, &ctx, &e, &err));
	cr_assert_eq(strncmp(e->allocation_id, "eipalloc-", 9), 0);
	cr_assert(net_cidr4_contains(ctx.public_pool, e->public_ip));
	for (int i = 0; i < 4; i++)
		OK(model_op_allocate_address(m, &ctx, NULL, &err));
	for (size_t i = 1; i < m->n_eips; i++)
		cr_assert_neq(m->eips[i]->public_ip, m->eips[0]->public_ip);
	EXPECT_FAIL(model_op_allocate_address(m, &ctx, NULL, &err), "AddressLimitExceeded");
}

Test(ops_vpc, associate_address_sets_both_sides_and_release_in_use_is_refused)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_eip *eip = NULL;
	char assoc[MODEL_ID_LEN];

	mkigw_attached(v->id);
	e->ips[0].public_ip = IP("198.51.100.200"); /* auto-assigned: replaced */
	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	OK(model_op_associate_address(m, &ctx, eip->allocation_id, e->id, NULL, 0, false, assoc,
				      &err));
	cr_assert_eq(strncmp(assoc, "eipassoc-", 9), 0);
	cr_assert_eq(e->ips[0].public_ip, eip->public_ip);
	cr_assert_str_eq(e->ips[0].allocation_id, eip->allocation_id);
	cr_assert_str_eq(e->ips[0].association_id, assoc);
	cr_assert_str_eq(eip->association_id, assoc);
	cr_assert_str_eq(eip->eni_id, e->id);
	cr_assert_eq(eip->private_ip, IP("10.0.1.10"));
	EXPECT_FAIL(model_op_release_address(m, &ctx, eip->allocation_id, &err),
		    "InvalidIPAddress.InUse");
	OK(model_op_disassociate_address(m, &ctx, assoc, &err));
	cr_assert_eq(e->ips[0].public_ip, 0);
	cr_assert_str_eq(eip->association_id, "");
	EXPECT_FAIL(model_op_disassociate_address(m, &ctx, assoc, &err),
		    "InvalidAssociationID.NotFound");
	OK(model_op_release_address(m, &ctx, eip->allocation_id, &err));
	cr_assert_eq(m->n_eips, 0);
}

Test(ops_vpc, associate_address_reassociation_rules)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *a = mkeni(sn, "10.0.1.10"), *b = mkeni(sn, "10.0.1.11");
	struct model_eip *eip = NULL;

	mkigw_attached(v->id);
	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	OK(model_op_associate_address(m, &ctx, eip->allocation_id, a->id, NULL, 0, false, NULL,
				      &err));
	EXPECT_FAIL(model_op_associate_address(m, &ctx, eip->allocation_id, b->id, NULL, 0, false,
					       NULL, &err),
		    "Resource.AlreadyAssociated");
	OK(model_op_associate_address(m, &ctx, eip->allocation_id, b->id, NULL, 0, true, NULL,
				      &err));
	cr_assert_eq(a->ips[0].public_ip, 0);
	cr_assert_eq(b->ips[0].public_ip, eip->public_ip);
	EXPECT_FAIL(model_op_associate_address(m, &ctx, eip->allocation_id, b->id, NULL,
					       IP("10.0.1.99"), true, NULL, &err),
		    "InvalidParameterValue");
	EXPECT_FAIL(model_op_associate_address(m, &ctx, "eipalloc-00000000", b->id, NULL, 0, true,
					       NULL, &err),
		    "InvalidAllocationID.NotFound");
}

Test(ops_vpc, associate_address_without_igw_is_Gateway_NotAttached)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *a = mkeni(sn, "10.0.1.10");
	struct model_eip *eip = NULL;

	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	EXPECT_FAIL(model_op_associate_address(m, &ctx, eip->allocation_id, a->id, NULL, 0, false,
					       NULL, &err),
		    "Gateway.NotAttached");
}

/* ---- NAT gateways --------------------------------------------------------- */

Test(ops_vpc, create_public_nat_gateway_makes_managed_eni_with_eip)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eip *eip = NULL;
	struct model_nat_gateway *nat = NULL;
	const struct model_eni *e;
	char desc[128];

	mkigw_attached(v->id);
	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	OK(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PUBLIC, eip->allocation_id, 0,
				       &nat, &err));
	cr_assert_eq(nat->state, MODEL_STATE_AVAILABLE);
	cr_assert_eq(nat->create_time, ctx.now);
	cr_assert_str_eq(nat->vpc_id, v->id);
	cr_assert_eq(nat->private_ip, IP("10.0.1.4"));
	cr_assert_eq(nat->public_ip, eip->public_ip);
	e = model_find_eni(m, nat->eni_id);
	cr_assert_not_null(e);
	cr_assert_str_eq(e->interface_type, "nat_gateway");
	cr_assert(e->requester_managed);
	cr_assert_not(e->source_dest_check);
	cr_assert_eq(e->n_sg_ids, 0);
	snprintf(desc, sizeof(desc), "Interface for NAT Gateway %s", nat->id);
	cr_assert_str_eq(e->description, desc);
	cr_assert_eq(e->ips[0].public_ip, eip->public_ip);
	cr_assert_str_eq(eip->eni_id, e->id);
	EXPECT_FAIL(model_op_disassociate_address(m, &ctx, eip->association_id, &err),
		    "OperationNotPermitted");
}

Test(ops_vpc, create_nat_gateway_validation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eip *eip = NULL;

	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	EXPECT_FAIL(
	    model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PUBLIC, NULL, 0, NULL, &err),
	    "MissingParameter");
	EXPECT_FAIL(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PRIVATE,
						eip->allocation_id, 0, NULL, &err),
		    "InvalidParameterCombination");
	EXPECT_FAIL(model_op_create_nat_gateway(m, &ctx, "subnet-00000000", MODEL_NAT_PRIVATE, NULL,
						0, NULL, &err),
		    "InvalidSubnetID.NotFound");
	EXPECT_FAIL(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PRIVATE, NULL,
						IP("10.0.1.1"), NULL, &err),
		    "InvalidParameterValue");
	mkeni(sn, "10.0.1.20");
	EXPECT_FAIL(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PRIVATE, NULL,
						IP("10.0.1.20"), NULL, &err),
		    "InvalidIPAddress.InUse");
	OK(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PRIVATE, NULL, IP("10.0.1.30"),
				       NULL, &err));
}

Test(ops_vpc, nat_gateway_quota_per_az_is_NatGatewayLimitExceeded)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *a = mksubnet(v->id, "10.0.1.0/24");
	struct model_subnet *b = NULL;
	struct model_nat_gateway *nat = NULL;

	OK(model_op_create_subnet(m, &ctx, v->id, C("10.0.2.0/24"), "us-east-1b", NULL, &b, &err));
	ctx.quotas.nat_gateways_per_az = 2;
	OK(model_op_create_nat_gateway(m, &ctx, a->id, MODEL_NAT_PRIVATE, NULL, 0, &nat, &err));
	OK(model_op_create_nat_gateway(m, &ctx, a->id, MODEL_NAT_PRIVATE, NULL, 0, NULL, &err));
	EXPECT_FAIL(
	    model_op_create_nat_gateway(m, &ctx, a->id, MODEL_NAT_PRIVATE, NULL, 0, NULL, &err),
	    "NatGatewayLimitExceeded");
	OK(model_op_create_nat_gateway(m, &ctx, b->id, MODEL_NAT_PRIVATE, NULL, 0, NULL, &err));
	OK(model_op_delete_nat_gateway(m, &ctx, nat->id, &err));
	OK(model_op_create_nat_gateway(m, &ctx, a->id, MODEL_NAT_PRIVATE, NULL, 0, NULL, &err));
}

Test(ops_vpc, delete_nat_gateway_keeps_record_deleted_and_frees_eni_and_eip)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eip *eip = NULL;
	struct model_nat_gateway *nat = NULL;
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("0.0.0.0/0");
	char eni_id[MODEL_ID_LEN];

	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	OK(model_op_create_nat_gateway(m, &ctx, sn->id, MODEL_NAT_PUBLIC, eip->allocation_id, 0,
				       &nat, &err));
	s.nat_gateway_id = nat->id;
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	cr_assert(model_route_active(m, rt, find_route(rt, "0.0.0.0/0")));
	strcpy(eni_id, nat->eni_id);
	ctx.now += 60;
	OK(model_op_delete_nat_gateway(m, &ctx, nat->id, &err));
	cr_assert_eq(nat->state, MODEL_STATE_DELETED);
	cr_assert_eq(nat->delete_time, ctx.now);
	cr_assert_null(model_find_eni(m, eni_id));
	cr_assert_str_eq(eip->association_id, "");
	cr_assert_not(model_route_active(m, rt, find_route(rt, "0.0.0.0/0")));
	OK(model_op_delete_nat_gateway(m, &ctx, nat->id, &err)); /* documented: idempotent */
	EXPECT_FAIL(model_op_delete_nat_gateway(m, &ctx, "nat-00000000", &err),
		    "NatGatewayNotFound");
	OK(model_op_delete_subnet(m, &ctx, sn->id, &err));
	OK(model_op_release_address(m, &ctx, eip->allocation_id, &err));
}

/* ---- VPN ------------------------------------------------------------------ */

Test(ops_vpc, vpn_gateway_lifecycle)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16"), *w = mkvpc("10.1.0.0/16");
	struct model_vgw *g = NULL, *h = NULL;
	char gid[MODEL_ID_LEN];

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	cr_assert_eq(g->amazon_side_asn, 64512);
	cr_assert_eq(g->state, MODEL_STATE_AVAILABLE);
	cr_assert_str_eq(g->type, "ipsec.1");
	EXPECT_FAIL(model_op_create_vpn_gateway(m, &ctx, "ipsec.2", 0, NULL, &err),
		    "InvalidParameterValue");
	EXPECT_FAIL(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 100, NULL, &err),
		    "InvalidParameterValue");
	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 65000, &h, &err));
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	cr_assert_eq(model_vpc_vgw(m, v->id), g);
	EXPECT_FAIL(model_op_attach_vpn_gateway(m, &ctx, g->id, w->id, &err),
		    "Resource.AlreadyAssociated");
	EXPECT_FAIL(model_op_attach_vpn_gateway(m, &ctx, h->id, v->id, &err),
		    "Resource.AlreadyAssociated");
	EXPECT_FAIL(model_op_delete_vpn_gateway(m, &ctx, g->id, &err), "IncorrectState");
	EXPECT_FAIL(model_op_detach_vpn_gateway(m, &ctx, g->id, w->id, &err),
		    "InvalidVpnGatewayAttachment.NotFound");
	OK(model_op_detach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	cr_assert_null(model_vpc_vgw(m, v->id));
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, w->id, &err));
	cr_assert_eq(g->n_attachments, 1);
	OK(model_op_detach_vpn_gateway(m, &ctx, g->id, w->id, &err));
	strcpy(gid, g->id);
	OK(model_op_delete_vpn_gateway(m, &ctx, gid, &err));
	EXPECT_FAIL(model_op_delete_vpn_gateway(m, &ctx, gid, &err),
		    "InvalidVpnGatewayID.NotFound");
}

Test(ops_vpc, vpn_gateway_quota_is_VpnGatewayLimitExceeded)
{
	for (int i = 0; i < 5; i++)
		OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, NULL, &err));
	EXPECT_FAIL(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, NULL, &err),
		    "VpnGatewayLimitExceeded");
}

Test(ops_vpc, vpn_connection_has_two_tunnels_in_allowed_ranges)
{
	struct model_vgw *g = NULL;
	struct model_cgw *c = NULL;
	struct model_vpn_connection *a = NULL, *b = NULL;
	struct net_cidr4 doc = C("203.0.113.0/24"), ll = C("169.254.0.0/16");
	char cid[MODEL_ID_LEN];

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	OK(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.1"), &c, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, &a, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, &b, &err));
	cr_assert_eq(a->state, MODEL_STATE_AVAILABLE);
	for (int t = 0; t < 2; t++) {
		const struct model_vpn_connection *vs[2] = {a, b};

		for (int k = 0; k < 2; k++) {
			const struct model_vpn_tunnel *tu = &vs[k]->tunnels[t];

			cr_assert(net_cidr4_contains(doc, tu->outside_ip));
			cr_assert_eq(tu->inside_cidr.len, 30);
			cr_assert(net_cidr4_covers(ll, tu->inside_cidr));
			cr_assert_not(net_cidr4_overlaps(tu->inside_cidr, C("169.254.0.0/21")));
			cr_assert_not(net_cidr4_overlaps(tu->inside_cidr, C("169.254.169.252/30")));
		}
	}
	cr_assert_neq(a->tunnels[0].outside_ip, a->tunnels[1].outside_ip);
	cr_assert_neq(a->tunnels[0].outside_ip, b->tunnels[0].outside_ip);
	cr_assert_neq(a->tunnels[1].inside_cidr.addr, b->tunnels[0].inside_cidr.addr);
	cr_assert_neq(a->tunnels[0].inside_cidr.addr, a->tunnels[1].inside_cidr.addr);
	EXPECT_FAIL(model_op_delete_customer_gateway(m, &ctx, c->id, &err), "IncorrectState");
	EXPECT_FAIL(model_op_delete_vpn_gateway(m, &ctx, g->id, &err), "IncorrectState");
	OK(model_op_delete_vpn_connection(m, &ctx, a->id, &err));
	OK(model_op_delete_vpn_connection(m, &ctx, b->id, &err));
	cr_assert_eq(a->state, MODEL_STATE_DELETED);
	cr_assert_eq(m->n_vpns, 2); /* kept visible */
	strcpy(cid, c->id);
	OK(model_op_delete_customer_gateway(m, &ctx, cid, &err));
	EXPECT_FAIL(model_op_delete_customer_gateway(m, &ctx, cid, &err),
		    "InvalidCustomerGatewayID.NotFound");
	EXPECT_FAIL(model_op_delete_vpn_connection(m, &ctx, "vpn-00000000", &err),
		    "InvalidVpnConnectionID.NotFound");
}

Test(ops_vpc, vpn_connection_quota_per_vgw_is_VpnConnectionLimitExceeded)
{
	struct model_vgw *g = NULL;
	struct model_cgw *c = NULL;

	ctx.quotas.vpns_per_vgw = 2;
	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	OK(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.1"), &c, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, NULL, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, NULL, &err));
	EXPECT_FAIL(
	    model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, NULL, &err),
	    "VpnConnectionLimitExceeded");
	EXPECT_FAIL(model_op_create_vpn_connection(m, &ctx, "cgw-00000000", g->id, "ipsec.1", true,
						   NULL, &err),
		    "InvalidCustomerGatewayID.NotFound");
}

Test(ops_vpc, vpn_static_route_rules)
{
	struct model_vgw *g = NULL;
	struct model_cgw *c = NULL;
	struct model_vpn_connection *a = NULL, *bgp = NULL;

	ctx.quotas.vpn_static_routes = 2;
	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	OK(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.1"), &c, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", true, &a, &err));
	OK(model_op_create_vpn_connection(m, &ctx, c->id, g->id, "ipsec.1", false, &bgp, &err));
	OK(model_op_create_vpn_connection_route(m, &ctx, a->id, C("192.168.0.0/24"), &err));
	cr_assert_str_eq(a->routes[0].state, "available");
	EXPECT_FAIL(model_op_create_vpn_connection_route(m, &ctx, a->id, C("192.168.0.0/24"), &err),
		    "RouteAlreadyExists");
	OK(model_op_create_vpn_connection_route(m, &ctx, a->id, C("192.168.1.0/24"), &err));
	EXPECT_FAIL(model_op_create_vpn_connection_route(m, &ctx, a->id, C("192.168.2.0/24"), &err),
		    "RouteLimitExceeded");
	EXPECT_FAIL(
	    model_op_create_vpn_connection_route(m, &ctx, bgp->id, C("192.168.2.0/24"), &err),
	    "InvalidParameterValue");
}

Test(ops_vpc, customer_gateway_validation_and_quota)
{
	ctx.quotas.cgws_per_region = 1;
	EXPECT_FAIL(
	    model_op_create_customer_gateway(m, &ctx, "ipsec.1", 0, IP("192.0.2.1"), NULL, &err),
	    "InvalidParameterValue");
	EXPECT_FAIL(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, 0, NULL, &err),
		    "MissingParameter");
	OK(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.1"), NULL,
					    &err));
	EXPECT_FAIL(model_op_create_customer_gateway(m, &ctx, "ipsec.1", 65000, IP("192.0.2.2"),
						     NULL, &err),
		    "CustomerGatewayLimitExceeded");
}

/* ---- flow logs ------------------------------------------------------------ */

Test(ops_vpc, create_flow_logs_for_each_resource)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *a = mksubnet(v->id, "10.0.1.0/24");
	struct model_subnet *b = mksubnet(v->id, "10.0.2.0/24");
	const char *ids[] = {a->id, b->id};
	struct model_flow_log_spec spec = {
	    .resource_ids = ids,
	    .n_resource_ids = 2,
	    .traffic_type = MODEL_FLOW_REJECT,
	    .destination_type = "cloud-watch-logs",
	    .destination = "my-group",
	    .format = "${srcaddr} ${dstaddr}",
	    .deliver_logs_permission_arn = "arn:aws:iam::123456789012:role/fl",
	};
	char out[2][MODEL_ID_LEN];
	const struct model_flow_log *f;

	OK(model_op_create_flow_logs(m, &ctx, &spec, out, &err));
	cr_assert_eq(m->n_flow_logs, 2);
	f = model_find_flow_log(m, out[1]);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->resource_id, b->id);
	cr_assert_str_eq(f->log_group_name, "my-group");
	cr_assert_str_eq(f->format, "${srcaddr} ${dstaddr}");
	cr_assert_str_eq(f->deliver_logs_permission_arn, "arn:aws:iam::123456789012:role/fl");
	cr_assert_eq(f->max_aggregation_interval, 600);
	cr_assert_eq(f->creation_time, ctx.now);
	cr_assert_str_eq(f->status, "ACTIVE");
	cr_assert_eq(strncmp(f->id, "fl-", 3), 0);
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "FlowLogAlreadyExists");
	spec.traffic_type = MODEL_FLOW_ALL;
	OK(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err));
	spec.traffic_type = MODEL_FLOW_ACCEPT;
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "FlowLogsLimitExceeded");
	{
		const char *del[] = {out[0], "fl-00000000"};

		EXPECT_FAIL(model_op_delete_flow_logs(m, &ctx, del, 2, &err),
			    "InvalidFlowLogId.NotFound");
		OK(model_op_delete_flow_logs(m, &ctx, del, 1, &err));
		cr_assert_null(model_find_flow_log(m, out[0]));
	}
}

Test(ops_vpc, create_flow_logs_validation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *a = mksubnet(v->id, "10.0.1.0/24");
	const char *mixed[] = {v->id, a->id};
	const char *missing[] = {"vpc-0123456789abcdef0"};
	const char *one[] = {v->id};
	struct model_flow_log_spec spec = {
	    .resource_ids = mixed,
	    .n_resource_ids = 2,
	    .destination_type = "s3",
	    .destination = "arn:aws:s3:::bucket",
	};

	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "InvalidParameterValue");
	spec.resource_ids = missing;
	spec.n_resource_ids = 1;
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "InvalidVpcID.NotFound");
	spec.resource_ids = one;
	spec.max_aggregation_interval = 300;
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "InvalidParameterValue");
	spec.max_aggregation_interval = 60;
	spec.destination_type = "kafka";
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "InvalidParameterValue");
	spec.destination_type = "s3";
	spec.destination = "bucket";
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "InvalidParameterValue");
	spec.destination = "arn:aws:s3:::bucket";
	OK(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err));
	cr_assert_eq(m->flow_logs[0]->max_aggregation_interval, 60);
	cr_assert_null(m->flow_logs[0]->format);
	cr_assert_null(m->flow_logs[0]->deliver_logs_permission_arn);
}

Test(ops_vpc, delete_vpc_removes_its_flow_logs)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	const char *one[] = {v->id};
	struct model_flow_log_spec spec = {
	    .resource_ids = one,
	    .n_resource_ids = 1,
	    .destination_type = "s3",
	    .destination = "arn:aws:s3:::bucket",
	};

	OK(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err));
	OK(model_op_delete_vpc(m, &ctx, v->id, &err));
	cr_assert_eq(m->n_flow_logs, 0);
}

/* ---- more behaviours ------------------------------------------------------ */

Test(ops_vpc, associate_address_by_instance_uses_its_primary_eni)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_instance *in = model_add_instance(m);
	struct model_eip *eip = NULL;
	char id[MODEL_ID_LEN];

	mkigw_attached(v->id);
	model_new_id(m, &ctx, "i-", id);
	memcpy(in->id, id, sizeof(id));
	strcpy(in->vpc_id, v->id);
	in->state = MODEL_INSTANCE_RUNNING;
	e->attachment.present = true;
	strcpy(e->attachment.instance_id, in->id);
	OK(model_op_allocate_address(m, &ctx, &eip, &err));
	EXPECT_FAIL(model_op_associate_address(m, &ctx, eip->allocation_id, e->id, in->id, 0, false,
					       NULL, &err),
		    "InvalidParameterCombination");
	OK(model_op_associate_address(m, &ctx, eip->allocation_id, NULL, in->id, 0, false, NULL,
				      &err));
	cr_assert_str_eq(eip->eni_id, e->id);
	cr_assert_str_eq(eip->instance_id, in->id);
	cr_assert_eq(e->ips[0].public_ip, eip->public_ip);
}

Test(ops_vpc, delete_vpc_with_eni_vgw_nat_sg_or_nacl_is_DependencyViolation)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_vgw *g = NULL;
	struct model_sg *sg;
	struct model_nacl *acl;
	char sn_id[MODEL_ID_LEN];

	strcpy(sn_id, sn->id);
	/* the ENI counts on its own, independently of its subnet */
	model_remove_subnet(m, sn_id);
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	model_remove_eni(m, e->id);

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	OK(model_op_detach_vpn_gateway(m, &ctx, g->id, v->id, &err));

	sg = model_add_sg(m);
	model_new_id(m, &ctx, "sg-", sn_id);
	strcpy(sg->id, sn_id);
	strcpy(sg->vpc_id, v->id);
	sg->name = strdup("web");
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	model_remove_sg(m, sg->id);

	acl = model_add_nacl(m);
	model_new_id(m, &ctx, "acl-", sn_id);
	strcpy(acl->id, sn_id);
	strcpy(acl->vpc_id, v->id);
	EXPECT_FAIL(model_op_delete_vpc(m, &ctx, v->id, &err), "DependencyViolation");
	model_remove_nacl(m, acl->id);
	OK(model_op_delete_vpc(m, &ctx, v->id, &err));
}

Test(ops_vpc, replace_subnet_association_moves_the_subnet)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_route_table *a = NULL, *b = NULL;
	char assoc[MODEL_ID_LEN], assoc2[MODEL_ID_LEN];

	OK(model_op_create_route_table(m, &ctx, v->id, &a, &err));
	OK(model_op_create_route_table(m, &ctx, v->id, &b, &err));
	OK(model_op_associate_route_table(m, &ctx, a->id, sn->id, NULL, assoc, &err));
	OK(model_op_replace_route_table_association(m, &ctx, assoc, b->id, assoc2, &err));
	cr_assert_eq(model_subnet_route_table(m, sn->id), b);
	cr_assert_eq(a->n_assocs, 0);
	cr_assert_eq(b->n_assocs, 1);
	EXPECT_FAIL(
	    model_op_replace_route_table_association(m, &ctx, assoc2, "rtb-00000000", NULL, &err),
	    "InvalidRouteTableID.NotFound");
}

Test(ops_vpc, detached_vgw_routes_become_blackhole)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_vgw *g = NULL;
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("192.168.0.0/16");

	OK(model_op_create_vpn_gateway(m, &ctx, "ipsec.1", 0, &g, &err));
	s.gateway_id = g->id;
	EXPECT_FAIL(model_op_create_route(m, &ctx, rt->id, &s, &err), "InvalidParameterValue");
	OK(model_op_attach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	OK(model_op_create_route(m, &ctx, rt->id, &s, &err));
	cr_assert(model_route_active(m, rt, find_route(rt, "192.168.0.0/16")));
	OK(model_op_detach_vpn_gateway(m, &ctx, g->id, v->id, &err));
	cr_assert_not(model_route_active(m, rt, find_route(rt, "192.168.0.0/16")));
}

Test(ops_vpc, disassociate_cidr_removes_a_replaced_local_route_too)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	struct model_route_table *rt = model_vpc_main_route_table(m, v->id);
	struct model_route_spec s = dest("10.1.0.0/16");
	char assoc[MODEL_ID_LEN];

	OK(model_op_associate_vpc_cidr_block(m, &ctx, v->id, C("10.1.0.0/16"), assoc, &err));
	s.eni_id = e->id;
	OK(model_op_replace_route(m, &ctx, rt->id, &s, &err));
	OK(model_op_disassociate_vpc_cidr_block(m, &ctx, assoc, &err));
	cr_assert_null(find_route(rt, "10.1.0.0/16"));
	cr_assert_eq(rt->n_routes, 1);
}

Test(ops_vpc, empty_public_pool_is_AddressLimitExceeded)
{
	ctx.public_pool = C("198.51.100.0/31");
	while (model_op_allocate_address(m, &ctx, NULL, &err) == 0)
		cr_assert_leq(m->n_eips, 2);
	cr_assert_str_eq(code(), "AddressLimitExceeded");
	EXPECT_FAIL(model_op_allocate_address(m, &ctx, NULL, &err), "AddressLimitExceeded");
}

Test(ops_vpc, flow_logs_on_enis_and_duplicates_in_one_request)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	struct model_eni *e = mkeni(sn, "10.0.1.10");
	const char *twice[] = {e->id, e->id};
	const char *gone[] = {"eni-0123456789abcdef0"};
	struct model_flow_log_spec spec = {
	    .resource_ids = twice,
	    .n_resource_ids = 2,
	    .destination_type = "cloud-watch-logs",
	    .destination = "g",
	};

	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err), "FlowLogAlreadyExists");
	spec.resource_ids = gone;
	spec.n_resource_ids = 1;
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err),
		    "InvalidNetworkInterfaceID.NotFound");
	spec.resource_ids = twice;
	OK(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err));
	cr_assert_str_eq(m->flow_logs[0]->resource_id, e->id);
	EXPECT_FAIL(model_op_create_flow_logs(m, &ctx, NULL, NULL, &err), "MissingParameter");
}

Test(ops_vpc, delete_subnet_removes_its_flow_logs)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	struct model_subnet *sn = mksubnet(v->id, "10.0.1.0/24");
	const char *one[] = {sn->id};
	struct model_flow_log_spec spec = {
	    .resource_ids = one,
	    .n_resource_ids = 1,
	    .destination_type = "cloud-watch-logs",
	    .destination = "g",
	};

	OK(model_op_create_flow_logs(m, &ctx, &spec, NULL, &err));
	OK(model_op_delete_subnet(m, &ctx, sn->id, &err));
	cr_assert_eq(m->n_flow_logs, 0);
}

Test(ops_vpc, every_subnet_is_in_exactly_one_nacl_after_creates_and_deletes)
{
	struct model_vpc *v = mkvpc("10.0.0.0/16");
	char ids[8][MODEL_ID_LEN];

	for (int i = 0; i < 8; i++) {
		char c[32];

		snprintf(c, sizeof(c), "10.0.%d.0/24", i);
		strcpy(ids[i], mksubnet(v->id, c)->id);
	}
	for (int i = 0; i < 8; i += 2)
		OK(model_op_delete_subnet(m, &ctx, ids[i], &err));
	for (size_t i = 0; i < m->n_subnets; i++) {
		size_t n = 0;

		for (size_t j = 0; j < m->n_nacls; j++)
			for (size_t k = 0; k < m->nacls[j]->n_assocs; k++)
				n += strcmp(m->nacls[j]->assocs[k].subnet_id, m->subnets[i]->id) ==
				     0;
		cr_assert_eq(n, 1);
	}
	cr_assert_eq(model_vpc_default_nacl(m, v->id)->n_assocs, 4);
}
