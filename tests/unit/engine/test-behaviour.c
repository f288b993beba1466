/*
 * Engine behaviour tests: one test per behaviour documented in
 * shared/reference/vpc-semantics.md, named after it.  Each builds a small
 * model, compiles it and runs packets through eng_process().
 *
 * The common topology (two_tier()):
 *
 *   vpc-1 10.0.0.0/16, igw-1 attached
 *   subnet-pub 10.0.1.0/24  rtb-pub: 0.0.0.0/0 -> igw-1
 *       eni-web  10.0.1.10  sg-web  public 198.51.100.10
 *       eni-web2 10.0.1.11  sg-web
 *       eni-nat  10.0.1.5   (nat-1, public 198.51.100.5)
 *   subnet-db 10.0.2.0/24   main table: 0.0.0.0/0 -> nat-1
 *       eni-db   10.0.2.20  sg-db
 *   sg-web: in tcp 80 0.0.0.0/0, tcp 22 203.0.113.0/24; out all 0.0.0.0/0
 *   sg-db:  in tcp 5432 from sg-web, icmp all from 10.0.0.0/16; out all 0.0.0.0/0
 */
#include "fixture.h"

#include <inttypes.h>

#include "lib/engine/flowlog-format.h"

#define T0 1700000000000ULL /* ms */

static struct model *two_tier(void)
{
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_sg *web, *db;
	struct model_eni *e;

	fx_two_tier_base(m);

	web = fx_sg(m, "sg-web", "vpc-1");
	fx_rule(web, false, "tcp", 80, 80, "0.0.0.0/0");
	fx_rule(web, false, "tcp", 22, 22, "203.0.113.0/24");
	fx_rule(web, true, "-1", -1, -1, "0.0.0.0/0");
	db = fx_sg(m, "sg-db", "vpc-1");
	fx_rule(db, false, "tcp", 5432, 5432, "sg-web");
	fx_rule(db, false, "icmp", -1, -1, "10.0.0.0/16");
	fx_rule(db, true, "-1", -1, -1, "0.0.0.0/0");

	e = fx_eni(m, "eni-web", "subnet-pub", "10.0.1.10", "sg-web");
	e->ips[0].public_ip = fx_ip("198.51.100.10");
	fx_eni(m, "eni-web2", "subnet-pub", "10.0.1.11", "sg-web");
	fx_eni(m, "eni-db", "subnet-db", "10.0.2.20", "sg-db");
	fx_nat_gateway(m);
	return m;
}

static struct model_nacl *custom_nacl(struct model *m, const char *id, const char *subnet)
{
	struct model_nacl *n = model_add_nacl(m);

	util_strscpy(n->id, id, sizeof(n->id));
	util_strscpy(n->vpc_id, "vpc-1", sizeof(n->vpc_id));
	/* The subnet's explicit association wins over the default ACL (model_subnet_nacl). */
	model_nacl_add_assoc(n, "aclassoc-x", subnet);
	return n;
}

/* vgw-1 attached to vpc-1, with one available VPN connection routing cidr, propagated into rtb. */
static void add_vpn(struct model *m, const char *cidr, struct model_route_table *rtb)
{
	struct model_vgw *vgw = model_add_vgw(m);
	struct model_vpn_connection *vpn = model_add_vpn(m);

	util_strscpy(vgw->id, "vgw-1", sizeof(vgw->id));
	model_vgw_add_attachment(vgw, "vpc-1", "attached");
	util_strscpy(vpn->id, "vpn-1", sizeof(vpn->id));
	util_strscpy(vpn->vgw_id, "vgw-1", sizeof(vpn->vgw_id));
	vpn->state = MODEL_STATE_AVAILABLE;
	model_vpn_add_route(vpn, fx_cidr(cidr), "available");
	model_rtb_add_propagating_vgw(rtb, "vgw-1");
}

/* ---- 1.4 the implicit router ------------------------------------------------------ */

Test(vpc_router, same_subnet_traffic_sees_no_route_table_and_no_nacl)
{
	struct model *m = two_tier();
	struct model_nacl *n = custom_nacl(m, "acl-deny-all", "subnet-pub");
	struct fx_engine fx;
	struct eng_result r;

	(void)n; /* a new NACL denies everything */
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web2", fx_tcp("10.0.1.11", 40000, "10.0.1.10", 80, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "got %s", eng_drop_name(r.drop));
	cr_assert_eq(r.to.idx, fx_eni_idx(&fx, "eni-web"));
	/* Across subnets the same NACL applies. */
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DROP);
	cr_assert_eq(r.drop, ENG_DROP_NACL_EGRESS);
	fx_done(&fx);
	model_free(m);
}

/* ---- 2.4 route selection ------------------------------------------------------------ */

Test(routes, longest_prefix_match_wins)
{
	struct model *m = two_tier();
	struct model_route_table *pub = model_find_route_table(m, "rtb-pub");
	struct fx_engine fx;
	struct eng_result r;

	/* 203.0.113.0/24, more specific than 0.0.0.0/0, to an ENI that does not exist: blackhole. */
	fx_route(pub, "203.0.113.0/24", "eni-gone", MODEL_ORIGIN_CREATE_ROUTE);
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "203.0.113.7", 443, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_BLACKHOLE, "got %s", eng_drop_name(r.drop));
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "192.0.2.7", 443, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET);
	fx_done(&fx);
	model_free(m);
}

Test(routes, static_route_beats_propagated_at_equal_prefix)
{
	struct model *m = two_tier();
	struct model_route_table *pub = model_find_route_table(m, "rtb-pub");
	struct fx_engine fx;
	struct eng_result r;

	add_vpn(m, "192.168.0.0/16", pub);
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "192.168.1.1", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_TO_VPN, "propagated route used: %s", eng_drop_name(r.drop));
	/* A static route with the same prefix wins over the propagated one. */
	fx_route(pub, "192.168.0.0/16", "igw-1", MODEL_ORIGIN_CREATE_ROUTE);
	fx_recompile(&fx, m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "192.168.1.1", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_IGW_BAD_ADDRESS, "static route to the IGW wins (and the IGW refuses RFC 1918): %s",
		     eng_drop_name(r.drop));
	fx_done(&fx);
	model_free(m);
}

Test(routes, local_route_beats_more_specific_propagated_route)
{
	struct model *m = two_tier();
	struct model_route_table *pub = model_find_route_table(m, "rtb-pub");
	struct fx_engine fx;
	struct eng_result r;

	add_vpn(m, "10.0.2.0/24", pub);
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "got %s", eng_drop_name(r.drop));
	fx_done(&fx);
	model_free(m);
}

Test(routes, blackhole_route_drops_when_igw_detached)
{
	struct model *m = two_tier();
	struct fx_engine fx;
	struct eng_result r;
	struct eng_trace tr = {0};
	struct eng_where w;
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "192.0.2.7", 443, PKT_TCP_SYN);

	model_find_igw(m, "igw-1")->attachment.vpc_id[0] = '\0';
	fx = fx_compile(m);
	w.point = ENG_AT_ENI;
	w.idx = fx_eni_idx(&fx, "eni-web");
	cr_assert_eq(eng_process(fx.st, fx.gen, &h, w, T0, &tr, &r), 0);
	cr_assert_eq(r.drop, ENG_DROP_BLACKHOLE);
	cr_assert_eq(tr.steps[tr.n - 1].explanation, ENG_EXPL_BAD_STATE_ROUTE);
	fx_done(&fx);
	model_free(m);
}

Test(routes, no_route_drops_with_no_route_to_destination)
{
	struct model *m = two_tier();
	struct model_route_table *pub = model_find_route_table(m, "rtb-pub");
	struct fx_engine fx;
	struct eng_result r;
	struct eng_trace tr = {0};
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "192.0.2.7", 443, PKT_TCP_SYN);
	struct eng_where w = {ENG_AT_ENI, 0};

	pub->n_routes = 1; /* only local */
	fx = fx_compile(m);
	w.idx = fx_eni_idx(&fx, "eni-web");
	cr_assert_eq(eng_process(fx.st, fx.gen, &h, w, T0, &tr, &r), 0);
	cr_assert_eq(r.drop, ENG_DROP_NO_ROUTE);
	cr_assert_eq(tr.steps[tr.n - 1].explanation, ENG_EXPL_NO_ROUTE_TO_DESTINATION);
	fx_done(&fx);
	model_free(m);
}

/* ---- 3 security groups ------------------------------------------------------------------ */

Test(security_groups, allow_only_missing_rule_rejects_with_ENI_SG_RULES_MISMATCH)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;
	struct eng_trace tr = {0};
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 22, PKT_TCP_SYN);
	struct eng_where w = {ENG_AT_ENI, fx_eni_idx(&fx, "eni-web")};

	cr_assert_eq(eng_process(fx.st, fx.gen, &h, w, T0, &tr, &r), 0);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS);
	cr_assert_eq(tr.steps[tr.n - 1].component, ENG_COMP_SG);
	cr_assert_eq(tr.steps[tr.n - 1].explanation, ENG_EXPL_ENI_SG_RULES_MISMATCH);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, union_of_the_enis_groups)
{
	struct model *m = two_tier();
	struct model_sg *extra = fx_sg(m, "sg-ssh", "vpc-1");
	struct fx_engine fx;
	struct eng_result r;

	fx_rule(extra, false, "tcp", 22, 22, "10.0.1.0/24");
	model_eni_add_sg(model_find_eni(m, "eni-db"), "sg-ssh");
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "10.0.2.20", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "sg-ssh allows 22: %s", eng_drop_name(r.drop));
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40001, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "sg-db still allows 5432");
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, group_reference_matches_member_private_ips_including_secondary)
{
	struct model *m = two_tier();
	struct model_eni_ip sec = {0};
	struct fx_engine fx;
	struct eng_result r;

	sec.ip = fx_ip("10.0.1.50");
	model_eni_add_ip(model_find_eni(m, "eni-web"), &sec);
	fx_eni(m, "eni-other", "subnet-pub", "10.0.1.60", NULL); /* not in sg-web */
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.50", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "secondary IP of a member: %s", eng_drop_name(r.drop));
	r = fx_send_from(&fx, "eni-other", fx_tcp("10.0.1.60", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_SG_EGRESS, "eni-other has no groups, so no egress either");
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, reference_does_not_match_public_ip)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;

	/* From the internet, sourced from eni-web's public IP: not a member's private IP. */
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_tcp("198.51.100.10", 40000, "198.51.100.10", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DROP);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, stateful_reply_passes_without_a_rule)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_result r;

	r = fx_send_from(&fx, "eni-web", syn, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	/* sg-web has no ingress rule for tcp 40000 from 10.0.2.20: the reply passes by state. */
	r = fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1);
	cr_assert_eq(r.verdict, ENG_DELIVER, "reply: %s", eng_drop_name(r.drop));
	/* An unsolicited packet on the same ports from db is not a reply. */
	r = fx_send_from(&fx, "eni-db", fx_tcp("10.0.2.20", 5433, "10.0.1.10", 40000, PKT_TCP_SYN), T0 + 2);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, packets_after_rst_are_not_allowed_by_state)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_result r;

	cr_assert_eq(fx_send_from(&fx, "eni-web", syn, T0).verdict, ENG_DELIVER);
	cr_assert_eq(fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1).verdict,
		     ENG_DELIVER);
	cr_assert_eq(fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_RST), T0 + 2).verdict,
		     ENG_DELIVER, "the RST itself passes by state");
	/* The connection is closed: a late ACK from db faces web's ingress rules (none for it). */
	r = fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_ACK), T0 + 3);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS, "got %s", eng_drop_name(r.drop));
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, tracked_connection_survives_rule_removal)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct model_sg *db = model_find_sg(m, "sg-db");
	struct eng_result r;

	r = fx_send_from(&fx, "eni-web", syn, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	/* Remove the 5432 rule (index 0) and publish a new generation. */
	model_sg_rule_clear(&db->rules[0]);
	VEC_REMOVE(db->rules, db->n_rules, 0);
	fx_recompile(&fx, m);
	syn.tcp_flags = PKT_TCP_ACK;
	r = fx_send_from(&fx, "eni-web", syn, T0 + 1000);
	cr_assert_eq(r.verdict, ENG_DELIVER, "tracked flow continues: %s", eng_drop_name(r.drop));
	/* A new connection is refused at once. */
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40001, "10.0.2.20", 5432, PKT_TCP_SYN), T0 + 1000);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, untracked_flow_is_cut_at_once_by_rule_removal)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	/* Inbound tcp 80 from 0.0.0.0/0 with outbound all/all to 0.0.0.0/0: untracked. */
	struct pkt_hdr syn = fx_tcp("203.0.113.9", 50000, "198.51.100.10", 80, PKT_TCP_SYN);
	struct model_sg *web = model_find_sg(m, "sg-web");
	struct eng_result r;
	struct eng_stats s;

	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", syn, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "%s", eng_drop_name(r.drop));
	eng_state_stats(fx.st, &s);
	cr_assert_eq(s.ct_entries, 0, "untracked: no conntrack entry");
	model_sg_rule_clear(&web->rules[0]);
	VEC_REMOVE(web->rules, web->n_rules, 0);
	fx_recompile(&fx, m);
	syn.tcp_flags = PKT_TCP_ACK;
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", syn, T0 + 10);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS, "untracked flow stops immediately");
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, restricted_source_rule_is_tracked)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;
	struct eng_stats s;

	/* Inbound tcp 22 from 203.0.113.0/24 (not 0.0.0.0/0): tracked. */
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_tcp("203.0.113.1", 50000, "198.51.100.10", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	eng_state_stats(fx.st, &s);
	cr_assert_eq(s.ct_entries, 1);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, icmp_is_always_tracked)
{
	struct model *m = two_tier();
	struct model_sg *web = model_find_sg(m, "sg-web");
	struct fx_engine fx;
	struct eng_result r;
	struct eng_stats s;

	fx_rule(web, false, "icmp", -1, -1, "0.0.0.0/0");
	fx = fx_compile(m);
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_ping("192.0.2.1", "198.51.100.10", 7), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	eng_state_stats(fx.st, &s);
	cr_assert_eq(s.ct_entries, 1);
	fx_done(&fx);
	model_free(m);
}

Test(security_groups, udp_single_exchange_expires_after_udp_timeout)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr q = fx_udp("10.0.1.10", 40000, "10.0.2.20", 53);
	struct model_sg *db = model_find_sg(m, "sg-db");
	struct eng_result r;

	fx_rule(db, false, "udp", 53, 53, "10.0.1.0/24");
	fx_recompile(&fx, m);
	r = fx_send_from(&fx, "eni-web", q, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	/* The reply 29 s later passes by state (UdpTimeout default 30 s)... */
	r = fx_send_from(&fx, "eni-db", fx_reply(&q, 0), T0 + 29000);
	cr_assert_eq(r.verdict, ENG_DELIVER, "%s", eng_drop_name(r.drop));
	/* ...but not once the idle timeout has passed. */
	r = fx_send_from(&fx, "eni-db", fx_reply(&q, 0), T0 + 29000 + 200000);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS);
	fx_done(&fx);
	model_free(m);
}

/* ---- 4 network ACLs ------------------------------------------------------------------------ */

Test(nacls, first_match_wins_in_ascending_rule_order)
{
	struct model *m = two_tier();
	struct model_nacl *n = custom_nacl(m, "acl-db", "subnet-db");
	struct fx_engine fx;
	struct eng_result r;

	fx_nacl_entry(n, 200, false, "tcp", true, "10.0.1.0/24", 5432, 5432);
	fx_nacl_entry(n, 100, false, "tcp", false, "10.0.1.10/32", 0, 65535);
	fx_nacl_entry(n, 100, true, "-1", true, "0.0.0.0/0", -1, -1);
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_NACL_INGRESS, "rule 100 deny comes first");
	r = fx_send_from(&fx, "eni-web2", fx_tcp("10.0.1.11", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "rule 200 allows others: %s", eng_drop_name(r.drop));
	fx_done(&fx);
	model_free(m);
}

Test(nacls, final_rule_denies_everything_unmatched)
{
	struct model *m = two_tier();
	struct fx_engine fx;
	struct eng_result r;
	struct eng_trace tr = {0};
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_where w;

	custom_nacl(m, "acl-db", "subnet-db");
	fx = fx_compile(m);
	w = (struct eng_where){ENG_AT_ENI, fx_eni_idx(&fx, "eni-web")};
	cr_assert_eq(eng_process(fx.st, fx.gen, &h, w, T0, &tr, &r), 0);
	cr_assert_eq(r.drop, ENG_DROP_NACL_INGRESS);
	cr_assert_eq(tr.steps[tr.n - 1].explanation, ENG_EXPL_SUBNET_ACL_RESTRICTION);
	cr_assert_eq(tr.steps[tr.n - 1].rule, -1, "the final * rule decided");
	fx_done(&fx);
	model_free(m);
}

Test(nacls, stateless_reply_needs_its_own_rule)
{
	struct model *m = two_tier();
	struct model_nacl *n = custom_nacl(m, "acl-db", "subnet-db");
	struct fx_engine fx;
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_result r;

	fx_nacl_entry(n, 100, false, "tcp", true, "10.0.1.0/24", 5432, 5432);
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", syn, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	r = fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1);
	cr_assert_eq(r.drop, ENG_DROP_NACL_EGRESS, "no outbound ephemeral rule: reply dropped");
	fx_nacl_entry(n, 100, true, "tcp", true, "10.0.1.0/24", 1024, 65535);
	fx_recompile(&fx, m);
	r = fx_send_from(&fx, "eni-db", fx_reply(&syn, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 2);
	cr_assert_eq(r.verdict, ENG_DELIVER, "with the ephemeral rule the reply passes");
	fx_done(&fx);
	model_free(m);
}

/* ---- 6 internet gateway ---------------------------------------------------------------------- */

Test(igw, egress_without_public_ip_is_dropped_with_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;
	struct eng_trace tr = {0};
	struct pkt_hdr h = fx_tcp("10.0.1.11", 40000, "192.0.2.7", 443, PKT_TCP_SYN);
	struct eng_where w = {ENG_AT_ENI, fx_eni_idx(&fx, "eni-web2")};

	cr_assert_eq(eng_process(fx.st, fx.gen, &h, w, T0, &tr, &r), 0);
	cr_assert_eq(r.drop, ENG_DROP_IGW_NO_PUBLIC_IP);
	cr_assert_eq(tr.steps[tr.n - 1].explanation, ENG_EXPL_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS);
	fx_done(&fx);
	model_free(m);
}

Test(igw, one_to_one_nat_both_ways)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "192.0.2.7", 443, PKT_TCP_SYN);
	struct eng_result r;

	r = fx_send_from(&fx, "eni-web", syn, T0);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET);
	cr_assert_eq(r.out.src, fx_ip("198.51.100.10"), "source rewritten to the public IP");
	cr_assert_eq(r.out.sport, 40000, "IGW NAT keeps ports");
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_reply(&r.out, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1);
	cr_assert_eq(r.verdict, ENG_DELIVER, "reply: %s", eng_drop_name(r.drop));
	cr_assert_eq(r.out.dst, fx_ip("10.0.1.10"), "destination rewritten to the private IP");
	fx_done(&fx);
	model_free(m);
}

Test(igw, ingress_to_address_without_public_mapping_is_dropped)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;

	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_tcp("192.0.2.1", 5000, "198.51.100.77", 80, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_IGW_NO_PUBLIC_IP);
	r = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_tcp("10.9.9.9", 5000, "198.51.100.10", 80, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_IGW_BAD_ADDRESS, "RFC 1918 source from the internet");
	fx_done(&fx);
	model_free(m);
}

/* ---- 7 NAT gateway --------------------------------------------------------------------------- */

Test(nat_gateway, snat_to_private_ip_and_ports_1024_65535_then_eip)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.2.20", 33000, "192.0.2.7", 443, PKT_TCP_SYN);
	struct eng_result r, back;

	r = fx_send_from(&fx, "eni-db", syn, T0);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET, "%s", eng_drop_name(r.drop));
	cr_assert_eq(r.out.src, fx_ip("198.51.100.5"), "NAT GW's EIP");
	cr_assert_geq(r.out.sport, 1024);
	cr_assert_eq(r.out.dst, syn.dst, "NAT never alters the destination");
	back = fx_send_at(&fx, ENG_AT_IGW, "igw-1", fx_reply(&r.out, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1);
	cr_assert_eq(back.verdict, ENG_DELIVER, "return: %s", eng_drop_name(back.drop));
	cr_assert_eq(back.to.idx, fx_eni_idx(&fx, "eni-db"));
	cr_assert_eq(back.out.dst, syn.src);
	cr_assert_eq(back.out.dport, syn.sport);
	fx_done(&fx);
	model_free(m);
}

Test(nat_gateway, idle_350s_then_rst)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.2.20", 33000, "192.0.2.7", 443, PKT_TCP_SYN);
	struct eng_result r;

	r = fx_send_from(&fx, "eni-db", syn, T0);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET);
	syn.tcp_flags = PKT_TCP_ACK;
	r = fx_send_from(&fx, "eni-db", syn, T0 + 349000);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET, "still within 350 s");
	r = fx_send_from(&fx, "eni-db", syn, T0 + 349000 + 351000);
	cr_assert_eq(r.verdict, ENG_REPLY_RST, "after 350 s idle the NAT GW answers RST");
	cr_assert_eq(r.out.tcp_flags, PKT_TCP_RST);
	cr_assert_eq(r.out.dst, syn.src);
	fx_done(&fx);
	model_free(m);
}

Test(nat_gateway, only_tcp_udp_icmp)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr gre = fx_tcp("10.0.2.20", 0, "192.0.2.7", 0, 0);
	struct eng_result r;

	gre.proto = 47;
	r = fx_send_from(&fx, "eni-db", gre, T0);
	cr_assert_eq(r.drop, ENG_DROP_NAT_PROTOCOL);
	r = fx_send_from(&fx, "eni-db", fx_ping("10.0.2.20", "192.0.2.7", 9), T0);
	cr_assert_eq(r.verdict, ENG_TO_INTERNET, "icmp: %s", eng_drop_name(r.drop));
	fx_done(&fx);
	model_free(m);
}

/* ---- 9 VPN --------------------------------------------------------------------------------------- */

Test(vpn, vgw_carries_traffic_to_known_prefixes_and_back)
{
	struct model *m = two_tier();
	struct model_route_table *main_rt = model_vpc_main_route_table(m, "vpc-1");
	struct model_sg *db = model_find_sg(m, "sg-db");
	struct fx_engine fx;
	struct eng_result r;

	add_vpn(m, "192.168.0.0/16", main_rt);
	fx_rule(db, false, "tcp", 22, 22, "192.168.0.0/16");
	fx = fx_compile(m);
	r = fx_send_at(&fx, ENG_AT_VGW, "vgw-1", fx_tcp("192.168.5.5", 50000, "10.0.2.20", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "%s", eng_drop_name(r.drop));
	r = fx_send_from(&fx, "eni-db", fx_tcp("10.0.2.20", 22, "192.168.5.5", 50000, PKT_TCP_SYN | PKT_TCP_ACK), T0 + 1);
	cr_assert_eq(r.verdict, ENG_TO_VPN, "%s", eng_drop_name(r.drop));
	r = fx_send_at(&fx, ENG_AT_VGW, "vgw-1", fx_tcp("192.168.5.5", 50000, "10.0.2.99", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_VGW_ADDRESS, "not an ENI's private IP");
	fx_done(&fx);
	model_free(m);
}

/* ---- 10 source/destination check --------------------------------------------------------------- */

Test(source_dest_check, spoofed_source_is_dropped_unless_disabled)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct eng_result r;

	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.99", 40000, "10.0.2.20", 5432, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_SRC_DST_CHECK);
	model_find_eni(m, "eni-web")->source_dest_check = false;
	fx_recompile(&fx, m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.99", 40000, "10.0.2.20", 80, PKT_TCP_SYN), T0);
	cr_assert_neq(r.drop, ENG_DROP_SRC_DST_CHECK, "check disabled");
	fx_done(&fx);
	model_free(m);
}

/* ---- 3.5 / 12.5 service addresses ---------------------------------------------------------------- */

Test(services, imds_and_dns_bypass_sgs_and_nacls)
{
	struct model *m = two_tier();
	struct model_sg *web = model_find_sg(m, "sg-web");
	struct fx_engine fx;
	struct eng_result r;

	web->n_rules = 2; /* drop the egress allow-all (rule 2): nothing may leave */
	custom_nacl(m, "acl-pub", "subnet-pub");
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "169.254.169.254", 80, PKT_TCP_SYN), T0);
	cr_assert_eq(r.verdict, ENG_TO_SERVICE);
	r = fx_send_from(&fx, "eni-web", fx_udp("10.0.1.10", 40000, "10.0.0.2", 53), T0);
	cr_assert_eq(r.verdict, ENG_TO_SERVICE);
	r = fx_send_from(&fx, "eni-web", fx_udp("10.0.1.10", 40000, "10.0.2.20", 53), T0);
	cr_assert_eq(r.drop, ENG_DROP_SG_EGRESS);
	fx_done(&fx);
	model_free(m);
}

/* ---- 12 flow logs ---------------------------------------------------------------------------------- */

struct collected {
	char lines[32][512];
	int n;
};

static void collect(const struct eng_flow_record *rec, void *ud)
{
	struct collected *c = ud;
	struct flowlog_format *f = NULL;

	cr_assert_eq(flowlog_format_parse(rec->format ? rec->format : FLOWLOG_DEFAULT_FORMAT, &f,
					  NULL, 0),
		     0);
	if (c->n < 32)
		cr_assert_gt(flowlog_format_line(f, rec, c->lines[c->n++], 512), 0);
	flowlog_format_free(f);
}

static void add_flow_log(struct model *m, const char *resource)
{
	struct model_flow_log *fl = model_add_flow_log(m);

	snprintf(fl->id, sizeof(fl->id), "fl-%s", resource);
	util_strscpy(fl->resource_id, resource, sizeof(fl->resource_id));
	fl->traffic_type = MODEL_FLOW_ALL;
	fl->max_aggregation_interval = 60;
}

Test(flow_logs, accept_then_reject_when_nacl_drops_the_reply)
{
	struct model *m = two_tier();
	struct model_nacl *n = custom_nacl(m, "acl-db", "subnet-db");
	struct model_sg *db = model_find_sg(m, "sg-db");
	struct fx_engine fx;
	struct pkt_hdr ping = fx_ping("10.0.1.10", "10.0.2.20", 1);
	struct collected c = {0};
	struct eng_result r;
	size_t emitted;

	(void)db;
	fx_nacl_entry(n, 100, false, "icmp", true, "0.0.0.0/0", -1, -1);
	add_flow_log(m, "eni-db");
	fx = fx_compile(m);
	for (int i = 0; i < 4; i++) {
		r = fx_send_from(&fx, "eni-web", ping, T0 + (uint64_t)i * 1000);
		cr_assert_eq(r.verdict, ENG_DELIVER);
		r = fx_send_from(&fx, "eni-db", fx_reply(&ping, 0), T0 + (uint64_t)i * 1000 + 1);
		cr_assert_eq(r.drop, ENG_DROP_NACL_EGRESS);
	}
	emitted = eng_flowlog_flush(fx.st, fx.gen, T0, 60, collect, &c);
	cr_assert_eq(emitted, 0, "interval not over yet");
	emitted = eng_flowlog_flush(fx.st, fx.gen, T0 + 61000, 60, collect, &c);
	cr_assert_eq(emitted, 2);
	cr_assert_eq(c.n, 2);
	cr_assert(strstr(c.lines[0], "2 123456789012 eni-db 10.0.1.10 10.0.2.20 0 0 1 4 336 ") ==
			  c.lines[0] ||
		  strstr(c.lines[1], "2 123456789012 eni-db 10.0.1.10 10.0.2.20 0 0 1 4 336 ") ==
			  c.lines[1],
		  "ACCEPT record: %s | %s", c.lines[0], c.lines[1]);
	cr_assert(strstr(c.lines[0], "ACCEPT OK") || strstr(c.lines[1], "ACCEPT OK"));
	cr_assert(strstr(c.lines[0], "10.0.2.20 10.0.1.10 0 0 1 4 336") ||
		  strstr(c.lines[1], "10.0.2.20 10.0.1.10 0 0 1 4 336"));
	cr_assert(strstr(c.lines[0], "REJECT OK") || strstr(c.lines[1], "REJECT OK"));
	/* The next interval without traffic: NODATA. */
	c.n = 0;
	emitted = eng_flowlog_flush(fx.st, fx.gen, T0 + 122000, 60, collect, &c);
	cr_assert_eq(emitted, 1);
	cr_assert(strstr(c.lines[0], "- - - - - - - ") && strstr(c.lines[0], "- NODATA"), "%s",
		  c.lines[0]);
	fx_done(&fx);
	model_free(m);
}

Test(flow_logs, sg_rejection_gives_one_reject_record)
{
	struct model *m = two_tier();
	struct fx_engine fx;
	struct collected c = {0};
	struct eng_result r;

	add_flow_log(m, "eni-db");
	fx = fx_compile(m);
	r = fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "10.0.2.20", 22, PKT_TCP_SYN), T0);
	cr_assert_eq(r.drop, ENG_DROP_SG_INGRESS);
	cr_assert_eq(eng_flowlog_flush(fx.st, fx.gen, T0 + 61000, 60, collect, &c), 1);
	cr_assert(strstr(c.lines[0], "10.0.1.10 10.0.2.20 40000 22 6 1 60 ") != NULL, "%s", c.lines[0]);
	cr_assert(strstr(c.lines[0], "REJECT OK") != NULL);
	fx_done(&fx);
	model_free(m);
}

Test(flow_logs, service_traffic_is_never_logged)
{
	struct model *m = two_tier();
	struct fx_engine fx;
	struct collected c = {0};

	add_flow_log(m, "vpc-1");
	fx = fx_compile(m);
	fx_send_from(&fx, "eni-web", fx_tcp("10.0.1.10", 40000, "169.254.169.254", 80, PKT_TCP_SYN), T0);
	eng_flowlog_flush(fx.st, fx.gen, T0 + 61000, 60, collect, &c);
	for (int i = 0; i < c.n; i++)
		cr_assert(strstr(c.lines[i], "NODATA") != NULL, "logged: %s", c.lines[i]);
	fx_done(&fx);
	model_free(m);
}

/* ---- generations --------------------------------------------------------------------------------- */

Test(generations, publish_is_atomic_and_refcounted)
{
	struct model *m = two_tier();
	struct eng_gen *a, *b;
	struct eng_state *st = eng_state_new(NULL);

	cr_assert_eq(eng_compile(m, &a), 0);
	cr_assert_eq(eng_compile(m, &b), 0);
	cr_assert_null(eng_state_sync(st), "nothing published yet");
	eng_state_publish(st, a);
	eng_state_publish(st, b); /* a never adopted: replaced */
	cr_assert_eq(eng_state_sync(st), b);
	cr_assert_eq(eng_state_sync(st), b, "stable without new publish");
	eng_gen_unref(a);
	eng_gen_unref(b); /* the state keeps b alive */
	cr_assert_eq(eng_gen_eni_count(eng_state_sync(st)), 4);
	eng_state_free(st);
	model_free(m);
}

/* ---- reachability analysis ------------------------------------------------------------------------- */

Test(analysis, reachable_path_has_forward_and_return_components)
{
	struct model *m = two_tier();
	struct eng_gen *g;
	struct eng_analysis a;
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_where w = {ENG_AT_ENI, 0};

	cr_assert_eq(eng_compile(m, &g), 0);
	cr_assert_eq(eng_gen_eni_index(g, "eni-web", &w.idx), 0);
	cr_assert_eq(eng_analyze(g, w, &h, T0, &a), 0);
	cr_assert(a.path_found);
	cr_assert(a.has_return);
	cr_assert_gt(a.forward.n, 3);
	cr_assert_gt(a.ret.n, 2);
	eng_gen_unref(g);
	model_free(m);
}

Test(analysis, blocked_path_lists_every_block)
{
	struct model *m = two_tier();
	struct eng_gen *g;
	struct eng_analysis a;
	struct pkt_hdr h = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 22, PKT_TCP_SYN);
	struct eng_where w = {ENG_AT_ENI, 0};
	int blocks = 0;

	custom_nacl(m, "acl-db", "subnet-db"); /* denies everything */
	cr_assert_eq(eng_compile(m, &g), 0);
	cr_assert_eq(eng_gen_eni_index(g, "eni-web", &w.idx), 0);
	cr_assert_eq(eng_analyze(g, w, &h, T0, &a), 0);
	cr_assert_not(a.path_found);
	for (unsigned i = 0; i < a.forward.n; i++)
		blocks += a.forward.steps[i].blocked;
	cr_assert_eq(blocks, 2, "the NACL and the security group both block");
	eng_gen_unref(g);
	model_free(m);
}

/* ---- state across generations -------------------------------------------------------------- */

Test(generations, removed_eni_loses_its_connections_and_its_zone_is_reused)
{
	struct model *m = two_tier();
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_result r;
	struct model_eni *db;
	char id[MODEL_ID_LEN];

	cr_assert_eq(fx_send_from(&fx, "eni-web", syn, T0).verdict, ENG_DELIVER);
	/*
	 * Replace eni-db by new ENIs with the same address, many more times than
	 * there are conntrack zones: zones must be recycled, and a new ENI must not
	 * inherit the old one's connections.
	 */
	for (int i = 0; i < 70000; i++) {
		model_remove_eni(m, model_find_eni_by_ip(m, "vpc-1", fx_ip("10.0.2.20"))->id);
		snprintf(id, sizeof(id), "eni-db-%d", i);
		db = fx_eni(m, id, "subnet-db", "10.0.2.20", "sg-db");
		fx_recompile(&fx, m);
		cr_assert_eq(fx_send_from(&fx, id, fx_reply(&syn, PKT_TCP_ACK), T0 + 1).verdict,
			     ENG_DELIVER, "web's own entry lets the reply in (iteration %d)", i);
	}
	(void)db;
	(void)r;
	/* Every replaced ENI's entry was flushed with it; the latest one tracks its
	 * reply in a recycled zone (beyond 65,536 zones an insert would fail). */
	{
		struct eng_stats st;

		eng_state_stats(fx.st, &st);
		cr_assert_eq(st.ct_entries, 2, "web's entry and the latest db ENI's: %" PRIu64,
			     st.ct_entries);
	}
	fx_done(&fx);
	model_free(m);
}
