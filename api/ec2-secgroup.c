/*
 * ec2-secgroup: security groups, through lib/model/ops-sg.h (network ACLs
 * are in ec2-nacl.c).
 *
 * CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup,
 * Authorize/RevokeSecurityGroupIngress/Egress, DescribeSecurityGroupRules,
 * ModifySecurityGroupRules.
 *
 * Security group rules are rendered in ipPermissions / ipPermissionsEgress
 * grouped by (protocol, ports), one item per group, in creation order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-sg.h"
#include "lib/util/util.h"

static int oom(struct api_req *r)
{
	return api_fail(r, 500, "InternalError", "Out of memory");
}

static const struct model_vpc *default_vpc(const struct model *m)
{
	for (size_t i = 0; i < m->n_vpcs; i++)
		if (m->vpcs[i]->is_default)
			return m->vpcs[i];
	return NULL;
}

/* Protocols whose ports mean something. */
static bool proto_has_ports(int p)
{
	return p == 6 || p == 17 || p == 1 || p == 58;
}

/* ---- IpPermissions parsing ------------------------------------------------- */

/*
 * Parse IpPermissions.N into flat specs (one per peer).  Legacy top-level
 * CidrIp/IpProtocol/FromPort/ToPort are accepted too.
 */
static int get_one_perm_field(struct api_req *r, const char *pfx,
			      struct model_sg_rule_spec *base)
{
	const char *proto;
	long from = -1, to = -1;
	int e, hf, ht;

	if ((e = api_get_str(r, &proto, API_REQUIRED, "%sIpProtocol", pfx)) < 0)
		return e;
	if (model_protocol_parse(proto, &base->protocol) < 0)
		return api_fail_invalid_value(r, "Invalid value '%s' for IP protocol. Unknown protocol.",
					      proto);
	if ((hf = api_get_long(r, &from, -1, 65535, API_OPTIONAL, "%sFromPort", pfx)) < 0)
		return hf;
	if ((ht = api_get_long(r, &to, -1, 65535, API_OPTIONAL, "%sToPort", pfx)) < 0)
		return ht;
	base->has_ports = hf > 0 || ht > 0;
	base->from_port = (int)from;
	base->to_port = (int)to;
	if (base->has_ports && (hf == 0 || ht == 0) &&
	    (base->protocol == 6 || base->protocol == 17))
		return api_fail_invalid_value(r, "Invalid value for portRange. Must specify both from "
						 "and to ports with TCP/UDP.");
	return 0;
}

static int push_spec(struct api_req *r, struct model_sg_rule_spec **specs, size_t *n, size_t *cap,
		     const struct model_sg_rule_spec *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct model_sg_rule_spec *ns = api_alloc(r, nc * sizeof(*ns));

		if (!ns)
			return oom(r);
		if (*n)
			memcpy(ns, *specs, *n * sizeof(*ns));
		*specs = ns;
		*cap = nc;
	}
	(*specs)[(*n)++] = *s;
	return 0;
}

static int get_ip_permissions(struct api_req *r, const char *gid, struct model_sg_rule_spec **ret,
			      size_t *ret_n)
{
	struct model_sg_rule_spec *specs = NULL;
	size_t n = 0, cap = 0, np;
	int e;

	if ((e = api_get_count(r, &np, "IpPermissions")) < 0)
		return e;
	for (size_t i = 1; i <= np; i++) {
		struct model_sg_rule_spec base = {0};
		size_t n4, n6, npl, ng, before = n;
		const char *s;

		char pfx[48];

		snprintf(pfx, sizeof(pfx), "IpPermissions.%zu.", i);
		if ((e = get_one_perm_field(r, pfx, &base)) < 0)
			return e;
		if ((e = api_get_count(r, &n4, "IpPermissions.%zu.IpRanges", i)) < 0 ||
		    (e = api_get_count(r, &n6, "IpPermissions.%zu.Ipv6Ranges", i)) < 0 ||
		    (e = api_get_count(r, &npl, "IpPermissions.%zu.PrefixListIds", i)) < 0 ||
		    (e = api_get_count(r, &ng, "IpPermissions.%zu.Groups", i)) < 0)
			return e;
		for (size_t j = 1; j <= n4; j++) {
			struct model_sg_rule_spec sp = base;

			if ((e = api_get_str(r, &s, API_REQUIRED, "IpPermissions.%zu.IpRanges.%zu.CidrIp",
					     i, j)) < 0)
				return e;
			if (net_cidr4_parse(s, &sp.cidr4) < 0)
				return api_fail_invalid_value(
				    r, "CIDR block %s is malformed", s);
			sp.has_cidr4 = true;
			if ((e = api_get_str(r, &sp.description, API_OPTIONAL,
					     "IpPermissions.%zu.IpRanges.%zu.Description", i, j)) < 0 ||
			    (e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
				return e;
		}
		for (size_t j = 1; j <= n6; j++) {
			struct model_sg_rule_spec sp = base;

			if ((e = api_get_str(r, &s, API_REQUIRED,
					     "IpPermissions.%zu.Ipv6Ranges.%zu.CidrIpv6", i, j)) < 0)
				return e;
			if (net_cidr6_parse(s, &sp.cidr6) < 0)
				return api_fail_invalid_value(r, "CIDR block %s is malformed", s);
			sp.has_cidr6 = true;
			if ((e = api_get_str(r, &sp.description, API_OPTIONAL,
					     "IpPermissions.%zu.Ipv6Ranges.%zu.Description", i, j)) < 0 ||
			    (e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
				return e;
		}
		for (size_t j = 1; j <= npl; j++) {
			struct model_sg_rule_spec sp = base;

			if ((e = api_get_str(r, &sp.prefix_list_id, API_REQUIRED,
					     "IpPermissions.%zu.PrefixListIds.%zu.PrefixListId", i,
					     j)) < 0 ||
			    (e = api_get_str(r, &sp.description, API_OPTIONAL,
					     "IpPermissions.%zu.PrefixListIds.%zu.Description", i, j)) <
				0 ||
			    (e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
				return e;
		}
		for (size_t j = 1; j <= ng; j++) {
			struct model_sg_rule_spec sp = base;

			if ((e = api_get_str(r, &sp.group_id, API_REQUIRED,
					     "IpPermissions.%zu.Groups.%zu.GroupId", i, j)) < 0 ||
			    (e = api_get_str(r, &sp.description, API_OPTIONAL,
					     "IpPermissions.%zu.Groups.%zu.Description", i, j)) < 0 ||
			    (e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
				return e;
		}
		if (n == before)
			return api_fail_missing(r, "IpPermissions.N.IpRanges");
	}
	/*
	 * Legacy flat form: IpProtocol (+ FromPort/ToPort) with CidrIp or
	 * SourceSecurityGroupName (a group of the target group's VPC).
	 */
	{
		const char *cidr = NULL, *src = NULL;
		int hc, hs;

		if ((hc = api_get_str(r, &cidr, API_OPTIONAL, "CidrIp")) < 0)
			return hc;
		if ((hs = api_get_str(r, &src, API_OPTIONAL, "SourceSecurityGroupName")) < 0)
			return hs;
		if (hc > 0 || hs > 0) {
			struct model_sg_rule_spec sp = {0};

			if ((e = get_one_perm_field(r, "", &sp)) < 0)
				return e;
			if (hc > 0) {
				if (net_cidr4_parse(cidr, &sp.cidr4) < 0)
					return api_fail_invalid_value(r, "CIDR block %s is malformed",
								      cidr);
				sp.has_cidr4 = true;
				if ((e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
					return e;
			}
			if (hs > 0) {
				const struct model_sg *self = model_find_sg(r->model, gid);

				for (size_t k = 0; self && k < r->model->n_sgs && !sp.group_id; k++)
					if (strcmp(r->model->sgs[k]->vpc_id, self->vpc_id) == 0 &&
					    strcmp(r->model->sgs[k]->name, src) == 0)
						sp.group_id = api_strdup(r, r->model->sgs[k]->id);
				if (!sp.group_id)
					return api_fail(r, 400, "InvalidGroup.NotFound",
							"The security group '%s' does not exist", src);
				sp.has_cidr4 = false;
				if ((e = push_spec(r, &specs, &n, &cap, &sp)) < 0)
					return e;
			}
		}
	}
	*ret = specs;
	*ret_n = n;
	return 0;
}

/* ---- rendering ----------------------------------------------------------------- */

static bool same_perm(const struct model_sg_rule *a, const struct model_sg_rule *b)
{
	return a->egress == b->egress && a->protocol == b->protocol &&
	       a->from_port == b->from_port && a->to_port == b->to_port;
}

static void render_peers(struct api_req *r, const struct model_sg *sg,
			 const struct model_sg_rule *key, enum model_peer_type type,
			 const char *wrapper)
{
	api_xml_start(r, wrapper);
	for (size_t k = 0; k < sg->n_rules; k++) {
		const struct model_sg_rule *x = &sg->rules[k];
		char buf[NET_CIDR6_STRLEN];

		if (!same_perm(x, key) || x->peer_type != type)
			continue;
		api_xml_start(r, "item");
		switch (type) {
		case MODEL_PEER_CIDR4:
			api_xml_str(r, "cidrIp", net_cidr4_format(x->cidr, buf));
			break;
		case MODEL_PEER_CIDR6:
			api_xml_str(r, "cidrIpv6", net_cidr6_format(&x->cidr6, buf));
			break;
		case MODEL_PEER_PREFIX_LIST:
			api_xml_str(r, "prefixListId", x->prefix_list_id);
			break;
		case MODEL_PEER_GROUP:
			api_xml_str(r, "groupId", x->group_id);
			api_xml_str(r, "userId", x->group_owner[0] ? x->group_owner : sg->owner_id);
			break;
		}
		api_xml_str(r, "description", x->description);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void render_perms(struct api_req *r, const struct model_sg *sg, bool egress,
			 const char *wrapper)
{
	api_xml_start(r, wrapper);
	for (size_t i = 0; i < sg->n_rules; i++) {
		const struct model_sg_rule *ru = &sg->rules[i];
		char pbuf[8];
		bool seen = false;

		if (ru->egress != egress)
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = same_perm(&sg->rules[k], ru);
		if (seen)
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "ipProtocol", model_protocol_name(ru->protocol, pbuf));
		if (proto_has_ports(ru->protocol)) {
			api_xml_long(r, "fromPort", ru->from_port);
			api_xml_long(r, "toPort", ru->to_port);
		}
		render_peers(r, sg, ru, MODEL_PEER_GROUP, "groups");
		render_peers(r, sg, ru, MODEL_PEER_CIDR4, "ipRanges");
		render_peers(r, sg, ru, MODEL_PEER_CIDR6, "ipv6Ranges");
		render_peers(r, sg, ru, MODEL_PEER_PREFIX_LIST, "prefixListIds");
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void render_sg(struct api_req *r, const struct model_sg *sg)
{
	api_xml_start(r, "item");
	api_xml_str(r, "ownerId", sg->owner_id);
	api_xml_str(r, "groupId", sg->id);
	api_xml_str(r, "groupName", sg->name);
	api_xml_str(r, "groupDescription", sg->description);
	render_perms(r, sg, false, "ipPermissions");
	render_perms(r, sg, true, "ipPermissionsEgress");
	api_xml_str(r, "vpcId", sg->vpc_id);
	api_xml_strf(r, "securityGroupArn", "arn:aws:ec2:%s:%s:security-group/%s", r->region,
		     sg->owner_id, sg->id);
	api_xml_tags(r, "tagSet", &sg->tags);
	api_xml_end(r);
}

static void render_rule(struct api_req *r, const struct model_sg *sg,
			const struct model_sg_rule *ru)
{
	char buf[NET_CIDR6_STRLEN], pbuf[8];

	api_xml_start(r, "item");
	api_xml_str(r, "securityGroupRuleId", ru->id);
	api_xml_str(r, "groupId", sg->id);
	api_xml_str(r, "groupOwnerId", sg->owner_id);
	api_xml_bool(r, "isEgress", ru->egress);
	api_xml_str(r, "ipProtocol", model_protocol_name(ru->protocol, pbuf));
	api_xml_long(r, "fromPort", ru->from_port);
	api_xml_long(r, "toPort", ru->to_port);
	switch (ru->peer_type) {
	case MODEL_PEER_CIDR4:
		api_xml_str(r, "cidrIpv4", net_cidr4_format(ru->cidr, buf));
		break;
	case MODEL_PEER_CIDR6:
		api_xml_str(r, "cidrIpv6", net_cidr6_format(&ru->cidr6, buf));
		break;
	case MODEL_PEER_PREFIX_LIST:
		api_xml_str(r, "prefixListId", ru->prefix_list_id);
		break;
	case MODEL_PEER_GROUP:
		api_xml_start(r, "referencedGroupInfo");
		api_xml_str(r, "groupId", ru->group_id);
		api_xml_str(r, "userId", ru->group_owner[0] ? ru->group_owner : sg->owner_id);
		api_xml_end(r);
		break;
	}
	api_xml_str(r, "description", ru->description);
	api_xml_tags(r, "tagSet", &ru->tags);
	api_xml_end(r);
}

/* ---- CreateSecurityGroup / DeleteSecurityGroup ------------------------------------ */

/*
 * Each write names its group as the save hint (api_touch): a group's rules are
 * part of it; a group that a rule names is not changed, and one still
 * referenced or in use cannot be deleted.
 */
static int create_security_group(struct api_req *r)
{
	const char *name, *desc, *vpc_id = NULL;
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_sg *sg;
	int e;

	if ((e = api_get_str(r, &name, API_REQUIRED, "GroupName")) < 0 ||
	    (e = api_get_str(r, &desc, API_REQUIRED, "GroupDescription")) < 0 ||
	    (e = api_get_str(r, &vpc_id, API_OPTIONAL, "VpcId")) < 0 ||
	    (e = api_get_tag_specs(r, "security-group", &tags)) < 0)
		goto out;
	if (!vpc_id) {
		const struct model_vpc *dv = default_vpc(r->model);

		if (!dv) {
			e = api_fail(r, 400, "VPCIdNotSpecified", "No default VPC for this user");
			goto out;
		}
		vpc_id = dv->id;
	}
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_security_group(r->model, r->mctx, vpc_id, name, desc, &sg, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n && model_tags_copy(&sg->tags, &tags) < 0) {
		e = oom(r);
		goto out;
	}
	api_touch(r, sg->id, NULL);
	api_xml_str(r, "groupId", sg->id);
	api_xml_tags(r, "tagSet", &sg->tags);
	api_xml_strf(r, "securityGroupArn", "arn:aws:ec2:%s:%s:security-group/%s", r->region,
		     sg->owner_id, sg->id);
out:
	model_tags_clear(&tags);
	return e;
}

/* GroupId, or GroupName looked up in the default VPC. */
static int get_group_id(struct api_req *r, const char **ret)
{
	const char *id = NULL, *name = NULL;
	int e;

	if ((e = api_get_str(r, &id, API_OPTIONAL, "GroupId")) < 0 ||
	    (e = api_get_str(r, &name, API_OPTIONAL, "GroupName")) < 0)
		return e;
	if (id) {
		*ret = id;
		return 0;
	}
	if (!name)
		return api_fail_missing(r, "GroupId");
	const struct model_vpc *dv = default_vpc(r->model);
	for (size_t i = 0; dv && i < r->model->n_sgs; i++) {
		const struct model_sg *sg = r->model->sgs[i];

		if (strcmp(sg->vpc_id, dv->id) == 0 && strcmp(sg->name, name) == 0) {
			if (!(*ret = api_strdup(r, sg->id)))
				return oom(r);
			return 0;
		}
	}
	return api_fail(r, 400, "InvalidGroup.NotFound",
			"The security group '%s' does not exist in default VPC", name);
}

static int delete_security_group(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = get_group_id(r, &id)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_delete_security_group(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	api_xml_str(r, "groupId", id);
	return 0;
}

/* ---- Authorize / Revoke ------------------------------------------------------------ */

static int authorize(struct api_req *r, bool egress)
{
	struct model_sg_rule_spec *specs;
	struct model_tags tags = {0};
	struct model_err err = {0};
	char(*ids)[MODEL_ID_LEN];
	const char *gid;
	size_t n;
	int e;

	if ((e = get_group_id(r, &gid)) < 0 || (e = get_ip_permissions(r, gid, &specs, &n)) < 0 ||
	    (e = api_get_tag_specs(r, "security-group-rule", &tags)) < 0)
		goto out;
	if (n == 0) {
		e = api_fail_missing(r, "IpPermissions");
		goto out;
	}
	if (!(ids = api_alloc(r, n * sizeof(*ids)))) {
		e = oom(r);
		goto out;
	}
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = egress ? model_op_authorize_security_group_egress(r->model, r->mctx, gid, specs, n, ids,
							      &err)
		   : model_op_authorize_security_group_ingress(r->model, r->mctx, gid, specs, n,
							       ids, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	const struct model_sg *sg = model_find_sg(r->model, gid);
	api_touch(r, gid, NULL);
	api_xml_return_true(r);
	api_xml_start(r, "securityGroupRuleSet");
	for (size_t i = 0; sg && i < n; i++)
		for (size_t k = 0; k < sg->n_rules; k++)
			if (strcmp(sg->rules[k].id, ids[i]) == 0) {
				if (tags.n)
					model_tags_copy(&sg->rules[k].tags, &tags);
				render_rule(r, sg, &sg->rules[k]);
			}
	api_xml_end(r);
out:
	model_tags_clear(&tags);
	return e;
}

static int authorize_ingress(struct api_req *r)
{
	return authorize(r, false);
}

static int authorize_egress(struct api_req *r)
{
	return authorize(r, true);
}

static void render_unknown(struct api_req *r, const struct model_sg_rule_spec *s)
{
	char buf[NET_CIDR6_STRLEN], pbuf[8];

	api_xml_start(r, "item");
	api_xml_str(r, "ipProtocol", model_protocol_name(s->protocol, pbuf));
	if (s->has_ports) {
		api_xml_long(r, "fromPort", s->from_port);
		api_xml_long(r, "toPort", s->to_port);
	}
	if (s->has_cidr4) {
		api_xml_start(r, "ipRanges");
		api_xml_start(r, "item");
		api_xml_str(r, "cidrIp", net_cidr4_format(s->cidr4, buf));
		api_xml_end(r);
		api_xml_end(r);
	} else if (s->has_cidr6) {
		api_xml_start(r, "ipv6Ranges");
		api_xml_start(r, "item");
		api_xml_str(r, "cidrIpv6", net_cidr6_format(&s->cidr6, buf));
		api_xml_end(r);
		api_xml_end(r);
	} else if (s->prefix_list_id) {
		api_xml_start(r, "prefixListIds");
		api_xml_start(r, "item");
		api_xml_str(r, "prefixListId", s->prefix_list_id);
		api_xml_end(r);
		api_xml_end(r);
	} else if (s->group_id) {
		api_xml_start(r, "groups");
		api_xml_start(r, "item");
		api_xml_str(r, "groupId", s->group_id);
		api_xml_end(r);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static int revoke(struct api_req *r, bool egress)
{
	struct model_sg_rule_spec *specs;
	struct model_err err = {0};
	const char **rule_ids;
	size_t n, n_ids, n_unknown = 0, *unknown;
	const char *gid;
	int e;

	if ((e = get_group_id(r, &gid)) < 0 || (e = get_ip_permissions(r, gid, &specs, &n)) < 0 ||
	    (e = api_get_str_list(r, &rule_ids, &n_ids, "SecurityGroupRuleId")) < 0)
		return e;
	if (n == 0 && n_ids == 0)
		return api_fail_missing(r, "IpPermissions");
	if (!(unknown = api_alloc(r, (n + 1) * sizeof(*unknown))))
		return oom(r);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = egress ? model_op_revoke_security_group_egress(r->model, r->mctx, gid, specs, n,
							   rule_ids, n_ids, unknown, &n_unknown,
							   &err)
		   : model_op_revoke_security_group_ingress(r->model, r->mctx, gid, specs, n,
							    rule_ids, n_ids, unknown, &n_unknown,
							    &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, gid, NULL);
	api_xml_return_true(r);
	if (n_unknown) {
		api_xml_start(r, "unknownIpPermissionSet");
		for (size_t i = 0; i < n_unknown; i++)
			render_unknown(r, &specs[unknown[i]]);
		api_xml_end(r);
	}
	return 0;
}

static int revoke_ingress(struct api_req *r)
{
	return revoke(r, false);
}

static int revoke_egress(struct api_req *r)
{
	return revoke(r, true);
}

/* ---- ModifySecurityGroupRules ------------------------------------------------------ */

/* SecurityGroupRule.N.SecurityGroupRule.*: one rule request; the model checks the peer. */
static int get_rule_request(struct api_req *r, size_t i, struct model_sg_rule_spec *ret)
{
	struct model_sg_rule_spec sp = {0};
	const char *cidr = NULL, *cidr6 = NULL;
	char pfx[64];
	int e;

	snprintf(pfx, sizeof(pfx), "SecurityGroupRule.%zu.SecurityGroupRule.", i);
	if ((e = get_one_perm_field(r, pfx, &sp)) < 0 ||
	    (e = api_get_str(r, &cidr, API_OPTIONAL, "%sCidrIpv4", pfx)) < 0 ||
	    (e = api_get_str(r, &cidr6, API_OPTIONAL, "%sCidrIpv6", pfx)) < 0 ||
	    (e = api_get_str(r, &sp.prefix_list_id, API_OPTIONAL, "%sPrefixListId", pfx)) < 0 ||
	    (e = api_get_str(r, &sp.group_id, API_OPTIONAL, "%sReferencedGroupId", pfx)) < 0 ||
	    (e = api_get_str(r, &sp.description, API_OPTIONAL, "%sDescription", pfx)) < 0)
		return e;
	if (cidr) {
		if (net_cidr4_parse(cidr, &sp.cidr4) < 0)
			return api_fail_invalid_value(r, "CIDR block %s is malformed", cidr);
		sp.has_cidr4 = true;
	}
	if (cidr6) {
		if (net_cidr6_parse(cidr6, &sp.cidr6) < 0)
			return api_fail_invalid_value(r, "CIDR block %s is malformed", cidr6);
		sp.has_cidr6 = true;
	}
	*ret = sp;
	return 0;
}

static bool sg_has_rule(const struct model_sg *sg, const char *rule_id)
{
	for (size_t k = 0; k < sg->n_rules; k++)
		if (strcmp(sg->rules[k].id, rule_id) == 0)
			return true;
	return false;
}

/* Each listed rule is replaced in place: same sgr- ID, same direction, same tags. */
static int modify_security_group_rules(struct api_req *r)
{
	struct model_sg_rule_spec *specs;
	struct model_err err = {0};
	const struct model_sg *sg;
	const char *gid, **rule_ids;
	size_t n;
	int e;

	if ((e = api_get_str(r, &gid, API_REQUIRED, "GroupId")) < 0 ||
	    (e = api_get_count(r, &n, "SecurityGroupRule")) < 0)
		return e;
	if (n == 0)
		return api_fail_missing(r, "SecurityGroupRule");
	specs = api_alloc(r, n * sizeof(*specs));
	rule_ids = api_alloc(r, n * sizeof(*rule_ids));
	if (!specs || !rule_ids)
		return oom(r);
	for (size_t i = 0; i < n; i++)
		if ((e = api_get_str(r, &rule_ids[i], API_REQUIRED,
				     "SecurityGroupRule.%zu.SecurityGroupRuleId", i + 1)) < 0 ||
		    (e = get_rule_request(r, i + 1, &specs[i])) < 0)
			return e;
	if (!(sg = model_find_sg(r->model, gid)))
		return api_fail(r, 400, "InvalidGroup.NotFound",
				"The security group '%s' does not exist", gid);
	for (size_t i = 0; i < n; i++)
		if (!sg_has_rule(sg, rule_ids[i]))
			return api_fail(r, 400, "InvalidSecurityGroupRuleId.NotFound",
					"The security group rule ID '%s' does not exist", rule_ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_modify_security_group_rules(r->model, r->mctx, gid, rule_ids, specs, n, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, gid, NULL);
	api_xml_return_true(r);
	return 0;
}

/* ---- DescribeSecurityGroups ------------------------------------------------------- */

#define SG(o) ((const struct model_sg *)(o))

static void f_sg_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SG(o)->id);
}
static void f_sg_name(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SG(o)->name);
}
static void f_sg_vpc(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SG(o)->vpc_id);
}
static void f_sg_desc(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SG(o)->description);
}
static void f_sg_owner(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, SG(o)->owner_id);
}

/* ip-permission.* (ingress) and egress.ip-permission.* filters: one value per rule. */
static void emit_rules(const void *o, struct api_filter_match *m, bool egress, int what)
{
	const struct model_sg *sg = SG(o);

	for (size_t i = 0; i < sg->n_rules; i++) {
		const struct model_sg_rule *ru = &sg->rules[i];
		char buf[NET_CIDR6_STRLEN], pbuf[8];

		if (ru->egress != egress)
			continue;
		switch (what) {
		case 0:
			if (ru->peer_type == MODEL_PEER_CIDR4)
				api_filter_emit(m, net_cidr4_format(ru->cidr, buf));
			break;
		case 1:
			if (ru->peer_type == MODEL_PEER_CIDR6)
				api_filter_emit(m, net_cidr6_format(&ru->cidr6, buf));
			break;
		case 2:
			api_filter_emitf(m, "%d", ru->from_port);
			break;
		case 3:
			api_filter_emitf(m, "%d", ru->to_port);
			break;
		case 4:
			api_filter_emit(m, model_protocol_name(ru->protocol, pbuf));
			break;
		case 5:
			if (ru->peer_type == MODEL_PEER_GROUP)
				api_filter_emit(m, ru->group_id);
			break;
		case 6:
			if (ru->peer_type == MODEL_PEER_PREFIX_LIST)
				api_filter_emit(m, ru->prefix_list_id);
			break;
		}
	}
}

#define RULE_FILTER(fn, egress, what)                                                              \
	static void fn(const void *o, struct api_filter_match *m)                                  \
	{                                                                                          \
		emit_rules(o, m, egress, what);                                                    \
	}
RULE_FILTER(f_in_cidr, false, 0)
RULE_FILTER(f_in_cidr6, false, 1)
RULE_FILTER(f_in_from, false, 2)
RULE_FILTER(f_in_to, false, 3)
RULE_FILTER(f_in_proto, false, 4)
RULE_FILTER(f_in_group, false, 5)
RULE_FILTER(f_in_pl, false, 6)
RULE_FILTER(f_eg_cidr, true, 0)
RULE_FILTER(f_eg_cidr6, true, 1)
RULE_FILTER(f_eg_from, true, 2)
RULE_FILTER(f_eg_to, true, 3)
RULE_FILTER(f_eg_proto, true, 4)
RULE_FILTER(f_eg_group, true, 5)
RULE_FILTER(f_eg_pl, true, 6)
#undef RULE_FILTER

static const struct model_tags *sg_tags(const void *o)
{
	return &SG(o)->tags;
}
static const struct api_filter_field sg_fields[] = {
    {"description", f_sg_desc}, {"group-id", f_sg_id},	   {"group-name", f_sg_name},
    {"owner-id", f_sg_owner},	{"vpc-id", f_sg_vpc},
    {"ip-permission.cidr", f_in_cidr},
    {"ip-permission.ipv6-cidr", f_in_cidr6},
    {"ip-permission.from-port", f_in_from},
    {"ip-permission.to-port", f_in_to},
    {"ip-permission.protocol", f_in_proto},
    {"ip-permission.group-id", f_in_group},
    {"ip-permission.prefix-list-id", f_in_pl},
    {"egress.ip-permission.cidr", f_eg_cidr},
    {"egress.ip-permission.ipv6-cidr", f_eg_cidr6},
    {"egress.ip-permission.from-port", f_eg_from},
    {"egress.ip-permission.to-port", f_eg_to},
    {"egress.ip-permission.protocol", f_eg_proto},
    {"egress.ip-permission.group-id", f_eg_group},
    {"egress.ip-permission.prefix-list-id", f_eg_pl},
};
static const struct api_filter_table sg_filters = {sg_fields, ARRAY_SIZE(sg_fields), sg_tags};

static const char *sg_id_of(const void *o)
{
	return SG(o)->id;
}

static void render_sg_item(struct api_req *r, const void *o)
{
	render_sg(r, o);
}

static bool str_listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* With GroupName.N: the groups listed by GroupId.N, or by name in the default VPC. */
static bool sg_listed(struct api_req *r, const void *o)
{
	const struct model_vpc *dv = default_vpc(r->model);
	const char **ids = NULL, **names = NULL;
	size_t n_ids = 0, n_names = 0;

	/* Parsed without error before the skeleton ran, so these cannot fail now. */
	if (api_get_str_list(r, &ids, &n_ids, "GroupId") < 0 ||
	    api_get_str_list(r, &names, &n_names, "GroupName") < 0)
		return false;
	return str_listed(ids, n_ids, SG(o)->id) ||
	       (dv && strcmp(SG(o)->vpc_id, dv->id) == 0 && str_listed(names, n_names, SG(o)->name));
}

/*
 * GroupId.N and GroupName.N (names of the default VPC's groups) select
 * together; each listed one must exist.  Without names this is the plain
 * skeleton; with names the IDs and names are checked here (in the order the
 * skeleton would) and the skeleton selects through sg_listed.
 */
static const void *find_sg(const struct model *m, const char *id)
{
	return model_find_sg(m, id);
}

static int describe_security_groups(struct api_req *r)
{
	struct api_describe d = {
	    .id_param = "GroupId",
	    .not_found_code = "InvalidGroup.NotFound",
	    .not_found_fmt = "The security group '%s' does not exist",
	    .filters = &sg_filters,
	    .paginated = true,
	    .objs = (const void *const *)r->model->sgs,
	    .n_objs = r->model->n_sgs,
	    .id_of = sg_id_of,
	    .find = find_sg,
	    .set_name = "securityGroupInfo",
	    .render = render_sg_item,
	};
	const char **ids, **names;
	size_t n_ids, n_names;
	struct api_filters f;
	struct api_page pg;
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "GroupId")) < 0 ||
	    (e = api_get_str_list(r, &names, &n_names, "GroupName")) < 0)
		return e;
	if (n_names == 0)
		return api_describe_run(r, &d);
	if ((e = api_filters_parse(r, &sg_filters, &f)) < 0 ||
	    (e = api_page_parse_default(r, &pg)) < 0)
		return e;
	for (size_t i = 0; i < n_ids; i++)
		if (!model_find_sg(r->model, ids[i]))
			return api_fail(r, 400, "InvalidGroup.NotFound",
					"The security group '%s' does not exist", ids[i]);
	const struct model_vpc *dv = default_vpc(r->model);
	for (size_t i = 0; i < n_names; i++) {
		bool found = false;

		for (size_t k = 0; dv && k < r->model->n_sgs && !found; k++)
			found = strcmp(r->model->sgs[k]->vpc_id, dv->id) == 0 &&
				strcmp(r->model->sgs[k]->name, names[i]) == 0;
		if (!found)
			return api_fail(r, 400, "InvalidGroup.NotFound",
					"The security group '%s' does not exist in default VPC",
					names[i]);
	}
	d.id_param = NULL;
	d.visible = sg_listed;
	return api_describe_run(r, &d);
}

/* ---- DescribeSecurityGroupRules --------------------------------------------------- */

struct rule_view {
	const struct model_sg *sg;
	const struct model_sg_rule *rule;
};

#define RV(o) ((const struct rule_view *)(o))

static void f_rule_gid(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, RV(o)->sg->id);
}
static void f_rule_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, RV(o)->rule->id);
}
static const struct model_tags *rule_tags(const void *o)
{
	return &RV(o)->rule->tags;
}
static const struct api_filter_field rule_fields[] = {
    {"group-id", f_rule_gid},
    {"security-group-rule-id", f_rule_id},
};
static const struct api_filter_table rule_filters = {rule_fields, ARRAY_SIZE(rule_fields),
						     rule_tags};

static const char *rule_id_of(const void *o)
{
	return RV(o)->rule->id;
}

static void render_rule_item(struct api_req *r, const void *o)
{
	render_rule(r, RV(o)->sg, RV(o)->rule);
}

/* The skeleton runs over a view (group, rule) of every rule of every group. */
static int describe_security_group_rules(struct api_req *r)
{
	size_t total = 0, n = 0;

	for (size_t k = 0; k < r->model->n_sgs; k++)
		total += r->model->sgs[k]->n_rules;
	struct rule_view *views = api_alloc(r, (total + 1) * sizeof(*views));
	const void **objs = api_alloc(r, (total + 1) * sizeof(*objs));
	if (!views || !objs)
		return oom(r);
	for (size_t k = 0; k < r->model->n_sgs; k++)
		for (size_t j = 0; j < r->model->sgs[k]->n_rules; j++) {
			views[n].sg = r->model->sgs[k];
			views[n].rule = &r->model->sgs[k]->rules[j];
			objs[n] = &views[n];
			n++;
		}

	const struct api_describe d = {
	    .id_param = "SecurityGroupRuleId",
	    .not_found_code = "InvalidSecurityGroupRuleId.NotFound",
	    .not_found_fmt = "The security group rule ID '%s' does not exist",
	    .filters = &rule_filters,
	    .paginated = true,
	    .objs = objs,
	    .n_objs = n,
	    .id_of = rule_id_of,
	    .set_name = "securityGroupRuleSet",
	    .render = render_rule_item,
	};
	return api_describe_run(r, &d);
}

API_FAMILY_DEFINE(secgroup,
		  {"CreateSecurityGroup", create_security_group, API_MUTATING},
		  {"DescribeSecurityGroups", describe_security_groups, API_READ},
		  {"DeleteSecurityGroup", delete_security_group, API_MUTATING},
		  {"AuthorizeSecurityGroupIngress", authorize_ingress, API_MUTATING},
		  {"AuthorizeSecurityGroupEgress", authorize_egress, API_MUTATING},
		  {"RevokeSecurityGroupIngress", revoke_ingress, API_MUTATING},
		  {"RevokeSecurityGroupEgress", revoke_egress, API_MUTATING},
		  {"DescribeSecurityGroupRules", describe_security_group_rules, API_READ},
		  {"ModifySecurityGroupRules", modify_security_group_rules, API_MUTATING}, );
