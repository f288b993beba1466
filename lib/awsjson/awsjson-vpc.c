/*
 * awsjson-vpc: Vpcs (describe-vpcs) and Subnets (describe-subnets).
 *
 * A VPC's primary CIDR (CidrBlock) is always cidrs[0]; further associations
 * from CidrBlockAssociationSet follow in document order with their states.
 * IPv6 blocks are kept for completeness; the engine is IPv4.
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

static int cidr_state(struct aj_ctx *c, const json_t *obj, const char *key,
		      enum model_cidr_state *ret)
{
	static const char *const names[] = {"associating",   "associated", "disassociating",
					    "disassociated", "failing",	   "failed"};
	json_t *st = aj_get(obj, key);
	const char *s = NULL;
	size_t mark = aj_mark(c);
	int r;

	if (!st)
		return 0;
	aj_push_key(c, key);
	r = aj_expect_object(c, st);
	if (r == 0)
		r = aj_opt_string(c, st, "State", &s);
	if (r == 0 && s) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(s, names[i]) == 0)
				break;
		if (i < ARRAY_SIZE(names))
			*ret = (enum model_cidr_state)i;
		else
			r = aj_fail(c, "State", -EINVAL, "\"%.60s\" is not a CIDR block state", s);
	}
	aj_restore(c, mark);
	return r;
}

static int import_vpc_cidrs(struct aj_ctx *c, const json_t *o, struct model_vpc *vpc)
{
	struct net_cidr4 primary;
	json_t *set, *item;
	size_t i, mark = aj_mark(c);
	int r;

	r = aj_req_cidr4(c, o, "CidrBlock", &primary);
	if (r < 0)
		return r;
	if (primary.len < 16 || primary.len > 28) {
		char buf[NET_CIDR4_STRLEN];

		return aj_fail(c, "CidrBlock", -EINVAL,
			       "\"%s\" is not a valid VPC CIDR (a VPC block is /16 to /28)",
			       net_cidr4_format(primary, buf));
	}
	if ((r = model_vpc_add_cidr(vpc, "", primary)) < 0)
		return r;
	r = aj_opt_array(c, o, "CidrBlockAssociationSet", AJ_MAX_CIDRS_PER_VPC, &set);
	if (r < 0 || !set)
		return r;
	aj_push_key(c, "CidrBlockAssociationSet");
	json_array_foreach(set, i, item)
	{
		struct model_vpc_cidr vc = {.state = MODEL_CIDR_ASSOCIATED};
		size_t m2 = aj_mark(c);

		aj_push_index(c, i);
		if ((r = aj_expect_object(c, item)) < 0 ||
		    (r = aj_req_cidr4(c, item, "CidrBlock", &vc.cidr)) < 0 ||
		    (r = aj_opt_strbuf(c, item, "AssociationId", vc.association_id,
				       sizeof(vc.association_id))) < 0 ||
		    (r = cidr_state(c, item, "CidrBlockState", &vc.state)) < 0)
			goto out;
		if (vc.cidr.len < 16 || vc.cidr.len > 28) {
			r = aj_fail(c, "CidrBlock", -EINVAL,
				    "not a valid VPC CIDR (a VPC block is /16 to /28)");
			goto out;
		}
		if (net_cidr4_equal(vc.cidr, primary)) {
			vpc->cidrs[0] = vc;
		} else {
			r = VEC_PUSH(vpc->cidrs, vpc->n_cidrs, vpc->cap_cidrs, vc);
			if (r < 0)
				goto out;
		}
		aj_restore(c, m2);
	}
	r = 0;
out:
	aj_restore(c, mark);
	return r;
}

static int import_vpc_cidrs6(struct aj_ctx *c, const json_t *o, struct model_vpc *vpc)
{
	json_t *set, *item;
	size_t i, mark = aj_mark(c);
	int r;

	r = aj_opt_array(c, o, "Ipv6CidrBlockAssociationSet", AJ_MAX_CIDRS_PER_VPC, &set);
	if (r < 0 || !set)
		return r;
	aj_push_key(c, "Ipv6CidrBlockAssociationSet");
	json_array_foreach(set, i, item)
	{
		struct model_vpc_cidr6 vc = {.state = MODEL_CIDR_ASSOCIATED};
		bool present = false;
		size_t m2 = aj_mark(c);

		aj_push_index(c, i);
		if ((r = aj_expect_object(c, item)) < 0 ||
		    (r = aj_opt_cidr6(c, item, "Ipv6CidrBlock", &present, &vc.cidr)) < 0 ||
		    (r = aj_opt_strbuf(c, item, "AssociationId", vc.association_id,
				       sizeof(vc.association_id))) < 0 ||
		    (r = cidr_state(c, item, "Ipv6CidrBlockState", &vc.state)) < 0)
			goto out;
		if (present) {
			r = VEC_PUSH(vpc->cidrs6, vpc->n_cidrs6, vpc->cap_cidrs6, vc);
			if (r < 0)
				goto out;
		}
		aj_restore(c, m2);
	}
	r = 0;
out:
	aj_restore(c, mark);
	return r;
}

static int import_vpc(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_vpc *vpc;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "VpcId", "vpc-", id)) < 0)
		return r;
	if (model_find_vpc(c->m, id))
		return aj_fail(c, "VpcId", -EINVAL, "duplicate VPC \"%s\"", id);
	if ((r = aj_check_count(c, "VpcId", c->m->n_vpcs, AJ_MAX_VPCS, "VPCs")) < 0)
		return r;
	vpc = model_add_vpc(c->m);
	if (!vpc)
		return -ENOMEM;
	memcpy(vpc->id, id, sizeof(id));
	vpc->state = MODEL_STATE_AVAILABLE;
	vpc->enable_dns_support = true;
	util_strscpy(vpc->instance_tenancy, "default", sizeof(vpc->instance_tenancy));
	if ((r = aj_owner(c, o, "OwnerId", vpc->owner_id)) < 0 ||
	    (r = aj_opt_state(c, o, "State", &vpc->state)) < 0 ||
	    (r = aj_opt_bool(c, o, "IsDefault", &vpc->is_default)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "DhcpOptionsId", vpc->dhcp_options_id,
			       sizeof(vpc->dhcp_options_id))) < 0 ||
	    (r = aj_opt_strbuf(c, o, "InstanceTenancy", vpc->instance_tenancy,
			       sizeof(vpc->instance_tenancy))) < 0 ||
	    (r = import_vpc_cidrs(c, o, vpc)) < 0 || (r = import_vpc_cidrs6(c, o, vpc)) < 0 ||
	    (r = aj_tags(c, o, &vpc->tags)) < 0)
		return r;
	return 0;
}

int aj_import_vpcs(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_vpc, NULL);
}

static int import_subnet_ipv6(struct aj_ctx *c, const json_t *o, struct model_subnet *s)
{
	json_t *set, *item;
	size_t i, mark = aj_mark(c);
	int r;

	r = aj_opt_array(c, o, "Ipv6CidrBlockAssociationSet", AJ_MAX_CIDRS_PER_VPC, &set);
	if (r < 0 || !set)
		return r;
	aj_push_key(c, "Ipv6CidrBlockAssociationSet");
	json_array_foreach(set, i, item)
	{
		bool present = false;
		struct net_cidr6 cidr;
		size_t m2 = aj_mark(c);

		aj_push_index(c, i);
		if ((r = aj_expect_object(c, item)) < 0 ||
		    (r = aj_opt_cidr6(c, item, "Ipv6CidrBlock", &present, &cidr)) < 0)
			goto out;
		if (present && !s->has_cidr6) {
			s->has_cidr6 = true;
			s->cidr6 = cidr;
			if ((r = aj_opt_strbuf(c, item, "AssociationId", s->cidr6_association_id,
					       sizeof(s->cidr6_association_id))) < 0)
				goto out;
		}
		aj_restore(c, m2);
	}
	r = 0;
out:
	aj_restore(c, mark);
	return r;
}

static int import_subnet(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_subnet *s;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "SubnetId", "subnet-", id)) < 0)
		return r;
	if (model_find_subnet(c->m, id))
		return aj_fail(c, "SubnetId", -EINVAL, "duplicate subnet \"%s\"", id);
	if ((r = aj_check_count(c, "SubnetId", c->m->n_subnets, AJ_MAX_SUBNETS, "subnets")) < 0)
		return r;
	s = model_add_subnet(c->m);
	if (!s)
		return -ENOMEM;
	memcpy(s->id, id, sizeof(id));
	s->state = MODEL_STATE_AVAILABLE;
	util_strscpy(s->hostname_type, "ip-name", sizeof(s->hostname_type));
	if ((r = aj_req_id(c, o, "VpcId", "vpc-", s->vpc_id)) < 0 ||
	    (r = aj_req_cidr4(c, o, "CidrBlock", &s->cidr)) < 0)
		return r;
	if (s->cidr.len < 16 || s->cidr.len > 28) {
		char buf[NET_CIDR4_STRLEN];

		return aj_fail(c, "CidrBlock", -EINVAL,
			       "\"%s\" is not a valid subnet CIDR (a subnet block is /16 to /28)",
			       net_cidr4_format(s->cidr, buf));
	}
	if ((r = aj_owner(c, o, "OwnerId", s->owner_id)) < 0 ||
	    (r = aj_az(c, o, "AvailabilityZone", s->az)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "AvailabilityZoneId", s->az_id, sizeof(s->az_id))) < 0 ||
	    (r = aj_opt_state(c, o, "State", &s->state)) < 0 ||
	    (r = aj_opt_bool(c, o, "DefaultForAz", &s->default_for_az)) < 0 ||
	    (r = aj_opt_bool(c, o, "MapPublicIpOnLaunch", &s->map_public_ip_on_launch)) < 0 ||
	    (r = aj_opt_bool(c, o, "AssignIpv6AddressOnCreation", &s->assign_ipv6_on_creation)) <
		0 ||
	    (r = aj_opt_bool(c, o, "EnableDns64", &s->enable_dns64)) < 0 ||
	    (r = aj_opt_bool(c, o, "Ipv6Native", &s->ipv6_native)) < 0 ||
	    (r = import_subnet_ipv6(c, o, s)) < 0 || (r = aj_tags(c, o, &s->tags)) < 0)
		return r;
	return 0;
}

int aj_import_subnets(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_subnet, NULL);
}
