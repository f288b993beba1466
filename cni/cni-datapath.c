/* cni-datapath: the pod's veth, addresses, routes, neighbour and rules (see cni-datapath.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cni/cni-datapath.h"
#include "lib/net/net.h"
#include "lib/util/util.h"
#include "netlink/nlu.h"

#define GW4 0xa9fe0101u /* 169.254.1.1 */

/* Netlink sockets in the node's and the pod's namespaces. */
struct socks {
	struct nl_sock *host;
	struct nl_sock *pod; /* NULL when the pod's namespace is unknown or gone */
};

static int nl_fail(struct cni_err *err, int nle, const char *what, const char *name)
{
	return cni_err_set(err, CNI_ERR_DATAPATH, "%s %s: %s", what, name, nl_geterror(nle));
}


static void socks_close(struct socks *s)
{
	if (s->host)
		nl_socket_free(s->host);
	if (s->pod)
		nl_socket_free(s->pod);
}

/*
 * Open the node socket here and the pod socket inside netns.  With
 * need_pod false a missing namespace only leaves s->pod NULL.
 */
static int socks_open(const char *netns, bool need_pod, struct socks *s, struct cni_err *err)
{
	int host_fd = -1, pod_fd = -1, e = 0;

	*s = (struct socks){0};
	s->host = nlu_open();
	if (!s->host)
		return cni_err_set(err, CNI_ERR_IO, "cannot open a netlink socket");
	if (!netns || !*netns)
		return need_pod ? cni_err_set(err, CNI_ERR_INVALID_ENV, "CNI_NETNS is not set") : 0;
	pod_fd = open(netns, O_RDONLY | O_CLOEXEC);
	if (pod_fd < 0) {
		if (!need_pod)
			return 0;
		e = cni_err_set(err, CNI_ERR_UNKNOWN_CONTAINER, "cannot open the pod namespace %s: %s",
				netns, strerror(errno));
		goto out;
	}
	host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (host_fd < 0 || setns(pod_fd, CLONE_NEWNET) < 0) {
		e = cni_err_set(err, CNI_ERR_IO, "cannot enter the pod namespace %s: %s", netns,
				strerror(errno));
		goto out;
	}
	s->pod = nlu_open();
	if (setns(host_fd, CLONE_NEWNET) < 0) {
		/* Staying in the pod's namespace would wire the node side into it. */
		e = cni_err_set(err, CNI_ERR_IO, "cannot return to the node namespace: %s",
				strerror(errno));
		goto out;
	}
	if (!s->pod)
		e = cni_err_set(err, CNI_ERR_IO, "cannot open a netlink socket in %s", netns);
out:
	if (pod_fd >= 0)
		close(pod_fd);
	if (host_fd >= 0)
		close(host_fd);
	if (e < 0)
		socks_close(s);
	return e;
}


static int link_get(struct nl_sock *sk, const char *name, struct rtnl_link **ret)
{
	return rtnl_link_get_kernel(sk, 0, name, ret);
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		memset(mac, 0x5a, 6);
	mac[0] = (uint8_t)((mac[0] | 2) & 0xfe); /* locally administered, unicast */
}

static int create_veth(const struct socks *s, const struct cni_dp_pod *p, uint8_t host_mac[6],
		       struct cni_err *err)
{
	struct rtnl_link *veth = rtnl_link_veth_alloc(), *peer;
	struct nl_addr *mac;
	int host_fd, e;

	if (!veth)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	peer = rtnl_link_veth_get_peer(veth);
	random_mac(host_mac);
	mac = nl_addr_build(AF_LLC, host_mac, 6);
	host_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	/*
	 * The pod end up at creation, no RTM_SETLINK for it (the peer's flags
	 * too made libnl 3.7's request fail).
	 */
	rtnl_link_set_name(veth, p->ifname);
	rtnl_link_set_mtu(veth, (unsigned)p->mtu);
	rtnl_link_set_flags(veth, IFF_UP);
	rtnl_link_set_name(peer, p->host_ifname);
	rtnl_link_set_mtu(peer, (unsigned)p->mtu);
	if (mac)
		rtnl_link_set_addr(peer, mac);
	rtnl_link_set_ns_fd(peer, host_fd);
	e = host_fd < 0 || !mac ? -NLE_NOMEM : rtnl_link_add(s->pod, veth, NLM_F_CREATE | NLM_F_EXCL);
	if (host_fd >= 0)
		close(host_fd);
	nl_addr_put(mac);
	rtnl_link_put(peer);
	rtnl_link_put(veth);
	return e < 0 ? nl_fail(err, e, "cannot create the veth pair", p->host_ifname) : 0;
}

static int ifindex_mac(struct nl_sock *sk, const char *name, int *ret_index, uint8_t ret_mac[6],
		       struct cni_err *err)
{
	struct rtnl_link *l = NULL;
	int e = link_get(sk, name, &l);

	if (e < 0)
		return nl_fail(err, e, "cannot find", name);
	*ret_index = rtnl_link_get_ifindex(l);
	struct nl_addr *a = rtnl_link_get_addr(l);
	if (ret_mac && a && nl_addr_get_len(a) == 6)
		memcpy(ret_mac, nl_addr_get_binary_addr(a), 6);
	rtnl_link_put(l);
	return 0;
}

/* The link's index and MAC (one RTM_GETLINK), brought up unless it already is. */
static int link_up(struct nl_sock *sk, const char *name, int *ret_index, uint8_t ret_mac[6],
		   struct cni_err *err)
{
	struct rtnl_link *l = NULL, *chg = NULL;
	int e = link_get(sk, name, &l);

	if (e == 0 && !(rtnl_link_get_flags(l) & IFF_UP)) {
		chg = rtnl_link_alloc();
		if (!chg)
			e = -NLE_NOMEM;
		else {
			rtnl_link_set_flags(chg, IFF_UP);
			e = rtnl_link_change(sk, l, chg, 0);
		}
	}
	if (e == 0) {
		struct nl_addr *a = rtnl_link_get_addr(l);

		*ret_index = rtnl_link_get_ifindex(l);
		if (ret_mac && a && nl_addr_get_len(a) == 6)
			memcpy(ret_mac, nl_addr_get_binary_addr(a), 6);
	}
	rtnl_link_put(chg);
	rtnl_link_put(l);
	return e < 0 ? nl_fail(err, e, "cannot bring up", name) : 0;
}

static int add_addr(struct nl_sock *sk, int ifindex, uint32_t ip, const char *name,
		    struct cni_err *err)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nlu_ip4(ip, 32);
	int e = -NLE_NOMEM;

	if (a && local) {
		rtnl_addr_set_ifindex(a, ifindex);
		rtnl_addr_set_local(a, local);
		e = rtnl_addr_add(sk, a, 0);
	}
	nl_addr_put(local);
	rtnl_addr_put(a);
	return e < 0 ? nl_fail(err, e, "cannot add the pod address on", name) : 0;
}

/* ip route replace dst/plen [via gw] dev ifindex scope ... table t */
static int add_route(struct nl_sock *sk, uint32_t dst, int plen, uint32_t gw, int ifindex,
		     int table, const char *name, struct cni_err *err)
{
	struct nlu_route4 r = {.dst = dst, .dst_len = plen, .gateway = gw, .oif = ifindex,
			       .table = (uint32_t)table, .scope = -1, .protocol = RTPROT_BOOT};
	int e = nlu_route4(sk, &r, NLU_REPLACE);

	return e < 0 ? nl_fail(err, e, "cannot add a route on", name) : 0;
}

static int add_neigh(struct nl_sock *sk, int ifindex, const uint8_t mac[6], const char *name,
		     struct cni_err *err)
{
	int e = nlu_neigh4_permanent(sk, ifindex, GW4, mac);

	return e < 0 ? nl_fail(err, e, "cannot add the 169.254.1.1 neighbour on", name) : 0;
}

static struct rtnl_rule *pod_rule(uint32_t ip, bool to, int table)
{
	struct rtnl_rule *r = rtnl_rule_alloc();
	struct nl_addr *a = nlu_ip4(ip, 32);

	if (!r || !a) {
		rtnl_rule_put(r);
		nl_addr_put(a);
		return NULL;
	}
	rtnl_rule_set_family(r, AF_INET);
	rtnl_rule_set_prio(r, to ? CNI_RULE_PRIO_TO_POD : CNI_RULE_PRIO_FROM_POD);
	if (to)
		rtnl_rule_set_dst(r, a);
	else
		rtnl_rule_set_src(r, a);
	if (table)
		rtnl_rule_set_table(r, (uint32_t)table);
	rtnl_rule_set_action(r, FR_ACT_TO_TBL);
	nl_addr_put(a);
	return r;
}

/* Delete every rule "to|from ip" at its priority (loop: duplicates may exist). */
static void del_rules(struct nl_sock *sk, uint32_t ip, bool to)
{
	struct rtnl_rule *r = pod_rule(ip, to, 0);

	for (int i = 0; r && i < 64 && rtnl_rule_delete(sk, r, 0) == 0; i++)
		;
	rtnl_rule_put(r);
}

static int add_rule(struct nl_sock *sk, uint32_t ip, bool to, int table, struct cni_err *err)
{
	struct rtnl_rule *r = pod_rule(ip, to, table);
	int e = r ? rtnl_rule_add(sk, r, NLM_F_CREATE | NLM_F_EXCL) : -NLE_NOMEM;

	rtnl_rule_put(r);
	if (e == -NLE_EXIST)
		e = 0;
	return e < 0 ? nl_fail(err, e, "cannot add the policy rule for", to ? "to-pod" : "from-pod")
		     : 0;
}

static void del_link(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *l = rtnl_link_alloc();

	if (!l)
		return;
	rtnl_link_set_name(l, name);
	rtnl_link_delete(sk, l);
	rtnl_link_put(l);
}

/* sysctl net.ipv6.conf.<if>.<key> = v, when IPv6 exists (the AWS plugin's host veth settings). */
static void ipv6_conf(const char *ifname, const char *key, const char *v)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, v, strlen(v)) < 0) {
		/* best effort, as the AWS plugin's */
	}
	close(fd);
}

/* An ADD between its halves: the node's and the pod's sockets, the veth made. */
struct cni_dp_wip {
	struct socks s;
	struct cni_dp_pod p;
	struct cni_pod_result r;
	int host_if, pod_if;
};

/* Everything that does not depend on the address: veth, links up, the pod's gateway. */
static int wire_begin(struct cni_dp_wip *w, struct cni_err *err)
{
	const struct cni_dp_pod *p = &w->p;
	int e;

	if ((e = create_veth(&w->s, p, w->r.host_mac, err)) < 0)
		return e;
	ipv6_conf(p->host_ifname, "accept_ra", "0");
	ipv6_conf(p->host_ifname, "accept_redirects", "1");
	ipv6_conf(p->host_ifname, "forwarding", "0");
	if ((e = link_up(w->s.host, p->host_ifname, &w->host_if, NULL, err)) < 0 ||
	    (e = link_up(w->s.pod, p->ifname, &w->pod_if, w->r.pod_mac, err)) < 0 ||
	    (e = add_route(w->s.pod, GW4, 32, 0, w->pod_if, RT_TABLE_MAIN, p->ifname, err)) < 0 ||
	    (e = add_route(w->s.pod, 0, 0, GW4, w->pod_if, RT_TABLE_MAIN, p->ifname, err)) < 0 ||
	    (e = add_neigh(w->s.pod, w->pod_if, w->r.host_mac, p->ifname, err)) < 0)
		return e;
	return 0;
}

/* The address in the pod; on the node its /32 route and rules. */
static int wire_finish(struct cni_dp_wip *w, struct cni_err *err)
{
	const struct cni_dp_pod *p = &w->p;
	int e;

	if ((e = add_addr(w->s.pod, w->pod_if, p->ip4, p->ifname, err)) < 0 ||
	    (e = add_route(w->s.host, p->ip4, 32, 0, w->host_if, RT_TABLE_MAIN, p->host_ifname,
			   err)) < 0 ||
	    (e = add_rule(w->s.host, p->ip4, true, RT_TABLE_MAIN, err)) < 0)
		return e;
	if (p->route_table != CNI_RT_TABLE_MAIN &&
	    (e = add_rule(w->s.host, p->ip4, false, p->route_table, err)) < 0)
		return e;
	return 0;
}

int cni_dp_add_begin(const struct cni_dp_pod *p, struct cni_dp_wip **ret, struct cni_err *err)
{
	struct cni_dp_wip *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return cni_err_set(err, CNI_ERR_IO, "out of memory");
	w->p = *p;
	if ((e = socks_open(p->netns, true, &w->s, err)) < 0) {
		free(w);
		return e;
	}
	/* A stale host veth of the same name (a pod re-created under its name) goes first. */
	del_link(w->s.host, p->host_ifname);
	if ((e = wire_begin(w, err)) < 0) {
		cni_dp_add_abort(w);
		return e;
	}
	*ret = w;
	return 0;
}

void cni_dp_add_abort(struct cni_dp_wip *w)
{
	if (!w)
		return;
	del_link(w->s.host, w->p.host_ifname); /* takes the pod's end with it */
	socks_close(&w->s);
	free(w);
}

int cni_dp_add_finish(struct cni_dp_wip *w, uint32_t ip4, int route_table,
		      struct cni_pod_result *ret, struct cni_err *err)
{
	int e;

	w->p.ip4 = ip4;
	w->p.route_table = route_table;
	/* Stale rules for this address (a crash between an earlier pod's DEL steps) go first. */
	del_rules(w->s.host, ip4, true);
	del_rules(w->s.host, ip4, false);
	if ((e = wire_finish(w, err)) < 0) {
		del_rules(w->s.host, ip4, true);
		del_rules(w->s.host, ip4, false);
		cni_dp_add_abort(w);
		return e;
	}
	struct cni_pod_result r = w->r;
	util_strscpy(r.host_ifname, w->p.host_ifname, sizeof(r.host_ifname));
	util_strscpy(r.pod_ifname, w->p.ifname, sizeof(r.pod_ifname));
	util_strscpy(r.sandbox, w->p.netns, sizeof(r.sandbox));
	r.ip4 = ip4;
	r.mtu = w->p.mtu;
	*ret = r;
	socks_close(&w->s);
	free(w);
	return 0;
}

int cni_dp_add(const struct cni_dp_pod *p, struct cni_pod_result *ret, struct cni_err *err)
{
	struct cni_dp_wip *w = NULL;
	int e = cni_dp_add_begin(p, &w, err);

	if (e < 0)
		return e;
	return cni_dp_add_finish(w, p->ip4, p->route_table, ret, err);
}

int cni_dp_del(const struct cni_dp_pod *p, struct cni_err *err)
{
	struct socks s;
	int e;

	if ((e = socks_open(NULL, false, &s, err)) < 0)
		return e;
	if (p->ip4) {
		del_rules(s.host, p->ip4, true);
		del_rules(s.host, p->ip4, false);
	}
	if (p->host_ifname && *p->host_ifname)
		del_link(s.host, p->host_ifname); /* the kernel removes the /32 route with it */
	socks_close(&s);
	return 0;
}

static bool has_addr(struct nl_sock *sk, int ifindex, uint32_t ip)
{
	struct nl_cache *cache = NULL;
	bool found = false;

	if (rtnl_addr_alloc_cache(sk, &cache) < 0)
		return false;
	for (struct nl_object *o = nl_cache_get_first(cache); o && !found; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *l = rtnl_addr_get_local(a);
		uint32_t be = htonl(ip);

		found = rtnl_addr_get_ifindex(a) == ifindex && l && nl_addr_get_len(l) == 4 &&
			memcmp(nl_addr_get_binary_addr(l), &be, 4) == 0;
	}
	nl_cache_free(cache);
	return found;
}

int cni_dp_check(const struct cni_dp_pod *p, struct cni_err *err)
{
	struct socks s;
	int pod_if, host_if, e;
	char ip[NET_IP4_STRLEN];

	if ((e = socks_open(p->netns, true, &s, err)) < 0)
		return e;
	net_ip4_format(p->ip4, ip);
	if ((e = ifindex_mac(s.pod, p->ifname, &pod_if, NULL, err)) < 0 ||
	    (e = ifindex_mac(s.host, p->host_ifname, &host_if, NULL, err)) < 0)
		goto out;
	if (!has_addr(s.pod, pod_if, p->ip4))
		e = cni_err_set(err, CNI_ERR_DATAPATH, "%s in %s does not hold %s/32", p->ifname,
				p->netns, ip);
out:
	socks_close(&s);
	return e;
}
