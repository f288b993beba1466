/*
 * ipamd: vpc-ipamd, the node daemon of VPC-native pod networking (as the
 * AWS VPC CNI's ipamd).  One struct ipamd holds the node (learned from
 * IMDS), the datastore (ipam-ds.h) behind one mutex, the EC2 client, and
 * the threads:
 *   - serve: the plugin's Unix socket (cni/cni-proto.h messages): ADD / DEL
 *     / CHECK / STATUS / GC against the datastore, the checkpoint written
 *     before every answer that changed an allocation;
 *   - pool: every pool_interval_ms (or at once when an ADD found the pool
 *     empty) asks ipam-pool.h for the next step and carries it out with EC2
 *     calls made without holding the mutex — addresses leave the datastore
 *     before they are given back to EC2, so no pod can take one that is
 *     going away;
 *   - http: Prometheus metrics and the introspection endpoint.
 * Files: ipamd-node.c (start: IMDS, EC2, checkpoint, node network),
 * ipamd-serve.c, ipamd-pool.c, ipamd-http.c, vpc-ipamd.c (main).
 */
#ifndef OPENVPC_IPAMD_IPAMD_H
#define OPENVPC_IPAMD_IPAMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cni/cni-proto.h"
#include "ipamd/ec2c.h"
#include "ipamd/imdsc.h"
#include "ipamd/ipam-ckpt.h"
#include "ipamd/ipam-ds.h"
#include "ipamd/ipam-pool.h"

#define IPAMD_DEFAULT_SOCKET "/run/openvpc/ipamd.sock"
#define IPAMD_DEFAULT_CHECKPOINT "/run/openvpc/ipam.json"
#define IPAMD_SGS_MAX 16

struct ipamd_config {
	char socket_path[108];
	char checkpoint_path[256];
	char metrics_addr[64];	     /* "127.0.0.1:61678"; "" = off */
	char introspection_addr[64]; /* "127.0.0.1:61679"; "" = off */
	struct ipam_cfg pool;
	int64_t cooldown_ms;	  /* IP_COOLDOWN_PERIOD */
	int64_t pool_interval_ms; /* 5000 */
	bool external_snat;
	struct net_cidr4 exclude_snat[16];
	size_t n_exclude_snat;
	int mtu;
	char veth_prefix[5];	 /* AWS_VPC_K8S_CNI_VETHPREFIX, as in the plugin's config ("eni") */
	char imds_endpoint[256]; /* "" = environment / default */
	struct ec2c_config ec2;
};

struct ipamd_stats {
	uint64_t add_req, del_req, add_fail, ec2_calls, ec2_errors, no_ip, reconciles;
	uint64_t enis_created, enis_freed, ips_assigned, ips_released;
};

struct ipamd {
	struct ipamd_config cfg;
	pthread_mutex_t lock; /* ds, stats, node below */
	pthread_cond_t wake;  /* pool thread: run now */
	struct ipam_ds *ds;
	struct ipam_limits lim;
	struct ipamd_stats stats;
	struct ipam_ckpt_log ckpt_log; /* the checkpoint's journal (under lock) */
	struct ec2c *ec2;
	struct imdsc imds;
	/* The node. */
	char instance_id[64], instance_type[64], az[64], region[64];
	char primary_eni[64], primary_mac[32], subnet_id[64], vpc_id[64];
	uint32_t node_ip;
	struct net_cidr4 subnet;
	struct net_cidr4 vpc_cidrs[CNI_PROTO_VPC_CIDRS_MAX];
	size_t n_vpc_cidrs;
	char sg_ids[IPAMD_SGS_MAX][64];
	size_t n_sg_ids;
	bool ready;
	volatile bool stopping;
	int stop_fd; /* eventfd: wakes the serve thread */
	pthread_t serve_thread, pool_thread;
	void *metrics_daemon, *introspection_daemon;
};

void ipamd_config_defaults(struct ipamd_config *cfg);
/* The AWS variables (WARM_ENI_TARGET, ...) and OPENVPC_IPAMD_*; why[] on error. */
int ipamd_config_from_env(struct ipamd_config *cfg, char *why, size_t why_size);

/* Learn the node, build the datastore, restore the checkpoint, set up the node network. */
int ipamd_node_init(struct ipamd *d, char *why, size_t why_size);
/* Write the whole checkpoint, emptying its journal (caller holds d->lock). */
int ipamd_checkpoint(struct ipamd *d);
/*
 * Record one assignment (l, for q's pod) or release (l NULL) in the
 * checkpoint's journal, durable on return; every IPAM_CKPT_JOURNAL_MAX
 * changes a whole checkpoint instead (caller holds d->lock).
 */
int ipamd_checkpoint_change(struct ipamd *d, const struct ipam_key *k, const struct ipam_lease *l,
			    const char *pod_namespace, const char *pod_name);
int ipamd_serve_start(struct ipamd *d, char *why, size_t why_size);
void ipamd_serve_stop(struct ipamd *d);
int ipamd_pool_start(struct ipamd *d);
void ipamd_pool_stop(struct ipamd *d);
/* One pool step now (also used by tests); returns the action taken. */
enum ipam_action ipamd_pool_step(struct ipamd *d);
int ipamd_http_start(struct ipamd *d, char *why, size_t why_size);
void ipamd_http_stop(struct ipamd *d);
/* The Prometheus text and the introspection JSON (malloc'd; caller frees). */
char *ipamd_metrics_text(struct ipamd *d);
char *ipamd_introspection_json(struct ipamd *d);

int64_t ipamd_now_ms(void);
void ipamd_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
