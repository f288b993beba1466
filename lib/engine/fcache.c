/*
 * fcache: the flow cache table (design in fcache.h).
 *
 * Invariants.  sets[] is 128-byte aligned (bigmem_alloc()), so a set is
 * one line of hot halves and one of cold halves.  An entry matches only
 * when its epoch is the current one and its key is equal; epochs start at
 * 1, so a zeroed entry (or one fcache_slot() handed out) never matches.
 * When the epoch counter would wrap, the whole table is cleared.
 * fcache_slot() reuses the way that holds the key in either of its sets,
 * and fcache_promote() leaves the way it moves from invalid, so a key is in
 * at most one valid way.  Every change of which key a way holds counts as a
 * commit.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/engine/bigmem.h"
#include "lib/engine/fcache.h"
#include "lib/util/util.h"

_Static_assert(sizeof(struct fc_hot) == 32 && sizeof(struct fc_cold) == 32 &&
		   sizeof(struct fc_set) == 128,
	       "a set is two lines: the hot halves, then the cold halves");
_Static_assert(FC_WAYS == 2, "two halves per line");

struct fcache *fcache_new(uint32_t entries, uint64_t seed)
{
	struct fcache *c;
	uint32_t n = FC_WAYS;

	if (entries > FC_ENTRIES_MAX)
		entries = FC_ENTRIES_MAX;
	while (n < entries)
		n <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->n_entries = n;
	c->set_mask = n / FC_WAYS - 1;
	c->epoch = 1;
	c->seed = util_hash64(seed ^ 0xbb67ae8584caa73bULL);
	c->sets = bigmem_alloc((size_t)(n / FC_WAYS) * sizeof(*c->sets));
	if (!c->sets)
		return fcache_free(c);
	memset(c->sets, 0, (size_t)(n / FC_WAYS) * sizeof(*c->sets));
	return c;
}

struct fcache *fcache_free(struct fcache *c)
{
	if (!c)
		return NULL;
	free(c->sets);
	free(c);
	return NULL;
}

bool fcache_invalidate_clears(const struct fcache *c)
{
	return c->epoch == UINT16_MAX;
}

void fcache_invalidate(struct fcache *c)
{
	c->commits++;
	if (++c->epoch == 0) {
		memset(c->sets, 0, (c->n_entries / FC_WAYS) * sizeof(*c->sets));
		c->epoch = 1;
	}
}

static inline uint64_t key_words(const struct fc_key *k, uint64_t *b, uint32_t *c)
{
	uint64_t a;

	memcpy(&a, &k->src, 8);
	memcpy(b, &k->sport, 8);
	*c = k->idx;
	return a;
}

static inline struct fc_set *set_of(const struct fcache *c, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return fcache_set_words(c, a, b, i);
}

static inline struct fc_set *alt_of(const struct fcache *c, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return fcache_alt_words(c, a, b, i);
}

/* Whether h holds k (of any epoch). */
static inline bool holds(const struct fc_hot *h, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return ((h->a ^ a) | (h->b ^ b) | (uint64_t)(h->idx ^ i)) == 0;
}

static inline struct fc_hot *lookup_in(struct fcache *c, struct fc_set *set, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return fcache_find_words(c, set, a, b, i);
}

struct fc_hot *fcache_lookup_set(struct fcache *c, struct fc_set *set, const struct fc_key *k)
{
	return lookup_in(c, set, k);
}

struct fc_hot *fcache_lookup(struct fcache *c, const struct fc_key *k)
{
	return lookup_in(c, set_of(c, k), k);
}

struct fc_hot *fcache_at(const struct fcache *c, uint32_t r)
{
	return &c->sets[r / FC_WAYS].hot[r % FC_WAYS];
}

bool fcache_fits(const struct fc_key *k, const struct fc_entry *e)
{
	return k->idx <= UINT16_MAX && (e->out_src == k->src || e->out_dst == k->dst);
}

/* The set whose guests count h's key (h a guest). */
static inline struct fc_set *host_of(const struct fcache *c, const struct fc_hot *h)
{
	return fcache_set_words(c, h->a, h->b, h->idx);
}

/* h's key is leaving h: a guest no longer counts in its primary set (unless saturated). */
static void unguest(const struct fcache *c, struct fc_hot *h)
{
	uint8_t *n;

	if (!(h->flags & FC_E_GUEST))
		return;
	n = &host_of(c, h)->hot[0].guests;
	if (*n != UINT8_MAX)
		(*n)--;
	h->flags &= (uint8_t)~FC_E_GUEST;
}

/* How much a victim is worth keeping: a lease by its last packet, anything else nothing. */
static inline uint64_t keep(const struct fc_hot *h)
{
	return h->flags & FC_E_LEASED ? h->lease_ms + 1 : 0;
}

struct fc_hot *fcache_slot(struct fcache *c, const struct fc_key *k)
{
	struct fc_set *p = set_of(c, k), *q = alt_of(c, k);
	struct fc_hot *way[2 * FC_WAYS] = {&p->hot[0], &p->hot[1], &q->hot[0], &q->hot[1]};
	struct fc_hot *h = NULL;
	unsigned start;

	for (unsigned w = 0; w < 2 * FC_WAYS && !h; w++)
		if (holds(way[w], k))
			h = way[w]; /* same key (of this or an older epoch) */
	for (unsigned w = 0; w < 2 * FC_WAYS && !h; w++)
		if (way[w]->epoch != c->epoch)
			h = way[w]; /* empty or stale, the primary set's first */
	if (!h) {
		/* The least worth keeping, ties taken in turn. */
		start = c->clock++ % (2 * FC_WAYS);
		h = way[start];
		for (unsigned w = 1; w < 2 * FC_WAYS; w++)
			if (keep(way[(start + w) % (2 * FC_WAYS)]) < keep(h))
				h = way[(start + w) % (2 * FC_WAYS)];
	}
	unguest(c, h);
	h->epoch = 0; /* not valid until filled */
	return h;
}

void fcache_fill(struct fcache *c, struct fc_hot *h, const struct fc_key *k,
		 const struct fc_entry *e)
{
	struct fc_cold *cold = fcache_cold(h);
	uint8_t flags =
	    e->flags & (uint8_t) ~(FC_E_OUT_SRC | FC_E_OUT_DST | FC_E_LEASED | FC_E_GUEST);
	struct fc_set *p = set_of(c, k);
	uint32_t i;

	cold->out_addr = 0;
	if (e->out_src != k->src) {
		flags |= FC_E_OUT_SRC;
		cold->out_addr = e->out_src;
	} else if (e->out_dst != k->dst) {
		flags |= FC_E_OUT_DST;
		cold->out_addr = e->out_dst;
	}
	if (h != &p->hot[0] && h != &p->hot[1]) {
		flags |= FC_E_GUEST;
		if (p->hot[0].guests != UINT8_MAX)
			p->hot[0].guests++;
	}
	cold->verdict = e->verdict;
	cold->drop = e->drop;
	cold->to_point = e->to_point;
	cold->n_ops = e->n_ops;
	cold->n_sg = e->n_sg;
	memcpy(cold->hint, e->hint, sizeof(cold->hint));
	memcpy(cold->ops, e->ops, sizeof(cold->ops));
	h->a = key_words(k, &h->b, &i);
	h->idx = (uint16_t)i;
	fcache_pf_from_cold(h);
	h->to_idx = e->to_idx;
	h->flags = flags;
	h->epoch = c->epoch;
	c->commits++;
}

void fcache_load(const struct fc_hot *h, struct fc_entry *ret)
{
	const struct fc_cold *cold = fcache_cold(h);
	struct fc_entry e;

	memset(&e, 0, sizeof(e));
	memcpy(&e.key.src, &h->a, 8);
	memcpy(&e.key.sport, &h->b, 8);
	e.key.idx = h->idx;
	e.out_src = h->flags & FC_E_OUT_SRC ? cold->out_addr : e.key.src;
	e.out_dst = h->flags & FC_E_OUT_DST ? cold->out_addr : e.key.dst;
	e.to_idx = h->to_idx;
	e.verdict = cold->verdict;
	e.drop = cold->drop;
	e.to_point = cold->to_point;
	e.n_ops = cold->n_ops;
	e.n_sg = cold->n_sg;
	e.flags = h->flags & (uint8_t)~FC_E_GUEST;
	memcpy(e.hint, cold->hint, sizeof(e.hint));
	memcpy(e.ops, cold->ops, sizeof(e.ops));
	*ret = e;
}

struct fc_hot *fcache_promote(struct fcache *c, struct fc_hot *h)
{
	struct fc_set *p = fcache_set_words(c, h->a, h->b, h->idx);
	struct fc_hot *v = NULL;

	if (h == &p->hot[0] || h == &p->hot[1])
		return h;
	for (unsigned w = 0; w < FC_WAYS && !v; w++)
		if (p->hot[w].epoch != c->epoch)
			v = &p->hot[w]; /* empty or stale */
	for (unsigned w = 0; w < FC_WAYS && !v; w++)
		if (!(p->hot[w].flags & FC_E_LEASED))
			v = &p->hot[w]; /* dropped */
	if (!v)
		return h;
	unguest(c, v); /* (its entry is dropped) */
	unguest(c, h); /* (it moves home) */
	*fcache_cold(v) = *fcache_cold(h);
	{
		uint8_t guests = v->guests; /* the set's, where v is hot[0] */

		*v = *h;
		v->guests = guests;
	}
	h->epoch = 0;
	c->commits++;
	return v;
}
