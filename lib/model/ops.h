/*
 * ops: the validated operations on a model, one per EC2 semantic change.
 *
 * Every change the EC2 API can make goes through a function here (declared
 * in the per-family headers ops-*.h).  Each function either applies the
 * whole change and returns 0, or changes nothing and returns a negative errno
 * with *err filled: the AWS error code it maps to and AWS's message.  The API
 * layer only parses parameters, calls one operation and renders the result,
 * so every VPC rule about what is allowed lives here, once.
 *
 * Time and randomness are parameters (struct model_ctx), never read from
 * the system, so tests are reproducible.
 *
 * Quotas are AWS's defaults (vpc-semantics.md section 11), configurable
 * through struct model_quotas.
 */
#ifndef OPENVPC_MODEL_OPS_H
#define OPENVPC_MODEL_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/model/model.h"
#include "lib/util/util.h"

/* ---- errors ---------------------------------------------------------------- */

/*
 * AWS error codes raised by model operations.  X(enum suffix, "AWS code",
 * HTTP status).
 */
#define MODEL_ERRORS(X)                                                                        \
	X(NONE, "", 200)                                                                       \
	X(INVALID_PARAMETER_VALUE, "InvalidParameterValue", 400)                               \
	X(INVALID_PARAMETER_COMBINATION, "InvalidParameterCombination", 400)                   \
	X(INVALID_PARAMETER, "InvalidParameter", 400)                                          \
	X(MISSING_PARAMETER, "MissingParameter", 400)                                          \
	X(DEPENDENCY_VIOLATION, "DependencyViolation", 400)                                    \
	X(OPERATION_NOT_PERMITTED, "OperationNotPermitted", 400)                               \
	X(INCORRECT_STATE, "IncorrectState", 400)                                              \
	X(INCORRECT_INSTANCE_STATE, "IncorrectInstanceState", 400)                             \
	X(RESOURCE_ALREADY_ASSOCIATED, "Resource.AlreadyAssociated", 400)                      \
	X(TAG_LIMIT_EXCEEDED, "TagLimitExceeded", 400)                                         \
	X(IDEMPOTENT_PARAMETER_MISMATCH, "IdempotentParameterMismatch", 400)                   \
	X(VPC_NOT_FOUND, "InvalidVpcID.NotFound", 400)                                         \
	X(VPC_RANGE, "InvalidVpc.Range", 400)                                                  \
	X(VPC_LIMIT, "VpcLimitExceeded", 400)                                                  \
	X(CIDR_LIMIT, "CidrLimitExceeded", 400)                                                \
	X(CIDR_CONFLICT, "InvalidVpc.Range", 400)                                              \
	X(VPC_CIDR_ASSOC_NOT_FOUND, "InvalidVpcCidrBlockAssociationID.NotFound", 400)          \
	X(DEFAULT_VPC_EXISTS, "DefaultVpcAlreadyExists", 400)                                  \
	X(SUBNET_NOT_FOUND, "InvalidSubnetID.NotFound", 400)                                   \
	X(SUBNET_CONFLICT, "InvalidSubnet.Conflict", 400)                                      \
	X(SUBNET_RANGE, "InvalidSubnet.Range", 400)                                            \
	X(SUBNET_LIMIT, "SubnetLimitExceeded", 400)                                            \
	X(DEFAULT_SUBNET_EXISTS, "DefaultSubnetAlreadyExistsInAvailabilityZone", 400)          \
	X(AZ_INVALID, "InvalidParameterValue", 400)                                            \
	X(GROUP_NOT_FOUND, "InvalidGroup.NotFound", 400)                                       \
	X(GROUP_DUPLICATE, "InvalidGroup.Duplicate", 400)                                      \
	X(GROUP_IN_USE, "InvalidGroup.InUse", 400)                                             \
	X(GROUP_RESERVED, "InvalidGroup.Reserved", 400)                                        \
	X(CANNOT_DELETE, "CannotDelete", 400)                                                  \
	X(PERMISSION_DUPLICATE, "InvalidPermission.Duplicate", 400)                            \
	X(PERMISSION_NOT_FOUND, "InvalidPermission.NotFound", 400)                             \
	X(PERMISSION_MALFORMED, "InvalidPermission.Malformed", 400)                            \
	X(SG_RULE_NOT_FOUND, "InvalidSecurityGroupRuleId.NotFound", 400)                       \
	X(RULES_PER_SG_LIMIT, "RulesPerSecurityGroupLimitExceeded", 400)                       \
	X(SG_LIMIT, "SecurityGroupLimitExceeded", 400)                                         \
	X(SGS_PER_ENI_LIMIT, "SecurityGroupsPerInterfaceLimitExceeded", 400)                   \
	X(NACL_NOT_FOUND, "InvalidNetworkAclID.NotFound", 400)                                 \
	X(NACL_ENTRY_NOT_FOUND, "InvalidNetworkAclEntry.NotFound", 400)                        \
	X(NACL_ENTRY_EXISTS, "NetworkAclEntryAlreadyExists", 400)                              \
	X(NACL_ENTRY_LIMIT, "NetworkAclEntryLimitExceeded", 400)                               \
	X(NACL_LIMIT, "NetworkAclLimitExceeded", 400)                                          \
	X(RTB_NOT_FOUND, "InvalidRouteTableID.NotFound", 400)                                  \
	X(ROUTE_NOT_FOUND, "InvalidRoute.NotFound", 400)                                       \
	X(ROUTE_EXISTS, "RouteAlreadyExists", 400)                                             \
	X(ROUTE_LIMIT, "RouteLimitExceeded", 400)                                              \
	X(RTB_LIMIT, "RouteTableLimitExceeded", 400)                                           \
	X(ROUTE_NOT_SUPPORTED, "RouteNotSupported", 400)                                       \
	X(ASSOCIATION_NOT_FOUND, "InvalidAssociationID.NotFound", 400)                         \
	X(GATEWAY_NOT_FOUND, "InvalidGatewayID.NotFound", 400)                                 \
	X(IGW_NOT_FOUND, "InvalidInternetGatewayID.NotFound", 400)                             \
	X(GATEWAY_NOT_ATTACHED, "Gateway.NotAttached", 400)                                    \
	X(IGW_LIMIT, "InternetGatewayLimitExceeded", 400)                                      \
	X(NAT_NOT_FOUND, "NatGatewayNotFound", 400)                                            \
	X(NAT_LIMIT, "NatGatewayLimitExceeded", 400)                                           \
	X(ALLOCATION_NOT_FOUND, "InvalidAllocationID.NotFound", 400)                           \
	X(ADDRESS_NOT_FOUND, "InvalidAddress.NotFound", 400)                                   \
	X(ADDRESS_ASSOC_NOT_FOUND, "InvalidAssociationID.NotFound", 400)                       \
	X(ADDRESS_LIMIT, "AddressLimitExceeded", 400)                                          \
	X(ENI_NOT_FOUND, "InvalidNetworkInterfaceID.NotFound", 400)                            \
	X(ENI_ATTACHMENT_NOT_FOUND, "InvalidAttachmentID.NotFound", 400)                       \
	X(ENI_IN_USE, "InvalidNetworkInterface.InUse", 400)                                    \
	X(ENI_LIMIT, "NetworkInterfaceLimitExceeded", 400)                                     \
	X(PRIVATE_IP_LIMIT, "PrivateIpAddressLimitExceeded", 400)                              \
	X(ATTACHMENT_LIMIT, "AttachmentLimitExceeded", 400)                                    \
	X(INSUFFICIENT_ADDRESSES, "InsufficientFreeAddressesInSubnet", 400)                    \
	X(INSUFFICIENT_CIDR_BLOCKS, "InsufficientCidrBlocks", 400)                             \
	X(IP_IN_USE, "InvalidIPAddress.InUse", 400)                                            \
	X(INSTANCE_NOT_FOUND, "InvalidInstanceID.NotFound", 400)                               \
	X(INSTANCE_TYPE_INVALID, "InvalidInstanceType", 400)                                   \
	X(AMI_NOT_FOUND, "InvalidAMIID.Malformed", 400)                                        \
	X(INSTANCE_LIMIT, "InstanceLimitExceeded", 400)                                        \
	X(VGW_NOT_FOUND, "InvalidVpnGatewayID.NotFound", 400)                                  \
	X(VGW_ATTACHMENT_NOT_FOUND, "InvalidVpnGatewayAttachment.NotFound", 400)               \
	X(VGW_LIMIT, "VpnGatewayLimitExceeded", 400)                                           \
	X(CGW_NOT_FOUND, "InvalidCustomerGatewayID.NotFound", 400)                             \
	X(CGW_LIMIT, "CustomerGatewayLimitExceeded", 400)                                      \
	X(VPN_NOT_FOUND, "InvalidVpnConnectionID.NotFound", 400)                               \
	X(VPN_LIMIT, "VpnConnectionLimitExceeded", 400)                                        \
	X(FLOW_LOG_NOT_FOUND, "InvalidFlowLogId.NotFound", 400)                                \
	X(FLOW_LOG_EXISTS, "FlowLogAlreadyExists", 400)                                        \
	X(FLOW_LOG_LIMIT, "FlowLogsLimitExceeded", 400)                                        \
	X(PREFIX_LIST_NOT_FOUND, "InvalidPrefixListID.NotFound", 400)                          \
	X(RESOURCE_ID_INVALID, "InvalidID", 400)                                               \
	X(PCX_NOT_FOUND, "InvalidVpcPeeringConnectionID.NotFound", 400)                      \
	X(TGW_NOT_FOUND, "InvalidTransitGatewayID.NotFound", 400)                             \
	X(INSTANCE_ID_INVALID, "InvalidInstanceID", 400)                                      \
	X(DHCP_OPTIONS_NOT_FOUND, "InvalidDhcpOptionID.NotFound", 400)                        \
	X(RESOURCE_LIMIT, "ResourceLimitExceeded", 400)                                       \
	X(INTERNAL, "InternalError", 500)

enum model_errcode {
#define MODEL_ERR_ENUM(name, code, status) MODEL_ERR_##name,
	MODEL_ERRORS(MODEL_ERR_ENUM)
#undef MODEL_ERR_ENUM
		MODEL_ERR__COUNT
};

struct model_err {
	enum model_errcode code;
	char message[512];
};

/* "InvalidVpcID.NotFound" etc. */
const char *model_err_code_name(enum model_errcode code);
/* HTTP status AWS answers with. */
int model_err_http_status(enum model_errcode code);

/*
 * Fill *err (when non-NULL) and return errno_value (a negative errno), so
 * operations can `return model_err_set(err, -ENOENT, MODEL_ERR_VPC_NOT_FOUND,
 * "The vpc ID '%s' does not exist", id);`.
 */
int model_err_set(struct model_err *err, int errno_value, enum model_errcode code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- lookups (ops-lookup.c) ---------------------------------------------- */

/*
 * The object with that ID, or NULL with *err set to the error AWS raises:
 * the NotFound code of the kind (-ENOENT), or MissingParameter (-EINVAL)
 * for an empty VPC, subnet or route table ID.  A NULL id is not found.
 * model_lookup_live_instance() treats a terminated instance as not found.
 */
struct model_vpc *model_lookup_vpc(const struct model *m, const char *id, struct model_err *err);
struct model_subnet *model_lookup_subnet(const struct model *m, const char *id,
					 struct model_err *err);
struct model_route_table *model_lookup_route_table(const struct model *m, const char *id,
						   struct model_err *err);
struct model_igw *model_lookup_igw(const struct model *m, const char *id, struct model_err *err);
struct model_vgw *model_lookup_vgw(const struct model *m, const char *id, struct model_err *err);
struct model_eip *model_lookup_eip(const struct model *m, const char *id, struct model_err *err);
struct model_eni *model_lookup_eni(const struct model *m, const char *id, struct model_err *err);
struct model_instance *model_lookup_instance(const struct model *m, const char *id,
					     struct model_err *err);
struct model_instance *model_lookup_live_instance(const struct model *m, const char *id,
						  struct model_err *err);
struct model_nat_gateway *model_lookup_nat_gateway(const struct model *m, const char *id,
						   struct model_err *err);
struct model_vpn_connection *model_lookup_vpn(const struct model *m, const char *id,
					      struct model_err *err);
struct model_nacl *model_lookup_nacl(const struct model *m, const char *id, struct model_err *err);
struct model_sg *model_lookup_sg(const struct model *m, const char *id, struct model_err *err);

/* ---- quotas --------------------------------------------------------------- */

struct model_quotas {
	int vpcs_per_region;		/* 5 */
	int subnets_per_vpc;		/* 200 */
	int cidrs_per_vpc;		/* 5 (primary included) */
	int igws_per_region;		/* 5 */
	int nat_gateways_per_az;	/* 5 */
	int eips_per_region;		/* 5 */
	int route_tables_per_vpc;	/* 200 */
	int routes_per_table;		/* 50 (non-propagated, per family) */
	int propagated_routes_per_table; /* 100 */
	int nacls_per_vpc;		/* 200 */
	int nacl_rules_per_direction;	/* 20 (per family, including the final deny) */
	int sgs_per_region;		/* 2,500 */
	int rules_per_sg;		/* 60 per direction per family */
	int sgs_per_eni;		/* 5 */
	int sg_rules_per_eni;		/* 1,000 (rules x SGs) */
	int enis_per_region;		/* 5,000 */
	int tags_per_resource;		/* 50 */
	int vgws_per_region;		/* 5 */
	int cgws_per_region;		/* 50 */
	int dhcp_options_per_region;	/* 1,000 */
	int vpns_per_region;		/* 50 */
	int vpns_per_vgw;		/* 10 */
	int vpn_static_routes;		/* 100 */
	int flow_logs_per_resource;	/* 2 */
	int instances_per_region;	/* 1,000 (openvpc choice: vCPU quotas are not modelled) */
};

/* AWS's defaults. */
void model_quotas_default(struct model_quotas *q);

/* ---- context -------------------------------------------------------------- */

/*
 * What an operation may need besides the model: quotas, the caller's clock
 * (Unix seconds) and a seeded random generator for IDs, MACs and addresses.
 * The public IP pool is where auto-assigned public IPs and Elastic IPs come
 * from (default 198.51.100.0/24).
 */
struct model_ctx {
	struct model_quotas quotas;
	int64_t now;
	struct util_rng *rng;
	struct net_cidr4 public_pool;
	/* Availability zones of the Region, in order ("us-east-1a", ...), and their IDs. */
	const char *const *azs;
	const char *const *az_ids;
	size_t n_azs;
};

/* Defaults: AWS quotas, now = 0, the given rng, pool 198.51.100.0/24, AZs a..f of region. */
void model_ctx_init(struct model_ctx *ctx, const char *region, struct util_rng *rng);

/* ---- IDs ------------------------------------------------------------------ */

/*
 * A new AWS-style ID: prefix + 17 lower-case hex digits ("vpc-0a1b..."),
 * unique in the model (checked against every collection).  buf must hold
 * MODEL_ID_LEN bytes; it may be the ID field of an object already in the
 * model (the candidate is checked before it is written there).
 */
void model_new_id(const struct model *m, struct model_ctx *ctx, const char *prefix,
		  char buf[MODEL_ID_LEN]);

/* True when id looks like prefix + hex digits (8 or 17), as AWS validates IDs. */
bool model_id_valid(const char *id, const char *prefix);

/* ---- address allocation shared by every family ----------------------------- */

/* True when ip is one of the subnet's five reserved addresses (base..base+3, last). */
bool model_subnet_ip_reserved(const struct model_subnet *s, uint32_t ip);
/* True when an ENI of the subnet's VPC holds ip (as an address or inside a delegated prefix). */
bool model_private_ip_in_use(const struct model *m, const struct model_subnet *s, uint32_t ip);
/* Free addresses: 2^(32-len) - 5 - used (a /28 prefix counts 16); AWS AvailableIpAddressCount. */
uint32_t model_subnet_available_ips(const struct model *m, const struct model_subnet *s);
/*
 * The same for every subnet at once, ret_counts[i] for m->subnets[i]
 * (m->n_subnets entries): one pass over the ENIs instead of one per subnet
 * (DescribeSubnets; subnets found by ID in a hash table).  0 or -ENOMEM.
 */
int model_subnets_available_ips(const struct model *m, uint32_t *ret_counts);
/*
 * The lowest free, unreserved address of the subnet.  0, or -ENOSPC (the
 * caller raises InsufficientFreeAddressesInSubnet).
 */
int model_subnet_alloc_ip(const struct model *m, const struct model_subnet *s, uint32_t *ret_ip);
/*
 * The n lowest free, unreserved addresses of the subnet, ascending, in one
 * pass over the ENIs: what n calls of model_subnet_alloc_ip() return when
 * the caller adds each address to an ENI of the subnet's VPC before the next
 * call.  0 with ret_ips[0..n) written, or -ENOSPC (fewer than n free).
 */
int model_subnet_alloc_ips(const struct model *m, const struct model_subnet *s, size_t n,
			   uint32_t *ret_ips);
/*
 * The lowest aligned /28 of the subnet that holds no used or reserved address.
 * 0, or -ENOSPC (InsufficientCidrBlocks).
 */
int model_subnet_alloc_prefix28(const struct model *m, const struct model_subnet *s,
				struct net_cidr4 *ret_prefix);
/* The lowest address of ctx->public_pool used by no Elastic IP and no ENI. 0 or -ENOSPC. */
int model_alloc_public_ip(const struct model *m, const struct model_ctx *ctx, uint32_t *ret_ip);
/* A random locally administered MAC "0e:xx:xx:xx:xx:xx", unique among the model's ENIs. */
void model_new_mac(const struct model *m, struct model_ctx *ctx, char buf[MODEL_MAC_LEN]);

#endif
