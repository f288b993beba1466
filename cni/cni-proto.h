/*
 * cni-proto: the messages between vpc-cni and vpc-ipamd (one request, one
 * response per connection on ipamd's Unix stream socket, mode 0660).  Each
 * message is a JSON object framed by a 4-byte big-endian length (at most
 * CNI_PROTO_MAX_BYTES).  Every request carries "version"; ipamd refuses any
 * other version with CNI_ERR_PROTO_VERSION, because plugin and daemon ship
 * as one build (as the AWS plugin's ClientVersion check does).
 *
 * Allocations are keyed by (network, containerID, ifName), as the CNI
 * specification recommends.  Decoded strings are copied into fixed
 * buffers; decoding never trusts lengths it did not check.
 */
#ifndef OPENVPC_CNI_PROTO_H
#define OPENVPC_CNI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/cni-conf.h"
#include "cni/cni-env.h"
#include "cni/cni-err.h"
#include "lib/net/net.h"

#define CNI_PROTO_VERSION "openvpc-ipam/1"
#define CNI_PROTO_MAX_BYTES (8u << 20)
#define CNI_PROTO_VPC_CIDRS_MAX 50 /* AWS: at most 50 IPv4 CIDRs per VPC */
#define CNI_NETWORK_MAX 128

enum cni_proto_op {
	CNI_OP_ADD,
	CNI_OP_DEL,
	CNI_OP_CHECK,
	CNI_OP_GC,
	CNI_OP_STATUS,
};

struct cni_proto_req {
	enum cni_proto_op op;
	char network[CNI_NETWORK_MAX];
	char container_id[CNI_ID_MAX];
	char ifname[CNI_IFNAME_MAX];
	char netns[CNI_NETNS_MAX];
	char pod_name[CNI_K8S_NAME_MAX];
	char pod_namespace[CNI_K8S_NAME_MAX];
	char reason[32]; /* DEL: "PodDeleted", "SetupNSFailed" */
	/* GC: the attachments to keep (request side: borrowed; decoded: owned, see _clear). */
	struct cni_attachment *valid;
	size_t n_valid;
	bool owns_valid;
	char *valid_strings; /* decoded: backing store of valid[] strings */
};

struct cni_proto_resp {
	bool ok;
	int code;	/* cni_code when !ok */
	char msg[256];	/* when !ok */
	uint32_t ip4;	/* ADD/CHECK: the pod's address */
	int device_number; /* ENI device index holding it */
	int route_table;   /* 254 (main) for device 0, else device + 1 */
	bool external_snat;
	uint32_t node_ip; /* primary IP of the primary ENI (SNAT source) */
	struct net_cidr4 vpc_cidrs[CNI_PROTO_VPC_CIDRS_MAX];
	size_t n_vpc_cidrs;
	int mtu;
};

const char *cni_proto_op_str(enum cni_proto_op op);

/* Encoding: malloc'd JSON text (caller frees) or NULL when out of memory. */
char *cni_proto_req_encode(const struct cni_proto_req *req);
char *cni_proto_resp_encode(const struct cni_proto_resp *resp);
/* Decoding: CNI_ERR_DECODE for anything malformed, CNI_ERR_PROTO_VERSION for a wrong version. */
int cni_proto_req_decode(const char *buf, size_t len, struct cni_proto_req *ret_req,
			 struct cni_err *err);
int cni_proto_resp_decode(const char *buf, size_t len, struct cni_proto_resp *ret_resp,
			  struct cni_err *err);
/* Free what a decoded request owns (GC attachments).  NULL-safe. */
void cni_proto_req_clear(struct cni_proto_req *req);

#endif
