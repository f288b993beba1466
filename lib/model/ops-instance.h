/*
 * ops-instance: instance operations (RunInstances, TerminateInstances,
 * StopInstances, StartInstances, ModifyInstanceMetadataOptions).
 *
 * What.  Instances as far as the VPC sees them: a type (ENI and IP limits),
 * a subnet, ENIs and addresses, a state and metadata options.  Each function
 * applies the whole change and returns 0, or changes nothing and returns a
 * negative errno with *err set.
 *
 * Choices (documented deviations):
 *  - RunInstances creates instances "running" at once (AWS: pending ->
 *    running); stop and terminate complete at once ("stopped",
 *    "terminated"; AWS passes stopping / shutting-down).  Terminated
 *    instances stay visible.
 *  - The image ID is recorded, not checked against a catalogue; it must look
 *    like ami- + hex (else InvalidAMIID.Malformed).
 *  - Without a subnet, the default subnet of the default VPC in the first AZ
 *    that has one is used; without a default VPC -> MissingParameter.
 *  - min_count..max_count: as many as the instance quota and the subnet's
 *    free addresses allow, at least min_count (else InstanceLimitExceeded /
 *    InsufficientFreeAddressesInSubnet).  An explicit private IP needs
 *    max_count 1.
 *  - Auto public IP: when the subnet maps public IPs on launch or
 *    associate_public_ip is 1, only for a launch with one interface; released
 *    on stop and terminate, a new one is assigned on start.  An empty public
 *    pool (ctx->public_pool) is AddressLimitExceeded.
 *  - On terminate, an Elastic IP on an ENI that survives (delete on
 *    termination false) stays associated with that ENI, as on AWS.
 */
#ifndef OPENVPC_MODEL_OPS_INSTANCE_H
#define OPENVPC_MODEL_OPS_INSTANCE_H

#include "lib/model/ops.h"

/*
 * Instance metadata options (RunInstances MetadataOptions.*,
 * ModifyInstanceMetadataOptions).  A NULL string / 0 hop limit means "the
 * default" at launch and "unchanged" on modify.  Values: http_tokens
 * "optional"|"required"; hop_limit 1..64; http_endpoint, http_protocol_ipv6,
 * instance_metadata_tags "enabled"|"disabled" (else InvalidParameterValue).
 *
 * Defaults are the EC2 API's own (HttpTokens optional, hop limit 1, endpoint
 * enabled, IPv6 endpoint disabled, tags disabled).  Newer AMIs (Amazon Linux
 * 2023, ImdsSupport=v2.0) launch with HttpTokens required and hop limit 2 on
 * AWS; openvpc does not model AMIs, so it always applies the API defaults:
 * a caller wanting IMDSv2-only asks for it explicitly.
 */
struct model_metadata_options {
	const char *http_tokens;
	int hop_limit;
	const char *http_endpoint;
	const char *http_protocol_ipv6;
	const char *instance_metadata_tags;
};

/* Check the values of opts (what the API layer validates before DryRun).  0 or -EINVAL. */
int model_metadata_options_check(const struct model_metadata_options *opts,
				 struct model_err *err);

/* One NetworkInterface launch specification. */
struct model_instance_nic_spec {
	int device_index;
	const char *network_interface_id; /* existing ENI, or NULL */
	const char *subnet_id;		  /* new ENI: its subnet */
	const char *const *sg_ids;
	size_t n_sg_ids;
	bool has_private_ip;
	uint32_t private_ip;
	int secondary_count;
	int associate_public_ip;   /* -1 unset, 0 false, 1 true */
	int delete_on_termination; /* -1 unset (true for new ENIs, false for existing) */
	const char *description;
};

/* RunInstances parameters, parsed. */
struct model_run_instances {
	const char *image_id;
	const char *instance_type; /* NULL: "m1.small" is not modelled; required */
	int min_count, max_count;
	const char *subnet_id; /* NULL: the default VPC's default subnet */
	const char *const *sg_ids;
	size_t n_sg_ids;
	bool has_private_ip;
	uint32_t private_ip;
	int associate_public_ip; /* -1 unset, 0, 1 (top level: applies to device 0) */
	const struct model_instance_nic_spec *nics;
	size_t n_nics;
	const char *key_name;
	const char *az; /* Placement.AvailabilityZone, NULL: the subnet's */
	/* MetadataOptions.*: NULL / 0 members = the defaults (see below). */
	struct model_metadata_options metadata;
};

/*
 * RunInstances.  ret_instances (optional) must hold max_count pointers; it
 * receives the created instances (owned by the model) and *ret_n their
 * number.
 */
int model_op_run_instances(struct model *m, struct model_ctx *ctx,
			   const struct model_run_instances *opts,
			   struct model_instance **ret_instances, size_t *ret_n,
			   struct model_err *err);

/* One entry of an InstanceStateChange set. */
struct model_instance_state_change {
	char instance_id[MODEL_ID_LEN];
	enum model_instance_state previous;
	enum model_instance_state current;
};

/*
 * TerminateInstances / StopInstances / StartInstances.  Every ID must exist
 * (else InvalidInstanceID.NotFound, nothing changes); stopping or starting
 * a terminated instance -> IncorrectInstanceState.  A stopped instance keeps
 * its ENIs, private IPs and Elastic IPs (only an auto-assigned public IP is
 * released).  ret_changes (optional) must hold n entries.
 */
int model_op_terminate_instances(struct model *m, struct model_ctx *ctx,
				 const char *const *instance_ids, size_t n,
				 struct model_instance_state_change *ret_changes,
				 struct model_err *err);
int model_op_stop_instances(struct model *m, struct model_ctx *ctx, const char *const *instance_ids,
			    size_t n, struct model_instance_state_change *ret_changes,
			    struct model_err *err);
int model_op_start_instances(struct model *m, struct model_ctx *ctx,
			     const char *const *instance_ids, size_t n,
			     struct model_instance_state_change *ret_changes,
			     struct model_err *err);

/*
 * ModifyInstanceMetadataOptions: the members of opts that are set replace the
 * instance's; a terminated instance -> IncorrectInstanceState.
 */
int model_op_modify_instance_metadata_options(struct model *m, struct model_ctx *ctx,
					      const char *instance_id,
					      const struct model_metadata_options *opts,
					      struct model_err *err);

#endif
