/*
 * ops-eni: elastic network interface operations.  See ops-eni.h for the
 * invariants and the choices made where AWS is silent.
 *
 * Address allocation goes through the shared allocators of ops.c, which
 * look at the ENIs already in the model.  So a new ENI is added to the model
 * first (with its explicit addresses) and then receives its allocated ones;
 * any failure removes it again.  AssignPrivateIpAddresses grows the arrays
 * to their final size before changing anything, so the only late failure is
 * running out of addresses, which truncates back.
 */
#include "lib/model/ops-eni.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENI_DESCRIPTION_MAX 255

int model_eni_address_count(const struct model_eni *eni)
{
	return eni ? (int)(eni->n_ips + eni->n_prefixes) : 0;
}

/* Address limit of the ENI: its instance type's, or the unattached limit. */
static int eni_address_limit(const struct model *m, const struct model_eni *eni)
{
	if (eni->attachment.present) {
		const struct model_instance *inst =
		    model_find_instance(m, eni->attachment.instance_id);
		const struct model_instance_type *t =
		    inst ? model_instance_type_find(inst->instance_type) : NULL;

		if (t)
			return t->ipv4_per_eni;
	}
	return MODEL_ENI_UNATTACHED_ADDRESS_LIMIT;
}

int model_eni_check_groups(const struct model *m, const struct model_ctx *ctx, const char *vpc_id,
			   const char *const *sg_ids, size_t n_sg_ids, struct model_err *err)
{
	size_t rules = 0;

	if (n_sg_ids > (size_t)ctx->quotas.sgs_per_eni)
		return model_err_set(
		    err, -ENOSPC, MODEL_ERR_SGS_PER_ENI_LIMIT,
		    "The maximum number of security groups per interface has been reached (%d).",
		    ctx->quotas.sgs_per_eni);
	for (size_t i = 0; i < n_sg_ids; i++) {
		const struct model_sg *sg = sg_ids[i] ? model_find_sg(m, sg_ids[i]) : NULL;

		if (!sg)
			return model_err_set(err, -ENOENT, MODEL_ERR_GROUP_NOT_FOUND,
					     "The security group '%s' does not exist",
					     sg_ids[i] ? sg_ids[i] : "");
		if (strcmp(sg->vpc_id, vpc_id) != 0)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Security group %s and subnet belong to different networks.", sg->id);
		rules += sg->n_rules;
	}
	if (rules > (size_t)ctx->quotas.sg_rules_per_eni)
		return model_err_set(err, -ENOSPC, MODEL_ERR_RULES_PER_SG_LIMIT,
				     "The security groups carry %zu rules; a network interface may "
				     "carry at most %d.",
				     rules, ctx->quotas.sg_rules_per_eni);
	return 0;
}

/* Replace the ENI's groups (deduplicated).  0 or -ENOMEM (groups unchanged). */
static int eni_set_groups(struct model_eni *eni, const char *const *sg_ids, size_t n)
{
	char(*ids)[MODEL_ID_LEN] = NULL;
	size_t cnt = 0;

	if (n > 0 && !(ids = calloc(n, MODEL_ID_LEN)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < cnt; j++)
			if (strcmp(ids[j], sg_ids[i]) == 0)
				dup = true;
		if (!dup)
			util_strscpy(ids[cnt++], sg_ids[i], MODEL_ID_LEN);
	}
	free(eni->sg_ids);
	eni->sg_ids = ids;
	eni->n_sg_ids = cnt;
	eni->cap_sg_ids = n;
	return 0;
}

void model_eni_release_public_ips(struct model *m, struct model_eni *eni)
{
	for (size_t i = 0; i < m->n_eips; i++) {
		struct model_eip *eip = m->eips[i];

		if (strcmp(eip->eni_id, eni->id) != 0)
			continue;
		eip->association_id[0] = '\0';
		eip->eni_id[0] = '\0';
		eip->instance_id[0] = '\0';
		eip->eni_owner[0] = '\0';
		eip->private_ip = 0;
	}
	for (size_t j = 0; j < eni->n_ips; j++) {
		eni->ips[j].public_ip = 0;
		eni->ips[j].allocation_id[0] = '\0';
		eni->ips[j].association_id[0] = '\0';
	}
}

void model_eni_attach_unchecked(struct model *m, struct model_ctx *ctx, struct model_eni *eni,
				const struct model_instance *inst, int device_index,
				bool delete_on_termination)
{
	struct model_eni_attachment *a = &eni->attachment;

	memset(a, 0, sizeof(*a));
	a->present = true;
	model_new_id(m, ctx, "eni-attach-", a->id);
	util_strscpy(a->instance_id, inst->id, sizeof(a->instance_id));
	util_strscpy(a->instance_owner, inst->owner_id, sizeof(a->instance_owner));
	a->device_index = device_index;
	a->network_card_index = 0;
	a->delete_on_termination = delete_on_termination;
	util_strscpy(a->status, "attached", sizeof(a->status));
	a->attach_time = ctx->now;
	eni->status = MODEL_ENI_IN_USE;
	for (size_t i = 0; i < m->n_eips; i++)
		if (strcmp(m->eips[i]->eni_id, eni->id) == 0)
			util_strscpy(m->eips[i]->instance_id, inst->id, MODEL_ID_LEN);
}

void model_eni_detach_unchecked(struct model_eni *eni)
{
	memset(&eni->attachment, 0, sizeof(eni->attachment));
	eni->status = MODEL_ENI_AVAILABLE;
}

/* Validate an explicit private IP for subnet s. */
static int check_explicit_ip(const struct model *m, const struct model_subnet *s, uint32_t ip,
			     struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN];

	net_ip4_format(ip, buf);
	if (!net_cidr4_contains(s->cidr, ip))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Address %s does not fall within the subnet's address range",
				     buf);
	if (model_subnet_ip_reserved(s, ip))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Address %s is in subnet's reserved address range", buf);
	return 0;
}

static int check_explicit_prefix(const struct model *m, const struct model_subnet *s,
				 struct net_cidr4 p, struct model_err *err)
{
	char buf[NET_CIDR4_STRLEN];

	net_cidr4_format(p, buf);
	if (p.len != 28 || (p.addr & net_mask4(28)) != p.addr)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Invalid prefix %s: only aligned /28 IPv4 prefixes are supported", buf);
	if (!net_cidr4_covers(s->cidr, p))
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Prefix %s does not fall within the subnet's address range",
				     buf);
	for (uint32_t ip = p.addr; ip <= net_cidr4_last(p); ip++) {
		if (model_subnet_ip_reserved(s, ip))
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Prefix %s overlaps the subnet's reserved addresses",
					     buf);
		if (model_private_ip_in_use(m, s, ip))
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "Prefix %s overlaps addresses already in use", buf);
	}
	return 0;
}

static bool prefixes_overlap(const struct net_cidr4 *p, size_t n, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (net_cidr4_overlaps(p[j], p[i]))
			return true;
	return false;
}

int model_op_create_network_interface(struct model *m, struct model_ctx *ctx,
				      const struct model_eni_create *o, struct model_eni **ret_eni,
				      struct model_err *err)
{
	const struct model_subnet *s;
	const char *itype = o->interface_type ? o->interface_type : "interface";
	const char *def_sg_id = NULL;
	struct model_eni_ip eip = {0};
	struct model_eni *eni;
	char buf[NET_CIDR4_STRLEN], mac[MODEL_MAC_LEN];
	uint64_t want;
	int r;

	if (!o->subnet_id || !*o->subnet_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter SubnetId");
	s = model_find_subnet(m, o->subnet_id);
	if (!s)
		return model_err_set(err, -ENOENT, MODEL_ERR_SUBNET_NOT_FOUND,
				     "The subnet ID '%s' does not exist", o->subnet_id);
	if (m->n_enis >= (size_t)ctx->quotas.enis_per_region)
		return model_err_set(err, -ENOSPC, MODEL_ERR_ENI_LIMIT,
				     "The maximum number of network interfaces has been reached.");
	if (o->description && strlen(o->description) > ENI_DESCRIPTION_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid description: longer than %d characters",
				     ENI_DESCRIPTION_MAX);
	if (strcmp(itype, "interface") != 0 && strcmp(itype, "trunk") != 0 &&
	    strcmp(itype, "efa") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%s' for InterfaceType", itype);
	if (o->n_sg_ids > 0) {
		r = model_eni_check_groups(m, ctx, s->vpc_id, o->sg_ids, o->n_sg_ids, err);
		if (r < 0)
			return r;
	} else {
		const struct model_sg *def = NULL;

		for (size_t i = 0; i < m->n_sgs && !def; i++)
			if (strcmp(m->sgs[i]->vpc_id, s->vpc_id) == 0 && m->sgs[i]->name &&
			    strcmp(m->sgs[i]->name, "default") == 0)
				def = m->sgs[i];
		if (def)
			def_sg_id = def->id;
	}
	if (o->n_secondary_ips > 0 && o->secondary_count > 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "PrivateIpAddresses and SecondaryPrivateIpAddressCount cannot "
				     "both be specified");
	if (o->n_prefixes > 0 && o->prefix_count > 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "Ipv4Prefixes and Ipv4PrefixCount cannot both be specified");
	if (o->secondary_count < 0 || o->prefix_count < 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Address and prefix counts must not be negative");
	want = 1 + o->n_secondary_ips + (uint64_t)o->secondary_count + o->n_prefixes +
	       (uint64_t)o->prefix_count;
	if (want > MODEL_ENI_UNATTACHED_ADDRESS_LIMIT)
		return model_err_set(err, -ENOSPC, MODEL_ERR_PRIVATE_IP_LIMIT,
				     "Number of private addresses %llu exceeds the limit of %d for "
				     "a network interface",
				     (unsigned long long)want, MODEL_ENI_UNATTACHED_ADDRESS_LIMIT);
	/* Explicit addresses: valid, free, distinct. */
	for (size_t i = 0; i <= o->n_secondary_ips; i++) {
		uint32_t ip;

		if (i == 0 && !o->has_primary_ip)
			continue;
		ip = i == 0 ? o->primary_ip : o->secondary_ips[i - 1];
		r = check_explicit_ip(m, s, ip, err);
		if (r < 0)
			return r;
		bool dup = model_private_ip_in_use(m, s, ip) ||
			   (i > 0 && o->has_primary_ip && o->primary_ip == ip);

		for (size_t j = 1; j < i; j++)
			dup = dup || o->secondary_ips[j - 1] == ip;
		if (dup)
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "The specified address %s is already in use.",
					     net_ip4_format(ip, buf));
	}
	for (size_t i = 0; i < o->n_prefixes; i++) {
		r = check_explicit_prefix(m, s, o->prefixes[i], err);
		if (r < 0)
			return r;
		if (prefixes_overlap(o->prefixes, o->n_prefixes, i))
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "Prefix %s was requested twice",
					     net_cidr4_format(o->prefixes[i], buf));
		for (size_t j = 0; j <= o->n_secondary_ips; j++) {
			uint32_t ip = j == 0 ? o->primary_ip : o->secondary_ips[j - 1];

			if ((j > 0 || o->has_primary_ip) && net_cidr4_contains(o->prefixes[i], ip))
				return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
						     "Prefix %s overlaps a requested address",
						     net_cidr4_format(o->prefixes[i], buf));
		}
	}

	eni = model_add_eni(m);
	if (!eni)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	model_new_id(m, ctx, "eni-", eni->id);
	util_strscpy(eni->subnet_id, s->id, sizeof(eni->subnet_id));
	util_strscpy(eni->vpc_id, s->vpc_id, sizeof(eni->vpc_id));
	util_strscpy(eni->az, s->az, sizeof(eni->az));
	util_strscpy(eni->owner_id, m->account_id, sizeof(eni->owner_id));
	model_new_mac(m, ctx, mac); /* into a temporary: eni->mac is already in the model */
	memcpy(eni->mac, mac, MODEL_MAC_LEN);
	util_strscpy(eni->interface_type, itype, sizeof(eni->interface_type));
	eni->source_dest_check = true;
	eni->status = MODEL_ENI_AVAILABLE;
	if (o->description && !(eni->description = strdup(o->description)))
		goto oom;
	if (o->n_sg_ids > 0) {
		if (eni_set_groups(eni, o->sg_ids, o->n_sg_ids) < 0)
			goto oom;
	} else if (def_sg_id && model_eni_add_sg(eni, def_sg_id) < 0) {
		goto oom;
	}
	/* Primary first (explicit or allocated below), then explicit secondaries. */
	if (o->has_primary_ip) {
		eip.ip = o->primary_ip;
		eip.primary = true;
		if (model_eni_add_ip(eni, &eip) < 0)
			goto oom;
	}
	for (size_t i = 0; i < o->n_secondary_ips; i++) {
		struct model_eni_ip sec = {.ip = o->secondary_ips[i]};

		if (model_eni_add_ip(eni, &sec) < 0)
			goto oom;
	}
	for (size_t i = 0; i < o->n_prefixes; i++)
		if (model_eni_add_prefix(eni, o->prefixes[i]) < 0)
			goto oom;
	if (!o->has_primary_ip) {
		struct model_eni_ip prim = {.primary = true};

		if (model_subnet_alloc_ip(m, s, &prim.ip) < 0)
			goto no_addresses;
		/* ips[0] must be the primary: insert in front. */
		if (model_eni_add_ip(eni, &prim) < 0)
			goto oom;
		memmove(&eni->ips[1], &eni->ips[0], (eni->n_ips - 1) * sizeof(*eni->ips));
		eni->ips[0] = prim;
	}
	for (int i = 0; i < o->prefix_count; i++) {
		struct net_cidr4 p;

		if (model_subnet_alloc_prefix28(m, s, &p) < 0) {
			model_remove_eni(m, eni->id);
			return model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_CIDR_BLOCKS,
					     "There are not enough free cidr blocks in the "
					     "specified subnet to satisfy the request.");
		}
		if (model_eni_add_prefix(eni, p) < 0)
			goto oom;
	}
	if (o->secondary_count > 0) {
		/* One pass over the ENIs for all of them (model_subnet_alloc_ips()). */
		uint32_t *fresh = calloc((size_t)o->secondary_count, sizeof(*fresh));

		if (!fresh)
			goto oom;
		if (model_subnet_alloc_ips(m, s, (size_t)o->secondary_count, fresh) < 0) {
			free(fresh);
			goto no_addresses;
		}
		for (int i = 0; i < o->secondary_count; i++) {
			struct model_eni_ip sec = {.ip = fresh[i]};

			if (model_eni_add_ip(eni, &sec) < 0) {
				free(fresh);
				goto oom;
			}
		}
		free(fresh);
	}
	if (ret_eni)
		*ret_eni = eni;
	return 0;

no_addresses:
	model_remove_eni(m, eni->id);
	return model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_ADDRESSES,
			     "There are not enough free addresses in subnet '%s' to satisfy the "
			     "requested number of addresses.",
			     s->id);
oom:
	model_remove_eni(m, eni->id);
	return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
}

int model_op_delete_network_interface(struct model *m, struct model_ctx *ctx, const char *eni_id,
				      struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);

	(void)ctx;
	if (!eni)
		return -ENOENT;
	if (eni->attachment.present)
		return model_err_set(err, -EBUSY, MODEL_ERR_ENI_IN_USE,
				     "The network interface '%s' is currently in use.", eni->id);
	if (eni->requester_managed)
		return model_err_set(err, -EPERM, MODEL_ERR_OPERATION_NOT_PERMITTED,
				     "You do not have permission to access the specified resource "
				     "(%s is managed by AWS).",
				     eni->id);
	model_eni_release_public_ips(m, eni);
	model_remove_eni(m, eni->id);
	return 0;
}

int model_op_attach_network_interface(struct model *m, struct model_ctx *ctx, const char *eni_id,
				      const char *instance_id, int device_index,
				      int network_card_index, char ret_attachment_id[MODEL_ID_LEN],
				      struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);
	const struct model_instance *inst;
	const struct model_instance_type *t;
	int attached = 0;

	if (!eni)
		return -ENOENT;
	inst = instance_id ? model_find_instance(m, instance_id) : NULL;
	if (!inst)
		return model_err_set(err, -ENOENT, MODEL_ERR_INSTANCE_NOT_FOUND,
				     "The instance ID '%s' does not exist",
				     instance_id ? instance_id : "");
	if (eni->attachment.present)
		return model_err_set(err, -EBUSY, MODEL_ERR_ENI_IN_USE, "Interface: [%s] in use.",
				     eni->id);
	if (inst->state != MODEL_INSTANCE_RUNNING && inst->state != MODEL_INSTANCE_STOPPED)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INCORRECT_INSTANCE_STATE,
		    "The instance '%s' is not in a valid state for this operation.", inst->id);
	if (network_card_index != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%d' for NetworkCardIndex; only 0 is supported",
				     network_card_index);
	if (device_index < 0 || device_index > 255)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%d' for DeviceIndex", device_index);
	if (strcmp(inst->az, eni->az) != 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Network interface %s and instance %s are not in the same availability zone",
		    eni->id, inst->id);
	if (strcmp(inst->vpc_id, eni->vpc_id) != 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Network interface %s and instance %s belong to different networks.", eni->id,
		    inst->id);
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *o = m->enis[i];

		if (!o->attachment.present || strcmp(o->attachment.instance_id, inst->id) != 0)
			continue;
		attached++;
		if (o->attachment.device_index == device_index)
			return model_err_set(
			    err, -EEXIST, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Instance '%s' already has an interface attached at device index '%d'.",
			    inst->id, device_index);
	}
	t = model_instance_type_find(inst->instance_type);
	if (t && attached + 1 > t->max_enis)
		return model_err_set(err, -ENOSPC, MODEL_ERR_ATTACHMENT_LIMIT,
				     "Interface count %d exceeds the limit for %s", attached + 1,
				     t->name);
	if (t && !t->nitro && eni->n_prefixes > 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Prefix delegation is only supported on Nitro instance types; %s is not one",
		    t->name);
	if (t && model_eni_address_count(eni) > t->ipv4_per_eni)
		return model_err_set(
		    err, -ENOSPC, MODEL_ERR_PRIVATE_IP_LIMIT,
		    "Network interface %s has %d addresses; %s allows %d per interface", eni->id,
		    model_eni_address_count(eni), t->name, t->ipv4_per_eni);
	model_eni_attach_unchecked(m, ctx, eni, inst, device_index, false);
	if (ret_attachment_id)
		memcpy(ret_attachment_id, eni->attachment.id, MODEL_ID_LEN);
	return 0;
}

int model_op_detach_network_interface(struct model *m, struct model_ctx *ctx,
				      const char *attachment_id, bool force, struct model_err *err)
{
	struct model_eni *eni = model_find_eni_by_attachment(m, attachment_id);

	(void)ctx;
	(void)force;
	if (!eni)
		return model_err_set(err, -ENOENT, MODEL_ERR_ENI_ATTACHMENT_NOT_FOUND,
				     "The attachment ID '%s' does not exist",
				     attachment_id ? attachment_id : "");
	if (eni->attachment.device_index == 0)
		return model_err_set(err, -EPERM, MODEL_ERR_OPERATION_NOT_PERMITTED,
				     "The network interface at device index 0 cannot be detached.");
	for (size_t i = 0; i < m->n_eips; i++)
		if (strcmp(m->eips[i]->eni_id, eni->id) == 0)
			m->eips[i]->instance_id[0] = '\0';
	model_eni_detach_unchecked(eni);
	return 0;
}

/* The ENI (and index) holding ip as an address, or NULL. */
static struct model_eni *ip_owner(const struct model *m, const char *vpc_id, uint32_t ip,
				  size_t *ret_index)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		struct model_eni *e = m->enis[i];

		if (strcmp(e->vpc_id, vpc_id) != 0)
			continue;
		for (size_t j = 0; j < e->n_ips; j++) {
			if (e->ips[j].ip == ip) {
				*ret_index = j;
				return e;
			}
		}
	}
	return NULL;
}

int model_op_assign_private_ip_addresses(struct model *m, struct model_ctx *ctx, const char *eni_id,
					 const uint32_t *ips, size_t n_ips, int count,
					 const struct net_cidr4 *prefixes, size_t n_prefixes,
					 int prefix_count, bool allow_reassignment,
					 struct model_eni_assigned *ret, struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);
	const struct model_subnet *s;
	size_t old_ips, old_prefixes;
	uint64_t total;
	char buf[NET_CIDR4_STRLEN];
	int limit, r;

	(void)ctx;
	if (!eni)
		return -ENOENT;
	s = model_find_subnet(m, eni->subnet_id);
	if (!s)
		return model_err_set(err, -ENOENT, MODEL_ERR_SUBNET_NOT_FOUND,
				     "The subnet ID '%s' does not exist", eni->subnet_id);
	if (n_ips > 0 && count > 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "PrivateIpAddresses and SecondaryPrivateIpAddressCount cannot "
				     "both be specified");
	if (n_prefixes > 0 && prefix_count > 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "Ipv4Prefixes and Ipv4PrefixCount cannot both be specified");
	if (count < 0 || prefix_count < 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Address and prefix counts must not be negative");
	if (n_ips == 0 && count == 0 && n_prefixes == 0 && prefix_count == 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
		    "The request must contain the parameter PrivateIpAddresses, "
		    "SecondaryPrivateIpAddressCount, Ipv4Prefixes or Ipv4PrefixCount");
	if ((n_prefixes > 0 || prefix_count > 0) && eni->attachment.present) {
		const struct model_instance *inst =
		    model_find_instance(m, eni->attachment.instance_id);
		const struct model_instance_type *t =
		    inst ? model_instance_type_find(inst->instance_type) : NULL;

		if (t && !t->nitro)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Prefix delegation is only supported on Nitro "
					     "instance types; %s is not one",
					     t->name);
	}
	limit = eni_address_limit(m, eni);
	total = (uint64_t)model_eni_address_count(eni) + n_ips + (uint64_t)count + n_prefixes +
		(uint64_t)prefix_count;
	if (total > (uint64_t)limit)
		return model_err_set(err, -ENOSPC, MODEL_ERR_PRIVATE_IP_LIMIT,
				     "Number of private addresses %llu exceeds the limit of %d for "
				     "network interface %s",
				     (unsigned long long)total, limit, eni->id);
	for (size_t i = 0; i < n_ips; i++) {
		struct model_eni *owner;
		size_t k;

		r = check_explicit_ip(m, s, ips[i], err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (ips[j] == ips[i])
				return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
						     "The specified address %s is already in use.",
						     net_ip4_format(ips[i], buf));
		owner = ip_owner(m, s->vpc_id, ips[i], &k);
		if (!owner) {
			if (model_private_ip_in_use(m, s, ips[i]))
				return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
						     "The specified address %s is already in use.",
						     net_ip4_format(ips[i], buf));
			continue;
		}
		if (owner == eni || !allow_reassignment || owner->ips[k].primary ||
		    strcmp(owner->subnet_id, eni->subnet_id) != 0)
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "The specified address %s is already in use.",
					     net_ip4_format(ips[i], buf));
	}
	for (size_t i = 0; i < n_prefixes; i++) {
		r = check_explicit_prefix(m, s, prefixes[i], err);
		if (r < 0)
			return r;
		if (prefixes_overlap(prefixes, n_prefixes, i))
			return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
					     "Prefix %s was requested twice",
					     net_cidr4_format(prefixes[i], buf));
		for (size_t j = 0; j < n_ips; j++)
			if (net_cidr4_contains(prefixes[i], ips[j]))
				return model_err_set(err, -EEXIST, MODEL_ERR_IP_IN_USE,
						     "Prefix %s overlaps a requested address",
						     net_cidr4_format(prefixes[i], buf));
	}
	if (count > 0 && model_subnet_available_ips(m, s) < (uint32_t)count)
		return model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_ADDRESSES,
				     "There are not enough free addresses in subnet '%s' to "
				     "satisfy the requested number of secondary addresses.",
				     s->id);
	if (util_grow((void **)&eni->ips, &eni->cap_ips, eni->n_ips + n_ips + (size_t)count,
		      sizeof(*eni->ips)) < 0 ||
	    util_grow((void **)&eni->prefixes, &eni->cap_prefixes,
		      eni->n_prefixes + n_prefixes + (size_t)prefix_count,
		      sizeof(*eni->prefixes)) < 0)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");

	old_ips = eni->n_ips;
	old_prefixes = eni->n_prefixes;
	for (size_t i = 0; i < n_prefixes; i++)
		eni->prefixes[eni->n_prefixes++] = prefixes[i];
	/* Explicit addresses not held by another ENI, so allocation skips them. */
	for (size_t i = 0; i < n_ips; i++) {
		size_t k;

		if (!ip_owner(m, s->vpc_id, ips[i], &k))
			eni->ips[eni->n_ips++] = (struct model_eni_ip){.ip = ips[i]};
	}
	for (int i = 0; i < prefix_count; i++) {
		struct net_cidr4 p;

		if (model_subnet_alloc_prefix28(m, s, &p) < 0) {
			eni->n_ips = old_ips;
			eni->n_prefixes = old_prefixes;
			return model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_CIDR_BLOCKS,
					     "There are not enough free cidr blocks in the "
					     "specified subnet to satisfy the request.");
		}
		eni->prefixes[eni->n_prefixes++] = p;
	}
	if (count > 0) {
		/* One pass over the ENIs for all of them; room was made above. */
		uint32_t *fresh = calloc((size_t)count, sizeof(*fresh));

		r = fresh ? model_subnet_alloc_ips(m, s, (size_t)count, fresh) : -ENOMEM;
		if (r < 0) {
			free(fresh);
			eni->n_ips = old_ips;
			eni->n_prefixes = old_prefixes;
			if (r == -ENOMEM)
				return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL,
						     "Out of memory");
			return model_err_set(
			    err, -ENOSPC, MODEL_ERR_INSUFFICIENT_ADDRESSES,
			    "There are not enough free addresses in subnet '%s' to satisfy the "
			    "requested number of secondary addresses.",
			    s->id);
		}
		for (int i = 0; i < count; i++)
			eni->ips[eni->n_ips++] = (struct model_eni_ip){.ip = fresh[i]};
		free(fresh);
	}
	/* Reassignments last: they cannot fail. */
	for (size_t i = 0; i < n_ips; i++) {
		struct model_eni *owner;
		struct model_eni_ip moved;
		size_t k;

		owner = ip_owner(m, s->vpc_id, ips[i], &k);
		if (!owner || owner == eni)
			continue;
		moved = owner->ips[k];
		moved.primary = false;
		VEC_REMOVE(owner->ips, owner->n_ips, k);
		eni->ips[eni->n_ips++] = moved;
		for (size_t e = 0; e < m->n_eips; e++) {
			struct model_eip *eip = m->eips[e];

			if (strcmp(eip->eni_id, owner->id) != 0 || eip->private_ip != moved.ip)
				continue;
			util_strscpy(eip->eni_id, eni->id, sizeof(eip->eni_id));
			util_strscpy(eip->instance_id,
				     eni->attachment.present ? eni->attachment.instance_id : "",
				     sizeof(eip->instance_id));
		}
	}
	if (ret)
		*ret = (struct model_eni_assigned){
		    .first_ip = old_ips,
		    .n_ips = eni->n_ips - old_ips,
		    .first_prefix = old_prefixes,
		    .n_prefixes = eni->n_prefixes - old_prefixes,
		};
	return 0;
}

int model_op_unassign_private_ip_addresses(struct model *m, struct model_ctx *ctx,
					   const char *eni_id, const uint32_t *ips, size_t n_ips,
					   const struct net_cidr4 *prefixes, size_t n_prefixes,
					   struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);
	char buf[NET_CIDR4_STRLEN];

	(void)ctx;
	if (!eni)
		return -ENOENT;
	if (n_ips == 0 && n_prefixes == 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
		    "The request must contain the parameter PrivateIpAddresses or Ipv4Prefixes");
	for (size_t i = 0; i < n_ips; i++) {
		bool found = false;

		for (size_t j = 0; j < eni->n_ips; j++) {
			if (eni->ips[j].ip != ips[i])
				continue;
			if (eni->ips[j].primary)
				return model_err_set(
				    err, -EPERM, MODEL_ERR_INVALID_PARAMETER_VALUE,
				    "The primary IP address of an interface cannot be unassigned.");
			found = true;
		}
		if (!found)
			return model_err_set(
			    err, -ENOENT, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Some of the specified addresses are not assigned to interface %s (%s)",
			    eni->id, net_ip4_format(ips[i], buf));
	}
	for (size_t i = 0; i < n_prefixes; i++) {
		bool found = false;

		for (size_t j = 0; j < eni->n_prefixes; j++)
			found = found || net_cidr4_equal(eni->prefixes[j], prefixes[i]);
		if (!found)
			return model_err_set(
			    err, -ENOENT, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Some of the specified prefixes are not assigned to interface %s (%s)",
			    eni->id, net_cidr4_format(prefixes[i], buf));
	}
	for (size_t i = 0; i < n_ips; i++) {
		for (size_t j = 0; j < eni->n_ips; j++) {
			if (eni->ips[j].ip != ips[i])
				continue;
			for (size_t e = 0; e < m->n_eips; e++) {
				struct model_eip *eip = m->eips[e];

				if (strcmp(eip->eni_id, eni->id) == 0 &&
				    eip->private_ip == ips[i]) {
					eip->association_id[0] = '\0';
					eip->eni_id[0] = '\0';
					eip->instance_id[0] = '\0';
					eip->eni_owner[0] = '\0';
					eip->private_ip = 0;
				}
			}
			VEC_REMOVE(eni->ips, eni->n_ips, j);
			break;
		}
	}
	for (size_t i = 0; i < n_prefixes; i++) {
		for (size_t j = 0; j < eni->n_prefixes; j++) {
			if (net_cidr4_equal(eni->prefixes[j], prefixes[i])) {
				VEC_REMOVE(eni->prefixes, eni->n_prefixes, j);
				break;
			}
		}
	}
	return 0;
}

int model_op_modify_network_interface_attribute(struct model *m, struct model_ctx *ctx,
						const char *eni_id,
						const struct model_eni_modify *mod,
						struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);
	char *desc = NULL;
	int r;

	if (!eni)
		return -ENOENT;
	if (!mod->set_groups && !mod->source_dest_check && !mod->description &&
	    !mod->delete_on_termination)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain an attribute to modify");
	if (mod->set_groups) {
		if (mod->n_sg_ids == 0)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
			    "The request must contain the parameter SecurityGroupId");
		r = model_eni_check_groups(m, ctx, eni->vpc_id, mod->sg_ids, mod->n_sg_ids, err);
		if (r < 0)
			return r;
	}
	if (mod->description && strlen(mod->description) > ENI_DESCRIPTION_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid description: longer than %d characters",
				     ENI_DESCRIPTION_MAX);
	if (mod->delete_on_termination) {
		if (!mod->attachment_id)
			return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
					     "The request must contain the parameter AttachmentId");
		if (!eni->attachment.present || strcmp(eni->attachment.id, mod->attachment_id) != 0)
			return model_err_set(err, -ENOENT, MODEL_ERR_ENI_ATTACHMENT_NOT_FOUND,
					     "The attachment ID '%s' does not exist",
					     mod->attachment_id);
	}
	if (mod->description && !(desc = strdup(mod->description)))
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	if (mod->set_groups && eni_set_groups(eni, mod->sg_ids, mod->n_sg_ids) < 0) {
		free(desc);
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	}
	if (mod->description) {
		free(eni->description);
		eni->description = desc;
	}
	if (mod->source_dest_check)
		eni->source_dest_check = *mod->source_dest_check;
	if (mod->delete_on_termination)
		eni->attachment.delete_on_termination = *mod->delete_on_termination;
	return 0;
}

int model_op_reset_network_interface_attribute(struct model *m, struct model_ctx *ctx,
					       const char *eni_id, const char *attribute,
					       struct model_err *err)
{
	struct model_eni *eni = model_lookup_eni(m, eni_id, err);

	(void)ctx;
	if (!eni)
		return -ENOENT;
	if (!attribute || strcmp(attribute, "sourceDestCheck") != 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Invalid value '%s' for attribute; only sourceDestCheck can be reset",
		    attribute ? attribute : "");
	eni->source_dest_check = true;
	return 0;
}
