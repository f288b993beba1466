/*
 * dp-svc: addresses that stand for an instance when its traffic to a VPC
 * service address (IMDS 169.254.169.254, the DNS resolver, the time
 * service) leaves the data path for the service namespace.
 *
 * What it is.  The fabric answers service addresses with real sockets in a
 * namespace of its own, behind a SERVICE port.  Instances of different VPCs
 * may share private addresses, so the data path rewrites the source of each
 * service request to an address of the service pool (default
 * 169.254.0.0/17, never a VPC address) that names one (port, private IP)
 * pair; the server asks fabric_dp_service_peer() who that is, and the reply
 * to the pool address is rewritten back and delivered to that port.
 *
 * A pair keeps its address while its port exists (forget_port releases
 * them); addresses are handed out lowest first; the table holds at most
 * DP_SVC_MAX pairs (then map() returns 0 and the request is dropped).
 *
 * Threads: the data-path thread is the only writer (map, forget_port) and
 * reads without locking; other threads read through peer(), which locks.
 */
#ifndef OPENVPC_FABRIC_DP_SVC_H
#define OPENVPC_FABRIC_DP_SVC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/model/model.h"
#include "lib/net/net.h"

#define DP_SVC_MAX 8192

struct dp_svc_entry {
	bool used;
	const void *port; /* the data path's port (identity only) */
	uint32_t ip;	  /* the instance's private address */
	char eni_id[MODEL_ID_LEN];
};

struct dp_svc {
	struct net_cidr4 pool;
	uint32_t cap;	     /* usable addresses, at most DP_SVC_MAX */
	struct dp_svc_entry *entries; /* slot i <-> address pool.addr + 1 + i */
	uint32_t *index;     /* open addressing over (port, ip): slot + 1, 0 = empty */
	uint32_t index_mask;
	pthread_mutex_t lock;
};

/* 0, -EINVAL (pool smaller than /30 or larger than /8), -ENOMEM. */
int dp_svc_init(struct dp_svc *t, struct net_cidr4 pool);
void dp_svc_destroy(struct dp_svc *t);

/* The pool address of (port, ip), assigned on first use; 0 when the table is full. */
uint32_t dp_svc_map(struct dp_svc *t, const void *port, uint32_t ip, const char *eni_id);

/* Data-path thread: which (port, ip) a pool address stands for.  0 or -ENOENT. */
int dp_svc_back(const struct dp_svc *t, uint32_t addr, const void **ret_port, uint32_t *ret_ip);

/* Any thread: the ENI ID and private IP behind a pool address.  0 or -ENOENT. */
int dp_svc_peer(struct dp_svc *t, uint32_t addr, char ret_eni_id[MODEL_ID_LEN], uint32_t *ret_ip);

/* Release every address of port. */
void dp_svc_forget_port(struct dp_svc *t, const void *port);

#endif
