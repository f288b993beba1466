/*
 * nacl: a compiled network ACL for one direction (vpc-semantics.md section 4).
 *
 * What.  Numbered allow and deny rules, evaluated in ascending rule number;
 * the first rule that matches decides; when none matches, the implicit final
 * "*" rule denies.  A rule matches the remote side of the packet (source for
 * ingress, destination for egress), a protocol (-1 = all) and, for tcp/udp,
 * a range of the packet's DESTINATION port in both directions (AWS: the port
 * range of an egress rule is the destination port of outbound traffic); for
 * icmp a type and code (-1 = all).  Protocols other than 6, 17 and 1 (and
 * -1) match all ports.
 *
 * Design.  At most NACL_MAX_RULES rules (AWS quota: 20 per direction,
 * adjustable to 40), sorted by number at build time.  Evaluation is
 * bit-parallel (one bit per rule): the rules matching the address, the key
 * (port, or icmp type and code) and the protocol are looked up as three
 * 64-bit sets (two binary searches over the interval bounds the rules
 * delimit, one table by protocol), and the first match is the lowest bit of
 * their intersection.
 *
 * Invariants.  Addresses in host byte order, CIDRs without host bits.
 * Immutable after build: concurrent readers are safe, nacl_eval() never
 * allocates.
 *
 * Ownership.  nacl_build() copies the rules and returns a NACL owned by the
 * caller, freed with nacl_free().  nacl_rule_at() returns a pointer into the
 * NACL, valid until it is freed.
 */
#ifndef OPENVPC_ENGINE_NACL_H
#define OPENVPC_ENGINE_NACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NACL_MAX_RULES	     40
#define NACL_RULE_NUMBER_MAX 32766

struct nacl_rule {
	uint16_t number; /* 1..32766; the final "*" deny is implicit */
	bool allow;
	uint32_t addr;	  /* the CIDR matched against the remote side (source for ingress, */
	uint8_t len;	  /* destination for egress), host order, host bits zero, len 0..32 */
	int16_t protocol; /* -1 all, else 0..255; protocols other than 6/17/1 match all ports */
	uint16_t port_lo, port_hi;    /* tcp/udp: destination port range, lo <= hi */
	int16_t icmp_type, icmp_code; /* icmp: -1 = all (type -1 means all codes too) */
	uint32_t tag;
};

struct nacl;

/*
 * Build from n rules (rules may be NULL when n is 0); sorts by number.
 * Returns 0 and *ret, or -EINVAL (duplicate numbers, number outside
 * 1..32766, len > 32, host bits set, protocol outside -1..255, port_lo >
 * port_hi for tcp/udp, icmp type/code outside -1..255), -ENOMEM, -E2BIG
 * (n > NACL_MAX_RULES).
 */
int nacl_build(const struct nacl_rule *rules, size_t n, struct nacl **ret);

/*
 * Returns true (allow) or false (deny).  *ret_index (may be NULL) = index in
 * the SORTED order of the deciding rule, or -1 for the final deny.  dport:
 * the packet's destination port for tcp/udp; icmp_type/icmp_code for icmp;
 * both ignored for other protocols.
 */
bool nacl_eval(const struct nacl *n, uint32_t addr, uint8_t protocol, uint16_t dport,
	       uint8_t icmp_type, uint8_t icmp_code, int *ret_index);

/* The rule at index (sorted order), or NULL when index is out of range. */
const struct nacl_rule *nacl_rule_at(const struct nacl *n, int index);

size_t nacl_rule_count(const struct nacl *n);

/* Accepts NULL; returns NULL. */
struct nacl *nacl_free(struct nacl *n);

#endif
