/*
 * sgcls: security-group classifier for one ENI and one direction
 * (vpc-semantics.md section 3.1).
 *
 * What.  The union of the allow rules of all security groups on an ENI for
 * one direction (up to 16 groups, up to SGCLS_MAX_RULES rules in total;
 * group references and prefix lists are already expanded by the caller into
 * CIDRs).  Security groups have allow rules only and no order: a packet is
 * allowed when any rule allows it.  A rule matches the remote side of the
 * packet (source for ingress, destination for egress), a protocol (-1 = all)
 * and a key range: the port for tcp/udp, the (type << 8 | code) key for icmp.
 * Rules for -1 and for protocols other than tcp (6), udp (17) and icmp (1)
 * match all ports, whatever their lo/hi say.
 *
 * Design.  Rules are grouped into buckets per protocol: each protocol that
 * some rule names gets a bucket; every other protocol maps to the shared "-1
 * only" bucket through a 256-entry protocol -> bucket map.  The tcp, udp and
 * icmp buckets hold their own rules merged with the -1 rules (one lookup on
 * the hot path); the bucket of any other protocol holds only its own rules and
 * a lookup there also searches the -1 bucket, so a -1 rule is copied at most
 * three times whatever the number of protocols named.  Inside a bucket every
 * distinct CIDR is a node holding the sorted, merged key ranges its rules
 * allow.  CIDRs nest, so the nodes form a forest, and an lpm4 table over the
 * bucket's CIDRs (disjoint address ranges + direct index, see lpm.h) finds the
 * deepest node containing the address.  When a node's ranges merged with all
 * its ancestors' stay small (<= SGCLS_FLAT_MAX ranges) the node stores that
 * union and lookup is one binary search; otherwise lookup also searches the
 * ancestors (at most 32 more, typically one or two).  Flattening stops at
 * SGCLS_FLAT_BUDGET ranges per rule, so memory stays O(rules) whatever the
 * nesting.  The bucket's 0.0.0.0/0 node is searched first on every lookup
 * (and never again as an ancestor); its ranges answer ret_wild and the
 * untracked-flow question (section 3.4).  The original rules are kept in
 * input order for sgcls_explain().
 *
 * Invariants.  Addresses in host byte order, CIDRs without host bits.  The
 * classifier is immutable after build: concurrent readers are safe, lookups
 * never allocate.
 *
 * Ownership.  sgcls_build() copies the rules and returns a classifier owned
 * by the caller, freed with sgcls_free().
 */
#ifndef OPENVPC_ENGINE_SGCLS_H
#define OPENVPC_ENGINE_SGCLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SGCLS_MAX_RULES	  4096
#define SGCLS_FLAT_MAX	  64
#define SGCLS_FLAT_BUDGET 32

struct sgcls_rule {
	uint32_t addr;	  /* peer CIDR (remote side of the packet), host order */
	uint8_t len;	  /* 0..32 */
	int16_t protocol; /* -1 = all, else 0..255 */
	/*
	 * tcp/udp: port range; icmp: (type << 8 | code) range, see
	 * sgcls_icmp_range(); ignored for -1 and other protocols (all ports).
	 * lo <= hi where used.
	 */
	uint16_t lo, hi;
	uint32_t tag; /* caller's reference to the rule (returned by sgcls_explain) */
};

/*
 * ICMP type/code as the API gives them (-1 = all) -> the [lo, hi] key range.
 * Type -1 means all types and codes (whatever code says); code -1 all codes
 * of the type.  A type or code outside -1..255 yields the empty range lo = 1,
 * hi = 0, which sgcls_build() rejects with -EINVAL.
 */
void sgcls_icmp_range(int type, int code, uint16_t *ret_lo, uint16_t *ret_hi);

static inline uint16_t sgcls_icmp_key(uint8_t type, uint8_t code)
{
	return (uint16_t)(type << 8 | code);
}

struct sgcls;

/*
 * Build a classifier from n rules (rules may be NULL when n is 0).  Returns 0
 * and *ret_cls, or -EINVAL (len > 32, host bits set, protocol outside
 * -1..255, lo > hi for tcp/udp/icmp), -ENOMEM, -E2BIG (n > SGCLS_MAX_RULES).
 */
int sgcls_build(const struct sgcls_rule *rules, size_t n, struct sgcls **ret_cls);

/*
 * Is (remote addr, protocol, key) allowed?  key = destination port for
 * tcp/udp (the local port for ingress, the remote port for egress: the caller
 * decides), sgcls_icmp_key() for icmp, ignored otherwise.  Returns true or
 * false.  *ret_wild (may be NULL) is set to whether a rule whose CIDR is
 * 0.0.0.0/0 allows it (AWS untracked-flow rule, section 3.4).  Never
 * allocates.
 */
bool sgcls_match(const struct sgcls *c, uint32_t addr, uint8_t protocol, uint16_t key,
		 bool *ret_wild);

/*
 * Slow path for traces: the tag of the first rule (in input order) that
 * allows the packet.  Returns 1 and *ret_tag, or 0 when no rule allows it.
 */
int sgcls_explain(const struct sgcls *c, uint32_t addr, uint8_t protocol, uint16_t key,
		  uint32_t *ret_tag);

/*
 * True when a 0.0.0.0/0 rule allows all traffic of this protocol on all
 * ports (protocol -1, any protocol other than tcp/udp/icmp, or this protocol
 * with 0-65535 / all icmp): AWS's "rule allowing all response traffic".
 * The union of several 0.0.0.0/0 rules that together cover all ports counts.
 */
bool sgcls_allows_all_response(const struct sgcls *c, uint8_t protocol);

/* Number of rules the classifier was built from. */
size_t sgcls_rule_count(const struct sgcls *c);

/* Accepts NULL; returns NULL. */
struct sgcls *sgcls_free(struct sgcls *c);

#endif
