/*
 * Tests for nacl: the behaviours of vpc-semantics.md section 4 (ascending
 * order, first match wins, final deny, destination port ranges, ICMP type and
 * code, protocols that ignore ports, limits) and a differential test against
 * an oracle that scans an unsorted copy of the rules and picks the
 * lowest-numbered matching rule.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/engine/nacl.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define IP(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define TCP  6
#define UDP  17
#define ICMP 1

static struct nacl_rule rule(uint16_t number, bool allow, uint32_t addr, uint8_t len,
			     int16_t protocol, uint16_t lo, uint16_t hi)
{
	struct nacl_rule r;

	memset(&r, 0, sizeof(r));
	r.number = number;
	r.allow = allow;
	r.addr = addr;
	r.len = len;
	r.protocol = protocol;
	r.port_lo = lo;
	r.port_hi = hi;
	r.icmp_type = -1;
	r.icmp_code = -1;
	r.tag = number * 10u;
	return r;
}

static struct nacl_rule icmp_rule(uint16_t number, bool allow, int16_t type, int16_t code)
{
	struct nacl_rule r = rule(number, allow, 0, 0, ICMP, 0, 0);

	r.icmp_type = type;
	r.icmp_code = code;
	return r;
}

static struct nacl *build_ok(const struct nacl_rule *rules, size_t n)
{
	struct nacl *acl = NULL;
	int r = nacl_build(rules, n, &acl);

	cr_assert_eq(r, 0, "nacl_build: %d", r);
	cr_assert_not_null(acl);
	return acl;
}

Test(nacl, first_match_wins_in_ascending_order)
{
	/* Given out of order: 200 allows SSH from anywhere, 100 denies 10/8. */
	struct nacl_rule rules[] = {
	    rule(200, true, 0, 0, TCP, 22, 22),
	    rule(100, false, IP(10, 0, 0, 0), 8, -1, 0, 0),
	    rule(300, true, 0, 0, -1, 0, 0),
	};
	struct nacl *acl = build_ok(rules, ARRAY_SIZE(rules));
	int idx = 99;

	cr_assert_eq(nacl_rule_at(acl, 0)->number, 100);
	cr_assert_eq(nacl_rule_at(acl, 1)->number, 200);
	cr_assert_eq(nacl_rule_at(acl, 2)->number, 300);
	cr_assert_not(nacl_eval(acl, IP(10, 1, 2, 3), TCP, 22, 0, 0, &idx));
	cr_assert_eq(idx, 0);
	cr_assert_eq(nacl_rule_at(acl, idx)->tag, 1000);
	cr_assert(nacl_eval(acl, IP(11, 1, 2, 3), TCP, 22, 0, 0, &idx));
	cr_assert_eq(idx, 1);
	cr_assert(nacl_eval(acl, IP(11, 1, 2, 3), TCP, 23, 0, 0, &idx));
	cr_assert_eq(idx, 2);
	nacl_free(acl);
}

Test(nacl, final_rule_denies)
{
	struct nacl_rule rules[] = {rule(100, true, IP(192, 168, 0, 0), 16, TCP, 443, 443)};
	struct nacl *empty = build_ok(NULL, 0), *acl = build_ok(rules, 1);
	int idx = 99;

	/* A custom NACL has only the "*" rule: it denies everything. */
	cr_assert_not(nacl_eval(empty, IP(1, 2, 3, 4), TCP, 80, 0, 0, &idx));
	cr_assert_eq(idx, -1);
	cr_assert_eq(nacl_rule_count(empty), 0);
	cr_assert_null(nacl_rule_at(empty, 0));
	cr_assert_null(nacl_rule_at(empty, -1));

	idx = 99;
	cr_assert_not(nacl_eval(acl, IP(192, 168, 1, 1), TCP, 80, 0, 0, &idx));
	cr_assert_eq(idx, -1);
	cr_assert_not(nacl_eval(acl, IP(192, 169, 0, 0), TCP, 443, 0, 0, &idx));
	cr_assert_eq(idx, -1);
	cr_assert(nacl_eval(acl, IP(192, 168, 255, 255), TCP, 443, 0, 0, NULL));
	nacl_free(empty);
	nacl_free(acl);
}

Test(nacl, default_nacl_allows_all_ipv4)
{
	struct nacl_rule rules[] = {rule(100, true, 0, 0, -1, 0, 0)};
	struct nacl *acl = build_ok(rules, 1);
	int idx;

	cr_assert(nacl_eval(acl, 0, 0, 0, 0, 0, &idx));
	cr_assert_eq(idx, 0);
	cr_assert(nacl_eval(acl, UINT32_MAX, TCP, 65535, 0, 0, &idx));
	cr_assert(nacl_eval(acl, IP(8, 8, 8, 8), ICMP, 0, 8, 0, &idx));
	cr_assert(nacl_eval(acl, IP(8, 8, 8, 8), 47, 0, 0, 0, &idx));
	nacl_free(acl);
}

Test(nacl, port_range_is_the_destination_port_and_inclusive)
{
	/* Ephemeral-port rule as the docs recommend for replies. */
	struct nacl_rule rules[] = {rule(100, true, 0, 0, TCP, 1024, 65535),
				    rule(110, true, 0, 0, UDP, 53, 53)};
	struct nacl *acl = build_ok(rules, ARRAY_SIZE(rules));

	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), TCP, 1023, 0, 0, NULL));
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), TCP, 1024, 0, 0, NULL));
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), TCP, 65535, 0, 0, NULL));
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), UDP, 1024, 0, 0, NULL),
		      "tcp rule, udp packet");
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), UDP, 53, 0, 0, NULL));
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), UDP, 54, 0, 0, NULL));
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), UDP, 52, 0, 0, NULL));
	nacl_free(acl);
}

Test(nacl, other_protocols_ignore_ports)
{
	/* GRE (47) with a port range set: the range is ignored. */
	struct nacl_rule rules[] = {rule(100, true, 0, 0, 47, 5, 6)};
	struct nacl *acl = build_ok(rules, 1);

	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), 47, 0, 0, 0, NULL));
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), 47, 9999, 0, 0, NULL));
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), 50, 5, 0, 0, NULL));
	nacl_free(acl);
}

Test(nacl, icmp_type_and_code)
{
	/* PMTUD (type 3 code 4) allowed, other type 3 denied, echo any code, rest denied. */
	struct nacl_rule rules[] = {
	    icmp_rule(100, true, 3, 4),	     icmp_rule(110, false, 3, -1),
	    icmp_rule(120, true, 8, -1),     icmp_rule(130, false, -1, -1),
	    rule(140, true, 0, 0, -1, 0, 0),
	};
	struct nacl *acl = build_ok(rules, ARRAY_SIZE(rules));
	int idx;

	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), ICMP, 0, 3, 4, &idx));
	cr_assert_eq(idx, 0);
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), ICMP, 0, 3, 3, &idx));
	cr_assert_eq(idx, 1);
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), ICMP, 0, 8, 0, &idx));
	cr_assert_eq(idx, 2);
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), ICMP, 0, 8, 255, &idx));
	cr_assert_eq(idx, 2);
	cr_assert_not(nacl_eval(acl, IP(1, 1, 1, 1), ICMP, 0, 0, 0, &idx));
	cr_assert_eq(idx, 3);
	/* The icmp rules do not catch tcp, whatever the port. */
	cr_assert(nacl_eval(acl, IP(1, 1, 1, 1), TCP, (3 << 8) | 4, 0, 0, &idx));
	cr_assert_eq(idx, 4);
	nacl_free(acl);
}

Test(nacl, bad_input_and_limits)
{
	struct nacl_rule rules[NACL_MAX_RULES + 1];
	struct nacl *acl = (struct nacl *)0x1;
	struct nacl_rule r;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		rules[i] = rule((uint16_t)(i + 1), true, 0, 0, -1, 0, 0);
	cr_assert_eq(nacl_build(rules, NACL_MAX_RULES + 1, &acl), -E2BIG);
	rules[5].number = 3;
	cr_assert_eq(nacl_build(rules, NACL_MAX_RULES, &acl), -EINVAL, "duplicate numbers");
	rules[5].number = 6;
	r = rule(0, true, 0, 0, -1, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "rule number 0");
	r = rule(32767, true, 0, 0, -1, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "rule number 32767 is reserved");
	r = rule(1, true, IP(10, 0, 0, 1), 8, -1, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "host bits");
	r = rule(1, true, 0, 33, -1, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "len 33");
	r = rule(1, true, 0, 0, 256, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "protocol 256");
	r = rule(1, true, 0, 0, -2, 0, 0);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "protocol -2");
	r = rule(1, true, 0, 0, TCP, 100, 99);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "lo > hi");
	r = icmp_rule(1, true, 256, -1);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "icmp type 256");
	r = icmp_rule(1, true, 3, -2);
	cr_assert_eq(nacl_build(&r, 1, &acl), -EINVAL, "icmp code -2");
	cr_assert_eq(nacl_build(NULL, 1, &acl), -EINVAL);
	cr_assert_eq(acl, (struct nacl *)0x1, "ret written on failure");
	cr_assert_eq(nacl_build(rules, 0, NULL), -EINVAL);

	acl = build_ok(rules, NACL_MAX_RULES);
	cr_assert_eq(nacl_rule_count(acl), NACL_MAX_RULES);
	cr_assert_null(nacl_rule_at(acl, NACL_MAX_RULES));
	cr_assert_eq(nacl_rule_at(acl, NACL_MAX_RULES - 1)->number, NACL_MAX_RULES);
	cr_assert_null(nacl_free(acl));
	cr_assert_null(nacl_free(NULL));
	cr_assert_eq(nacl_rule_count(NULL), 0);
}

/* The oracle: the lowest-numbered matching rule of the unsorted input, restated plainly. */
static bool oracle_matches(const struct nacl_rule *r, uint32_t addr, uint8_t protocol,
			   uint16_t dport, uint8_t type, uint8_t code)
{
	if (r->len > 0 && (addr >> (32 - r->len)) != (r->addr >> (32 - r->len)))
		return false;
	if (r->protocol == -1)
		return true;
	if (r->protocol != protocol)
		return false;
	if (protocol == TCP || protocol == UDP)
		return dport >= r->port_lo && dport <= r->port_hi;
	if (protocol == ICMP) {
		if (r->icmp_type == -1)
			return true;
		if (r->icmp_type != type)
			return false;
		return r->icmp_code == -1 || r->icmp_code == code;
	}
	return true;
}

static const struct nacl_rule *oracle_eval(const struct nacl_rule *rules, size_t n, uint32_t addr,
					   uint8_t protocol, uint16_t dport, uint8_t type,
					   uint8_t code)
{
	const struct nacl_rule *best = NULL;

	for (size_t i = 0; i < n; i++)
		if (oracle_matches(&rules[i], addr, protocol, dport, type, code) &&
		    (!best || rules[i].number < best->number))
			best = &rules[i];
	return best;
}

static const uint8_t protos[] = {TCP, UDP, ICMP, 47, 50, 0, 255};

static struct nacl_rule random_rule(struct util_rng *rng, uint16_t number)
{
	struct nacl_rule r;
	uint32_t p = (uint32_t)util_rng_below(rng, 10);

	memset(&r, 0, sizeof(r));
	r.number = number;
	r.allow = util_rng_below(rng, 2);
	r.len = (uint8_t)util_rng_below(rng, 4) == 0 ? 0 : (uint8_t)util_rng_below(rng, 33);
	/* Addresses from a small pool so rules overlap often. */
	r.addr = (IP(10, 0, 0, 0) | (uint32_t)util_rng_below(rng, 1 << 12)) & net_mask4(r.len);
	r.protocol = p < 3 ? -1 : protos[util_rng_below(rng, ARRAY_SIZE(protos))];
	r.port_lo = (uint16_t)util_rng_below(rng, 65536);
	r.port_hi = (uint16_t)(r.port_lo + util_rng_below(rng, 65536 - r.port_lo));
	if (util_rng_below(rng, 3) == 0) {
		r.port_lo = (uint16_t)util_rng_below(rng, 100);
		r.port_hi = (uint16_t)(r.port_lo + util_rng_below(rng, 10));
	}
	r.icmp_type = (int16_t)((int)util_rng_below(rng, 6) - 1);
	r.icmp_code = (int16_t)((int)util_rng_below(rng, 4) - 1);
	r.tag = (uint32_t)util_rng_next(rng);
	return r;
}

Test(nacl, differential_against_unsorted_oracle)
{
	struct util_rng rng;
	size_t decided_by_rule = 0, checked = 0;

	util_rng_seed(&rng, 0xac1);
	for (size_t round = 0; round < 400; round++) {
		size_t n = (size_t)util_rng_below(&rng, NACL_MAX_RULES + 1);
		struct nacl_rule rules[NACL_MAX_RULES];
		struct nacl *acl;

		for (size_t i = 0; i < n; i++) {
			bool dup;
			uint16_t num;

			do {
				/* Small or full-range numbers; no duplicates. */
				num = (uint16_t)(1 + util_rng_below(&rng, round % 2 ? 100 : 32766));
				dup = false;
				for (size_t k = 0; k < i; k++)
					dup |= rules[k].number == num;
			} while (dup);
			rules[i] = random_rule(&rng, num);
		}
		acl = build_ok(rules, n);
		cr_assert_eq(nacl_rule_count(acl), n);
		for (size_t k = 0; k < 500; k++) {
			uint32_t addr = IP(10, 0, 0, 0) | (uint32_t)util_rng_below(&rng, 1 << 12);
			uint8_t proto = protos[util_rng_below(&rng, ARRAY_SIZE(protos))];
			uint16_t dport = (uint16_t)util_rng_below(&rng, 65536);
			uint8_t type = (uint8_t)util_rng_below(&rng, 5);
			uint8_t code = (uint8_t)util_rng_below(&rng, 3);
			const struct nacl_rule *want;
			int idx = 12345;
			bool got;

			if (k % 5 == 0)
				addr = (uint32_t)util_rng_next(&rng);
			if (n > 0 && k % 2 == 0) {
				/* Probe a rule's port boundaries. */
				const struct nacl_rule *b = &rules[util_rng_below(&rng, n)];
				uint16_t edges[] = {b->port_lo, b->port_hi,
						    (uint16_t)(b->port_lo - 1),
						    (uint16_t)(b->port_hi + 1)};

				dport = edges[util_rng_below(&rng, 4)];
			}
			want = oracle_eval(rules, n, addr, proto, dport, type, code);
			got = nacl_eval(acl, addr, proto, dport, type, code, &idx);
			if (!want) {
				cr_assert_not(got);
				cr_assert_eq(idx, -1);
			} else {
				cr_assert_eq(got, want->allow, "round %zu probe %zu", round, k);
				cr_assert_geq(idx, 0);
				cr_assert_eq(nacl_rule_at(acl, idx)->number, want->number,
					     "round %zu probe %zu: rule %u, oracle %u", round, k,
					     nacl_rule_at(acl, idx)->number, want->number);
				cr_assert_eq(nacl_rule_at(acl, idx)->tag, want->tag);
				decided_by_rule++;
			}
			checked++;
		}
		nacl_free(acl);
	}
	cr_assert_eq(checked, 400 * 500);
	/* Both outcomes are exercised. */
	cr_assert_gt(decided_by_rule, checked / 10);
	cr_assert_lt(decided_by_rule, checked);
}
