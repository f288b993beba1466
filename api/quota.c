/*
 * quota: the Region quotas of a server from "name=value" settings
 * (vpcd --quota enis_per_region=10000), by the field names of struct
 * model_quotas.  AWS raises quotas on request; this is that request.  A
 * table of names and offsets keeps one spelling for the whole struct.
 */
#include "api/server.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "lib/util/util.h"

#define Q(field) {#field, offsetof(struct model_quotas, field)}

static const struct {
	const char *name;
	size_t offset;
} quota_fields[] = {
    Q(vpcs_per_region),
    Q(subnets_per_vpc),
    Q(cidrs_per_vpc),
    Q(igws_per_region),
    Q(nat_gateways_per_az),
    Q(eips_per_region),
    Q(route_tables_per_vpc),
    Q(routes_per_table),
    Q(propagated_routes_per_table),
    Q(nacls_per_vpc),
    Q(nacl_rules_per_direction),
    Q(sgs_per_region),
    Q(rules_per_sg),
    Q(sgs_per_eni),
    Q(sg_rules_per_eni),
    Q(enis_per_region),
    Q(tags_per_resource),
    Q(vgws_per_region),
    Q(cgws_per_region),
    Q(dhcp_options_per_region),
    Q(vpns_per_region),
    Q(vpns_per_vgw),
    Q(vpn_static_routes),
    Q(flow_logs_per_resource),
    Q(instances_per_region),
};

_Static_assert(sizeof(quota_fields) / sizeof(quota_fields[0]) ==
		   sizeof(struct model_quotas) / sizeof(int),
	       "every quota has a name");

int api_quota_set(struct model_quotas *q, const char *setting)
{
	const char *eq = setting ? strchr(setting, '=') : NULL;
	long v;

	if (!q || !eq)
		return -EINVAL;
	if (util_parse_long(eq + 1, 1, API_QUOTA_MAX, &v) < 0)
		return -ERANGE;
	for (size_t i = 0; i < ARRAY_SIZE(quota_fields); i++)
		if (strlen(quota_fields[i].name) == (size_t)(eq - setting) &&
		    memcmp(quota_fields[i].name, setting, (size_t)(eq - setting)) == 0) {
			*(int *)((char *)q + quota_fields[i].offset) = (int)v;
			return 0;
		}
	return -ENOENT;
}

const char *api_quota_name(size_t i)
{
	return i < ARRAY_SIZE(quota_fields) ? quota_fields[i].name : NULL;
}
