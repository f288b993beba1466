/*
 * ec2-eni: network interface actions through lib/model/ops-eni.h:
 * CreateNetworkInterface, DescribeNetworkInterfaces, DeleteNetworkInterface,
 * Assign/UnassignPrivateIpAddresses, ModifyNetworkInterfaceAttribute, and
 * through ops-instance.h RunInstances, DescribeInstances, TerminateInstances,
 * Attach/DetachNetworkInterface, and through ops-vpc.h the Elastic IP actions
 * (Allocate/Associate/Disassociate/Release/DescribeAddresses) and
 * Create/Describe/DeleteNatGateway.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-vpc.h"
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


/* ---- instances -------------------------------------------------------------- */

static void render_state(struct api_req *r, const char *name, enum model_instance_state s)
{
	api_xml_start(r, name);
	api_xml_long(r, "code", model_instance_state_code(s));
	api_xml_str(r, "name", model_instance_state_name(s));
	api_xml_end(r);
}

static void render_instance(struct api_req *r, const struct model_instance *in)
{
	char buf[NET_IP4_STRLEN];
	const struct model_eni *primary = NULL;

	for (size_t i = 0; i < r->model->n_enis; i++) {
		const struct model_eni *e = r->model->enis[i];
		if (e->attachment.present && strcmp(e->attachment.instance_id, in->id) == 0 &&
		    e->attachment.device_index == 0)
			primary = e;
	}
	api_xml_start(r, "item");
	api_xml_str(r, "instanceId", in->id);
	api_xml_str(r, "imageId", in->image_id);
	render_state(r, "instanceState", in->state);
	api_xml_str(r, "keyName", in->key_name);
	api_xml_long(r, "amiLaunchIndex", in->ami_launch_index);
	api_xml_str(r, "instanceType", in->instance_type);
	api_xml_time(r, "launchTime", in->launch_time);
	api_xml_start(r, "placement");
	api_xml_str(r, "availabilityZone", in->az);
	api_xml_str(r, "tenancy", "default");
	api_xml_end(r);
	if (in->state != MODEL_INSTANCE_TERMINATED) {
		api_xml_str(r, "subnetId", in->subnet_id);
		api_xml_str(r, "vpcId", in->vpc_id);
		if (primary && primary->n_ips > 0) {
			api_xml_str(r, "privateIpAddress", net_ip4_format(primary->ips[0].ip, buf));
			if (primary->ips[0].public_ip)
				api_xml_str(r, "ipAddress",
					    net_ip4_format(primary->ips[0].public_ip, buf));
		}
	}
	api_xml_tags(r, "tagSet", &in->tags);
	api_xml_start(r, "networkInterfaceSet");
	for (size_t i = 0; i < r->model->n_enis; i++) {
		const struct model_eni *e = r->model->enis[i];
		if (!e->attachment.present || strcmp(e->attachment.instance_id, in->id) != 0)
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "networkInterfaceId", e->id);
		api_xml_str(r, "subnetId", e->subnet_id);
		api_xml_str(r, "vpcId", e->vpc_id);
		api_xml_str(r, "status", model_eni_status_name(e->status));
		if (e->n_ips > 0)
			api_xml_str(r, "privateIpAddress", net_ip4_format(e->ips[0].ip, buf));
		api_xml_start(r, "attachment");
		api_xml_str(r, "attachmentId", e->attachment.id);
		api_xml_long(r, "deviceIndex", e->attachment.device_index);
		api_xml_str(r, "status", e->attachment.status);
		api_xml_bool(r, "deleteOnTermination", e->attachment.delete_on_termination);
		api_xml_end(r);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_end(r);
}

static int get_nic_specs(struct api_req *r, struct model_instance_nic_spec **ret, size_t *ret_n)
{
	size_t n;
	int e;

	if ((e = api_get_count(r, &n, "NetworkInterface")) < 0)
		return e;
	struct model_instance_nic_spec *s = api_alloc(r, (n + 1) * sizeof(*s));
	if (!s)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *ip, **sgs;
		long l;
		bool b;
		s[i].associate_public_ip = -1;
		s[i].delete_on_termination = -1;
		l = 0;
		if ((e = api_get_long(r, &l, 0, 1000, API_OPTIONAL, "NetworkInterface.%zu.DeviceIndex",
				      i + 1)) < 0)
			return e;
		s[i].device_index = (int)l;
		if ((e = api_get_str(r, &s[i].network_interface_id, API_OPTIONAL,
				     "NetworkInterface.%zu.NetworkInterfaceId", i + 1)) < 0 ||
		    (e = api_get_str(r, &s[i].subnet_id, API_OPTIONAL,
				     "NetworkInterface.%zu.SubnetId", i + 1)) < 0 ||
		    (e = api_get_str(r, &s[i].description, API_OPTIONAL,
				     "NetworkInterface.%zu.Description", i + 1)) < 0 ||
		    (e = api_get_str_list(r, &sgs, &s[i].n_sg_ids,
					  "NetworkInterface.%zu.SecurityGroupId", i + 1)) < 0)
			return e;
		s[i].sg_ids = sgs;
		if ((e = api_get_str(r, &ip, API_OPTIONAL, "NetworkInterface.%zu.PrivateIpAddress",
				     i + 1)) < 0)
			return e;
		if (e > 0) {
			if ((e = get_ip(r, &s[i].private_ip, ip)) < 0)
				return e;
			s[i].has_private_ip = true;
		}
		l = 0;
		if ((e = api_get_long(r, &l, 0, 1000, API_OPTIONAL,
				      "NetworkInterface.%zu.SecondaryPrivateIpAddressCount", i + 1)) < 0)
			return e;
		s[i].secondary_count = (int)l;
		if ((e = api_get_bool(r, &b, API_OPTIONAL,
				      "NetworkInterface.%zu.AssociatePublicIpAddress", i + 1)) < 0)
			return e;
		if (e > 0)
			s[i].associate_public_ip = b;
		if ((e = api_get_bool(r, &b, API_OPTIONAL, "NetworkInterface.%zu.DeleteOnTermination",
				      i + 1)) < 0)
			return e;
		if (e > 0)
			s[i].delete_on_termination = b;
	}
	*ret = s;
	*ret_n = n;
	return 0;
}

static int run_instances(struct api_req *r)
{
	struct model_run_instances o = {0};
	struct model_instance_nic_spec *nics = NULL;
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_instance **out;
	const char *ip, **sgs;
	size_t n_out = 0;
	long minc, maxc;
	int e;

	o.associate_public_ip = -1;
	if ((e = api_get_str(r, &o.image_id, API_REQUIRED, "ImageId")) < 0 ||
	    (e = api_get_str(r, &o.instance_type, API_REQUIRED, "InstanceType")) < 0 ||
	    (e = api_get_long(r, &minc, 1, 100000, API_REQUIRED, "MinCount")) < 0 ||
	    (e = api_get_long(r, &maxc, 1, 100000, API_REQUIRED, "MaxCount")) < 0 ||
	    (e = api_get_str(r, &o.subnet_id, API_OPTIONAL, "SubnetId")) < 0 ||
	    (e = api_get_str(r, &o.key_name, API_OPTIONAL, "KeyName")) < 0 ||
	    (e = api_get_str(r, &o.az, API_OPTIONAL, "Placement.AvailabilityZone")) < 0 ||
	    (e = api_get_str_list(r, &sgs, &o.n_sg_ids, "SecurityGroupId")) < 0 ||
	    (e = get_nic_specs(r, &nics, &o.n_nics)) < 0)
		return e;
	if (minc > maxc)
		return api_fail_invalid_value(
		    r, "MinCount (%ld) must be less than or equal to MaxCount (%ld)", minc, maxc);
	o.min_count = (int)minc;
	o.max_count = (int)maxc;
	o.sg_ids = sgs;
	o.nics = nics;
	if ((e = api_get_str(r, &ip, API_OPTIONAL, "PrivateIpAddress")) < 0)
		return e;
	if (e > 0) {
		if ((e = get_ip(r, &o.private_ip, ip)) < 0)
			return e;
		o.has_private_ip = true;
	}
	if ((e = api_get_tag_specs(r, "instance", &tags)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	out = api_alloc(r, (size_t)maxc * sizeof(*out));
	if (!out) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	e = model_op_run_instances(r->model, r->mctx, &o, out, &n_out, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	for (size_t i = 0; i < n_out && tags.n > 0; i++)
		if (model_tags_copy(&out[i]->tags, &tags) < 0) {
			e = api_fail(r, 500, "InternalError", "Out of memory");
			goto out;
		}
	api_xml_str(r, "reservationId", n_out ? out[0]->reservation_id : NULL);
	api_xml_str(r, "ownerId", r->account_id);
	api_xml_start(r, "groupSet");
	api_xml_end(r);
	api_xml_start(r, "instancesSet");
	for (size_t i = 0; i < n_out; i++)
		render_instance(r, out[i]);
	api_xml_end(r);
out:
	model_tags_clear(&tags);
	return e;
}

#define INST(o) ((const struct model_instance *)(o))
static void fi_id(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->id); }
static void fi_subnet(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->subnet_id); }
static void fi_vpc(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->vpc_id); }
static void fi_type(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->instance_type); }
static void fi_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_instance_state_name(INST(o)->state));
}
static const struct model_tags *inst_tags(const void *o) { return &INST(o)->tags; }
static const struct api_filter_field inst_fields[] = {
    {"instance-id", fi_id},	      {"subnet-id", fi_subnet}, {"vpc-id", fi_vpc},
    {"instance-state-name", fi_state}, {"instance-type", fi_type},
};
static const struct api_filter_table inst_filters = {inst_fields, ARRAY_SIZE(inst_fields),
						     inst_tags};

static int describe_instances(struct api_req *r)
{
	struct api_filters f;
	const char **ids;
	size_t n_ids;
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "InstanceId")) < 0 ||
	    (e = api_filters_parse(r, &inst_filters, &f)) < 0)
		return e;
	for (size_t i = 0; i < n_ids; i++)
		if (!model_find_instance(r->model, ids[i]))
			return api_fail(r, 400, "InvalidInstanceID.NotFound",
					"The instance ID '%s' does not exist", ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	/* One reservation per instance group, in model order. */
	api_xml_start(r, "reservationSet");
	for (size_t i = 0; i < r->model->n_instances; i++) {
		const struct model_instance *in = r->model->instances[i];
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(r->model->instances[k]->reservation_id, in->reservation_id) == 0;
		if (seen)
			continue;
		bool open = false;
		for (size_t j = i; j < r->model->n_instances; j++) {
			const struct model_instance *x = r->model->instances[j];
			bool want = n_ids == 0;
			if (strcmp(x->reservation_id, in->reservation_id) != 0)
				continue;
			for (size_t k = 0; k < n_ids && !want; k++)
				want = strcmp(ids[k], x->id) == 0;
			if (!want || !api_filters_match(&f, x))
				continue;
			if (!open) {
				api_xml_start(r, "item");
				api_xml_str(r, "reservationId", x->reservation_id);
				api_xml_str(r, "ownerId", x->owner_id);
				api_xml_start(r, "groupSet");
				api_xml_end(r);
				api_xml_start(r, "instancesSet");
				open = true;
			}
			render_instance(r, x);
		}
		if (open) {
			api_xml_end(r);
			api_xml_end(r);
		}
	}
	api_xml_end(r);
	return 0;
}

static int terminate_instances(struct api_req *r)
{
	struct model_err err = {0};
	struct model_instance_state_change *ch;
	const char **ids;
	size_t n;
	int e;

	if ((e = api_get_str_list(r, &ids, &n, "InstanceId")) < 0)
		return e;
	if (n == 0)
		return api_fail_missing(r, "InstanceId");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	ch = api_alloc(r, n * sizeof(*ch));
	if (!ch)
		return api_fail(r, 500, "InternalError", "Out of memory");
	e = model_op_terminate_instances(r->model, r->mctx, ids, n, ch, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_start(r, "instancesSet");
	for (size_t i = 0; i < n; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "instanceId", ch[i].instance_id);
		render_state(r, "currentState", ch[i].current);
		render_state(r, "previousState", ch[i].previous);
		api_xml_end(r);
	}
	api_xml_end(r);
	return 0;
}

static int attach_network_interface(struct api_req *r)
{
	struct model_err err = {0};
	char att[MODEL_ID_LEN];
	const char *eni, *inst;
	long dev, card = 0;
	int e;

	if ((e = api_get_str(r, &eni, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &inst, API_REQUIRED, "InstanceId")) < 0 ||
	    (e = api_get_long(r, &dev, 0, 1000, API_REQUIRED, "DeviceIndex")) < 0 ||
	    (e = api_get_long(r, &card, 0, 1000, API_OPTIONAL, "NetworkCardIndex")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_attach_network_interface(r->model, r->mctx, eni, inst, (int)dev, (int)card,
					      att, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_str(r, "attachmentId", att);
	api_xml_long(r, "networkCardIndex", card);
	return 0;
}

static int detach_network_interface(struct api_req *r)
{
	struct model_err err = {0};
	const char *att;
	bool force = false;
	int e;

	if ((e = api_get_str(r, &att, API_REQUIRED, "AttachmentId")) < 0 ||
	    (e = api_get_bool(r, &force, API_OPTIONAL, "Force")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_detach_network_interface(r->model, r->mctx, att, force, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}


/* ---- Elastic IPs ------------------------------------------------------------- */

static void render_eip(struct api_req *r, const struct model_eip *a)
{
	char buf[NET_IP4_STRLEN];

	api_xml_start(r, "item");
	api_xml_str(r, "publicIp", net_ip4_format(a->public_ip, buf));
	api_xml_str(r, "allocationId", a->allocation_id);
	api_xml_str(r, "domain", "vpc");
	if (a->association_id[0]) {
		api_xml_str(r, "associationId", a->association_id);
		if (a->instance_id[0])
			api_xml_str(r, "instanceId", a->instance_id);
		api_xml_str(r, "networkInterfaceId", a->eni_id);
		api_xml_str(r, "networkInterfaceOwnerId", a->eni_owner);
		api_xml_str(r, "privateIpAddress", net_ip4_format(a->private_ip, buf));
	}
	api_xml_str(r, "publicIpv4Pool", "amazon");
	api_xml_str(r, "networkBorderGroup", a->network_border_group);
	api_xml_tags(r, "tagSet", &a->tags);
	api_xml_end(r);
}

static int allocate_address(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_eip *a;
	const char *domain;
	char buf[NET_IP4_STRLEN];
	int e;

	if ((e = api_get_str(r, &domain, API_OPTIONAL, "Domain")) < 0)
		return e;
	if (e > 0 && strcmp(domain, "vpc") != 0 && strcmp(domain, "standard") != 0)
		return api_fail_invalid_value(r, "Invalid value '%s' for domain.", domain);
	if ((e = api_get_tag_specs(r, "elastic-ip", &tags)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_allocate_address(r->model, r->mctx, &a, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n > 0 && model_tags_copy(&a->tags, &tags) < 0) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	api_xml_str(r, "publicIp", net_ip4_format(a->public_ip, buf));
	api_xml_str(r, "allocationId", a->allocation_id);
	api_xml_str(r, "publicIpv4Pool", "amazon");
	api_xml_str(r, "networkBorderGroup", a->network_border_group);
	api_xml_str(r, "domain", "vpc");
out:
	model_tags_clear(&tags);
	return e;
}

static int associate_address(struct api_req *r)
{
	struct model_err err = {0};
	const char *alloc = NULL, *eni = NULL, *inst = NULL, *ip, *pub;
	char assoc[MODEL_ID_LEN];
	uint32_t pip = 0;
	bool re = false;
	int e;

	if ((e = api_get_str(r, &pub, API_OPTIONAL, "PublicIp")) < 0)
		return e;
	if (e > 0)
		return api_fail_invalid_value(r, "PublicIp is not supported in a VPC; use AllocationId");
	if ((e = api_get_str(r, &alloc, API_OPTIONAL, "AllocationId")) < 0 ||
	    (e = api_get_str(r, &eni, API_OPTIONAL, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &inst, API_OPTIONAL, "InstanceId")) < 0 ||
	    (e = api_get_bool(r, &re, API_OPTIONAL, "AllowReassociation")) < 0)
		return e;
	if (!alloc)
		return api_fail_missing(r, "AllocationId");
	if (!eni && !inst)
		return api_fail_missing(r, "InstanceId");
	if ((e = api_get_str(r, &ip, API_OPTIONAL, "PrivateIpAddress")) < 0)
		return e;
	if (e > 0 && (e = get_ip(r, &pip, ip)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_associate_address(r->model, r->mctx, alloc, eni, inst, pip, re, assoc, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	api_xml_str(r, "associationId", assoc);
	return 0;
}

static int disassociate_address(struct api_req *r)
{
	struct model_err err = {0};
	const char *assoc = NULL, *pub;
	int e;

	if ((e = api_get_str(r, &pub, API_OPTIONAL, "PublicIp")) < 0)
		return e;
	if (e > 0)
		return api_fail_invalid_value(r, "PublicIp is not supported in a VPC; use AssociationId");
	if ((e = api_get_str(r, &assoc, API_OPTIONAL, "AssociationId")) < 0)
		return e;
	if (!assoc)
		return api_fail_missing(r, "AssociationId");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_disassociate_address(r->model, r->mctx, assoc, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

static int release_address(struct api_req *r)
{
	struct model_err err = {0};
	const char *alloc = NULL, *pub;
	int e;

	if ((e = api_get_str(r, &pub, API_OPTIONAL, "PublicIp")) < 0)
		return e;
	if (e > 0)
		return api_fail_invalid_value(r, "PublicIp is not supported in a VPC; use AllocationId");
	if ((e = api_get_str(r, &alloc, API_OPTIONAL, "AllocationId")) < 0)
		return e;
	if (!alloc)
		return api_fail_missing(r, "AllocationId");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_release_address(r->model, r->mctx, alloc, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

#define EIP(o) ((const struct model_eip *)(o))
static void fa_alloc(const void *o, struct api_filter_match *m) { api_filter_emit(m, EIP(o)->allocation_id); }
static void fa_assoc(const void *o, struct api_filter_match *m)
{
	if (EIP(o)->association_id[0])
		api_filter_emit(m, EIP(o)->association_id);
}
static void fa_eni(const void *o, struct api_filter_match *m)
{
	if (EIP(o)->association_id[0])
		api_filter_emit(m, EIP(o)->eni_id);
}
static void fa_inst(const void *o, struct api_filter_match *m)
{
	if (EIP(o)->instance_id[0])
		api_filter_emit(m, EIP(o)->instance_id);
}
static void fa_pub(const void *o, struct api_filter_match *m)
{
	char buf[NET_IP4_STRLEN];
	api_filter_emit(m, net_ip4_format(EIP(o)->public_ip, buf));
}
static void fa_priv(const void *o, struct api_filter_match *m)
{
	char buf[NET_IP4_STRLEN];
	if (EIP(o)->association_id[0])
		api_filter_emit(m, net_ip4_format(EIP(o)->private_ip, buf));
}
static void fa_domain(const void *o, struct api_filter_match *m) { api_filter_emit(m, "vpc"); }
static const struct model_tags *eip_tags(const void *o) { return &EIP(o)->tags; }
static const struct api_filter_field eip_fields[] = {
    {"allocation-id", fa_alloc},	 {"association-id", fa_assoc},
    {"network-interface-id", fa_eni}, {"instance-id", fa_inst},
    {"public-ip", fa_pub},		 {"private-ip-address", fa_priv},
    {"domain", fa_domain},
};
static const struct api_filter_table eip_filters = {eip_fields, ARRAY_SIZE(eip_fields), eip_tags};

static int describe_addresses(struct api_req *r)
{
	struct api_filters f;
	const char **ids, **pubs;
	size_t n_ids, n_pubs;
	char buf[NET_IP4_STRLEN];
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "AllocationId")) < 0 ||
	    (e = api_get_str_list(r, &pubs, &n_pubs, "PublicIp")) < 0 ||
	    (e = api_filters_parse(r, &eip_filters, &f)) < 0)
		return e;
	for (size_t i = 0; i < n_ids; i++)
		if (!model_find_eip(r->model, ids[i]))
			return api_fail(r, 400, "InvalidAllocationID.NotFound",
					"The allocation ID '%s' does not exist", ids[i]);
	for (size_t i = 0; i < n_pubs; i++) {
		bool found = false;
		for (size_t j = 0; j < r->model->n_eips && !found; j++)
			found = strcmp(net_ip4_format(r->model->eips[j]->public_ip, buf), pubs[i]) == 0;
		if (!found)
			return api_fail(r, 400, "InvalidAddress.NotFound",
					"Address '%s' not found.", pubs[i]);
	}
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	api_xml_start(r, "addressesSet");
	for (size_t i = 0; i < r->model->n_eips; i++) {
		const struct model_eip *a = r->model->eips[i];
		bool want = n_ids == 0 && n_pubs == 0;
		for (size_t k = 0; k < n_ids && !want; k++)
			want = strcmp(ids[k], a->allocation_id) == 0;
		for (size_t k = 0; k < n_pubs && !want; k++)
			want = strcmp(pubs[k], net_ip4_format(a->public_ip, buf)) == 0;
		if (want && api_filters_match(&f, a))
			render_eip(r, a);
	}
	api_xml_end(r);
	return 0;
}

/* ---- NAT gateways ----------------------------------------------------------- */

static void render_nat(struct api_req *r, const struct model_nat_gateway *n, const char *wrap)
{
	char buf[NET_IP4_STRLEN];

	api_xml_start(r, wrap);
	api_xml_time(r, "createTime", n->create_time);
	if (n->delete_time)
		api_xml_time(r, "deleteTime", n->delete_time);
	api_xml_str(r, "failureCode", n->failure_code);
	api_xml_str(r, "failureMessage", n->failure_message);
	api_xml_start(r, "natGatewayAddressSet");
	api_xml_start(r, "item");
	if (n->allocation_id[0])
		api_xml_str(r, "allocationId", n->allocation_id);
	api_xml_str(r, "networkInterfaceId", n->eni_id[0] ? n->eni_id : NULL);
	if (n->private_ip)
		api_xml_str(r, "privateIp", net_ip4_format(n->private_ip, buf));
	if (n->public_ip)
		api_xml_str(r, "publicIp", net_ip4_format(n->public_ip, buf));
	api_xml_end(r);
	api_xml_end(r);
	api_xml_str(r, "natGatewayId", n->id);
	api_xml_str(r, "state", model_state_name(n->state));
	api_xml_str(r, "subnetId", n->subnet_id);
	api_xml_str(r, "vpcId", n->vpc_id);
	api_xml_tags(r, "tagSet", &n->tags);
	api_xml_str(r, "connectivityType", n->connectivity == MODEL_NAT_PRIVATE ? "private" : "public");
	api_xml_end(r);
}

static int create_nat_gateway(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_nat_gateway *nat;
	const char *subnet, *alloc = NULL, *ct, *ip, *token = NULL;
	enum model_nat_connectivity conn = MODEL_NAT_PUBLIC;
	uint32_t pip = 0;
	int e;

	if ((e = api_get_str(r, &subnet, API_REQUIRED, "SubnetId")) < 0 ||
	    (e = api_get_str(r, &alloc, API_OPTIONAL, "AllocationId")) < 0 ||
	    (e = api_get_str(r, &token, API_OPTIONAL, "ClientToken")) < 0 ||
	    (e = api_get_str(r, &ct, API_OPTIONAL, "ConnectivityType")) < 0)
		return e;
	if (e > 0) {
		if (strcmp(ct, "private") == 0)
			conn = MODEL_NAT_PRIVATE;
		else if (strcmp(ct, "public") != 0)
			return api_fail_invalid_value(r, "Invalid value '%s' for ConnectivityType", ct);
	}
	if ((e = api_get_str(r, &ip, API_OPTIONAL, "PrivateIpAddress")) < 0)
		return e;
	if (e > 0 && (e = get_ip(r, &pip, ip)) < 0)
		return e;
	if ((e = api_get_tag_specs(r, "natgateway", &tags)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_nat_gateway(r->model, r->mctx, subnet, conn, alloc, pip, &nat, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n > 0 && model_tags_copy(&nat->tags, &tags) < 0) {
		e = api_fail(r, 500, "InternalError", "Out of memory");
		goto out;
	}
	api_xml_str(r, "clientToken", token);
	render_nat(r, nat, "natGateway");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_nat_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NatGatewayId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_delete_nat_gateway(r->model, r->mctx, id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_str(r, "natGatewayId", id);
	return 0;
}

#define NAT(o) ((const struct model_nat_gateway *)(o))
static void fn_id(const void *o, struct api_filter_match *m) { api_filter_emit(m, NAT(o)->id); }
static void fn_subnet(const void *o, struct api_filter_match *m) { api_filter_emit(m, NAT(o)->subnet_id); }
static void fn_vpc(const void *o, struct api_filter_match *m) { api_filter_emit(m, NAT(o)->vpc_id); }
static void fn_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(NAT(o)->state));
}
static const struct model_tags *nat_tags(const void *o) { return &NAT(o)->tags; }
static const struct api_filter_field nat_fields[] = {
    {"nat-gateway-id", fn_id}, {"subnet-id", fn_subnet}, {"vpc-id", fn_vpc}, {"state", fn_state},
};
static const struct api_filter_table nat_filters = {nat_fields, ARRAY_SIZE(nat_fields), nat_tags};
static const char *nat_id(const void *o) { return NAT(o)->id; }

static int describe_nat_gateways(struct api_req *r)
{
	struct api_filters f;
	struct api_page pg;
	const char **ids;
	size_t n_ids, start, count, n = 0;
	bool more;
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "NatGatewayId")) < 0 ||
	    (e = api_filters_parse(r, &nat_filters, &f)) < 0 ||
	    (e = api_page_parse_default(r, &pg)) < 0)
		return e;
	for (size_t i = 0; i < n_ids; i++)
		if (!model_find_nat_gateway(r->model, ids[i]))
			return api_fail(r, 400, "NatGatewayNotFound",
					"NAT gateway %s was not found", ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	const void **sel = api_alloc(r, (r->model->n_nat_gateways + 1) * sizeof(*sel));
	if (!sel)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < r->model->n_nat_gateways; i++) {
		const struct model_nat_gateway *x = r->model->nat_gateways[i];
		bool want = n_ids == 0;
		for (size_t k = 0; k < n_ids && !want; k++)
			want = strcmp(ids[k], x->id) == 0;
		if (want && api_filters_match(&f, x))
			sel[n++] = x;
	}
	api_page_select(&pg, sel, n, nat_id, &start, &count, &more);
	api_xml_start(r, "natGatewaySet");
	for (size_t i = start; i < start + count; i++)
		render_nat(r, sel[i], "item");
	api_xml_end(r);
	if (more)
		api_xml_next_token(r, nat_id(sel[start + count - 1]));
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
		   API_MUTATING},
		  {"RunInstances", run_instances, API_MUTATING},
		  {"DescribeInstances", describe_instances, API_READ},
		  {"TerminateInstances", terminate_instances, API_MUTATING},
		  {"AttachNetworkInterface", attach_network_interface, API_MUTATING},
		  {"DetachNetworkInterface", detach_network_interface, API_MUTATING},
		  {"AllocateAddress", allocate_address, API_MUTATING},
		  {"AssociateAddress", associate_address, API_MUTATING},
		  {"DisassociateAddress", disassociate_address, API_MUTATING},
		  {"ReleaseAddress", release_address, API_MUTATING},
		  {"DescribeAddresses", describe_addresses, API_READ},
		  {"CreateNatGateway", create_nat_gateway, API_MUTATING},
		  {"DescribeNatGateways", describe_nat_gateways, API_READ},
		  {"DeleteNatGateway", delete_nat_gateway, API_MUTATING}, );
