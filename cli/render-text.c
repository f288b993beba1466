/*
 * render-text: a trace report for a person.  The question, each path hop by
 * hop (component, then what it did to the packet and which rule decided), a
 * verdict, and one sentence per block saying which rule blocks or which rule
 * is missing.  Colour (ANSI) only when the caller asks for it: vpcctl asks
 * when stdout is a terminal and NO_COLOR is unset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/trace.h"
#include "lib/util/util.h"

#define LABEL_MAX 160

struct out {
	FILE *f;
	bool color;
	bool err;
};

static void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(o->f, fmt, ap) < 0)
		o->err = true;
	va_end(ap);
}

static const char *c_on(const struct out *o, const char *code)
{
	return o->color ? code : "";
}

#define RED   "\033[1;31m"
#define GREEN "\033[1;32m"
#define BOLD  "\033[1m"
#define DIM   "\033[2m"
#define OFF   "\033[0m"

static const char *ip_str(uint32_t ip, char buf[NET_IP4_STRLEN])
{
	return net_ip4_format(ip, buf);
}

static const char *peer_str(const struct model *m, const struct model_sg_rule *rule, char *buf,
			    size_t size)
{
	char tmp[NET_CIDR6_STRLEN];

	switch (rule->peer_type) {
	case MODEL_PEER_CIDR4:
		snprintf(buf, size, "%s", net_cidr4_format(rule->cidr, tmp));
		break;
	case MODEL_PEER_CIDR6:
		snprintf(buf, size, "%s", net_cidr6_format(&rule->cidr6, tmp));
		break;
	case MODEL_PEER_PREFIX_LIST:
		snprintf(buf, size, "prefix list %s", rule->prefix_list_id);
		break;
	case MODEL_PEER_GROUP:
		trace_label(m, rule->group_id, buf, size);
		break;
	}
	return buf;
}

static const char *dir_word(enum eng_dir d)
{
	return d == ENG_DIR_EGRESS ? "outbound" : "inbound";
}

/* "tcp 22 from 10.0.1.10" (inbound) or "tcp 22 to 10.0.2.20" (outbound). */
static const char *flow_str(const struct eng_trace_step *s, char *buf, size_t size)
{
	char p[48], a[NET_IP4_STRLEN];

	trace_packet_desc(&s->in, p, sizeof(p));
	snprintf(buf, size, "%s %s %s", p, s->dir == ENG_DIR_EGRESS ? "to" : "from",
		 ip_str(s->dir == ENG_DIR_EGRESS ? s->in.dst : s->in.src, a));
	return buf;
}

static const char *acl_entry_str(const struct model_nacl_entry *e, char *buf, size_t size)
{
	char ports[48], c[NET_CIDR6_STRLEN];
	char num[16];

	if (e->protocol == 1 && e->icmp_type >= 0)
		trace_rule_ports(e->protocol, e->icmp_type, e->icmp_code, ports, sizeof(ports));
	else
		trace_rule_ports(e->protocol, e->from_port, e->to_port, ports, sizeof(ports));
	if (e->rule_number >= MODEL_NACL_DEFAULT_RULE4)
		snprintf(num, sizeof(num), "*");
	else
		snprintf(num, sizeof(num), "%d", e->rule_number);
	snprintf(buf, size, "%s rule %s: %s %s %s %s", e->egress ? "outbound" : "inbound", num,
		 e->allow ? "allow" : "deny", ports, e->egress ? "to" : "from",
		 e->is_ipv6 ? net_cidr6_format(&e->cidr6, c) : net_cidr4_format(e->cidr, c));
	return buf;
}

static const char *route_str(const struct model *m, const struct model_route *rt, char *buf,
			     size_t size)
{
	char d[NET_CIDR6_STRLEN], t[LABEL_MAX];

	if (rt->dest_type == MODEL_DEST_CIDR4)
		net_cidr4_format(rt->dest, d);
	else if (rt->dest_type == MODEL_DEST_CIDR6)
		net_cidr6_format(&rt->dest6, d);
	else
		snprintf(d, sizeof(d), "%s", rt->prefix_list_id);
	if (rt->target_type == MODEL_TARGET_LOCAL)
		snprintf(t, sizeof(t), "local");
	else
		trace_label(m, rt->target_id, t, sizeof(t));
	snprintf(buf, size, "route %s -> %s%s", d, t,
		 rt->origin == MODEL_ORIGIN_PROPAGATED ? " (propagated)" : "");
	return buf;
}

/*
 * "network ACL acl-… (db) on subnet-… (db)" and friends; with_subnet false
 * leaves the subnet out (the hop list, where it follows the rule).
 */
static const char *component_str_ex(const struct trace_report *r, const struct eng_trace_step *s,
				    bool with_subnet, char *buf, size_t size)
{
	const char *id = trace_step_component_id(r, s);
	char l[LABEL_MAX], l2[LABEL_MAX];

	trace_label(r->m, id, l, sizeof(l));
	switch (s->component) {
	case ENG_COMP_ENI:
		snprintf(buf, size, "%s", l);
		break;
	case ENG_COMP_SG:
		snprintf(buf, size, "security group %s", l);
		break;
	case ENG_COMP_NACL: {
		const struct model_nacl *n = model_find_nacl(r->m, id ? id : "");
		const char *kind = n && n->is_default ? "default network ACL" : "network ACL";

		if (s->rule_obj >= 0 && with_subnet)
			snprintf(buf, size, "%s %s on %s", kind, l,
				 trace_label(r->m, eng_gen_subnet_id(r->g, (uint32_t)s->rule_obj),
					     l2, sizeof(l2)));
		else
			snprintf(buf, size, "%s %s", kind, l);
		break;
	}
	case ENG_COMP_RTB:
		snprintf(buf, size, "route table %s", l);
		break;
	case ENG_COMP_IGW:
		snprintf(buf, size, "internet gateway %s", l);
		break;
	case ENG_COMP_NAT:
		snprintf(buf, size, "NAT gateway %s", l);
		break;
	case ENG_COMP_VGW:
		snprintf(buf, size, "VPN gateway %s", l);
		break;
	case ENG_COMP_SUBNET:
		snprintf(buf, size, "subnet %s", id ? l : "(none)");
		break;
	}
	return buf;
}

static const char *component_str(const struct trace_report *r, const struct eng_trace_step *s,
				 char *buf, size_t size)
{
	return component_str_ex(r, s, true, buf, size);
}

/*
 * What a step did, for the hop-by-hop listing.  after_block: an earlier step
 * blocked the packet and the analysis went on to find every block.
 */
static const char *step_detail(const struct trace_report *r, const struct eng_trace_step *s,
			       bool after_block, char *buf, size_t size)
{
	char a[NET_IP4_STRLEN], b[NET_IP4_STRLEN], x[LABEL_MAX], y[LABEL_MAX];

	switch (s->component) {
	case ENG_COMP_ENI: {
		const struct model_eni *e = model_find_eni(r->m, eng_gen_eni_id(r->g, s->obj));
		const char *inst = e && e->attachment.present ? e->attachment.instance_id : "";

		if (s->blocked)
			snprintf(buf, size,
				 "source/destination check: %s is not an address of this interface",
				 ip_str(s->dir == ENG_DIR_EGRESS ? s->in.src : s->in.dst, a));
		else if (s->dir == ENG_DIR_EGRESS)
			snprintf(buf, size, "sent%s%s from %s", *inst ? " by " : "",
				 *inst ? trace_label(r->m, inst, x, sizeof(x)) : "",
				 ip_str(s->in.src, a));
		else
			snprintf(buf, size, "%s%s%s at %s",
				 after_block ? "would be delivered" : "delivered",
				 *inst ? " to " : "",
				 *inst ? trace_label(r->m, inst, x, sizeof(x)) : "",
				 ip_str(s->in.dst, a));
		break;
	}
	case ENG_COMP_SG: {
		const struct model_sg_rule *rule = trace_step_sg_rule(r, s);

		if (s->by_state) {
			snprintf(buf, size, "%s reply of a tracked connection: allowed by state",
				 dir_word(s->dir));
		} else if (s->blocked) {
			snprintf(buf, size, "no %s rule allows %s", dir_word(s->dir),
				 flow_str(s, x, sizeof(x)));
		} else if (rule) {
			trace_rule_ports(rule->protocol, rule->from_port, rule->to_port, x,
					 sizeof(x));
			snprintf(buf, size, "%s rule: %s %s %s",
				 rule->egress ? "egress" : "ingress", x,
				 rule->egress ? "to" : "from", peer_str(r->m, rule, y, sizeof(y)));
		} else {
			snprintf(buf, size, "%s: allowed", dir_word(s->dir));
		}
		break;
	}
	case ENG_COMP_NACL: {
		const struct model_nacl_entry *e = trace_step_acl_entry(r, s);

		if (e)
			acl_entry_str(e, buf, size);
		else
			snprintf(buf, size, "no %s rule matches %s; the final rule (*) denies it",
				 dir_word(s->dir), flow_str(s, x, sizeof(x)));
		if (s->rule_obj >= 0) {
			size_t n = strlen(buf);

			snprintf(buf + n, size - n, " on %s",
				 trace_label(r->m, eng_gen_subnet_id(r->g, (uint32_t)s->rule_obj),
					     y, sizeof(y)));
		}
		break;
	}
	case ENG_COMP_RTB: {
		struct model_route rt;

		if (s->rule >= 0 && eng_gen_route(r->g, s->obj, (uint32_t)s->rule, &rt) == 0)
			route_str(r->m, &rt, buf, size);
		else
			snprintf(buf, size, "no route to %s", ip_str(s->in.dst, a));
		break;
	}
	case ENG_COMP_IGW:
	case ENG_COMP_NAT:
		if (s->in.src != s->out.src)
			snprintf(buf, size, "source %s:%u becomes %s:%u", ip_str(s->in.src, a),
				 s->in.sport, ip_str(s->out.src, b), s->out.sport);
		else if (s->in.dst != s->out.dst)
			snprintf(buf, size, "destination %s:%u becomes %s:%u", ip_str(s->in.dst, a),
				 s->in.dport, ip_str(s->out.dst, b), s->out.dport);
		else if (s->blocked)
			snprintf(buf, size, "does not forward traffic to %s", ip_str(s->in.dst, a));
		else
			snprintf(buf, size, "%s",
				 s->dir == ENG_DIR_EGRESS ? "forwards" : "receives");
		if (s->component == ENG_COMP_IGW && !s->blocked) {
			size_t n = strlen(buf);

			snprintf(buf + n, size - n, "%s",
				 s->dir == ENG_DIR_EGRESS ? " (to the internet)"
							  : " (from the internet)");
		}
		break;
	case ENG_COMP_VGW:
		snprintf(buf, size, "%s", s->dir == ENG_DIR_EGRESS ? "to the VPN" : "from the VPN");
		break;
	case ENG_COMP_SUBNET:
		snprintf(buf, size, "no network interface has %s", ip_str(s->in.dst, a));
		break;
	}
	if (s->blocked) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, "  [%s]", eng_explanation_name(s->explanation));
	}
	return buf;
}

/* One sentence for a blocked step. */
static void block_sentence(const struct trace_report *r, const struct eng_trace_step *s, char *buf,
			   size_t size)
{
	char comp[2 * LABEL_MAX + 16], f[96], x[512], a[NET_IP4_STRLEN];

	component_str(r, s, comp, sizeof(comp));
	flow_str(s, f, sizeof(f));
	switch (s->explanation) {
	case ENG_EXPL_SUBNET_ACL_RESTRICTION: {
		const struct model_nacl_entry *e = trace_step_acl_entry(r, s);

		if (e && e->rule_number < MODEL_NACL_DEFAULT_RULE4)
			snprintf(buf, size, "%s %s %s with %s.", comp,
				 s->dir == ENG_DIR_EGRESS ? "denies outbound" : "denies inbound", f,
				 acl_entry_str(e, x, sizeof(x)));
		else
			snprintf(buf, size,
				 "%s has no %s rule allowing %s; the final rule (*) denies it.",
				 comp, dir_word(s->dir), f);
		break;
	}
	case ENG_EXPL_ENI_SG_RULES_MISMATCH:
	case ENG_EXPL_SG_HAS_NO_RULES: {
		const struct model_eni *e = model_find_eni(r->m, eng_gen_eni_id(r->g, s->obj));
		char eni[LABEL_MAX];

		trace_step_sg_list(r, s, x, sizeof(x));
		trace_label(r->m, eng_gen_eni_id(r->g, s->obj), eni, sizeof(eni));
		if (!e || e->n_sg_ids == 0)
			snprintf(buf, size, "%s has no security group, so no %s rule allows %s.",
				 eni, dir_word(s->dir), f);
		else if (e->n_sg_ids == 1)
			snprintf(buf, size, "security group %s has no %s rule allowing %s%s.", x,
				 dir_word(s->dir), f,
				 s->explanation == ENG_EXPL_SG_HAS_NO_RULES ? " (it has no "
									      "rules in that "
									      "direction)"
									    : "");
		else
			snprintf(buf, size, "security groups %s of %s have no %s rule allowing %s.",
				 x, eni, dir_word(s->dir), f);
		break;
	}
	case ENG_EXPL_ENI_SOURCE_DEST_CHECK_RESTRICTION:
		snprintf(buf, size,
			 "%s has source/destination checking enabled and %s is not one of its "
			 "addresses.",
			 comp, ip_str(s->dir == ENG_DIR_EGRESS ? s->in.src : s->in.dst, a));
		break;
	case ENG_EXPL_NO_ROUTE_TO_DESTINATION:
		snprintf(buf, size, "%s has no route to %s.", comp, ip_str(s->in.dst, a));
		break;
	case ENG_EXPL_BAD_STATE_ROUTE: {
		struct model_route rt;

		if (s->rule >= 0 && eng_gen_route(r->g, s->obj, (uint32_t)s->rule, &rt) == 0)
			snprintf(buf, size,
				 "%s matches %s with %s, a blackhole: its target is missing or "
				 "not available.",
				 comp, ip_str(s->in.dst, a), route_str(r->m, &rt, x, sizeof(x)));
		else
			snprintf(buf, size, "%s sends %s to a blackhole route.", comp,
				 ip_str(s->in.dst, a));
		break;
	}
	case ENG_EXPL_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS:
		snprintf(buf, size,
			 "%s carries traffic to the internet only from addresses with a public IP, "
			 "and %s has none.",
			 comp, ip_str(s->in.src, a));
		break;
	case ENG_EXPL_IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS:
		snprintf(
		    buf, size,
		    "%s forwards traffic from the internet only to public IPs of interfaces in "
		    "the VPC, and %s is not one.",
		    comp, ip_str(s->in.dst, a));
		break;
	case ENG_EXPL_NO_POSSIBLE_DESTINATION:
		snprintf(buf, size, "%s: nothing can receive traffic to %s there.", comp,
			 ip_str(s->in.dst, a));
		break;
	default:
		snprintf(buf, size, "%s rejects %s (%s).", comp, f,
			 eng_explanation_name(s->explanation));
		break;
	}
}

static void endpoint_line(struct out *o, const struct trace_report *r, const char *what,
			  const struct trace_endpoint *ep)
{
	char a[NET_IP4_STRLEN], l[LABEL_MAX], l2[LABEL_MAX];

	ip_str(ep->ip, a);
	if (ep->kind == TRACE_EP_ENI) {
		const struct model_eni *e = model_find_eni(r->m, ep->eni_id);
		char l3[LABEL_MAX];

		if (e && e->attachment.present && e->attachment.instance_id[0])
			outf(o, "  %-12s %s: %s %s%s in %s\n", what,
			     trace_label(r->m, e->attachment.instance_id, l3, sizeof(l3)),
			     ep->eni_id, a, ep->public_ip ? " (its public IP)" : "",
			     trace_label(r->m, e->subnet_id, l2, sizeof(l2)));
		else
			outf(o, "  %-12s %s %s%s in %s\n", what,
			     trace_label(r->m, ep->eni_id, l, sizeof(l)), a,
			     ep->public_ip ? " (its public IP)" : "",
			     trace_label(r->m, e ? e->subnet_id : "", l2, sizeof(l2)));
	} else {
		outf(o, "  %-12s %s (%s%s%s)\n", what, a,
		     ep->kind == TRACE_EP_VPN ? "on premises" : "the internet",
		     ep->gateway_id[0] ? ", through " : "",
		     ep->gateway_id[0] ? trace_label(r->m, ep->gateway_id, l, sizeof(l)) : "");
	}
}

static void print_path(struct out *o, const struct trace_report *r, const char *title,
		       const struct eng_trace *t)
{
	bool after_block = false;

	outf(o, "\n%s%s%s\n", c_on(o, BOLD), title, c_on(o, OFF));
	for (unsigned i = 0; i < t->n && i < ENG_TRACE_MAX; i++) {
		const struct eng_trace_step *s = &t->steps[i];
		char comp[2 * LABEL_MAX + 16], detail[512];

		component_str_ex(r, s, false, comp, sizeof(comp));
		step_detail(r, s, after_block, detail, sizeof(detail));
		outf(o, "  %s%2u %c %-50s %s%s\n", s->blocked ? c_on(o, RED) : "", i + 1,
		     s->blocked ? 'x' : ' ', comp, detail, s->blocked ? c_on(o, OFF) : "");
		after_block = after_block || s->blocked;
	}
}

static void print_blocks(struct out *o, const struct trace_report *r, const struct eng_trace *t,
			 const char *which)
{
	for (unsigned i = 0; i < t->n && i < ENG_TRACE_MAX; i++) {
		char sentence[1024];

		if (!t->steps[i].blocked)
			continue;
		block_sentence(r, &t->steps[i], sentence, sizeof(sentence));
		outf(o, "%sBlocked%s%s: %s\n", c_on(o, RED), which, c_on(o, OFF), sentence);
	}
}

int trace_print_text(const struct trace_report *r, FILE *f, bool color)
{
	struct out o = {.f = f, .color = color};
	char p[48], a[NET_IP4_STRLEN], b[NET_IP4_STRLEN];

	trace_packet_desc(&r->pkt, p, sizeof(p));
	outf(&o, "%sTrace %s%s (%s)\n", c_on(&o, BOLD), p, c_on(&o, OFF), r->analysis_id);
	endpoint_line(&o, r, "source", &r->src);
	endpoint_line(&o, r, "destination", &r->dst);
	if (r->pkt.proto == PKT_PROTO_TCP || r->pkt.proto == PKT_PROTO_UDP)
		outf(&o, "  %-12s %s:%u -> %s:%u\n", "packet", ip_str(r->pkt.src, a), r->pkt.sport,
		     ip_str(r->pkt.dst, b), r->pkt.dport);
	else
		outf(&o, "  %-12s %s -> %s\n", "packet", ip_str(r->pkt.src, a),
		     ip_str(r->pkt.dst, b));
	if (!r->a) {
		outf(&o, "\n%sNot reachable%s: %s [%s]\n", c_on(&o, RED), c_on(&o, OFF),
		     r->config_message, eng_explanation_name(r->config_code));
		return o.err ? -EIO : 0;
	}
	print_path(&o, r, "Forward path", &r->a->forward);
	if (r->a->has_return)
		print_path(&o, r, "Return path", &r->a->ret);
	outf(&o, "\n");
	if (r->a->path_found) {
		outf(&o,
		     "%sReachable%s: %s from %s to %s is delivered and its replies come back.\n",
		     c_on(&o, GREEN), c_on(&o, OFF), p, ip_str(r->pkt.src, a),
		     ip_str(r->pkt.dst, b));
	} else if (r->a->has_return) {
		outf(&o,
		     "%sNot reachable%s: %s from %s to %s arrives, but the reply does not get "
		     "back.\n",
		     c_on(&o, RED), c_on(&o, OFF), p, ip_str(r->pkt.src, a), ip_str(r->pkt.dst, b));
	} else {
		outf(&o, "%sNot reachable%s: %s from %s to %s is blocked.\n", c_on(&o, RED),
		     c_on(&o, OFF), p, ip_str(r->pkt.src, a), ip_str(r->pkt.dst, b));
	}
	print_blocks(&o, r, &r->a->forward, "");
	if (r->a->has_return)
		print_blocks(&o, r, &r->a->ret, " (reply)");
	return o.err ? -EIO : 0;
}
