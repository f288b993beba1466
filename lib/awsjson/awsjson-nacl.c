/*
 * awsjson-nacl: NetworkAcls (describe-network-acls).
 *
 * Entries keep their rule numbers, including the final deny-all rows AWS
 * prints as 32767 (IPv4) and 32768 (IPv6); the model keeps them sorted by
 * (egress, rule number).  A rule number used twice in one direction and
 * family is rejected, as AWS never shows one.  PortRange applies to tcp and
 * udp, IcmpTypeCode to icmp; absent values are stored as -1 (all).
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

static int import_entry(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_nacl *nacl = userdata;
	struct model_nacl_entry e;
	const char *proto = NULL, *action = NULL;
	bool present4 = false, present6 = false;
	long number = 0, v;
	json_t *sub;
	int r;

	memset(&e, 0, sizeof(e));
	e.from_port = e.to_port = -1;
	e.icmp_type = e.icmp_code = -1;
	if ((r = aj_expect_object(c, o)) < 0)
		return r;
	if (!aj_get(o, "RuleNumber"))
		return aj_fail(c, "RuleNumber", -EINVAL, "missing");
	if ((r = aj_opt_int(c, o, "RuleNumber", 1, MODEL_NACL_DEFAULT_RULE6, &number)) < 0 ||
	    (r = aj_req_string(c, o, "Protocol", &proto)) < 0 ||
	    (r = aj_req_string(c, o, "RuleAction", &action)) < 0 ||
	    (r = aj_opt_bool(c, o, "Egress", &e.egress)) < 0 ||
	    (r = aj_opt_cidr4(c, o, "CidrBlock", &present4, &e.cidr)) < 0 ||
	    (r = aj_opt_cidr6(c, o, "Ipv6CidrBlock", &present6, &e.cidr6)) < 0)
		return r;
	e.rule_number = (int)number;
	if (model_protocol_parse(proto, &e.protocol) < 0)
		return aj_fail(c, "Protocol", -EINVAL, "\"%.60s\" is not a protocol number", proto);
	if (strcmp(action, "allow") == 0)
		e.allow = true;
	else if (strcmp(action, "deny") != 0)
		return aj_fail(c, "RuleAction", -EINVAL, "\"%.60s\" is not allow or deny", action);
	if (present4 == present6)
		return aj_fail(c, "CidrBlock", -EINVAL,
			       present4 ? "both CidrBlock and Ipv6CidrBlock are set"
					: "missing (an entry needs CidrBlock or Ipv6CidrBlock)");
	e.is_ipv6 = present6;
	if ((sub = aj_get(o, "PortRange"))) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "PortRange");
		r = aj_expect_object(c, sub);
		if (r == 0 && (r = aj_opt_int(c, sub, "From", 0, 65535, &v)) == 0 &&
		    aj_get(sub, "From"))
			e.from_port = (int)v;
		if (r == 0 && (r = aj_opt_int(c, sub, "To", 0, 65535, &v)) == 0 &&
		    aj_get(sub, "To"))
			e.to_port = (int)v;
		if (r == 0 && (e.from_port < 0) != (e.to_port < 0))
			r = aj_fail(c, NULL, -EINVAL, "From and To go together");
		if (r == 0 && e.from_port > e.to_port)
			r = aj_fail(c, NULL, -EINVAL, "port range %d-%d is not valid", e.from_port,
				    e.to_port);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	if ((sub = aj_get(o, "IcmpTypeCode"))) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "IcmpTypeCode");
		r = aj_expect_object(c, sub);
		if (r == 0 && (r = aj_opt_int(c, sub, "Type", -1, 255, &v)) == 0 &&
		    aj_get(sub, "Type"))
			e.icmp_type = (int)v;
		if (r == 0 && (r = aj_opt_int(c, sub, "Code", -1, 255, &v)) == 0 &&
		    aj_get(sub, "Code"))
			e.icmp_code = (int)v;
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < nacl->n_entries; i++) {
		const struct model_nacl_entry *x = &nacl->entries[i];

		if (x->egress == e.egress && x->is_ipv6 == e.is_ipv6 &&
		    x->rule_number == e.rule_number)
			return aj_fail(c, "RuleNumber", -EINVAL,
				       "duplicate %s rule number %d in network ACL %s",
				       e.egress ? "outbound" : "inbound", e.rule_number, nacl->id);
	}
	if (nacl->n_entries >= AJ_MAX_NACL_ENTRIES)
		return aj_fail(c, NULL, -E2BIG, "more than %d entries in network ACL %s",
			       AJ_MAX_NACL_ENTRIES, nacl->id);
	return model_nacl_add_entry(nacl, &e);
}

static int import_assoc(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_nacl *nacl = userdata;
	char id[MODEL_ID_LEN] = "", subnet[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_id(c, o, "NetworkAclAssociationId", "aclassoc-", id)) < 0 ||
	    (r = aj_req_id(c, o, "SubnetId", "subnet-", subnet)) < 0)
		return r;
	if (nacl->n_assocs >= AJ_MAX_SUBNETS)
		return aj_fail(c, NULL, -E2BIG, "too many associations");
	return model_nacl_add_assoc(nacl, id, subnet);
}

static int import_nacl(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_nacl *nacl;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "NetworkAclId", "acl-", id)) < 0)
		return r;
	if (model_find_nacl(c->m, id))
		return aj_fail(c, "NetworkAclId", -EINVAL, "duplicate network ACL \"%s\"", id);
	if ((r = aj_check_count(c, "NetworkAclId", c->m->n_nacls, AJ_MAX_NACLS, "network ACLs")) <
	    0)
		return r;
	nacl = model_add_nacl(c->m);
	if (!nacl)
		return -ENOMEM;
	memcpy(nacl->id, id, sizeof(id));
	if ((r = aj_req_id(c, o, "VpcId", "vpc-", nacl->vpc_id)) < 0 ||
	    (r = aj_owner(c, o, "OwnerId", nacl->owner_id)) < 0 ||
	    (r = aj_opt_bool(c, o, "IsDefault", &nacl->is_default)) < 0 ||
	    (r = aj_each(c, o, "Entries", AJ_MAX_NACL_ENTRIES, import_entry, nacl)) < 0 ||
	    (r = aj_each(c, o, "Associations", AJ_MAX_SUBNETS, import_assoc, nacl)) < 0 ||
	    (r = aj_tags(c, o, &nacl->tags)) < 0)
		return r;
	return 0;
}

int aj_import_network_acls(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_nacl, NULL);
}
