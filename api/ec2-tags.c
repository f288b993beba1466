/*
 * ec2-tags: CreateTags, DeleteTags and DescribeTags over every taggable
 * resource of the Region, through lib/model/ops-tags.h.
 *
 * DescribeTags lists one item per (resource, tag), ordered by resource ID
 * then key; its NextToken encodes "<resource id>\t<key>" of the last item.
 */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-tags.h"
#include "lib/util/util.h"

/* ID prefix -> DescribeTags resourceType (longest prefixes first). */
static const struct {
	const char *prefix, *type;
} resource_types[] = {
    {"eipalloc-", "elastic-ip"}, {"subnet-", "subnet"},		  {"vpc-", "vpc"},
    {"rtb-", "route-table"},	 {"sgr-", "security-group-rule"}, {"sg-", "security-group"},
    {"acl-", "network-acl"},	 {"eni-", "network-interface"},	  {"igw-", "internet-gateway"},
    {"nat-", "natgateway"},	 {"vgw-", "vpn-gateway"},	  {"cgw-", "customer-gateway"},
    {"vpn-", "vpn-connection"},	 {"fl-", "vpc-flow-log"},	  {"pl-", "prefix-list"},
    {"dopt-", "dhcp-options"},	 {"i-", "instance"},
};

static const char *resource_type_of(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(resource_types); i++)
		if (strncmp(id, resource_types[i].prefix, strlen(resource_types[i].prefix)) == 0)
			return resource_types[i].type;
	return "unknown";
}

static int get_tags(struct api_req *r, bool values_required, struct model_tag **ret, size_t *ret_n)
{
	struct api_tag *t;
	struct model_tag *mt;
	size_t n;
	int e;

	e = api_get_tags(r, "Tag", values_required, &t, &n);
	if (e < 0)
		return e;
	mt = api_alloc(r, (n + 1) * sizeof(*mt));
	if (!mt)
		return api_fail(r, 500, "InternalError", "Out of memory");
	for (size_t i = 0; i < n; i++) {
		mt[i].key = (char *)t[i].key;
		mt[i].value = (char *)t[i].value;
	}
	*ret = mt;
	*ret_n = n;
	return 0;
}

static int create_or_delete(struct api_req *r, bool create)
{
	const char **ids = NULL;
	struct model_tag *tags = NULL;
	size_t n_ids = 0, n_tags = 0;
	struct model_err err = {0};
	int e;

	if ((e = api_get_str_list(r, &ids, &n_ids, "ResourceId")) < 0)
		return e;
	if (n_ids == 0)
		return api_fail_missing(r, "ResourceId");
	if ((e = get_tags(r, false, &tags, &n_tags)) < 0)
		return e;
	if (create && n_tags == 0)
		return api_fail_missing(r, "Tag");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if (create) {
		for (size_t i = 0; i < n_tags; i++)
			if (!tags[i].value)
				tags[i].value = (char *)"";
		e = model_op_create_tags(r->model, r->mctx, ids, n_ids, tags, n_tags, &err);
	} else {
		e = model_op_delete_tags(r->model, r->mctx, ids, n_ids, tags, n_tags, &err);
	}
	if (e < 0)
		return api_fail_model(r, e, &err);
	/*
	 * Only these resources' tags changed: the save need not look further.
	 * A security group rule's tags are saved with its group.
	 */
	for (size_t i = 0; i < n_ids; i++) {
		const struct model_sg *sg = strncmp(ids[i], "sgr-", 4) == 0
						? model_sg_of_rule(r->model, ids[i], NULL)
						: NULL;

		if (sg)
			ids[i] = api_strdup(r, sg->id); /* (NULL: no hint, a full save) */
	}
	api_set_touched(r, ids, n_ids);
	api_xml_return_true(r);
	return 0;
}

static int create_tags(struct api_req *r)
{
	return create_or_delete(r, true);
}

static int delete_tags(struct api_req *r)
{
	return create_or_delete(r, false);
}

/* ---- DescribeTags ------------------------------------------------------------- */

struct tag_view {
	const char *resource_id;
	const char *type;
	const struct model_tag *tag;
	char *pos; /* "<id>\t<key>", the paging position */
};

#define V(o) ((const struct tag_view *)(o))

static void f_key(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, V(o)->tag->key);
}
static void f_value(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, V(o)->tag->value ? V(o)->tag->value : "");
}
static void f_resource_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, V(o)->resource_id);
}
static void f_resource_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, V(o)->type);
}

static const struct api_filter_field tag_fields[] = {
    {"key", f_key},
    {"resource-id", f_resource_id},
    {"resource-type", f_resource_type},
    {"value", f_value},
};
static const struct api_filter_table tag_filters = {tag_fields, ARRAY_SIZE(tag_fields), NULL};

static const char *view_pos(const void *o)
{
	return V(o)->pos;
}

struct tag_collect {
	struct api_req *r;
	const struct api_filters *f;
	const void **items;
	size_t n, cap;
	bool oom;
};

static void add_resource(struct tag_collect *c, const char *id, const struct model_tags *tags)
{
	for (size_t i = 0; i < tags->n && !c->oom; i++) {
		struct tag_view *v = api_alloc(c->r, sizeof(*v));
		size_t len = strlen(id) + strlen(tags->items[i].key) + 2;

		if (!v || !(v->pos = api_alloc(c->r, len))) {
			c->oom = true;
			return;
		}
		v->resource_id = id;
		v->type = resource_type_of(id);
		v->tag = &tags->items[i];
		snprintf(v->pos, len, "%s\t%s", id, tags->items[i].key);
		if (!api_filters_match(c->f, v))
			continue;
		if (VEC_PUSH(c->items, c->n, c->cap, (const void *)v) < 0)
			c->oom = true;
	}
}

static void collect_all(struct tag_collect *c, const struct model *m)
{
#define EACH(coll, idf)                                                                            \
	for (size_t i = 0; i < m->n_##coll; i++)                                                   \
		add_resource(c, m->coll[i]->idf, &m->coll[i]->tags);
	EACH(vpcs, id)
	EACH(subnets, id)
	EACH(route_tables, id)
	EACH(sgs, id)
	EACH(nacls, id)
	EACH(enis, id)
	EACH(instances, id)
	EACH(igws, id)
	EACH(eips, allocation_id)
	EACH(nat_gateways, id)
	EACH(vgws, id)
	EACH(cgws, id)
	EACH(vpns, id)
	EACH(flow_logs, id)
	EACH(prefix_lists, id)
	EACH(dopts, id)
#undef EACH
	for (size_t i = 0; i < m->n_sgs; i++)
		for (size_t j = 0; j < m->sgs[i]->n_rules; j++)
			add_resource(c, m->sgs[i]->rules[j].id, &m->sgs[i]->rules[j].tags);
}

static int describe_tags(struct api_req *r)
{
	struct api_filters f;
	struct api_page pg;
	struct tag_collect c = {.r = r};
	size_t start, count;
	bool more;
	int e;

	if ((e = api_filters_parse(r, &tag_filters, &f)) < 0 ||
	    (e = api_page_parse(r, 5, 1000, &pg)) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	c.f = &f;
	collect_all(&c, r->model);
	if (c.oom) {
		free(c.items);
		return api_fail(r, 500, "InternalError", "Out of memory");
	}
	api_page_select(&pg, c.items, c.n, view_pos, &start, &count, &more);
	api_xml_start(r, "tagSet");
	for (size_t i = start; i < start + count; i++) {
		const struct tag_view *v = c.items[i];

		api_xml_start(r, "item");
		api_xml_str(r, "resourceId", v->resource_id);
		api_xml_str(r, "resourceType", v->type);
		api_xml_str(r, "key", v->tag->key);
		api_xml_str(r, "value", v->tag->value ? v->tag->value : "");
		api_xml_end(r);
	}
	api_xml_end(r);
	if (more)
		api_xml_next_token(r, view_pos(c.items[start + count - 1]));
	free(c.items);
	return 0;
}

API_FAMILY_DEFINE(tags, {"CreateTags", create_tags, API_MUTATING},
		  {"DeleteTags", delete_tags, API_MUTATING},
		  {"DescribeTags", describe_tags, API_READ}, );
