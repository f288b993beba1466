/*
 * pkt: IPv4/TCP/UDP/ICMP header parsing and NAT rewriting.  See pkt.h.
 */
#include "lib/net/pkt.h"

#include <errno.h>
#include <string.h>

#include "lib/net/be.h"

int pkt_parse_ip4(const uint8_t *buf, size_t size, struct pkt_hdr *ret_hdr,
		  size_t *ret_l4_offset)
{
	struct pkt_hdr h;
	size_t ihl, total;
	uint16_t frag;
	const uint8_t *l4;
	size_t l4size;

	if (size < 20)
		return -EBADMSG;
	if ((buf[0] >> 4) != 4)
		return -ENOTSUP;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > size)
		return -EBADMSG;
	total = net_get16(buf + 2);
	if (total < ihl || total > size)
		return -EBADMSG;

	memset(&h, 0, sizeof(h));
	h.len = (uint16_t)total;
	h.ttl = buf[8];
	h.proto = buf[9];
	h.src = net_get32(buf + 12);
	h.dst = net_get32(buf + 16);
	frag = net_get16(buf + 6);
	h.frag = (frag & 0x2000) || (frag & 0x1fff);

	l4 = buf + ihl;
	l4size = total - ihl;
	/* Non-first fragments carry no L4 header: ports stay 0. */
	if (!(frag & 0x1fff)) {
		switch (h.proto) {
		case PKT_PROTO_TCP:
			if (l4size < 20)
				return -EBADMSG;
			h.sport = net_get16(l4);
			h.dport = net_get16(l4 + 2);
			h.tcp_flags = l4[13] & 0x3f;
			break;
		case PKT_PROTO_UDP:
			if (l4size < 8)
				return -EBADMSG;
			h.sport = net_get16(l4);
			h.dport = net_get16(l4 + 2);
			break;
		case PKT_PROTO_ICMP:
			if (l4size < 8)
				return -EBADMSG;
			h.icmp_type = l4[0];
			h.icmp_code = l4[1];
			if (h.icmp_type == PKT_ICMP_ECHO || h.icmp_type == PKT_ICMP_ECHO_REPLY ||
			    h.icmp_type == 13 || h.icmp_type == 14) {
				h.sport = net_get16(l4 + 4);
				h.dport = h.sport;
			}
			break;
		default:
			break;
		}
	}
	*ret_hdr = h;
	if (ret_l4_offset)
		*ret_l4_offset = ihl;
	return 0;
}

int pkt_parse_eth(const uint8_t *frame, size_t size, struct pkt_hdr *ret_hdr)
{
	if (size < PKT_ETH_HLEN)
		return -EBADMSG;
	if (net_get16(frame + 12) != PKT_ETHERTYPE_IPV4)
		return -ENOTSUP;
	return pkt_parse_ip4(frame + PKT_ETH_HLEN, size - PKT_ETH_HLEN, ret_hdr, NULL);
}

uint16_t pkt_csum(const void *data, size_t size)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	while (size > 1) {
		sum += net_get16(p);
		p += 2;
		size -= 2;
	}
	if (size)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
static uint16_t csum_replace16(uint16_t check, uint16_t old, uint16_t new_value)
{
	uint32_t sum = (uint16_t)~check;

	sum += (uint16_t)~old;
	sum += new_value;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum_replace32(uint16_t check, uint32_t old, uint32_t new_value)
{
	check = csum_replace16(check, (uint16_t)(old >> 16), (uint16_t)(new_value >> 16));
	return csum_replace16(check, (uint16_t)old, (uint16_t)new_value);
}

int pkt_rewrite_ip4(uint8_t *buf, size_t size, const struct pkt_hdr *old,
		    const struct pkt_hdr *new_hdr)
{
	size_t ihl;
	uint16_t ipcheck, frag;
	uint8_t *l4;
	size_t l4size;
	uint8_t *l4check = NULL;
	int pseudo = 0;

	if (size < 20)
		return -EBADMSG;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > size || old->len > size)
		return -EBADMSG;
	l4 = buf + ihl;
	l4size = old->len - ihl;
	frag = net_get16(buf + 6);

	ipcheck = net_get16(buf + 10);
	ipcheck = csum_replace32(ipcheck, old->src, new_hdr->src);
	ipcheck = csum_replace32(ipcheck, old->dst, new_hdr->dst);
	net_put16(buf + 10, ipcheck);
	net_put32(buf + 12, new_hdr->src);
	net_put32(buf + 16, new_hdr->dst);

	if (frag & 0x1fff)
		return 0; /* no L4 header in this fragment */

	switch (old->proto) {
	case PKT_PROTO_TCP:
		if (l4size < 20)
			return -EBADMSG;
		l4check = l4 + 16;
		pseudo = 1;
		break;
	case PKT_PROTO_UDP:
		if (l4size < 8)
			return -EBADMSG;
		l4check = l4 + 6;
		pseudo = 1;
		/* A zero UDP checksum means "none" and stays zero. */
		if (net_get16(l4check) == 0)
			l4check = NULL;
		break;
	case PKT_PROTO_ICMP:
		if (l4size < 8)
			return -EBADMSG;
		l4check = l4 + 2;
		break;
	default:
		return 0;
	}

	if (old->proto == PKT_PROTO_TCP || old->proto == PKT_PROTO_UDP) {
		if (l4check) {
			uint16_t c = net_get16(l4check);

			if (pseudo) {
				c = csum_replace32(c, old->src, new_hdr->src);
				c = csum_replace32(c, old->dst, new_hdr->dst);
			}
			c = csum_replace16(c, old->sport, new_hdr->sport);
			c = csum_replace16(c, old->dport, new_hdr->dport);
			if (old->proto == PKT_PROTO_UDP && c == 0)
				c = 0xffff;
			net_put16(l4check, c);
		}
		net_put16(l4, new_hdr->sport);
		net_put16(l4 + 2, new_hdr->dport);
	} else if (old->proto == PKT_PROTO_ICMP && old->sport != new_hdr->sport &&
		   (old->icmp_type == PKT_ICMP_ECHO || old->icmp_type == PKT_ICMP_ECHO_REPLY ||
		    old->icmp_type == 13 || old->icmp_type == 14)) {
		/* ICMP has no pseudo-header: only the identifier changes the sum. */
		uint16_t c = net_get16(l4check);

		c = csum_replace16(c, old->sport, new_hdr->sport);
		net_put16(l4check, c);
		net_put16(l4 + 4, new_hdr->sport);
	}
	return 0;
}
