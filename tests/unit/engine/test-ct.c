/*
 * Tests for ct: scripted TCP/UDP/ICMP/other state sequences (in the manner of
 * the kernel's packetdrill conntrack scripts), limits, and a differential test
 * against a deliberately linear oracle that restates the timeout and state
 * rules of ct.h.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "lib/engine/ct.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

#define S(x) ((uint64_t)(x)*1000u)

static const uint8_t SYN = PKT_TCP_SYN, ACK = PKT_TCP_ACK, FIN = PKT_TCP_FIN, RST = PKT_TCP_RST,
		     PSH = PKT_TCP_PSH;

static struct ct_key tkey(uint32_t zone, uint8_t proto, uint16_t lp, uint16_t rp)
{
	struct ct_key k;

	memset(&k, 0, sizeof(k));
	k.zone = zone;
	k.local_ip = 0x0a000005;
	k.remote_ip = 0xcb007101;
	k.local_port = lp;
	k.remote_port = rp;
	k.proto = proto;
	return k;
}

/* Insert and run the first packet, as the pipeline does. */
static struct ct_entry *start_flow(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
				   uint8_t flags, const struct ct_timeouts *to, uint64_t now)
{
	struct ct_entry *e = NULL;

	cr_assert_eq(ct_insert(t, k, dir, to, now, &e), 0);
	cr_assert_not_null(e);
	cr_assert_eq(ct_update(t, e, dir, flags, now), 0);
	return e;
}

static void step(struct ct_table *t, const struct ct_key *k, enum ct_dir dir, uint8_t flags,
		 uint64_t now, const char *want_state, uint64_t want_timeout_ms)
{
	struct ct_entry *e = ct_lookup(t, k, now);

	cr_assert_not_null(e, "flow vanished before %s", want_state);
	cr_assert_eq(ct_update(t, e, dir, flags, now), 0);
	cr_assert_str_eq(ct_entry_state_name(e), want_state);
	cr_assert_eq(ct_entry_expires_ms(e), now + want_timeout_ms, "%s: expires %lu, want %lu",
		     want_state, (unsigned long)ct_entry_expires_ms(e),
		     (unsigned long)(now + want_timeout_ms));
}

Test(ct, defaults_and_validation)
{
	struct ct_timeouts to;

	ct_timeouts_default(&to);
	cr_assert_eq(to.tcp_established_s, 432000);
	cr_assert_eq(to.udp_stream_s, 180);
	cr_assert_eq(to.udp_s, 30);
	cr_assert_eq(ct_timeouts_validate(&to), 0);
	to.udp_s = 61;
	cr_assert_eq(ct_timeouts_validate(&to), -ERANGE);
	to.udp_s = 30;
	to.tcp_established_s = 59;
	cr_assert_eq(ct_timeouts_validate(&to), -ERANGE);
	to.tcp_established_s = 60;
	to.udp_stream_s = 181;
	cr_assert_eq(ct_timeouts_validate(&to), -ERANGE);
	cr_assert_null(ct_new(0, 1));
	cr_assert_null(ct_new(16, 0));
	cr_assert_null(ct_new(CT_CAPACITY_MAX + 1, 1));
	cr_assert_null(ct_free(NULL));
	ct_remove(NULL, NULL);
}

/* SYN, SYN-ACK, ACK, data, FIN/ACK, FIN/ACK, ACK: the textbook connection. */
Test(ct, tcp_full_lifecycle)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_timeouts to;
	struct ct_key k = tkey(1, PKT_PROTO_TCP, 40000, 443);
	struct ct_entry *e;
	uint64_t now = S(1000);

	ct_timeouts_default(&to);
	e = start_flow(t, &k, CT_DIR_OUT, SYN, &to, now);
	cr_assert_str_eq(ct_entry_state_name(e), "SYN_SENT");
	cr_assert_eq(ct_entry_origin(e), CT_DIR_OUT);
	cr_assert_not(ct_entry_replied(e));
	cr_assert_eq(ct_entry_expires_ms(e), now + S(120));
	step(t, &k, CT_DIR_OUT, SYN, now += 1000, "SYN_SENT", S(120)); /* retransmit */
	step(t, &k, CT_DIR_IN, SYN | ACK, now += 10, "SYN_RECV", S(60));
	cr_assert(ct_entry_replied(ct_lookup(t, &k, now)));
	step(t, &k, CT_DIR_OUT, ACK, now += 10, "ESTABLISHED", S(432000));
	step(t, &k, CT_DIR_OUT, PSH | ACK, now += 10, "ESTABLISHED", S(432000));
	step(t, &k, CT_DIR_IN, PSH | ACK, now += 10, "ESTABLISHED", S(432000));
	step(t, &k, CT_DIR_OUT, FIN | ACK, now += 10, "FIN_WAIT", S(120));
	step(t, &k, CT_DIR_OUT, FIN | ACK, now += 10, "FIN_WAIT", S(120)); /* retransmit */
	step(t, &k, CT_DIR_IN, ACK, now += 10, "CLOSE_WAIT", S(60));
	step(t, &k, CT_DIR_IN, PSH | ACK, now += 10, "CLOSE_WAIT", S(60)); /* half-closed data */
	step(t, &k, CT_DIR_IN, FIN | ACK, now += 10, "LAST_ACK", S(30));
	step(t, &k, CT_DIR_IN, FIN | ACK, now += 10, "LAST_ACK", S(30)); /* its own retransmit */
	step(t, &k, CT_DIR_OUT, ACK, now += 10, "TIME_WAIT", S(120));
	cr_assert_not_null(ct_lookup(t, &k, now + S(120) - 1));
	cr_assert_null(ct_lookup(t, &k, now + S(120)));
	cr_assert_eq(ct_count(t), 0);
	cr_assert_eq(ct_zone_count(t, 1), 0);
	ct_free(t);
}

/* The server side: the connection starts inbound; both FINs cross. */
Test(ct, tcp_inbound_simultaneous_close)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(2, PKT_PROTO_TCP, 22, 51000);
	struct ct_timeouts to = {.tcp_established_s = 3600, .udp_stream_s = 180, .udp_s = 30};
	struct ct_entry *e;
	uint64_t now = 5;

	e = start_flow(t, &k, CT_DIR_IN, SYN, &to, now);
	cr_assert_eq(ct_entry_origin(e), CT_DIR_IN);
	step(t, &k, CT_DIR_OUT, SYN | ACK, now += 1, "SYN_RECV", S(60));
	step(t, &k, CT_DIR_OUT, ACK, now += 1, "SYN_RECV", S(60)); /* not from the origin */
	step(t, &k, CT_DIR_IN, ACK, now += 1, "ESTABLISHED", S(3600));
	step(t, &k, CT_DIR_IN, FIN | ACK, now += 1, "FIN_WAIT", S(120));
	step(t, &k, CT_DIR_OUT, FIN | ACK, now += 1, "LAST_ACK", S(30));
	step(t, &k, CT_DIR_OUT, ACK, now += 1, "LAST_ACK", S(30)); /* not the first FIN side */
	step(t, &k, CT_DIR_IN, ACK, now += 1, "TIME_WAIT", S(120));
	/* A new SYN reuses the tuple, possibly from the other side. */
	step(t, &k, CT_DIR_OUT, SYN, now += 1, "SYN_SENT", S(120));
	e = ct_lookup(t, &k, now);
	cr_assert_eq(ct_entry_origin(e), CT_DIR_OUT);
	cr_assert_not(ct_entry_replied(e));
	ct_free(t);
}

Test(ct, tcp_syn_only_times_out)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(3, PKT_PROTO_TCP, 40001, 80);

	start_flow(t, &k, CT_DIR_OUT, SYN, NULL, S(50));
	cr_assert_not_null(ct_lookup(t, &k, S(50) + S(120) - 1));
	cr_assert_null(ct_lookup(t, &k, S(50) + S(120)));
	/* Gone means a new insert works. */
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(200), NULL), 0);
	ct_free(t);
}

Test(ct, tcp_established_lasts_configured_timeout)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(4, PKT_PROTO_TCP, 40002, 80);
	struct ct_timeouts to;
	uint64_t now = 0;

	ct_timeouts_default(&to);
	start_flow(t, &k, CT_DIR_OUT, SYN, &to, now);
	step(t, &k, CT_DIR_IN, SYN | ACK, now += 1, "SYN_RECV", S(60));
	step(t, &k, CT_DIR_OUT, ACK, now += 1, "ESTABLISHED", S(432000));
	cr_assert_not_null(ct_lookup(t, &k, now + S(432000) - 1));
	/* Traffic refreshes it. */
	step(t, &k, CT_DIR_IN, ACK, now += S(432000) - 1, "ESTABLISHED", S(432000));
	cr_assert_not_null(ct_lookup(t, &k, now + S(400000)));
	cr_assert_null(ct_lookup(t, &k, now + S(432000)));

	/* A shorter per-ENI value, and clamping of out-of-range values. */
	to.tcp_established_s = 60;
	start_flow(t, &k, CT_DIR_OUT, ACK, &to, now = S(1000000)); /* mid-stream pickup */
	cr_assert_str_eq(ct_entry_state_name(ct_lookup(t, &k, now)), "ESTABLISHED");
	cr_assert_eq(ct_entry_expires_ms(ct_lookup(t, &k, now)), now + S(60));
	ct_remove(t, ct_lookup(t, &k, now));
	to.tcp_established_s = 10; /* below the AWS minimum: clamped to 60 */
	start_flow(t, &k, CT_DIR_OUT, ACK, &to, now);
	cr_assert_eq(ct_entry_expires_ms(ct_lookup(t, &k, now)), now + S(60));
	ct_free(t);
}

Test(ct, tcp_rst_closes_and_late_packets_are_not_passed)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(5, PKT_PROTO_TCP, 40003, 25);
	struct ct_entry *e;
	uint64_t now = S(10);

	start_flow(t, &k, CT_DIR_OUT, SYN, NULL, now);
	step(t, &k, CT_DIR_IN, SYN | ACK, now += 1, "SYN_RECV", S(60));
	step(t, &k, CT_DIR_OUT, ACK, now += 1, "ESTABLISHED", S(432000));
	step(t, &k, CT_DIR_IN, RST | ACK, now += 1, "CLOSED", S(10));
	e = ct_lookup(t, &k, now + 5);
	cr_assert_eq(ct_update(t, e, CT_DIR_OUT, ACK | PSH, now + 5), -ECONNRESET);
	cr_assert_eq(ct_update(t, e, CT_DIR_IN, RST, now + 5), -ECONNRESET);
	cr_assert_eq(ct_update(t, e, CT_DIR_OUT, SYN | ACK, now + 5), -ECONNRESET);
	cr_assert_str_eq(ct_entry_state_name(e), "CLOSED");
	cr_assert_eq(ct_entry_expires_ms(e), now + S(10), "refused packets do not refresh");
	cr_assert_null(ct_lookup(t, &k, now + S(10)));

	/* RST in the handshake, then a fresh SYN reopens. */
	start_flow(t, &k, CT_DIR_OUT, SYN, NULL, now = S(100));
	step(t, &k, CT_DIR_IN, RST | ACK, now += 1, "CLOSED", S(10));
	step(t, &k, CT_DIR_OUT, SYN, now += 1, "SYN_SENT", S(120));
	/* A first packet that is a RST. */
	ct_remove(t, ct_lookup(t, &k, now));
	start_flow(t, &k, CT_DIR_IN, RST, NULL, now);
	cr_assert_str_eq(ct_entry_state_name(ct_lookup(t, &k, now)), "CLOSED");
	ct_free(t);
}

Test(ct, tcp_insert_without_packet_is_new)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(6, PKT_PROTO_TCP, 1, 2);
	struct ct_entry *e = NULL;

	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, &e), 0);
	cr_assert_str_eq(ct_entry_state_name(e), "NEW");
	cr_assert_eq(ct_entry_expires_ms(e), S(120));
	cr_assert_eq(ct_insert(t, &k, CT_DIR_IN, NULL, 1, NULL), -EEXIST);
	/* FIN as the first packet is picked up as a closing connection. */
	cr_assert_eq(ct_update(t, e, CT_DIR_OUT, FIN | ACK, 2), 0);
	cr_assert_str_eq(ct_entry_state_name(e), "FIN_WAIT");
	ct_free(t);
}

Test(ct, udp_stream_rule)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(7, PKT_PROTO_UDP, 53000, 53);
	struct ct_timeouts to;
	struct ct_entry *e;
	uint64_t now = S(1);

	ct_timeouts_default(&to);
	e = start_flow(t, &k, CT_DIR_OUT, 0, &to, now);
	cr_assert_str_eq(ct_entry_state_name(e), "UDP_NEW");
	cr_assert_eq(ct_entry_expires_ms(e), now + S(30));
	step(t, &k, CT_DIR_OUT, 0, now += 1, "UDP_NEW", S(30));
	step(t, &k, CT_DIR_IN, 0, now += 1, "UDP_REPLIED", S(30)); /* one exchange */
	step(t, &k, CT_DIR_IN, 0, now += 1, "UDP_REPLIED", S(30)); /* same exchange */
	step(t, &k, CT_DIR_OUT, 0, now += 1, "UDP_REPLIED", S(30));
	step(t, &k, CT_DIR_IN, 0, now += 1, "UDP_STREAM", S(180)); /* second exchange */
	step(t, &k, CT_DIR_OUT, 0, now += 1, "UDP_STREAM", S(180));
	cr_assert_null(ct_lookup(t, &k, now + S(180)));

	/* One-way traffic stays on udp_s; custom timeouts. */
	to.udp_s = 60;
	to.udp_stream_s = 60;
	start_flow(t, &k, CT_DIR_IN, 0, &to, now = S(1000));
	step(t, &k, CT_DIR_IN, 0, now += S(59), "UDP_NEW", S(60));
	step(t, &k, CT_DIR_IN, 0, now += S(59), "UDP_NEW", S(60));
	cr_assert_null(ct_lookup(t, &k, now + S(60)));
	ct_free(t);
}

Test(ct, icmp_and_other_protocols)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(8, PKT_PROTO_ICMP, 777, 777);
	struct ct_key gre = tkey(8, 47, 0, 0), gre_ports = tkey(8, 47, 1234, 5678);
	struct ct_entry *e;

	e = start_flow(t, &k, CT_DIR_OUT, 0, NULL, 0);
	cr_assert_str_eq(ct_entry_state_name(e), "ICMP_NEW");
	cr_assert_eq(ct_entry_expires_ms(e), S(30));
	step(t, &k, CT_DIR_IN, 0, 5, "ICMP_REPLIED", S(30));
	cr_assert_null(ct_lookup(t, &k, 5 + S(30)));

	e = start_flow(t, &gre, CT_DIR_IN, 0, NULL, 0);
	cr_assert_str_eq(ct_entry_state_name(e), "OTHER_NEW");
	cr_assert_eq(ct_entry_expires_ms(e), S(600));
	/* Ports do not matter for other protocols. */
	cr_assert_eq(ct_lookup(t, &gre_ports, S(599)), e);
	cr_assert_eq(ct_insert(t, &gre_ports, CT_DIR_OUT, NULL, S(599), NULL), -EEXIST);
	step(t, &gre, CT_DIR_OUT, 0, S(599), "OTHER_REPLIED", S(600));
	cr_assert_null(ct_lookup(t, &gre, S(1199)));
	ct_free(t);
}

Test(ct, limits_per_zone_and_table)
{
	struct ct_table *t = ct_new(10, 4);
	struct ct_key k;
	size_t removed;

	for (uint16_t p = 0; p < 4; p++) {
		k = tkey(1, PKT_PROTO_UDP, p, 53);
		cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, NULL), 0);
	}
	k = tkey(1, PKT_PROTO_UDP, 100, 53);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, NULL), -ENOSPC);
	cr_assert_eq(ct_zone_count(t, 1), 4);
	/* Another zone is unaffected. */
	for (uint16_t p = 0; p < 4; p++) {
		k = tkey(2, PKT_PROTO_UDP, p, 53);
		cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(10), NULL), 0);
	}
	k = tkey(3, PKT_PROTO_TCP, 1, 1);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(10), NULL), 0);
	k = tkey(3, PKT_PROTO_TCP, 2, 1);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(10), NULL), 0);
	cr_assert_eq(ct_count(t), 10);
	k = tkey(4, PKT_PROTO_TCP, 2, 1);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(10), NULL), -ENOSPC);
	/* Zone 1's entries (UDP, 30 s) expire at 30 s: they no longer count. */
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(30) - 1, NULL), -ENOSPC);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(30), NULL), 0);
	cr_assert_eq(ct_count(t), 7);
	cr_assert_eq(ct_zone_count(t, 1), 0);
	k = tkey(1, PKT_PROTO_UDP, 100, 53);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(30), NULL), 0);
	/* Flush a zone. */
	cr_assert_eq(ct_flush_zone(t, 2), 4);
	cr_assert_eq(ct_zone_count(t, 2), 0);
	cr_assert_eq(ct_flush_zone(t, 2), 0);
	cr_assert_eq(ct_count(t), 4);
	/* The sweep removes what expired (zone 2's UDP would have at 40 s). */
	removed = ct_expire(t, S(10000), SIZE_MAX);
	cr_assert_eq(removed, 4);
	cr_assert_eq(ct_count(t), 0);
	ct_free(t);
}

/* Per-zone reclaim happens even when the zone limit, not the table, is hit. */
Test(ct, zone_limit_reclaims_expired)
{
	struct ct_table *t = ct_new(1000, 3);
	struct ct_key k;

	for (uint16_t p = 0; p < 3; p++) {
		k = tkey(9, PKT_PROTO_ICMP, p, p);
		cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(p), NULL), 0);
	}
	k = tkey(9, PKT_PROTO_ICMP, 50, 50);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(29), NULL), -ENOSPC);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(30), NULL), 0);
	cr_assert_eq(ct_zone_count(t, 9), 3);
	k = tkey(9, PKT_PROTO_ICMP, 51, 51);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(31), NULL), 0);
	k = tkey(9, PKT_PROTO_ICMP, 52, 52);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(31), NULL), -ENOSPC);
	ct_free(t);
}

/* ---- differential test ------------------------------------------------------ */

/* The oracle restates ct.h's rules in the simplest form: a linear array. */
enum {
	O_NEW,
	O_SYN_SENT,
	O_SYN_RECV,
	O_EST,
	O_FIN_WAIT,
	O_CLOSE_WAIT,
	O_LAST_ACK,
	O_TIME_WAIT,
	O_CLOSED
};
static const char *const o_tcp_names[] = {"NEW",	 "SYN_SENT",  "SYN_RECV",
					  "ESTABLISHED", "FIN_WAIT",  "CLOSE_WAIT",
					  "LAST_ACK",	 "TIME_WAIT", "CLOSED"};
static const uint32_t o_tcp_secs[] = {120, 120, 60, 0, 120, 60, 30, 120, 10};

struct o_entry {
	struct ct_key k;
	int origin, last_dir, replied;
	int state;    /* TCP: O_*; UDP: exchanges; ICMP/other: replied */
	int fin_side; /* -1 none */
	uint64_t expires;
};

struct oracle {
	struct o_entry e[512];
	size_t n;
	uint32_t cap, per_zone;
	struct ct_timeouts to;
};

static bool o_key_eq(const struct ct_key *a, const struct ct_key *b)
{
	bool ports = a->proto == 6 || a->proto == 17 || a->proto == 1;

	return a->zone == b->zone && a->local_ip == b->local_ip && a->remote_ip == b->remote_ip &&
	       a->proto == b->proto &&
	       (!ports || (a->local_port == b->local_port && a->remote_port == b->remote_port));
}

static void o_purge(struct oracle *o, uint64_t now)
{
	for (size_t i = 0; i < o->n;)
		if (now >= o->e[i].expires)
			o->e[i] = o->e[--o->n];
		else
			i++;
}

static struct o_entry *o_find(struct oracle *o, const struct ct_key *k, uint64_t now)
{
	o_purge(o, now);
	for (size_t i = 0; i < o->n; i++)
		if (o_key_eq(&o->e[i].k, k))
			return &o->e[i];
	return NULL;
}

static const char *o_state_name(const struct o_entry *e)
{
	switch (e->k.proto) {
	case 6:
		return o_tcp_names[e->state];
	case 17:
		return e->state >= 2 ? "UDP_STREAM" : e->state == 1 ? "UDP_REPLIED" : "UDP_NEW";
	case 1:
		return e->state ? "ICMP_REPLIED" : "ICMP_NEW";
	default:
		return e->state ? "OTHER_REPLIED" : "OTHER_NEW";
	}
}

static uint64_t o_timeout(const struct oracle *o, const struct o_entry *e)
{
	switch (e->k.proto) {
	case 6:
		return e->state == O_EST ? S(o->to.tcp_established_s) : S(o_tcp_secs[e->state]);
	case 17:
		return e->state >= 2 ? S(o->to.udp_stream_s) : S(o->to.udp_s);
	case 1:
		return S(30);
	default:
		return S(600);
	}
}

/* TCP transition, written as the rule list of ct.h. */
static int o_tcp(struct o_entry *e, int dir, uint8_t f)
{
	bool syn = f & SYN, ack = f & ACK, fin = f & FIN, rst = f & RST;
	bool orig = dir == e->origin, first = e->fin_side == dir;

	if ((e->state == O_CLOSED || e->state == O_TIME_WAIT) && syn && !ack && !rst && !fin) {
		e->origin = dir;
		e->replied = 0;
		e->fin_side = -1;
		e->state = O_SYN_SENT;
		return 0;
	}
	if (e->state == O_CLOSED)
		return -ECONNRESET;
	if (rst)
		e->state = O_CLOSED;
	else if (e->state == O_NEW && syn && !ack)
		e->state = O_SYN_SENT;
	else if (e->state == O_NEW && fin)
		e->state = O_FIN_WAIT, e->fin_side = dir;
	else if (e->state == O_NEW)
		e->state = O_EST;
	else if (e->state == O_SYN_SENT && !orig && syn)
		e->state = O_SYN_RECV;
	else if ((e->state == O_SYN_RECV || e->state == O_EST) && fin)
		e->state = O_FIN_WAIT, e->fin_side = dir;
	else if (e->state == O_SYN_RECV && orig && ack && !syn)
		e->state = O_EST;
	else if (e->state == O_FIN_WAIT && !first && fin)
		e->state = O_LAST_ACK;
	else if (e->state == O_FIN_WAIT && !first && ack)
		e->state = O_CLOSE_WAIT;
	else if (e->state == O_CLOSE_WAIT && !first && fin)
		e->state = O_LAST_ACK;
	else if (e->state == O_LAST_ACK && first && ack && !fin)
		e->state = O_TIME_WAIT;
	return 0;
}

static int o_update(struct oracle *o, struct o_entry *e, int dir, uint8_t f, uint64_t now)
{
	int r = 0;

	switch (e->k.proto) {
	case 6:
		r = o_tcp(e, dir, f);
		break;
	case 17:
		if (dir != e->origin && e->last_dir == e->origin)
			e->state++;
		break;
	default:
		if (dir != e->origin)
			e->state = 1;
		break;
	}
	if (r < 0)
		return r;
	if (dir != e->origin)
		e->replied = 1;
	e->last_dir = dir;
	e->expires = now + o_timeout(o, e);
	return 0;
}

static size_t o_zone_live(struct oracle *o, uint32_t zone, uint64_t now)
{
	size_t n = 0;

	o_purge(o, now);
	for (size_t i = 0; i < o->n; i++)
		n += o->e[i].k.zone == zone;
	return n;
}

static struct ct_key random_key(struct util_rng *rng)
{
	static const uint8_t protos[] = {6, 6, 6, 17, 17, 1, 47};
	struct ct_key k;

	memset(&k, 0, sizeof(k));
	k.zone = (uint32_t)util_rng_below(rng, 4);
	k.local_ip = 0x0a000000 + (uint32_t)util_rng_below(rng, 3);
	k.remote_ip = 0xc0000200 + (uint32_t)util_rng_below(rng, 3);
	k.proto = protos[util_rng_below(rng, ARRAY_SIZE(protos))];
	k.local_port = (uint16_t)(1000 + util_rng_below(rng, 3));
	k.remote_port = (uint16_t)(80 + util_rng_below(rng, 2));
	return k;
}

static void check_same(struct ct_table *t, struct oracle *o, const struct ct_key *k, uint64_t now,
		       unsigned step_no)
{
	struct ct_entry *e = ct_lookup(t, k, now);
	struct o_entry *oe = o_find(o, k, now);

	cr_assert_eq(e != NULL, oe != NULL, "step %u: membership differs (table %d oracle %d)",
		     step_no, e != NULL, oe != NULL);
	if (!e)
		return;
	cr_assert_str_eq(ct_entry_state_name(e), o_state_name(oe), "step %u", step_no);
	cr_assert_eq(ct_entry_expires_ms(e), oe->expires, "step %u", step_no);
	cr_assert_eq((int)ct_entry_origin(e), oe->origin, "step %u", step_no);
	cr_assert_eq(ct_entry_replied(e), (bool)oe->replied, "step %u", step_no);
}

/*
 * whole_seconds: time advances in whole seconds, where the limits and the
 * sweep are exact (ct.h); otherwise in milliseconds, where lookups are exact
 * and the table may hold expired entries of the current second.
 */
static void differential(uint64_t seed, uint32_t cap, uint32_t per_zone, unsigned steps,
			 bool whole_seconds)
{
	/* Weighted so that flows get through handshakes and closes; RST is rare. */
	static const uint8_t flag_set[] = {SYN,	      SYN,	 SYN | ACK, SYN | ACK, ACK,
					   ACK,	      ACK,	 ACK,	    PSH | ACK, PSH | ACK,
					   FIN | ACK, FIN | ACK, FIN,	    0,	       ACK,
					   SYN | ACK, ACK,	 ACK,	    RST | ACK, RST};
	struct oracle *o = calloc(1, sizeof(*o));
	struct ct_table *t = ct_new(cap, per_zone);
	struct util_rng rng;
	uint64_t now = S(1000);

	cr_assert_not_null(t);
	util_rng_seed(&rng, seed);
	o->cap = cap;
	o->per_zone = per_zone;
	o->to.tcp_established_s = 90;
	o->to.udp_stream_s = 75;
	o->to.udp_s = 40;
	for (unsigned s = 0; s < steps; s++) {
		struct ct_key k = random_key(&rng);
		int dir = (int)util_rng_below(&rng, 2);
		uint8_t flags = flag_set[util_rng_below(&rng, ARRAY_SIZE(flag_set) - (s & 1) * 2)];
		unsigned op = (unsigned)util_rng_below(&rng, 1000);
		uint64_t r = util_rng_below(&rng, 100);

		/* Time: mostly small steps, sometimes past whole timeouts. */
		if (whole_seconds) /* slow time, so that the limits are reached */
			now += r < 85	? 0
			       : r < 97 ? S(1 + util_rng_below(&rng, 3))
			       : r < 99 ? S(20)
					: S(130);
		else
			now += r < 80	? util_rng_below(&rng, 2000)
			       : r < 99 ? S(util_rng_below(&rng, 20))
					: S(130);
		/* Mostly packets of flows that exist, so that replies and closes happen. */
		if (o->n && util_rng_below(&rng, 10) < 7)
			k = o->e[util_rng_below(&rng, o->n)].k;
		if (op < 450) { /* insert + first packet */
			struct ct_entry *e = NULL;
			struct o_entry *oe = o_find(o, &k, now);
			int want, got = ct_insert(t, &k, dir, &o->to, now, &e);

			if (oe)
				want = -EEXIST;
			else if (o->n >= cap || o_zone_live(o, k.zone, now) >= per_zone)
				want = -ENOSPC;
			else
				want = 0;
			cr_assert_eq(got, want, "step %u: insert %d want %d", s, got, want);
			if (got == 0) {
				struct o_entry *n = &o->e[o->n++];

				memset(n, 0, sizeof(*n));
				n->k = k;
				n->origin = n->last_dir = dir;
				n->fin_side = -1;
				n->state = 0;
				n->expires = now + o_timeout(o, n);
				if (util_rng_below(&rng, 10) < 9) {
					int gr = ct_update(t, e, dir, flags, now);

					cr_assert_eq(gr, o_update(o, n, dir, flags, now), "step %u",
						     s);
				}
			}
		} else if (op < 900) { /* a packet on an existing flow */
			struct ct_entry *e = ct_lookup(t, &k, now);
			struct o_entry *oe = o_find(o, &k, now);

			cr_assert_eq(e != NULL, oe != NULL, "step %u: lookup differs", s);
			if (e) {
				int gr = ct_update(t, e, dir, flags, now);
				int wr = o_update(o, oe, dir, flags, now);

				cr_assert_eq(gr, wr, "step %u: update %d want %d (%s)", s, gr, wr,
					     o_state_name(oe));
			}
		} else if (op < 930) { /* remove */
			struct ct_entry *e = ct_lookup(t, &k, now);
			struct o_entry *oe = o_find(o, &k, now);

			cr_assert_eq(e != NULL, oe != NULL, "step %u", s);
			ct_remove(t, e);
			if (oe)
				*oe = o->e[--o->n];
		} else if (op < 995) { /* sweep */
			ct_expire(t, now, (size_t)util_rng_below(&rng, 8));
		} else { /* flush a zone */
			size_t live = o_zone_live(o, k.zone, now);
			size_t got = ct_flush_zone(t, k.zone);

			cr_assert_geq(got, live, "step %u", s);
			for (size_t i = 0; i < o->n;)
				if (o->e[i].k.zone == k.zone)
					o->e[i] = o->e[--o->n];
				else
					i++;
			cr_assert_eq(ct_zone_count(t, k.zone), 0);
		}
		check_same(t, o, &k, now, s);
		cr_assert_leq(ct_count(t), cap);
		cr_assert_leq(ct_zone_count(t, k.zone), per_zone);
		cr_assert_geq(ct_zone_count(t, k.zone), o_zone_live(o, k.zone, now));
		if (s % 64 == 0) {
			/* Full comparison, then a full sweep must leave exactly the live ones. */
			ct_expire(t, now, SIZE_MAX);
			if (whole_seconds)
				cr_assert_eq(ct_count(t), o->n, "step %u: count %zu oracle %zu", s,
					     ct_count(t), o->n);
			else
				cr_assert_geq(ct_count(t), o->n, "step %u", s);
			for (size_t i = 0; i < o->n; i++)
				check_same(t, o, &o->e[i].k, now, s);
		}
	}
	ct_free(t);
	free(o);
}

Test(ct, differential_roomy)
{
	differential(1, 1024, 1024, 20000, false);
	differential(2, 1024, 1024, 20000, true);
}

Test(ct, differential_tight_limits)
{
	for (uint64_t seed = 2; seed < 6; seed++)
		differential(seed, 24, 9, 20000, true);
}

/* Capacity: a million entries fit, every one is found, and the limits hold. */
Test(ct, million_entries)
{
	const uint32_t n = 1u << 20;
	struct ct_table *t = ct_new(n, n);
	struct ct_key k;

	cr_assert_not_null(t);
	memset(&k, 0, sizeof(k));
	k.proto = PKT_PROTO_TCP;
	for (uint32_t i = 0; i < n; i++) {
		k.zone = i & 7;
		k.local_ip = 0x0a000000 | (i >> 3);
		k.remote_ip = 0x08080808;
		k.local_port = (uint16_t)(i * 7);
		k.remote_port = 443;
		cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, NULL), 0, "entry %u", i);
	}
	cr_assert_eq(ct_count(t), n);
	k.local_ip = 0x0b000000;
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, NULL), -ENOSPC);
	for (uint32_t i = 0; i < n; i += 97) {
		k.zone = i & 7;
		k.local_ip = 0x0a000000 | (i >> 3);
		k.local_port = (uint16_t)(i * 7);
		cr_assert_not_null(ct_lookup(t, &k, 1));
	}
	cr_assert_eq(ct_flush_zone(t, 3), n / 8);
	cr_assert_eq(ct_count(t), n - n / 8);
	ct_free(t);
}

/*
 * Home-bucket cap (white-box: the test restates the unseeded hash and the
 * index size, 64 entries -> 16 buckets).  CT_CHAIN_MAX flows that share a
 * home bucket fit (spilling into the next buckets), the next one is refused
 * although the table has room; a keyed table spreads the same flows out.
 */
static uint32_t bucket_unseeded(const struct ct_key *k, uint32_t mask)
{
	uint64_t a = ((uint64_t)k->local_ip << 32) | k->remote_ip;
	uint64_t b = ((uint64_t)k->zone << 32) | ((uint64_t)k->local_port << 16) | k->remote_port;

	return (uint32_t)util_hash64((a * 0x9e3779b97f4a7c15ULL) ^ b ^ ((uint64_t)k->proto << 56)) &
	       mask;
}

Test(ct, chain_cap_and_seed)
{
	struct ct_table *t = ct_new(64, 64), *keyed = ct_new(64, 64);
	struct ct_key same[CT_CHAIN_MAX + 1], other;
	size_t n = 0;

	for (uint32_t i = 0; n < ARRAY_SIZE(same); i++) {
		struct ct_key k = tkey(1, PKT_PROTO_UDP, (uint16_t)i, (uint16_t)(i >> 16));

		if (bucket_unseeded(&k, 15) == 5)
			same[n++] = k;
	}
	for (size_t i = 0; i < CT_CHAIN_MAX; i++)
		cr_assert_eq(ct_insert(t, &same[i], CT_DIR_OUT, NULL, 0, NULL), 0);
	cr_assert_eq(ct_insert(t, &same[CT_CHAIN_MAX], CT_DIR_OUT, NULL, 0, NULL), -ENOSPC);
	other = tkey(1, PKT_PROTO_UDP, 1, 1);
	cr_assert_neq(bucket_unseeded(&other, 15), 5);
	cr_assert_eq(ct_insert(t, &other, CT_DIR_OUT, NULL, 0, NULL), 0);
	/* Expired chain members make room again. */
	cr_assert_eq(ct_insert(t, &same[CT_CHAIN_MAX], CT_DIR_OUT, NULL, S(30), NULL), 0);

	cr_assert_eq(ct_set_seed(keyed, 0x1234), 0);
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		cr_assert_eq(ct_insert(keyed, &same[i], CT_DIR_OUT, NULL, 0, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(same); i++)
		cr_assert_not_null(ct_lookup(keyed, &same[i], 1));
	cr_assert_eq(ct_set_seed(keyed, 1), -EBUSY);
	ct_free(t);
	ct_free(keyed);
}

/* Unix-epoch clocks and long gaps: small sweep budgets still catch up. */
Test(ct, sweep_with_epoch_time_and_small_budgets)
{
	struct ct_table *t = ct_new(4096, 4096);
	uint64_t now = 1764190000000ULL; /* 2025-11 in ms */
	size_t removed = 0;

	for (uint16_t p = 0; p < 100; p++) {
		struct ct_key k = tkey(1, PKT_PROTO_UDP, p, 53);

		start_flow(t, &k, CT_DIR_OUT, 0, NULL, now + p * 10);
	}
	/* Nothing is due yet, whatever the budget. */
	cr_assert_eq(ct_expire(t, now + S(29), SIZE_MAX), 0);
	for (int i = 0; i < 40 && removed < 100; i++)
		removed += ct_expire(t, now + S(31), 16);
	cr_assert_eq(removed, 100);
	cr_assert_eq(ct_count(t), 0);
	/* A gap of many wheel laps. */
	for (uint16_t p = 0; p < 10; p++) {
		struct ct_key k = tkey(2, PKT_PROTO_TCP, p, 443);

		start_flow(t, &k, CT_DIR_OUT, PKT_TCP_SYN, NULL, now + S(40));
	}
	removed = 0;
	for (int i = 0; i < 40 && removed < 10; i++)
		removed += ct_expire(t, now + S(40) + S(30) * 86400, 16);
	cr_assert_eq(removed, 10);
	ct_free(t);
}

Test(ct, zone_count_limit)
{
	struct ct_table *t = ct_new(CT_ZONES_MAX + 100, 4);
	struct ct_key k;

	for (uint32_t z = 0; z < CT_ZONES_MAX; z++) {
		k = tkey(z, PKT_PROTO_ICMP, 1, 1);
		cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, 0, NULL), 0, "zone %u", z);
	}
	k = tkey(CT_ZONES_MAX, PKT_PROTO_ICMP, 1, 1);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(29), NULL), -ENOSPC);
	/* Existing zones still take entries. */
	k = tkey(7, PKT_PROTO_ICMP, 2, 2);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(29), NULL), 0);
	/* Once the others expire (ICMP, 30 s), their zone records are free again. */
	k = tkey(CT_ZONES_MAX, PKT_PROTO_ICMP, 1, 1);
	cr_assert_eq(ct_insert(t, &k, CT_DIR_OUT, NULL, S(30), NULL), 0);
	cr_assert_eq(ct_count(t), 2);
	cr_assert_eq(ct_zone_count(t, 7), 1);
	ct_free(t);
}

/* The flow cache's entry points: hinted lookup and update, and the side-effect-free check. */
Test(ct, refresh_with_hints_and_would_pass)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_key k = tkey(3, PKT_PROTO_TCP, 443, 50000);
	struct ct_key other = tkey(3, PKT_PROTO_TCP, 443, 50001);
	struct ct_entry *e;
	uint32_t hint = UINT32_MAX, idx;
	uint64_t now = 1000000;

	cr_assert_not_null(t);
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_IN, SYN, now), -ENOENT, "no entry yet");
	cr_assert_eq(hint, UINT32_MAX, "hint untouched on a miss");
	cr_assert_not(ct_would_pass(t, &k, ACK, now));
	e = start_flow(t, &k, CT_DIR_IN, SYN, NULL, now);
	idx = ct_entry_index(t, e);
	start_flow(t, &other, CT_DIR_IN, SYN, NULL, now);
	/* A wrong hint falls back to the hash lookup and is corrected. */
	hint = ct_entry_index(t, ct_lookup(t, &other, now));
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_OUT, SYN | ACK, now + 1), 0);
	cr_assert_eq(hint, idx);
	cr_assert_str_eq(ct_entry_state_name(e), "SYN_RECV");
	/* A right hint: same result as ct_lookup() + ct_update(). */
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_IN, ACK, now + 2), 0);
	cr_assert_str_eq(ct_entry_state_name(e), "ESTABLISHED");
	cr_assert_eq(ct_entry_expires_ms(e), now + 2 + 432000ull * 1000);
	cr_assert_eq(ct_lookup_hint(t, &k, 12345678, now + 3), e, "out-of-range hint");
	/* Closed by RST: only a new SYN passes by state; would_pass changes nothing. */
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_IN, RST, now + 3), 0);
	cr_assert(ct_would_pass(t, &k, SYN, now + 4));
	cr_assert_not(ct_would_pass(t, &k, ACK, now + 4));
	cr_assert_str_eq(ct_entry_state_name(e), "CLOSED");
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_IN, ACK, now + 4), -ECONNRESET);
	/* Expired (CLOSED lasts 10 s): absent for both, and reclaimed by the refresh. */
	cr_assert_not(ct_would_pass(t, &k, SYN, now + 3 + 10000));
	cr_assert_eq(ct_count(t), 2);
	cr_assert_eq(ct_refresh(t, &k, &hint, CT_DIR_IN, SYN, now + 3 + 10000), -ENOENT);
	cr_assert_eq(ct_count(t), 1, "the expired entry was reclaimed");
	/* Hints to a reused slot holding another key do not match. */
	e = start_flow(t, &k, CT_DIR_OUT, SYN, NULL, now + 20000);
	hint = ct_entry_index(t, ct_lookup(t, &other, now + 20000));
	cr_assert_eq(ct_lookup_hint(t, &k, hint, now + 20000), e);
	/*
	 * A key that is not normalised (ports on a protocol without them) finds
	 * its entry with a right hint too (through the index), and a TCP key
	 * differing only in a port does not take the hinted entry.
	 */
	{
		struct ct_key gre = tkey(4, 47, 0, 0), gre_ports = tkey(4, 47, 1234, 80);
		struct ct_key k2 = tkey(3, PKT_PROTO_TCP, 443, 50002);
		struct ct_entry *ge = start_flow(t, &gre, CT_DIR_OUT, 0, NULL, now + 20000);
		uint32_t gh = ct_entry_index(t, ge), eh = ct_entry_index(t, e);

		cr_assert_eq(ct_lookup_hint(t, &gre_ports, gh, now + 20001), ge);
		cr_assert_eq(ct_refresh(t, &gre_ports, &gh, CT_DIR_IN, 0, now + 20001), 0);
		cr_assert_eq(gh, ct_entry_index(t, ge));
		cr_assert(ct_entry_replied(ge));
		cr_assert_null(ct_lookup_hint(t, &k2, eh, now + 20001));
		cr_assert_eq(ct_refresh(t, &k2, &eh, CT_DIR_IN, ACK, now + 20001), -ENOENT);
		cr_assert_eq(eh, ct_entry_index(t, e), "hint untouched on a miss");
	}
	ct_free(t);
}

/*
 * Index probing (white-box: restates the unseeded hash and the index size,
 * 256 entries -> 64 buckets of 8 slots).  Flows are drawn only from 30 keys
 * for each of the home buckets 62, 63 and 0 (below CT_CHAIN_MAX), so
 * buckets overflow into their
 * neighbours and across the end of the array; random inserts, removals,
 * expiries and flushes must keep every key findable exactly while it is
 * live, as a plain array says.
 */
Test(ct, index_overflow_and_wrap)
{
	enum { PER_HOME = 30, NKEYS = 3 * PER_HOME, CAP = 256 };
	size_t per[3] = {0, 0, 0};
	struct ct_key keys[NKEYS];
	bool in[NKEYS];
	uint64_t exp_ms[NKEYS];
	struct ct_table *t = ct_new(CAP, CAP);
	struct util_rng rng;
	uint64_t now = S(100);
	size_t n = 0;

	cr_assert_not_null(t);
	for (uint32_t i = 0; n < NKEYS; i++) {
		struct ct_key k = tkey(i & 1, PKT_PROTO_UDP, (uint16_t)i, (uint16_t)(i >> 16));
		uint32_t b = bucket_unseeded(&k, 63), h = (b + 2) & 63; /* 62, 63, 0 -> 0, 1, 2 */

		if (h < 3 && per[h] < PER_HOME) {
			per[h]++;
			keys[n++] = k;
		}
	}
	memset(in, 0, sizeof(in));
	util_rng_seed(&rng, 7);
	for (unsigned s = 0; s < 60000; s++) {
		size_t i = (size_t)util_rng_below(&rng, NKEYS);
		unsigned op = (unsigned)util_rng_below(&rng, 100);
		struct ct_entry *e;

		if (util_rng_below(&rng, 50) == 0)
			now += S(1 + util_rng_below(&rng, 40));
		for (size_t j = 0; j < NKEYS; j++)
			if (in[j] && now >= exp_ms[j])
				in[j] = false; /* expired: absent, whether reclaimed or not */
		if (op < 55) {
			int r = ct_insert(t, &keys[i], CT_DIR_OUT, NULL, now, &e);

			cr_assert_eq(r, in[i] ? -EEXIST : 0, "step %u key %zu: insert %d", s, i, r);
			if (r == 0) {
				in[i] = true;
				exp_ms[i] = ct_entry_expires_ms(e);
			}
		} else if (op < 85) {
			e = ct_lookup(t, &keys[i], now);
			cr_assert_eq(e != NULL, in[i], "step %u key %zu", s, i);
			ct_remove(t, e);
			in[i] = false;
		} else if (op < 97) {
			ct_expire(t, now, (size_t)util_rng_below(&rng, 16));
		} else if (op < 98) {
			ct_flush_zone(t, keys[i].zone);
			for (size_t j = 0; j < NKEYS; j++)
				if (keys[j].zone == keys[i].zone)
					in[j] = false;
		}
		if (s % 97 == 0)
			for (size_t j = 0; j < NKEYS; j++) {
				e = ct_lookup(t, &keys[j], now);
				cr_assert_eq(e != NULL, in[j], "step %u key %zu", s, j);
				cr_assert_eq(ct_would_pass(t, &keys[j], 0, now), in[j]);
				if (e) {
					const struct ct_key *ek = ct_entry_key(e);

					cr_assert(ek->local_port == keys[j].local_port &&
						  ek->remote_port == keys[j].remote_port &&
						  ek->zone == keys[j].zone);
				}
			}
	}
	ct_expire(t, now + S(1000), SIZE_MAX);
	cr_assert_eq(ct_count(t), 0);
	ct_free(t);
}

/*
 * ct_refresh_tcp_pair() against ct_refresh() on each of its two keys: two
 * tables given the same random inserts, packets (TCP flags of every kind,
 * ESTABLISHED and not), clock steps past the timeouts, expiry sweeps and
 * stale or wrong hints.  When the pair call answers 0 the other table runs
 * the two refreshes, which must both pass; when it answers 1 it must have
 * changed nothing (the same two refreshes then run on both).  After every
 * step each connection's two entries must be byte for byte the same in both
 * tables (state, flags, expiry, wheel second, pool index), and so must the
 * hints.  Entries are also removed before they expire (a hint to a free
 * entry that still holds its key).  Some connections are a host talking to itself through one ENI
 * (both keys the same entry).
 */
#include "lib/engine/ct-private.h"

struct pair_conn {
	uint32_t zout, zin;
	struct pkt_hdr h;
	uint32_t hint[2][2]; /* [table][egress, ingress] */
};

static void pair_keys(const struct pair_conn *c, struct ct_key *ko, struct ct_key *ki)
{
	*ko = (struct ct_key){c->zout, c->h.src, c->h.dst, c->h.sport, c->h.dport, PKT_PROTO_TCP};
	*ki = (struct ct_key){c->zin, c->h.dst, c->h.src, c->h.dport, c->h.sport, PKT_PROTO_TCP};
}

static void pair_same(struct ct_table *a, struct ct_table *b, const struct ct_key *k,
		      uint64_t now, unsigned step)
{
	struct ct_entry *ea = ct_lookup(a, k, now), *eb = ct_lookup(b, k, now);

	cr_assert_eq(!ea, !eb, "step %u: present in one table only", step);
	if (!ea)
		return;
	cr_assert_eq(ct_entry_index(a, ea), ct_entry_index(b, eb), "step %u: pool index %u / %u",
		     step, ct_entry_index(a, ea), ct_entry_index(b, eb));
	cr_assert(memcmp(ea, eb, sizeof(*ea)) == 0,
		  "step %u: entries differ (%s / %s, flags %x / %x, expires %lu / %lu, wsec %u / %u)",
		  step, ct_entry_state_name(ea), ct_entry_state_name(eb), ea->flags, eb->flags,
		  (unsigned long)ea->expires_ms, (unsigned long)eb->expires_ms, ea->wsec, eb->wsec);
}

Test(ct, refresh_tcp_pair_is_two_refreshes)
{
	static const uint8_t flags[] = {ACK, ACK, ACK | PSH, ACK, SYN, SYN | ACK, FIN | ACK, RST, 0};
	struct ct_table *t[2] = {ct_new(256, 256), ct_new(256, 256)};
	struct pair_conn c[24];
	struct util_rng rng;
	uint64_t now = 5000000;
	unsigned fast = 0, slow = 0;

	cr_assert(t[0] && t[1]);
	util_rng_seed(&rng, 7);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		memset(&c[i], 0, sizeof(c[i]));
		c[i].zout = (uint32_t)util_rng_below(&rng, 3);
		c[i].zin = (uint32_t)util_rng_below(&rng, 3);
		c[i].h.proto = PKT_PROTO_TCP;
		c[i].h.src = 0x0a000001 + (uint32_t)util_rng_below(&rng, 3);
		c[i].h.dst = 0x0a000001 + (uint32_t)util_rng_below(&rng, 3);
		c[i].h.sport = (uint16_t)(1000 + util_rng_below(&rng, 3));
		c[i].h.dport = (uint16_t)(1000 + util_rng_below(&rng, 3));
		if (i < 3) { /* one ENI, one address, one port: both keys are one entry */
			c[i].zin = c[i].zout;
			c[i].h.dst = c[i].h.src;
			c[i].h.dport = c[i].h.sport;
		}
		memset(c[i].hint, 0xff, sizeof(c[i].hint));
	}
	for (unsigned step = 0; step < 60000; step++) {
		struct pair_conn *p = &c[util_rng_below(&rng, ARRAY_SIZE(c))];
		unsigned adv = (unsigned)util_rng_below(&rng, 100);
		struct ct_key k[2];
		int r[2][2];

		now += adv < 90 ? util_rng_below(&rng, 2000)
		       : adv < 99 ? util_rng_below(&rng, 130000)
				  : util_rng_below(&rng, 432001000);
		p->h.tcp_flags = flags[util_rng_below(&rng, ARRAY_SIZE(flags))];
		pair_keys(p, &k[0], &k[1]);
		if (util_rng_below(&rng, 20) == 0) {
			size_t budget = util_rng_below(&rng, 16), n0 = ct_expire(t[0], now, budget);

			cr_assert_eq(ct_expire(t[1], now, budget), n0);
		}
		if (util_rng_below(&rng, 50) == 0) { /* removed before it expired (ENI gone) */
			unsigned w = (unsigned)util_rng_below(&rng, 2);

			ct_remove(t[0], ct_lookup(t[0], &k[w], now));
			ct_remove(t[1], ct_lookup(t[1], &k[w], now));
		}
		if (util_rng_below(&rng, 50) == 0) { /* a stale or wrong hint */
			uint32_t h = util_rng_below(&rng, 2) ? UINT32_MAX
							     : (uint32_t)util_rng_below(&rng, 300);
			unsigned w = (unsigned)util_rng_below(&rng, 2);

			p->hint[0][w] = p->hint[1][w] = h;
		}
		/*
		 * A missing entry is opened by this packet in both tables (as the SG
		 * would), or a UDP flow of the same addresses and ports; not at every
		 * step, since lookups reclaim expired entries the pair call must see.
		 */
		for (unsigned s = 0; s < 2 && util_rng_below(&rng, 3) == 0; s++) {
			enum ct_dir dir = s == 0 ? CT_DIR_OUT : CT_DIR_IN;

			/* (Both tables look up: a lookup reclaims an expired entry it meets.) */
			bool live = ct_lookup(t[0], &k[s], now) != NULL;

			cr_assert_eq(live, ct_lookup(t[1], &k[s], now) != NULL, "step %u", step);
			if (live || util_rng_below(&rng, 4) == 0)
				continue;
			if (util_rng_below(&rng, 8) == 0) {
				struct ct_key u = k[s];

				u.proto = PKT_PROTO_UDP;
				for (int ti = 0; ti < 2; ti++)
					if (!ct_lookup(t[ti], &u, now))
						start_flow(t[ti], &u, dir, 0, NULL, now);
				continue;
			}
			for (int ti = 0; ti < 2; ti++) {
				struct ct_entry *e = NULL;

				if (ct_insert(t[ti], &k[s], dir, NULL, now, &e) == 0) {
					ct_update(t[ti], e, dir, p->h.tcp_flags, now);
					p->hint[ti][s] = ct_entry_index(t[ti], e);
				}
			}
		}
		if (ct_refresh_tcp_pair(t[0], p->hint[0], p->zout, p->zin, &p->h, now) == 0) {
			fast++;
			r[1][0] = ct_refresh(t[1], &k[0], &p->hint[1][0], CT_DIR_OUT, p->h.tcp_flags,
					     now);
			r[1][1] = ct_refresh(t[1], &k[1], &p->hint[1][1], CT_DIR_IN, p->h.tcp_flags,
					     now);
			cr_assert_eq(r[1][0], 0, "step %u", step);
			cr_assert_eq(r[1][1], 0, "step %u", step);
		} else {
			slow++;
			for (unsigned s = 0; s < 2; s++)
				pair_same(t[0], t[1], &k[s], now, step); /* nothing changed */
			for (int ti = 0; ti < 2; ti++) {
				r[ti][0] = ct_refresh(t[ti], &k[0], &p->hint[ti][0], CT_DIR_OUT,
						      p->h.tcp_flags, now);
				r[ti][1] = ct_refresh(t[ti], &k[1], &p->hint[ti][1], CT_DIR_IN,
						      p->h.tcp_flags, now);
			}
			cr_assert_eq(r[0][0], r[1][0], "step %u", step);
			cr_assert_eq(r[0][1], r[1][1], "step %u", step);
		}
		cr_assert_eq(p->hint[0][0], p->hint[1][0], "step %u", step);
		cr_assert_eq(p->hint[0][1], p->hint[1][1], "step %u", step);
		for (size_t j = 0; j < ARRAY_SIZE(c); j++) {
			struct ct_key kk[2];

			pair_keys(&c[j], &kk[0], &kk[1]);
			for (unsigned s = 0; s < 2; s++)
				pair_same(t[0], t[1], &kk[s], now, step);
		}
		cr_assert_eq(ct_count(t[0]), ct_count(t[1]), "step %u", step);
	}
	cr_assert_gt(fast, 6000, "the pair path answers (%u)", fast);
	cr_assert_gt(slow, 6000, "and declines (%u)", slow);
	ct_free(t[0]);
	ct_free(t[1]);
}

/*
 * ct_insert_near(): under churn (a half-full table; whole connections and
 * single entries removed at random, as flows tracked at one ENI only break
 * a LIFO free list's pairing), a connection's second entry lands in its
 * first entry's 128-byte block whenever that slot is free, which the free
 * list's order (whole free blocks first) makes the common case; every live
 * key stays findable.  A table filled with plain ct_insert() the same way is
 * the comparison (4,000 of 4,000 pairs together against 155 when written).
 */
Test(ct, insert_near_keeps_pairs_together)
{
	enum { CAP = 512, CONNS = 4000 };
	struct ct_table *t[2] = {ct_new(CAP, CAP), ct_new(CAP, CAP)};
	static struct ct_key keys[CONNS][2];
	static bool live[2][CONNS][2];
	static uint32_t idx[2][CONNS][2];
	bool used[2][CAP] = {{false}};
	struct util_rng rng;
	unsigned together[2] = {0, 0}, pairs[2] = {0, 0}, partner_free = 0;
	uint64_t now = 1000000;

	cr_assert(t[0] && t[1]);
	util_rng_seed(&rng, 11);
	for (uint32_t c = 0; c < CONNS; c++) {
		keys[c][0] = tkey(1, PKT_PROTO_TCP, (uint16_t)(c & 0xffff), 443);
		keys[c][0].local_ip = 0x0a000000 + c;
		keys[c][1] = tkey(2, PKT_PROTO_TCP, 443, (uint16_t)(c & 0xffff));
		keys[c][1].remote_ip = 0x0a000000 + c;
	}
	for (uint32_t c = 0; c < CONNS; c++) {
		/* Make room: remove random live entries (one side or both) until a pair fits. */
		for (int ti = 0; ti < 2; ti++) {
			while (ct_count(t[ti]) + 2 > CAP / 2) { /* half full */
				uint32_t v = (uint32_t)util_rng_below(&rng, c);
				unsigned s = (unsigned)util_rng_below(&rng, 3);

				for (unsigned w = 0; w < 2; w++) {
					if (!live[ti][v][w] || (s < 2 && s != w))
						continue;
					ct_remove(t[ti], ct_lookup(t[ti], &keys[v][w], now));
					used[ti][idx[ti][v][w]] = false;
					live[ti][v][w] = false;
				}
			}
		}
		for (int ti = 0; ti < 2; ti++) {
			struct ct_entry *e0 = NULL, *e1 = NULL;
			uint32_t i0, i1;
			bool free_before;

			cr_assert_eq(ct_insert(t[ti], &keys[c][0], CT_DIR_OUT, NULL, now, &e0), 0);
			i0 = ct_entry_index(t[ti], e0);
			free_before = (i0 ^ 1) < CAP && !used[ti][i0 ^ 1];
			if (ti == 0)
				cr_assert_eq(ct_insert_near(t[ti], &keys[c][1], CT_DIR_IN, NULL, now, i0,
							    &e1),
					     0);
			else
				cr_assert_eq(ct_insert(t[ti], &keys[c][1], CT_DIR_IN, NULL, now, &e1), 0);
			i1 = ct_entry_index(t[ti], e1);
			cr_assert(!used[ti][i0] && !used[ti][i1] && i0 != i1);
			used[ti][i0] = used[ti][i1] = true;
			idx[ti][c][0] = i0;
			idx[ti][c][1] = i1;
			live[ti][c][0] = live[ti][c][1] = true;
			if (ti == 0 && free_before) {
				partner_free++;
				cr_assert_eq(i1, i0 ^ 1, "conn %u: partner %u free, got %u", c, i0 ^ 1,
					     i1);
			}
			pairs[ti]++;
			together[ti] += (i0 ^ 1) == i1;
		}
	}
	for (int ti = 0; ti < 2; ti++)
		for (uint32_t c = 0; c < CONNS; c++)
			for (unsigned w = 0; w < 2; w++) {
				struct ct_entry *e = ct_lookup(t[ti], &keys[c][w], now);

				cr_assert_eq(e != NULL, live[ti][c][w], "conn %u side %u", c, w);
				if (e)
					cr_assert_eq(ct_entry_index(t[ti], e), idx[ti][c][w]);
			}
	cr_assert_gt(partner_free, CONNS / 2, "the partner was mostly free (%u)", partner_free);
	cr_log_info("partner free %u; together: near %u, plain %u of %u", partner_free, together[0], together[1], pairs[1]);
	cr_assert_gt(together[0], together[1], "near: %u of %u pairs together, plain: %u of %u",
		     together[0], pairs[0], together[1], pairs[1]);
	ct_free(t[0]);
	ct_free(t[1]);
}

/*
 * ct_lookup_insert() and ct_insert_first() against the calls they fuse: two
 * tables (tight pool and per-zone limits, so inserts fail with -ENOSPC and
 * sweep expired entries) get the same random steps.  Table 0 runs the fused
 * call; table 1 runs ct_lookup() and, on a miss, ct_insert_near() and
 * ct_update() with the same packet (or ct_insert_near() and ct_update()
 * for ct_insert_first()).  Keys of every protocol (TCP, UDP, ICMP, GRE,
 * ports set on GRE too), every TCP flag kind, per-entry timeouts short and
 * long (a first packet that moves the expiry earlier re-files the entry),
 * clock steps past every timeout, expiry sweeps, removals before expiry and
 * near hints right, wrong and out of range.  After every step the return
 * values, the entry found or made and the whole entry pool must be byte for
 * byte the same (state, flags, expiry, wheel second and links, free list).
 */
Test(ct, fused_insert_is_lookup_insert_update)
{
	static const uint8_t flags[] = {SYN, SYN, ACK, SYN | ACK, FIN | ACK, RST, ACK | PSH, 0};
	static const uint8_t protos[] = {PKT_PROTO_TCP, PKT_PROTO_TCP, PKT_PROTO_UDP,
					 PKT_PROTO_ICMP, 47};
	struct ct_table *t[2] = {ct_new(20, 7), ct_new(20, 7)};
	struct ct_key keys[96];
	struct ct_timeouts tos[3];
	struct util_rng rng;
	uint64_t now = 9000000;
	uint32_t last = UINT32_MAX;
	unsigned inserted = 0, found = 0, full = 0, exists = 0;

	cr_assert(t[0] && t[1]);
	util_rng_seed(&rng, 11);
	ct_timeouts_default(&tos[0]);
	tos[1] = (struct ct_timeouts){60, 60, 30};	/* ESTABLISHED before NEW's 120 s */
	tos[2] = (struct ct_timeouts){7200, 300, 120};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		keys[i] = (struct ct_key){(uint32_t)util_rng_below(&rng, 4),
					  0x0a000001 + (uint32_t)util_rng_below(&rng, 3),
					  0x0a000001 + (uint32_t)util_rng_below(&rng, 3),
					  (uint16_t)util_rng_below(&rng, 3),
					  (uint16_t)util_rng_below(&rng, 3),
					  protos[util_rng_below(&rng, ARRAY_SIZE(protos))]};
	for (unsigned step = 0; step < 40000; step++) {
		const struct ct_key *k = &keys[util_rng_below(&rng, ARRAY_SIZE(keys))];
		enum ct_dir dir = util_rng_below(&rng, 2) ? CT_DIR_IN : CT_DIR_OUT;
		uint8_t f = flags[util_rng_below(&rng, ARRAY_SIZE(flags))];
		const struct ct_timeouts *to = util_rng_below(&rng, 4) == 0
						   ? NULL
						   : &tos[util_rng_below(&rng, ARRAY_SIZE(tos))];
		unsigned adv = (unsigned)util_rng_below(&rng, 100), nw = (unsigned)util_rng_below(&rng, 4);
		uint32_t near = nw == 0 ? UINT32_MAX
				: nw == 1 ? (uint32_t)util_rng_below(&rng, 70)
					  : last;
		struct ct_entry *e[2] = {NULL, NULL}, *all[2];
		uint32_t n[2];
		int r[2];

		now += adv < 90 ? util_rng_below(&rng, 1000)
		       : adv < 99 ? util_rng_below(&rng, 130000)
				  : util_rng_below(&rng, 8000000);
		if (util_rng_below(&rng, 25) == 0) {
			size_t budget = util_rng_below(&rng, 8), n0 = ct_expire(t[0], now, budget);

			cr_assert_eq(ct_expire(t[1], now, budget), n0, "step %u", step);
		}
		if (util_rng_below(&rng, 40) == 0) { /* removed before it expired */
			ct_remove(t[0], ct_lookup(t[0], k, now));
			ct_remove(t[1], ct_lookup(t[1], k, now));
		}
		if (util_rng_below(&rng, 3) == 0) {
			r[0] = ct_insert_first(t[0], k, dir, to, f, now, near, &e[0]);
			r[1] = ct_insert_near(t[1], k, dir, to, now, near, &e[1]);
			if (r[1] == 0)
				ct_update(t[1], e[1], dir, f, now);
			cr_assert_eq(r[0], r[1], "step %u: insert_first %d, insert_near %d", step,
				     r[0], r[1]);
			exists += r[0] == -EEXIST;
		} else {
			bool ins;

			r[0] = ct_lookup_insert(t[0], k, dir, to, f, now, near, &e[0], &ins);
			e[1] = ct_lookup(t[1], k, now);
			if (e[1]) {
				cr_assert_eq(r[0], 0, "step %u", step);
				cr_assert(!ins, "step %u: inserted over a live entry", step);
				found++;
				/* The caller's update of the entry found, on both. */
				cr_assert_eq(ct_update(t[0], e[0], dir, f, now),
					     ct_update(t[1], e[1], dir, f, now), "step %u", step);
				r[1] = 0;
			} else {
				r[1] = ct_insert_near(t[1], k, dir, to, now, near, &e[1]);
				if (r[1] == 0)
					ct_update(t[1], e[1], dir, f, now);
				cr_assert_eq(r[0], r[1], "step %u: %d / %d", step, r[0], r[1]);
				if (r[0] == 0) {
					cr_assert(ins, "step %u", step);
					inserted++;
				}
			}
		}
		full += r[0] == -ENOSPC;
		if (r[0] == 0) {
			cr_assert_eq(ct_entry_index(t[0], e[0]), ct_entry_index(t[1], e[1]),
				     "step %u", step);
			last = ct_entry_index(t[0], e[0]);
		}
		all[0] = ct_pool_entries(t[0], &n[0]);
		all[1] = ct_pool_entries(t[1], &n[1]);
		cr_assert_eq(n[0], n[1]);
		for (uint32_t i = 0; i < n[0]; i++)
			cr_assert(memcmp(&all[0][i], &all[1][i], sizeof(all[0][i])) == 0,
				  "step %u: entry %u differs (flags %x / %x, expires %lu / %lu, wsec "
				  "%u / %u)",
				  step, i, all[0][i].flags, all[1][i].flags,
				  (unsigned long)all[0][i].expires_ms,
				  (unsigned long)all[1][i].expires_ms, all[0][i].wsec, all[1][i].wsec);
		cr_assert_eq(ct_count(t[0]), ct_count(t[1]), "step %u", step);
	}
	cr_log_info("fused: %u inserted, %u found, %u full, %u exists", inserted, found, full,
		    exists);
	cr_assert_gt(inserted, 3000, "inserts (%u)", inserted);
	cr_assert_gt(found, 3000, "hits (%u)", found);
	cr_assert_gt(full, 300, "limits hit (%u)", full);
	cr_assert_gt(exists, 1000, "duplicates (%u)", exists);
	ct_free(t[0]);
	ct_free(t[1]);
}

/*
 * ct_lookup_insert_pair() (and ct_lookup_insert_hashed(), which it and the
 * engine's bursts use with a hash computed earlier) against the calls it
 * fuses, on twin tables as above: table 0 runs the pair call (each key's
 * hash given or not at random, from ct_key_hash()), table 1
 * ct_lookup_insert() of the egress key and, when that inserted, of the
 * ingress key next to it.  When the first key is found live both update it
 * and take the second one alone (table 0 through ct_lookup_insert_hashed()).
 * Returns, the keys done, the entries and the whole pool must agree after
 * every step (tight limits, every protocol and TCP flag, clock jumps, sweeps,
 * removals).
 */
Test(ct, pair_insert_is_two_lookup_inserts)
{
	static const uint8_t flags[] = {SYN, SYN, ACK, SYN | ACK, FIN | ACK, RST, ACK | PSH, 0};
	static const uint8_t protos[] = {PKT_PROTO_TCP, PKT_PROTO_TCP, PKT_PROTO_TCP,
					 PKT_PROTO_UDP, PKT_PROTO_ICMP, 47};
	struct ct_table *t[2] = {ct_new(24, 9), ct_new(24, 9)};
	struct ct_key keys[80];
	struct ct_timeouts tos[3];
	struct util_rng rng;
	uint64_t now = 5000000;
	unsigned both = 0, first_found = 0, full = 0, second_found = 0;

	cr_assert(t[0] && t[1]);
	util_rng_seed(&rng, 23);
	ct_timeouts_default(&tos[0]);
	tos[1] = (struct ct_timeouts){60, 60, 30};
	tos[2] = (struct ct_timeouts){7200, 300, 120};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		keys[i] = (struct ct_key){(uint32_t)util_rng_below(&rng, 4),
					  0x0a000001 + (uint32_t)util_rng_below(&rng, 3),
					  0x0a000001 + (uint32_t)util_rng_below(&rng, 3),
					  (uint16_t)util_rng_below(&rng, 3),
					  (uint16_t)util_rng_below(&rng, 3),
					  protos[util_rng_below(&rng, ARRAY_SIZE(protos))]};
	for (unsigned step = 0; step < 40000; step++) {
		struct ct_pair_req q = {.tcp_flags = flags[util_rng_below(&rng, ARRAY_SIZE(flags))]};
		struct ct_entry *e0[2], *e1[2], *all[2];
		bool ins0[2], ins1[2];
		unsigned done = 0, adv = (unsigned)util_rng_below(&rng, 100);
		uint32_t n[2];
		int r0, r1;

		for (unsigned i = 0; i < 2; i++) {
			q.k[i] = keys[util_rng_below(&rng, ARRAY_SIZE(keys))];
			q.to[i] = util_rng_below(&rng, 4) == 0
					  ? NULL
					  : &tos[util_rng_below(&rng, ARRAY_SIZE(tos))];
			if (util_rng_below(&rng, 2)) {
				q.h[i] = ct_key_hash(t[0], &q.k[i]);
				q.has_h |= (uint8_t)(1u << i);
			}
		}
		now += adv < 90 ? util_rng_below(&rng, 1000)
		       : adv < 99 ? util_rng_below(&rng, 130000)
				  : util_rng_below(&rng, 8000000);
		if (util_rng_below(&rng, 25) == 0) {
			size_t budget = util_rng_below(&rng, 8), n0 = ct_expire(t[0], now, budget);

			cr_assert_eq(ct_expire(t[1], now, budget), n0, "step %u", step);
		}
		if (util_rng_below(&rng, 40) == 0) {
			ct_remove(t[0], ct_lookup(t[0], &q.k[0], now));
			ct_remove(t[1], ct_lookup(t[1], &q.k[0], now));
		}
		r0 = ct_lookup_insert_pair(t[0], &q, now, e0, ins0, &done);
		r1 = ct_lookup_insert(t[1], &q.k[0], CT_DIR_OUT, q.to[0], q.tcp_flags, now,
				      UINT32_MAX, &e1[0], &ins1[0]);
		if (r1 == 0 && ins1[0])
			r1 = ct_lookup_insert(t[1], &q.k[1], CT_DIR_IN, q.to[1], q.tcp_flags, now,
					      ct_entry_index(t[1], e1[0]), &e1[1], &ins1[1]);
		cr_assert_eq(r0, r1, "step %u: pair %d, two calls %d", step, r0, r1);
		if (r0 < 0) {
			full++;
		} else if (!ins1[0]) {
			cr_assert_eq(done, 1u, "step %u", step);
			cr_assert(!ins0[0], "step %u", step);
			cr_assert_eq(ct_entry_index(t[0], e0[0]), ct_entry_index(t[1], e1[0]),
				     "step %u", step);
			first_found++;
			/* The caller's update, then the second key alone. */
			cr_assert_eq(ct_update(t[0], e0[0], CT_DIR_OUT, q.tcp_flags, now),
				     ct_update(t[1], e1[0], CT_DIR_OUT, q.tcp_flags, now),
				     "step %u", step);
			r0 = ct_lookup_insert_hashed(t[0], &q.k[1], ct_key_hash(t[0], &q.k[1]),
						     CT_DIR_IN, q.to[1], q.tcp_flags, now,
						     UINT32_MAX, &e0[1], &ins0[1]);
			r1 = ct_lookup_insert(t[1], &q.k[1], CT_DIR_IN, q.to[1], q.tcp_flags, now,
					      UINT32_MAX, &e1[1], &ins1[1]);
			cr_assert_eq(r0, r1, "step %u", step);
			if (r0 == 0) {
				cr_assert_eq(ins0[1], ins1[1], "step %u", step);
				cr_assert_eq(ct_entry_index(t[0], e0[1]),
					     ct_entry_index(t[1], e1[1]), "step %u", step);
			}
		} else {
			cr_assert_eq(done, 2u, "step %u", step);
			cr_assert(ins0[0], "step %u", step);
			cr_assert_eq(ins0[1], ins1[1], "step %u", step);
			for (unsigned i = 0; i < 2; i++)
				cr_assert_eq(ct_entry_index(t[0], e0[i]),
					     ct_entry_index(t[1], e1[i]), "step %u key %u", step,
					     i);
			both++;
			second_found += !ins0[1];
		}
		all[0] = ct_pool_entries(t[0], &n[0]);
		all[1] = ct_pool_entries(t[1], &n[1]);
		cr_assert_eq(n[0], n[1]);
		for (uint32_t i = 0; i < n[0]; i++)
			cr_assert(memcmp(&all[0][i], &all[1][i], sizeof(all[0][i])) == 0,
				  "step %u: entry %u differs", step, i);
		cr_assert_eq(ct_count(t[0]), ct_count(t[1]), "step %u", step);
	}
	cr_log_info("pair: %u both, %u first found, %u second found, %u full", both,
		    first_found, second_found, full);
	cr_assert_gt(both, 1000, "pairs (%u)", both);
	cr_assert_gt(first_found, 1000, "first found (%u)", first_found);
	cr_assert_gt(second_found, 100, "second found (%u)", second_found);
	cr_assert_gt(full, 300, "limits hit (%u)", full);
	ct_free(t[0]);
	ct_free(t[1]);
}

/* Is every entry of a's pool byte for byte b's (and the counts equal)? */
static void pools_same(struct ct_table *a, struct ct_table *b, unsigned step)
{
	uint32_t na, nb;
	struct ct_entry *ea = ct_pool_entries(a, &na), *eb = ct_pool_entries(b, &nb);

	cr_assert_eq(na, nb);
	for (uint32_t i = 0; i < na; i++)
		cr_assert(memcmp(&ea[i], &eb[i], sizeof(ea[i])) == 0, "step %u: entry %u differs",
			  step, i);
	cr_assert_eq(ct_count(a), ct_count(b), "step %u", step);
}

/*
 * ct_lookup_insert_tcp_pair() (the engine's new-flow pair call, keys from the
 * header) against what it stands for, on twin tables: table 0 runs it, table
 * 1 ct_lookup_insert() of the egress key and, when that inserted, of the
 * ingress key next to it.  When it answers 1 (both inserted in one pass) both
 * of table 1's keys must have been inserted, at the same pool indices; when 0
 * it must answer as ct_lookup_insert_pair() does (the keys done, which were
 * inserted, the entries), and a first key found live is then updated and the
 * second taken alone on both.  The whole pool must agree after every step,
 * and later lookups (present or not, which entry) check the index.  Tables of
 * two sizes: a small one where every limit is hit (pool, zone, one key for
 * both when a host talks to itself, keys present or expired) and a larger one
 * where the one-pass insert is the usual answer; sweeps, removals and clock
 * jumps past every timeout in both.
 */
Test(ct, tcp_pair_lookup_insert_is_two_lookup_inserts)
{
	static const uint8_t flags[] = {SYN, SYN, SYN, ACK, SYN | ACK, FIN | ACK, RST, 0};
	static const uint32_t caps[][2] = {{24, 9}, {4096, 1500}};
	struct ct_timeouts tos[3];
	unsigned fast = 0, slow = 0, found = 0, full = 0;

	ct_timeouts_default(&tos[0]);
	tos[1] = (struct ct_timeouts){60, 60, 30};
	tos[2] = (struct ct_timeouts){7200, 300, 120};
	for (unsigned c = 0; c < ARRAY_SIZE(caps); c++) {
		struct ct_table *t[2] = {ct_new(caps[c][0], caps[c][1]),
					 ct_new(caps[c][0], caps[c][1])};
		uint32_t span = c == 0 ? 3 : 40;
		struct util_rng rng;
		uint64_t now = 7000000;

		cr_assert(t[0] && t[1]);
		util_rng_seed(&rng, 41 + c);
		for (unsigned step = 0; step < 30000; step++) {
			struct pkt_hdr h = {
			    .src = 0x0a000001 + (uint32_t)util_rng_below(&rng, span),
			    .dst = 0x0a000001 + (uint32_t)util_rng_below(&rng, span),
			    .sport = (uint16_t)util_rng_below(&rng, span),
			    .dport = (uint16_t)util_rng_below(&rng, 3),
			    .proto = PKT_PROTO_TCP,
			    .tcp_flags = flags[util_rng_below(&rng, ARRAY_SIZE(flags))],
			};
			struct ct_tcp_pair_new p = {.has_h = 0};
			struct ct_key k[2];
			struct ct_entry *e0[2], *e1[2];
			bool ins0[2], ins1[2];
			unsigned done = 0, adv = (unsigned)util_rng_below(&rng, 100);
			int r0, r1;

			for (unsigned i = 0; i < 2; i++) {
				p.zone[i] = (uint32_t)util_rng_below(&rng, 3);
				p.to[i] = util_rng_below(&rng, 4) == 0
						  ? NULL
						  : &tos[util_rng_below(&rng, ARRAY_SIZE(tos))];
			}
			k[0] = (struct ct_key){p.zone[0], h.src, h.dst, h.sport, h.dport,
					       PKT_PROTO_TCP};
			k[1] = (struct ct_key){p.zone[1], h.dst, h.src, h.dport, h.sport,
					       PKT_PROTO_TCP};
			for (unsigned i = 0; i < 2; i++) {
				if (util_rng_below(&rng, 2)) {
					p.hash[i] = ct_key_hash(t[0], &k[i]);
					p.has_h |= (uint8_t)(1u << i);
				}
			}
			now += adv < 90 ? util_rng_below(&rng, 1000)
			       : adv < 99 ? util_rng_below(&rng, 130000)
					  : util_rng_below(&rng, 8000000);
			if (util_rng_below(&rng, 25) == 0) {
				size_t budget = util_rng_below(&rng, 8);

				cr_assert_eq(ct_expire(t[0], now, budget), ct_expire(t[1], now, budget),
					     "step %u", step);
			}
			if (util_rng_below(&rng, 40) == 0) {
				unsigned i = (unsigned)util_rng_below(&rng, 2);

				ct_remove(t[0], ct_lookup(t[0], &k[i], now));
				ct_remove(t[1], ct_lookup(t[1], &k[i], now));
			}
			r0 = ct_lookup_insert_tcp_pair(t[0], &h, &p, now, e0, ins0, &done);
			r1 = ct_lookup_insert(t[1], &k[0], CT_DIR_OUT, p.to[0], h.tcp_flags, now,
					      UINT32_MAX, &e1[0], &ins1[0]);
			if (r1 == 0 && ins1[0])
				r1 = ct_lookup_insert(t[1], &k[1], CT_DIR_IN, p.to[1], h.tcp_flags,
						      now, ct_entry_index(t[1], e1[0]), &e1[1],
						      &ins1[1]);
			if (r0 == 1) {
				fast++;
				cr_assert_eq(r1, 0, "step %u", step);
				cr_assert(ins1[0] && ins1[1], "step %u: not two inserts", step);
				for (unsigned i = 0; i < 2; i++)
					cr_assert_eq(ct_entry_index(t[0], e0[i]),
						     ct_entry_index(t[1], e1[i]), "step %u key %u",
						     step, i);
			} else {
				slow++;
				cr_assert_eq(r0, r1, "step %u: %d, two calls %d", step, r0, r1);
				if (r0 < 0) {
					full++;
				} else if (!ins1[0]) {
					found++;
					cr_assert_eq(done, 1u, "step %u", step);
					cr_assert(!ins0[0], "step %u", step);
					cr_assert_eq(ct_entry_index(t[0], e0[0]),
						     ct_entry_index(t[1], e1[0]), "step %u", step);
					cr_assert_eq(ct_update(t[0], e0[0], CT_DIR_OUT, h.tcp_flags, now),
						     ct_update(t[1], e1[0], CT_DIR_OUT, h.tcp_flags, now),
						     "step %u", step);
					r0 = ct_lookup_insert(t[0], &k[1], CT_DIR_IN, p.to[1],
							      h.tcp_flags, now, UINT32_MAX, &e0[1],
							      &ins0[1]);
					r1 = ct_lookup_insert(t[1], &k[1], CT_DIR_IN, p.to[1],
							      h.tcp_flags, now, UINT32_MAX, &e1[1],
							      &ins1[1]);
					cr_assert_eq(r0, r1, "step %u", step);
				} else {
					cr_assert_eq(done, 2u, "step %u", step);
					cr_assert(ins0[0], "step %u", step);
					cr_assert_eq(ins0[1], ins1[1], "step %u", step);
					for (unsigned i = 0; i < 2; i++)
						cr_assert_eq(ct_entry_index(t[0], e0[i]),
							     ct_entry_index(t[1], e1[i]),
							     "step %u key %u", step, i);
				}
			}
			pools_same(t[0], t[1], step);
			for (unsigned i = 0; i < 2; i++) {
				struct ct_entry *a = ct_lookup(t[0], &k[i], now),
						*b = ct_lookup(t[1], &k[i], now);

				cr_assert_eq(!a, !b, "step %u key %u", step, i);
				if (a)
					cr_assert_eq(ct_entry_index(t[0], a), ct_entry_index(t[1], b),
						     "step %u key %u", step, i);
			}
		}
		ct_free(t[0]);
		ct_free(t[1]);
	}
	cr_log_info("tcp pair: %u in one pass, %u through the general path (%u first found, "
		    "%u full)",
		    fast, slow, found, full);
	cr_assert_gt(fast, 10000, "one-pass inserts (%u)", fast);
	cr_assert_gt(slow, 10000, "general path (%u)", slow);
	cr_assert_gt(found, 1000, "first key found (%u)", found);
	cr_assert_gt(full, 300, "limits hit (%u)", full);
}

/* ---- leases (ct.h "Leases"), with a holder that is an array ---------------------------- */

struct lease_rec {
	uint64_t last_ms;
	uint32_t idx[2];
	bool held;
	unsigned ended;
};

static struct lease_rec leases[4];

static void lease_get(void *ctx, uint32_t r, uint64_t *ret_last_ms, uint32_t ret_idx[2])
{
	(void)ctx;
	cr_assert_lt(r, 4);
	*ret_last_ms = leases[r].last_ms;
	ret_idx[0] = leases[r].idx[0];
	ret_idx[1] = leases[r].idx[1];
}

static void lease_gone(void *ctx, uint32_t r)
{
	(void)ctx;
	cr_assert(leases[r].held, "lease %u ended twice", r);
	leases[r].held = false;
	leases[r].ended++;
}

/*
 * A connection's two entries leased by both directions: reads see the later
 * lease's last packet plus each entry's own timeout; the sweep keeps them
 * while a lease keeps them alive and removes them (ending both leases) after;
 * a packet on another path ends the leases first; an earlier refresh than a
 * lease's last packet ends that lease.
 */
Test(ct, leases_fold_into_reads_and_end_before_changes)
{
	struct ct_table *t = ct_new(64, 64);
	struct ct_timeouts to_a, to_b;
	struct ct_key ka = tkey(1, PKT_PROTO_TCP, 40000, 80),
		      kb = tkey(2, PKT_PROTO_TCP, 80, 40000);
	struct ct_entry *a, *b;
	uint64_t now = S(1000);
	uint32_t ia, ib, fwd[2], rev[2];

	ct_timeouts_default(&to_a);
	ct_timeouts_default(&to_b);
	to_a.tcp_established_s = 60;
	to_b.tcp_established_s = 90;
	cr_assert_not_null(t);
	ct_lease_attach(t, &(struct ct_lease_ops){NULL, lease_get, lease_gone});
	memset(leases, 0, sizeof(leases));
	a = start_flow(t, &ka, CT_DIR_OUT, ACK, &to_a, now); /* mid-stream: ESTABLISHED */
	b = start_flow(t, &kb, CT_DIR_IN, ACK, &to_b, now);
	ia = ct_entry_index(t, a);
	ib = ct_entry_index(t, b);
	fwd[0] = rev[1] = ia;
	fwd[1] = rev[0] = ib;
	leases[0] = (struct lease_rec){now, {ia, ib}, true, 0};
	leases[1] = (struct lease_rec){now, {ib, ia}, true, 0};
	ct_lease_begin(t, fwd, 0);
	ct_lease_begin(t, rev, 1);

	/* Packets on the leases only: the entries' own expiry stays, reads fold. */
	leases[0].last_ms = now + S(50);
	leases[1].last_ms = now + S(70);
	cr_assert_eq(ct_entry_expires_ms(a), now + S(60), "not written by the leases");
	cr_assert_eq(ct_expire(t, now + S(100), 64), 0,
		     "the sweep folds the leases in: both alive past their own expiry");
	a = ct_lookup(t, &ka, now + S(125));
	cr_assert_not_null(a, "alive: the reverse lease's packet at +70 s plus 60 s");
	cr_assert_eq(ct_entry_expires_ms(a), now + S(130));
	b = ct_lookup(t, &kb, now + S(125));
	cr_assert_eq(ct_entry_expires_ms(b), now + S(160));
	cr_assert(leases[0].held && leases[1].held, "reads end no lease");

	/* The sweep: nothing due before +130 s (re-filed), a removed at +131 s with both leases. */
	cr_assert_eq(ct_expire(t, now + S(129), 64), 0);
	cr_assert_eq(ct_count(t), 2);
	cr_assert_eq(ct_expire(t, now + S(131), 64), 1);
	cr_assert(!leases[0].held && !leases[1].held, "a's removal ended both leases");
	b = ct_lookup(t, &kb, now + S(131));
	cr_assert_not_null(b);
	cr_assert_eq(ct_entry_expires_ms(b), now + S(160), "b kept the folded expiry");

	/* A new lease on b alone; a FIN on another path ends it before the state changes. */
	leases[2] = (struct lease_rec){now + S(140), {UINT32_MAX, ib}, true, 0};
	ct_lease_begin(t, (uint32_t[2]){ib, ib}, 2);
	cr_assert_eq(ct_update(t, b, CT_DIR_IN, FIN | ACK, now + S(141)), 0);
	cr_assert(!leases[2].held && leases[2].ended == 1);
	cr_assert_str_eq(ct_entry_state_name(b), "FIN_WAIT");

	/* ct_refresh_tcp_pair() at a time earlier than a lease's last packet ends that lease. */
	{
		struct ct_key kc = tkey(1, PKT_PROTO_TCP, 40001, 80),
			      kd = tkey(2, PKT_PROTO_TCP, 80, 40001);
		struct ct_entry *c, *d;
		uint32_t pair[2];
		struct pkt_hdr h = {0};

		kd.local_ip = kc.remote_ip; /* the ingress key, from the server's side */
		kd.remote_ip = kc.local_ip;
		c = start_flow(t, &kc, CT_DIR_OUT, ACK, &to_a, now + S(200));
		d = start_flow(t, &kd, CT_DIR_IN, ACK, &to_b, now + S(200));
		pair[0] = ct_entry_index(t, c);
		pair[1] = ct_entry_index(t, d);

		leases[3] = (struct lease_rec){now + S(210), {pair[0], pair[1]}, true, 0};
		ct_lease_begin(t, pair, 3);
		h.src = kc.local_ip;
		h.dst = kc.remote_ip;
		h.sport = 40001;
		h.dport = 80;
		h.proto = PKT_PROTO_TCP;
		h.tcp_flags = ACK;
		cr_assert_eq(ct_refresh_tcp_pair(t, pair, 1, 2, &h, now + S(205)), 0);
		cr_assert(!leases[3].held, "the lease's packet at +210 s came before");
		c = ct_lookup(t, &kc, now + S(206));
		cr_assert_eq(ct_entry_expires_ms(c), now + S(265),
			     "the refresh at +205 s is the last");
	}
	ct_free(t);
}
