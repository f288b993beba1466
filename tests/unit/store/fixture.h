/*
 * Test fixture for the store tests: a model in which every field of every
 * object kind holds a non-default value, and small helpers.
 */
#ifndef OPENVPC_TEST_STORE_FIXTURE_H
#define OPENVPC_TEST_STORE_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/model/model.h"
#include "lib/util/util.h"

static inline struct net_cidr4 fx_cidr(const char *s)
{
	struct net_cidr4 c;

	cr_assert_eq(net_cidr4_parse(s, &c), 0, "%s", s);
	return c;
}

static inline struct net_cidr6 fx_cidr6(const char *s)
{
	struct net_cidr6 c;

	cr_assert_eq(net_cidr6_parse(s, &c), 0, "%s", s);
	return c;
}

static inline uint32_t fx_ip(const char *s)
{
	uint32_t ip;

	cr_assert_eq(net_ip4_parse(s, &ip), 0, "%s", s);
	return ip;
}

#define FX_SET(field, str) util_strscpy((field), (str), sizeof(field))

static inline void fx_tags(struct model_tags *t, const char *prefix)
{
	char k[64], v[64];

	for (int i = 0; i < 2; i++) {
		snprintf(k, sizeof(k), "%s-key-%d", prefix, i);
		snprintf(v, sizeof(v), "%s \"value\" \xc3\xa9 %d", prefix, i);
		cr_assert_eq(model_tags_set(t, k, v), 0);
	}
	cr_assert_eq(model_tags_set(t, "empty", ""), 0);
}

/* Every field set to something other than its zero value. */
static inline struct model *fx_full_model(void)
{
	struct model *m = model_new("210987654321", "eu-west-3");

	cr_assert(m);

	struct model_vpc *vpc = model_add_vpc(m);
	FX_SET(vpc->id, "vpc-0123456789abcdef0");
	FX_SET(vpc->owner_id, "210987654321");
	cr_assert_eq(model_vpc_add_cidr(vpc, "vpc-cidr-assoc-01", fx_cidr("10.0.0.0/16")), 0);
	cr_assert_eq(model_vpc_add_cidr(vpc, "vpc-cidr-assoc-02", fx_cidr("100.64.0.0/18")), 0);
	vpc->cidrs[1].state = MODEL_CIDR_DISASSOCIATING;
	vpc->cidrs6 = calloc(2, sizeof(*vpc->cidrs6));
	cr_assert(vpc->cidrs6);
	vpc->cap_cidrs6 = 2;
	vpc->n_cidrs6 = 2;
	FX_SET(vpc->cidrs6[0].association_id, "vpc-cidr-assoc-v6");
	vpc->cidrs6[0].cidr = fx_cidr6("2600:1f18:abcd:ef00::/56");
	vpc->cidrs6[0].state = MODEL_CIDR_FAILED;
	vpc->cidrs6[0].pool = strdup("Amazon");
	vpc->cidrs6[0].network_border_group = strdup("eu-west-3");
	vpc->cidrs6[1].cidr = fx_cidr6("2600:1f18:abcd:ee00::/56");
	vpc->cidrs6[1].pool = strdup(""); /* empty, not NULL */
	vpc->state = MODEL_STATE_FAILED;
	vpc->is_default = true;
	FX_SET(vpc->dhcp_options_id, "dopt-0abc");
	FX_SET(vpc->instance_tenancy, "dedicated");
	vpc->enable_dns_support = true;
	vpc->enable_dns_hostnames = true;
	vpc->enable_nau_metrics = true;
	fx_tags(&vpc->tags, "vpc");

	struct model_subnet *sn = model_add_subnet(m);
	FX_SET(sn->id, "subnet-0aa");
	FX_SET(sn->vpc_id, vpc->id);
	FX_SET(sn->owner_id, "210987654321");
	sn->cidr = fx_cidr("10.0.1.0/24");
	sn->has_cidr6 = true;
	sn->cidr6 = fx_cidr6("2600:1f18:abcd:ef01::/64");
	FX_SET(sn->cidr6_association_id, "subnet-cidr-assoc-1");
	FX_SET(sn->az, "eu-west-3a");
	FX_SET(sn->az_id, "euw3-az1");
	sn->state = MODEL_STATE_PENDING + 1;
	sn->default_for_az = true;
	sn->map_public_ip_on_launch = true;
	sn->assign_ipv6_on_creation = true;
	sn->enable_dns64 = true;
	sn->ipv6_native = true;
	FX_SET(sn->hostname_type, "resource-name");
	sn->enable_resource_name_dns_a = true;
	sn->enable_resource_name_dns_aaaa = true;
	fx_tags(&sn->tags, "subnet");

	struct model_route_table *rtb = model_add_route_table(m);
	FX_SET(rtb->id, "rtb-0bb");
	FX_SET(rtb->vpc_id, vpc->id);
	FX_SET(rtb->owner_id, "210987654321");
	struct model_route r1 = {.dest_type = MODEL_DEST_CIDR4,
				 .dest = fx_cidr("0.0.0.0/0"),
				 .target_type = MODEL_TARGET_NAT,
				 .origin = MODEL_ORIGIN_CREATE_ROUTE,
				 .blackhole = true};
	FX_SET(r1.target_id, "nat-0cc");
	cr_assert_eq(model_rtb_add_route(rtb, &r1), 0);
	struct model_route r2 = {.dest_type = MODEL_DEST_CIDR6,
				 .dest6 = fx_cidr6("::/0"),
				 .target_type = MODEL_TARGET_EIGW,
				 .origin = MODEL_ORIGIN_ADVERTISEMENT};
	r2.dest6.len = 1; /* not all zero */
	FX_SET(r2.target_id, "eigw-0dd");
	cr_assert_eq(model_rtb_add_route(rtb, &r2), 0);
	struct model_route r3 = {.dest_type = MODEL_DEST_PREFIX_LIST,
				 .target_type = MODEL_TARGET_VPCE,
				 .origin = MODEL_ORIGIN_PROPAGATED};
	r3.dest.addr = 0x0a000001; /* host bits kept as stored */
	r3.dest.len = 8;
	FX_SET(r3.prefix_list_id, "pl-63a5400a");
	FX_SET(r3.target_id, "vpce-0ee");
	cr_assert_eq(model_rtb_add_route(rtb, &r3), 0);
	struct model_rtb_assoc a1 = {.main = true};
	FX_SET(a1.id, "rtbassoc-main");
	cr_assert_eq(model_rtb_add_assoc(rtb, &a1), 0);
	struct model_rtb_assoc a2 = {.main = false};
	FX_SET(a2.id, "rtbassoc-sub");
	FX_SET(a2.subnet_id, sn->id);
	FX_SET(a2.gateway_id, "igw-0ff");
	cr_assert_eq(model_rtb_add_assoc(rtb, &a2), 0);
	cr_assert_eq(model_rtb_add_propagating_vgw(rtb, "vgw-011"), 0);
	cr_assert_eq(model_rtb_add_propagating_vgw(rtb, "vgw-022"), 0);
	fx_tags(&rtb->tags, "rtb");

	struct model_sg *sg = model_add_sg(m);
	FX_SET(sg->id, "sg-0123");
	FX_SET(sg->vpc_id, vpc->id);
	FX_SET(sg->owner_id, "210987654321");
	sg->name = strdup("web");
	sg->description = strdup("web tier <&> \"quoted\"\nnewline");
	struct model_sg_rule rule = {.egress = true,
				     .protocol = 6,
				     .from_port = 443,
				     .to_port = 8443,
				     .peer_type = MODEL_PEER_GROUP,
				     .cidr = fx_cidr("192.168.0.0/16"),
				     .cidr6 = fx_cidr6("2001:db8::/32")};
	FX_SET(rule.id, "sgr-0aaa");
	FX_SET(rule.prefix_list_id, "pl-0123");
	FX_SET(rule.group_id, "sg-0456");
	FX_SET(rule.group_owner, "111122223333");
	rule.description = "rule description";
	fx_tags(&rule.tags, "rule");
	cr_assert_eq(model_sg_add_rule(sg, &rule), 0);
	model_tags_clear(&rule.tags);
	struct model_sg_rule rule2 = {.protocol = MODEL_PROTO_ALL,
				      .from_port = -1,
				      .to_port = -1,
				      .peer_type = MODEL_PEER_CIDR6};
	FX_SET(rule2.id, "sgr-0bbb");
	cr_assert_eq(model_sg_add_rule(sg, &rule2), 0);
	fx_tags(&sg->tags, "sg");

	struct model_nacl *nacl = model_add_nacl(m);
	FX_SET(nacl->id, "acl-0123");
	FX_SET(nacl->vpc_id, vpc->id);
	FX_SET(nacl->owner_id, "210987654321");
	nacl->is_default = true;
	struct model_nacl_entry e1 = {.rule_number = 100,
				      .egress = true,
				      .protocol = 17,
				      .allow = true,
				      .is_ipv6 = true,
				      .cidr = fx_cidr("172.16.0.0/12"),
				      .cidr6 = fx_cidr6("2001:db8:1::/48"),
				      .from_port = 53,
				      .to_port = 54,
				      .icmp_type = 8,
				      .icmp_code = 3};
	cr_assert_eq(model_nacl_add_entry(nacl, &e1), 0);
	struct model_nacl_entry e2 = {.rule_number = MODEL_NACL_DEFAULT_RULE4,
				      .protocol = MODEL_PROTO_ALL,
				      .cidr = fx_cidr("0.0.0.0/0"),
				      .from_port = -1,
				      .to_port = -1,
				      .icmp_type = -1,
				      .icmp_code = -1};
	cr_assert_eq(model_nacl_add_entry(nacl, &e2), 0);
	cr_assert_eq(model_nacl_add_assoc(nacl, "aclassoc-01", sn->id), 0);
	fx_tags(&nacl->tags, "nacl");

	struct model_eni *eni = model_add_eni(m);
	FX_SET(eni->id, "eni-0123");
	FX_SET(eni->subnet_id, sn->id);
	FX_SET(eni->vpc_id, vpc->id);
	FX_SET(eni->az, "eu-west-3a");
	FX_SET(eni->owner_id, "210987654321");
	FX_SET(eni->mac, "0a:1b:2c:3d:4e:5f");
	eni->description = strdup("primary interface");
	FX_SET(eni->interface_type, "trunk");
	eni->requester_managed = true;
	FX_SET(eni->requester_id, "AIDAEXAMPLE");
	struct model_eni_ip ip1 = {
	    .ip = fx_ip("10.0.1.10"), .primary = true, .public_ip = fx_ip("198.51.100.7")};
	FX_SET(ip1.allocation_id, "eipalloc-01");
	FX_SET(ip1.association_id, "eipassoc-01");
	cr_assert_eq(model_eni_add_ip(eni, &ip1), 0);
	struct model_eni_ip ip2 = {.ip = 0}; /* 0.0.0.0 is still written */
	cr_assert_eq(model_eni_add_ip(eni, &ip2), 0);
	cr_assert_eq(model_eni_add_prefix(eni, fx_cidr("10.0.1.32/28")), 0);
	cr_assert_eq(model_eni_add_prefix(eni, fx_cidr("10.0.1.48/28")), 0);
	cr_assert_eq(model_eni_add_sg(eni, sg->id), 0);
	cr_assert_eq(model_eni_add_sg(eni, "sg-0456"), 0);
	eni->source_dest_check = true;
	eni->status = MODEL_ENI_ASSOCIATED;
	eni->attachment.present = true;
	FX_SET(eni->attachment.id, "eni-attach-01");
	FX_SET(eni->attachment.instance_id, "i-0123");
	FX_SET(eni->attachment.instance_owner, "210987654321");
	eni->attachment.device_index = 2;
	eni->attachment.network_card_index = 1;
	eni->attachment.delete_on_termination = true;
	FX_SET(eni->attachment.status, "attached");
	eni->attachment.attach_time = 1764000000;
	eni->tcp_established_timeout = 432000;
	eni->udp_stream_timeout = 180;
	eni->udp_timeout = 30;
	fx_tags(&eni->tags, "eni");

	struct model_instance *in = model_add_instance(m);
	FX_SET(in->id, "i-0123");
	FX_SET(in->reservation_id, "r-0123");
	FX_SET(in->owner_id, "210987654321");
	FX_SET(in->image_id, "ami-0123");
	FX_SET(in->instance_type, "m5.large");
	FX_SET(in->subnet_id, sn->id);
	FX_SET(in->vpc_id, vpc->id);
	FX_SET(in->az, "eu-west-3a");
	in->key_name = strdup("my-key");
	in->state = MODEL_INSTANCE_STOPPING;
	in->launch_time = -12345; /* negative survives */
	in->ami_launch_index = 3;
	in->metadata_tokens_required = true;
	in->metadata_hop_limit = 2;
	in->metadata_endpoint_enabled = true;
	in->metadata_protocol_ipv6 = true;
	in->metadata_tags_enabled = true;
	in->auto_public_ip = true;
	fx_tags(&in->tags, "instance");

	struct model_igw *igw = model_add_igw(m);
	FX_SET(igw->id, "igw-0ff");
	FX_SET(igw->owner_id, "210987654321");
	FX_SET(igw->attachment.vpc_id, vpc->id);
	FX_SET(igw->attachment.state, "available");
	fx_tags(&igw->tags, "igw");

	struct model_eip *eip = model_add_eip(m);
	FX_SET(eip->allocation_id, "eipalloc-01");
	eip->public_ip = fx_ip("198.51.100.7");
	FX_SET(eip->association_id, "eipassoc-01");
	FX_SET(eip->eni_id, eni->id);
	FX_SET(eip->instance_id, in->id);
	eip->private_ip = fx_ip("10.0.1.10");
	FX_SET(eip->eni_owner, "210987654321");
	FX_SET(eip->network_border_group, "eu-west-3");
	fx_tags(&eip->tags, "eip");

	struct model_nat_gateway *nat = model_add_nat_gateway(m);
	FX_SET(nat->id, "nat-0cc");
	FX_SET(nat->subnet_id, sn->id);
	FX_SET(nat->vpc_id, vpc->id);
	nat->connectivity = MODEL_NAT_PRIVATE;
	nat->state = MODEL_STATE_DELETED;
	FX_SET(nat->eni_id, "eni-0nat");
	nat->private_ip = fx_ip("10.0.1.5");
	FX_SET(nat->allocation_id, "eipalloc-02");
	nat->public_ip = fx_ip("198.51.100.8");
	nat->create_time = 1764000001;
	nat->delete_time = 1764000002;
	nat->failure_code = strdup("Gateway.NotAttached");
	nat->failure_message = strdup("Network vpc-x has no Internet gateway attached");
	fx_tags(&nat->tags, "nat");

	struct model_vgw *vgw = model_add_vgw(m);
	FX_SET(vgw->id, "vgw-011");
	FX_SET(vgw->type, "ipsec.1");
	FX_SET(vgw->az, "eu-west-3b");
	vgw->amazon_side_asn = 4200000000u;
	vgw->state = MODEL_STATE_DELETING;
	cr_assert_eq(model_vgw_add_attachment(vgw, vpc->id, "attached"), 0);
	cr_assert_eq(model_vgw_add_attachment(vgw, "vpc-other", "detaching"), 0);
	fx_tags(&vgw->tags, "vgw");

	struct model_cgw *cgw = model_add_cgw(m);
	FX_SET(cgw->id, "cgw-011");
	cgw->bgp_asn = 65000;
	cgw->ip_address = fx_ip("203.0.113.9");
	FX_SET(cgw->type, "ipsec.1");
	cgw->device_name = strdup("edge-router");
	cgw->state = MODEL_STATE_PENDING + 1;
	fx_tags(&cgw->tags, "cgw");

	struct model_dopt *dopt = model_add_dopt(m);
	FX_SET(dopt->id, "dopt-011");
	FX_SET(dopt->owner_id, "123456789012");
	FX_SET(dopt->configs[0].key, "domain-name-servers");
	FX_SET(dopt->configs[0].values[0], "AmazonProvidedDNS");
	FX_SET(dopt->configs[0].values[1], "10.0.0.53");
	dopt->configs[0].n_values = 2;
	FX_SET(dopt->configs[1].key, "domain-name");
	FX_SET(dopt->configs[1].values[0], "corp.example \"quoted\" example.com");
	dopt->configs[1].n_values = 1;
	dopt->n_configs = 2;
	dopt->region_default = true;
	fx_tags(&dopt->tags, "dopt");

	struct model_vpn_connection *vpn = model_add_vpn(m);
	FX_SET(vpn->id, "vpn-011");
	FX_SET(vpn->cgw_id, cgw->id);
	FX_SET(vpn->vgw_id, vgw->id);
	FX_SET(vpn->type, "ipsec.1");
	vpn->state = MODEL_STATE_DELETING;
	vpn->static_routes_only = true;
	cr_assert_eq(model_vpn_add_route(vpn, fx_cidr("192.168.10.0/24"), "available"), 0);
	cr_assert_eq(model_vpn_add_route(vpn, fx_cidr("192.168.20.0/24"), "deleting"), 0);
	vpn->tunnels[0].outside_ip = fx_ip("198.51.100.100");
	vpn->tunnels[0].inside_cidr = fx_cidr("169.254.10.0/30");
	vpn->tunnels[0].up = true;
	vpn->tunnels[1].outside_ip = fx_ip("198.51.100.101");
	vpn->tunnels[1].inside_cidr = fx_cidr("169.254.11.4/30");
	vpn->customer_gateway_configuration = strdup("<?xml version=\"1.0\"?><vpn_connection/>");
	fx_tags(&vpn->tags, "vpn");

	struct model_flow_log *fl = model_add_flow_log(m);
	FX_SET(fl->id, "fl-011");
	FX_SET(fl->resource_id, vpc->id);
	fl->traffic_type = MODEL_FLOW_REJECT;
	FX_SET(fl->destination_type, "cloud-watch-logs");
	fl->destination = strdup("arn:aws:logs:eu-west-3:210987654321:log-group:x");
	fl->log_group_name = strdup("x");
	fl->deliver_logs_permission_arn = strdup("arn:aws:iam::210987654321:role/fl");
	fl->format = strdup("${version} ${srcaddr}");
	fl->max_aggregation_interval = 60;
	fl->creation_time = 1764000003;
	FX_SET(fl->status, "ACTIVE");
	fx_tags(&fl->tags, "fl");

	struct model_prefix_list *pl = model_add_prefix_list(m);
	FX_SET(pl->id, "pl-0123");
	pl->name = strdup("corp");
	cr_assert_eq(model_prefix_list_add_cidr(pl, fx_cidr("10.10.0.0/16")), 0);
	cr_assert_eq(model_prefix_list_add_cidr(pl, fx_cidr("10.20.0.0/16")), 0);
	pl->max_entries = 10;
	pl->aws_managed = true;
	fx_tags(&pl->tags, "pl");

	return m;
}

#endif
