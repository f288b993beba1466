/*
 * net: addresses, CIDR blocks, and their text forms.
 *
 * IPv4 addresses are uint32_t in host byte order everywhere in openvpc; only
 * the packet parser (pkt.h) and the fabric see network order.  A CIDR is
 * always canonical once parsed: host bits are cleared, so "100.68.0.18/18"
 * becomes 100.68.0.0/18 (AWS canonicalises every CIDR it accepts).
 *
 * IPv6 is carried as 16 bytes so that the model can hold IPv6 blocks; the
 * engine is IPv4 today.
 */
#ifndef OPENVPC_NET_H
#define OPENVPC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_IP4_STRLEN 16 /* "255.255.255.255" + NUL */
#define NET_CIDR4_STRLEN 19
#define NET_IP6_STRLEN 46
#define NET_CIDR6_STRLEN 50

struct net_cidr4 {
	uint32_t addr; /* host order, host bits zero */
	uint8_t len;   /* 0..32 */
};

struct net_ip6 {
	uint8_t b[16];
};

struct net_cidr6 {
	struct net_ip6 addr;
	uint8_t len; /* 0..128 */
};

/* Netmask for a prefix length 0..32. */
static inline uint32_t net_mask4(unsigned len)
{
	return len == 0 ? 0 : (uint32_t)0xffffffffu << (32 - len);
}

static inline bool net_cidr4_contains(struct net_cidr4 c, uint32_t ip)
{
	return (ip & net_mask4(c.len)) == c.addr;
}

/* True when inner lies entirely inside outer. */
static inline bool net_cidr4_covers(struct net_cidr4 outer, struct net_cidr4 inner)
{
	return inner.len >= outer.len && net_cidr4_contains(outer, inner.addr);
}

static inline bool net_cidr4_overlaps(struct net_cidr4 a, struct net_cidr4 b)
{
	return net_cidr4_covers(a, b) || net_cidr4_covers(b, a);
}

static inline bool net_cidr4_equal(struct net_cidr4 a, struct net_cidr4 b)
{
	return a.addr == b.addr && a.len == b.len;
}

/* Number of addresses in the block (2^(32-len)), as 64-bit so /0 fits. */
static inline uint64_t net_cidr4_size(struct net_cidr4 c)
{
	return (uint64_t)1 << (32 - c.len);
}

/* Last address of the block. */
static inline uint32_t net_cidr4_last(struct net_cidr4 c)
{
	return c.addr | ~net_mask4(c.len);
}

/* Strict dotted quad, no leading zeros beyond "0", no spaces. 0 or -EINVAL. */
int net_ip4_parse(const char *s, uint32_t *ret_ip);
/* Writes at most NET_IP4_STRLEN bytes; returns buf. */
char *net_ip4_format(uint32_t ip, char buf[NET_IP4_STRLEN]);

/*
 * Split "address/len" into the address text (into addr, addr_size bytes with
 * its NUL) and len: one or more decimal digits, no leading zero, at most
 * max_len.  0 or -EINVAL.  The address is not looked at.
 */
int net_prefix_split(const char *s, char *addr, size_t addr_size, unsigned max_len,
		     unsigned *ret_len);

/*
 * "a.b.c.d/len", canonicalised (host bits cleared).  A bare address is
 * rejected: the EC2 API always requires the prefix length.  0 or -EINVAL.
 */
int net_cidr4_parse(const char *s, struct net_cidr4 *ret_cidr);
/* Same, but also reports whether the input had host bits set. */
int net_cidr4_parse_ex(const char *s, struct net_cidr4 *ret_cidr, bool *ret_was_canonical);
char *net_cidr4_format(struct net_cidr4 c, char buf[NET_CIDR4_STRLEN]);

int net_ip6_parse(const char *s, struct net_ip6 *ret_ip);
char *net_ip6_format(const struct net_ip6 *ip, char buf[NET_IP6_STRLEN]);
int net_cidr6_parse(const char *s, struct net_cidr6 *ret_cidr);
char *net_cidr6_format(const struct net_cidr6 *c, char buf[NET_CIDR6_STRLEN]);

/* RFC 1918 private ranges (10/8, 172.16/12, 192.168/16). */
bool net_ip4_is_rfc1918(uint32_t ip);
/* RFC 6598 shared address space (100.64/10). */
bool net_ip4_is_rfc6598(uint32_t ip);

#endif
