/*
 * lpm: IPv4 longest-prefix match by disjoint ranges and a direct index.
 * See lpm.h for the contract.
 *
 * Build.
 *   1. Copy the entries, sort them by (prefix, len, input position) and keep
 *      the last of each (prefix, len): "the LAST one wins".
 *   2. Prefixes are laminar (two prefixes are either nested or disjoint), so
 *      in (start ascending, length ascending) order a stack of open prefixes
 *      yields the flattened ranges in one pass: the top of the stack is the
 *      longest prefix covering the current point.  Gaps get "no match".
 *   3. Adjacent ranges with the same result are merged.
 *   4. The index has 2^bits buckets (bits grows with the number of ranges,
 *      4..16, so a small table stays small).  index[b] = the range that holds
 *      the first address of bucket b; index[2^bits] = the last range.  The
 *      answer for addr in bucket b lies in [index[b], index[b + 1]].
 *
 * Lookup: one index read, then a binary search of starts[] over that slice
 * (empty when the bucket holds one range).  starts[] is a packed uint32_t
 * array so the search touches few cache lines; values[] and hits[] are read
 * once at the end.
 */
#include "lib/engine/lpm.h"

#include "lib/net/net.h"
#include "lib/util/util.h"

struct lpm4 {
	uint32_t shift; /* 32 - bits */
	uint32_t n_ranges;
	uint16_t *index;  /* 2^bits + 1 entries */
	uint32_t *starts; /* n_ranges, ascending, starts[0] == 0 */
	uint32_t *values; /* n_ranges */
	uint8_t *hits;	  /* n_ranges: 1 = a prefix covers the range */
	size_t memory;
};

struct lpm4_item {
	uint32_t prefix;
	uint32_t value;
	uint32_t pos;
	uint8_t len;
};

struct lpm4_builder {
	uint32_t *starts;
	uint32_t *values;
	uint8_t *hits;
	uint32_t n;
};

static int item_cmp(const void *a, const void *b)
{
	const struct lpm4_item *x = a, *y = b;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static uint64_t item_end(const struct lpm4_item *it)
{
	/* Last address of the prefix, as 64 bits so "end + 1" never wraps. */
	return (uint64_t)it->prefix + ((uint64_t)1 << (32 - it->len)) - 1;
}

/* Append the range starting at start; merges with the previous range when equal. */
static void builder_emit(struct lpm4_builder *b, uint64_t start, bool hit, uint32_t value)
{
	if (b->n > 0 && b->hits[b->n - 1] == hit && (!hit || b->values[b->n - 1] == value))
		return;
	b->starts[b->n] = (uint32_t)start;
	b->values[b->n] = hit ? value : 0;
	b->hits[b->n] = hit;
	b->n++;
}

/* Flatten the sorted, deduplicated items into ranges covering the whole address space. */
static void flatten(const struct lpm4_item *items, size_t n, struct lpm4_builder *b)
{
	const struct lpm4_item *stack[33];
	size_t depth = 0;
	uint64_t cur = 0;

	for (size_t i = 0; i < n; i++) {
		const struct lpm4_item *it = &items[i];

		while (depth > 0 && item_end(stack[depth - 1]) < it->prefix) {
			const struct lpm4_item *top = stack[--depth];

			if (cur <= item_end(top)) {
				builder_emit(b, cur, true, top->value);
				cur = item_end(top) + 1;
			}
		}
		if (cur < it->prefix) {
			if (depth > 0)
				builder_emit(b, cur, true, stack[depth - 1]->value);
			else
				builder_emit(b, cur, false, 0);
		}
		cur = it->prefix;
		/* Nested prefixes have strictly increasing lengths: depth <= 33. */
		stack[depth++] = it;
	}
	while (depth > 0) {
		const struct lpm4_item *top = stack[--depth];

		if (cur <= item_end(top)) {
			builder_emit(b, cur, true, top->value);
			cur = item_end(top) + 1;
		}
	}
	if (cur <= UINT32_MAX)
		builder_emit(b, cur, false, 0);
}

static unsigned index_bits(uint32_t n_ranges)
{
	unsigned bits = 4;

	/* About four buckets per range, at most 2^16 buckets. */
	while (bits < 16 && ((uint32_t)1 << bits) < 4 * n_ranges)
		bits++;
	return bits;
}

int lpm4_build(const struct lpm4_entry *entries, size_t n, struct lpm4 **ret_table)
{
	struct lpm4_item *items = NULL;
	struct lpm4_builder b = {0};
	struct lpm4 *t = NULL;
	size_t m = 0, cap;
	unsigned bits;
	int r;

	if (!ret_table || (n > 0 && !entries))
		return -EINVAL;
	if (n > LPM4_MAX_ENTRIES)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		if (entries[i].len > 32 || (entries[i].prefix & ~net_mask4(entries[i].len)) != 0)
			return -EINVAL;
	}

	items = calloc(n ? n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		items[i] = (struct lpm4_item){entries[i].prefix, entries[i].value, (uint32_t)i,
					      entries[i].len};
	qsort(items, n, sizeof(*items), item_cmp);
	/* Keep the last of each (prefix, len): it sorts last within its group. */
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && items[i + 1].prefix == items[i].prefix &&
		    items[i + 1].len == items[i].len)
			continue;
		items[m++] = items[i];
	}

	/* Each prefix opens at most one range and closes at most one, plus the first. */
	cap = 2 * m + 1;
	b.starts = calloc(cap, sizeof(*b.starts));
	b.values = calloc(cap, sizeof(*b.values));
	b.hits = calloc(cap, sizeof(*b.hits));
	t = calloc(1, sizeof(*t));
	if (!b.starts || !b.values || !b.hits || !t) {
		r = -ENOMEM;
		goto err;
	}
	flatten(items, m, &b);

	bits = index_bits(b.n);
	t->index = calloc(((size_t)1 << bits) + 1, sizeof(*t->index));
	if (!t->index) {
		r = -ENOMEM;
		goto err;
	}
	t->shift = 32 - bits;
	t->n_ranges = b.n;
	for (uint32_t bucket = 0, ri = 0; bucket < ((uint32_t)1 << bits); bucket++) {
		uint32_t first = bucket << t->shift;

		while (ri + 1 < b.n && b.starts[ri + 1] <= first)
			ri++;
		t->index[bucket] = (uint16_t)ri;
	}
	t->index[(size_t)1 << bits] = (uint16_t)(b.n - 1);
	t->starts = b.starts;
	t->values = b.values;
	t->hits = b.hits;
	t->memory = sizeof(*t) + (((size_t)1 << bits) + 1) * sizeof(*t->index) +
		    cap * (sizeof(*b.starts) + sizeof(*b.values) + sizeof(*b.hits));
	free(items);
	*ret_table = t;
	return 0;

err:
	free(t);
	free(b.hits);
	free(b.values);
	free(b.starts);
	free(items);
	return r;
}

int lpm4_lookup(const struct lpm4 *t, uint32_t addr, uint32_t *ret_value)
{
	uint32_t bucket = addr >> t->shift;
	uint32_t lo = t->index[bucket], hi = t->index[bucket + 1];

	/* Last range whose start is <= addr; starts[lo] <= addr always holds. */
	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;

		if (t->starts[mid] <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (!t->hits[lo])
		return 0;
	if (ret_value)
		*ret_value = t->values[lo];
	return 1;
}

struct lpm4 *lpm4_free(struct lpm4 *t)
{
	if (!t)
		return NULL;
	free(t->index);
	free(t->starts);
	free(t->values);
	free(t->hits);
	free(t);
	return NULL;
}

size_t lpm4_memory(const struct lpm4 *t)
{
	return t ? t->memory : 0;
}
