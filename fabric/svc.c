/* svc: the service namespace (see svc.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netlink/netlink.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fabric/netns.h"
#include "fabric/plumb-link.h"
#include "fabric/svc.h"
#include "netlink/nlu.h"

#define SVC_LINK "svc0"				       /* inside the service namespace */
#define SVC_GW ((SVC_POOL_ADDR | 0x7ffe))	       /* 169.254.127.254: never a pool member */
static const uint32_t svc_addrs[] = {SVC_IMDS_ADDR, SVC_EC2_ADDR, SVC_TIME_ADDR, SVC_DNS_ADDR};


/* ip neigh replace SVC_GW lladdr router_mac dev ifindex nud permanent */
static int gw_neigh(struct nl_sock *sk, int ifindex, const uint8_t mac[6])
{
	return plumb_nlerr(nlu_neigh4_permanent(sk, ifindex, SVC_GW, mac));
}

/* ip route replace 169.254.0.0/17 via SVC_GW dev ifindex onlink */
static int pool_route(struct nl_sock *sk, int ifindex)
{
	struct nlu_route4 r = {.dst = SVC_POOL_ADDR, .dst_len = SVC_POOL_LEN, .gateway = SVC_GW,
			       .oif = ifindex, .scope = -1, .onlink = true};

	return plumb_nlerr(nlu_route4(sk, &r, NLU_REPLACE));
}

static int fail(char *why, size_t size, int e, const char *what)
{
	snprintf(why, size, "service namespace: %s: %s", what, strerror(-e));
	return e;
}

int svc_setup(const char *svc_ns, const char *fabric_ns, const uint8_t router_mac[6],
	      struct svc_port *ret_port, char *why, size_t why_size)
{
	struct nl_sock *fsk = NULL, *ssk = NULL;
	struct plumb_link_info fl, sl, lo;
	int ffd = -1, sfd = -1, e;
	static const uint8_t zero[6];

	e = netns_exists(svc_ns);
	if (e == 0)
		e = netns_add(svc_ns);
	if (e < 0)
		return fail(why, why_size, e, "create");
	ffd = netns_open(fabric_ns);
	sfd = netns_open(svc_ns);
	if (ffd < 0 || sfd < 0) {
		e = fail(why, why_size, ffd < 0 ? ffd : sfd, "open");
		goto out;
	}
	if ((e = netns_nl_socket(ffd, &fsk)) < 0 || (e = netns_nl_socket(sfd, &ssk)) < 0) {
		fail(why, why_size, e, "netlink");
		goto out;
	}
	/* A pair whose halves do not both exist is rebuilt. */
	bool have_f = plumb_link_get(fsk, SVC_FABRIC_LINK, &fl) == 0;
	bool have_s = plumb_link_get(ssk, SVC_LINK, &sl) == 0;
	if (have_f != have_s || (have_f && !fl.is_veth)) {
		if (have_f)
			plumb_link_delete(fsk, fl.ifindex);
		if (have_s)
			plumb_link_delete(ssk, sl.ifindex);
		have_f = have_s = false;
	}
	if (!have_f) {
		uint8_t mac[6] = {0x02, 0x76, 0x70, 0x63, 0x00, 0x02}; /* fixed: the port's peer */
		if ((e = plumb_link_veth_add(fsk, SVC_FABRIC_LINK, sfd, SVC_LINK, mac, 0)) < 0 ||
		    (e = plumb_link_get(fsk, SVC_FABRIC_LINK, &fl)) < 0 ||
		    (e = plumb_link_get(ssk, SVC_LINK, &sl)) < 0) {
			fail(why, why_size, e, "veth pair");
			goto out;
		}
	}
	if ((e = plumb_link_set(fsk, fl.ifindex, NULL, 0, true, true)) < 0 ||
	    (e = plumb_link_set(ssk, sl.ifindex, NULL, 0, true, true)) < 0 ||
	    (e = plumb_link_get(ssk, "lo", &lo)) < 0 || (e = plumb_link_set(ssk, lo.ifindex, NULL, 0, true, false)) < 0) {
		fail(why, why_size, e, "links up");
		goto out;
	}
	for (size_t i = 0; i < sizeof(svc_addrs) / sizeof(svc_addrs[0]); i++) {
		e = plumb_addr4_add(ssk, sl.ifindex, svc_addrs[i], 32);
		if (e < 0 && e != -EEXIST) {
			fail(why, why_size, e, "service addresses");
			goto out;
		}
	}
	if ((e = gw_neigh(ssk, sl.ifindex, router_mac)) < 0 || (e = pool_route(ssk, sl.ifindex)) < 0) {
		fail(why, why_size, e, "route to the service pool");
		goto out;
	}
	ret_port->ifindex = fl.ifindex;
	memcpy(ret_port->mac, sl.has_mac ? sl.mac : zero, 6);
	e = 0;
out:
	if (fsk)
		nl_socket_free(fsk);
	if (ssk)
		nl_socket_free(ssk);
	if (ffd >= 0)
		close(ffd);
	if (sfd >= 0)
		close(sfd);
	return e;
}

int svc_listen(const char *svc_ns, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(addr)};
	int one = 1, nsfd = netns_open(svc_ns), fd;

	if (nsfd < 0)
		return nsfd;
	fd = netns_socket(nsfd, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	close(nsfd);
	if (fd < 0)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 256) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int svc_udp(const char *svc_ns, uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int nsfd = netns_open(svc_ns), fd;

	if (nsfd < 0)
		return nsfd;
	fd = netns_socket(nsfd, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	close(nsfd);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int svc_sync_addrs(const char *svc_ns, const uint32_t *want, size_t n_want, const uint32_t *had,
		   size_t n_had)
{
	struct plumb_link_info sl;
	struct nl_sock *sk = NULL;
	int sfd = netns_open(svc_ns), e, first = 0;

	if (sfd < 0)
		return sfd;
	if ((e = netns_nl_socket(sfd, &sk)) < 0 || (e = plumb_link_get(sk, SVC_LINK, &sl)) < 0)
		goto out;
	for (size_t i = 0; i < n_had; i++) {
		bool keep = false;

		for (size_t k = 0; k < n_want && !keep; k++)
			keep = want[k] == had[i];
		for (size_t k = 0; k < sizeof(svc_addrs) / sizeof(svc_addrs[0]) && !keep; k++)
			keep = svc_addrs[k] == had[i];
		if (!keep && (e = plumb_addr4_del(sk, sl.ifindex, had[i], 32)) < 0 && e != -ENOENT &&
		    e != -EADDRNOTAVAIL && !first)
			first = e;
	}
	for (size_t i = 0; i < n_want; i++)
		if ((e = plumb_addr4_add(sk, sl.ifindex, want[i], 32)) < 0 && e != -EEXIST && !first)
			first = e;
	e = first;
out:
	if (sk)
		nl_socket_free(sk);
	close(sfd);
	return e;
}

int svc_teardown(const char *svc_ns)
{
	int e = netns_delete(svc_ns);

	return e == -ENOENT ? 0 : e;
}
