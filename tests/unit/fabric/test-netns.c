/*
 * netns: named namespaces as `ip netns` keeps them (root; every name starts
 * with a per-process prefix and is removed in fini, even after a failure).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/socket.h>

#include "fabric/netns.h"
#include "fabric/plumb-link.h"
#include "test-plumb-fixture.h"

static struct fx_names names;
static char *root_before;

static void setup(void)
{
	fx_reap_orphans();
	fx_names_init(&names);
	root_before = fx_root_snapshot();
}

static void teardown(void)
{
	fx_cleanup_namespaces(&names);
	free(root_before);
}

TestSuite(netns, .init = setup, .fini = teardown);

static void ns_name(char *buf, size_t size, const char *suffix)
{
	snprintf(buf, size, "%s%s", names.ns_prefix, suffix);
}

/* The current thread's network namespace, as a string like "net:[4026531840]". */
static void thread_ns(char buf[64])
{
	ssize_t n = readlink("/proc/thread-self/ns/net", buf, 63);

	buf[n > 0 ? n : 0] = '\0';
}

Test(netns, add_list_open_delete)
{
	char a[64], b[64], before[64], after[64];
	char **list;
	size_t n;
	int fd;

	ns_name(a, sizeof(a), "a");
	ns_name(b, sizeof(b), "b");
	thread_ns(before);
	cr_assert_eq(netns_add(a), 0);
	cr_assert_eq(netns_add(b), 0);
	cr_assert_eq(netns_add(a), -EEXIST);
	thread_ns(after);
	cr_assert_str_eq(before, after, "the caller's namespace never changes");

	cr_assert_eq(netns_exists(a), 1);
	cr_assert_eq(netns_list(names.ns_prefix, &list, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(list[0], a);
	cr_assert_str_eq(list[1], b);
	netns_names_free(list, n);

	/* iproute2 sees them. */
	char *ip = fx_sh("ip netns list 2>/dev/null | awk '{print $1}' | grep '^%s' | sort | tr '\\n' ' '",
			 names.ns_prefix);
	char want[160];
	snprintf(want, sizeof(want), "%s %s ", a, b);
	cr_assert_str_eq(ip, want);
	free(ip);

	fd = netns_open(a);
	cr_assert_geq(fd, 0);
	close(fd);

	cr_assert_eq(netns_delete(a), 0);
	cr_assert_eq(netns_exists(a), 0);
	cr_assert_eq(netns_open(a), -ENOENT);
	cr_assert_eq(netns_delete(a), -ENOENT);
	cr_assert_eq(netns_delete(b), 0);
	cr_assert_eq(netns_list(names.ns_prefix, &list, &n), 0);
	cr_assert_eq(n, 0);
	netns_names_free(list, n);
}

Test(netns, bad_names)
{
	cr_assert_eq(netns_add(""), -EINVAL);
	cr_assert_eq(netns_add("a/b"), -EINVAL);
	cr_assert_eq(netns_add(".."), -EINVAL);
	cr_assert_eq(netns_add(NULL), -EINVAL);
	cr_assert_eq(netns_delete("x/y"), -EINVAL);
	cr_assert_eq(netns_open("."), -EINVAL);
}

Test(netns, placeholder_file_is_replaced)
{
	char a[64], path[128];
	int fd;

	ns_name(a, sizeof(a), "stale");
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, a);
	fd = open(path, O_CREAT | O_WRONLY, 0);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(netns_exists(a), 0, "a plain file is not a namespace");
	cr_assert_eq(netns_open(a), -ENOENT);
	cr_assert_eq(netns_add(a), 0);
	cr_assert_eq(netns_exists(a), 1);
	cr_assert_eq(netns_delete(a), 0);
}

struct probe {
	unsigned lo_index;
	char ns[64];
};

static int probe_fn(void *userdata)
{
	struct probe *p = userdata;

	p->lo_index = if_nametoindex("lo");
	thread_ns(p->ns);
	return 7;
}

Test(netns, run_and_sockets_live_inside)
{
	char a[64], mine[64], theirs[64];
	struct probe probe = { 0 };
	struct plumb_link_info *links;
	struct nl_sock *sk;
	size_t n;
	int fd, s;

	ns_name(a, sizeof(a), "run");
	cr_assert_eq(netns_add(a), 0);
	fd = netns_open(a);
	cr_assert_geq(fd, 0);

	thread_ns(mine);
	cr_assert_eq(netns_run(fd, probe_fn, &probe), 7, "fn's return value comes back");
	cr_assert_eq(probe.lo_index, 1, "a fresh namespace has lo as ifindex 1");
	cr_assert_str_neq(probe.ns, mine);
	thread_ns(theirs);
	cr_assert_str_eq(mine, theirs);

	/* A netlink socket opened inside sees the namespace's links: only lo. */
	cr_assert_eq(netns_nl_socket(fd, &sk), 0);
	cr_assert_eq(plumb_link_list(sk, &links, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(links[0].name, "lo");
	cr_assert(!links[0].up);
	free(links);
	nl_socket_free(sk);

	s = netns_socket(fd, AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(s, 0);
	close(s);
	cr_assert_eq(netns_run(-1, probe_fn, &probe), -EINVAL);
	close(fd);
	cr_assert_eq(netns_delete(a), 0);

	char *root_after = fx_root_snapshot();
	cr_assert_str_eq(root_before, root_after, "the root namespace is untouched");
	free(root_after);
}
