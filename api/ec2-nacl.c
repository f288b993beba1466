/*
 * ec2-nacl: network ACL actions, through lib/model/ops-nacl.h.
 *
 * CreateNetworkAcl, DeleteNetworkAcl, DescribeNetworkAcls,
 * Create/Replace/DeleteNetworkAclEntry, ReplaceNetworkAclAssociation.
 *
 * Every VPC rule (rule numbers, protocols, ports, quotas, the default ACL,
 * associations) is checked by the model operation; this file parses the
 * parameters, renders the ACL as AWS does and maps model errors.
 *
 * Rendering.  entrySet lists the egress entries, then the ingress ones, each
 * by rule number (the order of AWS's describe-network-acls examples), the
 * final deny entries included with ruleNumber 32767
 * (32768 for IPv6), protocol as its IANA number ("-1" for all), portRange
 * only for TCP/UDP entries and icmpTypeCode only for ICMP/ICMPv6 entries.
 * A new ACL holds only the final deny entries: it denies everything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-nacl.h"
#include "lib/util/util.h"

#define NACL(o) ((const struct model_nacl *)(o))

/* ---- rendering -------------------------------------------------------------------- */

static void render_entry(struct api_req *r, const struct model_nacl_entry *x)
{
	char buf[NET_CIDR6_STRLEN];

	api_xml_start(r, "item");
	api_xml_long(r, "ruleNumber", x->rule_number);
	api_xml_strf(r, "protocol", "%d", x->protocol); /* MODEL_PROTO_ALL is -1 */
	api_xml_str(r, "ruleAction", x->allow ? "allow" : "deny");
	api_xml_bool(r, "egress", x->egress);
	if (x->is_ipv6)
		api_xml_str(r, "ipv6CidrBlock", net_cidr6_format(&x->cidr6, buf));
	else
		api_xml_str(r, "cidrBlock", net_cidr4_format(x->cidr, buf));
	if (x->protocol == 1 || x->protocol == 58) {
		api_xml_start(r, "icmpTypeCode");
		api_xml_long(r, "code", x->icmp_code);
		api_xml_long(r, "type", x->icmp_type);
		api_xml_end(r);
	}
	if ((x->protocol == 6 || x->protocol == 17) && x->from_port >= 0) {
		api_xml_start(r, "portRange");
		api_xml_long(r, "from", x->from_port);
		api_xml_long(r, "to", x->to_port);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void render_nacl_as(struct api_req *r, const struct model_nacl *a, const char *elem)
{
	api_xml_start(r, elem);
	api_xml_str(r, "networkAclId", a->id);
	api_xml_str(r, "vpcId", a->vpc_id);
	api_xml_bool(r, "default", a->is_default);
	api_xml_start(r, "entrySet");
	for (int egress = 1; egress >= 0; egress--) /* the model keeps ingress first */
		for (size_t i = 0; i < a->n_entries; i++)
			if (a->entries[i].egress == (egress == 1))
				render_entry(r, &a->entries[i]);
	api_xml_end(r);
	api_xml_start(r, "associationSet");
	for (size_t i = 0; i < a->n_assocs; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "networkAclAssociationId", a->assocs[i].id);
		api_xml_str(r, "networkAclId", a->id);
		api_xml_str(r, "subnetId", a->assocs[i].subnet_id);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_tags(r, "tagSet", &a->tags);
	api_xml_str(r, "ownerId", a->owner_id);
	api_xml_end(r);
}

static void render_nacl_item(struct api_req *r, const void *o)
{
	render_nacl_as(r, NACL(o), "item");
}

/* ---- CreateNetworkAcl / DeleteNetworkAcl ------------------------------------------ */

static int create_network_acl(struct api_req *r)
{
	const char *vpc_id;
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_nacl *a;
	int e;

	if ((e = api_get_str(r, &vpc_id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = api_get_tag_specs(r, "network-acl", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	if ((e = model_op_create_network_acl(r->model, r->mctx, vpc_id, &a, &err)) < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n && model_tags_copy(&a->tags, &tags) < 0) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	api_touch(r, a->id, NULL); /* the save hint: an ACL's entries and associations are in it */
	render_nacl_as(r, a, "networkAcl");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_network_acl(struct api_req *r)
{
	const char *id;
	struct model_err err = {0};
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkAclId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_delete_network_acl(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

/* ---- entries ------------------------------------------------------------------------ */

/*
 * An optional pair of integers (PortRange.From/To, Icmp.Type/Code): a mask of
 * which are given (1: a, 2: b); the absent ones take their defaults.
 */
static int get_pair(struct api_req *r, const char *a, const char *b, long min, long def_a,
		    long def_b, int *ret_a, int *ret_b)
{
	long va = def_a, vb = def_b;
	int ha, hb;

	if ((ha = api_get_long(r, &va, min, 65535, API_OPTIONAL, "%s", a)) < 0)
		return ha;
	if ((hb = api_get_long(r, &vb, min, 65535, API_OPTIONAL, "%s", b)) < 0)
		return hb;
	*ret_a = (int)va;
	*ret_b = (int)vb;
	return (ha ? 1 : 0) | (hb ? 2 : 0);
}

static int get_cidr(struct api_req *r, struct model_nacl_entry_spec *s)
{
	const char *cidr = NULL, *cidr6 = NULL;
	int e;

	if ((e = api_get_str(r, &cidr, API_OPTIONAL, "CidrBlock")) < 0 ||
	    (e = api_get_str(r, &cidr6, API_OPTIONAL, "Ipv6CidrBlock")) < 0)
		return e;
	if (cidr && cidr6)
		return api_fail(r, 400, "InvalidParameterCombination",
				"Only one of CidrBlock and Ipv6CidrBlock may be specified");
	if (!cidr && !cidr6)
		return api_fail_missing(r, "CidrBlock");
	if (cidr && net_cidr4_parse(cidr, &s->cidr4) < 0)
		return api_fail_invalid_value(r,
					      "Value (%s) for parameter cidrBlock is invalid. "
					      "This is not a valid CIDR block.",
					      cidr);
	if (cidr6 && net_cidr6_parse(cidr6, &s->cidr6) < 0)
		return api_fail_invalid_value(r,
					      "Value (%s) for parameter ipv6CidrBlock is invalid. "
					      "This is not a valid IPv6 CIDR block.",
					      cidr6);
	s->has_cidr4 = cidr != NULL;
	s->has_cidr6 = cidr6 != NULL;
	return 0;
}

/* RuleNumber and Egress; with full, the rest of a NetworkAclEntry too. */
static int get_entry_spec(struct api_req *r, struct model_nacl_entry_spec *s, bool full)
{
	const char *action;
	long num;
	int e;

	memset(s, 0, sizeof(*s));
	if ((e = api_get_long(r, &num, 1, MODEL_NACL_RULE_MAX, API_REQUIRED, "RuleNumber")) < 0 ||
	    (e = api_get_bool(r, &s->egress, API_REQUIRED, "Egress")) < 0)
		return e;
	s->rule_number = (int)num;
	if (!full)
		return 0;
	if ((e = api_get_str(r, &s->protocol, API_REQUIRED, "Protocol")) < 0 ||
	    (e = api_get_str(r, &action, API_REQUIRED, "RuleAction")) < 0 ||
	    (e = get_cidr(r, s)) < 0)
		return e;
	if (strcmp(action, "allow") != 0 && strcmp(action, "deny") != 0)
		return api_fail_invalid_value(
		    r, "Value (%s) for parameter ruleAction is invalid. Allowed: allow, deny",
		    action);
	s->allow = strcmp(action, "allow") == 0;
	if ((e = get_pair(r, "PortRange.From", "PortRange.To", 0, 0, 65535, &s->from_port,
			  &s->to_port)) < 0)
		return e;
	if (e == 1 || e == 2)
		return api_fail(r, 400, "InvalidParameterCombination",
				"PortRange needs both From and To");
	s->has_ports = e == 3;
	if ((e = get_pair(r, "Icmp.Type", "Icmp.Code", -1, -1, -1, &s->icmp_type, &s->icmp_code)) <
	    0)
		return e;
	s->has_icmp = e > 0;
	return 0;
}

enum entry_op { ENTRY_CREATE, ENTRY_REPLACE, ENTRY_DELETE };

static int nacl_entry(struct api_req *r, enum entry_op op)
{
	struct model_nacl_entry_spec s;
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkAclId")) < 0 ||
	    (e = get_entry_spec(r, &s, op != ENTRY_DELETE)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	switch (op) {
	case ENTRY_CREATE:
		e = model_op_create_network_acl_entry(r->model, r->mctx, id, &s, &err);
		break;
	case ENTRY_REPLACE:
		e = model_op_replace_network_acl_entry(r->model, r->mctx, id, &s, &err);
		break;
	case ENTRY_DELETE:
		e = model_op_delete_network_acl_entry(r->model, r->mctx, id, s.rule_number,
						      s.egress, &err);
		break;
	}
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

static int create_network_acl_entry(struct api_req *r)
{
	return nacl_entry(r, ENTRY_CREATE);
}

static int replace_network_acl_entry(struct api_req *r)
{
	return nacl_entry(r, ENTRY_REPLACE);
}

static int delete_network_acl_entry(struct api_req *r)
{
	return nacl_entry(r, ENTRY_DELETE);
}

static int replace_network_acl_association(struct api_req *r)
{
	const struct model_nacl *from;
	const char *assoc, *id;
	char new_id[MODEL_ID_LEN];
	struct model_err err = {0};
	int e;

	if ((e = api_get_str(r, &assoc, API_REQUIRED, "AssociationId")) < 0 ||
	    (e = api_get_str(r, &id, API_REQUIRED, "NetworkAclId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	/* The save hint: the ACL the subnet's association leaves and the one it joins. */
	if ((from = model_nacl_of_assoc(r->model, assoc, NULL)))
		api_touch(r, from->id, id);
	if ((e = model_op_replace_network_acl_association(r->model, r->mctx, assoc, id, new_id,
							  &err)) < 0)
		return api_fail_model(r, e, &err);
	api_xml_str(r, "newAssociationId", new_id);
	return 0;
}

/* ---- DescribeNetworkAcls ---------------------------------------------------------- */

static void f_nacl_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, NACL(o)->id);
}

static void f_vpc_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, NACL(o)->vpc_id);
}

static void f_default(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, NACL(o)->is_default);
}

static void f_owner(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, NACL(o)->owner_id);
}

static void f_assoc_subnet(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < NACL(o)->n_assocs; i++)
		api_filter_emit(m, NACL(o)->assocs[i].subnet_id);
}

static void f_assoc_id(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < NACL(o)->n_assocs; i++)
		api_filter_emit(m, NACL(o)->assocs[i].id);
}

static void f_assoc_nacl(const void *o, struct api_filter_match *m)
{
	if (NACL(o)->n_assocs)
		api_filter_emit(m, NACL(o)->id);
}

/* The entry.* fields: each entry contributes at most one value. */
enum entry_field {
	EF_CIDR,
	EF_CIDR6,
	EF_EGRESS,
	EF_PROTOCOL,
	EF_ACTION,
	EF_NUMBER,
	EF_PORT_FROM,
	EF_PORT_TO,
	EF_ICMP_TYPE,
	EF_ICMP_CODE,
};

static bool is_icmp(const struct model_nacl_entry *x)
{
	return x->protocol == 1 || x->protocol == 58;
}

static bool has_ports(const struct model_nacl_entry *x)
{
	return (x->protocol == 6 || x->protocol == 17) && x->from_port >= 0;
}

static void emit_entry(const struct model_nacl_entry *x, enum entry_field what,
		       struct api_filter_match *m)
{
	char buf[NET_CIDR6_STRLEN];

	switch (what) {
	case EF_CIDR:
		if (!x->is_ipv6)
			api_filter_emit(m, net_cidr4_format(x->cidr, buf));
		break;
	case EF_CIDR6:
		if (x->is_ipv6)
			api_filter_emit(m, net_cidr6_format(&x->cidr6, buf));
		break;
	case EF_EGRESS:
		api_filter_emit_bool(m, x->egress);
		break;
	case EF_PROTOCOL:
		api_filter_emitf(m, "%d", x->protocol);
		break;
	case EF_ACTION:
		api_filter_emit(m, x->allow ? "allow" : "deny");
		break;
	case EF_NUMBER:
		api_filter_emitf(m, "%d", x->rule_number);
		break;
	case EF_PORT_FROM:
		if (has_ports(x))
			api_filter_emitf(m, "%d", x->from_port);
		break;
	case EF_PORT_TO:
		if (has_ports(x))
			api_filter_emitf(m, "%d", x->to_port);
		break;
	case EF_ICMP_TYPE:
		if (is_icmp(x))
			api_filter_emitf(m, "%d", x->icmp_type);
		break;
	case EF_ICMP_CODE:
		if (is_icmp(x))
			api_filter_emitf(m, "%d", x->icmp_code);
		break;
	}
}

#define ENTRY_FILTER(fn, what)                                                                     \
	static void fn(const void *o, struct api_filter_match *m)                                  \
	{                                                                                          \
		for (size_t i = 0; i < NACL(o)->n_entries; i++)                                    \
			emit_entry(&NACL(o)->entries[i], what, m);                                 \
	}
ENTRY_FILTER(f_entry_cidr, EF_CIDR)
ENTRY_FILTER(f_entry_cidr6, EF_CIDR6)
ENTRY_FILTER(f_entry_egress, EF_EGRESS)
ENTRY_FILTER(f_entry_protocol, EF_PROTOCOL)
ENTRY_FILTER(f_entry_action, EF_ACTION)
ENTRY_FILTER(f_entry_number, EF_NUMBER)
ENTRY_FILTER(f_entry_from, EF_PORT_FROM)
ENTRY_FILTER(f_entry_to, EF_PORT_TO)
ENTRY_FILTER(f_entry_icmp_type, EF_ICMP_TYPE)
ENTRY_FILTER(f_entry_icmp_code, EF_ICMP_CODE)
#undef ENTRY_FILTER

static const struct model_tags *nacl_tags(const void *o)
{
	return &NACL(o)->tags;
}

static const struct api_filter_field nacl_fields[] = {
    {"association.association-id", f_assoc_id},
    {"association.network-acl-id", f_assoc_nacl},
    {"association.subnet-id", f_assoc_subnet},
    {"default", f_default},
    {"entry.cidr", f_entry_cidr},
    {"entry.egress", f_entry_egress},
    {"entry.icmp.code", f_entry_icmp_code},
    {"entry.icmp.type", f_entry_icmp_type},
    {"entry.ipv6-cidr", f_entry_cidr6},
    {"entry.port-range.from", f_entry_from},
    {"entry.port-range.to", f_entry_to},
    {"entry.protocol", f_entry_protocol},
    {"entry.rule-action", f_entry_action},
    {"entry.rule-number", f_entry_number},
    {"network-acl-id", f_nacl_id},
    {"owner-id", f_owner},
    {"vpc-id", f_vpc_id},
};

static const struct api_filter_table nacl_filters = {nacl_fields, ARRAY_SIZE(nacl_fields),
						     nacl_tags};

static const char *nacl_id_of(const void *o)
{
	return NACL(o)->id;
}

static int describe_network_acls(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "NetworkAclId",
	    .not_found_code = "InvalidNetworkAclID.NotFound",
	    .not_found_fmt = "The networkAcl ID '%s' does not exist",
	    .filters = &nacl_filters,
	    .paginated = true,
	    .objs = (const void *const *)r->model->nacls,
	    .n_objs = r->model->n_nacls,
	    .id_of = nacl_id_of,
	    .set_name = "networkAclSet",
	    .render = render_nacl_item,
	};

	return api_describe_run(r, &d);
}

API_FAMILY_DEFINE(nacl, {"CreateNetworkAcl", create_network_acl, API_MUTATING},
		  {"DeleteNetworkAcl", delete_network_acl, API_MUTATING},
		  {"DescribeNetworkAcls", describe_network_acls, API_READ},
		  {"CreateNetworkAclEntry", create_network_acl_entry, API_MUTATING},
		  {"ReplaceNetworkAclEntry", replace_network_acl_entry, API_MUTATING},
		  {"DeleteNetworkAclEntry", delete_network_acl_entry, API_MUTATING},
		  {"ReplaceNetworkAclAssociation", replace_network_acl_association,
		   API_MUTATING}, );
