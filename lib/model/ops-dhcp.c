/*
 * ops-dhcp: DHCP options sets (see ops-dhcp.h).
 */
#include "lib/model/ops-dhcp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/dns.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

enum value_kind { V_DNS_SERVER, V_IP, V_DOMAIN, V_NODE_TYPE, V_LEASE };

static const struct {
	const char *key;
	enum value_kind kind;
	size_t max_values;
} dhcp_keys[MODEL_DHCP_KEYS_MAX] = {
    {"domain-name-servers", V_DNS_SERVER, 4},
    {"domain-name", V_DOMAIN, 1},
    {"ntp-servers", V_IP, 4},
    {"netbios-name-servers", V_IP, 4},
    {"netbios-node-type", V_NODE_TYPE, 1},
    {"ipv6-address-preferred-lease-time", V_LEASE, 1},
};

static bool value_ok(enum value_kind kind, const char *v)
{
	uint32_t ip;
	char *end;
	long n;

	switch (kind) {
	case V_DNS_SERVER:
		return strcmp(v, MODEL_DHCP_AMAZON_DNS) == 0 || net_ip4_parse(v, &ip) == 0;
	case V_IP:
		return net_ip4_parse(v, &ip) == 0;
	case V_DOMAIN:
		/* One value; several domains separated by spaces, each a DNS name. */
		for (const char *c = v; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == ' '))
				return false;
		return v[0] && strlen(v) < MODEL_DHCP_VALUE_LEN;
	case V_NODE_TYPE:
		return strcmp(v, "1") == 0 || strcmp(v, "2") == 0 || strcmp(v, "4") == 0 ||
		       strcmp(v, "8") == 0;
	case V_LEASE:
		errno = 0;
		n = strtol(v, &end, 10);
		return !errno && *end == '\0' && end != v && n >= 140 && n <= 2147483647L;
	}
	return false;
}

static int validate(const struct model_dhcp_config *configs, size_t n, struct model_err *err)
{
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter dhcpConfiguration");
	if (n > MODEL_DHCP_KEYS_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "At most %d DHCP configurations are allowed.",
				     MODEL_DHCP_KEYS_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct model_dhcp_config *c = &configs[i];
		size_t k = 0;

		while (k < MODEL_DHCP_KEYS_MAX && strcmp(dhcp_keys[k].key, c->key) != 0)
			k++;
		if (k == MODEL_DHCP_KEYS_MAX)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Value (%.40s) for parameter key is invalid. Unknown DHCP "
					     "option",
					     c->key);
		for (size_t j = 0; j < i; j++)
			if (strcmp(configs[j].key, c->key) == 0)
				return model_err_set(err, -EINVAL,
						     MODEL_ERR_INVALID_PARAMETER_VALUE,
						     "The DHCP option %.40s is given more than once",
						     c->key);
		if (c->n_values == 0 || c->n_values > dhcp_keys[k].max_values)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "The DHCP option %s takes 1 to %zu values.", c->key,
					     dhcp_keys[k].max_values);
		for (size_t v = 0; v < c->n_values; v++)
			if (!value_ok(dhcp_keys[k].kind, c->values[v]))
				return model_err_set(err, -EINVAL,
						     MODEL_ERR_INVALID_PARAMETER_VALUE,
						     "Value (%.64s) for parameter %s is invalid.",
						     c->values[v], c->key);
	}
	return 0;
}

static struct model_dopt *add_dopt(struct model *m, struct model_ctx *ctx, const char *id)
{
	struct model_dopt *d = model_add_dopt(m);
	char tmp[MODEL_ID_LEN];

	if (!d)
		return NULL;
	if (id) {
		util_strscpy(d->id, id, sizeof(d->id));
	} else {
		model_new_id(m, ctx, "dopt-", tmp);
		memcpy(d->id, tmp, sizeof(d->id));
	}
	util_strscpy(d->owner_id, m->account_id, sizeof(d->owner_id));
	return d;
}

int model_op_create_dhcp_options(struct model *m, struct model_ctx *ctx,
				 const struct model_dhcp_config *configs, size_t n_configs,
				 struct model_dopt **ret_dopt, struct model_err *err)
{
	struct model_dopt *d;
	int r;

	if ((r = validate(configs, n_configs, err)) < 0)
		return r;
	if (m->n_dopts >= (size_t)ctx->quotas.dhcp_options_per_region)
		return model_err_set(err, -EDQUOT, MODEL_ERR_RESOURCE_LIMIT,
				     "The maximum number of DHCP options sets (%d) has been reached.",
				     ctx->quotas.dhcp_options_per_region);
	if (!(d = add_dopt(m, ctx, NULL)))
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "out of memory");
	memcpy(d->configs, configs, n_configs * sizeof(*configs));
	d->n_configs = n_configs;
	if (ret_dopt)
		*ret_dopt = d;
	return 0;
}

static const struct model_vpc *vpc_using(const struct model *m, const char *dopt_id)
{
	for (size_t i = 0; i < m->n_vpcs; i++)
		if (strcmp(m->vpcs[i]->dhcp_options_id, dopt_id) == 0)
			return m->vpcs[i];
	return NULL;
}

int model_op_delete_dhcp_options(struct model *m, struct model_ctx *ctx, const char *dopt_id,
				 struct model_err *err)
{
	const struct model_dopt *d = dopt_id ? model_find_dopt(m, dopt_id) : NULL;
	const struct model_vpc *v;

	(void)ctx;
	if (!d)
		return model_err_set(err, -ENOENT, MODEL_ERR_DHCP_OPTIONS_NOT_FOUND,
				     "The dhcpOption ID '%.64s' does not exist", dopt_id ? dopt_id : "");
	if ((v = vpc_using(m, d->id)))
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "The dhcpOptions '%s' has dependencies and cannot be deleted "
				     "(%s uses it).",
				     d->id, v->id);
	model_remove_dopt(m, d->id);
	return 0;
}

int model_op_associate_dhcp_options(struct model *m, struct model_ctx *ctx, const char *dopt_id,
				    const char *vpc_id, struct model_err *err)
{
	struct model_vpc *v = vpc_id ? model_find_vpc(m, vpc_id) : NULL;

	(void)ctx;
	if (!dopt_id || (strcmp(dopt_id, "default") != 0 && !model_find_dopt(m, dopt_id)))
		return model_err_set(err, -ENOENT, MODEL_ERR_DHCP_OPTIONS_NOT_FOUND,
				     "The dhcpOption ID '%.64s' does not exist", dopt_id ? dopt_id : "");
	if (!v)
		return model_err_set(err, -ENOENT, MODEL_ERR_VPC_NOT_FOUND,
				     "The vpc ID '%.64s' does not exist", vpc_id ? vpc_id : "");
	util_strscpy(v->dhcp_options_id, dopt_id, sizeof(v->dhcp_options_id));
	return 0;
}

const char *model_dhcp_region_default(struct model *m, struct model_ctx *ctx)
{
	const char *legacy = NULL;
	struct model_dopt *d;
	char domain[MODEL_DNS_NAME_LEN];

	for (size_t i = 0; i < m->n_dopts; i++)
		if (m->dopts[i]->region_default)
			return m->dopts[i]->id;
	/* A state from before sets were objects: its VPCs name a set that is not there. */
	for (size_t i = 0; i < m->n_vpcs && !legacy; i++) {
		const char *id = m->vpcs[i]->dhcp_options_id;

		if (strncmp(id, "dopt-", 5) == 0 && !model_find_dopt(m, id))
			legacy = id;
	}
	if (!(d = add_dopt(m, ctx, legacy)))
		return NULL;
	d->region_default = true;
	model_dns_private_domain(m->region, domain);
	util_strscpy(d->configs[0].key, "domain-name", sizeof(d->configs[0].key));
	util_strscpy(d->configs[0].values[0], domain, sizeof(d->configs[0].values[0]));
	d->configs[0].n_values = 1;
	util_strscpy(d->configs[1].key, "domain-name-servers", sizeof(d->configs[1].key));
	util_strscpy(d->configs[1].values[0], MODEL_DHCP_AMAZON_DNS,
		     sizeof(d->configs[1].values[0]));
	d->configs[1].n_values = 1;
	d->n_configs = 2;
	return d->id;
}

static const struct model_dhcp_config *config(const struct model_dopt *d, const char *key)
{
	for (size_t i = 0; d && i < d->n_configs; i++)
		if (strcmp(d->configs[i].key, key) == 0)
			return &d->configs[i];
	return NULL;
}

void model_dhcp_resolv_conf(const struct model *m, const struct model_vpc *vpc, char *buf,
			    size_t size)
{
	const struct model_dopt *d = model_find_dopt(m, vpc->dhcp_options_id);
	const struct model_dhcp_config *dom = config(d, "domain-name"),
				       *ns = config(d, "domain-name-servers");
	char ip[NET_IP4_STRLEN];
	size_t len;

	len = (size_t)snprintf(buf, size, "# vpcd: DHCP options %s of %s\n",
			       vpc->dhcp_options_id[0] ? vpc->dhcp_options_id : "default",
			       vpc->id);
	if (dom && len < size)
		len += (size_t)snprintf(buf + len, size - len, "search %s\n", dom->values[0]);
	for (size_t i = 0; ns && i < ns->n_values && len < size; i++) {
		const char *v = ns->values[i];

		if (strcmp(v, MODEL_DHCP_AMAZON_DNS) == 0)
			v = vpc->n_cidrs ? net_ip4_format(vpc->cidrs[0].cidr.addr + 2, ip) : NULL;
		if (v)
			len += (size_t)snprintf(buf + len, size - len, "nameserver %s\n", v);
	}
}
