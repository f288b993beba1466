/*
 * state-private: the mutable engine state (see engine.h), shared by
 * state.c, process.c and flowlog-emit.c.
 *
 * Zones.  Connection tracking and flow-log counters must survive a new
 * generation, but generation indices change with every compile.  Each ENI ID
 * therefore gets a stable zone number the first time a generation containing
 * it is adopted; zone_of_eni maps the current generation's ENI indices to
 * zones and eni_of_zone maps back (GEN_NONE once the ENI is gone, when its
 * connections are flushed and the zone, after a quarantine, is reused).
 * Adoption happens once per generation change, never per packet, and costs
 * O(n log n) in the number of ENIs.
 */
#ifndef OPENVPC_ENGINE_STATE_PRIVATE_H
#define OPENVPC_ENGINE_STATE_PRIVATE_H

#include <stdatomic.h>

#include "lib/engine/ct.h"
#include "lib/engine/fcache.h"
#include "lib/engine/flowlog.h"
#include "lib/engine/gen-private.h"
#include "lib/engine/nat.h"

struct state_zone {
	char id[MODEL_ID_LEN];
	uint32_t zone;
};

/*
 * What eng_process_burst()'s stage B computed for a packet without an exact
 * flow-cache entry (a likely new flow), for the processing stage to reuse
 * instead of hashing again: the wildcard set and the conntrack index hashes
 * of the keys it guessed (egress at the sending ENI, ingress at the ENI
 * owning the destination), and the flow cache's commit count when it found
 * no exact entry.  Read only for a packet whose stage B wrote the slot in
 * the running burst (stage B marks it: its flow-cache set slot NULL); a
 * hash is used only for a key of the same zone (the rest of the key is the
 * packet's), the miss only while the commit count is unchanged.
 */
#define ENG_NF_RING 16 /* > the distance from stage B to processing; a power of two */

struct eng_nf_hint {
	struct fc_set *wset;   /* NULL: not computed */
	uint64_t wild_b;       /* the wildcard key's second word (fc_wild_word()) */
	uint64_t ct_hash[2];   /* [0] egress, [1] ingress */
	uint32_t zone[2];
	uint32_t fc_commits;   /* the flow cache's commits when stage B ran */
	uint8_t has;	       /* bit i: ct_hash[i] and zone[i] are set */
};

/*
 * Stage B's memo of gen_owner() for a new TCP flow's ingress key: the zone of
 * the ENI owning ip in vpc (CT_NONE: none) in the generation of that serial.
 * A direct-mapped cache of a pure function of the generation, so a hit is
 * gen_owner()'s answer; and it only chooses which index line to prefetch
 * and which hash to keep (used by new_tcp_pair() for a key of that zone only).
 */
#define ENG_OWNER_MEMO 256 /* a power of two */

struct eng_owner_memo {
	uint32_t ip;
	uint32_t vpc;
	uint32_t serial; /* low bits of the generation's serial */
	uint32_t zone;
};

struct eng_state {
	_Atomic(struct eng_gen *) pending; /* published, not yet adopted (owns a ref) */
	struct eng_gen *current;	   /* adopted (owns a ref) */
	const struct eng_gen *adopted_for; /* generation the zone maps describe */
	uint64_t adopted_serial;	   /* its serial (a freed generation's address may be reused) */

	struct ct_table *ct;
	struct ct_entry *ct_pool; /* ct_pool_entries(ct), for ct_refresh_tcp_pair_in() */
	uint32_t ct_pool_n;
	struct nat_table *nat;
	struct flowlog_agg *flow;
	struct fcache *fc; /* NULL when disabled; invalidated whenever a generation is adopted */
	/*
	 * The latest time a conntrack lease was begun or refreshed at: a lease
	 * passes only packets at that time or later, so that its entries'
	 * expiry is the latest lease's last packet (ct.h, "Leases").
	 */
	uint64_t lease_now;
	struct eng_limits limits;
	struct eng_stats stats;

	struct state_zone *zones; /* sorted by id */
	size_t n_zones, cap_zones;
	uint32_t next_zone;
	uint32_t *zone_of_eni; /* [adopted_for->n_enis] */
	uint32_t *eni_of_zone; /* [next_zone] */
	size_t cap_eni_of_zone;

	/* Flow-log interval bookkeeping: start of the current interval (seconds). */
	int64_t flow_interval_start;
	/* Zones that lost records in this interval (SKIPDATA). */
	uint8_t *zone_skipped;

	/*
	 * Zones of ENIs that disappeared: quarantined until the aggregator holds
	 * no record that could name them (the next flow-log flush, or at once when
	 * it is empty), then free for reuse, so a long-lived daemon never runs out
	 * of zones however many ENIs come and go.
	 */
	uint32_t *quarantine;
	size_t n_quarantine, cap_quarantine;
	uint32_t *free_zones;
	size_t n_free_zones, cap_free_zones;

	/* eng_process_burst()'s stage B hints, by ((uintptr_t)pkt >> 2) % ENG_NF_RING. */
	struct eng_nf_hint nf[ENG_NF_RING];
	/* The conntrack index as ct_index_view() gives it, taken at each burst's start. */
	uint64_t ct_seed;
	const char *ct_index;
	uint32_t ct_mask;
	struct eng_owner_memo owner_memo[ENG_OWNER_MEMO];
};

/*
 * Make the zone maps describe gen (allocates only when gen differs from the
 * one they describe).  0 or -ENOMEM.
 */
int state_adopt(struct eng_state *st, const struct eng_gen *gen);
/* Quarantined zones become reusable (called once no record can name them). */
void state_release_quarantine(struct eng_state *st);

#endif
