/*
 * Tests for the flow cache's table (fcache.h) on its own: entries survive
 * the split into hot and cold halves, a key lives in one of its two sets
 * and at most once, victims are the entries least worth keeping, promotion
 * moves a guest into its primary set, and invalidation (with the epoch
 * counter's wrap) forgets everything.  The engine-level behaviour (results
 * equal with and without the cache) is test-fcache's.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "lib/engine/fcache.h"
#include "lib/util/util.h"

static struct fc_key rand_key(struct util_rng *rng)
{
	struct fc_key k;

	memset(&k, 0, sizeof(k));
	k.src = (uint32_t)util_rng_next(rng);
	k.dst = (uint32_t)util_rng_next(rng);
	k.sport = (uint16_t)util_rng_next(rng);
	k.dport = (uint16_t)util_rng_next(rng);
	k.proto = (uint8_t)util_rng_next(rng);
	k.icmp_type = (uint8_t)util_rng_next(rng);
	k.icmp_code = (uint8_t)util_rng_next(rng);
	k.point = (uint8_t)util_rng_next(rng);
	k.idx = (uint32_t)util_rng_below(rng, UINT16_MAX + 1u);
	return k;
}

/* An entry for k with every field random; at most one address rewritten. */
static struct fc_entry rand_entry(struct util_rng *rng, const struct fc_key *k)
{
	struct fc_entry e;
	unsigned rewrite = (unsigned)util_rng_below(rng, 3);

	memset(&e, 0, sizeof(e));
	e.key = *k;
	e.out_src = rewrite == 1 ? k->src ^ 0x01020304u : k->src;
	e.out_dst = rewrite == 2 ? k->dst ^ 0x0a0b0c0du : k->dst;
	e.to_idx = (uint16_t)util_rng_next(rng);
	e.verdict = (uint8_t)util_rng_below(rng, 4);
	e.drop = (uint8_t)util_rng_below(rng, 30);
	e.to_point = (uint8_t)util_rng_below(rng, 4);
	e.n_ops = (uint8_t)util_rng_below(rng, FC_OPS_MAX + 1);
	e.n_sg = (uint8_t)util_rng_below(rng, FC_SG_MAX + 1);
	e.flags = (uint8_t)(util_rng_below(rng, 4) & (FC_E_SG_TERMINAL | FC_E_TCP_PAIR));
	if (util_rng_below(rng, 2))
		e.flags |= FC_E_PLAIN;
	for (unsigned i = 0; i < FC_SG_MAX; i++)
		e.hint[i] = i < e.n_sg ? (uint32_t)util_rng_below(rng, 1u << 20) : UINT32_MAX;
	for (unsigned i = 0; i < FC_OPS_MAX; i++)
		e.ops[i] = (struct fc_op){(uint16_t)util_rng_next(rng), (uint8_t)util_rng_next(rng),
					  (uint8_t)util_rng_next(rng)};
	return e;
}

static void expect_same(const struct fc_entry *got, const struct fc_entry *want)
{
	cr_assert_eq(memcmp(&got->key, &want->key, sizeof(want->key)), 0, "key");
	cr_assert_eq(got->out_src, want->out_src);
	cr_assert_eq(got->out_dst, want->out_dst);
	cr_assert_eq(got->to_idx, want->to_idx);
	cr_assert_eq(got->verdict, want->verdict);
	cr_assert_eq(got->drop, want->drop);
	cr_assert_eq(got->to_point, want->to_point);
	cr_assert_eq(got->n_ops, want->n_ops);
	cr_assert_eq(got->n_sg, want->n_sg);
	/* The table's own bits (which address out_addr replaces) aside. */
	cr_assert_eq(got->flags & (uint8_t) ~(FC_E_OUT_SRC | FC_E_OUT_DST), want->flags);
	cr_assert_eq(memcmp(got->hint, want->hint, sizeof(want->hint)), 0, "hints");
	cr_assert_eq(memcmp(got->ops, want->ops, sizeof(want->ops)), 0, "ops");
}

static struct fc_hot *put(struct fcache *c, const struct fc_key *k, const struct fc_entry *e)
{
	struct fc_hot *h = fcache_slot(c, k);

	fcache_fill(c, h, k, e);
	return h;
}

static struct fc_set *primary(const struct fcache *c, const struct fc_key *k)
{
	uint64_t a, b;

	memcpy(&a, &k->src, 8);
	memcpy(&b, &k->sport, 8);
	return fcache_set_words(c, a, b, k->idx);
}

static struct fc_set *alternative(const struct fcache *c, const struct fc_key *k)
{
	uint64_t a, b;

	memcpy(&a, &k->src, 8);
	memcpy(&b, &k->sport, 8);
	return fcache_alt_words(c, a, b, k->idx);
}

static bool in_set(const struct fc_hot *h, const struct fc_set *s)
{
	return h == &s->hot[0] || h == &s->hot[1];
}

/* A random key whose two sets differ, and (when p is not NULL) whose primary set is p. */
static struct fc_key key_with(struct util_rng *rng, const struct fcache *c, const struct fc_set *p)
{
	for (;;) {
		struct fc_key k = rand_key(rng);

		if (primary(c, &k) != alternative(c, &k) && (!p || primary(c, &k) == p))
			return k;
	}
}

Test(fcache_table, entries_round_trip_through_their_halves)
{
	struct fcache *c = fcache_new(1024, 7);
	struct util_rng rng;

	cr_assert_not_null(c);
	util_rng_seed(&rng, 1);
	for (int n = 0; n < 2000; n++) {
		struct fc_key k = rand_key(&rng);
		struct fc_entry e = rand_entry(&rng, &k), got;
		struct fc_hot *h;

		cr_assert(fcache_fits(&k, &e));
		h = put(c, &k, &e);
		cr_assert_eq(fcache_lookup(c, &k), h);
		fcache_load(h, &got);
		expect_same(&got, &e);
		/* The halves of one entry share its set; its number names it. */
		cr_assert_eq((uintptr_t)h / sizeof(struct fc_set),
			     (uintptr_t)fcache_cold(h) / sizeof(struct fc_set));
		cr_assert_eq(fcache_at(c, fcache_index(c, h)), h);
		cr_assert_lt(fcache_index(c, h), c->n_entries);
		/* A filled entry holds no lease, whatever its source said. */
		cr_assert_eq(h->flags & FC_E_LEASED, 0);
	}
	fcache_free(c);
}

Test(fcache_table, fits_refuses_what_the_halves_cannot_hold)
{
	struct util_rng rng;
	struct fc_key k;
	struct fc_entry e;

	util_rng_seed(&rng, 2);
	k = rand_key(&rng);
	e = rand_entry(&rng, &k);
	e.out_src = k.src;
	e.out_dst = k.dst;
	cr_assert(fcache_fits(&k, &e));
	e.out_src = k.src + 1;
	cr_assert(fcache_fits(&k, &e));
	e.out_dst = k.dst + 1;
	cr_assert_not(fcache_fits(&k, &e), "both addresses rewritten");
	e.out_src = k.src;
	e.out_dst = k.dst;
	k.idx = UINT16_MAX;
	cr_assert(fcache_fits(&k, &e));
	k.idx = UINT16_MAX + 1u;
	cr_assert_not(fcache_fits(&k, &e), "an index past 16 bits");
}

/*
 * Every set's guests count is the number of ways holding, as guests (of any
 * epoch), keys whose primary set it is; a valid key outside its primary set
 * is a guest there.  (A count never saturates in these small tables.)
 */
static void check_guests(const struct fcache *c)
{
	size_t n_sets = c->n_entries / FC_WAYS;

	for (size_t s = 0; s < n_sets; s++) {
		unsigned n = 0;

		for (uint32_t r = 0; r < c->n_entries; r++) {
			const struct fc_hot *h = fcache_at(c, r);

			if ((h->flags & FC_E_GUEST) &&
			    fcache_set_words(c, h->a, h->b, h->idx) == &c->sets[s])
				n++;
		}
		cr_assert_eq(c->sets[s].hot[0].guests, n, "set %zu counts %u guests, holds %u", s,
			     c->sets[s].hot[0].guests, n);
	}
	for (uint32_t r = 0; r < c->n_entries; r++) {
		const struct fc_hot *h = fcache_at(c, r);
		const struct fc_set *p = fcache_set_words(c, h->a, h->b, h->idx);

		if (h->epoch == c->epoch && h != &p->hot[0] && h != &p->hot[1])
			cr_assert(h->flags & FC_E_GUEST, "entry %u is a guest", r);
	}
}

/*
 * Many keys through a small table: a key just filled is found with what was
 * filled; whatever is found is the key's last fill; a key is in one of its
 * two sets and in at most one way.
 */
Test(fcache_table, a_key_lives_once_in_one_of_its_two_sets)
{
	enum { KEYS = 300 };
	struct fcache *c = fcache_new(64, 3);
	struct fc_key keys[KEYS];
	struct fc_entry last[KEYS];
	struct util_rng rng;
	unsigned found = 0;

	cr_assert_not_null(c);
	util_rng_seed(&rng, 3);
	for (int i = 0; i < KEYS; i++) {
		keys[i] = rand_key(&rng);
		memset(&last[i], 0, sizeof(last[i]));
	}
	for (int step = 0; step < 20000; step++) {
		int i = (int)util_rng_below(&rng, KEYS);
		struct fc_hot *h;
		struct fc_entry got;

		if (util_rng_below(&rng, 3) == 0) {
			last[i] = rand_entry(&rng, &keys[i]);
			h = put(c, &keys[i], &last[i]);
			cr_assert_eq(fcache_lookup(c, &keys[i]), h);
		}
		if (util_rng_below(&rng, 50) == 0) {
			struct fc_hot *x = fcache_at(c, (uint32_t)util_rng_below(&rng, 64));

			if (x->epoch == c->epoch) /* (a valid entry) */
				(void)fcache_promote(c, x);
		}
		if (step % 100 == 0)
			check_guests(c);
		if (step % 1000 == 0)
			fcache_invalidate(c); /* stale guests still count until overwritten */
		h = fcache_lookup(c, &keys[i]);
		if (!h)
			continue;
		found++;
		cr_assert(in_set(h, primary(c, &keys[i])) || in_set(h, alternative(c, &keys[i])));
		fcache_load(h, &got);
		expect_same(&got, &last[i]);
		for (uint32_t r = 0, n = 0; r < c->n_entries; r++) {
			const struct fc_hot *x = fcache_at(c, r);

			if (x->epoch == c->epoch && x->idx == keys[i].idx &&
			    memcmp(&x->a, &keys[i].src, 8) == 0 &&
			    memcmp(&x->b, &keys[i].sport, 8) == 0)
				cr_assert_leq(++n, 1, "key %d held twice", i);
		}
	}
	check_guests(c);
	cr_assert_gt(found, 1000, "the test looked up filled keys (%u)", found);
	fcache_free(c);
}

/* Fill a way of set p with a new key whose primary set is p, and return it. */
static struct fc_hot *fill_in(struct util_rng *rng, struct fcache *c, struct fc_set *p,
			      struct fc_key *ret_key)
{
	struct fc_key k = key_with(rng, c, p);
	struct fc_entry e = rand_entry(rng, &k);

	*ret_key = k;
	return put(c, &k, &e);
}

Test(fcache_table, victims_are_the_least_worth_keeping)
{
	struct fcache *c = fcache_new(64, 4);
	struct util_rng rng;

	cr_assert_not_null(c);
	util_rng_seed(&rng, 4);
	for (int round = 0; round < 200; round++) {
		struct fc_key k = key_with(&rng, c, NULL), other[4];
		struct fc_set *p = primary(c, &k), *q = alternative(c, &k);
		struct fc_hot *way[4];
		struct fc_entry e = rand_entry(&rng, &k);
		unsigned spared = (unsigned)util_rng_below(&rng, 5); /* 4: every way leased */
		struct fc_hot *h;

		fcache_invalidate(c);
		way[0] = fill_in(&rng, c, p, &other[0]);
		way[1] = fill_in(&rng, c, p, &other[1]);
		way[2] = fill_in(&rng, c, q, &other[2]);
		way[3] = fill_in(&rng, c, q, &other[3]);
		cr_assert(in_set(way[0], p) && in_set(way[1], p) && way[0] != way[1]);
		cr_assert(in_set(way[2], q) && in_set(way[3], q) && way[2] != way[3]);
		/* Every way leased but `spared`; the leases' last packets in random order. */
		for (unsigned w = 0; w < 4; w++) {
			if (w == spared)
				continue;
			way[w]->flags |= FC_E_LEASED;
			way[w]->lease_ms = 1000 + util_rng_below(&rng, 1000) * 4 + w;
		}
		h = fcache_slot(c, &k);
		if (spared < 4) {
			cr_assert_eq(h, way[spared], "the way without a lease is the victim");
		} else {
			struct fc_hot *oldest = way[0];

			for (unsigned w = 1; w < 4; w++)
				if (way[w]->lease_ms < oldest->lease_ms)
					oldest = way[w];
			cr_assert_eq(h, oldest, "the oldest lease is the victim");
		}
		for (unsigned w = 0; w < 4; w++)
			way[w]->flags &= (uint8_t)~FC_E_LEASED;
		fcache_fill(c, h, &k, &e);
		cr_assert_eq(fcache_lookup(c, &k), h);
	}
	fcache_free(c);
}

Test(fcache_table, promotion_moves_a_guest_into_its_primary_set)
{
	struct fcache *c = fcache_new(64, 5);
	struct util_rng rng;

	cr_assert_not_null(c);
	util_rng_seed(&rng, 5);
	for (int round = 0; round < 200; round++) {
		struct fc_key k = key_with(&rng, c, NULL), o0, o1;
		struct fc_set *p = primary(c, &k), *q = alternative(c, &k);
		struct fc_entry e = rand_entry(&rng, &k), got;
		struct fc_hot *w0, *w1, *h, *moved;
		uint32_t commits;
		bool lease_both = round % 3 == 0;

		fcache_invalidate(c);
		w0 = fill_in(&rng, c, p, &o0);
		w1 = fill_in(&rng, c, p, &o1);
		h = put(c, &k, &e);
		cr_assert(in_set(h, q), "the primary set full: the key goes to its alternative");
		cr_assert(h->flags & FC_E_GUEST);
		check_guests(c);
		w0->flags |= FC_E_LEASED;
		w0->lease_ms = 5;
		if (lease_both) {
			w1->flags |= FC_E_LEASED;
			w1->lease_ms = 6;
		}
		commits = c->commits;
		moved = fcache_promote(c, h);
		if (lease_both) {
			cr_assert_eq(moved, h, "both ways leased: it stays");
			cr_assert_eq(fcache_lookup(c, &k), h);
			continue;
		}
		cr_assert_eq(moved, w1, "the way without a lease takes it");
		cr_assert_not(moved->flags & FC_E_GUEST, "home: no longer a guest");
		check_guests(c);
		cr_assert_neq(c->commits, commits, "a move counts as a commit");
		cr_assert_eq(fcache_lookup(c, &k), moved);
		fcache_load(moved, &got);
		expect_same(&got, &e);
		cr_assert_null(fcache_lookup(c, &o1), "the dropped entry is gone");
		cr_assert_eq(fcache_lookup(c, &o0), w0, "the leased one stays");
		cr_assert_eq(fcache_promote(c, moved), moved, "in its primary set: stays");
	}
	fcache_free(c);
}

Test(fcache_table, invalidation_forgets_everything_across_the_epoch_wrap)
{
	struct fcache *c = fcache_new(16, 6);
	struct util_rng rng;
	struct fc_key k[8];
	unsigned clears = 0;

	cr_assert_not_null(c);
	util_rng_seed(&rng, 6);
	for (int i = 0; i < 8; i++) {
		struct fc_entry e;

		k[i] = rand_key(&rng);
		e = rand_entry(&rng, &k[i]);
		put(c, &k[i], &e);
	}
	for (uint32_t n = 0; n < 70000; n++) {
		bool clears_next = fcache_invalidate_clears(c);
		struct fc_entry e;

		fcache_invalidate(c);
		clears += clears_next;
		if (clears_next) {
			/* Cleared: nothing holds a key, of any epoch. */
			for (uint32_t r = 0; r < c->n_entries; r++)
				cr_assert_eq(fcache_at(c, r)->epoch, 0);
		}
		cr_assert_neq(c->epoch, 0, "epoch 0 marks an invalid entry");
		for (int i = 0; i < 8; i++)
			cr_assert_null(fcache_lookup(c, &k[i]), "after %u invalidations", n + 1);
		if (n % 997 == 0 || clears_next) {
			int i = (int)util_rng_below(&rng, 8);

			e = rand_entry(&rng, &k[i]);
			cr_assert_eq(fcache_lookup(c, &k[i]), NULL);
			cr_assert_eq(put(c, &k[i], &e), fcache_lookup(c, &k[i]));
		}
	}
	cr_assert_eq(clears, 1, "the 16-bit epoch wrapped once in 70,000 invalidations");
	fcache_free(c);
}
