/* Unit tests for lib/net/pkt: header parsing and NAT rewriting with checksums. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "lib/net/pkt.h"

/* Builds IPv4+TCP with valid checksums. */
static size_t build_tcp(uint8_t *b, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
			uint8_t flags)
{
	uint8_t pseudo[12 + 20];
	uint16_t c;

	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = 0;
	b[3] = 40;
	b[8] = 64;
	b[9] = 6;
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	c = pkt_csum(b, 20);
	b[10] = (uint8_t)(c >> 8);
	b[11] = (uint8_t)c;
	b[20] = (uint8_t)(sp >> 8);
	b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8);
	b[23] = (uint8_t)dp;
	b[32] = 0x50;
	b[33] = flags;
	memcpy(pseudo, b + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = 0;
	pseudo[11] = 20;
	memcpy(pseudo + 12, b + 20, 20);
	c = pkt_csum(pseudo, sizeof(pseudo));
	b[36] = (uint8_t)(c >> 8);
	b[37] = (uint8_t)c;
	return 40;
}

static bool tcp_csum_ok(const uint8_t *b)
{
	uint8_t pseudo[12 + 20];

	memcpy(pseudo, b + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	pseudo[10] = 0;
	pseudo[11] = 20;
	memcpy(pseudo + 12, b + 20, 20);
	return pkt_csum(pseudo, sizeof(pseudo)) == 0 && pkt_csum(b, 20) == 0;
}

Test(pkt, parse_tcp)
{
	uint8_t b[64];
	struct pkt_hdr h;
	size_t n = build_tcp(b, 0x0a000105, 0x0a000206, 40000, 443, PKT_TCP_SYN);

	cr_assert_eq(pkt_parse_ip4(b, n, &h, NULL), 0);
	cr_assert_eq(h.src, 0x0a000105);
	cr_assert_eq(h.dst, 0x0a000206);
	cr_assert_eq(h.sport, 40000);
	cr_assert_eq(h.dport, 443);
	cr_assert_eq(h.proto, 6);
	cr_assert_eq(h.tcp_flags, PKT_TCP_SYN);
	cr_assert_eq(h.len, 40);
	cr_assert(tcp_csum_ok(b));
}

Test(pkt, parse_rejects_truncated)
{
	uint8_t b[64];
	struct pkt_hdr h;
	size_t n = build_tcp(b, 1, 2, 3, 4, 0);

	for (size_t i = 0; i < n; i++)
		cr_assert_lt(pkt_parse_ip4(b, i, &h, NULL), 0, "accepted %zu bytes", i);
	b[0] = 0x65;
	cr_assert_eq(pkt_parse_ip4(b, n, &h, NULL), -ENOTSUP);
}

Test(pkt, rewrite_keeps_checksums_valid)
{
	uint8_t b[64];
	struct pkt_hdr h, n2;
	size_t n = build_tcp(b, 0x0a000105, 0xcb007107, 40000, 80, PKT_TCP_SYN | PKT_TCP_ACK);

	cr_assert_eq(pkt_parse_ip4(b, n, &h, NULL), 0);
	n2 = h;
	n2.src = 0xc6336405;
	n2.sport = 1025;
	cr_assert_eq(pkt_rewrite_ip4(b, n, &h, &n2), 0);
	cr_assert(tcp_csum_ok(b));
	cr_assert_eq(pkt_parse_ip4(b, n, &h, NULL), 0);
	cr_assert_eq(h.src, 0xc6336405);
	cr_assert_eq(h.sport, 1025);
}
