/*
 * plumb-link: the netlink verbs the plumbing needs (links, IPv4 addresses,
 * IPv4 routes), on a libnl route socket that lives in one namespace.
 *
 * What it is.  Thin, synchronous wrappers over libnl-route-3.  Every call
 * takes the socket of the namespace it acts on (see netns_nl_socket()); none
 * of them ever touches the caller's own namespace.  Reads return plain
 * snapshots (struct plumb_link_info, ...) so that the reconciler in plumb.c
 * never holds libnl objects.
 *
 * Errors: 0 on success or a negative errno (libnl's error codes are mapped to
 * the nearest errno); outputs written only on success.  Nothing logs.
 */
#ifndef OPENVPC_FABRIC_PLUMB_LINK_H
#define OPENVPC_FABRIC_PLUMB_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

#define PLUMB_ALIAS_MAX 64

/* A snapshot of one link. */
struct plumb_link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char alias[PLUMB_ALIAS_MAX]; /* IFLA_IFALIAS, "" when none */
	uint8_t mac[6];
	bool has_mac;
	unsigned mtu;
	bool up;		/* IFF_UP */
	bool is_veth;
	int peer_ifindex;	/* IFLA_LINK: for a veth, the peer's ifindex in its namespace */
	uint32_t group;		/* IFLA_GROUP */
};

/* A snapshot of one IPv4 route of the main table. */
struct plumb_route4 {
	uint32_t dst;	/* host order */
	uint8_t dst_len;
	uint32_t gateway; /* host order, 0 when none */
	int oif;
	uint8_t protocol;
};

/* libnl error code (-NLE_*) to a negative errno. */
int plumb_nlerr(int nlerr);

/* All links of the socket's namespace.  *ret_links is a heap array (free()). */
int plumb_link_list(struct nl_sock *sk, struct plumb_link_info **ret_links, size_t *ret_n);

/* One link by name.  0 or -ENODEV when absent. */
int plumb_link_get(struct nl_sock *sk, const char *name, struct plumb_link_info *ret_link);

/*
 * Create a veth pair: name in the socket's namespace and peer_name in the
 * namespace peer_ns_fd, with the peer's MAC set to peer_mac and both MTUs to
 * mtu (0 = kernel default).  Both ends are created down and without alias.
 * -EEXIST when a name is taken.
 */
int plumb_link_veth_add(struct nl_sock *sk, const char *name, int peer_ns_fd,
			const char *peer_name, const uint8_t peer_mac[6], unsigned mtu);

/*
 * Change a link: alias (NULL = leave), mtu (0 = leave), up (set IFF_UP), and
 * when no_ipv6_ll is true, IPv6 address generation "none" (no link-local
 * address, so the kernel of that namespace sends nothing on the link).
 */
int plumb_link_set(struct nl_sock *sk, int ifindex, const char *alias, unsigned mtu, bool up,
		   bool no_ipv6_ll);

/* Delete a link (a veth end takes its peer with it).  -ENODEV when absent. */
int plumb_link_delete(struct nl_sock *sk, int ifindex);

/*
 * The link group plumb_link_delete_many() moves links into just before
 * deleting the whole group ("ovpc" in ASCII: no one else picks it).
 */
#define PLUMB_DOOMED_GROUP 0x6f767063u

/*
 * Delete n links of the socket's namespace in one kernel batch: deleting a
 * veth costs an RCU grace period (tens of milliseconds), and a batch pays it
 * once.  Each link is moved to PLUMB_DOOMED_GROUP, then that group is deleted
 * with one RTM_DELLINK.  When another link already carries the group, or the
 * kernel refuses the group deletion, the links are deleted one by one.
 * Links already gone are skipped.  Returns how many were deleted, or a
 * negative errno.
 */
int plumb_link_delete_many(struct nl_sock *sk, const int *ifindexes, size_t n);

/* 1 when ifindex holds ip/len, 0 when not. */
int plumb_addr4_has(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len);
/* Add ip/len to ifindex (the kernel adds the connected route).  -EEXIST when present. */
int plumb_addr4_add(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len);
int plumb_addr4_del(struct nl_sock *sk, int ifindex, uint32_t ip, uint8_t len);

/* IPv4 routes of the main table (every protocol).  *ret_routes is a heap array (free()). */
int plumb_route4_list(struct nl_sock *sk, struct plumb_route4 **ret_routes, size_t *ret_n);
/* Add or delete a unicast route of the main table: dst/len via gateway (0 = on-link) dev oif. */
int plumb_route4_add(struct nl_sock *sk, const struct plumb_route4 *route);
int plumb_route4_del(struct nl_sock *sk, const struct plumb_route4 *route);

#endif
