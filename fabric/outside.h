/*
 * outside: what lies outside the VPC — the internet behind each attached
 * internet gateway and the customer's site behind each VPN gateway — built as
 * namespaces and links next to the fabric, kept in step with the model.
 *
 * What it builds.
 *
 *   fabric namespace                         internet namespace (prefix + "internet")
 *   gi<hash(igw)>  <--------- veth --------> ig<hash(igw)>   (one pair per attached IGW)
 *     FABRIC_DP_PORT_IGW port                  routes: every public IP / EIP / NAT
 *                                              gateway public IP of the IGW's VPC,
 *                                              /32 dev ig<hash>, protocol OUTSIDE_RTPROT
 *                                              lo: OUTSIDE_INTERNET_HOST/32 (203.0.113.10)
 *
 *   fabric namespace                         onprem namespace (prefix + "onprem")
 *   gu0 169.254.254.1/30 <---- veth -------> ul0 169.254.254.2/30     (the underlay)
 *   gv<hash(vgw)> VXLAN VNI v  <==========>  vx<hash(vgw)> VXLAN VNI v  (one per VGW
 *     FABRIC_DP_PORT_VGW port                  routes: the VPC's CIDRs dev vx<hash>
 *                                              lo: OUTSIDE_ONPREM_HOST/32 (192.168.1.10)
 *
 * A VGW gets its tunnel when it is attached to a VPC and at least one
 * available VPN connection uses it (one tunnel per VGW, shared by its
 * connections: the data path has one port per gateway).  Which onprem
 * prefixes are reachable is decided by the engine (VPN static routes, route
 * propagation), not by the kernel: the onprem side routes the whole VPC into
 * the tunnel.  VXLAN is the tunnel because this kernel has no GRE, IPsec or
 * WireGuard (see notes/kernel.md); the VNI is derived from the VGW ID.
 *
 * The outside ends of the gateway links have fixed, known MACs (derived from
 * the gateway ID), so the data path never has to learn them.  Offloads
 * (TSO/GSO/GRO) are off on every outside end and on the fabric's VXLAN ends,
 * so no frame larger than the MTU reaches the data path.
 *
 * Ownership.  In the fabric namespace, links whose name starts with "gi",
 * "gv" or "gu" (plumb's link prefix must not start those: outside_new checks);
 * the internet and onprem namespaces entirely.  Nothing is created in the
 * caller's namespace; every request runs on a socket of the namespace it
 * concerns.
 *
 * Reconcile.  outside_reconcile() creates what is missing, removes what the
 * model no longer has (a detached IGW, a public IP released, a VGW with no VPN
 * connection left — then the whole onprem namespace goes), and leaves alone
 * what matches, so a restarted vpcd adopts what the last one built.  It runs
 * after plumb_reconcile() (the fabric namespace must exist).
 *
 * Threading: not thread-safe; called from the thread that owns the model.
 * Nothing here logs.
 */
#ifndef OPENVPC_FABRIC_OUTSIDE_H
#define OPENVPC_FABRIC_OUTSIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fabric/dp.h"
#include "lib/model/model.h"

#define OUTSIDE_INTERNET_HOST "203.0.113.10"
#define OUTSIDE_ONPREM_HOST   "192.168.1.10"
#define OUTSIDE_RTPROT	      118 /* route protocol of the routes outside makes ('v') */
#define OUTSIDE_VXLAN_PORT    4789
#define OUTSIDE_UNDERLAY_MTU  9200

struct outside_config {
	/* Namespace names: ns_prefix + "internet" / "onprem" ("" -> "openvpc-"). */
	const char *ns_prefix;
	const char *fabric_ns;	 /* the fabric namespace (plumb's) */
	const char *link_prefix; /* plumb's fabric-side link prefix (checked for clashes) */
	unsigned mtu;		 /* gateway links; 0 = 9001 */
};

struct outside_counts {
	bool internet_ns, onprem_ns; /* exist after the reconcile */
	unsigned links_created, links_removed, links_unchanged;
	unsigned routes_added, routes_removed, routes_unchanged;
	unsigned errors;
	int first_error;
};

struct outside;

/* Validate and copy.  0, -EINVAL, -ENOMEM.  Touches no kernel state. */
int outside_new(const struct outside_config *cfg, struct outside **ret);
/* Accepts NULL; returns NULL.  Leaves the kernel as it is. */
struct outside *outside_free(struct outside *o);

/*
 * Bring the internet and onprem sides to the model.  0 when it ran (per-item
 * failures in counts.errors), or a negative errno when it could not run (the
 * fabric namespace is missing, out of memory).  On 0, *ret_ports (optional)
 * is a heap array of *ret_n gateway ports for the data path (free()).
 */
int outside_reconcile(struct outside *o, const struct model *m, struct outside_counts *ret_counts,
		      struct fabric_dp_port **ret_ports, size_t *ret_n);

/* Remove the gateway links and the internet and onprem namespaces.  0 or the first error. */
int outside_teardown(struct outside *o);

/* Names of the namespaces (borrowed). */
const char *outside_internet_ns(const struct outside *o);
const char *outside_onprem_ns(const struct outside *o);

#endif
