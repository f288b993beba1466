/*
 * plumb-desired: the namespaces and pairs the model wants, names, MACs.
 * Pure: no kernel access, no root needed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "fabric/plumb-private.h"
#include "test-plumb-fixture.h"

static struct plumb *new_plumb(const char *ns_prefix)
{
	struct plumb_config cfg = {
		.ns_prefix = ns_prefix, .link_prefix = "ovx", .fabric_ns = "ovx-fabric",
	};
	struct plumb *p = NULL;

	cr_assert_eq(plumb_new(&cfg, &p), 0);
	return p;
}

Test(plumb_desired, mac_parse)
{
	uint8_t mac[6] = { 0 };

	cr_assert_eq(plumb_mac_parse("0a:1B:2c:3d:4e:5f", mac), 0);
	cr_assert_eq(mac[0], 0x0a);
	cr_assert_eq(mac[1], 0x1b);
	cr_assert_eq(mac[5], 0x5f);
	cr_assert_eq(plumb_mac_parse("0a:1b:2c:3d:4e", mac), -EINVAL);
	cr_assert_eq(plumb_mac_parse("0a-1b-2c-3d-4e-5f", mac), -EINVAL);
	cr_assert_eq(plumb_mac_parse("0g:1b:2c:3d:4e:5f", mac), -EINVAL);
	cr_assert_eq(plumb_mac_parse("01:00:5e:00:00:01", mac), -EINVAL, "multicast");
	cr_assert_eq(plumb_mac_parse(NULL, mac), -EINVAL);
}

Test(plumb_desired, link_names)
{
	char a[IF_NAMESIZE], b[IF_NAMESIZE], c[IF_NAMESIZE], d[IF_NAMESIZE];

	plumb_link_name("ov", "eni-0123456789abcdef0", 0, a);
	plumb_link_name("ov", "eni-0123456789abcdef0", 0, b);
	plumb_link_name("ov", "eni-0123456789abcdef1", 0, c);
	plumb_link_name("ov", "eni-0123456789abcdef0", 1, d);
	cr_assert_eq(strlen(a), IF_NAMESIZE - 1);
	cr_assert_eq(strncmp(a, "ov", 2), 0);
	cr_assert_str_eq(a, b, "deterministic");
	cr_assert_str_neq(a, c, "another ENI, another name");
	cr_assert_str_neq(a, d, "another salt, another name");
	for (size_t i = 2; i < strlen(a); i++)
		cr_assert(strchr("0123456789abcdef", a[i]));
	plumb_link_name("abcdefg", "eni-1", 0, a);
	cr_assert_eq(strlen(a), 15);
	cr_assert_eq(strncmp(a, "abcdefg", 7), 0);
}

Test(plumb_desired, instance_ns_names)
{
	cr_assert(plumb_is_instance_ns("", "i-0123456789abcdef0"));
	cr_assert(plumb_is_instance_ns("t1-", "t1-i-0abc"));
	cr_assert(!plumb_is_instance_ns("t1-", "i-0abc"));
	cr_assert(!plumb_is_instance_ns("t1-", "t1-fabric"));
	cr_assert(!plumb_is_instance_ns("t1-", "t1-i-"));
	cr_assert(!plumb_is_instance_ns("t1-", "t1-i-0ABC"));
	cr_assert(!plumb_is_instance_ns("", "internet"));
}

Test(plumb_desired, config_is_validated)
{
	struct plumb_config cfg = { .ns_prefix = "", .link_prefix = "ov", .fabric_ns = "fab" };
	struct plumb *p = NULL;

	cfg.link_prefix = "";
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL);
	cfg.link_prefix = "abcdefgh";
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL, "8 characters leave too few for the hash");
	cfg.link_prefix = "a/b";
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL);
	cfg.link_prefix = "ov";
	cfg.fabric_ns = "a/b";
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL);
	cfg.fabric_ns = "i-0abc";
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL, "the fabric must not look like an instance");
	cfg.fabric_ns = "fab";
	cfg.mtu = 20;
	cr_assert_eq(plumb_new(&cfg, &p), -EINVAL);
	cr_assert_null(p);
	cfg.mtu = 0;
	cr_assert_eq(plumb_new(&cfg, &p), 0);
	cr_assert_str_eq(plumb_fabric_ns(p), "fab");
	char name[64];
	cr_assert_eq(plumb_instance_ns_name(p, "i-1", name, sizeof(name)), 0);
	cr_assert_str_eq(name, "i-1");
	cr_assert_eq(plumb_instance_ns_name(p, "i-1", name, 3), -ENAMETOOLONG);
	cr_assert_null(plumb_free(p));
	cr_assert_null(plumb_free(NULL));
}

Test(plumb_desired, scenario)
{
	struct model *m = fx_model();
	struct plumb *p = new_plumb("t-");
	struct plumb_desired d;
	const struct plumb_want_port *w;

	cr_assert_eq(plumb_desired_compute(p, m, &d), 0);
	cr_assert_eq(d.n_ns, 2);
	cr_assert_str_eq(d.ns[0].name, "t-" FX_INST_A);
	cr_assert_str_eq(d.ns[1].name, "t-" FX_INST_B);
	cr_assert_eq(d.n_ports, 3);
	cr_assert_eq(d.skipped, 0);
	cr_assert_str_eq(d.ports[0].eni->id, FX_ENI_A0);
	cr_assert_str_eq(d.ports[1].eni->id, FX_ENI_A1);
	cr_assert_str_eq(d.ports[2].eni->id, FX_ENI_B0);

	w = plumb_desired_port(&d, FX_ENI_A1);
	cr_assert_not_null(w);
	cr_assert_eq(w->ns, 0);
	cr_assert_str_eq(w->eth_name, "eth1");
	cr_assert_eq(w->ip, fx_ip("10.0.2.20"), "the primary IP only");
	cr_assert_eq(w->prefix_len, 24);
	cr_assert_eq(w->router, fx_ip("10.0.2.1"));
	cr_assert_eq(w->mac[5], 0x01);
	w = plumb_desired_port(&d, FX_ENI_B0);
	cr_assert_eq(w->ns, 1);
	cr_assert_str_eq(w->eth_name, "eth0");
	cr_assert_null(plumb_desired_port(&d, "eni-nope"));
	cr_assert_eq(plumb_desired_ns(&d, "t-" FX_INST_B), 1);
	cr_assert_eq(plumb_desired_ns(&d, FX_INST_B), -1);
	plumb_desired_done(&d);
	plumb_free(p);
	model_free(m);
}

Test(plumb_desired, states_detach_and_bad_enis)
{
	struct model *m = fx_model();
	struct plumb *p = new_plumb("");
	struct plumb_desired d;

	/* Stopped and terminated instances have no namespace, so no pairs. */
	model_find_instance(m, FX_INST_B)->state = MODEL_INSTANCE_STOPPED;
	/* A detached ENI has no pair. */
	model_find_eni(m, FX_ENI_A1)->attachment.present = false;
	cr_assert_eq(plumb_desired_compute(p, m, &d), 0);
	cr_assert_eq(d.n_ns, 1);
	cr_assert_str_eq(d.ns[0].name, FX_INST_A);
	cr_assert_eq(d.n_ports, 1);
	cr_assert_str_eq(d.ports[0].eni->id, FX_ENI_A0);
	plumb_desired_done(&d);

	model_find_instance(m, FX_INST_B)->state = MODEL_INSTANCE_TERMINATED;
	model_find_instance(m, FX_INST_A)->state = MODEL_INSTANCE_PENDING;
	/* An instance ID plumb could not recognise later gets no namespace. */
	fx_instance(m, "i-0ABC", FX_SUBNET_A);
	fx_instance(m, "x-0abc", FX_SUBNET_A);
	/* A second ENI on device index 0 of A, and one with a bad MAC, are skipped. */
	fx_eni(m, "eni-00000000000000a09", FX_SUBNET_A, "0a:00:00:00:0a:09", "10.0.1.19",
	       FX_INST_A, 0);
	fx_eni(m, "eni-00000000000000a08", FX_SUBNET_A, "zz", "10.0.1.18", FX_INST_A, 2);
	fx_eni(m, "eni-00000000000000a07", "subnet-gone", "0a:00:00:00:0a:07", "10.0.1.17",
	       FX_INST_A, 3);
	cr_assert_eq(plumb_desired_compute(p, m, &d), 0);
	cr_assert_eq(d.n_ns, 1);
	cr_assert_eq(d.n_ports, 1);
	cr_assert_str_eq(d.ports[0].eni->id, FX_ENI_A0);
	cr_assert_eq(d.skipped, 3);
	plumb_desired_done(&d);
	plumb_desired_done(NULL);
	plumb_free(p);
	model_free(m);
}

Test(plumb_desired, digest_follows_what_plumb_builds)
{
	struct model *m = fx_model();
	struct plumb *p = new_plumb("t-");
	uint64_t d0 = plumb_model_digest(p, m), d1;

	cr_assert_neq(d0, 0);
	cr_assert_eq(plumb_model_digest(p, m), d0, "stable");
	/* What plumb does not look at leaves the digest alone. */
	model_tags_set(&model_find_eni(m, FX_ENI_A0)->tags, "Name", "web");
	model_eni_add_sg(model_find_eni(m, FX_ENI_A0), "sg-0123");
	cr_assert_eq(plumb_model_digest(p, m), d0);
	/* A secondary IP is the fabric's business, not plumb's. */
	struct model_eni_ip sec = { .ip = fx_ip("10.0.1.99") };
	model_eni_add_ip(model_find_eni(m, FX_ENI_A0), &sec);
	cr_assert_eq(plumb_model_digest(p, m), d0);
	/* A detach, a stop, a device index: all change it. */
	model_find_eni(m, FX_ENI_A1)->attachment.present = false;
	d1 = plumb_model_digest(p, m);
	cr_assert_neq(d1, d0);
	model_find_eni(m, FX_ENI_A1)->attachment.present = true;
	cr_assert_eq(plumb_model_digest(p, m), d0);
	model_find_eni(m, FX_ENI_A1)->attachment.device_index = 2;
	cr_assert_neq(plumb_model_digest(p, m), d0);
	model_find_eni(m, FX_ENI_A1)->attachment.device_index = 1;
	model_find_instance(m, FX_INST_B)->state = MODEL_INSTANCE_STOPPED;
	cr_assert_neq(plumb_model_digest(p, m), d0);
	cr_assert_eq(plumb_model_digest(NULL, m), 0);
	plumb_free(p);
	model_free(m);
}
