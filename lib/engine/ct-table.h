/*
 * ct-table: the connection-tracking table's layout and the inline parts of
 * a new TCP connection's pair insert, shared by ct.c and process.c (whose
 * new-flow path runs ct_lookup_insert_tcp_pair_in() without a call).  The
 * design, invariants and the rest of the code are ct.c's; nothing else may
 * touch these structures.
 */
#ifndef OPENVPC_ENGINE_CT_TABLE_H
#define OPENVPC_ENGINE_CT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "lib/engine/ct-private.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

/* Zone records remembered (a packet touches the zones of its two ENIs). */
#define CT_ZMEMO 8u

/* Slots per index bucket. */
#define CT_SLOTS 8u

struct ct_bucket {
	uint16_t tag[CT_SLOTS]; /* 0 = empty slot */
	uint32_t idx[CT_SLOTS]; /* pool index */
	uint32_t ovf;		/* entries stored past this bucket that probed it */
	uint8_t nhome;		/* entries whose home bucket this is */
	uint8_t pad[11];
};

_Static_assert(sizeof(struct ct_bucket) == 64, "one cache line per bucket");

struct ct_zone {
	uint32_t zone;
	uint32_t count;
	uint32_t head; /* entry list */
	uint32_t next; /* hash chain or free list */
};

struct ct_table {
	struct ct_entry *entries;
	uint32_t capacity, per_zone_max;
	uint32_t count;
	uint32_t free_head, free_tail;
	struct ct_bucket *buckets;
	uint32_t mask;	 /* bucket count - 1 */
	uint32_t *wheel; /* list heads, one per second modulo wmask + 1 */
	uint32_t wmask;
	uint64_t wheel_next; /* first second not processed yet */
	uint64_t seed;	     /* hash key (ct_set_seed) */
	/*
	 * The last ct_lookup() miss (normalised key and hash), valid until the
	 * index changes: the pipeline inserts the key it just looked up, and
	 * ct_insert() then neither hashes nor probes again.
	 */
	bool miss_ok;
	struct ct_key miss_key;
	uint64_t miss_hash;
	struct ct_lease_ops lease; /* ct_lease_attach() (get NULL: none) */

	struct ct_zone *zones;
	uint32_t zmemo[CT_ZMEMO]; /* zone records found last, by zone % CT_ZMEMO (or CT_NONE) */
	uint32_t n_zone_slots;
	uint32_t zfree;
	uint32_t *zbuckets;
	uint32_t zmask;
};

static inline bool key_eq(const struct ct_key *a, const struct ct_key *b)
{
	return a->local_ip == b->local_ip && a->remote_ip == b->remote_ip &&
	       a->local_port == b->local_port && a->remote_port == b->remote_port &&
	       a->zone == b->zone && a->proto == b->proto;
}

static inline uint64_t key_hash(const struct ct_table *t, const struct ct_key *k)
{
	uint64_t a = ((uint64_t)k->local_ip << 32) | k->remote_ip;
	uint64_t b = ((uint64_t)k->zone << 32) | ((uint64_t)k->local_port << 16) | k->remote_port;

	return ct_hash_words(t->seed, a, b, k->proto);
}

static inline uint32_t home_of(const struct ct_table *t, uint64_t h)
{
	return (uint32_t)h & t->mask;
}

static inline uint16_t tag_of(uint64_t h)
{
	uint16_t tag = (uint16_t)(h >> 48);

	return tag ? tag : 1;
}

/*
 * Slots of b holding tag: bit 2i set for slot i (SSE2: one compare and a
 * byte mask, both bytes of a matching slot set; the odd bits are dropped).
 */
static inline uint32_t tag_match(const struct ct_bucket *b, uint16_t tag)
{
#if defined(__SSE2__)
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->tag);

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_set1_epi16((short)tag))) &
	       0x5555u;
#else
	uint32_t m = 0;

	for (uint32_t i = 0; i < CT_SLOTS; i++)
		m |= (uint32_t)(b->tag[i] == tag) << (2 * i);
	return m;
#endif
}

/* Slot of the lowest match in a tag_match() mask (not 0). */
static inline uint32_t match_slot(uint32_t m)
{
	return (uint32_t)__builtin_ctz(m) >> 1;
}

/* v (0: dflt) clamped to [lo, hi], lo > 0; one compare when v is in range (the usual). */
static inline uint32_t clamp_s(uint32_t v, uint32_t lo, uint32_t hi, uint32_t dflt)
{
	if (likely(v - lo <= hi - lo)) /* v == 0 wraps past hi - lo */
		return v;
	if (v == 0)
		return dflt;
	return v < lo ? lo : v > hi ? hi : v;
}

/* Pool index of the entry holding key (normalised; h = its hash), or CT_NONE. */
static inline __attribute__((always_inline)) uint32_t
index_find(const struct ct_table *t, const struct ct_key *key, uint64_t h)
{
	uint32_t b = home_of(t, h);
	uint16_t tag = tag_of(h);

	/* Bounded by the bucket count: a full lap cannot happen below half load. */
	for (uint32_t n = 0; n <= t->mask; n++) {
		const struct ct_bucket *bk = &t->buckets[b];

		for (uint32_t m = tag_match(bk, tag); m; m &= m - 1) {
			uint32_t i = bk->idx[match_slot(m)];

			if (likely(key_eq(&t->entries[i].key, key)))
				return i;
		}
		if (likely(!bk->ovf))
			break;
		b = (b + 1) & t->mask;
	}
	return CT_NONE;
}

/* File entry idx (hash h) in the first bucket with room from its home on. */
static inline __attribute__((always_inline)) void index_link(struct ct_table *t, uint64_t h,
							     uint32_t idx)
{
	uint32_t b = home_of(t, h);

	t->miss_ok = false;
	t->buckets[b].nhome++;
	for (;;) {
		struct ct_bucket *bk = &t->buckets[b];
		uint32_t m = tag_match(bk, 0);

		if (m) {
			uint32_t i = match_slot(m);

			bk->tag[i] = tag_of(h);
			bk->idx[i] = idx;
			return;
		}
		bk->ovf++;
		b = (b + 1) & t->mask;
	}
}

static inline uint32_t zone_bucket(const struct ct_table *t, uint32_t zone)
{
	return (uint32_t)util_hash64(zone) & t->zmask;
}

static inline uint32_t zone_find(const struct ct_table *t, uint32_t zone)
{
	for (uint32_t i = t->zbuckets[zone_bucket(t, zone)]; i != CT_NONE; i = t->zones[i].next)
		if (t->zones[i].zone == zone)
			return i;
	return CT_NONE;
}

/* zone_find(), remembering the answer (the same few ENIs come again and again). */
static inline __attribute__((always_inline)) uint32_t zone_find_memo(struct ct_table *t,
								     uint32_t zone)
{
	uint32_t *m = &t->zmemo[zone % CT_ZMEMO], zi = *m;

	if (zi != CT_NONE && t->zones[zi].zone == zone)
		return zi;
	zi = zone_find(t, zone);
	if (zi != CT_NONE)
		*m = zi;
	return zi;
}

/* ct.c: fold a CT_F_LEASED entry's leases into its expiry (a read: no lease ends). */
void ct_lease_fold(const struct ct_table *t, struct ct_entry *e);

static inline bool expired(const struct ct_table *t, const struct ct_entry *e, uint64_t now_ms)
{
	/* (The pool is mutable: folding moves only expires_ms, as any reader would see it.) */
	if (__builtin_expect(e->flags & CT_F_LEASED, 0))
		ct_lease_fold(t, (struct ct_entry *)e);
	return now_ms >= e->expires_ms;
}

static inline __attribute__((always_inline)) void wheel_link(struct ct_table *t, uint32_t idx,
							     uint32_t sec)
{
	struct ct_entry *e = &t->entries[idx];
	uint32_t *head = &t->wheel[sec & t->wmask];

	e->wsec = sec;
	e->wprev = CT_NONE;
	e->wnext = *head;
	if (*head != CT_NONE)
		t->entries[*head].wprev = idx;
	*head = idx;
}

/* Take free entry idx off the free list (anywhere in it). */
static inline __attribute__((always_inline)) void free_take(struct ct_table *t, uint32_t idx)
{
	struct ct_entry *e = &t->entries[idx];

	if (e->zprev != CT_NONE)
		t->entries[e->zprev].next = e->next;
	else
		t->free_head = e->next;
	if (e->next != CT_NONE)
		t->entries[e->next].zprev = e->zprev;
	else
		t->free_tail = e->zprev;
}

/* wheel_link() of i0 then of i1, both under second sec (the pair's usual case). */
static inline __attribute__((always_inline)) void wheel_link_pair(struct ct_table *t, uint32_t i0,
								  uint32_t i1, uint32_t sec)
{
	struct ct_entry *e0 = &t->entries[i0], *e1 = &t->entries[i1];
	uint32_t *head = &t->wheel[sec & t->wmask], h = *head;

	e0->wsec = sec;
	e0->wprev = i1;
	e0->wnext = h;
	if (h != CT_NONE)
		t->entries[h].wprev = i0;
	e1->wsec = sec;
	e1->wprev = CT_NONE;
	e1->wnext = i0;
	*head = i1;
}

/* free_take() of the free list's head (whose zprev is CT_NONE). */
static inline __attribute__((always_inline)) void free_take_head(struct ct_table *t, uint32_t idx)
{
	uint32_t n = t->entries[idx].next;

	t->free_head = n;
	if (n != CT_NONE)
		t->entries[n].zprev = CT_NONE;
	else
		t->free_tail = CT_NONE;
}

/*
 * insert_absent() of a new TCP key (normalised, hash h) with its first packet
 * into free entry idx, already taken off the free list, zone record zi (the
 * caller checked every limit): the same entry, index and zone links.
 * Returns the time the wheel files it under (insert_absent()'s: the earlier
 * of the insert's, NEW, and the packet's); the caller links it.
 */
static inline __attribute__((always_inline)) uint64_t
insert_tcp_first(struct ct_table *t, const struct ct_key *key, uint64_t h, uint32_t idx,
		 uint32_t zi, enum ct_dir dir, const struct ct_timeouts *to, uint64_t now_ms,
		 uint8_t tcp_flags)
{
	struct ct_entry *e = &t->entries[idx];
	struct ct_zone *z = &t->zones[zi];
	uint64_t first_ms;

	/*
	 * Every field written once (no memset: the key's padding comes with it,
	 * the wheel fields from the caller's link).
	 */
	e->key = *key;
	e->aux = 0; /* ct_tcp_start_in(); ct_tcp_from_new() sets state and a FIN's aux */
	e->short_s = 0;
	e->origin = (uint8_t)dir;
	e->flags = CT_F_USED | CT_F_SEEN | (dir == CT_DIR_IN ? CT_F_LAST_IN : 0);
	e->long_s = clamp_s(to ? to->tcp_established_s : 0, CT_TCP_ESTABLISHED_MIN_S,
			    CT_TCP_ESTABLISHED_MAX_S, CT_TCP_ESTABLISHED_MAX_S);
	/* ct_tcp_start_in() (state NEW, aux 0: above) and the first packet. */
	first_ms = now_ms + ct_tcp_from_new(e, dir, tcp_flags);
	e->expires_ms = first_ms;
	e->next = CT_NONE;
	index_link(t, h, idx);
	e->zprev = CT_NONE;
	e->znext = z->head;
	if (e->znext != CT_NONE)
		t->entries[e->znext].zprev = idx;
	z->head = idx;
	z->count++;
	return UTIL_MIN(first_ms, now_ms + CT_MS(CT_TCP_NEW_TIMEOUT_S));
}

/*
 * The common case of ct_lookup_insert_pair(): two distinct TCP keys, both
 * absent (the caller found k0 absent), and no limit within reach (pool,
 * both zones, both home buckets, counting the first insert for the second):
 * both inserts in one pass, the second entry in the first's block when that
 * half is free, exactly as the two lookup_insert() calls would leave the
 * table.  Returns false having changed nothing otherwise.
 */
static inline __attribute__((always_inline)) bool
insert_pair_fast(struct ct_table *t, const struct ct_key *k0, const struct ct_key *k1, uint64_t h0,
		 uint64_t h1, const struct ct_pair_req *q, uint64_t now_ms, uint32_t ret_idx[2])
{
	uint32_t b0 = home_of(t, h0), b1 = home_of(t, h1), z0, z1, i0, i1, sec;
	uint64_t wake0, wake1;

	if (t->count + 2 > t->capacity || t->buckets[b0].nhome >= CT_CHAIN_MAX ||
	    t->buckets[b1].nhome + (uint32_t)(b1 == b0) >= CT_CHAIN_MAX || key_eq(k0, k1))
		return false;
	z0 = zone_find_memo(t, k0->zone);
	z1 = zone_find_memo(t, k1->zone);
	if (z0 == CT_NONE || z1 == CT_NONE || t->zones[z0].count >= t->per_zone_max ||
	    t->zones[z1].count + (uint32_t)(z1 == z0) >= t->per_zone_max)
		return false;
	if (index_find(t, k1, h1) != CT_NONE)
		return false;
	/* The free list's head, then its partner when free (insert_absent()'s near), else the head.
	 */
	i0 = t->free_head;
	free_take_head(t, i0);
	i1 = (i0 ^ 1) < t->capacity && !(t->entries[i0 ^ 1].flags & CT_F_USED) ? i0 ^ 1
									       : t->free_head;
	if (i1 == t->free_head)
		free_take_head(t, i1);
	else
		free_take(t, i1);
	wake0 = insert_tcp_first(t, k0, h0, i0, z0, CT_DIR_OUT, q->to[0], now_ms, q->tcp_flags);
	wake1 = insert_tcp_first(t, k1, h1, i1, z1, CT_DIR_IN, q->to[1], now_ms, q->tcp_flags);
	/*
	 * Filed as the two inserts file them (the second's wheel link touches
	 * nothing the first's insert wrote but the head): both under one second
	 * in one link when their times agree (the usual; one division).
	 */
	sec = (uint32_t)UTIL_MAX(ct_ceil_s(wake0), t->wheel_next);
	if (likely(wake1 == wake0)) {
		wheel_link_pair(t, i0, i1, sec);
	} else {
		wheel_link(t, i0, sec);
		wheel_link(t, i1, (uint32_t)UTIL_MAX(ct_ceil_s(wake1), t->wheel_next));
	}
	t->count += 2;
	ret_idx[0] = i0;
	ret_idx[1] = i1;
	return true;
}

/*
 * ct_lookup_insert_tcp_pair() past its one-pass case: ct_lookup_insert_pair()
 * of q, k[0]'s probe (i0, hash h0) not repeated (nothing changed since); h1
 * is k[1]'s hash or NULL.
 */
int ct_tcp_pair_general(struct ct_table *t, const struct ct_pair_req *q, uint64_t h0, uint32_t i0,
			const uint64_t *h1, uint64_t now_ms, struct ct_entry *ret_e[2],
			bool ret_inserted[2], unsigned *ret_done);

/*
 * The key of h's TCP connection in zone, from the sender's side (reply
 * false) or the receiver's, normalised as built (TCP has ports; no padding
 * garbage: key_norm()'s memset).
 */
static inline void tcp_key_of(struct ct_key *k, uint32_t zone, const struct pkt_hdr *h, bool reply)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/*
	 * As words: the key's addresses and ports are the header's first 12
	 * bytes (src, dst, sport, dport), each pair swapped for the reply; the
	 * last word is the protocol and zero padding.
	 */
	_Static_assert(offsetof(struct ct_key, local_ip) == 4 && offsetof(struct ct_key, proto) == 16 &&
			       sizeof(struct ct_key) == 20 && offsetof(struct pkt_hdr, dst) == 4 &&
			       offsetof(struct pkt_hdr, sport) == 8 &&
			       offsetof(struct pkt_hdr, dport) == 10,
		       "a TCP key is the header's first 12 bytes between zone and protocol");
	uint64_t ips;
	uint32_t ports, last = PKT_PROTO_TCP;

	memcpy(&ips, h, 8);
	memcpy(&ports, &h->sport, 4);
	if (reply) {
		ips = ips >> 32 | ips << 32;
		ports = ports >> 16 | ports << 16;
	}
	memcpy(k, &zone, 4);
	memcpy((char *)k + 4, &ips, 8);
	memcpy((char *)k + 12, &ports, 4);
	memcpy((char *)k + 16, &last, 4);
#else
	memset(k, 0, sizeof(*k));
	k->zone = zone;
	k->local_ip = reply ? h->dst : h->src;
	k->remote_ip = reply ? h->src : h->dst;
	k->local_port = reply ? h->dport : h->sport;
	k->remote_port = reply ? h->sport : h->dport;
	k->proto = PKT_PROTO_TCP;
#endif
}

/* ct_lookup_insert_tcp_pair() (ct-private.h), inline for process.c's new-flow path. */
static inline __attribute__((always_inline)) int
ct_lookup_insert_tcp_pair_in(struct ct_table *t, const struct pkt_hdr *h,
			     const struct ct_tcp_pair_new *p, uint64_t now_ms,
			     struct ct_entry *ret_e[2], bool ret_inserted[2], unsigned *ret_done)
{
	struct ct_pair_req q;
	uint64_t h0, h1;
	uint32_t idx[2], i0;

	tcp_key_of(&q.k[0], p->zone[0], h, false);
	h0 = (p->has_h & 1) ? p->hash[0] : key_hash(t, &q.k[0]);
	i0 = index_find(t, &q.k[0], h0);
	if (i0 != CT_NONE && likely(!expired(t, &t->entries[i0], now_ms))) {
		/* Found live: lookup_insert()'s answer; the caller updates it. */
		ret_e[0] = &t->entries[i0];
		ret_inserted[0] = false;
		*ret_done = 1;
		return 0;
	}
	tcp_key_of(&q.k[1], p->zone[1], h, true);
	q.to[0] = p->to[0];
	q.to[1] = p->to[1];
	q.tcp_flags = h->tcp_flags;
	if (i0 != CT_NONE) /* expired: lookup_insert() reclaims it first */
		return ct_tcp_pair_general(t, &q, h0, i0, (p->has_h & 2) ? &p->hash[1] : NULL,
					   now_ms, ret_e, ret_inserted, ret_done);
	h1 = (p->has_h & 2) ? p->hash[1] : key_hash(t, &q.k[1]);
	if (unlikely(!insert_pair_fast(t, &q.k[0], &q.k[1], h0, h1, &q, now_ms, idx)))
		return ct_tcp_pair_general(t, &q, h0, i0, &h1, now_ms, ret_e, ret_inserted,
					   ret_done);
	ret_e[0] = &t->entries[idx[0]];
	ret_e[1] = &t->entries[idx[1]];
	return 1;
}

#endif
