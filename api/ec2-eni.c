/*
 * ec2-eni: network interface actions through lib/model/ops-eni.h:
 * CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface,
 * Assign/UnassignPrivateIpAddresses, ModifyNetworkInterfaceAttribute.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-eni.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

static void render_eni(struct api_req *r, const struct model_eni *eni, const char *wrap)
{
	char buf[NET_IP4_STRLEN];

	api_xml_start(r, wrap);
	api_xml_str(r, "networkInterfaceId", eni->id);
	api_xml_str(r, "subnetId", eni->subnet_id);
	api_xml_str(r, "vpcId", eni->vpc_id);
	api_xml_str(r, "availabilityZone", eni->az);
	api_xml_str(r, "description", eni->description ? eni->description : "");
	api_xml_str(r, "ownerId", eni->owner_id);
	if (eni->requester_managed && eni->requester_id[0])
		api_xml_str(r, "requesterId", eni->requester_id);
	api_xml_bool(r, "requesterManaged", eni->requester_managed);
	api_xml_str(r, "status", model_eni_status_name(eni->status));
	api_xml_str(r, "macAddress", eni->mac);
	if (eni->n_ips > 0)
		api_xml_str(r, "privateIpAddress", net_ip4_format(eni->ips[0].ip, buf));
	api_xml_bool(r, "sourceDestCheck", eni->source_dest_check);
	api_xml_str(r, "interfaceType", eni->interface_type);
	api_xml_start(r, "groupSet");
	for (size_t i = 0; i < eni->n_sg_ids; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "groupId", eni->sg_ids[i]);
		api_xml_end(r);
	}
	api_xml_end(r);
	if (eni->attachment.present) {
		const struct model_eni_attachment *a = &eni->attachment;
		api_xml_start(r, "attachment");
		api_xml_str(r, "attachmentId", a->id);
		api_xml_str(r, "instanceId", a->instance_id);
		api_xml_str(r, "instanceOwnerId", a->instance_owner);
		api_xml_long(r, "deviceIndex", a->device_index);
		api_xml_long(r, "networkCardIndex", a->network_card_index);
		api_xml_str(r, "status", a->status);
		api_xml_time(r, "attachTime", a->attach_time);
		api_xml_bool(r, "deleteOnTermination", a->delete_on_termination);
		api_xml_end(r);
	}
	for (size_t i = 0; i < eni->n_ips; i++) {
		if (eni->ips[i].public_ip) {
			api_xml_start(r, "association");
			api_xml_str(r, "publicIp", net_ip4_format(eni->ips[0].public_ip, buf));
			api_xml_str(r, "ipOwnerId", eni->ips[0].allocation_id[0] ? eni->owner_id : "amazon");
			if (eni->ips[0].allocation_id[0])
				api_xml_str(r, "allocationId", eni->ips[0].allocation_id);
			if (eni->ips[0].association_id[0])
				api_xml_str(r, "associationId", eni->ips[0].association_id);
			api_xml_end(r);
		}
		break;
	}
	api_xml_tags(r, "tagSet", &eni->tags);
	api_xml_start(r, "privateIpAddressesSet");
	for (size_t i = 0; i < eni->n_ips; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "privateIpAddress", net_ip4_format(eni->ips[i].ip, buf));
		api_xml_bool(r, "primary", eni->ips[i].primary);
		if (eni->ips[i].public_ip) {
			api_xml_start(r, "association");
			api_xml_str(r, "publicIp", net_ip4_format(eni->ips[i].public_ip, buf));
			if (eni->ips[i].allocation_id[0])
				api_xml_str(r, "allocationId", eni->ips[i].allocation_id);
			if (eni->ips[i].association_id[0])
				api_xml_str(r, "associationId", eni->ips[i].association_id);
			api_xml_end(r);
		}
		api_xml_end(r);
	}
	api_xml_end(r);
	if (eni->n_prefixes > 0) {
		char cb[NET_CIDR4_STRLEN];
		api_xml_start(r, "ipv4PrefixSet");
		for (size_t i = 0; i < eni->n_prefixes; i++) {
			api_xml_start(r, "item");
			api_xml_str(r, "ipv4Prefix", net_cidr4_format(eni->prefixes[i], cb));
			api_xml_end(r);
		}
		api_xml_end(r);
	}
	api_xml_end(r);
}

static int get_ip(struct api_req *r, uint32_t *ret, const char *name)
{
	if (net_ip4_parse(name, ret) < 0)
		return api_fail_invalid_value(r, "Invalid IPv4 address: %s", name);
	return 0;
}

static int create_network_interface(struct api_req *r)
{
	struct model_eni_create o = {0};
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_eni *eni;
	const char *s, **sgs;
	size_t n_sgs;
	long cnt;
	int e;

	if ((e = api_get_str(r, &o.subnet_id, API_REQUIRED, "SubnetId")) < 0 ||
	    (e = api_get_str(r, &o.description, API_OPTIONAL, "Description")) < 0 ||
	    (e = api_get_str(r, &o.interface_type, API_OPTIONAL, "InterfaceType")) < 0 ||
	    (e = api_get_str_list(r, &sgs, &n_sgs, "SecurityGroupId")) < 0)
		return e;
	o.sg_ids = sgs;
	o.n_sg_ids = n_sgs;
	if ((e = api_get_str(r, &s, API_OPTIONAL, "PrivateIpAddress")) < 0)
		return e;
	if (e > 0) {
		if ((e = get_ip(r, &o.primary_ip, s)) < 0)
			return e;
		o.has_primary_ip = true;
	}
	cnt = 0;
	if ((e = api_get_long(r, &cnt, 1, 1000, API_OPTIONAL, "SecondaryPrivateIpAddressCount")) < 0)
		return e;
	o.secondary_count = (int)cnt;
	cnt = 0;
	if ((e = api_get_long(r, &cnt, 1, 1000, API_OPTIONAL, "Ipv4PrefixCount")) < 0)
		return e;
	o.prefix_count = (int)cnt;
	if ((e = api_get_tag_specs(r, "network-interface", &tags)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_network_interface(r->model, r->mctx, &o, &eni, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n > 0 && model_tags_copy(&eni->tags, &tags) < 0) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	/* render_eni writes an <item>; CreateNetworkInterface wants <networkInterface>. */
	render_eni(r, eni, "networkInterface");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_network_interface(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_delete_network_interface(r->model, r->mctx, id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

#define ENI(o) ((const struct model_eni *)(o))
static void f_subnet(const void *o, struct api_filter_match *m) { api_filter_emit(m, ENI(o)->subnet_id); }
static void f_vpc(const void *o, struct api_filter_match *m) { api_filter_emit(m, ENI(o)->vpc_id); }
static void f_id(const void *o, struct api_filter_match *m) { api_filter_emit(m, ENI(o)->id); }
static void f_az(const void *o, struct api_filter_match *m) { api_filter_emit(m, ENI(o)->az); }
static void f_type(const void *o, struct api_filter_match *m) { api_filter_emit(m, ENI(o)->interface_type); }
static void f_desc(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, ENI(o)->description ? ENI(o)->description : "");
}
static void f_status(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_eni_status_name(ENI(o)->status));
}
static void f_group(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < ENI(o)->n_sg_ids; i++)
		api_filter_emit(m, ENI(o)->sg_ids[i]);
}
static void f_att_inst(const void *o, struct api_filter_match *m)
{
	if (ENI(o)->attachment.present)
		api_filter_emit(m, ENI(o)->attachment.instance_id);
}
static void f_att_id(const void *o, struct api_filter_match *m)
{
	if (ENI(o)->attachment.present)
		api_filter_emit(m, ENI(o)->attachment.id);
}
static void f_ip(const void *o, struct api_filter_match *m)
{
	char buf[NET_IP4_STRLEN];
	for (size_t i = 0; i < ENI(o)->n_ips; i++)
		api_filter_emit(m, net_ip4_format(ENI(o)->ips[i].ip, buf));
}
static const struct model_tags *eni_tags(const void *o) { return &ENI(o)->tags; }
static const struct api_filter_field eni_fields[] = {
    {"subnet-id", f_subnet},
    {"vpc-id", f_vpc},
    {"network-interface-id", f_id},
    {"availability-zone", f_az},
    {"interface-type", f_type},
    {"description", f_desc},
    {"status", f_status},
    {"group-id", f_group},
    {"attachment.instance-id", f_att_inst},
    {"attachment.attachment-id", f_att_id},
    {"private-ip-address", f_ip},
    {"addresses.private-ip-address", f_ip},
};
static const struct api_filter_table eni_filters = {eni_fields, ARRAY_SIZE(eni_fields), eni_tags};
static const char *eni_id(const void *o) { return ENI(o)->id; }

static int describe_network_interfaces(struct api_req *r)
{
	struct api_filters f;
	struct api_page pg;
	const char **ids;
	size_t n_ids, start, count, n = 0;
	bool more;
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "NetworkInterfaceId")) < 0 ||
	    (e = api_filters_parse(r, &eni_filters, &f)) < 0 ||
	    (e = api_page_parse(r, 5, 1000, &pg)) < 0)
		return e;
	if (n_ids > 0 && pg.max_results > 0)
		return api_fail_invalid_value(
		    r, "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults");
	for (size_t i = 0; i < n_ids; i++)
		if (!model_find_eni(r->model, ids[i]))
			return api_fail(r, 400, "InvalidNetworkInterfaceID.NotFound",
					"The networkInterface ID '%s' does not exist", ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	const void **sel = api_alloc(r, (r->model->n_enis + 1) * sizeof(*sel));
	if (!sel)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < r->model->n_enis; i++) {
		const struct model_eni *eni = r->model->enis[i];
		bool want = n_ids == 0;
		for (size_t j = 0; j < n_ids && !want; j++)
			want = strcmp(ids[j], eni->id) == 0;
		if (want && api_filters_match(&f, eni))
			sel[n++] = eni;
	}
	api_page_select(&pg, sel, n, eni_id, &start, &count, &more);
	api_xml_start(r, "networkInterfaceSet");
	for (size_t i = start; i < start + count; i++)
		render_eni(r, sel[i], "item");
	api_xml_end(r);
	if (more)
		api_xml_next_token(r, eni_id(sel[start + count - 1]));
	return 0;
}


static int get_ip_list(struct api_req *r, const char *name, uint32_t **ret, size_t *ret_n)
{
	const char **s;
	size_t n;
	int e;

	if ((e = api_get_str_list(r, &s, &n, "%s", name)) < 0)
		return e;
	*ret = api_alloc(r, (n + 1) * sizeof(**ret));
	if (!*ret)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++)
		if ((e = get_ip(r, &(*ret)[i], s[i])) < 0)
			return e;
	*ret_n = n;
	return 0;
}

static int get_prefix_list(struct api_req *r, struct net_cidr4 **ret, size_t *ret_n)
{
	const char **s;
	size_t n;
	int e;

	if ((e = api_get_str_list(r, &s, &n, "Ipv4Prefix")) < 0)
		return e;
	*ret = api_alloc(r, (n + 1) * sizeof(**ret));
	if (!*ret)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++)
		if (net_cidr4_parse(s[i], &(*ret)[i]) < 0)
			return api_fail_invalid_value(r, "Invalid IPv4 prefix: %s", s[i]);
	*ret_n = n;
	return 0;
}

static int assign_private_ip_addresses(struct api_req *r)
{
	struct model_err err = {0};
	struct model_eni_assigned as = {0};
	const struct model_eni *eni;
	const char *id;
	uint32_t *ips;
	struct net_cidr4 *pfx;
	size_t n_ips, n_pfx;
	long cnt = 0, pcnt = 0;
	bool realloc_ok = false;
	char buf[NET_CIDR4_STRLEN];
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = get_ip_list(r, "PrivateIpAddress", &ips, &n_ips)) < 0 ||
	    (e = get_prefix_list(r, &pfx, &n_pfx)) < 0 ||
	    (e = api_get_long(r, &cnt, 1, 1000, API_OPTIONAL, "SecondaryPrivateIpAddressCount")) < 0 ||
	    (e = api_get_long(r, &pcnt, 1, 1000, API_OPTIONAL, "Ipv4PrefixCount")) < 0 ||
	    (e = api_get_bool(r, &realloc_ok, API_OPTIONAL, "AllowReassignment")) < 0)
		return e;
	e = model_op_assign_private_ip_addresses(r->model, r->mctx, id, ips, n_ips, (int)cnt, pfx,
						 n_pfx, (int)pcnt, realloc_ok, &as, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	eni = model_find_eni(r->model, id);
	api_xml_str(r, "networkInterfaceId", id);
	api_xml_start(r, "assignedPrivateIpAddressesSet");
	for (size_t i = as.first_ip; eni && i < as.first_ip + as.n_ips && i < eni->n_ips; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "privateIpAddress", net_ip4_format(eni->ips[i].ip, buf));
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_start(r, "assignedIpv4PrefixSet");
	for (size_t i = as.first_prefix;
	     eni && i < as.first_prefix + as.n_prefixes && i < eni->n_prefixes; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "ipv4Prefix", net_cidr4_format(eni->prefixes[i], buf));
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_return_true(r);
	return 0;
}

static int unassign_private_ip_addresses(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	uint32_t *ips;
	struct net_cidr4 *pfx;
	size_t n_ips, n_pfx;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = get_ip_list(r, "PrivateIpAddress", &ips, &n_ips)) < 0 ||
	    (e = get_prefix_list(r, &pfx, &n_pfx)) < 0)
		return e;
	e = model_op_unassign_private_ip_addresses(r->model, r->mctx, id, ips, n_ips, pfx, n_pfx,
						   &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

static int modify_network_interface_attribute(struct api_req *r)
{
	struct model_eni_modify mod = {0};
	struct model_err err = {0};
	const char *id, **sgs;
	size_t n_sgs;
	bool sdc, dot;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &mod.description, API_OPTIONAL, "Description.Value")) < 0 ||
	    (e = api_get_str_list(r, &sgs, &n_sgs, "SecurityGroupId")) < 0 ||
	    (e = api_get_str(r, &mod.attachment_id, API_OPTIONAL, "Attachment.AttachmentId")) < 0)
		return e;
	if (n_sgs > 0) {
		mod.set_groups = true;
		mod.sg_ids = sgs;
		mod.n_sg_ids = n_sgs;
	}
	if ((e = api_get_bool(r, &sdc, API_OPTIONAL, "SourceDestCheck.Value")) < 0)
		return e;
	if (e > 0)
		mod.source_dest_check = &sdc;
	if ((e = api_get_bool(r, &dot, API_OPTIONAL, "Attachment.DeleteOnTermination")) < 0)
		return e;
	if (e > 0)
		mod.delete_on_termination = &dot;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_modify_network_interface_attribute(r->model, r->mctx, id, &mod, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

API_FAMILY_DEFINE(eni,
		  {"CreateNetworkInterface", create_network_interface, API_MUTATING},
		  {"DescribeNetworkInterfaces", describe_network_interfaces, API_READ},
		  {"DeleteNetworkInterface", delete_network_interface, API_MUTATING},
		  {"AssignPrivateIpAddresses", assign_private_ip_addresses,
		   API_MUTATING | API_NO_DRY_RUN},
		  {"UnassignPrivateIpAddresses", unassign_private_ip_addresses,
		   API_MUTATING | API_NO_DRY_RUN},
		  {"ModifyNetworkInterfaceAttribute", modify_network_interface_attribute,
		   API_MUTATING}, );
