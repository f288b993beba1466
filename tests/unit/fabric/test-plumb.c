/*
 * plumb: reconcile the model into namespaces and veth pairs, checked with
 * iproute2 (root).  Each test has its own prefix, namespaces and fabric
 * namespace (see test-plumb-fixture.h); fini removes all of them even after a
 * failed assertion, and every test checks that the root namespace did not
 * change.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/netns.h"
#include "fabric/plumb.h"
#include "test-plumb-fixture.h"

static struct fx_names names;
static char *root_before;
static struct plumb *plumb;
static struct model *model;

static void setup(void)
{
	struct plumb_config cfg;

	fx_reap_orphans();
	fx_names_init(&names);
	root_before = fx_root_snapshot();
	cfg = (struct plumb_config){
		.ns_prefix = names.ns_prefix,
		.link_prefix = names.link_prefix,
		.fabric_ns = names.fabric_ns,
	};
	cr_assert_eq(plumb_new(&cfg, &plumb), 0);
	model = fx_model();
}

static void teardown(void)
{
	if (plumb)
		plumb_teardown(plumb, NULL);
	fx_cleanup_namespaces(&names);
	plumb = plumb_free(plumb);
	model = model_free(model);
	free(root_before);
}

TestSuite(plumb, .init = setup, .fini = teardown, .timeout = 120);

/* ---- helpers ---------------------------------------------------------------- */

static struct plumb_counts reconcile(struct fabric_port **ports, size_t *n)
{
	struct plumb_counts c;
	struct fabric_port *tmp = NULL;
	size_t ntmp = 0;

	cr_assert_eq(plumb_reconcile(plumb, model, &c, ports ? ports : &tmp, n ? n : &ntmp), 0);
	cr_assert_eq(c.errors, 0, "first error %d", c.first_error);
	fabric_ports_free(tmp);
	return c;
}

#define assert_counts(c, nsc, nsr, nsu, pc, pr, pu, punch)                                 \
	do {                                                                               \
		cr_assert_eq((c).ns_created, nsc, "ns_created %u", (c).ns_created);        \
		cr_assert_eq((c).ns_removed, nsr, "ns_removed %u", (c).ns_removed);        \
		cr_assert_eq((c).ns_unchanged, nsu, "ns_unchanged %u", (c).ns_unchanged);  \
		cr_assert_eq((c).ports_created, pc, "ports_created %u", (c).ports_created); \
		cr_assert_eq((c).ports_removed, pr, "ports_removed %u", (c).ports_removed); \
		cr_assert_eq((c).ports_updated, pu, "ports_updated %u", (c).ports_updated); \
		cr_assert_eq((c).ports_unchanged, punch, "ports_unchanged %u",             \
			     (c).ports_unchanged);                                         \
	} while (0)

/* `ip netns list` names with our prefix, sorted, space-separated. */
static char *our_namespaces(void)
{
	return fx_sh("ip netns list 2>/dev/null | awk '{print $1}' | grep '^%s' | LC_ALL=C sort | tr '\\n' ' '",
		     names.ns_prefix);
}

/* Our links in the fabric namespace: "name alias" lines, sorted. */
static char *fabric_links(void)
{
	return fx_sh("ip -n %s -o -d link show 2>/dev/null | awk '{n=$2; sub(\"@.*\",\"\",n); sub(\":$\",\"\",n);"
		     " a=\"\"; for(i=1;i<NF;i++) if($i==\"alias\") a=$(i+1); print n, a}' |"
		     " grep '^%s' | sort | tr '\\n' ';'",
		     names.fabric_ns, names.link_prefix);
}

static char *in_ns(const char *inst, const char *cmd)
{
	return fx_sh("ip -n %s%s %s", names.ns_prefix, inst, cmd);
}

static bool contains(const char *hay, const char *needle)
{
	return strstr(hay, needle) != NULL;
}

/*
 * Open descriptors of this process, counted in-process (no popen pipe), the
 * lowest of a few samples: a descriptor another thread of the test harness
 * holds for an instant is not plumb's.
 */
static int count_fds(void)
{
	int best = -1;

	for (int i = 0; i < 3; i++) {
		DIR *d = opendir("/proc/self/fd");
		int n = 0;

		cr_assert(d);
		while (readdir(d))
			n++;
		closedir(d);
		if (best < 0 || n < best)
			best = n;
		usleep(20 * 1000);
	}
	return best;
}

static void assert_root_unchanged(void)
{
	char *after = fx_root_snapshot();

	cr_assert_str_eq(root_before, after, "the root namespace changed");
	free(after);
}

/* The instance side of one ENI as iproute2 sees it. */
static void assert_eth(const char *inst, const char *eth, const char *mac, const char *eni,
		       const char *cidr)
{
	char cmd[128], *s;

	snprintf(cmd, sizeof(cmd), "-o -d link show dev %s 2>/dev/null", eth);
	s = in_ns(inst, cmd);
	cr_assert(contains(s, mac), "%s %s: MAC %s in: %s", inst, eth, mac, s);
	cr_assert(contains(s, "mtu 9001"), "%s", s);
	cr_assert(contains(s, ",UP"), "%s", s);
	cr_assert(contains(s, "veth"), "%s", s);
	char alias[80];
	snprintf(alias, sizeof(alias), "alias %s", eni);
	cr_assert(contains(s, alias), "%s", s);
	free(s);

	/* Exactly the primary address: secondaries are the instance's to add. */
	snprintf(cmd, sizeof(cmd), "-4 -o addr show dev %s | awk '{print $4}' | tr '\\n' ' '", eth);
	s = in_ns(inst, cmd);
	char want[64];
	snprintf(want, sizeof(want), "%s ", cidr);
	cr_assert_str_eq(s, want);
	free(s);
}

static const struct fabric_port *find_port(const struct fabric_port *ports, size_t n,
					   const char *eni)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ports[i].eni_id, eni) == 0)
			return &ports[i];
	return NULL;
}

/* ---- tests ------------------------------------------------------------------ */

Test(plumb, builds_two_instances_three_enis_then_changes_nothing)
{
	struct fabric_port *ports, *again;
	size_t n, n2;
	struct plumb_counts c;
	char want[512], *s;

	c = reconcile(&ports, &n);
	cr_assert(c.fabric_ns_created);
	assert_counts(c, 2, 0, 0, 3, 0, 0, 0);

	/* Namespaces: the fabric and one per instance, named after the instance. */
	s = our_namespaces();
	snprintf(want, sizeof(want), "%s %s%s %s%s ", names.fabric_ns, names.ns_prefix, FX_INST_A,
		 names.ns_prefix, FX_INST_B);
	cr_assert_str_eq(s, want);
	free(s);

	/* Instance sides. */
	assert_eth(FX_INST_A, "eth0", FX_MAC_A0, FX_ENI_A0, "10.0.1.10/24");
	assert_eth(FX_INST_A, "eth1", FX_MAC_A1, FX_ENI_A1, "10.0.2.20/24");
	assert_eth(FX_INST_B, "eth0", FX_MAC_B0, FX_ENI_B0, "10.0.2.30/24");
	s = in_ns(FX_INST_A, "-o link show | awk '{print $2}' | sed 's/@.*//' | tr '\\n' ' '");
	cr_assert_str_eq(s, "lo: eth0 eth1 ", "lo, eth0, eth1 and nothing else");
	free(s);
	s = in_ns(FX_INST_A, "-o link show dev lo");
	cr_assert(contains(s, "UP"), "lo is up: %s", s);
	free(s);

	/* Routes: the connected subnets and one default route via eth0's subnet router. */
	s = in_ns(FX_INST_A, "-4 route show table main | tr '\\n' ';'");
	cr_assert_str_eq(s,
			 "default via 10.0.1.1 dev eth0 proto dhcp ;"
			 "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10 ;"
			 "10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.20 ;");
	free(s);
	s = in_ns(FX_INST_B, "-4 route show table main | tr '\\n' ';'");
	cr_assert_str_eq(s,
			 "default via 10.0.2.1 dev eth0 proto dhcp ;"
			 "10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.30 ;");
	free(s);

	/* Fabric side: one link per ENI, named by the port table, alias = ENI ID. */
	cr_assert_eq(n, 3);
	cr_assert_str_eq(ports[0].eni_id, FX_ENI_A0);
	cr_assert_str_eq(ports[1].eni_id, FX_ENI_A1);
	cr_assert_str_eq(ports[2].eni_id, FX_ENI_B0);
	s = fabric_links();
	snprintf(want, sizeof(want), "%s %s;%s %s;%s %s;", ports[0].ifname, ports[0].eni_id,
		 ports[1].ifname, ports[1].eni_id, ports[2].ifname, ports[2].eni_id);
	/* sort order of names may differ from ENI order: compare as sets */
	for (size_t i = 0; i < n; i++) {
		char line[80];

		snprintf(line, sizeof(line), "%s %s;", ports[i].ifname, ports[i].eni_id);
		cr_assert(contains(s, line), "%s not in %s", line, s);
	}
	cr_assert_eq(strlen(s), strlen(want), "exactly three fabric links: %s", s);
	free(s);
	for (size_t i = 0; i < n; i++) {
		char cmd[160];

		cr_assert_eq(strncmp(ports[i].ifname, names.link_prefix, strlen(names.link_prefix)), 0);
		snprintf(cmd, sizeof(cmd), "ip -n %s -o link show dev %s", names.fabric_ns,
			 ports[i].ifname);
		s = fx_sh("%s", cmd);
		char idx[16];
		snprintf(idx, sizeof(idx), "%d: ", ports[i].ifindex);
		cr_assert_eq(strncmp(s, idx, strlen(idx)), 0, "ifindex %d: %s", ports[i].ifindex, s);
		cr_assert(contains(s, ",UP"), "%s", s);
		cr_assert(contains(s, "mtu 9001"), "%s", s);
		free(s);
		snprintf(cmd, sizeof(cmd), "ip -n %s -o addr show dev %s | wc -l", names.fabric_ns,
			 ports[i].ifname);
		s = fx_sh("%s", cmd);
		cr_assert_str_eq(s, "0\n", "no address at all on the fabric side (not even IPv6 LL)");
		free(s);
	}
	const struct fabric_port *a1 = find_port(ports, n, FX_ENI_A1);
	cr_assert_str_eq(a1->instance_id, FX_INST_A);
	cr_assert_str_eq(a1->subnet_id, FX_SUBNET_B);
	cr_assert_str_eq(a1->vpc_id, FX_VPC);
	cr_assert_eq(a1->device_index, 1);
	cr_assert_eq(a1->primary_ip, fx_ip("10.0.2.20"));
	cr_assert_eq(a1->subnet_cidr.addr, fx_ip("10.0.2.0"));
	cr_assert_eq(a1->subnet_cidr.len, 24);
	cr_assert_eq(a1->mac[4], 0x0a);
	cr_assert_eq(a1->mac[5], 0x01);

	/* The fabric namespace has no route and no address: it only carries frames. */
	s = fx_sh("ip -n %s -4 route show table all | grep -v '^local\\|^broadcast' | wc -l",
		  names.fabric_ns);
	cr_assert_str_eq(s, "0\n", "fabric routes: %s", s);
	free(s);

	/* Second reconcile: nothing to do, same port table, no descriptor kept. */
	int fds = count_fds();
	c = reconcile(&again, &n2);
	cr_assert_eq(count_fds(), fds, "plumb keeps no file descriptor between calls");
	cr_assert(!c.fabric_ns_created);
	assert_counts(c, 0, 0, 2, 0, 0, 0, 3);
	cr_assert_eq(n2, n);
	cr_assert_eq(memcmp(ports, again, n * sizeof(*ports)), 0);
	fabric_ports_free(ports);
	fabric_ports_free(again);

	assert_root_unchanged();
}

Test(plumb, detach_and_terminate_remove_exactly_those)
{
	struct plumb_counts c;
	struct fabric_port *ports;
	size_t n;
	char *s;

	reconcile(NULL, NULL);

	/* DetachNetworkInterface of eth1. */
	model_find_eni(model, FX_ENI_A1)->attachment.present = false;
	c = reconcile(&ports, &n);
	assert_counts(c, 0, 0, 2, 0, 1, 0, 2);
	cr_assert_eq(n, 2);
	cr_assert_null(find_port(ports, n, FX_ENI_A1));
	fabric_ports_free(ports);
	s = in_ns(FX_INST_A, "-o link show | awk '{print $2}' | sed 's/@.*//' | tr '\\n' ' '");
	cr_assert_str_eq(s, "lo: eth0 ");
	free(s);
	s = fabric_links();
	cr_assert(!contains(s, FX_ENI_A1), "%s", s);
	cr_assert(contains(s, FX_ENI_A0) && contains(s, FX_ENI_B0), "%s", s);
	free(s);

	/* TerminateInstances of B (its ENI is deleted on termination). */
	model_find_instance(model, FX_INST_B)->state = MODEL_INSTANCE_TERMINATED;
	model_remove_eni(model, FX_ENI_B0);
	c = reconcile(&ports, &n);
	assert_counts(c, 0, 1, 1, 0, 1, 0, 1);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(ports[0].eni_id, FX_ENI_A0);
	fabric_ports_free(ports);
	s = our_namespaces();
	char want[256];
	snprintf(want, sizeof(want), "%s %s%s ", names.fabric_ns, names.ns_prefix, FX_INST_A);
	cr_assert_str_eq(s, want);
	free(s);
	s = fabric_links();
	cr_assert(contains(s, FX_ENI_A0) && !contains(s, FX_ENI_B0), "%s", s);
	free(s);

	/* Attach eth1 again: only that pair is created. */
	model_find_eni(model, FX_ENI_A1)->attachment.present = true;
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 1, 1, 0, 0, 1);
	assert_eth(FX_INST_A, "eth1", FX_MAC_A1, FX_ENI_A1, "10.0.2.20/24");
	assert_root_unchanged();
}

/* `ls /etc/netns/` names with our prefix, sorted, space-separated. */
static char *our_etc_dirs(void)
{
	return fx_sh("ls /etc/netns 2>/dev/null | grep '^%s' | LC_ALL=C sort | tr '\\n' ' '",
		     names.ns_prefix);
}

Test(plumb, resolv_conf_lives_and_dies_with_the_namespace)
{
	char want[512], *s;

	reconcile(NULL, NULL);
	s = fx_sh("grep -v '^#' /etc/netns/%s%s/resolv.conf | tr '\\n' ' '", names.ns_prefix,
		  FX_INST_A);
	cr_assert_str_eq(s, "search ec2.internal nameserver 10.0.0.2 ");
	free(s);
	/* A stale directory of an instance namespace that is gone, and a foreign one. */
	free(fx_sh("mkdir -p /etc/netns/%si-0000000000000000c /etc/netns/%sother && "
		   "touch /etc/netns/%si-0000000000000000c/resolv.conf",
		   names.ns_prefix, names.ns_prefix, names.ns_prefix));
	model_find_instance(model, FX_INST_B)->state = MODEL_INSTANCE_TERMINATED;
	model_remove_eni(model, FX_ENI_B0);
	reconcile(NULL, NULL);
	s = our_etc_dirs();
	snprintf(want, sizeof(want), "%s%s %sother ", names.ns_prefix, FX_INST_A, names.ns_prefix);
	cr_assert_str_eq(s, want, "B's and the stale directory are gone, the foreign one stays");
	free(s);
	cr_assert_eq(plumb_teardown(plumb, NULL), 0);
	s = our_etc_dirs();
	snprintf(want, sizeof(want), "%sother ", names.ns_prefix);
	cr_assert_str_eq(s, want);
	free(s);
}

Test(plumb, stop_removes_the_namespace_and_start_brings_it_back)
{
	struct plumb_counts c;
	char *s;

	reconcile(NULL, NULL);
	model_find_instance(model, FX_INST_A)->state = MODEL_INSTANCE_STOPPED;
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 1, 1, 0, 2, 0, 1);
	s = fabric_links();
	cr_assert(!contains(s, FX_ENI_A0) && !contains(s, FX_ENI_A1), "%s", s);
	free(s);
	model_find_instance(model, FX_INST_A)->state = MODEL_INSTANCE_RUNNING;
	c = reconcile(NULL, NULL);
	assert_counts(c, 1, 0, 1, 2, 0, 0, 1);
	assert_eth(FX_INST_A, "eth0", FX_MAC_A0, FX_ENI_A0, "10.0.1.10/24");
	assert_root_unchanged();
}

Test(plumb, repairs_drift_and_keeps_what_the_instance_added)
{
	struct plumb_counts c;
	struct fabric_port *ports;
	size_t n;
	char *s;

	reconcile(&ports, &n);
	/* The instance adds a secondary IP and a route of its own: not ours to remove. */
	free(in_ns(FX_INST_A, "addr add 10.0.2.21/24 dev eth1"));
	free(in_ns(FX_INST_A, "route add 10.0.9.0/24 via 10.0.2.1 dev eth1"));
	/* Drift: eth0 of A down and its address gone (the default route goes with it). */
	free(in_ns(FX_INST_A, "link set eth0 down"));
	free(in_ns(FX_INST_A, "addr flush dev eth0"));
	/* Drift: the fabric end of B's ENI deleted (its pair goes with it). */
	const struct fabric_port *b0 = find_port(ports, n, FX_ENI_B0);
	free(fx_sh("ip -n %s link del %s", names.fabric_ns, b0->ifname));
	fabric_ports_free(ports);

	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 1, 0, 1, 1);
	assert_eth(FX_INST_B, "eth0", FX_MAC_B0, FX_ENI_B0, "10.0.2.30/24");
	s = in_ns(FX_INST_A, "-4 route show table main | tr '\\n' ';'");
	cr_assert_str_eq(s,
			 "default via 10.0.1.1 dev eth0 proto dhcp ;"
			 "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.10 ;"
			 "10.0.2.0/24 dev eth1 proto kernel scope link src 10.0.2.20 ;"
			 "10.0.9.0/24 via 10.0.2.1 dev eth1 ;");
	free(s);
	s = in_ns(FX_INST_A, "-4 -o addr show dev eth1 | awk '{print $4}' | tr '\\n' ' '");
	cr_assert_str_eq(s, "10.0.2.20/24 10.0.2.21/24 ");
	free(s);
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 0, 0, 0, 3);
	assert_root_unchanged();
}

Test(plumb, adopts_after_restart_and_leaves_foreign_objects)
{
	struct plumb_config cfg = {
		.ns_prefix = names.ns_prefix,
		.link_prefix = names.link_prefix,
		.fabric_ns = names.fabric_ns,
	};
	struct fabric_port *ports, *again;
	struct plumb_counts c;
	size_t n, n2;
	char *s;

	reconcile(&ports, &n);
	/* Objects plumb does not own: a namespace that is not an instance, a link in the
	 * fabric without our prefix, a pod veth inside an instance. */
	free(fx_sh("ip netns add %sother", names.ns_prefix));
	free(fx_sh("ip -n %s link add xfoo type veth peer name xbar", names.fabric_ns));
	free(in_ns(FX_INST_A, "link add pod1 type veth peer name pod1h"));

	/* A new plumb (vpcd restarted) finds everything in place. */
	plumb_free(plumb);
	cr_assert_eq(plumb_new(&cfg, &plumb), 0);
	c = reconcile(&again, &n2);
	assert_counts(c, 0, 0, 2, 0, 0, 0, 3);
	cr_assert_eq(n, n2);
	cr_assert_eq(memcmp(ports, again, n * sizeof(*ports)), 0);
	fabric_ports_free(ports);
	fabric_ports_free(again);

	s = fx_sh("ip netns list 2>/dev/null | awk '{print $1}' | grep -c '^%sother$'", names.ns_prefix);
	cr_assert_str_eq(s, "1\n");
	free(s);
	s = fx_sh("ip -n %s -o link show | grep -c 'xfoo\\|xbar'", names.fabric_ns);
	cr_assert_str_eq(s, "2\n");
	free(s);
	s = in_ns(FX_INST_A, "-o link show | grep -c pod1");
	cr_assert_str_eq(s, "2\n");
	free(s);

	/* Teardown removes what plumb owns, and only that. */
	cr_assert_eq(plumb_teardown(plumb, &c), 0);
	cr_assert_eq(c.ns_removed, 2);
	cr_assert_eq(c.ports_removed, 3);
	s = our_namespaces();
	char want[128];
	snprintf(want, sizeof(want), "%sother ", names.ns_prefix);
	cr_assert_str_eq(s, want, "only the foreign namespace is left");
	free(s);
	assert_root_unchanged();
}

Test(plumb, a_foreign_eth_name_fails_that_eni_only)
{
	struct plumb_counts c;
	struct fabric_port *ports = NULL;
	size_t n = 0;

	reconcile(NULL, NULL);
	/* Detach eth1 of A and let the instance take the name eth1 for a link of its own. */
	model_find_eni(model, FX_ENI_A1)->attachment.present = false;
	reconcile(NULL, NULL);
	free(in_ns(FX_INST_A, "link add eth1 type veth peer name eth1p"));
	model_find_eni(model, FX_ENI_A1)->attachment.present = true;
	cr_assert_eq(plumb_reconcile(plumb, model, &c, &ports, &n), 0);
	cr_assert_eq(c.errors, 1);
	cr_assert_eq(c.first_error, -EEXIST);
	cr_assert_eq(c.ports_unchanged, 2);
	cr_assert_eq(n, 2);
	cr_assert_null(find_port(ports, n, FX_ENI_A1));
	fabric_ports_free(ports);
	assert_root_unchanged();
}

Test(plumb, teardown_leaves_nothing)
{
	struct plumb_counts c;
	char *s;

	reconcile(NULL, NULL);
	cr_assert_eq(plumb_teardown(plumb, &c), 0);
	cr_assert_eq(c.ns_removed, 2);
	cr_assert_eq(c.ports_removed, 3);
	cr_assert_eq(c.errors, 0);
	s = our_namespaces();
	cr_assert_str_eq(s, "");
	free(s);
	/* Teardown again: nothing left to remove, no error. */
	cr_assert_eq(plumb_teardown(plumb, &c), 0);
	cr_assert_eq(c.ns_removed + c.ports_removed, 0);
	assert_root_unchanged();
}

Test(plumb, moved_eni_follows_its_instance)
{
	struct plumb_counts c;
	struct model_eni *a1;
	char *s;

	reconcile(NULL, NULL);
	/* Detach eth1 from A and attach it to B as eth1, between two reconciles. */
	a1 = model_find_eni(model, FX_ENI_A1);
	snprintf(a1->attachment.instance_id, sizeof(a1->attachment.instance_id), "%s", FX_INST_B);
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 1, 1, 0, 2);
	assert_eth(FX_INST_B, "eth1", FX_MAC_A1, FX_ENI_A1, "10.0.2.20/24");
	s = in_ns(FX_INST_A, "-o link show | awk '{print $2}' | sed 's/@.*//' | tr '\\n' ' '");
	cr_assert_str_eq(s, "lo: eth0 ");
	free(s);
	/* Same instance, another device index: eth1 becomes eth3. */
	a1->attachment.device_index = 3;
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 1, 1, 0, 2);
	s = in_ns(FX_INST_B, "-o link show | awk '{print $2}' | sed 's/@.*//' | tr '\\n' ' '");
	cr_assert_str_eq(s, "lo: eth0 eth3 ");
	free(s);
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 0, 0, 0, 3);
	assert_root_unchanged();
}

/*
 * The port table is what the data path reads frames from: a frame the
 * instance sends on eth0 (the ARP request for its router, made by a ping that
 * nothing answers) arrives on the fabric-side ifindex of that ENI, read with
 * an AF_PACKET socket opened inside the fabric namespace.
 */
Test(plumb, frames_from_eth0_arrive_on_the_fabric_port)
{
	struct fabric_port *ports;
	const struct fabric_port *a0;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP) };
	struct timeval tv = { .tv_sec = 3 };
	uint8_t frame[256], mac[6] = { 0x0a, 0, 0, 0, 0x0a, 0 };
	size_t n;
	ssize_t len;
	int fd, s;

	reconcile(&ports, &n);
	a0 = find_port(ports, n, FX_ENI_A0);
	cr_assert_not_null(a0);
	fd = netns_open(names.fabric_ns);
	cr_assert_geq(fd, 0);
	s = netns_socket(fd, AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	close(fd);
	cr_assert_geq(s, 0);
	sll.sll_ifindex = a0->ifindex;
	cr_assert_eq(bind(s, (struct sockaddr *)&sll, sizeof(sll)), 0);
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	free(fx_sh("ip netns exec %s%s ping -c1 -W1 10.0.1.1 >/dev/null 2>&1", names.ns_prefix,
		   FX_INST_A));
	len = recv(s, frame, sizeof(frame), 0);
	close(s);
	cr_assert_geq(len, 42, "an ARP frame arrived (%zd)", len);
	cr_assert_eq(memcmp(frame + 6, mac, 6), 0, "from the ENI's MAC");
	cr_assert_eq(memcmp(frame + 6, a0->mac, 6), 0);
	cr_assert_eq(frame[12], 0x08);
	cr_assert_eq(frame[13], 0x06);
	/* ARP: sender IP at 28, target IP at 38. */
	cr_assert_eq(frame[20], 0);
	cr_assert_eq(frame[21], 1, "a request");
	cr_assert_eq(memcmp(frame + 28, (uint8_t[]){ 10, 0, 1, 10 }, 4), 0);
	cr_assert_eq(memcmp(frame + 38, (uint8_t[]){ 10, 0, 1, 1 }, 4), 0);
	fabric_ports_free(ports);
	assert_root_unchanged();
}

/*
 * Only the data path speaks on a port: the fabric namespace's kernel has no
 * address on the fabric ends (no IPv6 link-local either), so for two seconds
 * after the pairs come up, eth0 of an instance receives nothing at all (its
 * own IPv6 DAD, router and MLD messages go out and are not answered).
 */
Test(plumb, the_fabric_kernel_sends_nothing_on_a_port)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_usec = 200000 };
	char ns[96], *s;
	unsigned received = 0, sent = 0;
	uint8_t frame[2048];
	double end;
	int fd, sock;

	reconcile(NULL, NULL);
	snprintf(ns, sizeof(ns), "%s%s", names.ns_prefix, FX_INST_A);
	s = in_ns(FX_INST_A, "-o link show dev eth0 | cut -d: -f1");
	sll.sll_ifindex = atoi(s);
	free(s);
	cr_assert_gt(sll.sll_ifindex, 0);
	fd = netns_open(ns);
	cr_assert_geq(fd, 0);
	sock = netns_socket(fd, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	close(fd);
	cr_assert_geq(sock, 0);
	cr_assert_eq(bind(sock, (struct sockaddr *)&sll, sizeof(sll)), 0);
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* Make the instance talk, so that something would come back if anything answered. */
	free(fx_sh("ip netns exec %s ping -c2 -i0.2 -W1 10.0.1.1 >/dev/null 2>&1", ns));
	end = (double)time(NULL) + 2;
	while ((double)time(NULL) < end) {
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		ssize_t len = recvfrom(sock, frame, sizeof(frame), 0, (struct sockaddr *)&from,
				       &fromlen);

		if (len < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING)
			sent++;
		else
			received++;
	}
	close(sock);
	cr_assert_gt(sent, 0, "the instance did send (ARP for its router)");
	cr_assert_eq(received, 0, "nothing came in from the fabric side");
}

/*
 * The fabric namespace deleted behind plumb's back (its veth ends, and so the
 * instances' ethN, die with it, asynchronously): the next reconcile creates
 * it again and rebuilds every pair, whatever the kernel has destroyed by then.
 */
Test(plumb, fabric_namespace_lost_is_rebuilt)
{
	struct plumb_counts c;
	struct fabric_port *ports;
	size_t n;

	reconcile(NULL, NULL);
	free(fx_sh("ip netns del %s", names.fabric_ns));
	c = reconcile(&ports, &n);
	cr_assert(c.fabric_ns_created);
	cr_assert_eq(c.ns_unchanged, 2);
	cr_assert_eq(c.ports_created, 3);
	cr_assert_eq(n, 3);
	fabric_ports_free(ports);
	assert_eth(FX_INST_A, "eth0", FX_MAC_A0, FX_ENI_A0, "10.0.1.10/24");
	assert_eth(FX_INST_A, "eth1", FX_MAC_A1, FX_ENI_A1, "10.0.2.20/24");
	assert_eth(FX_INST_B, "eth0", FX_MAC_B0, FX_ENI_B0, "10.0.2.30/24");
	char *s = fabric_links();
	cr_assert(contains(s, FX_ENI_A0) && contains(s, FX_ENI_A1) && contains(s, FX_ENI_B0), "%s", s);
	free(s);
	c = reconcile(NULL, NULL);
	assert_counts(c, 0, 0, 2, 0, 0, 0, 3);
	assert_root_unchanged();
}
