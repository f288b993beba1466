/*
 * Tests for awsjson: the shipped two-tier example imported field by field,
 * and one inline document per resource kind the example does not use (VPN,
 * prefix lists, unusual route targets, IPv6 and ICMP rules, ...).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/awsjson/awsjson.h"

static struct model *load_example(void)
{
	const char *root = getenv("OPENVPC_SOURCE_ROOT");
	struct awsjson_error err;
	struct model *m = NULL;
	char path[4096];
	int r;

	cr_assert(root, "OPENVPC_SOURCE_ROOT is not set");
	snprintf(path, sizeof(path), "%s/examples/two-tier", root);
	r = awsjson_load_path(path, &m, &err);
	cr_assert_eq(r, 0, "load failed: %s: %s: %s", err.file, err.field, err.message);
	cr_assert_not_null(m);
	return m;
}

static struct model *load_doc(const char *json)
{
	struct awsjson_error err;
	struct model *m = model_new("", "");
	int r;

	cr_assert_not_null(m);
	r = awsjson_load_buffer("doc.json", json, strlen(json), m, &err);
	cr_assert_eq(r, 0, "load failed: %s: %s: %s", err.file, err.field, err.message);
	return m;
}

static uint32_t ip(const char *s)
{
	uint32_t v = 0;

	cr_assert_eq(net_ip4_parse(s, &v), 0, "bad test address %s", s);
	return v;
}

static struct net_cidr4 cidr(const char *s)
{
	struct net_cidr4 c;

	cr_assert_eq(net_cidr4_parse(s, &c), 0, "bad test CIDR %s", s);
	return c;
}

Test(awsjson_example, counts_account_region)
{
	struct model *m = load_example();

	cr_expect_eq(m->n_vpcs, 1);
	cr_expect_eq(m->n_subnets, 2);
	cr_expect_eq(m->n_route_tables, 3);
	cr_expect_eq(m->n_sgs, 3);
	cr_expect_eq(m->n_nacls, 2);
	cr_expect_eq(m->n_enis, 3, "web, db and the NAT gateway's ENI, each once");
	cr_expect_eq(m->n_instances, 2);
	cr_expect_eq(m->n_igws, 1);
	cr_expect_eq(m->n_nat_gateways, 1);
	cr_expect_eq(m->n_eips, 1);
	cr_expect_str_eq(m->account_id, "123456789012");
	cr_expect_str_eq(m->region, "us-east-1");
	model_free(m);
}

Test(awsjson_example, vpc_and_subnets)
{
	struct model *m = load_example();
	struct model_vpc *v = model_find_vpc(m, "vpc-0e9c4b7a2f1d35a86");
	struct model_subnet *web = model_find_subnet(m, "subnet-04b2e8c1f7a9d3e65");
	struct model_subnet *db = model_find_subnet(m, "subnet-0c7f1a5e9b3d2846f");

	cr_assert_not_null(v);
	cr_expect_eq(v->n_cidrs, 1);
	cr_expect(net_cidr4_equal(v->cidrs[0].cidr, cidr("10.0.0.0/16")));
	cr_expect_str_eq(v->cidrs[0].association_id, "vpc-cidr-assoc-0c2e5a8f1d4b73c96");
	cr_expect_eq(v->cidrs[0].state, MODEL_CIDR_ASSOCIATED);
	cr_expect_str_eq(v->owner_id, "123456789012");
	cr_expect_str_eq(v->dhcp_options_id, "dopt-0b8e1c4f7a2d59e36");
	cr_expect_not(v->is_default);
	cr_expect_str_eq(model_tags_get(&v->tags, "Name"), "two-tier");
	cr_assert_not_null(web);
	cr_assert_not_null(db);
	cr_expect(net_cidr4_equal(web->cidr, cidr("10.0.1.0/24")));
	cr_expect_str_eq(web->vpc_id, "vpc-0e9c4b7a2f1d35a86");
	cr_expect_str_eq(web->az, "us-east-1a");
	cr_expect_str_eq(web->az_id, "use1-az6");
	cr_expect(web->map_public_ip_on_launch);
	cr_expect(net_cidr4_equal(db->cidr, cidr("10.0.2.0/24")));
	cr_expect_str_eq(db->az, "us-east-1b");
	cr_expect_not(db->map_public_ip_on_launch);
	cr_expect_str_eq(model_tags_get(&db->tags, "Name"), "db");
	model_free(m);
}

Test(awsjson_example, route_tables)
{
	struct model *m = load_example();
	struct model_route_table *pub = model_subnet_route_table(m, "subnet-04b2e8c1f7a9d3e65");
	struct model_route_table *priv = model_subnet_route_table(m, "subnet-0c7f1a5e9b3d2846f");
	struct model_route_table *main_rtb = model_vpc_main_route_table(m, "vpc-0e9c4b7a2f1d35a86");

	cr_assert_not_null(pub);
	cr_assert_not_null(priv);
	cr_assert_not_null(main_rtb);
	cr_expect_str_eq(main_rtb->id, "rtb-0f8a2c5e1b7d94a30");
	cr_expect_str_eq(pub->id, "rtb-03c9e6a1d4f7b2e85");
	cr_assert_eq(pub->n_routes, 2);
	cr_expect_eq(pub->routes[0].target_type, MODEL_TARGET_LOCAL);
	cr_expect_eq(pub->routes[0].origin, MODEL_ORIGIN_CREATE_ROUTE_TABLE);
	cr_expect(net_cidr4_equal(pub->routes[0].dest, cidr("10.0.0.0/16")));
	cr_expect_eq(pub->routes[1].dest_type, MODEL_DEST_CIDR4);
	cr_expect(net_cidr4_equal(pub->routes[1].dest, cidr("0.0.0.0/0")));
	cr_expect_eq(pub->routes[1].target_type, MODEL_TARGET_IGW);
	cr_expect_str_eq(pub->routes[1].target_id, "igw-0a3f6c9e2b5d81e47");
	cr_expect_eq(pub->routes[1].origin, MODEL_ORIGIN_CREATE_ROUTE);
	cr_expect_not(pub->routes[1].blackhole);
	cr_expect(model_route_active(m, pub, &pub->routes[1]), "the IGW is attached");
	cr_assert_eq(priv->n_routes, 2);
	cr_expect_eq(priv->routes[1].target_type, MODEL_TARGET_NAT);
	cr_expect_str_eq(priv->routes[1].target_id, "nat-0f2b6d9a1c4e73b58");
	cr_expect(model_route_active(m, priv, &priv->routes[1]), "the NAT gateway is available");
	cr_assert_eq(priv->n_assocs, 1);
	cr_expect_str_eq(priv->assocs[0].id, "rtbassoc-0b4d8f2a6c1e93b57");
	cr_expect_not(priv->assocs[0].main);
	model_free(m);
}

Test(awsjson_example, security_groups)
{
	struct model *m = load_example();
	struct model_sg *web = model_find_sg(m, "sg-0b1d5f9a3c7e42d16");
	struct model_sg *db = model_find_sg(m, "sg-08e2a6c4f1d93b7a5");
	struct model_sg *def = model_find_sg(m, "sg-0e4c7a1f3b9d26c58");

	cr_assert_not_null(web);
	cr_assert_not_null(db);
	cr_assert_not_null(def);
	cr_expect_str_eq(web->name, "web");
	cr_expect_str_eq(web->vpc_id, "vpc-0e9c4b7a2f1d35a86");
	cr_assert_eq(web->n_rules, 4, "3 ingress + 1 egress");
	cr_expect_not(web->rules[0].egress);
	cr_expect_eq(web->rules[0].protocol, 6);
	cr_expect_eq(web->rules[0].from_port, 80);
	cr_expect_eq(web->rules[0].to_port, 80);
	cr_expect_eq(web->rules[0].peer_type, MODEL_PEER_CIDR4);
	cr_expect(net_cidr4_equal(web->rules[0].cidr, cidr("0.0.0.0/0")));
	cr_expect_str_eq(web->rules[0].description, "http");
	cr_expect_eq(web->rules[2].from_port, 22);
	cr_expect(net_cidr4_equal(web->rules[2].cidr, cidr("203.0.113.0/24")));
	cr_expect(web->rules[3].egress);
	cr_expect_eq(web->rules[3].protocol, MODEL_PROTO_ALL);
	cr_expect_eq(web->rules[3].from_port, -1);
	cr_assert_eq(db->n_rules, 2);
	cr_expect_eq(db->rules[0].peer_type, MODEL_PEER_GROUP);
	cr_expect_str_eq(db->rules[0].group_id, "sg-0b1d5f9a3c7e42d16");
	cr_expect_str_eq(db->rules[0].group_owner, "123456789012");
	cr_expect_eq(db->rules[0].from_port, 5432);
	cr_assert_eq(def->n_rules, 2);
	cr_expect_eq(def->rules[0].peer_type, MODEL_PEER_GROUP);
	cr_expect_str_eq(def->rules[0].group_id, def->id, "default SG references itself");
	model_free(m);
}

Test(awsjson_example, network_acls)
{
	struct model *m = load_example();
	struct model_nacl *db = model_subnet_nacl(m, "subnet-0c7f1a5e9b3d2846f");
	struct model_nacl *web = model_subnet_nacl(m, "subnet-04b2e8c1f7a9d3e65");
	const struct model_nacl_entry *e;

	cr_assert_not_null(db);
	cr_assert_not_null(web);
	cr_expect_str_eq(db->id, "acl-05f9c2e7a3d1b8c64");
	cr_expect_not(db->is_default);
	cr_expect(web->is_default);
	cr_expect_str_eq(web->id, "acl-0d6b3f8a1e5c92f47");
	cr_assert_eq(db->n_entries, 8);
	/* Sorted: ingress first, by rule number. */
	e = &db->entries[0];
	cr_expect_not(e->egress);
	cr_expect_eq(e->rule_number, 90);
	cr_expect_not(e->allow);
	cr_expect_eq(e->protocol, 6);
	cr_expect_eq(e->from_port, 22);
	cr_expect_eq(e->to_port, 22);
	e = &db->entries[1];
	cr_expect_eq(e->rule_number, 100);
	cr_expect(e->allow);
	cr_expect(net_cidr4_equal(e->cidr, cidr("10.0.1.0/24")));
	cr_expect_eq(e->from_port, 5432);
	e = &db->entries[3];
	cr_expect_eq(e->rule_number, 32767);
	cr_expect_eq(e->protocol, MODEL_PROTO_ALL);
	cr_expect_not(e->allow);
	cr_expect_eq(e->from_port, -1);
	e = &db->entries[4];
	cr_expect(e->egress);
	cr_expect_eq(e->rule_number, 100);
	cr_expect_eq(e->from_port, 1024);
	cr_expect_eq(e->to_port, 65535);
	cr_assert_eq(db->n_assocs, 1);
	cr_expect_str_eq(db->assocs[0].id, "aclassoc-0f2a6c9e3b7d15f84");
	model_free(m);
}

Test(awsjson_example, enis_instances_addresses)
{
	struct model *m = load_example();
	struct model_eni *web = model_instance_primary_eni(m, "i-0c4a8e2f6b1d37a95");
	struct model_eni *nat_eni = model_find_eni(m, "eni-07d3a9f1c5e2b8640");
	struct model_instance *db = model_find_instance(m, "i-0e7b1d5a9c3f26e84");
	uint32_t priv = 0;

	cr_assert_not_null(web);
	cr_expect_str_eq(web->id, "eni-0a5c9e3f7b1d42c68");
	cr_expect_str_eq(web->subnet_id, "subnet-04b2e8c1f7a9d3e65");
	cr_expect_str_eq(web->vpc_id, "vpc-0e9c4b7a2f1d35a86");
	cr_assert_eq(web->n_ips, 1);
	cr_expect_eq(web->ips[0].ip, ip("10.0.1.10"));
	cr_expect(web->ips[0].primary);
	cr_expect_eq(web->ips[0].public_ip, ip("198.51.100.10"));
	cr_assert_eq(web->n_sg_ids, 1);
	cr_expect_str_eq(web->sg_ids[0], "sg-0b1d5f9a3c7e42d16");
	cr_expect(web->source_dest_check);
	cr_expect(web->attachment.present);
	cr_expect_eq(web->attachment.device_index, 0);
	cr_expect_str_eq(web->interface_type, "interface");
	cr_expect_eq(web->status, MODEL_ENI_IN_USE);
	cr_expect_str_eq(web->mac, "0e:2b:7c:41:9a:d3");
	cr_assert_not_null(db);
	cr_expect_str_eq(db->instance_type, "t3.medium");
	cr_expect_eq(db->state, MODEL_INSTANCE_RUNNING);
	cr_expect_str_eq(db->subnet_id, "subnet-0c7f1a5e9b3d2846f");
	cr_expect_str_eq(db->vpc_id, "vpc-0e9c4b7a2f1d35a86");
	cr_expect_str_eq(db->az, "us-east-1b");
	cr_expect_str_eq(db->reservation_id, "r-0a8c2e6f1b5d93a47");
	cr_expect_str_eq(model_tags_get(&db->tags, "Name"), "db");
	cr_assert_not_null(nat_eni);
	cr_expect_str_eq(nat_eni->interface_type, "nat_gateway");
	cr_expect(nat_eni->requester_managed);
	cr_expect_not(nat_eni->source_dest_check);
	cr_expect_not(nat_eni->attachment.present);
	cr_expect_eq(model_find_eni_by_public_ip(m, ip("198.51.100.20"), &priv), nat_eni);
	cr_expect_eq(priv, ip("10.0.1.200"));
	cr_expect_str_eq(nat_eni->ips[0].allocation_id, "eipalloc-0b5e8d2a7f1c39e64");
	model_free(m);
}

Test(awsjson_example, gateways)
{
	struct model *m = load_example();
	struct model_igw *igw = model_vpc_igw(m, "vpc-0e9c4b7a2f1d35a86");
	struct model_nat_gateway *nat = model_find_nat_gateway(m, "nat-0f2b6d9a1c4e73b58");
	struct model_eip *eip = model_find_eip(m, "eipalloc-0b5e8d2a7f1c39e64");

	cr_assert_not_null(igw);
	cr_expect_str_eq(igw->id, "igw-0a3f6c9e2b5d81e47");
	cr_expect_str_eq(igw->attachment.state, "available");
	cr_assert_not_null(nat);
	cr_expect_eq(nat->state, MODEL_STATE_AVAILABLE);
	cr_expect_eq(nat->connectivity, MODEL_NAT_PUBLIC);
	cr_expect_str_eq(nat->subnet_id, "subnet-04b2e8c1f7a9d3e65");
	cr_expect_str_eq(nat->eni_id, "eni-07d3a9f1c5e2b8640");
	cr_expect_eq(nat->private_ip, ip("10.0.1.200"));
	cr_expect_eq(nat->public_ip, ip("198.51.100.20"));
	cr_expect_str_eq(nat->allocation_id, "eipalloc-0b5e8d2a7f1c39e64");
	cr_assert_not_null(eip);
	cr_expect_eq(eip->public_ip, ip("198.51.100.20"));
	cr_expect_str_eq(eip->eni_id, "eni-07d3a9f1c5e2b8640");
	cr_expect_eq(eip->private_ip, ip("10.0.1.200"));
	cr_expect_str_eq(eip->association_id, "eipassoc-0d1a4f7c2e9b58a36");
	model_free(m);
}

Test(awsjson_kinds, vpn_gateway_connection_customer_gateway)
{
	struct model *m = load_doc(
	    "{\"VpnGateways\": [{\"State\": \"available\", \"Type\": \"ipsec.1\","
	    "  \"AmazonSideAsn\": 64512,"
	    "  \"VpcAttachments\": [{\"State\": \"attached\", \"VpcId\": "
	    "\"vpc-0123456789abcdef0\"}],"
	    "  \"VpnGatewayId\": \"vgw-0a1b2c3d4e5f60718\"}],"
	    " \"CustomerGateways\": [{\"BgpAsn\": \"65000\", \"CustomerGatewayId\": "
	    "  \"cgw-0f1e2d3c4b5a69788\", \"IpAddress\": \"203.0.113.12\", \"State\": "
	    "\"available\","
	    "  \"Type\": \"ipsec.1\", \"DeviceName\": \"office-router\"}],"
	    " \"VpnConnections\": [{\"CustomerGatewayId\": \"cgw-0f1e2d3c4b5a69788\","
	    "  \"State\": \"available\", \"Type\": \"ipsec.1\", \"VpnConnectionId\": "
	    "  \"vpn-0123abcd4567ef890\", \"VpnGatewayId\": \"vgw-0a1b2c3d4e5f60718\","
	    "  \"Options\": {\"StaticRoutesOnly\": true},"
	    "  \"Routes\": [{\"DestinationCidrBlock\": \"192.168.0.0/16\", \"Source\": \"Static\","
	    "   \"State\": \"available\"}],"
	    "  \"VgwTelemetry\": [{\"OutsideIpAddress\": \"52.0.0.1\", \"Status\": \"UP\"},"
	    "   {\"OutsideIpAddress\": \"52.0.0.2\", \"Status\": \"DOWN\"}]}]}");
	struct model_vgw *vgw = model_vpc_vgw(m, "vpc-0123456789abcdef0");
	struct model_cgw *cgw = model_find_cgw(m, "cgw-0f1e2d3c4b5a69788");
	struct model_vpn_connection *vpn = model_find_vpn(m, "vpn-0123abcd4567ef890");

	cr_assert_not_null(vgw);
	cr_expect_str_eq(vgw->id, "vgw-0a1b2c3d4e5f60718");
	cr_expect_eq(vgw->amazon_side_asn, 64512);
	cr_assert_not_null(cgw);
	cr_expect_eq(cgw->bgp_asn, 65000);
	cr_expect_eq(cgw->ip_address, ip("203.0.113.12"));
	cr_expect_str_eq(cgw->device_name, "office-router");
	cr_assert_not_null(vpn);
	cr_expect_str_eq(vpn->vgw_id, "vgw-0a1b2c3d4e5f60718");
	cr_expect_str_eq(vpn->cgw_id, "cgw-0f1e2d3c4b5a69788");
	cr_expect_eq(vpn->state, MODEL_STATE_AVAILABLE);
	cr_expect(vpn->static_routes_only);
	cr_assert_eq(vpn->n_routes, 1);
	cr_expect(net_cidr4_equal(vpn->routes[0].cidr, cidr("192.168.0.0/16")));
	cr_expect_str_eq(vpn->routes[0].state, "available");
	cr_expect(vpn->tunnels[0].up);
	cr_expect_not(vpn->tunnels[1].up);
	cr_expect_eq(vpn->tunnels[1].outside_ip, ip("52.0.0.2"));
	model_free(m);
}

Test(awsjson_kinds, route_targets_and_propagation)
{
	struct model *m = load_doc(
	    "{\"RouteTables\": [{\"RouteTableId\": \"rtb-0123456789abcdef0\","
	    " \"VpcId\": \"vpc-0123456789abcdef0\","
	    " \"PropagatingVgws\": [{\"GatewayId\": \"vgw-0a1b2c3d4e5f60718\"}],"
	    " \"Associations\": [{\"Main\": true, \"RouteTableAssociationId\": "
	    "  \"rtbassoc-0123456789abcdef0\"}, {\"Main\": false, \"GatewayId\": "
	    "  \"igw-0123456789abcdef0\", \"RouteTableAssociationId\": "
	    "\"rtbassoc-0123456789abcdef1\"},"
	    "  {\"Main\": false, \"SubnetId\": \"subnet-0123456789abcdef0\", \"AssociationState\":"
	    "  {\"State\": \"disassociated\"}}],"
	    " \"Routes\": ["
	    "  {\"DestinationCidrBlock\": \"10.1.0.0/16\", \"InstanceId\": \"i-0123456789abcdef0\","
	    "   \"InstanceOwnerId\": \"123456789012\", \"NetworkInterfaceId\": "
	    "   \"eni-0123456789abcdef0\", \"Origin\": \"CreateRoute\", \"State\": \"blackhole\"},"
	    "  {\"DestinationCidrBlock\": \"10.2.0.0/16\", \"VpcPeeringConnectionId\": "
	    "   \"pcx-0123456789abcdef0\", \"Origin\": \"CreateRoute\", \"State\": \"active\"},"
	    "  {\"DestinationCidrBlock\": \"10.3.0.0/16\", \"TransitGatewayId\": "
	    "   \"tgw-0123456789abcdef0\", \"Origin\": \"CreateRoute\", \"State\": \"active\"},"
	    "  {\"DestinationCidrBlock\": \"192.168.0.0/16\", \"GatewayId\": "
	    "   \"vgw-0a1b2c3d4e5f60718\", \"Origin\": \"EnableVgwRoutePropagation\","
	    "   \"State\": \"active\"},"
	    "  {\"DestinationPrefixListId\": \"pl-63a5400a\", \"GatewayId\": "
	    "   \"vpce-0123456789abcdef0\", \"Origin\": \"CreateRoute\", \"State\": \"active\"},"
	    "  {\"DestinationIpv6CidrBlock\": \"::/0\", \"EgressOnlyInternetGatewayId\": "
	    "   \"eigw-0123456789abcdef0\", \"Origin\": \"CreateRoute\", \"State\": \"active\"}"
	    " ]}]}");
	struct model_route_table *t = model_find_route_table(m, "rtb-0123456789abcdef0");

	cr_assert_not_null(t);
	cr_assert_eq(t->n_routes, 6);
	cr_expect_eq(t->routes[0].target_type, MODEL_TARGET_ENI, "ENI kept over instance");
	cr_expect_str_eq(t->routes[0].target_id, "eni-0123456789abcdef0");
	cr_expect(t->routes[0].blackhole);
	cr_expect_eq(t->routes[1].target_type, MODEL_TARGET_PCX);
	cr_expect_eq(t->routes[2].target_type, MODEL_TARGET_TGW);
	cr_expect_eq(t->routes[3].target_type, MODEL_TARGET_VGW);
	cr_expect_eq(t->routes[3].origin, MODEL_ORIGIN_PROPAGATED);
	cr_expect_eq(t->routes[4].dest_type, MODEL_DEST_PREFIX_LIST);
	cr_expect_str_eq(t->routes[4].prefix_list_id, "pl-63a5400a");
	cr_expect_eq(t->routes[4].target_type, MODEL_TARGET_VPCE);
	cr_expect_eq(t->routes[5].dest_type, MODEL_DEST_CIDR6);
	cr_expect_eq(t->routes[5].target_type, MODEL_TARGET_EIGW);
	cr_assert_eq(t->n_propagating_vgws, 1);
	cr_expect_str_eq(t->propagating_vgws[0], "vgw-0a1b2c3d4e5f60718");
	cr_assert_eq(t->n_assocs, 2, "the disassociated association is skipped");
	cr_expect(t->assocs[0].main);
	cr_expect_str_eq(t->assocs[1].gateway_id, "igw-0123456789abcdef0");
	cr_expect_eq(model_gateway_route_table(m, "igw-0123456789abcdef0"), t);
	model_free(m);
}

Test(awsjson_kinds, sg_peers_icmp_ipv6_prefix_lists)
{
	struct model *m = load_doc(
	    "{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"GroupName\": \"x\","
	    " \"VpcId\": \"vpc-0123456789abcdef0\", \"IpPermissions\": ["
	    "  {\"IpProtocol\": \"icmp\", \"FromPort\": 8, \"ToPort\": -1,"
	    "   \"IpRanges\": [{\"CidrIp\": \"10.0.0.0/8\"}, {\"CidrIp\": \"172.16.0.0/12\"}]},"
	    "  {\"IpProtocol\": \"tcp\", \"Ipv6Ranges\": [{\"CidrIpv6\": \"2001:db8::/32\"}],"
	    "   \"PrefixListIds\": [{\"PrefixListId\": \"pl-0123456789abcdef0\"}]},"
	    "  {\"IpProtocol\": \"50\", \"FromPort\": 0, \"ToPort\": 0, \"IpRanges\": "
	    "   [{\"CidrIp\": \"192.0.2.1/32\"}]}],"
	    " \"IpPermissionsEgress\": []}],"
	    " \"ManagedPrefixLists\": [{\"PrefixListId\": \"pl-0123456789abcdef0\","
	    "  \"PrefixListName\": \"office\", \"MaxEntries\": 10, \"OwnerId\": \"123456789012\","
	    "  \"Entries\": [{\"Cidr\": \"203.0.113.0/24\"}, {\"Cidr\": \"2001:db8::/48\"}]}],"
	    " \"PrefixLists\": [{\"PrefixListId\": \"pl-63a5400a\", \"PrefixListName\":"
	    "  \"com.amazonaws.us-east-1.s3\", \"Cidrs\": [\"52.216.0.0/15\", "
	    "\"54.231.0.0/16\"]}]}");
	struct model_sg *sg = model_find_sg(m, "sg-0123456789abcdef0");
	struct model_prefix_list *office = model_find_prefix_list(m, "pl-0123456789abcdef0");
	struct model_prefix_list *s3 = model_find_prefix_list(m, "pl-63a5400a");

	cr_assert_not_null(sg);
	cr_assert_eq(sg->n_rules, 5, "one rule per peer");
	cr_expect_eq(sg->rules[0].protocol, 1);
	cr_expect_eq(sg->rules[0].from_port, 8);
	cr_expect_eq(sg->rules[0].to_port, -1);
	cr_expect(net_cidr4_equal(sg->rules[1].cidr, cidr("172.16.0.0/12")));
	cr_expect_eq(sg->rules[2].peer_type, MODEL_PEER_CIDR6);
	cr_expect_eq(sg->rules[2].from_port, 0, "tcp without ports means all ports");
	cr_expect_eq(sg->rules[2].to_port, 65535);
	cr_expect_eq(sg->rules[3].peer_type, MODEL_PEER_PREFIX_LIST);
	cr_expect_str_eq(sg->rules[3].prefix_list_id, "pl-0123456789abcdef0");
	cr_expect_eq(sg->rules[4].protocol, 50);
	cr_expect_eq(sg->rules[4].from_port, -1, "ports are ignored for other protocols");
	cr_assert_not_null(office);
	cr_expect_eq(office->n_cidrs, 1, "the IPv6 entry is skipped");
	cr_expect_eq(office->max_entries, 10);
	cr_expect_not(office->aws_managed);
	cr_assert_not_null(s3);
	cr_expect_eq(s3->n_cidrs, 2);
	cr_expect(s3->aws_managed);
	cr_expect_str_eq(s3->name, "com.amazonaws.us-east-1.s3");
	model_free(m);
}

Test(awsjson_kinds, eni_secondary_ips_prefixes_and_eip_in_any_order)
{
	/* The address is loaded before the ENI it names: the link still happens. */
	struct model *m = load_doc(
	    "{\"Addresses\": [{\"AllocationId\": \"eipalloc-0123456789abcdef0\","
	    "  \"PublicIp\": \"198.51.100.7\", \"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    "  \"PrivateIpAddress\": \"10.0.1.11\", \"AssociationId\": "
	    "\"eipassoc-0123456789abcdef0\"}],"
	    " \"NextToken\": \"abc\", \"SomethingNew\": {\"x\": 1}}");
	struct awsjson_error err;
	const char *eni_doc =
	    "{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    " \"SubnetId\": \"subnet-0123456789abcdef0\", \"VpcId\": \"vpc-0123456789abcdef0\","
	    " \"PrivateIpAddress\": \"10.0.1.10\", \"SourceDestCheck\": false,"
	    " \"InterfaceType\": \"interface\", \"Status\": \"in-use\","
	    " \"PrivateIpAddresses\": [{\"Primary\": false, \"PrivateIpAddress\": \"10.0.1.11\"},"
	    "  {\"Primary\": true, \"PrivateIpAddress\": \"10.0.1.10\"}],"
	    " \"Ipv4Prefixes\": [{\"Ipv4Prefix\": \"10.0.1.32/28\"}],"
	    " \"Groups\": [{\"GroupId\": \"sg-0123456789abcdef0\"}, {\"GroupId\": "
	    "  \"sg-0123456789abcdef1\"}],"
	    " \"Attachment\": {\"AttachmentId\": \"eni-attach-0123456789abcdef0\", "
	    "\"DeviceIndex\": 1,"
	    "  \"InstanceId\": \"i-0123456789abcdef0\", \"Status\": \"attached\"}}]}";
	struct model_eni *eni;

	cr_assert_eq(awsjson_load_buffer("enis.json", eni_doc, strlen(eni_doc), m, &err), 0,
		     "%s: %s", err.field, err.message);
	eni = model_find_eni(m, "eni-0123456789abcdef0");
	cr_assert_not_null(eni);
	cr_assert_eq(eni->n_ips, 2);
	cr_expect_eq(eni->ips[0].ip, ip("10.0.1.10"), "primary first");
	cr_expect(eni->ips[0].primary);
	cr_expect_eq(eni->ips[1].public_ip, ip("198.51.100.7"), "EIP on the secondary address");
	cr_expect_str_eq(eni->ips[1].allocation_id, "eipalloc-0123456789abcdef0");
	cr_expect_eq(eni->ips[0].public_ip, 0);
	cr_assert_eq(eni->n_prefixes, 1);
	cr_expect(net_cidr4_equal(eni->prefixes[0], cidr("10.0.1.32/28")));
	cr_expect_eq(model_find_eni_by_ip(m, NULL, ip("10.0.1.40")), eni, "prefix owner");
	cr_expect_eq(eni->n_sg_ids, 2);
	cr_expect_not(eni->source_dest_check);
	cr_expect_eq(eni->attachment.device_index, 1);
	cr_expect_str_eq(eni->attachment.instance_id, "i-0123456789abcdef0");
	model_free(m);
}

Test(awsjson_kinds, instance_enis_when_describe_network_interfaces_is_absent)
{
	struct model *m = load_doc(
	    "{\"Reservations\": [{\"ReservationId\": \"r-0123456789abcdef0\", \"OwnerId\":"
	    " \"111122223333\", \"Instances\": [{\"InstanceId\": \"i-0123456789abcdef0\","
	    " \"InstanceType\": \"m5.large\", \"State\": {\"Code\": 80, \"Name\": \"stopped\"},"
	    " \"SubnetId\": \"subnet-0123456789abcdef0\", \"VpcId\": \"vpc-0123456789abcdef0\","
	    " \"Placement\": {\"AvailabilityZone\": \"eu-west-1c\"},"
	    " \"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    "  \"SubnetId\": \"subnet-0123456789abcdef0\", \"VpcId\": \"vpc-0123456789abcdef0\","
	    "  \"PrivateIpAddress\": \"10.0.1.10\", \"Association\": {\"PublicIp\": \"54.1.2.3\"},"
	    "  \"Groups\": [{\"GroupId\": \"sg-0123456789abcdef0\"}],"
	    "  \"Attachment\": {\"AttachmentId\": \"eni-attach-0123456789abcdef0\","
	    "   \"DeviceIndex\": 0, \"Status\": \"attached\"}}]}]}]}");
	struct model_instance *in = model_find_instance(m, "i-0123456789abcdef0");
	struct model_eni *eni = model_instance_primary_eni(m, "i-0123456789abcdef0");

	cr_assert_not_null(in);
	cr_expect_eq(in->state, MODEL_INSTANCE_STOPPED);
	cr_expect_str_eq(in->instance_type, "m5.large");
	cr_expect_str_eq(in->az, "eu-west-1c");
	cr_expect_str_eq(in->owner_id, "111122223333");
	cr_expect_str_eq(m->region, "eu-west-1");
	cr_expect_str_eq(m->account_id, "111122223333");
	cr_assert_not_null(eni, "the instance's ENI was created and attached");
	cr_expect_str_eq(eni->id, "eni-0123456789abcdef0");
	cr_expect_eq(eni->ips[0].public_ip, ip("54.1.2.3"));
	cr_expect_str_eq(eni->az, "eu-west-1c");
	model_free(m);
}

Test(awsjson_kinds, describe_network_interfaces_replaces_implied_eni)
{
	struct awsjson_error err;
	struct model *m = load_doc(
	    "{\"Reservations\": [{\"Instances\": [{\"InstanceId\": \"i-0123456789abcdef0\","
	    " \"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    "  \"SubnetId\": \"subnet-0123456789abcdef0\", \"PrivateIpAddress\": \"10.0.1.10\","
	    "  \"Attachment\": {\"DeviceIndex\": 0}}]}]}]}");
	const char *doc =
	    "{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    " \"SubnetId\": \"subnet-0123456789abcdef0\", \"PrivateIpAddress\":"
	    " \"10.0.1.10\", \"Groups\": [{\"GroupId\": \"sg-0123456789abcdef0\"}],"
	    " \"Attachment\": {\"AttachmentId\": \"eni-attach-0123456789abcdef0\","
	    " \"InstanceId\": \"i-0123456789abcdef0\", \"DeviceIndex\": 0}}]}";

	cr_assert_eq(awsjson_load_buffer("b.json", doc, strlen(doc), m, &err), 0, "%s",
		     err.message);
	cr_expect_eq(m->n_enis, 1);
	cr_expect_eq(m->enis[0]->n_sg_ids, 1, "the authoritative copy won");
	cr_expect_not_null(model_instance_primary_eni(m, "i-0123456789abcdef0"));
	model_free(m);
}

Test(awsjson_kinds, interface_level_association_and_empty_ids)
{
	/* moto prints the public IP only at the interface level and "" for unset IDs. */
	struct model *m = load_doc(
	    "{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\","
	    " \"SubnetId\": \"subnet-0123456789abcdef0\", \"PrivateIpAddress\": \"10.0.1.4\","
	    " \"Association\": {\"PublicIp\": \"54.214.251.100\", \"IpOwnerId\": \"amazon\"},"
	    " \"PrivateIpAddresses\": [{\"Primary\": true, \"PrivateIpAddress\": \"10.0.1.4\"}]}],"
	    " \"Addresses\": [{\"AllocationId\": \"eipalloc-0123456789abcdef0\", \"PublicIp\":"
	    " \"127.1.2.3\", \"InstanceId\": \"\", \"NetworkInterfaceId\": \"\"}]}");
	struct model_eni *eni = model_find_eni(m, "eni-0123456789abcdef0");
	struct model_eip *eip = model_find_eip(m, "eipalloc-0123456789abcdef0");

	cr_assert_not_null(eni);
	cr_expect_eq(eni->ips[0].public_ip, ip("54.214.251.100"));
	cr_assert_not_null(eip);
	cr_expect_str_eq(eip->instance_id, "");
	cr_expect_str_eq(eip->eni_id, "");
	model_free(m);
}

Test(awsjson_kinds, moto_server_output)
{
	/*
	 * tests/unit/awsjson/moto/: describe-* output of moto_server (through
	 * boto3) for a VPC with two subnets, an IGW, a NAT gateway, an SG, a
	 * custom NACL and one instance with a public IP.  moto's quirks (empty
	 * strings for unset IDs, the public IP only at the interface level) load.
	 */
	const char *root = getenv("OPENVPC_SOURCE_ROOT");
	struct awsjson_error err;
	struct model *m = NULL;
	struct model_eni *eni;
	struct model_nacl *acl;
	char path[4096];

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/tests/unit/awsjson/moto", root);
	cr_assert_eq(awsjson_load_path(path, &m, &err), 0, "%s: %s: %s", err.file, err.field,
		     err.message);
	cr_expect_eq(m->n_vpcs, 2, "the default VPC and ours");
	cr_expect_eq(m->n_subnets, 8);
	cr_expect_eq(m->n_route_tables, 3);
	cr_expect_eq(m->n_sgs, 3);
	cr_expect_eq(m->n_nacls, 3);
	cr_expect_eq(m->n_enis, 2);
	cr_expect_eq(m->n_instances, 1);
	cr_expect_eq(m->n_igws, 1);
	cr_expect_eq(m->n_nat_gateways, 1);
	cr_expect_eq(m->n_eips, 1);
	eni = model_instance_primary_eni(m, "i-71589d33ce288197e");
	cr_assert_not_null(eni);
	cr_expect_eq(eni->ips[0].ip, ip("10.0.1.4"));
	cr_expect_eq(eni->ips[0].public_ip, ip("54.214.251.100"));
	acl = model_find_nacl(m, "acl-bd118ffa1c6ab159d");
	cr_assert_not_null(acl);
	cr_assert_eq(acl->n_entries, 1);
	cr_expect_eq(acl->entries[0].from_port, 5432);
	cr_expect_not(acl->is_default);
	cr_expect_not_null(model_vpc_igw(m, "vpc-df72ae659c93af1fa"));
	model_free(m);
}
