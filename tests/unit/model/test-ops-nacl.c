/* Tests for ops-nacl: network ACL operations. */
#include <criterion/criterion.h>

#include "lib/model/ops-nacl.h"
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

TestSuite(ops_nacl, .init = setup, .fini = teardown);

static struct model_nacl *new_acl(void)
{
	struct model_nacl *acl = NULL;

	FX_OK(f, model_op_create_network_acl(f.m, &f.ctx, vpc->id, &acl, &f.err));
	return acl;
}

static struct model_nacl_entry_spec entry(int number, bool egress, const char *proto,
					  const char *cidr)
{
	return (struct model_nacl_entry_spec){
	    .rule_number = number,
	    .egress = egress,
	    .protocol = proto,
	    .allow = true,
	    .has_cidr4 = true,
	    .cidr4 = fx_cidr(cidr),
	    .has_ports = true,
	    .from_port = 80,
	    .to_port = 80,
	    .has_icmp = true,
	    .icmp_type = -1,
	    .icmp_code = -1,
	};
}

Test(ops_nacl, create_network_acl_has_only_final_deny_entries)
{
	struct model_nacl *acl = new_acl();

	cr_assert(model_id_valid(acl->id, "acl-"));
	cr_assert_str_eq(acl->vpc_id, vpc->id);
	cr_assert_str_eq(acl->owner_id, "123456789012");
	cr_assert_not(acl->is_default);
	cr_assert_eq(acl->n_assocs, 0);
	cr_assert_eq(acl->n_entries, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(acl->entries[i].rule_number, MODEL_NACL_DEFAULT_RULE4);
		cr_assert_not(acl->entries[i].allow);
		cr_assert_eq(acl->entries[i].protocol, MODEL_PROTO_ALL);
		cr_assert_eq(acl->entries[i].cidr.len, 0);
	}
	cr_assert_neq(acl->entries[0].egress, acl->entries[1].egress);
}

Test(ops_nacl, create_in_unknown_vpc_is_InvalidVpcID_NotFound)
{
	FX_FAILS(f, model_op_create_network_acl(f.m, &f.ctx, "vpc-00000000", NULL, &f.err),
		 "InvalidVpcID.NotFound");
}

Test(ops_nacl, quota_is_NetworkAclLimitExceeded)
{
	f.ctx.quotas.nacls_per_vpc = 2; /* default + 1 */
	new_acl();
	FX_FAILS(f, model_op_create_network_acl(f.m, &f.ctx, vpc->id, NULL, &f.err),
		 "NetworkAclLimitExceeded");
}

Test(ops_nacl, delete_default_acl_is_refused)
{
	FX_FAILS(f,
		 model_op_delete_network_acl(f.m, &f.ctx, model_vpc_default_nacl(f.m, vpc->id)->id,
					     &f.err),
		 "InvalidParameterValue");
	cr_assert(strstr(f.err.message, "cannot delete default network ACL") != NULL);
}

Test(ops_nacl, delete_associated_acl_is_DependencyViolation)
{
	struct model_nacl *acl = new_acl();
	char want[160], id[MODEL_ID_LEN];

	FX_OK(f, model_op_replace_network_acl_association(
		     f.m, &f.ctx, model_vpc_default_nacl(f.m, vpc->id)->assocs[0].id, acl->id, NULL,
		     &f.err));
	FX_FAILS(f, model_op_delete_network_acl(f.m, &f.ctx, acl->id, &f.err),
		 "DependencyViolation");
	snprintf(want, sizeof(want), "The network ACL '%s' has dependencies and cannot be deleted.",
		 acl->id);
	cr_assert_str_eq(f.err.message, want);
	/* Moved back, it can go. */
	memcpy(id, acl->id, MODEL_ID_LEN);
	FX_OK(f, model_op_replace_network_acl_association(f.m, &f.ctx, acl->assocs[0].id,
							  model_vpc_default_nacl(f.m, vpc->id)->id,
							  NULL, &f.err));
	FX_OK(f, model_op_delete_network_acl(f.m, &f.ctx, id, &f.err));
	cr_assert_null(model_find_nacl(f.m, id));
}

Test(ops_nacl, delete_unknown_acl_is_InvalidNetworkAclID_NotFound)
{
	FX_FAILS(f, model_op_delete_network_acl(f.m, &f.ctx, "acl-00000000", &f.err),
		 "InvalidNetworkAclID.NotFound");
}

Test(ops_nacl, entries_are_sorted_and_cidrs_canonical)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s = entry(200, false, "6", "10.1.2.3/16");

	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	s = entry(100, false, "tcp", "0.0.0.0/0");
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	s = entry(100, true, "-1", "0.0.0.0/0");
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	cr_assert_eq(acl->n_entries, 5);
	cr_assert_eq(acl->entries[0].rule_number, 100);
	cr_assert_not(acl->entries[0].egress);
	cr_assert_eq(acl->entries[0].protocol, 6, "name 'tcp' accepted");
	cr_assert_eq(acl->entries[1].rule_number, 200);
	cr_assert_eq(acl->entries[1].cidr.addr, fx_ip("10.1.0.0"));
	cr_assert_eq(acl->entries[1].from_port, 80);
	cr_assert_eq(acl->entries[2].rule_number, MODEL_NACL_DEFAULT_RULE4);
	cr_assert(acl->entries[3].egress);
	cr_assert_eq(acl->entries[3].protocol, MODEL_PROTO_ALL);
	cr_assert_eq(acl->entries[3].from_port, -1, "ports ignored for -1");
}

Test(ops_nacl, duplicate_number_is_NetworkAclEntryAlreadyExists)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s = entry(100, false, "6", "0.0.0.0/0");

	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	s.cidr4 = fx_cidr("10.0.0.0/8");
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "NetworkAclEntryAlreadyExists");
	cr_assert_str_eq(f.err.message, "The network acl entry identified by 100 already exists.");
	s.egress = true; /* the other direction has its own numbers */
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
}

Test(ops_nacl, entry_validation)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s = entry(0, false, "6", "0.0.0.0/0");

	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameterValue");
	s.rule_number = 32767;
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameterValue");
	s.rule_number = 10;
	s.protocol = "bogus";
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameterValue");
	s.protocol = "17";
	s.has_ports = false;
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameter");
	s.has_ports = true;
	s.from_port = 90;
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameterValue");
	s = entry(10, false, "1", "0.0.0.0/0");
	s.has_icmp = false;
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameter");
	s.has_icmp = true;
	s.icmp_type = 3;
	s.icmp_code = 4;
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	cr_assert_eq(acl->entries[0].icmp_type, 3);
	cr_assert_eq(acl->entries[0].icmp_code, 4);
	s = entry(11, false, "6", "0.0.0.0/0");
	s.has_cidr6 = true; /* both families */
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidParameterCombination");
}

Test(ops_nacl, quota_counts_the_final_rule_per_direction_and_family)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s;

	for (int i = 1; i <= 19; i++) {
		s = entry(i, false, "-1", "0.0.0.0/0");
		FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	}
	s = entry(20, false, "-1", "0.0.0.0/0");
	FX_FAILS(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "NetworkAclEntryLimitExceeded");
	/* Egress and IPv6 have their own budgets. */
	s.egress = true;
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	s = entry(20, false, "-1", "0.0.0.0/0");
	s.has_cidr4 = false;
	s.has_cidr6 = true;
	net_cidr6_parse("::/0", &s.cidr6);
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	cr_assert(acl->entries[19].is_ipv6 || acl->entries[20].is_ipv6);
}

Test(ops_nacl, replace_entry)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s = entry(100, false, "6", "0.0.0.0/0");

	FX_FAILS(f, model_op_replace_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err),
		 "InvalidNetworkAclEntry.NotFound");
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	s.allow = false;
	s.from_port = 22;
	s.to_port = 22;
	FX_OK(f, model_op_replace_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	cr_assert_eq(acl->n_entries, 3);
	cr_assert_not(acl->entries[0].allow);
	cr_assert_eq(acl->entries[0].from_port, 22);
}

Test(ops_nacl, delete_entry)
{
	struct model_nacl *acl = new_acl();
	struct model_nacl_entry_spec s = entry(100, true, "6", "0.0.0.0/0");

	FX_FAILS(f, model_op_delete_network_acl_entry(f.m, &f.ctx, acl->id, 100, true, &f.err),
		 "InvalidNetworkAclEntry.NotFound");
	FX_FAILS(f, model_op_delete_network_acl_entry(f.m, &f.ctx, acl->id, 32767, true, &f.err),
		 "InvalidParameterValue");
	FX_OK(f, model_op_create_network_acl_entry(f.m, &f.ctx, acl->id, &s, &f.err));
	FX_FAILS(f, model_op_delete_network_acl_entry(f.m, &f.ctx, acl->id, 100, false, &f.err),
		 "InvalidNetworkAclEntry.NotFound");
	FX_OK(f, model_op_delete_network_acl_entry(f.m, &f.ctx, acl->id, 100, true, &f.err));
	cr_assert_eq(acl->n_entries, 2);
}

Test(ops_nacl, replace_association_moves_the_subnet_with_a_new_id)
{
	struct model_nacl *def = model_vpc_default_nacl(f.m, vpc->id);
	struct model_nacl *acl = new_acl();
	char old_id[MODEL_ID_LEN], new_id[MODEL_ID_LEN];

	memcpy(old_id, def->assocs[0].id, MODEL_ID_LEN);
	FX_OK(f, model_op_replace_network_acl_association(f.m, &f.ctx, old_id, acl->id, new_id,
							  &f.err));
	cr_assert(model_id_valid(new_id, "aclassoc-"));
	cr_assert_str_neq(new_id, old_id);
	cr_assert_eq(def->n_assocs, 0);
	cr_assert_eq(acl->n_assocs, 1);
	cr_assert_str_eq(acl->assocs[0].subnet_id, subnet->id);
	cr_assert_eq(model_subnet_nacl(f.m, subnet->id), acl);
	/* The old association ID is gone. */
	FX_FAILS(
	    f, model_op_replace_network_acl_association(f.m, &f.ctx, old_id, acl->id, NULL, &f.err),
	    "InvalidAssociationID.NotFound");
}

Test(ops_nacl, replace_association_to_another_vpcs_acl_is_refused)
{
	struct model_vpc *other = fx_vpc(&f, "10.1.0.0/16", false);
	struct model_nacl *def = model_vpc_default_nacl(f.m, vpc->id);

	FX_FAILS(f,
		 model_op_replace_network_acl_association(
		     f.m, &f.ctx, def->assocs[0].id, model_vpc_default_nacl(f.m, other->id)->id,
		     NULL, &f.err),
		 "InvalidParameterValue");
	FX_FAILS(f,
		 model_op_replace_network_acl_association(f.m, &f.ctx, def->assocs[0].id,
							  "acl-00000000", NULL, &f.err),
		 "InvalidNetworkAclID.NotFound");
}
