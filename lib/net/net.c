/*
 * net: address and CIDR parsing and formatting.  See net.h.
 */
#include "lib/net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int net_ip4_parse(const char *s, uint32_t *ret_ip)
{
	uint32_t ip = 0;

	if (!s)
		return -EINVAL;
	for (int octet = 0; octet < 4; octet++) {
		unsigned v = 0;
		int digits = 0;

		if (octet > 0) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (*s == '0' && s[1] >= '0' && s[1] <= '9')
			return -EINVAL; /* no leading zeros: "010" is ambiguous (octal) */
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3 || v > 255)
				return -EINVAL;
			s++;
		}
		ip = (ip << 8) | v;
	}
	if (*s != '\0')
		return -EINVAL;
	*ret_ip = ip;
	return 0;
}

/* Decimal digits of v (< 1000) at p; returns the end. */
static char *put_dec3(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* By hand, not snprintf: the API renders thousands of these per second. */
char *net_ip4_format(uint32_t ip, char buf[NET_IP4_STRLEN])
{
	char *p = buf;

	for (int shift = 24; shift >= 0; shift -= 8) {
		p = put_dec3(p, (ip >> shift) & 0xff);
		*p++ = shift ? '.' : '\0';
	}
	return buf;
}

int net_prefix_split(const char *s, char *addr, size_t addr_size, unsigned max_len,
		     unsigned *ret_len)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned len = 0;
	size_t alen;

	if (!slash)
		return -EINVAL;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= addr_size)
		return -EINVAL;
	/* One or more digits, no leading zero, at most max_len. */
	if (!slash[1] || (slash[1] == '0' && slash[2]))
		return -EINVAL;
	for (const char *p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		len = len * 10 + (unsigned)(*p - '0');
		if (len > max_len)
			return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	*ret_len = len;
	return 0;
}

int net_cidr4_parse_ex(const char *s, struct net_cidr4 *ret_cidr, bool *ret_was_canonical)
{
	char addr[NET_IP4_STRLEN];
	unsigned len;
	uint32_t ip;
	int r;

	if (net_prefix_split(s, addr, sizeof(addr), 32, &len) < 0)
		return -EINVAL;
	r = net_ip4_parse(addr, &ip);
	if (r < 0)
		return r;
	if (ret_was_canonical)
		*ret_was_canonical = (ip & net_mask4(len)) == ip;
	ret_cidr->addr = ip & net_mask4(len);
	ret_cidr->len = (uint8_t)len;
	return 0;
}

int net_cidr4_parse(const char *s, struct net_cidr4 *ret_cidr)
{
	return net_cidr4_parse_ex(s, ret_cidr, NULL);
}

char *net_cidr4_format(struct net_cidr4 c, char buf[NET_CIDR4_STRLEN])
{
	char tmp[NET_IP4_STRLEN + 4], *p;
	size_t n;

	net_ip4_format(c.addr, tmp);
	p = tmp + strlen(tmp);
	*p++ = '/';
	p = put_dec3(p, c.len);
	/* At most NET_CIDR4_STRLEN - 1 characters, as snprintf cut them. */
	n = (size_t)(p - tmp) < NET_CIDR4_STRLEN ? (size_t)(p - tmp) : NET_CIDR4_STRLEN - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

int net_ip6_parse(const char *s, struct net_ip6 *ret_ip)
{
	struct net_ip6 ip;

	if (!s || inet_pton(AF_INET6, s, ip.b) != 1)
		return -EINVAL;
	*ret_ip = ip;
	return 0;
}

char *net_ip6_format(const struct net_ip6 *ip, char buf[NET_IP6_STRLEN])
{
	if (!inet_ntop(AF_INET6, ip->b, buf, NET_IP6_STRLEN))
		buf[0] = '\0';
	return buf;
}

int net_cidr6_parse(const char *s, struct net_cidr6 *ret_cidr)
{
	char addr[NET_IP6_STRLEN];
	struct net_cidr6 c;
	unsigned len;

	if (net_prefix_split(s, addr, sizeof(addr), 128, &len) < 0 ||
	    net_ip6_parse(addr, &c.addr) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = len > i * 8 ? len - i * 8 : 0;

		if (keep < 8)
			c.addr.b[i] &= (uint8_t)(keep == 0 ? 0 : 0xff << (8 - keep));
	}
	c.len = (uint8_t)len;
	*ret_cidr = c;
	return 0;
}

char *net_cidr6_format(const struct net_cidr6 *c, char buf[NET_CIDR6_STRLEN])
{
	char ip[NET_IP6_STRLEN];

	snprintf(buf, NET_CIDR6_STRLEN, "%s/%u", net_ip6_format(&c->addr, ip), c->len);
	return buf;
}

bool net_ip4_is_rfc1918(uint32_t ip)
{
	return (ip & 0xff000000u) == 0x0a000000u || (ip & 0xfff00000u) == 0xac100000u ||
	       (ip & 0xffff0000u) == 0xc0a80000u;
}

bool net_ip4_is_rfc6598(uint32_t ip)
{
	return (ip & 0xffc00000u) == 0x64400000u;
}
