/*
 * ops-dhcp: DHCP options sets (CreateDhcpOptions, DeleteDhcpOptions,
 * AssociateDhcpOptions) and the Region's default set.
 *
 * What.  A set holds up to six keys (domain-name-servers, domain-name,
 * ntp-servers, netbios-name-servers, netbios-node-type,
 * ipv6-address-preferred-lease-time) with their values, validated as AWS
 * validates them.  Every VPC names one set, or "default" for none.  The
 * Region's default set (domain-name = the Region's private domain,
 * domain-name-servers = AmazonProvidedDNS) is made with the first VPC and
 * given to every new VPC, as on AWS.  What an instance makes of its VPC's
 * set (its resolv.conf) is model_dhcp_resolv_conf().
 *
 * Every function applies the whole change and returns 0, or changes nothing
 * and returns a negative errno with *err set to the AWS code and message.
 */
#ifndef OPENVPC_MODEL_OPS_DHCP_H
#define OPENVPC_MODEL_OPS_DHCP_H

#include "lib/model/ops.h"

#define MODEL_DHCP_AMAZON_DNS "AmazonProvidedDNS"

/* CreateDhcpOptions.  configs[] as the request gives them (a key at most once). */
int model_op_create_dhcp_options(struct model *m, struct model_ctx *ctx,
				 const struct model_dhcp_config *configs, size_t n_configs,
				 struct model_dopt **ret_dopt, struct model_err *err);
/* DeleteDhcpOptions: not while a VPC uses the set (DependencyViolation). */
int model_op_delete_dhcp_options(struct model *m, struct model_ctx *ctx, const char *dopt_id,
				 struct model_err *err);
/* AssociateDhcpOptions: dopt_id is a set's ID or "default" (no DHCP options). */
int model_op_associate_dhcp_options(struct model *m, struct model_ctx *ctx, const char *dopt_id,
				    const char *vpc_id, struct model_err *err);
/*
 * The ID of the Region's default set, made now if there is none (with the
 * ID VPCs of an older state already name, if any).  NULL when out of memory.
 */
const char *model_dhcp_region_default(struct model *m, struct model_ctx *ctx);

/*
 * The resolv.conf an instance of vpc gets from its DHCP options: "search"
 * with the domain-name, "nameserver" lines for domain-name-servers
 * (AmazonProvidedDNS = the VPC's base + 2).  A VPC with "default" (no set)
 * gets neither.  Writes at most size bytes (NUL included).
 */
void model_dhcp_resolv_conf(const struct model *m, const struct model_vpc *vpc, char *buf,
			    size_t size);

#endif
