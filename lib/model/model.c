/*
 * model: object storage, lookups and derived views.  See model.h; the
 * look-up indexes are index.c's.
 */
#include "lib/model/model.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/index.h"
#include "lib/util/util.h"

/* ---- tags ---------------------------------------------------------------- */

int model_tags_set(struct model_tags *tags, const char *key, const char *value)
{
	char *v = strdup(value ? value : "");
	char *k;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < tags->n; i++) {
		if (strcmp(tags->items[i].key, key) == 0) {
			free(tags->items[i].value);
			tags->items[i].value = v;
			return 0;
		}
	}
	k = strdup(key);
	if (!k || util_grow((void **)&tags->items, &tags->cap, tags->n + 1,
			    sizeof(*tags->items)) < 0) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	tags->items[tags->n].key = k;
	tags->items[tags->n].value = v;
	tags->n++;
	return 0;
}

int model_tags_remove(struct model_tags *tags, const char *key, const char *value)
{
	for (size_t i = 0; i < tags->n; i++) {
		if (strcmp(tags->items[i].key, key) != 0)
			continue;
		if (value && strcmp(tags->items[i].value, value) != 0)
			return 0;
		free(tags->items[i].key);
		free(tags->items[i].value);
		VEC_REMOVE(tags->items, tags->n, i);
		return 1;
	}
	return 0;
}

const char *model_tags_get(const struct model_tags *tags, const char *key)
{
	for (size_t i = 0; i < tags->n; i++)
		if (strcmp(tags->items[i].key, key) == 0)
			return tags->items[i].value;
	return NULL;
}

void model_tags_clear(struct model_tags *tags)
{
	for (size_t i = 0; i < tags->n; i++) {
		free(tags->items[i].key);
		free(tags->items[i].value);
	}
	free(tags->items);
	tags->items = NULL;
	tags->n = tags->cap = 0;
}

int model_tags_copy(struct model_tags *dst, const struct model_tags *src)
{
	for (size_t i = 0; i < src->n; i++) {
		int r = model_tags_set(dst, src->items[i].key, src->items[i].value);

		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- per-object free ----------------------------------------------------- */

static void vpc_free(struct model_vpc *o)
{
	for (size_t i = 0; i < o->n_cidrs6; i++) {
		free(o->cidrs6[i].pool);
		free(o->cidrs6[i].network_border_group);
	}
	free(o->cidrs);
	free(o->cidrs6);
	model_tags_clear(&o->tags);
	free(o);
}

static void subnet_free(struct model_subnet *o)
{
	model_tags_clear(&o->tags);
	free(o);
}

static void route_table_free(struct model_route_table *o)
{
	free(o->routes);
	free(o->assocs);
	free(o->propagating_vgws);
	model_tags_clear(&o->tags);
	free(o);
}

void model_sg_rule_clear(struct model_sg_rule *rule)
{
	free(rule->description);
	rule->description = NULL;
	model_tags_clear(&rule->tags);
}

static void sg_free(struct model_sg *o)
{
	for (size_t i = 0; i < o->n_rules; i++)
		model_sg_rule_clear(&o->rules[i]);
	free(o->rules);
	free(o->name);
	free(o->description);
	model_tags_clear(&o->tags);
	free(o);
}

static void nacl_free(struct model_nacl *o)
{
	free(o->entries);
	free(o->assocs);
	model_tags_clear(&o->tags);
	free(o);
}

static void eni_free(struct model_eni *o)
{
	free(o->description);
	free(o->ips);
	free(o->prefixes);
	free(o->sg_ids);
	model_tags_clear(&o->tags);
	free(o);
}

static void instance_free(struct model_instance *o)
{
	free(o->key_name);
	model_tags_clear(&o->tags);
	free(o);
}

static void igw_free(struct model_igw *o)
{
	model_tags_clear(&o->tags);
	free(o);
}

static void eip_free(struct model_eip *o)
{
	model_tags_clear(&o->tags);
	free(o);
}

static void nat_gateway_free(struct model_nat_gateway *o)
{
	free(o->failure_code);
	free(o->failure_message);
	model_tags_clear(&o->tags);
	free(o);
}

static void vgw_free(struct model_vgw *o)
{
	free(o->attachments);
	model_tags_clear(&o->tags);
	free(o);
}

static void cgw_free(struct model_cgw *o)
{
	free(o->device_name);
	model_tags_clear(&o->tags);
	free(o);
}

static void dopt_free(struct model_dopt *o)
{
	model_tags_clear(&o->tags);
	free(o);
}

static void vpn_free(struct model_vpn_connection *o)
{
	free(o->routes);
	free(o->customer_gateway_configuration);
	model_tags_clear(&o->tags);
	free(o);
}

static void flow_log_free(struct model_flow_log *o)
{
	free(o->destination);
	free(o->log_group_name);
	free(o->deliver_logs_permission_arn);
	free(o->format);
	model_tags_clear(&o->tags);
	free(o);
}

static void prefix_list_free(struct model_prefix_list *o)
{
	free(o->name);
	free(o->cidrs);
	model_tags_clear(&o->tags);
	free(o);
}

/* ---- generic add / find / remove ----------------------------------------- */

/*
 * Find goes through the kind's index (which catches up with objects appended
 * since); remove finds the object, drops it from the indexes, then from the
 * array.  Without an index (model_new() always makes them) both scan.
 */
#define MODEL_COLLECTION(kind, type, field, idfield)                                           \
	type *model_add_##kind(struct model *m)                                                \
	{                                                                                      \
		type *o = calloc(1, sizeof(*o));                                               \
		if (!o)                                                                        \
			return NULL;                                                           \
		if (VEC_PUSH(m->field, m->n_##field, m->cap_##field, o) < 0) {                 \
			free(o);                                                               \
			return NULL;                                                           \
		}                                                                              \
		return o;                                                                      \
	}                                                                                      \
	type *model_find_##kind(const struct model *m, const char *id)                         \
	{                                                                                      \
		if (!id)                                                                       \
			return NULL;                                                           \
		if (m->ix_##field)                                                             \
			return model_index_find(m->ix_##field, (void *const *)m->field,        \
						m->n_##field, id);                             \
		for (size_t i = 0; i < m->n_##field; i++)                                      \
			if (strcmp(m->field[i]->idfield, id) == 0)                             \
				return m->field[i];                                            \
		return NULL;                                                                   \
	}                                                                                      \
	int model_remove_##kind(struct model *m, const char *id)                               \
	{                                                                                      \
		type *o = model_find_##kind(m, id);                                            \
		size_t i = 0;                                                                  \
                                                                                               \
		if (!o)                                                                        \
			return 0;                                                              \
		while (m->field[i] != o)                                                       \
			i++;                                                                   \
		forget_##kind(m, o, i);                                                        \
		model_index_remove(m->ix_##field, o, i);                                       \
		kind##_free(o);                                                                \
		VEC_REMOVE(m->field, m->n_##field, i);                                         \
		return 1;                                                                      \
	}

/* Kinds with a second index drop their objects from it here. */
#define FORGET_NOTHING(kind, type)                                                             \
	static void forget_##kind(struct model *m, const type *o, size_t i)                    \
	{                                                                                      \
		(void)m;                                                                       \
		(void)o;                                                                       \
		(void)i;                                                                       \
	}
FORGET_NOTHING(vpc, struct model_vpc)
FORGET_NOTHING(subnet, struct model_subnet)
FORGET_NOTHING(route_table, struct model_route_table)
FORGET_NOTHING(sg, struct model_sg)
FORGET_NOTHING(nacl, struct model_nacl)
FORGET_NOTHING(instance, struct model_instance)
FORGET_NOTHING(igw, struct model_igw)
FORGET_NOTHING(eip, struct model_eip)
FORGET_NOTHING(nat_gateway, struct model_nat_gateway)
FORGET_NOTHING(vgw, struct model_vgw)
FORGET_NOTHING(cgw, struct model_cgw)
FORGET_NOTHING(vpn, struct model_vpn_connection)
FORGET_NOTHING(flow_log, struct model_flow_log)
FORGET_NOTHING(prefix_list, struct model_prefix_list)
FORGET_NOTHING(dopt, struct model_dopt)

static void forget_eni(struct model *m, const struct model_eni *o, size_t i)
{
	model_index_remove(m->ix_eni_macs, o, i);
}

MODEL_COLLECTION(vpc, struct model_vpc, vpcs, id)
MODEL_COLLECTION(subnet, struct model_subnet, subnets, id)
MODEL_COLLECTION(route_table, struct model_route_table, route_tables, id)
MODEL_COLLECTION(sg, struct model_sg, sgs, id)
MODEL_COLLECTION(nacl, struct model_nacl, nacls, id)
MODEL_COLLECTION(eni, struct model_eni, enis, id)
MODEL_COLLECTION(instance, struct model_instance, instances, id)
MODEL_COLLECTION(igw, struct model_igw, igws, id)
MODEL_COLLECTION(eip, struct model_eip, eips, allocation_id)
MODEL_COLLECTION(nat_gateway, struct model_nat_gateway, nat_gateways, id)
MODEL_COLLECTION(vgw, struct model_vgw, vgws, id)
MODEL_COLLECTION(cgw, struct model_cgw, cgws, id)
MODEL_COLLECTION(vpn, struct model_vpn_connection, vpns, id)
MODEL_COLLECTION(flow_log, struct model_flow_log, flow_logs, id)
MODEL_COLLECTION(prefix_list, struct model_prefix_list, prefix_lists, id)
MODEL_COLLECTION(dopt, struct model_dopt, dopts, id)

struct model_eni *model_find_eni_by_mac(const struct model *m, const char *mac)
{
	if (!mac)
		return NULL;
	if (m->ix_eni_macs)
		return model_index_find(m->ix_eni_macs, (void *const *)m->enis, m->n_enis, mac);
	for (size_t i = 0; i < m->n_enis; i++)
		if (strcmp(m->enis[i]->mac, mac) == 0)
			return m->enis[i];
	return NULL;
}

/* Every index with the array it follows and where its key lies in the objects. */
#define MODEL_INDEXES(X)                                                                       \
	X(ix_vpcs, vpcs, struct model_vpc, id)                                                 \
	X(ix_subnets, subnets, struct model_subnet, id)                                        \
	X(ix_route_tables, route_tables, struct model_route_table, id)                         \
	X(ix_sgs, sgs, struct model_sg, id)                                                    \
	X(ix_nacls, nacls, struct model_nacl, id)                                              \
	X(ix_enis, enis, struct model_eni, id)                                                 \
	X(ix_instances, instances, struct model_instance, id)                                  \
	X(ix_igws, igws, struct model_igw, id)                                                 \
	X(ix_eips, eips, struct model_eip, allocation_id)                                      \
	X(ix_nat_gateways, nat_gateways, struct model_nat_gateway, id)                         \
	X(ix_vgws, vgws, struct model_vgw, id)                                                 \
	X(ix_cgws, cgws, struct model_cgw, id)                                                 \
	X(ix_vpns, vpns, struct model_vpn_connection, id)                                      \
	X(ix_flow_logs, flow_logs, struct model_flow_log, id)                                  \
	X(ix_prefix_lists, prefix_lists, struct model_prefix_list, id)                         \
	X(ix_dopts, dopts, struct model_dopt, id)                                              \
	X(ix_eni_macs, enis, struct model_eni, mac)

int model_check_indexes(const struct model *m)
{
#define CHECK_INDEX(ix, field, type, key)                                                      \
	if (!m->ix || model_index_check(m->ix, (void *const *)m->field, m->n_##field) < 0)     \
		return -EINVAL;
	MODEL_INDEXES(CHECK_INDEX)
#undef CHECK_INDEX
	return 0;
}

static void free_indexes(struct model *m)
{
#define FREE_INDEX(ix, field, type, key) m->ix = model_index_free(m->ix);
	MODEL_INDEXES(FREE_INDEX)
#undef FREE_INDEX
}

struct model *model_new(const char *account_id, const char *region)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	util_strscpy(m->account_id, account_id ? account_id : "123456789012",
		     sizeof(m->account_id));
	util_strscpy(m->region, region ? region : "us-east-1", sizeof(m->region));
#define NEW_INDEX(ix, field, type, key)                                                        \
	if (!(m->ix = model_index_new(offsetof(type, key)))) {                                 \
		free_indexes(m);                                                               \
		free(m);                                                                       \
		return NULL;                                                                   \
	}
	MODEL_INDEXES(NEW_INDEX)
#undef NEW_INDEX
	return m;
}

#define FREE_ALL(kind, field)                                                                  \
	do {                                                                                   \
		for (size_t i = 0; i < m->n_##field; i++)                                      \
			kind##_free(m->field[i]);                                              \
		free(m->field);                                                                \
	} while (0)

struct model *model_free(struct model *m)
{
	if (!m)
		return NULL;
	FREE_ALL(vpc, vpcs);
	FREE_ALL(subnet, subnets);
	FREE_ALL(route_table, route_tables);
	FREE_ALL(sg, sgs);
	FREE_ALL(nacl, nacls);
	FREE_ALL(eni, enis);
	FREE_ALL(instance, instances);
	FREE_ALL(igw, igws);
	FREE_ALL(eip, eips);
	FREE_ALL(nat_gateway, nat_gateways);
	FREE_ALL(vgw, vgws);
	FREE_ALL(cgw, cgws);
	FREE_ALL(vpn, vpns);
	FREE_ALL(flow_log, flow_logs);
	FREE_ALL(prefix_list, prefix_lists);
	FREE_ALL(dopt, dopts);
	free_indexes(m);
	free(m);
	return NULL;
}

/* ---- element helpers ----------------------------------------------------- */

int model_vpc_add_cidr(struct model_vpc *vpc, const char *assoc_id, struct net_cidr4 cidr)
{
	struct model_vpc_cidr c = {.cidr = cidr, .state = MODEL_CIDR_ASSOCIATED};

	util_strscpy(c.association_id, assoc_id ? assoc_id : "", sizeof(c.association_id));
	return VEC_PUSH(vpc->cidrs, vpc->n_cidrs, vpc->cap_cidrs, c);
}

int model_rtb_add_route(struct model_route_table *rtb, const struct model_route *route)
{
	return VEC_PUSH(rtb->routes, rtb->n_routes, rtb->cap_routes, *route);
}

int model_rtb_add_assoc(struct model_route_table *rtb, const struct model_rtb_assoc *assoc)
{
	return VEC_PUSH(rtb->assocs, rtb->n_assocs, rtb->cap_assocs, *assoc);
}

int model_rtb_add_propagating_vgw(struct model_route_table *rtb, const char *vgw_id)
{
	int r;

	for (size_t i = 0; i < rtb->n_propagating_vgws; i++)
		if (strcmp(rtb->propagating_vgws[i], vgw_id) == 0)
			return 0;
	r = util_grow((void **)&rtb->propagating_vgws, &rtb->cap_propagating_vgws,
		      rtb->n_propagating_vgws + 1, sizeof(*rtb->propagating_vgws));
	if (r < 0)
		return r;
	util_strscpy(rtb->propagating_vgws[rtb->n_propagating_vgws++], vgw_id, MODEL_ID_LEN);
	return 0;
}

int model_sg_add_rule(struct model_sg *sg, const struct model_sg_rule *rule)
{
	struct model_sg_rule copy = *rule;
	int r;

	copy.description = NULL;
	memset(&copy.tags, 0, sizeof(copy.tags));
	if (rule->description && !(copy.description = strdup(rule->description)))
		return -ENOMEM;
	r = model_tags_copy(&copy.tags, &rule->tags);
	if (r < 0 || (r = VEC_PUSH(sg->rules, sg->n_rules, sg->cap_rules, copy)) < 0) {
		model_sg_rule_clear(&copy);
		return r;
	}
	return 0;
}

int model_nacl_add_entry(struct model_nacl *nacl, const struct model_nacl_entry *entry)
{
	size_t pos;
	int r;

	r = util_grow((void **)&nacl->entries, &nacl->cap_entries, nacl->n_entries + 1,
		      sizeof(*nacl->entries));
	if (r < 0)
		return r;
	for (pos = 0; pos < nacl->n_entries; pos++) {
		const struct model_nacl_entry *e = &nacl->entries[pos];

		if (e->egress > entry->egress ||
		    (e->egress == entry->egress && e->rule_number > entry->rule_number))
			break;
	}
	memmove(&nacl->entries[pos + 1], &nacl->entries[pos],
		(nacl->n_entries - pos) * sizeof(*nacl->entries));
	nacl->entries[pos] = *entry;
	nacl->n_entries++;
	return 0;
}

int model_nacl_add_assoc(struct model_nacl *nacl, const char *assoc_id, const char *subnet_id)
{
	struct model_nacl_assoc a;

	memset(&a, 0, sizeof(a));
	util_strscpy(a.id, assoc_id, sizeof(a.id));
	util_strscpy(a.subnet_id, subnet_id, sizeof(a.subnet_id));
	return VEC_PUSH(nacl->assocs, nacl->n_assocs, nacl->cap_assocs, a);
}

int model_eni_add_ip(struct model_eni *eni, const struct model_eni_ip *ip)
{
	return VEC_PUSH(eni->ips, eni->n_ips, eni->cap_ips, *ip);
}

int model_eni_add_prefix(struct model_eni *eni, struct net_cidr4 prefix)
{
	return VEC_PUSH(eni->prefixes, eni->n_prefixes, eni->cap_prefixes, prefix);
}

int model_eni_add_sg(struct model_eni *eni, const char *sg_id)
{
	int r;

	for (size_t i = 0; i < eni->n_sg_ids; i++)
		if (strcmp(eni->sg_ids[i], sg_id) == 0)
			return 0;
	r = util_grow((void **)&eni->sg_ids, &eni->cap_sg_ids, eni->n_sg_ids + 1,
		      sizeof(*eni->sg_ids));
	if (r < 0)
		return r;
	util_strscpy(eni->sg_ids[eni->n_sg_ids++], sg_id, MODEL_ID_LEN);
	return 0;
}

int model_vgw_add_attachment(struct model_vgw *vgw, const char *vpc_id, const char *state)
{
	struct model_vgw_attachment a;

	memset(&a, 0, sizeof(a));
	util_strscpy(a.vpc_id, vpc_id, sizeof(a.vpc_id));
	util_strscpy(a.state, state, sizeof(a.state));
	return VEC_PUSH(vgw->attachments, vgw->n_attachments, vgw->cap_attachments, a);
}

int model_vpn_add_route(struct model_vpn_connection *vpn, struct net_cidr4 cidr,
			const char *state)
{
	struct model_vpn_route rt;

	memset(&rt, 0, sizeof(rt));
	rt.cidr = cidr;
	util_strscpy(rt.state, state ? state : "available", sizeof(rt.state));
	return VEC_PUSH(vpn->routes, vpn->n_routes, vpn->cap_routes, rt);
}

int model_prefix_list_add_cidr(struct model_prefix_list *pl, struct net_cidr4 cidr)
{
	return VEC_PUSH(pl->cidrs, pl->n_cidrs, pl->cap_cidrs, cidr);
}

/* ---- derived views ------------------------------------------------------- */

struct model_route_table *model_vpc_main_route_table(const struct model *m, const char *vpc_id)
{
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *t = m->route_tables[i];

		if (strcmp(t->vpc_id, vpc_id) != 0)
			continue;
		for (size_t j = 0; j < t->n_assocs; j++)
			if (t->assocs[j].main)
				return t;
	}
	return NULL;
}

struct model_route_table *model_subnet_route_table(const struct model *m, const char *subnet_id)
{
	const struct model_subnet *s = model_find_subnet(m, subnet_id);

	if (!s)
		return NULL;
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *t = m->route_tables[i];

		for (size_t j = 0; j < t->n_assocs; j++)
			if (strcmp(t->assocs[j].subnet_id, subnet_id) == 0)
				return t;
	}
	return model_vpc_main_route_table(m, s->vpc_id);
}

struct model_route_table *model_gateway_route_table(const struct model *m, const char *gateway_id)
{
	for (size_t i = 0; i < m->n_route_tables; i++) {
		struct model_route_table *t = m->route_tables[i];

		for (size_t j = 0; j < t->n_assocs; j++)
			if (t->assocs[j].gateway_id[0] &&
			    strcmp(t->assocs[j].gateway_id, gateway_id) == 0)
				return t;
	}
	return NULL;
}

struct model_nacl *model_vpc_default_nacl(const struct model *m, const char *vpc_id)
{
	for (size_t i = 0; i < m->n_nacls; i++)
		if (m->nacls[i]->is_default && strcmp(m->nacls[i]->vpc_id, vpc_id) == 0)
			return m->nacls[i];
	return NULL;
}

struct model_nacl *model_subnet_nacl(const struct model *m, const char *subnet_id)
{
	const struct model_subnet *s = model_find_subnet(m, subnet_id);

	if (!s)
		return NULL;
	for (size_t i = 0; i < m->n_nacls; i++) {
		struct model_nacl *n = m->nacls[i];

		for (size_t j = 0; j < n->n_assocs; j++)
			if (strcmp(n->assocs[j].subnet_id, subnet_id) == 0)
				return n;
	}
	return model_vpc_default_nacl(m, s->vpc_id);
}

struct model_nacl *model_nacl_of_assoc(const struct model *m, const char *assoc_id,
				       size_t *ret_index)
{
	for (size_t i = 0; i < m->n_nacls; i++) {
		struct model_nacl *n = m->nacls[i];

		for (size_t j = 0; j < n->n_assocs; j++)
			if (strcmp(n->assocs[j].id, assoc_id) == 0) {
				if (ret_index)
					*ret_index = j;
				return n;
			}
	}
	return NULL;
}

struct model_eip *model_eip_of_assoc(const struct model *m, const char *assoc_id)
{
	for (size_t i = 0; assoc_id && *assoc_id && i < m->n_eips; i++)
		if (strcmp(m->eips[i]->association_id, assoc_id) == 0)
			return m->eips[i];
	return NULL;
}

struct model_sg *model_sg_of_rule(const struct model *m, const char *rule_id, size_t *ret_index)
{
	for (size_t i = 0; rule_id && i < m->n_sgs; i++)
		for (size_t j = 0; j < m->sgs[i]->n_rules; j++)
			if (strcmp(m->sgs[i]->rules[j].id, rule_id) == 0) {
				if (ret_index)
					*ret_index = j;
				return m->sgs[i];
			}
	return NULL;
}

struct model_igw *model_vpc_igw(const struct model *m, const char *vpc_id)
{
	for (size_t i = 0; i < m->n_igws; i++)
		if (strcmp(m->igws[i]->attachment.vpc_id, vpc_id) == 0)
			return m->igws[i];
	return NULL;
}

struct model_vgw *model_vpc_vgw(const struct model *m, const char *vpc_id)
{
	for (size_t i = 0; i < m->n_vgws; i++) {
		struct model_vgw *g = m->vgws[i];

		for (size_t j = 0; j < g->n_attachments; j++)
			if (strcmp(g->attachments[j].vpc_id, vpc_id) == 0 &&
			    strcmp(g->attachments[j].state, "attached") == 0)
				return g;
	}
	return NULL;
}

struct model_eni *model_find_eni_by_ip(const struct model *m, const char *vpc_id, uint32_t ip)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		struct model_eni *e = m->enis[i];

		if (vpc_id && strcmp(e->vpc_id, vpc_id) != 0)
			continue;
		for (size_t j = 0; j < e->n_ips; j++)
			if (e->ips[j].ip == ip)
				return e;
		for (size_t j = 0; j < e->n_prefixes; j++)
			if (net_cidr4_contains(e->prefixes[j], ip))
				return e;
	}
	return NULL;
}

struct model_eni *model_find_eni_by_public_ip(const struct model *m, uint32_t public_ip,
					      uint32_t *ret_private_ip)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		struct model_eni *e = m->enis[i];

		for (size_t j = 0; j < e->n_ips; j++) {
			if (e->ips[j].public_ip == public_ip && public_ip != 0) {
				if (ret_private_ip)
					*ret_private_ip = e->ips[j].ip;
				return e;
			}
		}
	}
	return NULL;
}

struct model_eni *model_find_eni_by_attachment(const struct model *m, const char *attachment_id)
{
	for (size_t i = 0; attachment_id && i < m->n_enis; i++)
		if (m->enis[i]->attachment.present &&
		    strcmp(m->enis[i]->attachment.id, attachment_id) == 0)
			return m->enis[i];
	return NULL;
}

struct model_eni *model_instance_primary_eni(const struct model *m, const char *instance_id)
{
	for (size_t i = 0; i < m->n_enis; i++) {
		struct model_eni *e = m->enis[i];

		if (e->attachment.present && e->attachment.device_index == 0 &&
		    strcmp(e->attachment.instance_id, instance_id) == 0)
			return e;
	}
	return NULL;
}

struct model_subnet *model_vpc_subnet_for_ip(const struct model *m, const char *vpc_id,
					     uint32_t ip)
{
	for (size_t i = 0; i < m->n_subnets; i++) {
		struct model_subnet *s = m->subnets[i];

		if (strcmp(s->vpc_id, vpc_id) == 0 && net_cidr4_contains(s->cidr, ip))
			return s;
	}
	return NULL;
}

static size_t instance_eni_count(const struct model *m, const char *instance_id)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_enis; i++)
		if (m->enis[i]->attachment.present &&
		    strcmp(m->enis[i]->attachment.instance_id, instance_id) == 0)
			n++;
	return n;
}

bool model_route_active(const struct model *m, const struct model_route_table *rtb,
			const struct model_route *route)
{
	if (route->blackhole)
		return false;
	switch (route->target_type) {
	case MODEL_TARGET_LOCAL:
		return true;
	case MODEL_TARGET_IGW: {
		const struct model_igw *g = model_find_igw(m, route->target_id);

		return g && strcmp(g->attachment.vpc_id, rtb->vpc_id) == 0;
	}
	case MODEL_TARGET_VGW: {
		const struct model_vgw *g = model_find_vgw(m, route->target_id);

		if (!g)
			return false;
		for (size_t i = 0; i < g->n_attachments; i++)
			if (strcmp(g->attachments[i].vpc_id, rtb->vpc_id) == 0 &&
			    strcmp(g->attachments[i].state, "attached") == 0)
				return true;
		return false;
	}
	case MODEL_TARGET_NAT: {
		const struct model_nat_gateway *n = model_find_nat_gateway(m, route->target_id);

		return n && (n->state == MODEL_STATE_AVAILABLE || n->state == MODEL_STATE_PENDING);
	}
	case MODEL_TARGET_ENI: {
		const struct model_eni *e = model_find_eni(m, route->target_id);

		return e != NULL;
	}
	case MODEL_TARGET_INSTANCE: {
		const struct model_instance *in = model_find_instance(m, route->target_id);

		return in && in->state == MODEL_INSTANCE_RUNNING &&
		       instance_eni_count(m, in->id) == 1;
	}
	case MODEL_TARGET_NONE:
		return false;
	default:
		/* Peering, TGW, endpoints: present but not modelled as forwarding. */
		return true;
	}
}

static bool rtb_has_cidr_route(const struct model_route_table *rtb, struct net_cidr4 c)
{
	for (size_t i = 0; i < rtb->n_routes; i++)
		if (rtb->routes[i].dest_type == MODEL_DEST_CIDR4 &&
		    rtb->routes[i].origin == MODEL_ORIGIN_PROPAGATED &&
		    net_cidr4_equal(rtb->routes[i].dest, c))
			return true;
	return false;
}

int model_rtb_foreach_propagated(const struct model *m, const struct model_route_table *rtb,
				 int (*fn)(const struct model_route *route, void *userdata),
				 void *userdata)
{
	for (size_t i = 0; i < rtb->n_propagating_vgws; i++) {
		const char *vgw_id = rtb->propagating_vgws[i];
		const struct model_vgw *g = model_find_vgw(m, vgw_id);
		bool attached = false;

		if (!g)
			continue;
		for (size_t j = 0; j < g->n_attachments; j++)
			if (strcmp(g->attachments[j].vpc_id, rtb->vpc_id) == 0 &&
			    strcmp(g->attachments[j].state, "attached") == 0)
				attached = true;
		if (!attached)
			continue;
		for (size_t j = 0; j < m->n_vpns; j++) {
			const struct model_vpn_connection *v = m->vpns[j];

			if (strcmp(v->vgw_id, vgw_id) != 0 || v->state != MODEL_STATE_AVAILABLE)
				continue;
			for (size_t k = 0; k < v->n_routes; k++) {
				struct model_route rt;
				int r;

				if (strcmp(v->routes[k].state, "available") != 0 ||
				    rtb_has_cidr_route(rtb, v->routes[k].cidr))
					continue;
				memset(&rt, 0, sizeof(rt));
				rt.dest_type = MODEL_DEST_CIDR4;
				rt.dest = v->routes[k].cidr;
				rt.target_type = MODEL_TARGET_VGW;
				util_strscpy(rt.target_id, vgw_id, sizeof(rt.target_id));
				rt.origin = MODEL_ORIGIN_PROPAGATED;
				r = fn(&rt, userdata);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

/* ---- names --------------------------------------------------------------- */

const char *model_state_name(enum model_state s)
{
	static const char *const names[] = {"pending", "available", "deleting", "deleted",
					    "failed"};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *model_cidr_state_name(enum model_cidr_state s)
{
	static const char *const names[] = {"associating",    "associated", "disassociating",
					    "disassociated", "failing",    "failed"};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *model_route_origin_name(enum model_route_origin o)
{
	static const char *const names[] = {"CreateRouteTable", "CreateRoute",
					    "EnableVgwRoutePropagation", "Advertisement"};

	return (unsigned)o < ARRAY_SIZE(names) ? names[o] : "CreateRoute";
}

const char *model_instance_state_name(enum model_instance_state s)
{
	static const char *const names[] = {"pending",	   "running",  "shutting-down",
					    "terminated", "stopping", "stopped"};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

int model_instance_state_code(enum model_instance_state s)
{
	static const int codes[] = {0, 16, 32, 48, 64, 80};

	return (unsigned)s < ARRAY_SIZE(codes) ? codes[s] : 0;
}

const char *model_eni_status_name(enum model_eni_status s)
{
	static const char *const names[] = {"available", "attaching", "in-use", "detaching",
					    "associated"};

	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "available";
}

const char *model_protocol_name(int protocol, char buf[8])
{
	switch (protocol) {
	case MODEL_PROTO_ALL:
		return "-1";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, 8, "%d", protocol);
		return buf;
	}
}

int model_protocol_parse(const char *s, int *ret_protocol)
{
	long v;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "-1") == 0 || strcasecmp(s, "all") == 0) {
		*ret_protocol = MODEL_PROTO_ALL;
		return 0;
	}
	if (strcasecmp(s, "tcp") == 0) {
		*ret_protocol = 6;
		return 0;
	}
	if (strcasecmp(s, "udp") == 0) {
		*ret_protocol = 17;
		return 0;
	}
	if (strcasecmp(s, "icmp") == 0) {
		*ret_protocol = 1;
		return 0;
	}
	if (strcasecmp(s, "icmpv6") == 0) {
		*ret_protocol = 58;
		return 0;
	}
	if (util_parse_long(s, 0, 255, &v) < 0)
		return -EINVAL;
	*ret_protocol = (int)v;
	return 0;
}

enum model_target_type model_target_type_from_id(const char *id)
{
	static const struct {
		const char *prefix;
		enum model_target_type type;
	} map[] = {
		{"igw-", MODEL_TARGET_IGW},   {"eigw-", MODEL_TARGET_EIGW},
		{"nat-", MODEL_TARGET_NAT},   {"eni-", MODEL_TARGET_ENI},
		{"i-", MODEL_TARGET_INSTANCE}, {"vgw-", MODEL_TARGET_VGW},
		{"pcx-", MODEL_TARGET_PCX},   {"tgw-", MODEL_TARGET_TGW},
		{"vpce-", MODEL_TARGET_VPCE},
	};

	if (!id || !*id)
		return MODEL_TARGET_NONE;
	if (strcmp(id, "local") == 0)
		return MODEL_TARGET_LOCAL;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strncmp(id, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].type;
	return MODEL_TARGET_OTHER;
}
