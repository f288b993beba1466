/*
 * flowlog: per-interval flow-log aggregation (design in flowlog.h).
 *
 * Layout.  recs[0..n) is a dense array of this interval's records in
 * creation order; buckets[] (power of two, 2 x capacity) head index-linked
 * chains through next[].  The skip set is an open-addressing set of ENI
 * numbers (2 x capacity slots, linear probing) listed in skips[] so that
 * drain can clear it in time proportional to its size.  Drain emits recs in
 * order and clears exactly the buckets and slots it used.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/engine/flowlog.h"
#include "lib/net/pkt.h"
#include "lib/util/util.h"

#define FL_NONE UINT32_MAX

struct flowlog_agg {
	struct flowlog_entry *recs;
	uint32_t *next;
	uint32_t *bucket_of; /* bucket index of each record, for the reset */
	uint32_t *buckets;
	uint32_t mask;
	uint32_t capacity, n;

	uint32_t *skip_slots; /* ENI + 1; 0 = empty */
	uint32_t *skips;
	uint32_t n_skips;
	uint64_t seed; /* hash key */
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static bool key_eq(const struct flowlog_key *a, const struct flowlog_key *b)
{
	return a->eni == b->eni && a->srcaddr == b->srcaddr && a->dstaddr == b->dstaddr &&
	       a->srcport == b->srcport && a->dstport == b->dstport && a->proto == b->proto &&
	       a->reject == b->reject && a->egress == b->egress &&
	       a->traffic_path == b->traffic_path && a->pkt_srcaddr == b->pkt_srcaddr &&
	       a->pkt_dstaddr == b->pkt_dstaddr;
}

static uint64_t key_hash(const struct flowlog_agg *ag, const struct flowlog_key *k)
{
	uint64_t a = ((uint64_t)k->srcaddr << 32) | k->dstaddr;
	uint64_t b = ((uint64_t)k->eni << 32) | ((uint64_t)k->srcport << 16) | k->dstport;
	uint64_t c = ((uint64_t)k->pkt_srcaddr << 32) | k->pkt_dstaddr;
	uint64_t d = (uint64_t)k->proto | (uint64_t)k->reject << 8 | (uint64_t)k->egress << 16 |
		     (uint64_t)k->traffic_path << 24;

	/* Odd-multiplier folds (bijective per word), then one full mix. */
	return util_hash64(((a ^ ag->seed) * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^
			   (c * 0x165667b19e3779f9ULL) ^ (d << 32));
}

struct flowlog_agg *flowlog_agg_new(uint32_t capacity)
{
	struct flowlog_agg *a;
	size_t nb;

	if (capacity == 0 || capacity > FLOWLOG_CAPACITY_MAX)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->capacity = capacity;
	a->mask = pow2_at_least((uint64_t)capacity * 2) - 1;
	nb = (size_t)a->mask + 1;
	a->recs = calloc(capacity, sizeof(*a->recs));
	a->next = calloc(capacity, sizeof(*a->next));
	a->bucket_of = calloc(capacity, sizeof(*a->bucket_of));
	a->buckets = malloc(nb * sizeof(*a->buckets));
	a->skip_slots = calloc(nb, sizeof(*a->skip_slots));
	a->skips = calloc(capacity, sizeof(*a->skips));
	if (!a->recs || !a->next || !a->bucket_of || !a->buckets || !a->skip_slots || !a->skips)
		return flowlog_agg_free(a);
	memset(a->buckets, 0xff, nb * sizeof(*a->buckets));
	return a;
}

struct flowlog_agg *flowlog_agg_free(struct flowlog_agg *a)
{
	if (!a)
		return NULL;
	free(a->recs);
	free(a->next);
	free(a->bucket_of);
	free(a->buckets);
	free(a->skip_slots);
	free(a->skips);
	free(a);
	return NULL;
}

int flowlog_tcp_flags_value(uint8_t raw)
{
	bool syn = raw & PKT_TCP_SYN, fin = raw & PKT_TCP_FIN, rst = raw & PKT_TCP_RST;
	int v = 0;

	if (syn && (fin || rst))
		return -1;
	if (syn)
		v |= (raw & PKT_TCP_ACK) ? 18 : 2;
	if (fin)
		v |= 1;
	if (rst)
		v |= 4;
	return v;
}

int flowlog_tcp_flags_or(int a, int b)
{
	if (a < 0 || b < 0)
		return -1;
	return a | b;
}

static void mark_skip(struct flowlog_agg *a, uint32_t eni)
{
	uint32_t i = (uint32_t)util_hash64(eni) & a->mask;

	while (a->skip_slots[i] != 0) {
		if (a->skip_slots[i] == eni + 1u)
			return;
		i = (i + 1) & a->mask;
	}
	/* The set has twice the slots of the cap below, so the probe always ends. */
	if (a->n_skips >= a->capacity)
		return;
	a->skip_slots[i] = eni + 1u;
	a->skips[a->n_skips++] = eni;
}

int flowlog_agg_account(struct flowlog_agg *a, const struct flowlog_key *k, uint32_t bytes,
			uint8_t tcp_flags, int64_t now_s)
{
	uint32_t b = (uint32_t)key_hash(a, k) & a->mask;
	int flags = k->proto == PKT_PROTO_TCP ? flowlog_tcp_flags_value(tcp_flags) : 0;
	struct flowlog_entry *e;
	uint32_t chain = 0;

	for (uint32_t i = a->buckets[b]; i != FL_NONE; i = a->next[i], chain++) {
		e = &a->recs[i];
		if (!key_eq(&e->key, k))
			continue;
		e->packets++;
		e->bytes += bytes;
		if (now_s < e->start)
			e->start = now_s;
		if (now_s > e->end)
			e->end = now_s;
		e->tcp_flags = flowlog_tcp_flags_or(e->tcp_flags, flags);
		return 0;
	}
	if (a->n >= a->capacity || chain >= FLOWLOG_CHAIN_MAX) {
		mark_skip(a, k->eni);
		return -ENOSPC;
	}
	e = &a->recs[a->n];
	memset(e, 0, sizeof(*e));
	e->key.eni = k->eni;
	e->key.srcaddr = k->srcaddr;
	e->key.dstaddr = k->dstaddr;
	e->key.srcport = k->srcport;
	e->key.dstport = k->dstport;
	e->key.proto = k->proto;
	e->key.reject = k->reject;
	e->key.egress = k->egress;
	e->key.traffic_path = k->traffic_path;
	e->key.pkt_srcaddr = k->pkt_srcaddr;
	e->key.pkt_dstaddr = k->pkt_dstaddr;
	e->packets = 1;
	e->bytes = bytes;
	e->start = e->end = now_s;
	e->tcp_flags = flags;
	a->next[a->n] = a->buckets[b];
	a->bucket_of[a->n] = b;
	a->buckets[b] = a->n;
	a->n++;
	return 0;
}

int flowlog_agg_set_seed(struct flowlog_agg *a, uint64_t seed)
{
	if (a->n)
		return -EBUSY;
	a->seed = util_hash64(seed ^ 0xbb67ae8584caa73bULL);
	return 0;
}

size_t flowlog_agg_count(const struct flowlog_agg *a)
{
	return a->n;
}

size_t flowlog_agg_drain(struct flowlog_agg *a, void (*fn)(const struct flowlog_entry *e, void *ud),
			 void (*skip_fn)(uint32_t eni, void *ud), void *ud)
{
	size_t n = a->n;

	for (uint32_t i = 0; i < a->n; i++) {
		if (fn)
			fn(&a->recs[i], ud);
		a->buckets[a->bucket_of[i]] = FL_NONE;
	}
	for (uint32_t i = 0; i < a->n_skips; i++) {
		uint32_t s = (uint32_t)util_hash64(a->skips[i]) & a->mask;

		if (skip_fn)
			skip_fn(a->skips[i], ud);
		/* Clear the probe run that may hold it (runs are short). */
		while (a->skip_slots[s] != 0) {
			a->skip_slots[s] = 0;
			s = (s + 1) & a->mask;
		}
	}
	a->n = 0;
	a->n_skips = 0;
	return n;
}
