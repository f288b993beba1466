/*
 * ec2-vpn: site-to-site VPN actions through lib/model/ops-vpc.h.
 *
 * Virtual private gateways (Create/Delete/Describe/Attach/DetachVpnGateway),
 * customer gateways (Create/Delete/DescribeCustomerGateways) and VPN
 * connections (Create/Delete/DescribeVpnConnections,
 * Create/DeleteVpnConnectionRoute).  Validation, quotas and error codes are
 * the model's; this file parses parameters, renders the objects and applies
 * the attributes the ops leave to the caller (tags, the VGW's Availability
 * Zone, the CGW's device name), right after the op succeeded.
 *
 * Choices (where the model is simpler than AWS, see ops-vpc.h):
 *  - Everything is created in its final state: a VGW attachment answers
 *    `attached` at once, gateways and connections are `available`.
 *  - A deleted VGW or CGW disappears at once; a deleted VPN connection stays
 *    visible in state `deleted` (without its configuration), as AWS shows it
 *    for a while.  A detached VGW keeps its attachment record as `detached`.
 *  - CreateCustomerGateway with the same type, IP address, BGP ASN and device
 *    name as an existing available gateway returns that gateway (AWS: "an
 *    identical request returns information about the existing customer
 *    gateway").
 *  - Only VGW connections exist: TransitGatewayId -> InvalidTransitGatewayID.
 *    NotFound; tunnel options, acceleration, IPv6 inside addresses and
 *    private outside addresses are rejected with InvalidParameterValue rather
 *    than ignored.  Certificate-based CGWs likewise.
 *  - customerGatewayConfiguration is the generic ipsec.1 XML document, built
 *    from the model on every render.  Its pre-shared keys are placeholders
 *    derived from the connection ID: no IPsec is negotiated anywhere.
 *  - vgwTelemetry reports the model's tunnel state; acceptedRouteCount counts
 *    BGP routes, of which the model has none (0).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

static int get_ip4(struct api_req *r, const char *name, const char *s, uint32_t *ret)
{
	if (net_ip4_parse(s, ret) < 0)
		return api_fail_invalid_value(r, "Value (%.64s) for parameter %s is invalid. "
					      "Expected an IPv4 address.", s, name);
	return 0;
}

static int get_cidr4(struct api_req *r, const char *name, const char *s, struct net_cidr4 *ret)
{
	if (net_cidr4_parse(s, ret) < 0)
		return api_fail_invalid_value(r, "Value (%.64s) for parameter %s is invalid. "
					      "This is not a valid CIDR block.", s, name);
	return 0;
}

/* Copy TagSpecification tags onto a freshly created object. */
static int apply_tags(struct api_req *r, struct model_tags *dst, const struct model_tags *src)
{
	if (src->n > 0 && model_tags_copy(dst, src) < 0)
		return oom(r);
	return 0;
}

/* ---- virtual private gateways -------------------------------------------- */

#define VGW(o) ((const struct model_vgw *)(o))

static void render_vgw_attachment(struct api_req *r, const char *wrap,
				  const struct model_vgw_attachment *a)
{
	api_xml_start(r, wrap);
	api_xml_str(r, "vpcId", a->vpc_id);
	api_xml_str(r, "state", a->state);
	api_xml_end(r);
}

static void render_vgw_as(struct api_req *r, const struct model_vgw *g, const char *wrap)
{
	api_xml_start(r, wrap);
	api_xml_str(r, "vpnGatewayId", g->id);
	api_xml_str(r, "state", model_state_name(g->state));
	api_xml_str(r, "type", g->type);
	if (g->az[0])
		api_xml_str(r, "availabilityZone", g->az);
	api_xml_start(r, "attachments");
	for (size_t i = 0; i < g->n_attachments; i++)
		render_vgw_attachment(r, "item", &g->attachments[i]);
	api_xml_end(r);
	api_xml_long(r, "amazonSideAsn", (long)g->amazon_side_asn);
	api_xml_tags(r, "tagSet", &g->tags);
	api_xml_end(r);
}

static void render_vgw(struct api_req *r, const void *o)
{
	render_vgw_as(r, VGW(o), "item");
}

static int get_az(struct api_req *r, const char **ret_az)
{
	const char *az;
	int e = api_get_str(r, &az, API_OPTIONAL, "AvailabilityZone");

	if (e <= 0)
		return e;
	for (size_t i = 0; i < r->mctx->n_azs; i++)
		if (strcmp(r->mctx->azs[i], az) == 0) {
			*ret_az = r->mctx->azs[i];
			return 0;
		}
	return api_fail_invalid_value(r, "Value (%.64s) for parameter availabilityZone is "
				      "invalid. Availability zone does not exist in %s.",
				      az, r->region);
}

static int create_vpn_gateway(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_vgw *g;
	const char *type, *az = NULL;
	long asn = 0;
	int e;

	if ((e = api_get_str(r, &type, API_REQUIRED, "Type")) < 0 ||
	    (e = api_get_long(r, &asn, 1, 4294967295L, API_OPTIONAL, "AmazonSideAsn")) < 0 ||
	    (e = get_az(r, &az)) < 0 || (e = api_get_tag_specs(r, "vpn-gateway", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_vpn_gateway(r->model, r->mctx, type, (uint32_t)asn, &g, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (az)
		util_strscpy(g->az, az, sizeof(g->az));
	if ((e = apply_tags(r, &g->tags, &tags)) < 0)
		goto out;
	api_touch(r, g->id, NULL); /* the save hint: each VPN write names what it changes */
	render_vgw_as(r, g, "vpnGateway");
out:
	model_tags_clear(&tags);
	return e;
}

/*
 * The save hint of DeleteVpnGateway (taken before it): the gateway and the
 * route tables that propagate its routes (the op takes it off their lists).
 */
static void touch_vgw_deleted(struct api_req *r, const char *id)
{
	const struct model *m = r->model;
	const char **ids;
	size_t n = 0;

	if (!model_find_vgw(m, id))
		return; /* (the op fails: nothing is saved) */
	ids = api_alloc(r, (1 + m->n_route_tables) * sizeof(*ids));
	if (!ids)
		return;
	ids[n++] = id;
	for (size_t i = 0; i < m->n_route_tables; i++) {
		const struct model_route_table *t = m->route_tables[i];

		for (size_t j = 0; j < t->n_propagating_vgws; j++)
			if (strcmp(t->propagating_vgws[j], id) == 0) {
				ids[n++] = t->id;
				break;
			}
	}
	api_touch_list(r, ids, n);
}

static int delete_vpn_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpnGatewayId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	touch_vgw_deleted(r, id);
	if ((e = model_op_delete_vpn_gateway(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_xml_return_true(r);
	return 0;
}

/* Attach and Detach take the same two parameters. */
static int get_vgw_vpc(struct api_req *r, const char **ret_vgw, const char **ret_vpc)
{
	int e;

	if ((e = api_get_str(r, ret_vgw, API_REQUIRED, "VpnGatewayId")) < 0 ||
	    (e = api_get_str(r, ret_vpc, API_REQUIRED, "VpcId")) < 0)
		return e;
	return api_dry_run_check(r);
}

static int attach_vpn_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const struct model_vgw *g;
	const char *vgw_id, *vpc_id;
	int e;

	if ((e = get_vgw_vpc(r, &vgw_id, &vpc_id)) < 0)
		return e;
	if ((e = model_op_attach_vpn_gateway(r->model, r->mctx, vgw_id, vpc_id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, vgw_id, NULL); /* the attachment is the gateway's */
	g = model_find_vgw(r->model, vgw_id);
	for (size_t i = 0; g && i < g->n_attachments; i++)
		if (strcmp(g->attachments[i].vpc_id, vpc_id) == 0) {
			render_vgw_attachment(r, "attachment", &g->attachments[i]);
			return 0;
		}
	return api_fail(r, 500, "InternalError", "The attachment was not recorded.");
}

static int detach_vpn_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const char *vgw_id, *vpc_id;
	int e;

	if ((e = get_vgw_vpc(r, &vgw_id, &vpc_id)) < 0)
		return e;
	if ((e = model_op_detach_vpn_gateway(r->model, r->mctx, vgw_id, vpc_id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, vgw_id, NULL);
	api_xml_return_true(r);
	return 0;
}

static void f_vgw_asn(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%u", VGW(o)->amazon_side_asn);
}
static void f_vgw_att_state(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VGW(o)->n_attachments; i++)
		api_filter_emit(m, VGW(o)->attachments[i].state);
}
static void f_vgw_att_vpc(const void *o, struct api_filter_match *m)
{
	for (size_t i = 0; i < VGW(o)->n_attachments; i++)
		api_filter_emit(m, VGW(o)->attachments[i].vpc_id);
}
static void f_vgw_az(const void *o, struct api_filter_match *m)
{
	if (VGW(o)->az[0])
		api_filter_emit(m, VGW(o)->az);
}
static void f_vgw_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(VGW(o)->state));
}
static void f_vgw_type(const void *o, struct api_filter_match *m) { api_filter_emit(m, VGW(o)->type); }
static void f_vgw_id(const void *o, struct api_filter_match *m) { api_filter_emit(m, VGW(o)->id); }
static const struct model_tags *vgw_tags(const void *o) { return &VGW(o)->tags; }
static const char *vgw_id_of(const void *o) { return VGW(o)->id; }

static const struct api_filter_field vgw_fields[] = {
	{"amazon-side-asn", f_vgw_asn},	  {"attachment.state", f_vgw_att_state},
	{"attachment.vpc-id", f_vgw_att_vpc}, {"availability-zone", f_vgw_az},
	{"state", f_vgw_state},		  {"type", f_vgw_type},
	{"vpn-gateway-id", f_vgw_id},
};
static const struct api_filter_table vgw_filters = {vgw_fields, ARRAY_SIZE(vgw_fields), vgw_tags};

static int describe_vpn_gateways(struct api_req *r)
{
	const struct api_describe d = {
		.id_param = "VpnGatewayId",
		.not_found_code = "InvalidVpnGatewayID.NotFound",
		.not_found_fmt = "The vpnGateway ID '%s' does not exist",
		.filters = &vgw_filters,
		.objs = (const void *const *)r->model->vgws,
		.n_objs = r->model->n_vgws,
		.id_of = vgw_id_of,
		.set_name = "vpnGatewaySet",
		.render = render_vgw,
	};

	return api_describe_run(r, &d);
}

/* ---- customer gateways ------------------------------------------------------ */

#define CGW(o) ((const struct model_cgw *)(o))

static void render_cgw_as(struct api_req *r, const struct model_cgw *c, const char *wrap)
{
	char ip[NET_IP4_STRLEN];

	api_xml_start(r, wrap);
	api_xml_str(r, "customerGatewayId", c->id);
	api_xml_str(r, "state", model_state_name(c->state));
	api_xml_str(r, "type", c->type);
	api_xml_str(r, "ipAddress", net_ip4_format(c->ip_address, ip));
	api_xml_strf(r, "bgpAsn", "%u", c->bgp_asn);
	api_xml_str(r, "deviceName", c->device_name);
	api_xml_tags(r, "tagSet", &c->tags);
	api_xml_end(r);
}

static void render_cgw(struct api_req *r, const void *o)
{
	render_cgw_as(r, CGW(o), "item");
}

/* IpAddress and its older name PublicIp: either, or both when equal. */
static int get_cgw_ip(struct api_req *r, uint32_t *ret_ip)
{
	const char *ip = NULL, *pub = NULL;
	uint32_t a = 0, b = 0;
	int e;

	if ((e = api_get_str(r, &ip, API_OPTIONAL, "IpAddress")) < 0 ||
	    (e = api_get_str(r, &pub, API_OPTIONAL, "PublicIp")) < 0)
		return e;
	if ((ip && (e = get_ip4(r, "IpAddress", ip, &a)) < 0) ||
	    (pub && (e = get_ip4(r, "PublicIp", pub, &b)) < 0))
		return e;
	if (ip && pub && a != b)
		return api_fail(r, 400, "InvalidParameterCombination",
				"IpAddress (%.64s) and PublicIp (%.64s) must be the same address.",
				ip, pub);
	if (!ip && !pub)
		return api_fail_missing(r, "IpAddress");
	*ret_ip = ip ? a : b;
	return 0;
}

static bool str_eq_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct model_cgw *identical_cgw(const struct model *m, const char *type, uint32_t asn,
				       uint32_t ip, const char *device)
{
	for (size_t i = 0; i < m->n_cgws; i++) {
		struct model_cgw *c = m->cgws[i];

		if (c->state == MODEL_STATE_AVAILABLE && strcmp(c->type, type) == 0 &&
		    c->bgp_asn == asn && c->ip_address == ip && str_eq_null(c->device_name, device))
			return c;
	}
	return NULL;
}

static int create_customer_gateway(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_cgw *c;
	const char *type, *device = NULL, *cert;
	uint32_t ip = 0;
	long asn;
	int e;

	if ((e = api_get_str(r, &type, API_REQUIRED, "Type")) < 0 ||
	    (e = api_get_long(r, &asn, 1, 2147483647L, API_REQUIRED, "BgpAsn")) < 0 ||
	    (e = api_get_str(r, &device, API_OPTIONAL, "DeviceName")) < 0 ||
	    (e = api_get_str(r, &cert, API_OPTIONAL, "CertificateArn")) < 0)
		goto out;
	if (e > 0) {
		e = api_fail_invalid_value(r, "Certificate-based customer gateways are not "
					      "supported; give IpAddress.");
		goto out;
	}
	if (device && (strlen(device) == 0 || strlen(device) > 255)) {
		e = api_fail_invalid_value(r, "DeviceName must be 1 to 255 characters.");
		goto out;
	}
	if ((e = get_cgw_ip(r, &ip)) < 0 || (e = api_get_tag_specs(r, "customer-gateway", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	c = identical_cgw(r->model, type, (uint32_t)asn, ip, device);
	if (c) {
		api_touch(r, c->id, NULL); /* (unchanged: a cheap save) */
		render_cgw_as(r, c, "customerGateway");
		goto out;
	}
	e = model_op_create_customer_gateway(r->model, r->mctx, type, (uint32_t)asn, ip, &c, &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if (device && !(c->device_name = strdup(device))) {
		e = oom(r);
		goto out;
	}
	if ((e = apply_tags(r, &c->tags, &tags)) < 0)
		goto out;
	api_touch(r, c->id, NULL);
	render_cgw_as(r, c, "customerGateway");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_customer_gateway(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "CustomerGatewayId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_delete_customer_gateway(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

static void f_cgw_asn(const void *o, struct api_filter_match *m)
{
	api_filter_emitf(m, "%u", CGW(o)->bgp_asn);
}
static void f_cgw_ip(const void *o, struct api_filter_match *m)
{
	char ip[NET_IP4_STRLEN];

	api_filter_emit(m, net_ip4_format(CGW(o)->ip_address, ip));
}
static void f_cgw_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(CGW(o)->state));
}
static void f_cgw_type(const void *o, struct api_filter_match *m) { api_filter_emit(m, CGW(o)->type); }
static void f_cgw_id(const void *o, struct api_filter_match *m) { api_filter_emit(m, CGW(o)->id); }
static const struct model_tags *cgw_tags(const void *o) { return &CGW(o)->tags; }
static const char *cgw_id_of(const void *o) { return CGW(o)->id; }

static const struct api_filter_field cgw_fields[] = {
	{"bgp-asn", f_cgw_asn}, {"customer-gateway-id", f_cgw_id}, {"ip-address", f_cgw_ip},
	{"state", f_cgw_state}, {"type", f_cgw_type},
};
static const struct api_filter_table cgw_filters = {cgw_fields, ARRAY_SIZE(cgw_fields), cgw_tags};

static int describe_customer_gateways(struct api_req *r)
{
	const struct api_describe d = {
		.id_param = "CustomerGatewayId",
		.not_found_code = "InvalidCustomerGatewayID.NotFound",
		.not_found_fmt = "The customerGateway ID '%s' does not exist",
		.filters = &cgw_filters,
		.objs = (const void *const *)r->model->cgws,
		.n_objs = r->model->n_cgws,
		.id_of = cgw_id_of,
		.set_name = "customerGatewaySet",
		.render = render_cgw,
	};

	return api_describe_run(r, &d);
}

/* ---- VPN connections ---------------------------------------------------------- */

/*
 * What Describe filters and renders: the connection with the gateways it
 * refers to (the CGW for bgp-asn and the configuration, the VGW for its ASN).
 * Either gateway may be gone once the connection is deleted.
 */
struct vpn_view {
	const struct model_vpn_connection *vpn;
	const struct model_cgw *cgw;
	const struct model_vgw *vgw;
};

#define VV(o) ((const struct vpn_view *)(o))

/* Placeholder pre-shared key: 32 characters derived from the ID (not a secret). */
static void placeholder_psk(const char *id, int tunnel, char out[33])
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)tunnel;

	for (const char *p = id; *p; p++)
		h = util_hash64(h ^ (unsigned char)*p);
	for (int i = 0; i < 32; i++) {
		if (i % 8 == 0)
			h = util_hash64(h + (uint64_t)i);
		out[i] = alphabet[(h >> ((i % 8) * 6)) & 63];
	}
	out[32] = '\0';
}

/* One side of a tunnel: outside address, inside address of the /30, BGP. */
static void cfg_side(FILE *f, const char *tag, uint32_t outside, uint32_t inside,
		     bool bgp, uint32_t asn)
{
	char o[NET_IP4_STRLEN], in[NET_IP4_STRLEN];

	fprintf(f,
		"    <%s>\n"
		"      <tunnel_outside_address>\n        <ip_address>%s</ip_address>\n"
		"      </tunnel_outside_address>\n"
		"      <tunnel_inside_address>\n        <ip_address>%s</ip_address>\n"
		"        <network_mask>255.255.255.252</network_mask>\n"
		"        <network_cidr>30</network_cidr>\n      </tunnel_inside_address>\n",
		tag, net_ip4_format(outside, o), net_ip4_format(inside, in));
	if (bgp)
		fprintf(f, "      <bgp>\n        <asn>%u</asn>\n        <hold_time>30</hold_time>\n"
			   "      </bgp>\n", asn);
	fprintf(f, "    </%s>\n", tag);
}

static void cfg_tunnel(FILE *f, const struct vpn_view *v, int t)
{
	const struct model_vpn_connection *c = v->vpn;
	const struct model_vpn_tunnel *tun = &c->tunnels[t];
	bool bgp = !c->static_routes_only;
	char psk[33];

	placeholder_psk(c->id, t, psk);
	fputs("  <ipsec_tunnel>\n", f);
	cfg_side(f, "customer_gateway", v->cgw->ip_address, tun->inside_cidr.addr + 2, bgp,
		 v->cgw->bgp_asn);
	cfg_side(f, "vpn_gateway", tun->outside_ip, tun->inside_cidr.addr + 1, bgp,
		 v->vgw ? v->vgw->amazon_side_asn : 64512);
	fprintf(f,
		"    <ike>\n      <authentication_protocol>sha1</authentication_protocol>\n"
		"      <encryption_protocol>aes-128-cbc</encryption_protocol>\n"
		"      <lifetime>28800</lifetime>\n"
		"      <perfect_forward_secrecy>group2</perfect_forward_secrecy>\n"
		"      <mode>main</mode>\n      <pre_shared_key>%s</pre_shared_key>\n    </ike>\n"
		"    <ipsec>\n      <protocol>esp</protocol>\n"
		"      <authentication_protocol>hmac-sha1-96</authentication_protocol>\n"
		"      <encryption_protocol>aes-128-cbc</encryption_protocol>\n"
		"      <lifetime>3600</lifetime>\n"
		"      <perfect_forward_secrecy>group2</perfect_forward_secrecy>\n"
		"      <mode>tunnel</mode>\n      <clear_df_bit>true</clear_df_bit>\n"
		"      <fragmentation_before_encryption>true</fragmentation_before_encryption>\n"
		"      <tcp_mss_adjustment>1379</tcp_mss_adjustment>\n"
		"      <dead_peer_detection>\n        <delay>10</delay>\n        <retry>3</retry>\n"
		"      </dead_peer_detection>\n    </ipsec>\n  </ipsec_tunnel>\n",
		psk);
}

/* The generic ipsec.1 configuration document, or NULL (request arena). */
static const char *customer_gateway_configuration(struct api_req *r, const struct vpn_view *v)
{
	const struct model_vpn_connection *c = v->vpn;
	char *buf = NULL, *out;
	size_t size = 0;
	FILE *f;

	if (!v->cgw || c->state == MODEL_STATE_DELETED)
		return NULL;
	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vpn_connection id=\"%s\">\n"
		"  <customer_gateway_id>%s</customer_gateway_id>\n"
		"  <vpn_gateway_id>%s</vpn_gateway_id>\n"
		"  <vpn_connection_type>%s</vpn_connection_type>\n",
		c->id, c->cgw_id, c->vgw_id, c->type);
	for (int t = 0; t < 2; t++)
		cfg_tunnel(f, v, t);
	fputs("</vpn_connection>", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	out = api_strdup(r, buf);
	free(buf);
	return out;
}

static void render_vpn_options(struct api_req *r, const struct model_vpn_connection *c)
{
	char cidr[NET_CIDR4_STRLEN], ip[NET_IP4_STRLEN];

	api_xml_start(r, "options");
	api_xml_bool(r, "enableAcceleration", false);
	api_xml_bool(r, "staticRoutesOnly", c->static_routes_only);
	api_xml_str(r, "localIpv4NetworkCidr", "0.0.0.0/0");
	api_xml_str(r, "remoteIpv4NetworkCidr", "0.0.0.0/0");
	api_xml_str(r, "outsideIpAddressType", "PublicIpv4");
	api_xml_str(r, "tunnelInsideIpVersion", "ipv4");
	api_xml_start(r, "tunnelOptionSet");
	for (int t = 0; t < 2; t++) {
		api_xml_start(r, "item");
		api_xml_str(r, "outsideIpAddress", net_ip4_format(c->tunnels[t].outside_ip, ip));
		api_xml_str(r, "tunnelInsideCidr", net_cidr4_format(c->tunnels[t].inside_cidr, cidr));
		api_xml_long(r, "dpdTimeoutSeconds", 30);
		api_xml_end(r);
	}
	api_xml_end(r);
	api_xml_end(r);
}

static void render_vpn_routes(struct api_req *r, const struct model_vpn_connection *c)
{
	char cidr[NET_CIDR4_STRLEN];

	api_xml_start(r, "routes");
	for (size_t i = 0; i < c->n_routes; i++) {
		api_xml_start(r, "item");
		api_xml_str(r, "destinationCidrBlock", net_cidr4_format(c->routes[i].cidr, cidr));
		api_xml_str(r, "source", "Static");
		api_xml_str(r, "state", c->routes[i].state);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void render_vpn_telemetry(struct api_req *r, const struct model_vpn_connection *c)
{
	char ip[NET_IP4_STRLEN];

	api_xml_start(r, "vgwTelemetry");
	for (int t = 0; t < 2; t++) {
		api_xml_start(r, "item");
		api_xml_str(r, "outsideIpAddress", net_ip4_format(c->tunnels[t].outside_ip, ip));
		api_xml_str(r, "status", c->tunnels[t].up ? "UP" : "DOWN");
		api_xml_str(r, "statusMessage", "");
		api_xml_long(r, "acceptedRouteCount", 0);
		api_xml_end(r);
	}
	api_xml_end(r);
}

static void render_vpn_as(struct api_req *r, const struct vpn_view *v, const char *wrap)
{
	const struct model_vpn_connection *c = v->vpn;

	api_xml_start(r, wrap);
	api_xml_str(r, "vpnConnectionId", c->id);
	api_xml_str(r, "state", model_state_name(c->state));
	api_xml_str(r, "customerGatewayConfiguration", customer_gateway_configuration(r, v));
	api_xml_str(r, "type", c->type);
	api_xml_str(r, "customerGatewayId", c->cgw_id);
	api_xml_str(r, "vpnGatewayId", c->vgw_id);
	api_xml_str(r, "category", "VPN");
	render_vpn_options(r, c);
	render_vpn_routes(r, c);
	render_vpn_telemetry(r, c);
	api_xml_tags(r, "tagSet", &c->tags);
	api_xml_end(r);
}

static void render_vpn(struct api_req *r, const void *o)
{
	render_vpn_as(r, VV(o), "item");
}

static struct vpn_view view_of(const struct model *m, const struct model_vpn_connection *c)
{
	return (struct vpn_view){c, model_find_cgw(m, c->cgw_id), model_find_vgw(m, c->vgw_id)};
}

/* Options.* this model cannot honour: an error unless absent or the default. */
static int check_vpn_options(struct api_req *r)
{
	static const struct {
		const char *name, *only;
	} fixed[] = {
	    {"Options.EnableAcceleration", "false"},
	    {"Options.TunnelInsideIpVersion", "ipv4"},
	    {"Options.LocalIpv4NetworkCidr", "0.0.0.0/0"},
	    {"Options.RemoteIpv4NetworkCidr", "0.0.0.0/0"},
	    {"Options.OutsideIpAddressType", "PublicIpv4"},
	    {"Options.LocalIpv6NetworkCidr", NULL},
	    {"Options.RemoteIpv6NetworkCidr", NULL},
	    {"Options.TransportTransitGatewayAttachmentId", NULL},
	};
	const char *s;
	size_t n;
	int e;

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
		if ((e = api_get_str(r, &s, API_OPTIONAL, "%s", fixed[i].name)) < 0)
			return e;
		if (e > 0 && (!fixed[i].only || strcmp(s, fixed[i].only) != 0))
			return api_fail_invalid_value(
			    r, "Value (%.64s) for parameter %s is not supported by this "
			       "virtual private gateway connection%s%s.",
			    s, fixed[i].name, fixed[i].only ? "; only " : "",
			    fixed[i].only ? fixed[i].only : "");
	}
	if ((e = api_get_count(r, &n, "Options.TunnelOptions")) < 0)
		return e;
	if (n > 0)
		return api_fail_invalid_value(r, "Options.TunnelOptions are not supported: the "
						 "tunnels use the default options.");
	return 0;
}

static int create_vpn_connection(struct api_req *r)
{
	struct model_tags tags = {0};
	struct model_err err = {0};
	struct model_vpn_connection *c;
	struct vpn_view v;
	const char *type, *cgw_id, *vgw_id = NULL, *tgw_id;
	bool static_only = false;
	int e;

	if ((e = api_get_str(r, &type, API_REQUIRED, "Type")) < 0 ||
	    (e = api_get_str(r, &cgw_id, API_REQUIRED, "CustomerGatewayId")) < 0 ||
	    (e = api_get_str(r, &vgw_id, API_OPTIONAL, "VpnGatewayId")) < 0 ||
	    (e = api_get_str(r, &tgw_id, API_OPTIONAL, "TransitGatewayId")) < 0)
		goto out;
	if (e > 0) {
		e = api_fail(r, 400, "InvalidTransitGatewayID.NotFound",
			     "The transitGateway ID '%.64s' does not exist.", tgw_id);
		goto out;
	}
	if (!vgw_id) {
		e = api_fail_missing(r, "VpnGatewayId");
		goto out;
	}
	if ((e = api_get_bool(r, &static_only, API_OPTIONAL, "Options.StaticRoutesOnly")) < 0 ||
	    (e = check_vpn_options(r)) < 0 ||
	    (e = api_get_tag_specs(r, "vpn-connection", &tags)) < 0)
		goto out;
	if ((e = api_dry_run_check(r)) < 0)
		goto out;
	e = model_op_create_vpn_connection(r->model, r->mctx, cgw_id, vgw_id, type, static_only, &c,
					   &err);
	if (e < 0) {
		e = api_fail_model(r, e, &err);
		goto out;
	}
	if ((e = apply_tags(r, &c->tags, &tags)) < 0)
		goto out;
	api_touch(r, c->id, NULL);
	v = view_of(r->model, c);
	render_vpn_as(r, &v, "vpnConnection");
out:
	model_tags_clear(&tags);
	return e;
}

static int delete_vpn_connection(struct api_req *r)
{
	struct model_err err = {0};
	const char *id;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpnConnectionId")) < 0)
		return e;
	if ((e = api_dry_run_check(r)) < 0)
		return e;
	if ((e = model_op_delete_vpn_connection(r->model, r->mctx, id, &err)) < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL);
	api_xml_return_true(r);
	return 0;
}

/* Create/DeleteVpnConnectionRoute: no DryRun parameter in the API. */
static int vpn_route(struct api_req *r, bool create)
{
	struct model_err err = {0};
	struct net_cidr4 cidr;
	const char *id, *s;
	int e;

	if ((e = api_get_str(r, &id, API_REQUIRED, "VpnConnectionId")) < 0 ||
	    (e = api_get_str(r, &s, API_REQUIRED, "DestinationCidrBlock")) < 0 ||
	    (e = get_cidr4(r, "DestinationCidrBlock", s, &cidr)) < 0)
		return e;
	e = create ? model_op_create_vpn_connection_route(r->model, r->mctx, id, cidr, &err)
		   : model_op_delete_vpn_connection_route(r->model, r->mctx, id, cidr, &err);
	if (e < 0)
		return api_fail_model(r, e, &err);
	api_touch(r, id, NULL); /* the routes are the connection's */
	api_xml_return_true(r);
	return 0;
}

static int create_vpn_connection_route(struct api_req *r)
{
	return vpn_route(r, true);
}

static int delete_vpn_connection_route(struct api_req *r)
{
	return vpn_route(r, false);
}

static void f_vpn_cgw(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VV(o)->vpn->cgw_id);
}
static void f_vpn_state(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, model_state_name(VV(o)->vpn->state));
}
static void f_vpn_static(const void *o, struct api_filter_match *m)
{
	api_filter_emit_bool(m, VV(o)->vpn->static_routes_only);
}
static void f_vpn_route(const void *o, struct api_filter_match *m)
{
	char cidr[NET_CIDR4_STRLEN];

	for (size_t i = 0; i < VV(o)->vpn->n_routes; i++)
		api_filter_emit(m, net_cidr4_format(VV(o)->vpn->routes[i].cidr, cidr));
}
static void f_vpn_bgp_asn(const void *o, struct api_filter_match *m)
{
	if (VV(o)->cgw)
		api_filter_emitf(m, "%u", VV(o)->cgw->bgp_asn);
}
static void f_vpn_type(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VV(o)->vpn->type);
}
static void f_vpn_id(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VV(o)->vpn->id);
}
static void f_vpn_vgw(const void *o, struct api_filter_match *m)
{
	api_filter_emit(m, VV(o)->vpn->vgw_id);
}
static void f_vpn_none(const void *o, struct api_filter_match *m)
{
	(void)o; /* transit-gateway-id: no connection has one */
	(void)m;
}
static const struct model_tags *vpn_tags(const void *o) { return &VV(o)->vpn->tags; }
static const char *vpn_id_of(const void *o) { return VV(o)->vpn->id; }

static const struct api_filter_field vpn_fields[] = {
	{"customer-gateway-id", f_vpn_cgw},
	{"state", f_vpn_state},
	{"option.static-routes-only", f_vpn_static},
	{"route.destination-cidr-block", f_vpn_route},
	{"bgp-asn", f_vpn_bgp_asn},
	{"type", f_vpn_type},
	{"vpn-connection-id", f_vpn_id},
	{"vpn-gateway-id", f_vpn_vgw},
	{"transit-gateway-id", f_vpn_none},
};
static const struct api_filter_table vpn_filters = {vpn_fields, ARRAY_SIZE(vpn_fields), vpn_tags};

static int describe_vpn_connections(struct api_req *r)
{
	const struct model *m = r->model;
	struct vpn_view *views = api_alloc(r, (m->n_vpns + 1) * sizeof(*views));
	const void **objs = api_alloc(r, (m->n_vpns + 1) * sizeof(*objs));

	if (!views || !objs)
		return oom(r);
	for (size_t i = 0; i < m->n_vpns; i++) {
		views[i] = view_of(m, m->vpns[i]);
		objs[i] = &views[i];
	}
	const struct api_describe d = {
		.id_param = "VpnConnectionId",
		.not_found_code = "InvalidVpnConnectionID.NotFound",
		.not_found_fmt = "The vpnConnection ID '%s' does not exist",
		.filters = &vpn_filters,
		.objs = objs,
		.n_objs = m->n_vpns,
		.id_of = vpn_id_of,
		.set_name = "vpnConnectionSet",
		.render = render_vpn,
	};

	return api_describe_run(r, &d);
}

API_FAMILY_DEFINE(vpn,
	{"CreateVpnGateway", create_vpn_gateway, API_MUTATING},
	{"DeleteVpnGateway", delete_vpn_gateway, API_MUTATING},
	{"DescribeVpnGateways", describe_vpn_gateways, API_READ},
	{"AttachVpnGateway", attach_vpn_gateway, API_MUTATING},
	{"DetachVpnGateway", detach_vpn_gateway, API_MUTATING},
	{"CreateCustomerGateway", create_customer_gateway, API_MUTATING},
	{"DeleteCustomerGateway", delete_customer_gateway, API_MUTATING},
	{"DescribeCustomerGateways", describe_customer_gateways, API_READ},
	{"CreateVpnConnection", create_vpn_connection, API_MUTATING},
	{"DeleteVpnConnection", delete_vpn_connection, API_MUTATING},
	{"DescribeVpnConnections", describe_vpn_connections, API_READ},
	{"CreateVpnConnectionRoute", create_vpn_connection_route, API_MUTATING | API_NO_DRY_RUN},
	{"DeleteVpnConnectionRoute", delete_vpn_connection_route, API_MUTATING | API_NO_DRY_RUN}, );
