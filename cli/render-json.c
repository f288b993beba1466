/*
 * render-json: a trace report as AWS Reachability Analyzer's
 * NetworkInsightsAnalysis (vpc-semantics.md section 13), built with jansson.
 *
 * One PathComponent per engine trace step, numbered from 1 on each path,
 * with the step's headers (the outbound header of one component is the
 * inbound header of the next), the component's VPC and subnet where known,
 * and the rule that decided (AclRule, SecurityGroupRule, RouteTableRoute).
 * Every blocked step of either path becomes an Explanation.  Member names
 * and value spellings follow the EC2 API's JSON (PascalCase).
 */
#include <stdio.h>
#include <string.h>

#include "cli/trace.h"
#include "lib/util/util.h"

/* json_object_set_new that turns allocation failures into a flag. */
struct jb {
	bool oom;
};

static void jset(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v || json_object_set_new(obj, key, v) < 0)
		b->oom = true;
}

static void jpush(struct jb *b, json_t *arr, json_t *v)
{
	if (!arr || !v || json_array_append_new(arr, v) < 0)
		b->oom = true;
}

static json_t *component_obj(struct jb *b, const struct model *m, const char *id)
{
	json_t *o = json_object();
	char buf[256];
	const char *arn = trace_arn(m, id, buf, sizeof(buf));
	const char *name = trace_name(m, id);

	jset(b, o, "Id", json_string(id));
	if (arn)
		jset(b, o, "Arn", json_string(arn));
	if (name && *name)
		jset(b, o, "Name", json_string(name));
	return o;
}

static json_t *port_range(struct jb *b, int from, int to)
{
	json_t *o = json_object();

	jset(b, o, "From", json_integer(from));
	jset(b, o, "To", json_integer(to));
	return o;
}

static json_t *addr_list(struct jb *b, uint32_t ip)
{
	char buf[NET_IP4_STRLEN + 3];
	json_t *a = json_array();

	net_ip4_format(ip, buf);
	strcat(buf, "/32");
	jpush(b, a, json_string(buf));
	return a;
}

static json_t *header_obj(struct jb *b, const struct pkt_hdr *h)
{
	json_t *o = json_object();
	char proto[8];

	jset(b, o, "DestinationAddresses", addr_list(b, h->dst));
	if (h->proto == PKT_PROTO_TCP || h->proto == PKT_PROTO_UDP) {
		json_t *d = json_array(), *s = json_array();

		jpush(b, d, port_range(b, h->dport, h->dport));
		jpush(b, s, port_range(b, h->sport, h->sport));
		jset(b, o, "DestinationPortRanges", d);
		jset(b, o, "SourcePortRanges", s);
	}
	snprintf(proto, sizeof(proto), "%u", h->proto);
	jset(b, o, "Protocol", json_string(proto));
	jset(b, o, "SourceAddresses", addr_list(b, h->src));
	return o;
}

static json_t *acl_rule_obj(struct jb *b, const struct model_nacl_entry *e)
{
	json_t *o = json_object();
	char buf[NET_CIDR6_STRLEN];

	if (e->is_ipv6)
		jset(b, o, "Cidr", json_string(net_cidr6_format(&e->cidr6, buf)));
	else
		jset(b, o, "Cidr", json_string(net_cidr4_format(e->cidr, buf)));
	jset(b, o, "Egress", json_boolean(e->egress));
	if ((e->protocol == 6 || e->protocol == 17) && e->from_port >= 0)
		jset(b, o, "PortRange", port_range(b, e->from_port, e->to_port));
	snprintf(buf, sizeof(buf), "%d", e->protocol);
	jset(b, o, "Protocol", json_string(buf));
	jset(b, o, "RuleAction", json_string(e->allow ? "allow" : "deny"));
	jset(b, o, "RuleNumber", json_integer(e->rule_number));
	return o;
}

static json_t *sg_rule_obj(struct jb *b, const struct trace_report *r,
			   const struct eng_trace_step *s, const struct model_sg_rule *rule)
{
	json_t *o = json_object();
	char buf[NET_CIDR6_STRLEN];

	switch (rule->peer_type) {
	case MODEL_PEER_CIDR4:
		jset(b, o, "Cidr", json_string(net_cidr4_format(rule->cidr, buf)));
		break;
	case MODEL_PEER_CIDR6:
		jset(b, o, "Cidr", json_string(net_cidr6_format(&rule->cidr6, buf)));
		break;
	case MODEL_PEER_PREFIX_LIST:
		jset(b, o, "PrefixListId", json_string(rule->prefix_list_id));
		break;
	case MODEL_PEER_GROUP:
		jset(b, o, "SecurityGroupId", json_string(rule->group_id));
		break;
	}
	jset(b, o, "Direction", json_string(rule->egress ? "egress" : "ingress"));
	if ((rule->protocol == 6 || rule->protocol == 17) && rule->from_port >= 0)
		jset(b, o, "PortRange", port_range(b, rule->from_port, rule->to_port));
	jset(b, o, "Protocol", json_string(model_protocol_name(rule->protocol, buf)));
	(void)r;
	(void)s;
	return o;
}

static const char *route_target_key(enum model_target_type t)
{
	switch (t) {
	case MODEL_TARGET_NAT:
		return "NatGatewayId";
	case MODEL_TARGET_ENI:
		return "NetworkInterfaceId";
	case MODEL_TARGET_INSTANCE:
		return "InstanceId";
	case MODEL_TARGET_PCX:
		return "VpcPeeringConnectionId";
	case MODEL_TARGET_TGW:
		return "TransitGatewayId";
	case MODEL_TARGET_EIGW:
		return "EgressOnlyInternetGatewayId";
	default:
		return "GatewayId";
	}
}

static json_t *route_obj(struct jb *b, const struct model_route *rt, bool blackhole)
{
	json_t *o = json_object();
	char buf[NET_CIDR6_STRLEN];

	if (rt->dest_type == MODEL_DEST_CIDR4)
		jset(b, o, "DestinationCidr", json_string(net_cidr4_format(rt->dest, buf)));
	else if (rt->dest_type == MODEL_DEST_CIDR6)
		jset(b, o, "DestinationCidr", json_string(net_cidr6_format(&rt->dest6, buf)));
	else
		jset(b, o, "DestinationPrefixListId", json_string(rt->prefix_list_id));
	if (rt->target_id[0])
		jset(b, o, route_target_key(rt->target_type), json_string(rt->target_id));
	jset(b, o, "Origin", json_string(model_route_origin_name(rt->origin)));
	jset(b, o, "State", json_string(blackhole || rt->blackhole ? "blackhole" : "active"));
	return o;
}

/* VPC and subnet of a step's component, where the model knows them. */
static void step_vpc_subnet(const struct trace_report *r, const struct eng_trace_step *s,
			    const char **ret_vpc, const char **ret_subnet)
{
	const char *id = trace_step_component_id(r, s);
	const char *vpc = NULL, *subnet = NULL;

	switch (s->component) {
	case ENG_COMP_ENI:
	case ENG_COMP_SG:
		vpc = eng_gen_eni_vpc_id(r->g, s->obj);
		subnet = eng_gen_eni_subnet_id(r->g, s->obj);
		break;
	case ENG_COMP_NACL: {
		const struct model_nacl *n = model_find_nacl(r->m, id);

		vpc = n ? n->vpc_id : NULL;
		if (s->rule_obj >= 0)
			subnet = eng_gen_subnet_id(r->g, (uint32_t)s->rule_obj);
		break;
	}
	case ENG_COMP_RTB: {
		const struct model_route_table *t = model_find_route_table(r->m, id);

		vpc = t ? t->vpc_id : NULL;
		break;
	}
	case ENG_COMP_IGW: {
		const struct model_igw *g = model_find_igw(r->m, id);

		vpc = g ? g->attachment.vpc_id : NULL;
		break;
	}
	case ENG_COMP_NAT: {
		const struct model_nat_gateway *n = model_find_nat_gateway(r->m, id);

		vpc = n ? n->vpc_id : NULL;
		subnet = n ? n->subnet_id : NULL;
		break;
	}
	case ENG_COMP_VGW: {
		const struct model_vgw *g = model_find_vgw(r->m, id);

		vpc = g && g->n_attachments ? g->attachments[0].vpc_id : NULL;
		break;
	}
	case ENG_COMP_SUBNET: {
		const struct model_subnet *sn = model_find_subnet(r->m, id);

		vpc = sn ? sn->vpc_id : NULL;
		subnet = id;
		break;
	}
	}
	*ret_vpc = vpc && *vpc ? vpc : NULL;
	*ret_subnet = subnet && *subnet ? subnet : NULL;
}

static void add_rules(struct jb *b, json_t *o, const struct trace_report *r,
		      const struct eng_trace_step *s)
{
	if (s->component == ENG_COMP_NACL) {
		const struct model_nacl_entry *e = trace_step_acl_entry(r, s);

		if (e)
			jset(b, o, "AclRule", acl_rule_obj(b, e));
	} else if (s->component == ENG_COMP_SG) {
		const struct model_sg_rule *rule = trace_step_sg_rule(r, s);

		if (rule)
			jset(b, o, "SecurityGroupRule", sg_rule_obj(b, r, s, rule));
	} else if (s->component == ENG_COMP_RTB && s->rule >= 0) {
		struct model_route rt;

		if (eng_gen_route(r->g, s->obj, (uint32_t)s->rule, &rt) == 0)
			jset(b, o, "RouteTableRoute",
			     route_obj(b, &rt, s->explanation == ENG_EXPL_BAD_STATE_ROUTE));
	}
}

static json_t *path_component(struct jb *b, const struct trace_report *r,
			      const struct eng_trace_step *s, unsigned seq)
{
	json_t *o = json_object();
	const char *id = trace_step_component_id(r, s);
	const char *vpc, *subnet;

	jset(b, o, "SequenceNumber", json_integer(seq));
	if (id)
		jset(b, o, "Component", component_obj(b, r->m, id));
	if (s->component == ENG_COMP_SG) {
		jset(b, o, "AttachedTo", component_obj(b, r->m, eng_gen_eni_id(r->g, s->obj)));
	} else if (s->component == ENG_COMP_ENI) {
		const struct model_eni *e = model_find_eni(r->m, id ? id : "");

		if (e && e->attachment.present && e->attachment.instance_id[0])
			jset(b, o, "AttachedTo", component_obj(b, r->m, e->attachment.instance_id));
	}
	step_vpc_subnet(r, s, &vpc, &subnet);
	if (vpc)
		jset(b, o, "Vpc", component_obj(b, r->m, vpc));
	if (subnet)
		jset(b, o, "Subnet", component_obj(b, r->m, subnet));
	jset(b, o, "InboundHeader", header_obj(b, &s->in));
	jset(b, o, "OutboundHeader", header_obj(b, &s->out));
	add_rules(b, o, r, s);
	if (!s->blocked && s->explanation != ENG_EXPL_NONE) {
		json_t *ex = json_array(), *e = json_object();

		jset(b, e, "ExplanationCode", json_string(eng_explanation_name(s->explanation)));
		jpush(b, ex, e);
		jset(b, o, "Explanations", ex);
	}
	return o;
}

static const char *component_key(enum eng_component c)
{
	switch (c) {
	case ENG_COMP_ENI:
		return "NetworkInterface";
	case ENG_COMP_NACL:
		return "Acl";
	case ENG_COMP_RTB:
		return "RouteTable";
	case ENG_COMP_IGW:
		return "InternetGateway";
	case ENG_COMP_NAT:
		return "NatGateway";
	case ENG_COMP_VGW:
		return "VpnGateway";
	case ENG_COMP_SUBNET:
		return "Subnet";
	case ENG_COMP_SG:
	default:
		return NULL;
	}
}

static json_t *explanation(struct jb *b, const struct trace_report *r,
			   const struct eng_trace_step *s)
{
	json_t *o = json_object();
	const char *id = trace_step_component_id(r, s);
	const char *key = component_key(s->component);
	const char *vpc, *subnet;

	jset(b, o, "ExplanationCode", json_string(eng_explanation_name(s->explanation)));
	jset(b, o, "Direction", json_string(s->dir == ENG_DIR_EGRESS ? "egress" : "ingress"));
	if (id)
		jset(b, o, "Component", component_obj(b, r->m, id));
	if (s->component == ENG_COMP_SG) {
		const char *eni_id = eng_gen_eni_id(r->g, s->obj);
		const struct model_eni *e = model_find_eni(r->m, eni_id);
		json_t *sgs = json_array();

		jset(b, o, "NetworkInterface", component_obj(b, r->m, eni_id));
		for (size_t i = 0; e && i < e->n_sg_ids; i++)
			jpush(b, sgs, component_obj(b, r->m, e->sg_ids[i]));
		jset(b, o, "SecurityGroups", sgs);
	} else if (key && id) {
		jset(b, o, key, component_obj(b, r->m, id));
	}
	step_vpc_subnet(r, s, &vpc, &subnet);
	if (vpc)
		jset(b, o, "Vpc", component_obj(b, r->m, vpc));
	if (subnet && s->component != ENG_COMP_SUBNET)
		jset(b, o, "Subnet", component_obj(b, r->m, subnet));
	add_rules(b, o, r, s);
	return o;
}

static json_t *path(struct jb *b, const struct trace_report *r, const struct eng_trace *t,
		    json_t *explanations)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < t->n && i < ENG_TRACE_MAX; i++) {
		jpush(b, arr, path_component(b, r, &t->steps[i], i + 1));
		if (t->steps[i].blocked)
			jpush(b, explanations, explanation(b, r, &t->steps[i]));
	}
	return arr;
}

json_t *trace_render_json(const struct trace_report *r)
{
	struct jb b = {0};
	json_t *root = json_object(), *nia = json_object(), *ex = json_array();

	jset(&b, root, "NetworkInsightsAnalysis", nia);
	jset(&b, nia, "NetworkInsightsAnalysisId", json_string(r->analysis_id));
	jset(&b, nia, "NetworkInsightsPathId", json_string(r->path_id));
	jset(&b, nia, "Status", json_string("succeeded"));
	if (r->a) {
		jset(&b, nia, "NetworkPathFound", json_boolean(r->a->path_found));
		jset(&b, nia, "ForwardPathComponents", path(&b, r, &r->a->forward, ex));
		jset(&b, nia, "ReturnPathComponents",
		     r->a->has_return ? path(&b, r, &r->a->ret, ex) : json_array());
	} else {
		json_t *e = json_object();

		jset(&b, nia, "NetworkPathFound", json_false());
		jset(&b, nia, "ForwardPathComponents", json_array());
		jset(&b, nia, "ReturnPathComponents", json_array());
		jset(&b, e, "ExplanationCode", json_string(eng_explanation_name(r->config_code)));
		jpush(&b, ex, e);
		if (r->config_message[0])
			jset(&b, nia, "WarningMessage", json_string(r->config_message));
	}
	jset(&b, nia, "Explanations", ex);
	if (b.oom) {
		json_decref(root);
		return NULL;
	}
	return root;
}

int trace_print_json(const struct trace_report *r, FILE *out)
{
	json_t *root = trace_render_json(r);
	int rc;

	if (!root)
		return -ENOMEM;
	rc = json_dumpf(root, out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc < 0 || fputc('\n', out) == EOF)
		return -EIO;
	return 0;
}
