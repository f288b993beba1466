/*
 * Tests for the trace renderers: hand-built engine analyses over the
 * two-tier example, rendered as NetworkInsightsAnalysis JSON (keys, values,
 * numbering, explanations) and as text (the hop list, verdicts and the
 * one-sentence explanation of every block).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/trace.h"
#include "lib/awsjson/awsjson.h"

#define ENI_WEB "eni-0a5c9e3f7b1d42c68"
#define ENI_DB	"eni-0f3b7d1a5e9c28b46"
#define SG_WEB	"sg-0b1d5f9a3c7e42d16"
#define SG_DB	"sg-08e2a6c4f1d93b7a5"
#define ACL_DEF "acl-0d6b3f8a1e5c92f47"
#define ACL_DB	"acl-05f9c2e7a3d1b8c64"
#define RTB_WEB "rtb-03c9e6a1d4f7b2e85"
#define RTB_DB	"rtb-0a6d1f4c8e2b95d71"
#define SN_WEB	"subnet-04b2e8c1f7a9d3e65"
#define SN_DB	"subnet-0c7f1a5e9b3d2846f"

static struct model *m;
static struct eng_gen *g;

static void setup(void)
{
	const char *root = getenv("OPENVPC_SOURCE_ROOT");
	struct awsjson_error err;
	char path[4096];

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/examples/two-tier", root);
	cr_assert_eq(awsjson_load_path(path, &m, &err), 0, "%s: %s", err.field, err.message);
	cr_assert_eq(eng_compile(m, &g), 0);
}

static void teardown(void)
{
	g = eng_gen_unref(g);
	m = model_free(m);
}

/* Index of an object in the generation, by scanning its ID accessor. */
static uint32_t idx_of(const char *(*fn)(const struct eng_gen *, uint32_t), const char *id)
{
	for (uint32_t i = 0; i < 4096; i++) {
		const char *x = fn(g, i);

		if (!x || !*x)
			break;
		if (strcmp(x, id) == 0)
			return i;
	}
	cr_assert_fail("%s is not in the generation", id);
	return 0;
}

static uint32_t eni_idx(const char *id)
{
	uint32_t i;

	cr_assert_eq(eng_gen_eni_index(g, id, &i), 0);
	return i;
}

static uint32_t ip(const char *s)
{
	uint32_t v;

	cr_assert_eq(net_ip4_parse(s, &v), 0);
	return v;
}

static struct pkt_hdr tcp(const char *src, const char *dst, uint16_t dport)
{
	struct pkt_hdr h;

	memset(&h, 0, sizeof(h));
	h.src = ip(src);
	h.dst = ip(dst);
	h.proto = PKT_PROTO_TCP;
	h.sport = 40000;
	h.dport = dport;
	h.tcp_flags = PKT_TCP_SYN;
	h.ttl = 64;
	h.len = 60;
	return h;
}

static void step(struct eng_trace *t, enum eng_component c, enum eng_dir d, uint32_t obj,
		 bool blocked, enum eng_explanation e, int32_t rule_obj, int32_t rule,
		 struct pkt_hdr h)
{
	struct eng_trace_step *s = &t->steps[t->n++];

	memset(s, 0, sizeof(*s));
	s->component = c;
	s->dir = d;
	s->obj = obj;
	s->blocked = blocked;
	s->explanation = e;
	s->rule_obj = rule_obj;
	s->rule = rule;
	s->in = h;
	s->out = h;
}

static void report_init(struct trace_report *r, const struct eng_analysis *a, struct pkt_hdr pkt)
{
	memset(r, 0, sizeof(*r));
	r->m = m;
	r->g = g;
	r->a = a;
	r->pkt = pkt;
	r->src.kind = TRACE_EP_ENI;
	strcpy(r->src.eni_id, ENI_WEB);
	r->src.ip = pkt.src;
	r->dst.kind = TRACE_EP_ENI;
	strcpy(r->dst.eni_id, ENI_DB);
	r->dst.ip = pkt.dst;
	strcpy(r->analysis_id, "nia-0123456789abcdef0");
	strcpy(r->path_id, "nip-0123456789abcdef0");
}

/* web -> db tcp 22: blocked by the db NACL (rule 90) and the db SG (no rule). */
static void blocked_ssh(struct eng_analysis *a)
{
	struct pkt_hdr h = tcp("10.0.1.10", "10.0.2.20", 22);
	struct eng_trace *t = &a->forward;

	memset(a, 0, sizeof(*a));
	a->forward_packet = h;
	a->forward_result.verdict = ENG_DROP;
	t->continue_past_block = true;
	step(t, ENG_COMP_ENI, ENG_DIR_EGRESS, eni_idx(ENI_WEB), false, ENG_EXPL_NONE, -1, -1, h);
	step(t, ENG_COMP_SG, ENG_DIR_EGRESS, eni_idx(ENI_WEB), false, ENG_EXPL_NONE,
	     (int32_t)idx_of(eng_gen_sg_id, SG_WEB), 3, h);
	step(t, ENG_COMP_NACL, ENG_DIR_EGRESS, idx_of(eng_gen_nacl_id, ACL_DEF), false,
	     ENG_EXPL_NONE, (int32_t)idx_of(eng_gen_subnet_id, SN_WEB), 2, h);
	step(t, ENG_COMP_RTB, ENG_DIR_EGRESS, idx_of(eng_gen_rtb_id, RTB_WEB), false, ENG_EXPL_NONE,
	     -1, 0, h);
	step(t, ENG_COMP_NACL, ENG_DIR_INGRESS, idx_of(eng_gen_nacl_id, ACL_DB), true,
	     ENG_EXPL_SUBNET_ACL_RESTRICTION, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), 0, h);
	step(t, ENG_COMP_SG, ENG_DIR_INGRESS, eni_idx(ENI_DB), true, ENG_EXPL_ENI_SG_RULES_MISMATCH,
	     (int32_t)idx_of(eng_gen_sg_id, SG_DB), -1, h);
	step(t, ENG_COMP_ENI, ENG_DIR_INGRESS, eni_idx(ENI_DB), false, ENG_EXPL_NONE, -1, -1, h);
}

static char *render_text(const struct trace_report *r, bool color)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	cr_assert_not_null(f);
	cr_assert_eq(trace_print_text(r, f, color), 0);
	fclose(f);
	return buf;
}

static json_t *path_get(json_t *root, const char *fmt)
{
	/* fmt like "NetworkInsightsAnalysis.ForwardPathComponents.4.AclRule.RuleNumber" */
	char buf[256], *save = NULL, *tok;
	json_t *v = root;

	snprintf(buf, sizeof(buf), "%s", fmt);
	for (tok = strtok_r(buf, ".", &save); tok && v; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, (size_t)atoi(tok));
		else
			v = json_object_get(v, tok);
	}
	return v;
}

static const char *jstr(json_t *root, const char *path)
{
	json_t *v = path_get(root, path);

	cr_assert(json_is_string(v), "%s is not a string", path);
	return json_string_value(v);
}

static long long jint(json_t *root, const char *path)
{
	json_t *v = path_get(root, path);

	cr_assert(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

#define FWD "NetworkInsightsAnalysis.ForwardPathComponents."
#define EXP "NetworkInsightsAnalysis.Explanations."

Test(render_json, blocked_path_shape, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	json_t *root;

	blocked_ssh(&a);
	report_init(&r, &a, a.forward_packet);
	root = trace_render_json(&r);
	cr_assert_not_null(root);
	cr_expect_str_eq(jstr(root, "NetworkInsightsAnalysis.NetworkInsightsAnalysisId"),
			 "nia-0123456789abcdef0");
	cr_expect_str_eq(jstr(root, "NetworkInsightsAnalysis.Status"), "succeeded");
	cr_expect(json_is_false(path_get(root, "NetworkInsightsAnalysis.NetworkPathFound")));
	cr_expect_eq(
	    json_array_size(path_get(root, "NetworkInsightsAnalysis.ForwardPathComponents")), 7);
	cr_expect_eq(
	    json_array_size(path_get(root, "NetworkInsightsAnalysis.ReturnPathComponents")), 0);
	for (int i = 0; i < 7; i++) {
		char p[128];

		snprintf(p, sizeof(p), FWD "%d.SequenceNumber", i);
		cr_expect_eq(jint(root, p), i + 1);
	}
	/* The ENI hop: component, instance, VPC, subnet, ARN. */
	cr_expect_str_eq(jstr(root, FWD "0.Component.Id"), ENI_WEB);
	cr_expect_str_eq(jstr(root, FWD "0.Component.Arn"),
			 "arn:aws:ec2:us-east-1:123456789012:network-interface/" ENI_WEB);
	cr_expect_str_eq(jstr(root, FWD "0.Component.Name"), "web");
	cr_expect_str_eq(jstr(root, FWD "0.AttachedTo.Id"), "i-0c4a8e2f6b1d37a95");
	cr_expect_str_eq(jstr(root, FWD "0.Vpc.Id"), "vpc-0e9c4b7a2f1d35a86");
	cr_expect_str_eq(jstr(root, FWD "0.Subnet.Id"), SN_WEB);
	cr_expect_str_eq(jstr(root, FWD "0.OutboundHeader.SourceAddresses.0"), "10.0.1.10/32");
	cr_expect_str_eq(jstr(root, FWD "0.OutboundHeader.DestinationAddresses.0"), "10.0.2.20/32");
	cr_expect_eq(jint(root, FWD "0.InboundHeader.DestinationPortRanges.0.From"), 22);
	cr_expect_eq(jint(root, FWD "0.InboundHeader.SourcePortRanges.0.To"), 40000);
	cr_expect_str_eq(jstr(root, FWD "0.InboundHeader.Protocol"), "6");
	/* The SG hop names the group and the rule that allowed it. */
	cr_expect_str_eq(jstr(root, FWD "1.Component.Id"), SG_WEB);
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.Direction"), "egress");
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.Cidr"), "0.0.0.0/0");
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.Protocol"), "-1");
	cr_expect_str_eq(jstr(root, FWD "1.AttachedTo.Id"), ENI_WEB);
	/* NACL and route table hops. */
	cr_expect_str_eq(jstr(root, FWD "2.Component.Id"), ACL_DEF);
	cr_expect_eq(jint(root, FWD "2.AclRule.RuleNumber"), 100);
	cr_expect(json_is_true(path_get(root, FWD "2.AclRule.Egress")));
	cr_expect_str_eq(jstr(root, FWD "2.AclRule.RuleAction"), "allow");
	cr_expect_str_eq(jstr(root, FWD "2.Subnet.Id"), SN_WEB);
	cr_expect_str_eq(jstr(root, FWD "3.Component.Id"), RTB_WEB);
	cr_expect_str_eq(jstr(root, FWD "3.RouteTableRoute.GatewayId"), "local");
	cr_expect_str_eq(jstr(root, FWD "3.RouteTableRoute.DestinationCidr"), "10.0.0.0/16");
	cr_expect_str_eq(jstr(root, FWD "3.RouteTableRoute.Origin"), "CreateRouteTable");
	cr_expect_str_eq(jstr(root, FWD "3.RouteTableRoute.State"), "active");
	cr_expect_eq(jint(root, FWD "4.AclRule.RuleNumber"), 90);
	cr_expect_str_eq(jstr(root, FWD "4.AclRule.RuleAction"), "deny");
	cr_expect_eq(jint(root, FWD "4.AclRule.PortRange.From"), 22);
	cr_expect_str_eq(jstr(root, FWD "4.AclRule.Cidr"), "0.0.0.0/0");
	/* Two explanations: the NACL deny rule and the SG without a rule. */
	cr_assert_eq(json_array_size(path_get(root, "NetworkInsightsAnalysis.Explanations")), 2);
	cr_expect_str_eq(jstr(root, EXP "0.ExplanationCode"), "SUBNET_ACL_RESTRICTION");
	cr_expect_str_eq(jstr(root, EXP "0.Direction"), "ingress");
	cr_expect_str_eq(jstr(root, EXP "0.Acl.Id"), ACL_DB);
	cr_expect_eq(jint(root, EXP "0.AclRule.RuleNumber"), 90);
	cr_expect_str_eq(jstr(root, EXP "0.Subnet.Id"), SN_DB);
	cr_expect_str_eq(jstr(root, EXP "0.Vpc.Id"), "vpc-0e9c4b7a2f1d35a86");
	cr_expect_str_eq(jstr(root, EXP "1.ExplanationCode"), "ENI_SG_RULES_MISMATCH");
	cr_expect_str_eq(jstr(root, EXP "1.Direction"), "ingress");
	cr_expect_str_eq(jstr(root, EXP "1.SecurityGroups.0.Id"), SG_DB);
	cr_expect_str_eq(jstr(root, EXP "1.NetworkInterface.Id"), ENI_DB);
	cr_expect_null(path_get(root, EXP "1.SecurityGroupRule"), "no rule decided");
	json_decref(root);
}

Test(render_text, blocked_sentences, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	char *out;

	blocked_ssh(&a);
	report_init(&r, &a, a.forward_packet);
	out = render_text(&r, false);
	cr_expect(strstr(out, "Not reachable: tcp 22 from 10.0.1.10 to 10.0.2.20 is blocked.") !=
		      NULL,
		  "%s", out);
	cr_expect(strstr(out, "Blocked: network ACL " ACL_DB " (db) on " SN_DB
			      " (db) denies inbound tcp 22 from 10.0.1.10 with inbound rule 90: "
			      "deny tcp 22 from 0.0.0.0/0.") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "Blocked: security group " SG_DB " (db) has no inbound rule allowing "
			      "tcp 22 from 10.0.1.10.") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "egress rule: all traffic to 0.0.0.0/0") != NULL, "%s", out);
	cr_expect(strstr(out, "route 10.0.0.0/16 -> local") != NULL, "%s", out);
	cr_expect(strstr(out, "sent by i-0c4a8e2f6b1d37a95 (web) from 10.0.1.10") != NULL, "%s",
		  out);
	cr_expect(strstr(out, "[SUBNET_ACL_RESTRICTION]") != NULL, "%s", out);
	cr_expect(strchr(out, '\033') == NULL, "no colour unless asked");
	free(out);
	out = render_text(&r, true);
	cr_expect(strstr(out, "\033[1;31m") != NULL, "blocked lines in red when colour is on");
	free(out);
}

Test(render_text, final_rule_wording, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	struct pkt_hdr h = tcp("10.0.1.10", "10.0.2.20", 3306);
	char *out;

	memset(&a, 0, sizeof(a));
	a.forward_packet = h;
	/* Entry 3 of the db ACL is the final inbound deny (32767). */
	step(&a.forward, ENG_COMP_NACL, ENG_DIR_INGRESS, idx_of(eng_gen_nacl_id, ACL_DB), true,
	     ENG_EXPL_SUBNET_ACL_RESTRICTION, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), 3, h);
	report_init(&r, &a, h);
	out = render_text(&r, false);
	cr_expect(strstr(out, "Blocked: network ACL " ACL_DB " (db) on " SN_DB
			      " (db) has no inbound rule allowing tcp 3306 from 10.0.1.10; the "
			      "final rule (*) denies it.") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "inbound rule *: deny all traffic from 0.0.0.0/0") != NULL, "%s",
		  out);
	free(out);
}

Test(render, reachable_with_return_path, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	struct pkt_hdr h = tcp("10.0.1.10", "10.0.2.20", 5432);
	struct pkt_hdr back = h;
	json_t *root;
	char *out;

	back.src = h.dst;
	back.dst = h.src;
	back.sport = h.dport;
	back.dport = h.sport;
	back.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
	memset(&a, 0, sizeof(a));
	a.path_found = true;
	a.has_return = true;
	a.forward_packet = h;
	a.return_packet = back;
	a.forward_result.verdict = ENG_DELIVER;
	a.return_result.verdict = ENG_DELIVER;
	step(&a.forward, ENG_COMP_NACL, ENG_DIR_INGRESS, idx_of(eng_gen_nacl_id, ACL_DB), false,
	     ENG_EXPL_NONE, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), 1, h);
	step(&a.forward, ENG_COMP_SG, ENG_DIR_INGRESS, eni_idx(ENI_DB), false, ENG_EXPL_NONE,
	     (int32_t)idx_of(eng_gen_sg_id, SG_DB), 0, h);
	step(&a.forward, ENG_COMP_ENI, ENG_DIR_INGRESS, eni_idx(ENI_DB), false, ENG_EXPL_NONE, -1,
	     -1, h);
	step(&a.ret, ENG_COMP_ENI, ENG_DIR_EGRESS, eni_idx(ENI_DB), false, ENG_EXPL_NONE, -1, -1,
	     back);
	step(&a.ret, ENG_COMP_SG, ENG_DIR_EGRESS, eni_idx(ENI_DB), false, ENG_EXPL_NONE, -1, -1,
	     back);
	a.ret.steps[1].by_state = true;
	step(&a.ret, ENG_COMP_NACL, ENG_DIR_EGRESS, idx_of(eng_gen_nacl_id, ACL_DB), false,
	     ENG_EXPL_NONE, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), 4, back);
	report_init(&r, &a, h);
	root = trace_render_json(&r);
	cr_assert_not_null(root);
	cr_expect(json_is_true(path_get(root, "NetworkInsightsAnalysis.NetworkPathFound")));
	cr_expect_eq(json_array_size(path_get(root, "NetworkInsightsAnalysis.Explanations")), 0);
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.SecurityGroupId"), SG_WEB);
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.Direction"), "ingress");
	cr_expect_eq(jint(root, FWD "1.SecurityGroupRule.PortRange.To"), 5432);
	cr_expect_str_eq(jstr(root, FWD "1.SecurityGroupRule.Protocol"), "tcp");
	cr_expect_str_eq(jstr(root, "NetworkInsightsAnalysis.ReturnPathComponents.2.Component.Id"),
			 ACL_DB);
	cr_expect_eq(
	    jint(root, "NetworkInsightsAnalysis.ReturnPathComponents.2.AclRule.PortRange.From"),
	    1024);
	cr_expect_eq(jint(root, "NetworkInsightsAnalysis.ReturnPathComponents.0.OutboundHeader."
				"DestinationPortRanges.0.From"),
		     40000);
	json_decref(root);
	out = render_text(&r, false);
	cr_expect(strstr(out, "Reachable: tcp 5432 from 10.0.1.10 to 10.0.2.20 is delivered and "
			      "its replies come back.") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "ingress rule: tcp 5432 from " SG_WEB " (web)") != NULL, "%s", out);
	cr_expect(strstr(out, "outbound reply of a tracked connection: allowed by state") != NULL,
		  "%s", out);
	cr_expect(strstr(out, "Return path") != NULL, "%s", out);
	cr_expect(strstr(out, "Blocked") == NULL, "%s", out);
	free(out);
}

Test(render, route_blackhole_and_reply_block, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	struct pkt_hdr h = tcp("10.0.2.20", "192.0.2.80", 443);
	json_t *root;
	char *out;

	memset(&a, 0, sizeof(a));
	a.forward_packet = h;
	/* Route 1 of the db table: 0.0.0.0/0 -> nat, marked a blackhole by the engine. */
	step(&a.forward, ENG_COMP_RTB, ENG_DIR_EGRESS, idx_of(eng_gen_rtb_id, RTB_DB), true,
	     ENG_EXPL_BAD_STATE_ROUTE, -1, 1, h);
	report_init(&r, &a, h);
	root = trace_render_json(&r);
	cr_assert_not_null(root);
	cr_expect_str_eq(jstr(root, EXP "0.ExplanationCode"), "BAD_STATE_ROUTE");
	cr_expect_str_eq(jstr(root, EXP "0.RouteTable.Id"), RTB_DB);
	cr_expect_str_eq(jstr(root, EXP "0.RouteTableRoute.NatGatewayId"), "nat-0f2b6d9a1c4e73b58");
	cr_expect_str_eq(jstr(root, EXP "0.RouteTableRoute.State"), "blackhole");
	cr_expect_str_eq(jstr(root, EXP "0.Direction"), "egress");
	json_decref(root);
	out = render_text(&r, false);
	cr_expect(strstr(out, "route 0.0.0.0/0 -> nat-0f2b6d9a1c4e73b58 (nat), a blackhole") !=
		      NULL,
		  "%s", out);
	free(out);
	/* A reply blocked on the way back: the verdict says so. */
	memset(&a, 0, sizeof(a));
	a.has_return = true;
	step(&a.ret, ENG_COMP_NACL, ENG_DIR_EGRESS, idx_of(eng_gen_nacl_id, ACL_DB), true,
	     ENG_EXPL_SUBNET_ACL_RESTRICTION, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), 7, h);
	report_init(&r, &a, h);
	out = render_text(&r, false);
	cr_expect(strstr(out, "arrives, but the reply does not get back") != NULL, "%s", out);
	cr_expect(strstr(out, "Blocked (reply): network ACL") != NULL, "%s", out);
	free(out);
}

Test(render, configuration_failure, .init = setup, .fini = teardown)
{
	struct trace_report r;
	struct pkt_hdr h = tcp("203.0.113.5", "10.0.2.20", 443);
	json_t *root;
	char *out;

	report_init(&r, NULL, h);
	r.src.kind = TRACE_EP_INTERNET;
	r.config_code = ENG_EXPL_NO_PATH;
	strcpy(r.config_message, "vpc-x has no internet gateway attached");
	root = trace_render_json(&r);
	cr_assert_not_null(root);
	cr_expect(json_is_false(path_get(root, "NetworkInsightsAnalysis.NetworkPathFound")));
	cr_expect_str_eq(jstr(root, EXP "0.ExplanationCode"), "NO_PATH");
	cr_expect_str_eq(jstr(root, "NetworkInsightsAnalysis.WarningMessage"),
			 "vpc-x has no internet gateway attached");
	json_decref(root);
	out = render_text(&r, false);
	cr_expect(strstr(out, "Not reachable: vpc-x has no internet gateway attached [NO_PATH]") !=
		      NULL,
		  "%s", out);
	cr_expect(strstr(out, "203.0.113.5 (the internet)") != NULL, "%s", out);
	free(out);
}

Test(render_helpers, descriptions)
{
	char buf[64];
	struct pkt_hdr h;

	cr_expect_str_eq(trace_rule_ports(6, 22, 22, buf, sizeof(buf)), "tcp 22");
	cr_expect_str_eq(trace_rule_ports(6, 1024, 65535, buf, sizeof(buf)), "tcp 1024-65535");
	cr_expect_str_eq(trace_rule_ports(17, 0, 65535, buf, sizeof(buf)), "all udp");
	cr_expect_str_eq(trace_rule_ports(-1, -1, -1, buf, sizeof(buf)), "all traffic");
	cr_expect_str_eq(trace_rule_ports(1, 8, -1, buf, sizeof(buf)), "icmp type 8");
	cr_expect_str_eq(trace_rule_ports(50, -1, -1, buf, sizeof(buf)), "protocol 50");
	memset(&h, 0, sizeof(h));
	h.proto = PKT_PROTO_ICMP;
	h.icmp_type = PKT_ICMP_ECHO;
	cr_expect_str_eq(trace_packet_desc(&h, buf, sizeof(buf)), "icmp echo request");
	h.proto = PKT_PROTO_UDP;
	h.dport = 53;
	cr_expect_str_eq(trace_packet_desc(&h, buf, sizeof(buf)), "udp 53");
}

Test(render, default_deny_names_the_final_rule, .init = setup, .fini = teardown)
{
	struct eng_analysis a;
	struct trace_report r;
	struct pkt_hdr h = tcp("10.0.2.20", "192.0.2.80", 22);
	json_t *root;
	char *out;

	memset(&a, 0, sizeof(a));
	a.forward_packet = h;
	/* No entry matched (rule -1): the final outbound rule (*) decided. */
	step(&a.forward, ENG_COMP_NACL, ENG_DIR_EGRESS, idx_of(eng_gen_nacl_id, ACL_DB), true,
	     ENG_EXPL_SUBNET_ACL_RESTRICTION, (int32_t)idx_of(eng_gen_subnet_id, SN_DB), -1, h);
	report_init(&r, &a, h);
	root = trace_render_json(&r);
	cr_assert_not_null(root);
	cr_expect_eq(jint(root, EXP "0.AclRule.RuleNumber"), 32767);
	cr_expect_str_eq(jstr(root, EXP "0.AclRule.RuleAction"), "deny");
	cr_expect(json_is_true(path_get(root, EXP "0.AclRule.Egress")));
	cr_expect_str_eq(jstr(root, EXP "0.AclRule.Protocol"), "-1");
	cr_expect_str_eq(jstr(root, EXP "0.Direction"), "egress");
	json_decref(root);
	out = render_text(&r, false);
	cr_expect(strstr(out, "has no outbound rule allowing tcp 22 to 192.0.2.80; the final rule "
			      "(*) denies it.") != NULL,
		  "%s", out);
	free(out);
}
