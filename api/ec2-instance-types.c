/*
 * ec2-instance-types: DescribeInstanceTypes from the model's instance-type
 * table (lib/model/instance-types.c): vCPUs, memory and the network limits
 * vpc-ipamd and the VPC CNI read (maximumNetworkInterfaces,
 * ipv4AddressesPerInterface, ...).  Paginated 5..100 like AWS.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/util/util.h"

#define T(o) ((const struct model_instance_type *)(o))

static void f_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, T(o)->name);
}
static void f_current(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, true);
}
static void f_max_enis(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->max_enis);
}
static void f_ipv4(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->ipv4_per_eni);
}
static void f_ipv6(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->ipv6_per_eni);
}
static void f_ipv6_supported(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, T(o)->ipv6_per_eni > 0);
}
static void f_cards(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->network_cards);
}
static void f_perf(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, T(o)->network_performance);
}
static void f_vcpus(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->vcpus);
}
static void f_memory(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", T(o)->memory_mib);
}

static const struct api_filter_field type_fields[] = {
    {"current-generation", f_current},
    {"instance-type", f_type},
    {"memory-info.size-in-mib", f_memory},
    {"network-info.ipv4-addresses-per-interface", f_ipv4},
    {"network-info.ipv6-addresses-per-interface", f_ipv6},
    {"network-info.ipv6-supported", f_ipv6_supported},
    {"network-info.maximum-network-cards", f_cards},
    {"network-info.maximum-network-interfaces", f_max_enis},
    {"network-info.network-performance", f_perf},
    {"vcpu-info.default-vcpus", f_vcpus},
};
static const struct api_filter_table type_filters = {type_fields, ARRAY_SIZE(type_fields), NULL};

static const char *type_id(const void *o)
{
	return T(o)->name;
}

static void render(struct api_req *r, const struct model_instance_type *t)
{
	api_xml_start(r, "item");
	api_xml_str(r, "instanceType", t->name);
	api_xml_bool(r, "currentGeneration", true);
	api_xml_start(r, "vCpuInfo");
	api_xml_long(r, "defaultVCpus", t->vcpus);
	api_xml_end(r);
	api_xml_start(r, "memoryInfo");
	api_xml_long(r, "sizeInMiB", t->memory_mib);
	api_xml_end(r);
	api_xml_start(r, "networkInfo");
	api_xml_str(r, "networkPerformance", t->network_performance);
	api_xml_long(r, "maximumNetworkInterfaces", t->max_enis);
	api_xml_long(r, "maximumNetworkCards", t->network_cards);
	api_xml_long(r, "defaultNetworkCardIndex", 0);
	api_xml_start(r, "networkCards");
	for (int c = 0; c < t->network_cards; c++) {
		api_xml_start(r, "item");
		api_xml_long(r, "networkCardIndex", c);
		api_xml_str(r, "networkPerformance", t->network_performance);
		api_xml_long(r, "maximumNetworkInterfaces", t->max_enis);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_long(r, "ipv4AddressesPerInterface", t->ipv4_per_eni);
	api_xml_long(r, "ipv6AddressesPerInterface", t->ipv6_per_eni);
	api_xml_bool(r, "ipv6Supported", t->ipv6_per_eni > 0);
	api_xml_end(r);
	api_xml_end(r);
}

static int describe_instance_types(struct api_req *r)
{
	const struct model_instance_type *table;
	const char **wanted = NULL;
	const void **sel;
	size_t n_table, n_wanted = 0, n_sel = 0, start, count;
	struct api_filters f;
	struct api_page pg;
	bool more;
	int e;

	if ((e = api_get_str_list(r, &wanted, &n_wanted, "InstanceType")) < 0 ||
	    (e = api_filters_parse(r, &type_filters, &f)) < 0 ||
	    (e = api_page_parse(r, 5, 100, &pg)) < 0)
		return e;
	for (size_t i = 0; i < n_wanted; i++)
		if (!model_instance_type_find(wanted[i]))
			return api_fail(r, 400, "InvalidInstanceType",
					"The following supplied instance types do not exist: "
					"[%.64s]",
					wanted[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	table = model_instance_types(&n_table);
	sel = api_alloc(r, (n_table + 1) * sizeof(*sel));
	if (!sel)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n_table; i++) {
		bool want = n_wanted == 0;

		for (size_t j = 0; j < n_wanted && !want; j++)
			want = strcmp(wanted[j], table[i].name) == 0;
		if (want && api_filters_match(&f, &table[i]))
			sel[n_sel++] = &table[i];
	}
	api_page_select(&pg, sel, n_sel, type_id, &start, &count, &more);
	api_xml_start(r, "instanceTypeSet");
	for (size_t i = start; i < start + count; i++)
		render(r, sel[i]);
	api_xml_end(r);
	if (more)
		api_xml_next_token(r, type_id(sel[start + count - 1]));
	return 0;
}

API_FAMILY_DEFINE(instance_types, {"DescribeInstanceTypes", describe_instance_types, API_READ}, );
