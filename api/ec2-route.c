/*
 * ec2-route: route tables, routes, route table associations, VGW route
 * propagation and internet gateways, through lib/model/ops-vpc.h:
 * CreateRouteTable, DeleteRouteTable, DescribeRouteTables, CreateRoute,
 * ReplaceRoute, DeleteRoute, AssociateRouteTable, DisassociateRouteTable,
 * ReplaceRouteTableAssociation, Enable/DisableVgwRoutePropagation,
 * CreateInternetGateway, DeleteInternetGateway, DescribeInternetGateways,
 * Attach/DetachInternetGateway.  An attached IGW shows its attachment state
 * as "available", as AWS does.
 *
 * How a route is shown.  One function, route_view(), turns a model route
 * (stored, or propagated from a VGW's VPN connections) into the fields AWS
 * prints: the destination, exactly the target members AWS fills for that
 * kind of target (an instance target also names its ENI, an ENI target
 * attached to an instance also names the instance), origin, and state
 * (active, or blackhole when model_route_active() says the target is gone or
 * detached).  The <routeSet> renderer and every route.* filter read that
 * view, so what a filter matches is what DescribeRouteTables shows.
 *
 * Filter callbacks receive only the object, and route state and
 * propagated routes depend on the rest of the model, so Describe hands the
 * skeleton request-lifetime wrappers {model, table} rather than the tables.
 *
 * Validation lives in the model ops.  Before DryRun a handler checks only
 * what it parses (CIDR syntax) and that the resources it names directly
 * (table, association, VPC, gateway being acted on) exist, so a DryRun on a
 * missing table answers NotFound as a real call would; rules about targets
 * and subnets are the model's and are reached only without DryRun.
 *
 * Not supported: IPv6 destinations (DestinationIpv6CidrBlock is refused with
 * InvalidParameterValue; the model has no IPv6 route op), and targets the
 * model does not hold (VPC endpoints, egress-only IGWs, local and carrier
 * gateways, core networks: InvalidGatewayID.NotFound).
 */
#include <stddef.h>
#include <string.h>

#include "api/api.h"
#include "api/families.h"
#include "lib/model/ops-vpc.h"
#include "lib/net/net.h"
#include "lib/util/util.h"

static int oom(struct api_req *r)
{
	return api_fail(r, 500, "InternalError", "Out of memory");
}

static int need_rtb(struct api_req *r, const char *id)
{
	if (model_find_route_table(r->model, id))
		return 0;
	return api_fail(r, 400, "InvalidRouteTableID.NotFound",
			"The routeTable ID '%s' does not exist", id);
}

static int need_vpc(struct api_req *r, const char *id)
{
	if (model_find_vpc(r->model, id))
		return 0;
	return api_fail(r, 400, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id);
}

/* The association must exist; *ret_rtb_id: its route table's ID. */
static int need_assoc(struct api_req *r, const char *id, const char **ret_rtb_id)
{
	for (size_t i = 0; i < r->model->n_route_tables; i++) {
		const struct model_route_table *rtb = r->model->route_tables[i];

		for (size_t j = 0; j < rtb->n_assocs; j++)
			if (strcmp(rtb->assocs[j].id, id) == 0) {
				*ret_rtb_id = rtb->id;
				return 0;
			}
	}
	return api_fail(r, 400, "InvalidAssociationID.NotFound",
			"The association ID '%s' does not exist", id);
}

/*
 * The save hints (api_touch) of the route-table and internet-gateway writes:
 * the one or two objects each changes (a route table's routes, associations
 * and propagating gateways are part of it; a route's live state, blackhole
 * when its target is gone, is computed, so a gateway's change touches no
 * table).
 */

static int need_vgw(struct api_req *r, const char *id)
{
	if (model_find_vgw(r->model, id))
		return 0;
	return api_fail(r, 400, "InvalidVpnGatewayID.NotFound",
			"The vpnGateway ID '%s' does not exist", id);
}

/* ---- how a route is shown ------------------------------------------------- */

/* The response fields of one route; NULL members are not written. */
struct route_view {
	const char *cidr4, *cidr6, *prefix_list;
	const char *gateway_id, *eigw_id, *nat_id, *instance_id, *instance_owner, *eni_id;
	const char *pcx_id, *tgw_id;
	const char *origin, *state;
	char buf[NET_CIDR6_STRLEN];
};

static void route_view_instance(const struct model *m, const char *instance_id,
				struct route_view *v)
{
	const struct model_instance *in = model_find_instance(m, instance_id);
	const struct model_eni *eni = model_instance_primary_eni(m, instance_id);

	v->instance_id = instance_id;
	v->instance_owner = in ? in->owner_id : NULL;
	v->eni_id = eni ? eni->id : NULL;
}

static void route_view_eni(const struct model *m, const char *eni_id, struct route_view *v)
{
	const struct model_eni *eni = model_find_eni(m, eni_id);

	v->eni_id = eni_id;
	if (eni && eni->attachment.present) {
		v->instance_id = eni->attachment.instance_id;
		v->instance_owner = eni->attachment.instance_owner;
	}
}

/* The view's pointers refer to rt, the model and v->buf. */
static void route_view(const struct model *m, const struct model_route_table *rtb,
		       const struct model_route *rt, struct route_view *v)
{
	memset(v, 0, sizeof(*v));
	if (rt->dest_type == MODEL_DEST_CIDR4)
		v->cidr4 = net_cidr4_format(rt->dest, v->buf);
	else if (rt->dest_type == MODEL_DEST_CIDR6)
		v->cidr6 = net_cidr6_format(&rt->dest6, v->buf);
	else
		v->prefix_list = rt->prefix_list_id;
	switch (rt->target_type) {
	case MODEL_TARGET_NONE:
		break;
	case MODEL_TARGET_EIGW:
		v->eigw_id = rt->target_id;
		break;
	case MODEL_TARGET_NAT:
		v->nat_id = rt->target_id;
		break;
	case MODEL_TARGET_ENI:
		route_view_eni(m, rt->target_id, v);
		break;
	case MODEL_TARGET_INSTANCE:
		route_view_instance(m, rt->target_id, v);
		break;
	case MODEL_TARGET_PCX:
		v->pcx_id = rt->target_id;
		break;
	case MODEL_TARGET_TGW:
		v->tgw_id = rt->target_id;
		break;
	default: /* local, igw-, vgw-, vpce- and other gateways */
		v->gateway_id = rt->target_id;
		break;
	}
	v->origin = model_route_origin_name(rt->origin);
	v->state = model_route_active(m, rtb, rt) ? "active" : "blackhole";
}

typedef void (*route_view_fn)(const struct route_view *v, void *userdata);

struct route_walk {
	const struct model *m;
	const struct model_route_table *rtb;
	route_view_fn fn;
	void *userdata;
};

static int route_walk_one(const struct model_route *rt, void *userdata)
{
	const struct route_walk *w = userdata;
	struct route_view v;

	route_view(w->m, w->rtb, rt, &v);
	w->fn(&v, w->userdata);
	return 0;
}

/* Every route of the table as shown: stored ones, then propagated ones. */
static void rtb_foreach_route(const struct model *m, const struct model_route_table *rtb,
			      route_view_fn fn, void *userdata)
{
	struct route_walk w = {m, rtb, fn, userdata};

	for (size_t i = 0; i < rtb->n_routes; i++)
		route_walk_one(&rtb->routes[i], &w);
	model_rtb_foreach_propagated(m, rtb, route_walk_one, &w);
}

/* ---- rendering -------------------------------------------------------------- */

static void render_route(const struct route_view *v, void *userdata)
{
	struct api_req *r = userdata;

	api_xml_start(r, "item");
	api_xml_str(r, "destinationCidrBlock", v->cidr4);
	api_xml_str(r, "destinationIpv6CidrBlock", v->cidr6);
	api_xml_str(r, "destinationPrefixListId", v->prefix_list);
	api_xml_str(r, "egressOnlyInternetGatewayId", v->eigw_id);
	api_xml_str(r, "gatewayId", v->gateway_id);
	api_xml_str(r, "instanceId", v->instance_id);
	api_xml_str(r, "instanceOwnerId", v->instance_owner);
	api_xml_str(r, "natGatewayId", v->nat_id);
	api_xml_str(r, "transitGatewayId", v->tgw_id);
	api_xml_str(r, "networkInterfaceId", v->eni_id);
	api_xml_str(r, "origin", v->origin);
	api_xml_str(r, "state", v->state);
	api_xml_str(r, "vpcPeeringConnectionId", v->pcx_id);
	api_xml_end(r);
}

static void render_assoc_state(struct api_req *r)
{
	api_xml_start(r, "associationState");
	api_xml_str(r, "state", "associated");
	api_xml_end(r);
}

static void render_assoc(struct api_req *r, const struct model_route_table *rtb,
			 const struct model_rtb_assoc *a)
{
	api_xml_start(r, "item");
	api_xml_bool(r, "main", a->main);
	api_xml_str(r, "routeTableAssociationId", a->id);
	api_xml_str(r, "routeTableId", rtb->id);
	if (a->subnet_id[0])
		api_xml_str(r, "subnetId", a->subnet_id);
	if (a->gateway_id[0])
		api_xml_str(r, "gatewayId", a->gateway_id);
	render_assoc_state(r);
	api_xml_end(r);
}

static void render_rtb(struct api_req *r, const struct model_route_table *rtb, const char *wrap)
{
	api_xml_start(r, wrap);
	api_xml_start(r, "associationSet");
	for (size_t i = 0; i < rtb->n_assocs; i++)
		render_assoc(r, rtb, &rtb->assocs[i]);
	api_xml_end(r);
	api_xml_start(r, "propagatingVgwSet");
	for (size_t i = 0; i < rtb->n_propagating_vgws; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "gatewayId", rtb->propagating_vgws[i]);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_str(r, "routeTableId", rtb->id);
	api_xml_start(r, "routeSet");
	rtb_foreach_route(r->model, rtb, render_route, r);
	api_xml_end(r);
	api_xml_tags(r, "tagSet", &rtb->tags);
	api_xml_str(r, "vpcId", rtb->vpc_id);
	api_xml_str(r, "ownerId", rtb->owner_id);
	api_xml_end(r);
}

/* ---- route tables ------------------------------------------------------------ */

static int create_route_table(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_route_table *rtb;
	const char *vpc_id;
	int e;

	if ((e = api_get_str(r, &vpc_id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = api_get_tag_specs(r, "route-table", &tags)) < 0 ||
	    (e = need_vpc(r, vpc_id)) < 0 || (e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_route_table(r->model, r->mctx, vpc_id, &rtb, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n && model_tags_copy(&rtb->tags, &tags) < 0) {
		e = oom(r);
		goto out;
	}
	api_touch(r, rtb->id, NULL);
	render_rtb(r, rtb, "routeTable");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_route_table(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = need_rtb(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_delete_route_table(r->model, r->mctx, id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

/* What Describe and the filters see: a table with the model around it. */
struct rtb_obj {
	const struct model *m;
	const struct model_route_table *rtb;
};

#define RTB(o) (((const struct rtb_obj *)(o))->rtb)

static const char *rtb_obj_id(const void *o)
{
	return RTB(o)->id;
}

static const struct model_tags *rtb_obj_tags(const void *o)
{
	return &RTB(o)->tags;
}

static void f_rtb_id(const void *o, struct api_filter_match *fm)
{
	api_filter_emit(fm, RTB(o)->id);
}

static void f_rtb_vpc(const void *o, struct api_filter_match *fm)
{
	api_filter_emit(fm, RTB(o)->vpc_id);
}

static void f_rtb_owner(const void *o, struct api_filter_match *fm)
{
	api_filter_emit(fm, RTB(o)->owner_id);
}

/* association.*: one value per association (none for a table without one). */
enum assoc_field { ASSOC_ID, ASSOC_RTB, ASSOC_SUBNET, ASSOC_GATEWAY, ASSOC_MAIN };

static void assoc_emit(const void *o, struct api_filter_match *fm, enum assoc_field f)
{
	const struct model_route_table *rtb = RTB(o);

	for (size_t i = 0; i < rtb->n_assocs; i++) {
		const struct model_rtb_assoc *a = &rtb->assocs[i];

		switch (f) {
		case ASSOC_ID:
			api_filter_emit(fm, a->id);
			break;
		case ASSOC_RTB:
			api_filter_emit(fm, rtb->id);
			break;
		case ASSOC_SUBNET:
			if (a->subnet_id[0])
				api_filter_emit(fm, a->subnet_id);
			break;
		case ASSOC_GATEWAY:
			if (a->gateway_id[0])
				api_filter_emit(fm, a->gateway_id);
			break;
		case ASSOC_MAIN:
			api_filter_emit_bool(fm, a->main);
			break;
		}
	}
}

#define ASSOC_FILTER(fn, field)                                                                    \
	static void fn(const void *o, struct api_filter_match *fm)                                 \
	{                                                                                          \
		assoc_emit(o, fm, field);                                                          \
	}
ASSOC_FILTER(f_assoc_id, ASSOC_ID)
ASSOC_FILTER(f_assoc_rtb, ASSOC_RTB)
ASSOC_FILTER(f_assoc_subnet, ASSOC_SUBNET)
ASSOC_FILTER(f_assoc_gateway, ASSOC_GATEWAY)
ASSOC_FILTER(f_assoc_main, ASSOC_MAIN)

/* route.*: the named member of every route's view (routes without it emit nothing). */
struct route_emit {
	struct api_filter_match *fm;
	size_t offset; /* of a const char * in struct route_view */
};

static void route_emit_one(const struct route_view *v, void *userdata)
{
	const struct route_emit *re = userdata;
	const char *s = *(const char *const *)((const char *)v + re->offset);

	if (s)
		api_filter_emit(re->fm, s);
}

static void route_emit(const void *o, struct api_filter_match *fm, size_t offset)
{
	const struct rtb_obj *ro = o;
	struct route_emit re = {fm, offset};

	rtb_foreach_route(ro->m, ro->rtb, route_emit_one, &re);
}

#define ROUTE_FILTER(fn, member)                                                                   \
	static void fn(const void *o, struct api_filter_match *fm)                                 \
	{                                                                                          \
		route_emit(o, fm, offsetof(struct route_view, member));                            \
	}
ROUTE_FILTER(f_route_cidr, cidr4)
ROUTE_FILTER(f_route_cidr6, cidr6)
ROUTE_FILTER(f_route_pl, prefix_list)
ROUTE_FILTER(f_route_gateway, gateway_id)
ROUTE_FILTER(f_route_eigw, eigw_id)
ROUTE_FILTER(f_route_nat, nat_id)
ROUTE_FILTER(f_route_instance, instance_id)
ROUTE_FILTER(f_route_pcx, pcx_id)
ROUTE_FILTER(f_route_tgw, tgw_id)
ROUTE_FILTER(f_route_origin, origin)
ROUTE_FILTER(f_route_state, state)

static const struct api_filter_field rtb_fields[] = {
    {"route-table-id", f_rtb_id},
    {"vpc-id", f_rtb_vpc},
    {"owner-id", f_rtb_owner},
    {"association.route-table-association-id", f_assoc_id},
    {"association.route-table-id", f_assoc_rtb},
    {"association.subnet-id", f_assoc_subnet},
    {"association.gateway-id", f_assoc_gateway},
    {"association.main", f_assoc_main},
    {"route.destination-cidr-block", f_route_cidr},
    {"route.destination-ipv6-cidr-block", f_route_cidr6},
    {"route.destination-prefix-list-id", f_route_pl},
    {"route.gateway-id", f_route_gateway},
    {"route.egress-only-internet-gateway-id", f_route_eigw},
    {"route.nat-gateway-id", f_route_nat},
    {"route.instance-id", f_route_instance},
    {"route.vpc-peering-connection-id", f_route_pcx},
    {"route.transit-gateway-id", f_route_tgw},
    {"route.origin", f_route_origin},
    {"route.state", f_route_state},
};
static const struct api_filter_table rtb_filters = {rtb_fields, ARRAY_SIZE(rtb_fields),
						    rtb_obj_tags};

static void render_rtb_obj(struct api_req *r, const void *o)
{
	render_rtb(r, RTB(o), "item");
}

static int describe_route_tables(struct api_req *r)
{
	size_t n = r->model->n_route_tables;
	struct rtb_obj *objs = api_alloc(r, (n + 1) * sizeof(*objs));
	const void **ptrs = api_alloc(r, (n + 1) * sizeof(*ptrs));

	if (!objs || !ptrs)
		return oom(r);
	for (size_t i = 0; i < n; i++) {
		objs[i] = (struct rtb_obj){r->model, r->model->route_tables[i]};
		ptrs[i] = &objs[i];
	}
	return api_describe_run(r, &(struct api_describe){
				       .id_param = "RouteTableId",
				       .not_found_code = "InvalidRouteTableID.NotFound",
				       .not_found_fmt = "The routeTable ID '%s' does not exist",
				       .filters = &rtb_filters,
				       .paginated = true,
				       .objs = ptrs,
				       .n_objs = n,
				       .id_of = rtb_obj_id,
				       .set_name = "routeTableSet",
				       .render = render_rtb_obj,
				   });
}

/* ---- routes ------------------------------------------------------------------- */

static int get_dest4(struct api_req *r, struct model_route_spec *spec)
{
	const char *s;
	int e = api_get_str(r, &s, API_OPTIONAL, "DestinationCidrBlock");

	if (e <= 0)
		return e;
	if (net_cidr4_parse(s, &spec->dest4) < 0)
		return api_fail_invalid_value(r,
					      "Value (%s) for parameter destinationCidrBlock is "
					      "invalid. This is not a valid CIDR block.",
					      s);
	spec->has_dest4 = true;
	return 0;
}

/* IPv6 destinations: the model keeps no IPv6 routes of its own. */
static int refuse_dest6(struct api_req *r)
{
	const char *s;
	int e = api_get_str(r, &s, API_OPTIONAL, "DestinationIpv6CidrBlock");

	if (e <= 0)
		return e;
	return api_fail_invalid_value(r,
				      "Value (%s) for parameter destinationIpv6CidrBlock is "
				      "invalid: openvpc does not support IPv6 routes.",
				      s);
}

/*
 * Targets the model does not model (endpoints, egress-only IGWs, local and
 * carrier gateways, core networks) are passed on as a gateway ID, which the
 * model reports as InvalidGatewayID.NotFound; one of them together with any
 * other target is a combination error like two modelled targets.
 */
static int get_unmodelled_target(struct api_req *r, struct model_route_spec *spec)
{
	static const char *const names[] = {"VpcEndpointId", "EgressOnlyInternetGatewayId",
					    "LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn"};
	const char *found = NULL;
	size_t n = 0;
	int e;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *s;

		if ((e = api_get_str(r, &s, API_OPTIONAL, "%s", names[i])) < 0)
			return e;
		if (e > 0) {
			found = s;
			n++;
		}
	}
	if (n == 0)
		return 0;
	if (n > 1 || spec->gateway_id)
		return api_fail(r, 400, "InvalidParameterCombination",
				"The parameter combination is not supported: more than one "
				"route target was given");
	spec->gateway_id = found;
	return 0;
}

/* RouteTableId, destination and target of CreateRoute / ReplaceRoute. */
static int get_route_spec(struct api_req *r, bool replace, const char **ret_rtb,
			  struct model_route_spec *spec)
{
	int e;

	if ((e = api_get_str(r, ret_rtb, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = get_dest4(r, spec)) < 0 || (e = refuse_dest6(r)) < 0 ||
	    (e = api_get_str(r, &spec->prefix_list_id, API_OPTIONAL,
			     "DestinationPrefixListId")) < 0 ||
	    (e = api_get_str(r, &spec->gateway_id, API_OPTIONAL, "GatewayId")) < 0 ||
	    (e = api_get_str(r, &spec->nat_gateway_id, API_OPTIONAL, "NatGatewayId")) < 0 ||
	    (e = api_get_str(r, &spec->instance_id, API_OPTIONAL, "InstanceId")) < 0 ||
	    (e = api_get_str(r, &spec->eni_id, API_OPTIONAL, "NetworkInterfaceId")) < 0 ||
	    (e = api_get_str(r, &spec->vpc_peering_id, API_OPTIONAL,
			     "VpcPeeringConnectionId")) < 0 ||
	    (e = api_get_str(r, &spec->transit_gateway_id, API_OPTIONAL,
			     "TransitGatewayId")) < 0 ||
	    (e = get_unmodelled_target(r, spec)) < 0)
		return e;
	if (replace && (e = api_get_bool(r, &spec->local_target, API_OPTIONAL, "LocalTarget")) < 0)
		return e;
	return need_rtb(r, *ret_rtb);
}

static int create_or_replace_route(struct api_req *r, bool replace)
{
	struct model_route_spec spec = {0};
	struct model_err err = {0};
	const char *rtb_id;
	int e;

	if ((e = get_route_spec(r, replace, &rtb_id, &spec)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	e = replace ? model_op_replace_route(r->model, r->mctx, rtb_id, &spec, &err)
		    : model_op_create_route(r->model, r->mctx, rtb_id, &spec, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, rtb_id, NULL);
	api_xml_return_true(r);
	return 0;
}

static int create_route(struct api_req *r)
{
	return create_or_replace_route(r, false);
}

static int replace_route(struct api_req *r)
{
	return create_or_replace_route(r, true);
}

static int delete_route(struct api_req *r)
{
	struct model_route_spec spec = {0};
	struct model_err err = {0};
	const char *rtb_id, *pl = NULL, *dest6 = NULL;
	int e;

	if ((e = api_get_str(r, &rtb_id, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = get_dest4(r, &spec)) < 0 ||
	    (e = api_get_str(r, &dest6, API_OPTIONAL, "DestinationIpv6CidrBlock")) < 0 ||
	    (e = api_get_str(r, &pl, API_OPTIONAL, "DestinationPrefixListId")) < 0 ||
	    (e = need_rtb(r, rtb_id)) < 0)
		return e;
	if (dest6 && !spec.has_dest4 && !pl)
		return api_fail(r, 400, "InvalidRoute.NotFound",
				"no route with destination-ipv6-cidr-block %s in route table %s",
				dest6, rtb_id);
	if ((spec.has_dest4 ? 1 : 0) + (pl ? 1 : 0) + (dest6 ? 1 : 0) > 1)
		return api_fail(r, 400, "InvalidParameterCombination",
				"Only one of destinationCidrBlock, destinationIpv6CidrBlock and "
				"destinationPrefixListId may be given");
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_delete_route(r->model, r->mctx, rtb_id, spec.has_dest4 ? &spec.dest4 : NULL,
				  pl, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, rtb_id, NULL);
	api_xml_return_true(r);
	return 0;
}

/* ---- associations and propagation ------------------------------------------------ */

static int associate_route_table(struct api_req *r)
{
	struct model_err err = {0};
	const char *rtb_id, *subnet_id = NULL, *gateway_id = NULL;
	char assoc_id[MODEL_ID_LEN];
	int e;

	if ((e = api_get_str(r, &rtb_id, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = api_get_str(r, &subnet_id, API_OPTIONAL, "SubnetId")) < 0 ||
	    (e = api_get_str(r, &gateway_id, API_OPTIONAL, "GatewayId")) < 0 ||
	    (e = need_rtb(r, rtb_id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_associate_route_table(r->model, r->mctx, rtb_id, subnet_id, gateway_id,
					   assoc_id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, rtb_id, NULL);
	api_xml_str(r, "associationId", assoc_id);
	render_assoc_state(r);
	return 0;
}

static int disassociate_route_table(struct api_req *r)
{
	struct model_err err = {0};
	const char *assoc_id, *from = NULL;
	int e;

	if ((e = api_get_str(r, &assoc_id, API_REQUIRED, "AssociationId")) < 0 ||
	    (e = need_assoc(r, assoc_id, &from)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	api_touch(r, from, NULL);
	e = model_op_disassociate_route_table(r->model, r->mctx, assoc_id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

static int replace_route_table_association(struct api_req *r)
{
	struct model_err err = {0};
	const char *assoc_id, *rtb_id, *from = NULL;
	char new_id[MODEL_ID_LEN];
	int e;

	if ((e = api_get_str(r, &assoc_id, API_REQUIRED, "AssociationId")) < 0 ||
	    (e = api_get_str(r, &rtb_id, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = need_assoc(r, assoc_id, &from)) < 0 || (e = need_rtb(r, rtb_id)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	api_touch(r, from, rtb_id); /* the association moves from one table to the other */
	e = model_op_replace_route_table_association(r->model, r->mctx, assoc_id, rtb_id, new_id,
						     &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_xml_str(r, "newAssociationId", new_id);
	render_assoc_state(r);
	return 0;
}

static int vgw_route_propagation(struct api_req *r, bool enable)
{
	struct model_err err = {0};
	const char *rtb_id, *vgw_id;
	int e;

	if ((e = api_get_str(r, &vgw_id, API_REQUIRED, "GatewayId")) < 0 ||
	    (e = api_get_str(r, &rtb_id, API_REQUIRED, "RouteTableId")) < 0 ||
	    (e = need_rtb(r, rtb_id)) < 0 || (e = need_vgw(r, vgw_id)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	e = enable ? model_op_enable_vgw_route_propagation(r->model, r->mctx, rtb_id, vgw_id, &err)
		   : model_op_disable_vgw_route_propagation(r->model, r->mctx, rtb_id, vgw_id,
							    &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, rtb_id, NULL);
	api_xml_return_true(r);
	return 0;
}

static int enable_vgw_route_propagation(struct api_req *r)
{
	return vgw_route_propagation(r, true);
}

static int disable_vgw_route_propagation(struct api_req *r)
{
	return vgw_route_propagation(r, false);
}

/* ---- internet gateways -------------------------------------------------------------- */

static int need_igw(struct api_req *r, const char *id)
{
	if (model_find_igw(r->model, id))
		return 0;
	return api_fail(r, 400, "InvalidInternetGatewayID.NotFound",
			"The internetGateway ID '%s' does not exist", id);
}

static void render_igw(struct api_req *r, const struct model_igw *g, const char *wrap)
{
	api_xml_start(r, wrap);
	api_xml_start(r, "attachmentSet");
	if (g->attachment.vpc_id[0]) {
		api_xml_start(r, "item");
		api_xml_str(r, "state", g->attachment.state);
		api_xml_str(r, "vpcId", g->attachment.vpc_id);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_str(r, "internetGatewayId", g->id);
	api_xml_str(r, "ownerId", g->owner_id);
	api_xml_tags(r, "tagSet", &g->tags);
	api_xml_end(r);
}

static int create_internet_gateway(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_igw *g;
	int e;

	if ((e = api_get_tag_specs(r, "internet-gateway", &tags)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_internet_gateway(r->model, r->mctx, &g, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (tags.n && model_tags_copy(&g->tags, &tags) < 0) {
		e = oom(r);
		goto out;
	}
	api_touch(r, g->id, NULL);
	render_igw(r, g, "internetGateway");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_internet_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "InternetGatewayId")) < 0 ||
	    (e = need_igw(r, id)) < 0 || (e = api_dry_run_check(r)) < 0)
		return e;
	e = model_op_delete_internet_gateway(r->model, r->mctx, id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

static int attach_or_detach_internet_gateway(struct api_req *r, bool attach)
{
	struct model_err err = {0};
	const char *igw_id, *vpc_id;
	int e;

	if ((e = api_get_str(r, &igw_id, API_REQUIRED, "InternetGatewayId")) < 0 ||
	    (e = api_get_str(r, &vpc_id, API_REQUIRED, "VpcId")) < 0 ||
	    (e = need_igw(r, igw_id)) < 0 || (e = need_vpc(r, vpc_id)) < 0 ||
	    (e = api_dry_run_check(r)) < 0)
		return e;
	e = attach ? model_op_attach_internet_gateway(r->model, r->mctx, igw_id, vpc_id, &err)
		   : model_op_detach_internet_gateway(r->model, r->mctx, igw_id, vpc_id, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, igw_id, NULL);
	api_xml_return_true(r);
	return 0;
}

static int attach_internet_gateway(struct api_req *r)
{
	return attach_or_detach_internet_gateway(r, true);
}

static int detach_internet_gateway(struct api_req *r)
{
	return attach_or_detach_internet_gateway(r, false);
}

#define IGW(o) ((const struct model_igw *)(o))

static const char *igw_id(const void *o)
{
	return IGW(o)->id;
}

static const struct model_tags *igw_tags(const void *o)
{
	return &IGW(o)->tags;
}

static void f_igw_id(const void *o, struct api_filter_match *fm)
{
	api_filter_emit(fm, IGW(o)->id);
}

static void f_igw_owner(const void *o, struct api_filter_match *fm)
{
	api_filter_emit(fm, IGW(o)->owner_id);
}

static void f_igw_att_state(const void *o, struct api_filter_match *fm)
{
	if (IGW(o)->attachment.vpc_id[0])
		api_filter_emit(fm, IGW(o)->attachment.state);
}

static void f_igw_att_vpc(const void *o, struct api_filter_match *fm)
{
	if (IGW(o)->attachment.vpc_id[0])
		api_filter_emit(fm, IGW(o)->attachment.vpc_id);
}

static const struct api_filter_field igw_fields[] = {
    {"internet-gateway-id", f_igw_id},
    {"owner-id", f_igw_owner},
    {"attachment.state", f_igw_att_state},
    {"attachment.vpc-id", f_igw_att_vpc},
};
static const struct api_filter_table igw_filters = {igw_fields, ARRAY_SIZE(igw_fields), igw_tags};

static void render_igw_item(struct api_req *r, const void *o)
{
	render_igw(r, IGW(o), "item");
}

static int describe_internet_gateways(struct api_req *r)
{
	return api_describe_run(r, &(struct api_describe){
				       .id_param = "InternetGatewayId",
				       .not_found_code = "InvalidInternetGatewayID.NotFound",
				       .not_found_fmt = "The internetGateway ID '%s' does not exist",
				       .filters = &igw_filters,
				       .paginated = true,
				       .objs = (const void *const *)r->model->igws,
				       .n_objs = r->model->n_igws,
				       .id_of = igw_id,
				       .set_name = "internetGatewaySet",
				       .render = render_igw_item,
				   });
}

API_FAMILY_DEFINE(route,
	{"CreateRouteTable", create_route_table, API_MUTATING},
	{"DeleteRouteTable", delete_route_table, API_MUTATING},
	{"DescribeRouteTables", describe_route_tables, API_READ},
	{"CreateRoute", create_route, API_MUTATING},
	{"ReplaceRoute", replace_route, API_MUTATING},
	{"DeleteRoute", delete_route, API_MUTATING},
	{"AssociateRouteTable", associate_route_table, API_MUTATING},
	{"DisassociateRouteTable", disassociate_route_table, API_MUTATING},
	{"ReplaceRouteTableAssociation", replace_route_table_association, API_MUTATING},
	{"EnableVgwRoutePropagation", enable_vgw_route_propagation, API_MUTATING},
	{"DisableVgwRoutePropagation", disable_vgw_route_propagation, API_MUTATING},
	{"CreateInternetGateway", create_internet_gateway, API_MUTATING},
	{"DeleteInternetGateway", delete_internet_gateway, API_MUTATING},
	{"DescribeInternetGateways", describe_internet_gateways, API_READ},
	{"AttachInternetGateway", attach_internet_gateway, API_MUTATING},
	{"DetachInternetGateway", detach_internet_gateway, API_MUTATING}, );
