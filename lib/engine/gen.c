/*
 * gen: compile a model into an immutable generation of lookup tables.
 *
 * Compilation resolves everything the packet path would otherwise have to
 * look up by ID: each subnet's route table and NACL, each route's target and
 * whether it is usable (blackhole otherwise), each ENI's security groups
 * merged into one classifier per direction with group references expanded
 * to the member ENIs' private addresses and prefixes, the owners of private
 * and public addresses, the gateways and the flow logs covering each ENI.
 *
 * Route priority at equal prefixes (vpc-semantics.md 2.4) is settled here:
 * local > static > prefix list > propagated, and a propagated route inside a
 * local CIDR never wins ("the local route is most preferred even if the
 * propagated routes are more specific").  The LPM then only has to find the
 * longest prefix.
 *
 * Ownership: the generation owns every table and string in it; the model is
 * only read.  Reference counted (atomic), freed at zero.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/engine/gen-private.h"
#include "lib/util/util.h"

/* ---- lookups used by the packet path ---------------------------------------- */

uint32_t gen_owner(const struct eng_gen *g, uint32_t vpc, uint32_t ip)
{
	const struct gen_vpc *gv;
	size_t lo = 0, hi;
	uint32_t v;

	if (vpc >= g->n_vpcs)
		return GEN_NONE;
	gv = &g->vpcs[vpc];
	hi = gv->n_ips;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (gv->ips[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < gv->n_ips && gv->ips[lo].ip == ip)
		return gv->ips[lo].eni;
	if (!gv->owners)
		return GEN_NONE;
	return lpm4_lookup(gv->owners, ip, &v) == 1 ? v : GEN_NONE;
}

uint32_t gen_subnet_for_ip(const struct eng_gen *g, uint32_t vpc, uint32_t ip)
{
	for (size_t i = 0; i < g->n_subnets; i++)
		if (g->subnets[i].vpc == vpc && net_cidr4_contains(g->subnets[i].cidr, ip))
			return (uint32_t)i;
	return GEN_NONE;
}

int gen_public_lookup(const struct eng_gen *g, uint32_t public_ip, uint32_t *ret_eni,
		      uint32_t *ret_private_ip)
{
	size_t lo = 0, hi = g->n_pubmap;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (g->pubmap[mid].public_ip < public_ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < g->n_pubmap && g->pubmap[lo].public_ip == public_ip) {
		*ret_eni = g->pubmap[lo].eni;
		*ret_private_ip = g->pubmap[lo].private_ip;
		return 1;
	}
	return 0;
}

uint32_t gen_public_of(const struct eng_gen *g, uint32_t eni, uint32_t private_ip)
{
	/* Few public IPs per Region (EIP quota 5, one auto IP per instance): a scan is fine. */
	for (size_t i = 0; i < g->n_pubmap; i++)
		if (g->pubmap[i].eni == eni && g->pubmap[i].private_ip == private_ip)
			return g->pubmap[i].public_ip;
	return 0;
}

bool gen_eni_owns(const struct eng_gen *g, uint32_t eni, uint32_t ip)
{
	if (eni >= g->n_enis)
		return false;
	return gen_owner(g, g->enis[eni].vpc, ip) == eni;
}

bool gen_in_vpc(const struct eng_gen *g, uint32_t vpc, uint32_t ip)
{
	const struct gen_vpc *v = &g->vpcs[vpc];

	for (size_t i = 0; i < v->n_cidrs; i++)
		if (net_cidr4_contains(v->cidrs[i], ip))
			return true;
	return false;
}

/* ---- accessors --------------------------------------------------------------- */

size_t eng_gen_eni_count(const struct eng_gen *g)
{
	return g->n_enis;
}

const char *eng_gen_eni_id(const struct eng_gen *g, uint32_t eni)
{
	return eni < g->n_enis ? g->enis[eni].id : "";
}

int eng_gen_eni_index(const struct eng_gen *g, const char *eni_id, uint32_t *ret_eni)
{
	for (size_t i = 0; i < g->n_enis; i++) {
		if (strcmp(g->enis[i].id, eni_id) == 0) {
			*ret_eni = (uint32_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

int eng_gen_eni_by_ip(const struct eng_gen *g, uint32_t ip, uint32_t *ret_eni)
{
	for (size_t v = 0; v < g->n_vpcs; v++) {
		uint32_t e = gen_owner(g, (uint32_t)v, ip);

		if (e != GEN_NONE) {
			*ret_eni = e;
			return 0;
		}
	}
	return -ENOENT;
}

#define GEN_ID_ACCESSORS(kind, field)                                                          \
	size_t eng_gen_##kind##_count(const struct eng_gen *g)                                 \
	{                                                                                      \
		return g->n_##field;                                                           \
	}                                                                                      \
	const char *eng_gen_##kind##_id(const struct eng_gen *g, uint32_t i)                   \
	{                                                                                      \
		return i < g->n_##field ? g->field[i].id : "";                                 \
	}

GEN_ID_ACCESSORS(igw, igws)
GEN_ID_ACCESSORS(vgw, vgws)
GEN_ID_ACCESSORS(nat, nats)

int eng_gen_igw_index(const struct eng_gen *g, const char *igw_id, uint32_t *ret_igw)
{
	for (size_t i = 0; i < g->n_igws; i++) {
		if (strcmp(g->igws[i].id, igw_id) == 0) {
			*ret_igw = (uint32_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

int eng_gen_vgw_index(const struct eng_gen *g, const char *vgw_id, uint32_t *ret_vgw)
{
	for (size_t i = 0; i < g->n_vgws; i++) {
		if (strcmp(g->vgws[i].id, vgw_id) == 0) {
			*ret_vgw = (uint32_t)i;
			return 0;
		}
	}
	return -ENOENT;
}

const char *eng_gen_sg_id(const struct eng_gen *g, uint32_t sg)
{
	return sg < g->n_sgs ? g->sgs[sg].id : "";
}

const char *eng_gen_nacl_id(const struct eng_gen *g, uint32_t nacl)
{
	return nacl < g->n_nacls ? g->nacls[nacl].id : "";
}

const char *eng_gen_rtb_id(const struct eng_gen *g, uint32_t rtb)
{
	return rtb < g->n_rtbs ? g->rtbs[rtb].id : "";
}

const char *eng_gen_subnet_id(const struct eng_gen *g, uint32_t subnet)
{
	return subnet < g->n_subnets ? g->subnets[subnet].id : "";
}

const char *eng_gen_eni_vpc_id(const struct eng_gen *g, uint32_t eni)
{
	return eni < g->n_enis ? g->vpcs[g->enis[eni].vpc].id : "";
}

const char *eng_gen_eni_subnet_id(const struct eng_gen *g, uint32_t eni)
{
	if (eni >= g->n_enis || g->enis[eni].subnet == GEN_NONE)
		return "";
	return g->subnets[g->enis[eni].subnet].id;
}

int eng_gen_route(const struct eng_gen *g, uint32_t rtb, uint32_t route,
		  struct model_route *ret_route)
{
	if (rtb >= g->n_rtbs || route >= g->rtbs[rtb].n_routes)
		return -ENOENT;
	*ret_route = g->rtbs[rtb].routes[route].route;
	return 0;
}

/* ---- free ---------------------------------------------------------------------- */

static void gen_free(struct eng_gen *g)
{
	for (size_t i = 0; i < g->n_vpcs; i++) {
		free(g->vpcs[i].cidrs);
		free(g->vpcs[i].ips);
		lpm4_free(g->vpcs[i].owners);
	}
	for (size_t i = 0; i < g->n_rtbs; i++) {
		free(g->rtbs[i].routes);
		lpm4_free(g->rtbs[i].lpm);
	}
	for (size_t i = 0; i < g->n_nacls; i++) {
		nacl_free(g->nacls[i].in);
		nacl_free(g->nacls[i].out);
	}
	for (size_t i = 0; i < g->n_enis; i++) {
		sgcls_free(g->enis[i].sg_in);
		sgcls_free(g->enis[i].sg_out);
		free(g->enis[i].sgs);
		free(g->enis[i].flow_logs);
	}
	for (size_t i = 0; i < g->n_vgws; i++)
		lpm4_free(g->vgws[i].known);
	for (size_t i = 0; i < g->n_flow_logs; i++)
		free(g->flow_logs[i].format);
	free(g->vpcs);
	free(g->subnets);
	free(g->rtbs);
	free(g->nacls);
	free(g->sgs);
	free(g->enis);
	free(g->igws);
	free(g->vgws);
	free(g->nats);
	free(g->flow_logs);
	free(g->pubmap);
	free(g);
}

struct eng_gen *eng_gen_ref(struct eng_gen *g)
{
	if (g)
		atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	return g;
}

struct eng_gen *eng_gen_unref(struct eng_gen *g)
{
	if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
		gen_free(g);
	return NULL;
}

/* ---- compile ------------------------------------------------------------------- */

/*
 * Model index -> generation index is the identity for every collection (the
 * generation copies them in order); IDs are resolved by a linear search over
 * the model's arrays at compile time, never on the packet path.
 */
#define FIND_INDEX(field)                                                                      \
	static uint32_t field##_index(const struct model *m, const char *id)                   \
	{                                                                                      \
		if (!id || !*id)                                                               \
			return GEN_NONE;                                                       \
		for (size_t i = 0; i < m->n_##field; i++)                                      \
			if (strcmp(m->field[i]->id, id) == 0)                                  \
				return (uint32_t)i;                                            \
		return GEN_NONE;                                                               \
	}

FIND_INDEX(vpcs)
FIND_INDEX(subnets)
FIND_INDEX(route_tables)
FIND_INDEX(nacls)
FIND_INDEX(sgs)
FIND_INDEX(enis)
FIND_INDEX(igws)
FIND_INDEX(vgws)
FIND_INDEX(nat_gateways)

/* Priority of a route at equal prefix length: higher wins. */
static int route_priority(const struct model_route *r)
{
	if (r->target_type == MODEL_TARGET_LOCAL)
		return 4;
	if (r->origin == MODEL_ORIGIN_PROPAGATED)
		return 1;
	if (r->dest_type == MODEL_DEST_PREFIX_LIST)
		return 2;
	return 3;
}

struct rtb_build {
	struct gen_route *routes;
	size_t n, cap;
};

static int collect_propagated(const struct model_route *route, void *userdata)
{
	struct rtb_build *b = userdata;
	struct gen_route gr;

	memset(&gr, 0, sizeof(gr));
	gr.route = *route;
	return VEC_PUSH(b->routes, b->n, b->cap, gr);
}

static uint32_t instance_only_eni(const struct model *m, const char *instance_id)
{
	uint32_t found = GEN_NONE;

	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		if (e->attachment.present && strcmp(e->attachment.instance_id, instance_id) == 0) {
			if (found != GEN_NONE)
				return GEN_NONE;
			found = (uint32_t)i;
		}
	}
	return found;
}

static uint32_t route_target(const struct model *m, const struct model_route *r)
{
	switch (r->target_type) {
	case MODEL_TARGET_IGW:
		return igws_index(m, r->target_id);
	case MODEL_TARGET_NAT:
		return nat_gateways_index(m, r->target_id);
	case MODEL_TARGET_ENI:
		return enis_index(m, r->target_id);
	case MODEL_TARGET_INSTANCE:
		return instance_only_eni(m, r->target_id);
	case MODEL_TARGET_VGW:
		return vgws_index(m, r->target_id);
	default:
		return GEN_NONE;
	}
}

/* An LPM candidate: destination, priority, index into routes. */
struct cand {
	struct net_cidr4 dest;
	int prio;
	uint32_t route;
};

static bool covered_by_local(const struct cand *c, size_t n, struct net_cidr4 dest)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].prio == 4 && net_cidr4_covers(c[i].dest, dest))
			return true;
	return false;
}

static int compile_rtb(const struct model *m, const struct model_route_table *t,
		       struct gen_rtb *out)
{
	struct rtb_build b = {0};
	struct cand *cands = NULL;
	size_t n_cands = 0, cap_cands = 0;
	struct lpm4_entry *entries = NULL;
	size_t n_entries = 0;
	int r;

	util_strscpy(out->id, t->id, sizeof(out->id));
	out->vpc = vpcs_index(m, t->vpc_id);
	for (size_t i = 0; i < t->n_routes; i++) {
		struct gen_route gr;

		memset(&gr, 0, sizeof(gr));
		gr.route = t->routes[i];
		r = VEC_PUSH(b.routes, b.n, b.cap, gr);
		if (r < 0)
			goto fail;
	}
	r = model_rtb_foreach_propagated(m, t, collect_propagated, &b);
	if (r < 0)
		goto fail;
	if (b.n > GEN_MAX_ROUTES_PER_TABLE) {
		r = -E2BIG;
		goto fail;
	}

	for (size_t i = 0; i < b.n; i++) {
		struct gen_route *gr = &b.routes[i];
		const struct model_route *mr = &gr->route;

		gr->active = model_route_active(m, t, mr);
		gr->target = route_target(m, mr);
		if (mr->dest_type == MODEL_DEST_CIDR4) {
			struct cand c = {mr->dest, route_priority(mr), (uint32_t)i};

			r = VEC_PUSH(cands, n_cands, cap_cands, c);
		} else if (mr->dest_type == MODEL_DEST_PREFIX_LIST) {
			const struct model_prefix_list *pl =
				model_find_prefix_list(m, mr->prefix_list_id);

			for (size_t k = 0; pl && k < pl->n_cidrs && r == 0; k++) {
				struct cand c = {pl->cidrs[k], route_priority(mr), (uint32_t)i};

				r = VEC_PUSH(cands, n_cands, cap_cands, c);
			}
		}
		if (r < 0)
			goto fail;
	}

	entries = calloc(n_cands ? n_cands : 1, sizeof(*entries));
	if (!entries) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n_cands; i++) {
		bool beaten = false;

		/* Propagated routes never beat local, even when more specific. */
		if (cands[i].prio == 1 && covered_by_local(cands, n_cands, cands[i].dest))
			continue;
		for (size_t j = 0; j < n_cands; j++) {
			if (j == i || !net_cidr4_equal(cands[j].dest, cands[i].dest))
				continue;
			if (cands[j].prio > cands[i].prio || (cands[j].prio == cands[i].prio && j < i))
				beaten = true;
		}
		if (beaten)
			continue;
		entries[n_entries++] = (struct lpm4_entry){cands[i].dest.addr, cands[i].dest.len,
							   cands[i].route};
	}
	r = lpm4_build(entries, n_entries, &out->lpm);
	if (r < 0)
		goto fail;
	out->routes = b.routes;
	out->n_routes = b.n;
	free(entries);
	free(cands);
	return 0;
fail:
	free(entries);
	free(cands);
	free(b.routes);
	return r;
}

static int compile_nacl_dir(const struct model_nacl *n, bool egress, struct nacl **ret)
{
	struct nacl_rule rules[64];
	size_t k = 0;

	for (size_t i = 0; i < n->n_entries; i++) {
		const struct model_nacl_entry *e = &n->entries[i];
		struct nacl_rule *nr;

		if (e->egress != egress || e->is_ipv6 || e->rule_number < 1 ||
		    e->rule_number > MODEL_NACL_RULE_MAX)
			continue;
		if (k == ARRAY_SIZE(rules))
			return -E2BIG;
		nr = &rules[k++];
		memset(nr, 0, sizeof(*nr));
		nr->number = (uint16_t)e->rule_number;
		nr->allow = e->allow;
		nr->addr = e->cidr.addr;
		nr->len = e->cidr.len;
		nr->protocol = (int16_t)e->protocol;
		nr->port_lo = e->from_port < 0 ? 0 : (uint16_t)e->from_port;
		nr->port_hi = e->to_port < 0 ? 65535 : (uint16_t)e->to_port;
		nr->icmp_type = (int16_t)e->icmp_type;
		nr->icmp_code = (int16_t)e->icmp_code;
		nr->tag = (uint32_t)i;
	}
	return nacl_build(rules, k, ret);
}

struct sg_build {
	struct sgcls_rule *rules;
	size_t n, cap;
};

static int sg_push(struct sg_build *b, const struct model_sg_rule *mr, uint32_t tag, uint32_t addr,
		   uint8_t len)
{
	struct sgcls_rule r;

	memset(&r, 0, sizeof(r));
	r.addr = addr;
	r.len = len;
	r.protocol = (int16_t)mr->protocol;
	r.tag = tag;
	if (mr->protocol == 6 || mr->protocol == 17) {
		r.lo = mr->from_port < 0 ? 0 : (uint16_t)mr->from_port;
		r.hi = mr->to_port < 0 ? 65535 : (uint16_t)mr->to_port;
	} else if (mr->protocol == 1) {
		sgcls_icmp_range(mr->from_port, mr->to_port, &r.lo, &r.hi);
	} else {
		r.lo = 0;
		r.hi = 65535;
	}
	if (b->n >= GEN_MAX_SG_RULES_PER_ENI)
		return -E2BIG;
	return VEC_PUSH(b->rules, b->n, b->cap, r);
}

/* Expand one SG rule into classifier rules: CIDR, prefix list, or the members of a group. */
static int expand_sg_rule(const struct model *m, const struct model_sg_rule *mr, uint32_t tag,
			  struct sg_build *b)
{
	int r = 0;

	if (mr->protocol == 58)
		return 0; /* ICMPv6 never matches IPv4 traffic */
	switch (mr->peer_type) {
	case MODEL_PEER_CIDR4:
		return sg_push(b, mr, tag, mr->cidr.addr, mr->cidr.len);
	case MODEL_PEER_CIDR6:
		return 0; /* the engine is IPv4 */
	case MODEL_PEER_PREFIX_LIST: {
		const struct model_prefix_list *pl = model_find_prefix_list(m, mr->prefix_list_id);

		for (size_t i = 0; pl && i < pl->n_cidrs && r == 0; i++)
			r = sg_push(b, mr, tag, pl->cidrs[i].addr, pl->cidrs[i].len);
		return r;
	}
	case MODEL_PEER_GROUP:
		/* Every private IP and delegated prefix of every ENI carrying the group. */
		for (size_t i = 0; i < m->n_enis && r == 0; i++) {
			const struct model_eni *e = m->enis[i];
			bool member = false;

			for (size_t k = 0; k < e->n_sg_ids; k++)
				if (strcmp(e->sg_ids[k], mr->group_id) == 0)
					member = true;
			if (!member)
				continue;
			for (size_t k = 0; k < e->n_ips && r == 0; k++)
				r = sg_push(b, mr, tag, e->ips[k].ip, 32);
			for (size_t k = 0; k < e->n_prefixes && r == 0; k++)
				r = sg_push(b, mr, tag, e->prefixes[k].addr, e->prefixes[k].len);
		}
		return r;
	}
	return 0;
}

static int compile_eni_sgs(const struct model *m, const struct model_eni *e, struct gen_eni *out)
{
	struct sg_build in = {0}, eg = {0};
	int r = 0;

	out->sgs = calloc(e->n_sg_ids ? e->n_sg_ids : 1, sizeof(*out->sgs));
	if (!out->sgs)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_sg_ids && r == 0; i++) {
		uint32_t sgi = sgs_index(m, e->sg_ids[i]);
		const struct model_sg *sg;

		if (sgi == GEN_NONE)
			continue; /* a missing group allows nothing */
		out->sgs[out->n_sgs++] = sgi;
		sg = m->sgs[sgi];
		for (size_t k = 0; k < sg->n_rules && r == 0; k++)
			r = expand_sg_rule(m, &sg->rules[k], gen_sg_tag(sgi, (uint32_t)k),
					   sg->rules[k].egress ? &eg : &in);
	}
	if (r == 0)
		r = sgcls_build(in.rules, in.n, &out->sg_in);
	if (r == 0)
		r = sgcls_build(eg.rules, eg.n, &out->sg_out);
	free(in.rules);
	free(eg.rules);
	return r;
}

static bool flow_log_covers(const struct model *m, const struct model_flow_log *fl,
			    const struct model_eni *e)
{
	(void)m;
	return strcmp(fl->resource_id, e->id) == 0 || strcmp(fl->resource_id, e->subnet_id) == 0 ||
	       strcmp(fl->resource_id, e->vpc_id) == 0;
}

static int compile_enis(const struct model *m, struct eng_gen *g)
{
	int r;

	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];
		struct gen_eni *ge = &g->enis[i];

		util_strscpy(ge->id, e->id, sizeof(ge->id));
		if (e->attachment.present && !e->requester_managed)
			util_strscpy(ge->instance_id, e->attachment.instance_id,
				     sizeof(ge->instance_id));
		ge->vpc = vpcs_index(m, e->vpc_id);
		ge->subnet = subnets_index(m, e->subnet_id);
		if (ge->vpc == GEN_NONE && ge->subnet != GEN_NONE)
			ge->vpc = g->subnets[ge->subnet].vpc;
		if (ge->vpc == GEN_NONE)
			return -EINVAL;
		ge->primary_ip = e->n_ips ? e->ips[0].ip : 0;
		for (size_t k = 0; k < e->n_ips; k++)
			if (e->ips[k].primary)
				ge->primary_ip = e->ips[k].ip;
		ge->src_dst_check = e->source_dest_check;
		ge->nat = GEN_NONE;
		ct_timeouts_default(&ge->timeouts);
		if (e->tcp_established_timeout)
			ge->timeouts.tcp_established_s = e->tcp_established_timeout;
		if (e->udp_stream_timeout)
			ge->timeouts.udp_stream_s = e->udp_stream_timeout;
		if (e->udp_timeout)
			ge->timeouts.udp_s = e->udp_timeout;
		r = compile_eni_sgs(m, e, ge);
		if (r < 0)
			return r;
		ge->flow_logs = calloc(m->n_flow_logs ? m->n_flow_logs : 1, sizeof(uint32_t));
		if (!ge->flow_logs)
			return -ENOMEM;
		for (size_t k = 0; k < m->n_flow_logs; k++)
			if (flow_log_covers(m, m->flow_logs[k], e))
				ge->flow_logs[ge->n_flow_logs++] = (uint32_t)k;
	}
	return 0;
}

static int cmp_owner_ip(const void *a, const void *b)
{
	const struct gen_owner_ip *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/*
 * Address ownership per VPC: private IPs in a sorted array (a VPC may hold
 * tens of thousands, one per pod), delegated prefixes in an LPM.
 */
static int compile_owners(const struct model *m, struct eng_gen *g)
{
	for (size_t v = 0; v < g->n_vpcs; v++) {
		struct gen_vpc *gv = &g->vpcs[v];
		struct lpm4_entry *entries = NULL;
		size_t n = 0, cap = 0, cap_ips = 0;
		int r = 0;

		for (size_t i = 0; i < m->n_enis && r == 0; i++) {
			const struct model_eni *e = m->enis[i];

			if (g->enis[i].vpc != v)
				continue;
			for (size_t k = 0; k < e->n_ips && r == 0; k++) {
				struct gen_owner_ip oi = {e->ips[k].ip, (uint32_t)i};

				r = VEC_PUSH(gv->ips, gv->n_ips, cap_ips, oi);
			}
			for (size_t k = 0; k < e->n_prefixes && r == 0; k++) {
				struct lpm4_entry le = {e->prefixes[k].addr, e->prefixes[k].len,
							(uint32_t)i};

				r = VEC_PUSH(entries, n, cap, le);
			}
		}
		if (r == 0) {
			if (gv->n_ips > 0) /* qsort(NULL, 0, ...) is undefined */
				qsort(gv->ips, gv->n_ips, sizeof(*gv->ips), cmp_owner_ip);
			r = lpm4_build(entries, n, &gv->owners);
		}
		free(entries);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cmp_pubmap(const void *a, const void *b)
{
	const struct gen_pubmap *x = a, *y = b;

	return x->public_ip < y->public_ip ? -1 : x->public_ip > y->public_ip;
}

static int compile_pubmap(const struct model *m, struct eng_gen *g)
{
	size_t cap = 0;

	for (size_t i = 0; i < m->n_enis; i++)
		cap += m->enis[i]->n_ips;
	g->pubmap = calloc(cap ? cap : 1, sizeof(*g->pubmap));
	if (!g->pubmap)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_enis; i++) {
		const struct model_eni *e = m->enis[i];

		for (size_t k = 0; k < e->n_ips; k++) {
			if (!e->ips[k].public_ip)
				continue;
			g->pubmap[g->n_pubmap++] =
				(struct gen_pubmap){e->ips[k].public_ip, e->ips[k].ip, (uint32_t)i};
		}
	}
	qsort(g->pubmap, g->n_pubmap, sizeof(*g->pubmap), cmp_pubmap);
	return 0;
}

static int compile_vgw_known(const struct model *m, const struct model_vgw *v, struct gen_vgw *out)
{
	struct lpm4_entry *entries = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t i = 0; i < m->n_vpns && r == 0; i++) {
		const struct model_vpn_connection *c = m->vpns[i];

		if (strcmp(c->vgw_id, v->id) != 0 || c->state != MODEL_STATE_AVAILABLE)
			continue;
		for (size_t k = 0; k < c->n_routes && r == 0; k++) {
			struct lpm4_entry le = {c->routes[k].cidr.addr, c->routes[k].cidr.len, 0};

			if (strcmp(c->routes[k].state, "available") == 0)
				r = VEC_PUSH(entries, n, cap, le);
		}
	}
	if (r == 0)
		r = lpm4_build(entries, n, &out->known);
	free(entries);
	return r;
}

#define ALLOC_ARRAY(field, count)                                                              \
	do {                                                                                   \
		g->field = calloc((count) ? (count) : 1, sizeof(*g->field));                   \
		if (!g->field) {                                                               \
			r = -ENOMEM;                                                           \
			goto fail;                                                             \
		}                                                                              \
		g->n_##field = (count);                                                        \
	} while (0)

/* Serial numbers of generations (state.c tells generations apart by them). */
static atomic_uint_fast64_t gen_serial;

int eng_compile(const struct model *m, struct eng_gen **ret_gen)
{
	struct eng_gen *g;
	int r;

	if (m->n_enis > GEN_MAX_ENIS)
		return -E2BIG;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	atomic_init(&g->refs, 1);
	g->serial = atomic_fetch_add(&gen_serial, 1) + 1;
	util_strscpy(g->account_id, m->account_id, sizeof(g->account_id));
	util_strscpy(g->region, m->region, sizeof(g->region));

	ALLOC_ARRAY(vpcs, m->n_vpcs);
	ALLOC_ARRAY(subnets, m->n_subnets);
	ALLOC_ARRAY(rtbs, m->n_route_tables);
	ALLOC_ARRAY(nacls, m->n_nacls);
	ALLOC_ARRAY(sgs, m->n_sgs);
	ALLOC_ARRAY(enis, m->n_enis);
	ALLOC_ARRAY(igws, m->n_igws);
	ALLOC_ARRAY(vgws, m->n_vgws);
	ALLOC_ARRAY(nats, m->n_nat_gateways);
	ALLOC_ARRAY(flow_logs, m->n_flow_logs);

	for (size_t i = 0; i < m->n_vpcs; i++) {
		const struct model_vpc *v = m->vpcs[i];
		struct gen_vpc *gv = &g->vpcs[i];

		util_strscpy(gv->id, v->id, sizeof(gv->id));
		gv->cidrs = calloc(v->n_cidrs ? v->n_cidrs : 1, sizeof(*gv->cidrs));
		if (!gv->cidrs) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t k = 0; k < v->n_cidrs; k++)
			if (v->cidrs[k].state == MODEL_CIDR_ASSOCIATED ||
			    v->cidrs[k].state == MODEL_CIDR_ASSOCIATING)
				gv->cidrs[gv->n_cidrs++] = v->cidrs[k].cidr;
		gv->dns_ip = v->n_cidrs ? v->cidrs[0].cidr.addr + 2 : 0;
		gv->igw = gv->vgw = GEN_NONE;
	}
	for (size_t i = 0; i < m->n_route_tables; i++) {
		r = compile_rtb(m, m->route_tables[i], &g->rtbs[i]);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < m->n_subnets; i++) {
		const struct model_subnet *s = m->subnets[i];
		struct gen_subnet *gs = &g->subnets[i];
		const struct model_route_table *t = model_subnet_route_table(m, s->id);
		const struct model_nacl *n = model_subnet_nacl(m, s->id);

		util_strscpy(gs->id, s->id, sizeof(gs->id));
		util_strscpy(gs->az_id, s->az_id, sizeof(gs->az_id));
		gs->cidr = s->cidr;
		gs->vpc = vpcs_index(m, s->vpc_id);
		gs->rtb = t ? route_tables_index(m, t->id) : GEN_NONE;
		gs->nacl = n ? nacls_index(m, n->id) : GEN_NONE;
		if (gs->vpc == GEN_NONE) {
			r = -EINVAL;
			goto fail;
		}
	}
	for (size_t i = 0; i < m->n_nacls; i++) {
		util_strscpy(g->nacls[i].id, m->nacls[i]->id, sizeof(g->nacls[i].id));
		r = compile_nacl_dir(m->nacls[i], false, &g->nacls[i].in);
		if (r == 0)
			r = compile_nacl_dir(m->nacls[i], true, &g->nacls[i].out);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < m->n_sgs; i++) {
		const struct model_sg *sg = m->sgs[i];

		util_strscpy(g->sgs[i].id, sg->id, sizeof(g->sgs[i].id));
		g->sgs[i].n_rules = sg->n_rules;
		for (size_t k = 0; k < sg->n_rules; k++) {
			if (sg->rules[k].egress)
				g->sgs[i].n_egress++;
			else
				g->sgs[i].n_ingress++;
		}
	}
	r = compile_enis(m, g);
	if (r < 0)
		goto fail;
	r = compile_owners(m, g);
	if (r < 0)
		goto fail;
	r = compile_pubmap(m, g);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < m->n_igws; i++) {
		const struct model_igw *ig = m->igws[i];
		const struct model_route_table *edge = model_gateway_route_table(m, ig->id);

		util_strscpy(g->igws[i].id, ig->id, sizeof(g->igws[i].id));
		g->igws[i].vpc = vpcs_index(m, ig->attachment.vpc_id);
		g->igws[i].edge_rtb = edge ? route_tables_index(m, edge->id) : GEN_NONE;
		if (g->igws[i].vpc != GEN_NONE)
			g->vpcs[g->igws[i].vpc].igw = (uint32_t)i;
	}
	for (size_t i = 0; i < m->n_vgws; i++) {
		const struct model_vgw *vg = m->vgws[i];
		const struct model_route_table *edge = model_gateway_route_table(m, vg->id);

		util_strscpy(g->vgws[i].id, vg->id, sizeof(g->vgws[i].id));
		g->vgws[i].vpc = GEN_NONE;
		for (size_t k = 0; k < vg->n_attachments; k++)
			if (strcmp(vg->attachments[k].state, "attached") == 0)
				g->vgws[i].vpc = vpcs_index(m, vg->attachments[k].vpc_id);
		g->vgws[i].edge_rtb = edge ? route_tables_index(m, edge->id) : GEN_NONE;
		if (g->vgws[i].vpc != GEN_NONE)
			g->vpcs[g->vgws[i].vpc].vgw = (uint32_t)i;
		r = compile_vgw_known(m, vg, &g->vgws[i]);
		if (r < 0)
			goto fail;
	}
	for (size_t i = 0; i < m->n_nat_gateways; i++) {
		const struct model_nat_gateway *n = m->nat_gateways[i];
		struct gen_nat *gn = &g->nats[i];

		util_strscpy(gn->id, n->id, sizeof(gn->id));
		gn->vpc = vpcs_index(m, n->vpc_id);
		gn->subnet = subnets_index(m, n->subnet_id);
		if (gn->vpc == GEN_NONE && gn->subnet != GEN_NONE)
			gn->vpc = g->subnets[gn->subnet].vpc;
		gn->eni = enis_index(m, n->eni_id);
		gn->private_ip = n->private_ip;
		gn->public_ip = n->connectivity == MODEL_NAT_PUBLIC ? n->public_ip : 0;
		gn->available = n->state == MODEL_STATE_AVAILABLE;
		if (gn->eni != GEN_NONE) {
			g->enis[gn->eni].nat = (uint32_t)i;
			if (!gn->private_ip)
				gn->private_ip = g->enis[gn->eni].primary_ip;
		}
	}
	for (size_t i = 0; i < m->n_flow_logs; i++) {
		const struct model_flow_log *fl = m->flow_logs[i];
		struct gen_flow_log *gf = &g->flow_logs[i];

		util_strscpy(gf->id, fl->id, sizeof(gf->id));
		gf->traffic = fl->traffic_type;
		gf->interval_s = fl->max_aggregation_interval ? fl->max_aggregation_interval : 600;
		if (fl->format && !(gf->format = strdup(fl->format))) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret_gen = g;
	return 0;
fail:
	gen_free(g);
	return r;
}
