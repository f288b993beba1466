/*
 * process: the packet path.  One packet, from where it enters to where it
 * leaves the VPC, through every component AWS puts on that path, in AWS's
 * order (vpc-semantics.md section 5):
 *
 *   same subnet     ENI out (src/dst check, SG egress) -> ENI in (dst check, SG ingress)
 *   across subnets  ENI out -> NACL(src) out -> route table -> NACL(dst) in -> ENI in
 *   via IGW         ENI out -> NACL out -> route -> IGW (public IP required, 1:1 SNAT)
 *   from IGW        IGW (public -> private) -> [gateway route table] -> NACL in -> ENI in
 *   via NAT GW      ENI out -> NACL(src) out -> route -> NACL(nat) in -> NAT (SNAT,
 *                   ports 1024-65535) -> NACL(nat) out -> route(nat subnet) -> IGW
 *   NAT return      IGW -> NACL(nat) in -> NAT (de-NAT) -> NACL(nat) out -> NACL(dst) in -> ENI in
 *   via VGW         ENI out -> NACL out -> route -> VGW (source must be an ENI's address)
 *   from VGW        VGW (destination must be an ENI's address) -> NACL in -> ENI in
 *
 * Security groups are stateful: a packet that matches a tracked connection of
 * the ENI passes without rule evaluation; a new flow is evaluated and, unless
 * it is untracked in AWS's sense (a 0.0.0.0/0 rule allowed it and the other
 * direction allows all response traffic; TCP and UDP only, never through a
 * NAT gateway), tracked.  NACLs are stateless and evaluated on every packet,
 * only when the packet crosses a subnet boundary.
 *
 * Flow logs: each ENI on the path accounts the packet (ingress and egress),
 * ACCEPT or REJECT, with the fields AWS documents; service addresses are never
 * logged.  No allocation, no clock: now_ms is the caller's.
 *
 * Flow cache (fcache.h).  An untraced packet first looks up (ingress point,
 * header) in the state's flow cache.  On a hit, fc_replay() gives the result
 * the slow path gave in this generation and re-runs its stateful steps in
 * order: each SG step does the conntrack lookup and state-machine update
 * (falling back to the recorded verdict of the rules, the insert of a new
 * entry, or the REJECT and drop, exactly as sg_check()), each flow-log step
 * accounts the packet.  On a miss the slow path runs and records those steps
 * (struct fc_rec); fc_store() keeps them unless the path went through a NAT
 * gateway (its port allocation and idle timers are per packet), ran out of
 * conntrack space, took too many steps, or opened a connection (the flow's
 * next packet is kept instead).  A TCP/UDP path is also kept under a
 * source-port wildcard key (see fc_wild_key()), which answers the first
 * packets of new connections between the same endpoints: they replay it
 * (two conntrack inserts) instead of running the slow path.  An entry of an
 * established TCP connection between two ENIs (FC_E_TCP_PAIR) whose result
 * is plain leases its two conntrack entries (ct.h, "Leases") on its first
 * fast-path packet: its later packets refresh the lease in the entry's hot
 * half and read no other line (one line per packet instead of four); a packet
 * the lease cannot pass (SYN, FIN or RST, an idle gap past the least
 * established timeout, the clock behind the latest lease) ends it and takes
 * the general path.  Invariant,
 * checked by the differential test
 * (tests/unit/engine/test-fcache.c): results, traces, statistics other than
 * flow_cache_hits, conntrack, NAT and flow-log state are the same with and
 * without the cache.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "lib/engine/ct-private.h"
#include "lib/engine/ct-table.h"
#include "lib/engine/state-private.h"
#include "lib/util/util.h"

#define SERVICE_IMDS 0xa9fea9feu  /* 169.254.169.254 */
#define SERVICE_DNS 0xa9fea9fdu	  /* 169.254.169.253 */
#define SERVICE_TIME 0xa9fea97bu  /* 169.254.169.123 */
/* openvpc's EC2 API endpoint for instances (fabric/svc.h): a VPC service like IMDS. */
#define SERVICE_EC2 0xa9fea9fau /* 169.254.169.250 */
#define MAX_HOPS 8

/* traffic-path values (flow logs v5) */
#define PATH_VPC 1
#define PATH_IGW 2
#define PATH_VGW 3

/*
 * What the slow path records for the flow cache (see fcache.h): the
 * stateful steps in order, the conntrack entries of the SG steps, and
 * whether the path can be cached at all (not through a NAT gateway, no
 * conntrack exhaustion, few enough steps).
 */
struct fc_rec {
	bool bad;
	bool sg_terminal; /* stopped at an SG step that blocked */
	bool has_final;
	bool created; /* the packet created a conntrack entry (a new flow) */
	uint8_t n_ops, n_sg;
	uint32_t final_src, final_dst;
	struct fc_op ops[FC_OPS_MAX];
	uint32_t hint[FC_SG_MAX];
	struct ct_key sgkey[FC_SG_MAX];
};

struct pctx {
	struct eng_state *st;
	const struct eng_gen *g;
	uint64_t now_ms;
	int64_t now_s;
	struct eng_trace *tr;
	bool cont;   /* continue past blocks (analysis) */
	bool mutate; /* may change conntrack, NAT and flow-log state */
	struct pkt_hdr h;
	struct eng_result *res;
	bool blocked;
	bool via_nat;
	uint32_t ct_near1; /* pool index + 1 of the entry this packet inserted (0: none) */
	bool from_outside; /* entered at a gateway */
	unsigned hops;
	const struct pkt_hdr *in0; /* the packet as it entered */
	struct fc_rec *rec;	   /* recording for the flow cache, or NULL */
};

/* ---- trace and verdict helpers --------------------------------------------- */

static void trace_add(struct pctx *p, enum eng_component comp, enum eng_dir dir, uint32_t obj,
		      bool blocked, bool by_state, enum eng_explanation expl, int32_t rule_obj,
		      int32_t rule, const struct pkt_hdr *in)
{
	struct eng_trace_step *s;

	if (!p->tr || p->tr->n >= ENG_TRACE_MAX)
		return;
	s = &p->tr->steps[p->tr->n++];
	s->component = comp;
	s->dir = dir;
	s->obj = obj;
	s->blocked = blocked;
	s->by_state = by_state;
	s->explanation = expl;
	s->rule_obj = rule_obj;
	s->rule = rule;
	s->in = in ? *in : p->h;
	s->out = p->h;
}

/*
 * A component rejects the packet.  Returns true when processing stops (the
 * normal case), false when the analysis continues past the block.
 */
static bool block(struct pctx *p, enum eng_drop why)
{
	if (!p->blocked) {
		p->res->verdict = ENG_DROP;
		p->res->drop = why;
	}
	p->blocked = true;
	return !p->cont;
}

/* A terminal failure that even an analysis cannot continue past. */
static void fail(struct pctx *p, enum eng_drop why)
{
	block(p, why);
}

static void finish(struct pctx *p, enum eng_verdict v, enum eng_point point, uint32_t idx)
{
	if (p->blocked)
		return;
	p->res->verdict = v;
	p->res->drop = ENG_DROP_NONE;
	p->res->to.point = point;
	p->res->to.idx = idx;
	p->res->out = p->h;
}

/* ---- flow-cache recording ------------------------------------------------------ */

/* FC_OP_FINAL when the current header is the rewritten one (checked at store time). */
static uint8_t rec_hdr_flag(struct pctx *p)
{
	struct fc_rec *r = p->rec;

	if (p->h.src == p->in0->src && p->h.dst == p->in0->dst)
		return 0;
	if (r->has_final && (r->final_src != p->h.src || r->final_dst != p->h.dst))
		r->bad = true; /* two different rewrites: not cacheable */
	r->has_final = true;
	r->final_src = p->h.src;
	r->final_dst = p->h.dst;
	return FC_OP_FINAL;
}

static void rec_op(struct pctx *p, uint32_t eni, uint8_t flags, int path)
{
	struct fc_rec *r = p->rec;

	if (r->n_ops >= FC_OPS_MAX || eni > UINT16_MAX) {
		r->bad = true;
		return;
	}
	r->ops[r->n_ops++] = (struct fc_op){(uint16_t)eni, flags, (uint8_t)path};
}

/* ---- flow logs ---------------------------------------------------------------- */

static void flow_account_raw(struct eng_state *st, const struct eng_gen *g, uint32_t eni,
			     bool egress, bool reject, int path, const struct pkt_hdr *h,
			     int64_t now_s)
{
	const struct gen_eni *e = &g->enis[eni];
	struct flowlog_key k;
	bool icmp = h->proto == PKT_PROTO_ICMP;

	if (e->n_flow_logs == 0)
		return;
	memset(&k, 0, sizeof(k));
	k.eni = st->zone_of_eni[eni];
	k.srcaddr = egress ? e->primary_ip : h->src;
	k.dstaddr = egress ? h->dst : e->primary_ip;
	k.srcport = icmp ? 0 : h->sport;
	k.dstport = icmp ? 0 : h->dport;
	k.proto = h->proto;
	k.reject = reject;
	k.egress = egress;
	k.traffic_path = egress ? (uint8_t)path : 0;
	k.pkt_srcaddr = h->src;
	k.pkt_dstaddr = h->dst;
	if (flowlog_agg_account(st->flow, &k, h->len, h->tcp_flags, now_s) < 0) {
		st->stats.flow_records_skipped++;
		if (k.eni < st->cap_eni_of_zone)
			st->zone_skipped[k.eni] = 1;
	}
}

static void flow_account(struct pctx *p, uint32_t eni, bool egress, bool reject, int path,
			 const struct pkt_hdr *h)
{
	if (!p->mutate || p->g->enis[eni].n_flow_logs == 0)
		return;
	if (p->rec)
		rec_op(p, eni,
		       (uint8_t)((egress ? FC_OP_EGRESS : 0) | (reject ? FC_OP_REJECT : 0) |
				 rec_hdr_flag(p)),
		       path);
	flow_account_raw(p->st, p->g, eni, egress, reject, path, h, p->now_s);
}

/* ---- security groups and conntrack ------------------------------------------- */

static uint16_t sg_key(const struct pkt_hdr *h)
{
	if (h->proto == PKT_PROTO_TCP || h->proto == PKT_PROTO_UDP)
		return h->dport;
	if (h->proto == PKT_PROTO_ICMP)
		return sgcls_icmp_key(h->icmp_type, h->icmp_code);
	return 0;
}

static inline void ct_key_of(const struct eng_state *st, uint32_t eni, bool egress,
			     const struct pkt_hdr *h, struct ct_key *k)
{
	/* TCP, UDP and ICMP have ports (ICMP: the identifier); UDP is the highest. */
	bool ports = h->proto <= PKT_PROTO_UDP &&
		     ((((1u << PKT_PROTO_TCP) | (1u << PKT_PROTO_UDP) | (1u << PKT_PROTO_ICMP)) >>
		       h->proto) &
		      1);
	uint16_t lport = egress ? h->sport : h->dport, rport = egress ? h->dport : h->sport;

	*k = (struct ct_key){
	    .zone = st->zone_of_eni[eni],
	    .local_ip = egress ? h->src : h->dst,
	    .remote_ip = egress ? h->dst : h->src,
	    .local_port = ports ? lport : 0,
	    .remote_port = ports ? rport : 0,
	    .proto = h->proto,
	};
}

static void ct_key_for(struct pctx *p, uint32_t eni, bool egress, struct ct_key *k)
{
	ct_key_of(p->st, eni, egress, &p->h, k);
}

/* AWS untracked flows: TCP/UDP allowed by a 0.0.0.0/0 rule whose reply direction
 * allows all response traffic; never through a NAT gateway. */
static bool sg_untracked(const struct pctx *p, bool wild, const struct sgcls *other)
{
	return (p->h.proto == PKT_PROTO_TCP || p->h.proto == PKT_PROTO_UDP) && wild &&
	       !p->via_nat && sgcls_allows_all_response(other, p->h.proto);
}

static bool ct_key_same(const struct ct_key *a, const struct ct_key *b)
{
	return a->zone == b->zone && a->local_ip == b->local_ip && a->remote_ip == b->remote_ip &&
	       a->local_port == b->local_port && a->remote_port == b->remote_port &&
	       a->proto == b->proto;
}

/* Record an SG step (the rules' verdict is computed even when state passes it). */
static int rec_sg(struct pctx *p, uint32_t eni, bool egress, const struct ct_key *key,
		  bool allowed, bool wild, const struct sgcls *other)
{
	struct fc_rec *r = p->rec;
	uint8_t flags = (uint8_t)(FC_OP_SG | (egress ? FC_OP_EGRESS : 0) | rec_hdr_flag(p));

	if (allowed)
		flags |= FC_OP_ALLOW;
	if (!sg_untracked(p, wild, other))
		flags |= FC_OP_TRACK;
	if (r->n_sg >= FC_SG_MAX) {
		r->bad = true;
		return -1;
	}
	for (unsigned i = 0; i < r->n_sg; i++)
		if (ct_key_same(&r->sgkey[i], key))
			r->bad = true; /* the replay checks steps independently */
	r->sgkey[r->n_sg] = *key;
	r->hint[r->n_sg] = UINT32_MAX;
	rec_op(p, eni, flags, 0);
	return r->n_sg++;
}

/*
 * The security-group half of "ENI out" / "ENI in".  Returns 0 to continue, 1
 * when the packet was dropped and processing stops.
 */
static int sg_check(struct pctx *p, uint32_t eni, bool egress)
{
	const struct gen_eni *e = &p->g->enis[eni];
	const struct sgcls *cls = egress ? e->sg_out : e->sg_in;
	const struct sgcls *other = egress ? e->sg_in : e->sg_out;
	enum eng_dir dir = egress ? ENG_DIR_EGRESS : ENG_DIR_INGRESS;
	uint32_t remote = egress ? p->h.dst : p->h.src;
	struct ct_key key;
	struct ct_entry *ce;
	bool wild = false, allowed = false;
	int32_t rule_obj = -1, rule = -1;
	int ri = -1; /* recorded SG step */

	ct_key_for(p, eni, egress, &key);
	if (p->rec) {
		allowed = sgcls_match(cls, remote, p->h.proto, sg_key(&p->h), &wild);
		ri = rec_sg(p, eni, egress, &key, allowed, wild, other);
	}
	ce = ct_lookup(p->st->ct, &key, p->now_ms);
	if (ce) {
		int u = 0;

		if (ri >= 0)
			p->rec->hint[ri] = ct_entry_index(p->st->ct, ce);
		if (p->mutate)
			u = ct_update(p->st->ct, ce, egress ? CT_DIR_OUT : CT_DIR_IN,
				      p->h.tcp_flags, p->now_ms);
		/* After an RST only a new SYN reopens the entry: other packets face the rules. */
		if (u != -ECONNRESET) {
			p->st->stats.ct_hits++;
			trace_add(p, ENG_COMP_SG, dir, eni, false, true, ENG_EXPL_NONE, -1, -1,
				  NULL);
			return 0;
		}
	}
	if (!p->rec)
		allowed = sgcls_match(cls, remote, p->h.proto, sg_key(&p->h), &wild);
	if (p->tr) {
		uint32_t tag;

		if (allowed && sgcls_explain(cls, remote, p->h.proto, sg_key(&p->h), &tag) == 1) {
			rule_obj = (int32_t)gen_sg_tag_sg(tag);
			rule = (int32_t)gen_sg_tag_rule(tag);
		} else if (!allowed && e->n_sgs) {
			rule_obj = (int32_t)e->sgs[0];
		}
	}
	if (!allowed) {
		bool no_rules = true;

		for (size_t i = 0; i < e->n_sgs; i++) {
			const struct gen_sg *sg = &p->g->sgs[e->sgs[i]];

			if (egress ? sg->n_egress : sg->n_ingress)
				no_rules = false;
		}
		trace_add(p, ENG_COMP_SG, dir, eni, true, false,
			  no_rules ? ENG_EXPL_SG_HAS_NO_RULES : ENG_EXPL_ENI_SG_RULES_MISMATCH,
			  rule_obj, -1, NULL);
		/* Part of the recorded SG step (the replay logs it when the step blocks). */
		if (p->mutate)
			flow_account_raw(p->st, p->g, eni, egress, true, PATH_VPC, &p->h, p->now_s);
		if (p->rec)
			p->rec->sg_terminal = true;
		return block(p, egress ? ENG_DROP_SG_EGRESS : ENG_DROP_SG_INGRESS) ? 1 : 0;
	}
	trace_add(p, ENG_COMP_SG, dir, eni, false, false, ENG_EXPL_NONE, rule_obj, rule, NULL);
	if (sg_untracked(p, wild, other))
		return 0;
	if (p->mutate && !p->blocked) {
		int r = ct_insert_first(p->st->ct, &key, egress ? CT_DIR_OUT : CT_DIR_IN,
					&e->timeouts, p->h.tcp_flags, p->now_ms, p->ct_near1 - 1,
					&ce);

		if (r == -ENOSPC) {
			p->st->stats.ct_full++;
			if (p->rec)
				p->rec->bad = true;
			fail(p, ENG_DROP_CT_FULL);
			return 1;
		}
		if (r == 0) {
			p->ct_near1 = ct_entry_index(p->st->ct, ce) + 1;
			if (ri >= 0) {
				p->rec->hint[ri] = ct_entry_index(p->st->ct, ce);
				p->rec->created = true;
			}
		}
	}
	return 0;
}

/*
 * "ENI in": destination check, SG ingress, flow log; the instance receives the
 * packet.  owns_dst: the caller found eni as the owner of the destination
 * (the check then passes without a second lookup).
 */
static void eni_in(struct pctx *p, uint32_t eni, bool owns_dst)
{
	const struct gen_eni *e = &p->g->enis[eni];

	if (e->src_dst_check && !owns_dst && !gen_eni_owns(p->g, eni, p->h.dst)) {
		trace_add(p, ENG_COMP_ENI, ENG_DIR_INGRESS, eni, true, false,
			  ENG_EXPL_ENI_SOURCE_DEST_CHECK_RESTRICTION, -1, -1, NULL);
		flow_account(p, eni, false, true, 0, &p->h);
		if (block(p, ENG_DROP_SRC_DST_CHECK))
			return;
	}
	if (sg_check(p, eni, false))
		return;
	trace_add(p, ENG_COMP_ENI, ENG_DIR_INGRESS, eni, false, false, ENG_EXPL_NONE, -1, -1,
		  NULL);
	if (!p->blocked)
		flow_account(p, eni, false, false, 0, &p->h);
	finish(p, ENG_DELIVER, ENG_AT_ENI, eni);
}

/* ---- NACLs --------------------------------------------------------------------- */

/* Returns 0 to continue, 1 when the NACL dropped the packet and processing stops. */
static int nacl_check(struct pctx *p, uint32_t subnet, bool egress, uint32_t log_eni, int path)
{
	const struct gen_subnet *s = &p->g->subnets[subnet];
	const struct gen_nacl *n;
	int idx = -1;
	bool allow;
	int32_t rule = -1;

	if (s->nacl == GEN_NONE)
		return 0; /* imported data without ACLs: nothing to enforce */
	n = &p->g->nacls[s->nacl];
	allow = nacl_eval(egress ? n->out : n->in, egress ? p->h.dst : p->h.src, p->h.proto,
			  p->h.dport, p->h.icmp_type, p->h.icmp_code, &idx);
	if (idx >= 0)
		rule = (int32_t)nacl_rule_at(egress ? n->out : n->in, idx)->tag;
	trace_add(p, ENG_COMP_NACL, egress ? ENG_DIR_EGRESS : ENG_DIR_INGRESS, s->nacl, !allow,
		  false, allow ? ENG_EXPL_NONE : ENG_EXPL_SUBNET_ACL_RESTRICTION, (int32_t)subnet,
		  rule, NULL);
	if (allow)
		return 0;
	if (log_eni != GEN_NONE)
		flow_account(p, log_eni, egress, true, path, &p->h);
	return block(p, egress ? ENG_DROP_NACL_EGRESS : ENG_DROP_NACL_INGRESS) ? 1 : 0;
}

/* ---- forwarding ------------------------------------------------------------------ */

static void route_from_subnet(struct pctx *p, uint32_t subnet, uint32_t from_eni,
			      bool log_egress);
static void natgw_out(struct pctx *p, uint32_t nat, uint32_t from_subnet);
static void natgw_in(struct pctx *p, uint32_t nat);

/* Deliver to the owner of the destination address inside vpc. */
static void deliver_local(struct pctx *p, uint32_t vpc, uint32_t from_subnet)
{
	uint32_t d = gen_subnet_for_ip(p->g, vpc, p->h.dst);
	uint32_t owner;

	if (d == GEN_NONE) {
		trace_add(p, ENG_COMP_SUBNET, ENG_DIR_INGRESS, GEN_NONE, true, false,
			  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
		fail(p, ENG_DROP_NO_DESTINATION);
		return;
	}
	owner = gen_owner(p->g, vpc, p->h.dst);
	if (d != from_subnet && nacl_check(p, d, false, owner, 0))
		return;
	if (owner == GEN_NONE) {
		trace_add(p, ENG_COMP_SUBNET, ENG_DIR_INGRESS, d, true, false,
			  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
		fail(p, ENG_DROP_NO_DESTINATION);
		return;
	}
	if (p->g->enis[owner].nat != GEN_NONE) {
		natgw_in(p, p->g->enis[owner].nat);
		return;
	}
	eni_in(p, owner, true);
}

/* Traffic routed to an appliance ENI (a route target): it must accept foreign destinations. */
static void deliver_appliance(struct pctx *p, uint32_t eni, uint32_t from_subnet)
{
	const struct gen_eni *e = &p->g->enis[eni];

	if (e->nat != GEN_NONE) {
		natgw_out(p, e->nat, from_subnet);
		return;
	}
	if (e->subnet != from_subnet && e->subnet != GEN_NONE &&
	    nacl_check(p, e->subnet, false, eni, 0))
		return;
	eni_in(p, eni, false);
}

static void igw_egress(struct pctx *p, uint32_t igw, uint32_t vpc)
{
	const struct pkt_hdr in = p->h;
	uint32_t src_eni, pub;

	if (net_ip4_is_rfc1918(p->h.dst) || net_ip4_is_rfc6598(p->h.dst)) {
		p->h = in;
		trace_add(p, ENG_COMP_IGW, ENG_DIR_EGRESS, igw, true, false,
			  net_ip4_is_rfc1918(in.dst)
				  ? ENG_EXPL_IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS
				  : ENG_EXPL_IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS,
			  -1, -1, &in);
		fail(p, ENG_DROP_IGW_BAD_ADDRESS);
		return;
	}
	src_eni = gen_owner(p->g, vpc, p->h.src);
	pub = src_eni == GEN_NONE ? 0 : gen_public_of(p->g, src_eni, p->h.src);
	if (!pub && src_eni != GEN_NONE && p->g->enis[src_eni].nat != GEN_NONE)
		pub = p->g->nats[p->g->enis[src_eni].nat].public_ip;
	if (!pub) {
		trace_add(p, ENG_COMP_IGW, ENG_DIR_EGRESS, igw, true, false,
			  ENG_EXPL_IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS, -1, -1, &in);
		fail(p, ENG_DROP_IGW_NO_PUBLIC_IP);
		return;
	}
	p->h.src = pub; /* 1:1 NAT, private -> public */
	trace_add(p, ENG_COMP_IGW, ENG_DIR_EGRESS, igw, false, false, ENG_EXPL_NONE, -1, -1, &in);
	finish(p, ENG_TO_INTERNET, ENG_AT_IGW, igw);
}

static void vgw_egress(struct pctx *p, uint32_t vgw, uint32_t vpc)
{
	const struct gen_vgw *v = &p->g->vgws[vgw];
	uint32_t unused;

	if (gen_owner(p->g, vpc, p->h.src) == GEN_NONE) {
		trace_add(p, ENG_COMP_VGW, ENG_DIR_EGRESS, vgw, true, false,
			  ENG_EXPL_VGW_PRIVATE_IP_ASSOCIATION_FOR_EGRESS, -1, -1, NULL);
		fail(p, ENG_DROP_VGW_ADDRESS);
		return;
	}
	if (!v->known || lpm4_lookup(v->known, p->h.dst, &unused) != 1) {
		trace_add(p, ENG_COMP_VGW, ENG_DIR_EGRESS, vgw, true, false,
			  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
		fail(p, ENG_DROP_NO_DESTINATION);
		return;
	}
	trace_add(p, ENG_COMP_VGW, ENG_DIR_EGRESS, vgw, false, false, ENG_EXPL_NONE, -1, -1, NULL);
	finish(p, ENG_TO_VPN, ENG_AT_VGW, vgw);
}

static int route_path(const struct gen_route *r)
{
	switch (r->route.target_type) {
	case MODEL_TARGET_IGW:
		return PATH_IGW;
	case MODEL_TARGET_VGW:
		return PATH_VGW;
	default:
		return PATH_VPC;
	}
}

/*
 * Look up the destination in route table rtb and act on the winning route.
 * from_subnet is GEN_NONE for traffic entering from a gateway (edge table).
 */
static void apply_route_found(struct pctx *p, uint32_t rtb_idx, uint32_t vpc,
			      uint32_t from_subnet, bool found, uint32_t ri)
{
	const struct gen_rtb *t = &p->g->rtbs[rtb_idx];
	const struct gen_route *r;

	if (++p->hops > MAX_HOPS) {
		fail(p, ENG_DROP_LOOP);
		return;
	}
	if (!found) {
		trace_add(p, ENG_COMP_RTB, ENG_DIR_EGRESS, rtb_idx, true, false,
			  ENG_EXPL_NO_ROUTE_TO_DESTINATION, -1, -1, NULL);
		fail(p, ENG_DROP_NO_ROUTE);
		return;
	}
	r = &t->routes[ri];
	if (!r->active) {
		trace_add(p, ENG_COMP_RTB, ENG_DIR_EGRESS, rtb_idx, true, false,
			  ENG_EXPL_BAD_STATE_ROUTE, -1, (int32_t)ri, NULL);
		fail(p, ENG_DROP_BLACKHOLE);
		return;
	}
	trace_add(p, ENG_COMP_RTB, ENG_DIR_EGRESS, rtb_idx, false, false, ENG_EXPL_NONE, -1,
		  (int32_t)ri, NULL);
	switch (r->route.target_type) {
	case MODEL_TARGET_LOCAL:
		deliver_local(p, vpc, from_subnet);
		return;
	case MODEL_TARGET_IGW:
		if (from_subnet == GEN_NONE) {
			fail(p, ENG_DROP_NO_ROUTE); /* gateway tables never route back out */
			return;
		}
		if (p->from_outside || p->g->igws[r->target].vpc != vpc) {
			trace_add(p, ENG_COMP_IGW, ENG_DIR_EGRESS, r->target, true, false,
				  ENG_EXPL_BAD_STATE_ATTACHMENT, -1, -1, NULL);
			fail(p, ENG_DROP_BLACKHOLE);
			return;
		}
		igw_egress(p, r->target, vpc);
		return;
	case MODEL_TARGET_VGW:
		vgw_egress(p, r->target, vpc);
		return;
	case MODEL_TARGET_NAT:
		natgw_out(p, r->target, from_subnet);
		return;
	case MODEL_TARGET_ENI:
	case MODEL_TARGET_INSTANCE:
		if (r->target == GEN_NONE) {
			fail(p, ENG_DROP_BLACKHOLE);
			return;
		}
		deliver_appliance(p, r->target, from_subnet);
		return;
	default:
		/* Peering, transit gateway, endpoints: not modelled as forwarding yet. */
		trace_add(p, ENG_COMP_RTB, ENG_DIR_EGRESS, rtb_idx, true, false,
			  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, (int32_t)ri, NULL);
		fail(p, ENG_DROP_NO_DESTINATION);
		return;
	}
}

static void apply_route(struct pctx *p, uint32_t rtb_idx, uint32_t vpc, uint32_t from_subnet)
{
	uint32_t ri = 0;
	bool found = lpm4_lookup(p->g->rtbs[rtb_idx].lpm, p->h.dst, &ri) == 1;

	apply_route_found(p, rtb_idx, vpc, from_subnet, found, ri);
}

/* Winning route's traffic path for the flow-log record of the leaving ENI. */
static int lookup_path(struct pctx *p, uint32_t rtb_idx)
{
	uint32_t ri;

	if (rtb_idx == GEN_NONE || lpm4_lookup(p->g->rtbs[rtb_idx].lpm, p->h.dst, &ri) != 1)
		return PATH_VPC;
	return route_path(&p->g->rtbs[rtb_idx].routes[ri]);
}

/*
 * The packet leaves from_eni into subnet: L2 delivery inside the subnet,
 * else NACL egress and the subnet's route table.
 */
static void route_from_subnet(struct pctx *p, uint32_t subnet, uint32_t from_eni,
			      bool log_egress)
{
	const struct gen_subnet *s = &p->g->subnets[subnet];
	uint32_t log = log_egress ? from_eni : GEN_NONE;
	uint32_t ri = 0;
	bool found = false;
	int path;

	if (net_cidr4_contains(s->cidr, p->h.dst)) {
		/* Same subnet: layer 2, no route table, no NACL. */
		uint32_t owner = gen_owner(p->g, s->vpc, p->h.dst);

		if (log != GEN_NONE && !p->blocked)
			flow_account(p, log, true, false, PATH_VPC, &p->h);
		if (owner == GEN_NONE || owner == from_eni) {
			trace_add(p, ENG_COMP_SUBNET, ENG_DIR_INGRESS, subnet, true, false,
				  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
			fail(p, ENG_DROP_NO_DESTINATION);
			return;
		}
		if (p->g->enis[owner].nat != GEN_NONE) {
			natgw_in(p, p->g->enis[owner].nat);
			return;
		}
		eni_in(p, owner, true);
		return;
	}
	/* One route lookup for the flow-log path and the forwarding decision. */
	if (s->rtb != GEN_NONE)
		found = lpm4_lookup(p->g->rtbs[s->rtb].lpm, p->h.dst, &ri) == 1;
	path = found ? route_path(&p->g->rtbs[s->rtb].routes[ri]) : PATH_VPC;
	if (nacl_check(p, subnet, true, log, path))
		return;
	if (log != GEN_NONE && !p->blocked)
		flow_account(p, log, true, false, path, &p->h);
	if (s->rtb == GEN_NONE) {
		fail(p, ENG_DROP_NO_ROUTE);
		return;
	}
	apply_route_found(p, s->rtb, s->vpc, subnet, found, ri);
}

/* ---- NAT gateway ------------------------------------------------------------------ */

static void make_rst(struct pctx *p, const struct pkt_hdr *orig)
{
	struct pkt_hdr rst;

	memset(&rst, 0, sizeof(rst));
	rst.src = orig->dst;
	rst.dst = orig->src;
	rst.sport = orig->dport;
	rst.dport = orig->sport;
	rst.proto = PKT_PROTO_TCP;
	rst.tcp_flags = PKT_TCP_RST;
	rst.len = 40;
	rst.ttl = 64;
	p->res->verdict = ENG_REPLY_RST;
	p->res->drop = ENG_DROP_NAT_NO_MAPPING;
	p->res->out = rst;
	p->blocked = true;
}

static void natgw_out(struct pctx *p, uint32_t nat_idx, uint32_t from_subnet)
{
	const struct gen_nat *n = &p->g->nats[nat_idx];
	const struct pkt_hdr in = p->h;
	struct nat_flow f;
	uint16_t port;
	int r;

	if (p->rec)
		p->rec->bad = true; /* NAT gateway state (ports, idle timers) is per packet */
	if (!n->available || n->eni == GEN_NONE) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false, ENG_EXPL_BAD_STATE,
			  -1, -1, NULL);
		fail(p, ENG_DROP_BLACKHOLE);
		return;
	}
	if (p->from_outside || gen_owner(p->g, n->vpc, p->h.src) == GEN_NONE) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
			  ENG_EXPL_NGW_REQUIRES_SOURCE_IN_VPC, -1, -1, NULL);
		fail(p, ENG_DROP_NAT_SOURCE);
		return;
	}
	if (n->subnet != from_subnet && n->subnet != GEN_NONE &&
	    nacl_check(p, n->subnet, false, n->eni, 0))
		return;
	flow_account(p, n->eni, false, false, 0, &p->h);
	if (p->h.proto != PKT_PROTO_TCP && p->h.proto != PKT_PROTO_UDP &&
	    p->h.proto != PKT_PROTO_ICMP) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
			  ENG_EXPL_PROTOCOL_RESTRICTION, -1, -1, NULL);
		fail(p, ENG_DROP_NAT_PROTOCOL);
		return;
	}
	if (p->h.frag && p->h.proto != PKT_PROTO_UDP) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
			  ENG_EXPL_PROTOCOL_RESTRICTION, -1, -1, NULL);
		fail(p, ENG_DROP_NAT_FRAGMENT);
		return;
	}
	memset(&f, 0, sizeof(f));
	f.nat_ip = n->private_ip;
	f.in_ip = p->h.src;
	f.in_port = p->h.sport;
	f.dst_ip = p->h.dst;
	f.dst_port = p->h.proto == PKT_PROTO_ICMP ? p->h.sport : p->h.dport;
	f.proto = p->h.proto;
	if (p->mutate && !p->blocked) {
		r = nat_outbound(p->st->nat, &f, p->h.tcp_flags, p->now_ms, &port);
	} else {
		/* Analysis: show a representative translated port without allocating one. */
		port = p->h.sport >= NAT_PORT_MIN ? p->h.sport : NAT_PORT_MIN;
		r = 0;
	}
	if (r == -ETIMEDOUT) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
			  ENG_EXPL_BAD_STATE, -1, -1, NULL);
		make_rst(p, &in);
		return;
	}
	if (r < 0) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
			  ENG_EXPL_REMAP_EPHEMERAL_PORT, -1, -1, NULL);
		fail(p, r == -EPROTONOSUPPORT ? ENG_DROP_NAT_PROTOCOL : ENG_DROP_NAT_PORTS);
		return;
	}
	p->h.src = n->private_ip;
	p->h.sport = port;
	if (p->h.proto == PKT_PROTO_ICMP)
		p->h.dport = port; /* the echo identifier is the "port" */
	p->via_nat = true;
	trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, false, false,
		  ENG_EXPL_NGW_SOURCE_ADDRESS_REASSIGN, -1, -1, &in);
	if (n->subnet == GEN_NONE) {
		fail(p, ENG_DROP_NO_ROUTE);
		return;
	}
	/* Private NAT gateways never reach the internet through an IGW. */
	if (!n->public_ip) {
		uint32_t rtb = p->g->subnets[n->subnet].rtb;

		if (lookup_path(p, rtb) == PATH_IGW) {
			trace_add(p, ENG_COMP_NAT, ENG_DIR_EGRESS, nat_idx, true, false,
				  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
			fail(p, ENG_DROP_NO_ROUTE);
			return;
		}
	}
	route_from_subnet(p, n->subnet, n->eni, true);
}

static void natgw_in(struct pctx *p, uint32_t nat_idx)
{
	const struct gen_nat *n = &p->g->nats[nat_idx];
	const struct pkt_hdr in = p->h;
	uint32_t in_ip;
	uint16_t in_port;
	/* TCP/UDP: the external port is the destination port; ICMP: the echo id (both ports). */
	uint16_t ext = p->h.dport;
	uint16_t remote_port = p->h.proto == PKT_PROTO_ICMP ? ext : p->h.sport;
	int r = -ENOENT;

	if (p->rec)
		p->rec->bad = true;
	flow_account(p, n->eni, false, false, 0, &p->h);
	if (p->mutate)
		r = nat_inbound(p->st->nat, n->private_ip, ext, p->h.src, remote_port, p->h.proto,
				p->now_ms, &in_ip, &in_port);
	if (r < 0) {
		trace_add(p, ENG_COMP_NAT, ENG_DIR_INGRESS, nat_idx, true, false,
			  ENG_EXPL_NO_POSSIBLE_DESTINATION, -1, -1, NULL);
		fail(p, ENG_DROP_NAT_NO_MAPPING);
		return;
	}
	p->h.dst = in_ip;
	p->h.dport = in_port;
	if (p->h.proto == PKT_PROTO_ICMP)
		p->h.sport = in_port;
	p->via_nat = true;
	trace_add(p, ENG_COMP_NAT, ENG_DIR_INGRESS, nat_idx, false, false, ENG_EXPL_NONE, -1, -1,
		  &in);
	if (n->subnet == GEN_NONE) {
		fail(p, ENG_DROP_NO_ROUTE);
		return;
	}
	p->from_outside = false; /* the NAT gateway forwards from inside the VPC */
	route_from_subnet(p, n->subnet, n->eni, true);
}

/* ---- entry points ------------------------------------------------------------------- */

static bool is_service(const struct eng_gen *g, const struct gen_eni *e, uint32_t dst)
{
	return dst == SERVICE_IMDS || dst == SERVICE_DNS || dst == SERVICE_TIME || dst == SERVICE_EC2 ||
	       dst == g->vpcs[e->vpc].dns_ip;
}

static void from_eni(struct pctx *p, uint32_t eni)
{
	const struct gen_eni *e = &p->g->enis[eni];

	trace_add(p, ENG_COMP_ENI, ENG_DIR_EGRESS, eni, false, false, ENG_EXPL_NONE, -1, -1, NULL);
	if (is_service(p->g, e, p->h.dst)) {
		finish(p, ENG_TO_SERVICE, ENG_AT_ENI, eni);
		return;
	}
	if (e->src_dst_check && !gen_eni_owns(p->g, eni, p->h.src)) {
		if (p->tr && p->tr->n > 0) {
			p->tr->steps[p->tr->n - 1].blocked = true;
			p->tr->steps[p->tr->n - 1].explanation =
				ENG_EXPL_ENI_SOURCE_DEST_CHECK_RESTRICTION;
		}
		flow_account(p, eni, true, true, PATH_VPC, &p->h);
		if (block(p, ENG_DROP_SRC_DST_CHECK))
			return;
	}
	if (sg_check(p, eni, true))
		return;
	if (e->subnet == GEN_NONE) {
		fail(p, ENG_DROP_NO_ROUTE);
		return;
	}
	route_from_subnet(p, e->subnet, eni, true);
}

static void from_igw(struct pctx *p, uint32_t igw)
{
	const struct gen_igw *ig = &p->g->igws[igw];
	const struct pkt_hdr in = p->h;
	uint32_t eni, priv;

	p->from_outside = true;
	if (ig->vpc == GEN_NONE) {
		trace_add(p, ENG_COMP_IGW, ENG_DIR_INGRESS, igw, true, false,
			  ENG_EXPL_BAD_STATE_ATTACHMENT, -1, -1, NULL);
		fail(p, ENG_DROP_IGW_BAD_ADDRESS);
		return;
	}
	if (net_ip4_is_rfc1918(p->h.src) || net_ip4_is_rfc6598(p->h.src)) {
		trace_add(p, ENG_COMP_IGW, ENG_DIR_INGRESS, igw, true, false,
			  net_ip4_is_rfc1918(p->h.src)
				  ? ENG_EXPL_IGW_SOURCE_ADDRESS_NOT_IN_RFC1918_INGRESS
				  : ENG_EXPL_IGW_SOURCE_ADDRESS_NOT_IN_RFC6598_INGRESS,
			  -1, -1, NULL);
		fail(p, ENG_DROP_IGW_BAD_ADDRESS);
		return;
	}
	if (gen_public_lookup(p->g, p->h.dst, &eni, &priv) != 1 ||
	    p->g->enis[eni].vpc != ig->vpc) {
		/* A NAT gateway's EIP is also a public address of its ENI. */
		bool found = false;

		for (size_t i = 0; i < p->g->n_nats && !found; i++) {
			const struct gen_nat *n = &p->g->nats[i];

			if (n->public_ip == p->h.dst && n->vpc == ig->vpc && n->eni != GEN_NONE) {
				eni = n->eni;
				priv = n->private_ip;
				found = true;
			}
		}
		if (!found) {
			trace_add(p, ENG_COMP_IGW, ENG_DIR_INGRESS, igw, true, false,
				  ENG_EXPL_IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, -1, -1, NULL);
			fail(p, ENG_DROP_IGW_NO_PUBLIC_IP);
			return;
		}
	}
	p->h.dst = priv; /* 1:1 NAT, public -> private */
	trace_add(p, ENG_COMP_IGW, ENG_DIR_INGRESS, igw, false, false, ENG_EXPL_NONE, -1, -1, &in);
	if (ig->edge_rtb != GEN_NONE)
		apply_route(p, ig->edge_rtb, ig->vpc, GEN_NONE);
	else
		deliver_local(p, ig->vpc, GEN_NONE);
}

static void from_vgw(struct pctx *p, uint32_t vgw)
{
	const struct gen_vgw *v = &p->g->vgws[vgw];

	p->from_outside = true;
	if (v->vpc == GEN_NONE) {
		trace_add(p, ENG_COMP_VGW, ENG_DIR_INGRESS, vgw, true, false,
			  ENG_EXPL_BAD_STATE_ATTACHMENT, -1, -1, NULL);
		fail(p, ENG_DROP_VGW_ADDRESS);
		return;
	}
	if (gen_owner(p->g, v->vpc, p->h.dst) == GEN_NONE) {
		trace_add(p, ENG_COMP_VGW, ENG_DIR_INGRESS, vgw, true, false,
			  ENG_EXPL_VGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, -1, -1, NULL);
		fail(p, ENG_DROP_VGW_ADDRESS);
		return;
	}
	trace_add(p, ENG_COMP_VGW, ENG_DIR_INGRESS, vgw, false, false, ENG_EXPL_NONE, -1, -1, NULL);
	if (v->edge_rtb != GEN_NONE)
		apply_route(p, v->edge_rtb, v->vpc, GEN_NONE);
	else
		deliver_local(p, v->vpc, GEN_NONE);
}

/* ---- flow cache ---------------------------------------------------------------------- */

static void fc_key_of(struct fc_key *k, const struct pkt_hdr *h, struct eng_where from)
{
	k->src = h->src;
	k->dst = h->dst;
	k->sport = h->sport;
	k->dport = h->dport;
	k->proto = h->proto;
	k->icmp_type = h->icmp_type;
	k->icmp_code = h->icmp_code;
	k->point = (uint8_t)from.point;
	k->idx = from.idx;
}

/*
 * Source-port wildcard entries (OVS's megaflows, for one field).  Nothing on
 * a cacheable path decides on the source port of TCP or UDP (security-group
 * rules, NACL rules and routes look at the destination port; the source
 * port only enters the conntrack keys and the flow-log keys, which the
 * replay builds from the packet itself), so the entry recorded for one
 * source port gives the result of the same (ingress, addresses, destination
 * port) with any other.  A wildcard entry is kept next to the exact ones
 * under the key with sport 0 and FC_POINT_WILD; a packet whose exact entry
 * is absent replays it, which makes the first packet of a connection cost a
 * replay with two conntrack inserts instead of the slow path.  Not used when
 * sport == dport: the slow path refuses (fc_rec.bad) a path whose two SG
 * steps share a conntrack key, which for opposite directions can only
 * happen then.
 */
#define FC_POINT_WILD 0x80

static bool fc_wild_ok(const struct pkt_hdr *h)
{
	return (h->proto == PKT_PROTO_TCP || h->proto == PKT_PROTO_UDP) && h->sport != h->dport;
}

static void fc_wild_key(struct fc_key *w, const struct fc_key *k)
{
	*w = *k;
	w->sport = 0;
	w->point |= FC_POINT_WILD;
}

/* The result of a replay stopped by a drop (as the slow path's: nowhere, header unchanged). */
static void replay_drop(struct eng_result *res, const struct pkt_hdr *pkt, enum eng_drop drop)
{
	res->verdict = ENG_DROP;
	res->drop = drop;
	res->to.point = (enum eng_point)0;
	res->to.idx = 0;
	res->out = *pkt;
}

/*
 * Run a packet on a cache entry: the recorded result, with every stateful
 * step re-run exactly as the slow path runs it (sg_check(), flow_account()).
 * Returns 1, having changed nothing, when the entry cannot answer (its path
 * ended at an SG block that connection tracking would now pass: the
 * continuation was never recorded); the caller then takes the slow path.
 * *created tells whether a conntrack entry was inserted (a new flow).
 */
static int replay(struct eng_state *st, const struct eng_gen *g, struct fc_entry *e,
		  const struct pkt_hdr *pkt, uint64_t now_ms, struct eng_result *res, bool *created)
{
	struct pkt_hdr fin = *pkt;
	int64_t now_s = (int64_t)(now_ms / 1000);
	unsigned sg = 0, i;
	int r_first = 0;
	uint32_t near = UINT32_MAX; /* the entry this packet inserted (its partner's place) */

	*created = false;
	fin.src = e->out_src;
	fin.dst = e->out_dst;
	if (e->flags & FC_E_SG_TERMINAL) {
		const struct fc_op *op = &e->ops[e->n_ops - 1];
		struct ct_key key;

		ct_key_of(st, op->eni, op->flags & FC_OP_EGRESS,
			  (op->flags & FC_OP_FINAL) ? &fin : pkt, &key);
		if (ct_would_pass(st->ct, &key, pkt->tcp_flags, now_ms))
			return 1;
	}
	i = 0;
	/*
	 * The common entry, two SG steps on the header as it entered, with a
	 * conntrack entry known (not a wildcard entry's new flow): refresh both
	 * without decoding the program; the first step not passed by state
	 * continues in the generic loop with that refresh's result.
	 */
	if (e->n_ops == 2 && e->hint[0] != UINT32_MAX &&
	    !((e->ops[0].flags | e->ops[1].flags) & FC_OP_FINAL) &&
	    (e->ops[0].flags & e->ops[1].flags & FC_OP_SG)) {
		for (; i < 2; i++) {
			bool egress = e->ops[i].flags & FC_OP_EGRESS;
			struct ct_key key;

			ct_key_of(st, e->ops[i].eni, egress, pkt, &key);
			r_first = ct_refresh(st->ct, &key, &e->hint[i],
					     egress ? CT_DIR_OUT : CT_DIR_IN, pkt->tcp_flags, now_ms);
			if (r_first != 0)
				break;
			st->stats.ct_hits++;
		}
		sg = i;
	}
	for (; i < e->n_ops; i++) {
		const struct fc_op *op = &e->ops[i];
		const struct pkt_hdr *h = (op->flags & FC_OP_FINAL) ? &fin : pkt;
		bool egress = op->flags & FC_OP_EGRESS;
		enum ct_dir dir = egress ? CT_DIR_OUT : CT_DIR_IN;
		struct ct_key key;
		struct ct_entry *ce;
		int r;

		if (!(op->flags & FC_OP_SG)) {
			flow_account_raw(st, g, op->eni, egress, op->flags & FC_OP_REJECT, op->path,
					 h, now_s);
			continue;
		}
		ct_key_of(st, op->eni, egress, h, &key);
		if (r_first != 0) {
			r = r_first; /* refreshed by the two-step path above */
			r_first = 0;
		} else if (e->hint[sg] == UINT32_MAX &&
			   (op->flags & (FC_OP_ALLOW | FC_OP_TRACK)) == (FC_OP_ALLOW | FC_OP_TRACK)) {
			/*
			 * No hint (a wildcard entry's new flow), allowed and tracked: the
			 * lookup and, when absent, the insert with this first packet in
			 * one call, as the lookup, insert and update below would do them.
			 */
			bool inserted;

			r = ct_lookup_insert(st->ct, &key, dir, &g->enis[op->eni].timeouts,
					     pkt->tcp_flags, now_ms, near, &ce, &inserted);
			if (r == -ENOSPC) {
				st->stats.ct_full++;
				replay_drop(res, pkt, ENG_DROP_CT_FULL);
				return 0;
			}
			e->hint[sg] = ct_entry_index(st->ct, ce);
			if (inserted) {
				near = e->hint[sg];
				*created = true;
			} else if (ct_update(st->ct, ce, dir, pkt->tcp_flags, now_ms) == 0) {
				st->stats.ct_hits++;
			}
			/* (Refused by a closed entry: the insert would find it live, -EEXIST.) */
			sg++;
			continue;
		} else if (e->hint[sg] == UINT32_MAX) {
			/* No hint (a wildcard entry's new flow): ct_refresh()'s own fallback. */
			ce = ct_lookup(st->ct, &key, now_ms);
			if (ce) {
				e->hint[sg] = ct_entry_index(st->ct, ce);
				r = ct_update(st->ct, ce, dir, pkt->tcp_flags, now_ms);
			} else {
				r = -ENOENT;
			}
		} else {
			r = ct_refresh(st->ct, &key, &e->hint[sg], dir, pkt->tcp_flags, now_ms);
		}
		if (r == 0) {
			st->stats.ct_hits++;
			sg++;
			continue;
		}
		if (!(op->flags & FC_OP_ALLOW)) {
			flow_account_raw(st, g, op->eni, egress, true, PATH_VPC, h, now_s);
			replay_drop(res, pkt, egress ? ENG_DROP_SG_EGRESS : ENG_DROP_SG_INGRESS);
			return 0;
		}
		if (op->flags & FC_OP_TRACK) {
			r = ct_insert_first(st->ct, &key, dir, &g->enis[op->eni].timeouts,
					    pkt->tcp_flags, now_ms, near, &ce);
			if (r == -ENOSPC) {
				st->stats.ct_full++;
				replay_drop(res, pkt, ENG_DROP_CT_FULL);
				return 0;
			}
			if (r == 0) {
				e->hint[sg] = near = ct_entry_index(st->ct, ce);
				*created = true;
			}
		}
		sg++;
	}
	res->verdict = (enum eng_verdict)e->verdict;
	res->drop = (enum eng_drop)e->drop;
	res->to.point = (enum eng_point)e->to_point;
	res->to.idx = e->to_idx;
	res->out = res->verdict != ENG_DROP ? fin : *pkt;
	return 0;
}

/*
 * replay() on the table's entry h (a copy; the hints it finds or moves are
 * written back).  The steps may move h's hints: a lease on them ends first
 * (ct.h, "Leases").
 */
static int fc_replay(struct eng_state *st, const struct eng_gen *g, struct fc_hot *h,
		     const struct pkt_hdr *pkt, uint64_t now_ms, struct eng_result *res,
		     bool *created)
{
	struct fc_cold *cold = fcache_cold(h);
	struct fc_entry e;
	int r;

	if (h->flags & FC_E_LEASED)
		ct_lease_end(st->ct, fcache_index(st->fc, h));
	fcache_load(h, &e);
	r = replay(st, g, &e, pkt, now_ms, res, created);
	memcpy(cold->hint, e.hint, sizeof(cold->hint));
	fcache_pf_from_cold(h);
	return r;
}

/*
 * Copy an entry's program and result (not its key) into k's slot, when the
 * table can keep it.  Whether its result is plain (FC_E_PLAIN) is decided
 * here; a filled entry holds no lease.
 */
static void fc_put(struct eng_state *st, const struct fc_key *k, const struct fc_entry *src)
{
	struct fc_entry x = *src;
	struct fc_hot *h;

	if (!fcache_fits(k, src))
		return;
	h = fcache_slot(st->fc, k);
	if (h->flags & FC_E_LEASED) /* refilled: its lease ends (its last packet folded in) */
		ct_lease_end(st->ct, fcache_index(st->fc, h));
	x.flags &= (uint8_t) ~(FC_E_LEASED | FC_E_PLAIN);
	if (x.verdict == ENG_DELIVER && x.drop == ENG_DROP_NONE && x.to_point == ENG_AT_ENI &&
	    x.out_src == k->src && x.out_dst == k->dst)
		x.flags |= FC_E_PLAIN;
	fcache_fill(st->fc, h, k, &x);
}

/* Keep what the slow path decided, when the replay would reproduce it exactly. */
static void fc_store(struct eng_state *st, const struct fc_key *k, const struct fc_rec *rec,
		     const struct pctx *p, const struct eng_result *res)
{
	const struct pkt_hdr *in = p->in0;
	struct pkt_hdr fin = *in;
	struct fc_entry e;

	if (rec->bad || res->verdict == ENG_REPLY_RST || res->to.idx > UINT16_MAX)
		return;
	/* Only the addresses may have been rewritten (IGW 1:1 NAT), once. */
	if (p->h.sport != in->sport || p->h.dport != in->dport || p->h.proto != in->proto ||
	    p->h.icmp_type != in->icmp_type || p->h.icmp_code != in->icmp_code ||
	    p->h.tcp_flags != in->tcp_flags || p->h.len != in->len || p->h.ttl != in->ttl ||
	    p->h.frag != in->frag)
		return;
	if (rec->has_final && (rec->final_src != p->h.src || rec->final_dst != p->h.dst))
		return;
	fin.src = p->h.src;
	fin.dst = p->h.dst;
	if (memcmp(&res->out, res->verdict == ENG_DROP ? in : &fin, sizeof(fin)) != 0)
		return;
	if (rec->sg_terminal &&
	    (rec->n_ops == 0 || !(rec->ops[rec->n_ops - 1].flags & FC_OP_SG)))
		return;
	memset(&e, 0, sizeof(e));
	e.out_src = p->h.src;
	e.out_dst = p->h.dst;
	e.verdict = (uint8_t)res->verdict;
	e.drop = (uint8_t)res->drop;
	e.to_point = (uint8_t)res->to.point;
	e.to_idx = (uint16_t)res->to.idx;
	e.n_ops = rec->n_ops;
	e.n_sg = rec->n_sg;
	e.flags = rec->sg_terminal ? FC_E_SG_TERMINAL : 0;
	if (!rec->sg_terminal && in->proto == PKT_PROTO_TCP && rec->n_ops == 2 &&
	    rec->ops[0].flags & rec->ops[1].flags & FC_OP_SG &&
	    (rec->ops[0].flags & FC_OP_EGRESS) && !(rec->ops[1].flags & FC_OP_EGRESS) &&
	    !((rec->ops[0].flags | rec->ops[1].flags) & FC_OP_FINAL))
		e.flags |= FC_E_TCP_PAIR;
	memcpy(e.ops, rec->ops, sizeof(e.ops));
	memcpy(e.hint, rec->hint, sizeof(e.hint));
	/*
	 * The wildcard entry serves the next connections between the same
	 * endpoints: kept when this packet opened one (a reply or a later packet
	 * would only fill the cache with one wildcard entry per reply port and
	 * evict exact entries).
	 */
	if (rec->created && fc_wild_ok(in)) {
		struct fc_key wk;

		fc_wild_key(&wk, k);
		fc_put(st, &wk, &e);
	}
	/*
	 * Insertion policy: a packet that opened a connection is not kept (most
	 * new flows are short, and writing a random cache line costs a miss per
	 * new flow); the flow's next packet, which finds its conntrack entries,
	 * is.  Like OVS's EMC insertion probability, this only trades a second
	 * slow-path packet per flow for cheaper first packets.
	 */
	if (!rec->created)
		fc_put(st, k, &e);
}

/* The pipeline itself, recording for the flow cache when fk is not NULL. */
static __attribute__((noinline)) void slow_path(struct eng_state *st, const struct eng_gen *gen,
						const struct pkt_hdr *pkt, struct eng_where from,
						uint64_t now_ms, struct eng_trace *trace,
						const struct fc_key *fk, struct eng_result *res)
{
	struct pctx p;
	struct fc_rec rec;

	memset(res, 0, sizeof(*res));
	res->verdict = ENG_DROP;
	res->out = *pkt;
	memset(&p, 0, sizeof(p));
	p.st = st;
	p.g = gen;
	p.now_ms = now_ms;
	p.now_s = (int64_t)(now_ms / 1000);
	p.tr = trace;
	p.cont = trace && trace->continue_past_block;
	p.mutate = !p.cont;
	p.h = *pkt;
	p.res = res;
	p.in0 = pkt;
	if (fk) {
		memset(&rec, 0, sizeof(rec));
		p.rec = &rec;
	}
	switch (from.point) {
	case ENG_AT_ENI:
		from_eni(&p, from.idx);
		break;
	case ENG_AT_IGW:
		from_igw(&p, from.idx);
		break;
	case ENG_AT_VGW:
		from_vgw(&p, from.idx);
		break;
	}
	if (fk)
		fc_store(st, fk, &rec, &p, res);
}

/*
 * No exact entry: the source-port wildcard entry, if any, answers (see
 * fc_wild_key()).  0 when it did (*res written), else 1.
 */
static __attribute__((noinline)) int wild_replay(struct eng_state *st, const struct eng_gen *gen,
						 const struct pkt_hdr *pkt, const struct fc_key *fk,
						 uint64_t now_ms, struct eng_result *res)
{
	struct fc_key wk;
	struct fc_entry w;
	struct fc_hot *e;
	bool created;

	fc_wild_key(&wk, fk);
	e = fcache_lookup(st->fc, &wk);
	if (!e)
		return 1;
	/* Its hints belong to other flows: look the entries up. */
	fcache_load(e, &w);
	w.hint[0] = w.hint[1] = UINT32_MAX;
	if (replay(st, gen, &w, pkt, now_ms, res, &created) != 0)
		return 1;
	/* As fc_store(): the flow's exact entry once it exists. */
	if (!created)
		fc_put(st, fk, &w);
	return 0;
}

/*
 * eng_process() but for the fast path below; set, when not NULL, is the
 * packet's primary flow-cache set (fcache_set_words()); e is its entry when
 * looked is true (the fast path looked it up and could not use it).
 */
static __attribute__((noinline)) int
process_general(struct eng_state *st, const struct eng_gen *gen, const struct pkt_hdr *pkt,
		struct eng_where from, uint64_t now_ms, struct eng_trace *trace,
		struct eng_result *ret, struct fc_set *set, struct fc_hot *e, bool looked)
{
	struct eng_result res;
	struct fc_key fk;
	bool use_fc;
	size_t limit;

	if (looked)
		goto checked; /* by process_pkt(): valid, adopted, cached, untraced */
	switch (from.point) {
	case ENG_AT_ENI:
		limit = gen->n_enis;
		break;
	case ENG_AT_IGW:
		limit = gen->n_igws;
		break;
	case ENG_AT_VGW:
		limit = gen->n_vgws;
		break;
	default:
		return -EINVAL;
	}
	if (from.idx >= limit)
		return -EINVAL;
	if (unlikely(gen != st->adopted_for || gen->serial != st->adopted_serial)) {
		int r = state_adopt(st, gen);

		if (r < 0)
			return r;
	}
checked:
	st->stats.packets++;
	if (st->flow_interval_start == 0)
		st->flow_interval_start = (int64_t)(now_ms / 1000); /* starts with the first packet */
	/* Traced packets (analyses, debugging) always take the slow path. */
	use_fc = st->fc && !trace;
	if (use_fc) {
		bool created;

		fc_key_of(&fk, pkt, from);
		if (!looked)
			e = set ? fcache_lookup_set(st->fc, set, &fk) : fcache_lookup(st->fc, &fk);
		if (e && fc_replay(st, gen, e, pkt, now_ms, &res, &created) == 0) {
			st->stats.flow_cache_hits++;
			goto done;
		}
		if (!e && fc_wild_ok(pkt) && wild_replay(st, gen, pkt, &fk, now_ms, &res) == 0) {
			st->stats.flow_cache_hits++;
			goto done;
		}
	}
	slow_path(st, gen, pkt, from, now_ms, trace, use_fc ? &fk : NULL, &res);
done:
	if (res.verdict == ENG_DROP || res.verdict == ENG_REPLY_RST) {
		st->stats.dropped++;
		st->stats.drops[res.drop]++;
	} else {
		st->stats.delivered++;
	}
	*ret = res;
	return 0;
}

_Static_assert(offsetof(struct pkt_hdr, src) == offsetof(struct fc_key, src) &&
		   offsetof(struct pkt_hdr, dst) == offsetof(struct fc_key, dst) &&
		   offsetof(struct pkt_hdr, sport) == offsetof(struct fc_key, sport) &&
		   offsetof(struct pkt_hdr, dport) == offsetof(struct fc_key, dport) &&
		   offsetof(struct pkt_hdr, proto) == offsetof(struct fc_key, proto) &&
		   offsetof(struct pkt_hdr, icmp_type) == offsetof(struct fc_key, icmp_type) &&
		   offsetof(struct pkt_hdr, icmp_code) == offsetof(struct fc_key, icmp_code) &&
		   offsetof(struct fc_key, point) == 15 && offsetof(struct fc_key, sport) == 8,
	       "the header's first 15 bytes are the flow-cache key's");

/* fc_key_of(pkt, from)'s first two words (fcache_set_words()); its third is from.idx. */
static inline uint64_t fc_key_words(const struct pkt_hdr *pkt, struct eng_where from,
				    uint64_t *ret_b)
{
	uint64_t a;
	uint8_t kb[8];

	memcpy(&a, &pkt->src, 8);
	memcpy(kb, &pkt->sport, 8);
	kb[7] = (uint8_t)from.point; /* fc_key.point where the header has tcp_flags */
	memcpy(ret_b, kb, 8);
	return a;
}

/*
 * A first packet from an ENI without an exact entry whose source-port
 * wildcard entry is an allowed, tracked TCP pair (FC_E_TCP_PAIR, both steps
 * FC_OP_ALLOW | FC_OP_TRACK): wild_replay() and fc_replay() for that shape,
 * without their copies and program decoding.  (a, b) are the packet's exact
 * key words (fc_key_words()); in a burst nf is the packet's slot, written by
 * stage B, whose wildcard word replaces b (else NULL).  Each step is
 * ct_lookup_insert(): a new
 * connection inserts both entries, the second next to the first; a step
 * that finds its entry runs the state machine as the replay does.  0 with
 * *ret written and the statistics process_general() keeps, or 1 having
 * changed nothing (any other entry, or none: the general path runs).
 */
static inline uint64_t fc_wild_word(uint64_t b)
{
	uint8_t kb[8];
	uint64_t wb;

	memcpy(kb, &b, 8);
	kb[0] = kb[1] = 0; /* fc_wild_key(): sport 0, FC_POINT_WILD */
	kb[7] |= FC_POINT_WILD;
	memcpy(&wb, kb, 8);
	return wb;
}

static inline struct eng_nf_hint *nf_slot(struct eng_state *st, const struct pkt_hdr *pkt)
{
	/* Headers are 20 bytes apart: >> 2 steps by 5, odd, so 16 in a row never collide. */
	return &st->nf[((uintptr_t)pkt >> 2) & (ENG_NF_RING - 1)];
}

/* The owner memo's slot for (VPC, address). */
static inline struct eng_owner_memo *owner_memo_slot(struct eng_state *st, uint32_t vpc,
						     uint32_t ip)
{
	return &st->owner_memo[(uint32_t)((ip ^ (uint64_t)vpc << 32) * 0x9e3779b97f4a7c15ULL >> 56) &
			       (ENG_OWNER_MEMO - 1)];
}

/*
 * The result an entry h records for pkt (one of its packets), as replay()
 * writes it, with the statistics process_general() keeps: a plain entry's
 * from its hot half alone.
 */
static inline __attribute__((always_inline)) void fc_result(struct eng_state *st,
							    const struct pkt_hdr *pkt,
							    const struct fc_hot *h,
							    struct eng_result *ret)
{
	const struct fc_cold *cold;

	ret->out = *pkt;
	if (likely(h->flags & FC_E_PLAIN)) {
		ret->verdict = ENG_DELIVER;
		ret->drop = ENG_DROP_NONE;
		ret->to.point = ENG_AT_ENI;
		ret->to.idx = h->to_idx;
		st->stats.delivered++;
		return;
	}
	cold = fcache_cold(h);
	ret->verdict = (enum eng_verdict)cold->verdict;
	ret->drop = (enum eng_drop)cold->drop;
	ret->to.point = (enum eng_point)cold->to_point;
	ret->to.idx = h->to_idx;
	if (cold->verdict != ENG_DROP) {
		if (h->flags & FC_E_OUT_SRC)
			ret->out.src = cold->out_addr;
		if (h->flags & FC_E_OUT_DST)
			ret->out.dst = cold->out_addr;
		st->stats.delivered++;
	} else {
		st->stats.dropped++;
		st->stats.drops[cold->drop]++;
	}
}

/*
 * new_tcp_pair_in() past the pair insert's usual answer (r, from
 * ct_lookup_insert_tcp_pair_in(), is not 1): a conntrack limit, or a first
 * key found (then each step one at a time, as the replay), out of line.
 */
struct new_pair {
	const struct fc_hot *w; /* the wildcard entry */
	struct ct_tcp_pair_new np;
	struct ct_entry *ce[2];
	bool inserted[2];
	unsigned done;
	int r;
};

static __attribute__((noinline)) int new_tcp_pair_rest(struct eng_state *st,
						       const struct pkt_hdr *pkt,
						       struct eng_where from, uint64_t now_ms,
						       struct eng_result *ret, struct new_pair *q)
{
	const struct ct_tcp_pair_new *np = &q->np;
	const struct fc_hot *w = q->w;
	struct ct_entry **ce = q->ce;
	bool *inserted = q->inserted;
	uint32_t hint[2], near = UINT32_MAX;
	bool created = false;
	int r = q->r;

	if (r < 0)
		goto full;
	for (unsigned i = 0; i < 2; i++) {
		enum ct_dir dir = i == 0 ? CT_DIR_OUT : CT_DIR_IN;

		if (i >= q->done) {
			/* The ingress key alone (ct_key_of() of the step on the header as it entered). */
			struct ct_key k = {np->zone[i], pkt->dst, pkt->src, pkt->dport, pkt->sport,
					   PKT_PROTO_TCP};

			r = np->has_h >> i & 1
				    ? ct_lookup_insert_hashed(st->ct, &k, np->hash[i], dir, np->to[i],
							      pkt->tcp_flags, now_ms, near, &ce[i],
							      &inserted[i])
				    : ct_lookup_insert(st->ct, &k, dir, np->to[i], pkt->tcp_flags,
						       now_ms, near, &ce[i], &inserted[i]);
			if (r < 0)
				goto full;
		}
		hint[i] = (uint32_t)(ce[i] - st->ct_pool); /* ct_entry_index(), without a call */
		if (inserted[i]) {
			near = hint[i];
			created = true;
		} else if (ct_update(st->ct, ce[i], dir, pkt->tcp_flags, now_ms) == 0) {
			st->stats.ct_hits++;
		}
	}
	fc_result(st, pkt, w, ret);
	if (!created) {
		/* As wild_replay(): the flow's exact entry once it exists. */
		struct fc_entry x;
		struct fc_key fk;

		fcache_load(w, &x);
		x.hint[0] = hint[0];
		x.hint[1] = hint[1];
		fc_key_of(&fk, pkt, from);
		fc_put(st, &fk, &x);
	}
	return 0;
full:
	st->stats.ct_full++;
	replay_drop(ret, pkt, ENG_DROP_CT_FULL);
	st->stats.dropped++;
	st->stats.drops[ENG_DROP_CT_FULL]++;
	return 0;
}

static inline __attribute__((always_inline)) int
new_tcp_pair_in(struct eng_state *st, const struct eng_gen *gen, const struct pkt_hdr *pkt,
		struct eng_where from, uint64_t now_ms, struct eng_result *ret, uint64_t a,
		uint64_t b, const struct eng_nf_hint *nf)
{
	const uint8_t both = FC_OP_ALLOW | FC_OP_TRACK;
	const bool in_burst = nf != NULL;
	const struct fc_cold *wc;
	struct fc_set *wset = NULL;
	struct fc_hot *w;
	struct new_pair q;
	uint64_t wb;

	if (in_burst) {
		/* Stage B wrote the packet's nf slot (process_pkt() came from its miss). */
		wset = nf->wset;
		wb = nf->wild_b;
	} else {
		wb = fc_wild_word(b);
	}
	if (!wset)
		wset = fcache_set_words(st->fc, a, wb, from.idx);
	w = fcache_find_words(st->fc, wset, a, wb, from.idx);
	if (!w || !(w->flags & FC_E_TCP_PAIR))
		return 1;
	wc = fcache_cold(w);
	if ((wc->ops[0].flags & wc->ops[1].flags & both) != both)
		return 1;
	q.np.zone[0] = st->zone_of_eni[wc->ops[0].eni];
	q.np.zone[1] = st->zone_of_eni[wc->ops[1].eni];
	q.np.to[0] = &gen->enis[wc->ops[0].eni].timeouts;
	q.np.to[1] = &gen->enis[wc->ops[1].eni].timeouts;
	q.np.has_h = 0;
	if (in_burst) {
		/* Stage B's hashes where it guessed the key's zone (the rest is the packet's). */
		q.np.hash[0] = nf->ct_hash[0];
		q.np.hash[1] = nf->ct_hash[1];
		q.np.has_h = (uint8_t)(nf->has & ((nf->zone[0] == q.np.zone[0]) |
						(nf->zone[1] == q.np.zone[1]) << 1));
	}
	st->stats.packets++;
	if (unlikely(st->flow_interval_start == 0))
		st->flow_interval_start = (int64_t)(now_ms / 1000);
	st->stats.flow_cache_hits++;
	/*
	 * Both entries in one call when the first is new (the usual: one pass,
	 * and no exact entry yet); else new_tcp_pair_rest().
	 */
	q.done = 0;
	q.r = ct_lookup_insert_tcp_pair_in(st->ct, pkt, &q.np, now_ms, q.ce, q.inserted, &q.done);
	if (unlikely(q.r != 1)) {
		q.w = w;
		return new_tcp_pair_rest(st, pkt, from, now_ms, ret, &q);
	}
	fc_result(st, pkt, w, ret);
	return 0;
}

/* new_tcp_pair_in() one at a time, and in a burst (using stage B's nf slot). */
static __attribute__((noinline)) int new_tcp_pair(struct eng_state *st, const struct eng_gen *gen,
						  const struct pkt_hdr *pkt, struct eng_where from,
						  uint64_t now_ms, struct eng_result *ret)
{
	uint64_t a, b;

	a = fc_key_words(pkt, from, &b); /* six arguments: all in registers */
	return new_tcp_pair_in(st, gen, pkt, from, now_ms, ret, a, b, NULL);
}

/* (In a burst the generation is the adopted one, and nf the packet's slot.) */
static __attribute__((noinline)) int new_tcp_pair_burst(struct eng_state *st,
							const struct pkt_hdr *pkt,
							struct eng_where from, uint64_t now_ms,
							struct eng_result *ret,
							const struct eng_nf_hint *nf)
{
	uint64_t a;

	memcpy(&a, &pkt->src, 8); /* fc_key_words()'s first; the wildcard's second is stage B's */
	return new_tcp_pair_in(st, st->adopted_for, pkt, from, now_ms, ret, a, 0, nf);
}

/*
 * eng_process().  The fast path: an untraced packet from an ENI, in the
 * adopted generation, whose flow-cache entry is an established TCP pair
 * (FC_E_TCP_PAIR: two SG steps, nothing else stateful) and whose two
 * conntrack entries ct_refresh_tcp_pair() finds live and ESTABLISHED.  The
 * key is taken from the header as words (fc_key_of()'s fields, in place),
 * hashed and probed inline; the result is the entry's, as fc_replay()
 * writes it.  Everything else is process_general().
 */
static inline int process_pkt(struct eng_state *st, const struct eng_gen *gen,
			      const struct pkt_hdr *pkt, struct eng_where from, uint64_t now_ms,
			      struct eng_trace *trace, struct eng_result *ret, struct fc_set *set,
			      struct fc_hot *known, bool in_burst)
{
	const struct eng_nf_hint *nf = NULL;
	struct fcache *fc = st->fc;
	struct fc_hot *e;
	uint64_t a, b;

	/* In a burst, eng_process_burst() checked from, adoption, the cache and no trace. */
	if (unlikely(from.point != ENG_AT_ENI ||
		     (!in_burst && (trace || !fc || from.idx >= gen->n_enis ||
				    gen != st->adopted_for || gen->serial != st->adopted_serial))))
		return process_general(st, gen, pkt, from, now_ms, trace, ret, set, NULL, false);
	if (known) {
		e = known; /* (in a burst: stage B's, valid while the cache commits nothing) */
	} else if ((a = fc_key_words(pkt, from, &b)), set) {
		e = fcache_find_words(fc, set, a, b, from.idx);
	} else if (in_burst && (nf = nf_slot(st, pkt))->fc_commits == fc->commits) {
		/*
		 * In a burst: stage B found no exact entry (the primary set has no
		 * guests) and left the packet's nf slot; there is still none unless
		 * the cache committed since.
		 */
		goto no_exact;
	} else {
		set = fcache_set_words(fc, a, b, from.idx);
		e = fcache_find_words(fc, set, a, b, from.idx);
	}
	/*
	 * A leased pair (FC_E_LEASED, ct.h "Leases"; only plain entries are
	 * leased): both conntrack entries are live and ESTABLISHED until the
	 * lease's last packet plus the least established timeout, so a packet
	 * without SYN, FIN or RST refreshes the lease alone, in the hot line
	 * already read.  Else the entries are checked and refreshed in place,
	 * and, at a time no lease has passed yet, a plain entry leases them.
	 */
	if (e && (e->flags & FC_E_LEASED) &&
	    !(pkt->tcp_flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST)) &&
	    now_ms >= st->lease_now && now_ms < e->lease_ms + CT_MS(CT_TCP_ESTABLISHED_MIN_S)) {
		e->lease_ms = now_ms;
		st->lease_now = now_ms;
		goto pair_hit;
	}
	if (e && (e->flags & FC_E_TCP_PAIR) && !(e->flags & FC_E_LEASED)) {
		struct fc_cold *cold = fcache_cold(e);

		if (ct_refresh_tcp_pair_in(st->ct, st->ct_pool, st->ct_pool_n, cold->hint,
					   st->zone_of_eni[cold->ops[0].eni],
					   st->zone_of_eni[cold->ops[1].eni], pkt, now_ms) != 0)
			goto general;
		if (now_ms >= st->lease_now && (e->flags & FC_E_PLAIN)) {
			/* (Its lease number is its place: it moves first.) */
			e = fcache_promote(fc, e);
			ct_lease_begin(st->ct, fcache_cold(e)->hint, fcache_index(fc, e));
			e->flags |= FC_E_LEASED;
			e->lease_ms = now_ms;
			st->lease_now = now_ms;
		}
	pair_hit:
		st->stats.packets++;
		if (unlikely(st->flow_interval_start == 0))
			st->flow_interval_start = (int64_t)(now_ms / 1000);
		st->stats.ct_hits += 2;
		st->stats.flow_cache_hits++;
		fc_result(st, pkt, e, ret);
		return 0;
	}
general:
	/* (In a burst, an exact entry stage B saw and a commit since evicted: no nf slot.) */
	if (!e && pkt->proto == PKT_PROTO_TCP && pkt->sport != pkt->dport &&
	    new_tcp_pair(st, gen, pkt, from, now_ms, ret) == 0)
		return 0;
	return process_general(st, gen, pkt, from, now_ms, trace, ret, set, e, true);
no_exact:
	if (pkt->proto == PKT_PROTO_TCP && pkt->sport != pkt->dport &&
	    new_tcp_pair_burst(st, pkt, from, now_ms, ret, nf) == 0)
		return 0;
	return process_general(st, gen, pkt, from, now_ms, trace, ret, NULL, NULL, true);
}

int eng_process(struct eng_state *st, const struct eng_gen *gen, const struct pkt_hdr *pkt,
		struct eng_where from, uint64_t now_ms, struct eng_trace *trace,
		struct eng_result *ret)
{
	return process_pkt(st, gen, pkt, from, now_ms, trace, ret, NULL, NULL, false);
}

/*
 * Stage B for a packet without an exact entry: its wildcard set and the
 * conntrack index lines of its egress key and, when the destination is an ENI
 * of the same VPC, of that ENI's ingress key (a guess: only a hint to the
 * memory system), keeping the set and the hashes in the packet's nf slot for
 * new_tcp_pair().
 */
static __attribute__((noinline)) void burst_stage_b_new_any(struct eng_state *st,
							    const struct eng_gen *gen,
							    const struct pkt_hdr *pkt,
							    struct eng_where from)
{
	struct eng_nf_hint *nf = nf_slot(st, pkt);
	struct ct_key key;
	uint32_t owner;

	nf->fc_commits = st->fc->commits;
	nf->wset = NULL;
	nf->has = 0;
	{
		uint64_t a, b;

		a = fc_key_words(pkt, from, &b);
		nf->wild_b = fc_wild_word(b);
		if (fc_wild_ok(pkt)) {
			nf->wset = fcache_set_words(st->fc, a, nf->wild_b, from.idx);
			fcache_prefetch_set(nf->wset);
			fcache_prefetch_cold(nf->wset);
		}
	}
	if (from.point != ENG_AT_ENI)
		return;
	if (likely(pkt->proto == PKT_PROTO_TCP)) {
		/*
		 * ct_key_of() and ct_prefetch_key_hash() of both keys in registers
		 * (ct_hash_words() of the key words); the ingress zone from the
		 * owner memo when it knows this address, else gen_owner()'s.
		 */
		uint32_t vpc = gen->enis[from.idx].vpc, zin;
		struct eng_owner_memo *m = owner_memo_slot(st, vpc, pkt->dst);
		uint64_t ips = (uint64_t)pkt->src << 32 | pkt->dst;
		uint32_t ports = (uint32_t)pkt->sport << 16 | pkt->dport;
		uint64_t h;

		nf->zone[0] = st->zone_of_eni[from.idx];
		h = ct_hash_words(st->ct_seed, ips, (uint64_t)nf->zone[0] << 32 | ports,
				  PKT_PROTO_TCP);
		__builtin_prefetch(st->ct_index + (size_t)((uint32_t)h & st->ct_mask) * 64);
		nf->ct_hash[0] = h;
		if (m->ip != pkt->dst || m->vpc != vpc || m->serial != (uint32_t)gen->serial) {
			owner = gen_owner(gen, vpc, pkt->dst);
			*m = (struct eng_owner_memo){pkt->dst, vpc, (uint32_t)gen->serial,
						     owner == GEN_NONE ? CT_NONE
								       : st->zone_of_eni[owner]};
		}
		zin = m->zone;
		if (zin == CT_NONE) {
			nf->has = 1;
			return;
		}
		nf->zone[1] = zin;
		h = ct_hash_words(st->ct_seed, ips >> 32 | ips << 32,
				  (uint64_t)zin << 32 | (ports >> 16 | ports << 16), PKT_PROTO_TCP);
		__builtin_prefetch(st->ct_index + (size_t)((uint32_t)h & st->ct_mask) * 64);
		nf->ct_hash[1] = h;
		nf->has = 3;
		return;
	}
	ct_key_of(st, from.idx, true, pkt, &key);
	nf->zone[0] = key.zone;
	nf->ct_hash[0] = ct_prefetch_key_hash(st->ct, &key);
	nf->has = 1;
	owner = gen_owner(gen, gen->enis[from.idx].vpc, pkt->dst);
	if (owner != GEN_NONE) {
		ct_key_of(st, owner, false, pkt, &key);
		nf->zone[1] = key.zone;
		nf->ct_hash[1] = ct_prefetch_key_hash(st->ct, &key);
		nf->has = 3;
	}
}

/*
 * burst_stage_b_new_any()'s usual case, a leaf (no registers to save): a
 * TCP packet from an ENI, ports distinct, whose destination the owner memo
 * knows as an ENI's.  The same slot written, the same lines prefetched.
 */
static __attribute__((noinline)) void burst_stage_b_new(struct eng_state *st,
							const struct eng_gen *gen,
							const struct pkt_hdr *pkt,
							struct eng_where from)
{
	if (likely(pkt->proto == PKT_PROTO_TCP && pkt->sport != pkt->dport &&
		   from.point == ENG_AT_ENI)) {
		uint32_t vpc = gen->enis[from.idx].vpc;
		const struct eng_owner_memo *m = owner_memo_slot(st, vpc, pkt->dst);

		if (likely(m->ip == pkt->dst && m->vpc == vpc &&
			   m->serial == (uint32_t)gen->serial && m->zone != CT_NONE)) {
			struct eng_nf_hint *nf = nf_slot(st, pkt);
			uint64_t ips = (uint64_t)pkt->src << 32 | pkt->dst;
			uint32_t ports = (uint32_t)pkt->sport << 16 | pkt->dport;
			uint32_t zout = st->zone_of_eni[from.idx], zin = m->zone;
			uint64_t a, b, h;

			nf->fc_commits = st->fc->commits;
			a = fc_key_words(pkt, from, &b);
			b = fc_wild_word(b);
			nf->wild_b = b;
			nf->wset = fcache_set_words(st->fc, a, b, from.idx);
			fcache_prefetch_set(nf->wset);
			fcache_prefetch_cold(nf->wset);
			h = ct_hash_words(st->ct_seed, ips, (uint64_t)zout << 32 | ports,
					  PKT_PROTO_TCP);
			__builtin_prefetch(st->ct_index + (size_t)((uint32_t)h & st->ct_mask) * 64);
			nf->ct_hash[0] = h;
			h = ct_hash_words(st->ct_seed, ips >> 32 | ips << 32,
					  (uint64_t)zin << 32 | (ports >> 16 | ports << 16),
					  PKT_PROTO_TCP);
			__builtin_prefetch(st->ct_index + (size_t)((uint32_t)h & st->ct_mask) * 64);
			nf->ct_hash[1] = h;
			nf->zone[0] = zout;
			nf->zone[1] = zin;
			nf->has = 3;
			return;
		}
	}
	burst_stage_b_new_any(st, gen, pkt, from);
}

/*
 * eng_process_burst() as a three-stage software pipeline (DPDK's pipelined
 * hash lookups).  At step j, with the distances below:
 *   stage A, packet j + BURST_A: hash the flow-cache key, keep the primary
 *     set's address, prefetch its hot line;
 *   stage B, packet j + BURST_B: look the key up in the primary set
 *     (arrived by now) and keep the entry found with the cache's commit
 *     count; for an entry without a lease, prefetch its cold line and the
 *     conntrack entries it names (a leased packet reads nothing else);
 *     without one, prefetch the alternative set's hot line when the primary
 *     counts guests, else mark the miss (the set's slot NULL, the cache's
 *     commit count in the packet's nf slot), and for a new flow prefetch
 *     the wildcard set and the conntrack index lines of its two keys;
 *   stage C, packet j: process it, with stage B's entry while the cache has
 *     committed nothing since (the entry still holds the key), else looking
 *     up in the sets again, or, after stage B's miss, not looking up again
 *     unless the cache committed since (a miss stays a miss until then:
 *     evictions and invalidations only remove entries).
 * Every random line an established packet touches (its hot line, and
 * without a lease its cold line and conntrack entries) is then requested
 * BURST_A - BURST_B or BURST_B packets before it is read.  The distances
 * were measured (docs/benchmarks.md): the hot line needs about eight
 * packets' time to arrive here.  The prefetches are only hints, and stage
 * B's entry is used only while nothing can have moved it, so packets
 * processed between the stages (which may fill or evict entries) change
 * nothing but what is already in cache.
 */
#define BURST_A	   20
#define BURST_B	   8
#define BURST_RING 32 /* > BURST_A, a power of two */
/*
 * A burst's headers are an array: consecutive headers' nf slots step by
 * sizeof / 4, so ENG_NF_RING of them in a row map to distinct slots exactly
 * when that step is odd, and a packet's slot is still its own when stage C
 * reads it (stage B runs BURST_B packets ahead).  The new-flow path uses the
 * slot without checking whose it is, so this must hold.
 */
_Static_assert(sizeof(struct pkt_hdr) % 4 == 0 && (sizeof(struct pkt_hdr) / 4) % 2 == 1 &&
		   ENG_NF_RING > BURST_B,
	       "nf_slot(): headers in a row must map to distinct slots");

static inline void burst_stage_b(struct eng_state *st, const struct eng_gen *gen,
				 const struct pkt_hdr *pkt, struct eng_where from,
				 struct fc_set **set, struct fc_hot **ret_hit,
				 uint32_t *ret_commits, const char *pool, uint32_t pool_n)
{
	struct fc_hot *e;
	uint64_t a, b;

	a = fc_key_words(pkt, from, &b);
	e = fcache_lookup_words(st->fc, *set, a, b, from.idx);
	*ret_hit = e;
	*ret_commits = st->fc->commits;
	if (likely(e)) {
		if (e->flags & FC_E_LEASED)
			return; /* its packet reads nothing else */
		/*
		 * Its cold half and the conntrack entries of its SG steps (pf: at
		 * most two; any hint is safe).
		 */
		fcache_prefetch_cold(*set);
		if (e->pf[0] < pool_n)
			__builtin_prefetch(pool + (size_t)e->pf[0] * CT_ENTRY_SIZE, 1);
		if (e->pf[1] < pool_n)
			__builtin_prefetch(pool + (size_t)e->pf[1] * CT_ENTRY_SIZE, 1);
		return;
	}
	/*
	 * None in the primary set.  With guests there, it may be in the
	 * alternative set: its line is prefetched and stage C looks it up.
	 * Else there is none: stage C knows it from the set's slot (NULL) and
	 * the nf slot.  Either way the new flow's lines are prefetched.
	 */
	if ((*set)->hot[0].guests)
		fcache_prefetch_set(fcache_alt_words(st->fc, a, b, from.idx));
	else
		*set = NULL;
	burst_stage_b_new(st, gen, pkt, from);
}

static inline void burst_stage_a(struct eng_state *st, const struct pkt_hdr *pkt,
				 struct eng_where from, struct fc_set **ret_set)
{
	uint64_t w0, w1;

	w0 = fc_key_words(pkt, from, &w1);
	*ret_set = fcache_set_words(st->fc, w0, w1, from.idx);
	fcache_prefetch_set(*ret_set);
}

static int burst_staged(struct eng_state *st, const struct eng_gen *gen,
			const struct pkt_hdr *pkts, const struct eng_where *from, size_t n,
			uint64_t now_ms, struct eng_result *ret)
{
	struct fc_set *set[BURST_RING];
	struct fc_hot *hit[BURST_RING];
	uint32_t hit_commits[BURST_RING];
	const void *pool;
	uint32_t pool_n;
	size_t j;
	int r;

	/*
	 * The stages only read (hints to the memory system, and the nf slots,
	 * which only spare recomputing a hash or a lookup that missed, the
	 * latter only while the flow cache commits nothing), so their order is
	 * free.
	 */
	ct_pool_view(st->ct, &pool, &pool_n);
	{
		const void *index;

		ct_index_view(st->ct, &st->ct_seed, &index, &st->ct_mask);
		st->ct_index = index;
	}
	for (j = 0; j < n && j < BURST_A; j++)
		burst_stage_a(st, &pkts[j], from[j], &set[j]);
	for (j = 0; j < n && j < BURST_B; j++)
		burst_stage_b(st, gen, &pkts[j], from[j], &set[j], &hit[j], &hit_commits[j], pool,
			      pool_n);
	for (j = 0; j < n; j++) {
		if (j + BURST_A < n)
			burst_stage_a(st, &pkts[j + BURST_A], from[j + BURST_A],
				      &set[(j + BURST_A) % BURST_RING]);
		if (j + BURST_B < n)
			burst_stage_b(st, gen, &pkts[j + BURST_B], from[j + BURST_B],
				      &set[(j + BURST_B) % BURST_RING],
				      &hit[(j + BURST_B) % BURST_RING],
				      &hit_commits[(j + BURST_B) % BURST_RING], pool, pool_n);
		r = process_pkt(
		    st, gen, &pkts[j], from[j], now_ms, NULL, &ret[j], set[j % BURST_RING],
		    hit_commits[j % BURST_RING] == st->fc->commits ? hit[j % BURST_RING] : NULL,
		    true);
		if (r < 0)
			return r;
	}
	return 0;
}

int eng_process_burst(struct eng_state *st, const struct eng_gen *gen,
		      const struct pkt_hdr *pkts, const struct eng_where *from, size_t n,
		      uint64_t now_ms, struct eng_result *ret)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		size_t limit = from[i].point == ENG_AT_ENI   ? gen->n_enis
			       : from[i].point == ENG_AT_IGW ? gen->n_igws
			       : from[i].point == ENG_AT_VGW ? gen->n_vgws
							     : 0;

		if (from[i].idx >= limit)
			return -EINVAL;
	}
	/* The first packet adopts gen if needed (then the cache is of gen). */
	if (n > 0 && (gen != st->adopted_for || gen->serial != st->adopted_serial)) {
		r = eng_process(st, gen, &pkts[0], from[0], now_ms, NULL, &ret[0]);
		if (r < 0)
			return r; /* adopting gen failed (-ENOMEM) */
		pkts++;
		from++;
		ret++;
		n--;
	}
	if (st->fc)
		return burst_staged(st, gen, pkts, from, n, now_ms, ret);
	for (size_t i = 0; i < n; i++) {
		r = eng_process(st, gen, &pkts[i], from[i], now_ms, NULL, &ret[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
