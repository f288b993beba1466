/*
 * fcache: the flow cache table (design in fcache.h).
 *
 * Invariants.  entries[] is 128-byte aligned (bigmem_alloc()), so a set
 * (FC_WAYS = 2 entries) is two adjacent cache lines, fetched together.  An
 * entry matches only when its epoch is the current one and its key is equal;
 * epochs start at 1, so a zeroed entry never matches.  When the epoch counter
 * would wrap, the whole table is cleared.  fcache_slot() reuses the way that
 * holds the key, so a key is in at most one way of its set.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/engine/bigmem.h"
#include "lib/engine/fcache.h"
#include "lib/util/util.h"

_Static_assert(sizeof(struct fc_entry) == 64, "one cache line per entry");
_Static_assert(FC_WAYS == 2, "a set is two adjacent cache lines");

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
	c->entries = bigmem_alloc((size_t)n * sizeof(*c->entries));
	if (!c->entries)
		return fcache_free(c);
	memset(c->entries, 0, (size_t)n * sizeof(*c->entries));
	return c;
}

struct fcache *fcache_free(struct fcache *c)
{
	if (!c)
		return NULL;
	free(c->entries);
	free(c);
	return NULL;
}

void fcache_invalidate(struct fcache *c)
{
	c->commits++;
	if (++c->epoch == 0) {
		memset(c->entries, 0, c->n_entries * sizeof(*c->entries));
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

static inline struct fc_entry *set_of(const struct fcache *c, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return fcache_set_words(c, a, b, i);
}

static inline bool key_eq(const struct fc_key *x, const struct fc_key *y)
{
	uint64_t xb, yb;
	uint32_t xi, yi;
	uint64_t xa = key_words(x, &xb, &xi), ya = key_words(y, &yb, &yi);

	return ((xa ^ ya) | (xb ^ yb) | (uint64_t)(xi ^ yi)) == 0;
}

void fcache_prefetch(const struct fcache *c, const struct fc_key *k)
{
	const struct fc_entry *set = set_of(c, k);

	__builtin_prefetch(&set[0], 1);
	__builtin_prefetch(&set[1], 1);
}

struct fc_entry *fcache_set(const struct fcache *c, const struct fc_key *k)
{
	return set_of(c, k);
}

static inline struct fc_entry *lookup_in(struct fcache *c, struct fc_entry *set,
					 const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return fcache_lookup_words(c, set, a, b, i);
}

struct fc_entry *fcache_lookup_set(struct fcache *c, struct fc_entry *set,
				   const struct fc_key *k)
{
	return lookup_in(c, set, k);
}

struct fc_entry *fcache_lookup(struct fcache *c, const struct fc_key *k)
{
	return lookup_in(c, set_of(c, k), k);
}

struct fc_entry *fcache_slot(struct fcache *c, const struct fc_key *k)
{
	struct fc_entry *set = set_of(c, k), *e;

	if (key_eq(&set[0].key, k))
		e = &set[0]; /* same key (of this or an older epoch) */
	else if (key_eq(&set[1].key, k))
		e = &set[1];
	else if (set[0].epoch != c->epoch)
		e = &set[0]; /* empty or stale */
	else if (set[1].epoch != c->epoch)
		e = &set[1];
	else
		e = &set[c->clock++ % FC_WAYS];
	e->epoch = 0; /* not valid until committed */
	return e;
}

void fcache_commit(struct fcache *c, struct fc_entry *e, const struct fc_key *k)
{
	e->key = *k;
	e->epoch = c->epoch;
	c->commits++;
}
