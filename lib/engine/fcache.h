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
 *
 * Layout.  Sets of FC_WAYS = 2 entries of 64 bytes, 128-byte aligned: a
 * lookup touches two adjacent cache lines, which the memory system fetches
 * together, so a lookup costs one memory access (an earlier layout with a
 * separate signature array cost two).  Replacement: the way holding the same
 * key (of any epoch), else an empty or stale way, else round robin.
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
	uint32_t idx; /* ingress index */
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
 * two entries hint[0] (egress) and hint[1] (ingress), lease number = the
 * entry's index in the table; lease_ms is its last packet.  Set and ended
 * by process.c and ct.c only; whoever refills the entry ends it first.
 */
#define FC_E_LEASED 0x04

struct fc_entry {
	struct fc_key key; /* 20 bytes */
	uint32_t epoch;
	uint32_t out_src, out_dst; /* header after the rewrite (IGW 1:1 NAT) */
	uint16_t to_idx;
	uint8_t verdict, drop, to_point, n_ops, flags, n_sg;
	uint32_t hint[FC_SG_MAX]; /* conntrack entries of the SG steps */
	union {
		struct fc_op ops[FC_OPS_MAX];
		struct {
			struct fc_op pair_ops[2]; /* FC_E_TCP_PAIR: ops[0], ops[1] */
			uint64_t lease_ms;	  /* FC_E_LEASED: the lease's last packet */
		};
	};
};

/*
 * The table.  Private to fcache.c but for the inline lookup below (the
 * established fast path in process.c hashes and probes without a call).
 */
struct fcache {
	struct fc_entry *entries;
	uint32_t set_mask;
	uint32_t epoch;
	uint32_t clock; /* round-robin victim */
	/*
	 * fcache_commit() and fcache_invalidate() calls (wrapping): a key
	 * looked up and missed still misses while this is unchanged.
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
/* The current epoch's entry for k, or NULL. */
struct fc_entry *fcache_lookup(struct fcache *c, const struct fc_key *k);
/*
 * The entry to fill for k (the way holding k, an empty or stale way, or a
 * victim), invalid until the caller has filled it and called
 * fcache_commit(), which sets key and epoch.
 */
struct fc_entry *fcache_slot(struct fcache *c, const struct fc_key *k);
void fcache_commit(struct fcache *c, struct fc_entry *e, const struct fc_key *k);
/* Prefetch k's set. */
void fcache_prefetch(const struct fcache *c, const struct fc_key *k);
/*
 * Staged lookups (eng_process_burst()): k's set, hashed once, valid for the
 * cache's lifetime; prefetch it, then look k up in it later (the same
 * answer as fcache_lookup(c, k) at that time).
 */
struct fc_entry *fcache_set(const struct fcache *c, const struct fc_key *k);
struct fc_entry *fcache_lookup_set(struct fcache *c, struct fc_entry *set,
				   const struct fc_key *k);

/*
 * A key as three words: bytes 0-7 (addresses), 8-15 (ports, protocol, ICMP
 * type and code, point), idx.  process.c builds them from the packet header
 * directly (same layout up to byte 14).
 */
static inline struct fc_entry *fcache_set_words(const struct fcache *c, uint64_t a, uint64_t b,
						uint32_t i)
{
	uint64_t x = util_hash64(((a ^ c->seed) * 0x9e3779b97f4a7c15ULL) ^ b ^ ((uint64_t)i << 32));

	return &c->entries[(size_t)((uint32_t)x & c->set_mask) * FC_WAYS];
}

static inline bool fcache_entry_is(const struct fc_entry *e, uint32_t epoch, uint64_t a,
				   uint64_t b, uint32_t i)
{
	uint64_t ea, eb;

	__builtin_memcpy(&ea, &e->key.src, 8);
	__builtin_memcpy(&eb, &e->key.sport, 8);
	return e->epoch == epoch && ((ea ^ a) | (eb ^ b) | (uint64_t)(e->key.idx ^ i)) == 0;
}

/* The current epoch's entry for the key (a, b, i) in its set, or NULL. */
static inline struct fc_entry *fcache_lookup_words(const struct fcache *c, struct fc_entry *set,
						   uint64_t a, uint64_t b, uint32_t i)
{
	if (fcache_entry_is(&set[0], c->epoch, a, b, i))
		return &set[0];
	if (fcache_entry_is(&set[1], c->epoch, a, b, i))
		return &set[1];
	return NULL;
}

static inline void fcache_prefetch_set(const struct fc_entry *set)
{
	__builtin_prefetch(&set[0], 1);
	__builtin_prefetch(&set[1], 1);
}

#endif
