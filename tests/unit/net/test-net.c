/* Unit tests for lib/net: address and CIDR text forms. */
#include <criterion/criterion.h>

#include "lib/net/net.h"

Test(net, ip4_parse_roundtrip)
{
	uint32_t ip;
	char buf[NET_IP4_STRLEN];

	cr_assert_eq(net_ip4_parse("10.0.1.255", &ip), 0);
	cr_assert_eq(ip, 0x0a0001ffu);
	cr_assert_str_eq(net_ip4_format(ip, buf), "10.0.1.255");
	cr_assert_eq(net_ip4_parse("0.0.0.0", &ip), 0);
	cr_assert_eq(ip, 0);
}

Test(net, ip4_parse_rejects_malformed)
{
	static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
					  " 1.2.3.4", "01.2.3.4", "1..2.3", "a.b.c.d", "1.2.3.-4",
					  "1.2.3.1000"};
	uint32_t ip = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(net_ip4_parse(bad[i], &ip), 0, "accepted %s", bad[i]);
	cr_assert_eq(ip, 42, "output written on failure");
}

/* vpc-semantics 1.1: CIDRs are canonicalised everywhere. */
Test(net, cidr_canonicalised)
{
	struct net_cidr4 c;
	char buf[NET_CIDR4_STRLEN];
	bool canon;

	cr_assert_eq(net_cidr4_parse_ex("100.68.0.18/18", &c, &canon), 0);
	cr_assert_not(canon);
	cr_assert_str_eq(net_cidr4_format(c, buf), "100.68.0.0/18");
	cr_assert_eq(net_cidr4_parse_ex("10.0.0.0/16", &c, &canon), 0);
	cr_assert(canon);
	cr_assert_eq(net_cidr4_parse("0.0.0.0/0", &c), 0);
	cr_assert_eq(c.len, 0);
	cr_assert(net_cidr4_contains(c, 0xffffffffu));
}

Test(net, cidr_rejects_malformed)
{
	static const char *const bad[] = {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1",
					  "10.0.0.0/08", "/16", "10.0.0.0/1x", "10.0.0/16"};
	struct net_cidr4 c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_lt(net_cidr4_parse(bad[i], &c), 0, "accepted %s", bad[i]);
}

Test(net, cidr_relations)
{
	struct net_cidr4 vpc, sub, other;

	net_cidr4_parse("10.0.0.0/16", &vpc);
	net_cidr4_parse("10.0.1.0/24", &sub);
	net_cidr4_parse("10.1.0.0/24", &other);
	cr_assert(net_cidr4_covers(vpc, sub));
	cr_assert_not(net_cidr4_covers(sub, vpc));
	cr_assert(net_cidr4_overlaps(sub, vpc));
	cr_assert_not(net_cidr4_overlaps(other, vpc));
	cr_assert_eq(net_cidr4_size(sub), 256);
	cr_assert_eq(net_cidr4_last(sub), 0x0a0001ffu);
}

Test(net, cidr6_parse)
{
	struct net_cidr6 c;
	char buf[NET_CIDR6_STRLEN];

	cr_assert_eq(net_cidr6_parse("2600:1f18:abcd:12ff::1/56", &c), 0);
	cr_assert_str_eq(net_cidr6_format(&c, buf), "2600:1f18:abcd:1200::/56");
	cr_assert_lt(net_cidr6_parse("2600::/129", &c), 0);
	cr_assert_lt(net_cidr6_parse("zz::/64", &c), 0);
	/* The prefix length is read as for IPv4: digits only, no leading zero. */
	static const char *const bad[] = {"2600::/064", "2600::/", "2600::", "/64", "2600::/+64",
					  "2600::/ 64", "2600::/6x", NULL};
	for (size_t i = 0; bad[i]; i++)
		cr_assert_lt(net_cidr6_parse(bad[i], &c), 0, "accepted %s", bad[i]);
	cr_assert_eq(net_cidr6_parse("::/0", &c), 0);
	cr_assert_eq(c.len, 0);
	cr_assert_eq(net_cidr6_parse("2600::/128", &c), 0);
	cr_assert_eq(c.len, 128);
}

Test(net, prefix_split)
{
	char a[8];
	unsigned len = 99;

	cr_assert_eq(net_prefix_split("1.2.3.4/0", a, sizeof(a), 32, &len), 0);
	cr_assert_str_eq(a, "1.2.3.4");
	cr_assert_eq(len, 0);
	cr_assert_eq(net_prefix_split("abc/32", a, sizeof(a), 32, &len), 0);
	cr_assert_eq(len, 32);
	cr_assert_lt(net_prefix_split("abc/33", a, sizeof(a), 32, &len), 0);
	cr_assert_lt(net_prefix_split("12345678/1", a, sizeof(a), 32, &len), 0, "address too long");
	cr_assert_lt(net_prefix_split(NULL, a, sizeof(a), 32, &len), 0);
	cr_assert_lt(net_prefix_split("abc/99999999999999999999", a, sizeof(a), 32, &len), 0);
}

Test(net, special_ranges)
{
	cr_assert(net_ip4_is_rfc1918(0x0a000001u));
	cr_assert(net_ip4_is_rfc1918(0xac1f0001u));
	cr_assert_not(net_ip4_is_rfc1918(0xac200001u));
	cr_assert(net_ip4_is_rfc1918(0xc0a80101u));
	cr_assert(net_ip4_is_rfc6598(0x64400001u));
	cr_assert_not(net_ip4_is_rfc6598(0x64800001u));
}
