/* Tests for ops-eni: elastic network interface operations. */
#include <criterion/criterion.h>

#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
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

TestSuite(ops_eni, .init = setup, .fini = teardown);

static struct model_eni *new_eni(const struct model_eni_create *c)
{
	struct model_eni *eni = NULL;

	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, c, &eni, &f.err));
	return eni;
}

static struct model_eni *plain_eni(void)
{
	struct model_eni_create c = {.subnet_id = subnet->id};

	return new_eni(&c);
}

static struct model_instance *new_instance(const char *type, const char *subnet_id)
{
	struct model_run_instances o = {.image_id = "ami-0123456789abcdef0",
					.instance_type = type,
					.min_count = 1,
					.max_count = 1,
					.subnet_id = subnet_id,
					.associate_public_ip = -1};
	struct model_instance *inst[1];
	size_t n = 0;

	FX_OK(f, model_op_run_instances(f.m, &f.ctx, &o, inst, &n, &f.err));
	cr_assert_eq(n, 1);
	return inst[0];
}

Test(ops_eni, create_network_interface_defaults)
{
	struct model_eni *eni = plain_eni();

	cr_assert(model_id_valid(eni->id, "eni-"));
	cr_assert_str_eq(eni->subnet_id, subnet->id);
	cr_assert_str_eq(eni->vpc_id, vpc->id);
	cr_assert_str_eq(eni->az, "us-east-1a");
	cr_assert_str_eq(eni->owner_id, "123456789012");
	cr_assert_str_eq(eni->interface_type, "interface");
	cr_assert_eq(strlen(eni->mac), 17);
	cr_assert(eni->source_dest_check);
	cr_assert_eq(eni->status, MODEL_ENI_AVAILABLE);
	cr_assert_not(eni->attachment.present);
	cr_assert_eq(eni->n_ips, 1);
	cr_assert(eni->ips[0].primary);
	cr_assert_eq(eni->ips[0].ip, fx_ip("10.0.1.4"), "first unreserved address");
	cr_assert_eq(eni->n_sg_ids, 1);
	cr_assert_str_eq(eni->sg_ids[0], model_vpc_default_sg(f.m, vpc->id)->id);
	cr_assert_str_neq(plain_eni()->mac, eni->mac);
}

Test(ops_eni, unknown_subnet_is_InvalidSubnetID_NotFound)
{
	struct model_eni_create c = {.subnet_id = "subnet-00000000"};

	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidSubnetID.NotFound");
	cr_assert_str_eq(f.err.message, "The subnet ID 'subnet-00000000' does not exist");
}

Test(ops_eni, explicit_reserved_or_outside_address_is_InvalidParameterValue)
{
	struct model_eni_create c = {
	    .subnet_id = subnet->id, .has_primary_ip = true, .primary_ip = fx_ip("10.0.1.3")};

	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidParameterValue");
	c.primary_ip = fx_ip("10.0.1.255");
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidParameterValue");
	c.primary_ip = fx_ip("10.0.2.10");
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidParameterValue");
	c.primary_ip = fx_ip("10.0.1.254");
	cr_assert_eq(new_eni(&c)->ips[0].ip, fx_ip("10.0.1.254"));
}

Test(ops_eni, explicit_address_in_use_is_InvalidIPAddress_InUse)
{
	uint32_t sec[] = {fx_ip("10.0.1.20")};
	struct model_eni_create c = {.subnet_id = subnet->id,
				     .has_primary_ip = true,
				     .primary_ip = fx_ip("10.0.1.10"),
				     .secondary_ips = sec,
				     .n_secondary_ips = 1};

	new_eni(&c);
	c.primary_ip = fx_ip("10.0.1.20");
	c.n_secondary_ips = 0;
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidIPAddress.InUse");
	/* The same address twice in one request. */
	c.primary_ip = fx_ip("10.0.1.30");
	sec[0] = fx_ip("10.0.1.30");
	c.n_secondary_ips = 1;
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidIPAddress.InUse");
}

Test(ops_eni, secondary_count_allocates_distinct_addresses)
{
	struct model_eni_create c = {.subnet_id = subnet->id, .secondary_count = 3};
	struct model_eni *eni = new_eni(&c);

	cr_assert_eq(eni->n_ips, 4);
	cr_assert(eni->ips[0].primary);
	for (size_t i = 1; i < 4; i++) {
		cr_assert_not(eni->ips[i].primary);
		for (size_t j = 0; j < i; j++)
			cr_assert_neq(eni->ips[i].ip, eni->ips[j].ip);
	}
	cr_assert_eq(model_subnet_available_ips(f.m, subnet), 251 - 4);
}

Test(ops_eni, full_subnet_is_InsufficientFreeAddressesInSubnet)
{
	struct model_subnet *small = fx_subnet(&f, vpc, "10.0.2.0/28", 0); /* 11 usable */
	struct model_eni_create c = {.subnet_id = small->id, .secondary_count = 10};

	new_eni(&c);
	c.secondary_count = 0;
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InsufficientFreeAddressesInSubnet");
	cr_assert(strstr(f.err.message, small->id) != NULL);
}

Test(ops_eni, prefixes_are_aligned_28s_and_run_out_as_InsufficientCidrBlocks)
{
	struct model_subnet *small = fx_subnet(&f, vpc, "10.0.2.0/26", 0);
	struct model_eni_create c = {.subnet_id = small->id, .prefix_count = 2};
	struct model_eni *eni = new_eni(&c);
	struct net_cidr4 bad = fx_cidr("10.0.2.0/28");

	/* .0/28 holds the reserved .0-.3 and the primary, .48/28 holds the broadcast. */
	cr_assert_eq(eni->n_prefixes, 2);
	cr_assert_eq(eni->prefixes[0].addr, fx_ip("10.0.2.16"));
	cr_assert_eq(eni->prefixes[1].addr, fx_ip("10.0.2.32"));
	cr_assert_eq(eni->prefixes[0].len, 28);
	cr_assert_eq(model_eni_address_count(eni), 3, "each prefix counts one");
	c.prefix_count = 1;
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InsufficientCidrBlocks");
	c.prefix_count = 0;
	c.prefixes = &bad;
	c.n_prefixes = 1;
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidParameterValue");
}

Test(ops_eni, too_many_groups_is_SecurityGroupsPerInterfaceLimitExceeded)
{
	const char *ids[6];
	struct model_sg *sg;
	char names[6][8];
	struct model_eni_create c = {.subnet_id = subnet->id, .sg_ids = ids, .n_sg_ids = 6};

	for (int i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[i]), "g%d", i);
		FX_OK(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, names[i], "x", &sg,
							&f.err));
		ids[i] = sg->id;
	}
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "SecurityGroupsPerInterfaceLimitExceeded");
	c.n_sg_ids = 5;
	cr_assert_eq(new_eni(&c)->n_sg_ids, 5);
}

Test(ops_eni, group_of_another_vpc_is_refused)
{
	struct model_vpc *other = fx_vpc(&f, "10.1.0.0/16", false);
	const char *ids[] = {model_vpc_default_sg(f.m, other->id)->id};
	struct model_eni_create c = {.subnet_id = subnet->id, .sg_ids = ids, .n_sg_ids = 1};

	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidParameterValue");
	ids[0] = "sg-00000000";
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "InvalidGroup.NotFound");
}

Test(ops_eni, region_quota_is_NetworkInterfaceLimitExceeded)
{
	struct model_eni_create c = {.subnet_id = subnet->id};

	f.ctx.quotas.enis_per_region = 2;
	new_eni(&c);
	new_eni(&c);
	FX_FAILS(f, model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err),
		 "NetworkInterfaceLimitExceeded");
}

Test(ops_eni, delete_attached_is_InUse_and_delete_disassociates_eips)
{
	struct model_instance *inst = new_instance("m5.large", subnet->id);
	struct model_eni *primary = model_instance_primary_eni(f.m, inst->id);
	struct model_eni *eni = plain_eni();
	struct model_eip *eip = model_add_eip(f.m);
	char id[MODEL_ID_LEN];

	FX_FAILS(f, model_op_delete_network_interface(f.m, &f.ctx, primary->id, &f.err),
		 "InvalidNetworkInterface.InUse");
	util_strscpy(eip->allocation_id, "eipalloc-00000001", MODEL_ID_LEN);
	eip->public_ip = fx_ip("198.51.100.50");
	util_strscpy(eip->association_id, "eipassoc-00000001", MODEL_ID_LEN);
	util_strscpy(eip->eni_id, eni->id, MODEL_ID_LEN);
	eip->private_ip = eni->ips[0].ip;
	eni->ips[0].public_ip = eip->public_ip;
	util_strscpy(eni->ips[0].allocation_id, eip->allocation_id, MODEL_ID_LEN);
	memcpy(id, eni->id, MODEL_ID_LEN);
	FX_OK(f, model_op_delete_network_interface(f.m, &f.ctx, id, &f.err));
	cr_assert_null(model_find_eni(f.m, id));
	cr_assert_str_eq(eip->association_id, "");
	cr_assert_str_eq(eip->eni_id, "");
	cr_assert_not_null(model_find_eip(f.m, "eipalloc-00000001"), "the EIP stays allocated");
	FX_FAILS(f, model_op_delete_network_interface(f.m, &f.ctx, id, &f.err),
		 "InvalidNetworkInterfaceID.NotFound");
}

Test(ops_eni, attach_and_detach)
{
	struct model_instance *inst = new_instance("m5.large", subnet->id);
	struct model_eni *eni = plain_eni();
	char att[MODEL_ID_LEN];

	FX_OK(f,
	      model_op_attach_network_interface(f.m, &f.ctx, eni->id, inst->id, 1, 0, att, &f.err));
	cr_assert(model_id_valid(att, "eni-attach-"));
	cr_assert_eq(eni->status, MODEL_ENI_IN_USE);
	cr_assert_str_eq(eni->attachment.status, "attached");
	cr_assert_str_eq(eni->attachment.instance_id, inst->id);
	cr_assert_eq(eni->attachment.device_index, 1);
	cr_assert_eq(eni->attachment.attach_time, f.ctx.now);
	FX_OK(f, model_op_detach_network_interface(f.m, &f.ctx, att, false, &f.err));
	cr_assert_eq(eni->status, MODEL_ENI_AVAILABLE);
	cr_assert_not(eni->attachment.present);
	FX_FAILS(f, model_op_detach_network_interface(f.m, &f.ctx, att, false, &f.err),
		 "InvalidAttachmentID.NotFound");
}

Test(ops_eni, attach_checks_device_index_zone_state_and_limit)
{
	struct model_instance *inst = new_instance("t2.micro", subnet->id); /* 2 ENIs */
	struct model_subnet *b = fx_subnet(&f, vpc, "10.0.9.0/24", 1);
	struct model_eni_create cb = {.subnet_id = b->id};
	struct model_eni *e1 = plain_eni(), *e2 = plain_eni(), *eb = new_eni(&cb);

	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, e1->id, inst->id, 0, 0, NULL, &f.err),
	    "InvalidParameterValue");
	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, eb->id, inst->id, 1, 0, NULL, &f.err),
	    "InvalidParameterValue");
	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, e1->id, inst->id, 1, 1, NULL, &f.err),
	    "InvalidParameterValue");
	FX_FAILS(f,
		 model_op_attach_network_interface(f.m, &f.ctx, e1->id, "i-00000000", 1, 0, NULL,
						   &f.err),
		 "InvalidInstanceID.NotFound");
	FX_OK(f,
	      model_op_attach_network_interface(f.m, &f.ctx, e1->id, inst->id, 1, 0, NULL, &f.err));
	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, e2->id, inst->id, 2, 0, NULL, &f.err),
	    "AttachmentLimitExceeded");
	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, e1->id, inst->id, 3, 0, NULL, &f.err),
	    "InvalidNetworkInterface.InUse");
	inst->state = MODEL_INSTANCE_TERMINATED;
	FX_FAILS(
	    f, model_op_attach_network_interface(f.m, &f.ctx, e2->id, inst->id, 2, 0, NULL, &f.err),
	    "IncorrectInstanceState");
}

Test(ops_eni, primary_interface_cannot_be_detached)
{
	struct model_instance *inst = new_instance("m5.large", subnet->id);
	struct model_eni *primary = model_instance_primary_eni(f.m, inst->id);

	FX_FAILS(
	    f, model_op_detach_network_interface(f.m, &f.ctx, primary->attachment.id, true, &f.err),
	    "OperationNotPermitted");
	cr_assert_str_eq(f.err.message,
			 "The network interface at device index 0 cannot be detached.");
}

Test(ops_eni, assign_by_count_and_explicit)
{
	struct model_eni *eni = plain_eni();
	uint32_t ips[] = {fx_ip("10.0.1.100"), fx_ip("10.0.1.101")};
	struct model_eni_assigned a;

	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, eni->id, NULL, 0, 2, NULL, 0, 0,
						      false, &a, &f.err));
	cr_assert_eq(a.first_ip, 1);
	cr_assert_eq(a.n_ips, 2);
	cr_assert_eq(eni->n_ips, 3);
	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, eni->id, ips, 2, 0, NULL, 0, 1,
						      false, &a, &f.err));
	cr_assert_eq(eni->n_ips, 5);
	cr_assert_eq(eni->ips[3].ip, ips[0]);
	cr_assert_eq(a.n_prefixes, 1);
	cr_assert_eq(eni->prefixes[0].len, 28);
	cr_assert_eq(model_eni_address_count(eni), 6);
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, eni->id, ips, 1, 0, NULL, 0, 0,
						      false, NULL, &f.err),
		 "InvalidIPAddress.InUse");
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, eni->id, ips, 1, 1, NULL, 0, 0,
						      false, NULL, &f.err),
		 "InvalidParameterCombination");
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, eni->id, NULL, 0, 0, NULL, 0, 0,
						      false, NULL, &f.err),
		 "MissingParameter");
}

Test(ops_eni, assign_beyond_instance_type_limit_is_PrivateIpAddressLimitExceeded)
{
	struct model_instance *inst = new_instance("t2.micro", subnet->id); /* 2 per ENI */
	struct model_eni *primary = model_instance_primary_eni(f.m, inst->id);
	struct model_eni *loose = plain_eni();

	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, primary->id, NULL, 0, 1, NULL, 0,
						      0, false, NULL, &f.err));
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, primary->id, NULL, 0, 1, NULL, 0,
						      0, false, NULL, &f.err),
		 "PrivateIpAddressLimitExceeded");
	/* An unattached ENI may hold 50. */
	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, loose->id, NULL, 0, 49, NULL, 0,
						      0, false, NULL, &f.err));
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, loose->id, NULL, 0, 1, NULL, 0,
						      0, false, NULL, &f.err),
		 "PrivateIpAddressLimitExceeded");
	/* And then cannot be attached to a t2.micro. */
	FX_FAILS(
	    f,
	    model_op_attach_network_interface(f.m, &f.ctx, loose->id, inst->id, 1, 0, NULL, &f.err),
	    "PrivateIpAddressLimitExceeded");
}

Test(ops_eni, allow_reassignment_moves_a_secondary_address)
{
	struct model_eni_create c = {.subnet_id = subnet->id, .secondary_count = 1};
	struct model_eni *a = new_eni(&c);
	struct model_eni *b = plain_eni();
	uint32_t ip = a->ips[1].ip;
	uint32_t prim = a->ips[0].ip;

	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, b->id, &ip, 1, 0, NULL, 0, 0,
						      false, NULL, &f.err),
		 "InvalidIPAddress.InUse");
	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, b->id, &prim, 1, 0, NULL, 0, 0,
						      true, NULL, &f.err),
		 "InvalidIPAddress.InUse");
	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, b->id, &ip, 1, 0, NULL, 0, 0,
						      true, NULL, &f.err));
	cr_assert_eq(a->n_ips, 1);
	cr_assert_eq(b->n_ips, 2);
	cr_assert_eq(b->ips[1].ip, ip);
	cr_assert_eq(model_find_eni_by_ip(f.m, vpc->id, ip), b);
}

Test(ops_eni, unassign_addresses_and_prefixes)
{
	struct model_eni_create c = {
	    .subnet_id = subnet->id, .secondary_count = 2, .prefix_count = 1};
	struct model_eni *eni = new_eni(&c);
	uint32_t prim = eni->ips[0].ip, sec = eni->ips[1].ip, other = fx_ip("10.0.1.200");
	struct net_cidr4 p = eni->prefixes[0];

	FX_FAILS(
	    f,
	    model_op_unassign_private_ip_addresses(f.m, &f.ctx, eni->id, &prim, 1, NULL, 0, &f.err),
	    "InvalidParameterValue");
	FX_FAILS(f,
		 model_op_unassign_private_ip_addresses(f.m, &f.ctx, eni->id, &other, 1, NULL, 0,
							&f.err),
		 "InvalidParameterValue");
	FX_OK(f,
	      model_op_unassign_private_ip_addresses(f.m, &f.ctx, eni->id, &sec, 1, &p, 1, &f.err));
	cr_assert_eq(eni->n_ips, 2);
	cr_assert_eq(eni->n_prefixes, 0);
	cr_assert_null(model_find_eni_by_ip(f.m, vpc->id, sec));
}

Test(ops_eni, modify_and_reset_attributes)
{
	struct model_instance *inst = new_instance("m5.large", subnet->id);
	struct model_eni *eni = model_instance_primary_eni(f.m, inst->id);
	struct model_sg *sg = NULL;
	const char *ids[1];
	bool no = false, yes = true;
	struct model_eni_modify mod = {0};

	FX_FAILS(f, model_op_modify_network_interface_attribute(f.m, &f.ctx, eni->id, &mod, &f.err),
		 "MissingParameter");
	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, vpc->id, "web", "x", &sg, &f.err));
	ids[0] = sg->id;
	mod.set_groups = true;
	mod.sg_ids = ids;
	mod.n_sg_ids = 1;
	FX_OK(f, model_op_modify_network_interface_attribute(f.m, &f.ctx, eni->id, &mod, &f.err));
	cr_assert_eq(eni->n_sg_ids, 1);
	cr_assert_str_eq(eni->sg_ids[0], sg->id, "the whole set is replaced");
	mod = (struct model_eni_modify){.source_dest_check = &no, .description = "nat box"};
	FX_OK(f, model_op_modify_network_interface_attribute(f.m, &f.ctx, eni->id, &mod, &f.err));
	cr_assert_not(eni->source_dest_check);
	cr_assert_str_eq(eni->description, "nat box");
	mod = (struct model_eni_modify){.attachment_id = "eni-attach-00000000",
					.delete_on_termination = &no};
	FX_FAILS(f, model_op_modify_network_interface_attribute(f.m, &f.ctx, eni->id, &mod, &f.err),
		 "InvalidAttachmentID.NotFound");
	mod.attachment_id = eni->attachment.id;
	FX_OK(f, model_op_modify_network_interface_attribute(f.m, &f.ctx, eni->id, &mod, &f.err));
	cr_assert_not(eni->attachment.delete_on_termination);
	FX_FAILS(
	    f,
	    model_op_reset_network_interface_attribute(f.m, &f.ctx, eni->id, "description", &f.err),
	    "InvalidParameterValue");
	FX_OK(f, model_op_reset_network_interface_attribute(f.m, &f.ctx, eni->id, "sourceDestCheck",
							    &f.err));
	cr_assert(eni->source_dest_check);
	(void)yes;
}

Test(ops_eni, prefixes_need_a_nitro_instance_type)
{
	struct model_instance *inst = new_instance("t2.micro", subnet->id); /* not Nitro */
	struct model_eni *primary = model_instance_primary_eni(f.m, inst->id);
	struct model_eni_create c = {.subnet_id = subnet->id, .prefix_count = 1};
	struct model_eni *with_prefix = new_eni(&c);

	FX_FAILS(f,
		 model_op_assign_private_ip_addresses(f.m, &f.ctx, primary->id, NULL, 0, 0, NULL, 0,
						      1, false, NULL, &f.err),
		 "InvalidParameterValue");
	FX_FAILS(f,
		 model_op_attach_network_interface(f.m, &f.ctx, with_prefix->id, inst->id, 1, 0,
						   NULL, &f.err),
		 "InvalidParameterValue");
	inst = new_instance("t3.micro", subnet->id); /* Nitro */
	primary = model_instance_primary_eni(f.m, inst->id);
	FX_OK(f, model_op_assign_private_ip_addresses(f.m, &f.ctx, primary->id, NULL, 0, 0, NULL, 0,
						      1, false, NULL, &f.err));
	cr_assert_eq(model_eni_address_count(primary), 2);
}

/*
 * Random sequences of create / assign / unassign / delete against a small
 * subnet, checked after every step against the invariants: no address is
 * held twice (as an address or inside a prefix), everything lies in the
 * subnet and avoids the reserved addresses, prefixes are aligned /28s, the
 * available count matches a recount, and a failed step changed nothing.
 */
static void check_invariants(const struct model_subnet *s)
{
	uint8_t owner_count[64] = {0};
	uint32_t used = 0;

	for (size_t i = 0; i < f.m->n_enis; i++) {
		const struct model_eni *e = f.m->enis[i];

		cr_assert_geq(e->n_ips, 1);
		cr_assert(e->ips[0].primary);
		cr_assert_leq(model_eni_address_count(e), MODEL_ENI_UNATTACHED_ADDRESS_LIMIT);
		for (size_t j = 0; j < e->n_ips; j++) {
			uint32_t ip = e->ips[j].ip;

			cr_assert(net_cidr4_contains(s->cidr, ip));
			cr_assert_not(model_subnet_ip_reserved(s, ip));
			cr_assert_eq(j == 0, e->ips[j].primary);
			owner_count[ip - s->cidr.addr]++;
			used++;
		}
		for (size_t j = 0; j < e->n_prefixes; j++) {
			struct net_cidr4 p = e->prefixes[j];

			cr_assert_eq(p.len, 28);
			cr_assert_eq(p.addr % 16, 0);
			cr_assert(net_cidr4_covers(s->cidr, p));
			for (uint32_t ip = p.addr; ip <= net_cidr4_last(p); ip++) {
				cr_assert_not(model_subnet_ip_reserved(s, ip));
				owner_count[ip - s->cidr.addr]++;
				used++;
			}
		}
	}
	for (size_t i = 0; i < 64; i++)
		cr_assert_leq(owner_count[i], 1, "address .%zu held twice", i);
	cr_assert_eq(model_subnet_available_ips(f.m, s), 64 - 5 - used);
}

Test(ops_eni, random_operations_keep_address_invariants)
{
	struct model_subnet *s = fx_subnet(&f, vpc, "10.0.4.0/26", 0);
	struct util_rng r;
	int ok = 0, failed = 0;

	util_rng_seed(&r, 7);
	for (int step = 0; step < 3000; step++) {
		struct model_eni *e =
		    f.m->n_enis ? f.m->enis[util_rng_below(&r, f.m->n_enis)] : NULL;
		char *before = fx_digest(f.m), *after;
		uint32_t ip = s->cidr.addr + (uint32_t)util_rng_below(&r, 64);
		struct net_cidr4 p = {.addr = s->cidr.addr + 16 * (uint32_t)util_rng_below(&r, 4),
				      .len = 28};
		int kind = (int)util_rng_below(&r, 7), rc = 0;

		f.err.code = MODEL_ERR_NONE;
		if (!e || kind == 0) {
			struct model_eni_create c = {.subnet_id = s->id,
						     .secondary_count = (int)util_rng_below(&r, 4),
						     .prefix_count = (int)util_rng_below(&r, 2)};

			if (util_rng_below(&r, 3) == 0) {
				c.has_primary_ip = true;
				c.primary_ip = ip;
			}
			rc = model_op_create_network_interface(f.m, &f.ctx, &c, NULL, &f.err);
		} else if (kind == 1) {
			rc = model_op_delete_network_interface(f.m, &f.ctx, e->id, &f.err);
		} else if (kind == 2) {
			rc = model_op_assign_private_ip_addresses(f.m, &f.ctx, e->id, NULL, 0,
								  1 + (int)util_rng_below(&r, 3),
								  NULL, 0, 0, false, NULL, &f.err);
		} else if (kind == 3) {
			rc = model_op_assign_private_ip_addresses(f.m, &f.ctx, e->id, &ip, 1, 0,
								  NULL, 0, 0, util_rng_below(&r, 2),
								  NULL, &f.err);
		} else if (kind == 4) {
			rc = model_op_assign_private_ip_addresses(f.m, &f.ctx, e->id, NULL, 0, 0,
								  &p, 1, 0, false, NULL, &f.err);
		} else if (kind == 5) {
			rc = model_op_unassign_private_ip_addresses(f.m, &f.ctx, e->id, &ip, 1,
								    NULL, 0, &f.err);
		} else {
			rc = model_op_unassign_private_ip_addresses(f.m, &f.ctx, e->id, NULL, 0, &p,
								    1, &f.err);
		}
		after = fx_digest(f.m);
		if (rc < 0) {
			failed++;
			cr_assert_neq(f.err.code, MODEL_ERR_NONE);
			cr_assert_neq(f.err.code, MODEL_ERR_INTERNAL);
			cr_assert_str_eq(before, after,
					 "step %d (kind %d) failed with %s but changed the model",
					 step, kind, model_err_code_name(f.err.code));
		} else {
			ok++;
		}
		free(before);
		free(after);
		check_invariants(s);
	}
	cr_assert_gt(ok, 300);
	cr_assert_gt(failed, 300);
}

/* model_subnets_available_ips (one pass, DescribeSubnets) agrees with the per-subnet count. */
Test(ops_eni, all_subnets_available_ips_match_one_by_one)
{
	struct model_subnet *other = fx_subnet(&f, vpc, "10.0.2.0/24", 1);
	struct model_subnet *small = fx_subnet(&f, vpc, "10.0.3.0/28", 0);
	struct model_subnet *empty = fx_subnet(&f, vpc, "10.0.4.0/26", 0);
	uint32_t counts[16];

	for (int i = 0; i < 7; i++) {
		struct model_eni_create c = {.subnet_id = (i % 2 ? other : subnet)->id,
					     .secondary_count = i % 3,
					     .prefix_count = i == 3 ? 2 : 0};

		new_eni(&c);
	}
	for (int i = 0; i < 11; i++) {
		struct model_eni_create c = {.subnet_id = small->id};

		new_eni(&c);
	}
	cr_assert_leq(f.m->n_subnets, 16);
	cr_assert_eq(model_subnets_available_ips(f.m, counts), 0);
	for (size_t i = 0; i < f.m->n_subnets; i++)
		cr_assert_eq(counts[i], model_subnet_available_ips(f.m, f.m->subnets[i]),
			     "subnet %s", f.m->subnets[i]->id);
	/* And the numbers themselves: /26 untouched, /28 full. */
	for (size_t i = 0; i < f.m->n_subnets; i++) {
		if (f.m->subnets[i] == empty)
			cr_assert_eq(counts[i], 64 - 5);
		if (f.m->subnets[i] == small)
			cr_assert_eq(counts[i], 0);
	}
}

/*
 * model_subnet_alloc_ips(n) against n calls of model_subnet_alloc_ip(), each
 * address added to an ENI before the next call, over random subnets: the
 * same addresses, and -ENOSPC exactly when fewer than n are free.
 */
Test(ops_eni, batch_allocation_matches_one_address_at_a_time)
{
	static const char *const cidrs[] = {"10.0.2.0/26", "10.0.3.0/28", "10.0.16.0/20"};
	struct util_rng r;

	util_rng_seed(&r, 11);
	for (size_t c = 0; c < 3; c++) {
		struct model_subnet *s = fx_subnet(&f, vpc, cidrs[c], (int)c % 2);
		uint32_t size = net_cidr4_size(s->cidr);

		for (int round = 0; round < 60; round++) {
			size_t n = 1 + util_rng_below(&r, 24), got = 0;
			uint32_t batch[24], one[24];
			struct model_eni *scratch;
			int rb, ro = 0;

			/* Fill the subnet a little more: explicit addresses, a /28 now and then. */
			if (util_rng_below(&r, 3) == 0) {
				struct model_eni_create cr = {.subnet_id = s->id};
				uint32_t ip =
				    s->cidr.addr + 4 + (uint32_t)util_rng_below(&r, size - 5);

				if (!model_private_ip_in_use(f.m, s, ip)) {
					cr.has_primary_ip = true;
					cr.primary_ip = ip;
					cr.prefix_count = size >= 64 && util_rng_below(&r, 4) == 0;
					(void)model_op_create_network_interface(f.m, &f.ctx, &cr,
										NULL, &f.err);
				}
			}
			rb = model_subnet_alloc_ips(f.m, s, n, batch);
			/* One at a time, each address held by a scratch ENI of the VPC. */
			scratch = model_add_eni(f.m);
			cr_assert(scratch);
			snprintf(scratch->id, sizeof(scratch->id), "eni-scratch%05d", round);
			util_strscpy(scratch->vpc_id, vpc->id, sizeof(scratch->vpc_id));
			util_strscpy(scratch->subnet_id, s->id, sizeof(scratch->subnet_id));
			for (; got < n; got++) {
				struct model_eni_ip ip = {0};

				ro = model_subnet_alloc_ip(f.m, s, &ip.ip);
				if (ro < 0)
					break;
				one[got] = ip.ip;
				cr_assert_eq(model_eni_add_ip(scratch, &ip), 0);
			}
			cr_assert_eq(rb, ro, "%s round %d: n %zu, batch %d, one by one %d",
				     cidrs[c], round, n, rb, ro);
			for (size_t i = 0; rb == 0 && i < n; i++)
				cr_assert_eq(batch[i], one[i], "%s round %d: address %zu", cidrs[c],
					     round, i);
			/* Keep the addresses half the time, so the subnet fills up. */
			if (util_rng_below(&r, 2))
				cr_assert_eq(model_remove_eni(f.m, scratch->id), 1);
		}
		/* The /28 is full by now: the refusal was exercised too. */
		if (size == 16) {
			uint32_t ip;

			cr_assert_eq(model_subnet_alloc_ips(f.m, s, 1, &ip), -ENOSPC);
		}
	}
}
