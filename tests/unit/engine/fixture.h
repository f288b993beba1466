/*
 * fixture: small builders for engine behaviour tests.  They fill a struct
 * model directly (the engine must work on any model, imported or built by
 * the API), so these tests do not depend on the API-level operations.
 */
#ifndef OPENVPC_TEST_ENGINE_FIXTURE_H
#define OPENVPC_TEST_ENGINE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lib/engine/engine.h"
#include "lib/model/model.h"
#include "lib/util/util.h"

static inline uint32_t fx_ip(const char *s)
{
	uint32_t ip = 0;

	cr_assert_eq(net_ip4_parse(s, &ip), 0, "bad ip %s", s);
	return ip;
}

static inline struct net_cidr4 fx_cidr(const char *s)
{
	struct net_cidr4 c;

	cr_assert_eq(net_cidr4_parse(s, &c), 0, "bad cidr %s", s);
	return c;
}

static inline struct model_vpc *fx_vpc(struct model *m, const char *id, const char *cidr)
{
	struct model_vpc *v = model_add_vpc(m);
	struct model_route_table *t = model_add_route_table(m);
	struct model_route local = {0};
	struct model_rtb_assoc main_assoc = {0};
	struct model_nacl *n = model_add_nacl(m);
	struct model_nacl_entry allow = {0};

	util_strscpy(v->id, id, sizeof(v->id));
	model_vpc_add_cidr(v, "vpc-cidr-assoc-1", fx_cidr(cidr));
	v->state = MODEL_STATE_AVAILABLE;
	snprintf(t->id, sizeof(t->id), "rtb-main-%s", id + 4);
	util_strscpy(t->vpc_id, id, sizeof(t->vpc_id));
	local.dest_type = MODEL_DEST_CIDR4;
	local.dest = fx_cidr(cidr);
	local.target_type = MODEL_TARGET_LOCAL;
	util_strscpy(local.target_id, "local", sizeof(local.target_id));
	local.origin = MODEL_ORIGIN_CREATE_ROUTE_TABLE;
	model_rtb_add_route(t, &local);
	main_assoc.main = true;
	util_strscpy(main_assoc.id, "rtbassoc-main", sizeof(main_assoc.id));
	model_rtb_add_assoc(t, &main_assoc);
	/* Default NACL: rule 100 allows everything both ways. */
	snprintf(n->id, sizeof(n->id), "acl-default-%s", id + 4);
	util_strscpy(n->vpc_id, id, sizeof(n->vpc_id));
	n->is_default = true;
	allow.rule_number = 100;
	allow.protocol = MODEL_PROTO_ALL;
	allow.allow = true;
	allow.cidr = fx_cidr("0.0.0.0/0");
	allow.from_port = allow.to_port = -1;
	allow.icmp_type = allow.icmp_code = -1;
	model_nacl_add_entry(n, &allow);
	allow.egress = true;
	model_nacl_add_entry(n, &allow);
	return v;
}

static inline struct model_subnet *fx_subnet(struct model *m, const char *id, const char *vpc,
					     const char *cidr)
{
	struct model_subnet *s = model_add_subnet(m);

	util_strscpy(s->id, id, sizeof(s->id));
	util_strscpy(s->vpc_id, vpc, sizeof(s->vpc_id));
	s->cidr = fx_cidr(cidr);
	util_strscpy(s->az, "us-east-1a", sizeof(s->az));
	util_strscpy(s->az_id, "use1-az6", sizeof(s->az_id));
	s->state = MODEL_STATE_AVAILABLE;
	return s;
}

static inline struct model_sg *fx_sg(struct model *m, const char *id, const char *vpc)
{
	struct model_sg *sg = model_add_sg(m);

	util_strscpy(sg->id, id, sizeof(sg->id));
	util_strscpy(sg->vpc_id, vpc, sizeof(sg->vpc_id));
	return sg;
}

/* Add an SG rule: proto "-1"/"tcp"/"udp"/"icmp"/number, ports, peer CIDR or sg-... */
static inline void fx_rule(struct model_sg *sg, bool egress, const char *proto, int from, int to,
			   const char *peer)
{
	struct model_sg_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "sgr-%zu", sg->n_rules);
	r.egress = egress;
	cr_assert_eq(model_protocol_parse(proto, &r.protocol), 0);
	r.from_port = from;
	r.to_port = to;
	if (strncmp(peer, "sg-", 3) == 0) {
		r.peer_type = MODEL_PEER_GROUP;
		util_strscpy(r.group_id, peer, sizeof(r.group_id));
	} else {
		r.peer_type = MODEL_PEER_CIDR4;
		r.cidr = fx_cidr(peer);
	}
	cr_assert_eq(model_sg_add_rule(sg, &r), 0);
}

static inline struct model_eni *fx_eni(struct model *m, const char *id, const char *subnet,
				       const char *ip, const char *sg)
{
	struct model_eni *e = model_add_eni(m);
	const struct model_subnet *s = model_find_subnet(m, subnet);
	struct model_eni_ip pip = {0};

	cr_assert_not_null(s);
	util_strscpy(e->id, id, sizeof(e->id));
	util_strscpy(e->subnet_id, subnet, sizeof(e->subnet_id));
	util_strscpy(e->vpc_id, s->vpc_id, sizeof(e->vpc_id));
	util_strscpy(e->interface_type, "interface", sizeof(e->interface_type));
	pip.ip = fx_ip(ip);
	pip.primary = true;
	model_eni_add_ip(e, &pip);
	if (sg)
		model_eni_add_sg(e, sg);
	e->source_dest_check = true;
	e->status = MODEL_ENI_IN_USE;
	return e;
}

static inline void fx_route(struct model_route_table *t, const char *dest, const char *target,
			    enum model_route_origin origin)
{
	struct model_route r = {0};

	r.dest_type = MODEL_DEST_CIDR4;
	r.dest = fx_cidr(dest);
	r.target_type = model_target_type_from_id(target);
	util_strscpy(r.target_id, target, sizeof(r.target_id));
	r.origin = origin;
	cr_assert_eq(model_rtb_add_route(t, &r), 0);
}

/*
 * The two-tier skeleton most tests start from: vpc-1 10.0.0.0/16 with
 * subnet-pub 10.0.1.0/24 and subnet-db 10.0.2.0/24; igw-1 attached; rtb-pub
 * (local, 0.0.0.0/0 -> igw-1) associated with subnet-pub; the main table's
 * 0.0.0.0/0 -> nat-1 (the caller adds nat-1).  Returns the main table.
 */
static inline struct model_route_table *fx_two_tier_base(struct model *m)
{
	struct model_route_table *pub, *main_rt;
	struct model_rtb_assoc a = {0};
	struct model_igw *igw;

	fx_vpc(m, "vpc-1", "10.0.0.0/16");
	fx_subnet(m, "subnet-pub", "vpc-1", "10.0.1.0/24");
	fx_subnet(m, "subnet-db", "vpc-1", "10.0.2.0/24");
	igw = model_add_igw(m);
	util_strscpy(igw->id, "igw-1", sizeof(igw->id));
	util_strscpy(igw->attachment.vpc_id, "vpc-1", sizeof(igw->attachment.vpc_id));
	util_strscpy(igw->attachment.state, "available", sizeof(igw->attachment.state));
	pub = model_add_route_table(m);
	util_strscpy(pub->id, "rtb-pub", sizeof(pub->id));
	util_strscpy(pub->vpc_id, "vpc-1", sizeof(pub->vpc_id));
	fx_route(pub, "10.0.0.0/16", "local", MODEL_ORIGIN_CREATE_ROUTE_TABLE);
	fx_route(pub, "0.0.0.0/0", "igw-1", MODEL_ORIGIN_CREATE_ROUTE);
	util_strscpy(a.id, "rtbassoc-pub", sizeof(a.id));
	util_strscpy(a.subnet_id, "subnet-pub", sizeof(a.subnet_id));
	model_rtb_add_assoc(pub, &a);
	main_rt = model_vpc_main_route_table(m, "vpc-1");
	fx_route(main_rt, "0.0.0.0/0", "nat-1", MODEL_ORIGIN_CREATE_ROUTE);
	return main_rt;
}

/*
 * nat-1, the public NAT gateway fx_two_tier_base()'s main table points at:
 * its requester-managed ENI eni-nat 10.0.1.5 in subnet-pub (no
 * source/destination check), public address 198.51.100.5.
 */
static inline struct model_nat_gateway *fx_nat_gateway(struct model *m)
{
	struct model_eni *e = fx_eni(m, "eni-nat", "subnet-pub", "10.0.1.5", NULL);
	struct model_nat_gateway *nat;

	e->source_dest_check = false;
	e->requester_managed = true;
	e->ips[0].public_ip = fx_ip("198.51.100.5");
	nat = model_add_nat_gateway(m);
	util_strscpy(nat->id, "nat-1", sizeof(nat->id));
	util_strscpy(nat->subnet_id, "subnet-pub", sizeof(nat->subnet_id));
	util_strscpy(nat->vpc_id, "vpc-1", sizeof(nat->vpc_id));
	util_strscpy(nat->eni_id, "eni-nat", sizeof(nat->eni_id));
	nat->private_ip = fx_ip("10.0.1.5");
	nat->public_ip = fx_ip("198.51.100.5");
	nat->connectivity = MODEL_NAT_PUBLIC;
	nat->state = MODEL_STATE_AVAILABLE;
	return nat;
}

static inline void fx_nacl_entry(struct model_nacl *n, int number, bool egress, const char *proto,
				 bool allow, const char *cidr, int from, int to)
{
	struct model_nacl_entry e = {0};

	e.rule_number = number;
	e.egress = egress;
	cr_assert_eq(model_protocol_parse(proto, &e.protocol), 0);
	e.allow = allow;
	e.cidr = fx_cidr(cidr);
	e.from_port = from;
	e.to_port = to;
	e.icmp_type = e.icmp_code = -1;
	cr_assert_eq(model_nacl_add_entry(n, &e), 0);
}

static inline struct pkt_hdr fx_tcp(const char *src, uint16_t sport, const char *dst,
				    uint16_t dport, uint8_t flags)
{
	struct pkt_hdr h = {0};

	h.src = fx_ip(src);
	h.dst = fx_ip(dst);
	h.sport = sport;
	h.dport = dport;
	h.proto = PKT_PROTO_TCP;
	h.tcp_flags = flags;
	h.len = 60;
	h.ttl = 64;
	return h;
}

static inline struct pkt_hdr fx_udp(const char *src, uint16_t sport, const char *dst,
				    uint16_t dport)
{
	struct pkt_hdr h = fx_tcp(src, sport, dst, dport, 0);

	h.proto = PKT_PROTO_UDP;
	h.len = 100;
	return h;
}

static inline struct pkt_hdr fx_ping(const char *src, const char *dst, uint16_t id)
{
	struct pkt_hdr h = {0};

	h.src = fx_ip(src);
	h.dst = fx_ip(dst);
	h.proto = PKT_PROTO_ICMP;
	h.icmp_type = PKT_ICMP_ECHO;
	h.sport = h.dport = id;
	h.len = 84;
	h.ttl = 64;
	return h;
}

static inline struct pkt_hdr fx_reply(const struct pkt_hdr *h, uint8_t flags)
{
	struct pkt_hdr r = *h;

	r.src = h->dst;
	r.dst = h->src;
	r.sport = h->dport;
	r.dport = h->sport;
	r.tcp_flags = flags;
	if (h->proto == PKT_PROTO_ICMP)
		r.icmp_type = PKT_ICMP_ECHO_REPLY;
	return r;
}

/* A compiled generation on a fresh state; the test frees both with fx_done(). */
struct fx_engine {
	struct eng_gen *gen;
	struct eng_state *st;
};

static inline struct fx_engine fx_compile(const struct model *m)
{
	struct fx_engine fx;

	cr_assert_eq(eng_compile(m, &fx.gen), 0, "compile failed");
	fx.st = eng_state_new(NULL);
	cr_assert_not_null(fx.st);
	eng_state_publish(fx.st, fx.gen);
	cr_assert_eq(eng_state_sync(fx.st), fx.gen);
	return fx;
}

/* Replace the generation (a model change), keeping the state. */
static inline void fx_recompile(struct fx_engine *fx, const struct model *m)
{
	struct eng_gen *g;

	cr_assert_eq(eng_compile(m, &g), 0, "recompile failed");
	eng_state_publish(fx->st, g);
	cr_assert_eq(eng_state_sync(fx->st), g);
	eng_gen_unref(fx->gen);
	fx->gen = g;
}

static inline void fx_done(struct fx_engine *fx)
{
	fx->st = eng_state_free(fx->st);
	fx->gen = eng_gen_unref(fx->gen);
}

static inline uint32_t fx_eni_idx(const struct fx_engine *fx, const char *id)
{
	uint32_t i = 0;

	cr_assert_eq(eng_gen_eni_index(fx->gen, id, &i), 0, "no ENI %s", id);
	return i;
}

static inline struct eng_result fx_send_from(struct fx_engine *fx, const char *eni,
					     struct pkt_hdr h, uint64_t now_ms)
{
	struct eng_result r;
	struct eng_where w = {ENG_AT_ENI, fx_eni_idx(fx, eni)};

	cr_assert_eq(eng_process(fx->st, fx->gen, &h, w, now_ms, NULL, &r), 0);
	return r;
}

static inline struct eng_result fx_send_at(struct fx_engine *fx, enum eng_point point,
					   const char *gw, struct pkt_hdr h, uint64_t now_ms)
{
	struct eng_result r;
	struct eng_where w = {point, 0};

	if (point == ENG_AT_IGW)
		cr_assert_eq(eng_gen_igw_index(fx->gen, gw, &w.idx), 0);
	else
		cr_assert_eq(eng_gen_vgw_index(fx->gen, gw, &w.idx), 0);
	cr_assert_eq(eng_process(fx->st, fx->gen, &h, w, now_ms, NULL, &r), 0);
	return r;
}

#endif
