/*
 * ipam-ds: vpc-ipamd's datastore — the node's ENIs, the addresses they hold
 * for pods (secondary IPs, or the 16 addresses of each /28 prefix with
 * prefix delegation), and which pod holds which address.
 *
 * Invariants: an address belongs to one ENI and is held by at most one
 * allocation; an allocation is keyed by (network, containerID, ifName), as
 * the CNI specification recommends, and assigning an existing key returns
 * the same address (ADD is retried by runtimes); an address given back
 * cools down for cooldown_ms (IP_COOLDOWN_PERIOD, 30 s by default) before it
 * is handed out again; the ENI's primary IP is never handed to a pod.
 * Pure: time comes in as now_ms; nothing here does I/O.  The datastore owns
 * all its memory; pointers it returns live until the next change.
 */
#ifndef OPENVPC_IPAM_DS_H
#define OPENVPC_IPAM_DS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cni/cni-env.h"
#include "cni/cni-proto.h"
#include "lib/net/net.h"

#define IPAM_ENIS_MAX 64
#define IPAM_ADDRS_PER_ENI_MAX 1024 /* 49 prefixes x 16 on the largest types */
#define IPAM_ENI_ID_MAX 32

struct ipam_key {
	char network[CNI_NETWORK_MAX];
	char container_id[CNI_ID_MAX];
	char ifname[CNI_IFNAME_MAX];
};

struct ipam_addr {
	uint32_t ip;
	bool assigned;
	bool from_prefix;
	int64_t cooldown_until_ms; /* > now: cooling, not handed out */
	int64_t assigned_ms;
	struct ipam_key key; /* when assigned */
	char pod_namespace[CNI_K8S_NAME_MAX];
	char pod_name[CNI_K8S_NAME_MAX];
};

struct ipam_eni {
	char id[IPAM_ENI_ID_MAX];
	int device;
	bool primary; /* the instance's primary ENI (device 0) */
	uint32_t primary_ip;
	struct net_cidr4 subnet;
	int64_t created_ms;
	struct net_cidr4 prefixes[IPAM_ADDRS_PER_ENI_MAX / 16];
	size_t n_prefixes;
	struct ipam_addr *addrs;
	size_t n_addrs, cap_addrs;
};

struct ipam_ds {
	struct ipam_eni *enis;
	size_t n_enis;
	int64_t cooldown_ms;
};

struct ipam_stats {
	size_t enis, total, assigned, cooling, available, prefixes, free_prefixes;
};

/* Where an allocation lives (returned by assign/find/unassign). */
struct ipam_lease {
	uint32_t ip;
	int device;
	char eni_id[IPAM_ENI_ID_MAX];
	int64_t assigned_ms;
};

struct ipam_ds *ipam_ds_new(int64_t cooldown_ms);
void ipam_ds_free(struct ipam_ds *ds);

/* -EEXIST (same ID or device), -ENOSPC (IPAM_ENIS_MAX), -ENOMEM. */
int ipam_ds_add_eni(struct ipam_ds *ds, const char *id, int device, bool primary,
		    uint32_t primary_ip, struct net_cidr4 subnet, int64_t now_ms);
/* -ENOENT, -EBUSY when an address is assigned or cooling (unless force). */
int ipam_ds_remove_eni(struct ipam_ds *ds, const char *id, bool force, int64_t now_ms);
struct ipam_eni *ipam_ds_find_eni(const struct ipam_ds *ds, const char *id);
/* Idempotent.  -ENOENT (ENI), -EINVAL (the ENI's primary IP), -ENOSPC. */
int ipam_ds_add_ip(struct ipam_ds *ds, const char *eni_id, uint32_t ip);
/* The 16 addresses of a /28.  -EINVAL unless a /28, -ENOENT, -ENOSPC. */
int ipam_ds_add_prefix(struct ipam_ds *ds, const char *eni_id, struct net_cidr4 prefix);
/* -ENOENT, -EBUSY while assigned (cooling addresses may be removed: EC2 took them). */
int ipam_ds_remove_ip(struct ipam_ds *ds, const char *eni_id, uint32_t ip);
/* A prefix and its addresses; -EBUSY when one of them is assigned. */
int ipam_ds_remove_prefix(struct ipam_ds *ds, const char *eni_id, struct net_cidr4 prefix);

/*
 * Hand an address to key (or return the one it already holds).  Prefers an
 * address that was given back and has cooled down, else the first never
 * used, scanning ENIs in device order.  -ENOSPC when none is available.
 */
int ipam_ds_assign(struct ipam_ds *ds, const struct ipam_key *key, const char *pod_namespace,
		   const char *pod_name, int64_t now_ms, struct ipam_lease *ret_lease);
/* Give back key's address; it cools down.  -ENOENT for an unknown key. */
int ipam_ds_unassign(struct ipam_ds *ds, const struct ipam_key *key, int64_t now_ms,
		     struct ipam_lease *ret_lease);
int ipam_ds_find(const struct ipam_ds *ds, const struct ipam_key *key, struct ipam_lease *ret_lease);
/*
 * Re-establish an allocation read from the checkpoint: ip must be on an ENI
 * (-ENOENT) and free or already key's (-EEXIST when another key holds it).
 */
int ipam_ds_restore(struct ipam_ds *ds, const struct ipam_key *key, uint32_t ip,
		    int64_t assigned_ms, const char *pod_namespace, const char *pod_name);

void ipam_ds_stats(const struct ipam_ds *ds, int64_t now_ms, struct ipam_stats *ret);
bool ipam_key_eq(const struct ipam_key *a, const struct ipam_key *b);
bool ipam_addr_cooling(const struct ipam_addr *a, int64_t now_ms);

#endif
