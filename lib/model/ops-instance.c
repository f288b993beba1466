/*
 * ops-instance: instance operations.  See ops-instance.h for the choices
 * made where AWS moves on by itself or is silent.
 *
 * RunInstances validates what it can for the whole request first (image,
 * type, counts, interface specs, metadata options, quota), then creates the
 * instances one by one with their ENIs through ops-eni.  Anything that fails
 * on the way (a subnet running out of addresses, the public pool running
 * dry) undoes every instance and ENI created by the request and detaches
 * the existing ENIs it attached, so the model is as before.
 *
 * TerminateInstances deletes the ENIs whose attachment says
 * DeleteOnTermination (disassociating their Elastic IPs) and detaches the
 * others; an Elastic IP on a surviving ENI stays associated with that ENI,
 * as on AWS.
 */
#include "lib/model/ops-instance.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/ops-eni.h"
#include "lib/model/ops-sg.h"

#define METADATA_HOP_LIMIT_MAX 64

static size_t live_instances(const struct model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_instances; i++)
		if (m->instances[i]->state != MODEL_INSTANCE_TERMINATED)
			n++;
	return n;
}

static int check_enabled(const char *v, const char *name, struct model_err *err)
{
	if (v && strcmp(v, "enabled") != 0 && strcmp(v, "disabled") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%s' for %s. Must be enabled or disabled.", v,
				     name);
	return 0;
}

int model_metadata_options_check(const struct model_metadata_options *o,
				 struct model_err *err)
{
	int r;

	if (o->http_tokens && strcmp(o->http_tokens, "optional") != 0 &&
	    strcmp(o->http_tokens, "required") != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%s' for HttpTokens", o->http_tokens);
	if (o->hop_limit != 0 && (o->hop_limit < 1 || o->hop_limit > METADATA_HOP_LIMIT_MAX))
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Invalid value '%d' for HttpPutResponseHopLimit. Must be 1-%d.", o->hop_limit,
		    METADATA_HOP_LIMIT_MAX);
	if ((r = check_enabled(o->http_endpoint, "HttpEndpoint", err)) < 0 ||
	    (r = check_enabled(o->http_protocol_ipv6, "HttpProtocolIpv6", err)) < 0 ||
	    (r = check_enabled(o->instance_metadata_tags, "InstanceMetadataTags", err)) < 0)
		return r;
	return 0;
}

/* Apply the members of o that are set (model_metadata_options_check() has accepted them). */
static void apply_metadata(struct model_instance *inst, const struct model_metadata_options *o)
{
	if (o->http_tokens)
		inst->metadata_tokens_required = strcmp(o->http_tokens, "required") == 0;
	if (o->hop_limit)
		inst->metadata_hop_limit = o->hop_limit;
	if (o->http_endpoint)
		inst->metadata_endpoint_enabled = strcmp(o->http_endpoint, "enabled") == 0;
	if (o->http_protocol_ipv6)
		inst->metadata_protocol_ipv6 = strcmp(o->http_protocol_ipv6, "enabled") == 0;
	if (o->instance_metadata_tags)
		inst->metadata_tags_enabled = strcmp(o->instance_metadata_tags, "enabled") == 0;
}

/* The default subnet of the default VPC (in az when given), or an error. */
static int default_subnet(const struct model *m, const struct model_ctx *ctx, const char *az,
			  const struct model_subnet **ret, struct model_err *err)
{
	const struct model_vpc *vpc = NULL;

	for (size_t i = 0; i < m->n_vpcs && !vpc; i++)
		if (m->vpcs[i]->is_default)
			vpc = m->vpcs[i];
	if (!vpc)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "No default VPC for this user. Please specify a subnet.");
	for (size_t a = 0; a < ctx->n_azs + 1; a++) {
		const char *want = az ? az : (a < ctx->n_azs ? ctx->azs[a] : NULL);

		for (size_t i = 0; i < m->n_subnets; i++) {
			const struct model_subnet *s = m->subnets[i];

			if (strcmp(s->vpc_id, vpc->id) != 0 || !s->default_for_az)
				continue;
			if (want && strcmp(s->az, want) != 0)
				continue;
			*ret = s;
			return 0;
		}
		if (az)
			break;
	}
	return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
			     "No subnets found for the default VPC '%s'. Please specify a subnet.",
			     vpc->id);
}

/* What one interface of the launch resolves to. */
struct nic_plan {
	const struct model_instance_nic_spec *spec;
	const struct model_subnet *subnet;
	struct model_eni *existing;
	bool delete_on_termination;
};

/* Undo of a partial launch. */
struct launch_undo {
	char (*instances)[MODEL_ID_LEN];
	size_t n_instances;
	char (*enis)[MODEL_ID_LEN];
	size_t n_enis;
};

static void launch_rollback(struct model *m, struct launch_undo *u, struct nic_plan *plans,
			    size_t n_plans)
{
	for (size_t i = 0; i < u->n_enis; i++)
		model_remove_eni(m, u->enis[i]);
	for (size_t i = 0; i < n_plans; i++)
		if (plans[i].existing && plans[i].existing->attachment.present)
			model_eni_detach_unchecked(plans[i].existing);
	for (size_t i = 0; i < u->n_instances; i++)
		model_remove_instance(m, u->instances[i]);
}

static int plan_nics(struct model *m, struct model_ctx *ctx, const struct model_run_instances *o,
		     const struct model_instance_type *t,
		     const struct model_instance_nic_spec *specs, size_t n, struct nic_plan *plans,
		     struct model_err *err)
{
	bool have0 = false;
	int r;

	if ((int)n > t->max_enis)
		return model_err_set(err, -ENOSPC, MODEL_ERR_ATTACHMENT_LIMIT,
				     "Interface count %zu exceeds the limit for %s", n, t->name);
	for (size_t i = 0; i < n; i++) {
		const struct model_instance_nic_spec *s = &specs[i];
		struct nic_plan *p = &plans[i];

		p->spec = s;
		if (s->device_index < 0 || s->device_index > 255)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid value '%d' for DeviceIndex", s->device_index);
		for (size_t j = 0; j < i; j++)
			if (specs[j].device_index == s->device_index)
				return model_err_set(
				    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				    "Each network interface requires a unique device index.");
		have0 = have0 || s->device_index == 0;
		if (s->secondary_count < 0 || 1 + s->secondary_count > t->ipv4_per_eni)
			return model_err_set(
			    err, -ENOSPC, MODEL_ERR_PRIVATE_IP_LIMIT,
			    "Number of private addresses %d exceeds the limit of %d for %s",
			    1 + s->secondary_count, t->ipv4_per_eni, t->name);
		if (s->associate_public_ip == 1 && n > 1)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
			    "The associatePublicIPAddress parameter cannot be specified when "
			    "launching with multiple network interfaces.");
		if (s->network_interface_id) {
			p->existing = model_find_eni(m, s->network_interface_id);
			if (!p->existing)
				return model_err_set(err, -ENOENT, MODEL_ERR_ENI_NOT_FOUND,
						     "The networkInterface ID '%s' does not exist",
						     s->network_interface_id);
			if (p->existing->attachment.present)
				return model_err_set(err, -EBUSY, MODEL_ERR_ENI_IN_USE,
						     "Interface: [%s] in use.", p->existing->id);
			if (s->subnet_id || s->n_sg_ids || s->has_private_ip ||
			    s->secondary_count || s->associate_public_ip == 1)
				return model_err_set(
				    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				    "A network interface ID cannot be combined with subnet, "
				    "groups, addresses or a public IP for the same interface");
			if (o->max_count > 1)
				return model_err_set(err, -EINVAL,
						     MODEL_ERR_INVALID_PARAMETER_COMBINATION,
						     "An existing network interface can only be "
						     "used when launching one instance");
			if (model_eni_address_count(p->existing) > t->ipv4_per_eni)
				return model_err_set(
				    err, -ENOSPC, MODEL_ERR_PRIVATE_IP_LIMIT,
				    "Network interface %s has more addresses than %s allows",
				    p->existing->id, t->name);
			p->subnet = model_find_subnet(m, p->existing->subnet_id);
			p->delete_on_termination = s->delete_on_termination == 1;
		} else {
			if (!s->subnet_id) {
				r = default_subnet(m, ctx, o->az, &p->subnet, err);
				if (r < 0)
					return r;
			} else {
				p->subnet = model_find_subnet(m, s->subnet_id);
				if (!p->subnet)
					return model_err_set(
					    err, -ENOENT, MODEL_ERR_SUBNET_NOT_FOUND,
					    "The subnet ID '%s' does not exist", s->subnet_id);
			}
			if (s->has_private_ip && o->max_count > 1)
				return model_err_set(err, -EINVAL,
						     MODEL_ERR_INVALID_PARAMETER_COMBINATION,
						     "A private IP address can only be given when "
						     "launching one instance");
			if (s->n_sg_ids) {
				r = model_eni_check_groups(m, ctx, p->subnet->vpc_id, s->sg_ids,
							   s->n_sg_ids, err);
				if (r < 0)
					return r;
			}
			p->delete_on_termination = s->delete_on_termination != 0;
		}
		if (!p->subnet)
			return model_err_set(err, -ENOENT, MODEL_ERR_SUBNET_NOT_FOUND,
					     "The subnet of network interface %s does not exist",
					     s->network_interface_id);
		if (i > 0 && (strcmp(p->subnet->az, plans[0].subnet->az) != 0 ||
			      strcmp(p->subnet->vpc_id, plans[0].subnet->vpc_id) != 0))
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "All network interfaces of an instance must be in the "
					     "same VPC and Availability Zone");
	}
	if (!have0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "A network interface at device index 0 is required");
	if (o->az && strcmp(o->az, plans[0].subnet->az) != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Subnet %s is in Availability Zone %s, not the requested %s",
				     plans[0].subnet->id, plans[0].subnet->az, o->az);
	return 0;
}

/* Creates one instance and its interfaces; records them in u. */
static int launch_one(struct model *m, struct model_ctx *ctx, const struct model_run_instances *o,
		      const char *reservation_id, int index, struct nic_plan *plans, size_t n,
		      bool auto_ip, struct launch_undo *u, struct model_instance **ret,
		      struct model_err *err)
{
	const struct nic_plan *p0 = NULL;
	struct model_instance *inst;
	int r;

	for (size_t i = 0; i < n; i++)
		if (plans[i].spec->device_index == 0)
			p0 = &plans[i];
	inst = model_add_instance(m);
	if (!inst)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	model_new_id(m, ctx, "i-", inst->id);
	memcpy(u->instances[u->n_instances++], inst->id, MODEL_ID_LEN);
	util_strscpy(inst->reservation_id, reservation_id, sizeof(inst->reservation_id));
	util_strscpy(inst->owner_id, m->account_id, sizeof(inst->owner_id));
	util_strscpy(inst->image_id, o->image_id, sizeof(inst->image_id));
	util_strscpy(inst->instance_type, o->instance_type, sizeof(inst->instance_type));
	util_strscpy(inst->subnet_id, p0->subnet->id, sizeof(inst->subnet_id));
	util_strscpy(inst->vpc_id, p0->subnet->vpc_id, sizeof(inst->vpc_id));
	util_strscpy(inst->az, p0->subnet->az, sizeof(inst->az));
	if (o->key_name && !(inst->key_name = strdup(o->key_name)))
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	inst->state = MODEL_INSTANCE_RUNNING;
	inst->launch_time = ctx->now;
	inst->ami_launch_index = index;
	/* The API defaults (ops-instance.h), then what the request asked for. */
	inst->metadata_tokens_required = false;
	inst->metadata_hop_limit = 1;
	inst->metadata_endpoint_enabled = true;
	inst->metadata_protocol_ipv6 = false;
	inst->metadata_tags_enabled = false;
	apply_metadata(inst, &o->metadata);
	inst->auto_public_ip = auto_ip;

	for (size_t i = 0; i < n; i++) {
		const struct model_instance_nic_spec *s = plans[i].spec;
		struct model_eni *eni = plans[i].existing;

		if (!eni) {
			struct model_eni_create c = {
			    .subnet_id = plans[i].subnet->id,
			    .description = s->description,
			    .sg_ids = s->sg_ids,
			    .n_sg_ids = s->n_sg_ids,
			    .has_primary_ip = s->has_private_ip,
			    .primary_ip = s->private_ip,
			    .secondary_count = s->secondary_count,
			};

			r = model_op_create_network_interface(m, ctx, &c, &eni, err);
			if (r < 0)
				return r;
			memcpy(u->enis[u->n_enis++], eni->id, MODEL_ID_LEN);
		}
		model_eni_attach_unchecked(m, ctx, eni, inst, s->device_index,
					   plans[i].delete_on_termination);
		if (s->device_index == 0 && auto_ip) {
			uint32_t pub;

			if (model_alloc_public_ip(m, ctx, &pub) < 0)
				return model_err_set(
				    err, -ENOSPC, MODEL_ERR_ADDRESS_LIMIT,
				    "No public IPv4 address is left in the pool for instance %s",
				    inst->id);
			eni->ips[0].public_ip = pub;
		}
	}
	*ret = inst;
	return 0;
}

int model_op_run_instances(struct model *m, struct model_ctx *ctx,
			   const struct model_run_instances *o,
			   struct model_instance **ret_instances, size_t *ret_n,
			   struct model_err *err)
{
	const struct model_instance_type *t;
	struct model_instance_nic_spec top;
	const struct model_instance_nic_spec *specs;
	struct nic_plan *plans = NULL;
	struct launch_undo u = {0};
	struct model_instance **made = NULL;
	char reservation_id[MODEL_ID_LEN];
	size_t n_specs, remaining;
	int want, assoc, r;
	bool auto_ip;

	if (!o->image_id || !*o->image_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ImageId");
	if (!model_id_valid(o->image_id, "ami-"))
		return model_err_set(err, -EINVAL, MODEL_ERR_AMI_NOT_FOUND,
				     "Invalid id: \"%s\" (expecting \"ami-...\")", o->image_id);
	if (!o->instance_type || !*o->instance_type)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter InstanceType");
	t = model_instance_type_find(o->instance_type);
	if (!t)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%s' for InstanceType.", o->instance_type);
	if (o->min_count < 1 || o->max_count < o->min_count)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Invalid MinCount %d / MaxCount %d: need 1 <= MinCount <= MaxCount",
		    o->min_count, o->max_count);
	r = model_metadata_options_check(&o->metadata, err);
	if (r < 0)
		return r;
	if (o->n_nics > 0 &&
	    (o->subnet_id || o->n_sg_ids || o->has_private_ip || o->associate_public_ip != -1))
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
		    "Network interfaces and an instance-level subnet ID, security groups, private "
		    "IP or public IP may not be specified on the same request");
	remaining = (size_t)ctx->quotas.instances_per_region - live_instances(m);
	if (live_instances(m) >= (size_t)ctx->quotas.instances_per_region ||
	    remaining < (size_t)o->min_count)
		return model_err_set(err, -ENOSPC, MODEL_ERR_INSTANCE_LIMIT,
				     "You have requested more instances (%d) than your current "
				     "instance limit of %d allows for the specified instance type.",
				     o->min_count, ctx->quotas.instances_per_region);
	want = (size_t)o->max_count < remaining ? o->max_count : (int)remaining;

	if (o->n_nics > 0) {
		specs = o->nics;
		n_specs = o->n_nics;
	} else {
		top = (struct model_instance_nic_spec){
		    .device_index = 0,
		    .subnet_id = o->subnet_id,
		    .sg_ids = o->sg_ids,
		    .n_sg_ids = o->n_sg_ids,
		    .has_private_ip = o->has_private_ip,
		    .private_ip = o->private_ip,
		    .associate_public_ip = o->associate_public_ip,
		    .delete_on_termination = -1,
		};
		specs = &top;
		n_specs = 1;
	}
	plans = calloc(n_specs, sizeof(*plans));
	if (!plans)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	r = plan_nics(m, ctx, o, t, specs, n_specs, plans, err);
	if (r < 0)
		goto out;
	/* As many as the subnets' free addresses allow, at least min_count. */
	for (size_t i = 0; i < n_specs; i++) {
		uint32_t need = 1 + (uint32_t)specs[i].secondary_count;
		uint32_t avail;

		if (plans[i].existing)
			continue;
		avail = model_subnet_available_ips(m, plans[i].subnet);
		if (avail / need < (uint32_t)o->min_count) {
			r = model_err_set(err, -ENOSPC, MODEL_ERR_INSUFFICIENT_ADDRESSES,
					  "There are not enough free addresses in subnet '%s' to "
					  "satisfy the requested number of instances.",
					  plans[i].subnet->id);
			goto out;
		}
		if (avail / need < (uint32_t)want)
			want = (int)(avail / need);
	}
	assoc = -1;
	for (size_t i = 0; i < n_specs; i++)
		if (specs[i].device_index == 0)
			assoc = specs[i].associate_public_ip;
	auto_ip = false;
	for (size_t i = 0; i < n_specs; i++)
		if (specs[i].device_index == 0 && !plans[i].existing)
			auto_ip = assoc == 1 || (assoc == -1 && n_specs == 1 &&
						 plans[i].subnet->map_public_ip_on_launch);

	u.instances = calloc((size_t)want, MODEL_ID_LEN);
	u.enis = calloc((size_t)want * n_specs, MODEL_ID_LEN);
	made = calloc((size_t)want, sizeof(*made));
	if (!u.instances || !u.enis || !made) {
		r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
		goto out;
	}
	model_new_id(m, ctx, "r-", reservation_id);
	for (int i = 0; i < want; i++) {
		r = launch_one(m, ctx, o, reservation_id, i, plans, n_specs, auto_ip, &u, &made[i],
			       err);
		if (r < 0) {
			launch_rollback(m, &u, plans, n_specs);
			goto out;
		}
	}
	if (ret_instances)
		memcpy(ret_instances, made, (size_t)want * sizeof(*made));
	if (ret_n)
		*ret_n = (size_t)want;
	r = 0;
out:
	free(made);
	free(u.enis);
	free(u.instances);
	free(plans);
	return r;
}

static int lookup_all(const struct model *m, const char *const *ids, size_t n,
		      struct model_err *err)
{
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter InstanceId");
	for (size_t i = 0; i < n; i++)
		if (!model_lookup_instance(m, ids[i], err))
			return -ENOENT;
	return 0;
}

/* Release the auto-assigned public IPs of the instance's ENIs. */
static void release_auto_public_ips(struct model *m, const struct model_instance *inst)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		struct model_eni *e = m->enis[i];

		if (!e->attachment.present || strcmp(e->attachment.instance_id, inst->id) != 0)
			continue;
		for (size_t j = 0; j < e->n_ips; j++)
			if (e->ips[j].public_ip && !e->ips[j].allocation_id[0])
				e->ips[j].public_ip = 0;
	}
}

static void record(struct model_instance_state_change *c, const struct model_instance *inst,
		   enum model_instance_state prev)
{
	if (!c)
		return;
	util_strscpy(c->instance_id, inst->id, sizeof(c->instance_id));
	c->previous = prev;
	c->current = inst->state;
}

int model_op_terminate_instances(struct model *m, struct model_ctx *ctx,
				 const char *const *instance_ids, size_t n,
				 struct model_instance_state_change *ret_changes,
				 struct model_err *err)
{
	int r = lookup_all(m, instance_ids, n, err);

	(void)ctx;
	if (r < 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		struct model_instance *inst = model_find_instance(m, instance_ids[k]);
		enum model_instance_state prev = inst->state;

		if (prev != MODEL_INSTANCE_TERMINATED) {
			release_auto_public_ips(m, inst);
			for (size_t i = m->n_enis; i-- > 0;) {
				struct model_eni *e = m->enis[i];

				if (!e->attachment.present ||
				    strcmp(e->attachment.instance_id, inst->id) != 0)
					continue;
				if (e->attachment.delete_on_termination) {
					model_eni_release_public_ips(m, e);
					model_remove_eni(m, e->id);
					continue;
				}
				for (size_t j = 0; j < m->n_eips; j++)
					if (strcmp(m->eips[j]->eni_id, e->id) == 0)
						m->eips[j]->instance_id[0] = '\0';
				model_eni_detach_unchecked(e);
			}
			inst->state = MODEL_INSTANCE_TERMINATED;
			inst->auto_public_ip = false;
		}
		if (ret_changes)
			record(&ret_changes[k], inst, prev);
	}
	return 0;
}

int model_op_stop_instances(struct model *m, struct model_ctx *ctx, const char *const *instance_ids,
			    size_t n, struct model_instance_state_change *ret_changes,
			    struct model_err *err)
{
	int r = lookup_all(m, instance_ids, n, err);

	(void)ctx;
	if (r < 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		const struct model_instance *inst = model_find_instance(m, instance_ids[k]);

		if (inst->state == MODEL_INSTANCE_TERMINATED)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INCORRECT_INSTANCE_STATE,
			    "This instance '%s' is not in a state from which it can be stopped.",
			    inst->id);
	}
	for (size_t k = 0; k < n; k++) {
		struct model_instance *inst = model_find_instance(m, instance_ids[k]);
		enum model_instance_state prev = inst->state;

		if (prev != MODEL_INSTANCE_STOPPED) {
			release_auto_public_ips(m, inst);
			inst->state = MODEL_INSTANCE_STOPPED;
		}
		record(ret_changes ? &ret_changes[k] : NULL, inst, prev);
	}
	return 0;
}

int model_op_start_instances(struct model *m, struct model_ctx *ctx,
			     const char *const *instance_ids, size_t n,
			     struct model_instance_state_change *ret_changes, struct model_err *err)
{
	uint32_t *pubs;
	int r = lookup_all(m, instance_ids, n, err);

	if (r < 0)
		return r;
	for (size_t k = 0; k < n; k++) {
		const struct model_instance *inst = model_find_instance(m, instance_ids[k]);

		if (inst->state == MODEL_INSTANCE_TERMINATED)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INCORRECT_INSTANCE_STATE,
			    "The instance '%s' is not in a state from which it can be started.",
			    inst->id);
	}
	/* Pick every new public IP first so that a dry pool changes nothing. */
	pubs = calloc(n, sizeof(*pubs));
	if (!pubs)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t k = 0; k < n; k++) {
		const struct model_instance *inst = model_find_instance(m, instance_ids[k]);
		struct model_eni *e = model_instance_primary_eni(m, inst->id);

		if (inst->state != MODEL_INSTANCE_STOPPED || !inst->auto_public_ip || !e ||
		    e->n_ips == 0 || e->ips[0].public_ip)
			continue;
		if (model_alloc_public_ip(m, ctx, &pubs[k]) < 0) {
			for (size_t j = 0; j < k; j++)
				if (pubs[j])
					model_instance_primary_eni(m, instance_ids[j])
					    ->ips[0]
					    .public_ip = 0;
			free(pubs);
			return model_err_set(
			    err, -ENOSPC, MODEL_ERR_ADDRESS_LIMIT,
			    "No public IPv4 address is left in the pool for instance %s", inst->id);
		}
		/* Held at once so the next allocation does not pick it again. */
		e->ips[0].public_ip = pubs[k];
	}
	for (size_t k = 0; k < n; k++) {
		struct model_instance *inst = model_find_instance(m, instance_ids[k]);
		enum model_instance_state prev = inst->state;

		inst->state = MODEL_INSTANCE_RUNNING;
		record(ret_changes ? &ret_changes[k] : NULL, inst, prev);
	}
	free(pubs);
	return 0;
}

int model_op_modify_instance_metadata_options(struct model *m, struct model_ctx *ctx,
					      const char *instance_id,
					      const struct model_metadata_options *opts,
					      struct model_err *err)
{
	struct model_instance *inst = model_lookup_instance(m, instance_id, err);
	int r;

	(void)ctx;
	if (!inst)
		return -ENOENT;
	if (inst->state == MODEL_INSTANCE_TERMINATED)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INCORRECT_INSTANCE_STATE,
		    "The instance '%s' is not in a valid state for this operation.", inst->id);
	r = model_metadata_options_check(opts, err);
	if (r < 0)
		return r;
	apply_metadata(inst, opts);
	return 0;
}
