/*
 * nat: NAT gateway source translation (vpc-semantics.md section 7).
 *
 * What.  A mapping translates (inside ip, inside port) of a flow to one
 * destination into (NAT ip, external port), external port in 1024..65535.
 * Mappings are endpoint-dependent: the uniqueness key of a live mapping is
 * (NAT ip, external port, destination ip, destination port, protocol), so one
 * external port is reused for different destinations, and each destination
 * (NAT ip, destination ip, destination port, protocol) holds at most
 * NAT_MAX_PER_DEST = 55,000 live mappings (AWS "55,000 simultaneous
 * connections per NAT IP to each unique destination").  TCP, UDP and ICMP
 * only; for ICMP the echo identifier is the port and the destination port is
 * ignored (stored as 0), since an echo reply carries only the identifier.
 *
 * Port choice.  A random start in 1024..65535 (seeded util_rng, so runs are
 * reproducible), then linear probing for a port free for that destination.
 *
 * Idle timeout.  A mapping lives while now_ms < last_ms + 350,000, where
 * last_ms is the last packet in either direction.  Mappings end only by
 * idleness (FIN/RST do not shorten them).  When a TCP mapping expires it
 * releases its port and becomes a tombstone that remembers the inside flow
 * for another NAT_TOMBSTONE_MS (350 s): the first non-SYN TCP packet from
 * inside for that flow during that time gets -ETIMEDOUT (the caller answers
 * with an RST, AWS IdleTimeoutCount) and removes the tombstone; a SYN removes
 * it and creates a fresh mapping.  Tombstones are evicted early only when the
 * table is full and a new mapping needs the slot.  UDP and ICMP mappings are
 * simply removed when they expire.
 *
 * Expiry is exact: live mappings sit on an LRU list (one idle timeout for
 * all, so the head is always the next to expire) and on their destination's
 * LRU list; a full table or a full destination first reclaims expired heads.
 *
 * Memory.  nat_new() allocates everything: a mapping pool with a free list,
 * two hash indices (outbound key, inbound key) and the destination records.
 * Nothing allocates afterwards.  now_ms is the caller's clock; nothing here
 * reads a clock.  Not thread-safe: one table per packet thread.
 */
#ifndef OPENVPC_ENGINE_NAT_H
#define OPENVPC_ENGINE_NAT_H

#include <stddef.h>
#include <stdint.h>

#define NAT_PORT_MIN	    1024
#define NAT_PORT_MAX	    65535
#define NAT_MAX_PER_DEST    55000
#define NAT_IDLE_TIMEOUT_MS 350000
#define NAT_TOMBSTONE_MS    350000
#define NAT_CAPACITY_MAX    (1u << 24)

struct nat_table;

/* New table for capacity (1..NAT_CAPACITY_MAX) mappings.  NULL on OOM or a bad argument. */
struct nat_table *nat_new(uint32_t capacity, uint64_t seed);
/* Accepts NULL; returns NULL. */
struct nat_table *nat_free(struct nat_table *t);

struct nat_flow {
	uint32_t nat_ip;
	uint32_t in_ip;
	uint16_t in_port; /* ICMP: echo identifier */
	uint32_t dst_ip;
	uint16_t dst_port; /* ignored for ICMP */
	uint8_t proto;
};

/*
 * Outbound packet of flow f: find or create its mapping and refresh it.
 * Returns 0 and *ret_port = the external port (ICMP: the external echo id);
 * -EAGAIN when the destination already has NAT_MAX_PER_DEST live mappings
 * (ErrorPortAllocation); -ENOSPC when the table is full; -ETIMEDOUT when a TCP
 * mapping of this flow expired from idleness and the packet is not a SYN (the
 * caller answers RST; the tombstone is removed; counts as an idle timeout);
 * -EPROTONOSUPPORT for protocols other than TCP, UDP and ICMP.
 */
int nat_outbound(struct nat_table *t, const struct nat_flow *f, uint8_t tcp_flags, uint64_t now_ms,
		 uint16_t *ret_port);

/*
 * Inbound reply to (nat_ip, ext_port) from (remote_ip, remote_port, proto)
 * (ICMP: remote_port ignored).  0 and the inside endpoint, refreshing the
 * mapping; -ENOENT when no live mapping matches.
 */
int nat_inbound(struct nat_table *t, uint32_t nat_ip, uint16_t ext_port, uint32_t remote_ip,
		uint16_t remote_port, uint8_t proto, uint64_t now_ms, uint32_t *ret_in_ip,
		uint16_t *ret_in_port);

/*
 * Remove up to budget expired mappings (TCP ones become tombstones) and up to
 * budget tombstones past their retention.  Returns how many slots were freed
 * or converted.
 */
size_t nat_expire(struct nat_table *t, uint64_t now_ms, size_t budget);

/* Live mappings plus expired ones not yet reclaimed (tombstones excluded). */
size_t nat_count(const struct nat_table *t);

struct nat_stats {
	uint64_t port_alloc_errors; /* -EAGAIN answers */
	uint64_t idle_timeouts;	    /* -ETIMEDOUT answers */
	uint64_t active;	    /* = nat_count() */
};
void nat_stats(const struct nat_table *t, struct nat_stats *ret);

#endif
