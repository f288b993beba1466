/*
 * Tests for sgcls: the behaviours of vpc-semantics.md sections 3.1 and 3.4
 * (allow-only union of groups, -1 and other protocols ignore ports, ICMP
 * type/code, the 0.0.0.0/0 "wild" flag and the "allow all response traffic"
 * rule, limits) and a differential test against a deliberately linear oracle
 * on random rule sets, probing rule boundaries.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/engine/sgcls.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

#define IP(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define TCP  6
#define UDP  17
#define ICMP 1

static struct sgcls_rule rule(uint32_t addr, uint8_t len, int16_t protocol, uint16_t lo,
			      uint16_t hi, uint32_t tag)
{
	struct sgcls_rule r;

	memset(&r, 0, sizeof(r));
	r.addr = addr;
	r.len = len;
	r.protocol = protocol;
	r.lo = lo;
	r.hi = hi;
	r.tag = tag;
	return r;
}

static struct sgcls_rule icmp_rule(uint32_t addr, uint8_t len, int type, int code, uint32_t tag)
{
	struct sgcls_rule r = rule(addr, len, ICMP, 0, 0, tag);

	sgcls_icmp_range(type, code, &r.lo, &r.hi);
	return r;
}

static struct sgcls *build_ok(const struct sgcls_rule *rules, size_t n)
{
	struct sgcls *c = NULL;
	int r = sgcls_build(rules, n, &c);

	cr_assert_eq(r, 0, "sgcls_build: %d", r);
	cr_assert_not_null(c);
	return c;
}

Test(sgcls, no_rules_allow_nothing)
{
	struct sgcls *c = build_ok(NULL, 0);
	bool wild = true;
	uint32_t tag = 5;

	cr_assert_not(sgcls_match(c, IP(10, 0, 0, 1), TCP, 22, &wild));
	cr_assert_not(wild);
	cr_assert_not(sgcls_match(c, 0, 0, 0, NULL));
	cr_assert_eq(sgcls_explain(c, IP(10, 0, 0, 1), TCP, 22, &tag), 0);
	cr_assert_eq(tag, 5);
	cr_assert_not(sgcls_allows_all_response(c, TCP));
	cr_assert_eq(sgcls_rule_count(c), 0);
	sgcls_free(c);
}

Test(sgcls, allow_union_of_groups)
{
	/* Group A: SSH from 10/8; group B: HTTP from anywhere; group C: SSH from one host. */
	struct sgcls_rule rules[] = {
	    rule(IP(10, 0, 0, 0), 8, TCP, 22, 22, 1),
	    rule(0, 0, TCP, 80, 80, 2),
	    rule(IP(203, 0, 113, 7), 32, TCP, 22, 22, 3),
	};
	struct sgcls *c = build_ok(rules, ARRAY_SIZE(rules));
	uint32_t tag;

	cr_assert(sgcls_match(c, IP(10, 9, 9, 9), TCP, 22, NULL));
	cr_assert(sgcls_match(c, IP(203, 0, 113, 7), TCP, 22, NULL));
	cr_assert_not(sgcls_match(c, IP(203, 0, 113, 8), TCP, 22, NULL));
	cr_assert(sgcls_match(c, IP(203, 0, 113, 8), TCP, 80, NULL));
	cr_assert(sgcls_match(c, IP(10, 9, 9, 9), TCP, 80, NULL));
	cr_assert_not(sgcls_match(c, IP(10, 9, 9, 9), TCP, 443, NULL));
	cr_assert_not(sgcls_match(c, IP(10, 9, 9, 9), UDP, 22, NULL), "tcp rules, udp packet");
	cr_assert_eq(sgcls_explain(c, IP(203, 0, 113, 7), TCP, 22, &tag), 1);
	cr_assert_eq(tag, 3);
	cr_assert_eq(sgcls_rule_count(c), 3);
	sgcls_free(c);
}

Test(sgcls, all_protocols_rule_allows_every_port)
{
	/* The default outbound rule: -1 to 0.0.0.0/0. lo/hi are ignored. */
	struct sgcls_rule rules[] = {rule(0, 0, -1, 7, 7, 1)};
	struct sgcls *c = build_ok(rules, 1);
	bool wild = false;

	cr_assert(sgcls_match(c, IP(1, 2, 3, 4), TCP, 65535, &wild));
	cr_assert(wild);
	cr_assert(sgcls_match(c, IP(1, 2, 3, 4), UDP, 0, NULL));
	cr_assert(sgcls_match(c, IP(1, 2, 3, 4), ICMP, sgcls_icmp_key(8, 0), NULL));
	cr_assert(sgcls_match(c, IP(1, 2, 3, 4), 47, 0, NULL));
	cr_assert(sgcls_allows_all_response(c, TCP));
	cr_assert(sgcls_allows_all_response(c, 132));
	sgcls_free(c);
}

Test(sgcls, other_protocols_ignore_ports)
{
	struct sgcls_rule rules[] = {rule(IP(10, 0, 0, 0), 16, 47, 5, 6, 1),
				     rule(IP(10, 0, 0, 0), 16, TCP, 5, 6, 2)};
	struct sgcls *c = build_ok(rules, ARRAY_SIZE(rules));

	cr_assert(sgcls_match(c, IP(10, 0, 1, 1), 47, 0, NULL));
	cr_assert(sgcls_match(c, IP(10, 0, 1, 1), 47, 9999, NULL));
	cr_assert_not(sgcls_match(c, IP(10, 1, 1, 1), 47, 5, NULL));
	cr_assert_not(sgcls_match(c, IP(10, 0, 1, 1), 50, 5, NULL), "protocol 50 not named");
	cr_assert(sgcls_match(c, IP(10, 0, 1, 1), TCP, 6, NULL));
	cr_assert_not(sgcls_match(c, IP(10, 0, 1, 1), TCP, 7, NULL), "tcp keeps its range");
	sgcls_free(c);
}

Test(sgcls, icmp_type_and_code_ranges)
{
	uint16_t lo, hi;

	sgcls_icmp_range(-1, -1, &lo, &hi);
	cr_assert(lo == 0 && hi == 65535);
	sgcls_icmp_range(-1, 4, &lo, &hi);
	cr_assert(lo == 0 && hi == 65535, "type -1 means all codes too");
	sgcls_icmp_range(8, -1, &lo, &hi);
	cr_assert(lo == 0x0800 && hi == 0x08ff);
	sgcls_icmp_range(3, 4, &lo, &hi);
	cr_assert(lo == 0x0304 && hi == 0x0304);
	sgcls_icmp_range(256, -1, &lo, &hi);
	cr_assert_gt(lo, hi, "invalid type gives an empty range");
	sgcls_icmp_range(3, 256, &lo, &hi);
	cr_assert_gt(lo, hi, "invalid code gives an empty range");
	sgcls_icmp_range(-2, -1, &lo, &hi);
	cr_assert_gt(lo, hi);

	struct sgcls_rule rules[] = {icmp_rule(0, 0, 8, -1, 1), icmp_rule(0, 0, 3, 4, 2)};
	struct sgcls *c = build_ok(rules, ARRAY_SIZE(rules));

	cr_assert(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(8, 0), NULL));
	cr_assert(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(8, 255), NULL));
	cr_assert(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(3, 4), NULL));
	cr_assert_not(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(3, 3), NULL));
	cr_assert_not(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(0, 0), NULL));
	cr_assert_not(sgcls_match(c, IP(1, 1, 1, 1), ICMP, sgcls_icmp_key(9, 0), NULL));
	cr_assert_not(sgcls_allows_all_response(c, ICMP));
	sgcls_free(c);
}

Test(sgcls, wild_only_for_rules_from_anywhere)
{
	/* Section 3.4: TCP 22 from one host is tracked; TCP 80 from 0.0.0.0/0 may not be. */
	struct sgcls_rule rules[] = {rule(IP(203, 0, 113, 1), 32, TCP, 22, 22, 1),
				     rule(0, 0, TCP, 80, 80, 2),
				     rule(IP(10, 0, 0, 0), 8, TCP, 80, 80, 3)};
	struct sgcls *c = build_ok(rules, ARRAY_SIZE(rules));
	bool wild = true;

	cr_assert(sgcls_match(c, IP(203, 0, 113, 1), TCP, 22, &wild));
	cr_assert_not(wild);
	cr_assert(sgcls_match(c, IP(10, 1, 1, 1), TCP, 80, &wild));
	cr_assert(wild, "the /0 rule allows it too, whatever the /8 says");
	cr_assert(sgcls_match(c, IP(198, 51, 100, 1), TCP, 80, &wild));
	cr_assert(wild);
	wild = true;
	cr_assert_not(sgcls_match(c, IP(198, 51, 100, 1), TCP, 81, &wild));
	cr_assert_not(wild);
	sgcls_free(c);
}

Test(sgcls, allows_all_response_needs_all_ports_from_anywhere)
{
	struct sgcls_rule all_tcp[] = {rule(0, 0, TCP, 0, 65535, 1)};
	struct sgcls_rule most_tcp[] = {rule(0, 0, TCP, 0, 65534, 1)};
	struct sgcls_rule not_anywhere[] = {rule(IP(10, 0, 0, 0), 8, -1, 0, 0, 1)};
	struct sgcls_rule halves[] = {rule(0, 0, UDP, 0, 32767, 1),
				      rule(0, 0, UDP, 32768, 65535, 2)};
	struct sgcls_rule all_icmp[] = {icmp_rule(0, 0, -1, -1, 1)};
	struct sgcls *c;

	c = build_ok(all_tcp, 1);
	cr_assert(sgcls_allows_all_response(c, TCP));
	cr_assert_not(sgcls_allows_all_response(c, UDP));
	c = sgcls_free(c);
	c = build_ok(most_tcp, 1);
	cr_assert_not(sgcls_allows_all_response(c, TCP));
	c = sgcls_free(c);
	c = build_ok(not_anywhere, 1);
	cr_assert_not(sgcls_allows_all_response(c, TCP));
	cr_assert_not(sgcls_allows_all_response(c, 47));
	c = sgcls_free(c);
	/* Two /0 rules that together allow every port count as one (documented in sgcls.h). */
	c = build_ok(halves, ARRAY_SIZE(halves));
	cr_assert(sgcls_allows_all_response(c, UDP));
	c = sgcls_free(c);
	c = build_ok(all_icmp, 1);
	cr_assert(sgcls_allows_all_response(c, ICMP));
	cr_assert_null(sgcls_free(c));
}

Test(sgcls, explain_returns_the_first_allowing_rule_in_input_order)
{
	struct sgcls_rule rules[] = {
	    rule(IP(10, 0, 0, 0), 24, TCP, 443, 443, 100),
	    rule(IP(10, 0, 0, 0), 8, TCP, 400, 500, 200),
	    rule(0, 0, -1, 0, 0, 300),
	};
	struct sgcls *c = build_ok(rules, ARRAY_SIZE(rules));
	uint32_t tag = 0;

	cr_assert_eq(sgcls_explain(c, IP(10, 0, 0, 5), TCP, 443, &tag), 1);
	cr_assert_eq(tag, 100);
	cr_assert_eq(sgcls_explain(c, IP(10, 0, 1, 5), TCP, 443, &tag), 1);
	cr_assert_eq(tag, 200);
	cr_assert_eq(sgcls_explain(c, IP(10, 0, 1, 5), UDP, 443, &tag), 1);
	cr_assert_eq(tag, 300);
	sgcls_free(c);
}

Test(sgcls, deep_nesting_with_many_port_ranges)
{
	/*
	 * Every CIDR from /0 to /32 on one address, each allowing 20 odd ports of
	 * its own: too many to flatten, so lookups walk the parent chain.
	 */
	struct sgcls_rule rules[33 * 20];
	struct sgcls *c;
	uint32_t a = IP(10, 20, 30, 40);
	size_t n = 0;

	for (unsigned len = 0; len <= 32; len++)
		for (unsigned k = 0; k < 20; k++) {
			uint16_t port = (uint16_t)(1000 + len * 100 + k * 2 + 1);

			rules[n] =
			    rule(a & net_mask4(len), (uint8_t)len, TCP, port, port, (uint32_t)n);
			n++;
		}
	c = build_ok(rules, n);
	for (unsigned len = 0; len <= 32; len++) {
		uint16_t port = (uint16_t)(1000 + len * 100 + 1);
		uint32_t inside_only_up_to_len =
		    len == 32 ? a : (a & net_mask4(len)) | (~a & ~net_mask4(len));
		bool wild;

		cr_assert(sgcls_match(c, a, TCP, port, &wild), "len %u", len);
		cr_assert_eq(wild, len == 0);
		cr_assert_not(sgcls_match(c, a, TCP, (uint16_t)(port + 1), NULL));
		/* An address that leaves every CIDR longer than len. */
		cr_assert(sgcls_match(c, inside_only_up_to_len, TCP, port, NULL), "len %u", len);
		if (len < 32)
			cr_assert_not(sgcls_match(c, inside_only_up_to_len, TCP,
						  (uint16_t)(port + 100), NULL),
				      "len %u", len);
	}
	sgcls_free(c);
}

Test(sgcls, bad_input_and_limits)
{
	struct sgcls *c = (struct sgcls *)0x1;
	struct sgcls_rule r;
	struct sgcls_rule *many = calloc(SGCLS_MAX_RULES + 1, sizeof(*many));

	cr_assert_not_null(many);
	r = rule(0, 33, -1, 0, 0, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "len 33");
	r = rule(IP(10, 0, 0, 1), 8, -1, 0, 0, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "host bits");
	r = rule(0, 0, 256, 0, 0, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "protocol 256");
	r = rule(0, 0, -2, 0, 0, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "protocol -2");
	r = rule(0, 0, UDP, 10, 9, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "lo > hi");
	r = icmp_rule(0, 0, 300, -1, 0);
	cr_assert_eq(sgcls_build(&r, 1, &c), -EINVAL, "icmp type 300");
	cr_assert_eq(sgcls_build(NULL, 1, &c), -EINVAL);
	cr_assert_eq(sgcls_build(&r, 0, NULL), -EINVAL);
	for (size_t i = 0; i <= SGCLS_MAX_RULES; i++)
		many[i] = rule((uint32_t)i << 8, 24, TCP, (uint16_t)i, (uint16_t)i, (uint32_t)i);
	cr_assert_eq(sgcls_build(many, SGCLS_MAX_RULES + 1, &c), -E2BIG);
	cr_assert_eq(c, (struct sgcls *)0x1, "ret_cls written on failure");
	/* Other protocols: lo > hi does not matter, the ports are ignored. */
	r = rule(0, 0, 47, 10, 9, 0);
	c = build_ok(&r, 1);
	c = sgcls_free(c);
	c = build_ok(many, SGCLS_MAX_RULES);
	cr_assert_eq(sgcls_rule_count(c), SGCLS_MAX_RULES);
	cr_assert(sgcls_match(c, (uint32_t)4000 << 8 | 9, TCP, 4000, NULL));
	cr_assert_not(sgcls_match(c, (uint32_t)4000 << 8 | 9, TCP, 4001, NULL));
	cr_assert_null(sgcls_free(c));
	cr_assert_null(sgcls_free(NULL));
	free(many);
}

Test(sgcls, many_protocols_with_a_large_all_protocols_set)
{
	/*
	 * 2000 -1 rules (a group reference expanded to /32s) and every protocol
	 * named once: the -1 rules are not copied into 256 buckets.  Builds in
	 * well under the test timeout and answers like the oracle.
	 */
	struct sgcls_rule *rules = calloc(SGCLS_MAX_RULES, sizeof(*rules));
	struct sgcls *c;
	size_t n = 0;
	bool wild;

	cr_assert_not_null(rules);
	for (uint32_t i = 0; i < 2000; i++)
		rules[n++] = rule(IP(10, 1, 0, 0) + 2 * i, 32, -1, 0, 0, i);
	for (int p = 0; p < 256; p++)
		rules[n++] = rule(IP(10, 2, 0, 0) | (uint32_t)p << 8, 24, (int16_t)p, 5, 5,
				  (uint32_t)(10000 + p));
	c = build_ok(rules, n);
	for (int p = 0; p < 256; p++) {
		uint32_t tag;

		cr_assert(sgcls_match(c, IP(10, 1, 0, 0) + 2 * (uint32_t)p, (uint8_t)p, 5, &wild));
		cr_assert_not(wild);
		cr_assert_not(
		    sgcls_match(c, IP(10, 1, 0, 1) + 2 * (uint32_t)p, (uint8_t)p, 5, NULL));
		cr_assert(sgcls_match(c, IP(10, 2, p, 77), (uint8_t)p, 5, NULL), "proto %d", p);
		cr_assert_eq(sgcls_explain(c, IP(10, 2, p, 77), (uint8_t)p, 5, &tag), 1);
		cr_assert_eq(tag, 10000u + (uint32_t)p);
		cr_assert_not(sgcls_match(c, IP(10, 2, (p + 1) % 256, 77), (uint8_t)p, 5, NULL));
		cr_assert_not(sgcls_allows_all_response(c, (uint8_t)p));
	}
	cr_assert_eq(sgcls_match(c, IP(10, 2, 6, 1), 6, 6, NULL), false, "tcp keeps its port");
	sgcls_free(c);
	free(rules);
}

/* The oracle: every rule, in input order, restated plainly. */
static bool oracle_rule_allows(const struct sgcls_rule *r, uint32_t addr, uint8_t protocol,
			       uint16_t key)
{
	if (r->len > 0 && (addr >> (32 - r->len)) != (r->addr >> (32 - r->len)))
		return false;
	if (r->protocol == -1)
		return true;
	if (r->protocol != protocol)
		return false;
	if (protocol == TCP || protocol == UDP || protocol == ICMP)
		return key >= r->lo && key <= r->hi;
	return true;
}

static bool oracle_allows_all_response(const struct sgcls_rule *rules, size_t n, uint8_t protocol)
{
	static bool covered[65536];
	size_t count = 0;

	memset(covered, 0, sizeof(covered));
	for (size_t i = 0; i < n; i++) {
		const struct sgcls_rule *r = &rules[i];

		if (r->len != 0 || (r->protocol != -1 && r->protocol != protocol))
			continue;
		if (r->protocol == -1 || (protocol != TCP && protocol != UDP && protocol != ICMP))
			return true;
		for (uint32_t k = r->lo; k <= r->hi; k++)
			covered[k] = true;
	}
	for (size_t k = 0; k < 65536; k++)
		count += covered[k];
	return count == 65536;
}

static const uint8_t protos[] = {TCP, UDP, ICMP, 47, 50, 0, 132};

static uint32_t random_addr(struct util_rng *rng)
{
	/* A small pool (10.0.0.0/20) so that CIDRs nest and overlap, plus anything. */
	if (util_rng_below(rng, 5) == 0)
		return (uint32_t)util_rng_next(rng);
	return IP(10, 0, 0, 0) | (uint32_t)util_rng_below(rng, 1 << 12);
}

static struct sgcls_rule random_rule(struct util_rng *rng, uint32_t tag)
{
	struct sgcls_rule r;
	uint32_t kind = (uint32_t)util_rng_below(rng, 10);

	memset(&r, 0, sizeof(r));
	r.tag = tag;
	r.len = kind == 0 ? 0 : kind == 1 ? 32 : (uint8_t)(16 + util_rng_below(rng, 17));
	if (kind == 2)
		r.len = (uint8_t)util_rng_below(rng, 33);
	r.addr = random_addr(rng) & net_mask4(r.len);
	r.protocol =
	    util_rng_below(rng, 6) == 0 ? -1 : protos[util_rng_below(rng, ARRAY_SIZE(protos))];
	if (r.protocol == ICMP) {
		sgcls_icmp_range((int)util_rng_below(rng, 6) - 1, (int)util_rng_below(rng, 4) - 1,
				 &r.lo, &r.hi);
	} else {
		switch (util_rng_below(rng, 4)) {
		case 0:
			r.lo = 0;
			r.hi = 65535;
			break;
		case 1:
			r.lo = r.hi = (uint16_t)util_rng_below(rng, 200);
			break;
		case 2:
			r.lo = (uint16_t)util_rng_below(rng, 200);
			r.hi = (uint16_t)(r.lo + util_rng_below(rng, 50));
			break;
		default:
			r.lo = (uint16_t)util_rng_below(rng, 65536);
			r.hi = (uint16_t)(r.lo + util_rng_below(rng, 65536 - r.lo));
			break;
		}
		if (r.protocol != TCP && r.protocol != UDP && util_rng_below(rng, 2))
			r.hi = (uint16_t)(r.lo - 1); /* garbage the classifier must ignore */
	}
	return r;
}

static uint16_t random_key(struct util_rng *rng, const struct sgcls_rule *rules, size_t n)
{
	const struct sgcls_rule *b;

	switch (util_rng_below(rng, 3)) {
	case 0:
		return (uint16_t)util_rng_below(rng, 65536);
	case 1:
		return (uint16_t)util_rng_below(rng, 260);
	default:
		b = &rules[util_rng_below(rng, n)];
		switch (util_rng_below(rng, 4)) {
		case 0:
			return b->lo;
		case 1:
			return b->hi;
		case 2:
			return (uint16_t)(b->lo - 1);
		default:
			return (uint16_t)(b->hi + 1);
		}
	}
}

static uint32_t probe_addr(struct util_rng *rng, const struct sgcls_rule *rules, size_t n)
{
	const struct sgcls_rule *b;
	uint32_t last;

	if (util_rng_below(rng, 2))
		return random_addr(rng);
	b = &rules[util_rng_below(rng, n)];
	last = net_cidr4_last((struct net_cidr4){b->addr, b->len});
	switch (util_rng_below(rng, 4)) {
	case 0:
		return b->addr;
	case 1:
		return last;
	case 2:
		return b->addr - 1;
	default:
		return last + 1;
	}
}

Test(sgcls, differential_against_linear_oracle)
{
	static const size_t sizes[] = {1, 2, 3, 5, 10, 60, 300, 1000};
	struct util_rng rng;
	size_t allowed = 0, wilds = 0, checked = 0, all_resp = 0;

	util_rng_seed(&rng, 0x5ec6);
	for (size_t round = 0; round < 48; round++) {
		size_t n = round < ARRAY_SIZE(sizes) ? sizes[round]
						     : 1 + (size_t)util_rng_below(&rng, 1000);
		struct sgcls_rule *rules = calloc(n, sizeof(*rules));
		struct sgcls *c;

		cr_assert_not_null(rules);
		for (size_t i = 0; i < n; i++)
			rules[i] = random_rule(&rng, (uint32_t)(i * 7 + 1));
		c = build_ok(rules, n);
		cr_assert_eq(sgcls_rule_count(c), n);
		for (size_t k = 0; k < 2000; k++) {
			uint32_t addr = probe_addr(&rng, rules, n);
			uint8_t proto = protos[util_rng_below(&rng, ARRAY_SIZE(protos))];
			uint16_t key = random_key(&rng, rules, n);
			const struct sgcls_rule *first = NULL;
			bool want_wild = false, got, wild = !want_wild;
			uint32_t tag = 0;
			int e;

			for (size_t i = 0; i < n; i++) {
				if (!oracle_rule_allows(&rules[i], addr, proto, key))
					continue;
				if (!first)
					first = &rules[i];
				if (rules[i].len == 0)
					want_wild = true;
			}
			got = sgcls_match(c, addr, proto, key, &wild);
			cr_assert_eq(got, first != NULL, "round %zu n %zu: %08x proto %u key %u",
				     round, n, addr, proto, key);
			cr_assert_eq(wild, want_wild, "round %zu n %zu: %08x proto %u key %u",
				     round, n, addr, proto, key);
			cr_assert_eq(sgcls_match(c, addr, proto, key, NULL), got);
			e = sgcls_explain(c, addr, proto, key, &tag);
			cr_assert_eq(e, first != NULL);
			if (first)
				cr_assert_eq(tag, first->tag);
			allowed += got;
			wilds += want_wild;
			checked++;
		}
		for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
			bool want = oracle_allows_all_response(rules, n, protos[p]);

			cr_assert_eq(sgcls_allows_all_response(c, protos[p]), want,
				     "round %zu proto %u", round, protos[p]);
			all_resp += want;
		}
		sgcls_free(c);
		free(rules);
	}
	/* Every outcome is exercised. */
	cr_assert_gt(allowed, checked / 20);
	cr_assert_lt(allowed, checked - checked / 20);
	cr_assert_gt(wilds, 0);
	cr_assert_gt(all_resp, 0);
	cr_assert_lt(all_resp, 48 * ARRAY_SIZE(protos));
}
