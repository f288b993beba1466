/*
 * ec2-dhcp: the DHCP options family: CreateDhcpOptions, DeleteDhcpOptions,
 * AssociateDhcpOptions, DescribeDhcpOptions.
 *
 * The rules are lib/model/ops-dhcp.c; this file reads the request forms
 * (DhcpConfiguration.N.Key, DhcpConfiguration.N.Value.M) and writes the
 * dhcpOptions shape: dhcpConfigurationSet / item / key, valueSet / item /
 * value.  Filters: dhcp-options-id, key, value, owner-id, tag:K, tag-key.
 */
#include <errno.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-dhcp.h"
#include "lib/util/util.h"

#define DOPT(o) ((const struct model_dopt *)(o))

static void render_dopt_as(struct api_req *r, const struct model_dopt *d, const char *wrap)
{
	api_xml_start(r, wrap);
	api_xml_str(r, "dhcpOptionsId", d->id);
	api_xml_str(r, "ownerId", d->owner_id);
	api_xml_start(r, "dhcpConfigurationSet");
	for (size_t i = 0; i < d->n_configs; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "key", d->configs[i].key);
		api_xml_start(r, "valueSet");
		for (size_t k = 0; k < d->configs[i].n_values; k++) {
			api_xml_start(r, "item");
			api_xml_str(r, "value", d->configs[i].values[k]);
			api_xml_end(r);
		}
		api_xml_end(r);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_tags(r, "tagSet", &d->tags);
	api_xml_end(r);
}

static void render_dopt(struct api_req *r, const void *o)
{
	render_dopt_as(r, DOPT(o), "item");
}

/* DhcpConfiguration.N.Key / .Value.M into configs[] (zeroed; *ret_n of them). */
static int get_configs(struct api_req *r, struct model_dhcp_config configs[MODEL_DHCP_KEYS_MAX],
		       size_t *ret_n)
{
	size_t n, nv;
	int e;

	if ((e = api_get_count(r, &n, "DhcpConfiguration")) < 0)
		return e;
	if (n == 0)
		return api_fail_missing(r, "DhcpConfiguration");
	if (n > MODEL_DHCP_KEYS_MAX)
		return api_fail_invalid_value(r, "At most %d DHCP configurations are allowed.",
					      MODEL_DHCP_KEYS_MAX);
	memset(configs, 0, MODEL_DHCP_KEYS_MAX * sizeof(*configs));
	for (size_t i = 0; i < n; i++) {
		const char *key, **values;

		if ((e = api_get_str(r, &key, API_REQUIRED, "DhcpConfiguration.%zu.Key", i + 1)) < 0 ||
		    (e = api_get_str_list(r, &values, &nv, "DhcpConfiguration.%zu.Value", i + 1)) <
			0)
			return e;
		if (strlen(key) >= sizeof(configs[i].key))
			return api_fail_invalid_value(r, "Value (%.40s) for parameter key is invalid. "
							 "Unknown DHCP option",
						      key);
		if (nv > MODEL_DHCP_VALUES_MAX)
			return api_fail_invalid_value(r, "The DHCP option %s takes 1 to %d values.",
						      key, MODEL_DHCP_VALUES_MAX);
		util_strscpy(configs[i].key, key, sizeof(configs[i].key));
		for (size_t k = 0; k < nv; k++) {
			if (strlen(values[k]) >= MODEL_DHCP_VALUE_LEN)
				return api_fail_invalid_value(r, "Value for parameter %s is too long.",
							      key);
			util_strscpy(configs[i].values[k], values[k], MODEL_DHCP_VALUE_LEN);
		}
		configs[i].n_values = nv;
	}
	*ret_n = n;
	return 0;
}

static int create_dhcp_options(struct api_req *r)
{
	struct model_dhcp_config configs[MODEL_DHCP_KEYS_MAX];
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_dopt *d;
	size_t n = 0;
	int e;

	if ((e = get_configs(r, configs, &n)) < 0 ||
	    (e = api_get_tag_specs(r, "dhcp-options", &tags)) < 0 || (e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_dhcp_options(r->model, r->mctx, configs, n, &d, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n > 0 && model_tags_copy(&d->tags, &tags) < 0) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	api_touch(r, d->id, NULL); /* the save hint: the set alone */
	render_dopt_as(r, d, "dhcpOptions");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_dhcp_options(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "DhcpOptionsId")) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_delete_dhcp_options(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL); /* a set still associated is not deleted */
	api_xml_return_true(r);
	return 0;
}

static int associate_dhcp_options(struct api_req *r)
{
	struct model_err err = {0};
	const char *id, *vpc;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "DhcpOptionsId")) < 0 ||
	    (e = api_get_str(r, &vpc, API_REQUIRED, "VpcId")) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_associate_dhcp_options(r->model, r->mctx, id, vpc, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, vpc, NULL); /* the VPC names its set */
	api_xml_return_true(r);
	return 0;
}

static void f_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, DOPT(o)->id);
}
static void f_owner(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, DOPT(o)->owner_id);
}
static void f_key(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < DOPT(o)->n_configs; i++)
		api_filter_emit(m, DOPT(o)->configs[i].key);
}
static void f_value(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < DOPT(o)->n_configs; i++)
		for (size_t k = 0; k < DOPT(o)->configs[i].n_values; k++)
			api_filter_emit(m, DOPT(o)->configs[i].values[k]);
}
static const struct model_tags *dopt_tags(const void *o)
{
	return &DOPT(o)->tags;
}
static const char *dopt_id_of(const void *o)
{
	return DOPT(o)->id;
}

static const struct api_filter_field dopt_fields[] = {
    {"dhcp-options-id", f_id},
    {"key", f_key},
    {"owner-id", f_owner},
    {"value", f_value},
};
static const struct api_filter_table dopt_filters = {dopt_fields, ARRAY_SIZE(dopt_fields),
						     dopt_tags};

static int describe_dhcp_options(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "DhcpOptionsId",
	    .not_found_code = "InvalidDhcpOptionID.NotFound",
	    .not_found_fmt = "The dhcpOption ID '%s' does not exist",
	    .filters = &dopt_filters,
	    .objs = (const void *const *)r->model->dopts,
	    .n_objs = r->model->n_dopts,
	    .id_of = dopt_id_of,
	    .set_name = "dhcpOptionsSet",
	    .render = render_dopt,
	};

	return api_describe_run(r, &d);
}

API_FAMILY_DEFINE(dhcp,
	{"CreateDhcpOptions", create_dhcp_options, API_MUTATING},
	{"DeleteDhcpOptions", delete_dhcp_options, API_MUTATING},
	{"AssociateDhcpOptions", associate_dhcp_options, API_MUTATING},
	{"DescribeDhcpOptions", describe_dhcp_options, API_READ}, );
