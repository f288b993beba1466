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
#include "lib/model/dns.h"
#include "lib/model/ops-eni.h"
#include "lib/model/ops-instance.h"
#include "lib/model/ops-vpc.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

static void render_eni_attachment(struct api_req *r, const struct model_eni_attachment *a)
{
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

static void render_eni_groups(struct api_req *r, const struct model_eni *eni)
{
	api_xml_start(r, "groupSet");
	for (size_t i = 0; i < eni->n_sg_ids; i++) {
		const struct model_sg *sg = model_find_sg(r->model, eni->sg_ids[i]);

		api_xml_start(r, "item");
		api_xml_str(r, "groupId", eni->sg_ids[i]);
		api_xml_str(r, "groupName", sg ? sg->name : NULL);
		api_xml_end(r);
	}
	api_xml_end(r);
}

/* privateDnsName of a private IPv4 (lib/model/dns.h). */
static void render_private_dns(struct api_req *r, uint32_t ip)
{
	char name[MODEL_DNS_NAME_LEN];

	model_dns_private_name(r->model->region, ip, name);
	api_xml_str(r, "privateDnsName", name);
}

/* publicDnsName of an ENI's public IPv4, when its VPC gives public hostnames. */
static void render_public_dns(struct api_req *r, const struct model_eni *eni, uint32_t public_ip)
{
	char name[MODEL_DNS_NAME_LEN];

	if (!public_ip || !model_vpc_dns_hostnames(model_find_vpc(r->model, eni->vpc_id)))
		return;
	model_dns_public_name(r->model->region, public_ip, name);
	api_xml_str(r, "publicDnsName", name);
}

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
	if (eni->n_ips > 0) {
		api_xml_str(r, "privateIpAddress", net_ip4_format(eni->ips[0].ip, buf));
		render_private_dns(r, eni->ips[0].ip);
	}
	api_xml_bool(r, "sourceDestCheck", eni->source_dest_check);
	api_xml_str(r, "interfaceType", eni->interface_type);
	render_eni_groups(r, eni);
	if (eni->attachment.present)
		render_eni_attachment(r, &eni->attachment);
	for (size_t i = 0; i < eni->n_ips; i++) {
		if (eni->ips[i].public_ip) {
			api_xml_start(r, "association");
			api_xml_str(r, "publicIp", net_ip4_format(eni->ips[0].public_ip, buf));
			render_public_dns(r, eni, eni->ips[0].public_ip);
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
		render_private_dns(r, eni->ips[i].ip);
		api_xml_bool(r, "primary", eni->ips[i].primary);
		if (eni->ips[i].public_ip) {
			api_xml_start(r, "association");
			api_xml_str(r, "publicIp", net_ip4_format(eni->ips[i].public_ip, buf));
			render_public_dns(r, eni, eni->ips[i].public_ip);
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

/*
 * The Elastic IPs associated with ENI eni_id: how many, their allocation IDs
 * appended to ids when it is not NULL.
 */
static size_t eips_on_eni(const struct model *m, const char *eni_id, const char **ids)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_eips; i++)
		if (strcmp(m->eips[i]->eni_id, eni_id) == 0) {
			if (ids)
				ids[n] = m->eips[i]->allocation_id;
			n++;
		}
	return n;
}

/*
 * The save hint (api_set_touched) of an action confined to one ENI: the ENI,
 * its subnet when addresses were allocated from it, and the Elastic IPs
 * associated with it now (call before an action that may disassociate them).
 * Copies every ID (a deleted ENI's own goes with it).  Without memory there
 * is simply no hint: the save compares everything.
 */
static void touch_eni(struct api_req *r, const char *eni_id, const char *subnet_id)
{
	const char **ids = api_alloc(r, (2 + eips_on_eni(r->model, eni_id, NULL)) * sizeof(*ids));
	size_t n = 0;

	if (!ids)
		return;
	ids[n++] = eni_id;
	if (subnet_id)
		ids[n++] = subnet_id;
	n += eips_on_eni(r->model, eni_id, ids + n);
	api_touch_list(r, ids, n);
}

/*
 * Up to this many instances per request get a save hint (finding their ENIs
 * compares each ENI's instance with each of them); more: a full save.
 */
#define TOUCH_INSTANCES_MAX 32

/*
 * The save hint of an action on instances (Run/Terminate/Stop/StartInstances,
 * ModifyInstanceMetadataOptions): the instances, every ENI attached to one
 * of them, and the Elastic IPs associated with those ENIs or instances
 * (subnets do not change: their addresses in use are the ENIs').  Taken
 * after a launch (the objects it made) and before a state change (the ENIs
 * that a termination deletes or detaches, the Elastic IPs it disassociates,
 * the public IPs a stop releases and a start assigns all belong to these).
 * Copies every ID.  Without memory, or for more than TOUCH_INSTANCES_MAX
 * instances, there is no hint: the save compares everything.
 */
static void touch_instances(struct api_req *r, const char *const *inst_ids, size_t n)
{
	const struct model *m = r->model;
	const char **ids, **enis;
	size_t k = 0;

	if (n == 0 || n > TOUCH_INSTANCES_MAX)
		return;
	/* At most every ENI and Elastic IP (request memory: not worth a counting pass). */
	ids = api_alloc(r, (n + m->n_enis + m->n_eips) * sizeof(*ids));
	if (!ids)
		return;
	for (size_t i = 0; i < n; i++)
		ids[k++] = inst_ids[i];
	enis = ids + k;
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		if (!e->attachment.present ||
		    !api_id_listed(inst_ids, n, e->attachment.instance_id))
			continue;
		ids[k++] = e->id;
	}
	for (size_t i = 0; i < m->n_eips; i++) {
		const struct model_eip *eip = m->eips[i];

		if ((eip->eni_id[0] &&
		     api_id_listed(enis, (size_t)(ids + k - enis), eip->eni_id)) ||
		    (eip->instance_id[0] && api_id_listed(inst_ids, n, eip->instance_id)))
			ids[k++] = eip->allocation_id;
	}
	api_touch_list(r, ids, k);
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
	/* Only the new ENI (and its subnet's allocations) changed. */
	touch_eni(r, eni->id, eni->subnet_id);
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
	touch_eni(r, id, NULL); /* the ENI and the Elastic IPs it releases */
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

static void render_eni_item(struct api_req *r, const void *o)
{
	render_eni(r, o, "item");
}

static const void *find_eni(const struct model *m, const char *id)
{
	return model_find_eni(m, id);
}

static int describe_network_interfaces(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "NetworkInterfaceId",
	    .not_found_code = "InvalidNetworkInterfaceID.NotFound",
	    .not_found_fmt = "The networkInterface ID '%s' does not exist",
	    .filters = &eni_filters,
	    .paginated = true,
	    .ids_exclude_max_results = true,
	    .objs = (const void *const *)r->model->enis,
	    .n_objs = r->model->n_enis,
	    .id_of = eni_id,
	    .find = find_eni,
	    .set_name = "networkInterfaceSet",
	    .render = render_eni_item,
	};

	return api_describe_run(r, &d);
}

/* ---- DescribeNetworkInterfaceAttribute / ResetNetworkInterfaceAttribute ------------ */

/*
 * One attribute per call, as on AWS: description, groupSet, sourceDestCheck
 * or attachment (absent when the ENI is not attached).
 */
static int describe_network_interface_attribute(struct api_req *r)
{
	static const char *const attrs[] = {"description", "groupSet", "sourceDestCheck",
					    "attachment"};
	const struct model_eni *eni;
	const char *id, *attr;
	size_t which = ARRAY_SIZE(attrs);
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &attr, API_OPTIONAL, "Attribute")) < 0)
		return e;
	if (e == 0)
		return api_fail_missing(r, "Attribute");
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (strcmp(attr, attrs[i]) == 0)
			which = i;
	if (which == ARRAY_SIZE(attrs))
		return api_fail_invalid_value(
		    r, "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr);
	if (!(eni = model_find_eni(r->model, id)))
		return api_fail(r, 400, "InvalidNetworkInterfaceID.NotFound",
				"The networkInterface ID '%s' does not exist", id);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	api_xml_str(r, "networkInterfaceId", eni->id);
	switch (which) {
	case 0:
		api_xml_start(r, "description");
		api_xml_str(r, "value", eni->description ? eni->description : "");
		api_xml_end(r);
		break;
	case 1:
		render_eni_groups(r, eni);
		break;
	case 2:
		api_xml_start(r, "sourceDestCheck");
		api_xml_bool(r, "value", eni->source_dest_check);
		api_xml_end(r);
		break;
	default:
		if (eni->attachment.present)
			render_eni_attachment(r, &eni->attachment);
		break;
	}
	return 0;
}

/* SourceDestCheck names the attribute to reset (any value); it goes back to true. */
static int reset_network_interface_attribute(struct api_req *r)
{
	struct model_err err = {0};
	const char *id, *sdc;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &sdc, API_OPTIONAL, "SourceDestCheck")) < 0)
		return e;
	if (e == 0)
		return api_fail_missing(r, "SourceDestCheck");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_reset_network_interface_attribute(r->model, r->mctx, id, "sourceDestCheck",
						       &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	touch_eni(r, id, NULL); /* the attribute is the ENI's */
	api_xml_return_true(r);
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
	/* AllowReassignment may take addresses from other ENIs: then no hint. */
	if (eni && !realloc_ok)
		touch_eni(r, eni->id, eni->subnet_id);
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
	touch_eni(r, id, NULL); /* the ENI and the Elastic IPs it may disassociate */
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
	touch_eni(r, id, NULL);
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

static const char *enabled(bool b)
{
	return b ? "enabled" : "disabled";
}

/*
 * InstanceMetadataOptionsResponse.  A change is applied at once, so the
 * state is always "applied" (AWS answers "pending" until it has propagated).
 */
static void render_metadata_options(struct api_req *r, const char *name,
				    const struct model_instance *in)
{
	api_xml_start(r, name);
	api_xml_str(r, "state", "applied");
	api_xml_str(r, "httpTokens", in->metadata_tokens_required ? "required" : "optional");
	api_xml_long(r, "httpPutResponseHopLimit", in->metadata_hop_limit);
	api_xml_str(r, "httpEndpoint", enabled(in->metadata_endpoint_enabled));
	api_xml_str(r, "httpProtocolIpv6", enabled(in->metadata_protocol_ipv6));
	api_xml_str(r, "instanceMetadataTags", enabled(in->metadata_tags_enabled));
	api_xml_end(r);
}

/* The association of an instance's ENI address with its public IPv4, if any. */
static void render_instance_nic_association(struct api_req *r, const struct model_eni *e,
					    const struct model_eni_ip *ip)
{
	char buf[NET_IP4_STRLEN];

	if (!ip->public_ip)
		return;
	api_xml_start(r, "association");
	api_xml_str(r, "publicIp", net_ip4_format(ip->public_ip, buf));
	render_public_dns(r, e, ip->public_ip);
	api_xml_str(r, "ipOwnerId", ip->allocation_id[0] ? e->owner_id : "amazon");
	api_xml_end(r);
}

static void render_instance(struct api_req *r, const struct model_instance *in)
{
	const struct model_eni *primary = model_instance_primary_eni(r->model, in->id);
	char buf[NET_IP4_STRLEN];

	api_xml_start(r, "item");
	api_xml_str(r, "instanceId", in->id);
	api_xml_str(r, "imageId", in->image_id);
	render_state(r, "instanceState", in->state);
	if (in->state == MODEL_INSTANCE_STOPPED || in->state == MODEL_INSTANCE_TERMINATED) {
		/* Stops and terminations come only from the API: the user asked for them. */
		api_xml_start(r, "stateReason");
		api_xml_str(r, "code", "Client.UserInitiatedShutdown");
		api_xml_str(r, "message", "Client.UserInitiatedShutdown: User initiated shutdown");
		api_xml_end(r);
	}
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
			char name[MODEL_DNS_NAME_LEN] = "";

			render_private_dns(r, primary->ips[0].ip);
			if (primary->ips[0].public_ip &&
			    model_vpc_dns_hostnames(model_find_vpc(r->model, primary->vpc_id)))
				model_dns_public_name(r->model->region, primary->ips[0].public_ip,
						      name);
			api_xml_str(r, "dnsName", name);
			api_xml_str(r, "privateIpAddress", net_ip4_format(primary->ips[0].ip, buf));
			if (primary->ips[0].public_ip)
				api_xml_str(r, "ipAddress",
					    net_ip4_format(primary->ips[0].public_ip, buf));
		}
	} else {
		/* A terminated instance keeps neither its addresses nor their names. */
		api_xml_str(r, "privateDnsName", "");
		api_xml_str(r, "dnsName", "");
	}
	if (primary && in->state != MODEL_INSTANCE_TERMINATED) {
		render_eni_groups(r, primary);
		api_xml_bool(r, "sourceDestCheck", primary->source_dest_check);
	}
	api_xml_tags(r, "tagSet", &in->tags);
	render_metadata_options(r, "metadataOptions", in);
	api_xml_start(r, "networkInterfaceSet");
	for (size_t i = 0; i < r->model->n_enis; i++) {
		const struct model_eni *e = r->model->enis[i];
		if (!e->attachment.present || strcmp(e->attachment.instance_id, in->id) != 0)
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "networkInterfaceId", e->id);
		api_xml_str(r, "subnetId", e->subnet_id);
		api_xml_str(r, "vpcId", e->vpc_id);
		api_xml_str(r, "description", e->description ? e->description : "");
		api_xml_str(r, "ownerId", e->owner_id);
		api_xml_str(r, "status", model_eni_status_name(e->status));
		api_xml_str(r, "macAddress", e->mac);
		api_xml_str(r, "interfaceType", e->interface_type);
		api_xml_bool(r, "sourceDestCheck", e->source_dest_check);
		if (e->n_ips > 0) {
			api_xml_str(r, "privateIpAddress", net_ip4_format(e->ips[0].ip, buf));
			render_private_dns(r, e->ips[0].ip);
			render_instance_nic_association(r, e, &e->ips[0]);
		}
		render_eni_groups(r, e);
		api_xml_start(r, "attachment");
		api_xml_str(r, "attachmentId", e->attachment.id);
		api_xml_long(r, "deviceIndex", e->attachment.device_index);
		api_xml_long(r, "networkCardIndex", e->attachment.network_card_index);
		api_xml_str(r, "status", e->attachment.status);
		api_xml_time(r, "attachTime", e->attachment.attach_time);
		api_xml_bool(r, "deleteOnTermination", e->attachment.delete_on_termination);
		api_xml_end(r);
		api_xml_start(r, "privateIpAddressesSet");
		for (size_t k = 0; k < e->n_ips; k++) {
			api_xml_start(r, "item");
			api_xml_str(r, "privateIpAddress", net_ip4_format(e->ips[k].ip, buf));
			render_private_dns(r, e->ips[k].ip);
			api_xml_bool(r, "primary", e->ips[k].primary);
			render_instance_nic_association(r, e, &e->ips[k]);
			api_xml_end(r);
		}
		api_xml_end(r);
		api_xml_start(r, "ipv4PrefixSet");
		for (size_t k = 0; k < e->n_prefixes; k++) {
			char pfx[NET_CIDR4_STRLEN];

			api_xml_start(r, "item");
			api_xml_str(r, "ipv4Prefix", net_cidr4_format(e->prefixes[k], pfx));
			api_xml_end(r);
		}
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

/*
 * <prefix>HttpTokens, HttpPutResponseHopLimit, HttpEndpoint, HttpProtocolIpv6,
 * InstanceMetadataTags (RunInstances: "MetadataOptions.", Modify: "").  The
 * values are checked by the model op.
 */
static int get_metadata_options(struct api_req *r, const char *prefix,
				struct model_metadata_options *ret)
{
	struct model_metadata_options o = {0};
	long hop = 0;
	int e;

	if ((e = api_get_str(r, &o.http_tokens, API_OPTIONAL, "%sHttpTokens", prefix)) < 0 ||
	    (e = api_get_long(r, &hop, 1, 64, API_OPTIONAL, "%sHttpPutResponseHopLimit", prefix)) <
		0 ||
	    (e = api_get_str(r, &o.http_endpoint, API_OPTIONAL, "%sHttpEndpoint", prefix)) < 0 ||
	    (e = api_get_str(r, &o.http_protocol_ipv6, API_OPTIONAL, "%sHttpProtocolIpv6",
			     prefix)) < 0 ||
	    (e = api_get_str(r, &o.instance_metadata_tags, API_OPTIONAL, "%sInstanceMetadataTags",
			     prefix)) < 0)
		return e;
	o.hop_limit = (int)hop;
	*ret = o;
	return 0;
}

static int run_instances(struct api_req *r)
{
	struct model_run_instances o = {0};
	struct model_instance_nic_spec *nics = NULL;
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_instance **out;
	const char *ip, **sgs, **made;
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
	    (e = get_nic_specs(r, &nics, &o.n_nics)) < 0 ||
	    (e = get_metadata_options(r, "MetadataOptions.", &o.metadata)) < 0)
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
	if ((e = model_metadata_options_check(&o.metadata, &err)) < 0)
		return api_fail_model(r, e, &err);
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
	made = api_alloc(r, n_out * sizeof(*made));
	if (made) {
		for (size_t i = 0; i < n_out; i++)
			made[i] = out[i]->id;
		touch_instances(r, made, n_out); /* what the launch made */
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
static void fi_az(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->az); }
static void fi_image(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->image_id); }
static void fi_rsv(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->reservation_id); }
static void fi_owner(const void *o, struct api_filter_match *m) { api_filter_emit(m, INST(o)->owner_id); }
static void fi_key(const void *o, struct api_filter_match *m)
{
	if (INST(o)->key_name)
		api_filter_emit(m, INST(o)->key_name);
}
static void fi_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_instance_state_name(INST(o)->state));
}
static void fi_state_code(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", model_instance_state_code(INST(o)->state));
}
static void fi_tokens(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, INST(o)->metadata_tokens_required ? "required" : "optional");
}
static void fi_hops(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%d", INST(o)->metadata_hop_limit);
}
static void fi_endpoint(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, enabled(INST(o)->metadata_endpoint_enabled));
}
static void fi_md_ipv6(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, enabled(INST(o)->metadata_protocol_ipv6));
}
static void fi_md_tags(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, enabled(INST(o)->metadata_tags_enabled));
}
static const struct model_tags *inst_tags(const void *o) { return &INST(o)->tags; }
static const struct api_filter_field inst_fields[] = {
    {"availability-zone", fi_az},
    {"image-id", fi_image},
    {"instance-id", fi_id},
    {"instance-state-code", fi_state_code},
    {"instance-state-name", fi_state},
    {"instance-type", fi_type},
    {"key-name", fi_key},
    {"metadata-options.http-endpoint", fi_endpoint},
    {"metadata-options.http-protocol-ipv6", fi_md_ipv6},
    {"metadata-options.http-put-response-hop-limit", fi_hops},
    {"metadata-options.http-tokens", fi_tokens},
    {"metadata-options.instance-metadata-tags", fi_md_tags},
    {"owner-id", fi_owner},
    {"placement.availability-zone", fi_az},
    {"reservation-id", fi_rsv},
    {"subnet-id", fi_subnet},
    {"vpc-id", fi_vpc},
};
static const struct api_filter_table inst_filters = {inst_fields, ARRAY_SIZE(inst_fields),
						     inst_tags};
static const char *inst_id(const void *o) { return INST(o)->id; }
static const void *find_inst(const struct model *m, const char *id)
{
	return model_find_instance(m, id);
}

/*
 * The page's instances (in ID order) grouped into one reservationSet item per
 * reservation, in order of each reservation's first instance.
 */
static void render_reservations(struct api_req *r, const void *const *objs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *rsv = INST(objs[i])->reservation_id;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(INST(objs[k])->reservation_id, rsv) == 0;
		if (seen)
			continue;
		api_xml_start(r, "item");
		api_xml_str(r, "reservationId", rsv);
		api_xml_str(r, "ownerId", INST(objs[i])->owner_id);
		api_xml_start(r, "groupSet");
		api_xml_end(r);
		api_xml_start(r, "instancesSet");
		for (size_t j = i; j < n; j++)
			if (strcmp(INST(objs[j])->reservation_id, rsv) == 0)
				render_instance(r, objs[j]);
		api_xml_end(r);
		api_xml_end(r);
	}
}

/* Pages count instances (MaxResults 5..1000, not with InstanceId.N, as on AWS). */
static int describe_instances(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "InstanceId",
	    .not_found_code = "InvalidInstanceID.NotFound",
	    .not_found_fmt = "The instance ID '%s' does not exist",
	    .filters = &inst_filters,
	    .paginated = true,
	    .ids_exclude_max_results = true,
	    .objs = (const void *const *)r->model->instances,
	    .n_objs = r->model->n_instances,
	    .id_of = inst_id,
	    .find = find_inst,
	    .set_name = "reservationSet",
	    .render_page = render_reservations,
	};

	return api_describe_run(r, &d);
}

static void render_state_changes(struct api_req *r, const struct model_instance_state_change *ch,
				 size_t n, bool transitional)
{
	api_xml_start(r, "instancesSet");
	for (size_t i = 0; i < n; i++) {
		enum model_instance_state cur = ch[i].current;

		/*
		 * The model completes a stop or start at once; the answer shows
		 * the state AWS answers with while it is under way (stopping,
		 * pending), and DescribeInstances the state reached.
		 */
		if (transitional && ch[i].previous != cur)
			cur = cur == MODEL_INSTANCE_STOPPED ? MODEL_INSTANCE_STOPPING
							     : MODEL_INSTANCE_PENDING;
		api_xml_start(r, "item");
		api_xml_str(r, "instanceId", ch[i].instance_id);
		render_state(r, "currentState", cur);
		render_state(r, "previousState", ch[i].previous);
		api_xml_end(r);
	}
	api_xml_end(r);
}

typedef int (*state_op_fn)(struct model *m, struct model_ctx *ctx, const char *const *ids,
			   size_t n, struct model_instance_state_change *ret_changes,
			   struct model_err *err);

/* Terminate/Stop/StartInstances: InstanceId.N through op, then the state changes. */
static int change_states(struct api_req *r, state_op_fn op, bool transitional)
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
	for (size_t i = 0; i < n; i++)
		if (!model_find_instance(r->model, ids[i]))
			return api_fail(r, 400, "InvalidInstanceID.NotFound",
					"The instance ID '%s' does not exist", ids[i]);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	ch = api_alloc(r, n * sizeof(*ch));
	if (!ch)
		return api_fail(r, 500, "InternalError", "Out of memory");
	touch_instances(r, ids, n); /* before: what the change may delete or detach */
	e = op(r->model, r->mctx, ids, n, ch, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	render_state_changes(r, ch, n, transitional);
	return 0;
}

/* Force and Hibernate are accepted; a stop is a stop (hibernation is not modelled). */
static int stop_instances(struct api_req *r)
{
	bool b;
	int e;

	if ((e = api_get_bool(r, &b, API_OPTIONAL, "Force")) < 0 ||
	    (e = api_get_bool(r, &b, API_OPTIONAL, "Hibernate")) < 0)
		return e;
	return change_states(r, model_op_stop_instances, true);
}

static int start_instances(struct api_req *r)
{
	return change_states(r, model_op_start_instances, true);
}

static int modify_instance_metadata_options(struct api_req *r)
{
	struct model_metadata_options o;
	struct model_err err = {0};
	const struct model_instance *in;
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "InstanceId")) < 0 ||
	    (e = get_metadata_options(r, "", &o)) < 0)
		return e;
	if (!(in = model_find_instance(r->model, id)))
		return api_fail(r, 400, "InvalidInstanceID.NotFound",
				"The instance ID '%s' does not exist", id);
	if ((e = model_metadata_options_check(&o, &err)) < 0)
		return api_fail_model(r, e, &err);
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	touch_instances(r, &id, 1);
	e = model_op_modify_instance_metadata_options(r->model, r->mctx, id, &o, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_str(r, "instanceId", in->id);
	render_metadata_options(r, "instanceMetadataOptions", in);
	return 0;
}

/* The answer shows "terminated" at once (the model completes the termination). */
static int terminate_instances(struct api_req *r)
{
	return change_states(r, model_op_terminate_instances, false);
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
	touch_eni(r, eni, NULL); /* the ENI and its Elastic IPs (their instance) */
	api_xml_str(r, "attachmentId", att);
	api_xml_long(r, "networkCardIndex", card);
	return 0;
}

static int detach_network_interface(struct api_req *r)
{
	const struct model_eni *o;
	struct model_err err = {0};
	const char *att;
	bool force = false;
	int e;

	if ((e = api_get_str(r, &att, API_REQUIRED, "AttachmentId")) < 0 ||
	    (e = api_get_bool(r, &force, API_OPTIONAL, "Force")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((o = model_find_eni_by_attachment(r->model, att)))
		touch_eni(r, o->id, NULL); /* the ENI and its Elastic IPs */
	e = model_op_detach_network_interface(r->model, r->mctx, att, force, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}


/* ---- Elastic IPs ------------------------------------------------------------- */

static void render_eip(struct api_req *r, const void *o)
{
	const struct model_eip *a = o;
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

/*
 * The save hint of an address action (taken before it): the Elastic IP, the
 * ENI it is on now, and, when it is to be associated with eni (or the
 * instance's primary ENI), that ENI, its instance, and every Elastic IP on it
 * (one of them may be replaced).  A superset: objects that did not change cost
 * a digest each.  An ID not found leaves the hint to the op's own error.
 */
static void touch_address(struct api_req *r, const char *alloc, const char *eni_id,
			  const char *instance_id)
{
	const struct model *m = r->model;
	const struct model_eip *e = alloc ? model_find_eip(m, alloc) : NULL;
	const struct model_eni *to = NULL;
	size_t n = 0;
	const char **ids;

	if (!e)
		return;
	if (instance_id && *instance_id)
		to = model_instance_primary_eni(m, instance_id);
	else if (eni_id && *eni_id)
		to = model_find_eni(m, eni_id);
	ids = api_alloc(r, (4 + (to ? eips_on_eni(m, to->id, NULL) : 0)) * sizeof(*ids));
	if (!ids)
		return;
	ids[n++] = e->allocation_id;
	if (e->eni_id[0])
		ids[n++] = e->eni_id;
	if (to) {
		ids[n++] = to->id;
		if (to->attachment.present)
			ids[n++] = to->attachment.instance_id;
		n += eips_on_eni(m, to->id, ids + n);
	}
	api_touch_list(r, ids, n);
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
	touch_address(r, a->allocation_id, NULL, NULL);
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
	touch_address(r, alloc, eni, inst);
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
	const struct model_eip *eip;
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
	if ((eip = model_eip_of_assoc(r->model, assoc)))
		touch_address(r, eip->allocation_id, NULL, NULL);
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
	touch_address(r, alloc, NULL, NULL);
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

static const char *eip_id(const void *o) { return EIP(o)->allocation_id; }

static bool str_listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* With PublicIp.N: the addresses listed by AllocationId.N or by PublicIp.N. */
static bool eip_listed(struct api_req *r, const void *o)
{
	const char **ids = NULL, **pubs = NULL;
	size_t n_ids = 0, n_pubs = 0;
	char buf[NET_IP4_STRLEN];

	/* Parsed without error before the skeleton ran, so these cannot fail now. */
	if (api_get_str_list(r, &ids, &n_ids, "AllocationId") < 0 ||
	    api_get_str_list(r, &pubs, &n_pubs, "PublicIp") < 0)
		return false;
	return str_listed(ids, n_ids, EIP(o)->allocation_id) ||
	       str_listed(pubs, n_pubs, net_ip4_format(EIP(o)->public_ip, buf));
}

/*
 * DescribeAddresses has no pagination on AWS (the model declares no
 * MaxResults/NextToken).  AllocationId.N and PublicIp.N select together (a
 * union); each listed one must exist.
 */
static int describe_addresses(struct api_req *r)
{
	struct api_describe d = {
	    .id_param = "AllocationId",
	    .not_found_code = "InvalidAllocationID.NotFound",
	    .not_found_fmt = "The allocation ID '%s' does not exist",
	    .filters = &eip_filters,
	    .objs = (const void *const *)r->model->eips,
	    .n_objs = r->model->n_eips,
	    .id_of = eip_id,
	    .set_name = "addressesSet",
	    .render = render_eip,
	};
	const char **ids, **pubs;
	size_t n_ids, n_pubs;
	struct api_filters f;
	char buf[NET_IP4_STRLEN];
	int e;

	if ((e = api_get_str_list(r, &pubs, &n_pubs, "PublicIp")) < 0)
		return e;
	if (n_pubs == 0)
		return api_describe_run(r, &d);
	/* Same checks, in the same order, as the skeleton's; then it selects by eip_listed. */
	if ((e = api_get_str_list(r, &ids, &n_ids, "AllocationId")) < 0 ||
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
			return api_fail(r, 400, "InvalidAddress.NotFound", "Address '%s' not found.",
					pubs[i]);
	}
	d.id_param = NULL;
	d.visible = eip_listed;
	return api_describe_run(r, &d);
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

/*
 * The save hint of Create/DeleteNatGateway (taken after the create, before
 * the delete): the gateway, its network interface and its Elastic IP (each
 * names the other while associated).
 */
static void touch_nat_gateway(struct api_req *r, const struct model_nat_gateway *nat)
{
	const char **ids = api_alloc(r, 3 * sizeof(*ids)); /* kept by the request */
	size_t n = 0;

	if (!ids)
		return;
	ids[n++] = nat->id;
	if (nat->eni_id[0])
		ids[n++] = nat->eni_id;
	if (nat->allocation_id[0])
		ids[n++] = nat->allocation_id;
	api_touch_list(r, ids, n);
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
	touch_nat_gateway(r, nat);
	api_xml_str(r, "clientToken", token);
	render_nat(r, nat, "natGateway");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_nat_gateway(struct api_req *r)
{
	const struct model_nat_gateway *nat;
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "NatGatewayId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	nat = model_find_nat_gateway(r->model, id);
	if (nat && nat->state == MODEL_STATE_DELETED)
		api_touch(r, id, NULL); /* a second delete changes nothing */
	else if (nat)
		touch_nat_gateway(r, nat); /* (a failed op saves nothing) */
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

static void render_nat_item(struct api_req *r, const void *o)
{
	render_nat(r, o, "item");
}

static int describe_nat_gateways(struct api_req *r)
{
	const struct api_describe d = {
	    .id_param = "NatGatewayId",
	    .not_found_code = "NatGatewayNotFound",
	    .not_found_fmt = "NAT gateway %s was not found",
	    .filters = &nat_filters,
	    .paginated = true,
	    .objs = (const void *const *)r->model->nat_gateways,
	    .n_objs = r->model->n_nat_gateways,
	    .id_of = nat_id,
	    .set_name = "natGatewaySet",
	    .render = render_nat_item,
	};

	return api_describe_run(r, &d);
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
		  {"DescribeNetworkInterfaceAttribute", describe_network_interface_attribute,
		   API_READ},
		  {"ResetNetworkInterfaceAttribute", reset_network_interface_attribute,
		   API_MUTATING},
		  {"RunInstances", run_instances, API_MUTATING},
		  {"DescribeInstances", describe_instances, API_READ},
		  {"TerminateInstances", terminate_instances, API_MUTATING},
		  {"StopInstances", stop_instances, API_MUTATING},
		  {"StartInstances", start_instances, API_MUTATING},
		  {"ModifyInstanceMetadataOptions", modify_instance_metadata_options,
		   API_MUTATING},
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
