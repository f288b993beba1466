/*
 * ipam-pool: the warm-pool decision of vpc-ipamd, as the AWS VPC CNI makes
 * it (reference/cni-datapath.md section 4): given the datastore, the
 * instance type's limits and the targets, what is the one next step —
 * assign addresses (or /28 prefixes) to an ENI that has room, create and
 * attach a new ENI with them, give back surplus addresses, or free a whole
 * ENI.  Pure: no I/O, time as now_ms; the daemon carries the step out with
 * EC2 calls and asks again.
 *
 *   WARM_IP_TARGET / MINIMUM_IP_TARGET set (>= 0):
 *     short = max(WARM_IP - available, MINIMUM_IP - total, 0)
 *     over  = max(min(available - WARM_IP, total - MINIMUM_IP), 0)
 *   else WARM_ENI_TARGET (default 1): keep WARM_ENI x (IPs per ENI - 1) free;
 *     free an ENI that is unused when more than one ENI's worth above that.
 *   Prefix delegation: the same in units of /28 (WARM_PREFIX_TARGET counts
 *     wholly free prefixes) unless WARM_IP / MINIMUM_IP are set.
 *   Never beyond max pods, the ENI limit (MAX_ENI) or the addresses per ENI;
 *   never the primary ENI, an ENI younger than min_eni_lifetime_ms, or one
 *   with assigned or cooling addresses is freed.
 */
#ifndef OPENVPC_IPAM_POOL_H
#define OPENVPC_IPAM_POOL_H

#include "ipamd/ipam-ds.h"

struct ipam_limits {
	int max_enis;	  /* the instance type's network interfaces */
	int ipv4_per_eni; /* including the ENI's primary IP */
	int max_pods;	  /* ENIs x (IPv4 per ENI - 1) + 2, or the PD formula */
};

struct ipam_cfg {
	int warm_eni_target;	/* default 1 */
	int warm_ip_target;	/* -1: unset */
	int minimum_ip_target;	/* -1: unset */
	int warm_prefix_target; /* PD only; default 1 */
	int max_eni;		/* -1: the instance limit */
	bool prefix_delegation;
	int64_t min_eni_lifetime_ms; /* 60 s */
};

enum ipam_action {
	IPAM_NOTHING,
	IPAM_ASSIGN,	   /* count addresses (or prefixes with PD) onto eni_id */
	IPAM_NEW_ENI,	   /* create + attach an ENI with count addresses (or prefixes) */
	IPAM_RELEASE_IPS,  /* give back ips[0..count) of eni_id (or prefixes with PD) */
	IPAM_RELEASE_ENI,  /* detach and delete eni_id */
};

#define IPAM_PLAN_MAX 64

struct ipam_plan {
	enum ipam_action action;
	char eni_id[IPAM_ENI_ID_MAX];
	int count;
	uint32_t ips[IPAM_PLAN_MAX]; /* RELEASE_IPS: addresses, or /28 bases with PD */
};

void ipam_cfg_defaults(struct ipam_cfg *cfg);
/* -EINVAL with PD and every target <= 0 (as AWS refuses to start). */
int ipam_cfg_check(const struct ipam_cfg *cfg);
void ipam_pool_plan(const struct ipam_ds *ds, const struct ipam_cfg *cfg,
		    const struct ipam_limits *lim, int64_t now_ms, struct ipam_plan *ret_plan);
const char *ipam_action_str(enum ipam_action a);

#endif
