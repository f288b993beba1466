/*
 * ct: the connection-tracking table (design and semantics in ct.h).
 *
 * Layout (the structures and the new TCP pair's inline insert are in
 * ct-table.h, which process.c also includes).  entries[capacity] is the
 * pool; a free entry's next and zprev fields link the free list both ways
 * (so that ct_insert_near() can take the partner of a given entry out of
 * it).  The index is an array of 64-byte buckets (a power of two,
 * at least capacity / 4 of them, so at most half of the slots are used),
 * each with CT_SLOTS slots: a 16-bit tag per slot (hash bits other than the
 * bucket's; 0 = empty) and the pool index of the entry.  A key lives in its
 * home bucket or, when that was full, in the next buckets (linear probing
 * by bucket, with F14's overflow counts: a bucket's ovf counts the entries
 * stored past it whose probe passed through it, so a lookup stops at the
 * first bucket without the key and with ovf 0).  A lookup therefore reads
 * one index line and then only the entries whose tag matches (a false match
 * costs 1/65,536 per slot): a miss usually touches no entry at all.  Each
 * bucket also counts the entries whose home it is (nhome); CT_CHAIN_MAX
 * caps it, as it capped a hash chain.  Each zone with entries has a record in
 * zones[] (its own small hash table, zbuckets[], with a free list) holding
 * the count and the head of a doubly linked list of its entries.
 *
 * Expiry wheel.  wheel[] has one list per second (W slots, a power of two):
 * an entry is filed under wsec, the second at or after its expiry,
 * ceil(expires_ms / 1000), in slot wsec & (W - 1).  ct_update() files lazily:
 * when the expiry moves later the entry stays where it is and is re-filed
 * when its old second comes round; only an earlier expiry moves it at once.
 * Advancing the wheel to now therefore visits each passed second once and
 * each entry about once per timeout: the expired ones are removed, the
 * refreshed ones re-filed, those of a later lap (W smaller than the timeout)
 * left in place.  wheel_next is the first second not yet processed.
 *
 * Invariants.
 *   - An entry is in one index slot, one zone list and one wheel list iff
 *     CT_F_USED, and wsec <= ceil(expires_ms / 1000).
 *   - An entry whose home bucket is h sits in bucket h + d (modulo the
 *     bucket count), and buckets h .. h + d - 1 are full and each count it
 *     in ovf; sum of nhome = count.
 *   - zone->count = length of its list; a zone record exists iff count > 0.
 *   - After wheel_advance(now), no entry with expires_ms <= floor(now / 1000)
 *     seconds remains: limits are exact for whole-second times and at most
 *     one second late otherwise.
 *
 * Leases (ct.h).  A leased TCP entry (CT_F_LEASED) names up to two leases,
 * lease_out (it is the lease's egress entry) and lease_in (its ingress
 * entry), in fields a used TCP entry does not otherwise use; without a lease
 * they hold CT_NONE and 0, as an insert leaves them.  Its expires_ms may lag:
 * the expiry is the later of expires_ms and each lease's last packet plus
 * long_s.  Reads fold that in (expired(), the wheel: the expiry only moves
 * later, so the wheel's lazy re-filing covers it); any other write ends
 * every lease of the entry first (entry_update(), entry_remove()), and
 * ct_refresh_tcp_pair_in() ends those whose last packet is later than its
 * own.  Invariants:
 *   - e->lease_out == r (lease_in == r) iff lease r holds e as its egress
 *     (ingress) entry, and then the holder's get(r) names e in that role;
 *   - a leased entry is USED, TCP, ESTABLISHED, and unchanged but for its
 *     expiry since the lease began;
 *   - the leases' last packets are at most the time of any later refresh
 *     (the holder's lease_now; ct_lease_settle_pair() ends the others), so
 *     folding the latest one gives the expiry the packets' order gives.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/bigmem.h"
#include "lib/engine/ct-private.h"
#include "lib/engine/ct-table.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

/* Expiry wheel size: one slot per second, a power of two in this range. */
#define CT_WHEEL_MIN 4096u
#define CT_WHEEL_MAX (1u << 19)

static const struct ct_l4_proto *const l4_protos[] = {
    &ct_proto_tcp,
    &ct_proto_udp,
    &ct_proto_icmp,
    &ct_proto_other,
};

static const struct ct_l4_proto *l4_of(uint8_t proto)
{
	switch (proto) {
	case PKT_PROTO_TCP:
		return l4_protos[0];
	case PKT_PROTO_UDP:
		return l4_protos[1];
	case PKT_PROTO_ICMP:
		return l4_protos[2];
	default:
		return l4_protos[3];
	}
}

static bool proto_has_ports(uint8_t proto)
{
	return proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP || proto == PKT_PROTO_ICMP;
}

/* Copy k field by field (no padding garbage); ports are 0 for untracked-port protocols. */
static void key_norm(struct ct_key *dst, const struct ct_key *k)
{
	memset(dst, 0, sizeof(*dst));
	dst->zone = k->zone;
	dst->local_ip = k->local_ip;
	dst->remote_ip = k->remote_ip;
	dst->proto = k->proto;
	if (proto_has_ports(k->proto)) {
		dst->local_port = k->local_port;
		dst->remote_port = k->remote_port;
	}
}

_Static_assert(offsetof(struct ct_key, remote_port) == 14 && offsetof(struct ct_key, proto) == 16,
	       "zone, addresses and ports are the key's first 16 bytes");

/*
 * An entry's key (normalised) against a caller's key in two word compares:
 * equal exactly when key_eq(e, k) and k is normalised.  A key that is not
 * (ports set for a protocol without ports) compares unequal, and the
 * callers then take the index lookup, which normalises it.
 */
static inline bool key_eq_norm(const struct ct_key *e, const struct ct_key *k)
{
	uint64_t e0, e1, k0, k1;

	memcpy(&e0, e, 8);
	memcpy(&e1, (const char *)e + 8, 8);
	memcpy(&k0, k, 8);
	memcpy(&k1, (const char *)k + 8, 8);
	return ((e0 ^ k0) | (e1 ^ k1)) == 0 && e->proto == k->proto;
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

void ct_timeouts_default(struct ct_timeouts *t)
{
	t->tcp_established_s = CT_TCP_ESTABLISHED_MAX_S;
	t->udp_stream_s = CT_UDP_STREAM_MAX_S;
	t->udp_s = CT_UDP_MIN_S;
}

int ct_timeouts_validate(const struct ct_timeouts *t)
{
	if (t->tcp_established_s < CT_TCP_ESTABLISHED_MIN_S ||
	    t->tcp_established_s > CT_TCP_ESTABLISHED_MAX_S)
		return -ERANGE;
	if (t->udp_stream_s < CT_UDP_STREAM_MIN_S || t->udp_stream_s > CT_UDP_STREAM_MAX_S)
		return -ERANGE;
	if (t->udp_s < CT_UDP_MIN_S || t->udp_s > CT_UDP_MAX_S)
		return -ERANGE;
	return 0;
}

struct ct_table *ct_new(uint32_t capacity, uint32_t per_zone_max)
{
	struct ct_table *t;

	if (capacity == 0 || capacity > CT_CAPACITY_MAX || per_zone_max == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->capacity = capacity;
	t->per_zone_max = per_zone_max;
	t->mask = pow2_at_least(((uint64_t)capacity + 3) / 4) - 1;
	t->n_zone_slots = UTIL_MIN(capacity, CT_ZONES_MAX);
	t->zmask = pow2_at_least((uint64_t)t->n_zone_slots * 2) - 1;
	t->wmask = UTIL_MAX(UTIL_MIN(pow2_at_least(capacity), CT_WHEEL_MAX), CT_WHEEL_MIN) - 1;
	t->entries = bigmem_alloc((size_t)capacity * sizeof(*t->entries));
	t->wheel = malloc(((size_t)t->wmask + 1) * sizeof(*t->wheel));
	t->buckets = bigmem_alloc(((size_t)t->mask + 1) * sizeof(*t->buckets)); /* 64-aligned */
	t->zones = calloc(t->n_zone_slots, sizeof(*t->zones));
	t->zbuckets = malloc(((size_t)t->zmask + 1) * sizeof(*t->zbuckets));
	if (!t->entries || !t->buckets || !t->zones || !t->zbuckets || !t->wheel)
		return ct_free(t);
	memset(t->entries, 0, (size_t)capacity * sizeof(*t->entries));
	memset(t->wheel, 0xff, ((size_t)t->wmask + 1) * sizeof(*t->wheel));
	memset(t->buckets, 0, ((size_t)t->mask + 1) * sizeof(*t->buckets));
	memset(t->zbuckets, 0xff, ((size_t)t->zmask + 1) * sizeof(*t->zbuckets));
	for (uint32_t i = 0; i < capacity; i++) {
		t->entries[i].next = i + 1 < capacity ? i + 1 : CT_NONE;
		t->entries[i].zprev = i > 0 ? i - 1 : CT_NONE;
	}
	t->free_head = 0;
	t->free_tail = capacity - 1;
	for (uint32_t i = 0; i < t->n_zone_slots; i++)
		t->zones[i].next = i + 1 < t->n_zone_slots ? i + 1 : CT_NONE;
	t->zfree = 0;
	for (uint32_t i = 0; i < CT_ZMEMO; i++)
		t->zmemo[i] = CT_NONE;
	t->wheel_next = 0;
	return t;
}

struct ct_table *ct_free(struct ct_table *t)
{
	if (!t)
		return NULL;
	free(t->entries);
	free(t->buckets);
	free(t->zones);
	free(t->zbuckets);
	free(t->wheel);
	free(t);
	return NULL;
}

/* ---- index --------------------------------------------------------------- */

static void index_unlink(struct ct_table *t, uint64_t h, uint32_t idx)
{
	uint32_t b = home_of(t, h);
	uint16_t tag = tag_of(h);

	t->miss_ok = false;
	t->buckets[b].nhome--;
	for (;;) {
		struct ct_bucket *bk = &t->buckets[b];

		for (uint32_t m = tag_match(bk, tag); m; m &= m - 1) {
			uint32_t i = match_slot(m);

			if (bk->idx[i] == idx) {
				bk->tag[i] = 0;
				return;
			}
		}
		bk->ovf--;
		b = (b + 1) & t->mask;
	}
}

/* ---- zones ---------------------------------------------------------------- */

static uint32_t zone_create(struct ct_table *t, uint32_t zone)
{
	uint32_t i = t->zfree, b = zone_bucket(t, zone);
	struct ct_zone *z;

	if (i == CT_NONE)
		return CT_NONE;
	z = &t->zones[i];
	t->zfree = z->next;
	z->zone = zone;
	z->count = 0;
	z->head = CT_NONE;
	z->next = t->zbuckets[b];
	t->zbuckets[b] = i;
	return i;
}

static void zone_destroy(struct ct_table *t, uint32_t zi)
{
	uint32_t *pp = &t->zbuckets[zone_bucket(t, t->zones[zi].zone)];

	while (*pp != zi)
		pp = &t->zones[*pp].next;
	*pp = t->zones[zi].next;
	t->zones[zi].next = t->zfree;
	t->zfree = zi;
	if (t->zmemo[t->zones[zi].zone % CT_ZMEMO] == zi)
		t->zmemo[t->zones[zi].zone % CT_ZMEMO] = CT_NONE;
}

/* ---- entries -------------------------------------------------------------- */

static void wheel_unlink(struct ct_table *t, uint32_t idx)
{
	struct ct_entry *e = &t->entries[idx];

	if (e->wprev != CT_NONE)
		t->entries[e->wprev].wnext = e->wnext;
	else
		t->wheel[e->wsec & t->wmask] = e->wnext;
	if (e->wnext != CT_NONE)
		t->entries[e->wnext].wprev = e->wprev;
}

/* File idx under the second of its expiry (never under a processed second). */
static void wheel_file(struct ct_table *t, uint32_t idx)
{
	uint64_t sec = ct_ceil_s(t->entries[idx].expires_ms);

	wheel_link(t, idx, (uint32_t)UTIL_MAX(sec, t->wheel_next));
}

/*
 * Return entry idx to the free list: at the head when its partner (idx ^ 1,
 * the other half of its 128-byte block) is free too, so that the head's
 * partner is free and ct_insert_near() can give a connection's second entry
 * the first one's block; at the tail otherwise (a half block is taken last).
 */
static void free_put(struct ct_table *t, uint32_t idx)
{
	struct ct_entry *e = &t->entries[idx];
	uint32_t p = idx ^ 1;

	if (t->free_head == CT_NONE) {
		e->zprev = e->next = CT_NONE;
		t->free_head = t->free_tail = idx;
	} else if (p < t->capacity && !(t->entries[p].flags & CT_F_USED)) {
		e->zprev = CT_NONE;
		e->next = t->free_head;
		t->entries[t->free_head].zprev = idx;
		t->free_head = idx;
	} else {
		e->next = CT_NONE;
		e->zprev = t->free_tail;
		t->entries[t->free_tail].next = idx;
		t->free_tail = idx;
	}
}

static void lease_end_all(struct ct_table *t, struct ct_entry *e);

/* Unlink entry idx from everything and return it to the free list. */
static void entry_remove(struct ct_table *t, uint32_t idx)
{
	struct ct_entry *e = &t->entries[idx];
	uint32_t zi = zone_find_memo(t, e->key.zone);
	struct ct_zone *z = &t->zones[zi];

	if (e->flags & CT_F_LEASED)
		lease_end_all(t, e);
	index_unlink(t, key_hash(t, &e->key), idx);
	if (e->zprev != CT_NONE)
		t->entries[e->zprev].znext = e->znext;
	else
		z->head = e->znext;
	if (e->znext != CT_NONE)
		t->entries[e->znext].zprev = e->zprev;
	if (--z->count == 0)
		zone_destroy(t, zi);
	wheel_unlink(t, idx);
	e->flags = 0;
	free_put(t, idx);
	t->count--;
}

/*
 * Process the seconds from wheel_next up to floor(now / 1000), examining at
 * most budget entries (and passing at most one lap of seconds).  Returns the
 * number of entries removed.
 */
static size_t wheel_advance(struct ct_table *t, uint64_t now_ms, size_t budget)
{
	uint64_t last = now_ms / 1000;
	size_t removed = 0, work = 0;

	/*
	 * More than one lap behind: the last W seconds visit every slot once,
	 * which is all an earlier second could hold.
	 */
	if (last >= t->wheel_next + t->wmask + 1)
		t->wheel_next = last - t->wmask;
	while (t->wheel_next <= last && work < budget) {
		uint64_t sec = t->wheel_next;
		uint32_t i = t->wheel[sec & t->wmask];

		while (i != CT_NONE && work < budget) {
			struct ct_entry *e = &t->entries[i];
			uint32_t next = e->wnext;
			uint64_t due;

			if (e->flags & CT_F_LEASED)
				ct_lease_fold(t, e);
			due = ct_ceil_s(e->expires_ms);

			work++;
			if (due <= last) {
				entry_remove(t, i);
				removed++;
			} else if ((due & t->wmask) != (sec & t->wmask)) {
				wheel_unlink(t, i);
				wheel_link(t, i, (uint32_t)due);
			} else {
				e->wsec = (uint32_t)due; /* a later lap: stays in this slot */
			}
			i = next;
		}
		if (i != CT_NONE)
			break; /* budget spent inside this second: resume here */
		/* Empty seconds are not counted: at most one lap of them per call. */
		t->wheel_next++;
	}
	return removed;
}

struct ct_entry *ct_lookup(struct ct_table *t, const struct ct_key *k, uint64_t now_ms)
{
	struct ct_entry *e;
	struct ct_key key;
	uint64_t h;
	uint32_t i;

	/* Field copies only (no memset): the hot path. */
	key.zone = k->zone;
	key.local_ip = k->local_ip;
	key.remote_ip = k->remote_ip;
	key.proto = k->proto;
	if (likely(proto_has_ports(k->proto))) {
		key.local_port = k->local_port;
		key.remote_port = k->remote_port;
	} else {
		key.local_port = key.remote_port = 0;
	}
	h = key_hash(t, &key);
	i = index_find(t, &key, h);
	if (i == CT_NONE) {
		t->miss_ok = true;
		t->miss_key = key;
		t->miss_hash = h;
		return NULL;
	}
	e = &t->entries[i];
	if (unlikely(expired(t, e, now_ms))) {
		entry_remove(t, i);
		return NULL;
	}
	return e;
}

static inline struct ct_entry *lookup_hint(struct ct_table *t, const struct ct_key *k,
					   uint32_t hint, uint64_t now_ms)
{
	if (likely(hint < t->capacity)) {
		struct ct_entry *e = &t->entries[hint];

		if ((e->flags & CT_F_USED) && key_eq_norm(&e->key, k) && !expired(t, e, now_ms))
			return e;
	}
	return ct_lookup(t, k, now_ms);
}

struct ct_entry *ct_lookup_hint(struct ct_table *t, const struct ct_key *k, uint32_t hint,
				uint64_t now_ms)
{
	return lookup_hint(t, k, hint, now_ms);
}

uint32_t ct_entry_index(const struct ct_table *t, const struct ct_entry *e)
{
	return (uint32_t)(e - t->entries);
}

uint64_t ct_key_hash(const struct ct_table *t, const struct ct_key *k)
{
	struct ct_key key;

	key_norm(&key, k);
	return key_hash(t, &key);
}

void ct_prefetch_key(const struct ct_table *t, const struct ct_key *k)
{
	__builtin_prefetch(&t->buckets[home_of(t, ct_key_hash(t, k))]);
}

uint64_t ct_prefetch_key_hash(const struct ct_table *t, const struct ct_key *k)
{
	uint64_t h = key_hash(t, k); /* k is normalised: no copy */

	__builtin_prefetch(&t->buckets[home_of(t, h)]);
	return h;
}

void ct_prefetch_hint(const struct ct_table *t, uint32_t hint)
{
	if (hint < t->capacity)
		__builtin_prefetch(&t->entries[hint], 1);
}

_Static_assert(sizeof(struct ct_entry) == CT_ENTRY_SIZE, "ct_pool_view()'s stride");

void ct_pool_view(const struct ct_table *t, const void **ret_base, uint32_t *ret_capacity)
{
	*ret_base = t->entries;
	*ret_capacity = t->capacity;
}

struct ct_entry *ct_pool_entries(struct ct_table *t, uint32_t *ret_n)
{
	*ret_n = t->capacity;
	return t->entries;
}

bool ct_would_pass(const struct ct_table *t, const struct ct_key *k, uint8_t tcp_flags,
		   uint64_t now_ms)
{
	const struct ct_entry *e;
	struct ct_key key;
	uint32_t i;

	key_norm(&key, k);
	i = index_find(t, &key, key_hash(t, &key));
	if (i == CT_NONE)
		return false;
	e = &t->entries[i];
	if (expired(t, e, now_ms))
		return false;
	return !(key.proto == PKT_PROTO_TCP && ct_tcp_refuses(e, tcp_flags));
}

/*
 * Remove the expired entries met on the probe path of home bucket b (the
 * old hash chain's reclaim: run when b's CT_CHAIN_MAX is reached).
 */
static void reclaim_probe_path(struct ct_table *t, uint32_t b, uint64_t now_ms)
{
	for (uint32_t n = 0; n <= t->mask; n++) {
		struct ct_bucket *bk = &t->buckets[b];

		for (uint32_t i = 0; i < CT_SLOTS; i++)
			if (bk->tag[i] && expired(t, &t->entries[bk->idx[i]], now_ms))
				entry_remove(t, bk->idx[i]);
		if (!bk->ovf)
			break;
		b = (b + 1) & t->mask;
	}
}

int ct_insert(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
	      const struct ct_timeouts *to, uint64_t now_ms, struct ct_entry **ret_entry)
{
	return ct_insert_near(t, k, dir, to, now_ms, CT_NONE, ret_entry);
}

/* The protocol's first-state hook, TCP called directly. */
static inline uint64_t l4_start(struct ct_entry *e)
{
	if (likely(e->key.proto == PKT_PROTO_TCP))
		return ct_tcp_start_in(e);
	return l4_of(e->key.proto)->start(e);
}

/* The protocol's state machine, TCP called directly (no function pointer). */
static inline int l4_packet(struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
			    uint64_t *ret_timeout_ms)
{
	if (likely(e->key.proto == PKT_PROTO_TCP))
		return ct_tcp_packet(e, dir, tcp_flags, ret_timeout_ms);
	return l4_of(e->key.proto)->packet(e, dir, tcp_flags, ret_timeout_ms);
}

/*
 * ct_insert_near() of a normalised key known to be absent from the index
 * (h = its hash); with first, then ct_update() of the new entry with the
 * packet's tcp_flags (its state machine run and its expiry touched as
 * entry_update_l4() does: a new entry is never on entry_update()'s fast path).
 */
static inline __attribute__((always_inline)) int
insert_absent(struct ct_table *t, const struct ct_key *key, uint64_t h, enum ct_dir dir,
	      const struct ct_timeouts *to, uint64_t now_ms, uint32_t near, bool first,
	      uint8_t tcp_flags, struct ct_entry **ret_entry)
{
	struct ct_entry *e;
	uint32_t b = home_of(t, h), idx, zi;

	if (t->buckets[b].nhome >= CT_CHAIN_MAX) {
		reclaim_probe_path(t, b, now_ms);
		if (t->buckets[b].nhome >= CT_CHAIN_MAX)
			return -ENOSPC;
	}
	zi = zone_find_memo(t, key->zone);
	if (t->count >= t->capacity || (zi != CT_NONE && t->zones[zi].count >= t->per_zone_max) ||
	    (zi == CT_NONE && t->zfree == CT_NONE)) {
		/* A limit is hit: expired entries must not count. */
		wheel_advance(t, now_ms, SIZE_MAX);
		zi = zone_find(t, key->zone);
	}
	if (t->count >= t->capacity)
		return -ENOSPC;
	if (zi != CT_NONE && t->zones[zi].count >= t->per_zone_max)
		return -ENOSPC;
	if (zi == CT_NONE) {
		zi = zone_create(t, key->zone);
		if (zi == CT_NONE)
			return -ENOSPC;
	}

	/* near's partner (same 128-byte block) when it is free, else the free list's head. */
	idx = near < t->capacity && (near ^ 1) < t->capacity &&
		      !(t->entries[near ^ 1].flags & CT_F_USED)
		  ? near ^ 1
		  : t->free_head;
	free_take(t, idx);
	e = &t->entries[idx];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->origin = (uint8_t)dir;
	e->flags = CT_F_USED | (dir == CT_DIR_IN ? CT_F_LAST_IN : 0);
	if (key->proto == PKT_PROTO_TCP) {
		e->long_s = clamp_s(to ? to->tcp_established_s : 0, CT_TCP_ESTABLISHED_MIN_S,
				    CT_TCP_ESTABLISHED_MAX_S, CT_TCP_ESTABLISHED_MAX_S);
	} else if (key->proto == PKT_PROTO_UDP) {
		e->long_s = clamp_s(to ? to->udp_stream_s : 0, CT_UDP_STREAM_MIN_S,
				    CT_UDP_STREAM_MAX_S, CT_UDP_STREAM_MAX_S);
		e->short_s = clamp_s(to ? to->udp_s : 0, CT_UDP_MIN_S, CT_UDP_MAX_S, CT_UDP_MIN_S);
	}
	e->expires_ms = now_ms + l4_start(e);
	e->next = CT_NONE;
	index_link(t, h, idx);
	e->zprev = CT_NONE;
	e->znext = t->zones[zi].head;
	if (e->znext != CT_NONE)
		t->entries[e->znext].zprev = idx;
	t->zones[zi].head = idx;
	t->zones[zi].count++;
	t->count++;
	if (first && likely(key->proto == PKT_PROTO_TCP)) {
		/*
		 * wheel_file() and then ct_entry_touch() with the first packet
		 * (state NEW: ct_tcp_packet()'s first case), filing once: under
		 * the insert's second unless the packet's expiry comes before it.
		 */
		uint64_t insert_ms = e->expires_ms;

		e->expires_ms = now_ms + ct_tcp_from_new(e, dir, tcp_flags);
		e->flags |= CT_F_SEEN; /* origin and LAST_IN are dir's already */
		/* The earlier second of the two is the ceiling of the earlier expiry: one division. */
		wheel_link(t, idx,
			   (uint32_t)UTIL_MAX(ct_ceil_s(UTIL_MIN(e->expires_ms, insert_ms)),
					      t->wheel_next));
	} else {
		wheel_file(t, idx);
		if (first) {
			uint64_t timeout_ms;

			if (l4_packet(e, dir, tcp_flags, &timeout_ms) == 0)
				ct_entry_touch(t, e, dir, now_ms + timeout_ms);
		}
	}
	if (ret_entry)
		*ret_entry = e;
	return 0;
}

/* ct_insert_near() (first: then ct_update() of the new entry, as insert_absent()). */
static int insert_key(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		      const struct ct_timeouts *to, uint64_t now_ms, uint32_t near, bool first,
		      uint8_t tcp_flags, struct ct_entry **ret_entry)
{
	struct ct_key key;
	uint32_t idx;
	uint64_t h;

	key_norm(&key, k);
	if (t->miss_ok && key_eq(&t->miss_key, &key)) {
		h = t->miss_hash; /* looked up and absent, index unchanged since */
		idx = CT_NONE;
	} else {
		h = key_hash(t, &key);
		idx = index_find(t, &key, h);
	}
	/* A duplicate: refused while live, reclaimed when expired. */
	if (idx != CT_NONE) {
		if (!expired(t, &t->entries[idx], now_ms))
			return -EEXIST;
		entry_remove(t, idx);
	}
	return insert_absent(t, &key, h, dir, to, now_ms, near, first, tcp_flags, ret_entry);
}

int ct_insert_near(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		   const struct ct_timeouts *to, uint64_t now_ms, uint32_t near,
		   struct ct_entry **ret_entry)
{
	return insert_key(t, k, dir, to, now_ms, near, false, 0, ret_entry);
}

int ct_insert_first(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		    const struct ct_timeouts *to, uint8_t tcp_flags, uint64_t now_ms,
		    uint32_t near, struct ct_entry **ret_entry)
{
	return insert_key(t, k, dir, to, now_ms, near, true, tcp_flags, ret_entry);
}

/* ct_lookup_insert() of key k whose normalised form hashes to *hp (NULL: hash it). */
static inline __attribute__((always_inline)) int
lookup_insert_probed(struct ct_table *t, const struct ct_key *k, const uint64_t *hp,
		     const uint32_t *found, enum ct_dir dir, const struct ct_timeouts *to,
		     uint8_t tcp_flags, uint64_t now_ms, uint32_t near, struct ct_entry **ret_entry,
		     bool *ret_inserted)
{
	struct ct_entry *e;
	struct ct_key key;
	uint64_t h;
	uint32_t i;
	int r;

	/* ct_lookup()'s probe, once for both; the key is stored: no padding garbage. */
	key_norm(&key, k);
	h = hp ? *hp : key_hash(t, &key);
	i = found ? *found : index_find(t, &key, h); /* found: this probe's answer, index unchanged */
	if (i != CT_NONE) {
		e = &t->entries[i];
		if (likely(!expired(t, e, now_ms))) {
			*ret_entry = e;
			*ret_inserted = false;
			return 0;
		}
		entry_remove(t, i); /* ct_lookup() reclaims it; the key is absent now */
	}
	r = insert_absent(t, &key, h, dir, to, now_ms, near, true, tcp_flags, &e);
	if (r < 0) {
		/* As ct_lookup()'s miss left it (nothing linked since). */
		t->miss_ok = true;
		t->miss_key = key;
		t->miss_hash = h;
		return r;
	}
	*ret_entry = e;
	*ret_inserted = true;
	return 0;
}

static inline __attribute__((always_inline)) int
lookup_insert(struct ct_table *t, const struct ct_key *k, const uint64_t *hp, enum ct_dir dir,
	      const struct ct_timeouts *to, uint8_t tcp_flags, uint64_t now_ms, uint32_t near,
	      struct ct_entry **ret_entry, bool *ret_inserted)
{
	return lookup_insert_probed(t, k, hp, NULL, dir, to, tcp_flags, now_ms, near, ret_entry,
				    ret_inserted);
}

int ct_lookup_insert(struct ct_table *t, const struct ct_key *k, enum ct_dir dir,
		     const struct ct_timeouts *to, uint8_t tcp_flags, uint64_t now_ms,
		     uint32_t near, struct ct_entry **ret_entry, bool *ret_inserted)
{
	return lookup_insert(t, k, NULL, dir, to, tcp_flags, now_ms, near, ret_entry,
			     ret_inserted);
}

int ct_lookup_insert_hashed(struct ct_table *t, const struct ct_key *k, uint64_t h,
			    enum ct_dir dir, const struct ct_timeouts *to, uint8_t tcp_flags,
			    uint64_t now_ms, uint32_t near, struct ct_entry **ret_entry,
			    bool *ret_inserted)
{
	return lookup_insert(t, k, &h, dir, to, tcp_flags, now_ms, near, ret_entry, ret_inserted);
}

/*
 * ct_lookup_insert_pair() after k[0]'s lookup gave e0 (ins0: inserted): a
 * live k[0] ends the call (*ret_done = 1), else k[1] goes next to e0.
 */
static inline __attribute__((always_inline)) int
pair_second(struct ct_table *t, const struct ct_pair_req *q, const uint64_t *h1,
	    struct ct_entry *e0, bool ins0, uint64_t now_ms, struct ct_entry *ret_e[2],
	    bool ret_inserted[2], unsigned *ret_done)
{
	struct ct_entry *e1;
	bool ins1;
	int r;

	if (!ins0) {
		ret_e[0] = e0;
		ret_inserted[0] = false;
		*ret_done = 1;
		return 0;
	}
	r = lookup_insert(t, &q->k[1], h1, CT_DIR_IN, q->to[1], q->tcp_flags, now_ms,
			  (uint32_t)(e0 - t->entries), &e1, &ins1);
	if (r < 0)
		return r;
	ret_e[0] = e0;
	ret_e[1] = e1;
	ret_inserted[0] = true;
	ret_inserted[1] = ins1;
	*ret_done = 2;
	return 0;
}

int ct_tcp_pair_general(struct ct_table *t, const struct ct_pair_req *q, uint64_t h0,
			uint32_t i0, const uint64_t *h1, uint64_t now_ms, struct ct_entry *ret_e[2],
			bool ret_inserted[2], unsigned *ret_done)
{
	struct ct_entry *e0;
	bool ins0;
	int r;

	r = lookup_insert_probed(t, &q->k[0], &h0, &i0, CT_DIR_OUT, q->to[0], q->tcp_flags,
				 now_ms, CT_NONE, &e0, &ins0);
	if (r < 0)
		return r;
	return pair_second(t, q, h1, e0, ins0, now_ms, ret_e, ret_inserted, ret_done);
}

int ct_lookup_insert_tcp_pair(struct ct_table *t, const struct pkt_hdr *h,
			      const struct ct_tcp_pair_new *p, uint64_t now_ms,
			      struct ct_entry *ret_e[2], bool ret_inserted[2], unsigned *ret_done)
{
	return ct_lookup_insert_tcp_pair_in(t, h, p, now_ms, ret_e, ret_inserted, ret_done);
}

void ct_index_view(const struct ct_table *t, uint64_t *ret_seed, const void **ret_base,
		   uint32_t *ret_mask)
{
	*ret_seed = t->seed;
	*ret_base = t->buckets;
	*ret_mask = t->mask;
}

int ct_lookup_insert_pair(struct ct_table *t, const struct ct_pair_req *q, uint64_t now_ms,
			  struct ct_entry *ret_e[2], bool ret_inserted[2], unsigned *ret_done)
{
	struct ct_entry *e0;
	bool ins0;
	int r;

	r = lookup_insert(t, &q->k[0], (q->has_h & 1) ? &q->h[0] : NULL, CT_DIR_OUT, q->to[0],
			  q->tcp_flags, now_ms, CT_NONE, &e0, &ins0);
	if (r < 0)
		return r;
	return pair_second(t, q, (q->has_h & 2) ? &q->h[1] : NULL, e0, ins0, now_ms, ret_e,
			   ret_inserted, ret_done);
}

void ct_entry_refile(struct ct_table *t, struct ct_entry *e)
{
	uint32_t idx = (uint32_t)(e - t->entries);

	wheel_unlink(t, idx);
	wheel_file(t, idx);
}

/* ---- leases (ct.h) ---------------------------------------------------------------- */

void ct_lease_attach(struct ct_table *t, const struct ct_lease_ops *ops)
{
	t->lease = *ops;
}

static inline uint32_t *lease_ref(struct ct_entry *e, unsigned role)
{
	return role == 0 ? &e->lease_out : &e->lease_in;
}

/* A packet at last_ms on a leased entry: its expiry is at least last_ms plus its timeout. */
static inline void fold_last(struct ct_entry *e, uint64_t last_ms)
{
	uint64_t exp = last_ms + CT_MS(e->long_s);

	if (exp > e->expires_ms)
		e->expires_ms = exp; /* later: the wheel re-files lazily */
}

/* e without lease: the flag cleared, the lease fields as a used TCP entry keeps them. */
static inline void unleased(struct ct_entry *e)
{
	e->flags &= (uint8_t)~CT_F_LEASED;
	e->next = CT_NONE;
	e->short_s = 0;
}

void ct_lease_fold(const struct ct_table *t, struct ct_entry *e)
{
	for (unsigned role = 0; role < 2; role++) {
		uint32_t r = *lease_ref(e, role), idx[2];
		uint64_t last;

		if (r == CT_NONE)
			continue;
		t->lease.get(t->lease.ctx, r, &last, idx);
		fold_last(e, last);
	}
}

void ct_lease_end(struct ct_table *t, uint32_t r)
{
	uint32_t idx[2];
	uint64_t last;

	t->lease.get(t->lease.ctx, r, &last, idx);
	for (unsigned role = 0; role < 2; role++) {
		struct ct_entry *x;

		if (idx[role] >= t->capacity)
			continue;
		x = &t->entries[idx[role]];
		if (!(x->flags & CT_F_LEASED) || *lease_ref(x, role) != r)
			continue;
		fold_last(x, last);
		*lease_ref(x, role) = CT_NONE;
		if (x->lease_out == CT_NONE && x->lease_in == CT_NONE)
			unleased(x);
	}
	t->lease.end(t->lease.ctx, r);
}

/* End every lease of e (before any other path changes it). */
static __attribute__((noinline)) void lease_end_all(struct ct_table *t, struct ct_entry *e)
{
	for (unsigned role = 0; role < 2 && (e->flags & CT_F_LEASED); role++)
		if (*lease_ref(e, role) != CT_NONE)
			ct_lease_end(t, *lease_ref(e, role));
}

void ct_lease_begin(struct ct_table *t, const uint32_t idx[2], uint32_t r)
{
	for (unsigned role = 0; role < 2; role++) {
		struct ct_entry *x = &t->entries[idx[role]];

		/* Another lease in this role ends first (it may leave x without any). */
		if ((x->flags & CT_F_LEASED) && *lease_ref(x, role) != CT_NONE &&
		    *lease_ref(x, role) != r)
			ct_lease_end(t, *lease_ref(x, role));
		if (!(x->flags & CT_F_LEASED)) {
			x->lease_out = x->lease_in = CT_NONE;
			x->flags |= CT_F_LEASED;
		}
		*lease_ref(x, role) = r;
	}
}

void ct_lease_settle_pair(struct ct_table *t, uint32_t a, uint32_t b, uint64_t now_ms)
{
	uint32_t pair[2] = {a, b};

	for (unsigned i = 0; i < 2; i++) {
		struct ct_entry *e = &t->entries[pair[i]];

		for (unsigned role = 0; role < 2 && (e->flags & CT_F_LEASED); role++) {
			uint32_t r = *lease_ref(e, role), idx[2];
			uint64_t last;

			if (r == CT_NONE)
				continue;
			t->lease.get(t->lease.ctx, r, &last, idx);
			if (last > now_ms)
				ct_lease_end(t, r);
			else
				fold_last(e, last);
		}
	}
}

void ct_entry_settled(const struct ct_table *t, const struct ct_entry *e, struct ct_entry *ret)
{
	struct ct_entry c = *e;

	if (c.flags & CT_F_LEASED) {
		ct_lease_fold(t, &c);
		unleased(&c);
	}
	*ret = c;
}

/* Every packet but the fast case of entry_update(): the protocol's state machine. */
static __attribute__((noinline)) int entry_update_l4(struct ct_table *t, struct ct_entry *e,
						     enum ct_dir dir, uint8_t tcp_flags,
						     uint64_t now_ms)
{
	uint64_t timeout_ms;
	int r = l4_packet(e, dir, tcp_flags, &timeout_ms);

	if (r < 0)
		return r;
	ct_entry_touch(t, e, dir, now_ms + timeout_ms);
	return 0;
}

/*
 * One packet through an entry.  The common case, TCP ESTABLISHED without
 * SYN/FIN/RST, is what tcp_packet() does for it without the indirect call,
 * and keeps the caller a leaf function (the rest is out of line).
 */
static inline int entry_update(struct ct_table *t, struct ct_entry *e, enum ct_dir dir,
			       uint8_t tcp_flags, uint64_t now_ms)
{
	if (unlikely(e->flags & CT_F_LEASED))
		lease_end_all(t, e); /* a packet on another path: the leases end */
	if (likely(e->key.proto == PKT_PROTO_TCP && e->state == CT_TCP_STATE_ESTABLISHED &&
		   !(tcp_flags & (PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST)))) {
		ct_entry_touch(t, e, dir, now_ms + CT_MS(e->long_s));
		return 0;
	}
	return entry_update_l4(t, e, dir, tcp_flags, now_ms);
}

int ct_update(struct ct_table *t, struct ct_entry *e, enum ct_dir dir, uint8_t tcp_flags,
	      uint64_t now_ms)
{
	return entry_update(t, e, dir, tcp_flags, now_ms);
}

/* ct_refresh() when the hint does not name a live entry with this key. */
static __attribute__((noinline)) int refresh_lookup(struct ct_table *t, const struct ct_key *k,
						    uint32_t *hint, enum ct_dir dir,
						    uint8_t tcp_flags, uint64_t now_ms)
{
	struct ct_entry *e = ct_lookup(t, k, now_ms);

	if (!e)
		return -ENOENT;
	*hint = (uint32_t)(e - t->entries);
	return entry_update(t, e, dir, tcp_flags, now_ms);
}

int ct_refresh(struct ct_table *t, const struct ct_key *k, uint32_t *hint, enum ct_dir dir,
	       uint8_t tcp_flags, uint64_t now_ms)
{
	uint32_t h = *hint;

	if (likely(h < t->capacity)) {
		struct ct_entry *e = &t->entries[h];

		if ((e->flags & CT_F_USED) && key_eq_norm(&e->key, k) && !expired(t, e, now_ms))
			return entry_update(t, e, dir, tcp_flags, now_ms);
	}
	return refresh_lookup(t, k, hint, dir, tcp_flags, now_ms);
}

int ct_refresh_tcp_pair(struct ct_table *t, const uint32_t hint[2], uint32_t zone_out,
			uint32_t zone_in, const struct pkt_hdr *h, uint64_t now_ms)
{
	return ct_refresh_tcp_pair_in(t, t->entries, t->capacity, hint, zone_out, zone_in, h,
				      now_ms);
}

_Static_assert(offsetof(struct ct_entry, key.proto) == 16 && offsetof(struct ct_entry, state) == 20 &&
		   offsetof(struct ct_entry, flags) == 22,
	       "ct_pair_ok()'s masked compare");

const struct ct_key *ct_entry_key(const struct ct_entry *e)
{
	return &e->key;
}

enum ct_dir ct_entry_origin(const struct ct_entry *e)
{
	return (enum ct_dir)e->origin;
}

bool ct_entry_replied(const struct ct_entry *e)
{
	return e->flags & CT_F_REPLIED;
}

const char *ct_entry_state_name(const struct ct_entry *e)
{
	return l4_of(e->key.proto)->state_name(e);
}

uint64_t ct_entry_expires_ms(const struct ct_entry *e)
{
	return e->expires_ms;
}

void ct_remove(struct ct_table *t, struct ct_entry *e)
{
	if (!e || !(e->flags & CT_F_USED))
		return;
	entry_remove(t, (uint32_t)(e - t->entries));
}

size_t ct_expire(struct ct_table *t, uint64_t now_ms, size_t budget)
{
	return wheel_advance(t, now_ms, budget);
}

int ct_set_seed(struct ct_table *t, uint64_t seed)
{
	if (t->count)
		return -EBUSY;
	t->seed = util_hash64(seed ^ 0x6a09e667f3bcc909ULL);
	t->miss_ok = false;
	return 0;
}

size_t ct_count(const struct ct_table *t)
{
	return t->count;
}

size_t ct_zone_count(const struct ct_table *t, uint32_t zone)
{
	uint32_t zi = zone_find(t, zone);

	return zi == CT_NONE ? 0 : t->zones[zi].count;
}

size_t ct_flush_zone(struct ct_table *t, uint32_t zone)
{
	uint32_t zi = zone_find(t, zone);
	size_t count;

	if (zi == CT_NONE)
		return 0;
	/* The zone record is released together with its last entry. */
	count = t->zones[zi].count;
	for (size_t n = count; n > 0; n--)
		entry_remove(t, t->zones[zi].head);
	return count;
}
