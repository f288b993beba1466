/*
 * instance-types: per-instance-type network limits.
 *
 * Values are the EC2 User Guide's "Maximum IP addresses per network
 * interface" table (identical to amazon-vpc-cni-k8s
 * pkg/vpc/vpc_ip_resource_limit.go), for network card 0.  The table is sorted
 * by name so lookups can bisect; tests check the order and the max-pods
 * formula against misc/eni-max-pods.txt values.
 */
#include "lib/model/model.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util/util.h"

/* name, vCPUs, MiB, max ENIs, IPv4/ENI, IPv6/ENI, cards, nitro, network performance */
static const struct model_instance_type types[] = {
	{"c5.12xlarge", 48, 98304, 8, 30, 30, 1, true, "12 Gigabit"},
	{"c5.18xlarge", 72, 147456, 15, 50, 50, 1, true, "25 Gigabit"},
	{"c5.24xlarge", 96, 196608, 15, 50, 50, 1, true, "25 Gigabit"},
	{"c5.2xlarge", 8, 16384, 4, 15, 15, 1, true, "Up to 10 Gigabit"},
	{"c5.4xlarge", 16, 32768, 8, 30, 30, 1, true, "Up to 10 Gigabit"},
	{"c5.9xlarge", 36, 73728, 8, 30, 30, 1, true, "12 Gigabit"},
	{"c5.large", 2, 4096, 3, 10, 10, 1, true, "Up to 10 Gigabit"},
	{"c5.metal", 96, 196608, 15, 50, 50, 1, true, "25 Gigabit"},
	{"c5.xlarge", 4, 8192, 4, 15, 15, 1, true, "Up to 10 Gigabit"},
	{"m5.12xlarge", 48, 196608, 8, 30, 30, 1, true, "12 Gigabit"},
	{"m5.16xlarge", 64, 262144, 15, 50, 50, 1, true, "20 Gigabit"},
	{"m5.24xlarge", 96, 393216, 15, 50, 50, 1, true, "25 Gigabit"},
	{"m5.2xlarge", 8, 32768, 4, 15, 15, 1, true, "Up to 10 Gigabit"},
	{"m5.4xlarge", 16, 65536, 8, 30, 30, 1, true, "Up to 10 Gigabit"},
	{"m5.8xlarge", 32, 131072, 8, 30, 30, 1, true, "10 Gigabit"},
	{"m5.large", 2, 8192, 3, 10, 10, 1, true, "Up to 10 Gigabit"},
	{"m5.metal", 96, 393216, 15, 50, 50, 1, true, "25 Gigabit"},
	{"m5.xlarge", 4, 16384, 4, 15, 15, 1, true, "Up to 10 Gigabit"},
	{"m6i.large", 2, 8192, 3, 10, 10, 1, true, "Up to 12.5 Gigabit"},
	{"m6i.xlarge", 4, 16384, 4, 15, 15, 1, true, "Up to 12.5 Gigabit"},
	{"r5.large", 2, 16384, 3, 10, 10, 1, true, "Up to 10 Gigabit"},
	{"r5.xlarge", 4, 32768, 4, 15, 15, 1, true, "Up to 10 Gigabit"},
	{"t2.large", 2, 8192, 3, 12, 12, 1, false, "Low to Moderate"},
	{"t2.medium", 2, 4096, 3, 6, 6, 1, false, "Low to Moderate"},
	{"t2.micro", 1, 1024, 2, 2, 2, 1, false, "Low to Moderate"},
	{"t2.small", 1, 2048, 3, 4, 4, 1, false, "Low to Moderate"},
	{"t3.2xlarge", 8, 32768, 4, 15, 15, 1, true, "Up to 5 Gigabit"},
	{"t3.large", 2, 8192, 3, 12, 12, 1, true, "Up to 5 Gigabit"},
	{"t3.medium", 2, 4096, 3, 6, 6, 1, true, "Up to 5 Gigabit"},
	{"t3.micro", 2, 1024, 2, 2, 2, 1, true, "Up to 5 Gigabit"},
	{"t3.nano", 2, 512, 2, 2, 2, 1, true, "Up to 5 Gigabit"},
	{"t3.small", 2, 2048, 3, 4, 4, 1, true, "Up to 5 Gigabit"},
	{"t3.xlarge", 4, 16384, 4, 15, 15, 1, true, "Up to 5 Gigabit"},
};

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct model_instance_type *)elem)->name);
}

const struct model_instance_type *model_instance_type_find(const char *name)
{
	if (!name)
		return NULL;
	return bsearch(name, types, ARRAY_SIZE(types), sizeof(types[0]), cmp_name);
}

const struct model_instance_type *model_instance_types(size_t *ret_count)
{
	*ret_count = ARRAY_SIZE(types);
	return types;
}

int model_instance_type_max_pods(const struct model_instance_type *t)
{
	return t->max_enis * (t->ipv4_per_eni - 1) + 2;
}
