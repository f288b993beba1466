/*
 * ct-private: the connection-tracking entry layout and the per-protocol
 * state machine interface shared by ct.c and ct-{tcp,udp,icmp,other}.c.
 *
 * A protocol module only sees one entry at a time: it initialises the
 * protocol part of a new entry (start) and runs one packet through it
 * (packet), returning the new idle timeout in milliseconds.  ct.c owns the
 * table, the expiry bookkeeping and the zone accounting.
 */
#ifndef OPENVPC_ENGINE_CT_PRIVATE_H
#define OPENVPC_ENGINE_CT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/engine/ct.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

/* Entry flags. */
#define CT_F_USED    0x01
#define CT_F_REPLIED 0x02
#define CT_F_SEEN    0x04 /* at least one packet went through the state machine */
#define CT_F_LAST_IN 0x08 /* the previous packet went CT_DIR_IN */
/*
 * Leased to the flow cache (ct.h, "Leases"): lease_out and lease_in name the
 * leases, in fields a used TCP entry does not need (the free-list link, and
 * UDP's single-exchange timeout, which TCP entries keep at 0).
 */
#define CT_F_LEASED 0x10

struct ct_entry {
	struct ct_key key;
	uint8_t state;	       /* protocol-specific */
	uint8_t origin;	       /* enum ct_dir of the first packet */
	uint8_t flags;	       /* CT_F_* */
	uint8_t aux;	       /* protocol-specific (TCP: first FIN side + 1; UDP: exchanges) */
	union {
		uint32_t next;	    /* free list (pool index) */
		uint32_t lease_out; /* CT_F_LEASED: the lease this entry is the egress entry of */
	};
	uint32_t zprev, znext; /* zone list (pool index) */
	uint32_t long_s;       /* TCP: established; UDP: stream */
	union {
		uint32_t short_s;  /* UDP: single exchange */
		uint32_t lease_in; /* CT_F_LEASED: the lease this entry is the ingress entry of */
	};
	uint32_t wprev, wnext; /* expiry wheel list (pool index) */
	uint32_t wsec;	       /* second the entry is filed under in the wheel */
	uint64_t expires_ms;
};

struct ct_l4_proto {
	const char *name;
	/* Initialise the protocol state of a freshly inserted entry; returns its timeout (ms). */
	uint64_t (*start)(struct ct_entry *e);
	/*
	 * One packet in direction dir; updates state, origin and aux (ct.c
	 * updates the flags afterwards).  Returns 0 and *ret_timeout_ms, or
	 * -ECONNRESET (entry untouched).
	 */
	int (*packet)(struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
		      uint64_t *ret_timeout_ms);
	const char *(*state_name)(const struct ct_entry *e);
};

/* TCP ESTABLISHED state value (ct-tcp.c), for ct_update()'s fast path. */
#define CT_TCP_STATE_ESTABLISHED 3

/*
 * The TCP states and timeouts (seconds) a new entry and its first packet
 * can reach (ct-tcp.c's enum and timeout table are written with these).
 */
#define CT_TCP_STATE_NEW	  0
#define CT_TCP_STATE_SYN_SENT	  1
#define CT_TCP_STATE_FIN_WAIT	  4
#define CT_TCP_STATE_CLOSED	  8
#define CT_TCP_NEW_TIMEOUT_S	  120
#define CT_TCP_SYN_SENT_TIMEOUT_S 120
#define CT_TCP_FIN_WAIT_TIMEOUT_S 120
#define CT_TCP_CLOSED_TIMEOUT_S	  10

#define CT_MS(s) ((uint64_t)(s)*1000u)

/* ct_proto_tcp's start: state NEW; returns its timeout (ms).  Inline for ct.c's inserts. */
static inline uint64_t ct_tcp_start_in(struct ct_entry *e)
{
	e->state = CT_TCP_STATE_NEW;
	e->aux = 0;
	return CT_MS(CT_TCP_NEW_TIMEOUT_S);
}

/*
 * A packet on a TCP entry in state NEW (ct_proto_tcp's packet() runs this for
 * that state; inline for the first packet of ct.c's inserts): the new state,
 * aux, and the new timeout (ms).  Never refused.
 */
static inline uint64_t ct_tcp_from_new(struct ct_entry *e, enum ct_dir dir, uint8_t flags)
{
	if (flags & PKT_TCP_RST) {
		e->state = CT_TCP_STATE_CLOSED;
		return CT_MS(CT_TCP_CLOSED_TIMEOUT_S);
	}
	if ((flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN) {
		e->state = CT_TCP_STATE_SYN_SENT;
		return CT_MS(CT_TCP_SYN_SENT_TIMEOUT_S);
	}
	if (flags & PKT_TCP_FIN) {
		e->state = CT_TCP_STATE_FIN_WAIT;
		e->aux = (uint8_t)(dir + 1);
		return CT_MS(CT_TCP_FIN_WAIT_TIMEOUT_S);
	}
	e->state = CT_TCP_STATE_ESTABLISHED;
	return CT_MS(e->long_s);
}

/* ct_proto_tcp's start and packet, for direct calls from ct.c (TCP is the common case). */
uint64_t ct_tcp_start(struct ct_entry *e);
int ct_tcp_packet(struct ct_entry *e, enum ct_dir dir, uint8_t flags, uint64_t *ret_timeout_ms);

/* TCP: would packet() refuse a packet with these flags (-ECONNRESET)? */
bool ct_tcp_refuses(const struct ct_entry *e, uint8_t tcp_flags);

extern const struct ct_l4_proto ct_proto_tcp;
extern const struct ct_l4_proto ct_proto_udp;
extern const struct ct_l4_proto ct_proto_icmp;
extern const struct ct_l4_proto ct_proto_other;

static inline enum ct_dir ct_entry_last_dir(const struct ct_entry *e)
{
	return (e->flags & CT_F_LAST_IN) ? CT_DIR_IN : CT_DIR_OUT;
}

/*
 * The packet path's inline part of ct.c (so that process.c's established
 * fast path makes no call): the wheel second of an expiry, the flags and
 * expiry of a packet that went through the state machine, and
 * ct_refresh_tcp_pair() on the pool given by ct_pool_view().
 */

/* An earlier expiry than the entry's wheel second: move it now (ct.c, rare). */
void ct_entry_refile(struct ct_table *t, struct ct_entry *e);
/* t's entry pool and its size (fixed for the table's lifetime). */
struct ct_entry *ct_pool_entries(struct ct_table *t, uint32_t *ret_n);

static inline uint32_t ct_ceil_s(uint64_t ms)
{
	return (uint32_t)((ms + 999) / 1000);
}

static inline void ct_entry_touch(struct ct_table *t, struct ct_entry *e, enum ct_dir dir,
				  uint64_t expires_ms)
{
	if (dir != (enum ct_dir)e->origin)
		e->flags |= CT_F_REPLIED;
	e->flags |= CT_F_SEEN;
	if (dir == CT_DIR_IN)
		e->flags |= CT_F_LAST_IN;
	else
		e->flags &= (uint8_t)~CT_F_LAST_IN;
	e->expires_ms = expires_ms;
	/* Later expiry: re-filed lazily by the wheel.  Earlier: move it now. */
	if (__builtin_expect(ct_ceil_s(expires_ms) < e->wsec, 0))
		ct_entry_refile(t, e);
}

/*
 * Entries a and b of t before a touch at now_ms (ct_refresh_tcp_pair_in()):
 * each lease of theirs is folded into their expiry, or ended when its last
 * packet is later than now_ms (a touch sets the expiry from now_ms, as the
 * packets' order has it).  ct.c, out of line (rare).
 */
void ct_lease_settle_pair(struct ct_table *t, uint32_t a, uint32_t b, uint64_t now_ms);

/* Is pool[hint] live, keyed (k0, k1) for TCP, and ESTABLISHED?  (ct_refresh()'s checks.) */
static inline bool ct_pair_ok(const struct ct_entry *pool, uint32_t n, uint32_t hint,
			      uint64_t k0, uint64_t k1, uint64_t now_ms)
{
	const struct ct_entry *e;
	uint64_t e0, e1;

	if (__builtin_expect(hint >= n, 0))
		return false;
	e = &pool[hint];
	__builtin_memcpy(&e0, &e->key, 8);
	__builtin_memcpy(&e1, (const char *)&e->key + 8, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		/* Bytes 16-23: proto, key padding, state, origin, flags, aux: one masked compare. */
		uint64_t w;

		__builtin_memcpy(&w, (const char *)e + 16, 8);
		return ((e0 ^ k0) | (e1 ^ k1)) == 0 &&
		       (w & (0xffull | 0xffull << 32 | (uint64_t)CT_F_USED << 48)) ==
			   (PKT_PROTO_TCP | (uint64_t)CT_TCP_STATE_ESTABLISHED << 32 |
			    (uint64_t)CT_F_USED << 48) &&
		       now_ms < e->expires_ms;
	}
#else
	return ((e0 ^ k0) | (e1 ^ k1)) == 0 && e->key.proto == PKT_PROTO_TCP &&
	       (e->flags & CT_F_USED) && e->state == CT_TCP_STATE_ESTABLISHED &&
	       now_ms < e->expires_ms;
#endif
}

/*
 * The index hash of a normalised key from its words (ct.c's key_hash()):
 * a = local_ip << 32 | remote_ip, b = zone << 32 | local_port << 16 |
 * remote_port.  Inline so that a burst's stage B hashes a TCP key in
 * registers, with the seed and the index from ct_index_view().
 */
static inline uint64_t ct_hash_words(uint64_t seed, uint64_t a, uint64_t b, uint8_t proto)
{
	/* One odd-multiplier fold of the 128-bit key, then one full mix. */
	return util_hash64(((a ^ seed) * 0x9e3779b97f4a7c15ULL) ^ b ^ ((uint64_t)proto << 56));
}

/*
 * t's hash seed, index base and bucket mask (fixed while t holds entries):
 * the home bucket line of hash h is base + (h & mask) * 64.
 */
void ct_index_view(const struct ct_table *t, uint64_t *ret_seed, const void **ret_base,
		   uint32_t *ret_mask);

/*
 * ct_lookup_insert_pair() (ct.h) of a TCP packet's two keys built from its
 * header h: egress (zone[0], CT_DIR_OUT, timeouts to[0]) and ingress
 * (zone[1], CT_DIR_IN, to[1]); hash[i] is key i's index hash when has_h bit i
 * is set.  The case it expects, both keys absent and no limit within reach,
 * inserts both in one pass (the second next to the first) and returns 1 with
 * ret_e[] set; otherwise it is ct_lookup_insert_pair() exactly (0 with
 * *ret_done, ret_e[], ret_inserted[] as it sets them, or -ENOSPC).
 */
struct ct_tcp_pair_new {
	uint32_t zone[2];
	const struct ct_timeouts *to[2];
	uint64_t hash[2];
	uint8_t has_h;
};
int ct_lookup_insert_tcp_pair(struct ct_table *t, const struct pkt_hdr *h,
			      const struct ct_tcp_pair_new *p, uint64_t now_ms,
			      struct ct_entry *ret_e[2], bool ret_inserted[2], unsigned *ret_done);

/* ct_refresh_tcp_pair() (ct.h) on t's pool (pool, n) from ct_pool_view(). */
static inline int ct_refresh_tcp_pair_in(struct ct_table *t, struct ct_entry *pool, uint32_t n,
					 const uint32_t hint[2], uint32_t zone_out,
					 uint32_t zone_in, const struct pkt_hdr *h,
					 uint64_t now_ms)
{
	uint64_t o0, o1, i0, i1;
	uint32_t a = hint[0], b = hint[1];

	/* The keys' first 16 bytes (zone, addresses, ports) as two words, as ct.c's key_eq_norm(). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t ports = h->sport | (uint32_t)h->dport << 16, rports = ports >> 16 | ports << 16;

	o0 = zone_out | (uint64_t)h->src << 32;
	o1 = h->dst | (uint64_t)ports << 32;
	i0 = zone_in | (uint64_t)h->dst << 32;
	i1 = h->src | (uint64_t)(uint32_t)rports << 32;
#else
	struct ct_key ko = {zone_out, h->src, h->dst, h->sport, h->dport, PKT_PROTO_TCP};
	struct ct_key ki = {zone_in, h->dst, h->src, h->dport, h->sport, PKT_PROTO_TCP};

	__builtin_memcpy(&o0, &ko, 8);
	__builtin_memcpy(&o1, (const char *)&ko + 8, 8);
	__builtin_memcpy(&i0, &ki, 8);
	__builtin_memcpy(&i1, (const char *)&ki + 8, 8);
#endif
	if (h->proto != PKT_PROTO_TCP ||
	    (h->tcp_flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST)) || a >= n || b >= n)
		return 1;
	/* Leased entries' expiry as of their leases (ending those a packet came later on). */
	if (__builtin_expect((pool[a].flags | pool[b].flags) & CT_F_LEASED, 0))
		ct_lease_settle_pair(t, a, b, now_ms);
	if (!ct_pair_ok(pool, n, a, o0, o1, now_ms) || !ct_pair_ok(pool, n, b, i0, i1, now_ms))
		return 1;
	/*
	 * Both checks hold after the first refresh too (it only moves an
	 * expiry later and sets flags), so checking both first and then
	 * refreshing in order is ct_refresh() twice, even for one entry.
	 */
	ct_entry_touch(t, &pool[a], CT_DIR_OUT, now_ms + CT_MS(pool[a].long_s));
	ct_entry_touch(t, &pool[b], CT_DIR_IN, now_ms + CT_MS(pool[b].long_s));
	return 0;
}

#endif
