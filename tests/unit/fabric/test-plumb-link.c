/*
 * plumb-link: the netlink verbs, each on a socket opened inside a namespace
 * of the test (root; names carry a per-process prefix, removed in fini).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/socket.h>

#include "fabric/netns.h"
#include "fabric/plumb-link.h"
#include "test-plumb-fixture.h"

static struct fx_names names;
static char *root_before;
static char ns_a[64], ns_b[64];
static int fd_a = -1, fd_b = -1;
static struct nl_sock *sk_a, *sk_b;

static void setup(void)
{
	fx_reap_orphans();
	fx_names_init(&names);
	root_before = fx_root_snapshot();
	snprintf(ns_a, sizeof(ns_a), "%sa", names.ns_prefix);
	snprintf(ns_b, sizeof(ns_b), "%sb", names.ns_prefix);
	cr_assert_eq(netns_add(ns_a), 0);
	cr_assert_eq(netns_add(ns_b), 0);
	fd_a = netns_open(ns_a);
	fd_b = netns_open(ns_b);
	cr_assert(fd_a >= 0 && fd_b >= 0);
	cr_assert_eq(netns_nl_socket(fd_a, &sk_a), 0);
	cr_assert_eq(netns_nl_socket(fd_b, &sk_b), 0);
}

static void teardown(void)
{
	if (sk_a)
		nl_socket_free(sk_a);
	if (sk_b)
		nl_socket_free(sk_b);
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	fx_cleanup_namespaces(&names);
	free(root_before);
}

TestSuite(plumb_link, .init = setup, .fini = teardown);

static const uint8_t mac[6] = { 0x0a, 0x11, 0x22, 0x33, 0x44, 0x55 };

Test(plumb_link, veth_pair_across_namespaces)
{
	struct plumb_link_info f, i, *links;
	size_t n;

	cr_assert_eq(plumb_link_veth_add(sk_a, "fab0", fd_b, "eth0", mac, 9001), 0);
	cr_assert_eq(plumb_link_veth_add(sk_a, "fab0", fd_b, "eth9", mac, 9001), -EEXIST);
	cr_assert_eq(plumb_link_get(sk_a, "fab0", &f), 0);
	cr_assert_eq(plumb_link_get(sk_b, "eth0", &i), 0);
	cr_assert_eq(plumb_link_get(sk_a, "eth0", &i), -ENODEV, "the peer is not in a");
	cr_assert_eq(plumb_link_get(sk_b, "eth0", &i), 0);
	cr_assert(f.is_veth && i.is_veth);
	cr_assert_eq(f.peer_ifindex, i.ifindex);
	cr_assert_eq(i.peer_ifindex, f.ifindex);
	cr_assert(i.has_mac);
	cr_assert_eq(memcmp(i.mac, mac, 6), 0);
	cr_assert_eq(f.mtu, 9001);
	cr_assert_eq(i.mtu, 9001);
	cr_assert(!f.up && !i.up);
	cr_assert_str_eq(f.alias, "");

	cr_assert_eq(plumb_link_set(sk_a, f.ifindex, "eni-0123", 1500, true, true), 0);
	cr_assert_eq(plumb_link_get(sk_a, "fab0", &f), 0);
	cr_assert_str_eq(f.alias, "eni-0123");
	cr_assert_eq(f.mtu, 1500);
	cr_assert(f.up);
	char *s = fx_sh("ip -n %s -o addr show dev fab0 | wc -l", ns_a);
	cr_assert_str_eq(s, "0\n", "IPv6 address generation off: no link-local");
	free(s);

	cr_assert_eq(plumb_link_list(sk_b, &links, &n), 0);
	cr_assert_eq(n, 2, "lo and eth0");
	free(links);

	/* Deleting one end takes the other. */
	cr_assert_eq(plumb_link_delete(sk_a, f.ifindex), 0);
	cr_assert_eq(plumb_link_get(sk_b, "eth0", &i), -ENODEV);
	cr_assert_eq(plumb_link_delete(sk_a, f.ifindex), -ENODEV);
	cr_assert_eq(plumb_link_delete(sk_a, 0), -EINVAL);
	cr_assert_eq(plumb_link_veth_add(sk_a, "this-name-is-too-long", fd_b, "eth0", mac, 0),
		     -EINVAL);

	char *after = fx_root_snapshot();
	cr_assert_str_eq(root_before, after);
	free(after);
}

Test(plumb_link, addresses_and_routes)
{
	struct plumb_link_info f, i;
	struct plumb_route4 *routes;
	size_t n;
	bool seen_connected = false, seen_default = false;
	struct plumb_route4 def = {
		.dst = 0, .dst_len = 0, .gateway = fx_ip("10.9.0.1"), .protocol = RTPROT_DHCP,
	};

	cr_assert_eq(plumb_link_veth_add(sk_a, "fab0", fd_b, "eth0", mac, 0), 0);
	cr_assert_eq(plumb_link_get(sk_b, "eth0", &i), 0);
	cr_assert_eq(plumb_link_set(sk_b, i.ifindex, NULL, 0, true, false), 0);
	cr_assert_eq(plumb_link_get(sk_a, "fab0", &f), 0);
	cr_assert_eq(plumb_link_set(sk_a, f.ifindex, NULL, 0, true, false), 0);

	cr_assert_eq(plumb_addr4_has(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), 0);
	cr_assert_eq(plumb_addr4_add(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), 0);
	cr_assert_eq(plumb_addr4_add(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), -EEXIST);
	cr_assert_eq(plumb_addr4_has(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), 1);
	cr_assert_eq(plumb_addr4_has(sk_b, i.ifindex, fx_ip("10.9.0.10"), 25), 0);
	cr_assert_eq(plumb_addr4_has(sk_a, i.ifindex, fx_ip("10.9.0.10"), 24), 0, "not in a");

	def.oif = i.ifindex;
	cr_assert_eq(plumb_route4_add(sk_b, &def), 0);
	cr_assert_eq(plumb_route4_add(sk_b, &def), -EEXIST);
	cr_assert_eq(plumb_route4_list(sk_b, &routes, &n), 0);
	for (size_t k = 0; k < n; k++) {
		if (routes[k].dst == fx_ip("10.9.0.0") && routes[k].dst_len == 24 &&
		    routes[k].oif == i.ifindex && routes[k].protocol == RTPROT_KERNEL)
			seen_connected = true;
		if (routes[k].dst_len == 0 && routes[k].gateway == fx_ip("10.9.0.1") &&
		    routes[k].oif == i.ifindex && routes[k].protocol == RTPROT_DHCP)
			seen_default = true;
	}
	free(routes);
	cr_assert(seen_connected, "the kernel's connected route");
	cr_assert(seen_default);
	char *s = fx_sh("ip -n %s -4 route show | tr '\\n' ';'", ns_b);
	cr_assert_str_eq(s, "default via 10.9.0.1 dev eth0 proto dhcp ;"
			    "10.9.0.0/24 dev eth0 proto kernel scope link src 10.9.0.10 ;");
	free(s);

	cr_assert_eq(plumb_route4_del(sk_b, &def), 0);
	cr_assert_lt(plumb_route4_del(sk_b, &def), 0, "already gone");
	cr_assert_eq(plumb_addr4_del(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), 0);
	cr_assert_eq(plumb_addr4_has(sk_b, i.ifindex, fx_ip("10.9.0.10"), 24), 0);
	s = fx_sh("ip -n %s -4 route show | wc -l", ns_b);
	cr_assert_str_eq(s, "0\n");
	free(s);
	cr_assert_eq(plumb_route4_add(sk_b, &(struct plumb_route4){ .dst_len = 33, .oif = 1 }),
		     -EINVAL);
	cr_assert_eq(plumb_addr4_add(sk_b, 0, 1, 24), -EINVAL);
}

Test(plumb_link, delete_many_in_one_batch_and_never_a_foreign_link)
{
	struct plumb_link_info l, *links;
	int idx[4];
	size_t n;
	char name[16], peer[16];
	char *s;

	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "fab%d", k);
		snprintf(peer, sizeof(peer), "eth%d", k);
		cr_assert_eq(plumb_link_veth_add(sk_a, name, fd_b, peer, mac, 0), 0);
		cr_assert_eq(plumb_link_get(sk_a, name, &l), 0);
		idx[k] = l.ifindex;
	}
	/* A link of someone else's, already in the group: the batch must not take it. */
	free(fx_sh("ip -n %s link add other0 type veth peer name other1 && "
		   "ip -n %s link set other0 group %u",
		   ns_a, ns_a, PLUMB_DOOMED_GROUP));
	cr_assert_eq(plumb_link_get(sk_a, "other0", &l), 0);
	cr_assert_eq(l.group, PLUMB_DOOMED_GROUP);
	cr_assert_eq(plumb_link_delete_many(sk_a, idx, 2), 2, "one by one then");
	cr_assert_eq(plumb_link_get(sk_a, "other0", &l), 0, "the foreign link is still there");
	cr_assert_eq(plumb_link_get(sk_b, "eth0", &l), -ENODEV);
	cr_assert_eq(plumb_link_get(sk_b, "eth1", &l), -ENODEV);
	free(fx_sh("ip -n %s link del other0", ns_a));

	/* The batch proper; a link already gone is skipped. */
	idx[1] = idx[0];
	cr_assert_eq(plumb_link_delete_many(sk_a, idx + 1, 3), 2);
	cr_assert_eq(plumb_link_list(sk_a, &links, &n), 0);
	cr_assert_eq(n, 1, "only lo is left in a");
	free(links);
	cr_assert_eq(plumb_link_list(sk_b, &links, &n), 0);
	cr_assert_eq(n, 1, "and in b, the peers went too");
	free(links);
	cr_assert_eq(plumb_link_delete_many(sk_a, idx, 0), 0);
	s = fx_sh("ip -n %s -o link show | wc -l", ns_a);
	cr_assert_str_eq(s, "1\n");
	free(s);
}
