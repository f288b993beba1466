/*
 * Tests for store/serialize: exhaustive round trip of every model type,
 * field-by-field equality for a sample, and rejection of bad input.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "store/json-text.h"
#include "store/serialize.h"
#include "tests/unit/store/fixture.h"

static char *model_text(const struct model *m)
{
	json_t *j = NULL;
	char *text;

	cr_assert_eq(store_serialize_model(m, &j), 0);
	text = store_json_text(j);
	cr_assert(text);
	json_decref(j);
	return text;
}

static void tags_equal(const struct model_tags *a, const struct model_tags *b)
{
	cr_assert_eq(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		cr_assert_str_eq(a->items[i].key, b->items[i].key);
		cr_assert_str_eq(a->items[i].value, b->items[i].value);
	}
}

static void str_equal(const char *a, const char *b)
{
	cr_assert_eq(!a, !b, "NULL vs non-NULL");
	if (a)
		cr_assert_str_eq(a, b);
}

static void cidr6_equal(const struct net_cidr6 *a, const struct net_cidr6 *b)
{
	cr_assert_eq(a->len, b->len);
	cr_assert_eq(memcmp(&a->addr, &b->addr, sizeof(a->addr)), 0);
}

Test(serialize, every_field_round_trips_to_identical_json)
{
	struct model *m = fx_full_model(), *m2 = NULL;
	char *t1 = model_text(m), *t2;
	json_t *j;
	size_t n_kinds;
	const struct store_kind *kinds = store_kinds(&n_kinds);

	/* Every kind is present in the fixture. */
	for (size_t k = 0; k < n_kinds; k++)
		cr_assert_gt(kinds[k].count(m), 0, "fixture lacks %s", kinds[k].name);

	j = json_loads(t1, 0, NULL);
	cr_assert(j);
	cr_assert_eq(store_deserialize_model(j, &m2), 0);
	json_decref(j);
	t2 = model_text(m2);
	cr_assert_str_eq(t1, t2);

	/* Spot-check that the JSON really carries values, not defaults. */
	cr_assert(strstr(t1, "\"enable_nau_metrics\":true"));
	cr_assert(strstr(t1, "\"dest\":\"10.0.0.1/8\""), "host bits kept: %s", t1);
	cr_assert(strstr(t1, "\"launch_time\":-12345"));
	cr_assert(strstr(t1, "\"amazon_side_asn\":4200000000"));
	cr_assert(strstr(t1, "\"pool\":\"\""), "empty string kept");
	cr_assert(strstr(t1, "\"ip\":\"0.0.0.0\""));
	free(t1);
	free(t2);
	model_free(m);
	model_free(m2);
}

/*
 * The stored format does not move: full-model.json is what this fixture
 * serialised to when it was written, so every state directory saved since
 * still loads.  A change to a key, a kind or an encoding fails here; a new
 * field means a new fixture value and a regenerated file (and a migration
 * when old rows would not load).
 */
Test(serialize, the_stored_format_is_unchanged)
{
	struct model *m = fx_full_model(), *m2 = NULL;
	char *now = model_text(m), *again, golden[65536];
	FILE *f = fopen(STORE_TEST_GOLDEN, "r");
	size_t n;
	json_t *j;

	cr_assert_not_null(f, "cannot open %s", STORE_TEST_GOLDEN);
	n = fread(golden, 1, sizeof(golden) - 1, f);
	fclose(f);
	cr_assert_lt(n, sizeof(golden) - 1);
	while (n > 0 && golden[n - 1] == '\n')
		n--;
	golden[n] = '\0';
	cr_assert_str_eq(now, golden);

	j = json_loads(golden, 0, NULL);
	cr_assert_not_null(j);
	cr_assert_eq(store_deserialize_model(j, &m2), 0);
	json_decref(j);
	again = model_text(m2);
	cr_assert_str_eq(again, golden);
	free(now);
	free(again);
	model_free(m);
	model_free(m2);
}

Test(serialize, field_by_field_equality_for_a_sample)
{
	struct model *m = fx_full_model(), *m2 = NULL;
	json_t *j = NULL;

	cr_assert_eq(store_serialize_model(m, &j), 0);
	cr_assert_eq(store_deserialize_model(j, &m2), 0);
	json_decref(j);
	cr_assert_str_eq(m2->account_id, "210987654321");
	cr_assert_str_eq(m2->region, "eu-west-3");

	/* VPC */
	const struct model_vpc *a = m->vpcs[0], *b = m2->vpcs[0];
	cr_assert_str_eq(a->id, b->id);
	cr_assert_str_eq(a->owner_id, b->owner_id);
	cr_assert_eq(a->n_cidrs, b->n_cidrs);
	for (size_t i = 0; i < a->n_cidrs; i++) {
		cr_assert_str_eq(a->cidrs[i].association_id, b->cidrs[i].association_id);
		cr_assert(net_cidr4_equal(a->cidrs[i].cidr, b->cidrs[i].cidr));
		cr_assert_eq(a->cidrs[i].state, b->cidrs[i].state);
	}
	cr_assert_eq(a->n_cidrs6, b->n_cidrs6);
	for (size_t i = 0; i < a->n_cidrs6; i++) {
		cr_assert_str_eq(a->cidrs6[i].association_id, b->cidrs6[i].association_id);
		cidr6_equal(&a->cidrs6[i].cidr, &b->cidrs6[i].cidr);
		cr_assert_eq(a->cidrs6[i].state, b->cidrs6[i].state);
		str_equal(a->cidrs6[i].pool, b->cidrs6[i].pool);
		str_equal(a->cidrs6[i].network_border_group, b->cidrs6[i].network_border_group);
	}
	cr_assert_null(b->cidrs6[1].network_border_group);
	cr_assert_eq(a->state, b->state);
	cr_assert_eq(a->is_default, b->is_default);
	cr_assert_str_eq(a->dhcp_options_id, b->dhcp_options_id);
	cr_assert_str_eq(a->instance_tenancy, b->instance_tenancy);
	cr_assert_eq(a->enable_dns_support, b->enable_dns_support);
	cr_assert_eq(a->enable_dns_hostnames, b->enable_dns_hostnames);
	cr_assert_eq(a->enable_nau_metrics, b->enable_nau_metrics);
	tags_equal(&a->tags, &b->tags);

	/* Route table */
	const struct model_route_table *ra = m->route_tables[0], *rb = m2->route_tables[0];
	cr_assert_eq(ra->n_routes, rb->n_routes);
	for (size_t i = 0; i < ra->n_routes; i++) {
		const struct model_route *x = &ra->routes[i], *y = &rb->routes[i];

		cr_assert_eq(x->dest_type, y->dest_type);
		cr_assert(net_cidr4_equal(x->dest, y->dest));
		cidr6_equal(&x->dest6, &y->dest6);
		cr_assert_str_eq(x->prefix_list_id, y->prefix_list_id);
		cr_assert_eq(x->target_type, y->target_type);
		cr_assert_str_eq(x->target_id, y->target_id);
		cr_assert_eq(x->origin, y->origin);
		cr_assert_eq(x->blackhole, y->blackhole);
	}
	cr_assert_eq(ra->n_assocs, rb->n_assocs);
	for (size_t i = 0; i < ra->n_assocs; i++) {
		cr_assert_str_eq(ra->assocs[i].id, rb->assocs[i].id);
		cr_assert_eq(ra->assocs[i].main, rb->assocs[i].main);
		cr_assert_str_eq(ra->assocs[i].subnet_id, rb->assocs[i].subnet_id);
		cr_assert_str_eq(ra->assocs[i].gateway_id, rb->assocs[i].gateway_id);
	}
	cr_assert_eq(ra->n_propagating_vgws, rb->n_propagating_vgws);
	for (size_t i = 0; i < ra->n_propagating_vgws; i++)
		cr_assert_str_eq(ra->propagating_vgws[i], rb->propagating_vgws[i]);
	tags_equal(&ra->tags, &rb->tags);

	/* Security group */
	const struct model_sg *sa = m->sgs[0], *sb = m2->sgs[0];
	str_equal(sa->name, sb->name);
	str_equal(sa->description, sb->description);
	cr_assert_eq(sa->n_rules, sb->n_rules);
	for (size_t i = 0; i < sa->n_rules; i++) {
		const struct model_sg_rule *x = &sa->rules[i], *y = &sb->rules[i];

		cr_assert_str_eq(x->id, y->id);
		cr_assert_eq(x->egress, y->egress);
		cr_assert_eq(x->protocol, y->protocol);
		cr_assert_eq(x->from_port, y->from_port);
		cr_assert_eq(x->to_port, y->to_port);
		cr_assert_eq(x->peer_type, y->peer_type);
		cr_assert(net_cidr4_equal(x->cidr, y->cidr));
		cidr6_equal(&x->cidr6, &y->cidr6);
		cr_assert_str_eq(x->prefix_list_id, y->prefix_list_id);
		cr_assert_str_eq(x->group_id, y->group_id);
		cr_assert_str_eq(x->group_owner, y->group_owner);
		str_equal(x->description, y->description);
		tags_equal(&x->tags, &y->tags);
	}
	tags_equal(&sa->tags, &sb->tags);

	/* ENI */
	const struct model_eni *ea = m->enis[0], *eb = m2->enis[0];
	cr_assert_str_eq(ea->mac, eb->mac);
	str_equal(ea->description, eb->description);
	cr_assert_str_eq(ea->interface_type, eb->interface_type);
	cr_assert_eq(ea->requester_managed, eb->requester_managed);
	cr_assert_str_eq(ea->requester_id, eb->requester_id);
	cr_assert_eq(ea->n_ips, eb->n_ips);
	for (size_t i = 0; i < ea->n_ips; i++) {
		cr_assert_eq(ea->ips[i].ip, eb->ips[i].ip);
		cr_assert_eq(ea->ips[i].primary, eb->ips[i].primary);
		cr_assert_eq(ea->ips[i].public_ip, eb->ips[i].public_ip);
		cr_assert_str_eq(ea->ips[i].allocation_id, eb->ips[i].allocation_id);
		cr_assert_str_eq(ea->ips[i].association_id, eb->ips[i].association_id);
	}
	cr_assert_eq(ea->n_prefixes, eb->n_prefixes);
	for (size_t i = 0; i < ea->n_prefixes; i++)
		cr_assert(net_cidr4_equal(ea->prefixes[i], eb->prefixes[i]));
	cr_assert_eq(ea->n_sg_ids, eb->n_sg_ids);
	for (size_t i = 0; i < ea->n_sg_ids; i++)
		cr_assert_str_eq(ea->sg_ids[i], eb->sg_ids[i]);
	cr_assert_eq(ea->source_dest_check, eb->source_dest_check);
	cr_assert_eq(ea->status, eb->status);
	cr_assert_eq(ea->attachment.present, eb->attachment.present);
	cr_assert_str_eq(ea->attachment.id, eb->attachment.id);
	cr_assert_str_eq(ea->attachment.instance_id, eb->attachment.instance_id);
	cr_assert_str_eq(ea->attachment.instance_owner, eb->attachment.instance_owner);
	cr_assert_eq(ea->attachment.device_index, eb->attachment.device_index);
	cr_assert_eq(ea->attachment.network_card_index, eb->attachment.network_card_index);
	cr_assert_eq(ea->attachment.delete_on_termination, eb->attachment.delete_on_termination);
	cr_assert_str_eq(ea->attachment.status, eb->attachment.status);
	cr_assert_eq(ea->attachment.attach_time, eb->attachment.attach_time);
	cr_assert_eq(ea->tcp_established_timeout, eb->tcp_established_timeout);
	cr_assert_eq(ea->udp_stream_timeout, eb->udp_stream_timeout);
	cr_assert_eq(ea->udp_timeout, eb->udp_timeout);
	tags_equal(&ea->tags, &eb->tags);

	/* VPN connection */
	const struct model_vpn_connection *va = m->vpns[0], *vb = m2->vpns[0];
	cr_assert_str_eq(va->cgw_id, vb->cgw_id);
	cr_assert_str_eq(va->vgw_id, vb->vgw_id);
	cr_assert_str_eq(va->type, vb->type);
	cr_assert_eq(va->state, vb->state);
	cr_assert_eq(va->static_routes_only, vb->static_routes_only);
	cr_assert_eq(va->n_routes, vb->n_routes);
	for (size_t i = 0; i < va->n_routes; i++) {
		cr_assert(net_cidr4_equal(va->routes[i].cidr, vb->routes[i].cidr));
		cr_assert_str_eq(va->routes[i].state, vb->routes[i].state);
	}
	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(va->tunnels[i].outside_ip, vb->tunnels[i].outside_ip);
		cr_assert(net_cidr4_equal(va->tunnels[i].inside_cidr, vb->tunnels[i].inside_cidr));
		cr_assert_eq(va->tunnels[i].up, vb->tunnels[i].up);
	}
	str_equal(va->customer_gateway_configuration, vb->customer_gateway_configuration);
	tags_equal(&va->tags, &vb->tags);

	/* NACL entries keep their stored order and every field. */
	const struct model_nacl *na = m->nacls[0], *nb = m2->nacls[0];
	cr_assert_eq(na->n_entries, nb->n_entries);
	cr_assert_eq(na->is_default, nb->is_default);
	for (size_t i = 0; i < na->n_entries; i++) {
		const struct model_nacl_entry *x = &na->entries[i], *y = &nb->entries[i];

		cr_assert_eq(x->rule_number, y->rule_number);
		cr_assert_eq(x->egress, y->egress);
		cr_assert_eq(x->protocol, y->protocol);
		cr_assert_eq(x->allow, y->allow);
		cr_assert_eq(x->is_ipv6, y->is_ipv6);
		cr_assert(net_cidr4_equal(x->cidr, y->cidr));
		cidr6_equal(&x->cidr6, &y->cidr6);
		cr_assert_eq(x->from_port, y->from_port);
		cr_assert_eq(x->to_port, y->to_port);
		cr_assert_eq(x->icmp_type, y->icmp_type);
		cr_assert_eq(x->icmp_code, y->icmp_code);
	}
	cr_assert_str_eq(na->assocs[0].id, nb->assocs[0].id);
	cr_assert_str_eq(na->assocs[0].subnet_id, nb->assocs[0].subnet_id);

	/* NAT gateway, EIP, instance: scalar fields. */
	const struct model_nat_gateway *ga = m->nat_gateways[0], *gb = m2->nat_gateways[0];
	cr_assert_eq(ga->connectivity, gb->connectivity);
	cr_assert_eq(ga->private_ip, gb->private_ip);
	cr_assert_eq(ga->public_ip, gb->public_ip);
	cr_assert_eq(ga->create_time, gb->create_time);
	cr_assert_eq(ga->delete_time, gb->delete_time);
	str_equal(ga->failure_code, gb->failure_code);
	str_equal(ga->failure_message, gb->failure_message);
	cr_assert_eq(m->eips[0]->public_ip, m2->eips[0]->public_ip);
	cr_assert_eq(m->eips[0]->private_ip, m2->eips[0]->private_ip);
	cr_assert_eq(m->instances[0]->launch_time, m2->instances[0]->launch_time);
	cr_assert_eq(m->instances[0]->metadata_hop_limit, m2->instances[0]->metadata_hop_limit);
	cr_assert_eq(m->instances[0]->state, m2->instances[0]->state);
	cr_assert(m2->instances[0]->metadata_tokens_required);
	cr_assert(m2->instances[0]->metadata_protocol_ipv6);
	cr_assert(m2->instances[0]->metadata_tags_enabled);
	cr_assert(m2->instances[0]->auto_public_ip);
	str_equal(m->instances[0]->key_name, m2->instances[0]->key_name);
	cr_assert_eq(m->cgws[0]->bgp_asn, m2->cgws[0]->bgp_asn);
	cr_assert_eq(m->vgws[0]->amazon_side_asn, m2->vgws[0]->amazon_side_asn);
	cr_assert_eq(m->flow_logs[0]->traffic_type, m2->flow_logs[0]->traffic_type);
	str_equal(m->flow_logs[0]->format, m2->flow_logs[0]->format);
	cr_assert_eq(m->prefix_lists[0]->max_entries, m2->prefix_lists[0]->max_entries);
	cr_assert_eq(m->prefix_lists[0]->n_cidrs, m2->prefix_lists[0]->n_cidrs);

	model_free(m);
	model_free(m2);
}

Test(serialize, each_kind_round_trips_alone)
{
	struct model *m = fx_full_model();
	size_t n_kinds;
	const struct store_kind *kinds = store_kinds(&n_kinds);

	cr_assert_eq(n_kinds, 16);
	for (size_t k = 0; k < n_kinds; k++) {
		struct model *m2 = model_new(NULL, NULL);
		json_t *j1 = NULL, *j2 = NULL;
		char *t1, *t2;

		cr_assert_eq(store_kind_find(kinds[k].name), &kinds[k]);
		cr_assert_eq(kinds[k].serialize(m, 0, &j1), 0);
		cr_assert_eq(kinds[k].deserialize(j1, m2), 0, "%s", kinds[k].name);
		cr_assert_eq(kinds[k].count(m2), 1);
		cr_assert_str_eq(kinds[k].id(m2, 0), kinds[k].id(m, 0));
		cr_assert_eq(kinds[k].serialize(m2, 0, &j2), 0);
		t1 = store_json_text(j1);
		t2 = store_json_text(j2);
		cr_assert_str_eq(t1, t2);
		free(t1);
		free(t2);
		json_decref(j1);
		json_decref(j2);
		model_free(m2);
	}
	cr_assert_null(store_kind_find("no-such-kind"));
	model_free(m);
}

static void text_is_jansson(const json_t *j)
{
	char *ours = store_json_text(j), *theirs = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	cr_assert(ours && theirs);
	cr_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
}

/* store_json_text writes what json_dumps(JSON_COMPACT) writes (stored rows stay the same). */
Test(serialize, json_text_is_byte_for_byte_jansson)
{
	struct model *m = fx_full_model();
	json_t *j = NULL;
	char s[40];

	cr_assert_eq(store_serialize_model(m, &j), 0);
	text_is_jansson(j); /* every kind and field, tags with quotes and UTF-8 */
	json_decref(j);
	/* Every byte that needs an escape, NUL included, and the integer extremes. */
	for (int c = 0; c < 0x80; c++) {
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'z';
		j = json_pack("{s:s%,s:[I,I,I,b,b,n],s:{}}", "k\n\"", s, (size_t)3, "n",
			      (json_int_t)INT64_MIN, (json_int_t)INT64_MAX, (json_int_t)0, 1, 0, "e");
		cr_assert(j, "c=%d", c);
		text_is_jansson(j);
		json_decref(j);
	}
	j = json_pack("[s,s,[],f]", "", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 / \\", 0.5);
	cr_assert(j);
	text_is_jansson(j);
	json_decref(j);
	model_free(m);
}

/* Deserialise text as a given kind into an empty model; returns the result. */
static int des_text(int (*fn)(const json_t *, struct model *), const char *text, struct model *m)
{
	json_error_t err;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &err);
	int r;

	cr_assert(j, "test JSON does not parse: %s: %s", text, err.text);
	r = fn(j, m);
	json_decref(j);
	return r;
}

Test(serialize, bad_fields_are_eproto_and_leave_the_model_unchanged)
{
	static const char *const bad_vpcs[] = {
	    "{}",					 /* no ID */
	    "{\"id\":\"\"}",				 /* empty ID */
	    "{\"id\":7}",				 /* wrong type */
	    "{\"id\":\"vpc-1\",\"colour\":\"blue\"}",	 /* unknown key */
	    "{\"id\":\"vpc-1\",\"state\":\"sleeping\"}", /* unknown enum */
	    "{\"id\":\"vpc-1\",\"is_default\":1}",	 /* not a boolean */
	    "{\"id\":\"vpc-1\",\"cidrs\":{}}",		 /* not an array */
	    "{\"id\":\"vpc-1\",\"cidrs\":[{\"cidr\":\"10.0.0.0/33\"}]}",
	    "{\"id\":\"vpc-1\",\"cidrs\":[{\"cidr\":\"10.0.0.0\"}]}",
	    "{\"id\":\"vpc-1\",\"cidrs\":[{\"cidr\":\"10.0.0.256/16\"}]}",
	    "{\"id\":\"vpc-1\",\"cidrs\":[{\"cidr\":\"10.0.0.0/+8\"}]}",
	    "{\"id\":\"vpc-1\",\"cidrs\":[{\"cidr\":\"10.0.0.0/16\",\"x\":1}]}",
	    "{\"id\":\"vpc-1\",\"cidrs\":[7]}",
	    "{\"id\":\"vpc-1\",\"cidrs6\":[{\"cidr\":\"2001:db8::/129\"}]}",
	    "{\"id\":\"vpc-1\",\"cidrs6\":[{\"pool\":false}]}",
	    "{\"id\":\"vpc-1\",\"tags\":[]}",
	    "{\"id\":\"vpc-1\",\"tags\":{\"k\":1}}",
	    "{\"id\":\"vpc-1\",\"owner_id\":\"12345678901234\"}", /* too long for field */
	    "{\"id\":\"vpc-1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	    "{\"id\":\"vpc\\u0000x\"}", /* embedded NUL */
	    "[1,2]",
	};
	struct model *m = model_new(NULL, NULL);

	for (size_t i = 0; i < ARRAY_SIZE(bad_vpcs); i++) {
		cr_assert_eq(des_text(store_deserialize_vpc, bad_vpcs[i], m), -EPROTO, "%s",
			     bad_vpcs[i]);
		cr_assert_eq(m->n_vpcs, 0, "model changed by %s", bad_vpcs[i]);
	}
	/* Numbers out of range for their field. */
	cr_assert_eq(des_text(store_deserialize_sg,
			      "{\"id\":\"sg-1\",\"rules\":[{\"protocol\":4294967296}]}", m),
		     -EPROTO);
	cr_assert_eq(
	    des_text(store_deserialize_vgw, "{\"id\":\"vgw-1\",\"amazon_side_asn\":-1}", m),
	    -EPROTO);
	cr_assert_eq(des_text(store_deserialize_eni, "{\"id\":\"eni-1\",\"ips\":[{}]}", m), -EPROTO,
		     "an ENI IP needs its address");
	cr_assert_eq(
	    des_text(store_deserialize_eni, "{\"id\":\"eni-1\",\"ips\":[{\"ip\":\"1.2.3\"}]}", m),
	    -EPROTO);
	cr_assert_eq(des_text(store_deserialize_eni, "{\"id\":\"eni-1\",\"attachment\":true}", m),
		     -EPROTO);
	cr_assert_eq(des_text(store_deserialize_vpn, "{\"id\":\"vpn-1\",\"tunnels\":[{}]}", m),
		     -EPROTO, "exactly two tunnels");
	cr_assert_eq(des_text(store_deserialize_eip, "{\"id\":\"eip-1\"}", m), -EPROTO,
		     "an EIP is keyed by allocation_id");
	cr_assert_eq(des_text(store_deserialize_sg,
			      "{\"id\":\"sg-1\",\"rules\":[{\"id\":\"sgr-1\"},{\"bad\":1}]}", m),
		     -EPROTO, "partially filled rules are freed");
	cr_assert_eq(m->n_sgs + m->n_vgws + m->n_enis + m->n_vpns + m->n_eips, 0);

	/* A valid minimal object is accepted and appended. */
	cr_assert_eq(des_text(store_deserialize_vpc, "{\"id\":\"vpc-1\"}", m), 0);
	cr_assert_eq(m->n_vpcs, 1);
	cr_assert_str_eq(m->vpcs[0]->id, "vpc-1");
	model_free(m);
}

Test(serialize, oversized_arrays_are_refused)
{
	struct model *m = model_new(NULL, NULL);
	json_t *j = json_pack("{s:s}", "id", "pl-1"), *a = json_array();

	for (size_t i = 0; i <= STORE_SER_ARRAY_MAX; i++)
		json_array_append_new(a, json_string("10.0.0.0/8"));
	json_object_set_new(j, "cidrs", a);
	cr_assert_eq(store_deserialize_prefix_list(j, m), -EPROTO);
	cr_assert_eq(m->n_prefix_lists, 0);
	json_decref(j);

	/* And the serialiser refuses to write what the loader would refuse. */
	struct model_prefix_list *pl = model_add_prefix_list(m);
	json_t *out = NULL;

	FX_SET(pl->id, "pl-2");
	for (size_t i = 0; i <= STORE_SER_ARRAY_MAX; i++)
		cr_assert_eq(model_prefix_list_add_cidr(pl, fx_cidr("10.0.0.0/8")), 0);
	cr_assert_eq(store_serialize_prefix_list(pl, &out), -EINVAL);
	cr_assert_null(out);
	pl->n_cidrs = STORE_SER_ARRAY_MAX;
	cr_assert_eq(store_serialize_prefix_list(pl, &out), 0);
	json_decref(out);
	model_free(m);
}

Test(serialize, bad_models_are_refused_whole)
{
	struct model *m = NULL;
	json_t *j;

	j = json_loads("{\"account_id\":\"1\",\"region\":\"r\",\"vpc\":[{\"id\":\"v\"},{}]}", 0,
		       NULL);
	cr_assert_eq(store_deserialize_model(j, &m), -EPROTO);
	cr_assert_null(m);
	json_decref(j);
	j = json_loads("{\"account_id\":\"1\",\"region\":\"r\",\"vpcs\":[]}", 0, NULL);
	cr_assert_eq(store_deserialize_model(j, &m), -EPROTO, "unknown kind name");
	json_decref(j);
	j = json_loads("{\"region\":\"r\"}", 0, NULL);
	cr_assert_eq(store_deserialize_model(j, &m), -EPROTO, "account required");
	json_decref(j);
}

Test(serialize, unserialisable_values_are_einval)
{
	struct model *m = model_new(NULL, NULL);
	struct model_vpc *v = model_add_vpc(m);
	json_t *j = NULL;

	/* No ID. */
	cr_assert_eq(store_serialize_vpc(v, &j), -EINVAL);
	FX_SET(v->id, "vpc-1");
	cr_assert_eq(model_vpc_add_cidr(v, "a", fx_cidr("10.0.0.0/16")), 0);
	v->cidrs[0].cidr.len = 40;
	cr_assert_eq(store_serialize_vpc(v, &j), -EINVAL);
	v->cidrs[0].cidr.len = 16;
	v->state = (enum model_state)99;
	cr_assert_eq(store_serialize_vpc(v, &j), -EINVAL);
	v->state = MODEL_STATE_AVAILABLE;
	cr_assert_eq(model_tags_set(&v->tags, "k", "\xff\xfe not utf-8"), 0);
	cr_assert_eq(store_serialize_vpc(v, &j), -EINVAL);
	cr_assert_null(j);
	cr_assert_eq(model_tags_remove(&v->tags, "k", NULL), 1);
	/* Invalid UTF-8 in a tag key, a heap string and an ID array. */
	cr_assert_eq(model_tags_set(&v->tags, "\xc0\x80", "v"), 0);
	cr_assert_eq(store_serialize_vpc(v, &j), -EINVAL);
	cr_assert_eq(model_tags_remove(&v->tags, "\xc0\x80", NULL), 1);
	cr_assert_eq(store_serialize_vpc(v, &j), 0);
	cr_assert(j);
	json_decref(j);
	model_free(m);
}

/* A random byte string for the UTF-8 check: mostly bytes around the boundaries. */
static size_t utf8_sample(uint64_t *seed, unsigned char *buf, size_t cap)
{
	static const unsigned char edges[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
					      0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee,
					      0xef, 0xf0, 0xf3, 0xf4, 0xf5, 0xff};
	size_t n = 0, len;

	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	len = (*seed >> 33) % cap;
	while (n < len) {
		*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[n++] = (*seed >> 40) % 4 ? edges[(*seed >> 20) % sizeof(edges)]
					     : (unsigned char)(*seed >> 48);
	}
	return n;
}

/* store_text_utf8_valid() accepts exactly what jansson accepts into a string. */
Test(serialize, utf8_check_agrees_with_jansson)
{
	static const char *const fixed[] = {
	    "",
	    "plain",
	    "\xc3\xa9",
	    "\xe2\x82\xac",
	    "\xf0\x9f\x98\x80",
	    "\xf4\x8f\xbf\xbf",
	    "\xf4\x90\x80\x80",
	    "\xed\xa0\x80",
	    "\xed\x9f\xbf",
	    "\xe0\x9f\xbf",
	    "\xf0\x8f\xbf\xbf",
	    "\xc1\xbf",
	    "\xc2",
	    "\xe2\x82",
	    "\x80",
	    "\xf8\x88\x80\x80\x80",
	};
	unsigned char buf[12];
	uint64_t seed = 7;
	size_t valid = 0;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		json_t *j = json_stringn(fixed[i], strlen(fixed[i]));

		cr_assert_eq(store_text_utf8_valid(fixed[i], strlen(fixed[i])), j != NULL, "%zu",
			     i);
		json_decref(j);
	}
	for (int i = 0; i < 200000; i++) {
		size_t n = utf8_sample(&seed, buf, sizeof(buf));
		json_t *j = json_stringn((const char *)buf, n);
		bool ours = store_text_utf8_valid((const char *)buf, n);

		cr_assert_eq(ours, j != NULL, "sample %d (%zu bytes)", i, n);
		valid += ours;
		json_decref(j);
	}
	/* Both answers occur often enough for the comparison to mean something. */
	cr_assert_gt(valid, 20000);
	cr_assert_lt(valid, 180000);
}
