/*
 * ops-nacl: network ACL operations.  See ops-nacl.h for the invariants and
 * the choices made where AWS is silent.
 *
 * A spec is validated and normalised into a struct model_nacl_entry before
 * anything changes; entries are kept sorted by model_nacl_add_entry().
 */
#include "lib/model/ops-nacl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

static size_t vpc_nacl_count(const struct model *m, const char *vpc_id)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_nacls; i++)
		if (strcmp(m->nacls[i]->vpc_id, vpc_id) == 0)
			n++;
	return n;
}

int model_op_create_network_acl(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				struct model_nacl **ret_nacl, struct model_err *err)
{
	struct model_nacl_entry deny = {
	    .protocol = MODEL_PROTO_ALL,
	    .allow = false,
	    .from_port = -1,
	    .to_port = -1,
	    .icmp_type = -1,
	    .icmp_code = -1,
	};
	struct model_vpc *vpc;
	struct model_nacl *nacl;

	if (!vpc_id || !*vpc_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter VpcId");
	vpc = model_find_vpc(m, vpc_id);
	if (!vpc)
		return model_err_set(err, -ENOENT, MODEL_ERR_VPC_NOT_FOUND,
				     "The vpc ID '%s' does not exist", vpc_id);
	if (vpc_nacl_count(m, vpc_id) >= (size_t)ctx->quotas.nacls_per_vpc)
		return model_err_set(err, -ENOSPC, MODEL_ERR_NACL_LIMIT,
				     "The maximum number of network ACLs has been reached.");
	nacl = model_add_nacl(m);
	if (!nacl)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	model_new_id(m, ctx, "acl-", nacl->id);
	util_strscpy(nacl->vpc_id, vpc_id, sizeof(nacl->vpc_id));
	util_strscpy(nacl->owner_id, m->account_id, sizeof(nacl->owner_id));
	nacl->is_default = false;
	for (int eg = 0; eg <= 1; eg++) {
		deny.egress = eg;
		deny.rule_number = MODEL_NACL_DEFAULT_RULE4;
		deny.is_ipv6 = false;
		if (model_nacl_add_entry(nacl, &deny) < 0)
			goto oom;
		if (vpc->n_cidrs6 > 0) {
			deny.rule_number = MODEL_NACL_DEFAULT_RULE6;
			deny.is_ipv6 = true;
			if (model_nacl_add_entry(nacl, &deny) < 0)
				goto oom;
		}
	}
	if (ret_nacl)
		*ret_nacl = nacl;
	return 0;
oom:
	model_remove_nacl(m, nacl->id);
	return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
}

int model_op_delete_network_acl(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				struct model_err *err)
{
	struct model_nacl *nacl = model_lookup_nacl(m, nacl_id, err);

	(void)ctx;
	if (!nacl)
		return -ENOENT;
	if (nacl->is_default)
		return model_err_set(err, -EPERM, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "cannot delete default network ACL %s", nacl->id);
	if (nacl->n_assocs > 0)
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "The network ACL '%s' has dependencies and cannot be deleted.",
				     nacl->id);
	model_remove_nacl(m, nacl->id);
	return 0;
}

static void cidr6_canonical(struct net_cidr6 *c)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = c->len > i * 8 ? c->len - i * 8 : 0;

		if (bits < 8)
			c->addr.b[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static int spec_to_entry(const struct model_nacl_entry_spec *s, struct model_nacl_entry *e,
			 struct model_err *err)
{
	int proto;

	memset(e, 0, sizeof(*e));
	if (s->rule_number < 1 || s->rule_number > MODEL_NACL_RULE_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%d' for ruleNumber. Must be between 1 and %d.",
				     s->rule_number, MODEL_NACL_RULE_MAX);
	if (!s->protocol || !*s->protocol)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter protocol");
	if (model_protocol_parse(s->protocol, &proto) < 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%s' for protocol. Unknown protocol.",
				     s->protocol);
	if ((int)s->has_cidr4 + (int)s->has_cidr6 != 1)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_COMBINATION,
				     "Exactly one of cidrBlock or ipv6CidrBlock must be specified");
	e->rule_number = s->rule_number;
	e->egress = s->egress;
	e->protocol = proto;
	e->allow = s->allow;
	e->from_port = e->to_port = -1;
	e->icmp_type = e->icmp_code = -1;
	if (s->has_cidr4) {
		if (s->cidr4.len > 32)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid IPv4 CIDR prefix length %u", s->cidr4.len);
		e->cidr.len = s->cidr4.len;
		e->cidr.addr = s->cidr4.addr & net_mask4(s->cidr4.len);
	} else {
		if (s->cidr6.len > 128)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid IPv6 CIDR prefix length %u", s->cidr6.len);
		e->is_ipv6 = true;
		e->cidr6 = s->cidr6;
		cidr6_canonical(&e->cidr6);
	}
	if (proto == 6 || proto == 17) {
		if (!s->has_ports)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER,
					     "TCP/UDP entries require a port range");
		if (s->from_port < 0 || s->to_port > 65535 || s->from_port > s->to_port)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid port range %d-%d", s->from_port, s->to_port);
		e->from_port = s->from_port;
		e->to_port = s->to_port;
	} else if (proto == 1 || (proto == 58 && e->is_ipv6)) {
		if (!s->has_icmp)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER,
					     "ICMP entries require an ICMP type and code");
		if (s->icmp_type < -1 || s->icmp_type > 255 || s->icmp_code < -1 ||
		    s->icmp_code > 255)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid ICMP type %d or code %d", s->icmp_type,
					     s->icmp_code);
		e->icmp_type = s->icmp_type;
		e->icmp_code = s->icmp_code;
	}
	return 0;
}

static ssize_t find_entry(const struct model_nacl *n, bool egress, int rule_number)
{
	for (size_t i = 0; i < n->n_entries; i++)
		if (n->entries[i].egress == egress && n->entries[i].rule_number == rule_number)
			return (ssize_t)i;
	return -1;
}

/* Entries of one direction and family, the final deny counted even if not stored. */
static int count_entries(const struct model_nacl *n, bool egress, bool v6)
{
	int cnt = 0;
	bool has_final = false;

	for (size_t i = 0; i < n->n_entries; i++) {
		const struct model_nacl_entry *e = &n->entries[i];

		if (e->egress != egress || e->is_ipv6 != v6)
			continue;
		cnt++;
		if (e->rule_number > MODEL_NACL_RULE_MAX)
			has_final = true;
	}
	return cnt + !has_final;
}

int model_op_create_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				      const struct model_nacl_entry_spec *spec,
				      struct model_err *err)
{
	struct model_nacl *nacl = model_lookup_nacl(m, nacl_id, err);
	struct model_nacl_entry e;
	int r;

	if (!nacl)
		return -ENOENT;
	r = spec_to_entry(spec, &e, err);
	if (r < 0)
		return r;
	if (find_entry(nacl, e.egress, e.rule_number) >= 0)
		return model_err_set(err, -EEXIST, MODEL_ERR_NACL_ENTRY_EXISTS,
				     "The network acl entry identified by %d already exists.",
				     e.rule_number);
	if (count_entries(nacl, e.egress, e.is_ipv6) + 1 > ctx->quotas.nacl_rules_per_direction)
		return model_err_set(err, -ENOSPC, MODEL_ERR_NACL_ENTRY_LIMIT,
				     "The maximum number of network ACL entries has been reached.");
	if (model_nacl_add_entry(nacl, &e) < 0)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	return 0;
}

int model_op_replace_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				       const struct model_nacl_entry_spec *spec,
				       struct model_err *err)
{
	struct model_nacl *nacl = model_lookup_nacl(m, nacl_id, err);
	struct model_nacl_entry e;
	ssize_t k;
	int r;

	if (!nacl)
		return -ENOENT;
	r = spec_to_entry(spec, &e, err);
	if (r < 0)
		return r;
	k = find_entry(nacl, e.egress, e.rule_number);
	if (k < 0)
		return model_err_set(err, -ENOENT, MODEL_ERR_NACL_ENTRY_NOT_FOUND,
				     "The network acl entry identified by %d does not exist.",
				     e.rule_number);
	/* A replacement may change family; the quota applies to the new one. */
	if (nacl->entries[k].is_ipv6 != e.is_ipv6 &&
	    count_entries(nacl, e.egress, e.is_ipv6) + 1 > ctx->quotas.nacl_rules_per_direction)
		return model_err_set(err, -ENOSPC, MODEL_ERR_NACL_ENTRY_LIMIT,
				     "The maximum number of network ACL entries has been reached.");
	nacl->entries[k] = e; /* same (egress, number): order unchanged */
	return 0;
}

int model_op_delete_network_acl_entry(struct model *m, struct model_ctx *ctx, const char *nacl_id,
				      int rule_number, bool egress, struct model_err *err)
{
	struct model_nacl *nacl = model_lookup_nacl(m, nacl_id, err);
	ssize_t k;

	(void)ctx;
	if (!nacl)
		return -ENOENT;
	if (rule_number < 1 || rule_number > MODEL_NACL_RULE_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%d' for ruleNumber. Must be between 1 and %d.",
				     rule_number, MODEL_NACL_RULE_MAX);
	k = find_entry(nacl, egress, rule_number);
	if (k < 0)
		return model_err_set(err, -ENOENT, MODEL_ERR_NACL_ENTRY_NOT_FOUND,
				     "The network acl entry identified by %d does not exist.",
				     rule_number);
	VEC_REMOVE(nacl->entries, nacl->n_entries, (size_t)k);
	return 0;
}

int model_op_replace_network_acl_association(struct model *m, struct model_ctx *ctx,
					     const char *assoc_id, const char *nacl_id,
					     char ret_new_assoc_id[MODEL_ID_LEN],
					     struct model_err *err)
{
	struct model_nacl *from, *to;
	char subnet_id[MODEL_ID_LEN], new_id[MODEL_ID_LEN];
	size_t k = 0;

	if (!assoc_id || !*assoc_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter AssociationId");
	from = model_nacl_of_assoc(m, assoc_id, &k);
	if (!from)
		return model_err_set(err, -ENOENT, MODEL_ERR_ASSOCIATION_NOT_FOUND,
				     "The association ID '%s' does not exist", assoc_id);
	to = model_lookup_nacl(m, nacl_id, err);
	if (!to)
		return -ENOENT;
	if (strcmp(to->vpc_id, from->vpc_id) != 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Network ACL %s and association %s belong to different VPCs",
				     to->id, assoc_id);
	util_strscpy(subnet_id, from->assocs[k].subnet_id, sizeof(subnet_id));
	model_new_id(m, ctx, "aclassoc-", new_id);
	if (model_nacl_add_assoc(to, new_id, subnet_id) < 0)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	/* to may equal from: find the old association again after the append. */
	for (size_t j = 0; j < from->n_assocs; j++) {
		if (strcmp(from->assocs[j].id, assoc_id) == 0) {
			VEC_REMOVE(from->assocs, from->n_assocs, j);
			break;
		}
	}
	if (ret_new_assoc_id)
		memcpy(ret_new_assoc_id, new_id, MODEL_ID_LEN);
	return 0;
}
