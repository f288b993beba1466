/*
 * index: from a string key (an ID, a MAC) to the object that holds it, for
 * one of the model's arrays of pointers (struct model keeps one per kind of
 * object, and one from MAC to ENI).  Private to lib/model.
 *
 * Why it looks like this.  model_add_*() appends a zeroed object and the
 * caller writes its ID afterwards; the store and the awsjson importer also
 * append to the arrays directly.  So the index does not learn of an object
 * when it is added: it catches up with the array when it is asked.
 * model_index_find() first visits the objects appended since its last call
 * (positions seen..n): one with a key goes into the hash table, one whose key
 * is still empty waits in a short pending list and goes in once it has one.
 * Removal goes through model_index_remove(), which the model_remove_*()
 * functions call with the object's position.  Keys must not change once set
 * (IDs and MACs never do); model_index_check() verifies all of this.
 *
 * The table is open addressing with linear probing and backward-shift
 * deletion (no tombstones), at most 70% full; each slot keeps the key's hash
 * so that probes and growth compare 64-bit numbers, not strings.  When memory
 * runs out the index stops catching up and look-ups fall back to scanning
 * what it has not indexed: slower, never wrong.  Object pointers are stored,
 * so removing, reordering or growing the array does not disturb the index.
 */
#ifndef OPENVPC_MODEL_INDEX_H
#define OPENVPC_MODEL_INDEX_H

#include <stddef.h>

struct model_index;

/* New empty index of objects whose NUL-terminated key is at key_offset. NULL on OOM. */
struct model_index *model_index_new(size_t key_offset);
/* Accepts NULL; returns NULL.  The objects are not touched. */
struct model_index *model_index_free(struct model_index *ix);

/*
 * The first object among items[0..n) (the array the index follows) whose key
 * equals key, or NULL.  Catches up with the array first.  The answer is the
 * linear scan's whenever keys are unique.  ix is not NULL; a NULL key finds NULL.
 */
void *model_index_find(struct model_index *ix, void *const *items, size_t n, const char *key);

/*
 * The object at items[pos] is about to be removed from the array (and freed):
 * forget it.
 */
void model_index_remove(struct model_index *ix, const void *obj, size_t pos);

/*
 * Test/debug helper: catch up, then check the index against items[0..n):
 * every object with a key is in the table under that key's hash exactly once,
 * every object without one is pending, nothing else is in either.  0 or
 * -EINVAL.
 */
int model_index_check(struct model_index *ix, void *const *items, size_t n);

#endif
