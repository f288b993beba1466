/*
 * ct: security-group connection tracking (vpc-semantics.md section 3.4).
 *
 * What.  A fixed-capacity table of tracked connections.  Tracking is per ENI:
 * the zone is the ENI's stable index, and the key is oriented from the ENI's
 * point of view (local = the ENI's address, remote = the peer), so the
 * request and its reply find the same entry without a second insertion.  For
 * ICMP echo both ports hold the identifier; for protocols other than TCP, UDP
 * and ICMP the ports are 0 (AWS tracks only addresses and protocol).
 *
 * Each protocol has a small state machine behind a vtable (struct
 * ct_l4_proto in ct-private.h, as Open vSwitch's conntrack-{tcp,icmp,other}.c):
 * ct-tcp.c, ct-udp.c, ct-icmp.c, ct-other.c.
 *
 * Usage on the packet path.  ct_lookup(); on a hit ct_update() with the
 * packet.  On a miss, when the security group allows the packet and the flow
 * is tracked, ct_insert() and then ct_update() with that same first packet:
 * ct_insert() only creates the entry (state NEW), ct_update() runs the
 * packet through the state machine.  The engine does the same in fewer calls:
 * ct_insert_first() is the insert and that update, ct_lookup_insert() the
 * lookup and, on a miss, ct_insert_first() with one hash and probe.
 *
 * Idle timeouts (seconds).  "[V]" = AWS documented, "[I]" = openvpc choice.
 *
 *   state                   timeout                    source
 *   ----------------------  -------------------------  -----------------------------
 *   TCP NEW (no packet yet)  120                        [I] = SYN_SENT
 *   TCP SYN_SENT            120                        [I] Linux nf_conntrack
 *   TCP SYN_RECV             60                        [I] Linux
 *   TCP ESTABLISHED         tcp_established_s          [V] default 432000
 *   TCP FIN_WAIT            120                        [I] Linux
 *   TCP CLOSE_WAIT           60                        [I] Linux
 *   TCP LAST_ACK             30                        [I] Linux
 *   TCP TIME_WAIT           120                        [I] Linux
 *   TCP CLOSED (after RST)   10                        [I] Linux "close"
 *   UDP UDP_NEW/UDP_REPLIED udp_s                      [V] default 30
 *   UDP UDP_STREAM          udp_stream_s               [V] default 180
 *   ICMP ICMP_NEW/_REPLIED   30                        [I]
 *   other OTHER_NEW/_REPLIED 600                       [V] "within 600 s"
 *
 * UDP becomes UDP_STREAM once more than one request/response exchange was
 * seen: an exchange is counted each time a reply-direction packet follows an
 * origin-direction packet; the second one makes the flow a stream.
 *
 * TCP state machine (d = direction of the packet; "first FIN side" is the
 * side whose FIN moved the flow out of ESTABLISHED).  Sequence numbers are
 * not checked (AWS security groups do not validate windows):
 *   NEW:        SYN -> SYN_SENT; RST -> CLOSED; FIN -> FIN_WAIT; anything
 *               else -> ESTABLISHED (loose mid-stream pickup, as Linux
 *               nf_conntrack_tcp_loose=1).  The origin is the direction
 *               given to ct_insert().
 *   any state:  RST -> CLOSED.
 *   SYN_SENT:   SYN or SYN+ACK from the reply side -> SYN_RECV.
 *   SYN_RECV:   ACK (no SYN) from the origin side -> ESTABLISHED;
 *               FIN from either side -> FIN_WAIT.
 *   ESTABLISHED: FIN -> FIN_WAIT.
 *   FIN_WAIT:   FIN from the other side -> LAST_ACK; ACK from the other
 *               side -> CLOSE_WAIT.
 *   CLOSE_WAIT: FIN from the other side -> LAST_ACK.
 *   LAST_ACK:   ACK from the first FIN side -> TIME_WAIT.
 *   TIME_WAIT, CLOSED: a SYN without ACK reopens the connection (SYN_SENT,
 *               origin = d, not replied).
 *   Everything else keeps the state and refreshes the timeout.
 *
 * ct_update() returns -ECONNRESET for a packet that arrives on a CLOSED
 * connection and does not reopen it (non-SYN).  The entry is left unchanged
 * (not refreshed).  The caller must then treat the packet as NOT matched by
 * state: evaluate it against the rules, and if they do not allow it, drop and
 * log it as REJECT (AWS: "arrived after the connection was closed").  In
 * every other case ct_update() returns 0 and the packet passes by state.
 *
 * Limits.  capacity entries in total and per_zone_max per zone (the AWS
 * per-instance allowance), at most CT_ZONES_MAX distinct zones with entries,
 * at most CT_CHAIN_MAX entries per home bucket of the index (what a flood
 * aimed at one hash value can fill; at the index's load of at most 4 entries
 * per bucket, 33 by chance has a probability of about 1e-19).  Any of them
 * exhausted:
 * ct_insert() returns -ENOSPC and the caller drops ("conntrack allowance
 * exceeded").  Expired entries do not count: when a limit is hit, the table
 * first reclaims every entry that expired in a whole second before now, so
 * an expired entry stops counting at most one second after it expired (and
 * exactly at its expiry when times are whole seconds).
 *
 * Expiry.  Entries sit on a timer wheel with one slot per second (see ct.c);
 * reclaiming costs O(expired entries + seconds passed), never a scan of the
 * table, and ct_update() adds no work unless a state change shortens the
 * timeout.  ct_lookup() treats an expired entry as absent at millisecond
 * precision whether or not it was reclaimed yet.
 *
 * Memory.  Everything is allocated by ct_new(): an entry pool (free list),
 * the index (power-of-two count of 64-byte buckets of 8 tagged slots, at
 * least capacity / 4 buckets: see ct.c), the zone records and the wheel.
 * Nothing allocates afterwards.  64 bytes per entry, 16 to 32 per entry for
 * the index, up to 2 MB of wheel and 1.5 MB of zone records: 1,048,576
 * entries take about 87 MB.
 *
 * Cost.  A lookup reads one 64-byte index line (the key's home bucket:
 * 8 slots with 16-bit tags), then only the entry whose tag matches; a miss
 * normally reads no entry.  ct_lookup_hint() with a right hint reads only
 * the entry.
 *
 * Time.  now_ms is the caller's clock (milliseconds, below 2^32 seconds);
 * nothing here reads a clock.  An entry is live while now_ms < expires_ms.
 *
 * Thread safety.  None: one table belongs to one packet thread.
 *
 * Pointers.  A struct ct_entry * stays valid until the entry is removed,
 * expires and is reclaimed (by ct_lookup(), ct_insert(), ct_expire(),
 * ct_flush_zone()), or the table is freed.  Do not keep one across calls
 * that may reclaim.
 */
#ifndef OPENVPC_ENGINE_CT_H
#define OPENVPC_ENGINE_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt_hdr;

struct ct_key {
	uint32_t zone;
	uint32_t local_ip, remote_ip;
	uint16_t local_port, remote_port;
	uint8_t proto;
};

/* Per-ENI idle timeouts (ConnectionTrackingSpecification). */
struct ct_timeouts {
	uint32_t tcp_established_s; /* 60..432000, default 432000 */
	uint32_t udp_stream_s;	    /* 60..180, default 180 */
	uint32_t udp_s;		    /* 30..60, default 30 */
};

#define CT_TCP_ESTABLISHED_MIN_S 60
#define CT_TCP_ESTABLISHED_MAX_S 432000
#define CT_UDP_STREAM_MIN_S	 60
#define CT_UDP_STREAM_MAX_S	 180
#define CT_UDP_MIN_S		 30
#define CT_UDP_MAX_S		 60

/* Hard limits. */
#define CT_CAPACITY_MAX (1u << 24)
#define CT_ZONES_MAX	65536u
#define CT_CHAIN_MAX	32u

/* Fills *t with the AWS defaults (432000, 180, 30). */
void ct_timeouts_default(struct ct_timeouts *t);
/* 0 when every field is within the AWS range, else -ERANGE. */
int ct_timeouts_validate(const struct ct_timeouts *t);

/* Packet direction relative to the ENI. */
enum ct_dir {
	CT_DIR_OUT,
	CT_DIR_IN,
};

struct ct_entry;
struct ct_table;

/*
 * New table for capacity entries (1..CT_CAPACITY_MAX) and at most
 * per_zone_max (>= 1) per zone.  NULL on OOM or a bad argument.
 */
struct ct_table *ct_new(uint32_t capacity, uint32_t per_zone_max);
/* Frees the table.  Accepts NULL; returns NULL. */
struct ct_table *ct_free(struct ct_table *t);
/*
 * Key the bucket hash with seed (the engine's seed), so that remote peers
 * cannot aim flows at one chain without knowing it.  Only while the table is
 * empty: 0 or -EBUSY.  Without it the key is 0.
 */
int ct_set_seed(struct ct_table *t, uint64_t seed);

/*
 * Find a live entry.  Expired entries count as absent (and are reclaimed
 * when met).  NULL when none.
 */
struct ct_entry *ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now_ms);

/*
 * ct_lookup() with a hint: hint is the pool index of the entry a previous
 * lookup returned for this key (ct_entry_index()), or any value.  When the
 * hinted entry holds this key and is live it is returned without touching
 * the hash buckets (for a key without ports set on a protocol that has none,
 * as the engine builds them); otherwise this is ct_lookup().  Same result and same
 * side effects as ct_lookup() in every case (one entry per key at most).
 */
struct ct_entry *ct_lookup_hint(struct ct_table *t, const struct ct_key *k, uint32_t hint,
				uint64_t now_ms);
/*
 * ct_lookup_hint() then, on a hit, ct_update(): the whole conntrack work of a
 * packet of a known flow, in one call.  *hint is updated to the entry found.
 * 0 (passes by state), -ECONNRESET (see ct_update()) or -ENOENT (no live
 * entry; nothing changed but the reclaiming ct_lookup() does).
 */
int ct_refresh(struct ct_table *t, const struct ct_key *k, uint32_t *hint, enum ct_dir dir,
	       uint8_t tcp_flags, uint64_t now_ms);
/*
 * The established fast path of a TCP packet between two ENIs (the flow
 * cache's common entry): the packet h leaves the ENI of zone zone_out
 * (CT_DIR_OUT, key local = h->src) and enters the ENI of zone zone_in
 * (CT_DIR_IN, key local = h->dst); hint[0] and hint[1] name their entries.
 * When both hinted entries are live, hold those keys, are TCP ESTABLISHED
 * and h carries no SYN, FIN or RST: both are refreshed exactly as
 * ct_refresh() on each key in that order would, and 0.  Otherwise nothing
 * is changed and 1 (the caller runs ct_refresh() on each).
 */
int ct_refresh_tcp_pair(struct ct_table *t, const uint32_t hint[2], uint32_t zone_out,
			uint32_t zone_in, const struct pkt_hdr *h, uint64_t now_ms);
/*
 * ct_insert(), placing the entry next to entry near (in the pool's 128-byte
 * block of near, entry near ^ 1) when that one is free: the two entries of
 * one connection (its two ENIs) are then one memory access apart even after
 * the pool has been churned.  near = UINT32_MAX (or any index) is allowed;
 * the placement is a hint only, the result is ct_insert()'s.
 */
int ct_insert_near(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		   const struct ct_timeouts *to, uint64_t now_ms, uint32_t near,
		   struct ct_entry **ret_entry);
/*
 * ct_insert_near() and then ct_update() of the new entry with its first
 * packet (tcp_flags), in one call: the same entry, state, expiry, wheel place
 * and return value as the two calls (ct_update()'s result is not returned:
 * a new entry passes its first packet or stays as inserted).
 */
int ct_insert_first(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		    const struct ct_timeouts *to, uint8_t tcp_flags, uint64_t now_ms,
		    uint32_t near, struct ct_entry **ret_entry);
/*
 * A tracked flow's step when the caller would insert on a miss: ct_lookup(k)
 * and, on a live entry, 0 with *ret_entry and *ret_inserted false (the
 * caller runs ct_update()); when there is none, ct_insert_first() with the
 * key hashed and probed once: 0 with the new entry and *ret_inserted true, or
 * -ENOSPC.  The same results and side effects as ct_lookup() followed, on a
 * miss, by ct_insert_near() and ct_update().
 */
int ct_lookup_insert(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		     const struct ct_timeouts *to, uint8_t tcp_flags, uint64_t now_ms,
		     uint32_t near, struct ct_entry **ret_entry, bool *ret_inserted);
/*
 * ct_lookup_insert() given h == ct_key_hash(t, k) (computed earlier, e.g. by
 * ct_prefetch_key_hash() while prefetching): the same results and effects.
 */
int ct_lookup_insert_hashed(struct ct_table *t, const struct ct_key *k, uint64_t h,
			    enum ct_dir dir, const struct ct_timeouts *to, uint8_t tcp_flags,
			    uint64_t now_ms, uint32_t near, struct ct_entry **ret_entry,
			    bool *ret_inserted);
/*
 * A new connection's two entries, egress (CT_DIR_OUT) then ingress
 * (CT_DIR_IN), for ct_lookup_insert_pair(); h[i] is used (as
 * ct_lookup_insert_hashed()'s) when bit i of has_h is set.
 */
struct ct_pair_req {
	struct ct_key k[2];
	const struct ct_timeouts *to[2];
	uint64_t h[2];
	uint8_t has_h;
	uint8_t tcp_flags;
};
/*
 * ct_lookup_insert() of k[0] and, when that inserted, of k[1] with near =
 * the first's entry, in one call: the same results and effects.  0 with
 * *ret_done = 1 (k[0] found live: ret_e[0], ret_inserted[0] false; the
 * caller updates it and looks k[1] up itself) or 2 (both looked up:
 * ret_e[], ret_inserted[]), or -ENOSPC (k[0] or k[1] could not be inserted;
 * k[0] stays inserted when it was).
 */
int ct_lookup_insert_pair(struct ct_table *t, const struct ct_pair_req *q, uint64_t now_ms,
			  struct ct_entry *ret_e[2], bool ret_inserted[2], unsigned *ret_done);
/* The index hash of k (normalised first); a pure function of t's seed and k. */
uint64_t ct_key_hash(const struct ct_table *t, const struct ct_key *k);
/* Pool index of an entry (for ct_lookup_hint()). */
uint32_t ct_entry_index(const struct ct_table *t, const struct ct_entry *e);
/* Prefetch the hash bucket of a key (for a lookup or insert soon after). */
void ct_prefetch_key(const struct ct_table *t, const struct ct_key *k);
/*
 * ct_prefetch_key() of a normalised key k (ports 0 for a protocol without
 * ports, as the engine builds its keys), returning ct_key_hash(t, k).
 */
uint64_t ct_prefetch_key_hash(const struct ct_table *t, const struct ct_key *k);
/* Prefetch the entry at a hint (any value is safe). */
void ct_prefetch_hint(const struct ct_table *t, uint32_t hint);
/*
 * The entry pool, for prefetching by hint without a call: entry i < capacity
 * starts at base + i * CT_ENTRY_SIZE (fixed for the table's lifetime).
 */
#define CT_ENTRY_SIZE 64
#define CT_NONE	      UINT32_MAX
void ct_pool_view(const struct ct_table *t, const void **ret_base, uint32_t *ret_capacity);
/*
 * Would ct_lookup() followed by ct_update() with a packet carrying tcp_flags
 * pass it by state now (a live entry, not a closed TCP connection that the
 * packet does not reopen)?  Changes nothing.
 */
bool ct_would_pass(const struct ct_table *t, const struct ct_key *k, uint8_t tcp_flags,
		   uint64_t now_ms);

/*
 * Create an entry (state NEW) for a flow whose first packet goes in
 * direction dir; the timeouts are copied into the entry.  Then call
 * ct_update() with that packet.  Returns 0 and *ret_entry (may be NULL),
 * -ENOSPC (a limit is exhausted: the caller drops) or -EEXIST (a live entry
 * with this key exists).  Timeouts outside the AWS ranges are clamped into
 * them (0 fields take the default).
 */
int ct_insert(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
	      const struct ct_timeouts *to, uint64_t now_ms, struct ct_entry **ret_entry);

/*
 * Run one packet in direction dir (tcp_flags: PKT_TCP_* bits, ignored for
 * other protocols) through the entry's state machine and refresh its expiry.
 * 0, or -ECONNRESET when the packet arrives on a closed TCP connection and
 * does not reopen it (see above: the packet is then not passed by state).
 */
int ct_update(struct ct_table *t, struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
	      uint64_t now_ms);

/* Accessors. */
const struct ct_key *ct_entry_key(const struct ct_entry *e);
enum ct_dir ct_entry_origin(const struct ct_entry *e); /* direction of the first packet */
bool ct_entry_replied(const struct ct_entry *e);       /* a packet against origin was seen */
/* "NEW", "SYN_SENT", "ESTABLISHED", "UDP_STREAM", ... (static strings). */
const char *ct_entry_state_name(const struct ct_entry *e);
uint64_t ct_entry_expires_ms(const struct ct_entry *e);

/* Remove one entry (e from ct_lookup/ct_insert).  Accepts NULL. */
void ct_remove(struct ct_table *t, struct ct_entry *e);

/*
 * Incremental sweep: advances the expiry wheel towards now, examining at
 * most budget entries (plus the empty seconds passed, at most one wheel lap
 * of up to 2^19), and removes the expired ones.
 * Returns the removed count.  Time must not go backwards for the sweep to be
 * prompt (it stays correct: lookups check expiry themselves).
 */
size_t ct_expire(struct ct_table *t, uint64_t now_ms, size_t budget);

/*
 * Leases.  The flow cache (process.c) may take over refreshing an
 * established TCP connection's two entries, so that its packets touch only
 * the flow-cache entry: a lease names the pair, egress entry then ingress
 * entry (a connection's two flow-cache entries, one per direction, each
 * hold one lease on the same pair, in opposite roles), and holds the time
 * of its last packet.  While an entry is leased its expiry is its own or
 * its leases' last packet plus its established timeout, whichever is later.
 * The table ends a lease (folding that time in, then calling ops->end)
 * before an entry leaves ESTABLISHED or is touched by any other path, is
 * removed, or is refreshed at a time earlier than a lease's last packet;
 * reads fold without ending.  So while a lease holds, both its entries are
 * live until its last packet plus CT_TCP_ESTABLISHED_MIN_S and ESTABLISHED,
 * and the holder may pass packets on that alone.  What a lease does not keep
 * is which direction went last (CT_F_LAST_IN), which only UDP reads.
 */
struct ct_lease_ops {
	void *ctx;
	/* Lease r's last packet (ms) and its entries (egress, ingress). */
	void (*get)(void *ctx, uint32_t r, uint64_t *ret_last_ms, uint32_t ret_idx[2]);
	/* Lease r has ended: its entries no longer name it. */
	void (*end)(void *ctx, uint32_t r);
};
/* The lease holder (at most one; before the first ct_lease_begin()). */
void ct_lease_attach(struct ct_table *t, const struct ct_lease_ops *ops);
/*
 * Lease r (< CT_NONE) of live ESTABLISHED TCP entries idx[0] (egress) and
 * idx[1] (ingress), touched by the holder's last packet; a lease another r
 * held in the same role of either entry ends first.
 */
void ct_lease_begin(struct ct_table *t, const uint32_t idx[2], uint32_t r);
/* The holder gives lease r up (its time is folded in). */
void ct_lease_end(struct ct_table *t, uint32_t r);
/*
 * e as a reader sees it: expiry folded with its leases' (as any lookup
 * does), the lease fields as a TCP entry without a lease has them.
 */
void ct_entry_settled(const struct ct_table *t, const struct ct_entry *e, struct ct_entry *ret);

/* Entries stored (live, plus expired ones not yet reclaimed). */
size_t ct_count(const struct ct_table *t);
size_t ct_zone_count(const struct ct_table *t, uint32_t zone);

/* Remove every entry of a zone (ENI deleted).  Returns the count removed. */
size_t ct_flush_zone(struct ct_table *t, uint32_t zone);

#endif
