/*
 * ops-vpc: VPC, subnet, route table, internet gateway, Elastic IP, NAT
 * gateway, VPN and flow log operations (CreateVpc ... DeleteFlowLogs).
 *
 * What.  Validated changes to the model (vpc-semantics.md sections 1, 2, 6,
 * 7, 9, 11, 12.1; ec2-api.md 9).  Every function applies the whole change
 * and returns 0, or changes nothing and returns a negative errno with *err
 * set to the AWS code and message.  Optional ret_* outputs point at objects
 * owned by the model (valid until the object is removed).
 *
 * Invariants kept: every VPC has exactly one main route table, one default
 * security group ("default") and one default network ACL; every route table
 * holds one local route per VPC CIDR; every subnet lies inside one VPC CIDR,
 * overlaps no other subnet of the VPC and appears in exactly one NACL's
 * assocs (the default ACL's on creation); IDs are unique.
 *
 * Choices where AWS is silent or asynchronous (documented here):
 *  - Objects are created in their final state: a VPC, subnet, NAT gateway,
 *    VPN gateway, customer gateway and VPN connection are `available` at
 *    once; a deleted NAT gateway or VPN connection goes straight to `deleted`
 *    and stays visible; deleting an already deleted NAT gateway or VPN
 *    connection succeeds again and changes nothing (AWS answers the same).
 *  - VPC CIDRs are `associated` at once; a disassociated secondary CIDR is
 *    removed from the VPC (not kept as `disassociated`).
 *  - A new VPC gets the Region's default DHCP options set (ops-dhcp.h).
 *  - DetachInternetGateway leaves edge (gateway) route-table associations
 *    in place; AssociateRouteTable with a gateway needs it attached.
 *  - VPN tunnel outside IPs come from 203.0.113.0/24 (documentation range),
 *    the lowest two addresses (.1-.254) not used by a live tunnel; inside
 *    CIDRs are the lowest two /30s of 169.254.10.0/24 not used by another
 *    live connection of the same VGW (outside the forbidden ranges of
 *    section 9), so at most 32 connections per VGW and 127 per Region.
 *  - Error codes where AWS's are unknown: restricted or conflicting
 *    secondary CIDRs -> InvalidVpc.Range; removing the primary CIDR ->
 *    OperationNotPermitted; removing a CIDR that holds subnets ->
 *    DependencyViolation; the NAT gateway's EIP cannot be disassociated
 *    directly (OperationNotPermitted); a deleted VGW/CGW in use ->
 *    IncorrectState; creating a route to a detached or foreign IGW/VGW ->
 *    InvalidParameterValue "... belong to different networks".
 *  - Route quota (routes_per_table) counts CreateRoute routes (IPv4 and
 *    prefix-list destinations), not local or propagated ones.
 *  - Enable/DisableVgwRoutePropagation are idempotent; enabling needs the
 *    VGW attached to the table's VPC (Gateway.NotAttached).
 *  - AssociateAddress needs an IGW on the ENI's VPC (Gateway.NotAttached);
 *    disassociating leaves the address with no public IP.
 *  - Deleting a VPC also removes the flow logs on it; deleting a subnet its
 *    flow logs and associations; a VPN connection moves to `deleted` with
 *    its static routes.
 *  - A route's instance target is stored as MODEL_TARGET_INSTANCE with the
 *    instance ID; model_route_active() resolves it to its only ENI.
 *  - Routes to a detached IGW/VGW or a deleted NAT gateway stay in the table
 *    and show as blackhole through model_route_active().
 */
#ifndef OPENVPC_MODEL_OPS_VPC_H
#define OPENVPC_MODEL_OPS_VPC_H

#include "lib/model/ops.h"

/* ---- VPCs ----------------------------------------------------------------- */

/*
 * CreateVpc.  cidr /16../28, not inside 169.254.0.0/16; quota
 * vpcs_per_region.  Creates the main route table (local route, main
 * association), the default SG and the default NACL.  tenancy NULL ->
 * "default"; otherwise "default" or "dedicated".
 */
int model_op_create_vpc(struct model *m, struct model_ctx *ctx, struct net_cidr4 cidr,
			const char *tenancy, struct model_vpc **ret_vpc, struct model_err *err);

/*
 * DeleteVpc.  DependencyViolation while subnets, an attached IGW/VGW,
 * non-default SGs, non-main route tables, non-default NACLs, ENIs or
 * non-deleted NAT gateways exist.  Removes the main table, the default SG and
 * the default NACL.
 */
int model_op_delete_vpc(struct model *m, struct model_ctx *ctx, const char *vpc_id,
			struct model_err *err);

/* AssociateVpcCidrBlock (IPv4).  Section 1.3 rules.  *ret_assoc_id gets the new vpc-cidr-assoc-. */
int model_op_associate_vpc_cidr_block(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				      struct net_cidr4 cidr, char ret_assoc_id[MODEL_ID_LEN],
				      struct model_err *err);

/* DisassociateVpcCidrBlock by association ID.  Not the primary; no subnet may remain inside. */
int model_op_disassociate_vpc_cidr_block(struct model *m, struct model_ctx *ctx,
					 const char *assoc_id, struct model_err *err);

enum model_vpc_attr {
	MODEL_VPC_ATTR_DNS_SUPPORT,
	MODEL_VPC_ATTR_DNS_HOSTNAMES,
	MODEL_VPC_ATTR_NAU_METRICS, /* enableNetworkAddressUsageMetrics */
};

/* ModifyVpcAttribute, one attribute per call; hostnames=true requires DNS support. */
int model_op_modify_vpc_attribute(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				  enum model_vpc_attr attr, bool value, struct model_err *err);

/* CreateDefaultVpc (section 1.6).  DefaultVpcAlreadyExists when one exists. */
int model_op_create_default_vpc(struct model *m, struct model_ctx *ctx, struct model_vpc **ret_vpc,
				struct model_err *err);

/* ---- subnets -------------------------------------------------------------- */

/*
 * CreateSubnet.  az is a name ("us-east-1a") and az_id an ID ("use1-az1");
 * at most one may be given (both NULL: the first AZ).  Associates the
 * subnet with the VPC's default NACL.
 */
int model_op_create_subnet(struct model *m, struct model_ctx *ctx, const char *vpc_id,
			   struct net_cidr4 cidr, const char *az, const char *az_id,
			   struct model_subnet **ret_subnet, struct model_err *err);

/* DeleteSubnet.  DependencyViolation while ENIs are in it. */
int model_op_delete_subnet(struct model *m, struct model_ctx *ctx, const char *subnet_id,
			   struct model_err *err);

enum model_subnet_attr {
	MODEL_SUBNET_ATTR_MAP_PUBLIC_IP,
	MODEL_SUBNET_ATTR_ASSIGN_IPV6,
	MODEL_SUBNET_ATTR_DNS64,
	MODEL_SUBNET_ATTR_HOSTNAME_TYPE, /* value: "ip-name" | "resource-name" */
	MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_A,
	MODEL_SUBNET_ATTR_RESOURCE_NAME_DNS_AAAA,
};

/* ModifySubnetAttribute: flag for boolean attributes, text for the hostname type. */
int model_op_modify_subnet_attribute(struct model *m, struct model_ctx *ctx, const char *subnet_id,
				     enum model_subnet_attr attr, bool flag, const char *text,
				     struct model_err *err);

/* ---- route tables --------------------------------------------------------- */

int model_op_create_route_table(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				struct model_route_table **ret_rtb, struct model_err *err);
int model_op_delete_route_table(struct model *m, struct model_ctx *ctx, const char *rtb_id,
				struct model_err *err);

/*
 * A route as CreateRoute/ReplaceRoute take it.  Destination: has_dest4 or
 * prefix_list_id.  Target: exactly one of the IDs (or local_target for
 * ReplaceRoute restoring a local route).
 */
struct model_route_spec {
	bool has_dest4;
	struct net_cidr4 dest4;
	const char *prefix_list_id;
	const char *gateway_id; /* igw- | vgw- | vpce- | "local" */
	const char *nat_gateway_id;
	const char *eni_id;
	const char *instance_id;
	const char *vpc_peering_id;
	const char *transit_gateway_id;
	bool local_target;
};

int model_op_create_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			  const struct model_route_spec *spec, struct model_err *err);
int model_op_replace_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			   const struct model_route_spec *spec, struct model_err *err);
/* DeleteRoute: dest4 or prefix_list_id (non-NULL) names the route. */
int model_op_delete_route(struct model *m, struct model_ctx *ctx, const char *rtb_id,
			  const struct net_cidr4 *dest4, const char *prefix_list_id,
			  struct model_err *err);

/* AssociateRouteTable with a subnet or a gateway (exactly one). */
int model_op_associate_route_table(struct model *m, struct model_ctx *ctx, const char *rtb_id,
				   const char *subnet_id, const char *gateway_id,
				   char ret_assoc_id[MODEL_ID_LEN], struct model_err *err);
int model_op_disassociate_route_table(struct model *m, struct model_ctx *ctx, const char *assoc_id,
				      struct model_err *err);
/* ReplaceRouteTableAssociation: the association moves to rtb_id under a new ID. */
int model_op_replace_route_table_association(struct model *m, struct model_ctx *ctx,
					     const char *assoc_id, const char *rtb_id,
					     char ret_new_assoc_id[MODEL_ID_LEN],
					     struct model_err *err);
int model_op_enable_vgw_route_propagation(struct model *m, struct model_ctx *ctx,
					  const char *rtb_id, const char *vgw_id,
					  struct model_err *err);
int model_op_disable_vgw_route_propagation(struct model *m, struct model_ctx *ctx,
					   const char *rtb_id, const char *vgw_id,
					   struct model_err *err);

/* ---- internet gateways ---------------------------------------------------- */

int model_op_create_internet_gateway(struct model *m, struct model_ctx *ctx,
				     struct model_igw **ret_igw, struct model_err *err);
int model_op_delete_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     struct model_err *err);
int model_op_attach_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     const char *vpc_id, struct model_err *err);
int model_op_detach_internet_gateway(struct model *m, struct model_ctx *ctx, const char *igw_id,
				     const char *vpc_id, struct model_err *err);

/* ---- Elastic IPs ---------------------------------------------------------- */

int model_op_allocate_address(struct model *m, struct model_ctx *ctx, struct model_eip **ret_eip,
			      struct model_err *err);
int model_op_release_address(struct model *m, struct model_ctx *ctx, const char *allocation_id,
			     struct model_err *err);
/*
 * AssociateAddress: eni_id or instance_id (its primary ENI); private_ip 0 ->
 * the ENI's primary address.
 */
int model_op_associate_address(struct model *m, struct model_ctx *ctx, const char *allocation_id,
			       const char *eni_id, const char *instance_id, uint32_t private_ip,
			       bool allow_reassociation, char ret_assoc_id[MODEL_ID_LEN],
			       struct model_err *err);
int model_op_disassociate_address(struct model *m, struct model_ctx *ctx, const char *assoc_id,
				  struct model_err *err);

/* ---- NAT gateways --------------------------------------------------------- */

/* allocation_id required for public connectivity, refused for private; private_ip 0 -> any. */
int model_op_create_nat_gateway(struct model *m, struct model_ctx *ctx, const char *subnet_id,
				enum model_nat_connectivity connectivity, const char *allocation_id,
				uint32_t private_ip, struct model_nat_gateway **ret_nat,
				struct model_err *err);
int model_op_delete_nat_gateway(struct model *m, struct model_ctx *ctx, const char *nat_id,
				struct model_err *err);

/* ---- VPN ------------------------------------------------------------------ */

/* type must be "ipsec.1"; asn 0 -> 64512. */
int model_op_create_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *type,
				uint32_t amazon_side_asn, struct model_vgw **ret_vgw,
				struct model_err *err);
int model_op_delete_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				struct model_err *err);
int model_op_attach_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				const char *vpc_id, struct model_err *err);
int model_op_detach_vpn_gateway(struct model *m, struct model_ctx *ctx, const char *vgw_id,
				const char *vpc_id, struct model_err *err);
int model_op_create_customer_gateway(struct model *m, struct model_ctx *ctx, const char *type,
				     uint32_t bgp_asn, uint32_t public_ip,
				     struct model_cgw **ret_cgw, struct model_err *err);
int model_op_delete_customer_gateway(struct model *m, struct model_ctx *ctx, const char *cgw_id,
				     struct model_err *err);
int model_op_create_vpn_connection(struct model *m, struct model_ctx *ctx, const char *cgw_id,
				   const char *vgw_id, const char *type, bool static_routes_only,
				   struct model_vpn_connection **ret_vpn, struct model_err *err);
int model_op_delete_vpn_connection(struct model *m, struct model_ctx *ctx, const char *vpn_id,
				   struct model_err *err);
int model_op_create_vpn_connection_route(struct model *m, struct model_ctx *ctx, const char *vpn_id,
					 struct net_cidr4 cidr, struct model_err *err);
int model_op_delete_vpn_connection_route(struct model *m, struct model_ctx *ctx, const char *vpn_id,
					 struct net_cidr4 cidr, struct model_err *err);

/* ---- flow logs ------------------------------------------------------------ */

struct model_flow_log_spec {
	const char *const *resource_ids; /* all vpc-, all subnet- or all eni- */
	size_t n_resource_ids;
	enum model_flow_traffic traffic_type;
	const char *destination_type; /* "s3" | "cloud-watch-logs" */
	const char *destination;      /* ARN or log group name */
	const char *format;	      /* NULL: the default format */
	/* DeliverLogsPermissionArn: NULL or an IAM role ARN, kept as given. */
	const char *deliver_logs_permission_arn;
	int max_aggregation_interval; /* 0 -> 600; else 60 or 600 */
};

/*
 * CreateFlowLogs: one flow log per resource, all or nothing.  ret_ids (may
 * be NULL) receives spec->n_resource_ids IDs in order.
 */
int model_op_create_flow_logs(struct model *m, struct model_ctx *ctx,
			      const struct model_flow_log_spec *spec, char (*ret_ids)[MODEL_ID_LEN],
			      struct model_err *err);
/* DeleteFlowLogs: every ID must exist (checked first), then all are removed. */
int model_op_delete_flow_logs(struct model *m, struct model_ctx *ctx, const char *const *ids,
			      size_t n_ids, struct model_err *err);

#endif
