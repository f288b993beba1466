/*
 * ops-vpc: VPC, subnet, route table, internet gateway, Elastic IP, NAT
 * gateway, VPN and flow log operations.
 *
 * What.  The validated changes declared in ops-vpc.h, with AWS semantics
 * (vpc-semantics.md sections 1, 2, 6, 7, 9, 11, 12.1).  Every operation
 * validates everything first and only then mutates, so a failure leaves the
 * model untouched; the only failure possible after mutation starts is OOM,
 * which rolls back what was added.
 *
 * Invariants: see ops-vpc.h.  Ownership: the model owns every object; inputs
 * belong to the caller and are copied.  No I/O, no logging.
 */
#include "lib/model/ops-vpc.h"
#include "lib/model/ops-dhcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lib/model/ops-sg.h"

#define FLOW_LOG_MAX_RESOURCES 1000
#define FLOW_LOG_DEST_MAX      1024
#define FLOW_LOG_FORMAT_MAX    4096
#define VPN_OUTSIDE_POOL       0xcb007100u /* 203.0.113.0/24 */
#define VPN_INSIDE_POOL	       0xa9fe0a00u /* 169.254.10.0/24 */

static const char *cidr_str(struct net_cidr4 c, char buf[NET_CIDR4_STRLEN])
{
	return net_cidr4_format(c, buf);
}

static int oom(struct model_err *err)
{
	return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "out of memory");
}

static struct net_cidr4 mkcidr(uint32_t addr, uint8_t len)
{
	struct net_cidr4 c = {.addr = addr & net_mask4(len), .len = len};

	return c;
}

/* What a failed lookup returns: -EINVAL for a missing ID, else -ENOENT. */
static int lookup_errno(const char *id)
{
	return id && *id ? -ENOENT : -EINVAL;
}

/* ---- shared construction -------------------------------------------------- */

static struct model_route local_route(struct net_cidr4 cidr)
{
	struct model_route r = {0};

	r.dest_type = MODEL_DEST_CIDR4;
	r.dest = cidr;
	r.target_type = MODEL_TARGET_LOCAL;
	util_strscpy(r.target_id, "local", sizeof(r.target_id));
	r.origin = MODEL_ORIGIN_CREATE_ROUTE_TABLE;
	return r;
}

static bool is_local_route(const struct model_route *r)
{
	return r->origin == MODEL_ORIGIN_CREATE_ROUTE_TABLE;
}

static void rtb_remove_route_at(struct model_route_table *rtb, size_t i)
{
	memmove(&rtb->routes[i], &rtb->routes[i + 1],
		(rtb->n_routes - i - 1) * sizeof(rtb->routes[0]));
	rtb->n_routes--;
}

static void rtb_remove_assoc_at(struct model_route_table *rtb, size_t i)
{
	memmove(&rtb->assocs[i], &rtb->assocs[i + 1],
		(rtb->n_assocs - i - 1) * sizeof(rtb->assocs[0]));
	rtb->n_assocs--;
}

/* A route table of vpc with a local route per VPC CIDR, or NULL on OOM (nothing left behind). */
static struct model_route_table *rtb_build(struct model *m, struct model_ctx *ctx,
					   const struct model_vpc *vpc)
{
	struct model_route_table *rtb = model_add_route_table(m);

	if (!rtb)
		return NULL;
	model_new_id(m, ctx, "rtb-", rtb->id);
	util_strscpy(rtb->vpc_id, vpc->id, sizeof(rtb->vpc_id));
	util_strscpy(rtb->owner_id, m->account_id, sizeof(rtb->owner_id));
	for (size_t i = 0; i < vpc->n_cidrs; i++) {
		struct model_route r = local_route(vpc->cidrs[i].cidr);

		if (model_rtb_add_route(rtb, &r) < 0) {
			model_remove_route_table(m, rtb->id);
			return NULL;
		}
	}
	return rtb;
}

/* Removes the VPC and everything vpc_build made for it (by VPC ID). */
static void vpc_teardown(struct model *m, const char *vpc_id)
{
	char id[MODEL_ID_LEN];

	util_strscpy(id, vpc_id, sizeof(id));
	for (size_t i = m->n_route_tables; i-- > 0;)
		if (strcmp(m->route_tables[i]->vpc_id, id) == 0)
			model_remove_route_table(m, m->route_tables[i]->id);
	for (size_t i = m->n_sgs; i-- > 0;)
		if (strcmp(m->sgs[i]->vpc_id, id) == 0)
			model_remove_sg(m, m->sgs[i]->id);
	for (size_t i = m->n_nacls; i-- > 0;)
		if (strcmp(m->nacls[i]->vpc_id, id) == 0)
			model_remove_nacl(m, m->nacls[i]->id);
	for (size_t i = m->n_flow_logs; i-- > 0;)
		if (strcmp(m->flow_logs[i]->resource_id, id) == 0)
			model_remove_flow_log(m, m->flow_logs[i]->id);
	model_remove_vpc(m, id);
}

static int default_sg_build(struct model *m, struct model_ctx *ctx, const struct model_vpc *vpc)
{
	struct model_sg *sg = model_add_sg(m);
	struct model_sg_rule in = {0}, out = {0};

	if (!sg)
		return -ENOMEM;
	model_new_id(m, ctx, "sg-", sg->id);
	util_strscpy(sg->vpc_id, vpc->id, sizeof(sg->vpc_id));
	util_strscpy(sg->owner_id, m->account_id, sizeof(sg->owner_id));
	sg->name = strdup("default");
	sg->description = strdup("default VPC security group");
	if (!sg->name || !sg->description)
		return -ENOMEM;
	model_new_id(m, ctx, "sgr-", in.id);
	in.egress = false;
	in.protocol = MODEL_PROTO_ALL;
	in.from_port = in.to_port = -1;
	in.peer_type = MODEL_PEER_GROUP;
	util_strscpy(in.group_id, sg->id, sizeof(in.group_id));
	util_strscpy(in.group_owner, m->account_id, sizeof(in.group_owner));
	if (model_sg_add_rule(sg, &in) < 0)
		return -ENOMEM;
	model_new_id(m, ctx, "sgr-", out.id);
	out.egress = true;
	out.protocol = MODEL_PROTO_ALL;
	out.from_port = out.to_port = -1;
	out.peer_type = MODEL_PEER_CIDR4;
	out.cidr = mkcidr(0, 0);
	return model_sg_add_rule(sg, &out);
}

static int default_nacl_build(struct model *m, struct model_ctx *ctx, const struct model_vpc *vpc)
{
	struct model_nacl *acl = model_add_nacl(m);

	if (!acl)
		return -ENOMEM;
	model_new_id(m, ctx, "acl-", acl->id);
	util_strscpy(acl->vpc_id, vpc->id, sizeof(acl->vpc_id));
	util_strscpy(acl->owner_id, m->account_id, sizeof(acl->owner_id));
	acl->is_default = true;
	for (int egress = 0; egress < 2; egress++) {
		struct model_nacl_entry e = {0};

		e.egress = egress;
		e.protocol = MODEL_PROTO_ALL;
		e.cidr = mkcidr(0, 0);
		e.from_port = e.to_port = -1;
		e.icmp_type = e.icmp_code = -1;
		e.rule_number = 100;
		e.allow = true;
		if (model_nacl_add_entry(acl, &e) < 0)
			return -ENOMEM;
		e.rule_number = MODEL_NACL_DEFAULT_RULE4;
		e.allow = false;
		if (model_nacl_add_entry(acl, &e) < 0)
			return -ENOMEM;
	}
	return 0;
}

/*
 * The VPC with its main route table, default SG and default NACL.  Returns
 * NULL on OOM with nothing left in the model.
 */
static struct model_vpc *vpc_build(struct model *m, struct model_ctx *ctx, struct net_cidr4 cidr,
				   const char *tenancy, bool is_default)
{
	struct model_vpc *vpc = model_add_vpc(m);
	struct model_route_table *rtb;
	struct model_rtb_assoc a = {0};
	char assoc[MODEL_ID_LEN];
	const char *dopt;

	if (!vpc)
		return NULL;
	dopt = model_dhcp_region_default(m, ctx);
	model_new_id(m, ctx, "vpc-", vpc->id);
	util_strscpy(vpc->owner_id, m->account_id, sizeof(vpc->owner_id));
	vpc->state = MODEL_STATE_AVAILABLE;
	vpc->is_default = is_default;
	if (dopt)
		util_strscpy(vpc->dhcp_options_id, dopt, sizeof(vpc->dhcp_options_id));
	else
		model_new_id(m, ctx, "dopt-", vpc->dhcp_options_id);
	util_strscpy(vpc->instance_tenancy, tenancy, sizeof(vpc->instance_tenancy));
	vpc->enable_dns_support = true;
	vpc->enable_dns_hostnames = is_default;
	model_new_id(m, ctx, "vpc-cidr-assoc-", assoc);
	if (model_vpc_add_cidr(vpc, assoc, cidr) < 0)
		goto fail;
	vpc->cidrs[0].state = MODEL_CIDR_ASSOCIATED;
	rtb = rtb_build(m, ctx, vpc);
	if (!rtb)
		goto fail;
	model_new_id(m, ctx, "rtbassoc-", a.id);
	a.main = true;
	if (model_rtb_add_assoc(rtb, &a) < 0)
		goto fail;
	if (default_sg_build(m, ctx, vpc) < 0 || default_nacl_build(m, ctx, vpc) < 0)
		goto fail;
	return vpc;
fail:
	vpc_teardown(m, vpc->id);
	return NULL;
}

static bool cidr_in_link_local(struct net_cidr4 c)
{
	return net_cidr4_overlaps(c, mkcidr(0xa9fe0000u, 16));
}

static size_t vpc_count(const struct model *m)
{
	return m->n_vpcs;
}

int model_op_create_vpc(struct model *m, struct model_ctx *ctx, struct net_cidr4 cidr,
			const char *tenancy, struct model_vpc **ret_vpc, struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN];
	struct model_vpc *vpc;

	if (cidr.len < 16 || cidr.len > 28 || cidr_in_link_local(cidr) ||
	    cidr.addr != (cidr.addr & net_mask4(cidr.len)))
		return model_err_set(err, -EINVAL, MODEL_ERR_VPC_RANGE, "The CIDR '%s' is invalid.",
				     cidr_str(cidr, buf));
	if (!tenancy)
		tenancy = "default";
	if (strcmp(tenancy, "default") != 0 && strcmp(tenancy, "dedicated") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%.64s) for parameter instanceTenancy is invalid.",
				     tenancy);
	if (vpc_count(m) >= (size_t)ctx->quotas.vpcs_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_VPC_LIMIT,
				     "The maximum number of VPCs has been reached.");
	vpc = vpc_build(m, ctx, cidr, tenancy, false);
	if (!vpc)
		return oom(err);
	if (ret_vpc)
		*ret_vpc = vpc;
	return 0;
}

static bool vpc_has_dependencies(const struct model *m, const struct model_vpc *vpc)
{
	for (size_t i = 0; i < m->n_subnets; i++)
		if (strcmp(m->subnets[i]->vpc_id, vpc->id) == 0)
			return true;
	if (model_vpc_igw(m, vpc->id) || model_vpc_vgw(m, vpc->id))
		return true;
	for (size_t i = 0; i < m->n_sgs; i++)
		if (strcmp(m->sgs[i]->vpc_id, vpc->id) == 0 &&
		    !(m->sgs[i]->name && strcmp(m->sgs[i]->name, "default") == 0))
			return true;
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route_table *r = m->route_tables[i];
		bool main = false;

		if (strcmp(r->vpc_id, vpc->id) != 0)
			continue;
		for (size_t j = 0; j < r->n_assocs; j++)
			main |= r->assocs[j].main;
		if (!main)
			return true;
	}
	for (size_t i = 0; i < m->n_nacls; i++)
		if (strcmp(m->nacls[i]->vpc_id, vpc->id) == 0 && !m->nacls[i]->is_default)
			return true;
	for (size_t i = 0; i < m->n_enis; i++)
		if (strcmp(m->enis[i]->vpc_id, vpc->id) == 0)
			return true;
	for (size_t i = 0; i < m->n_nat_gateways; i++)
		if (strcmp(m->nat_gateways[i]->vpc_id, vpc->id) == 0 &&
		    m->nat_gateways[i]->state != MODEL_STATE_DELETED &&
		    m->nat_gateways[i]->state != MODEL_STATE_FAILED)
			return true;
	return false;
}

int model_op_delete_vpc(struct model *m, struct model_ctx *ctx, const char *vpc_id,
			struct model_err *err)
{
	struct model_vpc *vpc = model_lookup_vpc(m, vpc_id, err);

	(void)ctx;
	if (!vpc)
		return lookup_errno(vpc_id);
	if (vpc_has_dependencies(m, vpc))
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "The vpc '%s' has dependencies and cannot be deleted.",
				     vpc->id);
	vpc_teardown(m, vpc->id);
	return 0;
}

/* RFC 1918 block of an address: 1 = 10/8, 2 = 172.16/12, 3 = 192.168/16, 0 = none. */
static int rfc1918_block(struct net_cidr4 c)
{
	if (net_cidr4_covers(mkcidr(0x0a000000u, 8), c))
		return 1;
	if (net_cidr4_covers(mkcidr(0xac100000u, 12), c))
		return 2;
	if (net_cidr4_covers(mkcidr(0xc0a80000u, 16), c))
		return 3;
	return 0;
}

/* Section 1.3 mixing rules: is adding c to vpc restricted? */
static bool cidr_restricted(const struct model_vpc *vpc, struct net_cidr4 c)
{
	struct net_cidr4 primary = vpc->cidrs[0].cidr;
	int bp = rfc1918_block(primary), bc = rfc1918_block(c);

	if (bc != 0 && bc != bp)
		return true; /* another RFC 1918 block, or RFC 1918 into a public VPC */
	if (net_cidr4_overlaps(c, mkcidr(0xc6130000u, 16)) &&
	    !net_cidr4_covers(mkcidr(0xc6130000u, 16), primary))
		return true; /* 198.19.0.0/16 */
	if (bp == 2 && net_cidr4_overlaps(c, mkcidr(0xac1f0000u, 16)))
		return true; /* 172.31.0.0/16 cannot join a 172.16/12 VPC */
	for (size_t i = 0; i < vpc->n_cidrs; i++)
		if (net_cidr4_covers(mkcidr(0x0a000000u, 15), vpc->cidrs[i].cidr) &&
		    net_cidr4_overlaps(c, mkcidr(0x0a000000u, 16)))
			return true;
	return false;
}

int model_op_associate_vpc_cidr_block(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				      struct net_cidr4 cidr, char ret_assoc_id[MODEL_ID_LEN],
				      struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN], rbuf[NET_CIDR4_STRLEN], assoc[MODEL_ID_LEN];
	struct model_vpc *vpc = model_lookup_vpc(m, vpc_id, err);
	size_t done = 0;

	if (!vpc)
		return lookup_errno(vpc_id);
	cidr_str(cidr, buf);
	if (cidr.len < 16 || cidr.len > 28 || cidr_in_link_local(cidr) ||
	    cidr.addr != (cidr.addr & net_mask4(cidr.len)))
		return model_err_set(err, -EINVAL, MODEL_ERR_VPC_RANGE, "The CIDR '%s' is invalid.",
				     buf);
	if (vpc->n_cidrs >= (size_t)ctx->quotas.cidrs_per_vpc)
		return model_err_set(err, -EDQUOT, MODEL_ERR_CIDR_LIMIT,
				     "This network '%s' has met its maximum number of allowed "
				     "CIDRs: %d",
				     vpc->id, ctx->quotas.cidrs_per_vpc);
	for (size_t i = 0; i < vpc->n_cidrs; i++)
		if (net_cidr4_overlaps(vpc->cidrs[i].cidr, cidr))
			return model_err_set(err, -EEXIST, MODEL_ERR_CIDR_CONFLICT,
					     "The CIDR '%s' conflicts with another CIDR block of "
					     "the VPC.",
					     buf);
	if (cidr_restricted(vpc, cidr))
		return model_err_set(err, -EINVAL, MODEL_ERR_VPC_RANGE,
				     "The CIDR '%s' is restricted. Use a CIDR from the same "
				     "private address range as the current VPC CIDR, or use a "
				     "publicly-routable CIDR.",
				     buf);
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route_table *r = m->route_tables[i];

		if (strcmp(r->vpc_id, vpc->id) != 0)
			continue;
		for (size_t j = 0; j < r->n_routes; j++)
			if (r->routes[j].dest_type == MODEL_DEST_CIDR4 &&
			    net_cidr4_covers(cidr, r->routes[j].dest))
				return model_err_set(
				    err, -EINVAL, MODEL_ERR_CIDR_CONFLICT,
				    "The CIDR '%s' is equal to or larger than the destination "
				    "'%s' of a route in route table '%s'.",
				    buf, cidr_str(r->routes[j].dest, rbuf), r->id);
	}
	model_new_id(m, ctx, "vpc-cidr-assoc-", assoc);
	if (model_vpc_add_cidr(vpc, assoc, cidr) < 0)
		return oom(err);
	vpc->cidrs[vpc->n_cidrs - 1].state = MODEL_CIDR_ASSOCIATED;
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route r = local_route(cidr);

		if (strcmp(m->route_tables[i]->vpc_id, vpc->id) != 0)
			continue;
		if (model_rtb_add_route(m->route_tables[i], &r) < 0)
			goto fail;
		done = i + 1;
	}
	if (ret_assoc_id)
		memcpy(ret_assoc_id, assoc, MODEL_ID_LEN);
	return 0;
fail:
	for (size_t i = 0; i < done; i++) {
		struct model_route_table *r = m->route_tables[i];

		if (strcmp(r->vpc_id, vpc->id) == 0 && r->n_routes > 0)
			r->n_routes--; /* the route just appended */
	}
	vpc->n_cidrs--;
	return oom(err);
}

int model_op_disassociate_vpc_cidr_block(struct model *m, struct model_ctx *ctx,
					 const char *assoc_id, struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN];
	struct model_vpc *vpc = NULL;
	size_t idx = 0;
	struct net_cidr4 c;

	(void)ctx;
	for (size_t i = 0; assoc_id && i < m->n_vpcs && !vpc; i++)
		for (size_t j = 0; j < m->vpcs[i]->n_cidrs; j++)
			if (strcmp(m->vpcs[i]->cidrs[j].association_id, assoc_id) == 0) {
				vpc = m->vpcs[i];
				idx = j;
				break;
			}
	if (!vpc)
		return model_err_set(err, -ENOENT, MODEL_ERR_VPC_CIDR_ASSOC_NOT_FOUND,
				     "The vpc CIDR block association ID '%s' does not exist",
				     assoc_id ? assoc_id : "");
	c = vpc->cidrs[idx].cidr;
	if (idx == 0)
		return model_err_set(err, -EPERM, MODEL_ERR_OPERATION_NOT_PERMITTED,
				     "The vpc CIDR block with association ID %s may not be "
				     "disassociated. It is the primary IPv4 CIDR block of the VPC",
				     assoc_id);
	for (size_t i = 0; i < m->n_subnets; i++)
		if (strcmp(m->subnets[i]->vpc_id, vpc->id) == 0 &&
		    net_cidr4_covers(c, m->subnets[i]->cidr))
			return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
					     "The vpc CIDR block '%s' has dependencies (subnet "
					     "'%s') and cannot be disassociated.",
					     cidr_str(c, buf), m->subnets[i]->id);
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *r = m->route_tables[i];

		if (strcmp(r->vpc_id, vpc->id) != 0)
			continue;
		for (size_t j = r->n_routes; j-- > 0;)
			if (is_local_route(&r->routes[j]) && net_cidr4_equal(r->routes[j].dest, c))
				rtb_remove_route_at(r, j);
	}
	memmove(&vpc->cidrs[idx], &vpc->cidrs[idx + 1],
		(vpc->n_cidrs - idx - 1) * sizeof(vpc->cidrs[0]));
	vpc->n_cidrs--;
	return 0;
}

int model_op_modify_vpc_attribute(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				  enum model_vpc_attr attr, bool value, struct model_err *err)
{
	struct model_vpc *vpc = model_lookup_vpc(m, vpc_id, err);

	(void)ctx;
	if (!vpc)
		return lookup_errno(vpc_id);
	switch (attr) {
	case MODEL_VPC_ATTR_DNS_SUPPORT:
		if (!value && vpc->enable_dns_hostnames)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "enableDnsSupport cannot be disabled while "
					     "enableDnsHostnames is enabled.");
		vpc->enable_dns_support = value;
		return 0;
	case MODEL_VPC_ATTR_DNS_HOSTNAMES:
		if (value && !vpc->enable_dns_support)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "enableDnsHostnames cannot be enabled unless "
					     "enableDnsSupport is enabled.");
		vpc->enable_dns_hostnames = value;
		return 0;
	case MODEL_VPC_ATTR_NAU_METRICS:
		vpc->enable_nau_metrics = value;
		return 0;
	}
	return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER, "Unknown VPC attribute.");
}

/* ---- subnets -------------------------------------------------------------- */

/* The subnet record (no NACL association yet), or NULL on OOM. */
static struct model_subnet *subnet_build(struct model *m, struct model_ctx *ctx,
					 const struct model_vpc *vpc, struct net_cidr4 cidr,
					 size_t az_index)
{
	struct model_subnet *s = model_add_subnet(m);

	if (!s)
		return NULL;
	model_new_id(m, ctx, "subnet-", s->id);
	util_strscpy(s->vpc_id, vpc->id, sizeof(s->vpc_id));
	util_strscpy(s->owner_id, m->account_id, sizeof(s->owner_id));
	s->cidr = cidr;
	util_strscpy(s->az, ctx->azs[az_index], sizeof(s->az));
	util_strscpy(s->az_id, ctx->az_ids[az_index], sizeof(s->az_id));
	s->state = MODEL_STATE_AVAILABLE;
	util_strscpy(s->hostname_type, "ip-name", sizeof(s->hostname_type));
	return s;
}

/* Associates s with its VPC's default NACL.  0 or -ENOMEM (subnet left as is). */
static int subnet_attach_default_nacl(struct model *m, struct model_ctx *ctx,
				      const struct model_subnet *s)
{
	struct model_nacl *acl = model_vpc_default_nacl(m, s->vpc_id);
	char assoc[MODEL_ID_LEN];

	if (!acl)
		return 0;
	model_new_id(m, ctx, "aclassoc-", assoc);
	return model_nacl_add_assoc(acl, assoc, s->id);
}

/* Removes every NACL and route table association of the subnet and its flow logs. */
static void subnet_forget(struct model *m, const char *subnet_id)
{
	for (size_t i = 0; i < m->n_nacls; i++) {
		struct model_nacl *acl = m->nacls[i];

		for (size_t j = acl->n_assocs; j-- > 0;)
			if (strcmp(acl->assocs[j].subnet_id, subnet_id) == 0) {
				memmove(&acl->assocs[j], &acl->assocs[j + 1],
					(acl->n_assocs - j - 1) * sizeof(acl->assocs[0]));
				acl->n_assocs--;
			}
	}
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *r = m->route_tables[i];

		for (size_t j = r->n_assocs; j-- > 0;)
			if (strcmp(r->assocs[j].subnet_id, subnet_id) == 0)
				rtb_remove_assoc_at(r, j);
	}
	for (size_t i = m->n_flow_logs; i-- > 0;)
		if (strcmp(m->flow_logs[i]->resource_id, subnet_id) == 0)
			model_remove_flow_log(m, m->flow_logs[i]->id);
}

static int az_resolve(const struct model_ctx *ctx, const char *az, const char *az_id,
		      size_t *ret_index, struct model_err *err)
{
	size_t by_name = SIZE_MAX, by_id = SIZE_MAX;

	if (ctx->n_azs == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_AZ_INVALID,
				     "The Region has no availability zones.");
	for (size_t i = 0; i < ctx->n_azs; i++) {
		if (az && strcmp(ctx->azs[i], az) == 0)
			by_name = i;
		if (az_id && strcmp(ctx->az_ids[i], az_id) == 0)
			by_id = i;
	}
	if (az && by_name == SIZE_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_AZ_INVALID,
				     "Value (%.64s) for parameter availabilityZone is invalid. "
				     "Subnets can currently only be created in the following "
				     "availability zones: %s..%s.",
				     az, ctx->azs[0], ctx->azs[ctx->n_azs - 1]);
	if (az_id && by_id == SIZE_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_AZ_INVALID,
				     "Value (%.64s) for parameter availabilityZoneId is invalid.",
				     az_id);
	if (az && az_id && by_name != by_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "The parameters AvailabilityZone and AvailabilityZoneId name "
				     "different zones.");
	*ret_index = az ? by_name : az_id ? by_id : 0;
	return 0;
}

int model_op_create_subnet(struct model *m, struct model_ctx *ctx, const char *vpc_id,
			   struct net_cidr4 cidr, const char *az, const char *az_id,
			   struct model_subnet **ret_subnet, struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN];
	struct model_vpc *vpc = model_lookup_vpc(m, vpc_id, err);
	struct model_subnet *s;
	bool inside = false;
	size_t n = 0, az_index = 0;
	int r;

	if (!vpc)
		return lookup_errno(vpc_id);
	cidr_str(cidr, buf);
	if (cidr.len < 16 || cidr.len > 28 || cidr.addr != (cidr.addr & net_mask4(cidr.len)))
		return model_err_set(err, -EINVAL, MODEL_ERR_SUBNET_RANGE,
				     "The CIDR '%s' is invalid.", buf);
	for (size_t i = 0; i < vpc->n_cidrs; i++)
		inside |= net_cidr4_covers(vpc->cidrs[i].cidr, cidr);
	if (!inside)
		return model_err_set(err, -EINVAL, MODEL_ERR_SUBNET_RANGE,
				     "The CIDR '%s' is invalid.", buf);
	for (size_t i = 0; i < m->n_subnets; i++) {
		if (strcmp(m->subnets[i]->vpc_id, vpc->id) != 0)
			continue;
		n++;
		if (net_cidr4_overlaps(m->subnets[i]->cidr, cidr))
			return model_err_set(err, -EEXIST, MODEL_ERR_SUBNET_CONFLICT,
					     "The CIDR '%s' conflicts with another subnet", buf);
	}
	r = az_resolve(ctx, az, az_id, &az_index, err);
	if (r < 0)
		return r;
	if (n >= (size_t)ctx->quotas.subnets_per_vpc)
		return model_err_set(err, -EDQUOT, MODEL_ERR_SUBNET_LIMIT,
				     "The maximum number of subnets has been reached.");
	s = subnet_build(m, ctx, vpc, cidr, az_index);
	if (!s)
		return oom(err);
	if (subnet_attach_default_nacl(m, ctx, s) < 0) {
		model_remove_subnet(m, s->id);
		return oom(err);
	}
	if (ret_subnet)
		*ret_subnet = s;
	return 0;
}

int model_op_delete_subnet(struct model *m, struct model_ctx *ctx, const char *subnet_id,
			   struct model_err *err)
{
	struct model_subnet *s = model_lookup_subnet(m, subnet_id, err);
	char id[MODEL_ID_LEN];

	(void)ctx;
	if (!s)
		return lookup_errno(subnet_id);
	for (size_t i = 0; i < m->n_enis; i++)
		if (strcmp(m->enis[i]->subnet_id, s->id) == 0)
			return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
					     "The subnet '%s' has dependencies and cannot be "
					     "deleted.",
					     s->id);
	util_strscpy(id, s->id, sizeof(id));
	subnet_forget(m, id);
	model_remove_subnet(m, id);
	return 0;
}

int model_op_modify_subnet_attribute(struct model *m, struct model_ctx *ctx, const char *subnet_id,
				     enum model_subnet_attr attr, bool flag, const char *text,
				     struct model_err *err)
{
	struct model_subnet *s = model_lookup_subnet(m, subnet_id, err);

	(void)ctx;
	if (!s)
		return lookup_errno(subnet_id);
	switch (attr) {
	case MODEL_SUBNET_ATTR_MAP_PUBLIC_IP:
		s->map_public_ip_on_launch = flag;
		return 0;
	case MODEL_SUBNET_ATTR_ASSIGN_IPV6:
		if (flag && !s->has_cidr6)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Invalid value 'true' for assignIpv6AddressOnCreation. "
			    "Cannot set assignIpv6AddressOnCreation to true unless "
			    "the subnet (%s) has an IPv6 CIDR block associated "
			    "with it.",
			    s->id);
		s->assign_ipv6_on_creation = flag;
		return 0;
	case MODEL_SUBNET_ATTR_DNS64:
		s->enable_dns64 = flag;
		return 0;
	case MODEL_SUBNET_ATTR_HOSTNAME_TYPE:
		if (!text || (strcmp(text, "ip-name") != 0 && strcmp(text, "resource-name") != 0))
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Value (%.64s) for parameter "
					     "privateDnsHostnameTypeOnLaunch is invalid.",
					     text ? text : "");
		util_strscpy(s->hostname_type, text, sizeof(s->hostname_type));
		return 0;
	case MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_A:
		s->enable_resource_name_dns_a = flag;
		return 0;
	case MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_AAAA:
		s->enable_resource_name_dns_aaaa = flag;
		return 0;
	}
	return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER,
			     "Unknown subnet attribute.");
}

/* ---- route tables --------------------------------------------------------- */

int model_op_create_route_table(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				struct model_route_table **ret_rtb, struct model_err *err)
{
	struct model_vpc *vpc = model_lookup_vpc(m, vpc_id, err);
	struct model_route_table *rtb;
	size_t n = 0;

	if (!vpc)
		return lookup_errno(vpc_id);
	for (size_t i = 0; i < m->n_route_tables; i++)
		n += strcmp(m->route_tables[i]->vpc_id, vpc->id) == 0;
	if (n >= (size_t)ctx->quotas.route_tables_per_vpc)
		return model_err_set(err, -EDQUOT, MODEL_ERR_RTB_LIMIT,
				     "The maximum number of route tables has been reached.");
	rtb = rtb_build(m, ctx, vpc);
	if (!rtb)
		return oom(err);
	if (ret_rtb)
		*ret_rtb = rtb;
	return 0;
}

int model_op_delete_route_table(struct model *m, struct model_ctx *ctx, const char *rtb_id,
				struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);

	(void)ctx;
	if (!rtb)
		return lookup_errno(rtb_id);
	if (rtb->n_assocs > 0)
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "The routeTable '%s' has dependencies and cannot be deleted.",
				     rtb->id);
	model_remove_route_table(m, rtb->id);
	return 0;
}

static bool gateway_attached_to(const struct model *m, const char *gw_id, const char *vpc_id)
{
	const struct model_igw *g = model_find_igw(m, gw_id);
	const struct model_vgw *v;

	if (g)
		return strcmp(g->attachment.vpc_id, vpc_id) == 0;
	v = model_find_vgw(m, gw_id);
	if (v)
		for (size_t i = 0; i < v->n_attachments; i++)
			if (strcmp(v->attachments[i].vpc_id, vpc_id) == 0 &&
			    strcmp(v->attachments[i].state, "attached") == 0)
				return true;
	return false;
}

static int different_networks(struct model_err *err, const char *rtb_id, const char *target)
{
	return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
			     "route table %s and network gateway %s belong to different networks",
			     rtb_id, target);
}

/*
 * Resolve the route target of spec for rtb: exactly one target that exists
 * and belongs to rtb's VPC.  Fills ret->target_type and target_id.
 */
static int route_target_resolve(const struct model *m, const struct model_route_table *rtb,
				const struct model_route_spec *spec, bool allow_local,
				struct model_route *ret, struct model_err *err)
{
	const char *targets[] = {spec->gateway_id,  spec->nat_gateway_id, spec->eni_id,
				 spec->instance_id, spec->vpc_peering_id, spec->transit_gateway_id};
	size_t n = spec->local_target ? 1 : 0;

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		n += targets[i] && *targets[i];
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain exactly one of gatewayId, "
				     "natGatewayId, networkInterfaceId, instanceId, "
				     "vpcPeeringConnectionId or transitGatewayId");
	if (n > 1)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "The parameter combination is not supported: more than one "
				     "route target was given");
	if (spec->local_target || (spec->gateway_id && strcmp(spec->gateway_id, "local") == 0)) {
		if (!allow_local)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Route target 'local' can only restore a local route");
		ret->target_type = MODEL_TARGET_LOCAL;
		util_strscpy(ret->target_id, "local", sizeof(ret->target_id));
		return 0;
	}
	if (spec->gateway_id && *spec->gateway_id) {
		const char *g = spec->gateway_id;

		if (strncmp(g, "igw-", 4) == 0 && model_find_igw(m, g)) {
			if (!gateway_attached_to(m, g, rtb->vpc_id))
				return different_networks(err, rtb->id, g);
			ret->target_type = MODEL_TARGET_IGW;
		} else if (strncmp(g, "vgw-", 4) == 0) {
			if (!model_find_vgw(m, g))
				return model_err_set(err, -ENOENT, MODEL_ERR_VGW_NOT_FOUND,
						     "The vpnGateway ID '%.64s' does not exist", g);
			if (!gateway_attached_to(m, g, rtb->vpc_id))
				return different_networks(err, rtb->id, g);
			ret->target_type = MODEL_TARGET_VGW;
		} else {
			/* Endpoints and other gateways are not modelled: they never exist. */
			return model_err_set(err, -ENOENT, MODEL_ERR_GATEWAY_NOT_FOUND,
					     "The gateway ID '%.64s' does not exist", g);
		}
		util_strscpy(ret->target_id, g, sizeof(ret->target_id));
		return 0;
	}
	if (spec->nat_gateway_id && *spec->nat_gateway_id) {
		const struct model_nat_gateway *nat =
		    model_find_nat_gateway(m, spec->nat_gateway_id);

		if (!nat || nat->state == MODEL_STATE_DELETED || nat->state == MODEL_STATE_FAILED)
			return model_err_set(err, -ENOENT, MODEL_ERR_NAT_NOT_FOUND,
					     "The natGateway ID '%.64s' does not exist",
					     spec->nat_gateway_id);
		if (strcmp(nat->vpc_id, rtb->vpc_id) != 0)
			return different_networks(err, rtb->id, nat->id);
		ret->target_type = MODEL_TARGET_NAT;
		util_strscpy(ret->target_id, nat->id, sizeof(ret->target_id));
		return 0;
	}
	if (spec->eni_id && *spec->eni_id) {
		const struct model_eni *eni = model_lookup_eni(m, spec->eni_id, err);

		if (!eni)
			return -ENOENT;
		if (strcmp(eni->vpc_id, rtb->vpc_id) != 0)
			return different_networks(err, rtb->id, eni->id);
		ret->target_type = MODEL_TARGET_ENI;
		util_strscpy(ret->target_id, eni->id, sizeof(ret->target_id));
		return 0;
	}
	if (spec->instance_id && *spec->instance_id) {
		const struct model_instance *in = model_lookup_live_instance(m, spec->instance_id, err);
		size_t enis = 0;

		if (!in)
			return -ENOENT;
		if (strcmp(in->vpc_id, rtb->vpc_id) != 0)
			return different_networks(err, rtb->id, in->id);
		for (size_t i = 0; i < m->n_enis; i++)
			enis += m->enis[i]->attachment.present &&
				strcmp(m->enis[i]->attachment.instance_id, in->id) == 0;
		if (enis != 1)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INSTANCE_ID_INVALID,
			    "There are multiple interfaces attached to instance "
			    "'%s'. Please specify an interface ID for the operation "
			    "instead.",
			    in->id);
		ret->target_type = MODEL_TARGET_INSTANCE;
		util_strscpy(ret->target_id, in->id, sizeof(ret->target_id));
		return 0;
	}
	if (spec->vpc_peering_id && *spec->vpc_peering_id)
		return model_err_set(err, -ENOENT, MODEL_ERR_PCX_NOT_FOUND,
				     "The vpcPeeringConnection ID '%.64s' does not exist",
				     spec->vpc_peering_id);
	return model_err_set(err, -ENOENT, MODEL_ERR_TGW_NOT_FOUND,
			     "The transitGateway ID '%.64s' does not exist",
			     spec->transit_gateway_id);
}

/* Destination of spec into *ret (dest_type, dest / prefix_list_id). */
static int route_dest_resolve(const struct model *m, const struct model_route_spec *spec,
			      struct model_route *ret, struct model_err *err)
{
	bool pl = spec->prefix_list_id && *spec->prefix_list_id;

	if (!spec->has_dest4 && !pl)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter "
				     "destinationCidrBlock or destinationPrefixListId");
	if (spec->has_dest4 && pl)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "Only one of destinationCidrBlock and "
				     "destinationPrefixListId may be given");
	if (pl) {
		if (!model_find_prefix_list(m, spec->prefix_list_id))
			return model_err_set(err, -ENOENT, MODEL_ERR_PREFIX_LIST_NOT_FOUND,
					     "The prefix list ID '%.64s' does not exist",
					     spec->prefix_list_id);
		ret->dest_type = MODEL_DEST_PREFIX_LIST;
		util_strscpy(ret->prefix_list_id, spec->prefix_list_id,
			     sizeof(ret->prefix_list_id));
		return 0;
	}
	if (net_cidr4_covers(mkcidr(0xa9fea800u, 22), spec->dest4)) {
		char buf[NET_CIDR4_STRLEN];

		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "The destination CIDR block %s is reserved (169.254.168.0/22).",
		    cidr_str(spec->dest4, buf));
	}
	ret->dest_type = MODEL_DEST_CIDR4;
	ret->dest = mkcidr(spec->dest4.addr, spec->dest4.len);
	return 0;
}

static bool route_same_dest(const struct model_route *a, const struct model_route *b)
{
	if (a->dest_type != b->dest_type)
		return false;
	if (a->dest_type == MODEL_DEST_PREFIX_LIST)
		return strcmp(a->prefix_list_id, b->prefix_list_id) == 0;
	if (a->dest_type == MODEL_DEST_CIDR6)
		return a->dest6.len == b->dest6.len &&
		       memcmp(&a->dest6.addr, &b->dest6.addr, sizeof(a->dest6.addr)) == 0;
	return net_cidr4_equal(a->dest, b->dest);
}

static const char *route_dest_str(const struct model_route *r, char buf[MODEL_ID_LEN])
{
	if (r->dest_type == MODEL_DEST_PREFIX_LIST)
		util_strscpy(buf, r->prefix_list_id, MODEL_ID_LEN);
	else
		net_cidr4_format(r->dest, buf);
	return buf;
}

static ssize_t rtb_find_route(const struct model_route_table *rtb, const struct model_route *key)
{
	for (size_t i = 0; i < rtb->n_routes; i++)
		if (rtb->routes[i].origin != MODEL_ORIGIN_PROPAGATED &&
		    route_same_dest(&rtb->routes[i], key))
			return (ssize_t)i;
	return -1;
}

/*
 * Section 2.3: a destination inside a VPC CIDR (more specific than local)
 * must be a whole subnet CIDR of the VPC and target a NAT gateway or ENI.
 */
static int route_specific_check(const struct model *m, const struct model_route_table *rtb,
				const struct model_route *r, struct model_err *err)
{
	const struct model_vpc *vpc = model_find_vpc(m, rtb->vpc_id);
	char buf[NET_CIDR4_STRLEN];
	bool inside = false, whole_subnet = false;

	if (r->dest_type != MODEL_DEST_CIDR4 || !vpc)
		return 0;
	for (size_t i = 0; i < vpc->n_cidrs; i++)
		if (net_cidr4_covers(vpc->cidrs[i].cidr, r->dest) &&
		    !net_cidr4_equal(vpc->cidrs[i].cidr, r->dest))
			inside = true;
	if (!inside)
		return 0;
	for (size_t i = 0; i < m->n_subnets; i++)
		if (strcmp(m->subnets[i]->vpc_id, vpc->id) == 0 &&
		    net_cidr4_equal(m->subnets[i]->cidr, r->dest))
			whole_subnet = true;
	if (!whole_subnet ||
	    (r->target_type != MODEL_TARGET_NAT && r->target_type != MODEL_TARGET_ENI))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "The destination CIDR block %s is more specific than a CIDR "
				     "of %s: it must equal a subnet CIDR and target a NAT gateway "
				     "or a network interface.",
				     cidr_str(r->dest, buf), vpc->id);
	return 0;
}

static size_t rtb_static_route_count(const struct model_route_table *rtb)
{
	size_t n = 0;

	for (size_t i = 0; i < rtb->n_routes; i++)
		n += rtb->routes[i].origin == MODEL_ORIGIN_CREATE_ROUTE &&
		     rtb->routes[i].dest_type != MODEL_DEST_CIDR6;
	return n;
}

int model_op_create_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			  const struct model_route_spec *spec, struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);
	struct model_route r = {0};
	char buf[MODEL_ID_LEN];
	int ret;

	if (!rtb)
		return lookup_errno(rtb_id);
	if (!spec)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain a route");
	ret = route_dest_resolve(m, spec, &r, err);
	if (ret < 0)
		return ret;
	ret = route_target_resolve(m, rtb, spec, false, &r, err);
	if (ret < 0)
		return ret;
	if (rtb_find_route(rtb, &r) >= 0)
		return model_err_set(err, -EEXIST, MODEL_ERR_ROUTE_EXISTS,
				     "The route identified by %s already exists.",
				     route_dest_str(&r, buf));
	ret = route_specific_check(m, rtb, &r, err);
	if (ret < 0)
		return ret;
	if (rtb_static_route_count(rtb) >= (size_t)ctx->quotas.routes_per_table)
		return model_err_set(err, -EDQUOT, MODEL_ERR_ROUTE_LIMIT,
				     "The maximum number of routes has been reached.");
	r.origin = MODEL_ORIGIN_CREATE_ROUTE;
	if (model_rtb_add_route(rtb, &r) < 0)
		return oom(err);
	return 0;
}

static int route_not_found(struct model_err *err, const struct model_route *key,
			   const struct model_route_table *rtb)
{
	char buf[MODEL_ID_LEN];

	return model_err_set(err, -ENOENT, MODEL_ERR_ROUTE_NOT_FOUND,
			     "no route with destination-cidr-block %s in route table %s",
			     route_dest_str(key, buf), rtb->id);
}

int model_op_replace_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			   const struct model_route_spec *spec, struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);
	struct model_route r = {0};
	ssize_t idx;
	int ret;

	(void)ctx;
	if (!rtb)
		return lookup_errno(rtb_id);
	if (!spec)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain a route");
	ret = route_dest_resolve(m, spec, &r, err);
	if (ret < 0)
		return ret;
	idx = rtb_find_route(rtb, &r);
	if (idx < 0)
		return route_not_found(err, &r, rtb);
	if (is_local_route(&rtb->routes[idx])) {
		ret = route_target_resolve(m, rtb, spec, true, &r, err);
		if (ret < 0)
			return ret;
		if (r.target_type != MODEL_TARGET_LOCAL && r.target_type != MODEL_TARGET_NAT &&
		    r.target_type != MODEL_TARGET_ENI)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "The target of a local route can only be a NAT "
					     "gateway, a network interface or local.");
	} else {
		ret = route_target_resolve(m, rtb, spec, false, &r, err);
		if (ret < 0)
			return ret;
		ret = route_specific_check(m, rtb, &r, err);
		if (ret < 0)
			return ret;
	}
	rtb->routes[idx].target_type = r.target_type;
	memcpy(rtb->routes[idx].target_id, r.target_id, MODEL_ID_LEN);
	rtb->routes[idx].blackhole = false;
	return 0;
}

int model_op_delete_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			  const struct net_cidr4 *dest4, const char *prefix_list_id,
			  struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);
	struct model_route key = {0};
	char buf[NET_CIDR4_STRLEN];
	ssize_t idx;

	(void)ctx;
	if (!rtb)
		return lookup_errno(rtb_id);
	if (dest4) {
		key.dest_type = MODEL_DEST_CIDR4;
		key.dest = mkcidr(dest4->addr, dest4->len);
	} else if (prefix_list_id && *prefix_list_id) {
		key.dest_type = MODEL_DEST_PREFIX_LIST;
		util_strscpy(key.prefix_list_id, prefix_list_id, sizeof(key.prefix_list_id));
	} else {
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter "
				     "destinationCidrBlock or destinationPrefixListId");
	}
	idx = rtb_find_route(rtb, &key);
	if (idx < 0)
		return route_not_found(err, &key, rtb);
	if (is_local_route(&rtb->routes[idx]))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "cannot remove local route %s in route table %s",
				     cidr_str(key.dest, buf), rtb->id);
	rtb_remove_route_at(rtb, (size_t)idx);
	return 0;
}

/* The association with that ID anywhere in the model. */
static struct model_route_table *rtb_assoc_find(const struct model *m, const char *assoc_id,
						size_t *ret_index)
{
	for (size_t i = 0; assoc_id && i < m->n_route_tables; i++)
		for (size_t j = 0; j < m->route_tables[i]->n_assocs; j++)
			if (strcmp(m->route_tables[i]->assocs[j].id, assoc_id) == 0) {
				*ret_index = j;
				return m->route_tables[i];
			}
	return NULL;
}

int model_op_associate_route_table(struct model *m, struct model_ctx *ctx, const char *rtb_id,
				   const char *subnet_id, const char *gateway_id,
				   char ret_assoc_id[MODEL_ID_LEN], struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);
	struct model_rtb_assoc a = {0};
	bool has_subnet = subnet_id && *subnet_id, has_gw = gateway_id && *gateway_id;

	if (!rtb)
		return lookup_errno(rtb_id);
	if (has_subnet == has_gw)
		return model_err_set(err, -EINVAL,
				     has_subnet ? MODEL_ERR_INVALID_PARAMETER_COMBINATION
						: MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain exactly one of subnetId and "
				     "gatewayId");
	if (has_subnet) {
		const struct model_subnet *s = model_lookup_subnet(m, subnet_id, err);

		if (!s)
			return -ENOENT;
		if (strcmp(s->vpc_id, rtb->vpc_id) != 0)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Route table %s and subnet %s belong to different "
					     "networks",
					     rtb->id, s->id);
		for (size_t i = 0; i < m->n_route_tables; i++)
			for (size_t j = 0; j < m->route_tables[i]->n_assocs; j++)
				if (strcmp(m->route_tables[i]->assocs[j].subnet_id, s->id) == 0)
					return model_err_set(
					    err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
					    "the specified association for route table %s "
					    "conflicts with an existing association",
					    rtb->id);
		util_strscpy(a.subnet_id, s->id, sizeof(a.subnet_id));
	} else {
		if (strncmp(gateway_id, "igw-", 4) == 0	  ? !model_find_igw(m, gateway_id)
		    : strncmp(gateway_id, "vgw-", 4) == 0 ? !model_find_vgw(m, gateway_id)
							  : true)
			return model_err_set(err, -ENOENT, MODEL_ERR_GATEWAY_NOT_FOUND,
					     "The gateway ID '%.64s' does not exist", gateway_id);
		if (!gateway_attached_to(m, gateway_id, rtb->vpc_id))
			return different_networks(err, rtb->id, gateway_id);
		if (model_gateway_route_table(m, gateway_id))
			return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
					     "the specified association for route table %s "
					     "conflicts with an existing association",
					     rtb->id);
		util_strscpy(a.gateway_id, gateway_id, sizeof(a.gateway_id));
	}
	model_new_id(m, ctx, "rtbassoc-", a.id);
	if (model_rtb_add_assoc(rtb, &a) < 0)
		return oom(err);
	if (ret_assoc_id)
		memcpy(ret_assoc_id, a.id, MODEL_ID_LEN);
	return 0;
}

static int rtb_assoc_not_found(struct model_err *err, const char *assoc_id)
{
	return model_err_set(err, -ENOENT, MODEL_ERR_ASSOCIATION_NOT_FOUND,
			     "The association ID '%s' does not exist", assoc_id ? assoc_id : "");
}

int model_op_disassociate_route_table(struct model *m, struct model_ctx *ctx, const char *assoc_id,
				      struct model_err *err)
{
	size_t idx = 0;
	struct model_route_table *rtb = rtb_assoc_find(m, assoc_id, &idx);

	(void)ctx;
	if (!rtb)
		return rtb_assoc_not_found(err, assoc_id);
	if (rtb->assocs[idx].main)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "cannot disassociate the main route table association %s",
				     assoc_id);
	rtb_remove_assoc_at(rtb, idx);
	return 0;
}

int model_op_replace_route_table_association(struct model *m, struct model_ctx *ctx,
					     const char *assoc_id, const char *rtb_id,
					     char ret_new_assoc_id[MODEL_ID_LEN],
					     struct model_err *err)
{
	size_t idx = 0;
	struct model_route_table *old = rtb_assoc_find(m, assoc_id, &idx);
	struct model_route_table *rtb;
	struct model_rtb_assoc a;

	if (!old)
		return rtb_assoc_not_found(err, assoc_id);
	rtb = model_lookup_route_table(m, rtb_id, err);
	if (!rtb)
		return lookup_errno(rtb_id);
	if (strcmp(rtb->vpc_id, old->vpc_id) != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Route table %s and association %s belong to different "
				     "networks",
				     rtb->id, assoc_id);
	a = old->assocs[idx];
	model_new_id(m, ctx, "rtbassoc-", a.id);
	if (model_rtb_add_assoc(rtb, &a) < 0)
		return oom(err);
	/* rtb may be old itself: the new entry was appended, idx is unchanged. */
	rtb_remove_assoc_at(old, idx);
	if (ret_new_assoc_id)
		memcpy(ret_new_assoc_id, a.id, MODEL_ID_LEN);
	return 0;
}

int model_op_enable_vgw_route_propagation(struct model *m, struct model_ctx *ctx,
					  const char *rtb_id, const char *vgw_id,
					  struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);
	struct model_vgw *vgw;

	(void)ctx;
	if (!rtb)
		return lookup_errno(rtb_id);
	vgw = model_lookup_vgw(m, vgw_id, err);
	if (!vgw)
		return -ENOENT;
	if (!gateway_attached_to(m, vgw->id, rtb->vpc_id))
		return model_err_set(err, -EINVAL, MODEL_ERR_GATEWAY_NOT_ATTACHED,
				     "resource %s is not attached to network %s", vgw->id,
				     rtb->vpc_id);
	for (size_t i = 0; i < rtb->n_propagating_vgws; i++)
		if (strcmp(rtb->propagating_vgws[i], vgw->id) == 0)
			return 0;
	if (model_rtb_add_propagating_vgw(rtb, vgw->id) < 0)
		return oom(err);
	return 0;
}

int model_op_disable_vgw_route_propagation(struct model *m, struct model_ctx *ctx,
					   const char *rtb_id, const char *vgw_id,
					   struct model_err *err)
{
	struct model_route_table *rtb = model_lookup_route_table(m, rtb_id, err);

	(void)ctx;
	if (!rtb)
		return lookup_errno(rtb_id);
	if (!model_lookup_vgw(m, vgw_id, err))
		return -ENOENT;
	for (size_t i = 0; i < rtb->n_propagating_vgws; i++)
		if (strcmp(rtb->propagating_vgws[i], vgw_id) == 0) {
			memmove(&rtb->propagating_vgws[i], &rtb->propagating_vgws[i + 1],
				(rtb->n_propagating_vgws - i - 1) * MODEL_ID_LEN);
			rtb->n_propagating_vgws--;
			break;
		}
	return 0;
}

/* ---- internet gateways ---------------------------------------------------- */

static struct model_igw *igw_build(struct model *m, struct model_ctx *ctx)
{
	struct model_igw *g = model_add_igw(m);

	if (!g)
		return NULL;
	model_new_id(m, ctx, "igw-", g->id);
	util_strscpy(g->owner_id, m->account_id, sizeof(g->owner_id));
	return g;
}

int model_op_create_internet_gateway(struct model *m, struct model_ctx *ctx,
				     struct model_igw **ret_igw, struct model_err *err)
{
	struct model_igw *g;

	if (m->n_igws >= (size_t)ctx->quotas.igws_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_IGW_LIMIT,
				     "The maximum number of internet gateways has been reached.");
	g = igw_build(m, ctx);
	if (!g)
		return oom(err);
	if (ret_igw)
		*ret_igw = g;
	return 0;
}

int model_op_delete_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     struct model_err *err)
{
	struct model_igw *g = model_lookup_igw(m, igw_id, err);

	(void)ctx;
	if (!g)
		return -ENOENT;
	if (g->attachment.vpc_id[0])
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "The internetGateway '%s' has dependencies and cannot be "
				     "deleted.",
				     g->id);
	model_remove_igw(m, g->id);
	return 0;
}

int model_op_attach_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     const char *vpc_id, struct model_err *err)
{
	struct model_igw *g = model_lookup_igw(m, igw_id, err), *other;
	struct model_vpc *vpc;

	(void)ctx;
	if (!g)
		return -ENOENT;
	vpc = model_lookup_vpc(m, vpc_id, err);
	if (!vpc)
		return lookup_errno(vpc_id);
	if (g->attachment.vpc_id[0])
		return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
				     "resource %s is already attached to network %s", g->id,
				     g->attachment.vpc_id);
	other = model_vpc_igw(m, vpc->id);
	if (other)
		return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
				     "network %s already has an internet gateway attached (%s)",
				     vpc->id, other->id);
	util_strscpy(g->attachment.vpc_id, vpc->id, sizeof(g->attachment.vpc_id));
	util_strscpy(g->attachment.state, "available", sizeof(g->attachment.state));
	return 0;
}

int model_op_detach_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     const char *vpc_id, struct model_err *err)
{
	struct model_igw *g = model_lookup_igw(m, igw_id, err);
	struct model_vpc *vpc;

	(void)ctx;
	if (!g)
		return -ENOENT;
	vpc = model_lookup_vpc(m, vpc_id, err);
	if (!vpc)
		return lookup_errno(vpc_id);
	if (strcmp(g->attachment.vpc_id, vpc->id) != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_GATEWAY_NOT_ATTACHED,
				     "resource %s is not attached to network %s", g->id, vpc->id);
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		if (strcmp(e->vpc_id, vpc->id) != 0)
			continue;
		for (size_t j = 0; j < e->n_ips; j++)
			if (e->ips[j].public_ip)
				return model_err_set(
				    err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				    "Network %s has some mapped public address(es). Please "
				    "unmap those public address(es) before detaching the "
				    "gateway.",
				    vpc->id);
	}
	memset(&g->attachment, 0, sizeof(g->attachment));
	return 0;
}

int model_op_create_default_vpc(struct model *m, struct model_ctx *ctx, struct model_vpc **ret_vpc,
				struct model_err *err)
{
	struct model_route_table *main;
	struct model_route r = {0};
	struct model_vpc *vpc;
	struct model_igw *g;
	char vpc_id[MODEL_ID_LEN], igw_id[MODEL_ID_LEN];
	size_t n_subnets = ctx->n_azs < 16 ? ctx->n_azs : 16;

	for (size_t i = 0; i < m->n_vpcs; i++)
		if (m->vpcs[i]->is_default)
			return model_err_set(err, -EEXIST, MODEL_ERR_DEFAULT_VPC_EXISTS,
					     "A Default VPC already exists for this account in "
					     "this region.");
	if (vpc_count(m) >= (size_t)ctx->quotas.vpcs_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_VPC_LIMIT,
				     "The maximum number of VPCs has been reached.");
	if (m->n_igws >= (size_t)ctx->quotas.igws_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_IGW_LIMIT,
				     "The maximum number of internet gateways has been reached.");
	if (n_subnets > (size_t)ctx->quotas.subnets_per_vpc)
		n_subnets = (size_t)ctx->quotas.subnets_per_vpc;
	vpc = vpc_build(m, ctx, mkcidr(0xac1f0000u, 16), "default", true);
	if (!vpc)
		return oom(err);
	util_strscpy(vpc_id, vpc->id, sizeof(vpc_id));
	g = igw_build(m, ctx);
	if (!g)
		goto fail_vpc;
	util_strscpy(igw_id, g->id, sizeof(igw_id));
	util_strscpy(g->attachment.vpc_id, vpc_id, sizeof(g->attachment.vpc_id));
	util_strscpy(g->attachment.state, "available", sizeof(g->attachment.state));
	main = model_vpc_main_route_table(m, vpc_id);
	r.dest_type = MODEL_DEST_CIDR4;
	r.dest = mkcidr(0, 0);
	r.target_type = MODEL_TARGET_IGW;
	util_strscpy(r.target_id, igw_id, sizeof(r.target_id));
	r.origin = MODEL_ORIGIN_CREATE_ROUTE;
	if (!main || model_rtb_add_route(main, &r) < 0)
		goto fail;
	for (size_t i = 0; i < n_subnets; i++) {
		struct model_subnet *s =
		    subnet_build(m, ctx, vpc, mkcidr(0xac1f0000u + (uint32_t)i * 4096u, 20), i);

		if (!s)
			goto fail;
		s->default_for_az = true;
		s->map_public_ip_on_launch = true;
		if (subnet_attach_default_nacl(m, ctx, s) < 0)
			goto fail;
	}
	if (ret_vpc)
		*ret_vpc = model_find_vpc(m, vpc_id);
	return 0;
fail:
	for (size_t i = m->n_subnets; i-- > 0;)
		if (strcmp(m->subnets[i]->vpc_id, vpc_id) == 0)
			model_remove_subnet(m, m->subnets[i]->id);
	model_remove_igw(m, igw_id);
fail_vpc:
	vpc_teardown(m, vpc_id);
	return oom(err);
}

/* ---- Elastic IPs ---------------------------------------------------------- */

int model_op_allocate_address(struct model *m, struct model_ctx *ctx, struct model_eip **ret_eip,
			      struct model_err *err)
{
	struct model_eip *e;
	uint32_t ip;

	if (m->n_eips >= (size_t)ctx->quotas.eips_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_ADDRESS_LIMIT,
				     "The maximum number of addresses has been reached.");
	if (model_alloc_public_ip(m, ctx, &ip) < 0)
		return model_err_set(err, -ENOSPC, MODEL_ERR_ADDRESS_LIMIT,
				     "The public address pool is exhausted.");
	e = model_add_eip(m);
	if (!e)
		return oom(err);
	model_new_id(m, ctx, "eipalloc-", e->allocation_id);
	e->public_ip = ip;
	util_strscpy(e->network_border_group, m->region, sizeof(e->network_border_group));
	if (ret_eip)
		*ret_eip = e;
	return 0;
}

int model_op_release_address(struct model *m, struct model_ctx *ctx, const char *allocation_id,
			     struct model_err *err)
{
	struct model_eip *e = model_lookup_eip(m, allocation_id, err);

	(void)ctx;
	if (!e)
		return -ENOENT;
	if (e->association_id[0])
		return model_err_set(err, -EBUSY, MODEL_ERR_IP_IN_USE,
				     "The address with allocation id [%s] is in use (association "
				     "%s).",
				     e->allocation_id, e->association_id);
	model_remove_eip(m, e->allocation_id);
	return 0;
}

/* Undo an EIP association on both sides (the ENI may already be gone). */
static void eip_unmap(struct model *m, struct model_eip *e)
{
	struct model_eni *eni = model_find_eni(m, e->eni_id);

	for (size_t i = 0; eni && i < eni->n_ips; i++)
		if (strcmp(eni->ips[i].allocation_id, e->allocation_id) == 0) {
			eni->ips[i].public_ip = 0;
			eni->ips[i].allocation_id[0] = '\0';
			eni->ips[i].association_id[0] = '\0';
		}
	e->association_id[0] = '\0';
	e->eni_id[0] = '\0';
	e->instance_id[0] = '\0';
	e->eni_owner[0] = '\0';
	e->private_ip = 0;
}

static void eip_map(struct model *m, struct model_ctx *ctx, struct model_eip *e,
		    struct model_eni *eni, size_t ip_index)
{
	struct model_eni_ip *ip = &eni->ips[ip_index];

	model_new_id(m, ctx, "eipassoc-", e->association_id);
	util_strscpy(e->eni_id, eni->id, sizeof(e->eni_id));
	if (eni->attachment.present)
		util_strscpy(e->instance_id, eni->attachment.instance_id, sizeof(e->instance_id));
	util_strscpy(e->eni_owner, eni->owner_id, sizeof(e->eni_owner));
	e->private_ip = ip->ip;
	ip->public_ip = e->public_ip;
	util_strscpy(ip->allocation_id, e->allocation_id, sizeof(ip->allocation_id));
	util_strscpy(ip->association_id, e->association_id, sizeof(ip->association_id));
}

int model_op_associate_address(struct model *m, struct model_ctx *ctx, const char *allocation_id,
			       const char *eni_id, const char *instance_id, uint32_t private_ip,
			       bool allow_reassociation, char ret_assoc_id[MODEL_ID_LEN],
			       struct model_err *err)
{
	struct model_eip *e = model_lookup_eip(m, allocation_id, err), *prev = NULL;
	bool has_eni = eni_id && *eni_id, has_inst = instance_id && *instance_id;
	struct model_eni *eni;
	size_t idx = SIZE_MAX;

	if (!e)
		return -ENOENT;
	if (has_eni == has_inst)
		return model_err_set(err, -EINVAL,
				     has_eni ? MODEL_ERR_INVALID_PARAMETER_COMBINATION
					     : MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain exactly one of instanceId and "
				     "networkInterfaceId");
	if (has_inst) {
		const struct model_instance *in = model_lookup_live_instance(m, instance_id, err);

		if (!in)
			return -ENOENT;
		eni = model_instance_primary_eni(m, in->id);
		if (!eni)
			return model_err_set(err, -EINVAL, MODEL_ERR_INCORRECT_STATE,
					     "The instance '%s' has no primary network interface.",
					     in->id);
	} else {
		eni = model_lookup_eni(m, eni_id, err);
		if (!eni)
			return -ENOENT;
	}
	if (eni->n_ips == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INCORRECT_STATE,
				     "The network interface '%s' has no private address.", eni->id);
	for (size_t i = 0; i < eni->n_ips; i++)
		if (private_ip ? eni->ips[i].ip == private_ip : eni->ips[i].primary)
			idx = i;
	if (idx == SIZE_MAX && !private_ip)
		idx = 0;
	if (idx == SIZE_MAX) {
		char buf[NET_IP4_STRLEN];

		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "The private IP address %s is not assigned to network "
				     "interface %s",
				     net_ip4_format(private_ip, buf), eni->id);
	}
	if (!model_vpc_igw(m, eni->vpc_id))
		return model_err_set(err, -EINVAL, MODEL_ERR_GATEWAY_NOT_ATTACHED,
				     "Network %s is not attached to any internet gateway",
				     eni->vpc_id);
	if (e->association_id[0] && !allow_reassociation)
		return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
				     "resource %s is already associated with associate-id %s",
				     e->allocation_id, e->association_id);
	if (eni->ips[idx].allocation_id[0]) {
		prev = model_find_eip(m, eni->ips[idx].allocation_id);
		if (prev == e)
			prev = NULL;
		else if (prev && !allow_reassociation)
			return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
					     "resource %s is already associated with "
					     "associate-id %s",
					     prev->allocation_id, prev->association_id);
	}
	if (prev)
		eip_unmap(m, prev);
	if (e->association_id[0])
		eip_unmap(m, e);
	/* An auto-assigned public IP on that address is simply replaced. */
	eip_map(m, ctx, e, eni, idx);
	if (ret_assoc_id)
		memcpy(ret_assoc_id, e->association_id, MODEL_ID_LEN);
	return 0;
}

int model_op_disassociate_address(struct model *m, struct model_ctx *ctx, const char *assoc_id,
				  struct model_err *err)
{
	struct model_eip *e = model_eip_of_assoc(m, assoc_id);
	const struct model_eni *eni;

	(void)ctx;
	if (e) {
		eni = model_find_eni(m, e->eni_id);
		if (eni && strcmp(eni->interface_type, "nat_gateway") == 0)
			return model_err_set(err, -EPERM, MODEL_ERR_OPERATION_NOT_PERMITTED,
					     "The address %s is used by a NAT gateway and cannot "
					     "be disassociated; delete the NAT gateway.",
					     e->allocation_id);
		eip_unmap(m, e);
		return 0;
	}
	return model_err_set(err, -ENOENT, MODEL_ERR_ADDRESS_ASSOC_NOT_FOUND,
			     "The association ID '%s' does not exist", assoc_id ? assoc_id : "");
}

/* ---- NAT gateways --------------------------------------------------------- */

int model_op_create_nat_gateway(struct model *m, struct model_ctx *ctx, const char *subnet_id,
				enum model_nat_connectivity connectivity, const char *allocation_id,
				uint32_t private_ip, struct model_nat_gateway **ret_nat,
				struct model_err *err)
{
	struct model_subnet *s = model_lookup_subnet(m, subnet_id, err);
	struct model_eip *eip = NULL;
	struct model_nat_gateway *nat;
	struct model_eni *eni;
	struct model_eni_ip ip = {0};
	char desc[96], mac[MODEL_MAC_LEN];
	size_t in_az = 0;

	if (!s)
		return lookup_errno(subnet_id);
	if (connectivity != MODEL_NAT_PUBLIC && connectivity != MODEL_NAT_PRIVATE)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid connectivity type.");
	if (connectivity == MODEL_NAT_PUBLIC) {
		if (!allocation_id || !*allocation_id)
			return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
					     "The request must contain the parameter "
					     "AllocationId");
		eip = model_lookup_eip(m, allocation_id, err);
		if (!eip)
			return -ENOENT;
		if (eip->association_id[0])
			return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
					     "Elastic IP address [%s] is already associated",
					     eip->allocation_id);
	} else if (allocation_id && *allocation_id) {
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "AllocationId cannot be given for a private NAT gateway.");
	}
	for (size_t i = 0; i < m->n_nat_gateways; i++) {
		const struct model_nat_gateway *n = m->nat_gateways[i];
		const struct model_subnet *ns = model_find_subnet(m, n->subnet_id);

		if (ns && strcmp(ns->az, s->az) == 0 &&
		    (n->state == MODEL_STATE_PENDING || n->state == MODEL_STATE_AVAILABLE ||
		     n->state == MODEL_STATE_DELETING))
			in_az++;
	}
	if (in_az >= (size_t)ctx->quotas.nat_gateways_per_az)
		return model_err_set(err, -EDQUOT, MODEL_ERR_NAT_LIMIT,
				     "Performing this operation would exceed the limit of %d NAT "
				     "gateways",
				     ctx->quotas.nat_gateways_per_az);
	if (m->n_enis >= (size_t)ctx->quotas.enis_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_ENI_LIMIT,
				     "The maximum number of network interfaces has been reached.");
	if (private_ip) {
		char buf[NET_IP4_STRLEN];

		net_ip4_format(private_ip, buf);
		if (!net_cidr4_contains(s->cidr, private_ip) ||
		    model_subnet_ip_reserved(s, private_ip))
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Address %s is not a usable address of subnet %s", buf,
					     s->id);
		if (model_private_ip_in_use(m, s, private_ip))
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "Address %s is in use.", buf);
		ip.ip = private_ip;
	} else if (model_subnet_alloc_ip(m, s, &ip.ip) < 0) {
		return model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_ADDRESSES,
				     "Insufficient free IP addresses in subnet %s", s->id);
	}
	ip.primary = true;

	nat = model_add_nat_gateway(m);
	if (!nat)
		return oom(err);
	model_new_id(m, ctx, "nat-", nat->id);
	eni = model_add_eni(m);
	if (!eni) {
		model_remove_nat_gateway(m, nat->id);
		return oom(err);
	}
	model_new_id(m, ctx, "eni-", eni->id);
	util_strscpy(eni->subnet_id, s->id, sizeof(eni->subnet_id));
	util_strscpy(eni->vpc_id, s->vpc_id, sizeof(eni->vpc_id));
	util_strscpy(eni->az, s->az, sizeof(eni->az));
	util_strscpy(eni->owner_id, m->account_id, sizeof(eni->owner_id));
	model_new_mac(m, ctx, mac);
	memcpy(eni->mac, mac, MODEL_MAC_LEN);
	snprintf(desc, sizeof(desc), "Interface for NAT Gateway %s", nat->id);
	eni->description = strdup(desc);
	util_strscpy(eni->interface_type, "nat_gateway", sizeof(eni->interface_type));
	eni->requester_managed = true;
	util_strscpy(eni->requester_id, "amazon-aws", sizeof(eni->requester_id));
	eni->source_dest_check = false;
	eni->status = MODEL_ENI_IN_USE;
	if (!eni->description || model_eni_add_ip(eni, &ip) < 0) {
		model_remove_eni(m, eni->id);
		model_remove_nat_gateway(m, nat->id);
		return oom(err);
	}
	util_strscpy(nat->subnet_id, s->id, sizeof(nat->subnet_id));
	util_strscpy(nat->vpc_id, s->vpc_id, sizeof(nat->vpc_id));
	nat->connectivity = connectivity;
	nat->state = MODEL_STATE_AVAILABLE;
	util_strscpy(nat->eni_id, eni->id, sizeof(nat->eni_id));
	nat->private_ip = ip.ip;
	nat->create_time = ctx->now;
	if (eip) {
		eip_map(m, ctx, eip, eni, 0);
		util_strscpy(nat->allocation_id, eip->allocation_id, sizeof(nat->allocation_id));
		nat->public_ip = eip->public_ip;
	}
	if (ret_nat)
		*ret_nat = nat;
	return 0;
}

int model_op_delete_nat_gateway(struct model *m, struct model_ctx *ctx, const char *nat_id,
				struct model_err *err)
{
	struct model_nat_gateway *nat = model_lookup_nat_gateway(m, nat_id, err);
	struct model_eip *eip;

	if (!nat)
		return -ENOENT;
	if (nat->state == MODEL_STATE_DELETED)
		return 0; /* AWS answers a second delete the same way; nothing changes */
	eip = nat->allocation_id[0] ? model_find_eip(m, nat->allocation_id) : NULL;
	if (eip && strcmp(eip->eni_id, nat->eni_id) == 0)
		eip_unmap(m, eip);
	model_remove_eni(m, nat->eni_id);
	nat->state = MODEL_STATE_DELETED;
	nat->delete_time = ctx->now;
	return 0;
}

/* ---- VPN ------------------------------------------------------------------ */

static bool vgw_attached_anywhere(const struct model_vgw *g, const char **ret_vpc)
{
	for (size_t i = 0; i < g->n_attachments; i++)
		if (strcmp(g->attachments[i].state, "attached") == 0) {
			if (ret_vpc)
				*ret_vpc = g->attachments[i].vpc_id;
			return true;
		}
	return false;
}

int model_op_create_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *type,
				uint32_t amazon_side_asn, struct model_vgw **ret_vgw,
				struct model_err *err)
{
	struct model_vgw *g;

	if (!type || strcmp(type, "ipsec.1") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%.32s) for parameter type is invalid. Allowed: "
				     "ipsec.1",
				     type ? type : "");
	if (amazon_side_asn == 0)
		amazon_side_asn = 64512;
	if (!((amazon_side_asn >= 64512 && amazon_side_asn <= 65534) ||
	      amazon_side_asn >= 4200000000u) ||
	    amazon_side_asn == 4294967295u)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "The amazonSideAsn %u is invalid: use 64512-65534 or "
				     "4200000000-4294967294.",
				     amazon_side_asn);
	if (m->n_vgws >= (size_t)ctx->quotas.vgws_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_VGW_LIMIT,
				     "The maximum number of virtual private gateways has been "
				     "reached.");
	g = model_add_vgw(m);
	if (!g)
		return oom(err);
	model_new_id(m, ctx, "vgw-", g->id);
	util_strscpy(g->type, "ipsec.1", sizeof(g->type));
	g->amazon_side_asn = amazon_side_asn;
	g->state = MODEL_STATE_AVAILABLE;
	if (ret_vgw)
		*ret_vgw = g;
	return 0;
}

static bool vpn_live(const struct model_vpn_connection *v)
{
	return v->state != MODEL_STATE_DELETED;
}

int model_op_delete_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				struct model_err *err)
{
	struct model_vgw *g = model_lookup_vgw(m, vgw_id, err);

	(void)ctx;
	if (!g)
		return -ENOENT;
	if (vgw_attached_anywhere(g, NULL))
		return model_err_set(err, -EBUSY, MODEL_ERR_INCORRECT_STATE,
				     "The vpn gateway '%s' is attached to a VPC and cannot be "
				     "deleted.",
				     g->id);
	for (size_t i = 0; i < m->n_vpns; i++)
		if (vpn_live(m->vpns[i]) && strcmp(m->vpns[i]->vgw_id, g->id) == 0)
			return model_err_set(err, -EBUSY, MODEL_ERR_INCORRECT_STATE,
					     "The vpn gateway '%s' is in use by %s.", g->id,
					     m->vpns[i]->id);
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *r = m->route_tables[i];

		for (size_t j = r->n_propagating_vgws; j-- > 0;)
			if (strcmp(r->propagating_vgws[j], g->id) == 0) {
				memmove(&r->propagating_vgws[j], &r->propagating_vgws[j + 1],
					(r->n_propagating_vgws - j - 1) * MODEL_ID_LEN);
				r->n_propagating_vgws--;
			}
	}
	model_remove_vgw(m, g->id);
	return 0;
}

int model_op_attach_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				const char *vpc_id, struct model_err *err)
{
	struct model_vgw *g = model_lookup_vgw(m, vgw_id, err), *other;
	struct model_vpc *vpc;
	const char *where = NULL;

	(void)ctx;
	if (!g)
		return -ENOENT;
	vpc = model_lookup_vpc(m, vpc_id, err);
	if (!vpc)
		return lookup_errno(vpc_id);
	if (vgw_attached_anywhere(g, &where))
		return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
				     "resource %s is already attached to network %s", g->id, where);
	other = model_vpc_vgw(m, vpc->id);
	if (other)
		return model_err_set(err, -EEXIST, MODEL_ERR_RESOURCE_ALREADY_ASSOCIATED,
				     "network %s already has a vpn gateway attached (%s)", vpc->id,
				     other->id);
	/* Keep one attachment record per gateway: the latest one (bounded list). */
	if (g->n_attachments > 0) {
		util_strscpy(g->attachments[0].vpc_id, vpc->id, sizeof(g->attachments[0].vpc_id));
		util_strscpy(g->attachments[0].state, "attached", sizeof(g->attachments[0].state));
		g->n_attachments = 1;
		return 0;
	}
	if (model_vgw_add_attachment(g, vpc->id, "attached") < 0)
		return oom(err);
	return 0;
}

int model_op_detach_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				const char *vpc_id, struct model_err *err)
{
	struct model_vgw *g = model_lookup_vgw(m, vgw_id, err);
	struct model_vpc *vpc;

	(void)ctx;
	if (!g)
		return -ENOENT;
	vpc = model_lookup_vpc(m, vpc_id, err);
	if (!vpc)
		return lookup_errno(vpc_id);
	for (size_t i = 0; i < g->n_attachments; i++)
		if (strcmp(g->attachments[i].vpc_id, vpc->id) == 0 &&
		    strcmp(g->attachments[i].state, "attached") == 0) {
			util_strscpy(g->attachments[i].state, "detached",
				     sizeof(g->attachments[i].state));
			return 0;
		}
	return model_err_set(err, -ENOENT, MODEL_ERR_VGW_ATTACHMENT_NOT_FOUND,
			     "The attachment with vpn gateway ID '%s' and vpc ID '%s' does not "
			     "exist",
			     g->id, vpc->id);
}

int model_op_create_customer_gateway(struct model *m, struct model_ctx *ctx, const char *type,
				     uint32_t bgp_asn, uint32_t public_ip,
				     struct model_cgw **ret_cgw, struct model_err *err)
{
	struct model_cgw *c;

	if (!type || strcmp(type, "ipsec.1") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%.32s) for parameter type is invalid. Allowed: "
				     "ipsec.1",
				     type ? type : "");
	if (bgp_asn == 0 || bgp_asn == 4294967295u)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%u) for parameter bgpAsn is invalid.", bgp_asn);
	if (public_ip == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter IpAddress");
	if (m->n_cgws >= (size_t)ctx->quotas.cgws_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_CGW_LIMIT,
				     "The maximum number of customer gateways has been reached.");
	c = model_add_cgw(m);
	if (!c)
		return oom(err);
	model_new_id(m, ctx, "cgw-", c->id);
	c->bgp_asn = bgp_asn;
	c->ip_address = public_ip;
	util_strscpy(c->type, "ipsec.1", sizeof(c->type));
	c->state = MODEL_STATE_AVAILABLE;
	if (ret_cgw)
		*ret_cgw = c;
	return 0;
}

int model_op_delete_customer_gateway(struct model *m, struct model_ctx *ctx, const char *cgw_id,
				     struct model_err *err)
{
	struct model_cgw *c = cgw_id ? model_find_cgw(m, cgw_id) : NULL;

	(void)ctx;
	if (!c)
		return model_err_set(err, -ENOENT, MODEL_ERR_CGW_NOT_FOUND,
				     "The customerGateway ID '%s' does not exist",
				     cgw_id ? cgw_id : "");
	for (size_t i = 0; i < m->n_vpns; i++)
		if (vpn_live(m->vpns[i]) && strcmp(m->vpns[i]->cgw_id, c->id) == 0)
			return model_err_set(err, -EBUSY, MODEL_ERR_INCORRECT_STATE,
					     "The customer gateway '%s' is in use by %s.", c->id,
					     m->vpns[i]->id);
	model_remove_cgw(m, c->id);
	return 0;
}

static bool tunnel_outside_used(const struct model *m, uint32_t ip)
{
	for (size_t i = 0; i < m->n_vpns; i++)
		for (int t = 0; t < 2; t++)
			if (vpn_live(m->vpns[i]) && m->vpns[i]->tunnels[t].outside_ip == ip)
				return true;
	return false;
}

static bool tunnel_inside_used(const struct model *m, const char *vgw_id, uint32_t base)
{
	for (size_t i = 0; i < m->n_vpns; i++)
		for (int t = 0; t < 2; t++)
			if (vpn_live(m->vpns[i]) && strcmp(m->vpns[i]->vgw_id, vgw_id) == 0 &&
			    m->vpns[i]->tunnels[t].inside_cidr.addr == base)
				return true;
	return false;
}

int model_op_create_vpn_connection(struct model *m, struct model_ctx *ctx, const char *cgw_id,
				   const char *vgw_id, const char *type, bool static_routes_only,
				   struct model_vpn_connection **ret_vpn, struct model_err *err)
{
	struct model_cgw *c = cgw_id ? model_find_cgw(m, cgw_id) : NULL;
	struct model_vgw *g;
	struct model_vpn_connection *v;
	struct model_vpn_tunnel tun[2] = {{0}};
	size_t live = 0, on_vgw = 0;
	int found = 0;

	if (!c)
		return model_err_set(err, -ENOENT, MODEL_ERR_CGW_NOT_FOUND,
				     "The customerGateway ID '%s' does not exist",
				     cgw_id ? cgw_id : "");
	g = model_lookup_vgw(m, vgw_id, err);
	if (!g)
		return -ENOENT;
	if (!type || strcmp(type, "ipsec.1") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%.32s) for parameter type is invalid. Allowed: "
				     "ipsec.1",
				     type ? type : "");
	for (size_t i = 0; i < m->n_vpns; i++) {
		if (!vpn_live(m->vpns[i]))
			continue;
		live++;
		on_vgw += strcmp(m->vpns[i]->vgw_id, g->id) == 0;
	}
	if (live >= (size_t)ctx->quotas.vpns_per_region ||
	    on_vgw >= (size_t)ctx->quotas.vpns_per_vgw)
		return model_err_set(err, -EDQUOT, MODEL_ERR_VPN_LIMIT,
				     "The maximum number of VPN connections has been reached.");
	for (uint32_t host = 1; host < 255 && found < 2; host++)
		if (!tunnel_outside_used(m, VPN_OUTSIDE_POOL + host) &&
		    (found == 0 || tun[0].outside_ip != VPN_OUTSIDE_POOL + host))
			tun[found++].outside_ip = VPN_OUTSIDE_POOL + host;
	if (found < 2)
		return model_err_set(err, -ENOSPC, MODEL_ERR_VPN_LIMIT,
				     "No tunnel outside address is free.");
	found = 0;
	for (uint32_t base = 0; base < 256 && found < 2; base += 4)
		if (!tunnel_inside_used(m, g->id, VPN_INSIDE_POOL + base)) {
			tun[found].inside_cidr = mkcidr(VPN_INSIDE_POOL + base, 30);
			tun[found++].up = true;
		}
	if (found < 2)
		return model_err_set(err, -ENOSPC, MODEL_ERR_VPN_LIMIT,
				     "No tunnel inside CIDR is free for %s.", g->id);
	v = model_add_vpn(m);
	if (!v)
		return oom(err);
	model_new_id(m, ctx, "vpn-", v->id);
	util_strscpy(v->cgw_id, c->id, sizeof(v->cgw_id));
	util_strscpy(v->vgw_id, g->id, sizeof(v->vgw_id));
	util_strscpy(v->type, "ipsec.1", sizeof(v->type));
	v->state = MODEL_STATE_AVAILABLE;
	v->static_routes_only = static_routes_only;
	v->tunnels[0] = tun[0];
	v->tunnels[1] = tun[1];
	if (ret_vpn)
		*ret_vpn = v;
	return 0;
}

int model_op_delete_vpn_connection(struct model *m, struct model_ctx *ctx, const char *vpn_id,
				   struct model_err *err)
{
	struct model_vpn_connection *v = model_lookup_vpn(m, vpn_id, err);

	(void)ctx;
	if (!v)
		return -ENOENT;
	v->state = MODEL_STATE_DELETED;
	for (size_t i = 0; i < v->n_routes; i++)
		util_strscpy(v->routes[i].state, "deleted", sizeof(v->routes[i].state));
	for (int t = 0; t < 2; t++)
		v->tunnels[t].up = false;
	return 0;
}

int model_op_create_vpn_connection_route(struct model *m, struct model_ctx *ctx, const char *vpn_id,
					 struct net_cidr4 cidr, struct model_err *err)
{
	struct model_vpn_connection *v = model_lookup_vpn(m, vpn_id, err);
	char buf[NET_CIDR4_STRLEN];

	if (!v)
		return -ENOENT;
	cidr = mkcidr(cidr.addr, cidr.len);
	cidr_str(cidr, buf);
	if (!vpn_live(v))
		return model_err_set(err, -EINVAL, MODEL_ERR_INCORRECT_STATE,
				     "The vpn connection '%s' is deleted.", v->id);
	if (!v->static_routes_only)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "The vpn connection '%s' uses dynamic routing; static routes "
				     "need StaticRoutesOnly.",
				     v->id);
	for (size_t i = 0; i < v->n_routes; i++)
		if (net_cidr4_equal(v->routes[i].cidr, cidr))
			return model_err_set(err, -EEXIST, MODEL_ERR_ROUTE_EXISTS,
					     "The route identified by %s already exists.", buf);
	if (v->n_routes >= (size_t)ctx->quotas.vpn_static_routes)
		return model_err_set(err, -EDQUOT, MODEL_ERR_ROUTE_LIMIT,
				     "The maximum number of static routes has been reached.");
	if (model_vpn_add_route(v, cidr, "available") < 0)
		return oom(err);
	return 0;
}

int model_op_delete_vpn_connection_route(struct model *m, struct model_ctx *ctx, const char *vpn_id,
					 struct net_cidr4 cidr, struct model_err *err)
{
	struct model_vpn_connection *v = model_lookup_vpn(m, vpn_id, err);
	char buf[NET_CIDR4_STRLEN];

	(void)ctx;
	if (!v)
		return -ENOENT;
	cidr = mkcidr(cidr.addr, cidr.len);
	for (size_t i = 0; i < v->n_routes; i++)
		if (net_cidr4_equal(v->routes[i].cidr, cidr)) {
			memmove(&v->routes[i], &v->routes[i + 1],
				(v->n_routes - i - 1) * sizeof(v->routes[0]));
			v->n_routes--;
			return 0;
		}
	return model_err_set(err, -ENOENT, MODEL_ERR_ROUTE_NOT_FOUND,
			     "The route identified by %s does not exist in %s.",
			     cidr_str(cidr, buf), v->id);
}

/* ---- flow logs ------------------------------------------------------------ */

static int flow_resource_check(const struct model *m, const char *id, const char *prefix,
			       struct model_err *err)
{
	if (strcmp(prefix, "vpc-") == 0)
		return model_lookup_vpc(m, id, err) ? 0 : -ENOENT;
	if (strcmp(prefix, "subnet-") == 0)
		return model_lookup_subnet(m, id, err) ? 0 : -ENOENT;
	return model_lookup_eni(m, id, err) ? 0 : -ENOENT;
}

static size_t flow_logs_on(const struct model *m, const char *resource_id)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_flow_logs; i++)
		n += strcmp(m->flow_logs[i]->resource_id, resource_id) == 0;
	return n;
}

static bool flow_log_same(const struct model_flow_log *f, const char *resource_id,
			  const struct model_flow_log_spec *spec)
{
	return strcmp(f->resource_id, resource_id) == 0 && f->traffic_type == spec->traffic_type &&
	       strcmp(f->destination_type, spec->destination_type) == 0 && f->destination &&
	       strcmp(f->destination, spec->destination) == 0;
}

int model_op_create_flow_logs(struct model *m, struct model_ctx *ctx,
			      const struct model_flow_log_spec *spec, char (*ret_ids)[MODEL_ID_LEN],
			      struct model_err *err)
{
	const char *prefix;
	size_t first = m->n_flow_logs;
	int interval;

	if (!spec || spec->n_resource_ids == 0 || !spec->resource_ids)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ResourceId");
	if (spec->n_resource_ids > FLOW_LOG_MAX_RESOURCES)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "At most %d resource IDs may be given.",
				     FLOW_LOG_MAX_RESOURCES);
	if (!spec->resource_ids[0])
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ResourceId");
	prefix = strncmp(spec->resource_ids[0], "vpc-", 4) == 0	     ? "vpc-"
		 : strncmp(spec->resource_ids[0], "subnet-", 7) == 0 ? "subnet-"
		 : strncmp(spec->resource_ids[0], "eni-", 4) == 0    ? "eni-"
								     : NULL;
	if (!prefix)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid resource ID '%.64s': expected a VPC, subnet or "
				     "network interface ID.",
				     spec->resource_ids[0]);
	if (spec->traffic_type != MODEL_FLOW_ALL && spec->traffic_type != MODEL_FLOW_ACCEPT &&
	    spec->traffic_type != MODEL_FLOW_REJECT)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid TrafficType.");
	if (!spec->destination_type || (strcmp(spec->destination_type, "s3") != 0 &&
					strcmp(spec->destination_type, "cloud-watch-logs") != 0))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Value (%.32s) for parameter LogDestinationType is invalid. "
				     "Allowed: s3, cloud-watch-logs",
				     spec->destination_type ? spec->destination_type : "");
	if (!spec->destination || !*spec->destination ||
	    strlen(spec->destination) > FLOW_LOG_DEST_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain a log destination (1-%d "
				     "characters)",
				     FLOW_LOG_DEST_MAX);
	if (strcmp(spec->destination_type, "s3") == 0 && strncmp(spec->destination, "arn:", 4) != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "LogDestination must be an S3 bucket ARN.");
	if (spec->deliver_logs_permission_arn &&
	    strlen(spec->deliver_logs_permission_arn) > FLOW_LOG_DEST_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "DeliverLogsPermissionArn is longer than %d characters.",
				     FLOW_LOG_DEST_MAX);
	if (spec->format && strlen(spec->format) > FLOW_LOG_FORMAT_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "LogFormat is longer than %d characters.",
				     FLOW_LOG_FORMAT_MAX);
	interval = spec->max_aggregation_interval ? spec->max_aggregation_interval : 600;
	if (interval != 60 && interval != 600)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "MaxAggregationInterval must be 60 or 600.");
	for (size_t i = 0; i < spec->n_resource_ids; i++) {
		const char *id = spec->resource_ids[i];
		size_t dup = 0;
		int r;

		if (!id || strncmp(id, prefix, strlen(prefix)) != 0)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "All resource IDs must be of the same type (%s...).",
					     prefix);
		r = flow_resource_check(m, id, prefix, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			dup += strcmp(spec->resource_ids[j], id) == 0;
		for (size_t j = 0; j < m->n_flow_logs; j++)
			if (flow_log_same(m->flow_logs[j], id, spec))
				dup++;
		if (dup)
			return model_err_set(err, -EEXIST, MODEL_ERR_FLOW_LOG_EXISTS,
					     "There is an existing Flow Log with the same "
					     "configuration and log destination for %s.",
					     id);
		if (flow_logs_on(m, id) >= (size_t)ctx->quotas.flow_logs_per_resource)
			return model_err_set(err, -EDQUOT, MODEL_ERR_FLOW_LOG_LIMIT,
					     "The maximum number of flow logs for %s has been "
					     "reached.",
					     id);
	}
	for (size_t i = 0; i < spec->n_resource_ids; i++) {
		struct model_flow_log *f = model_add_flow_log(m);

		if (!f)
			goto fail;
		model_new_id(m, ctx, "fl-", f->id);
		util_strscpy(f->resource_id, spec->resource_ids[i], sizeof(f->resource_id));
		f->traffic_type = spec->traffic_type;
		util_strscpy(f->destination_type, spec->destination_type,
			     sizeof(f->destination_type));
		f->destination = strdup(spec->destination);
		if (!f->destination)
			goto fail;
		if (strcmp(spec->destination_type, "cloud-watch-logs") == 0 &&
		    !(f->log_group_name = strdup(spec->destination)))
			goto fail;
		if (spec->format && !(f->format = strdup(spec->format)))
			goto fail;
		if (spec->deliver_logs_permission_arn &&
		    !(f->deliver_logs_permission_arn = strdup(spec->deliver_logs_permission_arn)))
			goto fail;
		f->max_aggregation_interval = interval;
		f->creation_time = ctx->now;
		util_strscpy(f->status, "ACTIVE", sizeof(f->status));
	}
	for (size_t i = 0; ret_ids && i < spec->n_resource_ids; i++)
		memcpy(ret_ids[i], m->flow_logs[first + i]->id, MODEL_ID_LEN);
	return 0;
fail:
	while (m->n_flow_logs > first)
		model_remove_flow_log(m, m->flow_logs[m->n_flow_logs - 1]->id);
	return oom(err);
}

int model_op_delete_flow_logs(struct model *m, struct model_ctx *ctx, const char *const *ids,
			      size_t n_ids, struct model_err *err)
{
	(void)ctx;
	if (!ids || n_ids == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter FlowLogId");
	if (n_ids > FLOW_LOG_MAX_RESOURCES)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "At most %d flow log IDs may be given.",
				     FLOW_LOG_MAX_RESOURCES);
	for (size_t i = 0; i < n_ids; i++)
		if (!ids[i] || !model_find_flow_log(m, ids[i]))
			return model_err_set(err, -ENOENT, MODEL_ERR_FLOW_LOG_NOT_FOUND,
					     "The flow log ID '%s' does not exist",
					     ids[i] ? ids[i] : "");
	for (size_t i = 0; i < n_ids; i++)
		model_remove_flow_log(m, ids[i]); /* a repeated ID is simply gone already */
	return 0;
}
