/*
 * ops-eni: elastic network interface operations (CreateNetworkInterface,
 * DeleteNetworkInterface, Attach/DetachNetworkInterface,
 * Assign/UnassignPrivateIpAddresses, Modify/ResetNetworkInterfaceAttribute).
 *
 * What.  Validated changes to struct model_eni (vpc-semantics.md section 10).
 * Each function applies the whole change and returns 0, or changes nothing
 * and returns a negative errno with *err set.
 *
 * Invariants kept: an ENI's private IPs and /28 prefixes lie inside its
 * subnet, avoid the five reserved addresses and belong to no other ENI of
 * the VPC; ips[0] is the primary IP; its groups (1..quotas.sgs_per_eni) are
 * groups of its VPC; the ENI count stays <= quotas.enis_per_region.
 *
 * Choices where AWS is silent (documented here):
 *  - An ENI is created "available" at once, and attach/detach complete at
 *    once ("attached"/"in-use", then "available"), where AWS passes through
 *    attaching/detaching.
 *  - Address limit: IPs + prefixes (each prefix counts 1) <= the attached
 *    instance type's ipv4_per_eni; an unattached ENI may hold up to
 *    MODEL_ENI_UNATTACHED_ADDRESS_LIMIT (50, the largest per-ENI limit of any
 *    type).  Attaching an ENI holding more than the type allows ->
 *    PrivateIpAddressLimitExceeded.
 *  - Deleting an ENI disassociates its Elastic IPs (the EIPs stay allocated).
 *  - Delegated prefixes need a Nitro instance type: assigning prefixes to an
 *    ENI attached to another type, or attaching an ENI holding prefixes to
 *    one, is InvalidParameterValue.
 */
#ifndef OPENVPC_MODEL_OPS_ENI_H
#define OPENVPC_MODEL_OPS_ENI_H

#include "lib/model/ops.h"

#define MODEL_ENI_UNATTACHED_ADDRESS_LIMIT 50

/* CreateNetworkInterface parameters, parsed. */
struct model_eni_create {
	const char *subnet_id;
	const char *description;    /* NULL: none */
	const char *interface_type; /* NULL: "interface"; else "interface"|"trunk"|"efa" */
	const char *const *sg_ids;  /* none: the VPC's default group */
	size_t n_sg_ids;
	bool has_primary_ip;
	uint32_t primary_ip;
	const uint32_t *secondary_ips; /* explicit secondary addresses */
	size_t n_secondary_ips;
	int secondary_count;		  /* SecondaryPrivateIpAddressCount, 0 = none */
	const struct net_cidr4 *prefixes; /* explicit /28s */
	size_t n_prefixes;
	int prefix_count; /* Ipv4PrefixCount, 0 = none */
};

/* CreateNetworkInterface.  *ret_eni (optional) is owned by the model. */
int model_op_create_network_interface(struct model *m, struct model_ctx *ctx,
				      const struct model_eni_create *opts,
				      struct model_eni **ret_eni, struct model_err *err);

/* DeleteNetworkInterface: not attached; disassociates its EIPs. */
int model_op_delete_network_interface(struct model *m, struct model_ctx *ctx, const char *eni_id,
				      struct model_err *err);

/*
 * AttachNetworkInterface.  The instance must be running or stopped, in the
 * ENI's AZ and VPC; device_index free (0..max_enis-1 is not required, but
 * more ENIs than the type's max_enis -> AttachmentLimitExceeded);
 * network_card_index must be 0.  ret_attachment_id optional.
 */
int model_op_attach_network_interface(struct model *m, struct model_ctx *ctx, const char *eni_id,
				      const char *instance_id, int device_index,
				      int network_card_index, char ret_attachment_id[MODEL_ID_LEN],
				      struct model_err *err);

/* DetachNetworkInterface by eni-attach- ID; device index 0 cannot be detached. */
int model_op_detach_network_interface(struct model *m, struct model_ctx *ctx,
				      const char *attachment_id, bool force, struct model_err *err);

/* What AssignPrivateIpAddresses added: eni->ips[first_ip ..] and prefixes[first_prefix ..]. */
struct model_eni_assigned {
	size_t first_ip, n_ips;
	size_t first_prefix, n_prefixes;
};

/*
 * AssignPrivateIpAddresses: explicit ips[] or count new addresses, and/or
 * explicit prefixes[] or prefix_count /28s.  An explicit address held by
 * another ENI of the same subnet moves here when allow_reassignment (with
 * its public IP mapping), else InvalidIPAddress.InUse.  ret (optional).
 */
int model_op_assign_private_ip_addresses(struct model *m, struct model_ctx *ctx, const char *eni_id,
					 const uint32_t *ips, size_t n_ips, int count,
					 const struct net_cidr4 *prefixes, size_t n_prefixes,
					 int prefix_count, bool allow_reassignment,
					 struct model_eni_assigned *ret, struct model_err *err);

/* UnassignPrivateIpAddresses: secondary addresses and/or prefixes held by the ENI. */
int model_op_unassign_private_ip_addresses(struct model *m, struct model_ctx *ctx,
					   const char *eni_id, const uint32_t *ips, size_t n_ips,
					   const struct net_cidr4 *prefixes, size_t n_prefixes,
					   struct model_err *err);

/* ModifyNetworkInterfaceAttribute: each field is optional; at least one must be set. */
struct model_eni_modify {
	bool set_groups; /* replace the whole set with sg_ids */
	const char *const *sg_ids;
	size_t n_sg_ids;
	const bool *source_dest_check;	   /* NULL: unchanged */
	const char *description;	   /* NULL: unchanged */
	const char *attachment_id;	   /* with delete_on_termination */
	const bool *delete_on_termination; /* NULL: unchanged */
};
int model_op_modify_network_interface_attribute(struct model *m, struct model_ctx *ctx,
						const char *eni_id,
						const struct model_eni_modify *mod,
						struct model_err *err);

/* ResetNetworkInterfaceAttribute: only "sourceDestCheck" (back to true). */
int model_op_reset_network_interface_attribute(struct model *m, struct model_ctx *ctx,
					       const char *eni_id, const char *attribute,
					       struct model_err *err);

/* Addresses counted against the per-ENI limit: private IPs + prefixes. */
int model_eni_address_count(const struct model_eni *eni);

/*
 * Validate a group list for an ENI in vpc_id (each exists, same VPC, no more
 * than quotas.sgs_per_eni, total rules <= quotas.sg_rules_per_eni).  Used by
 * run_instances too.  0 or negative errno with *err set.
 */
int model_eni_check_groups(const struct model *m, const struct model_ctx *ctx, const char *vpc_id,
			   const char *const *sg_ids, size_t n_sg_ids, struct model_err *err);

/*
 * Remove every public IP mapping of the ENI: Elastic IPs are disassociated
 * (they stay allocated); auto-assigned public IPs are released.
 */
void model_eni_release_public_ips(struct model *m, struct model_eni *eni);

/*
 * Record an attachment of eni to inst without the checks of
 * model_op_attach_network_interface (RunInstances has made them): new
 * eni-attach- ID, status in-use, attachment "attached" at ctx->now.
 */
void model_eni_attach_unchecked(struct model *m, struct model_ctx *ctx, struct model_eni *eni,
				const struct model_instance *inst, int device_index,
				bool delete_on_termination);

/* Forget the attachment: status available. */
void model_eni_detach_unchecked(struct model_eni *eni);

#endif
