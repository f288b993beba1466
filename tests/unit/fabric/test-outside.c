/*
 * outside: the internet and onprem namespaces reconciled from the model,
 * checked with iproute2 (root).  The instance side comes from plumb over the
 * fixture model of test-plumb-fixture.h (it makes the fabric namespace);
 * every namespace carries the per-process prefix and fini removes them all.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric/netns.h"
#include "fabric/outside.h"
#include "fabric/plumb.h"
#include "test-plumb-fixture.h"

#define IGW "igw-0000000000000000f"
#define VGW "vgw-0000000000000000f"
#define VPN "vpn-0000000000000000f"

static struct fx_names names;
static char *root_before;
static struct plumb *plumb;
static struct outside *outside;
static struct model *model;
static char inet_ns[128], onprem_ns[128];

static void setup(void)
{
	struct plumb_config pc;
	struct outside_config oc;
	struct model_igw *ig;

	fx_reap_orphans();
	fx_names_init(&names);
	root_before = fx_root_snapshot();
	pc = (struct plumb_config){.ns_prefix = names.ns_prefix,
				   .link_prefix = names.link_prefix,
				   .fabric_ns = names.fabric_ns};
	cr_assert_eq(plumb_new(&pc, &plumb), 0);
	oc = (struct outside_config){.ns_prefix = names.ns_prefix,
				     .link_prefix = names.link_prefix,
				     .fabric_ns = names.fabric_ns};
	cr_assert_eq(outside_new(&oc, &outside), 0);
	snprintf(inet_ns, sizeof(inet_ns), "%sinternet", names.ns_prefix);
	snprintf(onprem_ns, sizeof(onprem_ns), "%sonprem", names.ns_prefix);
	cr_assert_str_eq(outside_internet_ns(outside), inet_ns);
	model = fx_model();
	ig = model_add_igw(model);
	snprintf(ig->id, sizeof(ig->id), IGW);
	snprintf(ig->attachment.vpc_id, sizeof(ig->attachment.vpc_id), FX_VPC);
	snprintf(ig->attachment.state, sizeof(ig->attachment.state), "available");
	model_find_eni(model, FX_ENI_A0)->ips[0].public_ip = fx_ip("198.51.100.10");
	cr_assert_eq(plumb_reconcile(plumb, model, NULL, NULL, NULL), 0);
}

static void teardown(void)
{
	char *after;

	if (outside)
		outside_teardown(outside);
	if (plumb)
		plumb_teardown(plumb, NULL);
	fx_cleanup_namespaces(&names);
	after = fx_root_snapshot();
	cr_expect_str_eq(after, root_before, "the root namespace changed");
	free(after);
	outside = outside_free(outside);
	plumb = plumb_free(plumb);
	model = model_free(model);
	free(root_before);
}

TestSuite(outside, .init = setup, .fini = teardown, .timeout = 120);

static struct outside_counts reconcile(struct fabric_dp_port **ports, size_t *n)
{
	struct outside_counts c;
	struct fabric_dp_port *p = NULL;
	size_t k = 0;

	cr_assert_eq(outside_reconcile(outside, model, &c, &p, &k), 0);
	cr_expect_eq(c.errors, 0, "errors: %u, first %d", c.errors, c.first_error);
	if (ports) {
		*ports = p;
		*n = k;
	} else {
		free(p);
	}
	return c;
}

/* Does `cmd` run inside namespace ns print needle? */
static bool has(const char *ns, const char *cmd, const char *needle)
{
	char *out = fx_sh("ip netns exec %s %s 2>&1", ns, cmd);
	bool r = strstr(out, needle) != NULL;

	free(out);
	return r;
}

static void add_vpn(void)
{
	struct model_vgw *vg = model_add_vgw(model);
	struct model_vpn_connection *c = model_add_vpn(model);

	snprintf(vg->id, sizeof(vg->id), VGW);
	vg->state = MODEL_STATE_AVAILABLE;
	cr_assert_eq(model_vgw_add_attachment(vg, FX_VPC, "attached"), 0);
	snprintf(c->id, sizeof(c->id), VPN);
	snprintf(c->vgw_id, sizeof(c->vgw_id), VGW);
	c->state = MODEL_STATE_AVAILABLE;
}

Test(outside, internet_side_then_changes_nothing)
{
	struct fabric_dp_port *ports;
	struct outside_counts c;
	size_t n;

	c = reconcile(&ports, &n);
	cr_expect(c.internet_ns && !c.onprem_ns);
	cr_expect_eq(c.links_created, 1);
	cr_expect_eq(c.routes_added, 1);
	cr_assert_eq(n, 1);
	cr_expect_eq(ports[0].kind, FABRIC_DP_PORT_IGW);
	cr_expect_str_eq(ports[0].id, IGW);
	cr_expect_eq(ports[0].mac[0], 0x02, "the outside end's MAC is known, not learned");
	free(ports);
	cr_expect(has(inet_ns, "ip -o route show proto 118", "198.51.100.10 dev ig"));
	cr_expect(has(inet_ns, "ip -4 -o addr show dev lo", "203.0.113.10/32"));
	cr_expect(has(names.fabric_ns, "ip -o link show", "alias " IGW));
	cr_expect_eq(netns_exists(onprem_ns), 0);

	c = reconcile(NULL, NULL);
	cr_expect_eq(c.links_created + c.links_removed + c.routes_added + c.routes_removed, 0);
	cr_expect_eq(c.links_unchanged, 1);
	cr_expect_eq(c.routes_unchanged, 1);
}

Test(outside, public_ip_and_igw_removed)
{
	struct outside_counts c;

	reconcile(NULL, NULL);
	model_find_eni(model, FX_ENI_A0)->ips[0].public_ip = 0;
	model_find_eni(model, FX_ENI_B0)->ips[0].public_ip = fx_ip("198.51.100.11");
	c = reconcile(NULL, NULL);
	cr_expect_eq(c.routes_removed, 1);
	cr_expect_eq(c.routes_added, 1);
	cr_expect(!has(inet_ns, "ip -o route", "198.51.100.10"));
	cr_expect(has(inet_ns, "ip -o route", "198.51.100.11 dev ig"));

	model_find_igw(model, IGW)->attachment.vpc_id[0] = '\0';
	c = reconcile(NULL, NULL);
	cr_expect(!c.internet_ns);
	cr_expect_eq(netns_exists(inet_ns), 0);
	cr_expect(!has(names.fabric_ns, "ip -o link show", IGW));
}

Test(outside, vpn_tunnel_then_changes_nothing_then_goes)
{
	struct fabric_dp_port *ports;
	struct outside_counts c;
	size_t n;

	add_vpn();
	c = reconcile(&ports, &n);
	cr_expect(c.internet_ns && c.onprem_ns);
	cr_expect_eq(c.links_created, 3, "IGW pair, underlay, tunnel: %u", c.links_created);
	cr_assert_eq(n, 2);
	cr_expect_eq(ports[1].kind, FABRIC_DP_PORT_VGW);
	cr_expect_str_eq(ports[1].id, VGW);
	free(ports);
	cr_expect(has(onprem_ns, "ip -d -o link show type vxlan", "vxlan id"));
	cr_expect(has(names.fabric_ns, "ip -d -o link show type vxlan", "remote 169.254.254.2"));
	cr_expect(has(onprem_ns, "ip -o route show proto 118", "10.0.0.0/16 dev vx"));
	cr_expect(has(onprem_ns, "ip -4 -o addr show dev lo", "192.168.1.10/32"));
	/* The tunnel carries frames: onprem's ARP for a VPC address reaches the fabric end. */
	free(fx_sh("ip netns exec %s ping -c1 -W1 10.0.1.10 >/dev/null 2>&1", onprem_ns));
	{
		char *rx = fx_sh("ip -n %s -j -s link show type vxlan | grep -o "
				 "'\"rx\":{\"bytes\":[0-9]*,\"packets\":[0-9]*' | "
				 "sed 's/.*://'",
				 names.fabric_ns);

		cr_expect_gt(atoi(rx), 0, "nothing arrived through the tunnel: '%s'", rx);
		free(rx);
	}

	c = reconcile(NULL, NULL);
	cr_expect_eq(c.links_created + c.links_removed + c.routes_added + c.routes_removed, 0);
	cr_expect_eq(c.links_unchanged, 3);

	model_find_vpn(model, VPN)->state = MODEL_STATE_DELETED;
	c = reconcile(NULL, NULL);
	cr_expect(!c.onprem_ns);
	cr_expect_eq(netns_exists(onprem_ns), 0);
	cr_expect(!has(names.fabric_ns, "ip -o link show", "gu0"));
	cr_expect(!has(names.fabric_ns, "ip -o link show", VGW));
}

Test(outside, teardown_leaves_nothing)
{
	add_vpn();
	reconcile(NULL, NULL);
	cr_assert_eq(outside_teardown(outside), 0);
	cr_expect_eq(netns_exists(inet_ns), 0);
	cr_expect_eq(netns_exists(onprem_ns), 0);
	cr_expect(!has(names.fabric_ns, "ip -o link show", ": g"));
}

Test(outside, link_prefix_clash_refused)
{
	struct outside_config oc = {.ns_prefix = "x", .fabric_ns = "y", .link_prefix = "g"};
	struct outside *o = NULL;

	cr_expect_eq(outside_new(&oc, &o), -EINVAL);
	oc.link_prefix = "gux";
	cr_expect_eq(outside_new(&oc, &o), -EINVAL);
	oc.link_prefix = "ovf";
	cr_assert_eq(outside_new(&oc, &o), 0);
	cr_expect_str_eq(outside_onprem_ns(o), "xonprem");
	outside_free(o);
	oc.ns_prefix = "";
	cr_assert_eq(outside_new(&oc, &o), 0);
	cr_expect_str_eq(outside_internet_ns(o), "openvpc-internet");
	outside_free(o);
}

Test(outside, fabric_namespace_lost_is_rebuilt)
{
	struct fabric_dp_port *ports;
	struct outside_counts c;
	size_t n;

	add_vpn();
	reconcile(NULL, NULL);
	cr_assert_eq(netns_delete(names.fabric_ns), 0);
	/* The kernel frees a namespace (and so the peers of its veths) asynchronously. */
	for (int i = 0; i < 200 && has(inet_ns, "ip -o link show", ": ig"); i++)
		usleep(10000);
	cr_assert_eq(plumb_reconcile(plumb, model, NULL, NULL, NULL), 0);
	c = reconcile(&ports, &n);
	cr_expect_eq(c.links_created, 3, "IGW pair, underlay, tunnel again: %u", c.links_created);
	cr_expect_eq(n, 2);
	free(ports);
	cr_expect(has(inet_ns, "ip -o route show proto 118", "198.51.100.10 dev ig"));
	cr_expect(has(onprem_ns, "ip -o route show proto 118", "10.0.0.0/16 dev vx"));
	c = reconcile(NULL, NULL);
	cr_expect_eq(c.links_created + c.links_removed + c.routes_added + c.routes_removed, 0);
}
