/*
 * ipamd-config: vpc-ipamd's configuration from the environment (the AWS VPC
 * CNI's variable names where one exists; see vpc-ipamd.c for the list).
 * Each bad value is refused with a message naming the variable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipamd/ipamd.h"
#include "lib/util/util.h"

void ipamd_config_defaults(struct ipamd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	util_strscpy(cfg->socket_path, IPAMD_DEFAULT_SOCKET, sizeof(cfg->socket_path));
	util_strscpy(cfg->checkpoint_path, IPAMD_DEFAULT_CHECKPOINT, sizeof(cfg->checkpoint_path));
	util_strscpy(cfg->metrics_addr, "127.0.0.1:61678", sizeof(cfg->metrics_addr));
	util_strscpy(cfg->introspection_addr, "127.0.0.1:61679", sizeof(cfg->introspection_addr));
	ipam_cfg_defaults(&cfg->pool);
	cfg->cooldown_ms = 30000;
	cfg->pool_interval_ms = 5000;
	cfg->mtu = 9001;
	memcpy(cfg->veth_prefix, "eni", 4);
	ec2c_config_defaults(&cfg->ec2);
}

static int env_long(const char *name, long min, long max, long *ret, char *why, size_t wsize)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return 0;
	if (util_parse_long(v, min, max, ret) < 0) {
		snprintf(why, wsize, "%s=\"%.32s\" is not a number from %ld to %ld", name, v, min, max);
		return -EINVAL;
	}
	return 1;
}

static int env_bool(const char *name, bool *ret, char *why, size_t wsize)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return 0;
	if (util_parse_bool(v, ret) < 0) {
		snprintf(why, wsize, "%s=\"%.32s\" is not true or false", name, v);
		return -EINVAL;
	}
	return 1;
}

static int env_str(const char *name, char *dst, size_t size, char *why, size_t wsize)
{
	const char *v = getenv(name);

	if (!v)
		return 0;
	if (util_strscpy(dst, v, size) < 0) {
		snprintf(why, wsize, "%s is longer than %zu characters", name, size - 1);
		return -EINVAL;
	}
	return 1;
}

int ipamd_config_from_env(struct ipamd_config *c, char *why, size_t wsize)
{
	long v;
	bool b;
	int e;

#define LONG(name, min, max, dst)                                                                  \
	if ((e = env_long(name, min, max, &v, why, wsize)) < 0)                                     \
		return e;                                                                          \
	if (e)                                                                                     \
		dst = v
	LONG("WARM_ENI_TARGET", 0, 64, c->pool.warm_eni_target);
	LONG("WARM_IP_TARGET", 0, 65536, c->pool.warm_ip_target);
	LONG("MINIMUM_IP_TARGET", 0, 65536, c->pool.minimum_ip_target);
	LONG("WARM_PREFIX_TARGET", 0, 1024, c->pool.warm_prefix_target);
	LONG("MAX_ENI", -1, 64, c->pool.max_eni);
	LONG("IP_COOLDOWN_PERIOD", 0, 86400, c->cooldown_ms);
	if (e)
		c->cooldown_ms *= 1000;
	LONG("AWS_VPC_ENI_MTU", 576, 9001, c->mtu);
	LONG("OPENVPC_IPAMD_POOL_INTERVAL_MS", 10, 3600000, c->pool_interval_ms);
	LONG("OPENVPC_IPAMD_MIN_ENI_LIFETIME_MS", 0, 86400000, c->pool.min_eni_lifetime_ms);
#undef LONG
	if ((e = env_bool("ENABLE_PREFIX_DELEGATION", &b, why, wsize)) < 0)
		return e;
	if (e)
		c->pool.prefix_delegation = b;
	if ((e = env_bool("AWS_VPC_K8S_CNI_EXTERNALSNAT", &b, why, wsize)) < 0)
		return e;
	if (e)
		c->external_snat = b;
	if ((e = env_str("AWS_VPC_K8S_CNI_VETHPREFIX", c->veth_prefix, sizeof(c->veth_prefix), why, wsize)) < 0)
		return e;
	if ((e = env_str("OPENVPC_IPAMD_SOCKET", c->socket_path, sizeof(c->socket_path), why, wsize)) < 0 ||
	    (e = env_str("OPENVPC_IPAMD_CHECKPOINT", c->checkpoint_path, sizeof(c->checkpoint_path), why, wsize)) < 0 ||
	    (e = env_str("OPENVPC_IPAMD_METRICS_ADDRESS", c->metrics_addr, sizeof(c->metrics_addr), why, wsize)) < 0 ||
	    (e = env_str("INTROSPECTION_BIND_ADDRESS", c->introspection_addr, sizeof(c->introspection_addr), why, wsize)) < 0 ||
	    (e = env_str("AWS_EC2_METADATA_SERVICE_ENDPOINT", c->imds_endpoint, sizeof(c->imds_endpoint), why, wsize)) < 0)
		return e;
	if ((e = env_bool("DISABLE_METRICS", &b, why, wsize)) < 0)
		return e;
	if (e && b)
		c->metrics_addr[0] = '\0';
	if ((e = env_bool("DISABLE_INTROSPECTION", &b, why, wsize)) < 0)
		return e;
	if (e && b)
		c->introspection_addr[0] = '\0';
	const char *ex = getenv("AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS");
	if (ex && *ex) {
		char buf[1024];

		util_strscpy(buf, ex, sizeof(buf));
		for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (c->n_exclude_snat == 16 || net_cidr4_parse(t, &c->exclude_snat[c->n_exclude_snat]) < 0) {
				snprintf(why, wsize, "AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: \"%.32s\" is not a CIDR (at most 16)", t);
				return -EINVAL;
			}
			c->n_exclude_snat++;
		}
	}
	if (ec2c_config_from_env(&c->ec2) < 0) {
		snprintf(why, wsize, "an AWS_* variable is too long");
		return -EINVAL;
	}
	if (ipam_cfg_check(&c->pool) < 0) {
		snprintf(why, wsize, "ENABLE_PREFIX_DELEGATION needs WARM_PREFIX_TARGET, WARM_IP_TARGET or "
				     "MINIMUM_IP_TARGET above 0");
		return -EINVAL;
	}
	return 0;
}
