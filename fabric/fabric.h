/*
 * fabric: the live fabric of one Region, as vpcd runs it — plumbing
 * (plumb.h: instance namespaces, ENI veth pairs), what lies outside the VPC
 * (outside.h: the internet behind each IGW, the onprem site behind each VGW
 * over a VXLAN tunnel) and the data path (dp.h: every frame through the
 * engine) kept in step with the model.
 *
 * fabric_apply() is called with the model after every committed change and
 * once at start: it compiles a new engine generation, reconciles the
 * namespaces and links, instances first, then gateways (creating, repairing
 * and removing only what differs, so a vpcd restart adopts what is already
 * there; a gateway failure is counted in report.outside, never fatal), hands
 * the ENI and gateway port table to the data path and publishes the
 * generation, which the data path adopts between two batches without
 * dropping established flows that are still allowed.  The data path thread
 * starts on the first apply.  When the model asks plumb for what it asked
 * last time (plumb_model_digest: same instances, ENIs, MACs, primary IPs),
 * the last reconcile's ports are reused and the kernel is not walked; every
 * 16th apply, and every apply after one with errors, reconciles regardless.
 *
 * Threading: fabric_apply/fabric_stats/fabric_free from the thread that owns
 * the model (vpcd: under its request mutex).  Nothing here logs; errors are
 * returned with the counts that explain them.
 */
#ifndef OPENVPC_FABRIC_FABRIC_H
#define OPENVPC_FABRIC_FABRIC_H

#include "fabric/dp.h"
#include "fabric/imds.h"
#include "fabric/outside.h"
#include "fabric/plumb.h"
#include "lib/model/model.h"

struct fabric_config {
	const char *ns_prefix;	 /* instance namespaces: prefix + instance ID ("" in vpcd) */
	const char *link_prefix; /* fabric-side links ("ovf") */
	const char *fabric_ns;	 /* the fabric's own namespace ("openvpc-fabric") */
	const char *svc_ns;	 /* the service namespace (svc.h; "openvpc-svc") */
	unsigned mtu;		 /* 0: 9001 */
	/* Flow-log records (on the data-path thread); NULL: not written. */
	void (*flowlog_fn)(const struct eng_flow_record *rec, void *userdata);
	void *flowlog_userdata;
	uint32_t flowlog_interval_override_s;
	/* IMDSv2 tokens are signed with it; NULL: a random key per start (tokens die with vpcd). */
	const struct imds_key *imds_key;
};

struct fabric;

/* What the last apply did. */
struct fabric_report {
	struct plumb_counts plumb;
	struct outside_counts outside; /* internet and onprem sides (outside.h) */
	size_t ports;		       /* ENI and gateway ports handed to the data path */
	bool started; /* the data path thread started by this apply */
};

void fabric_config_default(struct fabric_config *cfg);
/* Touches no kernel state yet.  0, -EINVAL, -ENOMEM. */
int fabric_new(const struct fabric_config *cfg, struct fabric **ret);
/*
 * Bring the kernel and the data path to the model.  0 (per-ENI failures are
 * in report.plumb.errors / first_error), or a negative errno when nothing
 * could be applied (compile failed, the fabric namespace unusable, the data
 * path did not start).  *ret_report optional.
 */
int fabric_apply(struct fabric *f, const struct model *m, struct fabric_report *ret_report);
int fabric_stats(struct fabric *f, struct fabric_dp_stats *ret_stats);

/*
 * Where the Instance Metadata Service reads the model: fn runs cb with the
 * current model under the owner's lock (vpcd: api_server_with_model).  Set
 * before the first apply; IMDS starts with the data path.
 */
typedef int (*fabric_model_fn)(void *userdata, void (*cb)(void *cb_userdata, const struct model *m),
			       void *cb_userdata);
void fabric_set_model_source(struct fabric *f, fabric_model_fn fn, void *userdata);
/* The service namespace's name (for vpcd's EC2 endpoint for instances: svc_listen). */
const char *fabric_svc_ns(const struct fabric *f);
/* The namespace name of an instance (for `vpcctl exec`).  0 or -ENAMETOOLONG. */
int fabric_instance_ns(const struct fabric *f, const char *instance_id, char *buf, size_t size);
/*
 * Stop the data path and free.  With teardown, also remove every namespace
 * and link the fabric made; without, leave them for the next vpcd to adopt.
 * Accepts NULL; returns NULL.
 */
struct fabric *fabric_free(struct fabric *f, bool teardown);

#endif
