/*
 * cni-result: the ADD result vpc-cni prints, in the shape of the
 * configuration's cniVersion (0.1.0/0.2.0 "ip4"; 0.3.x/0.4.0 "ips" with
 * "version"; 1.x without it, 1.1.0 with the interface's "mtu"), and the
 * reverse: what DEL and CHECK need from prevResult (the host-side veth and
 * the pod address).  The pod's one address is a /32 with gateway
 * 169.254.1.1, as the AWS VPC CNI wires it.
 */
#ifndef OPENVPC_CNI_RESULT_H
#define OPENVPC_CNI_RESULT_H

#include <jansson.h>
#include <stdint.h>

#include "cni/cni-env.h"
#include "cni/cni-err.h"
#include "cni/cni-version.h"

#define CNI_POD_GATEWAY "169.254.1.1"

struct cni_pod_result {
	char host_ifname[CNI_IFNAME_MAX];
	uint8_t host_mac[6];
	char pod_ifname[CNI_IFNAME_MAX];
	uint8_t pod_mac[6];
	char sandbox[CNI_NETNS_MAX];
	uint32_t ip4; /* host byte order */
	int mtu;
};

/* The result document (malloc'd string; caller frees) or NULL when out of memory. */
char *cni_result_json(const struct cni_pod_result *r, enum cni_ver v, const char *version_str);
/*
 * From a prevResult object of any version: host_ifname (the interface
 * without a sandbox; "" when none), pod_ifname, ip4 (the first IPv4
 * address).  CNI_ERR_DECODE when there is no IPv4 address or a field has
 * the wrong type.
 */
int cni_result_from_prev(json_t *prev, struct cni_pod_result *ret, struct cni_err *err);

/*
 * The host-side veth name as the AWS plugin derives it: prefix +
 * hex(sha1("<namespace>.<pod>"))[:11].  Without Kubernetes names (podman,
 * other runtimes) "<containerID>.<ifname>" is hashed instead, so two
 * containers never share a name.  ret must hold 16 bytes.
 */
void cni_host_veth_name(const char *prefix, const struct cni_env *env, char ret[CNI_IFNAME_MAX]);

#endif
