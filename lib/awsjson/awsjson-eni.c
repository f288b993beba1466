/*
 * awsjson-eni: NetworkInterfaces (describe-network-interfaces), instances
 * (describe-instances: Reservations[].Instances[]) and Elastic IPs
 * (describe-addresses).
 *
 * ENIs come from two places.  describe-network-interfaces is authoritative:
 * its ENI replaces one with the same ID implied earlier by an instance's
 * NetworkInterfaces or by a NAT gateway.  An instance's NetworkInterfaces
 * create ENIs only when the ENI is not known yet (so the order of the files
 * does not matter), attached to the instance.
 *
 * Addresses: the primary private IP is always ips[0].  A public IP shown in
 * an address's Association (auto-assigned or Elastic) is kept on that
 * address.  Elastic IPs are also stored as model_eip and applied to the ENI
 * address they name by aj_link() after every document.
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

static int import_private_ip(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_eni *eni = userdata;
	struct model_eni_ip ip;
	json_t *assoc;
	int r;

	memset(&ip, 0, sizeof(ip));
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_ip4(c, o, "PrivateIpAddress", &ip.ip)) < 0 ||
	    (r = aj_opt_bool(c, o, "Primary", &ip.primary)) < 0)
		return r;
	if ((assoc = aj_get(o, "Association"))) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "Association");
		if ((r = aj_expect_object(c, assoc)) == 0 &&
		    (r = aj_opt_ip4(c, assoc, "PublicIp", &ip.public_ip)) == 0 &&
		    (r = aj_opt_id(c, assoc, "AllocationId", "eipalloc-", ip.allocation_id)) == 0)
			r = aj_opt_id(c, assoc, "AssociationId", "eipassoc-", ip.association_id);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < eni->n_ips; i++)
		if (eni->ips[i].ip == ip.ip)
			return aj_fail(c, "PrivateIpAddress", -EINVAL, "duplicate address");
	if (eni->n_ips >= AJ_MAX_IPS_PER_ENI)
		return aj_fail(c, NULL, -E2BIG, "more than %d addresses on %s", AJ_MAX_IPS_PER_ENI,
			       eni->id);
	if ((r = model_eni_add_ip(eni, &ip)) < 0)
		return r;
	/* Keep the primary address first. */
	if (ip.primary && eni->n_ips > 1) {
		struct model_eni_ip tmp = eni->ips[eni->n_ips - 1];

		memmove(&eni->ips[1], &eni->ips[0], (eni->n_ips - 1) * sizeof(eni->ips[0]));
		eni->ips[0] = tmp;
	}
	return 0;
}

static int import_prefix(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_eni *eni = userdata;
	struct net_cidr4 p;
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_cidr4(c, o, "Ipv4Prefix", &p)) < 0)
		return r;
	return model_eni_add_prefix(eni, p);
}

static int import_group_ref(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_eni *eni = userdata;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "GroupId", "sg-", id)) < 0)
		return r;
	return model_eni_add_sg(eni, id);
}

static int eni_status(struct aj_ctx *c, const json_t *o, struct model_eni *eni)
{
	static const char *const names[] = {"available", "attaching", "in-use", "detaching",
					    "associated"};
	const char *s = NULL;
	int r = aj_opt_string(c, o, "Status", &s);

	if (r < 0 || !s)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			eni->status = (enum model_eni_status)i;
			return 0;
		}
	}
	return aj_fail(c, "Status", -EINVAL, "\"%.60s\" is not an interface status", s);
}

static int eni_attachment(struct aj_ctx *c, const json_t *o, struct model_eni *eni,
			  const char *instance_id)
{
	struct model_eni_attachment *a = &eni->attachment;
	json_t *at = aj_get(o, "Attachment");
	size_t mark = aj_mark(c);
	long v;
	int r;

	if (!at)
		return 0;
	aj_push_key(c, "Attachment");
	if ((r = aj_expect_object(c, at)) < 0)
		goto out;
	a->present = true;
	a->device_index = 0;
	if ((r = aj_opt_strbuf(c, at, "AttachmentId", a->id, sizeof(a->id))) < 0 ||
	    (r = aj_opt_id(c, at, "InstanceId", "i-", a->instance_id)) < 0 ||
	    (r = aj_opt_strbuf(c, at, "InstanceOwnerId", a->instance_owner,
			       sizeof(a->instance_owner))) < 0 ||
	    (r = aj_opt_bool(c, at, "DeleteOnTermination", &a->delete_on_termination)) < 0 ||
	    (r = aj_opt_strbuf(c, at, "Status", a->status, sizeof(a->status))) < 0)
		goto out;
	v = 0;
	if ((r = aj_opt_int(c, at, "DeviceIndex", 0, 1023, &v)) < 0)
		goto out;
	a->device_index = (int)v;
	v = 0;
	if ((r = aj_opt_int(c, at, "NetworkCardIndex", 0, 1023, &v)) < 0)
		goto out;
	a->network_card_index = (int)v;
	if (instance_id && !a->instance_id[0])
		util_strscpy(a->instance_id, instance_id, sizeof(a->instance_id));
	/* An ENI attached to a NAT gateway or a service has no instance. */
	if (!a->instance_id[0] && !a->id[0])
		a->present = false;
out:
	aj_restore(c, mark);
	return r;
}

/*
 * Fill eni from o.  instance_id and az are those of the enclosing instance
 * (NULL for describe-network-interfaces).
 */
static int fill_eni(struct aj_ctx *c, const json_t *o, struct model_eni *eni,
		    const struct model_instance *in)
{
	const char *desc = NULL;
	uint32_t primary = 0;
	json_t *assoc;
	int r;

	eni->source_dest_check = true;
	eni->status = MODEL_ENI_IN_USE;
	util_strscpy(eni->interface_type, "interface", sizeof(eni->interface_type));
	if (in) {
		util_strscpy(eni->subnet_id, in->subnet_id, sizeof(eni->subnet_id));
		util_strscpy(eni->vpc_id, in->vpc_id, sizeof(eni->vpc_id));
		util_strscpy(eni->az, in->az, sizeof(eni->az));
		util_strscpy(eni->owner_id, in->owner_id, sizeof(eni->owner_id));
	}
	if ((r = aj_opt_id(c, o, "SubnetId", "subnet-", eni->subnet_id)) < 0 ||
	    (r = aj_opt_id(c, o, "VpcId", "vpc-", eni->vpc_id)) < 0 ||
	    (r = aj_az(c, o, "AvailabilityZone", eni->az)) < 0 ||
	    (r = aj_owner(c, o, "OwnerId", eni->owner_id)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "MacAddress", eni->mac, sizeof(eni->mac))) < 0 ||
	    (r = aj_opt_string(c, o, "Description", &desc)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "InterfaceType", eni->interface_type,
			       sizeof(eni->interface_type))) < 0 ||
	    (r = aj_opt_bool(c, o, "RequesterManaged", &eni->requester_managed)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "RequesterId", eni->requester_id, sizeof(eni->requester_id))) <
		0 ||
	    (r = aj_opt_bool(c, o, "SourceDestCheck", &eni->source_dest_check)) < 0 ||
	    (r = eni_status(c, o, eni)) < 0 ||
	    (r = aj_opt_ip4(c, o, "PrivateIpAddress", &primary)) < 0 ||
	    (r = aj_each(c, o, "PrivateIpAddresses", AJ_MAX_IPS_PER_ENI, import_private_ip, eni)) <
		0 ||
	    (r = aj_each(c, o, "Ipv4Prefixes", AJ_MAX_PREFIXES_PER_ENI, import_prefix, eni)) < 0 ||
	    (r = aj_each(c, o, "Groups", AJ_MAX_SGS_PER_ENI, import_group_ref, eni)) < 0 ||
	    (r = eni_attachment(c, o, eni, in ? in->id : NULL)) < 0 ||
	    (r = aj_tags(c, o, &eni->tags)) < 0)
		return r;
	if (!eni->subnet_id[0])
		return aj_fail(c, "SubnetId", -EINVAL, "missing");
	if (desc && !(eni->description = strdup(desc)))
		return -ENOMEM;
	if (eni->n_ips == 0 && primary) {
		struct model_eni_ip ip = {.ip = primary, .primary = true};

		if ((r = model_eni_add_ip(eni, &ip)) < 0)
			return r;
	}
	/*
	 * The interface-level Association is the primary address's public IP;
	 * some outputs (moto) print it only there, not in PrivateIpAddresses.
	 */
	if (eni->n_ips > 0 && !eni->ips[0].public_ip && (assoc = aj_get(o, "Association"))) {
		size_t mark = aj_mark(c);
		struct model_eni_ip *p = &eni->ips[0];

		aj_push_key(c, "Association");
		if ((r = aj_expect_object(c, assoc)) == 0 &&
		    (r = aj_opt_ip4(c, assoc, "PublicIp", &p->public_ip)) == 0 &&
		    (r = aj_opt_id(c, assoc, "AllocationId", "eipalloc-", p->allocation_id)) == 0)
			r = aj_opt_id(c, assoc, "AssociationId", "eipassoc-", p->association_id);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	if (eni->n_ips == 0)
		return aj_fail(c, "PrivateIpAddress", -EINVAL,
			       "missing (an interface needs a private IPv4 address)");
	if (primary && eni->ips[0].ip != primary) {
		char a[NET_IP4_STRLEN], b[NET_IP4_STRLEN];

		return aj_fail(c, "PrivateIpAddress", -EINVAL,
			       "%s is not the primary address %s listed in PrivateIpAddresses",
			       net_ip4_format(primary, a), net_ip4_format(eni->ips[0].ip, b));
	}
	eni->ips[0].primary = true;
	return 0;
}

/*
 * One ENI.  authoritative: from describe-network-interfaces (replaces an
 * implied one); else from an instance (skipped when already known).
 */
static int import_eni(struct aj_ctx *c, const json_t *o, bool authoritative,
		      const struct model_instance *in)
{
	struct model_eni *eni, *old;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "NetworkInterfaceId", "eni-", id)) < 0)
		return r;
	old = model_find_eni(c->m, id);
	if (old && !authoritative)
		return 0;
	if (!old && (r = aj_check_count(c, "NetworkInterfaceId", c->m->n_enis, AJ_MAX_ENIS,
					"network interfaces")) < 0)
		return r;
	eni = model_add_eni(c->m);
	if (!eni)
		return -ENOMEM;
	/* Fill under a temporary ID so that a half-read ENI never shadows the old one. */
	r = fill_eni(c, o, eni, in);
	if (r < 0) {
		model_remove_eni(c->m, "");
		return r;
	}
	if (old)
		model_remove_eni(c->m, id);
	memcpy(eni->id, id, sizeof(id));
	return 0;
}

static int import_eni_top(struct aj_ctx *c, const json_t *o, void *userdata)
{
	return import_eni(c, o, true, NULL);
}

int aj_import_network_interfaces(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_eni_top, NULL);
}

static int import_instance_eni(struct aj_ctx *c, const json_t *o, void *userdata)
{
	return import_eni(c, o, false, userdata);
}

static int instance_state(struct aj_ctx *c, const json_t *o, struct model_instance *in)
{
	static const char *const names[] = {"pending",	  "running",  "shutting-down",
					    "terminated", "stopping", "stopped"};
	json_t *st = aj_get(o, "State");
	const char *s = NULL;
	size_t mark = aj_mark(c);
	int r;

	if (!st)
		return 0;
	aj_push_key(c, "State");
	if ((r = aj_expect_object(c, st)) < 0 || (r = aj_opt_string(c, st, "Name", &s)) < 0 || !s)
		goto out;
	r = -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			in->state = (enum model_instance_state)i;
			r = 0;
			break;
		}
	}
	if (r < 0)
		r = aj_fail(c, "Name", -EINVAL, "\"%.60s\" is not an instance state", s);
out:
	aj_restore(c, mark);
	return r;
}

static int import_instance(struct aj_ctx *c, const json_t *o, void *userdata)
{
	const char *reservation = userdata;
	struct model_instance *in;
	const char *key_name = NULL;
	json_t *placement;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "InstanceId", "i-", id)) < 0)
		return r;
	if (model_find_instance(c->m, id))
		return aj_fail(c, "InstanceId", -EINVAL, "duplicate instance \"%s\"", id);
	if ((r = aj_check_count(c, "InstanceId", c->m->n_instances, AJ_MAX_INSTANCES,
				"instances")) < 0)
		return r;
	in = model_add_instance(c->m);
	if (!in)
		return -ENOMEM;
	memcpy(in->id, id, sizeof(id));
	in->state = MODEL_INSTANCE_RUNNING;
	in->metadata_hop_limit = 1;
	in->metadata_endpoint_enabled = true;
	util_strscpy(in->reservation_id, reservation, sizeof(in->reservation_id));
	if ((r = aj_opt_strbuf(c, o, "InstanceType", in->instance_type,
			       sizeof(in->instance_type))) < 0 ||
	    (r = aj_opt_strbuf(c, o, "ImageId", in->image_id, sizeof(in->image_id))) < 0 ||
	    (r = aj_opt_id(c, o, "SubnetId", "subnet-", in->subnet_id)) < 0 ||
	    (r = aj_opt_id(c, o, "VpcId", "vpc-", in->vpc_id)) < 0 ||
	    (r = aj_opt_string(c, o, "KeyName", &key_name)) < 0 ||
	    (r = instance_state(c, o, in)) < 0)
		return r;
	if (key_name && !(in->key_name = strdup(key_name)))
		return -ENOMEM;
	if ((placement = aj_get(o, "Placement"))) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "Placement");
		if ((r = aj_expect_object(c, placement)) == 0)
			r = aj_az(c, placement, "AvailabilityZone", in->az);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	if ((r = aj_each(c, o, "NetworkInterfaces", AJ_MAX_SGS_PER_ENI * 4, import_instance_eni,
			 in)) < 0 ||
	    (r = aj_tags(c, o, &in->tags)) < 0)
		return r;
	return 0;
}

static int import_reservation(struct aj_ctx *c, const json_t *o, void *userdata)
{
	char owner[MODEL_ACCOUNT_LEN] = "";
	char reservation[MODEL_ID_LEN] = "";
	json_t *arr, *item;
	size_t i, m2, mark = aj_mark(c);
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_id(c, o, "ReservationId", "r-", reservation)) < 0 ||
	    (r = aj_owner(c, o, "OwnerId", owner)) < 0 ||
	    (r = aj_opt_array(c, o, "Instances", AJ_MAX_INSTANCES, &arr)) < 0 || !arr)
		return r;
	aj_push_key(c, "Instances");
	m2 = aj_mark(c);
	json_array_foreach(arr, i, item)
	{
		aj_push_index(c, i);
		r = import_instance(c, item, reservation);
		if (r == 0 && c->m->n_instances > 0) {
			struct model_instance *in = c->m->instances[c->m->n_instances - 1];

			if (!in->owner_id[0])
				memcpy(in->owner_id, owner, sizeof(owner));
		}
		aj_restore(c, m2);
		if (r < 0)
			break;
	}
	aj_restore(c, mark);
	return r;
}

int aj_import_reservations(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_reservation, NULL);
}

static int import_address(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_eip *eip;
	char id[MODEL_ID_LEN] = "";
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_id(c, o, "AllocationId", "eipalloc-", id)) < 0)
		return r;
	if (!id[0])
		return 0; /* EC2-Classic address: nothing in a VPC refers to it */
	if (model_find_eip(c->m, id))
		return aj_fail(c, "AllocationId", -EINVAL, "duplicate address \"%s\"", id);
	if ((r = aj_check_count(c, "AllocationId", c->m->n_eips, AJ_MAX_EIPS, "addresses")) < 0)
		return r;
	eip = model_add_eip(c->m);
	if (!eip)
		return -ENOMEM;
	memcpy(eip->allocation_id, id, sizeof(id));
	if ((r = aj_req_ip4(c, o, "PublicIp", &eip->public_ip)) < 0 ||
	    (r = aj_opt_id(c, o, "AssociationId", "eipassoc-", eip->association_id)) < 0 ||
	    (r = aj_opt_id(c, o, "NetworkInterfaceId", "eni-", eip->eni_id)) < 0 ||
	    (r = aj_opt_id(c, o, "InstanceId", "i-", eip->instance_id)) < 0 ||
	    (r = aj_opt_ip4(c, o, "PrivateIpAddress", &eip->private_ip)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "NetworkInterfaceOwnerId", eip->eni_owner,
			       sizeof(eip->eni_owner))) < 0 ||
	    (r = aj_opt_strbuf(c, o, "NetworkBorderGroup", eip->network_border_group,
			       sizeof(eip->network_border_group))) < 0 ||
	    (r = aj_tags(c, o, &eip->tags)) < 0)
		return r;
	return 0;
}

int aj_import_addresses(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_address, NULL);
}

void aj_link(struct model *m)
{
	for (size_t i = 0; i < m->n_eips; i++) {
		const struct model_eip *eip = m->eips[i];
		struct model_eni *eni;

		if (!eip->eni_id[0])
			continue;
		eni = model_find_eni(m, eip->eni_id);
		if (!eni)
			continue;
		for (size_t j = 0; j < eni->n_ips; j++) {
			struct model_eni_ip *ip = &eni->ips[j];

			if (eip->private_ip ? ip->ip != eip->private_ip : !ip->primary)
				continue;
			ip->public_ip = eip->public_ip;
			util_strscpy(ip->allocation_id, eip->allocation_id,
				     sizeof(ip->allocation_id));
			util_strscpy(ip->association_id, eip->association_id,
				     sizeof(ip->association_id));
			break;
		}
	}
}
