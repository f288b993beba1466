/*
 * plumb-link: netlink verbs over libnl-route-3 (see plumb-link.h).
 *
 * Ownership: every libnl object allocated here is released before return;
 * callers only see plain snapshots.  Requests are synchronous (libnl waits
 * for the kernel's ACK), so when a function returns 0 the kernel has applied
 * the change.
 */
#include "fabric/plumb-link.h"
#include "netlink/nlu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#ifndef IN6_ADDR_GEN_MODE_NONE
#define IN6_ADDR_GEN_MODE_NONE 1
#endif

int plumb_nlerr(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
		return -EPERM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_NOACCESS:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* ---- links ---------------------------------------------------------------- */

static void link_snapshot(struct rtnl_link *link, struct plumb_link_info *out)
{
	const char *s;
	struct nl_addr *a;

	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(link);
	s = rtnl_link_get_name(link);
	if (s)
		snprintf(out->name, sizeof(out->name), "%s", s);
	s = rtnl_link_get_ifalias(link);
	if (s)
		snprintf(out->alias, sizeof(out->alias), "%s", s);
	a = rtnl_link_get_addr(link);
	if (a && nl_addr_get_len(a) == 6) {
		memcpy(out->mac, nl_addr_get_binary_addr(a), 6);
		out->has_mac = true;
	}
	out->mtu = rtnl_link_get_mtu(link);
	out->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	s = rtnl_link_get_type(link);
	out->is_veth = s && strcmp(s, "veth") == 0;
	out->peer_ifindex = rtnl_link_get_link(link);
	out->group = rtnl_link_get_group(link);
}

int plumb_link_list(struct nl_sock *sk, struct plumb_link_info **ret_links, size_t *ret_n)
{
	struct plumb_link_info *links;
	struct nl_cache *cache;
	struct nl_object *obj;
	size_t n = 0;
	int r;

	r = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (r < 0)
		return plumb_nlerr(r);
	links = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*links));
	if (!links) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj))
		link_snapshot((struct rtnl_link *)obj, &links[n++]);
	nl_cache_free(cache);
	*ret_links = links;
	*ret_n = n;
	return 0;
}

int plumb_link_get(struct nl_sock *sk, const char *name, struct plumb_link_info *ret_link)
{
	struct rtnl_link *link = NULL;
	int r;

	if (!name || strlen(name) >= IF_NAMESIZE)
		return -EINVAL;
	r = rtnl_link_get_kernel(sk, 0, name, &link);
	if (r < 0)
		return plumb_nlerr(r) == -ENOENT ? -ENODEV : plumb_nlerr(r);
	link_snapshot(link, ret_link);
	rtnl_link_put(link);
	return 0;
}

int plumb_link_veth_add(struct nl_sock *sk, const char *name, int peer_ns_fd,
			const char *peer_name, const uint8_t peer_mac[6], unsigned mtu)
{
	struct rtnl_link *link, *peer;
	struct nl_addr *mac = NULL;
	int r;

	if (!name || !peer_name || strlen(name) >= IF_NAMESIZE || strlen(peer_name) >= IF_NAMESIZE ||
	    peer_ns_fd < 0)
		return -EINVAL;
	link = rtnl_link_veth_alloc();
	if (!link)
		return -ENOMEM;
	peer = rtnl_link_veth_get_peer(link); /* a reference, dropped below */
	if (!peer) {
		r = -ENOMEM;
		goto out_link;
	}
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	rtnl_link_set_ns_fd(peer, peer_ns_fd);
	if (mtu) {
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_set_mtu(peer, mtu);
	}
	if (peer_mac) {
		mac = nl_addr_build(AF_LLC, peer_mac, 6);
		if (!mac) {
			r = -ENOMEM;
			goto out_peer;
		}
		rtnl_link_set_addr(peer, mac);
		nl_addr_put(mac);
	}
	r = plumb_nlerr(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));

out_peer:
	rtnl_link_put(peer);
out_link:
	rtnl_link_put(link);
	return r;
}

int plumb_link_set(struct nl_sock *sk, int ifindex, const char *alias, unsigned mtu, bool up,
		   bool no_ipv6_ll)
{
	struct rtnl_link *orig, *changes;
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	orig = rtnl_link_alloc();
	changes = rtnl_link_alloc();
	if (!orig || !changes) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (alias)
		rtnl_link_set_ifalias(changes, alias);
	if (mtu)
		rtnl_link_set_mtu(changes, mtu);
	if (up)
		rtnl_link_set_flags(changes, IFF_UP);
	if (no_ipv6_ll) {
		r = plumb_nlerr(rtnl_link_inet6_set_addr_gen_mode(changes, IN6_ADDR_GEN_MODE_NONE));
		if (r < 0)
			goto out;
	}
	r = plumb_nlerr(rtnl_link_change(sk, orig, changes, 0));
out:
	rtnl_link_put(changes);
	rtnl_link_put(orig);
	return r;
}

int plumb_link_delete(struct nl_sock *sk, int ifindex)
{
	struct rtnl_link *link;
	int r;

	if (ifindex <= 0)
		return -EINVAL;
	link = rtnl_link_alloc();
	if (!link)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	r = plumb_nlerr(rtnl_link_delete(sk, link));
	rtnl_link_put(link);
	return r;
}

static int link_set_group(struct nl_sock *sk, int ifindex, uint32_t group)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *changes = rtnl_link_alloc();
	int r = -ENOMEM;

	if (orig && changes) {
		rtnl_link_set_ifindex(orig, ifindex);
		rtnl_link_set_group(changes, group);
		r = plumb_nlerr(rtnl_link_change(sk, orig, changes, 0));
	}
	rtnl_link_put(changes);
	rtnl_link_put(orig);
	return r;
}

static int link_delete_group(struct nl_sock *sk, uint32_t group)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_DELLINK, 0);

	if (!msg)
		return -ENOMEM;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(msg, IFLA_GROUP, group) < 0) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return plumb_nlerr(nl_send_sync(sk, msg)); /* frees msg */
}

static int delete_one_by_one(struct nl_sock *sk, const int *ifindexes, size_t n)
{
	int deleted = 0;

	for (size_t i = 0; i < n; i++) {
		int r = plumb_link_delete(sk, ifindexes[i]);

		if (r == 0)
			deleted++;
		else if (r != -ENODEV)
			return r;
	}
	return deleted;
}

int plumb_link_delete_many(struct nl_sock *sk, const int *ifindexes, size_t n)
{
	struct plumb_link_info *links;
	size_t n_links, marked = 0;
	bool foreign = false;
	int r;

	if (n == 0)
		return 0;
	if (n == 1)
		return delete_one_by_one(sk, ifindexes, n);
	for (size_t i = 0; i < n; i++) {
		r = link_set_group(sk, ifindexes[i], PLUMB_DOOMED_GROUP);
		if (r == 0)
			marked++;
		else if (r != -ENODEV)
			return r;
	}
	/* Only our links may be in the group: check before deleting it. */
	r = plumb_link_list(sk, &links, &n_links);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_links && !foreign; i++) {
		bool mine = false;

		if (links[i].group != PLUMB_DOOMED_GROUP)
			continue;
		for (size_t k = 0; k < n && !mine; k++)
			mine = links[i].ifindex == ifindexes[k];
		foreign = !mine;
	}
	free(links);
	if (foreign || marked == 0)
		return delete_one_by_one(sk, ifindexes, n);
	r = link_delete_group(sk, PLUMB_DOOMED_GROUP);
	if (r < 0)
		return delete_one_by_one(sk, ifindexes, n);
	return (int)marked;
}

/* ---- IPv4 addresses ------------------------------------------------------- */


static uint32_t addr4_get(struct nl_addr *a)
{
	uint32_t be = 0;

	if (a && nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4)
		memcpy(&be, nl_addr_get_binary_addr(a), 4);
	return ntohl(be);
}

int plumb_addr4_has(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len)
{
	struct nl_cache *cache;
	struct nl_object *obj;
	int found = 0, r;

	r = rtnl_addr_alloc_cache(sk, &cache);
	if (r < 0)
		return plumb_nlerr(r);
	for (obj = nl_cache_get_first(cache); obj && !found; obj = nl_cache_get_next(obj)) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;

		found = rtnl_addr_get_family(a) == AF_INET && rtnl_addr_get_ifindex(a) == ifindex &&
			rtnl_addr_get_prefixlen(a) == len &&
			addr4_get(rtnl_addr_get_local(a)) == ip;
	}
	nl_cache_free(cache);
	return found;
}

static int addr4_change(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len, bool add)
{
	struct rtnl_addr *a;
	struct nl_addr *local;
	int r;

	if (ifindex <= 0 || len > 32)
		return -EINVAL;
	a = rtnl_addr_alloc();
	local = nlu_ip4(ip, len);
	if (!a || !local) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, AF_INET);
	r = plumb_nlerr(rtnl_addr_set_local(a, local));
	if (r < 0)
		goto out;
	rtnl_addr_set_prefixlen(a, len);
	if (add)
		r = plumb_nlerr(rtnl_addr_add(sk, a, NLM_F_EXCL));
	else
		r = plumb_nlerr(rtnl_addr_delete(sk, a, 0));
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

int plumb_addr4_add(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len)
{
	return addr4_change(sk, ifindex, ip, len, true);
}

int plumb_addr4_del(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len)
{
	return addr4_change(sk, ifindex, ip, len, false);
}

/* ---- IPv4 routes ---------------------------------------------------------- */

int plumb_route4_list(struct nl_sock *sk, struct plumb_route4 **ret_routes, size_t *ret_n)
{
	struct plumb_route4 *routes;
	struct nl_cache *cache;
	struct nl_object *obj;
	size_t n = 0;
	int r;

	r = rtnl_route_alloc_cache(sk, AF_INET, 0, &cache);
	if (r < 0)
		return plumb_nlerr(r);
	routes = calloc((size_t)nl_cache_nitems(cache) + 1, sizeof(*routes));
	if (!routes) {
		nl_cache_free(cache);
		return -ENOMEM;
	}
	for (obj = nl_cache_get_first(cache); obj; obj = nl_cache_get_next(obj)) {
		struct rtnl_route *rt = (struct rtnl_route *)obj;
		struct plumb_route4 *o = &routes[n];
		struct nl_addr *dst = rtnl_route_get_dst(rt);

		if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || rtnl_route_get_type(rt) != RTN_UNICAST)
			continue;
		o->dst = addr4_get(dst);
		o->dst_len = dst ? (uint8_t)nl_addr_get_prefixlen(dst) : 0;
		o->protocol = rtnl_route_get_protocol(rt);
		if (rtnl_route_get_nnexthops(rt) > 0) {
			struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, 0);

			o->oif = rtnl_route_nh_get_ifindex(nh);
			o->gateway = addr4_get(rtnl_route_nh_get_gateway(nh));
		}
		n++;
	}
	nl_cache_free(cache);
	*ret_routes = routes;
	*ret_n = n;
	return 0;
}

static struct nlu_route4 route4_of(const struct plumb_route4 *route)
{
	return (struct nlu_route4){.dst = route->dst, .dst_len = route->dst_len,
				   .gateway = route->gateway, .oif = route->oif, .scope = -1,
				   .protocol = route->protocol};
}

int plumb_route4_add(struct nl_sock *sk, const struct plumb_route4 *route)
{
	struct nlu_route4 r;

	if (!route || route->dst_len > 32 || route->oif <= 0)
		return -EINVAL;
	r = route4_of(route);
	return plumb_nlerr(nlu_route4(sk, &r, NLU_ADD_EXCL));
}

int plumb_route4_del(struct nl_sock *sk, const struct plumb_route4 *route)
{
	struct nlu_route4 r;

	if (!route || route->dst_len > 32 || route->oif <= 0)
		return -EINVAL;
	r = route4_of(route);
	return plumb_nlerr(nlu_route4(sk, &r, NLU_DELETE));
}
