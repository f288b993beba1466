/* Tests for ops-sg: security group operations. */
#include <criterion/criterion.h>

#include "lib/model/ops-eni.h"
#include "lib/model/ops-sg.h"
#include "tests/unit/model/opssg-fixture.h"

static struct fx f;
static struct model_vpc *vpc;
static struct model_subnet *subnet;

static void setup(void)
{
	fx_init(&f);
	vpc = fx_vpc(&f, "10.0.0.0/16", false);
	subnet = fx_subnet(&f, vpc, "10.0.1.0/24", 0);
}

static void teardown(void)
{
	fx_fini(&f);
}

TestSuite(ops_sg, .init = setup, .fini = teardown);

static struct model_sg *new_sg(const char *name)
{
	struct model_sg *sg = NULL;

	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, name, "test group", &sg,
						&f.err));
	return sg;
}

/*
 * A tcp rule spec.  net_cidr4_parse canonicalises, so a CIDR written with
 * host address .5 ("10.0.0.5/8") gets host bits set again here to exercise
 * the op's own canonicalisation.
 */
static struct model_sg_rule_spec tcp4(int from, int to, const char *cidr)
{
	return (struct model_sg_rule_spec){
	    .protocol = 6,
	    .has_ports = true,
	    .from_port = from,
	    .to_port = to,
	    .has_cidr4 = true,
	    .cidr4 = {.addr = fx_cidr(cidr).addr | (strstr(cidr, ".5/") ? 5 : 0),
		      .len = fx_cidr(cidr).len},
	};
}

static struct model_sg_rule_spec tcp6(int port, const char *cidr)
{
	struct model_sg_rule_spec s = {.protocol = 6,
				       .has_ports = true,
				       .from_port = port,
				       .to_port = port,
				       .has_cidr6 = true};

	net_cidr6_parse(cidr, &s.cidr6);
	return s;
}

Test(ops_sg, create_security_group_has_no_ingress_and_one_egress_allow_all)
{
	struct model_sg *sg = new_sg("web");

	cr_assert(model_id_valid(sg->id, "sg-"));
	cr_assert_str_eq(sg->vpc_id, vpc->id);
	cr_assert_str_eq(sg->owner_id, "123456789012");
	cr_assert_str_eq(sg->name, "web");
	cr_assert_str_eq(sg->description, "test group");
	cr_assert_eq(sg->n_rules, 1);
	cr_assert(sg->rules[0].egress);
	cr_assert_eq(sg->rules[0].protocol, MODEL_PROTO_ALL);
	cr_assert_eq(sg->rules[0].peer_type, MODEL_PEER_CIDR4);
	cr_assert_eq(sg->rules[0].cidr.len, 0);
	cr_assert(model_id_valid(sg->rules[0].id, "sgr-"));
}

Test(ops_sg, create_duplicate_name_is_InvalidGroup_Duplicate)
{
	char want[200];

	new_sg("web");
	FX_FAILS(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, "web", "x", NULL, &f.err),
		 "InvalidGroup.Duplicate");
	snprintf(want, sizeof(want), "The security group 'web' already exists for VPC '%s'",
		 vpc->id);
	cr_assert_str_eq(f.err.message, want);
}

Test(ops_sg, same_name_in_another_vpc_is_allowed)
{
	struct model_vpc *other = fx_vpc(&f, "10.1.0.0/16", false);

	new_sg("web");
	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, other->id, "web", "x", NULL, &f.err));
}

Test(ops_sg, create_name_validation)
{
	char longname[300];

	memset(longname, 'a', 256);
	longname[256] = '\0';
	FX_FAILS(f,
		 model_op_create_security_group(f.m, &f.ctx, vpc->id, "sg-web", "x", NULL, &f.err),
		 "InvalidParameterValue");
	FX_FAILS(f,
		 model_op_create_security_group(f.m, &f.ctx, vpc->id, longname, "x", NULL, &f.err),
		 "InvalidParameterValue");
	FX_FAILS(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, "web", NULL, NULL, &f.err),
		 "MissingParameter");
	longname[255] = '\0';
	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, longname, "x", NULL, &f.err));
}

Test(ops_sg, create_in_unknown_vpc_is_InvalidVpcID_NotFound)
{
	FX_FAILS(f,
		 model_op_create_security_group(f.m, &f.ctx, "vpc-0123456789abcdef0", "a", "x",
						NULL, &f.err),
		 "InvalidVpcID.NotFound");
	cr_assert_str_eq(f.err.message, "The vpc ID 'vpc-0123456789abcdef0' does not exist");
}

Test(ops_sg, region_quota_is_SecurityGroupLimitExceeded)
{
	f.ctx.quotas.sgs_per_region = 3; /* the default group + 2 */
	new_sg("a");
	new_sg("b");
	FX_FAILS(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, "c", "x", NULL, &f.err),
		 "SecurityGroupLimitExceeded");
}

Test(ops_sg, delete_default_group_is_CannotDelete)
{
	FX_FAILS(f,
		 model_op_delete_security_group(f.m, &f.ctx, model_vpc_default_sg(f.m, vpc->id)->id,
						&f.err),
		 "CannotDelete");
}

Test(ops_sg, delete_group_attached_to_eni_is_DependencyViolation)
{
	struct model_sg *sg = new_sg("web");
	const char *ids[] = {sg->id};
	struct model_eni_create c = {.subnet_id = subnet->id, .sg_ids = ids, .n_sg_ids = 1};
	char want[128];

	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err));
	FX_FAILS(f, model_op_delete_security_group(f.m, &f.ctx, sg->id, &f.err),
		 "DependencyViolation");
	snprintf(want, sizeof(want), "resource %s has a dependent object", sg->id);
	cr_assert_str_eq(f.err.message, want);
}

Test(ops_sg, delete_group_referenced_by_another_group_is_DependencyViolation)
{
	struct model_sg *a = new_sg("a");
	struct model_sg *b = new_sg("b");
	struct model_sg_rule_spec s = {.protocol = -1, .group_id = a->id};
	char a_id[MODEL_ID_LEN];

	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, b->id, &s, 1, NULL, &f.err));
	FX_FAILS(f, model_op_delete_security_group(f.m, &f.ctx, a->id, &f.err),
		 "DependencyViolation");
	/* Deleting the referring group first frees it. */
	memcpy(a_id, a->id, MODEL_ID_LEN);
	FX_OK(f, model_op_delete_security_group(f.m, &f.ctx, b->id, &f.err));
	FX_OK(f, model_op_delete_security_group(f.m, &f.ctx, a_id, &f.err));
	cr_assert_null(model_find_sg(f.m, a_id));
}

Test(ops_sg, delete_unknown_group_is_InvalidGroup_NotFound)
{
	FX_FAILS(f, model_op_delete_security_group(f.m, &f.ctx, "sg-00000000", &f.err),
		 "InvalidGroup.NotFound");
	cr_assert_str_eq(f.err.message, "The security group 'sg-00000000' does not exist");
}

Test(ops_sg, authorize_returns_rule_ids_and_canonicalises_cidr)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s[2] = {tcp4(443, 443, "10.0.0.5/8"),
					  tcp6(443, "2001:db8::1/32")};
	char ids[2][MODEL_ID_LEN];

	s[0].description = "https";
	FX_OK(f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, s, 2, ids, &f.err));
	cr_assert_eq(sg->n_rules, 3);
	cr_assert_str_eq(sg->rules[1].id, ids[0]);
	cr_assert_str_eq(sg->rules[2].id, ids[1]);
	cr_assert_str_neq(ids[0], ids[1]);
	cr_assert_eq(sg->rules[1].cidr.addr, fx_ip("10.0.0.0"));
	cr_assert_eq(sg->rules[1].cidr.len, 8);
	cr_assert_str_eq(sg->rules[1].description, "https");
	cr_assert_not(sg->rules[1].egress);
	cr_assert_eq(sg->rules[2].cidr6.addr.b[3], 0xb8);
	cr_assert_eq(sg->rules[2].cidr6.addr.b[15], 0, "IPv6 host bits cleared");
}

Test(ops_sg, non_canonical_duplicate_is_InvalidPermission_Duplicate)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec a = tcp4(22, 22, "10.0.0.0/8");
	struct model_sg_rule_spec b = tcp4(22, 22, "10.0.0.5/8");

	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &a, 1, NULL, &f.err));
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &b, 1, NULL, &f.err),
	    "InvalidPermission.Duplicate");
	cr_assert(strstr(f.err.message, "the specified rule") != NULL);
	cr_assert(strstr(f.err.message, "already exists") != NULL);
	/* The same rule egress is not a duplicate. */
	FX_OK(f,
	      model_op_authorize_security_group_egress(f.m, &f.ctx, sg->id, &b, 1, NULL, &f.err));
}

Test(ops_sg, duplicate_inside_one_request_adds_nothing)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s[3] = {tcp4(80, 80, "0.0.0.0/0"), tcp4(81, 81, "0.0.0.0/0"),
					  tcp4(80, 80, "0.0.0.0/0")};

	FX_FAILS(f,
		 model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, s, 3, NULL, &f.err),
		 "InvalidPermission.Duplicate");
	cr_assert_eq(sg->n_rules, 1);
}

Test(ops_sg, tcp_port_validation_is_InvalidParameterValue)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = tcp4(80, 80, "0.0.0.0/0");

	s.has_ports = false;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s = tcp4(90, 80, "0.0.0.0/0");
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s = tcp4(0, 65536, "0.0.0.0/0");
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s = tcp4(0, 65535, "0.0.0.0/0");
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	s.protocol = 300;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
}

Test(ops_sg, icmp_type_minus1_requires_code_minus1)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = {
	    .protocol = 1, .has_ports = true, .from_port = -1, .to_port = 4, .has_cidr4 = true};

	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s.from_port = 256;
	s.to_port = 0;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s.from_port = 3;
	s.to_port = 4;
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	cr_assert_eq(sg->rules[1].from_port, 3);
	cr_assert_eq(sg->rules[1].to_port, 4);
	s.from_port = -1;
	s.to_port = -1;
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
}

Test(ops_sg, other_protocols_ignore_ports)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = {
	    .protocol = 47, .has_ports = true, .from_port = 5, .to_port = 6, .has_cidr4 = true};

	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	cr_assert_eq(sg->rules[1].from_port, -1);
	cr_assert_eq(sg->rules[1].to_port, -1);
}

Test(ops_sg, peer_must_be_exactly_one)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = tcp4(80, 80, "0.0.0.0/0");

	s.group_id = sg->id;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s.group_id = NULL;
	s.has_cidr4 = false;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
}

Test(ops_sg, group_peer_must_exist_and_be_in_the_same_vpc)
{
	struct model_vpc *other = fx_vpc(&f, "10.1.0.0/16", false);
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = {.protocol = -1, .group_id = "sg-00000000"};

	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidGroup.NotFound");
	s.group_id = model_vpc_default_sg(f.m, other->id)->id;
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidParameterValue");
	s.group_id = sg->id; /* itself */
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	cr_assert_eq(sg->rules[1].peer_type, MODEL_PEER_GROUP);
	cr_assert_str_eq(sg->rules[1].group_owner, "123456789012");
}

Test(ops_sg, rules_quota_is_per_direction_and_family)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s;

	f.ctx.quotas.rules_per_sg = 3;
	for (int p = 1; p <= 3; p++) {
		s = tcp4(p, p, "0.0.0.0/0");
		FX_OK(f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL,
								   &f.err));
	}
	s = tcp4(4, 4, "0.0.0.0/0");
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "RulesPerSecurityGroupLimitExceeded");
	/* IPv6 and egress have their own budgets (egress holds the default rule). */
	s = tcp6(4, "::/0");
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	s = tcp4(4, 4, "0.0.0.0/0");
	FX_OK(f,
	      model_op_authorize_security_group_egress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	s = tcp4(5, 5, "0.0.0.0/0");
	FX_OK(f,
	      model_op_authorize_security_group_egress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	s = tcp4(6, 6, "0.0.0.0/0");
	FX_FAILS(f,
		 model_op_authorize_security_group_egress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
		 "RulesPerSecurityGroupLimitExceeded");
}

Test(ops_sg, rules_across_an_enis_groups_are_limited)
{
	struct model_sg *a = new_sg("a");
	struct model_sg *b = new_sg("b");
	const char *ids[] = {a->id, b->id};
	struct model_eni_create c = {.subnet_id = subnet->id, .sg_ids = ids, .n_sg_ids = 2};
	struct model_sg_rule_spec s = tcp4(1, 1, "0.0.0.0/0");

	f.ctx.quotas.sg_rules_per_eni = 4; /* a and b hold one egress rule each */
	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err));
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, a->id, &s, 1, NULL, &f.err));
	s = tcp4(2, 2, "0.0.0.0/0");
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, b->id, &s, 1, NULL, &f.err));
	s = tcp4(3, 3, "0.0.0.0/0");
	FX_FAILS(f,
		 model_op_authorize_security_group_ingress(f.m, &f.ctx, a->id, &s, 1, NULL, &f.err),
		 "RulesPerSecurityGroupLimitExceeded");
}

Test(ops_sg, revoke_by_spec_and_by_rule_id)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s[2] = {tcp4(80, 80, "0.0.0.0/0"), tcp4(443, 443, "0.0.0.0/0")};
	struct model_sg_rule_spec egress_all = {.protocol = -1, .has_cidr4 = true};
	char ids[2][MODEL_ID_LEN];
	const char *by_id[] = {ids[1]};
	size_t n_unknown = 99;

	FX_OK(f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, s, 2, ids, &f.err));
	FX_OK(f, model_op_revoke_security_group_ingress(f.m, &f.ctx, sg->id, &s[0], 1, NULL, 0,
							NULL, &n_unknown, &f.err));
	cr_assert_eq(n_unknown, 0);
	cr_assert_eq(sg->n_rules, 2);
	FX_OK(f, model_op_revoke_security_group_ingress(f.m, &f.ctx, sg->id, NULL, 0, by_id, 1,
							NULL, NULL, &f.err));
	cr_assert_eq(sg->n_rules, 1);
	/* Terraform's first call after CreateSecurityGroup. */
	FX_OK(f, model_op_revoke_security_group_egress(f.m, &f.ctx, sg->id, &egress_all, 1, NULL, 0,
						       NULL, NULL, &f.err));
	cr_assert_eq(sg->n_rules, 0);
}

Test(ops_sg, revoke_missing_rule_in_nondefault_vpc_is_InvalidPermission_NotFound)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s[2] = {{.protocol = -1, .has_cidr4 = true}, tcp6(0, "::/0")};

	s[1].protocol = -1;
	/* The IPv4 egress rule exists, the IPv6 one does not: nothing is revoked. */
	FX_FAILS(f,
		 model_op_revoke_security_group_egress(f.m, &f.ctx, sg->id, s, 2, NULL, 0, NULL,
						       NULL, &f.err),
		 "InvalidPermission.NotFound");
	cr_assert_eq(sg->n_rules, 1);
}

Test(ops_sg, revoke_missing_rule_in_default_vpc_reports_unknown_permissions)
{
	struct model_vpc *dv = fx_vpc(&f, "172.31.0.0/16", true);
	struct model_sg *sg = NULL;
	struct model_sg_rule_spec s[2] = {tcp4(22, 22, "0.0.0.0/0"),
					  {.protocol = -1, .has_cidr4 = true}};
	size_t unknown[2], n_unknown = 0;

	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, dv->id, "web", "x", &sg, &f.err));
	FX_OK(f, model_op_revoke_security_group_egress(f.m, &f.ctx, sg->id, s, 2, NULL, 0, unknown,
						       &n_unknown, &f.err));
	cr_assert_eq(n_unknown, 1);
	cr_assert_eq(unknown[0], 0);
	cr_assert_eq(sg->n_rules, 0, "the known rule was revoked");
}

Test(ops_sg, revoke_unknown_rule_id_is_InvalidSecurityGroupRuleId_NotFound)
{
	struct model_sg *sg = new_sg("web");
	const char *ids[] = {"sgr-0123456789abcdef0"};
	const char *egress_id[] = {sg->rules[0].id};

	FX_FAILS(f,
		 model_op_revoke_security_group_ingress(f.m, &f.ctx, sg->id, NULL, 0, ids, 1, NULL,
							NULL, &f.err),
		 "InvalidSecurityGroupRuleId.NotFound");
	/* An egress rule's ID does not name an ingress rule. */
	FX_FAILS(f,
		 model_op_revoke_security_group_ingress(f.m, &f.ctx, sg->id, NULL, 0, egress_id, 1,
							NULL, NULL, &f.err),
		 "InvalidSecurityGroupRuleId.NotFound");
}

Test(ops_sg, modify_rule_replaces_spec_and_keeps_id)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s[2] = {tcp4(80, 80, "0.0.0.0/0"), tcp4(443, 443, "0.0.0.0/0")};
	struct model_sg_rule_spec repl = tcp4(8080, 8081, "192.168.0.0/16");
	char ids[2][MODEL_ID_LEN];
	const char *which[] = {ids[0]};

	FX_OK(f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, s, 2, ids, &f.err));
	repl.description = "alt";
	FX_OK(f,
	      model_op_modify_security_group_rules(f.m, &f.ctx, sg->id, which, &repl, 1, &f.err));
	cr_assert_str_eq(sg->rules[1].id, ids[0]);
	cr_assert_eq(sg->rules[1].from_port, 8080);
	cr_assert_eq(sg->rules[1].to_port, 8081);
	cr_assert_eq(sg->rules[1].cidr.addr, fx_ip("192.168.0.0"));
	cr_assert_str_eq(sg->rules[1].description, "alt");
	/* Turning it into a copy of the other rule is a duplicate. */
	FX_FAILS(f,
		 model_op_modify_security_group_rules(f.m, &f.ctx, sg->id, which, &s[1], 1, &f.err),
		 "InvalidPermission.Duplicate");
	which[0] = "sgr-0000000000000000a";
	FX_FAILS(f,
		 model_op_modify_security_group_rules(f.m, &f.ctx, sg->id, which, &s[0], 1, &f.err),
		 "InvalidSecurityGroupRuleId.NotFound");
}

Test(ops_sg, update_rule_descriptions_by_spec_and_by_id)
{
	struct model_sg *sg = new_sg("web");
	struct model_sg_rule_spec s = tcp4(80, 80, "0.0.0.0/0");
	struct model_sg_rule_spec other = tcp4(81, 81, "0.0.0.0/0");
	char id[1][MODEL_ID_LEN];
	const char *ids[1], *descs[] = {"by id"};

	FX_OK(f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, id, &f.err));
	s.description = "by spec";
	FX_OK(f, model_op_update_security_group_rule_descriptions(f.m, &f.ctx, sg->id, false, &s, 1,
								  NULL, NULL, 0, &f.err));
	cr_assert_str_eq(sg->rules[1].description, "by spec");
	ids[0] = id[0];
	FX_OK(f, model_op_update_security_group_rule_descriptions(f.m, &f.ctx, sg->id, false, NULL,
								  0, ids, descs, 1, &f.err));
	cr_assert_str_eq(sg->rules[1].description, "by id");
	FX_FAILS(f,
		 model_op_update_security_group_rule_descriptions(f.m, &f.ctx, sg->id, false,
								  &other, 1, NULL, NULL, 0, &f.err),
		 "InvalidPermission.NotFound");
	FX_FAILS(f,
		 model_op_update_security_group_rule_descriptions(f.m, &f.ctx, sg->id, true, NULL,
								  0, ids, descs, 1, &f.err),
		 "InvalidSecurityGroupRuleId.NotFound");
}

Test(ops_sg, customer_prefix_list_counts_its_max_entries)
{
	struct model_sg *sg = new_sg("web");
	struct model_prefix_list *pl = model_add_prefix_list(f.m);
	struct model_sg_rule_spec s = {
	    .protocol = 6, .has_ports = true, .from_port = 443, .to_port = 443};

	util_strscpy(pl->id, "pl-0123456789abcdef0", MODEL_ID_LEN);
	pl->max_entries = 3;
	f.ctx.quotas.rules_per_sg = 3;
	s.prefix_list_id = "pl-00000000";
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "InvalidPrefixListID.NotFound");
	s.prefix_list_id = pl->id;
	FX_OK(f,
	      model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err));
	cr_assert_eq(sg->rules[1].peer_type, MODEL_PEER_PREFIX_LIST);
	s = tcp4(22, 22, "10.0.0.0/8");
	FX_FAILS(
	    f, model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id, &s, 1, NULL, &f.err),
	    "RulesPerSecurityGroupLimitExceeded");
}

/*
 * Random authorize / revoke / modify sequences on two groups, checked after
 * every step: no two rules of a group are the same, per-direction per-family
 * counts stay within the quota, rule IDs are unique, and a failed step
 * changed nothing.
 */
Test(ops_sg, random_rule_changes_keep_invariants)
{
	struct model_sg *g[2] = {new_sg("a"), new_sg("b")};
	struct util_rng r;
	int ok = 0, failed = 0;

	f.ctx.quotas.rules_per_sg = 6;
	util_rng_seed(&r, 11);
	for (int step = 0; step < 3000; step++) {
		struct model_sg *sg = g[util_rng_below(&r, 2)];
		bool egress = util_rng_below(&r, 2);
		struct model_sg_rule_spec s[2];
		size_t n = 1 + util_rng_below(&r, 2);
		char *before = fx_digest(f.m), *after;
		int kind = (int)util_rng_below(&r, 3), rc;

		for (size_t i = 0; i < n; i++) {
			int port = (int)util_rng_below(&r, 8);

			memset(&s[i], 0, sizeof(s[i]));
			s[i].protocol = util_rng_below(&r, 4) == 0 ? -1 : 6;
			s[i].has_ports = true;
			s[i].from_port = port;
			s[i].to_port = port + (int)util_rng_below(&r, 2);
			switch (util_rng_below(&r, 3)) {
			case 0:
				s[i].has_cidr4 = true;
				s[i].cidr4.addr = (uint32_t)util_rng_below(&r, 4) << 24 | 7;
				s[i].cidr4.len = 8;
				break;
			case 1:
				s[i].has_cidr6 = true;
				s[i].cidr6.addr.b[0] = (uint8_t)(0x20 + util_rng_below(&r, 2));
				s[i].cidr6.addr.b[15] = 1; /* host bits, cleared by the op */
				s[i].cidr6.len = 64;
				break;
			default:
				s[i].group_id = g[util_rng_below(&r, 2)]->id;
				break;
			}
		}
		f.err.code = MODEL_ERR_NONE;
		if (kind == 0) {
			rc = egress ? model_op_authorize_security_group_egress(f.m, &f.ctx, sg->id,
									       s, n, NULL, &f.err)
				    : model_op_authorize_security_group_ingress(f.m, &f.ctx, sg->id,
										s, n, NULL, &f.err);
		} else if (kind == 1) {
			rc = egress ? model_op_revoke_security_group_egress(
					  f.m, &f.ctx, sg->id, s, n, NULL, 0, NULL, NULL, &f.err)
				    : model_op_revoke_security_group_ingress(
					  f.m, &f.ctx, sg->id, s, n, NULL, 0, NULL, NULL, &f.err);
		} else {
			const char *id[1] = {sg->n_rules
						 ? sg->rules[util_rng_below(&r, sg->n_rules)].id
						 : "sgr-00000000"};

			rc = model_op_modify_security_group_rules(f.m, &f.ctx, sg->id, id, s, 1,
								  &f.err);
		}
		after = fx_digest(f.m);
		if (rc < 0) {
			failed++;
			cr_assert_neq(f.err.code, MODEL_ERR_INTERNAL);
			cr_assert_str_eq(before, after, "step %d failed (%s) but changed the model",
					 step, model_err_code_name(f.err.code));
		} else {
			ok++;
		}
		free(before);
		free(after);
		for (size_t k = 0; k < 2; k++) {
			int cnt[2][2] = {{0, 0}, {0, 0}};

			for (size_t i = 0; i < g[k]->n_rules; i++) {
				const struct model_sg_rule *a = &g[k]->rules[i];

				cnt[a->egress][a->peer_type == MODEL_PEER_CIDR6]++;
				if (a->peer_type == MODEL_PEER_CIDR6)
					cr_assert_eq(a->cidr6.addr.b[15], 0);
				for (size_t j = 0; j < i; j++) {
					const struct model_sg_rule *b = &g[k]->rules[j];

					cr_assert_str_neq(a->id, b->id);
					cr_assert_not(a->egress == b->egress &&
							  a->protocol == b->protocol &&
							  a->from_port == b->from_port &&
							  a->to_port == b->to_port &&
							  a->peer_type == b->peer_type &&
							  a->cidr.addr == b->cidr.addr &&
							  a->cidr.len == b->cidr.len &&
							  memcmp(&a->cidr6, &b->cidr6,
								 sizeof(a->cidr6)) == 0 &&
							  strcmp(a->group_id, b->group_id) == 0,
						      "duplicate rule at step %d", step);
				}
			}
			for (int d = 0; d < 2; d++)
				for (int v = 0; v < 2; v++)
					cr_assert_leq(cnt[d][v], 6);
		}
	}
	cr_assert_gt(ok, 300);
	cr_assert_gt(failed, 300);
}
