/*
 * ops-sg: security group operations.  See ops-sg.h for the rules kept and
 * the choices made where AWS is silent.
 *
 * Rule specs are first normalised into a struct model_sg_rule (canonical
 * CIDR, ports -1/-1 where AWS ignores them) so that duplicate detection and
 * revocation compare like with like.  Validation of a whole request runs
 * before any change; the only failure possible after it is -ENOMEM, which
 * unwinds what was added.
 */
#include "lib/model/ops-sg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define SG_NAME_MAX	   255
#define SG_DESCRIPTION_MAX 255

struct model_sg *model_vpc_default_sg(const struct model *m, const char *vpc_id)
{
	for (size_t i = 0; i < m->n_sgs; i++) {
		struct model_sg *sg = m->sgs[i];

		if (strcmp(sg->vpc_id, vpc_id) == 0 && sg->name && strcmp(sg->name, "default") == 0)
			return sg;
	}
	return NULL;
}

size_t model_sg_rule_count(const struct model_sg *sg)
{
	return sg ? sg->n_rules : 0;
}

int model_op_create_security_group(struct model *m, struct model_ctx *ctx, const char *vpc_id,
				   const char *name, const char *description,
				   struct model_sg **ret_sg, struct model_err *err)
{
	struct model_sg_rule egress = {0};
	struct model_vpc *vpc;
	struct model_sg *sg;

	if (!vpc_id || !*vpc_id)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter VpcId");
	vpc = model_find_vpc(m, vpc_id);
	if (!vpc)
		return model_err_set(err, -ENOENT, MODEL_ERR_VPC_NOT_FOUND,
				     "The vpc ID '%s' does not exist", vpc_id);
	if (!name || !*name)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter GroupName");
	if (!description || !*description)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter GroupDescription");
	if (strlen(name) > SG_NAME_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value for GroupName: longer than %d characters",
				     SG_NAME_MAX);
	if (strlen(description) > SG_DESCRIPTION_MAX)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
		    "Invalid value for GroupDescription: longer than %d characters",
		    SG_DESCRIPTION_MAX);
	if (strncmp(name, "sg-", 3) == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Group names may not be in the format sg-*");
	for (size_t i = 0; i < m->n_sgs; i++)
		if (strcmp(m->sgs[i]->vpc_id, vpc_id) == 0 && m->sgs[i]->name &&
		    strcmp(m->sgs[i]->name, name) == 0)
			return model_err_set(err, -EEXIST, MODEL_ERR_GROUP_DUPLICATE,
					     "The security group '%s' already exists for VPC '%s'",
					     name, vpc_id);
	if (m->n_sgs >= (size_t)ctx->quotas.sgs_per_region)
		return model_err_set(err, -ENOSPC, MODEL_ERR_SG_LIMIT,
				     "The maximum number of security groups has been reached.");

	sg = model_add_sg(m);
	if (!sg)
		goto oom;
	model_new_id(m, ctx, "sg-", sg->id);
	util_strscpy(sg->vpc_id, vpc_id, sizeof(sg->vpc_id));
	util_strscpy(sg->owner_id, m->account_id, sizeof(sg->owner_id));
	sg->name = strdup(name);
	sg->description = strdup(description);
	if (!sg->name || !sg->description)
		goto remove_sg;
	egress.egress = true;
	egress.protocol = MODEL_PROTO_ALL;
	egress.from_port = -1;
	egress.to_port = -1;
	egress.peer_type = MODEL_PEER_CIDR4;
	model_new_id(m, ctx, "sgr-", egress.id);
	if (model_sg_add_rule(sg, &egress) < 0)
		goto remove_sg;
	if (ret_sg)
		*ret_sg = sg;
	return 0;

remove_sg:
	model_remove_sg(m, sg->id);
oom:
	return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
}

static bool sg_referenced_by_other(const struct model *m, const struct model_sg *sg)
{
	for (size_t i = 0; i < m->n_sgs; i++) {
		const struct model_sg *o = m->sgs[i];

		if (o == sg)
			continue;
		for (size_t j = 0; j < o->n_rules; j++)
			if (o->rules[j].peer_type == MODEL_PEER_GROUP &&
			    strcmp(o->rules[j].group_id, sg->id) == 0)
				return true;
	}
	return false;
}

static bool eni_has_sg(const struct model_eni *e, const char *sg_id)
{
	for (size_t k = 0; k < e->n_sg_ids; k++)
		if (strcmp(e->sg_ids[k], sg_id) == 0)
			return true;
	return false;
}

int model_op_delete_security_group(struct model *m, struct model_ctx *ctx, const char *group_id,
				   struct model_err *err)
{
	struct model_sg *sg = model_lookup_sg(m, group_id, err);

	(void)ctx;
	if (!sg)
		return -ENOENT;
	if (sg->name && strcmp(sg->name, "default") == 0)
		return model_err_set(
		    err, -EPERM, MODEL_ERR_CANNOT_DELETE,
		    "the specified group: \"%s\" name: \"default\" cannot be deleted by a user",
		    sg->id);
	for (size_t i = 0; i < m->n_enis; i++)
		if (eni_has_sg(m->enis[i], sg->id))
			return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
					     "resource %s has a dependent object", sg->id);
	if (sg_referenced_by_other(m, sg))
		return model_err_set(err, -EBUSY, MODEL_ERR_DEPENDENCY_VIOLATION,
				     "resource %s has a dependent object", sg->id);
	model_remove_sg(m, sg->id);
	return 0;
}

/* ---- rule specs ----------------------------------------------------------- */

static void cidr6_canonical(struct net_cidr6 *c)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = c->len > i * 8 ? c->len - i * 8 : 0;

		if (bits >= 8)
			continue;
		c->addr.b[i] &= (uint8_t)(0xff00u >> bits);
	}
}

static bool ports_ok(int from, int to)
{
	return from >= 0 && to <= 65535 && from <= to;
}

/*
 * Turn a spec into a rule of group sg (direction egress), validating it.
 * rule->description points into the spec (not owned).
 */
static int spec_to_rule(const struct model *m, const struct model_sg *sg, bool egress,
			const struct model_sg_rule_spec *s, struct model_sg_rule *rule,
			struct model_err *err)
{
	int peers = (int)s->has_cidr4 + (int)s->has_cidr6 + (s->prefix_list_id != NULL) +
		    (s->group_id != NULL);

	memset(rule, 0, sizeof(*rule));
	rule->egress = egress;
	if (s->protocol < MODEL_PROTO_ALL || s->protocol > 255)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid value '%d' for IP protocol. Unknown protocol.",
				     s->protocol);
	rule->protocol = s->protocol;
	rule->from_port = -1;
	rule->to_port = -1;
	switch (s->protocol) {
	case 6:
	case 17:
		if (!s->has_ports)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid value 'Must specify both from and to ports "
					     "with TCP/UDP.' for portRange");
		if (!ports_ok(s->from_port, s->to_port))
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "Invalid port range (%d..%d): ports must be 0-65535 with from <= to",
			    s->from_port, s->to_port);
		rule->from_port = s->from_port;
		rule->to_port = s->to_port;
		break;
	case 1:
	case 58:
		if (!s->has_ports) {
			if (s->protocol == 1)
				return model_err_set(err, -EINVAL,
						     MODEL_ERR_INVALID_PARAMETER_VALUE,
						     "Invalid value 'Must specify both ICMP type "
						     "and code.' for icmpTypeCode");
			break;
		}
		if (s->from_port < -1 || s->from_port > 255 || s->to_port < -1 || s->to_port > 255)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid ICMP type %d or code %d: must be -1..255",
					     s->from_port, s->to_port);
		if (s->from_port == -1 && s->to_port != -1)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid ICMP code %d: ICMP type -1 requires code -1",
					     s->to_port);
		rule->from_port = s->from_port;
		rule->to_port = s->to_port;
		break;
	default:
		break;
	}
	if (peers != 1)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Exactly one of CidrIp, CidrIpv6, PrefixListId or a source "
				     "security group must be specified");
	if (s->has_cidr4) {
		if (s->cidr4.len > 32)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid IPv4 CIDR prefix length %u", s->cidr4.len);
		rule->peer_type = MODEL_PEER_CIDR4;
		rule->cidr.len = s->cidr4.len;
		rule->cidr.addr = s->cidr4.addr & net_mask4(s->cidr4.len);
	} else if (s->has_cidr6) {
		if (s->cidr6.len > 128)
			return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					     "Invalid IPv6 CIDR prefix length %u", s->cidr6.len);
		rule->peer_type = MODEL_PEER_CIDR6;
		rule->cidr6 = s->cidr6;
		cidr6_canonical(&rule->cidr6);
	} else if (s->prefix_list_id) {
		if (!model_find_prefix_list(m, s->prefix_list_id))
			return model_err_set(err, -ENOENT, MODEL_ERR_PREFIX_LIST_NOT_FOUND,
					     "The prefix list ID '%s' does not exist",
					     s->prefix_list_id);
		rule->peer_type = MODEL_PEER_PREFIX_LIST;
		util_strscpy(rule->prefix_list_id, s->prefix_list_id, sizeof(rule->prefix_list_id));
	} else {
		const struct model_sg *peer = model_find_sg(m, s->group_id);

		if (!peer)
			return model_err_set(err, -ENOENT, MODEL_ERR_GROUP_NOT_FOUND,
					     "The security group '%s' does not exist", s->group_id);
		if (strcmp(peer->vpc_id, sg->vpc_id) != 0)
			return model_err_set(
			    err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
			    "You have specified two resources that belong to different networks.");
		rule->peer_type = MODEL_PEER_GROUP;
		util_strscpy(rule->group_id, peer->id, sizeof(rule->group_id));
		util_strscpy(rule->group_owner, peer->owner_id, sizeof(rule->group_owner));
	}
	if (s->description && strlen(s->description) > SG_DESCRIPTION_MAX)
		return model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
				     "Invalid rule description: longer than %d characters",
				     SG_DESCRIPTION_MAX);
	rule->description = (char *)s->description;
	return 0;
}

/* Same direction, protocol, ports and peer. */
static bool rule_same(const struct model_sg_rule *a, const struct model_sg_rule *b)
{
	if (a->egress != b->egress || a->protocol != b->protocol || a->from_port != b->from_port ||
	    a->to_port != b->to_port || a->peer_type != b->peer_type)
		return false;
	switch (a->peer_type) {
	case MODEL_PEER_CIDR4:
		return net_cidr4_equal(a->cidr, b->cidr);
	case MODEL_PEER_CIDR6:
		return a->cidr6.len == b->cidr6.len &&
		       memcmp(&a->cidr6.addr, &b->cidr6.addr, sizeof(a->cidr6.addr)) == 0;
	case MODEL_PEER_PREFIX_LIST:
		return strcmp(a->prefix_list_id, b->prefix_list_id) == 0;
	case MODEL_PEER_GROUP:
		return strcmp(a->group_id, b->group_id) == 0;
	}
	return false;
}

static bool rule_is_v6(const struct model_sg_rule *r)
{
	return r->peer_type == MODEL_PEER_CIDR6;
}

/*
 * What a rule counts against the quota: a customer-managed prefix list
 * counts as its max entries (vpc-semantics.md 3.3), anything else as one.
 */
static size_t rule_weight(const struct model *m, const struct model_sg_rule *r)
{
	const struct model_prefix_list *pl;

	if (r->peer_type != MODEL_PEER_PREFIX_LIST)
		return 1;
	pl = model_find_prefix_list(m, r->prefix_list_id);
	if (!pl || pl->aws_managed)
		return 1;
	return pl->max_entries > 0 ? (size_t)pl->max_entries : UTIL_MAX(pl->n_cidrs, (size_t)1);
}

static size_t count_rules(const struct model *m, const struct model_sg *sg, bool egress, bool v6)
{
	size_t n = 0;

	for (size_t i = 0; i < sg->n_rules; i++)
		if (sg->rules[i].egress == egress && rule_is_v6(&sg->rules[i]) == v6)
			n += rule_weight(m, &sg->rules[i]);
	return n;
}

static size_t eni_total_rules(const struct model *m, const struct model_eni *e)
{
	size_t n = 0;

	for (size_t k = 0; k < e->n_sg_ids; k++)
		n += model_sg_rule_count(model_find_sg(m, e->sg_ids[k]));
	return n;
}

static const char *rule_text(const struct model_sg_rule *r, char *buf, size_t size)
{
	char proto[8], peer[NET_CIDR6_STRLEN];

	switch (r->peer_type) {
	case MODEL_PEER_CIDR4:
		net_cidr4_format(r->cidr, peer);
		break;
	case MODEL_PEER_CIDR6:
		net_cidr6_format(&r->cidr6, peer);
		break;
	case MODEL_PEER_PREFIX_LIST:
		util_strscpy(peer, r->prefix_list_id, sizeof(peer));
		break;
	case MODEL_PEER_GROUP:
		util_strscpy(peer, r->group_id, sizeof(peer));
		break;
	}
	snprintf(buf, size, "peer: %s, %s, ALLOW", peer, model_protocol_name(r->protocol, proto));
	if (r->from_port != -1 || r->to_port != -1) {
		size_t len = strlen(buf);

		snprintf(buf + len, size - len, ", from port: %d, to port: %d", r->from_port,
			 r->to_port);
	}
	return buf;
}

static int authorize(struct model *m, struct model_ctx *ctx, const char *group_id, bool egress,
		     const struct model_sg_rule_spec *specs, size_t n,
		     char (*ret_rule_ids)[MODEL_ID_LEN], struct model_err *err)
{
	struct model_sg_rule *rules;
	struct model_sg *sg = model_lookup_sg(m, group_id, err);
	size_t add4 = 0, add6 = 0, old_n;
	char text[160];
	int r;

	if (!sg)
		return -ENOENT;
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ipPermissions");
	if (n > (size_t)ctx->quotas.rules_per_sg * 2)
		return model_err_set(
		    err, -ENOSPC, MODEL_ERR_RULES_PER_SG_LIMIT,
		    "The maximum number of rules per security group has been reached.");
	rules = calloc(n, sizeof(*rules));
	if (!rules)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t i = 0; i < n; i++) {
		r = spec_to_rule(m, sg, egress, &specs[i], &rules[i], err);
		if (r < 0)
			goto out;
		for (size_t j = 0; j < sg->n_rules; j++) {
			if (rule_same(&sg->rules[j], &rules[i])) {
				r = model_err_set(err, -EEXIST, MODEL_ERR_PERMISSION_DUPLICATE,
						  "the specified rule \"%s\" already exists",
						  rule_text(&rules[i], text, sizeof(text)));
				goto out;
			}
		}
		for (size_t j = 0; j < i; j++) {
			if (rule_same(&rules[j], &rules[i])) {
				r = model_err_set(err, -EEXIST, MODEL_ERR_PERMISSION_DUPLICATE,
						  "the specified rule \"%s\" already exists",
						  rule_text(&rules[i], text, sizeof(text)));
				goto out;
			}
		}
		if (rule_is_v6(&rules[i]))
			add6 += rule_weight(m, &rules[i]);
		else
			add4 += rule_weight(m, &rules[i]);
	}
	if (count_rules(m, sg, egress, false) + add4 > (size_t)ctx->quotas.rules_per_sg ||
	    count_rules(m, sg, egress, true) + add6 > (size_t)ctx->quotas.rules_per_sg) {
		r = model_err_set(
		    err, -ENOSPC, MODEL_ERR_RULES_PER_SG_LIMIT,
		    "The maximum number of rules per security group has been reached.");
		goto out;
	}
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		if (eni_has_sg(e, sg->id) &&
		    eni_total_rules(m, e) + n > (size_t)ctx->quotas.sg_rules_per_eni) {
			r = model_err_set(
			    err, -ENOSPC, MODEL_ERR_RULES_PER_SG_LIMIT,
			    "The maximum number of rules per security group has been reached: "
			    "network interface %s would carry more than %d rules",
			    e->id, ctx->quotas.sg_rules_per_eni);
			goto out;
		}
	}
	old_n = sg->n_rules;
	for (size_t i = 0; i < n; i++) {
		model_new_id(m, ctx, "sgr-", rules[i].id);
		/* IDs must also differ from those picked earlier in this request. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(rules[j].id, rules[i].id) == 0)
				model_new_id(m, ctx, "sgr-", rules[i].id);
		r = model_sg_add_rule(sg, &rules[i]);
		if (r < 0) {
			while (sg->n_rules > old_n)
				model_sg_rule_clear(&sg->rules[--sg->n_rules]);
			r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
			goto out;
		}
	}
	if (ret_rule_ids)
		for (size_t i = 0; i < n; i++)
			memcpy(ret_rule_ids[i], rules[i].id, MODEL_ID_LEN);
	r = 0;
out:
	free(rules);
	return r;
}

int model_op_authorize_security_group_ingress(struct model *m, struct model_ctx *ctx,
					      const char *group_id,
					      const struct model_sg_rule_spec *specs, size_t n,
					      char (*ret_rule_ids)[MODEL_ID_LEN],
					      struct model_err *err)
{
	return authorize(m, ctx, group_id, false, specs, n, ret_rule_ids, err);
}

int model_op_authorize_security_group_egress(struct model *m, struct model_ctx *ctx,
					     const char *group_id,
					     const struct model_sg_rule_spec *specs, size_t n,
					     char (*ret_rule_ids)[MODEL_ID_LEN],
					     struct model_err *err)
{
	return authorize(m, ctx, group_id, true, specs, n, ret_rule_ids, err);
}

static ssize_t find_rule_by_id(const struct model_sg *sg, const char *id)
{
	for (size_t i = 0; i < sg->n_rules; i++)
		if (strcmp(sg->rules[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

static int revoke(struct model *m, struct model_ctx *ctx, const char *group_id, bool egress,
		  const struct model_sg_rule_spec *specs, size_t n_specs,
		  const char *const *rule_ids, size_t n_rule_ids, size_t *ret_unknown,
		  size_t *ret_n_unknown, struct model_err *err)
{
	struct model_sg *sg = model_lookup_sg(m, group_id, err);
	const struct model_vpc *vpc;
	bool *doomed;
	size_t n_unknown = 0;
	char text[160];
	int r;

	(void)ctx;
	if (!sg)
		return -ENOENT;
	if (n_specs == 0 && n_rule_ids == 0)
		return model_err_set(
		    err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
		    "The request must contain the parameter ipPermissions or securityGroupRuleIds");
	vpc = model_find_vpc(m, sg->vpc_id);
	doomed = calloc(sg->n_rules + 1, sizeof(*doomed));
	if (!doomed)
		return model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
	for (size_t i = 0; i < n_rule_ids; i++) {
		ssize_t k = rule_ids[i] ? find_rule_by_id(sg, rule_ids[i]) : -1;

		if (k < 0 || sg->rules[k].egress != egress) {
			r = model_err_set(err, -ENOENT, MODEL_ERR_SG_RULE_NOT_FOUND,
					  "The security group rule ID '%s' does not exist",
					  rule_ids[i] ? rule_ids[i] : "");
			goto out;
		}
		doomed[k] = true;
	}
	for (size_t i = 0; i < n_specs; i++) {
		struct model_sg_rule want;
		bool found = false;

		r = spec_to_rule(m, sg, egress, &specs[i], &want, err);
		if (r < 0)
			goto out;
		for (size_t k = 0; k < sg->n_rules; k++) {
			if (rule_same(&sg->rules[k], &want)) {
				doomed[k] = true;
				found = true;
			}
		}
		if (found)
			continue;
		if (!vpc || !vpc->is_default) {
			r = model_err_set(
			    err, -ENOENT, MODEL_ERR_PERMISSION_NOT_FOUND,
			    "The specified rule does not exist in this security group. (%s)",
			    rule_text(&want, text, sizeof(text)));
			goto out;
		}
		if (ret_unknown)
			ret_unknown[n_unknown] = i;
		n_unknown++;
	}
	for (size_t k = sg->n_rules; k-- > 0;) {
		if (!doomed[k])
			continue;
		model_sg_rule_clear(&sg->rules[k]);
		VEC_REMOVE(sg->rules, sg->n_rules, k);
	}
	if (ret_n_unknown)
		*ret_n_unknown = n_unknown;
	r = 0;
out:
	free(doomed);
	return r;
}

int model_op_revoke_security_group_ingress(struct model *m, struct model_ctx *ctx,
					   const char *group_id,
					   const struct model_sg_rule_spec *specs, size_t n_specs,
					   const char *const *rule_ids, size_t n_rule_ids,
					   size_t *ret_unknown, size_t *ret_n_unknown,
					   struct model_err *err)
{
	return revoke(m, ctx, group_id, false, specs, n_specs, rule_ids, n_rule_ids, ret_unknown,
		      ret_n_unknown, err);
}

int model_op_revoke_security_group_egress(struct model *m, struct model_ctx *ctx,
					  const char *group_id,
					  const struct model_sg_rule_spec *specs, size_t n_specs,
					  const char *const *rule_ids, size_t n_rule_ids,
					  size_t *ret_unknown, size_t *ret_n_unknown,
					  struct model_err *err)
{
	return revoke(m, ctx, group_id, true, specs, n_specs, rule_ids, n_rule_ids, ret_unknown,
		      ret_n_unknown, err);
}

int model_op_modify_security_group_rules(struct model *m, struct model_ctx *ctx,
					 const char *group_id, const char *const *rule_ids,
					 const struct model_sg_rule_spec *specs, size_t n,
					 struct model_err *err)
{
	struct model_sg *sg = model_lookup_sg(m, group_id, err);
	struct model_sg_rule *rules;
	ssize_t *idx;
	char **descs;
	char text[160];
	int r;

	(void)ctx;
	if (!sg)
		return -ENOENT;
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter SecurityGroupRule");
	rules = calloc(n, sizeof(*rules));
	idx = calloc(n, sizeof(*idx));
	descs = calloc(n, sizeof(*descs));
	if (!rules || !idx || !descs) {
		r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		idx[i] = rule_ids[i] ? find_rule_by_id(sg, rule_ids[i]) : -1;
		if (idx[i] < 0) {
			r = model_err_set(err, -ENOENT, MODEL_ERR_SG_RULE_NOT_FOUND,
					  "The security group rule ID '%s' does not exist",
					  rule_ids[i] ? rule_ids[i] : "");
			goto out;
		}
		r = spec_to_rule(m, sg, sg->rules[idx[i]].egress, &specs[i], &rules[i], err);
		if (r < 0)
			goto out;
		for (size_t k = 0; k < sg->n_rules; k++) {
			bool replaced = false;

			for (size_t j = 0; j < n; j++)
				if ((size_t)idx[j] == k)
					replaced = true;
			if (!replaced && rule_same(&sg->rules[k], &rules[i])) {
				r = model_err_set(err, -EEXIST, MODEL_ERR_PERMISSION_DUPLICATE,
						  "the specified rule \"%s\" already exists",
						  rule_text(&rules[i], text, sizeof(text)));
				goto out;
			}
		}
		for (size_t j = 0; j < i; j++) {
			if (idx[j] == idx[i] || rule_same(&rules[j], &rules[i])) {
				r = model_err_set(err, -EEXIST, MODEL_ERR_PERMISSION_DUPLICATE,
						  "the specified rule \"%s\" already exists",
						  rule_text(&rules[i], text, sizeof(text)));
				goto out;
			}
		}
		if (specs[i].description && !(descs[i] = strdup(specs[i].description))) {
			r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
			goto out;
		}
	}
	/* Family quota: replacing can move a rule between IPv4 and IPv6. */
	for (int v6 = 0; v6 <= 1; v6++) {
		for (int eg = 0; eg <= 1; eg++) {
			long cnt = (long)count_rules(m, sg, eg, v6);

			for (size_t i = 0; i < n; i++) {
				if (sg->rules[idx[i]].egress != (bool)eg)
					continue;
				if (rule_is_v6(&sg->rules[idx[i]]) == (bool)v6)
					cnt -= (long)rule_weight(m, &sg->rules[idx[i]]);
				if (rule_is_v6(&rules[i]) == (bool)v6)
					cnt += (long)rule_weight(m, &rules[i]);
			}
			if (cnt > ctx->quotas.rules_per_sg) {
				r = model_err_set(err, -ENOSPC, MODEL_ERR_RULES_PER_SG_LIMIT,
						  "The maximum number of rules per security group "
						  "has been reached.");
				goto out;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct model_sg_rule *dst = &sg->rules[idx[i]];

		free(dst->description);
		dst->protocol = rules[i].protocol;
		dst->from_port = rules[i].from_port;
		dst->to_port = rules[i].to_port;
		dst->peer_type = rules[i].peer_type;
		dst->cidr = rules[i].cidr;
		dst->cidr6 = rules[i].cidr6;
		memcpy(dst->prefix_list_id, rules[i].prefix_list_id, MODEL_ID_LEN);
		memcpy(dst->group_id, rules[i].group_id, MODEL_ID_LEN);
		memcpy(dst->group_owner, rules[i].group_owner, MODEL_ACCOUNT_LEN);
		dst->description = descs[i];
		descs[i] = NULL;
	}
	r = 0;
out:
	if (descs)
		for (size_t i = 0; i < n; i++)
			free(descs[i]);
	free(descs);
	free(idx);
	free(rules);
	return r;
}

int model_op_update_security_group_rule_descriptions(struct model *m, struct model_ctx *ctx,
						     const char *group_id, bool egress,
						     const struct model_sg_rule_spec *specs,
						     size_t n_specs, const char *const *rule_ids,
						     const char *const *descriptions, size_t n_ids,
						     struct model_err *err)
{
	struct model_sg *sg = model_lookup_sg(m, group_id, err);
	size_t n = n_specs + n_ids;
	ssize_t *idx;
	char **descs;
	char text[160];
	int r;

	(void)ctx;
	if (!sg)
		return -ENOENT;
	if (n == 0)
		return model_err_set(err, -EINVAL, MODEL_ERR_MISSING_PARAMETER,
				     "The request must contain the parameter ipPermissions");
	idx = calloc(n, sizeof(*idx));
	descs = calloc(n, sizeof(*descs));
	if (!idx || !descs) {
		r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_specs; i++) {
		struct model_sg_rule want;

		r = spec_to_rule(m, sg, egress, &specs[i], &want, err);
		if (r < 0)
			goto out;
		idx[i] = -1;
		for (size_t k = 0; k < sg->n_rules; k++)
			if (rule_same(&sg->rules[k], &want))
				idx[i] = (ssize_t)k;
		if (idx[i] < 0) {
			r = model_err_set(
			    err, -ENOENT, MODEL_ERR_PERMISSION_NOT_FOUND,
			    "The specified rule does not exist in this security group. (%s)",
			    rule_text(&want, text, sizeof(text)));
			goto out;
		}
		if (specs[i].description && !(descs[i] = strdup(specs[i].description))) {
			r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n_ids; i++) {
		const char *d = descriptions ? descriptions[i] : NULL;

		idx[n_specs + i] = rule_ids[i] ? find_rule_by_id(sg, rule_ids[i]) : -1;
		if (idx[n_specs + i] < 0 || sg->rules[idx[n_specs + i]].egress != egress) {
			r = model_err_set(err, -ENOENT, MODEL_ERR_SG_RULE_NOT_FOUND,
					  "The security group rule ID '%s' does not exist",
					  rule_ids[i] ? rule_ids[i] : "");
			goto out;
		}
		if (d && strlen(d) > SG_DESCRIPTION_MAX) {
			r = model_err_set(err, -EINVAL, MODEL_ERR_INVALID_PARAMETER_VALUE,
					  "Invalid rule description: longer than %d characters",
					  SG_DESCRIPTION_MAX);
			goto out;
		}
		if (d && !(descs[n_specs + i] = strdup(d))) {
			r = model_err_set(err, -ENOMEM, MODEL_ERR_INTERNAL, "Out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(sg->rules[idx[i]].description);
		sg->rules[idx[i]].description = descs[i];
		descs[i] = NULL;
	}
	r = 0;
out:
	if (descs)
		for (size_t i = 0; i < n; i++)
			free(descs[i]);
	free(descs);
	free(idx);
	return r;
}
