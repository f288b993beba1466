/*
 * pkt: the packet header the engine decides on, and the parser that fills it
 * from an Ethernet frame or an IPv4 datagram.
 *
 * struct pkt_hdr is the engine's whole view of a packet: addresses, protocol,
 * ports (ICMP echo: the identifier in both ports, type/code separately), TCP
 * flags and the IP total length.  Host byte order throughout.
 *
 * The parser never reads past the buffer it is given and never allocates; a
 * truncated or malformed header is -EBADMSG, an unsupported one -ENOTSUP.
 * pkt_rewrite() writes a possibly NAT-changed header back into a datagram,
 * fixing the IP and L4 checksums incrementally (RFC 1624).
 */
#ifndef OPENVPC_PKT_H
#define OPENVPC_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_PROTO_ICMP 1
#define PKT_PROTO_TCP 6
#define PKT_PROTO_UDP 17
#define PKT_PROTO_ICMPV6 58

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10
#define PKT_TCP_URG 0x20

#define PKT_ICMP_ECHO_REPLY 0
#define PKT_ICMP_UNREACH 3
#define PKT_ICMP_ECHO 8
#define PKT_ICMP_TIME_EXCEEDED 11

#define PKT_ETH_HLEN 14
#define PKT_ETHERTYPE_IPV4 0x0800
#define PKT_ETHERTYPE_ARP 0x0806

struct pkt_hdr {
	uint32_t src;	   /* IPv4 source, host order */
	uint32_t dst;	   /* IPv4 destination */
	uint16_t sport;	   /* TCP/UDP source port; ICMP query: identifier; else 0 */
	uint16_t dport;	   /* TCP/UDP destination port; ICMP query: identifier; else 0 */
	uint8_t proto;	   /* IANA protocol number */
	uint8_t icmp_type; /* ICMP only */
	uint8_t icmp_code; /* ICMP only */
	uint8_t tcp_flags; /* TCP only: PKT_TCP_* */
	uint16_t len;	   /* IP total length in bytes */
	uint8_t ttl;
	uint8_t frag;	   /* 1 when the datagram is a fragment (MF set or offset != 0) */
};

/*
 * Parse an IPv4 datagram starting at buf.  0, -EBADMSG (truncated or
 * inconsistent), or -ENOTSUP (not IPv4).  Writes *ret_hdr and, when non-NULL,
 * *ret_l4_offset (offset of the L4 header inside buf) only on success.
 */
int pkt_parse_ip4(const uint8_t *buf, size_t size, struct pkt_hdr *ret_hdr,
		  size_t *ret_l4_offset);

/*
 * Parse an Ethernet frame carrying IPv4 (no VLAN tags).  Same returns as
 * pkt_parse_ip4(); ARP and other ethertypes are -ENOTSUP.
 */
int pkt_parse_eth(const uint8_t *frame, size_t size, struct pkt_hdr *ret_hdr);

/*
 * Rewrite addresses and ports of the IPv4 datagram at buf (as parsed into
 * old) to those of new_hdr, updating checksums.  Only src, dst, sport and
 * dport are taken from new_hdr.  0 or -EBADMSG.
 */
int pkt_rewrite_ip4(uint8_t *buf, size_t size, const struct pkt_hdr *old,
		    const struct pkt_hdr *new_hdr);

/* Internet checksum over a buffer (returns the folded, complemented sum). */
uint16_t pkt_csum(const void *data, size_t size);

#endif
