/*
 * nat: NAT gateway mappings (design and semantics in nat.h).
 *
 * Layout.  maps[capacity] is the pool (free list through out_next).  Three
 * index-linked hash tables over it:
 *   - out: (nat ip, in ip, in port, dst ip, dst port, proto) -> mapping,
 *     for live mappings and TCP tombstones;
 *   - in:  (nat ip, ext port, dst ip, dst port, proto) -> mapping, live only;
 *   - destinations: (nat ip, dst ip, dst port, proto) -> struct nat_dest
 *     with the live count and an LRU list of its mappings.
 * Live mappings are also on one global LRU list; tombstones on a FIFO.
 * Because every mapping has the same idle timeout, the LRU heads are the
 * oldest: expiry pops heads and is exact.
 *
 * Invariants.
 *   - A live mapping is on out, in, the global LRU and its destination LRU;
 *     a tombstone only on out and the tombstone FIFO; a free slot on none.
 *   - dest->count = length of its LRU list; a record exists iff count > 0.
 *   - At most one live mapping per in-key and at most one mapping (live or
 *     tombstone) per out-key.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/engine/nat.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

#define NAT_NONE UINT32_MAX

enum {
	NAT_FREE,
	NAT_LIVE,
	NAT_TOMB,
};

struct nat_map {
	uint32_t nat_ip, in_ip, dst_ip;
	uint16_t in_port, dst_port, ext_port;
	uint8_t proto;
	uint8_t kind;	       /* NAT_FREE / NAT_LIVE / NAT_TOMB */
	uint32_t out_next;     /* out chain; free list */
	uint32_t in_next;      /* in chain */
	uint32_t prev, next;   /* global LRU (live) or tombstone FIFO */
	uint32_t dprev, dnext; /* destination LRU */
	uint32_t dest;
	uint64_t last_ms;
};

struct nat_dest {
	uint32_t nat_ip, dst_ip;
	uint16_t dst_port;
	uint8_t proto;
	uint32_t count;
	uint32_t head, tail; /* LRU: head is the least recently used */
	uint32_t next;	     /* hash chain or free list */
};

struct nat_list {
	uint32_t head, tail;
};

struct nat_table {
	struct nat_map *maps;
	uint32_t capacity;
	uint32_t free_head;
	uint32_t n_live, n_tomb;
	uint32_t *out_buckets, *in_buckets;
	uint32_t mask;
	struct nat_list lru, tombs;

	struct nat_dest *dests;
	uint32_t dfree;
	uint32_t *dbuckets;
	uint32_t dmask;

	struct util_rng rng;
	uint64_t hash_key;
	uint64_t port_alloc_errors, idle_timeouts;
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static bool proto_supported(uint8_t proto)
{
	return proto == PKT_PROTO_TCP || proto == PKT_PROTO_UDP || proto == PKT_PROTO_ICMP;
}

/* Keyed with the table's hash key so that flows cannot be aimed at one chain. */
static uint64_t mix3(const struct nat_table *t, uint64_t a, uint64_t b, uint64_t c)
{
	/* Odd-multiplier folds (bijective per word), then one full mix. */
	return util_hash64(((a ^ t->hash_key) * 0x9e3779b97f4a7c15ULL) ^
			   (b * 0xc2b2ae3d27d4eb4fULL) ^ c);
}

static uint32_t out_hash(const struct nat_table *t, uint32_t nat_ip, uint32_t in_ip,
			 uint16_t in_port, uint32_t dst_ip, uint16_t dst_port, uint8_t proto)
{
	return (uint32_t)mix3(t, ((uint64_t)nat_ip << 32) | in_ip,
			      ((uint64_t)dst_ip << 32) | dst_port,
			      ((uint64_t)in_port << 8) | proto) &
	       t->mask;
}

static uint32_t in_hash(const struct nat_table *t, uint32_t nat_ip, uint16_t ext_port,
			uint32_t dst_ip, uint16_t dst_port, uint8_t proto)
{
	return (uint32_t)mix3(t, ((uint64_t)nat_ip << 32) | dst_ip,
			      ((uint64_t)ext_port << 16) | dst_port, proto) &
	       t->mask;
}

static uint32_t dest_hash(const struct nat_table *t, uint32_t nat_ip, uint32_t dst_ip,
			  uint16_t dst_port, uint8_t proto)
{
	return (uint32_t)mix3(t, ((uint64_t)nat_ip << 32) | dst_ip, dst_port, proto) & t->dmask;
}

struct nat_table *nat_new(uint32_t capacity, uint64_t seed)
{
	struct nat_table *t;
	size_t nb;

	if (capacity == 0 || capacity > NAT_CAPACITY_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->capacity = capacity;
	t->mask = pow2_at_least((uint64_t)capacity * 2) - 1;
	t->dmask = t->mask;
	nb = (size_t)t->mask + 1;
	t->maps = calloc(capacity, sizeof(*t->maps));
	t->out_buckets = malloc(nb * sizeof(*t->out_buckets));
	t->in_buckets = malloc(nb * sizeof(*t->in_buckets));
	t->dests = calloc(capacity, sizeof(*t->dests));
	t->dbuckets = malloc(nb * sizeof(*t->dbuckets));
	if (!t->maps || !t->out_buckets || !t->in_buckets || !t->dests || !t->dbuckets)
		return nat_free(t);
	memset(t->out_buckets, 0xff, nb * sizeof(*t->out_buckets));
	memset(t->in_buckets, 0xff, nb * sizeof(*t->in_buckets));
	memset(t->dbuckets, 0xff, nb * sizeof(*t->dbuckets));
	for (uint32_t i = 0; i < capacity; i++) {
		t->maps[i].out_next = i + 1 < capacity ? i + 1 : NAT_NONE;
		t->dests[i].next = i + 1 < capacity ? i + 1 : NAT_NONE;
	}
	t->free_head = 0;
	t->dfree = 0;
	t->lru.head = t->lru.tail = NAT_NONE;
	t->tombs.head = t->tombs.tail = NAT_NONE;
	util_rng_seed(&t->rng, seed);
	t->hash_key = util_rng_next(&t->rng);
	return t;
}

struct nat_table *nat_free(struct nat_table *t)
{
	if (!t)
		return NULL;
	free(t->maps);
	free(t->out_buckets);
	free(t->in_buckets);
	free(t->dests);
	free(t->dbuckets);
	free(t);
	return NULL;
}

/* ---- lists ---------------------------------------------------------------- */

static void list_append(struct nat_table *t, struct nat_list *l, uint32_t i)
{
	struct nat_map *m = &t->maps[i];

	m->prev = l->tail;
	m->next = NAT_NONE;
	if (l->tail != NAT_NONE)
		t->maps[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static void list_unlink(struct nat_table *t, struct nat_list *l, uint32_t i)
{
	struct nat_map *m = &t->maps[i];

	if (m->prev != NAT_NONE)
		t->maps[m->prev].next = m->next;
	else
		l->head = m->next;
	if (m->next != NAT_NONE)
		t->maps[m->next].prev = m->prev;
	else
		l->tail = m->prev;
}

static void dest_append(struct nat_table *t, struct nat_dest *d, uint32_t i)
{
	struct nat_map *m = &t->maps[i];

	m->dprev = d->tail;
	m->dnext = NAT_NONE;
	if (d->tail != NAT_NONE)
		t->maps[d->tail].dnext = i;
	else
		d->head = i;
	d->tail = i;
}

static void dest_unlink(struct nat_table *t, struct nat_dest *d, uint32_t i)
{
	struct nat_map *m = &t->maps[i];

	if (m->dprev != NAT_NONE)
		t->maps[m->dprev].dnext = m->dnext;
	else
		d->head = m->dnext;
	if (m->dnext != NAT_NONE)
		t->maps[m->dnext].dprev = m->dprev;
	else
		d->tail = m->dprev;
}

/* ---- destinations ----------------------------------------------------------- */

static uint32_t dest_find(const struct nat_table *t, uint32_t nat_ip, uint32_t dst_ip,
			  uint16_t dst_port, uint8_t proto)
{
	for (uint32_t i = t->dbuckets[dest_hash(t, nat_ip, dst_ip, dst_port, proto)]; i != NAT_NONE;
	     i = t->dests[i].next) {
		const struct nat_dest *d = &t->dests[i];

		if (d->nat_ip == nat_ip && d->dst_ip == dst_ip && d->dst_port == dst_port &&
		    d->proto == proto)
			return i;
	}
	return NAT_NONE;
}

static uint32_t dest_create(struct nat_table *t, uint32_t nat_ip, uint32_t dst_ip,
			    uint16_t dst_port, uint8_t proto)
{
	uint32_t i = t->dfree, b = dest_hash(t, nat_ip, dst_ip, dst_port, proto);
	struct nat_dest *d;

	if (i == NAT_NONE) /* cannot happen: at most capacity destinations have mappings */
		return NAT_NONE;
	d = &t->dests[i];
	t->dfree = d->next;
	d->nat_ip = nat_ip;
	d->dst_ip = dst_ip;
	d->dst_port = dst_port;
	d->proto = proto;
	d->count = 0;
	d->head = d->tail = NAT_NONE;
	d->next = t->dbuckets[b];
	t->dbuckets[b] = i;
	return i;
}

static void dest_destroy(struct nat_table *t, uint32_t di)
{
	const struct nat_dest *d = &t->dests[di];
	uint32_t *pp = &t->dbuckets[dest_hash(t, d->nat_ip, d->dst_ip, d->dst_port, d->proto)];

	while (*pp != di)
		pp = &t->dests[*pp].next;
	*pp = d->next;
	t->dests[di].next = t->dfree;
	t->dfree = di;
}

/* ---- mappings ----------------------------------------------------------------- */

static bool idle_expired(const struct nat_map *m, uint64_t now_ms)
{
	return now_ms >= m->last_ms + NAT_IDLE_TIMEOUT_MS;
}

static uint32_t out_find(const struct nat_table *t, uint32_t nat_ip, uint32_t in_ip,
			 uint16_t in_port, uint32_t dst_ip, uint16_t dst_port, uint8_t proto)
{
	for (uint32_t i =
		 t->out_buckets[out_hash(t, nat_ip, in_ip, in_port, dst_ip, dst_port, proto)];
	     i != NAT_NONE; i = t->maps[i].out_next) {
		const struct nat_map *m = &t->maps[i];

		if (m->nat_ip == nat_ip && m->in_ip == in_ip && m->in_port == in_port &&
		    m->dst_ip == dst_ip && m->dst_port == dst_port && m->proto == proto)
			return i;
	}
	return NAT_NONE;
}

static uint32_t in_find(const struct nat_table *t, uint32_t nat_ip, uint16_t ext_port,
			uint32_t dst_ip, uint16_t dst_port, uint8_t proto)
{
	for (uint32_t i = t->in_buckets[in_hash(t, nat_ip, ext_port, dst_ip, dst_port, proto)];
	     i != NAT_NONE; i = t->maps[i].in_next) {
		const struct nat_map *m = &t->maps[i];

		if (m->nat_ip == nat_ip && m->ext_port == ext_port && m->dst_ip == dst_ip &&
		    m->dst_port == dst_port && m->proto == proto)
			return i;
	}
	return NAT_NONE;
}

static void out_unlink(struct nat_table *t, uint32_t i)
{
	const struct nat_map *m = &t->maps[i];
	uint32_t *pp = &t->out_buckets[out_hash(t, m->nat_ip, m->in_ip, m->in_port, m->dst_ip,
						m->dst_port, m->proto)];

	while (*pp != i)
		pp = &t->maps[*pp].out_next;
	*pp = m->out_next;
}

static void in_unlink(struct nat_table *t, uint32_t i)
{
	const struct nat_map *m = &t->maps[i];
	uint32_t *pp =
	    &t->in_buckets[in_hash(t, m->nat_ip, m->ext_port, m->dst_ip, m->dst_port, m->proto)];

	while (*pp != i)
		pp = &t->maps[*pp].in_next;
	*pp = m->in_next;
}

/* Take a live mapping out of in, the LRUs and its destination's count. */
static void live_detach(struct nat_table *t, uint32_t i)
{
	struct nat_map *m = &t->maps[i];
	struct nat_dest *d = &t->dests[m->dest];

	in_unlink(t, i);
	list_unlink(t, &t->lru, i);
	dest_unlink(t, d, i);
	if (--d->count == 0)
		dest_destroy(t, m->dest);
	t->n_live--;
}

static void slot_release(struct nat_table *t, uint32_t i)
{
	t->maps[i].kind = NAT_FREE;
	t->maps[i].out_next = t->free_head;
	t->free_head = i;
}

/* An idle live mapping ends: TCP leaves a tombstone, others go away. */
static void live_expire(struct nat_table *t, uint32_t i)
{
	struct nat_map *m = &t->maps[i];

	live_detach(t, i);
	if (m->proto == PKT_PROTO_TCP) {
		m->kind = NAT_TOMB;
		list_append(t, &t->tombs, i);
		t->n_tomb++;
	} else {
		out_unlink(t, i);
		slot_release(t, i);
	}
}

static void tomb_remove(struct nat_table *t, uint32_t i)
{
	list_unlink(t, &t->tombs, i);
	out_unlink(t, i);
	t->n_tomb--;
	slot_release(t, i);
}

static bool tomb_due(const struct nat_map *m, uint64_t now_ms)
{
	return now_ms >= m->last_ms + NAT_IDLE_TIMEOUT_MS + NAT_TOMBSTONE_MS;
}

static void refresh(struct nat_table *t, uint32_t i, uint64_t now_ms)
{
	struct nat_map *m = &t->maps[i];
	struct nat_dest *d = &t->dests[m->dest];

	if (now_ms > m->last_ms)
		m->last_ms = now_ms;
	list_unlink(t, &t->lru, i);
	list_append(t, &t->lru, i);
	dest_unlink(t, d, i);
	dest_append(t, d, i);
}

/* Expire the idle heads of a destination's LRU (the record goes with its last mapping). */
static void dest_reclaim(struct nat_table *t, uint32_t di, uint64_t now_ms)
{
	while (t->dests[di].count > 0) {
		uint32_t h = t->dests[di].head;
		bool last = t->dests[di].count == 1;

		if (!idle_expired(&t->maps[h], now_ms))
			return;
		live_expire(t, h);
		if (last)
			return;
	}
}

/* A free slot, expiring the oldest idle mapping or evicting the oldest tombstone if needed. */
static uint32_t slot_take(struct nat_table *t, uint64_t now_ms)
{
	uint32_t i;

	if (t->free_head == NAT_NONE && t->lru.head != NAT_NONE &&
	    idle_expired(&t->maps[t->lru.head], now_ms))
		live_expire(t, t->lru.head);
	if (t->free_head == NAT_NONE && t->tombs.head != NAT_NONE)
		tomb_remove(t, t->tombs.head);
	i = t->free_head;
	if (i != NAT_NONE)
		t->free_head = t->maps[i].out_next;
	return i;
}

/* A port free for this destination: random start, then linear probing. */
static int pick_port(struct nat_table *t, const struct nat_flow *f, uint16_t dst_port,
		     uint64_t now_ms, uint16_t *ret_port)
{
	const uint32_t span = NAT_PORT_MAX - NAT_PORT_MIN + 1;
	uint32_t off = (uint32_t)util_rng_below(&t->rng, span);

	for (uint32_t n = 0; n < span; n++) {
		uint16_t port = (uint16_t)(NAT_PORT_MIN + (off + n) % span);
		uint32_t j = in_find(t, f->nat_ip, port, f->dst_ip, dst_port, f->proto);

		if (j != NAT_NONE && idle_expired(&t->maps[j], now_ms)) {
			live_expire(t, j);
			j = NAT_NONE;
		}
		if (j == NAT_NONE) {
			*ret_port = port;
			return 0;
		}
	}
	return -EAGAIN;
}

int nat_outbound(struct nat_table *t, const struct nat_flow *f, uint8_t tcp_flags, uint64_t now_ms,
		 uint16_t *ret_port)
{
	uint16_t dst_port, port = 0;
	uint32_t i, di, ob, ib;
	struct nat_map *m;
	int r;

	if (!proto_supported(f->proto))
		return -EPROTONOSUPPORT;
	dst_port = f->proto == PKT_PROTO_ICMP ? 0 : f->dst_port;
	i = out_find(t, f->nat_ip, f->in_ip, f->in_port, f->dst_ip, dst_port, f->proto);
	if (i != NAT_NONE && t->maps[i].kind == NAT_LIVE && idle_expired(&t->maps[i], now_ms))
		live_expire(t, i); /* TCP: now a tombstone; others: gone */
	if (i != NAT_NONE && t->maps[i].kind == NAT_LIVE) {
		refresh(t, i, now_ms);
		*ret_port = t->maps[i].ext_port;
		return 0;
	}
	if (i != NAT_NONE && t->maps[i].kind == NAT_TOMB) {
		bool syn = (tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;
		bool due = tomb_due(&t->maps[i], now_ms);

		tomb_remove(t, i);
		if (!syn && !due) {
			t->idle_timeouts++;
			return -ETIMEDOUT;
		}
	}

	di = dest_find(t, f->nat_ip, f->dst_ip, dst_port, f->proto);
	if (di != NAT_NONE && t->dests[di].count >= NAT_MAX_PER_DEST) {
		dest_reclaim(t, di, now_ms);
		di = dest_find(t, f->nat_ip, f->dst_ip, dst_port, f->proto);
		if (di != NAT_NONE && t->dests[di].count >= NAT_MAX_PER_DEST) {
			t->port_alloc_errors++;
			return -EAGAIN;
		}
	}
	r = pick_port(t, f, dst_port, now_ms, &port);
	if (r < 0) {
		t->port_alloc_errors++;
		return r;
	}
	i = slot_take(t, now_ms);
	if (i == NAT_NONE)
		return -ENOSPC;
	/* slot_take may have expired this destination's last mapping. */
	di = dest_find(t, f->nat_ip, f->dst_ip, dst_port, f->proto);
	if (di == NAT_NONE)
		di = dest_create(t, f->nat_ip, f->dst_ip, dst_port, f->proto);
	if (di == NAT_NONE) {
		slot_release(t, i);
		return -ENOSPC;
	}
	m = &t->maps[i];
	memset(m, 0, sizeof(*m));
	m->nat_ip = f->nat_ip;
	m->in_ip = f->in_ip;
	m->in_port = f->in_port;
	m->dst_ip = f->dst_ip;
	m->dst_port = dst_port;
	m->proto = f->proto;
	m->ext_port = port;
	m->kind = NAT_LIVE;
	m->last_ms = now_ms;
	m->dest = di;
	ob = out_hash(t, m->nat_ip, m->in_ip, m->in_port, m->dst_ip, m->dst_port, m->proto);
	ib = in_hash(t, m->nat_ip, m->ext_port, m->dst_ip, m->dst_port, m->proto);
	m->out_next = t->out_buckets[ob];
	t->out_buckets[ob] = i;
	m->in_next = t->in_buckets[ib];
	t->in_buckets[ib] = i;
	list_append(t, &t->lru, i);
	dest_append(t, &t->dests[di], i);
	t->dests[di].count++;
	t->n_live++;
	*ret_port = port;
	return 0;
}

int nat_inbound(struct nat_table *t, uint32_t nat_ip, uint16_t ext_port, uint32_t remote_ip,
		uint16_t remote_port, uint8_t proto, uint64_t now_ms, uint32_t *ret_in_ip,
		uint16_t *ret_in_port)
{
	uint32_t i;

	if (!proto_supported(proto))
		return -ENOENT;
	if (proto == PKT_PROTO_ICMP)
		remote_port = 0;
	i = in_find(t, nat_ip, ext_port, remote_ip, remote_port, proto);
	if (i == NAT_NONE)
		return -ENOENT;
	if (idle_expired(&t->maps[i], now_ms)) {
		live_expire(t, i);
		return -ENOENT;
	}
	refresh(t, i, now_ms);
	*ret_in_ip = t->maps[i].in_ip;
	*ret_in_port = t->maps[i].in_port;
	return 0;
}

size_t nat_expire(struct nat_table *t, uint64_t now_ms, size_t budget)
{
	size_t n = 0;

	for (size_t k = 0; k < budget; k++) {
		uint32_t h = t->lru.head;

		if (h == NAT_NONE || !idle_expired(&t->maps[h], now_ms))
			break;
		live_expire(t, h);
		n++;
	}
	for (size_t k = 0; k < budget; k++) {
		uint32_t h = t->tombs.head;

		if (h == NAT_NONE || !tomb_due(&t->maps[h], now_ms))
			break;
		tomb_remove(t, h);
		n++;
	}
	return n;
}

size_t nat_count(const struct nat_table *t)
{
	return t->n_live;
}

void nat_stats(const struct nat_table *t, struct nat_stats *ret)
{
	ret->port_alloc_errors = t->port_alloc_errors;
	ret->idle_timeouts = t->idle_timeouts;
	ret->active = t->n_live;
}
