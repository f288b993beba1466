/*
 * cni-datapath: wiring a pod the way the AWS VPC CNI does
 * (reference/cni-datapath.md section 2): a veth created inside the pod's
 * namespace with its peer placed directly in the node's namespace; in the
 * pod the /32 address, 169.254.1.1 as an on-link gateway with a permanent
 * neighbour entry pointing at the host veth's MAC and the default route via
 * it; on the node a /32 route to the host veth, the rule "to <pod> lookup
 * main" (priority 512) and, for pods on a secondary ENI, "from <pod> lookup
 * <ENI table>" (priority 1536).
 *
 * The calling process must be in the node's namespace; it enters the pod's
 * only to open a netlink socket there (a socket keeps its namespace) and
 * returns at once.  Teardown is idempotent: what is already gone is not an
 * error.
 */
#ifndef OPENVPC_CNI_DATAPATH_H
#define OPENVPC_CNI_DATAPATH_H

#include <stdint.h>

#include "cni/cni-err.h"
#include "cni/cni-result.h"

#define CNI_RT_TABLE_MAIN 254
#define CNI_RULE_PRIO_TO_POD 512
#define CNI_RULE_PRIO_FROM_POD 1536

struct cni_dp_pod {
	const char *netns;	 /* the pod's namespace path; NULL or "" on DEL when unknown */
	const char *ifname;	 /* inside the pod, e.g. "eth0" */
	const char *host_ifname; /* on the node, e.g. "eni0761ccbeace" */
	uint32_t ip4;		 /* host byte order */
	int route_table;	 /* CNI_RT_TABLE_MAIN for the primary ENI, else device + 1 */
	int mtu;
};

/* Wire the pod; on failure undo what was done.  Fills ret (interfaces, MACs, address). */
int cni_dp_add(const struct cni_dp_pod *p, struct cni_pod_result *ret, struct cni_err *err);
/*
 * cni_dp_add in two halves, so that the plugin can wait for vpc-ipamd's
 * answer while the kernel makes the veth: begin does what does not depend
 * on the address (p->ip4 and p->route_table are ignored; the strings must
 * outlive the ADD) and returns the ADD in progress; then exactly one of
 * finish (the address, its route and rules; undoes everything on failure)
 * or abort (removes the veth).  Both free w; abort accepts NULL.
 */
struct cni_dp_wip;
int cni_dp_add_begin(const struct cni_dp_pod *p, struct cni_dp_wip **ret, struct cni_err *err);
int cni_dp_add_finish(struct cni_dp_wip *w, uint32_t ip4, int route_table,
		      struct cni_pod_result *ret, struct cni_err *err);
void cni_dp_add_abort(struct cni_dp_wip *w);
/* Remove the node side (rules, host veth, which takes the pod side with it). */
int cni_dp_del(const struct cni_dp_pod *p, struct cni_err *err);
/* CHECK: the pod has its address and default route, the node its /32 route and rules. */
int cni_dp_check(const struct cni_dp_pod *p, struct cni_err *err);

#endif
