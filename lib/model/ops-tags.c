/*
 * ops-tags: tags on any resource.  See ops-tags.h.
 *
 * Resources are found by the ID's prefix.  A request is validated in full
 * (every resource exists, every key and value is well formed, no resource
 * would exceed the quota) before any tag changes; model_tags_set can still
 * fail with -ENOMEM, in which case the tags already changed by this request
 * are restored from a snapshot.
 */
#include "lib/model/ops-tags.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TAG_KEY_MAX   128
#define TAG_VALUE_MAX 256

struct kind {
	const char *prefix;
	const char *resource_type; /* TagSpecification ResourceType */
	enum model_errcode notfound;
	const char *what; /* for the message: "The %s ID '%s' does not exist" */
};

/* Longer prefixes first where one prefixes another ("vpc-" vs "vpn-" are distinct). */
static const struct kind kinds[] = {
    {"vpc-", "vpc", MODEL_ERR_VPC_NOT_FOUND, "vpc"},
    {"subnet-", "subnet", MODEL_ERR_SUBNET_NOT_FOUND, "subnet"},
    {"rtb-", "route-table", MODEL_ERR_RTB_NOT_FOUND, "routeTable"},
    {"sgr-", "security-group-rule", MODEL_ERR_SG_RULE_NOT_FOUND, "security group rule"},
    {"sg-", "security-group", MODEL_ERR_GROUP_NOT_FOUND, "security group"},
    {"acl-", "network-acl", MODEL_ERR_NACL_NOT_FOUND, "networkAcl"},
    {"eni-", "network-interface", MODEL_ERR_ENI_NOT_FOUND, "networkInterface"},
    {"i-", "instance", MODEL_ERR_INSTANCE_NOT_FOUND, "instance"},
    {"igw-", "internet-gateway", MODEL_ERR_IGW_NOT_FOUND, "internetGateway"},
    {"eipalloc-", "elastic-ip", MODEL_ERR_ALLOCATION_NOT_FOUND, "allocation"},
    {"nat-", "natgateway", MODEL_ERR_NAT_NOT_FOUND, "natGateway"},
    {"vgw-", "vpn-gateway", MODEL_ERR_VGW_NOT_FOUND, "vpnGateway"},
    {"cgw-", "customer-gateway", MODEL_ERR_CGW_NOT_FOUND, "customerGateway"},
    {"vpn-", "vpn-connection", MODEL_ERR_VPN_NOT_FOUND, "vpnConnection"},
    {"fl-", "vpc-flow-log", MODEL_ERR_FLOW_LOG_NOT_FOUND, "flowLog"},
    {"pl-", "prefix-list", MODEL_ERR_PREFIX_LIST_NOT_FOUND, "prefixList"},
    {"dopt-", "dhcp-options", MODEL_ERR_DHCP_OPTIONS_NOT_FOUND, "dhcpOptions"},
};

static const struct kind *kind_of(const char *id)
{
	for (size_t i = 0; id && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(id, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
			return &kinds[i];
	return NULL;
}

struct model_tags *model_find_tags(struct model *m, const char *id)
{
	const struct kind *k = kind_of(id);

	if (!k)
		return NULL;
#define TAGS_OF(obj) ((obj) ? &(obj)->tags : NULL)
	switch (k->notfound) {
	case MODEL_ERR_VPC_NOT_FOUND:
		return TAGS_OF(model_find_vpc(m, id));
	case MODEL_ERR_SUBNET_NOT_FOUND:
		return TAGS_OF(model_find_subnet(m, id));
	case MODEL_ERR_RTB_NOT_FOUND:
		return TAGS_OF(model_find_route_table(m, id));
	case MODEL_ERR_SG_RULE_NOT_FOUND: {
		size_t j;
		struct model_sg *sg = model_sg_of_rule(m, id, &j);

		return sg ? &sg->rules[j].tags : NULL;
	}
	case MODEL_ERR_GROUP_NOT_FOUND:
		return TAGS_OF(model_find_sg(m, id));
	case MODEL_ERR_NACL_NOT_FOUND:
		return TAGS_OF(model_find_nacl(m, id));
	case MODEL_ERR_ENI_NOT_FOUND:
		return TAGS_OF(model_find_eni(m, id));
	case MODEL_ERR_INSTANCE_NOT_FOUND:
		return TAGS_OF(model_find_instance(m, id));
	case MODEL_ERR_IGW_NOT_FOUND:
		return TAGS_OF(model_find_igw(m, id));
	case MODEL_ERR_ALLOCATION_NOT_FOUND:
		return TAGS_OF(model_find_eip(m, id));
	case MODEL_ERR_NAT_NOT_FOUND:
		return TAGS_OF(model_find_nat_gateway(m, id));
	case MODEL_ERR_VGW_NOT_FOUND:
		return TAGS_OF(model_find_vgw(m, id));
	case MODEL_ERR_CGW_NOT_FOUND:
		return TAGS_OF(model_find_cgw(m, id));
	case MODEL_ERR_VPN_NOT_FOUND:
		return TAGS_OF(model_find_vpn(m, id));
	case MODEL_ERR_FLOW_LOG_NOT_FOUND:
		return TAGS_OF(model_find_flow_log(m, id));
	case MODEL_ERR_PREFIX_LIST_NOT_FOUND:
		return TAGS_OF(model_find_prefix_list(m, id));
	case MODEL_ERR_DHCP_OPTIONS_NOT_FOUND:
		return TAGS_OF(model_find_dopt(m, id));
	default:
		return NULL; /* dopt-: DHCP options are not modelled */
	}
#undef TAGS_OF
}

static int resolve(struct model *m, const char *id, struct model_tags **ret_tags,
		   struct model_err *err)
{
	const struct kind *k = kind_of(id);
	struct model_tags *t;

	if (!id || !*id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ResourceId");
	if (!k)
		return model_err_set(err, -EINVAL, MODEL_ERR_RESOURCE_ID_INVALID,
				     "The ID '%s' is not valid", id);
	t = model_find_tags(m, id);
	if (!t) {
		if (k->notfound == MODEL_ERR_NAT_NOT_FOUND)
			return model_err_set(err, -ENOENT, k->notfound,
					     "NAT gateway %s was not found", id);
		return model_err_set(err, -ENOENT, k->notfound, "The %s ID '%s' does not exist",
				     k->what, id);
	}
	*ret_tags = t;
	return 0;
}

static int check_tag(const struct model_tag *t, bool value_required, struct model_err *err)
{
	if (!t->key || !*t->key)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Tag keys must not be empty");
	if (strlen(t->key) > TAG_KEY_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Tag key exceeds the maximum length of %d characters",
				     TAG_KEY_MAX);
	if (strncasecmp(t->key, "aws:", 4) == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Tag keys starting with 'aws:' are reserved for internal use");
	if (t->value && strlen(t->value) > TAG_VALUE_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Tag value exceeds the maximum length of %d characters",
				     TAG_VALUE_MAX);
	(void)value_required;
	return 0;
}

/* Number of tags after setting tags[] on cur. */
static size_t count_after(const struct model_tags *cur, const struct model_tag *tags, size_t n)
{
	size_t total = cur->n;

	for (size_t i = 0; i < n; i++) {
		bool seen = model_tags_get(cur, tags[i].key) != NULL;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(tags[j].key, tags[i].key) == 0;
		if (!seen)
			total++;
	}
	return total;
}

static int set_all(struct model *m, struct model_ctx *ctx, struct model_tags **targets,
		   size_t n_targets, const struct model_tag *tags, size_t n_tags,
		   struct model_err *err)
{
	struct model_tags *saved;
	int r = 0;

	for (size_t i = 0; i < n_tags; i++) {
		r = check_tag(&tags[i], false, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n_targets; i++)
		if (count_after(targets[i], tags, n_tags) > (size_t)ctx->quotas.tags_per_resource)
			return model_err_set(
			    err, -ENOSPC, MODEL_ERR_TAG_LIMIT_EXCEEDED,
			    "The maximum number of Tags for a resource has been reached.");
	saved = calloc(n_targets ? n_targets : 1, sizeof(*saved));
	if (!saved)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t i = 0; i < n_targets && r == 0; i++)
		r = model_tags_copy(&saved[i], targets[i]);
	for (size_t i = 0; i < n_targets && r == 0; i++)
		for (size_t j = 0; j < n_tags && r == 0; j++)
			r = model_tags_set(targets[i], tags[j].key, tags[j].value);
	if (r < 0) {
		for (size_t i = 0; i < n_targets; i++) {
			model_tags_clear(targets[i]);
			*targets[i] = saved[i];
			memset(&saved[i], 0, sizeof(saved[i]));
		}
		r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	}
	for (size_t i = 0; i < n_targets; i++)
		model_tags_clear(&saved[i]);
	free(saved);
	(void)m;
	return r;
}

int model_op_create_tags(struct model *m, struct model_ctx *ctx, const char *const *resource_ids,
			 size_t n_resources, const struct model_tag *tags, size_t n_tags,
			 struct model_err *err)
{
	struct model_tags **targets;
	int r = 0;

	if (n_resources == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ResourceId");
	if (n_tags == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter Tag");
	targets = calloc(n_resources, sizeof(*targets));
	if (!targets)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t i = 0; i < n_resources && r == 0; i++)
		r = resolve(m, resource_ids[i], &targets[i], err);
	if (r == 0)
		r = set_all(m, ctx, targets, n_resources, tags, n_tags, err);
	free(targets);
	return r;
}

int model_op_delete_tags(struct model *m, struct model_ctx *ctx, const char *const *resource_ids,
			 size_t n_resources, const struct model_tag *tags, size_t n_tags,
			 struct model_err *err)
{
	struct model_tags **targets;
	int r = 0;

	(void)ctx;
	if (n_resources == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ResourceId");
	for (size_t i = 0; i < n_tags; i++)
		if (!tags[i].key || !*tags[i].key)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Tag keys must not be empty");
	targets = calloc(n_resources, sizeof(*targets));
	if (!targets)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t i = 0; i < n_resources && r == 0; i++)
		r = resolve(m, resource_ids[i], &targets[i], err);
	for (size_t i = 0; i < n_resources && r == 0; i++) {
		if (n_tags == 0)
			model_tags_clear(targets[i]);
		for (size_t j = 0; j < n_tags; j++)
			model_tags_remove(targets[i], tags[j].key, tags[j].value);
	}
	free(targets);
	return r;
}

int model_op_apply_tag_specifications(struct model *m, struct model_ctx *ctx,
				      const char *resource_id, const char *resource_type,
				      const struct model_tag *tags, size_t n_tags,
				      struct model_err *err)
{
	const struct kind *k = kind_of(resource_id);
	struct model_tags *target;
	int r;

	if (!resource_type || !*resource_type)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
		    "The request must contain the parameter TagSpecification.ResourceType");
	if (!k || strcmp(k->resource_type, resource_type) != 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "'%s' is not a valid taggable resource type for this operation.",
		    resource_type);
	r = resolve(m, resource_id, &target, err);
	if (r < 0)
		return r;
	if (n_tags == 0)
		return 0;
	return set_all(m, ctx, &target, 1, tags, n_tags, err);
}
