/* node-net: per-ENI route tables and rules, SNAT and connmark (see node-net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/node-net.h"
#include "netlink/nlu.h"

#define TABLE_MAIN 254

int node_eni_table(int device)
{
	return device == 0 ? TABLE_MAIN : device + 1;
}

/* why = "<what> <obj>: <netlink error>" */
static int fail(char *why, size_t size, int e, const char *what, const char *obj)
{
	snprintf(why, size, "%s %s: %s", what, obj, nl_geterror(e));
	return e < 0 ? -EIO : -EINVAL;
}



/* The link whose MAC is mac (case-insensitive). */
static struct rtnl_link *link_by_mac(struct nl_sock *sk, const char *mac)
{
	struct nl_cache *cache = NULL;
	struct rtnl_link *found = NULL;
	char buf[32];

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0)
		return NULL;
	for (struct nl_object *o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct nl_addr *a = rtnl_link_get_addr((struct rtnl_link *)o);

		if (a && nl_addr_get_len(a) == 6 && strcasecmp(nl_addr2str(a, buf, sizeof(buf)), mac) == 0) {
			found = (struct rtnl_link *)o;
			nl_object_get(o);
		}
	}
	nl_cache_free(cache);
	return found;
}

static int route(struct nl_sock *sk, bool add, uint32_t dst, int plen, uint32_t gw, int ifindex,
		 int table, int scope)
{
	struct nlu_route4 r = {.dst = dst, .dst_len = plen, .gateway = gw, .oif = ifindex,
			       .table = (uint32_t)table, .scope = scope};

	return nlu_route4(sk, &r, add ? NLU_REPLACE : NLU_DELETE);
}

static struct rtnl_rule *rule_new(int prio)
{
	struct rtnl_rule *r = rtnl_rule_alloc();

	if (r) {
		rtnl_rule_set_family(r, AF_INET);
		rtnl_rule_set_prio(r, (uint32_t)prio);
		rtnl_rule_set_action(r, FR_ACT_TO_TBL);
	}
	return r;
}

/* Delete every rule like r (duplicates included), then add it once. */
static int rule_replace(struct nl_sock *sk, struct rtnl_rule *r)
{
	for (int i = 0; i < 64 && rtnl_rule_delete(sk, r, 0) == 0; i++)
		;
	return rtnl_rule_add(sk, r, NLM_F_CREATE | NLM_F_EXCL);
}

static int from_rule(struct nl_sock *sk, bool add, uint32_t ip, int table)
{
	struct rtnl_rule *r = rule_new(NODE_RULE_PRIO_ENI);
	struct nl_addr *src = nlu_ip4(ip, 32);
	int e = -NLE_NOMEM;

	if (r && src) {
		rtnl_rule_set_src(r, src);
		if (table)
			rtnl_rule_set_table(r, (uint32_t)table);
		if (add) {
			e = rule_replace(sk, r);
		} else {
			for (e = 0; e == 0;)
				e = rtnl_rule_delete(sk, r, 0);
			e = 0;
		}
	}
	nl_addr_put(src);
	rtnl_rule_put(r);
	return e;
}

static int eni_setup(struct nl_sock *sk, struct rtnl_link *l, int device, uint32_t ip,
		     struct net_cidr4 subnet, int mtu, char *why, size_t size)
{
	int ifindex = rtnl_link_get_ifindex(l), table = node_eni_table(device), e;
	uint32_t gw = subnet.addr + 1;
	struct rtnl_link *chg = rtnl_link_alloc();
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = nlu_ip4(ip, subnet.len);

	if (!chg || !addr || !local) {
		e = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_flags(chg, IFF_UP);
	if (mtu > 0)
		rtnl_link_set_mtu(chg, (unsigned)mtu);
	if ((e = rtnl_link_change(sk, l, chg, 0)) < 0) {
		fail(why, size, e, "cannot bring up", rtnl_link_get_name(l));
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	e = rtnl_addr_add(sk, addr, NLM_F_CREATE | NLM_F_REPLACE);
	if (e < 0 && e != -NLE_EXIST) {
		fail(why, size, e, "cannot add the ENI's address on", rtnl_link_get_name(l));
		goto out;
	}
	if ((e = route(sk, true, gw, 32, 0, ifindex, table, RT_SCOPE_LINK)) < 0 ||
	    (e = route(sk, true, 0, 0, gw, ifindex, table, RT_SCOPE_UNIVERSE)) < 0) {
		fail(why, size, e, "cannot fill the route table of", rtnl_link_get_name(l));
		goto out;
	}
	/* The connected route in main would send subnet traffic out of ethN: drop it. */
	route(sk, false, subnet.addr, subnet.len, 0, ifindex, TABLE_MAIN, RT_SCOPE_LINK);
	if ((e = from_rule(sk, true, ip, table)) < 0)
		fail(why, size, e, "cannot add the source rule of", rtnl_link_get_name(l));
out:
	nl_addr_put(local);
	rtnl_addr_put(addr);
	rtnl_link_put(chg);
	return e < 0 ? -EIO : 0;
}

int node_eni_setup(const char *mac, int device, uint32_t ip, struct net_cidr4 subnet, int mtu,
		   char *why, size_t why_size)
{
	struct nl_sock *sk = nlu_open();
	struct rtnl_link *l;
	int e;

	if (!sk) {
		snprintf(why, why_size, "cannot open a netlink socket");
		return -EIO;
	}
	l = link_by_mac(sk, mac);
	if (!l) {
		snprintf(why, why_size, "no interface with MAC %s (is the ENI attached?)", mac);
		nl_socket_free(sk);
		return -ENOENT;
	}
	e = device == 0 ? 0 : eni_setup(sk, l, device, ip, subnet, mtu, why, why_size);
	rtnl_link_put(l);
	nl_socket_free(sk);
	return e;
}

int node_eni_teardown(int device, uint32_t ip, char *why, size_t why_size)
{
	struct nl_sock *sk = nlu_open();

	if (!sk) {
		snprintf(why, why_size, "cannot open a netlink socket");
		return -EIO;
	}
	if (device > 0)
		from_rule(sk, false, ip, 0);
	nl_socket_free(sk);
	return 0;
}

static int fwmark_rule(char *why, size_t size)
{
	struct nl_sock *sk = nlu_open();
	struct rtnl_rule *r = rule_new(NODE_RULE_PRIO_FWMARK);
	int e = -NLE_NOMEM;

	if (sk && r) {
		rtnl_rule_set_mark(r, NODE_CONNMARK);
		rtnl_rule_set_mask(r, NODE_CONNMARK);
		rtnl_rule_set_table(r, TABLE_MAIN);
		e = rule_replace(sk, r);
	}
	rtnl_rule_put(r);
	if (sk)
		nl_socket_free(sk);
	return e < 0 ? fail(why, size, e, "cannot add the rule", "fwmark 0x80/0x80 lookup main") : 0;
}

/* "{ a, b }" of CIDRs into buf. */
static void cidr_set(const struct net_cidr4 *a, size_t n, const struct net_cidr4 *b, size_t nb,
		     char *buf, size_t size)
{
	char c[NET_CIDR4_STRLEN];
	size_t off = (size_t)snprintf(buf, size, "{ ");

	for (size_t i = 0; i < n + nb && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s", i ? ", " : "",
					net_cidr4_format(i < n ? a[i] : b[i - n], c));
	if (off < size)
		snprintf(buf + off, size - off, " }");
}

/* Write v to /proc/sys/<path>; 0 or -errno. */
static int sysctl_set(const char *path, const char *v)
{
	char full[256];
	FILE *f;

	snprintf(full, sizeof(full), "/proc/sys/%s", path);
	f = fopen(full, "we");
	if (!f)
		return -errno;
	int ok = fputs(v, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

int node_sysctls(char *why, size_t why_size)
{
	/* Pods are routed by the node; replies to pods on secondary ENIs may come in on eth0. */
	if (sysctl_set("net/ipv4/ip_forward", "1") < 0) {
		snprintf(why, why_size, "cannot enable net.ipv4.ip_forward");
		return -EIO;
	}
	sysctl_set("net/ipv4/conf/all/rp_filter", "2");
	sysctl_set("net/ipv4/conf/default/rp_filter", "2");
	sysctl_set("net/ipv4/conf/eth0/rp_filter", "2");
	return 0;
}

int node_snat_setup(uint32_t node_ip, const struct net_cidr4 *vpc_cidrs, size_t n_vpc,
		    const struct net_cidr4 *exclude, size_t n_exclude, bool external_snat,
		    char *why, size_t why_size)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	char set[4096], ip[NET_IP4_STRLEN], script[8192];
	int e;

	if (!nft) {
		snprintf(why, why_size, "cannot create an nftables context");
		return -ENOMEM;
	}
	nft_ctx_buffer_error(nft);
	cidr_set(vpc_cidrs, n_vpc, exclude, n_exclude, set, sizeof(set));
	net_ip4_format(node_ip, ip);
	if (external_snat)
		snprintf(script, sizeof(script),
			 "table ip openvpc-cni\ndelete table ip openvpc-cni\n");
	else
		snprintf(script, sizeof(script),
			 "table ip openvpc-cni\n"
			 "delete table ip openvpc-cni\n"
			 "table ip openvpc-cni {\n"
			 "  set vpc { type ipv4_addr; flags interval; elements = %s }\n"
			 "  chain connmark_nat {\n"
			 "    type nat hook prerouting priority dstnat; policy accept;\n"
			 "    iifname \"eni*\" ip daddr != @vpc ct mark set ct mark | 0x%x\n"
			 "  }\n"
			 "  chain connmark_restore {\n"
			 "    type filter hook prerouting priority mangle; policy accept;\n"
			 "    iifname \"eni*\" meta mark set ct mark and 0x%x\n"
			 "  }\n"
			 "  chain pod_snat {\n"
			 "    type nat hook postrouting priority srcnat; policy accept;\n"
			 "    ip daddr @vpc return\n"
			 "    oifname \"vlan*\" return\n"
			 "    fib daddr type local return\n"
			 "    ip saddr != %s snat to %s fully-random\n"
			 "  }\n"
			 "}\n",
			 set, NODE_CONNMARK, NODE_CONNMARK, ip, ip);
	e = nft_run_cmd_from_buffer(nft, script);
	if (e != 0)
		snprintf(why, why_size, "nftables: %s", nft_ctx_get_error_buffer(nft));
	nft_ctx_free(nft);
	if (e != 0)
		return -EIO;
	return fwmark_rule(why, why_size);
}
