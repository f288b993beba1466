/*
 * Tests for nat: the 55,000-per-destination cap, idle expiry and the RST
 * answer, tombstone eviction, ICMP identifiers, and a differential test
 * against a linear list of mappings.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/nat.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

#define S(x) ((uint64_t)(x)*1000u)

static const uint32_t NATIP = 0x0a000a05, DST = 0xcb007101;

static struct nat_flow flow(uint32_t in_ip, uint16_t in_port, uint32_t dst, uint16_t dport,
			    uint8_t proto)
{
	struct nat_flow f;

	memset(&f, 0, sizeof(f));
	f.nat_ip = NATIP;
	f.in_ip = in_ip;
	f.in_port = in_port;
	f.dst_ip = dst;
	f.dst_port = dport;
	f.proto = proto;
	return f;
}

Test(nat, arguments)
{
	struct nat_table *t = nat_new(16, 1);
	struct nat_flow f = flow(0x0a000101, 1000, DST, 53, 47);
	uint16_t port = 7;

	cr_assert_null(nat_new(0, 1));
	cr_assert_null(nat_new(NAT_CAPACITY_MAX + 1, 1));
	cr_assert_null(nat_free(NULL));
	cr_assert_eq(nat_outbound(t, &f, 0, 0, &port), -EPROTONOSUPPORT);
	cr_assert_eq(port, 7, "ret_port untouched on failure");
	cr_assert_eq(nat_inbound(t, NATIP, 1024, DST, 53, 47, 0, NULL, NULL), -ENOENT);
	nat_free(t);
}

Test(nat, mapping_reuse_and_inbound)
{
	struct nat_table *t = nat_new(64, 42);
	struct nat_flow a = flow(0x0a000101, 40000, DST, 443, PKT_PROTO_TCP);
	struct nat_flow b = a;
	uint16_t pa, pa2, pb;
	uint32_t ip;
	uint16_t port;

	b.dst_port = 80; /* another destination */
	cr_assert_eq(nat_outbound(t, &a, PKT_TCP_SYN, 0, &pa), 0);
	cr_assert_geq(pa, NAT_PORT_MIN);
	cr_assert_eq(nat_outbound(t, &a, PKT_TCP_ACK, 10, &pa2), 0);
	cr_assert_eq(pa, pa2, "the same flow keeps its port");
	cr_assert_eq(nat_outbound(t, &b, PKT_TCP_SYN, 10, &pb), 0);
	cr_assert_eq(nat_count(t), 2);
	cr_assert_eq(nat_inbound(t, NATIP, pa, DST, 443, PKT_PROTO_TCP, 20, &ip, &port), 0);
	cr_assert_eq(ip, a.in_ip);
	cr_assert_eq(port, a.in_port);
	/* Wrong remote port, address, protocol or NAT ip: no mapping. */
	cr_assert_eq(nat_inbound(t, NATIP, pa, DST, 444, PKT_PROTO_TCP, 20, &ip, &port), -ENOENT);
	cr_assert_eq(nat_inbound(t, NATIP, pa, DST + 1, 443, PKT_PROTO_TCP, 20, &ip, &port),
		     -ENOENT);
	cr_assert_eq(nat_inbound(t, NATIP, pa, DST, 443, PKT_PROTO_UDP, 20, &ip, &port), -ENOENT);
	cr_assert_eq(nat_inbound(t, NATIP + 1, pa, DST, 443, PKT_PROTO_TCP, 20, &ip, &port),
		     -ENOENT);
	nat_free(t);
}

Test(nat, icmp_identifier_is_the_port)
{
	struct nat_table *t = nat_new(64, 3);
	struct nat_flow f = flow(0x0a000102, 0x1234, DST, 0x1234, PKT_PROTO_ICMP);
	uint16_t ext, again;
	uint32_t ip;
	uint16_t id;

	cr_assert_eq(nat_outbound(t, &f, 0, 0, &ext), 0);
	f.dst_port = 9; /* ignored for ICMP */
	cr_assert_eq(nat_outbound(t, &f, 0, 1, &again), 0);
	cr_assert_eq(ext, again);
	cr_assert_eq(nat_count(t), 1);
	/* The echo reply carries the external identifier in both "ports". */
	cr_assert_eq(nat_inbound(t, NATIP, ext, DST, ext, PKT_PROTO_ICMP, 2, &ip, &id), 0);
	cr_assert_eq(ip, f.in_ip);
	cr_assert_eq(id, 0x1234);
	nat_free(t);
}

/* Fill one destination to exactly 55,000; the next fails; another destination works. */
Test(nat, cap_per_destination_is_exact)
{
	struct nat_table *t = nat_new(60000, 7);
	uint8_t *used = calloc(65536, 1);
	struct nat_stats st;
	struct nat_flow f;
	uint16_t port;

	for (uint32_t i = 0; i < NAT_MAX_PER_DEST; i++) {
		f = flow(0x0a000000 + (i >> 10), (uint16_t)(1024 + (i & 1023)), DST, 443,
			 PKT_PROTO_TCP);
		cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(1), &port), 0, "flow %u", i);
		cr_assert(port >= NAT_PORT_MIN);
		cr_assert_not(used[port], "port %u handed out twice", port);
		used[port] = 1;
	}
	f = flow(0x0b000001, 5555, DST, 443, PKT_PROTO_TCP);
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(2), &port), -EAGAIN);
	nat_stats(t, &st);
	cr_assert_eq(st.port_alloc_errors, 1);
	cr_assert_eq(st.active, NAT_MAX_PER_DEST);
	/* Same destination ip, other port / protocol / NAT ip: separate budgets. */
	f.dst_port = 444;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(2), &port), 0);
	f.dst_port = 443;
	f.proto = PKT_PROTO_UDP;
	cr_assert_eq(nat_outbound(t, &f, 0, S(2), &port), 0);
	f.proto = PKT_PROTO_TCP;
	f.nat_ip = NATIP + 1;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(2), &port), 0);
	/* Once the destination's mappings are idle for 350 s, it has room again. */
	f.nat_ip = NATIP;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(1) + NAT_IDLE_TIMEOUT_MS - 1, &port),
		     -EAGAIN);
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, S(1) + NAT_IDLE_TIMEOUT_MS, &port), 0);
	free(used);
	nat_free(t);
}

Test(nat, idle_timeout_then_rst)
{
	struct nat_table *t = nat_new(64, 9);
	struct nat_flow f = flow(0x0a000103, 41000, DST, 22, PKT_PROTO_TCP);
	struct nat_stats st;
	uint16_t p1, p2;
	uint32_t ip;
	uint16_t port;
	uint64_t now = S(100);

	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, now, &p1), 0);
	/* Inbound traffic refreshes the mapping too. */
	now += NAT_IDLE_TIMEOUT_MS - 1;
	cr_assert_eq(nat_inbound(t, NATIP, p1, DST, 22, PKT_PROTO_TCP, now, &ip, &port), 0);
	now += NAT_IDLE_TIMEOUT_MS - 1;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_ACK, now, &p2), 0);
	cr_assert_eq(p1, p2);
	/* Idle for 350 s: inbound finds nothing, the inside host gets an RST once. */
	now += NAT_IDLE_TIMEOUT_MS;
	cr_assert_eq(nat_inbound(t, NATIP, p1, DST, 22, PKT_PROTO_TCP, now, &ip, &port), -ENOENT);
	cr_assert_eq(nat_count(t), 0);
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_ACK | PKT_TCP_PSH, now, &p2), -ETIMEDOUT);
	nat_stats(t, &st);
	cr_assert_eq(st.idle_timeouts, 1);
	/* Only once: the next packet starts a new mapping. */
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_ACK, now, &p2), 0);
	cr_assert_eq(nat_count(t), 1);

	/* A SYN after expiry is a new connection, not an RST. */
	now += NAT_IDLE_TIMEOUT_MS;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_SYN, now, &p2), 0);
	/* The tombstone lasts NAT_TOMBSTONE_MS, found by the sweep or not. */
	now += NAT_IDLE_TIMEOUT_MS;
	cr_assert_eq(nat_expire(t, now, 100), 1);		     /* live -> tombstone */
	cr_assert_eq(nat_expire(t, now + NAT_TOMBSTONE_MS, 100), 1); /* tombstone gone */
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_ACK, now + NAT_TOMBSTONE_MS, &p2), 0);
	now += NAT_TOMBSTONE_MS + NAT_IDLE_TIMEOUT_MS + NAT_TOMBSTONE_MS;
	cr_assert_eq(nat_outbound(t, &f, PKT_TCP_ACK, now, &p2), 0, "tombstone past retention");

	/* UDP simply expires. */
	f.proto = PKT_PROTO_UDP;
	cr_assert_eq(nat_outbound(t, &f, 0, now, &p1), 0);
	cr_assert_eq(nat_outbound(t, &f, 0, now + NAT_IDLE_TIMEOUT_MS, &p2), 0);
	nat_stats(t, &st);
	cr_assert_eq(st.idle_timeouts, 1);
	nat_free(t);
}

Test(nat, full_table_evicts_tombstones_not_live_mappings)
{
	struct nat_table *t = nat_new(2, 11);
	struct nat_flow a = flow(0x0a000001, 1, DST, 80, PKT_PROTO_TCP);
	struct nat_flow b = flow(0x0a000002, 1, DST, 80, PKT_PROTO_TCP);
	struct nat_flow c = flow(0x0a000003, 1, DST, 80, PKT_PROTO_TCP);
	struct nat_flow d = flow(0x0a000004, 1, DST, 80, PKT_PROTO_UDP);
	uint64_t later = S(400);
	uint16_t p;

	cr_assert_eq(nat_outbound(t, &a, PKT_TCP_SYN, 0, &p), 0);
	cr_assert_eq(nat_outbound(t, &b, PKT_TCP_SYN, 1, &p), 0);
	cr_assert_eq(nat_outbound(t, &d, 0, 2, &p), -ENOSPC);
	/* a and b are idle now; c takes a's slot (a's tombstone is evicted). */
	cr_assert_eq(nat_outbound(t, &c, PKT_TCP_SYN, later, &p), 0);
	cr_assert_eq(nat_outbound(t, &a, PKT_TCP_ACK, later, &p), 0, "tombstone was evicted");
	/* That took b's slot; now c and a are live and the table is full. */
	cr_assert_eq(nat_outbound(t, &b, PKT_TCP_ACK, later, &p), -ENOSPC);
	cr_assert_eq(nat_count(t), 2);
	nat_free(t);
}

Test(nat, seed_makes_ports_reproducible)
{
	struct nat_table *t1 = nat_new(64, 1234), *t2 = nat_new(64, 1234), *t3 = nat_new(64, 99);
	bool differs = false;

	for (uint16_t i = 0; i < 32; i++) {
		struct nat_flow f = flow(0x0a000001, (uint16_t)(2000 + i), DST, 80, PKT_PROTO_UDP);
		uint16_t a, b, c;

		cr_assert_eq(nat_outbound(t1, &f, 0, 0, &a), 0);
		cr_assert_eq(nat_outbound(t2, &f, 0, 0, &b), 0);
		cr_assert_eq(nat_outbound(t3, &f, 0, 0, &c), 0);
		cr_assert_eq(a, b);
		differs |= a != c;
	}
	cr_assert(differs);
	nat_free(t1);
	nat_free(t2);
	nat_free(t3);
}

/* ---- differential test ------------------------------------------------------ */

struct o_map {
	struct nat_flow f; /* dst_port 0 for ICMP */
	uint16_t ext;
	uint64_t last;
	bool tomb_used; /* the RST was answered */
	bool gone;	/* removed (SYN/other restart) */
};

struct oracle {
	struct o_map m[4096];
	size_t n;
};

static bool o_same_flow(const struct nat_flow *a, const struct nat_flow *b)
{
	return a->nat_ip == b->nat_ip && a->in_ip == b->in_ip && a->in_port == b->in_port &&
	       a->dst_ip == b->dst_ip && a->dst_port == b->dst_port && a->proto == b->proto;
}

static bool o_live(const struct o_map *m, uint64_t now)
{
	return !m->gone && now < m->last + NAT_IDLE_TIMEOUT_MS;
}

static bool o_tomb(const struct o_map *m, uint64_t now)
{
	return !m->gone && !m->tomb_used && m->f.proto == PKT_PROTO_TCP && !o_live(m, now) &&
	       now < m->last + NAT_IDLE_TIMEOUT_MS + NAT_TOMBSTONE_MS;
}

static struct o_map *o_flow(struct oracle *o, const struct nat_flow *f)
{
	for (size_t i = 0; i < o->n; i++)
		if (!o->m[i].gone && o_same_flow(&o->m[i].f, f))
			return &o->m[i];
	return NULL;
}

static size_t o_live_count(const struct oracle *o, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < o->n; i++)
		n += o_live(&o->m[i], now);
	return n;
}

Test(nat, differential)
{
	struct oracle *o = calloc(1, sizeof(*o));
	struct nat_table *t = nat_new(8192, 77);
	struct util_rng rng;
	uint64_t now = S(10);
	static const uint8_t protos[] = {PKT_PROTO_TCP, PKT_PROTO_TCP, PKT_PROTO_UDP,
					 PKT_PROTO_ICMP, 47};

	util_rng_seed(&rng, 5);
	for (unsigned s = 0; s < 50000; s++) {
		struct nat_flow f;
		uint64_t r = util_rng_below(&rng, 1000);
		uint8_t flags = util_rng_below(&rng, 4) == 0 ? PKT_TCP_SYN : PKT_TCP_ACK;

		now += r < 950 ? util_rng_below(&rng, S(2)) : r < 995 ? S(100) : S(360);
		memset(&f, 0, sizeof(f));
		f.nat_ip = NATIP + (uint32_t)util_rng_below(&rng, 2);
		f.in_ip = 0x0a000000 + (uint32_t)util_rng_below(&rng, 2);
		f.in_port = (uint16_t)(30000 + util_rng_below(&rng, 3));
		f.dst_ip = DST + (uint32_t)util_rng_below(&rng, 2);
		f.proto = protos[util_rng_below(&rng, ARRAY_SIZE(protos))];
		f.dst_port =
		    f.proto == PKT_PROTO_ICMP ? 0 : (uint16_t)(80 + util_rng_below(&rng, 2));
		if (util_rng_below(&rng, 3) > 0) { /* outbound */
			struct o_map *m = o_flow(o, &f);
			uint16_t port = 0;
			int got = nat_outbound(t, &f, flags, now, &port);

			if (f.proto == 47) {
				cr_assert_eq(got, -EPROTONOSUPPORT);
				continue;
			}
			if (m && o_live(m, now)) {
				cr_assert_eq(got, 0, "step %u", s);
				cr_assert_eq(port, m->ext, "step %u: port changed", s);
				m->last = now;
				continue;
			}
			if (m && o_tomb(m, now) && flags != PKT_TCP_SYN) {
				cr_assert_eq(got, -ETIMEDOUT, "step %u", s);
				m->tomb_used = true;
				m->gone = true;
				continue;
			}
			if (m)
				m->gone = true;
			cr_assert_eq(got, 0, "step %u: got %d", s, got);
			cr_assert(port >= NAT_PORT_MIN);
			/* No live mapping to the same destination uses this port. */
			for (size_t i = 0; i < o->n; i++) {
				const struct o_map *x = &o->m[i];

				if (o_live(x, now) && x->f.nat_ip == f.nat_ip &&
				    x->f.dst_ip == f.dst_ip && x->f.dst_port == f.dst_port &&
				    x->f.proto == f.proto)
					cr_assert_neq(x->ext, port, "step %u: port %u reused", s,
						      port);
			}
			m = &o->m[o->n++];
			memset(m, 0, sizeof(*m));
			m->f = f;
			m->ext = port;
			m->last = now;
		} else { /* inbound to a random external port of a known mapping */
			uint16_t ext = (uint16_t)(NAT_PORT_MIN + util_rng_below(&rng, 64512));
			const struct o_map *want = NULL;
			uint32_t ip = 0;
			uint16_t port = 0;
			int got;

			if (o->n && util_rng_below(&rng, 4) > 0) {
				const struct o_map *x = &o->m[util_rng_below(&rng, o->n)];

				f = x->f;
				ext = x->ext;
			}
			for (size_t i = 0; i < o->n; i++) {
				const struct o_map *x = &o->m[i];

				if (o_live(x, now) && x->f.nat_ip == f.nat_ip && x->ext == ext &&
				    x->f.dst_ip == f.dst_ip && x->f.dst_port == f.dst_port &&
				    x->f.proto == f.proto)
					want = x;
			}
			got = nat_inbound(t, f.nat_ip, ext, f.dst_ip,
					  f.proto == PKT_PROTO_ICMP ? ext : f.dst_port, f.proto,
					  now, &ip, &port);
			if (f.proto == 47 || !want) {
				cr_assert_eq(got, -ENOENT, "step %u", s);
				continue;
			}
			cr_assert_eq(got, 0, "step %u", s);
			cr_assert_eq(ip, want->f.in_ip);
			cr_assert_eq(port, want->f.in_port);
			((struct o_map *)want)->last = now;
		}
		/* Forget mappings that can no longer matter. */
		for (size_t i = 0; i < o->n;)
			if (o->m[i].gone ||
			    now >= o->m[i].last + NAT_IDLE_TIMEOUT_MS + NAT_TOMBSTONE_MS)
				o->m[i] = o->m[--o->n];
			else
				i++;
		cr_assert_lt(o->n, ARRAY_SIZE(o->m) - 1);
		if (s % 97 == 0) {
			nat_expire(t, now, 100000);
			cr_assert_eq(nat_count(t), o_live_count(o, now), "step %u", s);
		}
	}
	nat_free(t);
	free(o);
}
