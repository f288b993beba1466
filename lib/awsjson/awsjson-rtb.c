/*
 * awsjson-rtb: RouteTables (describe-route-tables).
 *
 * Each route has one destination (IPv4 CIDR, IPv6 CIDR or prefix list) and
 * one target.  When the CLI shows several target fields for one route (a
 * route created with InstanceId also shows that instance's
 * NetworkInterfaceId), the ENI is kept: it is what the route forwards to and
 * it stays meaningful when describe-instances is not part of the export.
 * State "blackhole" is kept as imported; Origin selects static, local or
 * propagated.  Associations in a state other than "associated" are skipped.
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

/* "local", or a prefix of lower-case letters, '-', and 8 or 17 hex digits. */
static bool gateway_id_valid(const char *s)
{
	const char *dash;
	size_t n;

	if (strcmp(s, "local") == 0)
		return true;
	dash = strrchr(s, '-');
	if (!dash || dash == s)
		return false;
	for (const char *p = s; p < dash; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
			return false;
	n = strlen(dash + 1);
	return (n == 8 || n == 17) && strspn(dash + 1, "0123456789abcdef") == n;
}

static int route_target(struct aj_ctx *c, const json_t *o, struct model_route *rt)
{
	static const struct {
		const char *key;
		enum model_target_type type;
		const char *prefix; /* NULL: any gateway-style ID */
	} targets[] = {
	    {"NetworkInterfaceId", MODEL_TARGET_ENI, "eni-"},
	    {"GatewayId", MODEL_TARGET_NONE, NULL},
	    {"NatGatewayId", MODEL_TARGET_NAT, "nat-"},
	    {"InstanceId", MODEL_TARGET_INSTANCE, "i-"},
	    {"VpcPeeringConnectionId", MODEL_TARGET_PCX, "pcx-"},
	    {"TransitGatewayId", MODEL_TARGET_TGW, "tgw-"},
	    {"EgressOnlyInternetGatewayId", MODEL_TARGET_EIGW, "eigw-"},
	    {"LocalGatewayId", MODEL_TARGET_OTHER, "lgw-"},
	    {"CarrierGatewayId", MODEL_TARGET_OTHER, "cagw-"},
	};
	const char *s = NULL;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
		s = NULL;
		if ((r = aj_opt_string(c, o, targets[i].key, &s)) < 0)
			return r;
		if (!s)
			continue;
		if (targets[i].prefix) {
			if ((r = aj_req_id(c, o, targets[i].key, targets[i].prefix,
					   rt->target_id)) < 0)
				return r;
			rt->target_type = targets[i].type;
		} else {
			if (!gateway_id_valid(s))
				return aj_fail(c, targets[i].key, -EINVAL,
					       "\"%.60s\" is not \"local\" or a gateway ID", s);
			util_strscpy(rt->target_id, s, sizeof(rt->target_id));
			rt->target_type = model_target_type_from_id(s);
		}
		return 0;
	}
	if ((r = aj_opt_string(c, o, "CoreNetworkArn", &s)) < 0)
		return r;
	if (s) {
		rt->target_type = MODEL_TARGET_OTHER;
		util_strscpy(rt->target_id, "core-network", sizeof(rt->target_id));
		return 0;
	}
	return aj_fail(c, NULL, -EINVAL, "route has no target (GatewayId, NatGatewayId, ...)");
}

static int import_route(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_route_table *rtb = userdata;
	struct model_route rt;
	bool present = false;
	const char *origin = NULL, *state = NULL;
	int r;

	memset(&rt, 0, sizeof(rt));
	rt.origin = MODEL_ORIGIN_CREATE_ROUTE;
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_cidr4(c, o, "DestinationCidrBlock", &present, &rt.dest)) < 0)
		return r;
	if (present) {
		rt.dest_type = MODEL_DEST_CIDR4;
	} else {
		if ((r = aj_opt_cidr6(c, o, "DestinationIpv6CidrBlock", &present, &rt.dest6)) < 0)
			return r;
		if (present) {
			rt.dest_type = MODEL_DEST_CIDR6;
		} else {
			if ((r = aj_opt_id(c, o, "DestinationPrefixListId", "pl-",
					   rt.prefix_list_id)) < 0)
				return r;
			if (!rt.prefix_list_id[0])
				return aj_fail(
				    c, NULL, -EINVAL,
				    "route has no destination (DestinationCidrBlock, "
				    "DestinationIpv6CidrBlock or DestinationPrefixListId)");
			rt.dest_type = MODEL_DEST_PREFIX_LIST;
		}
	}
	if ((r = route_target(c, o, &rt)) < 0 || (r = aj_opt_string(c, o, "Origin", &origin)) < 0 ||
	    (r = aj_opt_string(c, o, "State", &state)) < 0)
		return r;
	if (origin) {
		if (strcmp(origin, "CreateRouteTable") == 0)
			rt.origin = MODEL_ORIGIN_CREATE_ROUTE_TABLE;
		else if (strcmp(origin, "CreateRoute") == 0)
			rt.origin = MODEL_ORIGIN_CREATE_ROUTE;
		else if (strcmp(origin, "EnableVgwRoutePropagation") == 0)
			rt.origin = MODEL_ORIGIN_PROPAGATED;
		else if (strcmp(origin, "Advertisement") == 0)
			rt.origin = MODEL_ORIGIN_ADVERTISEMENT;
		else
			return aj_fail(c, "Origin", -EINVAL, "\"%.60s\" is not a route origin",
				       origin);
	}
	if (state) {
		if (strcmp(state, "blackhole") == 0 || strcmp(state, "filtered") == 0)
			rt.blackhole = true;
		else if (strcmp(state, "active") != 0)
			return aj_fail(c, "State", -EINVAL, "\"%.60s\" is not a route state",
				       state);
	}
	return model_rtb_add_route(rtb, &rt);
}

static int import_assoc(struct aj_ctx *c, const json_t *o, void *userdata)
{
	static const char *const gw_prefixes[] = {"igw-", "vgw-", NULL};
	struct model_route_table *rtb = userdata;
	struct model_rtb_assoc a;
	json_t *st;
	const char *state = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_opt_bool(c, o, "Main", &a.main)) < 0 ||
	    (r = aj_opt_id(c, o, "RouteTableAssociationId", "rtbassoc-", a.id)) < 0 ||
	    (r = aj_opt_id(c, o, "SubnetId", "subnet-", a.subnet_id)) < 0 ||
	    (r = aj_opt_id_any(c, o, "GatewayId", gw_prefixes, a.gateway_id)) < 0)
		return r;
	st = aj_get(o, "AssociationState");
	if (st) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "AssociationState");
		r = aj_expect_object(c, st);
		if (r == 0)
			r = aj_opt_string(c, st, "State", &state);
		aj_restore(c, mark);
		if (r < 0)
			return r;
		if (state && strcmp(state, "associated") != 0)
			return 0;
	}
	if (!a.main && !a.subnet_id[0] && !a.gateway_id[0])
		return aj_fail(c, NULL, -EINVAL,
			       "association has neither Main, SubnetId nor GatewayId");
	if (rtb->n_assocs >= AJ_MAX_ASSOCS_PER_TABLE)
		return aj_fail(c, NULL, -E2BIG, "more than %d associations",
			       AJ_MAX_ASSOCS_PER_TABLE);
	return model_rtb_add_assoc(rtb, &a);
}

static int import_propagating_vgw(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_route_table *rtb = userdata;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "GatewayId", "vgw-", id)) < 0)
		return r;
	return model_rtb_add_propagating_vgw(rtb, id);
}

static int import_route_table(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_route_table *rtb;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "RouteTableId", "rtb-", id)) < 0)
		return r;
	if (model_find_route_table(c->m, id))
		return aj_fail(c, "RouteTableId", -EINVAL, "duplicate route table \"%s\"", id);
	if ((r = aj_check_count(c, "RouteTableId", c->m->n_route_tables, AJ_MAX_ROUTE_TABLES,
				"route tables")) < 0)
		return r;
	rtb = model_add_route_table(c->m);
	if (!rtb)
		return -ENOMEM;
	memcpy(rtb->id, id, sizeof(id));
	if ((r = aj_req_id(c, o, "VpcId", "vpc-", rtb->vpc_id)) < 0 ||
	    (r = aj_owner(c, o, "OwnerId", rtb->owner_id)) < 0 ||
	    (r = aj_each(c, o, "Routes", AJ_MAX_ROUTES_PER_TABLE, import_route, rtb)) < 0 ||
	    (r = aj_each(c, o, "Associations", AJ_MAX_ASSOCS_PER_TABLE, import_assoc, rtb)) < 0 ||
	    (r = aj_each(c, o, "PropagatingVgws", 16, import_propagating_vgw, rtb)) < 0 ||
	    (r = aj_tags(c, o, &rtb->tags)) < 0)
		return r;
	return 0;
}

int aj_import_route_tables(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_route_table, NULL);
}
