/*
 * render-common: naming helpers shared by the JSON and text renderers:
 * labels with Name tags, ARNs, packet and rule descriptions, and the
 * component a trace step refers to.  Pure functions over the report.
 */
#include <stdio.h>
#include <string.h>

#include "cli/trace.h"
#include "lib/util/util.h"

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The Name tag (or group name) of any object, or NULL. */
const char *trace_name(const struct model *m, const char *id)
{
	const struct model_tags *tags = NULL;

	if (has_prefix(id, "vpc-")) {
		const struct model_vpc *o = model_find_vpc(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "subnet-")) {
		const struct model_subnet *o = model_find_subnet(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "rtb-")) {
		const struct model_route_table *o = model_find_route_table(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "sg-")) {
		const struct model_sg *o = model_find_sg(m, id);

		if (o && model_tags_get(&o->tags, "Name"))
			return model_tags_get(&o->tags, "Name");
		return o ? o->name : NULL;
	} else if (has_prefix(id, "acl-")) {
		const struct model_nacl *o = model_find_nacl(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "eni-")) {
		const struct model_eni *o = model_find_eni(m, id);

		if (o && !model_tags_get(&o->tags, "Name") && o->attachment.present)
			return trace_name(m, o->attachment.instance_id);
		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "i-")) {
		const struct model_instance *o = model_find_instance(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "igw-")) {
		const struct model_igw *o = model_find_igw(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "nat-")) {
		const struct model_nat_gateway *o = model_find_nat_gateway(m, id);

		tags = o ? &o->tags : NULL;
	} else if (has_prefix(id, "vgw-")) {
		const struct model_vgw *o = model_find_vgw(m, id);

		tags = o ? &o->tags : NULL;
	}
	return tags ? model_tags_get(tags, "Name") : NULL;
}

const char *trace_label(const struct model *m, const char *id, char *buf, size_t size)
{
	const char *name;

	if (!id || !*id) {
		snprintf(buf, size, "(unknown)");
		return buf;
	}
	name = trace_name(m, id);
	if (name && *name)
		snprintf(buf, size, "%s (%s)", id, name);
	else
		snprintf(buf, size, "%s", id);
	return buf;
}

const char *trace_arn(const struct model *m, const char *id, char *buf, size_t size)
{
	static const struct {
		const char *prefix, *type;
	} types[] = {
	    {"vpc-", "vpc"},	       {"subnet-", "subnet"},	     {"rtb-", "route-table"},
	    {"sg-", "security-group"}, {"acl-", "network-acl"},	     {"eni-", "network-interface"},
	    {"i-", "instance"},	       {"igw-", "internet-gateway"}, {"nat-", "natgateway"},
	    {"vgw-", "vpn-gateway"},   {"pl-", "prefix-list"},	     {"vpn-", "vpn-connection"},
	};

	if (!id || !*id || !m->region[0] || !m->account_id[0])
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (has_prefix(id, types[i].prefix)) {
			snprintf(buf, size, "arn:aws:ec2:%s:%s:%s/%s", m->region, m->account_id,
				 types[i].type, id);
			return buf;
		}
	}
	return NULL;
}

const char *trace_packet_desc(const struct pkt_hdr *h, char *buf, size_t size)
{
	switch (h->proto) {
	case PKT_PROTO_TCP:
		snprintf(buf, size, "tcp %u", h->dport);
		break;
	case PKT_PROTO_UDP:
		snprintf(buf, size, "udp %u", h->dport);
		break;
	case PKT_PROTO_ICMP:
		if (h->icmp_type == PKT_ICMP_ECHO)
			snprintf(buf, size, "icmp echo request");
		else if (h->icmp_type == PKT_ICMP_ECHO_REPLY)
			snprintf(buf, size, "icmp echo reply");
		else
			snprintf(buf, size, "icmp type %u code %u", h->icmp_type, h->icmp_code);
		break;
	default:
		snprintf(buf, size, "protocol %u", h->proto);
		break;
	}
	return buf;
}

const char *trace_rule_ports(int protocol, int from, int to, char *buf, size_t size)
{
	char pbuf[8];
	const char *p = model_protocol_name(protocol, pbuf);

	if (protocol == MODEL_PROTO_ALL) {
		snprintf(buf, size, "all traffic");
	} else if (protocol == 6 || protocol == 17) {
		if (from < 0 || (from == 0 && to == 65535))
			snprintf(buf, size, "all %s", p);
		else if (from == to)
			snprintf(buf, size, "%s %d", p, from);
		else
			snprintf(buf, size, "%s %d-%d", p, from, to);
	} else if (protocol == 1 || protocol == 58) {
		if (from < 0)
			snprintf(buf, size, "all %s", p);
		else if (to < 0)
			snprintf(buf, size, "%s type %d", p, from);
		else
			snprintf(buf, size, "%s type %d code %d", p, from, to);
	} else {
		snprintf(buf, size, "protocol %s", p);
	}
	return buf;
}

const char *trace_step_component_id(const struct trace_report *r, const struct eng_trace_step *s)
{
	const char *id = NULL;

	switch (s->component) {
	case ENG_COMP_ENI:
		id = eng_gen_eni_id(r->g, s->obj);
		break;
	case ENG_COMP_SG:
		if (s->rule_obj >= 0) {
			id = eng_gen_sg_id(r->g, (uint32_t)s->rule_obj);
		} else {
			const struct model_eni *e =
			    model_find_eni(r->m, eng_gen_eni_id(r->g, s->obj));

			id = e && e->n_sg_ids ? e->sg_ids[0] : eng_gen_eni_id(r->g, s->obj);
		}
		break;
	case ENG_COMP_NACL:
		id = eng_gen_nacl_id(r->g, s->obj);
		break;
	case ENG_COMP_RTB:
		id = eng_gen_rtb_id(r->g, s->obj);
		break;
	case ENG_COMP_IGW:
		id = eng_gen_igw_id(r->g, s->obj);
		break;
	case ENG_COMP_NAT:
		id = eng_gen_nat_id(r->g, s->obj);
		break;
	case ENG_COMP_VGW:
		id = eng_gen_vgw_id(r->g, s->obj);
		break;
	case ENG_COMP_SUBNET:
		id = eng_gen_subnet_id(r->g, s->obj);
		break;
	}
	return id && *id ? id : NULL;
}

const char *trace_step_sg_list(const struct trace_report *r, const struct eng_trace_step *s,
			       char *buf, size_t size)
{
	const struct model_eni *e = model_find_eni(r->m, eng_gen_eni_id(r->g, s->obj));
	size_t used = 0;

	buf[0] = '\0';
	if (!e)
		return buf;
	for (size_t i = 0; i < e->n_sg_ids && used < size; i++) {
		char label[128];
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
				 trace_label(r->m, e->sg_ids[i], label, sizeof(label)));

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

const struct model_sg_rule *trace_step_sg_rule(const struct trace_report *r,
					       const struct eng_trace_step *s)
{
	const struct model_sg *sg;

	if (s->rule_obj < 0 || s->rule < 0)
		return NULL;
	sg = model_find_sg(r->m, eng_gen_sg_id(r->g, (uint32_t)s->rule_obj));
	if (!sg || (size_t)s->rule >= sg->n_rules)
		return NULL;
	return &sg->rules[s->rule];
}

const struct model_nacl_entry *trace_step_acl_entry(const struct trace_report *r,
						    const struct eng_trace_step *s)
{
	static const struct model_nacl_entry final_in = {
	    .rule_number = MODEL_NACL_DEFAULT_RULE4,
	    .protocol = MODEL_PROTO_ALL,
	    .from_port = -1,
	    .to_port = -1,
	    .icmp_type = -1,
	    .icmp_code = -1,
	};
	static const struct model_nacl_entry final_out = {
	    .rule_number = MODEL_NACL_DEFAULT_RULE4,
	    .egress = true,
	    .protocol = MODEL_PROTO_ALL,
	    .from_port = -1,
	    .to_port = -1,
	    .icmp_type = -1,
	    .icmp_code = -1,
	};
	const struct model_nacl *n;
	bool egress = s->dir == ENG_DIR_EGRESS;

	if (s->component != ENG_COMP_NACL)
		return NULL;
	n = model_find_nacl(r->m, eng_gen_nacl_id(r->g, s->obj));
	if (n && s->rule >= 0 && (size_t)s->rule < n->n_entries)
		return &n->entries[s->rule];
	if (!s->blocked)
		return NULL;
	/* No rule matched: the final deny-all rule (*) decided. */
	for (size_t i = 0; n && i < n->n_entries; i++)
		if (n->entries[i].egress == egress && !n->entries[i].is_ipv6 &&
		    n->entries[i].rule_number == MODEL_NACL_DEFAULT_RULE4)
			return &n->entries[i];
	return egress ? &final_out : &final_in;
}
