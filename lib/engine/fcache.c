/*
 * fcache: the flow cache table (design in fcache.h).
 *
 * Invariants.  sigs[s * FC_WAYS + w] is 0 for a never-used way, else the
 * 16-bit signature (never 0) of the key stored in entries[s * FC_WAYS + w].
 * An entry matches only when signature, key and epoch all match; epochs
 * start at 1, so a zeroed entry never matches.  When the epoch counter
 * would wrap, the whole table is cleared.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/engine/bigmem.h"
#include "lib/engine/fcache.h"
#include "lib/util/util.h"

struct fcache {
	struct fc_entry *entries;
	uint16_t *sigs;
	uint32_t set_mask;
	uint32_t epoch;
	uint32_t clock; /* round-robin victim */
	uint64_t seed;
	size_t n_entries;
};

_Static_assert(sizeof(struct fc_entry) == 64, "one cache line per entry");

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
	c->entries = bigmem_alloc((size_t)n * sizeof(*c->entries)); /* 64-aligned: n >= 4 */
	c->sigs = bigmem_alloc((size_t)n * sizeof(*c->sigs));
	if (!c->entries || !c->sigs)
		return fcache_free(c);
	memset(c->entries, 0, (size_t)n * sizeof(*c->entries));
	memset(c->sigs, 0, (size_t)n * sizeof(*c->sigs));
	return c;
}

struct fcache *fcache_free(struct fcache *c)
{
	if (!c)
		return NULL;
	free(c->entries);
	free(c->sigs);
	free(c);
	return NULL;
}

void fcache_invalidate(struct fcache *c)
{
	if (++c->epoch == 0) {
		memset(c->sigs, 0, c->n_entries * sizeof(*c->sigs));
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

static inline uint64_t key_hash(const struct fcache *c, const struct fc_key *k)
{
	uint64_t b;
	uint32_t i;
	uint64_t a = key_words(k, &b, &i);

	return util_hash64(((a ^ c->seed) * 0x9e3779b97f4a7c15ULL) ^ b ^ ((uint64_t)i << 32));
}

static inline bool key_eq(const struct fc_key *x, const struct fc_key *y)
{
	uint64_t xb, yb;
	uint32_t xi, yi;
	uint64_t xa = key_words(x, &xb, &xi), ya = key_words(y, &yb, &yi);

	return ((xa ^ ya) | (xb ^ yb) | (uint64_t)(xi ^ yi)) == 0;
}

static inline uint16_t sig_of(uint64_t h)
{
	return (uint16_t)((h >> 48) | 1);
}

void fcache_prefetch(const struct fcache *c, const struct fc_key *k)
{
	__builtin_prefetch(&c->sigs[((uint32_t)key_hash(c, k) & c->set_mask) * FC_WAYS]);
}

void fcache_prefetch_entry(const struct fcache *c, const struct fc_key *k)
{
	uint64_t h = key_hash(c, k);
	size_t base = (size_t)((uint32_t)h & c->set_mask) * FC_WAYS;
	uint16_t sig = sig_of(h);

	for (unsigned w = 0; w < FC_WAYS; w++) {
		if (c->sigs[base + w] == sig) {
			__builtin_prefetch(&c->entries[base + w]);
			return;
		}
	}
	/* A miss: the slow path will write an empty way or the next victim. */
	for (unsigned w = 0; w < FC_WAYS; w++) {
		if (c->sigs[base + w] == 0) {
			__builtin_prefetch(&c->entries[base + w], 1);
			return;
		}
	}
	__builtin_prefetch(&c->entries[base + c->clock % FC_WAYS], 1);
}

const struct fc_entry *fcache_peek(const struct fcache *c, const struct fc_key *k)
{
	return fcache_lookup((struct fcache *)c, k);
}

struct fc_entry *fcache_lookup(struct fcache *c, const struct fc_key *k)
{
	uint64_t h = key_hash(c, k);
	size_t base = (size_t)((uint32_t)h & c->set_mask) * FC_WAYS;
	uint16_t sig = sig_of(h);

	for (unsigned w = 0; w < FC_WAYS; w++) {
		struct fc_entry *e;

		if (c->sigs[base + w] != sig)
			continue;
		e = &c->entries[base + w];
		if (likely(e->epoch == c->epoch && key_eq(&e->key, k)))
			return e;
	}
	return NULL;
}

struct fc_entry *fcache_slot(struct fcache *c, const struct fc_key *k)
{
	uint64_t h = key_hash(c, k);
	size_t base = (size_t)((uint32_t)h & c->set_mask) * FC_WAYS;
	uint16_t sig = sig_of(h);
	unsigned way = FC_WAYS;

	for (unsigned w = 0; w < FC_WAYS; w++) {
		if (c->sigs[base + w] == sig && key_eq(&c->entries[base + w].key, k)) {
			way = w;
			break;
		}
	}
	if (way == FC_WAYS) {
		for (unsigned w = 0; w < FC_WAYS; w++) {
			if (c->sigs[base + w] == 0) {
				way = w;
				break;
			}
		}
	}
	if (way == FC_WAYS)
		way = c->clock++ % FC_WAYS;
	c->sigs[base + way] = sig;
	c->entries[base + way].epoch = 0; /* not valid until committed */
	return &c->entries[base + way];
}

void fcache_commit(struct fcache *c, struct fc_entry *e, const struct fc_key *k)
{
	e->key = *k;
	e->epoch = c->epoch;
}
