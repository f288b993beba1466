/*
 * Flow-cache differential test: the same random sequences of packets, clock
 * steps, expiry sweeps, flow-log flushes, traced packets and generation swaps
 * run through three engine states that differ only in their flow cache
 * (disabled, a single 4-way set so that entries are evicted constantly, the
 * default size).  Every verdict, drop reason, egress point, rewritten header,
 * trace, statistic and flow-log record must be identical.
 *
 * The topology is the behaviour tests' two-tier VPC (public subnet with an
 * IGW, a private subnet behind a NAT gateway) plus a VPN, flow logs, and
 * model variants that remove rules (cutting untracked and tracked flows),
 * add NACL denies, remove an ENI and change routes.  Packets are random
 * headers between a pool of addresses, and replies to earlier deliveries
 * (so that connections are established, NAT mappings used and closed).
 */
#include "fixture.h"

#include <inttypes.h>
#include <stdlib.h>

#include "lib/engine/ct-private.h"
#include "lib/engine/state-private.h"

#define T0	 1700000000000ULL /* ms */
#define N_STATES 3

enum {
	V_NO_WEB80 = 1 << 0,   /* remove sg-web's tcp 80 from 0.0.0.0/0 (untracked flows) */
	V_NACL_DB = 1 << 1,    /* subnet-db NACL: deny tcp 5432 in, deny udp out */
	V_NO_DB_ICMP = 1 << 2, /* remove sg-db's icmp rule */
	V_NO_WEB2 = 1 << 3,    /* eni-web2 removed (its connections flushed) */
	V_DB_ROUTE = 1 << 4,   /* main table: 203.0.113.0/24 -> blackhole (detached IGW) */
	V_NO_FLOWLOG = 1 << 5, /* no flow log on eni-web */
	V_NO_FLOWLOGS = 1 << 6, /* no flow log at all (entries of SG steps only) */
	V__ALL = (1 << 7) - 1,
};

static void add_flow_log(struct model *m, const char *resource, enum model_flow_traffic t)
{
	struct model_flow_log *fl = model_add_flow_log(m);

	snprintf(fl->id, sizeof(fl->id), "fl-%s", resource);
	util_strscpy(fl->resource_id, resource, sizeof(fl->resource_id));
	fl->traffic_type = t;
	fl->max_aggregation_interval = 60;
}

static struct model *build(unsigned v)
{
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_route_table *main_rt;
	struct model_sg *web, *db;
	struct model_eni *e;
	struct model_vgw *vgw;
	struct model_vpn_connection *vpn;

	main_rt = fx_two_tier_base(m);
	if (v & V_DB_ROUTE)
		fx_route(main_rt, "203.0.113.0/24", "igw-gone", MODEL_ORIGIN_CREATE_ROUTE);

	web = fx_sg(m, "sg-web", "vpc-1");
	if (!(v & V_NO_WEB80))
		fx_rule(web, false, "tcp", 80, 80, "0.0.0.0/0");
	fx_rule(web, false, "tcp", 22, 22, "203.0.113.0/24");
	fx_rule(web, false, "udp", 53, 53, "0.0.0.0/0");
	fx_rule(web, false, "icmp", -1, -1, "0.0.0.0/0");
	fx_rule(web, true, "-1", -1, -1, "0.0.0.0/0");
	db = fx_sg(m, "sg-db", "vpc-1");
	fx_rule(db, false, "tcp", 5432, 5432, "sg-web");
	if (!(v & V_NO_DB_ICMP))
		fx_rule(db, false, "icmp", -1, -1, "10.0.0.0/16");
	fx_rule(db, false, "tcp", 22, 22, "192.168.0.0/16");
	fx_rule(db, false, "47", -1, -1, "10.0.0.0/16");
	fx_rule(db, true, "tcp", 0, 65535, "0.0.0.0/0");
	fx_rule(db, true, "udp", 53, 53, "0.0.0.0/0");
	fx_rule(db, true, "icmp", -1, -1, "0.0.0.0/0");

	e = fx_eni(m, "eni-web", "subnet-pub", "10.0.1.10", "sg-web");
	e->ips[0].public_ip = fx_ip("198.51.100.10");
	if (!(v & V_NO_WEB2))
		fx_eni(m, "eni-web2", "subnet-pub", "10.0.1.11", "sg-web");
	e = fx_eni(m, "eni-db", "subnet-db", "10.0.2.20", "sg-db");
	/*
	 * Short established timeouts (AWS's minimum is 60 s), different at the
	 * two ends: the clock's long steps then expire established connections,
	 * so a replay that refreshed an entry with the other end's timeout shows
	 * in the verdicts (checked by planting that bug: step 24,076 fails).  An
	 * entry left unrefreshed is one_way_packets_keep_both_ends_tracked's.
	 */
	e->tcp_established_timeout = 60;
	model_find_eni(m, "eni-web")->tcp_established_timeout = 90;
	fx_nat_gateway(m);

	vgw = model_add_vgw(m);
	util_strscpy(vgw->id, "vgw-1", sizeof(vgw->id));
	model_vgw_add_attachment(vgw, "vpc-1", "attached");
	vpn = model_add_vpn(m);
	util_strscpy(vpn->id, "vpn-1", sizeof(vpn->id));
	util_strscpy(vpn->vgw_id, "vgw-1", sizeof(vpn->vgw_id));
	vpn->state = MODEL_STATE_AVAILABLE;
	model_vpn_add_route(vpn, fx_cidr("192.168.0.0/16"), "available");
	model_rtb_add_propagating_vgw(main_rt, "vgw-1");

	if (v & V_NACL_DB) {
		struct model_nacl *n = model_add_nacl(m);

		util_strscpy(n->id, "acl-db", sizeof(n->id));
		util_strscpy(n->vpc_id, "vpc-1", sizeof(n->vpc_id));
		model_nacl_add_assoc(n, "aclassoc-db", "subnet-db");
		fx_nacl_entry(n, 50, false, "tcp", false, "0.0.0.0/0", 5432, 5432);
		fx_nacl_entry(n, 100, false, "-1", true, "0.0.0.0/0", -1, -1);
		fx_nacl_entry(n, 50, true, "udp", false, "0.0.0.0/0", 0, 65535);
		fx_nacl_entry(n, 100, true, "-1", true, "0.0.0.0/0", -1, -1);
	}
	if (v & V_NO_FLOWLOGS)
		return m;
	if (!(v & V_NO_FLOWLOG))
		add_flow_log(m, "eni-web", MODEL_FLOW_ALL);
	add_flow_log(m, "eni-db", MODEL_FLOW_ALL);
	add_flow_log(m, "eni-nat", MODEL_FLOW_REJECT);
	add_flow_log(m, "subnet-pub", MODEL_FLOW_ACCEPT);
	return m;
}

/* ---- comparison helpers ----------------------------------------------------------- */

static void assert_hdr_eq(const struct pkt_hdr *a, const struct pkt_hdr *b, const char *what,
			  unsigned step)
{
	cr_assert(a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
		      a->dport == b->dport && a->proto == b->proto &&
		      a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
		      a->tcp_flags == b->tcp_flags && a->len == b->len && a->ttl == b->ttl &&
		      a->frag == b->frag,
		  "step %u: %s headers differ (%08x:%u > %08x:%u vs %08x:%u > %08x:%u)", step, what,
		  a->src, a->sport, a->dst, a->dport, b->src, b->sport, b->dst, b->dport);
}

static void assert_result_eq(const struct eng_result *a, const struct eng_result *b, unsigned step)
{
	cr_assert_eq(a->verdict, b->verdict, "step %u: verdict %d vs %d", step, a->verdict,
		     b->verdict);
	cr_assert_eq(a->drop, b->drop, "step %u: drop %s vs %s", step, eng_drop_name(a->drop),
		     eng_drop_name(b->drop));
	cr_assert_eq(a->to.point, b->to.point, "step %u: egress point", step);
	cr_assert_eq(a->to.idx, b->to.idx, "step %u: egress index", step);
	assert_hdr_eq(&a->out, &b->out, "output", step);
}

static void assert_trace_eq(const struct eng_trace *a, const struct eng_trace *b, unsigned step)
{
	cr_assert_eq(a->n, b->n, "step %u: trace lengths %u vs %u", step, a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		const struct eng_trace_step *x = &a->steps[i], *y = &b->steps[i];

		cr_assert(x->component == y->component && x->dir == y->dir && x->obj == y->obj &&
			      x->blocked == y->blocked && x->by_state == y->by_state &&
			      x->explanation == y->explanation && x->rule_obj == y->rule_obj &&
			      x->rule == y->rule,
			  "step %u: trace step %u differs", step, i);
		assert_hdr_eq(&x->in, &y->in, "trace in", step);
		assert_hdr_eq(&x->out, &y->out, "trace out", step);
	}
}

static void assert_stats_eq(struct eng_state *a, struct eng_state *b, unsigned step)
{
	struct eng_stats x, y;

	eng_state_stats(a, &x);
	eng_state_stats(b, &y);
	cr_assert_eq(x.packets, y.packets, "step %u: packets", step);
	cr_assert_eq(x.delivered, y.delivered, "step %u: delivered", step);
	cr_assert_eq(x.dropped, y.dropped, "step %u: dropped", step);
	cr_assert_eq(x.ct_entries, y.ct_entries, "step %u: ct entries %" PRIu64 " vs %" PRIu64,
		     step, x.ct_entries, y.ct_entries);
	cr_assert_eq(x.ct_hits, y.ct_hits, "step %u: ct hits", step);
	cr_assert_eq(x.ct_full, y.ct_full, "step %u: ct full", step);
	cr_assert_eq(x.nat_mappings, y.nat_mappings, "step %u: nat mappings", step);
	cr_assert_eq(x.nat_port_alloc_errors, y.nat_port_alloc_errors, "step %u", step);
	cr_assert_eq(x.nat_idle_timeouts, y.nat_idle_timeouts, "step %u", step);
	cr_assert_eq(x.flow_records_skipped, y.flow_records_skipped, "step %u", step);
	cr_assert(memcmp(x.drops, y.drops, sizeof(x.drops)) == 0, "step %u: drop counters", step);
}

/*
 * The live conntrack entries of a state (expiry after now), what the packet
 * path can observe of them: key, state, origin, flags, FIN side or UDP
 * exchanges, timeouts and expiry (not the pool place or the wheel links).
 */
struct ct_view {
	uint32_t zone, local_ip, remote_ip;
	uint16_t local_port, remote_port;
	uint32_t proto, state, origin, flags, aux, long_s, short_s, zero; /* no padding */
	uint64_t expires_ms;
};

static int ct_view_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ct_view));
}

static size_t ct_live(struct eng_state *st, uint64_t now, struct ct_view *out, size_t max)
{
	uint32_t n;
	const struct ct_entry *e = ct_pool_entries(st->ct, &n);
	size_t k = 0;

	for (uint32_t i = 0; i < n; i++) {
		struct ct_entry c;
		uint32_t flags;

		/* As a lookup sees it (a flow-cache lease folded in, ct.h "Leases"). */
		ct_entry_settled(st->ct, &e[i], &c);
		if (!(c.flags & CT_F_USED) || c.expires_ms <= now)
			continue;
		cr_assert_lt(k, max);
		/* Which direction went last is kept for UDP's state machine only. */
		flags = c.key.proto == PKT_PROTO_TCP ? c.flags & ~CT_F_LAST_IN : c.flags;
		memset(&out[k], 0, sizeof(out[k]));
		out[k] = (struct ct_view){c.key.zone,
					  c.key.local_ip,
					  c.key.remote_ip,
					  c.key.local_port,
					  c.key.remote_port,
					  c.key.proto,
					  c.state,
					  c.origin,
					  flags,
					  c.aux,
					  c.long_s,
					  c.short_s,
					  0,
					  c.expires_ms};
		k++;
	}
	qsort(out, k, sizeof(*out), ct_view_cmp);
	return k;
}

/* The live conntrack entries of b are a's, field for field. */
static void assert_ct_eq(struct eng_state *a, struct eng_state *b, uint64_t now, unsigned step)
{
	static struct ct_view va[4096], vb[4096];
	size_t na = ct_live(a, now, va, 4096), nb = ct_live(b, now, vb, 4096);

	cr_assert_eq(na, nb, "step %u: %zu vs %zu live conntrack entries", step, na, nb);
	for (size_t i = 0; i < na; i++)
		cr_assert(memcmp(&va[i], &vb[i], sizeof(va[i])) == 0,
			  "step %u: conntrack entry %zu differs (state %u / %u, origin %u / %u, "
			  "flags %x / %x, expires %" PRIu64 " / %" PRIu64 ")",
			  step, i, va[i].state, vb[i].state, va[i].origin, vb[i].origin,
			  va[i].flags, vb[i].flags, va[i].expires_ms, vb[i].expires_ms);
}

/* Flow records, flattened to text. */
struct recs {
	char lines[512][256];
	size_t n;
};

static void collect(const struct eng_flow_record *r, void *ud)
{
	struct recs *c = ud;

	cr_assert_lt(c->n, 512);
	snprintf(c->lines[c->n++], sizeof(c->lines[0]),
		 "%s %s %08x>%08x %u>%u p%u %" PRIu64 "/%" PRIu64 " %" PRId64 "-%" PRId64
		 " a%d s%d f%d %08x>%08x e%d tp%d %s %s",
		 r->flow_log_id, r->interface_id, r->srcaddr, r->dstaddr, r->srcport, r->dstport,
		 r->protocol, r->packets, r->bytes, r->start, r->end, (int)r->action,
		 (int)r->log_status, r->tcp_flags, r->pkt_srcaddr, r->pkt_dstaddr, r->egress,
		 r->traffic_path, r->subnet_id, r->instance_id);
}

/* ---- the random workload ---------------------------------------------------------- */

static const char *const addrs[] = {
    "10.0.1.10",    "10.0.1.11",   "10.0.2.20", "10.0.1.5",    "10.0.2.99",	  "198.51.100.10",
    "198.51.100.5", "203.0.113.7", "8.8.8.8",	"192.168.5.5", "169.254.169.254", "10.0.1.200",
};
static const uint16_t ports[] = {22, 80, 53, 5432, 1024, 40000, 50000, 443};
static const uint8_t flag_set[] = {
    PKT_TCP_SYN,
    PKT_TCP_SYN | PKT_TCP_ACK,
    PKT_TCP_ACK,
    PKT_TCP_ACK,
    PKT_TCP_ACK | PKT_TCP_PSH,
    PKT_TCP_FIN | PKT_TCP_ACK,
    PKT_TCP_RST,
    PKT_TCP_ACK,
};

struct sent {
	struct eng_result r;
};

static struct pkt_hdr random_hdr(struct util_rng *rng)
{
	struct pkt_hdr h = {0};
	unsigned p = (unsigned)util_rng_below(rng, 10);

	h.src = fx_ip(addrs[util_rng_below(rng, ARRAY_SIZE(addrs))]);
	h.dst = fx_ip(addrs[util_rng_below(rng, ARRAY_SIZE(addrs))]);
	h.proto = p < 6 ? PKT_PROTO_TCP : p < 8 ? PKT_PROTO_UDP : p < 9 ? PKT_PROTO_ICMP : 47;
	if (h.proto == PKT_PROTO_ICMP) {
		h.icmp_type = util_rng_below(rng, 4) ? PKT_ICMP_ECHO : PKT_ICMP_ECHO_REPLY;
		h.sport = h.dport = (uint16_t)(1 + util_rng_below(rng, 3));
	} else if (h.proto != 47) {
		h.sport = ports[util_rng_below(rng, ARRAY_SIZE(ports))];
		h.dport = ports[util_rng_below(rng, ARRAY_SIZE(ports))];
	}
	if (h.proto == PKT_PROTO_TCP)
		h.tcp_flags = flag_set[util_rng_below(rng, ARRAY_SIZE(flag_set))];
	h.len = (uint16_t)(40 + util_rng_below(rng, 1400));
	h.ttl = 64;
	h.frag = util_rng_below(rng, 50) == 0;
	return h;
}

/* Where a reply to a delivered result enters, and its header. */
static bool reply_to(const struct eng_result *r, struct util_rng *rng, struct eng_where *w,
		     struct pkt_hdr *h)
{
	switch (r->verdict) {
	case ENG_DELIVER:
		w->point = ENG_AT_ENI;
		break;
	case ENG_TO_INTERNET:
		w->point = ENG_AT_IGW;
		break;
	case ENG_TO_VPN:
		w->point = ENG_AT_VGW;
		break;
	default:
		return false;
	}
	w->idx = r->to.idx;
	*h = r->out;
	h->src = r->out.dst;
	h->dst = r->out.src;
	h->sport = r->out.dport;
	h->dport = r->out.sport;
	if (h->proto == PKT_PROTO_ICMP)
		h->icmp_type = PKT_ICMP_ECHO_REPLY;
	if (h->proto == PKT_PROTO_TCP)
		h->tcp_flags = flag_set[util_rng_below(rng, ARRAY_SIZE(flag_set))];
	h->len = (uint16_t)(40 + util_rng_below(rng, 1400));
	return true;
}

/* A generation of variant v adopted by every state (the previous one released). */
static void swap_gen(struct eng_state *st[N_STATES], struct eng_gen **gen, unsigned v)
{
	struct model *m = build(v);
	struct eng_gen *g2;

	cr_assert_eq(eng_compile(m, &g2), 0);
	model_free(m);
	for (int i = 0; i < N_STATES; i++) {
		eng_state_publish(st[i], g2);
		cr_assert_eq(eng_state_sync(st[i]), g2);
	}
	eng_gen_unref(*gen);
	*gen = g2;
}

/* An expiry sweep of every state: the same count removed from each. */
static void expire_all(struct eng_state *st[N_STATES], uint64_t now, size_t budget, unsigned step)
{
	size_t removed0 = eng_state_expire(st[0], now, budget);

	for (int i = 1; i < N_STATES; i++)
		cr_assert_eq(eng_state_expire(st[i], now, budget), removed0, "step %u: expire",
			     step);
}

/* Variants: first_variant at the start, then random ones with the bits of keep always set. */
static void run_sequence(uint64_t seed, unsigned steps, unsigned first_variant, unsigned keep)
{
	struct util_rng rng;
	struct eng_state *st[N_STATES];
	struct eng_gen *gen = NULL;
	struct model *m;
	uint64_t now = T0;
	struct eng_result history[64];
	struct eng_where hist_from[64];
	struct pkt_hdr hist_pkt[64];
	size_t n_hist = 0;
	static struct recs recs[N_STATES];
	static struct eng_trace tr[N_STATES];
	unsigned cached_hits = 0;

	util_rng_seed(&rng, seed);
	for (int i = 0; i < N_STATES; i++) {
		struct eng_limits l;

		eng_limits_default(&l);
		l.ct_max = 4096;
		l.ct_per_eni_max =
		    64 + (uint32_t)util_rng_below(&rng, 1) * 0; /* small: exhaustion happens */
		l.nat_max = 4096;
		l.flow_max = 48; /* small: SKIPDATA happens */
		l.flow_cache_max = i == 0 ? 0 : i == 1 ? 4 : 1u << 12;
		st[i] = eng_state_new(&l);
		cr_assert_not_null(st[i]);
	}
	m = build(first_variant);
	cr_assert_eq(eng_compile(m, &gen), 0);
	model_free(m);
	for (int i = 0; i < N_STATES; i++) {
		eng_state_publish(st[i], gen);
		cr_assert_eq(eng_state_sync(st[i]), gen);
	}

	for (unsigned step = 0; step < steps; step++) {
		unsigned op = (unsigned)util_rng_below(&rng, 1000);
		unsigned adv = (unsigned)util_rng_below(&rng, 100);

		/* The clock: mostly small steps, sometimes past a timeout (UDP 30 s, ICMP 30 s,
		 * TCP SYN 120 s, NAT idle 350 s, CLOSED 10 s). */
		if (adv < 80)
			now += util_rng_below(&rng, 500);
		else if (adv < 95)
			now += 1000 + util_rng_below(&rng, 15000);
		else if (adv < 99)
			now += 25000 + util_rng_below(&rng, 120000);
		else
			now += 300000 + util_rng_below(&rng, 200000);

		if (op < 10) {
			/* Generation swap: a random variant (rules removed, NACL, ENI gone,
			 * routes). */
			swap_gen(st, &gen, (unsigned)util_rng_below(&rng, V__ALL + 1) | keep);
			n_hist = 0; /* indices change with the generation */
		} else if (op < 30) {
			expire_all(st, now, util_rng_below(&rng, 8), step);
		} else if (op < 45) {
			size_t n0;

			for (int i = 0; i < N_STATES; i++) {
				recs[i].n = 0;
				n0 = eng_flowlog_flush(st[i], gen, now, 1, collect, &recs[i]);
				cr_assert_eq(n0, recs[i].n);
			}
			for (int i = 1; i < N_STATES; i++) {
				cr_assert_eq(recs[i].n, recs[0].n,
					     "step %u: flow records %zu vs %zu", step, recs[i].n,
					     recs[0].n);
				for (size_t k = 0; k < recs[0].n; k++)
					cr_assert_str_eq(recs[i].lines[k], recs[0].lines[k],
							 "step %u: record %zu", step, k);
			}
		} else {
			struct pkt_hdr h;
			struct eng_where w;
			struct eng_result r[N_STATES];
			bool traced = op < 80;
			size_t limit;

			if (n_hist && util_rng_below(&rng, 100) < 60) {
				size_t k = util_rng_below(&rng, n_hist);

				unsigned kind = (unsigned)util_rng_below(&rng, 6);

				if (kind < 2) {
					/* The same flow again (established direction). */
					w = hist_from[k];
					h = hist_pkt[k];
					if (h.proto == PKT_PROTO_TCP)
						h.tcp_flags = flag_set[util_rng_below(
						    &rng, ARRAY_SIZE(flag_set))];
				} else if (kind == 2) {
					/*
					 * A new connection between endpoints seen: another
					 * source port (what source-port wildcard entries
					 * answer), mostly a SYN.
					 */
					w = hist_from[k];
					h = hist_pkt[k];
					if (h.proto == PKT_PROTO_TCP || h.proto == PKT_PROTO_UDP)
						h.sport = (uint16_t)(30000 + util_rng_below(&rng, 40));
					if (h.proto == PKT_PROTO_TCP)
						h.tcp_flags = util_rng_below(&rng, 4)
								  ? PKT_TCP_SYN
								  : flag_set[util_rng_below(
									&rng, ARRAY_SIZE(flag_set))];
				} else if (!reply_to(&history[k], &rng, &w, &h)) {
					continue;
				}
			} else {
				unsigned who = (unsigned)util_rng_below(&rng, 10);

				h = random_hdr(&rng);
				if (who < 7) {
					w.point = ENG_AT_ENI;
					w.idx =
					    (uint32_t)util_rng_below(&rng, eng_gen_eni_count(gen));
				} else if (who < 9) {
					w.point = ENG_AT_IGW;
					w.idx = 0;
				} else {
					w.point = ENG_AT_VGW;
					w.idx = 0;
				}
			}
			limit = w.point == ENG_AT_ENI	? eng_gen_eni_count(gen)
				: w.point == ENG_AT_IGW ? eng_gen_igw_count(gen)
							: eng_gen_vgw_count(gen);
			if (w.idx >= limit)
				continue;
			for (int i = 0; i < N_STATES; i++) {
				memset(&tr[i], 0, sizeof(tr[i]));
				cr_assert_eq(eng_process(st[i], gen, &h, w, now,
							 traced ? &tr[i] : NULL, &r[i]),
					     0);
			}
			for (int i = 1; i < N_STATES; i++) {
				assert_result_eq(&r[i], &r[0], step);
				if (traced)
					assert_trace_eq(&tr[i], &tr[0], step);
			}
			if (r[0].verdict != ENG_DROP && r[0].verdict != ENG_REPLY_RST) {
				size_t k = n_hist < ARRAY_SIZE(history)
					       ? n_hist++
					       : util_rng_below(&rng, n_hist);

				history[k] = r[0];
				hist_from[k] = w;
				hist_pkt[k] = h;
				cached_hits++;
			}
		}
		for (int i = 1; i < N_STATES; i++)
			assert_stats_eq(st[i], st[0], step);
		if (step % 64 == 0 || step + 1 == steps)
			for (int i = 1; i < N_STATES; i++)
				assert_ct_eq(st[i], st[0], now, step);
	}
	cr_assert_gt(cached_hits, steps / 10, "the workload delivers packets (%u)", cached_hits);
	{
		struct eng_stats s0, s2;

		eng_state_stats(st[0], &s0);
		eng_state_stats(st[2], &s2);
		cr_assert_eq(s0.flow_cache_hits, 0);
		cr_assert_gt(s2.flow_cache_hits, s2.packets / 10,
			     "the cache answers packets (%" PRIu64 " of %" PRIu64 ")",
			     s2.flow_cache_hits, s2.packets);
	}
	for (int i = 0; i < N_STATES; i++)
		eng_state_free(st[i]);
	eng_gen_unref(gen);
}

Test(flow_cache, same_results_with_and_without_the_cache, .timeout = 600)
{
	for (uint64_t seed = 1; seed <= 6; seed++)
		run_sequence(seed, 40000, 0, 0);
	/*
	 * Without flow logs throughout (generation swaps keep them off): TCP
	 * between two ENIs makes entries of two SG steps only, the kind whose
	 * established packets take process.c's fast path.  A random walk rarely
	 * completes a handshake, so that path is met a few times per sequence;
	 * one_way_packets_keep_both_ends_tracked drives it on purpose.
	 */
	for (uint64_t seed = 7; seed <= 10; seed++)
		run_sequence(seed, 40000, V_NO_FLOWLOGS, V_NO_FLOWLOGS);
}

/* The cache is used: established packets hit it and leave the same state behind. */
Test(flow_cache, established_packets_hit_the_cache)
{
	struct model *m = build(0);
	struct fx_engine fx = fx_compile(m);
	struct pkt_hdr syn = fx_tcp("10.0.1.10", 40000, "10.0.2.20", 5432, PKT_TCP_SYN);
	struct eng_result r;
	struct eng_stats s0, s1;

	r = fx_send_from(&fx, "eni-web", syn, T0);
	cr_assert_eq(r.verdict, ENG_DELIVER, "%s", eng_drop_name(r.drop));
	eng_state_stats(fx.st, &s0);
	for (int i = 0; i < 10; i++) {
		syn.tcp_flags = PKT_TCP_ACK;
		r = fx_send_from(&fx, "eni-web", syn, T0 + 1 + (uint64_t)i);
		cr_assert_eq(r.verdict, ENG_DELIVER);
	}
	eng_state_stats(fx.st, &s1);
	cr_assert_eq(s1.ct_hits - s0.ct_hits, 20, "two conntrack hits per packet (both ENIs)");
	cr_assert_eq(s1.ct_entries, s0.ct_entries);
	cr_assert_eq(s1.flow_cache_hits - s0.flow_cache_hits, 10,
		     "the SYN opened the flow (its source-port wildcard entry is kept); the "
		     "first ACK replays that entry and is kept exactly, the rest hit");
	/* A new connection from another source port: its SYN replays the wildcard entry. */
	syn.sport = 40001;
	syn.tcp_flags = PKT_TCP_SYN;
	r = fx_send_from(&fx, "eni-web", syn, T0 + 20);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	eng_state_stats(fx.st, &s0);
	cr_assert_eq(s0.flow_cache_hits - s1.flow_cache_hits, 1, "the new flow's SYN hit");
	cr_assert_eq(s0.ct_entries, s1.ct_entries + 2, "and was tracked at both ENIs");
	/* sport == dport never uses the wildcard entry. */
	syn.sport = 5432;
	r = fx_send_from(&fx, "eni-web", syn, T0 + 21);
	cr_assert_eq(r.verdict, ENG_DELIVER);
	eng_state_stats(fx.st, &s1);
	cr_assert_eq(s1.flow_cache_hits, s0.flow_cache_hits);
	cr_assert_eq(s1.ct_entries, s0.ct_entries + 2);
	fx_done(&fx);
	model_free(m);
}

/*
 * The established fast path (a flow-cache entry of two SG steps on TCP)
 * refreshes both ENIs' conntrack entries, each with its own ENI's timeout: a
 * connection kept alive by packets in one direction only, spaced just under
 * the receiving ENI's 60 s, stays tracked at both ends exactly as without the
 * cache (the random sequences above rarely get a TCP connection ESTABLISHED).
 */
Test(flow_cache, one_way_packets_keep_both_ends_tracked)
{
	struct model *m = build(V_NO_FLOWLOGS);
	struct fx_engine fx[2];
	struct eng_stats s[2];
	struct eng_limits l;
	struct pkt_hdr fwd = fx_tcp("10.0.1.10", 40000, "10.0.1.11", 80, PKT_TCP_SYN);
	struct pkt_hdr rev = fx_tcp("10.0.1.11", 80, "10.0.1.10", 40000, PKT_TCP_SYN | PKT_TCP_ACK);
	uint64_t t = T0;

	model_find_eni(m, "eni-web2")->tcp_established_timeout = 60;
	for (int i = 0; i < 2; i++) {
		fx[i] = fx_compile(m);
		eng_limits_default(&l);
		l.flow_cache_max = i == 0 ? 0 : 1u << 10;
		eng_state_free(fx[i].st);
		fx[i].st = eng_state_new(&l);
		cr_assert_not_null(fx[i].st);
		eng_state_publish(fx[i].st, fx[i].gen);
		cr_assert_eq(eng_state_sync(fx[i].st), fx[i].gen);
		cr_assert_eq(fx_send_from(&fx[i], "eni-web", fwd, t).verdict, ENG_DELIVER);
		cr_assert_eq(fx_send_from(&fx[i], "eni-web2", rev, t + 1).verdict, ENG_DELIVER);
	}
	fwd.tcp_flags = PKT_TCP_ACK;
	for (int k = 0; k < 12; k++) {
		t += 50000; /* under eni-web2's 60 s */
		for (int i = 0; i < 2; i++) {
			struct eng_result r = fx_send_from(&fx[i], "eni-web", fwd, t);

			cr_assert_eq(r.verdict, ENG_DELIVER, "packet %d: %s", k, eng_drop_name(r.drop));
			cr_assert_eq(eng_state_expire(fx[i].st, t, 64), 0, "packet %d: nothing expired", k);
			eng_state_stats(fx[i].st, &s[i]);
		}
		cr_assert_eq(s[1].ct_entries, s[0].ct_entries, "packet %d", k);
		cr_assert_eq(s[1].ct_hits, s[0].ct_hits, "packet %d: conntrack hits", k);
	}
	cr_assert_gt(s[1].flow_cache_hits, 8, "the ACKs were answered from the cache");
	/* The reply after the last ACK finds both ends tracked (and web's ingress needs it). */
	rev.tcp_flags = PKT_TCP_ACK;
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(fx_send_from(&fx[i], "eni-web2", rev, t + 40000).verdict, ENG_DELIVER);
		eng_state_stats(fx[i].st, &s[i]);
		fx_done(&fx[i]);
	}
	cr_assert_eq(s[1].ct_entries, s[0].ct_entries);
	cr_assert_eq(s[1].ct_hits, s[0].ct_hits);
	model_free(m);
}

/*
 * pkts[0..n) through one by eng_process() one at a time and through burst by
 * eng_process_burst() in bursts of 1 to 64 (random sizes), at now: each
 * packet's results (r1, rb) the same.
 */
static void one_by_one_and_in_bursts(struct eng_state *one, struct eng_state *burst,
				     const struct eng_gen *gen, const struct pkt_hdr *pkts,
				     const struct eng_where *from, size_t n, uint64_t now,
				     struct util_rng *rng, struct eng_result *r1,
				     struct eng_result *rb)
{
	size_t done = 0;

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(eng_process(one, gen, &pkts[i], from[i], now, NULL, &r1[i]), 0);
	while (done < n) {
		size_t k = 1 + util_rng_below(rng, 64);

		if (k > n - done)
			k = n - done;
		cr_assert_eq(
		    eng_process_burst(burst, gen, &pkts[done], &from[done], k, now, &rb[done]), 0);
		done += k;
	}
	for (size_t i = 0; i < n; i++)
		assert_result_eq(&rb[i], &r1[i], (unsigned)i);
}

/*
 * eng_process_burst() is n calls of eng_process(): same results, same state,
 * with the default cache, a 4-entry one (entries evicted between the burst's
 * prefetch stages and its processing) and none; a generation swap half way
 * (the burst's first packet adopts it).
 */
static void burst_vs_one_by_one(uint32_t cache)
{
	struct model *m = build(0);
	struct eng_gen *gen;
	struct eng_limits l;
	struct eng_state *one, *burst;
	struct util_rng rng;
	static struct pkt_hdr pkts[4096];
	static struct eng_where from[4096];
	static struct eng_result r1[4096], rb[4096];
	uint64_t now = T0;
	struct eng_stats s1, sb;
	struct eng_where bad = {ENG_AT_ENI, 9999};

	eng_limits_default(&l);
	if (cache != UINT32_MAX)
		l.flow_cache_max = cache;
	one = eng_state_new(&l);
	burst = eng_state_new(&l);
	cr_assert_eq(eng_compile(m, &gen), 0);
	model_free(m);
	cr_assert(one && burst);
	eng_state_publish(one, gen);
	eng_state_publish(burst, gen);
	eng_state_sync(one);
	eng_state_sync(burst);
	util_rng_seed(&rng, 99 + cache);
	for (int round = 0; round < 20; round++) {
		if (round == 10) {
			struct eng_gen *g2;

			m = build(V_NO_WEB2 | V_DB_ROUTE | V_NO_FLOWLOGS);
			cr_assert_eq(eng_compile(m, &g2), 0);
			model_free(m);
			eng_gen_unref(gen);
			gen = g2; /* adopted by the next packet of each state */
		}
		/* Few distinct flows, so that packets repeat inside a burst. */
		for (size_t i = 0; i < ARRAY_SIZE(pkts); i++) {
			if (i > 0 && util_rng_below(&rng, 3)) {
				size_t k = util_rng_below(&rng, i);

				pkts[i] = pkts[k];
				from[i] = from[k];
				if (pkts[i].proto == PKT_PROTO_TCP)
					pkts[i].tcp_flags =
					    flag_set[util_rng_below(&rng, ARRAY_SIZE(flag_set))];
			} else {
				pkts[i] = random_hdr(&rng);
				from[i].point = util_rng_below(&rng, 5) ? ENG_AT_ENI : ENG_AT_IGW;
				from[i].idx =
				    from[i].point == ENG_AT_ENI
					? (uint32_t)util_rng_below(&rng, eng_gen_eni_count(gen))
					: 0;
			}
		}
		one_by_one_and_in_bursts(one, burst, gen, pkts, from, ARRAY_SIZE(pkts), now, &rng,
					 r1, rb);
		assert_stats_eq(burst, one, (unsigned)round);
		now += util_rng_below(&rng, 40000);
	}
	eng_state_stats(burst, &sb);
	eng_state_stats(one, &s1);
	if (cache > 4)
		cr_assert_gt(sb.flow_cache_hits, sb.packets / 4, "bursts use the cache");
	cr_assert_eq(sb.flow_cache_hits, s1.flow_cache_hits);
	/* An unknown ingress index anywhere in the burst: nothing runs. */
	from[3] = bad;
	cr_assert_eq(eng_process_burst(burst, gen, pkts, from, 8, now, rb), -EINVAL);
	eng_state_stats(burst, &s1);
	cr_assert_eq(s1.packets, sb.packets);
	eng_state_free(one);
	eng_state_free(burst);
	eng_gen_unref(gen);
}

Test(flow_cache, burst_equals_one_by_one)
{
	burst_vs_one_by_one(UINT32_MAX);
}

Test(flow_cache, burst_equals_one_by_one_small_cache)
{
	burst_vs_one_by_one(4);
}

Test(flow_cache, burst_equals_one_by_one_no_cache)
{
	burst_vs_one_by_one(0);
}

/* Conntrack entries of st in use and leased to its flow cache. */
static unsigned leased_entries(struct eng_state *st)
{
	uint32_t n;
	const struct ct_entry *e = ct_pool_entries(st->ct, &n);
	unsigned leased = 0;

	for (uint32_t k = 0; k < n; k++)
		leased += (e[k].flags & (CT_F_USED | CT_F_LEASED)) == (CT_F_USED | CT_F_LEASED);
	return leased;
}

/*
 * Conntrack leases (ct.h "Leases"): established connections between ENIs,
 * packets mostly ACKs in both directions, so that the flow cache leases
 * their entries, mixed with what must end a lease or see through one: FIN,
 * RST and SYN packets, idle gaps around and past the timeouts (60 s at the
 * least, 90 s at eni-web), the clock stepping back, expiry sweeps, a 4-entry
 * cache that evicts, and generation swaps (a rule removed: tracked flows
 * kept; an ENI removed: its connections flushed).  Every result, statistic
 * and live conntrack entry equals the uncached engine's.
 */
Test(flow_cache, leased_connections_behave_as_without_the_cache, .timeout = 300)
{
	static const struct {
		const char *from, *to;
		uint16_t dport;
	} conn[] = {
	    {"10.0.1.10", "10.0.1.11", 80},
	    {"10.0.1.11", "10.0.1.10", 80},
	    {"10.0.1.10", "10.0.2.20", 5432},
	};
	static const char *const eni_of[][2] = {
	    {"10.0.1.10", "eni-web"}, {"10.0.1.11", "eni-web2"}, {"10.0.2.20", "eni-db"}};
	static const unsigned variants[] = {V_NO_FLOWLOGS, V_NO_FLOWLOGS | V_NO_WEB80,
					    V_NO_FLOWLOGS | V_NO_WEB2, V_NO_FLOWLOGS | V_NACL_DB};
	struct eng_state *st[N_STATES];
	struct eng_gen *gen;
	struct model *m;
	struct util_rng rng;
	uint64_t now = T0;
	unsigned leased_seen = 0, fast = 0;

	util_rng_seed(&rng, 4242);
	for (int i = 0; i < N_STATES; i++) {
		struct eng_limits l;

		eng_limits_default(&l);
		l.ct_max = 1024;
		l.ct_per_eni_max = 256;
		l.flow_cache_max = i == 0 ? 0 : i == 1 ? 4 : 1u << 10;
		st[i] = eng_state_new(&l);
		cr_assert_not_null(st[i]);
	}
	m = build(variants[0]);
	cr_assert_eq(eng_compile(m, &gen), 0);
	model_free(m);
	for (int i = 0; i < N_STATES; i++) {
		eng_state_publish(st[i], gen);
		cr_assert_eq(eng_state_sync(st[i]), gen);
	}
	for (unsigned step = 0; step < 60000; step++) {
		unsigned op = (unsigned)util_rng_below(&rng, 1000), c, adv;
		uint16_t sport;
		bool rev;
		struct pkt_hdr h;
		struct eng_where w = {ENG_AT_ENI, 0};
		struct eng_result r[N_STATES];
		const char *src;
		uint32_t eni_idx = UINT32_MAX;

		adv = (unsigned)util_rng_below(&rng, 1000);
		if (adv < 850)
			now += util_rng_below(&rng, 3000);
		else if (adv < 900)
			now -= UTIL_MIN(now - T0, util_rng_below(&rng, 5000)); /* back */
		else if (adv < 980)
			now += 55000 + util_rng_below(&rng, 40000); /* around 60 and 90 s */
		else
			now += 100000 + util_rng_below(&rng, 400000);
		if (op < 5) {
			swap_gen(st, &gen, variants[util_rng_below(&rng, ARRAY_SIZE(variants))]);
			continue;
		}
		if (op < 60) {
			expire_all(st, now, util_rng_below(&rng, 16), step);
			continue;
		}
		c = (unsigned)util_rng_below(&rng, ARRAY_SIZE(conn));
		sport = (uint16_t)(40000 + util_rng_below(&rng, 3));
		rev = util_rng_below(&rng, 2);
		h = rev ? fx_tcp(conn[c].to, conn[c].dport, conn[c].from, sport, PKT_TCP_ACK)
			: fx_tcp(conn[c].from, sport, conn[c].to, conn[c].dport, PKT_TCP_ACK);
		switch (util_rng_below(&rng, 40)) {
		case 0:
			h.tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
			break;
		case 1:
			h.tcp_flags = PKT_TCP_RST;
			break;
		case 2:
		case 3:
			h.tcp_flags = rev ? PKT_TCP_SYN | PKT_TCP_ACK : PKT_TCP_SYN;
			break;
		default:
			break;
		}
		src = rev ? conn[c].to : conn[c].from;
		for (size_t k = 0; k < ARRAY_SIZE(eni_of); k++)
			if (strcmp(eni_of[k][0], src) == 0 &&
			    eng_gen_eni_index(gen, eni_of[k][1], &eni_idx) != 0)
				eni_idx = UINT32_MAX;
		if (eni_idx == UINT32_MAX)
			continue; /* its ENI is gone in this generation */
		w.idx = eni_idx;
		for (int i = 0; i < N_STATES; i++)
			cr_assert_eq(eng_process(st[i], gen, &h, w, now, NULL, &r[i]), 0);
		for (int i = 1; i < N_STATES; i++)
			assert_result_eq(&r[i], &r[0], step);
		for (int i = 1; i < N_STATES; i++)
			assert_stats_eq(st[i], st[0], step);
		if (step % 16 == 0)
			for (int i = 1; i < N_STATES; i++)
				assert_ct_eq(st[i], st[0], now, step);
		leased_seen += leased_entries(st[2]);
		fast += r[0].verdict == ENG_DELIVER;
	}
	cr_assert_gt(fast, 10000, "the workload delivers packets (%u)", fast);
	cr_assert_gt(leased_seen, 10000, "connections were leased (%u entry-steps)", leased_seen);
	for (int i = 0; i < N_STATES; i++)
		eng_state_free(st[i]);
	eng_gen_unref(gen);
}

/*
 * The same lease workload in bursts: rounds of 2,048 packets of established
 * connections (mostly ACKs both ways, some FIN, RST, SYN) through
 * eng_process() one by one without a cache and through eng_process_burst()
 * with one, in bursts of 1 to 64; between rounds an expiry sweep, then the
 * clock moves 0-75 s (past the 60 s lease bound at times), 100-200 s every
 * fifth round: the same results, statistics and live conntrack entries, with
 * leases held in the burst state.
 */
Test(flow_cache, leased_connections_in_bursts_equal_one_by_one)
{
	static const char *const host[] = {"10.0.1.10", "10.0.1.11", "10.0.2.20"};
	static const char *const eni[] = {"eni-web", "eni-web2", "eni-db"};
	static struct pkt_hdr pkts[2048];
	static struct eng_where from[2048];
	static struct eng_result r1[2048], rb[2048];
	struct model *m = build(V_NO_FLOWLOGS);
	struct eng_state *st[2];
	struct eng_gen *gen;
	struct util_rng rng;
	uint64_t now = T0;
	unsigned leased = 0;

	cr_assert_eq(eng_compile(m, &gen), 0);
	model_free(m);
	for (int i = 0; i < 2; i++) {
		struct eng_limits l;

		eng_limits_default(&l);
		l.ct_max = 1024;
		l.ct_per_eni_max = 256;
		l.flow_cache_max = i == 0 ? 0 : 1u << 10; /* the reference: no cache, no lease */
		st[i] = eng_state_new(&l);
		cr_assert_not_null(st[i]);
		eng_state_publish(st[i], gen);
		cr_assert_eq(eng_state_sync(st[i]), gen);
	}
	util_rng_seed(&rng, 77);
	for (unsigned round = 0; round < 40; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(pkts); i++) {
			/* client c (web, web2) to server s (web2, web, db) on 80 or 5432 */
			unsigned c = (unsigned)util_rng_below(&rng, 2),
				 s = c == 0 ? 1 + (unsigned)util_rng_below(&rng, 2) : 0;
			uint16_t dport = s == 2 ? 5432 : 80,
				 sport = (uint16_t)(40000 + util_rng_below(&rng, 4));
			bool rev = util_rng_below(&rng, 2);
			unsigned f = (unsigned)util_rng_below(&rng, 50);

			pkts[i] = rev ? fx_tcp(host[s], dport, host[c], sport, PKT_TCP_ACK)
				      : fx_tcp(host[c], sport, host[s], dport, PKT_TCP_ACK);
			if (f == 0)
				pkts[i].tcp_flags = PKT_TCP_FIN | PKT_TCP_ACK;
			else if (f == 1)
				pkts[i].tcp_flags = PKT_TCP_RST;
			else if (f < 4)
				pkts[i].tcp_flags = rev ? PKT_TCP_SYN | PKT_TCP_ACK : PKT_TCP_SYN;
			from[i].point = ENG_AT_ENI;
			cr_assert_eq(eng_gen_eni_index(gen, eni[rev ? s : c], &from[i].idx), 0);
		}
		one_by_one_and_in_bursts(st[0], st[1], gen, pkts, from, ARRAY_SIZE(pkts), now, &rng,
					 r1, rb);
		assert_stats_eq(st[1], st[0], round);
		assert_ct_eq(st[1], st[0], now, round);
		leased += leased_entries(st[1]);
		/*
		 * A sweep, then the clock: mostly within the 60 s lease bound, every fifth
		 * round past eni-web's 90 s (its entries then expire under the next
		 * round's packets, not in a sweep).
		 */
		cr_assert_eq(eng_state_expire(st[1], now, 64), eng_state_expire(st[0], now, 64),
			     "round %u: expire", round);
		now += round % 5 == 4 ? 100000 + util_rng_below(&rng, 100000)
				      : util_rng_below(&rng, 75000);
	}
	cr_assert_gt(leased, 100, "connections were leased in the burst state (%u entry-rounds)",
		     leased);
	for (int i = 0; i < 2; i++)
		eng_state_free(st[i]);
	eng_gen_unref(gen);
}
