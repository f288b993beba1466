/* Tests for ops-instance (instances) and ops-tags (tags on any resource). */
#include <criterion/criterion.h>

#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-sg.h"
#include "lib/model/ops-tags.h"
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

TestSuite(ops_instance, .init = setup, .fini = teardown);
TestSuite(ops_tags, .init = setup, .fini = teardown);

static struct model_run_instances run_opts(const char *subnet_id)
{
	return (struct model_run_instances){.image_id = "ami-0123456789abcdef0",
					    .instance_type = "m5.large",
					    .min_count = 1,
					    .max_count = 1,
					    .subnet_id = subnet_id,
					    .associate_public_ip = -1};
}

static struct model_instance *run_one(const struct model_run_instances *o)
{
	struct model_instance *inst[1];
	size_t n = 0;

	FX_OK(f, model_op_run_instances(f.m, &f.ctx, o, inst, &n, &f.err));
	cr_assert_eq(n, 1);
	return inst[0];
}

Test(ops_instance, run_instances_creates_a_running_instance_with_a_primary_eni)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance *inst;
	struct model_eni *eni;

	o.key_name = "k";
	inst = run_one(&o);
	cr_assert(model_id_valid(inst->id, "i-"));
	cr_assert(model_id_valid(inst->reservation_id, "r-"));
	cr_assert_eq(inst->state, MODEL_INSTANCE_RUNNING);
	cr_assert_eq(inst->launch_time, f.ctx.now);
	cr_assert_str_eq(inst->image_id, "ami-0123456789abcdef0");
	cr_assert_str_eq(inst->instance_type, "m5.large");
	cr_assert_str_eq(inst->subnet_id, subnet->id);
	cr_assert_str_eq(inst->vpc_id, vpc->id);
	cr_assert_str_eq(inst->az, "us-east-1a");
	cr_assert_str_eq(inst->owner_id, "123456789012");
	cr_assert_str_eq(inst->key_name, "k");
	cr_assert_not(inst->metadata_tokens_required);
	cr_assert_eq(inst->metadata_hop_limit, 1);
	cr_assert(inst->metadata_endpoint_enabled);
	eni = model_instance_primary_eni(f.m, inst->id);
	cr_assert_not_null(eni);
	cr_assert(eni->attachment.delete_on_termination);
	cr_assert_eq(eni->status, MODEL_ENI_IN_USE);
	cr_assert_eq(eni->ips[0].ip, fx_ip("10.0.1.4"));
	cr_assert_eq(eni->ips[0].public_ip, 0, "the subnet does not map public IPs");
	cr_assert_str_eq(eni->sg_ids[0], model_vpc_default_sg(f.m, vpc->id)->id);
}

Test(ops_instance, unknown_instance_type_is_InvalidParameterValue)
{
	struct model_run_instances o = run_opts(subnet->id);

	o.instance_type = "x9.huge";
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterValue");
	cr_assert_str_eq(f.err.message, "Invalid value 'x9.huge' for InstanceType.");
}

Test(ops_instance, malformed_image_id_is_InvalidAMIID_Malformed)
{
	struct model_run_instances o = run_opts(subnet->id);

	o.image_id = "image-1";
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidAMIID.Malformed");
}

Test(ops_instance, no_subnet_uses_the_default_subnet_of_the_default_vpc)
{
	struct model_run_instances o = run_opts(NULL);
	struct model_vpc *dv;
	struct model_subnet *ds;
	struct model_instance *inst;

	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "MissingParameter");
	dv = fx_vpc(&f, "172.31.0.0/16", true);
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "MissingParameter");
	ds = fx_subnet(&f, dv, "172.31.0.0/20", 0);
	ds->default_for_az = true;
	ds->map_public_ip_on_launch = true;
	inst = run_one(&o);
	cr_assert_str_eq(inst->subnet_id, ds->id);
	cr_assert_str_eq(model_instance_primary_eni(f.m, inst->id)->sg_ids[0],
			 model_vpc_default_sg(f.m, dv->id)->id);
	cr_assert_eq(model_instance_primary_eni(f.m, inst->id)->ips[0].public_ip,
		     fx_ip("198.51.100.2"), "default subnets map public IPs");
}

Test(ops_instance, associate_public_ip_only_with_one_interface)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance_nic_spec nics[2] = {
	    {.device_index = 0,
	     .subnet_id = subnet->id,
	     .associate_public_ip = 1,
	     .delete_on_termination = -1},
	    {.device_index = 1,
	     .subnet_id = subnet->id,
	     .associate_public_ip = -1,
	     .delete_on_termination = -1},
	};
	struct model_instance *inst;

	o.associate_public_ip = 1;
	inst = run_one(&o);
	cr_assert_neq(model_instance_primary_eni(f.m, inst->id)->ips[0].public_ip, 0);
	cr_assert(inst->auto_public_ip);
	o = run_opts(NULL);
	o.nics = nics;
	o.n_nics = 2;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterCombination");
	nics[0].associate_public_ip = -1;
	inst = run_one(&o);
	cr_assert_eq(model_instance_primary_eni(f.m, inst->id)->ips[0].public_ip, 0);
}

Test(ops_instance, counts_and_instance_quota)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance *inst[5];
	size_t n = 0;

	f.ctx.quotas.instances_per_region = 3;
	o.min_count = 1;
	o.max_count = 5;
	FX_OK(f, model_op_run_instances(f.m, &f.ctx, &o, inst, &n, &f.err));
	cr_assert_eq(n, 3, "as many as the quota allows");
	cr_assert_str_eq(inst[0]->reservation_id, inst[2]->reservation_id);
	cr_assert_eq(inst[2]->ami_launch_index, 2);
	cr_assert_neq(model_instance_primary_eni(f.m, inst[0]->id)->ips[0].ip,
		      model_instance_primary_eni(f.m, inst[1]->id)->ips[0].ip);
	o.max_count = 1;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InstanceLimitExceeded");
	o.min_count = 0;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterValue");
}

Test(ops_instance, small_subnet_limits_the_count)
{
	struct model_subnet *small = fx_subnet(&f, vpc, "10.0.2.0/28", 0); /* 11 addresses */
	struct model_run_instances o = run_opts(small->id);
	size_t n = 0;

	o.min_count = 12;
	o.max_count = 12;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InsufficientFreeAddressesInSubnet");
	o.min_count = 2;
	o.max_count = 20;
	FX_OK(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, &n, &f.err));
	cr_assert_eq(n, 11);
	cr_assert_eq(model_subnet_available_ips(f.m, small), 0);
}

Test(ops_instance, explicit_private_ip_needs_a_single_instance)
{
	struct model_run_instances o = run_opts(subnet->id);

	o.has_private_ip = true;
	o.private_ip = fx_ip("10.0.1.50");
	o.max_count = 2;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterCombination");
	o.max_count = 1;
	cr_assert_eq(model_instance_primary_eni(f.m, run_one(&o)->id)->ips[0].ip, o.private_ip);
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidIPAddress.InUse");
}

Test(ops_instance, launch_with_an_existing_eni)
{
	struct model_eni_create c = {.subnet_id = subnet->id};
	struct model_eni *eni = NULL;
	struct model_instance_nic_spec nic = {
	    .device_index = 0, .associate_public_ip = -1, .delete_on_termination = -1};
	struct model_run_instances o = run_opts(NULL);
	struct model_instance *inst;

	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, &eni, &f.err));
	nic.network_interface_id = eni->id;
	o.nics = &nic;
	o.n_nics = 1;
	inst = run_one(&o);
	cr_assert_eq(model_instance_primary_eni(f.m, inst->id), eni);
	cr_assert_not(eni->attachment.delete_on_termination);
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidNetworkInterface.InUse");
}

Test(ops_instance, too_many_interfaces_is_AttachmentLimitExceeded)
{
	struct model_instance_nic_spec nics[3];
	struct model_run_instances o = run_opts(NULL);

	for (int i = 0; i < 3; i++)
		nics[i] = (struct model_instance_nic_spec){.device_index = i,
							   .subnet_id = subnet->id,
							   .associate_public_ip = -1,
							   .delete_on_termination = -1};
	o.instance_type = "t2.micro";
	o.nics = nics;
	o.n_nics = 3;
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "AttachmentLimitExceeded");
}

Test(ops_instance, terminate_deletes_or_detaches_enis_and_releases_public_ips)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance *inst;
	struct model_eni *extra = NULL, *primary;
	struct model_eni_create c = {.subnet_id = subnet->id};
	struct model_eip *eip = model_add_eip(f.m);
	struct model_instance_state_change ch[2];
	char primary_id[MODEL_ID_LEN];
	const char *ids[2];

	o.associate_public_ip = 1;
	inst = run_one(&o);
	primary = model_instance_primary_eni(f.m, inst->id);
	memcpy(primary_id, primary->id, MODEL_ID_LEN);
	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, &extra, &f.err));
	FX_OK(f, model_op_attach_network_interface(f.m, &f.ctx, extra->id, inst->id, 1, 0, NULL,
						   &f.err));
	/* An EIP on the secondary interface. */
	util_strscpy(eip->allocation_id, "eipalloc-00000001", MODEL_ID_LEN);
	eip->public_ip = fx_ip("198.51.100.100");
	util_strscpy(eip->association_id, "eipassoc-00000001", MODEL_ID_LEN);
	util_strscpy(eip->eni_id, extra->id, MODEL_ID_LEN);
	util_strscpy(eip->instance_id, inst->id, MODEL_ID_LEN);
	eip->private_ip = extra->ips[0].ip;
	extra->ips[0].public_ip = eip->public_ip;
	util_strscpy(extra->ips[0].allocation_id, eip->allocation_id, MODEL_ID_LEN);

	ids[0] = inst->id;
	ids[1] = "i-00000000";
	FX_FAILS(f, model_op_terminate_instances(f.m, &f.ctx, ids, 2, NULL, &f.err),
		 "InvalidInstanceID.NotFound");
	FX_OK(f, model_op_terminate_instances(f.m, &f.ctx, ids, 1, ch, &f.err));
	cr_assert_eq(ch[0].previous, MODEL_INSTANCE_RUNNING);
	cr_assert_eq(ch[0].current, MODEL_INSTANCE_TERMINATED);
	cr_assert_str_eq(ch[0].instance_id, inst->id);
	cr_assert_eq(inst->state, MODEL_INSTANCE_TERMINATED);
	cr_assert_not_null(model_find_instance(f.m, inst->id), "terminated stays visible");
	cr_assert_null(model_find_eni(f.m, primary_id), "delete_on_termination");
	cr_assert_not(extra->attachment.present);
	cr_assert_eq(extra->status, MODEL_ENI_AVAILABLE);
	cr_assert_str_eq(eip->instance_id, "");
	cr_assert_str_eq(eip->eni_id, extra->id, "the EIP stays with its ENI");
	/* Terminating again is fine. */
	FX_OK(f, model_op_terminate_instances(f.m, &f.ctx, ids, 1, ch, &f.err));
	cr_assert_eq(ch[0].previous, MODEL_INSTANCE_TERMINATED);
	FX_FAILS(f, model_op_start_instances(f.m, &f.ctx, ids, 1, NULL, &f.err),
		 "IncorrectInstanceState");
	FX_FAILS(f, model_op_stop_instances(f.m, &f.ctx, ids, 1, NULL, &f.err),
		 "IncorrectInstanceState");
}

Test(ops_instance, stop_releases_and_start_reassigns_the_public_ip)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance *inst, *other;
	struct model_instance_state_change ch[1];
	struct model_eni *eni;
	const char *ids[1];
	uint32_t first;

	o.associate_public_ip = 1;
	inst = run_one(&o);
	eni = model_instance_primary_eni(f.m, inst->id);
	first = eni->ips[0].public_ip;
	cr_assert_neq(first, 0);
	ids[0] = inst->id;
	FX_OK(f, model_op_stop_instances(f.m, &f.ctx, ids, 1, ch, &f.err));
	cr_assert_eq(ch[0].current, MODEL_INSTANCE_STOPPED);
	cr_assert_eq(eni->ips[0].public_ip, 0);
	other = run_one(&o); /* takes the address the stopped instance had */
	cr_assert_eq(model_instance_primary_eni(f.m, other->id)->ips[0].public_ip, first);
	FX_OK(f, model_op_start_instances(f.m, &f.ctx, ids, 1, ch, &f.err));
	cr_assert_eq(ch[0].previous, MODEL_INSTANCE_STOPPED);
	cr_assert_eq(inst->state, MODEL_INSTANCE_RUNNING);
	cr_assert_neq(eni->ips[0].public_ip, 0);
	cr_assert_neq(eni->ips[0].public_ip, first, "a new public IP");
}

Test(ops_instance, start_with_a_dry_pool_changes_nothing)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_instance *inst;
	const char *ids[1];

	f.ctx.public_pool = fx_cidr("198.51.100.0/30"); /* exactly one usable address */
	o.associate_public_ip = 1;
	inst = run_one(&o);
	ids[0] = inst->id;
	FX_OK(f, model_op_stop_instances(f.m, &f.ctx, ids, 1, NULL, &f.err));
	run_one(&o);
	FX_FAILS(f, model_op_start_instances(f.m, &f.ctx, ids, 1, NULL, &f.err),
		 "AddressLimitExceeded");
	cr_assert_eq(inst->state, MODEL_INSTANCE_STOPPED);
}

Test(ops_instance, metadata_options)
{
	struct model_run_instances o = run_opts(subnet->id);
	struct model_metadata_options mo = {0};
	struct model_instance *inst;
	const char *ids[1];

	o.metadata.http_tokens = "sometimes";
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterValue");
	o.metadata.http_tokens = "required";
	o.metadata.http_protocol_ipv6 = "on";
	FX_FAILS(f, model_op_run_instances(f.m, &f.ctx, &o, NULL, NULL, &f.err),
		 "InvalidParameterValue");
	o.metadata.http_protocol_ipv6 = NULL;
	o.metadata.hop_limit = 2;
	o.metadata.instance_metadata_tags = "enabled";
	inst = run_one(&o);
	cr_assert(inst->metadata_tokens_required);
	cr_assert_eq(inst->metadata_hop_limit, 2);
	cr_assert(inst->metadata_endpoint_enabled);
	cr_assert_not(inst->metadata_protocol_ipv6);
	cr_assert(inst->metadata_tags_enabled);
	mo.hop_limit = 65;
	FX_FAILS(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err),
		 "InvalidParameterValue");
	mo.hop_limit = 0;
	mo.http_endpoint = "off";
	FX_FAILS(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err),
		 "InvalidParameterValue");
	mo.http_endpoint = NULL;
	mo.instance_metadata_tags = "yes";
	FX_FAILS(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err),
		 "InvalidParameterValue");
	cr_assert(inst->metadata_tags_enabled, "a failed modify changes nothing");
	mo = (struct model_metadata_options){"optional", 64, "disabled", "enabled", "disabled"};
	FX_OK(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err));
	cr_assert_not(inst->metadata_tokens_required);
	cr_assert_eq(inst->metadata_hop_limit, 64);
	cr_assert_not(inst->metadata_endpoint_enabled);
	cr_assert(inst->metadata_protocol_ipv6);
	cr_assert_not(inst->metadata_tags_enabled);
	/* Unset members leave the instance's values alone. */
	mo = (struct model_metadata_options){.http_tokens = "required"};
	FX_OK(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err));
	cr_assert(inst->metadata_tokens_required);
	cr_assert_eq(inst->metadata_hop_limit, 64);
	cr_assert(inst->metadata_protocol_ipv6);
	FX_FAILS(f,
		 model_op_modify_instance_metadata_options(f.m, &f.ctx, "i-00000000", &mo, &f.err),
		 "InvalidInstanceID.NotFound");
	ids[0] = inst->id;
	FX_OK(f, model_op_terminate_instances(f.m, &f.ctx, ids, 1, NULL, &f.err));
	FX_FAILS(f, model_op_modify_instance_metadata_options(f.m, &f.ctx, inst->id, &mo, &f.err),
		 "IncorrectInstanceState");
}

/* ---- tags ------------------------------------------------------------------ */

Test(ops_tags, find_tags_by_id_prefix)
{
	struct model_sg *sg = model_vpc_default_sg(f.m, vpc->id);

	cr_assert_eq(model_find_tags(f.m, vpc->id), &vpc->tags);
	cr_assert_eq(model_find_tags(f.m, subnet->id), &subnet->tags);
	cr_assert_eq(model_find_tags(f.m, sg->id), &sg->tags);
	cr_assert_eq(model_find_tags(f.m, sg->rules[0].id), &sg->rules[0].tags);
	cr_assert_eq(model_find_tags(f.m, model_vpc_default_nacl(f.m, vpc->id)->id),
		     &model_vpc_default_nacl(f.m, vpc->id)->tags);
	cr_assert_null(model_find_tags(f.m, "vpc-00000000"));
	cr_assert_null(model_find_tags(f.m, "dopt-00000000"));
	cr_assert_null(model_find_tags(f.m, "bogus"));
}

Test(ops_tags, create_tags_on_several_resources)
{
	const char *ids[] = {vpc->id, subnet->id};
	struct model_tag tags[] = {{"Name", "main"}, {"env", ""}};

	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids, 2, tags, 2, &f.err));
	cr_assert_str_eq(model_tags_get(&vpc->tags, "Name"), "main");
	cr_assert_str_eq(model_tags_get(&subnet->tags, "env"), "");
	tags[0].value = "renamed";
	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids, 1, tags, 1, &f.err));
	cr_assert_str_eq(model_tags_get(&vpc->tags, "Name"), "renamed");
	cr_assert_eq(vpc->tags.n, 2);
}

Test(ops_tags, unknown_resource_is_its_NotFound_code_and_nothing_changes)
{
	const char *ids[] = {vpc->id, "subnet-00000000"};
	struct model_tag tag = {"Name", "x"};

	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, &tag, 1, &f.err),
		 "InvalidSubnetID.NotFound");
	cr_assert_eq(vpc->tags.n, 0);
	ids[1] = "i-00000000";
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, &tag, 1, &f.err),
		 "InvalidInstanceID.NotFound");
	ids[1] = "nat-00000000";
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, &tag, 1, &f.err),
		 "NatGatewayNotFound");
	ids[1] = "dopt-00000000";
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, &tag, 1, &f.err),
		 "InvalidDhcpOptionID.NotFound");
	ids[1] = "thing-1";
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, &tag, 1, &f.err), "InvalidID");
}

Test(ops_tags, key_and_value_rules)
{
	const char *ids[] = {vpc->id};
	char key[200], value[300];
	struct model_tag tag = {"aws:cloudformation", "x"};

	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 1, &tag, 1, &f.err),
		 "InvalidParameterValue");
	memset(key, 'k', 129);
	key[129] = '\0';
	tag = (struct model_tag){key, "x"};
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 1, &tag, 1, &f.err),
		 "InvalidParameterValue");
	key[128] = '\0';
	memset(value, 'v', 257);
	value[257] = '\0';
	tag.value = value;
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 1, &tag, 1, &f.err),
		 "InvalidParameterValue");
	value[256] = '\0';
	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids, 1, &tag, 1, &f.err));
}

Test(ops_tags, more_than_50_tags_is_TagLimitExceeded_all_or_nothing)
{
	const char *ids[] = {subnet->id, vpc->id};
	struct model_tag tags[51];
	char keys[51][8];

	for (int i = 0; i < 51; i++) {
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		tags[i] = (struct model_tag){keys[i], "v"};
	}
	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids + 1, 1, tags, 50, &f.err));
	/* The VPC is full: the tag goes on neither resource, not even the subnet. */
	FX_FAILS(f, model_op_create_tags(f.m, &f.ctx, ids, 2, tags + 50, 1, &f.err),
		 "TagLimitExceeded");
	cr_assert_eq(subnet->tags.n, 0);
	/* Replacing an existing key does not count. */
	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids + 1, 1, tags, 1, &f.err));
}

Test(ops_tags, delete_tags_with_and_without_value)
{
	const char *ids[] = {vpc->id};
	struct model_tag tags[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
	struct model_tag del[] = {{"a", "wrong"}, {"b", NULL}};

	FX_OK(f, model_op_create_tags(f.m, &f.ctx, ids, 1, tags, 3, &f.err));
	FX_OK(f, model_op_delete_tags(f.m, &f.ctx, ids, 1, del, 2, &f.err));
	cr_assert_str_eq(model_tags_get(&vpc->tags, "a"), "1", "value did not match");
	cr_assert_null(model_tags_get(&vpc->tags, "b"));
	FX_OK(f, model_op_delete_tags(f.m, &f.ctx, ids, 1, NULL, 0, &f.err));
	cr_assert_eq(vpc->tags.n, 0);
}

Test(ops_tags, tag_specifications_check_the_resource_type)
{
	struct model_tag tag = {"Name", "web"};
	struct model_sg *sg = model_vpc_default_sg(f.m, vpc->id);

	FX_FAILS(f,
		 model_op_apply_tag_specifications(f.m, &f.ctx, vpc->id, "subnet", &tag, 1, &f.err),
		 "InvalidParameterValue");
	FX_OK(f, model_op_apply_tag_specifications(f.m, &f.ctx, vpc->id, "vpc", &tag, 1, &f.err));
	FX_OK(f, model_op_apply_tag_specifications(f.m, &f.ctx, sg->rules[0].id,
						   "security-group-rule", &tag, 1, &f.err));
	cr_assert_str_eq(model_tags_get(&sg->rules[0].tags, "Name"), "web");
	cr_assert_str_eq(model_tags_get(&vpc->tags, "Name"), "web");
}

/* ---- together with ops-vpc ------------------------------------------------- */

#include "lib/model/ops-nacl.h"
#include "lib/model/ops-vpc.h"

TestSuite(ops_with_vpc, .init = setup, .fini = teardown);

Test(ops_with_vpc, default_vpc_launch_eip_and_terminate)
{
	struct model_run_instances o = run_opts(NULL);
	struct model_vpc *dv = NULL;
	struct model_eip *eip = NULL;
	struct model_instance *inst;
	struct model_eni *eni;
	char assoc[MODEL_ID_LEN];
	const char *ids[1];

	FX_OK(f, model_op_create_default_vpc(f.m, &f.ctx, &dv, &f.err));
	inst = run_one(&o);
	cr_assert_str_eq(inst->vpc_id, dv->id);
	cr_assert_str_eq(inst->az, "us-east-1a");
	eni = model_instance_primary_eni(f.m, inst->id);
	cr_assert_neq(eni->ips[0].public_ip, 0, "default subnets map public IPs on launch");
	cr_assert_str_eq(eni->sg_ids[0], model_vpc_default_sg(f.m, dv->id)->id);
	FX_OK(f, model_op_allocate_address(f.m, &f.ctx, &eip, &f.err));
	FX_OK(f, model_op_associate_address(f.m, &f.ctx, eip->allocation_id, NULL, inst->id, 0,
					    false, assoc, &f.err));
	cr_assert_str_eq(eip->eni_id, eni->id);
	ids[0] = inst->id;
	FX_OK(f, model_op_terminate_instances(f.m, &f.ctx, ids, 1, NULL, &f.err));
	cr_assert_str_eq(eip->association_id, "", "the EIP is disassociated");
	cr_assert_str_eq(eip->eni_id, "");
	cr_assert_null(model_instance_primary_eni(f.m, inst->id));
}

Test(ops_with_vpc, custom_nacl_and_group_in_a_new_vpc)
{
	struct model_vpc *v = NULL;
	struct model_subnet *s = NULL;
	struct model_nacl *acl = NULL, *def;
	struct model_sg *sg = NULL;
	char vpc_id[MODEL_ID_LEN];

	FX_OK(f, model_op_create_vpc(f.m, &f.ctx, fx_cidr("10.8.0.0/16"), NULL, &v, &f.err));
	memcpy(vpc_id, v->id, MODEL_ID_LEN);
	FX_OK(f, model_op_create_subnet(f.m, &f.ctx, vpc_id, fx_cidr("10.8.1.0/24"), "us-east-1b",
					NULL, &s, &f.err));
	def = model_vpc_default_nacl(f.m, vpc_id);
	cr_assert_not_null(model_vpc_default_sg(f.m, vpc_id));
	FX_OK(f, model_op_create_network_acl(f.m, &f.ctx, vpc_id, &acl, &f.err));
	cr_assert_eq(def->n_assocs, 1, "create_subnet associates the default NACL");
	FX_OK(f, model_op_replace_network_acl_association(f.m, &f.ctx, def->assocs[0].id, acl->id,
							  NULL, &f.err));
	cr_assert_eq(model_subnet_nacl(f.m, s->id), acl);
	FX_OK(f, model_op_create_security_group(f.m, &f.ctx, vpc_id, "web", "web", &sg, &f.err));
	FX_FAILS(f, model_op_delete_network_acl(f.m, &f.ctx, acl->id, &f.err),
		 "DependencyViolation");
	FX_FAILS(f, model_op_delete_vpc(f.m, &f.ctx, vpc_id, &f.err), "DependencyViolation");
}
