/*
 * fcache: the per-generation exact-match flow cache in front of the packet
 * pipeline (as Open vSwitch's EMC or VPP's stateful ACL session cache).
 *
 * What.  A fixed-size set-associative table keyed by the ingress point and
 * the header fields the pipeline's decisions depend on (addresses, ports,
 * protocol, ICMP type and code).  An entry holds what the slow path decided
 * for that key in the current generation: the result (verdict, drop reason,
 * egress point, the rewritten addresses of IGW 1:1 NAT) and a short program
 * of the stateful steps the slow path ran, in its order: security-group
 * steps (the rules' verdict for this header, whether an allowed flow is
 * tracked, a hint to the conntrack entry) and flow-log accounting steps.
 * Everything stateless (NACLs, routes, ownership, gateway checks) is a pure
 * function of (generation, header) and is replayed as its result; the
 * stateful steps are re-run on every packet by process.c (conntrack lookup,
 * state machine and timers, inserts, flow-log counters), so a packet gives
 * the same result and the same state change with or without the cache.  The
 * one exception is deferral, not omission: an established TCP pair's entry
 * holds a conntrack lease (FC_E_LEASED) and keeps its entries' refresh time
 * itself, which conntrack folds in whenever it reads or changes them.
 *
 * The caller chooses the keys: process.c also files source-port wildcard
 * entries (sport 0, a flag in point) next to the exact ones.
 *
 * Invalidation.  fcache_invalidate() starts a new epoch (the engine calls it
 * whenever it adopts a generation); entries of older epochs never match.
 * Epochs are 16 bits: when the counter wraps, the table is cleared
 * (fcache_invalidate_clears() tells the engine first, to end leases).
 *
 * Layout.  Sets of FC_WAYS = 2 entries, 128 bytes, 128-byte aligned; an
 * entry is split in two 32-byte halves.  The set's first line holds both
 * hot halves (the key, the epoch, the flags, a plain result's egress and a
 * lease's last packet), its second line both cold halves (the program, the
 * conntrack hints, the rest of the result).  A lookup reads one line; an
 * established packet of a leased connection reads nothing else (an earlier
 * layout of whole 64-byte entries read two lines per lookup).
 *
 * Two choices.  A key's hash names a primary and an alternative set; it is
 * kept in one of them, the primary's ways first, and looked up in the
 * primary first.  With one choice, 1,000,000 connections in a table of four
 * million entries lost about 2% of their lookups to sets that three or more
 * active keys share; with two, almost none.  A guest (a key in its alternative
 * set) costs a second line per lookup, so fcache_promote() moves it to its
 * primary set when it takes a lease and a way there holds no lease.
 * Replacement: the way holding the same key (of any epoch), else an empty
 * or stale way, else the way least worth keeping: one without a lease, else
 * the lease whose last packet is the oldest (ties in turn).
 *
 * Memory.  fcache_new() allocates everything; lookups and stores never
 * allocate.  Not thread-safe (one cache per packet thread, like the state).
 */
#ifndef OPENVPC_ENGINE_FCACHE_H
#define OPENVPC_ENGINE_FCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util/util.h"

#define FC_WAYS	       2
#define FC_OPS_MAX     4
#define FC_SG_MAX      2
#define FC_ENTRIES_MAX (1u << 24)

/* Step flags. */
#define FC_OP_SG     0x01 /* security-group step (else flow-log accounting) */
#define FC_OP_EGRESS 0x02
#define FC_OP_FINAL  0x04 /* on the rewritten header (after IGW 1:1 NAT) */
#define FC_OP_REJECT 0x08 /* accounting: REJECT */
#define FC_OP_ALLOW  0x10 /* SG: the rules allow this header */
#define FC_OP_TRACK  0x20 /* SG: an allowed new flow is tracked (not untracked) */

struct fc_op {
	uint16_t eni; /* ENI index in the generation */
	uint8_t flags;
	uint8_t path; /* accounting: traffic path */
};

struct fc_key {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto, icmp_type, icmp_code, point;
	uint32_t idx; /* ingress index (an entry is kept only for idx <= UINT16_MAX) */
};

/* Entry flags. */
#define FC_E_SG_TERMINAL 0x01 /* the last step is an SG step that blocked */
/*
 * Exactly two steps, SG egress then SG ingress, on the TCP header as it
 * entered, not terminal: an established packet's whole stateful work is
 * ct_refresh_tcp_pair() (process.c's fast path).
 */
#define FC_E_TCP_PAIR 0x02
/*
 * An FC_E_TCP_PAIR entry holding a conntrack lease (ct.h, "Leases") on its
 * two entries hint[0] (egress) and hint[1] (ingress), lease number =
 * fcache_index(); lease_ms is its last packet.  Set and ended by process.c
 * and ct.c only; whoever refills the entry ends it first.
 */
#define FC_E_LEASED 0x04
/*
 * The result is plain: delivered to the ENI to_idx, the header unchanged
 * (process.c decides; only plain entries are leased, so the leased fast
 * path reads nothing but the hot half).
 */
#define FC_E_PLAIN   0x08
#define FC_E_OUT_SRC 0x10 /* out_src is the cold half's out_addr (else the key's src) */
#define FC_E_OUT_DST 0x20 /* out_dst is the cold half's out_addr (else the key's dst) */
#define FC_E_GUEST   0x40 /* kept in its alternative set (counted in its primary's guests) */

/*
 * An entry as its users see it (by value; the table keeps it in two halves,
 * below).  out_src and out_dst differ from the key's src and dst in at most
 * one of the two (IGW 1:1 NAT rewrites one address): fcache_fits().
 */
struct fc_entry {
	struct fc_key key;
	uint32_t out_src, out_dst; /* header after the rewrite (IGW 1:1 NAT) */
	uint16_t to_idx;
	uint8_t verdict, drop, to_point, n_ops, flags, n_sg;
	uint32_t hint[FC_SG_MAX]; /* conntrack entries of the SG steps */
	struct fc_op ops[FC_OPS_MAX];
};

/*
 * The table's halves of an entry.  The hot half is what a lookup and the
 * leased fast path read: the key (as the words fcache_set_words() takes),
 * the epoch, the flags and a plain result's egress.  pf is a copy of the
 * cold half's hints while the entry is not leased (only a hint to the
 * memory system, for the burst pipeline's stage B), the lease's last packet
 * while it is.
 */
struct fc_hot {
	uint64_t a, b; /* src, dst | sport, dport, proto, icmp type and code, point */
	union {
		uint64_t lease_ms;	/* FC_E_LEASED: the lease's last packet */
		uint32_t pf[FC_SG_MAX]; /* else: hint[], for prefetching */
	};
	uint16_t idx, epoch;
	uint16_t to_idx;
	uint8_t flags;
	/*
	 * hot[0]'s only (a set's, not an entry's): how many ways elsewhere hold
	 * keys (of any epoch) whose primary set this is, FC_E_GUEST; 0: a key
	 * not here is in neither of its sets.  Saturates (then never falls).
	 */
	uint8_t guests;
};

struct fc_cold {
	uint32_t out_addr; /* FC_E_OUT_SRC or FC_E_OUT_DST: the rewritten address */
	uint8_t verdict, drop, to_point;
	uint8_t n_ops : 4, n_sg : 4;
	uint32_t hint[FC_SG_MAX];
	struct fc_op ops[FC_OPS_MAX];
};

/* A set: the FC_WAYS hot halves in its first line, their cold halves in its second. */
struct fc_set {
	struct fc_hot hot[FC_WAYS];
	struct fc_cold cold[FC_WAYS];
};

/*
 * The table.  Private to fcache.c but for the inline lookup below (the
 * established fast path in process.c hashes and probes without a call).
 */
struct fcache {
	struct fc_set *sets;
	uint32_t set_mask;
	uint16_t epoch;
	uint32_t clock; /* victims of equal worth are taken in turn */
	/*
	 * fcache_fill(), fcache_promote() and fcache_invalidate() calls
	 * (wrapping): a key looked up and missed still misses, and an entry
	 * found still holds its key, while this is unchanged.
	 */
	uint32_t commits;
	uint64_t seed;
	size_t n_entries;
};

/* A cache of at least entries entries (rounded up to a power of two, >= FC_WAYS).  NULL on OOM. */
struct fcache *fcache_new(uint32_t entries, uint64_t seed);
/* Accepts NULL; returns NULL. */
struct fcache *fcache_free(struct fcache *c);
/* Forget every entry (a new generation). */
void fcache_invalidate(struct fcache *c);
/* Whether the next fcache_invalidate() clears the table (its epoch counter wraps). */
bool fcache_invalidate_clears(const struct fcache *c);
/* The current epoch's entry for k, or NULL. */
struct fc_hot *fcache_lookup(struct fcache *c, const struct fc_key *k);
/* Whether the table can keep e under k (the key's index and at most one address rewritten). */
bool fcache_fits(const struct fc_key *k, const struct fc_entry *e);
/*
 * The entry to fill for k (the way holding k, an empty or stale way, or a
 * victim), invalid until the caller has filled it with fcache_fill().
 */
struct fc_hot *fcache_slot(struct fcache *c, const struct fc_key *k);
/* Fill slot (fcache_slot(c, k)) with e (fcache_fits(k, e)) under k, and make it valid. */
void fcache_fill(struct fcache *c, struct fc_hot *slot, const struct fc_key *k,
		 const struct fc_entry *e);
/* An entry as its users see it. */
void fcache_load(const struct fc_hot *h, struct fc_entry *ret);
/*
 * The entry h (valid, not leased) moved into its primary set when it is in
 * its alternative and a way of the primary is empty, stale or not leased
 * (that entry is dropped), so that its lookups read one line; else h.
 * Counts as a commit.
 */
struct fc_hot *fcache_promote(struct fcache *c, struct fc_hot *h);
/* Entry number r (< n_entries), and the number of an entry. */
struct fc_hot *fcache_at(const struct fcache *c, uint32_t r);
/*
 * Staged lookups (eng_process_burst()): with k's primary set (from
 * fcache_set_words(), hashed once, valid for the cache's lifetime), the same
 * answer as fcache_lookup(c, k).
 */
struct fc_hot *fcache_lookup_set(struct fcache *c, struct fc_set *set, const struct fc_key *k);

/* The cold half of the entry whose hot half is h. */
static inline struct fc_cold *fcache_cold(const struct fc_hot *h)
{
	struct fc_set *set =
	    (struct fc_set *)((uintptr_t)h & ~(uintptr_t)(sizeof(struct fc_set) - 1));

	return &set->cold[h - set->hot];
}

/* A not leased entry's prefetch copy of its hints (pf), from its cold half. */
static inline void fcache_pf_from_cold(struct fc_hot *h)
{
	const struct fc_cold *cold = fcache_cold(h);

	for (unsigned i = 0; i < FC_SG_MAX; i++)
		h->pf[i] = i < cold->n_sg ? cold->hint[i] : UINT32_MAX;
}

static inline uint32_t fcache_index(const struct fcache *c, const struct fc_hot *h)
{
	return (uint32_t)((const char *)h - (const char *)c->sets) / sizeof(struct fc_set) *
		   FC_WAYS +
	       (uint32_t)(((uintptr_t)h / sizeof(struct fc_hot)) % FC_WAYS);
}

/*
 * A key as three words: bytes 0-7 (addresses), 8-15 (ports, protocol, ICMP
 * type and code, point), idx.  process.c builds them from the packet header
 * directly (same layout up to byte 14).  Its hash chooses two sets: the
 * primary (the low half) and the alternative (the high half).
 */
static inline uint64_t fcache_hash_words(const struct fcache *c, uint64_t a, uint64_t b, uint32_t i)
{
	return util_hash64(((a ^ c->seed) * 0x9e3779b97f4a7c15ULL) ^ b ^ ((uint64_t)i << 32));
}

static inline struct fc_set *fcache_set_words(const struct fcache *c, uint64_t a, uint64_t b,
					      uint32_t i)
{
	return &c->sets[(uint32_t)fcache_hash_words(c, a, b, i) & c->set_mask];
}

static inline struct fc_set *fcache_alt_words(const struct fcache *c, uint64_t a, uint64_t b,
					      uint32_t i)
{
	return &c->sets[(uint32_t)(fcache_hash_words(c, a, b, i) >> 32) & c->set_mask];
}

static inline bool fcache_entry_is(const struct fc_hot *h, uint16_t epoch, uint64_t a, uint64_t b,
				   uint32_t i)
{
	return h->epoch == epoch && ((h->a ^ a) | (h->b ^ b) | (uint64_t)(h->idx ^ i)) == 0;
}

/* The current epoch's entry for the key (a, b, i) in set (one of its two), or NULL. */
static inline struct fc_hot *fcache_lookup_words(const struct fcache *c, struct fc_set *set,
						 uint64_t a, uint64_t b, uint32_t i)
{
	if (fcache_entry_is(&set->hot[0], c->epoch, a, b, i))
		return &set->hot[0];
	if (fcache_entry_is(&set->hot[1], c->epoch, a, b, i))
		return &set->hot[1];
	return NULL;
}

/*
 * The current epoch's entry for the key (a, b, i), whose primary set is set,
 * or NULL: the alternative set is read only when the primary has guests.
 */
static inline struct fc_hot *fcache_find_words(const struct fcache *c, struct fc_set *set,
					       uint64_t a, uint64_t b, uint32_t i)
{
	struct fc_hot *h = fcache_lookup_words(c, set, a, b, i);

	if (likely(h) || set->hot[0].guests == 0)
		return h;
	return fcache_lookup_words(c, fcache_alt_words(c, a, b, i), a, b, i);
}

/* The line a lookup reads. */
static inline void fcache_prefetch_set(const struct fc_set *set)
{
	__builtin_prefetch(set->hot, 1);
}

/* The line an entry's cold half is in (all of the set's). */
static inline void fcache_prefetch_cold(const struct fc_set *set)
{
	__builtin_prefetch(set->cold, 1);
}

#endif
