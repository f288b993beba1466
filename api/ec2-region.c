/*
 * ec2-region: DescribeRegions, DescribeAvailabilityZones and
 * DescribeAccountAttributes: answers about the endpoint itself, from the
 * Region table below, the Region's AZs (struct model_ctx) and the quotas.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/util/util.h"

/* The commercial Regions that need no opt-in (AWS, 2026). */
static const char *const regions[] = {
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1",	"eu-central-1",	  "eu-north-1", "eu-west-1",
    "eu-west-2",      "eu-west-3",	"sa-east-1",	  "us-east-1",	"us-east-2",
    "us-west-1",      "us-west-2",
};

/* ---- DescribeRegions ---------------------------------------------------------- */

struct region_view {
	const char *name;
	char endpoint[96];
};

static void f_region_name(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct region_view *)o)->name);
}

static void f_endpoint(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct region_view *)o)->endpoint);
}

static void f_opt_in(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, "opt-in-not-required");
}

static const struct api_filter_field region_fields[] = {
    {"endpoint", f_endpoint},
    {"opt-in-status", f_opt_in},
    {"region-name", f_region_name},
};
static const struct api_filter_table region_filters = {region_fields, ARRAY_SIZE(region_fields),
						       NULL};

static bool in_list(const char **items, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i], s) == 0)
			return true;
	return false;
}

static int describe_regions(struct api_req *r)
{
	struct api_filters f;
	const char **names = NULL;
	size_t n_names = 0;
	bool all = false;
	int e;

	if ((e = api_get_str_list(r, &names, &n_names, "RegionName")) < 0 ||
	    (e = api_get_bool(r, &all, API_OPTIONAL, "AllRegions")) < 0 ||
	    (e = api_filters_parse(r, &region_filters, &f)) < 0)
		return e;
	for (size_t i = 0; i < n_names; i++) {
		bool known = strcmp(names[i], r->region) == 0;

		for (size_t j = 0; j < ARRAY_SIZE(regions) && !known; j++)
			known = strcmp(regions[j], names[i]) == 0;
		if (!known)
			return api_fail(r, 400, "InvalidParameterValue", "Invalid region: %.64s",
					names[i]);
	}
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	api_xml_start(r, "regionInfo");
	for (size_t i = 0; i <= ARRAY_SIZE(regions); i++) {
		struct region_view v;

		/* The Region of the request is listed even when it is not a standard one. */
		if (i == ARRAY_SIZE(regions)) {
			bool listed = false;

			for (size_t j = 0; j < ARRAY_SIZE(regions); j++)
				listed = listed || strcmp(regions[j], r->region) == 0;
			if (listed)
				break;
			v.name = r->region;
		} else {
			v.name = regions[i];
		}
		snprintf(v.endpoint, sizeof(v.endpoint), "ec2.%s.amazonaws.com", v.name);
		if (n_names && !in_list(names, n_names, v.name))
			continue;
		if (!api_filters_match(&f, &v))
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "regionName", v.name);
		api_xml_str(r, "regionEndpoint", v.endpoint);
		api_xml_str(r, "optInStatus", "opt-in-not-required");
		api_xml_end(r);
	}
	api_xml_end(r);
	return 0;
}

/* ---- DescribeAvailabilityZones -------------------------------------------------- */

struct az_view {
	const char *name, *id, *region;
};

static void f_zone_name(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct az_view *)o)->name);
}

static void f_zone_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct az_view *)o)->id);
}

static void f_az_region(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ((const struct az_view *)o)->region);
}

static void f_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, "available");
}

static void f_zone_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, "availability-zone");
}

static const struct api_filter_field az_fields[] = {
    {"group-name", f_az_region}, {"network-border-group", f_az_region},
    {"opt-in-status", f_opt_in}, {"region-name", f_az_region},
    {"state", f_state},		 {"zone-id", f_zone_id},
    {"zone-name", f_zone_name},	 {"zone-type", f_zone_type},
};
static const struct api_filter_table az_filters = {az_fields, ARRAY_SIZE(az_fields), NULL};

static int describe_availability_zones(struct api_req *r)
{
	const struct model_ctx *c = r->mctx;
	const char **names = NULL, **ids = NULL;
	size_t n_names = 0, n_ids = 0;
	struct api_filters f;
	bool all = false;
	int e;

	if ((e = api_get_str_list(r, &names, &n_names, "ZoneName")) < 0 ||
	    (e = api_get_str_list(r, &ids, &n_ids, "ZoneId")) < 0 ||
	    (e = api_get_bool(r, &all, API_OPTIONAL, "AllAvailabilityZones")) < 0 ||
	    (e = api_filters_parse(r, &az_filters, &f)) < 0)
		return e;
	for (size_t i = 0; i < n_names; i++)
		if (!in_list((const char **)c->azs, c->n_azs, names[i]))
			return api_fail_invalid_value(r, "Invalid availability zone: [%.64s]",
						      names[i]);
	for (size_t i = 0; i < n_ids; i++)
		if (!in_list((const char **)c->az_ids, c->n_azs, ids[i]))
			return api_fail_invalid_value(r, "Invalid availability zone ID: [%.64s]",
						      ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	api_xml_start(r, "availabilityZoneInfo");
	for (size_t i = 0; i < c->n_azs; i++) {
		struct az_view v = {c->azs[i], c->az_ids[i], r->region};

		if ((n_names || n_ids) && !in_list(names, n_names, v.name) &&
		    !in_list(ids, n_ids, v.id))
			continue;
		if (!api_filters_match(&f, &v))
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "zoneName", v.name);
		api_xml_str(r, "zoneState", "available");
		api_xml_str(r, "regionName", v.region);
		api_xml_start(r, "messageSet");
		api_xml_end(r);
		api_xml_str(r, "optInStatus", "opt-in-not-required");
		api_xml_str(r, "zoneId", v.id);
		api_xml_str(r, "groupName", v.region);
		api_xml_str(r, "networkBorderGroup", v.region);
		api_xml_str(r, "zoneType", "availability-zone");
		api_xml_end(r);
	}
	api_xml_end(r);
	return 0;
}

/* ---- DescribeAccountAttributes ----------------------------------------------------- */

static const char *const account_attributes[] = {
    "supported-platforms", "default-vpc",
    "max-instances",	   "vpc-max-security-groups-per-interface",
    "max-elastic-ips",	   "vpc-max-elastic-ips",
};

static void attribute_values(struct api_req *r, const char *name)
{
	char buf[32];

	api_xml_start(r, "attributeValueSet");
	api_xml_start(r, "item");
	if (strcmp(name, "supported-platforms") == 0) {
		api_xml_str(r, "attributeValue", "VPC");
	} else if (strcmp(name, "default-vpc") == 0) {
		const char *id = "none";

		for (size_t i = 0; i < r->model->n_vpcs; i++)
			if (r->model->vpcs[i]->is_default)
				id = r->model->vpcs[i]->id;
		api_xml_str(r, "attributeValue", id);
	} else {
		int v = 0;

		if (strcmp(name, "max-instances") == 0)
			v = r->mctx->quotas.instances_per_region;
		else if (strcmp(name, "vpc-max-security-groups-per-interface") == 0)
			v = r->mctx->quotas.sgs_per_eni;
		else
			v = r->mctx->quotas.eips_per_region;
		snprintf(buf, sizeof(buf), "%d", v);
		api_xml_str(r, "attributeValue", buf);
	}
	api_xml_end(r);
	api_xml_end(r);
}

static int describe_account_attributes(struct api_req *r)
{
	const char **names = NULL;
	size_t n = 0;
	int e;

	if ((e = api_get_str_list(r, &names, &n, "AttributeName")) < 0)
		return e;
	for (size_t i = 0; i < n; i++)
		if (!in_list((const char **)account_attributes, ARRAY_SIZE(account_attributes),
			     names[i]))
			return api_fail_invalid_value(r, "Invalid attribute name: %.64s", names[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	api_xml_start(r, "accountAttributeSet");
	for (size_t i = 0; i < ARRAY_SIZE(account_attributes); i++) {
		if (n && !in_list(names, n, account_attributes[i]))
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "attributeName", account_attributes[i]);
		attribute_values(r, account_attributes[i]);
		api_xml_end(r);
	}
	api_xml_end(r);
	return 0;
}

API_FAMILY_DEFINE(region, {"DescribeAccountAttributes", describe_account_attributes, API_READ},
		  {"DescribeAvailabilityZones", describe_availability_zones, API_READ},
		  {"DescribeRegions", describe_regions, API_READ}, );
