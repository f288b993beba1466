/*
 * ops-nacl: network ACL operations (CreateNetworkAcl, DeleteNetworkAcl,
 * CreateNetworkAclEntry, ReplaceNetworkAclEntry, DeleteNetworkAclEntry,
 * ReplaceNetworkAclAssociation).
 *
 * What.  Validated changes to struct model_nacl (vpc-semantics.md section 4).
 * Each function applies the whole change and returns 0, or changes nothing
 * and returns a negative errno with *err set.
 *
 * Invariants kept: a NACL stores its final deny entries explicitly (32767
 * ingress and egress; 32768 too when its VPC has an IPv6 CIDR); user entries
 * are numbered 1..32766 and unique per (direction, number); per direction and
 * per family a NACL holds at most quotas.nacl_rules_per_direction entries,
 * the final deny included (counted even when not stored); CIDRs are
 * canonical.  A subnet appears in at most one NACL's assocs.
 *
 * Choices where AWS is silent: protocol names tcp/udp/icmp/icmpv6/all are
 * accepted besides numbers; ports of tcp/udp must satisfy 0 <= from <= to
 * <= 65535; ICMP type/code are -1..255.  A NACL is created "available" (it
 * has no state in the API).
 */
#ifndef OPENVPC_MODEL_OPS_NACL_H
#define OPENVPC_MODEL_OPS_NACL_H

#include "lib/model/ops.h"

/* One NetworkAclEntry, parsed.  Exactly one of has_cidr4 / has_cidr6. */
struct model_nacl_entry_spec {
	int rule_number;
	bool egress;
	const char *protocol; /* "6", "-1", "tcp", ...; required */
	bool allow;	      /* RuleAction allow (true) or deny (false) */
	bool has_cidr4;
	struct net_cidr4 cidr4;
	bool has_cidr6;
	struct net_cidr6 cidr6;
	bool has_ports; /* PortRange given; required for 6 and 17 */
	int from_port, to_port;
	bool has_icmp; /* IcmpTypeCode given; required for 1 (and 58 with IPv6) */
	int icmp_type, icmp_code;
};

/* CreateNetworkAcl in vpc_id (quota nacls_per_vpc).  *ret_nacl optional. */
int model_op_create_network_acl(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				struct model_nacl **ret_nacl, struct model_err *err);

/* DeleteNetworkAcl: not the default one, not associated with any subnet. */
int model_op_delete_network_acl(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				struct model_err *err);

/* CreateNetworkAclEntry. */
int model_op_create_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				      const struct model_nacl_entry_spec *spec,
				      struct model_err *err);

/* ReplaceNetworkAclEntry: the (direction, number) entry must exist. */
int model_op_replace_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				       const struct model_nacl_entry_spec *spec,
				       struct model_err *err);

/* DeleteNetworkAclEntry (1..32766 only). */
int model_op_delete_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				      int rule_number, bool egress, struct model_err *err);

/*
 * ReplaceNetworkAclAssociation: the subnet of association assoc_id moves to
 * nacl_id (same VPC).  ret_new_assoc_id (optional) receives the new
 * aclassoc- ID.
 */
int model_op_replace_network_acl_association(struct model *m, struct model_ctx *ctx,
					     const char *assoc_id, const char *nacl_id,
					     char ret_new_assoc_id[MODEL_ID_LEN],
					     struct model_err *err);

#endif
