/*
 * index: string key -> object, catching up with an array of pointers.  See
 * index.h for the design.
 */
#include "lib/model/index.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

#define INDEX_MIN_CAP 16

struct index_slot {
	uint64_t hash;
	void *obj; /* NULL: empty */
};

struct model_index {
	size_t key_offset;
	struct index_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t count;
	size_t seen;	/* items[0..seen) are each in the table or pending */
	void **pending; /* visited while their key was empty, in array order */
	size_t n_pending, cap_pending;
};

static const char *key_of(const struct model_index *ix, const void *obj)
{
	return (const char *)obj + ix->key_offset;
}

static uint64_t key_hash(const char *key)
{
	return util_hash64(util_fnv1a_str(UTIL_FNV1A_INIT, key));
}

struct model_index *model_index_new(size_t key_offset)
{
	struct model_index *ix = calloc(1, sizeof(*ix));

	if (ix)
		ix->key_offset = key_offset;
	return ix;
}

static void forget_all(struct model_index *ix)
{
	free(ix->slots);
	free(ix->pending);
	ix->slots = NULL;
	ix->pending = NULL;
	ix->cap = ix->count = ix->seen = ix->n_pending = ix->cap_pending = 0;
}

struct model_index *model_index_free(struct model_index *ix)
{
	if (ix) {
		forget_all(ix);
		free(ix);
	}
	return NULL;
}

static void place(struct index_slot *slots, size_t cap, uint64_t hash, void *obj)
{
	size_t k = hash & (cap - 1);

	while (slots[k].obj)
		k = (k + 1) & (cap - 1);
	slots[k].hash = hash;
	slots[k].obj = obj;
}

/* Room for need entries within the 70% load factor.  0 or -ENOMEM. */
static int reserve(struct model_index *ix, size_t need)
{
	struct index_slot *slots;
	size_t cap = ix->cap ? ix->cap : INDEX_MIN_CAP;

	if (need > SIZE_MAX / 10 / sizeof(*slots))
		return -ENOMEM;
	while (need * 10 > cap * 7)
		cap *= 2;
	if (cap == ix->cap)
		return 0;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < ix->cap; i++)
		if (ix->slots[i].obj)
			place(slots, cap, ix->slots[i].hash, ix->slots[i].obj);
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return 0;
}

static int insert(struct model_index *ix, void *obj)
{
	int r = reserve(ix, ix->count + 1);

	if (r < 0)
		return r;
	place(ix->slots, ix->cap, key_hash(key_of(ix, obj)), obj);
	ix->count++;
	return 0;
}

/* Empty slot i, moving later entries of its probe run back so none is cut off from its home. */
static void delete_slot(struct model_index *ix, size_t i)
{
	size_t mask = ix->cap - 1, j = i;

	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!ix->slots[j].obj)
			break;
		home = ix->slots[j].hash & mask;
		/* It stays when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		ix->slots[i] = ix->slots[j];
		i = j;
	}
	ix->slots[i].obj = NULL;
	ix->slots[i].hash = 0;
	ix->count--;
}

/* The slot holding obj, found from the hash of its current key; cap when absent. */
static size_t slot_of(const struct model_index *ix, const void *obj)
{
	size_t mask = ix->cap - 1;

	if (!ix->cap)
		return 0;
	for (size_t k = key_hash(key_of(ix, obj)) & mask; ix->slots[k].obj; k = (k + 1) & mask)
		if (ix->slots[k].obj == obj)
			return k;
	return ix->cap;
}

static void catch_up(struct model_index *ix, void *const *items, size_t n)
{
	size_t keep = 0;

	if (ix->seen > n) /* the array shrank without model_index_remove(): start again */
		forget_all(ix);
	for (size_t i = 0; i < ix->n_pending; i++) {
		void *obj = ix->pending[i];

		if (key_of(ix, obj)[0] == '\0' || insert(ix, obj) < 0)
			ix->pending[keep++] = obj;
	}
	ix->n_pending = keep;
	/* A whole array at once (the first look-up after a load): one allocation, not log2(n). */
	if (n - ix->seen > 1)
		(void)reserve(ix, ix->count + (n - ix->seen)); /* on failure insert() tries again */
	for (; ix->seen < n; ix->seen++) {
		void *obj = items[ix->seen];
		int r;

		if (key_of(ix, obj)[0] != '\0')
			r = insert(ix, obj);
		else
			r = VEC_PUSH(ix->pending, ix->n_pending, ix->cap_pending, obj);
		if (r < 0)
			break; /* look-ups scan from seen on */
	}
}

void *model_index_find(struct model_index *ix, void *const *items, size_t n, const char *key)
{
	if (!key)
		return NULL;
	catch_up(ix, items, n);
	if (key[0] && ix->cap) {
		uint64_t h = key_hash(key);
		size_t mask = ix->cap - 1;

		for (size_t k = h & mask; ix->slots[k].obj; k = (k + 1) & mask)
			if (ix->slots[k].hash == h &&
			    strcmp(key_of(ix, ix->slots[k].obj), key) == 0)
				return ix->slots[k].obj;
	}
	for (size_t i = 0; i < ix->n_pending; i++)
		if (strcmp(key_of(ix, ix->pending[i]), key) == 0)
			return ix->pending[i];
	for (size_t i = ix->seen; i < n; i++)
		if (strcmp(key_of(ix, items[i]), key) == 0)
			return items[i];
	return NULL;
}

void model_index_remove(struct model_index *ix, const void *obj, size_t pos)
{
	size_t k;

	if (!ix || pos >= ix->seen)
		return; /* not visited yet */
	ix->seen--;
	for (size_t i = 0; i < ix->n_pending; i++) {
		if (ix->pending[i] == obj) {
			VEC_REMOVE(ix->pending, ix->n_pending, i);
			return;
		}
	}
	k = slot_of(ix, obj);
	if (k == ix->cap) /* its key changed after it was indexed: look everywhere */
		for (k = 0; k < ix->cap && ix->slots[k].obj != obj; k++)
			;
	if (k < ix->cap)
		delete_slot(ix, k);
}

int model_index_check(struct model_index *ix, void *const *items, size_t n)
{
	size_t in_table = 0, in_pending = 0, occupied = 0;

	if (!ix)
		return 0;
	catch_up(ix, items, n);
	if (ix->seen > n)
		return -EINVAL;
	for (size_t i = 0; i < ix->seen; i++) {
		const void *obj = items[i];
		size_t pending = 0;

		for (size_t j = 0; j < ix->n_pending; j++)
			pending += ix->pending[j] == obj;
		if (slot_of(ix, obj) < ix->cap) {
			if (pending ||
			    ix->slots[slot_of(ix, obj)].hash != key_hash(key_of(ix, obj)))
				return -EINVAL;
			in_table++;
		} else if (pending == 1) {
			in_pending++;
		} else {
			return -EINVAL;
		}
	}
	for (size_t k = 0; k < ix->cap; k++)
		occupied += ix->slots[k].obj != NULL;
	if (in_table != ix->count || occupied != ix->count || in_pending != ix->n_pending ||
	    (ix->cap && ix->count * 10 > ix->cap * 7))
		return -EINVAL;
	return 0;
}
