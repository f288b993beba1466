/*
 * flowlog: per-interval flow-log aggregation (vpc-semantics.md section 12).
 *
 * What.  Counts packets into records keyed by struct flowlog_key (ENI, the
 * logged 5-tuple, action, direction, traffic path, packet-level addresses)
 * for one aggregation interval; flowlog_agg_drain() hands every record out
 * and starts the next interval.  A record keeps packets, bytes, the first
 * and last packet times (start/end, Unix seconds) and the tcp-flags value
 * OR-ed over the interval (section 12.4; -1 once an invalid combination was
 * seen).  tcp-flags are only accumulated for TCP (proto 6); other protocols
 * keep 0.
 *
 * Limits.  capacity records per interval, FLOWLOG_CHAIN_MAX per hash chain
 * (the hash is keyed, flowlog_agg_set_seed(), so packets cannot aim at one
 * chain; the cap bounds the work per packet anyway).  When a new record does
 * not fit,
 * flowlog_agg_account() returns -ENOSPC and the ENI is marked: drain reports
 * it to skip_fn, for a SKIPDATA record.  At most capacity ENIs can be marked
 * per interval (more cannot happen in practice: each marked ENI either has
 * records or tried to add one).
 *
 * Memory.  flowlog_agg_new() allocates everything (record array, bucket
 * heads, skip set); account and drain never allocate.  Records are emitted in
 * the order they were created.  Not thread-safe.
 */
#ifndef OPENVPC_ENGINE_FLOWLOG_H
#define OPENVPC_ENGINE_FLOWLOG_H

#include <stddef.h>
#include <stdint.h>

#define FLOWLOG_CAPACITY_MAX (1u << 24)
/* Records per hash chain; beyond it a new record is refused like a full table. */
#define FLOWLOG_CHAIN_MAX 32u

struct flowlog_key {
	uint32_t eni; /* zone of the ENI */
	uint32_t srcaddr, dstaddr;
	uint16_t srcport, dstport;
	uint8_t proto;
	uint8_t reject;
	uint8_t egress;
	uint8_t traffic_path;
	uint32_t pkt_srcaddr, pkt_dstaddr;
};

struct flowlog_entry {
	struct flowlog_key key;
	uint64_t packets, bytes;
	int64_t start, end;
	int tcp_flags; /* -1 = invalid combination seen */
};

struct flowlog_agg;

/* capacity records per interval (1..FLOWLOG_CAPACITY_MAX).  NULL on OOM or a bad argument. */
struct flowlog_agg *flowlog_agg_new(uint32_t capacity);
/* Accepts NULL; returns NULL. */
struct flowlog_agg *flowlog_agg_free(struct flowlog_agg *a);
/* Key the record hash (see ct_set_seed()).  Only while empty: 0 or -EBUSY. */
int flowlog_agg_set_seed(struct flowlog_agg *a, uint64_t seed);

/*
 * Count one packet of bytes bytes at now_s.  0, or -ENOSPC when the
 * interval's capacity is exhausted (the ENI is then marked for SKIPDATA).
 */
int flowlog_agg_account(struct flowlog_agg *a, const struct flowlog_key *k, uint32_t bytes,
			uint8_t tcp_flags, int64_t now_s);

/* Records held in the current interval. */
size_t flowlog_agg_count(const struct flowlog_agg *a);

/*
 * Emit every record (in creation order), then reset, SKIPDATA marks
 * included.  fn gets each record; skip_fn (may be NULL) each ENI that lost
 * records.  Returns the number of records emitted.
 */
size_t flowlog_agg_drain(struct flowlog_agg *a, void (*fn)(const struct flowlog_entry *e, void *ud),
			 void (*skip_fn)(uint32_t eni, void *ud), void *ud);

/*
 * tcp-flags value of one packet (section 12.4): SYN 2, SYN-ACK 18, FIN 1,
 * RST 4, ACK/PSH/URG alone 0, OR-ed when several supported flags are set
 * (FIN+ACK 1, RST+ACK 4); SYN+FIN or SYN+RST in one packet -> -1 (invalid).
 */
int flowlog_tcp_flags_value(uint8_t raw_flags);

/* OR two interval values, keeping -1 sticky. */
int flowlog_tcp_flags_or(int a, int b);

#endif
