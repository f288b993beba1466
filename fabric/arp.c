/*
 * arp: parsing, policy and replies for ARP on the fabric (see arp.h).
 */
#include "fabric/arp.h"

#include <errno.h>
#include <string.h>

#include "lib/net/be.h"
#include "lib/net/pkt.h"

int arp_parse(const uint8_t *frame, size_t size, struct arp_msg *ret_msg)
{
	const uint8_t *a = frame + PKT_ETH_HLEN;
	struct arp_msg m;

	if (size < PKT_ETH_HLEN)
		return -EBADMSG;
	if (net_get16(frame + 12) != PKT_ETHERTYPE_ARP)
		return -ENOTSUP;
	if (size < ARP_FRAME_LEN)
		return -EBADMSG;
	/* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4 */
	if (net_get16(a) != 1 || net_get16(a + 2) != PKT_ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return -ENOTSUP;
	memcpy(m.eth_dst, frame, 6);
	memcpy(m.eth_src, frame + 6, 6);
	m.op = net_get16(a + 6);
	memcpy(m.sha, a + 8, 6);
	m.spa = net_get32(a + 14);
	memcpy(m.tha, a + 18, 6);
	m.tpa = net_get32(a + 24);
	*ret_msg = m;
	return 0;
}

bool arp_is_gratuitous(const struct arp_msg *m)
{
	return m->spa == m->tpa;
}

enum arp_decision arp_decide(const struct arp_msg *req, const struct arp_view *view,
			     uint8_t ret_mac[6])
{
	uint8_t mac[6];
	int own;

	if (req->op != ARP_OP_REQUEST || arp_is_gratuitous(req))
		return ARP_IGNORE;
	if (req->tpa == 0)
		return ARP_IGNORE;
	if (view->gateway) {
		memcpy(ret_mac, view->router_mac, 6);
		return ARP_ANSWER;
	}
	if (!net_cidr4_contains(view->subnet, req->tpa))
		return ARP_IGNORE;
	/* The network and broadcast addresses of the subnet are nobody's. */
	if (req->tpa == view->subnet.addr || req->tpa == net_cidr4_last(view->subnet))
		return ARP_IGNORE;
	own = view->owner ? view->owner(req->tpa, mac, view->userdata) : 0;
	if (own == 2)
		return ARP_IGNORE; /* the requester's own address: a DAD probe */
	if (own == 1) {
		memcpy(ret_mac, mac, 6);
		return ARP_ANSWER;
	}
	memcpy(ret_mac, view->router_mac, 6);
	return ARP_ANSWER;
}

static void write_arp(uint8_t *out, const uint8_t eth_dst[6], const uint8_t eth_src[6],
		      uint16_t op, const uint8_t sha[6], uint32_t spa, const uint8_t tha[6],
		      uint32_t tpa)
{
	uint8_t *a = out + PKT_ETH_HLEN;

	memcpy(out, eth_dst, 6);
	memcpy(out + 6, eth_src, 6);
	net_put16(out + 12, PKT_ETHERTYPE_ARP);
	net_put16(a, 1);
	net_put16(a + 2, PKT_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	net_put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	net_put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	net_put32(a + 24, tpa);
}

int arp_build_reply(const struct arp_msg *req, const uint8_t mac[6], uint8_t *out, size_t cap)
{
	if (cap < ARP_FRAME_LEN)
		return -ENOBUFS;
	/* To the requester's hardware address; sender is the answered target. */
	write_arp(out, req->sha, mac, ARP_OP_REPLY, mac, req->tpa, req->sha, req->spa);
	return ARP_FRAME_LEN;
}

int arp_build_request(const uint8_t sha[6], uint32_t spa, uint32_t tpa, uint8_t *out,
		      size_t cap)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zero[6] = {0};

	if (cap < ARP_FRAME_LEN)
		return -ENOBUFS;
	write_arp(out, bcast, sha, ARP_OP_REQUEST, sha, spa, zero, tpa);
	return ARP_FRAME_LEN;
}

int arp_answer(const uint8_t *frame, size_t size, const struct arp_view *view, uint8_t *out,
	       size_t cap)
{
	struct arp_msg req;
	uint8_t mac[6];

	if (arp_parse(frame, size, &req) < 0)
		return 0;
	if (arp_decide(&req, view, mac) != ARP_ANSWER)
		return 0;
	return arp_build_reply(&req, mac, out, cap);
}
