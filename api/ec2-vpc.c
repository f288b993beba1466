/*
 * ec2-vpc: VPC and subnet actions, through lib/model/ops-vpc.h.
 *
 * CreateVpc, CreateDefaultVpc, DeleteVpc, DescribeVpcs, AssociateVpcCidrBlock,
 * DisassociateVpcCidrBlock, DescribeVpcAttribute, ModifyVpcAttribute,
 * CreateSubnet, DeleteSubnet, DescribeSubnets, ModifySubnetAttribute.
 *
 * Every VPC rule (CIDR bounds and overlaps, secondary-CIDR restrictions,
 * quotas, dependencies, the main route table / default SG / default NACL a
 * new VPC gets) lives in the model ops; this file parses parameters, checks
 * that the IDs it was given exist before a DryRun answer, calls one op and
 * renders the result.
 *
 * Choices (AWS documents them as errors or not at all):
 *  - IPv6 and IPAM parameters (AmazonProvidedIpv6CidrBlock=true,
 *    Ipv6CidrBlock, Ipv6Pool, Ipv*IpamPoolId, Ipv*NetmaskLength,
 *    Ipv6CidrBlockNetworkBorderGroup, Ipv6Native=true, OutpostArn) answer
 *    UnsupportedOperation: the model has no IPv6 address pool and no IPAM.
 *  - A CIDR without "/len" or not parseable is InvalidParameterValue
 *    ("... is not a valid CIDR block"); host bits are cleared (10.0.0.1/16
 *    means 10.0.0.0/16), as AWS canonicalises.
 *  - ModifyVpcAttribute and ModifySubnetAttribute take exactly one attribute
 *    per call (AWS: InvalidParameterCombination "Fields for multiple
 *    attribute types specified: ..." / "No attributes specified.").
 *  - DisassociateVpcCidrBlock answers the association as `disassociated`:
 *    the model removes the CIDR at once (ops-vpc.h).
 *  - Subnets in Describe are rendered through a view that carries the
 *    computed AvailableIpAddressCount (size - 5 reserved - addresses used by
 *    ENIs, a delegated /28 counting 16) so filters can match it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-vpc.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define VPC_NOT_FOUND	 "The vpc ID '%s' does not exist"
#define SUBNET_NOT_FOUND "The subnet ID '%s' does not exist"

static int oom(struct api_req *r)
{
	return api_fail(r, 500, "InternalError", "Out of memory");
}

static int unsupported(struct api_req *r, const char *name)
{
	return api_fail(r, 400, "UnsupportedOperation",
			"The parameter %s is not supported: openvpc models IPv4 VPCs only "
			"(no IPv6 address pools, no IPAM, no Outposts).",
			name);
}

/* Fails with UnsupportedOperation when any of the named parameters is present. */
static int refuse_params(struct api_req *r, const char *const *names, size_t n)
{
	const char *v;
	int e;

	for (size_t i = 0; i < n; i++) {
		if ((e = api_get_str(r, &v, API_OPTIONAL, "%s", names[i])) < 0)
			return e;
		if (e > 0)
			return unsupported(r, names[i]);
	}
	return 0;
}

/* An optional boolean that may only be false (true -> UnsupportedOperation). */
static int refuse_true(struct api_req *r, const char *name)
{
	bool b = false;
	int e = api_get_bool(r, &b, API_OPTIONAL, "%s", name);

	if (e < 0)
		return e;
	return b ? unsupported(r, name) : 0;
}

/* "a.b.c.d/len" -> *ret (host bits cleared).  1 present, 0 absent, < 0 error. */
static int get_cidr(struct api_req *r, struct net_cidr4 *ret, unsigned flags, const char *name,
		    const char *wire)
{
	const char *s;
	int e = api_get_str(r, &s, flags, "%s", name);

	if (e <= 0)
		return e;
	if (!strchr(s, '/') || net_cidr4_parse(s, ret) < 0)
		return api_fail_invalid_value(r,
					      "Value (%.64s) for parameter %s is invalid. This is "
					      "not a valid CIDR block.",
					      s, wire);
	return 1;
}

static int need_vpc(struct api_req *r, const char *id)
{
	if (!model_find_vpc(r->model, id))
		return api_fail(r, 400, "InvalidVpcID.NotFound", VPC_NOT_FOUND, id);
	return 0;
}

static int need_subnet(struct api_req *r, const char *id)
{
	if (!model_find_subnet(r->model, id))
		return api_fail(r, 400, "InvalidSubnetID.NotFound", SUBNET_NOT_FOUND, id);
	return 0;
}

static int copy_tags(struct api_req *r, struct model_tags *dst, const struct model_tags *src)
{
	if (src->n > 0 && model_tags_copy(dst, src) < 0)
		return oom(r);
	return 0;
}

/*
 * The attributes of a Modify*Attribute action: "<Name>.Value" booleans, or
 * a plain string parameter when text is set.
 */
struct attr_choice {
	const char *param; /* "EnableDnsSupport.Value" */
	const char *wire;  /* "enableDnsSupport" */
	bool text;	   /* a string parameter, not a boolean */
};

/*
 * Which one of the attributes is present: exactly one, else
 * InvalidParameterCombination as AWS answers.  *ret_index and *ret_flag
 * (booleans) or *ret_text (text attributes) are set.
 */
static int get_one_attr(struct api_req *r, const struct attr_choice *c, size_t n, size_t *ret_index,
			bool *ret_flag, const char **ret_text)
{
	char names[256] = "";
	size_t found = 0, idx = 0;
	const char *text = NULL;
	bool flag = false;

	for (size_t i = 0; i < n; i++) {
		const char *t = NULL;
		bool b = false;
		int e = c[i].text ? api_get_str(r, &t, API_OPTIONAL, "%s", c[i].param)
				  : api_get_bool(r, &b, API_OPTIONAL, "%s", c[i].param);

		if (e < 0)
			return e;
		if (e == 0)
			continue;
		if (found++ == 0) {
			idx = i;
			flag = b;
			text = t;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 found > 1 ? ", " : "", c[i].wire);
	}
	if (found == 0)
		return api_fail(r, 400, "InvalidParameterCombination", "No attributes specified.");
	if (found > 1)
		return api_fail(r, 400, "InvalidParameterCombination",
				"Fields for multiple attribute types specified: %s", names);
	*ret_index = idx;
	*ret_flag = flag;
	*ret_text = text;
	return 0;
}

/* ---- VPC rendering ---------------------------------------------------------- */

static void render_cidr_assoc(struct api_req *r, const char *wrap, const char *assoc_id,
			      struct net_cidr4 cidr, const char *state)
{
	char buf[NET_CIDR4_STRLEN];

	api_xml_start(r, wrap);
	api_xml_str(r, "associationId", assoc_id);
	api_xml_str(r, "cidrBlock", net_cidr4_format(cidr, buf));
	api_xml_start(r, "cidrBlockState");
	api_xml_str(r, "state", state);
	api_xml_end(r);
	api_xml_end(r);
}

/* An IPv6 block (only imported models have them). */
static void render_cidr6_assoc(struct api_req *r, const struct model_vpc_cidr6 *c)
{
	char buf[NET_CIDR6_STRLEN];

	api_xml_start(r, "item");
	api_xml_str(r, "associationId", c->association_id);
	api_xml_str(r, "ipv6CidrBlock", net_cidr6_format(&c->cidr, buf));
	api_xml_start(r, "ipv6CidrBlockState");
	api_xml_str(r, "state", model_cidr_state_name(c->state));
	api_xml_end(r);
	api_xml_str(r, "networkBorderGroup", c->network_border_group);
	api_xml_str(r, "ipv6Pool", c->pool);
	api_xml_end(r);
}

/*
 * The VPC's members.  AWS writes an empty <ipv6CidrBlockAssociationSet/> in
 * CreateVpc's answer but leaves the set out of DescribeVpcs for a VPC
 * without IPv6 blocks: empty_ipv6_set chooses.
 */
static void render_vpc_body(struct api_req *r, const struct model_vpc *v, bool empty_ipv6_set)
{
	char buf[NET_CIDR4_STRLEN];

	if (v->n_cidrs > 0)
		api_xml_str(r, "cidrBlock", net_cidr4_format(v->cidrs[0].cidr, buf));
	api_xml_str(r, "dhcpOptionsId", v->dhcp_options_id[0] ? v->dhcp_options_id : "default");
	api_xml_str(r, "state", model_state_name(v->state));
	api_xml_str(r, "vpcId", v->id);
	api_xml_str(r, "ownerId", v->owner_id);
	api_xml_str(r, "instanceTenancy", v->instance_tenancy[0] ? v->instance_tenancy : "default");
	if (v->n_cidrs6 > 0 || empty_ipv6_set) {
		api_xml_start(r, "ipv6CidrBlockAssociationSet");
		for (size_t i = 0; i < v->n_cidrs6; i++)
			render_cidr6_assoc(r, &v->cidrs6[i]);
		api_xml_end(r);
	}
	api_xml_start(r, "cidrBlockAssociationSet");
	for (size_t i = 0; i < v->n_cidrs; i++)
		render_cidr_assoc(r, "item", v->cidrs[i].association_id, v->cidrs[i].cidr,
				  model_cidr_state_name(v->cidrs[i].state));
	api_xml_end(r);
	api_xml_bool(r, "isDefault", v->is_default);
	api_xml_tags(r, "tagSet", &v->tags);
}

static void render_vpc_item(struct api_req *r, const void *o)
{
	api_xml_start(r, "item");
	render_vpc_body(r, o, false);
	api_xml_end(r);
}

/* ---- VPC actions -------------------------------------------------------------- */

static const char *const vpc_unsupported[] = {
    "Ipv6Pool",
    "Ipv6CidrBlock",
    "Ipv4IpamPoolId",
    "Ipv4NetmaskLength",
    "Ipv6IpamPoolId",
    "Ipv6NetmaskLength",
    "Ipv6CidrBlockNetworkBorderGroup",
};

/*
 * The save hint of a write on a VPC: the VPC and its route tables, and with
 * all, its security groups, network ACLs and flow logs too.  CreateVpc (after
 * it) and DeleteVpc (before it) name all: what comes and goes with the VPC (a
 * VPC that can be deleted has only the main ones left).  A CIDR block's
 * association or disassociation names the route tables, which each gain or
 * lose the block's local route.
 */
static void touch_vpc(struct api_req *r, const char *vpc_id, bool all)
{
	const struct model *m = r->model;
	const char **ids = api_alloc(
	    r, (1 + m->n_route_tables + m->n_sgs + m->n_nacls + m->n_flow_logs) * sizeof(*ids));
	size_t n = 0;

	if (!ids)
		return;
	ids[n++] = vpc_id;
	for (size_t i = 0; i < m->n_route_tables; i++)
		if (strcmp(m->route_tables[i]->vpc_id, vpc_id) == 0)
			ids[n++] = m->route_tables[i]->id;
	for (size_t i = 0; all && i < m->n_sgs; i++)
		if (strcmp(m->sgs[i]->vpc_id, vpc_id) == 0)
			ids[n++] = m->sgs[i]->id;
	for (size_t i = 0; all && i < m->n_nacls; i++)
		if (strcmp(m->nacls[i]->vpc_id, vpc_id) == 0)
			ids[n++] = m->nacls[i]->id;
	for (size_t i = 0; all && i < m->n_flow_logs; i++)
		if (strcmp(m->flow_logs[i]->resource_id, vpc_id) == 0)
			ids[n++] = m->flow_logs[i]->id;
	api_touch_list(r, ids, n);
}

static int create_vpc(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_vpc *vpc;
	struct net_cidr4 cidr;
	const char *tenancy = NULL;
	int e;

	if ((e = refuse_true(r, "AmazonProvidedIpv6CidrBlock")) < 0 ||
	    (e = refuse_params(r, vpc_unsupported, ARRAY_SIZE(vpc_unsupported))) < 0 ||
	    (e = get_cidr(r, &cidr, API_REQUIRED, "CidrBlock", "cidrBlock")) < 0 ||
	    (e = api_get_str(r, &tenancy, API_OPTIONAL, "InstanceTenancy")) < 0 ||
	    (e = api_get_tag_specs(r, "vpc", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_vpc(r->model, r->mctx, cidr, tenancy, &vpc, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if ((e = copy_tags(r, &vpc->tags, &tags)) < 0)
		goto out;
	touch_vpc(r, vpc->id, true);
	api_xml_start(r, "vpc");
	render_vpc_body(r, vpc, true);
	api_xml_end(r);
out:
	model_tags_clear(&tags);
	return e;
}

/* CreateDefaultVpc: 172.31.0.0/16, a /20 per AZ, an attached IGW (the op builds it all). */
static int create_default_vpc(struct api_req *r)
{
	struct model_err err = {0};
	struct model_vpc *vpc;
	int e;

	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_create_default_vpc(r->model, r->mctx, &vpc, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_xml_start(r, "vpc");
	render_vpc_body(r, vpc, true);
	api_xml_end(r);
	return 0;
}

static int delete_vpc(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpcId")) < 0 || (e = need_vpc(r, id)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	touch_vpc(r, id, true); /* (a failed op saves nothing) */
	if ((e = model_op_delete_vpc(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

#define VPC(o) ((const struct model_vpc *)(o))

static void f_vpc_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VPC(o)->id);
}

static void f_vpc_cidr(const void *o, struct api_filter_match *m)
{
	char buf[NET_CIDR4_STRLEN];

	if (VPC(o)->n_cidrs > 0)
		api_filter_emit(m, net_cidr4_format(VPC(o)->cidrs[0].cidr, buf));
}

static void f_vpc_assoc_cidr(const void *o, struct api_filter_match *m)
{
	char buf[NET_CIDR4_STRLEN];

	for (size_t i = 0; i < VPC(o)->n_cidrs; i++)
		api_filter_emit(m, net_cidr4_format(VPC(o)->cidrs[i].cidr, buf));
}

static void f_vpc_assoc_id(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VPC(o)->n_cidrs; i++)
		api_filter_emit(m, VPC(o)->cidrs[i].association_id);
}

static void f_vpc_assoc_state(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VPC(o)->n_cidrs; i++)
		api_filter_emit(m, model_cidr_state_name(VPC(o)->cidrs[i].state));
}

static void f_vpc_assoc6_cidr(const void *o, struct api_filter_match *m)
{
	char buf[NET_CIDR6_STRLEN];

	for (size_t i = 0; i < VPC(o)->n_cidrs6; i++)
		api_filter_emit(m, net_cidr6_format(&VPC(o)->cidrs6[i].cidr, buf));
}

static void f_vpc_assoc6_id(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VPC(o)->n_cidrs6; i++)
		api_filter_emit(m, VPC(o)->cidrs6[i].association_id);
}

static void f_vpc_assoc6_state(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VPC(o)->n_cidrs6; i++)
		api_filter_emit(m, model_cidr_state_name(VPC(o)->cidrs6[i].state));
}

static void f_vpc_assoc6_pool(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VPC(o)->n_cidrs6; i++)
		if (VPC(o)->cidrs6[i].pool)
			api_filter_emit(m, VPC(o)->cidrs6[i].pool);
}

static void f_vpc_default(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, VPC(o)->is_default);
}

static void f_vpc_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(VPC(o)->state));
}

static void f_vpc_owner(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VPC(o)->owner_id);
}

static void f_vpc_dopt(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VPC(o)->dhcp_options_id[0] ? VPC(o)->dhcp_options_id : "default");
}

static const struct model_tags *vpc_tags(const void *o)
{
	return &VPC(o)->tags;
}

/* DescribeVpcs filter names (EC2 API Reference). */
static const struct api_filter_field vpc_fields[] = {
    {"vpc-id", f_vpc_id},
    {"cidr", f_vpc_cidr},
    {"cidr-block-association.cidr-block", f_vpc_assoc_cidr},
    {"cidr-block-association.association-id", f_vpc_assoc_id},
    {"cidr-block-association.state", f_vpc_assoc_state},
    {"ipv6-cidr-block-association.ipv6-cidr-block", f_vpc_assoc6_cidr},
    {"ipv6-cidr-block-association.association-id", f_vpc_assoc6_id},
    {"ipv6-cidr-block-association.state", f_vpc_assoc6_state},
    {"ipv6-cidr-block-association.ipv6-pool", f_vpc_assoc6_pool},
    {"is-default", f_vpc_default},
    {"state", f_vpc_state},
    {"owner-id", f_vpc_owner},
    {"dhcp-options-id", f_vpc_dopt},
};
static const struct api_filter_table vpc_filters = {vpc_fields, ARRAY_SIZE(vpc_fields), vpc_tags};

static const char *vpc_id_of(const void *o)
{
	return VPC(o)->id;
}

static int describe_vpcs(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "VpcId",
	    .not_found_code = "InvalidVpcID.NotFound",
	    .not_found_fmt = VPC_NOT_FOUND,
	    .filters = &vpc_filters,
	    .paginated = true,
	    .objs = (const void *const *)r->model->vpcs,
	    .n_objs = r->model->n_vpcs,
	    .id_of = vpc_id_of,
	    .set_name = "vpcSet",
	    .render = render_vpc_item,
	};

	return api_describe_run(r, &d);
}

static const char *const vpc_cidr_unsupported[] = {
    "Ipv6CidrBlockNetworkBorderGroup",
    "Ipv6Pool",
    "Ipv6CidrBlock",
    "Ipv4IpamPoolId",
    "Ipv4NetmaskLength",
    "Ipv6IpamPoolId",
    "Ipv6NetmaskLength",
};

static int associate_vpc_cidr_block(struct api_req *r)
{
	char assoc[MODEL_ID_LEN];
	struct model_err err = {0};
	const struct model_vpc *vpc;
	struct net_cidr4 cidr;
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = refuse_true(r, "AmazonProvidedIpv6CidrBlock")) < 0 ||
	    (e = refuse_params(r, vpc_cidr_unsupported, ARRAY_SIZE(vpc_cidr_unsupported))) < 0 ||
	    (e = get_cidr(r, &cidr, API_REQUIRED, "CidrBlock", "cidrBlock")) < 0 ||
	    (e = need_vpc(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_associate_vpc_cidr_block(r->model, r->mctx, id, cidr, assoc, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	touch_vpc(r, id, false);
	vpc = model_find_vpc(r->model, id);
	for (size_t i = 0; vpc && i < vpc->n_cidrs; i++)
		if (strcmp(vpc->cidrs[i].association_id, assoc) == 0)
			render_cidr_assoc(r, "cidrBlockAssociation", assoc, vpc->cidrs[i].cidr,
					  model_cidr_state_name(vpc->cidrs[i].state));
	api_xml_str(r, "vpcId", id);
	return 0;
}

static int disassociate_vpc_cidr_block(struct api_req *r)
{
	char vpc_id[MODEL_ID_LEN] = "";
	struct model_err err = {0};
	struct net_cidr4 cidr = {0};
	const char *assoc;
	int e;

	if ((e = api_get_str(r, &assoc, API_REQUIRED, "AssociationId")) < 0)
		return e;
	/* Remember what to answer with: the op removes the association. */
	for (size_t i = 0; i < r->model->n_vpcs && !vpc_id[0]; i++) {
		const struct model_vpc *v = r->model->vpcs[i];

		for (size_t j = 0; j < v->n_cidrs; j++)
			if (strcmp(v->cidrs[j].association_id, assoc) == 0) {
				util_strscpy(vpc_id, v->id, sizeof(vpc_id));
				cidr = v->cidrs[j].cidr;
			}
	}
	if (!vpc_id[0])
		return api_fail(r, 400, "InvalidVpcCidrBlockAssociationID.NotFound",
				"The vpc CIDR block association ID '%s' does not exist", assoc);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_disassociate_vpc_cidr_block(r->model, r->mctx, assoc, &err)) < 0)
		return api_fail_model(r, e, &err);
	touch_vpc(r, vpc_id, false);
	render_cidr_assoc(r, "cidrBlockAssociation", assoc, cidr,
			  model_cidr_state_name(MODEL_CIDR_DISASSOCIATED));
	api_xml_str(r, "vpcId", vpc_id);
	return 0;
}

static const struct attr_choice vpc_attrs[] = {
    [MODEL_VPC_ATTR_DNS_SUPPORT] = {"EnableDnsSupport.Value", "enableDnsSupport", false},
    [MODEL_VPC_ATTR_DNS_HOSTNAMES] = {"EnableDnsHostnames.Value", "enableDnsHostnames", false},
    [MODEL_VPC_ATTR_NAU_METRICS] = {"EnableNetworkAddressUsageMetrics.Value",
				    "enableNetworkAddressUsageMetrics", false},
};

static bool vpc_attr_value(const struct model_vpc *v, enum model_vpc_attr a)
{
	switch (a) {
	case MODEL_VPC_ATTR_DNS_SUPPORT:
		return v->enable_dns_support;
	case MODEL_VPC_ATTR_DNS_HOSTNAMES:
		return v->enable_dns_hostnames;
	case MODEL_VPC_ATTR_NAU_METRICS:
		return v->enable_nau_metrics;
	}
	return false;
}

static int describe_vpc_attribute(struct api_req *r)
{
	const struct model_vpc *vpc;
	const char *id, *name;
	size_t a;
	int e;

	if ((e = api_get_str(r, &name, API_REQUIRED, "Attribute")) < 0 ||
	    (e = api_get_str(r, &id, API_REQUIRED, "VpcId")) < 0)
		return e;
	for (a = 0; a < ARRAY_SIZE(vpc_attrs); a++)
		if (strcmp(vpc_attrs[a].wire, name) == 0)
			break;
	if (a == ARRAY_SIZE(vpc_attrs))
		return api_fail_invalid_value(r,
					      "Value (%.64s) for parameter attribute is invalid. "
					      "Unknown attribute.",
					      name);
	if ((e = need_vpc(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	vpc = model_find_vpc(r->model, id);
	api_xml_str(r, "vpcId", vpc->id);
	api_xml_start(r, vpc_attrs[a].wire);
	api_xml_bool(r, "value", vpc_attr_value(vpc, (enum model_vpc_attr)a));
	api_xml_end(r);
	return 0;
}

static int modify_vpc_attribute(struct api_req *r)
{
	struct model_err err = {0};
	const char *id, *unused = NULL;
	size_t a = 0;
	bool value = false;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = get_one_attr(r, vpc_attrs, ARRAY_SIZE(vpc_attrs), &a, &value, &unused)) < 0 ||
	    (e = need_vpc(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_modify_vpc_attribute(r->model, r->mctx, id, (enum model_vpc_attr)a, value,
					  &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL); /* the save hint: the VPC alone */
	api_xml_return_true(r);
	return 0;
}

/* ---- subnets ------------------------------------------------------------------- */

/* A subnet as Describe sees it: with the Region and its free address count. */
struct subnet_view {
	const struct model_subnet *s;
	const char *region;
	uint32_t available;
};

static void render_subnet_body(struct api_req *r, const struct subnet_view *v)
{
	const struct model_subnet *s = v->s;
	char buf[NET_CIDR6_STRLEN];

	api_xml_str(r, "availabilityZone", s->az);
	api_xml_str(r, "availabilityZoneId", s->az_id);
	api_xml_long(r, "availableIpAddressCount", (long)v->available);
	api_xml_str(r, "cidrBlock", net_cidr4_format(s->cidr, buf));
	api_xml_bool(r, "defaultForAz", s->default_for_az);
	api_xml_bool(r, "mapPublicIpOnLaunch", s->map_public_ip_on_launch);
	api_xml_bool(r, "mapCustomerOwnedIpOnLaunch", false);
	api_xml_str(r, "state", model_state_name(s->state));
	api_xml_str(r, "subnetId", s->id);
	api_xml_str(r, "vpcId", s->vpc_id);
	api_xml_str(r, "ownerId", s->owner_id);
	api_xml_bool(r, "assignIpv6AddressOnCreation", s->assign_ipv6_on_creation);
	api_xml_start(r, "ipv6CidrBlockAssociationSet");
	if (s->has_cidr6) {
		api_xml_start(r, "item");
		api_xml_str(r, "associationId", s->cidr6_association_id);
		api_xml_str(r, "ipv6CidrBlock", net_cidr6_format(&s->cidr6, buf));
		api_xml_start(r, "ipv6CidrBlockState");
		api_xml_str(r, "state", "associated");
		api_xml_end(r);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_tags(r, "tagSet", &s->tags);
	api_xml_strf(r, "subnetArn", "arn:aws:ec2:%s:%s:subnet/%s", v->region, s->owner_id, s->id);
	api_xml_bool(r, "enableDns64", s->enable_dns64);
	api_xml_bool(r, "ipv6Native", s->ipv6_native);
	api_xml_start(r, "privateDnsNameOptionsOnLaunch");
	api_xml_str(r, "hostnameType", s->hostname_type[0] ? s->hostname_type : "ip-name");
	api_xml_bool(r, "enableResourceNameDnsARecord", s->enable_resource_name_dns_a);
	api_xml_bool(r, "enableResourceNameDnsAAAARecord", s->enable_resource_name_dns_aaaa);
	api_xml_end(r);
}

static struct subnet_view subnet_view_of(const struct api_req *r, const struct model_subnet *s)
{
	struct subnet_view v = {s, r->region, model_subnet_available_ips(r->model, s)};

	return v;
}

static void render_subnet_item(struct api_req *r, const void *o)
{
	api_xml_start(r, "item");
	render_subnet_body(r, o);
	api_xml_end(r);
}

static const char *const subnet_unsupported[] = {"Ipv6CidrBlock", "OutpostArn"};

static int create_subnet(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_subnet *s;
	struct subnet_view v;
	struct net_cidr4 cidr;
	const char *vpc_id, *az = NULL, *az_id = NULL;
	int e;

	if ((e = api_get_str(r, &vpc_id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = refuse_true(r, "Ipv6Native")) < 0 ||
	    (e = refuse_params(r, subnet_unsupported, ARRAY_SIZE(subnet_unsupported))) < 0 ||
	    (e = get_cidr(r, &cidr, API_REQUIRED, "CidrBlock", "cidrBlock")) < 0 ||
	    (e = api_get_str(r, &az, API_OPTIONAL, "AvailabilityZone")) < 0 ||
	    (e = api_get_str(r, &az_id, API_OPTIONAL, "AvailabilityZoneId")) < 0 ||
	    (e = api_get_tag_specs(r, "subnet", &tags)) < 0)
		goto out;
	if ((e = need_vpc(r, vpc_id)) < 0 || (e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_subnet(r->model, r->mctx, vpc_id, cidr, az, az_id, &s, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if ((e = copy_tags(r, &s->tags, &tags)) < 0)
		goto out;
	/* The save hint: the subnet, and the VPC's default ACL that now lists it. */
	{
		const struct model_nacl *acl = model_vpc_default_nacl(r->model, vpc_id);

		api_touch(r, s->id, acl ? acl->id : NULL);
	}
	v = subnet_view_of(r, s);
	api_xml_start(r, "subnet");
	render_subnet_body(r, &v);
	api_xml_end(r);
out:
	model_tags_clear(&tags);
	return e;
}

/*
 * The save hint of DeleteSubnet (taken before it): the subnet, its ACL and
 * its route table (each holds its association; without an explicit one that
 * is the main table, which does not change: a harmless extra), and its flow
 * logs (which go with it).
 */
static void touch_subnet_deleted(struct api_req *r, const char *id)
{
	const struct model *m = r->model;
	const struct model_nacl *acl = model_subnet_nacl(m, id);
	const struct model_route_table *rtb = model_subnet_route_table(m, id);
	const char **ids = api_alloc(r, (3 + m->n_flow_logs) * sizeof(*ids));
	size_t n = 0;

	if (!ids)
		return;
	ids[n++] = id;
	if (acl)
		ids[n++] = acl->id;
	if (rtb)
		ids[n++] = rtb->id;
	for (size_t i = 0; i < m->n_flow_logs; i++)
		if (strcmp(m->flow_logs[i]->resource_id, id) == 0)
			ids[n++] = m->flow_logs[i]->id;
	api_touch_list(r, ids, n);
}

static int delete_subnet(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "SubnetId")) < 0 ||
	    (e = need_subnet(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	touch_subnet_deleted(r, id);
	if ((e = model_op_delete_subnet(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

#define SV(o) ((const struct subnet_view *)(o))
#define SN(o) (SV(o)->s)

static void f_sn_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->id);
}

static void f_sn_vpc(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->vpc_id);
}

static void f_sn_cidr(const void *o, struct api_filter_match *m)
{
	char buf[NET_CIDR4_STRLEN];

	api_filter_emit(m, net_cidr4_format(SN(o)->cidr, buf));
}

static void f_sn_az(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->az);
}

static void f_sn_az_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->az_id);
}

static void f_sn_avail(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%u", (unsigned)SV(o)->available);
}

static void f_sn_default(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->default_for_az);
}

static void f_sn_map_public(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->map_public_ip_on_launch);
}

static void f_sn_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(SN(o)->state));
}

static void f_sn_owner(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->owner_id);
}

static void f_sn_arn(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "arn:aws:ec2:%s:%s:subnet/%s", SV(o)->region, SN(o)->owner_id,
			 SN(o)->id);
}

static void f_sn_ipv6_native(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->ipv6_native);
}

static void f_sn_dns64(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->enable_dns64);
}

static void f_sn_cidr6(const void *o, struct api_filter_match *m)
{
	char buf[NET_CIDR6_STRLEN];

	if (SN(o)->has_cidr6)
		api_filter_emit(m, net_cidr6_format(&SN(o)->cidr6, buf));
}

static void f_sn_cidr6_assoc(const void *o, struct api_filter_match *m)
{
	if (SN(o)->has_cidr6)
		api_filter_emit(m, SN(o)->cidr6_association_id);
}

static void f_sn_cidr6_state(const void *o, struct api_filter_match *m)
{
	if (SN(o)->has_cidr6)
		api_filter_emit(m, "associated");
}

static void f_sn_hostname_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SN(o)->hostname_type[0] ? SN(o)->hostname_type : "ip-name");
}

static void f_sn_dns_a(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->enable_resource_name_dns_a);
}

static void f_sn_dns_aaaa(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, SN(o)->enable_resource_name_dns_aaaa);
}

static void f_false(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, false);
}

static const struct model_tags *subnet_tags(const void *o)
{
	return &SN(o)->tags;
}

/* DescribeSubnets filter names (EC2 API Reference, with its documented aliases). */
static const struct api_filter_field subnet_fields[] = {
    {"subnet-id", f_sn_id},
    {"vpc-id", f_sn_vpc},
    {"cidr-block", f_sn_cidr},
    {"cidr", f_sn_cidr},
    {"cidrBlock", f_sn_cidr},
    {"availability-zone", f_sn_az},
    {"availabilityZone", f_sn_az},
    {"availability-zone-id", f_sn_az_id},
    {"available-ip-address-count", f_sn_avail},
    {"default-for-az", f_sn_default},
    {"defaultForAz", f_sn_default},
    {"map-public-ip-on-launch", f_sn_map_public},
    {"state", f_sn_state},
    {"owner-id", f_sn_owner},
    {"subnet-arn", f_sn_arn},
    {"ipv6-native", f_sn_ipv6_native},
    {"enable-dns64", f_sn_dns64},
    {"ipv6-cidr-block-association.ipv6-cidr-block", f_sn_cidr6},
    {"ipv6-cidr-block-association.association-id", f_sn_cidr6_assoc},
    {"ipv6-cidr-block-association.state", f_sn_cidr6_state},
    {"private-dns-name-options-on-launch.hostname-type", f_sn_hostname_type},
    {"private-dns-name-options-on-launch.enable-resource-name-dns-a-record", f_sn_dns_a},
    {"private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record", f_sn_dns_aaaa},
    {"map-customer-owned-ip-on-launch", f_false},
};
static const struct api_filter_table subnet_filters = {subnet_fields, ARRAY_SIZE(subnet_fields),
						       subnet_tags};

static const char *subnet_id_of(const void *o)
{
	return SN(o)->id;
}

static int describe_subnets(struct api_req *r)
{
	size_t n = r->model->n_subnets;
	struct subnet_view *views = api_alloc(r, (n + 1) * sizeof(*views));
	const void **objs = api_alloc(r, (n + 1) * sizeof(*objs));
	/* Free addresses of every subnet: one pass over the ENIs, memoised until a change. */
	const uint32_t *avail = api_subnets_available_ips(r);

	if (!views || !objs || !avail)
		return oom(r);
	for (size_t i = 0; i < n; i++) {
		views[i] = (struct subnet_view){r->model->subnets[i], r->region, avail[i]};
		objs[i] = &views[i];
	}
	const struct api_describe d = {
	    .id_param = "SubnetId",
	    .not_found_code = "InvalidSubnetID.NotFound",
	    .not_found_fmt = SUBNET_NOT_FOUND,
	    .filters = &subnet_filters,
	    .paginated = true,
	    .objs = objs,
	    .n_objs = n,
	    .id_of = subnet_id_of,
	    .set_name = "subnetSet",
	    .render = render_subnet_item,
	};

	return api_describe_run(r, &d);
}

/* The attributes of ModifySubnetAttribute, indexed by enum model_subnet_attr. */
static const struct attr_choice subnet_attrs[] = {
    [MODEL_SUBNET_ATTR_MAP_PUBLIC_IP] = {"MapPublicIpOnLaunch.Value", "mapPublicIpOnLaunch", false},
    [MODEL_SUBNET_ATTR_ASSIGN_IPV6] = {"AssignIpv6AddressOnCreation.Value",
				       "assignIpv6AddressOnCreation", false},
    [MODEL_SUBNET_ATTR_DNS64] = {"EnableDns64.Value", "enableDns64", false},
    [MODEL_SUBNET_ATTR_HOSTNAME_TYPE] = {"PrivateDnsHostnameTypeOnLaunch",
					 "privateDnsHostnameTypeOnLaunch", true},
    [MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_A] = {"EnableResourceNameDnsARecordOnLaunch.Value",
					       "enableResourceNameDnsARecordOnLaunch", false},
    [MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_AAAA] = {"EnableResourceNameDnsAAAARecordOnLaunch.Value",
						  "enableResourceNameDnsAAAARecordOnLaunch", false},
};

/* Attributes the model does not keep (customer-owned IPs, LNI): refused clearly. */
static const char *const subnet_attr_unsupported[] = {
    "MapCustomerOwnedIpOnLaunch.Value",
    "CustomerOwnedIpv4Pool",
    "EnableLniAtDeviceIndex",
    "DisableLniAtDeviceIndex.Value",
};

static int modify_subnet_attribute(struct api_req *r)
{
	struct model_err err = {0};
	const char *id, *text = NULL;
	size_t a = 0;
	bool flag = false;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "SubnetId")) < 0 ||
	    (e = refuse_params(r, subnet_attr_unsupported, ARRAY_SIZE(subnet_attr_unsupported))) <
		0 ||
	    (e = get_one_attr(r, subnet_attrs, ARRAY_SIZE(subnet_attrs), &a, &flag, &text)) < 0 ||
	    (e = need_subnet(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_modify_subnet_attribute(r->model, r->mctx, id, (enum model_subnet_attr)a, flag,
					     text, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

/* clang-format off */
API_FAMILY_DEFINE(vpc,
		  {"CreateVpc", create_vpc, API_MUTATING},
		  {"CreateDefaultVpc", create_default_vpc, API_MUTATING},
		  {"DeleteVpc", delete_vpc, API_MUTATING},
		  {"DescribeVpcs", describe_vpcs, API_READ},
		  {"AssociateVpcCidrBlock", associate_vpc_cidr_block, API_MUTATING | API_NO_DRY_RUN},
		  {"DisassociateVpcCidrBlock", disassociate_vpc_cidr_block,
		   API_MUTATING | API_NO_DRY_RUN},
		  {"DescribeVpcAttribute", describe_vpc_attribute, API_READ},
		  {"ModifyVpcAttribute", modify_vpc_attribute, API_MUTATING | API_NO_DRY_RUN},
		  {"CreateSubnet", create_subnet, API_MUTATING},
		  {"DeleteSubnet", delete_subnet, API_MUTATING},
		  {"DescribeSubnets", describe_subnets, API_READ},
		  {"ModifySubnetAttribute", modify_subnet_attribute,
		   API_MUTATING | API_NO_DRY_RUN}, );
/* clang-format on */
