/*
 * ops-sg: security group operations (CreateSecurityGroup,
 * DeleteSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress,
 * ModifySecurityGroupRules, UpdateSecurityGroupRuleDescriptions*).
 *
 * What.  Validated changes to struct model_sg (vpc-semantics.md section 3,
 * ec2-api.md 5.1).  Every function applies the whole change and returns 0,
 * or changes nothing and returns a negative errno with *err set.
 *
 * Invariants kept: group names are unique per VPC; a new group has no
 * ingress rule and one egress rule (-1 to 0.0.0.0/0); every rule has an
 * sgr- ID, a canonical CIDR (host bits cleared) and is unique in its group
 * (same direction, protocol, ports and peer); per direction and per address
 * family a group holds at most quotas.rules_per_sg rules; every ENI carrying
 * the group keeps (sum of the rules of its groups) <= quotas.sg_rules_per_eni.
 *
 * Choices where AWS is silent (documented here):
 *  - A rule's family is IPv6 for an IPv6 CIDR peer and IPv4 otherwise
 *    (group and prefix-list peers count against the IPv4 quota).  A group
 *    reference counts one rule; a customer-managed prefix list counts its
 *    max entries (AWS-managed lists count one).  sg_rules_per_eni counts
 *    rules one each.
 *  - Breaching sg_rules_per_eni raises RulesPerSecurityGroupLimitExceeded.
 *  - Ports of protocols other than tcp/udp/icmp/icmpv6 are ignored and
 *    stored as -1/-1, as AWS does.  icmpv6 without ports means all types.
 *  - A group peer must be a group of the same VPC (no peering modelled).
 *
 * Ownership: specs and their strings belong to the caller; the model copies.
 */
#ifndef OPENVPC_MODEL_OPS_SG_H
#define OPENVPC_MODEL_OPS_SG_H

#include "lib/model/ops.h"

/*
 * One IpPermission entry, parsed.  Exactly one peer must be given:
 * has_cidr4, has_cidr6, prefix_list_id or group_id.
 */
struct model_sg_rule_spec {
	int protocol;	/* IANA number or MODEL_PROTO_ALL (-1) */
	bool has_ports; /* FromPort/ToPort given */
	int from_port;	/* tcp/udp: port; icmp: type */
	int to_port;	/* tcp/udp: port; icmp: code */
	bool has_cidr4;
	struct net_cidr4 cidr4;
	bool has_cidr6;
	struct net_cidr6 cidr6;
	const char *prefix_list_id; /* NULL when absent */
	const char *group_id;	    /* NULL when absent */
	const char *description;    /* NULL when absent */
};

/*
 * CreateSecurityGroup.  vpc_id must exist; name 1..255 characters, not
 * starting with "sg-", unique in the VPC; description required (<= 255).
 * *ret_sg (optional) points at the new group, owned by the model.
 */
int model_op_create_security_group(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				   const char *name, const char *description,
				   struct model_sg **ret_sg, struct model_err *err);

/*
 * DeleteSecurityGroup by ID.  The VPC's default group -> CannotDelete;
 * attached to an ENI or referenced by another group's rule ->
 * DependencyViolation.
 */
int model_op_delete_security_group(struct model *m, struct model_ctx *ctx, const char *group_id,
				   struct model_err *err);

/*
 * AuthorizeSecurityGroupIngress / Egress.  Adds n specs atomically.  When
 * ret_rule_ids is non-NULL it must hold n IDs; on success it receives the
 * sgr- ID of each created rule, in spec order.
 */
int model_op_authorize_security_group_ingress(struct model *m, struct model_ctx *ctx,
					      const char *group_id,
					      const struct model_sg_rule_spec *specs, size_t n,
					      char (*ret_rule_ids)[MODEL_ID_LEN],
					      struct model_err *err);
int model_op_authorize_security_group_egress(struct model *m, struct model_ctx *ctx,
					     const char *group_id,
					     const struct model_sg_rule_spec *specs, size_t n,
					     char (*ret_rule_ids)[MODEL_ID_LEN],
					     struct model_err *err);

/*
 * RevokeSecurityGroupIngress / Egress, by specs and/or by sgr- IDs.  A spec
 * matches a rule with the same protocol, ports and peer (description
 * ignored).  In a non-default VPC an unknown spec -> InvalidPermission.NotFound
 * and an unknown ID -> InvalidSecurityGroupRuleId.NotFound.  In the default
 * VPC unknown specs are not an error: their indices into specs are written
 * to ret_unknown (capacity n_specs, may be NULL) and their count to
 * *ret_n_unknown (may be NULL); the known ones are revoked.
 */
int model_op_revoke_security_group_ingress(struct model *m, struct model_ctx *ctx,
					   const char *group_id,
					   const struct model_sg_rule_spec *specs, size_t n_specs,
					   const char *const *rule_ids, size_t n_rule_ids,
					   size_t *ret_unknown, size_t *ret_n_unknown,
					   struct model_err *err);
int model_op_revoke_security_group_egress(struct model *m, struct model_ctx *ctx,
					  const char *group_id,
					  const struct model_sg_rule_spec *specs, size_t n_specs,
					  const char *const *rule_ids, size_t n_rule_ids,
					  size_t *ret_unknown, size_t *ret_n_unknown,
					  struct model_err *err);

/*
 * ModifySecurityGroupRules: rule_ids[i] (a rule of group_id) is replaced by
 * specs[i], keeping its ID and direction.  All or nothing.
 */
int model_op_modify_security_group_rules(struct model *m, struct model_ctx *ctx,
					 const char *group_id, const char *const *rule_ids,
					 const struct model_sg_rule_spec *specs, size_t n,
					 struct model_err *err);

/*
 * UpdateSecurityGroupRuleDescriptionsIngress / Egress: for each spec the
 * matching rule of that direction gets spec->description (NULL clears it),
 * and for each (rule_ids[i], descriptions[i]) pair the rule by ID.  Unknown
 * -> InvalidPermission.NotFound / InvalidSecurityGroupRuleId.NotFound.
 */
int model_op_update_security_group_rule_descriptions(struct model *m, struct model_ctx *ctx,
						     const char *group_id, bool egress,
						     const struct model_sg_rule_spec *specs,
						     size_t n_specs, const char *const *rule_ids,
						     const char *const *descriptions, size_t n_ids,
						     struct model_err *err);

/* The default group ("default") of a VPC, or NULL. */
struct model_sg *model_vpc_default_sg(const struct model *m, const char *vpc_id);

/* Number of rules of a group (both directions); 0 for NULL. */
size_t model_sg_rule_count(const struct model_sg *sg);

#endif
