/*
 * awsjson-sg: SecurityGroups (describe-security-groups) and prefix lists
 * (describe-prefix-lists: PrefixLists with Cidrs; describe-managed-prefix-lists:
 * ManagedPrefixLists, optionally with the Entries of
 * get-managed-prefix-list-entries pasted in).
 *
 * An IpPermission holds one protocol and port range and several peers; every
 * peer (IpRanges[].CidrIp, Ipv6Ranges[].CidrIpv6, PrefixListIds[].PrefixListId,
 * UserIdGroupPairs[].GroupId) becomes one model_sg_rule, as AWS counts them.
 * Ports: tcp/udp without FromPort/ToPort mean all ports (0-65535); icmp
 * FromPort/ToPort are type/code with -1 meaning all; other protocols ignore
 * ports (-1/-1).
 *
 * A prefix list seen twice (in both describe calls) is merged, not duplicated.
 * IPv6 entries of prefix lists are skipped: the engine matches IPv4.
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

struct perm_ctx {
	struct model_sg *sg;
	struct model_sg_rule base; /* protocol, ports, egress */
};

static int add_rule(struct aj_ctx *c, struct perm_ctx *p, const struct model_sg_rule *rule)
{
	if (p->sg->n_rules >= AJ_MAX_RULES_PER_SG)
		return aj_fail(c, NULL, -E2BIG, "more than %d rules in security group %s",
			       AJ_MAX_RULES_PER_SG, p->sg->id);
	return model_sg_add_rule(p->sg, rule);
}

static int import_ip_range(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct perm_ctx *p = userdata;
	struct model_sg_rule rule = p->base;
	const char *desc = NULL;
	int r;

	rule.peer_type = MODEL_PEER_CIDR4;
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_cidr4(c, o, "CidrIp", &rule.cidr)) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0)
		return r;
	rule.description = (char *)desc;
	return add_rule(c, p, &rule);
}

static int import_ipv6_range(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct perm_ctx *p = userdata;
	struct model_sg_rule rule = p->base;
	const char *desc = NULL;
	bool present = false;
	int r;

	rule.peer_type = MODEL_PEER_CIDR6;
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_cidr6(c, o, "CidrIpv6", &present, &rule.cidr6)) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0)
		return r;
	if (!present)
		return aj_fail(c, "CidrIpv6", -EINVAL, "missing");
	rule.description = (char *)desc;
	return add_rule(c, p, &rule);
}

static int import_pl_id(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct perm_ctx *p = userdata;
	struct model_sg_rule rule = p->base;
	const char *desc = NULL;
	int r;

	rule.peer_type = MODEL_PEER_PREFIX_LIST;
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "PrefixListId", "pl-", rule.prefix_list_id)) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0)
		return r;
	rule.description = (char *)desc;
	return add_rule(c, p, &rule);
}

static int import_group_pair(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct perm_ctx *p = userdata;
	struct model_sg_rule rule = p->base;
	const char *desc = NULL;
	int r;

	rule.peer_type = MODEL_PEER_GROUP;
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "GroupId", "sg-", rule.group_id)) < 0 ||
	    (r = aj_owner(c, o, "UserId", rule.group_owner)) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0)
		return r;
	rule.description = (char *)desc;
	return add_rule(c, p, &rule);
}

static int import_permission(struct aj_ctx *c, const json_t *o, struct model_sg *sg, bool egress)
{
	struct perm_ctx p = {.sg = sg};
	const char *proto = NULL;
	long from = -1, to = -1;
	bool has_from, has_to;
	int r;

	memset(&p.base, 0, sizeof(p.base));
	p.base.egress = egress;
	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_string(c, o, "IpProtocol", &proto)) < 0)
		return r;
	if (model_protocol_parse(proto, &p.base.protocol) < 0)
		return aj_fail(c, "IpProtocol", -EINVAL,
			       "\"%.60s\" is not a protocol (tcp, udp, icmp, icmpv6, -1 or 0-255)",
			       proto);
	has_from = aj_get(o, "FromPort") != NULL;
	has_to = aj_get(o, "ToPort") != NULL;
	if ((r = aj_opt_int(c, o, "FromPort", -1, 65535, &from)) < 0 ||
	    (r = aj_opt_int(c, o, "ToPort", -1, 65535, &to)) < 0)
		return r;
	switch (p.base.protocol) {
	case 6:
	case 17:
		if (!has_from && !has_to) {
			from = 0;
			to = 65535;
		} else if (!has_from || !has_to) {
			return aj_fail(c, has_from ? "ToPort" : "FromPort", -EINVAL,
				       "missing (FromPort and ToPort go together)");
		} else if (from == -1 && to == -1) {
			from = 0;
			to = 65535;
		} else if (from < 0 || to < 0 || from > to) {
			return aj_fail(c, "ToPort", -EINVAL, "port range %ld-%ld is not valid",
				       from, to);
		}
		break;
	case 1:
	case 58:
		if (from < -1 || from > 255 || to < -1 || to > 255)
			return aj_fail(c, "FromPort", -EINVAL,
				       "ICMP type %ld / code %ld is out of range -1..255", from,
				       to);
		break;
	default:
		from = -1;
		to = -1;
		break;
	}
	p.base.from_port = (int)from;
	p.base.to_port = (int)to;
	if ((r = aj_each(c, o, "IpRanges", AJ_MAX_RULES_PER_SG, import_ip_range, &p)) < 0 ||
	    (r = aj_each(c, o, "Ipv6Ranges", AJ_MAX_RULES_PER_SG, import_ipv6_range, &p)) < 0 ||
	    (r = aj_each(c, o, "PrefixListIds", AJ_MAX_RULES_PER_SG, import_pl_id, &p)) < 0 ||
	    (r = aj_each(c, o, "UserIdGroupPairs", AJ_MAX_RULES_PER_SG, import_group_pair, &p)) < 0)
		return r;
	return 0;
}

static int import_ingress(struct aj_ctx *c, const json_t *o, void *userdata)
{
	return import_permission(c, o, userdata, false);
}

static int import_egress(struct aj_ctx *c, const json_t *o, void *userdata)
{
	return import_permission(c, o, userdata, true);
}

static int import_sg(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_sg *sg;
	const char *name = NULL, *desc = NULL;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "GroupId", "sg-", id)) < 0)
		return r;
	if (model_find_sg(c->m, id))
		return aj_fail(c, "GroupId", -EINVAL, "duplicate security group \"%s\"", id);
	if ((r = aj_check_count(c, "GroupId", c->m->n_sgs, AJ_MAX_SGS, "security groups")) < 0)
		return r;
	sg = model_add_sg(c->m);
	if (!sg)
		return -ENOMEM;
	memcpy(sg->id, id, sizeof(id));
	if ((r = aj_opt_id(c, o, "VpcId", "vpc-", sg->vpc_id)) < 0 ||
	    (r = aj_owner(c, o, "OwnerId", sg->owner_id)) < 0 ||
	    (r = aj_opt_string(c, o, "GroupName", &name)) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0)
		return r;
	if ((name && !(sg->name = strdup(name))) || (desc && !(sg->description = strdup(desc))))
		return -ENOMEM;
	if ((r = aj_each(c, o, "IpPermissions", AJ_MAX_RULES_PER_SG, import_ingress, sg)) < 0 ||
	    (r = aj_each(c, o, "IpPermissionsEgress", AJ_MAX_RULES_PER_SG, import_egress, sg)) <
		0 ||
	    (r = aj_tags(c, o, &sg->tags)) < 0)
		return r;
	return 0;
}

int aj_import_security_groups(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_sg, NULL);
}

static int pl_add(struct aj_ctx *c, struct model_prefix_list *pl, const char *key, const char *s)
{
	struct net_cidr4 cidr;
	struct net_cidr6 cidr6;

	if (net_cidr4_parse(s, &cidr) < 0) {
		if (net_cidr6_parse(s, &cidr6) == 0)
			return 0;
		return aj_fail(c, key, -EINVAL, "\"%.60s\" is not a CIDR", s);
	}
	for (size_t i = 0; i < pl->n_cidrs; i++)
		if (net_cidr4_equal(pl->cidrs[i], cidr))
			return 0;
	if (pl->n_cidrs >= AJ_MAX_PREFIX_LIST_CIDRS)
		return aj_fail(c, key, -E2BIG, "more than %d entries in prefix list %s",
			       AJ_MAX_PREFIX_LIST_CIDRS, pl->id);
	return model_prefix_list_add_cidr(pl, cidr);
}

static int import_pl_cidr(struct aj_ctx *c, const json_t *o, void *userdata)
{
	if (!json_is_string(o))
		return aj_fail(c, NULL, -EINVAL, "expected a string, found %s", aj_type_name(o));
	return pl_add(c, userdata, NULL, json_string_value(o));
}

static int import_pl_entry(struct aj_ctx *c, const json_t *o, void *userdata)
{
	const char *s = NULL;
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_string(c, o, "Cidr", &s)) < 0)
		return r;
	return pl_add(c, userdata, "Cidr", s);
}

static int import_prefix_list(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_prefix_list *pl;
	const char *name = NULL, *owner = NULL;
	char id[MODEL_ID_LEN];
	long max_entries = -1;
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "PrefixListId", "pl-", id)) < 0)
		return r;
	pl = model_find_prefix_list(c->m, id);
	if (!pl) {
		if ((r = aj_check_count(c, "PrefixListId", c->m->n_prefix_lists,
					AJ_MAX_PREFIX_LISTS, "prefix lists")) < 0)
			return r;
		pl = model_add_prefix_list(c->m);
		if (!pl)
			return -ENOMEM;
		memcpy(pl->id, id, sizeof(id));
		/* describe-prefix-lists lists only AWS-managed lists. */
		pl->aws_managed = true;
	}
	if ((r = aj_opt_string(c, o, "PrefixListName", &name)) < 0 ||
	    (r = aj_opt_string(c, o, "OwnerId", &owner)) < 0 ||
	    (r = aj_opt_int(c, o, "MaxEntries", 0, 100000, &max_entries)) < 0)
		return r;
	if (name && !pl->name && !(pl->name = strdup(name)))
		return -ENOMEM;
	if (owner)
		pl->aws_managed = strcmp(owner, "AWS") == 0;
	if (max_entries >= 0)
		pl->max_entries = (int)max_entries;
	if ((r = aj_each(c, o, "Cidrs", AJ_MAX_PREFIX_LIST_CIDRS, import_pl_cidr, pl)) < 0 ||
	    (r = aj_each(c, o, "Entries", AJ_MAX_PREFIX_LIST_CIDRS, import_pl_entry, pl)) < 0 ||
	    (r = aj_tags(c, o, &pl->tags)) < 0)
		return r;
	return 0;
}

int aj_import_prefix_lists(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_prefix_list, NULL);
}
