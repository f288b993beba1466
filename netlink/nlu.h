/*
 * nlu: the rtnetlink requests that cni/ (the pod's veth), ipamd/ (the
 * node's ENI routes) and fabric/ (instances, the service namespace) all
 * make, written once over libnl-route.
 *
 * IPv4 addresses are in host order.  The request functions return 0 or a
 * negative libnl error (-NLE_*): each caller turns it into its own kind of
 * error (a CNI error, an errno, a message) and nothing here logs.  A socket
 * belongs to the namespace it was opened in (see netns).
 */
#ifndef OPENVPC_NETLINK_NLU_H
#define OPENVPC_NETLINK_NLU_H

#include <netlink/addr.h>
#include <netlink/socket.h>
#include <stdbool.h>
#include <stdint.h>

/* A connected NETLINK_ROUTE socket, or NULL (out of memory, no netlink). */
struct nl_sock *nlu_open(void);

/* ip/plen as a libnl address (nl_addr_put() it), or NULL when out of memory. */
struct nl_addr *nlu_ip4(uint32_t ip, int plen);

/* An IPv4 unicast route with one next hop. */
struct nlu_route4 {
	uint32_t dst;
	int dst_len;
	uint32_t gateway; /* 0: none (directly connected) */
	int oif;	  /* output interface index */
	uint32_t table;	  /* 0: main */
	int scope;	  /* -1: link without a gateway, universe with one */
	uint8_t protocol; /* 0: libnl's default (static) */
	bool onlink;	  /* the gateway is on the link whatever its address */
};

enum nlu_op {
	NLU_REPLACE,  /* ip route replace */
	NLU_ADD_EXCL, /* ip route add: -NLE_EXIST when there */
	NLU_DELETE,   /* ip route del */
};

int nlu_route4(struct nl_sock *sk, const struct nlu_route4 *route, enum nlu_op op);

/* ip neigh replace ip lladdr mac dev ifindex nud permanent */
int nlu_neigh4_permanent(struct nl_sock *sk, int ifindex, uint32_t ip, const uint8_t mac[6]);

#endif
