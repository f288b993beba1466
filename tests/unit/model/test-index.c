/*
 * Tests for the model's look-up indexes (lib/model/index.c): random
 * sequences of adds (through model_add_*, with the ID written before or
 * after the first look-up, or appended to the array directly as the store
 * does) and removes, each look-up compared with a linear scan of the array,
 * and model_check_indexes() run along the way.  Also: the checker notices an
 * index out of step, and the table survives growth and many deletions.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lib/model/index.h"
#include "lib/model/ops.h"

static struct model *m;
static struct util_rng rng;

static void setup(void)
{
	util_rng_seed(&rng, 20261127);
	m = model_new("123456789012", "us-east-1");
	cr_assert_not_null(m);
}

static void teardown(void)
{
	m = model_free(m);
}

TestSuite(index, .init = setup, .fini = teardown);

#define ID_SPACE 300 /* small, so that look-ups hit and miss and IDs come back */

static void id_of(unsigned k, char buf[MODEL_ID_LEN])
{
	snprintf(buf, MODEL_ID_LEN, "eni-%08x", k * 2654435761u);
}

static void mac_of(unsigned k, char buf[MODEL_MAC_LEN])
{
	snprintf(buf, MODEL_MAC_LEN, "0e:00:00:00:%02x:%02x", (k >> 8) & 0xff, k & 0xff);
}

/* The answers the indexes must give: the first match in array order. */
static struct model_eni *scan_id(const char *id)
{
	for (size_t i = 0; i < m->n_enis; i++)
		if (strcmp(m->enis[i]->id, id) == 0)
			return m->enis[i];
	return NULL;
}

static struct model_eni *scan_mac(const char *mac)
{
	for (size_t i = 0; i < m->n_enis; i++)
		if (strcmp(m->enis[i]->mac, mac) == 0)
			return m->enis[i];
	return NULL;
}

static void compare_all(void)
{
	char id[MODEL_ID_LEN], mac[MODEL_MAC_LEN];

	cr_assert_eq(model_check_indexes(m), 0);
	for (unsigned k = 0; k < ID_SPACE; k++) {
		id_of(k, id);
		mac_of(k, mac);
		cr_assert_eq(model_find_eni(m, id), scan_id(id), "find %s", id);
		cr_assert_eq(model_find_eni_by_mac(m, mac), scan_mac(mac), "find mac %s", mac);
	}
	cr_assert_eq(model_find_eni(m, ""), scan_id(""));
	cr_assert_null(model_find_eni(m, NULL));
	cr_assert_eq(model_check_indexes(m), 0);
}

/* An unused key number (IDs and MACs are unique in a model), or -1. */
static int unused_key(void)
{
	for (int tries = 0; tries < 20; tries++) {
		unsigned k = (unsigned)util_rng_below(&rng, ID_SPACE);
		char id[MODEL_ID_LEN], mac[MODEL_MAC_LEN];

		id_of(k, id);
		mac_of(k, mac);
		if (!scan_id(id) && !scan_mac(mac))
			return (int)k;
	}
	return -1;
}

Test(index, random_adds_and_removes_match_a_linear_scan)
{
	struct model_eni *unnamed[8];
	size_t n_unnamed = 0;
	unsigned adds = 0, removes = 0, hits = 0;

	for (int step = 0; step < 20000; step++) {
		unsigned op = (unsigned)util_rng_below(&rng, 10);
		unsigned k = (unsigned)util_rng_below(&rng, ID_SPACE);
		char id[MODEL_ID_LEN], mac[MODEL_MAC_LEN];
		int u;

		id_of(k, id);
		mac_of(k, mac);
		switch (op) {
		case 0: /* add, ID written at once (model-ops) */
		case 1:
			if ((u = unused_key()) >= 0) {
				struct model_eni *e = model_add_eni(m);

				cr_assert_not_null(e);
				id_of((unsigned)u, e->id);
				mac_of((unsigned)u, e->mac);
				adds++;
			}
			break;
		case 2: /* add, looked up (by its empty ID) before it has an ID */
			if (n_unnamed == ARRAY_SIZE(unnamed))
				break;
			unnamed[n_unnamed] = model_add_eni(m);
			cr_assert_not_null(unnamed[n_unnamed]);
			cr_assert_eq(model_find_eni(m, ""), scan_id(""));
			n_unnamed++;
			adds++;
			break;
		case 3: /* the unnamed one gets its ID and MAC */
			if (n_unnamed == 0 || (u = unused_key()) < 0)
				break;
			n_unnamed--;
			id_of((unsigned)u, unnamed[n_unnamed]->id);
			mac_of((unsigned)u, unnamed[n_unnamed]->mac);
			break;
		case 4: { /* appended to the array directly, as store/serialize.c does */
			struct model_eni *o;

			if ((u = unused_key()) < 0)
				break;
			o = calloc(1, sizeof(*o));
			cr_assert_not_null(o);
			id_of((unsigned)u, o->id);
			mac_of((unsigned)u, o->mac);
			cr_assert_eq(VEC_PUSH(m->enis, m->n_enis, m->cap_enis, o), 0);
			adds++;
			break;
		}
		case 5: { /* remove by ID, present or not */
			bool present = scan_id(id) != NULL;

			cr_assert_eq(model_remove_eni(m, id), present);
			cr_assert_null(model_find_eni(m, id));
			removes += present;
			break;
		}
		case 6: /* remove an unnamed one through its empty ID (awsjson's undo) */
			if (!scan_id(""))
				break;
			for (size_t i = 0; i < n_unnamed; i++) {
				if (unnamed[i] == scan_id("")) {
					unnamed[i] = unnamed[--n_unnamed];
					break;
				}
			}
			cr_assert_eq(model_remove_eni(m, ""), 1);
			removes++;
			break;
		default: /* look-ups */
			cr_assert_eq(model_find_eni(m, id), scan_id(id), "step %d: %s", step, id);
			cr_assert_eq(model_find_eni_by_mac(m, mac), scan_mac(mac), "step %d", step);
			hits += scan_id(id) != NULL;
			break;
		}
		if (step % 500 == 0)
			compare_all();
	}
	compare_all();
	/* The sequence did what it is meant to: many of each, and hits as well as misses. */
	cr_assert_gt(adds, 2000);
	cr_assert_gt(removes, 1000);
	cr_assert_gt(hits, 500);
}

Test(index, kinds_keyed_by_other_fields_and_minted_ids)
{
	struct model_ctx ctx;
	char ids[64][MODEL_ID_LEN];

	model_ctx_init(&ctx, "us-east-1", &rng);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct model_eip *e = model_add_eip(m);
		struct model_vpc *v = model_add_vpc(m);

		cr_assert(e && v);
		model_new_id(m, &ctx, "eipalloc-", e->allocation_id);
		model_new_id(m, &ctx, "vpc-", v->id);
		memcpy(ids[i], e->allocation_id, MODEL_ID_LEN);
		cr_assert_eq(model_find_vpc(m, v->id), v);
		cr_assert_null(model_find_vpc(m, e->allocation_id));
		cr_assert_null(model_find_eip(m, v->id));
	}
	for (size_t i = 0; i < ARRAY_SIZE(ids); i += 2)
		cr_assert_eq(model_remove_eip(m, ids[i]), 1);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		struct model_eip *e = model_find_eip(m, ids[i]);

		if (i % 2)
			cr_assert(e && strcmp(e->allocation_id, ids[i]) == 0);
		else
			cr_assert_null(e);
	}
	cr_assert_eq(m->n_eips, ARRAY_SIZE(ids) / 2);
	cr_assert_eq(model_check_indexes(m), 0);
}

Test(index, check_notices_an_id_changed_after_indexing)
{
	struct model_subnet *s = model_add_subnet(m);

	cr_assert_not_null(s);
	strcpy(s->id, "subnet-00000001");
	cr_assert_eq(model_find_subnet(m, "subnet-00000001"), s);
	cr_assert_eq(model_check_indexes(m), 0);
	strcpy(s->id, "subnet-00000002"); /* not allowed: the index still has the old key */
	cr_assert_eq(model_check_indexes(m), -EINVAL);
	/* Removal still finds and forgets it (no dangling pointer left behind). */
	cr_assert_eq(model_index_find(m->ix_subnets, (void *const *)m->subnets, m->n_subnets,
				      "subnet-00000002"),
		     NULL);
	strcpy(s->id, "subnet-00000001");
	cr_assert_eq(model_remove_subnet(m, "subnet-00000001"), 1);
	cr_assert_eq(model_check_indexes(m), 0);
}

Test(index, duplicate_keys_do_not_break_removal)
{
	struct model_igw *a = model_add_igw(m), *b = model_add_igw(m);

	cr_assert(a && b);
	strcpy(a->id, "igw-00000001");
	strcpy(b->id, "igw-00000001");
	cr_assert_not_null(model_find_igw(m, "igw-00000001"));
	cr_assert_eq(model_remove_igw(m, "igw-00000001"), 1);
	cr_assert_eq(model_check_indexes(m), 0);
	cr_assert_eq(model_find_igw(m, "igw-00000001"), m->igws[0]);
	cr_assert_eq(model_remove_igw(m, "igw-00000001"), 1);
	cr_assert_eq(model_remove_igw(m, "igw-00000001"), 0);
	cr_assert_eq(m->n_igws, 0);
	cr_assert_eq(model_check_indexes(m), 0);
}

/* The table alone: growth through several doublings, then deletions all over the probe runs. */
struct keyed {
	char key[16];
};

Test(index, table_survives_growth_and_deletion)
{
	enum { N = 5000 };
	static struct keyed objs[N];
	static void *items[N];
	struct model_index *ix = model_index_new(offsetof(struct keyed, key));
	size_t n = N;

	cr_assert_not_null(ix);
	for (size_t i = 0; i < N; i++) {
		snprintf(objs[i].key, sizeof(objs[i].key), "k%zu", i);
		items[i] = &objs[i];
	}
	cr_assert_eq(model_index_find(ix, items, n, "k4999"), &objs[4999]);
	cr_assert_eq(model_index_check(ix, items, n), 0);
	/* Remove every third object from the front, as model_remove_*() does. */
	for (size_t i = 0; i < n;) {
		if (((struct keyed *)items[i] - objs) % 3 == 0) {
			model_index_remove(ix, items[i], i);
			memmove(&items[i], &items[i + 1], (n - i - 1) * sizeof(items[0]));
			n--;
		} else {
			i++;
		}
	}
	cr_assert_eq(model_index_check(ix, items, n), 0);
	for (size_t i = 0; i < N; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%zu", i);
		cr_assert_eq(model_index_find(ix, items, n, key), i % 3 ? &objs[i] : NULL, "%s",
			     key);
	}
	cr_assert_null(model_index_find(ix, items, n, "k5000"));
	cr_assert_null(model_index_free(ix));
}
