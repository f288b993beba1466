/*
 * analyze: reachability questions answered by running representative packets
 * through the engine (see eng_analyze() in engine.h).
 *
 * The forward packet runs on a private, empty state.  When it is blocked, it
 * runs again on another fresh state with continue_past_block so that the
 * trace lists every component that would have to change, not only the first.
 * When it arrives, the reply (addresses and ports swapped, TCP SYN-ACK, ICMP
 * echo reply) runs from where the forward packet arrived, on the same state,
 * so security groups pass it by connection tracking while NACLs must allow
 * it on their own, exactly as on AWS.  The path is found when both arrive.
 */
#include <errno.h>
#include <string.h>

#include "lib/engine/engine.h"

static struct eng_state *analysis_state(void)
{
	struct eng_limits l;

	eng_limits_default(&l);
	l.ct_max = 1024;
	l.ct_per_eni_max = 1024;
	l.nat_max = 1024;
	l.flow_max = 64;
	l.flow_cache_max = 0; /* traced packets never use the cache */
	return eng_state_new(&l);
}

static bool arrived(enum eng_verdict v)
{
	return v == ENG_DELIVER || v == ENG_TO_INTERNET || v == ENG_TO_VPN || v == ENG_TO_SERVICE;
}

/* Re-run a blocked packet past its blocks to list all of them. */
static int list_blocks(const struct eng_gen *g, struct eng_state *st, struct eng_where from,
		       const struct pkt_hdr *pkt, uint64_t now_ms, struct eng_trace *trace)
{
	struct eng_result ignored;

	memset(trace, 0, sizeof(*trace));
	trace->continue_past_block = true;
	return eng_process(st, g, pkt, from, now_ms, trace, &ignored);
}

static void make_reply(const struct pkt_hdr *out, struct pkt_hdr *ret)
{
	struct pkt_hdr r = *out;

	r.src = out->dst;
	r.dst = out->src;
	r.sport = out->dport;
	r.dport = out->sport;
	if (out->proto == PKT_PROTO_TCP)
		r.tcp_flags = PKT_TCP_SYN | PKT_TCP_ACK;
	if (out->proto == PKT_PROTO_ICMP && out->icmp_type == PKT_ICMP_ECHO)
		r.icmp_type = PKT_ICMP_ECHO_REPLY;
	*ret = r;
}

int eng_analyze(const struct eng_gen *g, struct eng_where from, const struct pkt_hdr *pkt,
		uint64_t now_ms, struct eng_analysis *ret_analysis)
{
	struct eng_analysis a;
	struct eng_state *st, *st2 = NULL;
	struct eng_where back;
	int r;

	memset(&a, 0, sizeof(a));
	st = analysis_state();
	if (!st)
		return -ENOMEM;
	a.forward_packet = *pkt;
	r = eng_process(st, g, pkt, from, now_ms, &a.forward, &a.forward_result);
	if (r < 0)
		goto out;
	if (!arrived(a.forward_result.verdict)) {
		st2 = analysis_state();
		if (!st2) {
			r = -ENOMEM;
			goto out;
		}
		r = list_blocks(g, st2, from, pkt, now_ms, &a.forward);
		goto done;
	}
	if (a.forward_result.verdict == ENG_TO_SERVICE) {
		a.path_found = true;
		goto done;
	}
	back = a.forward_result.to;
	make_reply(&a.forward_result.out, &a.return_packet);
	a.has_return = true;
	r = eng_process(st, g, &a.return_packet, back, now_ms + 1, &a.ret, &a.return_result);
	if (r < 0)
		goto out;
	if (!arrived(a.return_result.verdict)) {
		r = list_blocks(g, st, back, &a.return_packet, now_ms + 1, &a.ret);
		goto done;
	}
	a.path_found = true;
done:
	if (r == 0)
		*ret_analysis = a;
out:
	eng_state_free(st2);
	eng_state_free(st);
	return r;
}
