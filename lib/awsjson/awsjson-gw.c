/*
 * awsjson-gw: the gateways.  InternetGateways (describe-internet-gateways),
 * NatGateways (describe-nat-gateways), VpnGateways, CustomerGateways and
 * VpnConnections (describe-vpn-*).
 *
 * A NAT gateway's first address (NatGatewayAddresses[0], or the one marked
 * IsPrimary) gives its ENI, private and public IP.  When the ENI is not known
 * from describe-network-interfaces, an ENI of type nat_gateway is implied in
 * the NAT gateway's subnet (and replaced if that document comes later), so
 * that the NAT gateway's addresses are owned in the model as on AWS.
 *
 * VPN connections keep their static Routes and the two tunnels' status from
 * VgwTelemetry (Status "UP").
 */
#include <string.h>

#include "lib/awsjson/awsjson-private.h"
#include "lib/util/util.h"

static int import_igw_attachment(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_igw *igw = userdata;
	struct model_igw_attachment a;
	int r;

	memset(&a, 0, sizeof(a));
	util_strscpy(a.state, "available", sizeof(a.state));
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "VpcId", "vpc-", a.vpc_id)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "State", a.state, sizeof(a.state))) < 0)
		return r;
	if (igw->attachment.vpc_id[0])
		return aj_fail(c, NULL, -EINVAL,
			       "internet gateway %s is attached to more than one VPC", igw->id);
	/* "available" is what AWS prints for an attached internet gateway. */
	if (strcmp(a.state, "available") == 0 || strcmp(a.state, "attached") == 0)
		igw->attachment = a;
	return 0;
}

static int import_igw(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_igw *igw;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "InternetGatewayId", "igw-", id)) < 0)
		return r;
	if (model_find_igw(c->m, id))
		return aj_fail(c, "InternetGatewayId", -EINVAL, "duplicate internet gateway \"%s\"",
			       id);
	if ((r = aj_check_count(c, "InternetGatewayId", c->m->n_igws, AJ_MAX_IGWS,
				"internet gateways")) < 0)
		return r;
	igw = model_add_igw(c->m);
	if (!igw)
		return -ENOMEM;
	memcpy(igw->id, id, sizeof(id));
	if ((r = aj_owner(c, o, "OwnerId", igw->owner_id)) < 0 ||
	    (r = aj_each(c, o, "Attachments", 4, import_igw_attachment, igw)) < 0 ||
	    (r = aj_tags(c, o, &igw->tags)) < 0)
		return r;
	return 0;
}

int aj_import_internet_gateways(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_igw, NULL);
}

struct nat_addr_ctx {
	struct model_nat_gateway *nat;
	bool have_primary;
};

static int import_nat_address(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct nat_addr_ctx *n = userdata;
	struct model_nat_gateway tmp;
	bool primary = false;
	bool has_primary_flag = aj_get(o, "IsPrimary") != NULL;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_id(c, o, "NetworkInterfaceId", "eni-", tmp.eni_id)) < 0 ||
	    (r = aj_opt_ip4(c, o, "PrivateIp", &tmp.private_ip)) < 0 ||
	    (r = aj_opt_ip4(c, o, "PublicIp", &tmp.public_ip)) < 0 ||
	    (r = aj_opt_id(c, o, "AllocationId", "eipalloc-", tmp.allocation_id)) < 0 ||
	    (r = aj_opt_bool(c, o, "IsPrimary", &primary)) < 0)
		return r;
	/* The first address, unless a later one says it is the primary. */
	if (n->have_primary || (has_primary_flag && !primary && n->nat->private_ip))
		return 0;
	if (has_primary_flag && primary)
		n->have_primary = true;
	memcpy(n->nat->eni_id, tmp.eni_id, sizeof(tmp.eni_id));
	n->nat->private_ip = tmp.private_ip;
	n->nat->public_ip = tmp.public_ip;
	memcpy(n->nat->allocation_id, tmp.allocation_id, sizeof(tmp.allocation_id));
	return 0;
}

/* The ENI of a NAT gateway, implied when describe-network-interfaces did not list it. */
static int nat_eni(struct aj_ctx *c, const struct model_nat_gateway *nat)
{
	struct model_eni *eni;
	struct model_eni_ip ip;
	int r;

	if (!nat->eni_id[0] || !nat->private_ip || model_find_eni(c->m, nat->eni_id))
		return 0;
	if ((r = aj_check_count(c, "NatGatewayAddresses", c->m->n_enis, AJ_MAX_ENIS,
				"network interfaces")) < 0)
		return r;
	eni = model_add_eni(c->m);
	if (!eni)
		return -ENOMEM;
	util_strscpy(eni->id, nat->eni_id, sizeof(eni->id));
	util_strscpy(eni->subnet_id, nat->subnet_id, sizeof(eni->subnet_id));
	util_strscpy(eni->vpc_id, nat->vpc_id, sizeof(eni->vpc_id));
	util_strscpy(eni->interface_type, "nat_gateway", sizeof(eni->interface_type));
	util_strscpy(eni->owner_id, c->m->account_id, sizeof(eni->owner_id));
	eni->requester_managed = true;
	eni->source_dest_check = false;
	eni->status = MODEL_ENI_IN_USE;
	memset(&ip, 0, sizeof(ip));
	ip.ip = nat->private_ip;
	ip.primary = true;
	ip.public_ip = nat->public_ip;
	util_strscpy(ip.allocation_id, nat->allocation_id, sizeof(ip.allocation_id));
	return model_eni_add_ip(eni, &ip);
}

static int import_nat(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_nat_gateway *nat;
	struct nat_addr_ctx n = {0};
	const char *conn = NULL, *code = NULL, *msg = NULL;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "NatGatewayId", "nat-", id)) < 0)
		return r;
	if (model_find_nat_gateway(c->m, id))
		return aj_fail(c, "NatGatewayId", -EINVAL, "duplicate NAT gateway \"%s\"", id);
	if ((r = aj_check_count(c, "NatGatewayId", c->m->n_nat_gateways, AJ_MAX_NAT_GATEWAYS,
				"NAT gateways")) < 0)
		return r;
	nat = model_add_nat_gateway(c->m);
	if (!nat)
		return -ENOMEM;
	memcpy(nat->id, id, sizeof(id));
	nat->state = MODEL_STATE_AVAILABLE;
	n.nat = nat;
	if ((r = aj_req_id(c, o, "SubnetId", "subnet-", nat->subnet_id)) < 0 ||
	    (r = aj_req_id(c, o, "VpcId", "vpc-", nat->vpc_id)) < 0 ||
	    (r = aj_opt_state(c, o, "State", &nat->state)) < 0 ||
	    (r = aj_opt_string(c, o, "ConnectivityType", &conn)) < 0 ||
	    (r = aj_opt_string(c, o, "FailureCode", &code)) < 0 ||
	    (r = aj_opt_string(c, o, "FailureMessage", &msg)) < 0 ||
	    (r = aj_each(c, o, "NatGatewayAddresses", 16, import_nat_address, &n)) < 0 ||
	    (r = aj_tags(c, o, &nat->tags)) < 0)
		return r;
	if (conn && strcmp(conn, "private") == 0)
		nat->connectivity = MODEL_NAT_PRIVATE;
	else if (conn && strcmp(conn, "public") != 0)
		return aj_fail(c, "ConnectivityType", -EINVAL, "\"%.60s\" is not public or private",
			       conn);
	if ((code && !(nat->failure_code = strdup(code))) ||
	    (msg && !(nat->failure_message = strdup(msg))))
		return -ENOMEM;
	return nat_eni(c, nat);
}

int aj_import_nat_gateways(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_nat, NULL);
}

static int import_vgw_attachment(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_vgw *vgw = userdata;
	char vpc[MODEL_ID_LEN], state[16] = "attached";
	int r;

	if ((r = aj_expect_object(c, o)) < 0 || (r = aj_req_id(c, o, "VpcId", "vpc-", vpc)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "State", state, sizeof(state))) < 0)
		return r;
	return model_vgw_add_attachment(vgw, vpc, state);
}

static int import_vgw(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_vgw *vgw;
	char id[MODEL_ID_LEN];
	long asn = 64512;
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "VpnGatewayId", "vgw-", id)) < 0)
		return r;
	if (model_find_vgw(c->m, id))
		return aj_fail(c, "VpnGatewayId", -EINVAL, "duplicate VPN gateway \"%s\"", id);
	if ((r = aj_check_count(c, "VpnGatewayId", c->m->n_vgws, AJ_MAX_VGWS, "VPN gateways")) < 0)
		return r;
	vgw = model_add_vgw(c->m);
	if (!vgw)
		return -ENOMEM;
	memcpy(vgw->id, id, sizeof(id));
	vgw->state = MODEL_STATE_AVAILABLE;
	util_strscpy(vgw->type, "ipsec.1", sizeof(vgw->type));
	if ((r = aj_opt_state(c, o, "State", &vgw->state)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "Type", vgw->type, sizeof(vgw->type))) < 0 ||
	    (r = aj_opt_strbuf(c, o, "AvailabilityZone", vgw->az, sizeof(vgw->az))) < 0 ||
	    (r = aj_opt_int(c, o, "AmazonSideAsn", 1, 4294967295L, &asn)) < 0 ||
	    (r = aj_each(c, o, "VpcAttachments", 16, import_vgw_attachment, vgw)) < 0 ||
	    (r = aj_tags(c, o, &vgw->tags)) < 0)
		return r;
	vgw->amazon_side_asn = (uint32_t)asn;
	return 0;
}

int aj_import_vpn_gateways(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_vgw, NULL);
}

static int import_cgw(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_cgw *cgw;
	const char *device = NULL;
	char id[MODEL_ID_LEN];
	long asn = 65000;
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "CustomerGatewayId", "cgw-", id)) < 0)
		return r;
	if (model_find_cgw(c->m, id))
		return aj_fail(c, "CustomerGatewayId", -EINVAL, "duplicate customer gateway \"%s\"",
			       id);
	if ((r = aj_check_count(c, "CustomerGatewayId", c->m->n_cgws, AJ_MAX_CGWS,
				"customer gateways")) < 0)
		return r;
	cgw = model_add_cgw(c->m);
	if (!cgw)
		return -ENOMEM;
	memcpy(cgw->id, id, sizeof(id));
	cgw->state = MODEL_STATE_AVAILABLE;
	util_strscpy(cgw->type, "ipsec.1", sizeof(cgw->type));
	if ((r = aj_opt_int(c, o, "BgpAsn", 1, 4294967295L, &asn)) < 0 ||
	    (r = aj_opt_ip4(c, o, "IpAddress", &cgw->ip_address)) < 0 ||
	    (r = aj_opt_state(c, o, "State", &cgw->state)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "Type", cgw->type, sizeof(cgw->type))) < 0 ||
	    (r = aj_opt_string(c, o, "DeviceName", &device)) < 0 ||
	    (r = aj_tags(c, o, &cgw->tags)) < 0)
		return r;
	cgw->bgp_asn = (uint32_t)asn;
	if (device && !(cgw->device_name = strdup(device)))
		return -ENOMEM;
	return 0;
}

int aj_import_customer_gateways(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_cgw, NULL);
}

static int import_vpn_route(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_vpn_connection *vpn = userdata;
	struct net_cidr4 cidr;
	char state[16] = "available";
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_cidr4(c, o, "DestinationCidrBlock", &cidr)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "State", state, sizeof(state))) < 0)
		return r;
	return model_vpn_add_route(vpn, cidr, state);
}

struct tunnel_ctx {
	struct model_vpn_connection *vpn;
	size_t n;
};

static int import_telemetry(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct tunnel_ctx *t = userdata;
	struct model_vpn_tunnel tun;
	const char *status = NULL;
	int r;

	memset(&tun, 0, sizeof(tun));
	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_opt_ip4(c, o, "OutsideIpAddress", &tun.outside_ip)) < 0 ||
	    (r = aj_opt_string(c, o, "Status", &status)) < 0)
		return r;
	tun.up = status && strcmp(status, "UP") == 0;
	if (t->n < ARRAY_SIZE(t->vpn->tunnels))
		t->vpn->tunnels[t->n++] = tun;
	return 0;
}

static int import_vpn(struct aj_ctx *c, const json_t *o, void *userdata)
{
	struct model_vpn_connection *vpn;
	struct tunnel_ctx t = {0};
	json_t *opts;
	char id[MODEL_ID_LEN];
	int r;

	if ((r = aj_expect_object(c, o)) < 0 ||
	    (r = aj_req_id(c, o, "VpnConnectionId", "vpn-", id)) < 0)
		return r;
	if (model_find_vpn(c->m, id))
		return aj_fail(c, "VpnConnectionId", -EINVAL, "duplicate VPN connection \"%s\"",
			       id);
	if ((r = aj_check_count(c, "VpnConnectionId", c->m->n_vpns, AJ_MAX_VPNS,
				"VPN connections")) < 0)
		return r;
	vpn = model_add_vpn(c->m);
	if (!vpn)
		return -ENOMEM;
	memcpy(vpn->id, id, sizeof(id));
	vpn->state = MODEL_STATE_AVAILABLE;
	util_strscpy(vpn->type, "ipsec.1", sizeof(vpn->type));
	t.vpn = vpn;
	if ((r = aj_opt_id(c, o, "CustomerGatewayId", "cgw-", vpn->cgw_id)) < 0 ||
	    (r = aj_opt_id(c, o, "VpnGatewayId", "vgw-", vpn->vgw_id)) < 0 ||
	    (r = aj_opt_state(c, o, "State", &vpn->state)) < 0 ||
	    (r = aj_opt_strbuf(c, o, "Type", vpn->type, sizeof(vpn->type))) < 0 ||
	    (r = aj_each(c, o, "Routes", AJ_MAX_VPN_ROUTES, import_vpn_route, vpn)) < 0 ||
	    (r = aj_each(c, o, "VgwTelemetry", 8, import_telemetry, &t)) < 0 ||
	    (r = aj_tags(c, o, &vpn->tags)) < 0)
		return r;
	if ((opts = aj_get(o, "Options"))) {
		size_t mark = aj_mark(c);

		aj_push_key(c, "Options");
		if ((r = aj_expect_object(c, opts)) == 0)
			r = aj_opt_bool(c, opts, "StaticRoutesOnly", &vpn->static_routes_only);
		aj_restore(c, mark);
		if (r < 0)
			return r;
	}
	return 0;
}

int aj_import_vpn_connections(struct aj_ctx *c, const json_t *v)
{
	return aj_each_top(c, v, import_vpn, NULL);
}
