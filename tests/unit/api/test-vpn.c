/*
 * The VPN actions through the request path (api_server_handle) with an
 * in-memory store, checked against the model: the static routes that
 * CreateVpnConnectionRoute adds are what a route table with VGW propagation
 * shows (model_rtb_foreach_propagated, the function DescribeRouteTables and
 * the engine use), and DeleteVpnConnectionRoute, DeleteVpnConnection and
 * DetachVpnGateway take them away.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/server.h"
#include "lib/model/ops-vpc.h"
#include "lib/net/net.h"

static struct api_server *S;
static struct model *M; /* the Region's model, owned by S */
static char VPC[MODEL_ID_LEN];

static int load(void *ud, const char *account, const char *region, struct model **ret,
		bool *ret_fresh)
{
	*ret = model_new(account, region);
	*ret_fresh = true;
	return *ret ? 0 : -ENOMEM;
}

static int save(void *ud, const struct model *m)
{
	return 0;
}

/* Region creation: one VPC (with its main route table). */
static int init(void *ud, struct model *m, struct model_ctx *ctx, struct model_err *err)
{
	struct model_vpc *v;
	struct net_cidr4 c;

	cr_assert_eq(net_cidr4_parse("10.0.0.0/16", &c), 0);
	cr_assert_eq(model_op_create_vpc(m, ctx, c, NULL, &v, err), 0);
	snprintf(VPC, sizeof(VPC), "%s", v->id);
	M = m;
	return 0;
}

static int token_get(void *ud, const char *region, const char *token, char **ret_hash,
		     char **ret_resp)
{
	return 0;
}

static int token_put(void *ud, const char *region, const char *token, const char *hash,
		     const char *resp)
{
	return 0;
}

static int64_t fixed_now(void)
{
	return 1795720048;
}

static void setup(void)
{
	struct api_config cfg = {
	    .seed = 1,
	    .now = fixed_now,
	    .persist = {NULL, load, save, init, token_get, token_put, NULL, NULL, NULL, NULL},
	};

	M = NULL;
	cr_assert_eq(api_server_new(&cfg, &S), 0);
}

static void teardown(void)
{
	S = api_server_free(S);
}

/* POST "Version=...&Action=<fmt>"; asserts 200 and returns the body (caller frees). */
static char *vcall(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vcall(const char *fmt, va_list ap)
{
	char body[1024];
	struct api_http_request req = {.method = "POST", .path = "/", .body = body};
	struct api_http_response resp;
	int n;

	n = snprintf(body, sizeof(body), "Version=2016-11-15&Action=");
	vsnprintf(body + n, sizeof(body) - (size_t)n, fmt, ap);
	req.body_size = strlen(body);
	cr_assert_eq(api_server_handle(S, &req, &resp), 0);
	cr_assert_eq(resp.status, 200, "%s -> %s", body, resp.body);
	return resp.body;
}

static char *call(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *call(const char *fmt, ...)
{
	va_list ap;
	char *body;

	va_start(ap, fmt);
	body = vcall(fmt, ap);
	va_end(ap);
	return body;
}

/* The text of the first <tag>...</tag> of an answer. */
static void first(const char *xml, const char *tag, char *out, size_t size)
{
	char open[64];
	const char *p, *q;

	snprintf(open, sizeof(open), "<%s>", tag);
	p = strstr(xml, open);
	cr_assert(p, "no <%s> in %s", tag, xml);
	p += strlen(open);
	q = strchr(p, '<');
	cr_assert(q && (size_t)(q - p) < size);
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
}

/* call() and return the first <tag> of the answer (an ID) in out. */
static void call_id(char *out, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void call_id(char *out, const char *tag, const char *fmt, ...)
{
	va_list ap;
	char *body;

	va_start(ap, fmt);
	body = vcall(fmt, ap);
	va_end(ap);
	first(body, tag, out, MODEL_ID_LEN);
	free(body);
}

struct seen {
	char dest[4][NET_CIDR4_STRLEN];
	char target[4][MODEL_ID_LEN];
	size_t n;
};

static int collect(const struct model_route *r, void *u)
{
	struct seen *s = u;

	cr_assert_lt(s->n, 4);
	cr_assert_eq(r->origin, MODEL_ORIGIN_PROPAGATED);
	net_cidr4_format(r->dest, s->dest[s->n]);
	snprintf(s->target[s->n], MODEL_ID_LEN, "%s", r->target_id);
	s->n++;
	return 0;
}

static struct seen propagated(void)
{
	struct seen s = {0};
	struct model_route_table *rt = model_vpc_main_route_table(M, VPC);

	cr_assert(rt);
	cr_assert_eq(model_rtb_foreach_propagated(M, rt, collect, &s), 0);
	return s;
}

Test(vpn, static_routes_propagate_to_the_route_table, .init = setup, .fini = teardown)
{
	char vgw[MODEL_ID_LEN], cgw[MODEL_ID_LEN], vpn[MODEL_ID_LEN];
	struct model_err err = {0};
	struct seen s;

	call_id(vgw, "vpnGatewayId", "CreateVpnGateway&Type=ipsec.1");
	cr_assert(M, "the Region was not created");
	free(call("AttachVpnGateway&VpnGatewayId=%s&VpcId=%s", vgw, VPC));
	call_id(cgw, "customerGatewayId", "CreateCustomerGateway&Type=ipsec.1&BgpAsn=65000&IpAddress=192.0.2.1");
	call_id(vpn, "vpnConnectionId",
		"CreateVpnConnection&Type=ipsec.1&CustomerGatewayId=%s&VpnGatewayId=%s"
		"&Options.StaticRoutesOnly=true",
		cgw, vgw);
	free(call("CreateVpnConnectionRoute&VpnConnectionId=%s&DestinationCidrBlock=%s", vpn,
		  "10.99.0.0/16"));

	/* No propagation enabled: nothing shows. */
	cr_assert_eq(propagated().n, 0);
	cr_assert_eq(model_op_enable_vgw_route_propagation(M, NULL, model_vpc_main_route_table(M, VPC)->id,
							   vgw, &err),
		     0, "%s", err.message);
	s = propagated();
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.dest[0], "10.99.0.0/16");
	cr_assert_str_eq(s.target[0], vgw);

	free(call("CreateVpnConnectionRoute&VpnConnectionId=%s&DestinationCidrBlock=%s", vpn,
		  "10.98.0.0/24"));
	cr_assert_eq(propagated().n, 2);
	free(call("DeleteVpnConnectionRoute&VpnConnectionId=%s&DestinationCidrBlock=%s", vpn,
		  "10.99.0.0/16"));
	s = propagated();
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.dest[0], "10.98.0.0/24");

	/* A deleted connection propagates nothing. */
	free(call("DeleteVpnConnection&VpnConnectionId=%s", vpn));
	cr_assert_eq(propagated().n, 0);

	/* A new connection's routes show again; detaching the VGW hides them. */
	call_id(vpn, "vpnConnectionId",
		"CreateVpnConnection&Type=ipsec.1&CustomerGatewayId=%s&VpnGatewayId=%s"
		"&Options.StaticRoutesOnly=true",
		cgw, vgw);
	free(call("CreateVpnConnectionRoute&VpnConnectionId=%s&DestinationCidrBlock=%s", vpn,
		  "172.16.0.0/12"));
	cr_assert_eq(propagated().n, 1);
	free(call("DetachVpnGateway&VpnGatewayId=%s&VpcId=%s", vgw, VPC));
	cr_assert_eq(propagated().n, 0);
}
