/*
 * node-net: the node's side of VPC-native pod networking, as vpc-ipamd sets
 * it up (reference/cni-datapath.md 2.3-2.6), in the namespace ipamd runs
 * in (the node):
 *   - per secondary ENI (device N > 0), found by its MAC: MTU and up, its
 *     primary IP/len, route table N+1 with the subnet router as an on-link
 *     /32 and the default route via it, the main table's connected route
 *     of that interface removed, and the rule "from <ENI primary IP>
 *     lookup N+1" at priority 32765;
 *   - node-wide: the rule "fwmark 0x80/0x80 lookup main" (1024) and, unless
 *     external SNAT, an nftables table (ip openvpc-cni) that SNATs pod
 *     traffic leaving the VPC CIDRs to the node's primary IP (fully random
 *     ports) and marks such connections 0x80 so their packets use the main
 *     table (out of eth0) — AWS's AWS-SNAT-CHAIN and connmark rules in
 *     nftables form.
 * Everything is idempotent (replace, or delete-then-add) so a restarted
 * ipamd converges.  Errors name the object and what failed.
 */
#ifndef OPENVPC_IPAMD_NODE_NET_H
#define OPENVPC_IPAMD_NODE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "lib/net/net.h"

#define NODE_RULE_PRIO_FWMARK 1024
#define NODE_RULE_PRIO_ENI 32765
#define NODE_CONNMARK 0x80

/* Route table of ENI device N: main (254) for 0, else N + 1. */
int node_eni_table(int device);
/*
 * Set up secondary ENI `device` whose instance-side link has MAC mac
 * ("0e:..."), primary IP ip in subnet.  0 or a negative errno with why[].
 */
int node_eni_setup(const char *mac, int device, uint32_t ip, struct net_cidr4 subnet, int mtu,
		   char *why, size_t why_size);
/* Remove what node_eni_setup added (the rule; the table goes with the link). */
int node_eni_teardown(int device, uint32_t ip, char *why, size_t why_size);
/* net.ipv4.ip_forward=1 and loose reverse-path filtering (AWS's init sets rp_filter=2). */
int node_sysctls(char *why, size_t why_size);
/*
 * Node-wide rules: the fwmark rule, and SNAT to node_ip for traffic leaving
 * vpc_cidrs (plus exclude) unless external_snat (then the table is removed).
 */
int node_snat_setup(uint32_t node_ip, const struct net_cidr4 *vpc_cidrs, size_t n_vpc,
		    const struct net_cidr4 *exclude, size_t n_exclude, bool external_snat,
		    char *why, size_t why_size);

#endif
