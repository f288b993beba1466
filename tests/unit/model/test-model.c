/*
 * Tests for model.c's derived views: model_subnet_route_table,
 * model_subnet_nacl, model_route_active, model_rtb_foreach_propagated and
 * the tag helpers.  The model is built directly with model_add_* so these
 * tests depend on no operation family.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/ops.h"

static struct model *m;
static struct util_rng rng;
static struct model_ctx ctx;

static void setup(void)
{
	util_rng_seed(&rng, 11);
	model_ctx_init(&ctx, "us-east-1", &rng);
	m = model_new("123456789012", "us-east-1");
	cr_assert_not_null(m);
}

static void teardown(void)
{
	if (m && model_check_indexes(m) < 0) /* the look-up indexes against the arrays */
		abort();
	m = model_free(m);
}

TestSuite(model, .init = setup, .fini = teardown);

static struct net_cidr4 C(const char *s) {
	struct net_cidr4 c = {0};

	cr_assert_eq(net_cidr4_parse(s, &c), 0);
	return c;
}

static void
set_id(char dst[MODEL_ID_LEN], const char *prefix)
{
	char id[MODEL_ID_LEN];

	model_new_id(m, &ctx, prefix, id);
	memcpy(dst, id, MODEL_ID_LEN);
}

static struct model_vpc *vpc(const char *cidr)
{
	struct model_vpc *v = model_add_vpc(m);
	char assoc[MODEL_ID_LEN];

	cr_assert_not_null(v);
	set_id(v->id, "vpc-");
	model_new_id(m, &ctx, "vpc-cidr-assoc-", assoc);
	cr_assert_eq(model_vpc_add_cidr(v, assoc, C(cidr)), 0);
	return v;
}

static struct model_subnet *subnet(const struct model_vpc *v, const char *cidr)
{
	struct model_subnet *s = model_add_subnet(m);

	cr_assert_not_null(s);
	set_id(s->id, "subnet-");
	strcpy(s->vpc_id, v->id);
	s->cidr = C(cidr);
	return s;
}

static struct model_route_table *table(const struct model_vpc *v, bool main)
{
	struct model_route_table *t = model_add_route_table(m);
	struct model_rtb_assoc a = {0};

	cr_assert_not_null(t);
	set_id(t->id, "rtb-");
	strcpy(t->vpc_id, v->id);
	if (main) {
		set_id(a.id, "rtbassoc-");
		a.main = true;
		cr_assert_eq(model_rtb_add_assoc(t, &a), 0);
	}
	return t;
}

static void associate(struct model_route_table *t, const struct model_subnet *s)
{
	struct model_rtb_assoc a = {0};

	set_id(a.id, "rtbassoc-");
	strcpy(a.subnet_id, s->id);
	cr_assert_eq(model_rtb_add_assoc(t, &a), 0);
}

static struct model_nacl *nacl(const struct model_vpc *v, bool is_default)
{
	struct model_nacl *n = model_add_nacl(m);

	cr_assert_not_null(n);
	set_id(n->id, "acl-");
	strcpy(n->vpc_id, v->id);
	n->is_default = is_default;
	return n;
}

static struct model_route route(enum model_target_type type, const char *target)
{
	struct model_route r = {0};

	r.dest_type = MODEL_DEST_CIDR4;
	r.dest = C("0.0.0.0/0");
	r.target_type = type;
	strcpy(r.target_id, target);
	r.origin = MODEL_ORIGIN_CREATE_ROUTE;
	return r;
}

/* ---- model_subnet_route_table -------------------------------------------- */

Test(model, subnet_route_table_is_main_without_explicit_association)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_subnet *s = subnet(v, "10.0.1.0/24");
	struct model_route_table *main = table(v, true);

	table(v, false);
	cr_assert_eq(model_subnet_route_table(m, s->id), main);
	cr_assert_eq(model_vpc_main_route_table(m, v->id), main);
}

Test(model, subnet_route_table_explicit_association_wins)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_subnet *a = subnet(v, "10.0.1.0/24");
	struct model_subnet *b = subnet(v, "10.0.2.0/24");
	struct model_route_table *main = table(v, true);
	struct model_route_table *t = table(v, false);

	associate(t, a);
	cr_assert_eq(model_subnet_route_table(m, a->id), t);
	cr_assert_eq(model_subnet_route_table(m, b->id), main);
}

Test(model, subnet_route_table_unknown_subnet_or_no_main_is_null)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_subnet *s = subnet(v, "10.0.1.0/24");

	cr_assert_null(model_subnet_route_table(m, "subnet-00000000"));
	cr_assert_null(model_subnet_route_table(m, s->id)); /* no main table yet */
}

Test(model, main_route_table_is_per_vpc)
{
	struct model_vpc *v = vpc("10.0.0.0/16"), *w = vpc("10.1.0.0/16");
	struct model_route_table *tv = table(v, true), *tw = table(w, true);
	struct model_subnet *sw = subnet(w, "10.1.0.0/24");

	cr_assert_eq(model_vpc_main_route_table(m, v->id), tv);
	cr_assert_eq(model_subnet_route_table(m, sw->id), tw);
}

/* ---- model_subnet_nacl ----------------------------------------------------- */

Test(model, subnet_nacl_explicit_association_else_default)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_subnet *a = subnet(v, "10.0.1.0/24");
	struct model_subnet *b = subnet(v, "10.0.2.0/24");
	struct model_nacl *def = nacl(v, true);
	struct model_nacl *custom = nacl(v, false);
	char assoc[MODEL_ID_LEN];

	set_id(assoc, "aclassoc-");
	cr_assert_eq(model_nacl_add_assoc(custom, assoc, a->id), 0);
	cr_assert_eq(model_subnet_nacl(m, a->id), custom);
	cr_assert_eq(model_subnet_nacl(m, b->id), def);
	cr_assert_eq(model_vpc_default_nacl(m, v->id), def);
	cr_assert_null(model_subnet_nacl(m, "subnet-00000000"));
}

Test(model, subnet_nacl_default_of_own_vpc_only)
{
	struct model_vpc *v = vpc("10.0.0.0/16"), *w = vpc("10.1.0.0/16");
	struct model_subnet *s = subnet(w, "10.1.1.0/24");

	nacl(v, true);
	cr_assert_null(model_subnet_nacl(m, s->id));
	struct model_nacl *dw = nacl(w, true);

	cr_assert_eq(model_subnet_nacl(m, s->id), dw);
}

/* ---- model_route_active ---------------------------------------------------- */

Test(model, route_active_local_and_none)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_route r = route(MODEL_TARGET_LOCAL, "local");

	cr_assert(model_route_active(m, t, &r));
	r.blackhole = true; /* imported blackhole stays blackhole */
	cr_assert_not(model_route_active(m, t, &r));
	r = route(MODEL_TARGET_NONE, "");
	cr_assert_not(model_route_active(m, t, &r));
}

Test(model, route_active_igw_only_when_attached_to_the_tables_vpc)
{
	struct model_vpc *v = vpc("10.0.0.0/16"), *w = vpc("10.1.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_igw *g = model_add_igw(m);
	struct model_route r;

	set_id(g->id, "igw-");
	r = route(MODEL_TARGET_IGW, g->id);
	cr_assert_not(model_route_active(m, t, &r)); /* detached */
	strcpy(g->attachment.vpc_id, w->id);
	cr_assert_not(model_route_active(m, t, &r)); /* another VPC */
	strcpy(g->attachment.vpc_id, v->id);
	cr_assert(model_route_active(m, t, &r));
	r = route(MODEL_TARGET_IGW, "igw-00000000");
	cr_assert_not(model_route_active(m, t, &r)); /* gone */
}

Test(model, route_active_vgw_needs_attached_state)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_vgw *g = model_add_vgw(m);
	struct model_route r;

	set_id(g->id, "vgw-");
	r = route(MODEL_TARGET_VGW, g->id);
	cr_assert_not(model_route_active(m, t, &r));
	cr_assert_eq(model_vgw_add_attachment(g, v->id, "detached"), 0);
	cr_assert_not(model_route_active(m, t, &r));
	strcpy(g->attachments[0].state, "attached");
	cr_assert(model_route_active(m, t, &r));
}

Test(model, route_active_nat_only_while_available)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_nat_gateway *n = model_add_nat_gateway(m);
	struct model_route r;

	set_id(n->id, "nat-");
	n->state = MODEL_STATE_AVAILABLE;
	r = route(MODEL_TARGET_NAT, n->id);
	cr_assert(model_route_active(m, t, &r));
	n->state = MODEL_STATE_DELETED;
	cr_assert_not(model_route_active(m, t, &r));
	n->state = MODEL_STATE_FAILED;
	cr_assert_not(model_route_active(m, t, &r));
}

Test(model, route_active_eni_until_removed)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_eni *e = model_add_eni(m);
	struct model_route r;

	set_id(e->id, "eni-");
	r = route(MODEL_TARGET_ENI, e->id);
	cr_assert(model_route_active(m, t, &r));
	cr_assert_eq(model_remove_eni(m, r.target_id), 1);
	cr_assert_not(model_route_active(m, t, &r));
}

Test(model, route_active_instance_running_with_exactly_one_eni)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_instance *in = model_add_instance(m);
	struct model_eni *e1 = model_add_eni(m), *e2;
	struct model_route r;

	set_id(in->id, "i-");
	set_id(e1->id, "eni-");
	in->state = MODEL_INSTANCE_RUNNING;
	r = route(MODEL_TARGET_INSTANCE, in->id);
	cr_assert_not(model_route_active(m, t, &r)); /* no ENI */
	e1->attachment.present = true;
	strcpy(e1->attachment.instance_id, in->id);
	cr_assert(model_route_active(m, t, &r));
	e2 = model_add_eni(m);
	set_id(e2->id, "eni-");
	e2->attachment.present = true;
	strcpy(e2->attachment.instance_id, in->id);
	cr_assert_not(model_route_active(m, t, &r)); /* two ENIs */
	e2->attachment.present = false;
	in->state = MODEL_INSTANCE_STOPPED;
	cr_assert_not(model_route_active(m, t, &r));
}

Test(model, route_active_unmodelled_targets_are_kept_active)
{
	struct model_vpc *v = vpc("10.0.0.0/16");
	struct model_route_table *t = table(v, true);
	struct model_route r = route(MODEL_TARGET_PCX, "pcx-0123");

	cr_assert(model_route_active(m, t, &r));
}

/* ---- model_rtb_foreach_propagated ----------------------------------------- */

struct collected {
	struct net_cidr4 dest[8];
	size_t n;
	size_t stop_after; /* 0 = never */
};

static int collect(const struct model_route *r, void *u)
{
	struct collected *c = u;

	cr_assert_eq(r->origin, MODEL_ORIGIN_PROPAGATED);
	cr_assert_eq(r->target_type, MODEL_TARGET_VGW);
	cr_assert_lt(c->n, 8);
	c->dest[c->n++] = r->dest;
	return c->stop_after && c->n == c->stop_after ? 42 : 0;
}

struct prop_fixture {
	struct model_vpc *v;
	struct model_route_table *t;
	struct model_vgw *g;
	struct model_vpn_connection *vpn;
};

static void prop_setup(struct prop_fixture *f)
{
	f->v = vpc("10.0.0.0/16");
	f->t = table(f->v, true);
	f->g = model_add_vgw(m);
	set_id(f->g->id, "vgw-");
	cr_assert_eq(model_vgw_add_attachment(f->g, f->v->id, "attached"), 0);
	f->vpn = model_add_vpn(m);
	set_id(f->vpn->id, "vpn-");
	strcpy(f->vpn->vgw_id, f->g->id);
	f->vpn->state = MODEL_STATE_AVAILABLE;
	cr_assert_eq(model_vpn_add_route(f->vpn, C("192.168.0.0/24"), "available"), 0);
	cr_assert_eq(model_vpn_add_route(f->vpn, C("192.168.1.0/24"), "available"), 0);
	cr_assert_eq(model_vpn_add_route(f->vpn, C("192.168.2.0/24"), "pending"), 0);
}

Test(model, propagated_routes_need_the_vgw_in_the_table_list)
{
	struct prop_fixture f;
	struct collected c = {0};

	prop_setup(&f);
	cr_assert_eq(model_rtb_foreach_propagated(m, f.t, collect, &c), 0);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(model_rtb_add_propagating_vgw(f.t, f.g->id), 0);
	cr_assert_eq(model_rtb_foreach_propagated(m, f.t, collect, &c), 0);
	cr_assert_eq(c.n, 2); /* the pending route is not propagated */
	cr_assert(net_cidr4_equal(c.dest[0], C("192.168.0.0/24")));
	cr_assert(net_cidr4_equal(c.dest[1], C("192.168.1.0/24")));
}

Test(model, propagated_routes_need_an_attached_vgw_and_available_vpn)
{
	struct prop_fixture f;
	struct collected c = {0};

	prop_setup(&f);
	cr_assert_eq(model_rtb_add_propagating_vgw(f.t, f.g->id), 0);
	strcpy(f.g->attachments[0].state, "detached");
	model_rtb_foreach_propagated(m, f.t, collect, &c);
	cr_assert_eq(c.n, 0);
	strcpy(f.g->attachments[0].state, "attached");
	f.vpn->state = MODEL_STATE_DELETED;
	model_rtb_foreach_propagated(m, f.t, collect, &c);
	cr_assert_eq(c.n, 0);
}

Test(model, propagated_routes_already_in_table_are_not_repeated)
{
	struct prop_fixture f;
	struct collected c = {0};
	struct model_route r = route(MODEL_TARGET_VGW, "");

	prop_setup(&f);
	cr_assert_eq(model_rtb_add_propagating_vgw(f.t, f.g->id), 0);
	strcpy(r.target_id, f.g->id);
	r.dest = C("192.168.0.0/24");
	r.origin = MODEL_ORIGIN_PROPAGATED;
	cr_assert_eq(model_rtb_add_route(f.t, &r), 0);
	model_rtb_foreach_propagated(m, f.t, collect, &c);
	cr_assert_eq(c.n, 1);
	cr_assert(net_cidr4_equal(c.dest[0], C("192.168.1.0/24")));
}

Test(model, propagated_iteration_stops_on_nonzero)
{
	struct prop_fixture f;
	struct collected c = {.stop_after = 1};

	prop_setup(&f);
	cr_assert_eq(model_rtb_add_propagating_vgw(f.t, f.g->id), 0);
	cr_assert_eq(model_rtb_foreach_propagated(m, f.t, collect, &c), 42);
	cr_assert_eq(c.n, 1);
}

/* ---- tags ------------------------------------------------------------------ */

Test(model, tags_set_inserts_and_replaces)
{
	struct model_tags t = {0};

	cr_assert_eq(model_tags_set(&t, "Name", "a"), 0);
	cr_assert_eq(model_tags_set(&t, "env", "prod"), 0);
	cr_assert_eq(model_tags_set(&t, "Name", "b"), 0);
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(model_tags_get(&t, "Name"), "b");
	cr_assert_str_eq(model_tags_get(&t, "env"), "prod");
	cr_assert_null(model_tags_get(&t, "name")); /* keys are case-sensitive */
	model_tags_clear(&t);
	cr_assert_eq(t.n, 0);
	cr_assert_null(t.items);
}

Test(model, tags_remove_with_and_without_value)
{
	struct model_tags t = {0};

	cr_assert_eq(model_tags_set(&t, "a", "1"), 0);
	cr_assert_eq(model_tags_set(&t, "b", "2"), 0);
	cr_assert_eq(model_tags_remove(&t, "a", "9"), 0); /* value mismatch */
	cr_assert_str_eq(model_tags_get(&t, "a"), "1");
	cr_assert_eq(model_tags_remove(&t, "a", "1"), 1);
	cr_assert_null(model_tags_get(&t, "a"));
	cr_assert_eq(model_tags_remove(&t, "b", NULL), 1);
	cr_assert_eq(model_tags_remove(&t, "b", NULL), 0);
	cr_assert_eq(t.n, 0);
	model_tags_clear(&t);
}

Test(model, tags_copy_merges_into_destination)
{
	struct model_tags a = {0}, b = {0};

	cr_assert_eq(model_tags_set(&a, "k1", "v1"), 0);
	cr_assert_eq(model_tags_set(&a, "k2", "v2"), 0);
	cr_assert_eq(model_tags_set(&b, "k2", "old"), 0);
	cr_assert_eq(model_tags_set(&b, "k3", "v3"), 0);
	cr_assert_eq(model_tags_copy(&b, &a), 0);
	cr_assert_eq(b.n, 3);
	cr_assert_str_eq(model_tags_get(&b, "k2"), "v2");
	cr_assert_str_eq(model_tags_get(&b, "k3"), "v3");
	cr_assert_eq(a.n, 2); /* source untouched */
	model_tags_clear(&a);
	model_tags_clear(&b);
}

Test(model, tags_empty_value_is_kept)
{
	struct model_tags t = {0};

	cr_assert_eq(model_tags_set(&t, "k", ""), 0);
	cr_assert_not_null(model_tags_get(&t, "k"));
	cr_assert_str_eq(model_tags_get(&t, "k"), "");
	model_tags_clear(&t);
}

/* A ctx's AZ tables follow its Region, also when Regions alternate (they are memoised). */
Test(model, ctx_azs_follow_the_region)
{
	static const char *const regions[] = {"eu-west-1", "us-east-1", "eu-west-1", "eu-west-1",
					      "ap-southeast-2", "us-east-1"};
	struct model_ctx c;

	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		char want[32];

		model_ctx_init(&c, regions[i], &rng);
		cr_assert_eq(c.n_azs, 6);
		snprintf(want, sizeof(want), "%sc", regions[i]);
		cr_assert_str_eq(c.azs[2], want);
		if (strcmp(regions[i], "us-east-1") == 0)
			cr_assert_str_eq(c.az_ids[0], "use1-az6");
		else if (strcmp(regions[i], "eu-west-1") == 0)
			cr_assert_str_eq(c.az_ids[5], "euw1-az6");
		else
			cr_assert_str_eq(c.az_ids[0], "aps2-az1");
	}
}
