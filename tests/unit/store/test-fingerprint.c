/*
 * Tests for store/fingerprint: every change to an object's content changes
 * its digest, including changes made in place behind a pointer (the case a
 * digest of the struct bytes alone would miss), and the digest is stable.
 */
#include <criterion/criterion.h>

#include "store/fingerprint.h"
#include "store/serialize.h"
#include "tests/unit/store/fixture.h"

/* Digest of object i of the kind named, through the kind table. */
static struct store_fp fp_of(const struct model *m, const char *kind)
{
	const struct store_kind *k = store_kind_find(kind);

	cr_assert(k, "%s", kind);
	return k->fingerprint(m, 0);
}

/* Flip one byte in place, check the digest moves, flip it back, check it returns. */
static void check_byte(struct model *m, const char *kind, char *byte, const char *what)
{
	struct store_fp before = fp_of(m, kind), after;

	cr_assert(store_fp_equal(before, fp_of(m, kind)), "%s: not deterministic", kind);
	*byte ^= 0x01;
	after = fp_of(m, kind);
	cr_assert(!store_fp_equal(before, after), "%s: change to %s not seen", kind, what);
	*byte ^= 0x01;
	cr_assert(store_fp_equal(before, fp_of(m, kind)), "%s: %s: not restored", kind, what);
}

#define CHECK(m, kind, lvalue) check_byte((m), (kind), (char *)&(lvalue), #lvalue)

Test(fingerprint, sees_changes_behind_every_pointer)
{
	struct model *m = fx_full_model();

	CHECK(m, "vpc", m->vpcs[0]->id[4]);
	CHECK(m, "vpc", m->vpcs[0]->cidrs[1].cidr.len);
	CHECK(m, "vpc", m->vpcs[0]->cidrs6[1].state);
	CHECK(m, "vpc", m->vpcs[0]->cidrs6[0].pool[0]);
	CHECK(m, "vpc", m->vpcs[0]->cidrs6[0].network_border_group[2]);
	CHECK(m, "vpc", m->vpcs[0]->tags.items[1].value[0]);
	CHECK(m, "vpc", m->vpcs[0]->tags.items[0].key[0]);
	CHECK(m, "subnet", m->subnets[0]->tags.items[0].value[3]);
	CHECK(m, "subnet", m->subnets[0]->enable_dns64);
	CHECK(m, "route-table", m->route_tables[0]->routes[2].target_id[1]);
	CHECK(m, "route-table", m->route_tables[0]->assocs[1].subnet_id[0]);
	CHECK(m, "route-table", m->route_tables[0]->propagating_vgws[1][5]);
	CHECK(m, "route-table", m->route_tables[0]->tags.items[0].value[0]);
	CHECK(m, "security-group", m->sgs[0]->name[0]);
	CHECK(m, "security-group", m->sgs[0]->description[3]);
	CHECK(m, "security-group", m->sgs[0]->rules[1].from_port);
	CHECK(m, "security-group", m->sgs[0]->rules[0].description[0]);
	CHECK(m, "security-group", m->sgs[0]->rules[0].tags.items[1].value[0]);
	CHECK(m, "security-group", m->sgs[0]->tags.items[0].key[1]);
	CHECK(m, "network-acl", m->nacls[0]->entries[0].icmp_code);
	CHECK(m, "network-acl", m->nacls[0]->assocs[0].subnet_id[3]);
	CHECK(m, "network-acl", m->nacls[0]->tags.items[0].value[0]);
	CHECK(m, "network-interface", m->enis[0]->description[0]);
	CHECK(m, "network-interface", m->enis[0]->ips[1].primary);
	CHECK(m, "network-interface", m->enis[0]->ips[0].allocation_id[2]);
	CHECK(m, "network-interface", m->enis[0]->prefixes[1].addr);
	CHECK(m, "network-interface", m->enis[0]->sg_ids[1][4]);
	CHECK(m, "network-interface", m->enis[0]->attachment.status[0]);
	CHECK(m, "network-interface", m->enis[0]->udp_timeout);
	CHECK(m, "network-interface", m->enis[0]->tags.items[2].key[0]);
	CHECK(m, "instance", m->instances[0]->key_name[0]);
	CHECK(m, "instance", m->instances[0]->tags.items[0].value[0]);
	CHECK(m, "internet-gateway", m->igws[0]->attachment.vpc_id[4]);
	CHECK(m, "internet-gateway", m->igws[0]->tags.items[0].value[0]);
	CHECK(m, "elastic-ip", m->eips[0]->public_ip);
	CHECK(m, "elastic-ip", m->eips[0]->tags.items[0].value[0]);
	CHECK(m, "nat-gateway", m->nat_gateways[0]->failure_code[0]);
	CHECK(m, "nat-gateway", m->nat_gateways[0]->failure_message[5]);
	CHECK(m, "nat-gateway", m->nat_gateways[0]->tags.items[0].value[0]);
	CHECK(m, "vpn-gateway", m->vgws[0]->attachments[1].state[0]);
	CHECK(m, "vpn-gateway", m->vgws[0]->tags.items[0].value[0]);
	CHECK(m, "customer-gateway", m->cgws[0]->device_name[0]);
	CHECK(m, "customer-gateway", m->cgws[0]->tags.items[0].value[0]);
	CHECK(m, "vpn-connection", m->vpns[0]->routes[1].state[0]);
	CHECK(m, "vpn-connection", m->vpns[0]->tunnels[1].up);
	CHECK(m, "vpn-connection", m->vpns[0]->customer_gateway_configuration[3]);
	CHECK(m, "vpn-connection", m->vpns[0]->tags.items[0].value[0]);
	CHECK(m, "flow-log", m->flow_logs[0]->destination[0]);
	CHECK(m, "flow-log", m->flow_logs[0]->log_group_name[0]);
	CHECK(m, "flow-log", m->flow_logs[0]->deliver_logs_permission_arn[0]);
	CHECK(m, "flow-log", m->flow_logs[0]->format[0]);
	CHECK(m, "flow-log", m->flow_logs[0]->tags.items[0].value[0]);
	CHECK(m, "prefix-list", m->prefix_lists[0]->name[0]);
	CHECK(m, "prefix-list", m->prefix_lists[0]->cidrs[1].len);
	CHECK(m, "prefix-list", m->prefix_lists[0]->tags.items[0].value[0]);
	model_free(m);
}

Test(fingerprint, null_and_empty_differ_and_lengths_are_framed)
{
	struct model *m = model_new(NULL, NULL);
	struct model_cgw *c = model_add_cgw(m);
	struct model_sg *sg = model_add_sg(m);
	struct store_fp a, b;

	a = store_fingerprint_cgw(c);
	c->device_name = strdup("");
	b = store_fingerprint_cgw(c);
	cr_assert(!store_fp_equal(a, b), "NULL vs \"\"");

	/* ("ab", "c") and ("a", "bc") differ. */
	sg->name = strdup("ab");
	sg->description = strdup("c");
	a = store_fingerprint_sg(sg);
	strcpy(sg->name, "a");
	free(sg->description);
	sg->description = strdup("bc");
	b = store_fingerprint_sg(sg);
	cr_assert(!store_fp_equal(a, b));

	/* A tag added changes it (a later removal may or may not restore it). */
	a = store_fingerprint_sg(sg);
	cr_assert_eq(model_tags_set(&sg->tags, "k", "v"), 0);
	b = store_fingerprint_sg(sg);
	cr_assert(!store_fp_equal(a, b));
	model_free(m);
}
