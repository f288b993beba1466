/*
 * engine-bench: packets per second through eng_process() at AWS's maximum
 * configuration sizes, against a deliberately naive peer evaluated on the
 * same packets in the same run.
 *
 * Configuration (issue 2, deliverable 6): one VPC; the measured ENI carries
 * 5 security groups x 60 ingress rules and 60 egress rules each; every
 * subnet's NACL has 20 rules per direction; the source subnet's route table
 * has 1,000 routes; 1,000,000 connections are tracked before measuring.
 *
 *   established  ACKs of established connections (SYN, SYN-ACK, ACK seen: conntrack
 *                hit in state ESTABLISHED at both ENIs; flow-cache hit)
 *   new          first packets of new connections (classifier, NACL, LPM,
 *                conntrack insert)
 *
 * The peer ("naive") evaluates the same decisions the obvious way: a linear
 * scan over the route list for the longest prefix, over all 300 SG rules, and
 * over the NACL rules, for every packet.  It answers the same verdicts
 * (checked), so the ratio compares equal work.
 *
 * Each case runs through eng_process() one packet at a time and through
 * eng_process_burst() BURST packets at a time (same work, with prefetching).
 * The flow cache holds one entry per direction of every connection created.
 *
 * The memory system's part: a random pointer chase over MEM_CHASE_MB (one
 * 64-byte line per load, transparent huge pages as the engine's tables)
 * gives the latency of one random access (one chain) and the cost per
 * access with MEM_CHASE_LANES and MEM_CHASE_LANES_MAX independent chains
 * in flight (what prefetching across a burst can reach at best, and whether
 * more requests in flight than 8 still help on this machine).  And the
 * floor of the burst path's memory pattern without its work: mem_pipe()
 * reads one (or two adjacent) random lines per "packet" of a table as large
 * as the flow cache, through the same pipeline (bursts of BURST, each line
 * prefetched MEM_PIPE_AHEAD packets ahead), and does nothing else.
 *
 * Usage: engine-bench [--conns N] [--packets N] [--mode established|new|both]
 *                     [--callgrind [--burst]]   (fewer packets; for instruction counts,
 *                     measured in run_engine, or with --burst in run_engine_burst)
 * Prints a table and, last, one line of JSON with the figures.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/engine/engine.h"
#include "lib/util/util.h"

#define N_SGS 5
#define RULES_PER_SG 60
#define NACL_RULES 20
#define N_ROUTES 1000

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void str_id(char *buf, const char *prefix, unsigned n)
{
	snprintf(buf, MODEL_ID_LEN, "%s%017x", prefix, n);
}

static struct net_cidr4 cidr(uint32_t addr, uint8_t len)
{
	struct net_cidr4 c = {addr & net_mask4(len), len};

	return c;
}

/* The naive peer's copy of the decisive configuration. */
struct naive_route {
	struct net_cidr4 dest;
	bool local;
};
struct naive_sg_rule {
	struct net_cidr4 peer;
	int proto;
	int from, to;
};
struct naive {
	struct naive_route routes[N_ROUTES + 1];
	size_t n_routes;
	struct naive_sg_rule in[N_SGS * RULES_PER_SG], out[N_SGS * RULES_PER_SG];
	size_t n_in, n_out;
	struct model_nacl_entry nacl_out[NACL_RULES], nacl_in[NACL_RULES];
};

static struct model *build(struct naive *nv, struct util_rng *rng)
{
	struct model *m = model_new("123456789012", "us-east-1");
	struct model_vpc *v = model_add_vpc(m);
	struct model_route_table *rt = model_add_route_table(m);
	struct model_rtb_assoc main_assoc = {.main = true};
	struct model_route r = {0};
	struct model_subnet *sa = model_add_subnet(m), *sb = model_add_subnet(m);
	struct model_nacl *na = model_add_nacl(m);
	struct model_eni *ea = model_add_eni(m), *eb = model_add_eni(m);
	struct model_eni_ip ip = {.primary = true};

	str_id(v->id, "vpc-", 1);
	model_vpc_add_cidr(v, "vpc-cidr-assoc-1", cidr(ip4(10, 0, 0, 0), 16));
	str_id(rt->id, "rtb-", 1);
	util_strscpy(rt->vpc_id, v->id, sizeof(rt->vpc_id));
	util_strscpy(main_assoc.id, "rtbassoc-1", sizeof(main_assoc.id));
	model_rtb_add_assoc(rt, &main_assoc);
	r.dest_type = MODEL_DEST_CIDR4;
	r.dest = cidr(ip4(10, 0, 0, 0), 16);
	r.target_type = MODEL_TARGET_LOCAL;
	util_strscpy(r.target_id, "local", sizeof(r.target_id));
	model_rtb_add_route(rt, &r);
	nv->routes[nv->n_routes++] = (struct naive_route){r.dest, true};
	/* 999 more routes outside the VPC, to a blackhole ENI target (never hit). */
	for (unsigned i = 0; i < N_ROUTES - 1; i++) {
		struct model_route s = {0};
		uint8_t len = (uint8_t)(16 + util_rng_below(rng, 13));

		s.dest_type = MODEL_DEST_CIDR4;
		s.dest = cidr(ip4(100 + (unsigned)util_rng_below(rng, 100),
				  (unsigned)util_rng_below(rng, 256),
				  (unsigned)util_rng_below(rng, 256), 0),
			      len);
		s.target_type = MODEL_TARGET_ENI;
		str_id(s.target_id, "eni-", 0xdead);
		s.origin = MODEL_ORIGIN_CREATE_ROUTE;
		model_rtb_add_route(rt, &s);
		nv->routes[nv->n_routes++] = (struct naive_route){s.dest, false};
	}
	str_id(sa->id, "subnet-", 1);
	str_id(sb->id, "subnet-", 2);
	util_strscpy(sa->vpc_id, v->id, sizeof(sa->vpc_id));
	util_strscpy(sb->vpc_id, v->id, sizeof(sb->vpc_id));
	sa->cidr = cidr(ip4(10, 0, 0, 0), 20);
	sb->cidr = cidr(ip4(10, 0, 16, 0), 20);
	/* One default NACL for both subnets: 19 non-matching denies, then an allow. */
	str_id(na->id, "acl-", 1);
	util_strscpy(na->vpc_id, v->id, sizeof(na->vpc_id));
	na->is_default = true;
	for (int dir = 0; dir < 2; dir++) {
		for (int i = 0; i < NACL_RULES; i++) {
			struct model_nacl_entry e = {0};

			e.rule_number = 100 + i;
			e.egress = dir;
			e.protocol = 6;
			e.allow = i == NACL_RULES - 1;
			e.cidr = e.allow ? cidr(0, 0) : cidr(ip4(192, 168, (unsigned)i, 0), 24);
			e.from_port = 0;
			e.to_port = 65535;
			e.icmp_type = e.icmp_code = -1;
			model_nacl_add_entry(na, &e);
			(dir ? nv->nacl_out : nv->nacl_in)[i] = e;
		}
	}
	/* 5 SGs x 60 rules in each direction on the server ENI; the match is in the last one. */
	for (unsigned s = 0; s < N_SGS; s++) {
		struct model_sg *sg = model_add_sg(m);

		str_id(sg->id, "sg-", s + 1);
		util_strscpy(sg->vpc_id, v->id, sizeof(sg->vpc_id));
		for (unsigned k = 0; k < RULES_PER_SG; k++) {
			for (int eg = 0; eg < 2; eg++) {
				struct model_sg_rule sr = {0};
				bool last = s == N_SGS - 1 && k == RULES_PER_SG - 1;

				sr.egress = eg;
				sr.protocol = 6;
				sr.peer_type = MODEL_PEER_CIDR4;
				if (last) {
					sr.from_port = eg ? 0 : 443;
					sr.to_port = eg ? 65535 : 443;
					sr.cidr = cidr(ip4(10, 0, 0, 0), 16);
				} else {
					sr.from_port = (int)(1000 + s * 100 + k);
					sr.to_port = sr.from_port;
					sr.cidr = cidr(ip4(172, 16 + s, (unsigned)k, 0), 24);
				}
				model_sg_add_rule(sg, &sr);
				if (eg)
					nv->out[nv->n_out++] = (struct naive_sg_rule){
						sr.cidr, sr.protocol, sr.from_port, sr.to_port};
				else
					nv->in[nv->n_in++] = (struct naive_sg_rule){
						sr.cidr, sr.protocol, sr.from_port, sr.to_port};
			}
		}
		model_eni_add_sg(eb, sg->id);
		model_eni_add_sg(ea, sg->id);
	}
	/* Client ENI (many secondary IPs: sources of many connections) and server ENI. */
	str_id(ea->id, "eni-", 1);
	str_id(eb->id, "eni-", 2);
	util_strscpy(ea->subnet_id, sa->id, sizeof(ea->subnet_id));
	util_strscpy(eb->subnet_id, sb->id, sizeof(eb->subnet_id));
	util_strscpy(ea->vpc_id, v->id, sizeof(ea->vpc_id));
	util_strscpy(eb->vpc_id, v->id, sizeof(eb->vpc_id));
	ip.ip = ip4(10, 0, 0, 10);
	model_eni_add_ip(ea, &ip);
	model_eni_add_prefix(ea, cidr(ip4(10, 0, 8, 0), 21)); /* a block of client addresses */
	ip.ip = ip4(10, 0, 16, 10);
	model_eni_add_ip(eb, &ip);
	ea->source_dest_check = eb->source_dest_check = true;
	return m;
}

static bool naive_sg(const struct naive_sg_rule *rules, size_t n, uint32_t remote, uint16_t port)
{
	bool ok = false;

	for (size_t i = 0; i < n; i++) /* no early exit: union semantics, as a naive scan does */
		if (net_cidr4_contains(rules[i].peer, remote) && port >= rules[i].from &&
		    port <= rules[i].to)
			ok = true;
	return ok;
}

static bool naive_nacl(const struct model_nacl_entry *e, uint32_t remote, uint16_t port)
{
	for (int i = 0; i < NACL_RULES; i++)
		if (net_cidr4_contains(e[i].cidr, remote) && port >= e[i].from_port &&
		    port <= e[i].to_port)
			return e[i].allow;
	return false;
}

static bool naive_route(const struct naive *nv, uint32_t dst)
{
	int best = -1;

	for (size_t i = 0; i < nv->n_routes; i++)
		if (net_cidr4_contains(nv->routes[i].dest, dst) &&
		    (best < 0 || nv->routes[i].dest.len > nv->routes[best].dest.len))
			best = (int)i;
	return best >= 0 && nv->routes[best].local;
}

/* Naive pipeline: ENI out SG, NACL out, route, NACL in, ENI in SG. */
static bool naive_process(const struct naive *nv, const struct pkt_hdr *h)
{
	return naive_sg(nv->out, nv->n_out, h->dst, h->dport) &&
	       naive_nacl(nv->nacl_out, h->dst, h->dport) && naive_route(nv, h->dst) &&
	       naive_nacl(nv->nacl_in, h->src, h->dport) && naive_sg(nv->in, nv->n_in, h->src, h->dport);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct pkt_hdr conn_pkt(uint32_t i, uint8_t flags)
{
	struct pkt_hdr h = {0};

	/* Client addresses 10.0.8.0/21 (2048) x ports 1024.. : distinct 5-tuples. */
	h.src = ip4(10, 0, 8, 0) + (i % 2048);
	h.sport = (uint16_t)(1024 + i / 2048);
	h.dst = ip4(10, 0, 16, 10);
	h.dport = 443;
	h.proto = PKT_PROTO_TCP;
	h.tcp_flags = flags;
	h.len = 64;
	h.ttl = 64;
	return h;
}

/* The function callgrind measures (--toggle-collect=run_engine). */
__attribute__((noinline)) uint64_t run_engine(struct eng_state *st, const struct eng_gen *g,
					      struct eng_where w, const struct pkt_hdr *pkts,
					      size_t n, uint64_t now);
__attribute__((noinline)) uint64_t run_engine(struct eng_state *st, const struct eng_gen *g,
					      struct eng_where w, const struct pkt_hdr *pkts,
					      size_t n, uint64_t now)
{
	uint64_t delivered = 0;
	struct eng_result r;

	for (size_t i = 0; i < n; i++) {
		eng_process(st, g, &pkts[i], w, now, NULL, &r);
		delivered += r.verdict == ENG_DELIVER;
	}
	return delivered;
}

#define BURST 32

#define MEM_CHASE_MB 512
#define MEM_CHASE_LANES 8	/* the figure reported since the first runs */
#define MEM_CHASE_LANES_MAX 16 /* how far the memory parallelism goes */
#define MEM_CHASE_LOADS 4000000u

static volatile uint64_t mem_chase_sink; /* keeps the chase */

/* A figure for the JSON line: the number, or null when not measured. */
static const char *json_num(char buf[32], int decimals, double v, bool measured)
{
	if (!measured || !isfinite(v))
		return "null";
	snprintf(buf, 32, "%.*f", decimals, v);
	return buf;
}

#define MEM_PIPE_AHEAD 20 /* process.c's BURST_A */
#define MEM_PIPE_PKTS  4000000u

/*
 * ns per packet reading `lines` (1 or 2) adjacent random lines of a 128-byte
 * block in a table of size bytes, each burst of BURST as eng_process_burst()
 * does: prefetch MEM_PIPE_AHEAD packets ahead, then read the line(s) and
 * write one word.  -1 when the table cannot be allocated.
 */
static double mem_pipe(size_t size, unsigned lines)
{
	size_t n = size / 128;
	char *buf = aligned_alloc((size_t)2 << 20, n * 128);
	uint64_t sum = 0;
	double t0, t1;

	if (!buf)
		return -1;
#ifdef MADV_HUGEPAGE
	(void)madvise(buf, n * 128, MADV_HUGEPAGE);
#endif
	memset(buf, 1, n * 128);
	t0 = now_ns();
	for (uint32_t base = 0; base < MEM_PIPE_PKTS; base += BURST) {
		char *blk[BURST];

		for (unsigned j = 0; j < BURST; j++)
			blk[j] = buf + (util_hash64(base + j) % n) * 128;
		for (unsigned j = 0; j < BURST; j++) {
			if (j == 0)
				for (unsigned a = 0; a < MEM_PIPE_AHEAD; a++) {
					__builtin_prefetch(blk[a], 1);
					if (lines == 2)
						__builtin_prefetch(blk[a] + 64, 1);
				}
			if (j + MEM_PIPE_AHEAD < BURST) {
				__builtin_prefetch(blk[j + MEM_PIPE_AHEAD], 1);
				if (lines == 2)
					__builtin_prefetch(blk[j + MEM_PIPE_AHEAD] + 64, 1);
			}
			sum += *(volatile uint64_t *)blk[j];
			if (lines == 2)
				sum += *(volatile uint64_t *)(blk[j] + 64);
			*(volatile uint64_t *)(blk[j] + 8) = sum;
		}
	}
	t1 = now_ns();
	mem_chase_sink = sum;
	free(buf);
	return (t1 - t0) / (double)MEM_PIPE_PKTS;
}

/*
 * ns per load of a random pointer chase over size bytes: one cycle through
 * every 64-byte line in random order (Sattolo's shuffle), followed by lanes
 * chains at once.  -1 when the buffer cannot be allocated.
 */
static double mem_chase(size_t size, unsigned lanes, struct util_rng *rng)
{
	size_t n = size / 64, steps = MEM_CHASE_LOADS / lanes;
	uint64_t *buf = aligned_alloc((size_t)2 << 20, n * 64);
	uint32_t *perm = malloc(n * sizeof(*perm));
	uint64_t pos[MEM_CHASE_LANES_MAX], sum = 0;
	double t0, t1;

	if (!buf || !perm || lanes == 0 || lanes > MEM_CHASE_LANES_MAX) {
		free(buf);
		free(perm);
		return -1;
	}
#ifdef MADV_HUGEPAGE
	(void)madvise(buf, n * 64, MADV_HUGEPAGE);
#endif
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = (size_t)util_rng_below(rng, i);
		uint32_t x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		buf[(size_t)perm[i] * 8] = perm[(i + 1) % n];
	for (unsigned l = 0; l < lanes; l++)
		pos[l] = perm[(size_t)l * (n / lanes)];
	t0 = now_ns();
	for (size_t s = 0; s < steps; s++)
		for (unsigned l = 0; l < lanes; l++)
			pos[l] = buf[pos[l] * 8];
	t1 = now_ns();
	for (unsigned l = 0; l < lanes; l++)
		sum += pos[l];
	mem_chase_sink = sum;
	free(buf);
	free(perm);
	return (t1 - t0) / (double)(steps * lanes);
}

/*
 * The packets through eng_process(), last first: not measured by the callgrind
 * runs (its body differs from run_engine()'s, so the compiler does not merge them).
 */
__attribute__((noinline)) static uint64_t warm_engine(struct eng_state *st, const struct eng_gen *g,
						      struct eng_where w,
						      const struct pkt_hdr *pkts, size_t n,
						      uint64_t now)
{
	uint64_t delivered = 0;
	struct eng_result r;

	for (size_t i = n; i-- > 0;) {
		eng_process(st, g, &pkts[i], w, now, NULL, &r);
		delivered += r.verdict == ENG_DELIVER;
	}
	return delivered;
}

/* The same packets through eng_process_burst(), BURST at a time. */
__attribute__((noinline)) uint64_t run_engine_burst(struct eng_state *st, const struct eng_gen *g,
						    struct eng_where w, const struct pkt_hdr *pkts,
						    size_t n, uint64_t now);
__attribute__((noinline)) uint64_t run_engine_burst(struct eng_state *st, const struct eng_gen *g,
						    struct eng_where w, const struct pkt_hdr *pkts,
						    size_t n, uint64_t now)
{
	uint64_t delivered = 0;
	struct eng_result r[BURST];
	struct eng_where from[BURST];

	for (size_t i = 0; i < BURST; i++)
		from[i] = w;
	for (size_t i = 0; i < n; i += BURST) {
		size_t k = n - i < BURST ? n - i : BURST;

		eng_process_burst(st, g, &pkts[i], from, k, now, r);
		for (size_t j = 0; j < k; j++)
			delivered += r[j].verdict == ENG_DELIVER;
	}
	return delivered;
}

__attribute__((noinline)) uint64_t run_naive(const struct naive *nv, const struct pkt_hdr *pkts,
					     size_t n);
__attribute__((noinline)) uint64_t run_naive(const struct naive *nv, const struct pkt_hdr *pkts,
					     size_t n)
{
	uint64_t delivered = 0;

	for (size_t i = 0; i < n; i++) {
		delivered += naive_process(nv, &pkts[i]);
		__asm__ volatile("" : : "r"(delivered) : "memory"); /* keep every evaluation */
	}
	return delivered;
}

/*
 * Resident and transparent-huge-page memory of this process in MB (from
 * /proc/self/smaps_rollup), to check that the engine's tables got huge
 * pages.  -1 when unavailable.
 */
static void mem_resident(double *ret_rss_mb, double *ret_thp_mb)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	double kb;

	*ret_rss_mb = *ret_thp_mb = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Rss: %lf kB", &kb) == 1)
			*ret_rss_mb = kb / 1024;
		else if (sscanf(line, "AnonHugePages: %lf kB", &kb) == 1)
			*ret_thp_mb = kb / 1024;
	}
	fclose(f);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint32_t conns = 1000000;
	size_t npkts = 1000000;
	bool callgrind = false, burst = false;
	const char *mode = "both";
	struct util_rng rng;
	struct naive *nv = calloc(1, sizeof(*nv));
	struct model *m;
	struct eng_gen *g;
	struct eng_limits lim;
	struct eng_state *st;
	struct eng_where w = {ENG_AT_ENI, 0}, w_srv = {ENG_AT_ENI, 0};
	struct pkt_hdr *est, *fresh, *fresh_b;
	uint64_t t = 1700000000000ULL;
	double e_ns[5], n_ns[5], e_naive[5], n_naive[5], eb_ns[5], nb_ns[5], chase1 = 0, chase8 = 0;
	double chase16 = 0, pipe1 = 0, pipe2 = 0;
	double rss_mb, thp_mb;
	int rounds = 5;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc)
			conns = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc)
			npkts = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			mode = argv[++i];
		else if (strcmp(argv[i], "--callgrind") == 0)
			callgrind = true;
		else if (strcmp(argv[i], "--burst") == 0)
			burst = true;
		else {
			fprintf(stderr, "usage: %s [--conns N] [--packets N] [--mode established|new|both] [--callgrind [--burst]]\n",
				argv[0]);
			return 2;
		}
	}
	if (callgrind)
		rounds = 1;
	if (conns > 2048u * 60000u || !nv)
		return 2;
	util_rng_seed(&rng, 42);
	m = build(nv, &rng);
	if (eng_compile(m, &g) < 0) {
		fprintf(stderr, "engine-bench: compile failed\n");
		return 1;
	}
	eng_limits_default(&lim);
	/* Each connection is tracked twice: at the client ENI (egress) and the server ENI
	 * (ingress); the new-flow rounds add 2 x npkts connections (per-packet and burst). */
	lim.ct_max = 2 * (conns + 2 * (uint32_t)npkts) + 16;
	lim.ct_per_eni_max = lim.ct_max;
	/* One flow-cache entry per direction of every connection the run creates. */
	lim.flow_cache_max = 2 * conns + 2 * (uint32_t)npkts;
	st = eng_state_new(&lim);
	if (!st)
		return 1;
	eng_state_publish(st, g);
	eng_state_sync(st);
	eng_gen_eni_index(g, "eni-00000000000000001", &w.idx);

	/* Establish `conns` connections: SYN from the client ENI, SYN-ACK from the server
	 * ENI, ACK from the client (conntrack state ESTABLISHED at both ENIs). */
	est = calloc(npkts, sizeof(*est));
	fresh = calloc(npkts, sizeof(*fresh));
	fresh_b = calloc(npkts, sizeof(*fresh_b));
	if (!est || !fresh || !fresh_b)
		return 1;
	eng_gen_eni_index(g, "eni-00000000000000002", &w_srv.idx);
	for (uint32_t i = 0; i < conns; i++) {
		struct pkt_hdr h = conn_pkt(i, PKT_TCP_SYN), back = h;
		struct eng_result r[3];

		back.src = h.dst;
		back.dst = h.src;
		back.sport = h.dport;
		back.dport = h.sport;
		back.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
		eng_process(st, g, &h, w, t, NULL, &r[0]);
		eng_process(st, g, &back, w_srv, t, NULL, &r[1]);
		h.tcp_flags = PKT_TCP_ACK;
		eng_process(st, g, &h, w, t, NULL, &r[2]);
		for (int k = 0; k < 3; k++) {
			if (r[k].verdict != ENG_DELIVER) {
				fprintf(stderr, "engine-bench: setup packet %u/%d dropped (%s)\n", i, k,
					eng_drop_name(r[k].drop));
				return 1;
			}
		}
	}
	for (size_t i = 0; i < npkts; i++) {
		est[i] = conn_pkt((uint32_t)util_rng_below(&rng, conns ? conns : 1), PKT_TCP_ACK);
		fresh[i] = conn_pkt(conns + (uint32_t)i, PKT_TCP_SYN);
		fresh_b[i] = conn_pkt(conns + (uint32_t)npkts + (uint32_t)i, PKT_TCP_SYN);
	}
	/* Same verdicts from both sides on a sample. */
	for (size_t i = 0; i < 1000 && i < npkts; i++) {
		if (!naive_process(nv, &est[i])) {
			fprintf(stderr, "engine-bench: naive peer disagrees\n");
			return 1;
		}
	}

	/*
	 * Under callgrind (one round): the established packets once first, outside the
	 * measured functions, so that the round measures what the timed median does (a
	 * connection's first packet after the handshake also leases its conntrack
	 * entries to the flow cache: a one-off per connection).
	 */
	if (callgrind && strcmp(mode, "new") != 0)
		(void)warm_engine(st, g, w, est, npkts, t + 500);
	for (int round = 0; round < rounds; round++) {
		double t0, t1;
		uint64_t d;
		size_t nn = callgrind ? npkts : npkts / (size_t)rounds;

		if (strcmp(mode, "new") != 0) {
			t0 = now_ns();
			d = burst && callgrind ? run_engine_burst(st, g, w, est, npkts, t + 1000)
					       : run_engine(st, g, w, est, npkts, t + 1000);
			t1 = now_ns();
			e_ns[round] = (t1 - t0) / (double)npkts;
			if (d != npkts)
				fprintf(stderr, "engine-bench: %zu established dropped\n", npkts - (size_t)d);
			if (!callgrind) {
				t0 = now_ns();
				d = run_engine_burst(st, g, w, est, npkts, t + 1000);
				t1 = now_ns();
				eb_ns[round] = (t1 - t0) / (double)npkts;
				if (d != npkts)
					fprintf(stderr, "engine-bench: %zu established dropped (burst)\n",
						npkts - (size_t)d);
			}
			t0 = now_ns();
			d = run_naive(nv, est, npkts);
			t1 = now_ns();
			e_naive[round] = (t1 - t0) / (double)npkts;
			if (d != npkts)
				fprintf(stderr, "engine-bench: naive peer dropped %zu\n", npkts - (size_t)d);
		}
		if (strcmp(mode, "established") != 0) {
			t0 = now_ns();
			d = burst && callgrind
				? run_engine_burst(st, g, w, fresh, nn, t + 2000)
				: run_engine(st, g, w, fresh + (size_t)round * (callgrind ? 0 : nn), nn,
					     t + 2000);
			t1 = now_ns();
			n_ns[round] = (t1 - t0) / (double)nn;
			if (d != nn)
				fprintf(stderr, "engine-bench: %zu new dropped\n", nn - (size_t)d);
			if (!callgrind) {
				t0 = now_ns();
				d = run_engine_burst(st, g, w, fresh_b + (size_t)round * nn, nn, t + 2000);
				t1 = now_ns();
				nb_ns[round] = (t1 - t0) / (double)nn;
				if (d != nn)
					fprintf(stderr, "engine-bench: %zu new dropped (burst)\n", nn - (size_t)d);
			}
			t0 = now_ns();
			d = run_naive(nv, fresh, nn);
			t1 = now_ns();
			n_naive[round] = (t1 - t0) / (double)nn;
			if (d != nn)
				fprintf(stderr, "engine-bench: naive peer dropped %zu\n", nn - (size_t)d);
		}
	}
	if (!callgrind) {
		qsort(e_ns, (size_t)rounds, sizeof(double), cmp_double);
		qsort(n_ns, (size_t)rounds, sizeof(double), cmp_double);
		qsort(e_naive, (size_t)rounds, sizeof(double), cmp_double);
		qsort(n_naive, (size_t)rounds, sizeof(double), cmp_double);
		qsort(eb_ns, (size_t)rounds, sizeof(double), cmp_double);
		qsort(nb_ns, (size_t)rounds, sizeof(double), cmp_double);
	}
	mem_resident(&rss_mb, &thp_mb); /* the engine's tables are all touched by now */
	if (!callgrind) {
		/* Median of 3 of each, after the packet rounds (the tables stay allocated). */
		double c1[3], c8[3], c16[3];

		for (int i = 0; i < 3; i++) {
			c1[i] = mem_chase((size_t)MEM_CHASE_MB << 20, 1, &rng);
			c8[i] = mem_chase((size_t)MEM_CHASE_MB << 20, MEM_CHASE_LANES, &rng);
			c16[i] = mem_chase((size_t)MEM_CHASE_MB << 20, MEM_CHASE_LANES_MAX, &rng);
		}
		qsort(c1, 3, sizeof(double), cmp_double);
		qsort(c8, 3, sizeof(double), cmp_double);
		qsort(c16, 3, sizeof(double), cmp_double);
		chase1 = c1[1];
		chase8 = c8[1];
		chase16 = c16[1];
		for (int i = 0; i < 3; i++) {
			c1[i] = mem_pipe((size_t)lim.flow_cache_max * 64, 1);
			c8[i] = mem_pipe((size_t)lim.flow_cache_max * 64, 2);
		}
		qsort(c1, 3, sizeof(double), cmp_double);
		qsort(c8, 3, sizeof(double), cmp_double);
		pipe1 = c1[1];
		pipe2 = c8[1];
	}
	{
		int mid = rounds / 2;
		struct eng_stats s;

		eng_state_stats(st, &s);
		printf("configuration: %d SGs x %d rules per direction, %d-rule NACLs, %d routes, %" PRIu64
		       " tracked connections\n",
		       N_SGS, RULES_PER_SG, NACL_RULES, N_ROUTES, s.ct_entries);
		printf("%-12s %14s %14s %10s\n", "packets", "openvpc ns", "naive ns", "ratio");
		printf("%-12s %14.1f %14.1f %10.3f\n", "established", e_ns[mid], e_naive[mid],
		       e_ns[mid] / e_naive[mid]);
		printf("%-12s %14.1f %14.1f %10.3f\n", "new", n_ns[mid], n_naive[mid],
		       n_ns[mid] / n_naive[mid]);
		if (!callgrind) {
			printf("%-12s %14.1f %14.1f %10.3f   (eng_process_burst, %d packets)\n",
			       "est. burst", eb_ns[mid], e_naive[mid], eb_ns[mid] / e_naive[mid], BURST);
			printf("%-12s %14.1f %14.1f %10.3f   (eng_process_burst, %d packets)\n",
			       "new burst", nb_ns[mid], n_naive[mid], nb_ns[mid] / n_naive[mid], BURST);
		}
		if (!callgrind)
			printf("memory: random pointer chase over %d MB: %.1f ns per load (one chain), "
			       "%.1f ns per load (%d chains in flight), %.1f ns per load (%d chains)\n",
			       MEM_CHASE_MB, chase1, chase8, MEM_CHASE_LANES, chase16,
			       MEM_CHASE_LANES_MAX);
		if (!callgrind)
			printf(
			    "memory: the burst pipeline alone over %zu MB (the flow cache's size): "
			    "%.1f ns per packet reading one random line, %.1f reading two "
			    "adjacent\n",
			    ((size_t)lim.flow_cache_max * 64) >> 20, pipe1, pipe2);
		printf("memory: %.0f MB resident, %.0f MB of it in transparent huge pages\n", rss_mb,
		       thp_mb);
		/* A mode not measured (--mode) is null in the JSON. */
		bool did_est = strcmp(mode, "new") != 0, did_new = strcmp(mode, "established") != 0;
		bool did_burst = !callgrind;
		char j[10][32];

		printf("{\"benchmark\":\"engine\",\"tracked_connections\":%" PRIu64
		       ",\"established_ns\":%s,\"established_pps\":%s,\"established_naive_ns\":"
		       "%s,"
		       "\"new_ns\":%s,\"new_pps\":%s,\"new_naive_ns\":%s,"
		       "\"established_ratio\":%s,\"new_ratio\":%s,"
		       "\"established_burst_ns\":%s,\"new_burst_ns\":%s,\"flow_cache_hits\":"
		       "%" PRIu64
		       ",\"mem_chase_ns\":%.1f,\"mem_chase%d_ns\":%.1f,\"mem_chase%d_ns\":%.1f,"
		       "\"mem_pipe1_ns\":%.1f,\"mem_pipe2_ns\":%.1f,"
		       "\"rss_mb\":%.0f,\"thp_mb\":%.0f}\n",
		       s.ct_entries, json_num(j[0], 1, e_ns[mid], did_est),
		       json_num(j[1], 0, 1e9 / e_ns[mid], did_est),
		       json_num(j[2], 1, e_naive[mid], did_est),
		       json_num(j[3], 1, n_ns[mid], did_new),
		       json_num(j[4], 0, 1e9 / n_ns[mid], did_new),
		       json_num(j[5], 1, n_naive[mid], did_new),
		       json_num(j[6], 3, e_ns[mid] / e_naive[mid], did_est),
		       json_num(j[7], 3, n_ns[mid] / n_naive[mid], did_new),
		       json_num(j[8], 1, eb_ns[mid], did_est && did_burst),
		       json_num(j[9], 1, nb_ns[mid], did_new && did_burst), s.flow_cache_hits,
		       chase1, MEM_CHASE_LANES, chase8, MEM_CHASE_LANES_MAX, chase16, pipe1, pipe2,
		       rss_mb, thp_mb);
	}
	free(est);
	free(fresh);
	free(fresh_b);
	eng_state_free(st);
	eng_gen_unref(g);
	model_free(m);
	free(nv);
	return 0;
}
