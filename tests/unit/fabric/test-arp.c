/*
 * Unit tests of fabric/arp.c: parsing, the answering policy (router, ENI
 * neighbours, unowned addresses, DAD probes, gratuitous ARP, gateways) and
 * the exact bytes of a reply.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "fabric/arp.h"
#include "lib/net/net.h"

static const uint8_t MAC_A[6] = {0x0e, 0x11, 0x11, 0x11, 0x11, 0x11}; /* asking ENI */
static const uint8_t MAC_B[6] = {0x0e, 0x22, 0x22, 0x22, 0x22, 0x22}; /* other ENI */
static const uint8_t ROUTER[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x01};

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert_eq(net_ip4_parse(s, &v), 0);
	return v;
}

/* 10.0.1.10 = asking ENI (A), 10.0.1.20 = ENI B, 10.0.1.64/28 = a prefix of B. */
static int owner(uint32_t addr, uint8_t ret_mac[6], void *userdata)
{
	(void)userdata;
	if (addr == ip("10.0.1.10"))
		return 2;
	if (addr == ip("10.0.1.20") || (addr & 0xfffffff0u) == ip("10.0.1.64")) {
		memcpy(ret_mac, MAC_B, 6);
		return 1;
	}
	return 0;
}

static struct arp_view eni_view(void)
{
	struct arp_view v = {0};

	cr_assert_eq(net_cidr4_parse("10.0.1.0/24", &v.subnet), 0);
	memcpy(v.router_mac, ROUTER, 6);
	v.owner = owner;
	return v;
}

static int ask(const char *spa, const char *tpa, const struct arp_view *v, uint8_t *out)
{
	uint8_t req[ARP_FRAME_LEN];

	cr_assert_eq(arp_build_request(MAC_A, ip(spa), ip(tpa), req, sizeof(req)),
		     ARP_FRAME_LEN);
	return arp_answer(req, sizeof(req), v, out, 64);
}

Test(arp, parse_request_roundtrip)
{
	uint8_t f[ARP_FRAME_LEN];
	struct arp_msg m;

	cr_assert_eq(arp_build_request(MAC_A, ip("10.0.1.10"), ip("10.0.1.1"), f, sizeof(f)),
		     ARP_FRAME_LEN);
	cr_assert_eq(arp_parse(f, sizeof(f), &m), 0);
	cr_assert_eq(m.op, ARP_OP_REQUEST);
	cr_assert_eq(m.spa, ip("10.0.1.10"));
	cr_assert_eq(m.tpa, ip("10.0.1.1"));
	cr_assert_eq(memcmp(m.sha, MAC_A, 6), 0);
	cr_assert_eq(memcmp(m.eth_src, MAC_A, 6), 0);
	cr_assert_eq(m.eth_dst[0], 0xff);
	cr_assert_not(arp_is_gratuitous(&m));
}

Test(arp, parse_rejects_bad_frames)
{
	uint8_t f[ARP_FRAME_LEN];
	struct arp_msg m;

	arp_build_request(MAC_A, ip("10.0.1.10"), ip("10.0.1.1"), f, sizeof(f));
	cr_assert_eq(arp_parse(f, 10, &m), -EBADMSG);
	cr_assert_eq(arp_parse(f, ARP_FRAME_LEN - 1, &m), -EBADMSG);
	f[12] = 0x08;
	f[13] = 0x00; /* IPv4 ethertype */
	cr_assert_eq(arp_parse(f, sizeof(f), &m), -ENOTSUP);
	f[13] = 0x06;
	f[14 + 5] = 16; /* plen 16: IPv6-like, not handled */
	cr_assert_eq(arp_parse(f, sizeof(f), &m), -ENOTSUP);
	f[14 + 5] = 4;
	f[14 + 1] = 6; /* htype 6 */
	cr_assert_eq(arp_parse(f, sizeof(f), &m), -ENOTSUP);
}

Test(arp, router_is_answered_with_router_mac_exact_bytes)
{
	struct arp_view v = eni_view();
	uint8_t out[64];
	static const uint8_t want[ARP_FRAME_LEN] = {
		/* eth: to A, from router, ARP */
		0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x02, 0x76, 0x70, 0x63, 0x00, 0x01, 0x08, 0x06,
		/* htype 1, ptype 0800, 6, 4, op 2 */
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
		/* sha router, spa 10.0.1.1 */
		0x02, 0x76, 0x70, 0x63, 0x00, 0x01, 10, 0, 1, 1,
		/* tha A, tpa 10.0.1.10 */
		0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 10, 0, 1, 10,
	};

	cr_assert_eq(ask("10.0.1.10", "10.0.1.1", &v, out), ARP_FRAME_LEN);
	cr_assert_eq(memcmp(out, want, sizeof(want)), 0);
}

Test(arp, other_eni_answered_with_its_mac)
{
	struct arp_view v = eni_view();
	uint8_t out[64];
	struct arp_msg r;

	cr_assert_eq(ask("10.0.1.10", "10.0.1.20", &v, out), ARP_FRAME_LEN);
	cr_assert_eq(arp_parse(out, ARP_FRAME_LEN, &r), 0);
	cr_assert_eq(r.op, ARP_OP_REPLY);
	cr_assert_eq(r.spa, ip("10.0.1.20"));
	cr_assert_eq(memcmp(r.sha, MAC_B, 6), 0);
	cr_assert_eq(memcmp(r.eth_src, MAC_B, 6), 0);
	cr_assert_eq(r.tpa, ip("10.0.1.10"));
	cr_assert_eq(memcmp(r.tha, MAC_A, 6), 0);
	/* An address inside B's delegated prefix too. */
	cr_assert_eq(ask("10.0.1.10", "10.0.1.70", &v, out), ARP_FRAME_LEN);
	cr_assert_eq(arp_parse(out, ARP_FRAME_LEN, &r), 0);
	cr_assert_eq(memcmp(r.sha, MAC_B, 6), 0);
}

Test(arp, unowned_and_reserved_in_subnet_get_router_mac)
{
	struct arp_view v = eni_view();
	uint8_t out[64];
	struct arp_msg r;
	const char *targets[] = {"10.0.1.2", "10.0.1.3", "10.0.1.99", "10.0.1.254"};

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		cr_assert_eq(ask("10.0.1.10", targets[i], &v, out), ARP_FRAME_LEN, "%s",
			     targets[i]);
		cr_assert_eq(arp_parse(out, ARP_FRAME_LEN, &r), 0);
		cr_assert_eq(memcmp(r.sha, ROUTER, 6), 0, "%s", targets[i]);
		cr_assert_eq(r.spa, ip(targets[i]));
	}
}

Test(arp, not_answered)
{
	struct arp_view v = eni_view();
	uint8_t out[64];

	/* outside the subnet */
	cr_assert_eq(ask("10.0.1.10", "10.0.2.1", &v, out), 0);
	cr_assert_eq(ask("10.0.1.10", "8.8.8.8", &v, out), 0);
	/* network and broadcast addresses */
	cr_assert_eq(ask("10.0.1.10", "10.0.1.0", &v, out), 0);
	cr_assert_eq(ask("10.0.1.10", "10.0.1.255", &v, out), 0);
	/* gratuitous */
	cr_assert_eq(ask("10.0.1.10", "10.0.1.10", &v, out), 0);
	cr_assert_eq(ask("10.0.1.20", "10.0.1.20", &v, out), 0);
	/* DAD probe for the asker's own address (sender 0.0.0.0) */
	cr_assert_eq(ask("0.0.0.0", "10.0.1.10", &v, out), 0);
	/* target 0.0.0.0 */
	cr_assert_eq(ask("10.0.1.10", "0.0.0.0", &v, out), 0);
}

Test(arp, dad_probe_for_another_enis_address_is_answered)
{
	struct arp_view v = eni_view();
	uint8_t out[64];
	struct arp_msg r;

	cr_assert_eq(ask("0.0.0.0", "10.0.1.20", &v, out), ARP_FRAME_LEN);
	cr_assert_eq(arp_parse(out, ARP_FRAME_LEN, &r), 0);
	cr_assert_eq(memcmp(r.sha, MAC_B, 6), 0);
}

Test(arp, replies_and_other_ops_ignored)
{
	struct arp_view v = eni_view();
	uint8_t f[ARP_FRAME_LEN], out[64];

	arp_build_request(MAC_A, ip("10.0.1.10"), ip("10.0.1.1"), f, sizeof(f));
	f[14 + 7] = ARP_OP_REPLY;
	cr_assert_eq(arp_answer(f, sizeof(f), &v, out, sizeof(out)), 0);
	f[14 + 7] = 3; /* RARP request */
	cr_assert_eq(arp_answer(f, sizeof(f), &v, out, sizeof(out)), 0);
	/* garbage and truncation never answer */
	cr_assert_eq(arp_answer(f, 20, &v, out, sizeof(out)), 0);
	cr_assert_eq(arp_answer(f, 0, &v, out, sizeof(out)), 0);
}

Test(arp, gateway_port_answers_everything_but_gratuitous)
{
	struct arp_view v = {0};
	uint8_t out[64];
	struct arp_msg r;

	v.gateway = true;
	memcpy(v.router_mac, ROUTER, 6);
	cr_assert_eq(ask("203.0.113.10", "198.51.100.7", &v, out), ARP_FRAME_LEN);
	cr_assert_eq(arp_parse(out, ARP_FRAME_LEN, &r), 0);
	cr_assert_eq(memcmp(r.sha, ROUTER, 6), 0);
	cr_assert_eq(r.spa, ip("198.51.100.7"));
	cr_assert_eq(ask("203.0.113.10", "203.0.113.10", &v, out), 0);
}

Test(arp, small_buffer)
{
	struct arp_view v = eni_view();
	uint8_t f[ARP_FRAME_LEN], out[64];

	cr_assert_eq(arp_build_request(MAC_A, 1, 2, f, 41), -ENOBUFS);
	arp_build_request(MAC_A, ip("10.0.1.10"), ip("10.0.1.1"), f, sizeof(f));
	cr_assert_eq(arp_answer(f, sizeof(f), &v, out, 41), -ENOBUFS);
}
