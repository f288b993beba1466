/*
 * Tests for lpm: documented behaviours (longest prefix wins, last duplicate
 * wins, /0 and /32, limits and bad input) and a differential test against a
 * deliberately linear oracle on random, nested route sets, probing random
 * addresses and every prefix's first and last address and their neighbours.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/engine/lpm.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define IP(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The oracle: scan everything, longest length wins, later entry wins a tie. */
static int oracle_lookup(const struct lpm4_entry *e, size_t n, uint32_t addr, uint32_t *ret_value)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if ((addr & net_mask4(e[i].len)) != e[i].prefix)
			continue;
		if (best < 0 || e[i].len >= e[best].len)
			best = (int)i;
	}
	if (best < 0)
		return 0;
	*ret_value = e[best].value;
	return 1;
}

static struct lpm4 *build_ok(const struct lpm4_entry *e, size_t n)
{
	struct lpm4 *t = NULL;
	int r = lpm4_build(e, n, &t);

	cr_assert_eq(r, 0, "lpm4_build: %d", r);
	cr_assert_not_null(t);
	return t;
}

static uint32_t must_find(const struct lpm4 *t, uint32_t addr)
{
	uint32_t v = 0xdeadbeef;

	cr_assert_eq(lpm4_lookup(t, addr, &v), 1, "no match for %08x", addr);
	return v;
}

Test(lpm, longest_prefix_wins)
{
	struct lpm4_entry e[] = {
	    {IP(10, 1, 2, 3), 32, 4},
	    {IP(10, 0, 0, 0), 8, 1},
	    {IP(10, 1, 2, 0), 24, 3},
	    {IP(10, 1, 0, 0), 16, 2},
	};
	struct lpm4 *t = build_ok(e, ARRAY_SIZE(e));

	cr_assert_eq(must_find(t, IP(10, 1, 2, 3)), 4);
	cr_assert_eq(must_find(t, IP(10, 1, 2, 4)), 3);
	cr_assert_eq(must_find(t, IP(10, 1, 2, 2)), 3);
	cr_assert_eq(must_find(t, IP(10, 1, 3, 0)), 2);
	cr_assert_eq(must_find(t, IP(10, 1, 255, 255)), 2);
	cr_assert_eq(must_find(t, IP(10, 2, 0, 0)), 1);
	cr_assert_eq(must_find(t, IP(10, 255, 255, 255)), 1);
	cr_assert_eq(lpm4_lookup(t, IP(11, 0, 0, 0), NULL), 0);
	cr_assert_eq(lpm4_lookup(t, IP(9, 255, 255, 255), NULL), 0);
	lpm4_free(t);
}

Test(lpm, empty_table_matches_nothing)
{
	struct lpm4 *t = build_ok(NULL, 0);
	uint32_t v = 77;

	cr_assert_eq(lpm4_lookup(t, 0, &v), 0);
	cr_assert_eq(lpm4_lookup(t, UINT32_MAX, &v), 0);
	cr_assert_eq(lpm4_lookup(t, IP(10, 0, 0, 1), &v), 0);
	cr_assert_eq(v, 77, "ret_value written on a miss");
	lpm4_free(t);
}

Test(lpm, default_route_matches_every_address)
{
	struct lpm4_entry e[] = {{0, 0, 9}, {IP(172, 31, 0, 0), 16, 5}};
	struct lpm4 *t = build_ok(e, ARRAY_SIZE(e));

	cr_assert_eq(must_find(t, 0), 9);
	cr_assert_eq(must_find(t, UINT32_MAX), 9);
	cr_assert_eq(must_find(t, IP(172, 30, 255, 255)), 9);
	cr_assert_eq(must_find(t, IP(172, 31, 0, 0)), 5);
	cr_assert_eq(must_find(t, IP(172, 31, 255, 255)), 5);
	cr_assert_eq(must_find(t, IP(172, 32, 0, 0)), 9);
	lpm4_free(t);
}

Test(lpm, host_routes_at_the_edges_of_the_address_space)
{
	struct lpm4_entry e[] = {{0, 32, 1}, {UINT32_MAX, 32, 2}, {IP(128, 0, 0, 0), 1, 3}};
	struct lpm4 *t = build_ok(e, ARRAY_SIZE(e));

	cr_assert_eq(must_find(t, 0), 1);
	cr_assert_eq(lpm4_lookup(t, 1, NULL), 0);
	cr_assert_eq(lpm4_lookup(t, IP(127, 255, 255, 255), NULL), 0);
	cr_assert_eq(must_find(t, IP(128, 0, 0, 0)), 3);
	cr_assert_eq(must_find(t, UINT32_MAX - 1), 3);
	cr_assert_eq(must_find(t, UINT32_MAX), 2);
	lpm4_free(t);
}

Test(lpm, last_duplicate_wins)
{
	struct lpm4_entry e[] = {
	    {IP(10, 0, 0, 0), 16, 1},
	    {IP(10, 0, 0, 0), 24, 7},
	    {IP(10, 0, 0, 0), 16, 2},
	    {IP(10, 0, 0, 0), 16, 3},
	};
	struct lpm4 *t = build_ok(e, ARRAY_SIZE(e));

	cr_assert_eq(must_find(t, IP(10, 0, 1, 0)), 3);
	cr_assert_eq(must_find(t, IP(10, 0, 0, 9)), 7);
	lpm4_free(t);
}

Test(lpm, equal_values_in_adjacent_ranges_stay_correct)
{
	/* A child with its parent's value, and siblings that touch. */
	struct lpm4_entry e[] = {
	    {IP(10, 0, 0, 0), 8, 1},
	    {IP(10, 1, 0, 0), 16, 1},
	    {IP(10, 2, 0, 0), 16, 2},
	    {IP(10, 3, 0, 0), 16, 2},
	};
	struct lpm4 *t = build_ok(e, ARRAY_SIZE(e));

	cr_assert_eq(must_find(t, IP(10, 0, 255, 255)), 1);
	cr_assert_eq(must_find(t, IP(10, 1, 0, 0)), 1);
	cr_assert_eq(must_find(t, IP(10, 2, 0, 0)), 2);
	cr_assert_eq(must_find(t, IP(10, 3, 255, 255)), 2);
	cr_assert_eq(must_find(t, IP(10, 4, 0, 0)), 1);
	lpm4_free(t);
}

Test(lpm, bad_input_is_rejected)
{
	struct lpm4 *t = (struct lpm4 *)0x1;
	struct lpm4_entry bad_len = {0, 33, 0};
	struct lpm4_entry host_bits = {IP(10, 0, 0, 1), 24, 0};
	struct lpm4_entry *many = calloc(LPM4_MAX_ENTRIES + 1, sizeof(*many));

	cr_assert_not_null(many);
	cr_assert_eq(lpm4_build(&bad_len, 1, &t), -EINVAL);
	cr_assert_eq(lpm4_build(&host_bits, 1, &t), -EINVAL);
	cr_assert_eq(lpm4_build(NULL, 1, &t), -EINVAL);
	cr_assert_eq(lpm4_build(&host_bits, 0, NULL), -EINVAL);
	for (size_t i = 0; i <= LPM4_MAX_ENTRIES; i++)
		many[i] = (struct lpm4_entry){(uint32_t)i << 8, 24, (uint32_t)i};
	cr_assert_eq(lpm4_build(many, LPM4_MAX_ENTRIES + 1, &t), -E2BIG);
	cr_assert_eq(t, (struct lpm4 *)0x1, "ret_table written on failure");
	/* Exactly at the limit is fine. */
	t = build_ok(many, LPM4_MAX_ENTRIES);
	cr_assert_eq(must_find(t, (uint32_t)(LPM4_MAX_ENTRIES - 1) << 8 | 0x7f),
		     LPM4_MAX_ENTRIES - 1);
	lpm4_free(t);
	free(many);
}

Test(lpm, free_accepts_null_and_memory_is_reported)
{
	struct lpm4_entry e[] = {{IP(10, 0, 0, 0), 8, 1}};
	struct lpm4 *t = build_ok(e, 1);

	cr_assert_null(lpm4_free(NULL));
	cr_assert_eq(lpm4_memory(NULL), 0);
	cr_assert_gt(lpm4_memory(t), 0);
	cr_assert_lt(lpm4_memory(t), 4096, "a one-route table uses %zu bytes", lpm4_memory(t));
	cr_assert_null(lpm4_free(t));
}

Test(lpm, dense_host_routes_in_one_subnet)
{
	/*
	 * The shape of an ownership map: every other address of 10.0.0.0/19 as a
	 * /32 (4096 entries, the limit), plus the /16.  Checked exhaustively.
	 */
	struct lpm4_entry *e = calloc(LPM4_MAX_ENTRIES, sizeof(*e));
	struct lpm4 *t;
	size_t n = 0;

	cr_assert_not_null(e);
	e[n++] = (struct lpm4_entry){IP(10, 0, 0, 0), 16, 100000};
	for (uint32_t i = 1; n < LPM4_MAX_ENTRIES; i++)
		e[n++] = (struct lpm4_entry){IP(10, 0, 0, 0) + 2 * i, 32, i};
	t = build_ok(e, n);
	for (uint32_t a = IP(9, 255, 255, 0); a <= IP(10, 1, 0, 255); a++) {
		uint32_t want = 0, got = 0;
		int rw = oracle_lookup(e, n, a, &want), rg = lpm4_lookup(t, a, &got);

		cr_assert_eq(rg, rw, "addr %08x", a);
		if (rw)
			cr_assert_eq(got, want, "addr %08x: %u, oracle %u", a, got, want);
	}
	lpm4_free(t);
	free(e);
}

/* A random prefix: mostly nested inside an earlier one, sometimes fresh. */
static struct lpm4_entry random_entry(struct util_rng *rng, const struct lpm4_entry *prev,
				      size_t n_prev)
{
	struct lpm4_entry e;
	uint32_t r = (uint32_t)util_rng_below(rng, 10);

	if (n_prev > 0 && r < 5) {
		/* Nested in (or equal to) an earlier prefix. */
		const struct lpm4_entry *p = &prev[util_rng_below(rng, n_prev)];
		uint8_t extra = (uint8_t)util_rng_below(rng, 33 - p->len);

		e.len = (uint8_t)(p->len + extra);
		e.prefix = (p->prefix | ((uint32_t)util_rng_next(rng) & ~net_mask4(p->len))) &
			   net_mask4(e.len);
	} else {
		if (r == 5)
			e.len = 0;
		else if (r == 6)
			e.len = 32;
		else
			e.len = (uint8_t)util_rng_below(rng, 33);
		e.prefix = (uint32_t)util_rng_next(rng) & net_mask4(e.len);
	}
	e.value = (uint32_t)util_rng_below(rng, 8); /* few values: exercises merging */
	return e;
}

static void check_addr(const struct lpm4 *t, const struct lpm4_entry *e, size_t n, uint32_t addr)
{
	uint32_t want = 0, got = 0;
	int rw = oracle_lookup(e, n, addr, &want);
	int rg = lpm4_lookup(t, addr, &got);

	cr_assert_eq(rg, rw, "addr %08x: found %d, oracle %d (n=%zu)", addr, rg, rw, n);
	if (rw)
		cr_assert_eq(got, want, "addr %08x: value %u, oracle %u (n=%zu)", addr, got, want,
			     n);
}

Test(lpm, differential_against_linear_oracle)
{
	static const size_t sizes[] = {0, 1, 2, 3, 5, 8, 16, 50, 100, 300, 1000};
	struct util_rng rng;
	size_t rounds = 0;

	util_rng_seed(&rng, 0x5eed1a7e);
	for (size_t round = 0; round < 60; round++) {
		size_t n =
		    round < ARRAY_SIZE(sizes) ? sizes[round] : (size_t)util_rng_below(&rng, 1001);
		struct lpm4_entry *e = calloc(n ? n : 1, sizeof(*e));
		struct lpm4 *t;

		cr_assert_not_null(e);
		for (size_t i = 0; i < n; i++)
			e[i] = random_entry(&rng, e, i);
		/* Some rounds cluster everything in one /16, as a VPC does. */
		if (round % 4 == 3)
			for (size_t i = 0; i < n; i++)
				if (e[i].len >= 16)
					e[i].prefix = IP(10, 0, 0, 0) | (e[i].prefix & 0xffff);
		t = build_ok(e, n);
		for (size_t i = 0; i < n; i++) {
			uint32_t first = e[i].prefix,
				 last = net_cidr4_last((struct net_cidr4){e[i].prefix, e[i].len});

			check_addr(t, e, n, first);
			check_addr(t, e, n, last);
			check_addr(t, e, n, first - 1);
			check_addr(t, e, n, last + 1);
		}
		for (size_t k = 0; k < 3000; k++)
			check_addr(t, e, n, (uint32_t)util_rng_next(&rng));
		check_addr(t, e, n, 0);
		check_addr(t, e, n, UINT32_MAX);
		lpm4_free(t);
		free(e);
		rounds++;
	}
	cr_assert_eq(rounds, 60);
}
