/* nlu: shared rtnetlink requests (see nlu.h). */
#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "netlink/nlu.h"

struct nl_sock *nlu_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

struct nl_addr *nlu_ip4(uint32_t ip, int plen)
{
	uint32_t be = htonl(ip);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, 4);

	if (a)
		nl_addr_set_prefixlen(a, plen);
	return a;
}

int nlu_route4(struct nl_sock *sk, const struct nlu_route4 *route, enum nlu_op op)
{
	struct rtnl_route *r;
	struct rtnl_nexthop *nh;
	struct nl_addr *d, *g;
	int e = -NLE_NOMEM;

	if (!route || route->dst_len < 0 || route->dst_len > 32 || route->oif <= 0)
		return -NLE_INVAL;
	r = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	d = nlu_ip4(route->dst, route->dst_len);
	g = route->gateway ? nlu_ip4(route->gateway, 32) : NULL;
	if (r && nh && d && (!route->gateway || g)) {
		rtnl_route_set_family(r, AF_INET);
		rtnl_route_set_table(r, route->table ? route->table : RT_TABLE_MAIN);
		rtnl_route_set_type(r, RTN_UNICAST);
		if (route->protocol)
			rtnl_route_set_protocol(r, route->protocol);
		rtnl_route_set_scope(r, route->scope >= 0	 ? (uint8_t)route->scope
					: route->gateway ? RT_SCOPE_UNIVERSE
							 : RT_SCOPE_LINK);
		e = rtnl_route_set_dst(r, d);
		rtnl_route_nh_set_ifindex(nh, route->oif);
		if (g)
			rtnl_route_nh_set_gateway(nh, g);
		if (route->onlink)
			rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
		rtnl_route_add_nexthop(r, nh);
		nh = NULL; /* owned by the route now */
		if (e == 0)
			e = op == NLU_DELETE	? rtnl_route_delete(sk, r, 0)
			    : op == NLU_ADD_EXCL ? rtnl_route_add(sk, r, NLM_F_EXCL)
						 : rtnl_route_add(sk, r, NLM_F_CREATE | NLM_F_REPLACE);
	}
	if (nh)
		rtnl_route_nh_free(nh);
	nl_addr_put(d);
	nl_addr_put(g);
	rtnl_route_put(r);
	return e < 0 ? e : 0;
}

int nlu_neigh4_permanent(struct nl_sock *sk, int ifindex, uint32_t ip, const uint8_t mac[6])
{
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *dst = nlu_ip4(ip, 32), *ll = nl_addr_build(AF_LLC, mac, 6);
	int e = -NLE_NOMEM;

	if (n && dst && ll) {
		rtnl_neigh_set_family(n, AF_INET);
		rtnl_neigh_set_ifindex(n, ifindex);
		rtnl_neigh_set_dst(n, dst);
		rtnl_neigh_set_lladdr(n, ll);
		rtnl_neigh_set_state(n, NUD_PERMANENT);
		e = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	}
	nl_addr_put(dst);
	nl_addr_put(ll);
	rtnl_neigh_put(n);
	return e < 0 ? e : 0;
}
