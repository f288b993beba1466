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
 *   4. Two levels of windowed direct index (below).
 *
 * Windowed index.  A window covers a run of ranges [lo, hi]; its n = 2^bits
 * slots (bits = log2 of the run length + 3, at most 16, so an index costs a
 * few bytes per range) split the addresses from base = starts[lo + 1] (the
 * first boundary inside the run) up to starts[hi] into equal slices of
 * 2^shift addresses.  An address below base uses slot 0; one beyond the last
 * slice uses slot n - 1.  Slot j holds the range containing the first
 * address of its slice (slot 0 holds lo), slot n holds hi, so the answer for
 * an address in slot j lies in [slot j, slot j + 1].  Because the window
 * spans only the boundaries that exist, routes clustered in one VPC CIDR are
 * indexed as finely as routes spread over the whole address space.
 *
 * The top window covers all ranges.  A top slot whose slice still holds more
 * than LPM4_SPLIT ranges gets its own second-level window over them; its
 * number is kept in the upper 16 bits of the slot (range indices fit in the
 * lower 16: at most 2 * LPM4_MAX_ENTRIES + 1 ranges).
 *
 * Lookup: at most two index reads, then a binary search of starts[] over a
 * slice that is almost always one to four ranges.  starts[] is a packed
 * uint32_t array; the result (value and hit flag, one 8-byte word) is read
 * once at the end.
 */
#include "lib/engine/lpm.h"

#include "lib/net/net.h"
#include "lib/util/util.h"

#define LPM4_SPLIT 4
#define LPM4_HIT   ((uint64_t)1 << 32)

struct lpm4_window {
	uint32_t base;	/* first boundary inside the window */
	uint32_t shift; /* log2 of the addresses per slot */
	uint32_t n;	/* slots (a power of two); the slot array holds n + 1 */
	uint32_t off;	/* first slot in slots[] */
};

struct lpm4 {
	struct lpm4_window *windows; /* [0] covers everything */
	uint32_t *slots;	     /* low 16 bits: range; high 16 bits: sub-window or 0 */
	uint32_t *starts;	     /* n_ranges, ascending, starts[0] == 0 */
	uint64_t *results;	     /* n_ranges: LPM4_HIT | value, or 0 = no prefix covers it */
	uint32_t n_ranges, n_windows, n_slots;
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
	uint64_t *results;
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
	uint64_t result = hit ? LPM4_HIT | value : 0;

	if (b->n > 0 && b->results[b->n - 1] == result)
		return;
	b->starts[b->n] = (uint32_t)start;
	b->results[b->n] = result;
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

/* Index of the range containing addr, searching [lo, hi]. */
static uint32_t range_find(const uint32_t *starts, uint32_t lo, uint32_t hi, uint32_t addr)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo + 1) / 2;

		if (starts[mid] <= addr)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static unsigned window_bits(uint32_t n_ranges)
{
	unsigned bits = 0;

	/* About eight slots per range, at most 2^16 slots. */
	while (bits < 16 && ((uint32_t)1 << bits) < 8 * n_ranges)
		bits++;
	return bits;
}

/* Slots a window over ranges [lo, hi] needs (its n + 1). */
static size_t window_size(uint32_t lo, uint32_t hi)
{
	return ((size_t)1 << window_bits(hi - lo + 1)) + 1;
}

/* Fill window w over ranges [lo, hi] at t->slots[t->n_slots]. */
static void window_fill(struct lpm4 *t, struct lpm4_window *w, uint32_t lo, uint32_t hi)
{
	uint32_t *slot = &t->slots[t->n_slots];
	uint64_t end, span;

	w->n = (uint32_t)1 << window_bits(hi - lo + 1);
	w->off = t->n_slots;
	w->base = lo < hi ? t->starts[lo + 1] : 0;
	end = lo < hi ? t->starts[hi] : 0;
	span = end - w->base;
	w->shift = 0;
	while ((span >> w->shift) >= w->n)
		w->shift++;
	slot[0] = lo;
	for (uint32_t j = 1; j < w->n; j++) {
		uint64_t first = (uint64_t)w->base + ((uint64_t)j << w->shift);

		slot[j] = first > end ? hi : range_find(t->starts, lo, hi, (uint32_t)first);
	}
	slot[w->n] = hi;
	t->n_slots += w->n + 1;
}

/* Slot of addr in window w. */
static inline uint32_t window_slot(const struct lpm4_window *w, uint32_t addr)
{
	uint32_t j = addr >= w->base ? (addr - w->base) >> w->shift : 0;

	return w->off + (j < w->n ? j : w->n - 1);
}

/* Build the top window and a second-level window for every crowded top slot. */
static int index_build(struct lpm4 *t)
{
	struct lpm4_window top;
	size_t need, n_windows = 1;
	uint32_t *tslot;

	/* First pass: the top window, to learn which slots need a window. */
	need = window_size(0, t->n_ranges - 1);
	t->slots = calloc(need, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	window_fill(t, &top, 0, t->n_ranges - 1);
	for (uint32_t j = 0; j < top.n; j++) {
		if (t->slots[j + 1] - t->slots[j] > LPM4_SPLIT) {
			need += window_size(t->slots[j], t->slots[j + 1]);
			n_windows++;
		}
	}
	tslot = realloc(t->slots, need * sizeof(*t->slots));
	t->windows = calloc(n_windows, sizeof(*t->windows));
	if (tslot)
		t->slots = tslot;
	if (!tslot || !t->windows)
		return -ENOMEM;
	t->windows[0] = top;
	t->n_windows = 1;
	for (uint32_t j = 0; j < top.n; j++) {
		uint32_t lo = t->slots[j] & 0xffff, hi = t->slots[j + 1] & 0xffff;

		if (hi - lo <= LPM4_SPLIT)
			continue;
		window_fill(t, &t->windows[t->n_windows], lo, hi);
		t->slots[j] |= t->n_windows << 16;
		t->n_windows++;
	}
	return 0;
}

int lpm4_build(const struct lpm4_entry *entries, size_t n, struct lpm4 **ret_table)
{
	struct lpm4_item *items = NULL;
	struct lpm4_builder b = {0};
	struct lpm4 *t = NULL;
	size_t m = 0, cap;
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
	b.results = calloc(cap, sizeof(*b.results));
	t = calloc(1, sizeof(*t));
	if (!b.starts || !b.results || !t) {
		r = -ENOMEM;
		goto err;
	}
	flatten(items, m, &b);

	t->starts = b.starts;
	t->results = b.results;
	t->n_ranges = b.n;
	b.starts = NULL;
	b.results = NULL;
	r = index_build(t);
	if (r < 0)
		goto err;
	t->memory = sizeof(*t) + t->n_windows * sizeof(*t->windows) +
		    t->n_slots * sizeof(*t->slots) +
		    cap * (sizeof(*t->starts) + sizeof(*t->results));
	free(items);
	*ret_table = t;
	return 0;

err:
	lpm4_free(t);
	free(b.results);
	free(b.starts);
	free(items);
	return r;
}

int lpm4_lookup(const struct lpm4 *t, uint32_t addr, uint32_t *ret_value)
{
	uint32_t k = window_slot(&t->windows[0], addr);
	uint32_t e = t->slots[k], lo, hi;
	uint64_t result;

	if (e >> 16)
		k = window_slot(&t->windows[e >> 16], addr);
	lo = t->slots[k] & 0xffff;
	hi = t->slots[k + 1] & 0xffff;
	lo = range_find(t->starts, lo, hi, addr);
	result = t->results[lo];
	if (!result)
		return 0;
	if (ret_value)
		*ret_value = (uint32_t)result;
	return 1;
}

struct lpm4 *lpm4_free(struct lpm4 *t)
{
	if (!t)
		return NULL;
	free(t->windows);
	free(t->slots);
	free(t->starts);
	free(t->results);
	free(t);
	return NULL;
}

size_t lpm4_memory(const struct lpm4 *t)
{
	return t ? t->memory : 0;
}
