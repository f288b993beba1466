/* Tests for ops-dhcp: DHCP options sets, the Region's default set, and resolv.conf. */
#include <criterion/criterion.h>

#include "lib/model/ops-dhcp.h"
#include "lib/model/ops-vpc.h"
#include "tests/unit/model/opssg-fixture.h"

static struct fx f;

static void setup(void)
{
	fx_init(&f);
}

static void teardown(void)
{
	fx_fini(&f);
}

TestSuite(ops_dhcp, .init = setup, .fini = teardown);

static struct model_vpc *new_vpc(const char *cidr)
{
	struct model_vpc *v = NULL;

	FX_OK(f, model_op_create_vpc(f.m, &f.ctx, fx_cidr(cidr), NULL, &v, &f.err));
	return v;
}

static struct model_dhcp_config cfg(const char *key, const char *v1, const char *v2)
{
	struct model_dhcp_config c = {0};

	util_strscpy(c.key, key, sizeof(c.key));
	util_strscpy(c.values[0], v1, sizeof(c.values[0]));
	c.n_values = 1;
	if (v2) {
		util_strscpy(c.values[1], v2, sizeof(c.values[1]));
		c.n_values = 2;
	}
	return c;
}

Test(ops_dhcp, new_vpcs_share_the_region_default_set)
{
	struct model_vpc *a = new_vpc("10.0.0.0/16"), *b = new_vpc("10.1.0.0/16");
	const struct model_dopt *d = model_find_dopt(f.m, a->dhcp_options_id);
	char conf[512];

	cr_assert(d && d->region_default);
	cr_assert_str_eq(a->dhcp_options_id, b->dhcp_options_id);
	cr_assert_eq(f.m->n_dopts, 1);
	cr_assert_str_eq(d->configs[0].key, "domain-name");
	cr_assert_str_eq(d->configs[0].values[0], "ec2.internal");
	cr_assert_str_eq(d->configs[1].key, "domain-name-servers");
	cr_assert_str_eq(d->configs[1].values[0], "AmazonProvidedDNS");
	model_dhcp_resolv_conf(f.m, b, conf, sizeof(conf));
	cr_assert(strstr(conf, "\nsearch ec2.internal\nnameserver 10.1.0.2\n"), "%s", conf);
}

Test(ops_dhcp, a_state_from_before_keeps_its_dopt_id)
{
	struct model_vpc *a = new_vpc("10.0.0.0/16");
	char id[MODEL_ID_LEN];

	memcpy(id, a->dhcp_options_id, sizeof(id));
	model_remove_dopt(f.m, id); /* as a state stored before sets were objects */
	cr_assert_str_eq(model_dhcp_region_default(f.m, &f.ctx), id);
	cr_assert(model_find_dopt(f.m, id)->region_default);
}

Test(ops_dhcp, create_validates_as_aws)
{
	struct model_dhcp_config c[MODEL_DHCP_KEYS_MAX + 1];
	struct model_dopt *d = NULL;

	c[0] = cfg("domain-name-servers", "10.2.5.1", "AmazonProvidedDNS");
	c[1] = cfg("domain-name", "corp.example.com example.com", NULL);
	c[2] = cfg("ntp-servers", "169.254.169.123", NULL);
	c[3] = cfg("netbios-node-type", "2", NULL);
	c[4] = cfg("ipv6-address-preferred-lease-time", "140", NULL);
	FX_OK(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 5, &d, &f.err));
	cr_assert(d && !d->region_default && d->n_configs == 5);
	cr_assert_str_eq(d->owner_id, "123456789012");

	FX_FAILS(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 0, NULL, &f.err),
		 "MissingParameter");
	static const char *const bad[][2] = {
	    {"domain-name-servers", "10.0.0.256"}, {"domain-name-servers", "dns.example"},
	    {"ntp-servers", "AmazonProvidedDNS"},  {"netbios-node-type", "3"},
	    {"ipv6-address-preferred-lease-time", "139"}, {"domain-name", "bad_name"},
	    {"no-such-option", "1"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c[0] = cfg(bad[i][0], bad[i][1], NULL);
		FX_FAILS(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 1, NULL, &f.err),
			 "InvalidParameterValue");
	}
	c[0] = cfg("domain-name", "a.example", "b.example"); /* one value only */
	FX_FAILS(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 1, NULL, &f.err),
		 "InvalidParameterValue");
	c[0] = cfg("ntp-servers", "10.0.0.1", NULL);
	c[1] = cfg("ntp-servers", "10.0.0.2", NULL);
	FX_FAILS(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 2, NULL, &f.err),
		 "InvalidParameterValue");
	f.ctx.quotas.dhcp_options_per_region = 1;
	FX_FAILS(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 1, NULL, &f.err),
		 "ResourceLimitExceeded");
}

Test(ops_dhcp, associate_delete_and_resolv_conf)
{
	struct model_vpc *v = new_vpc("10.0.0.0/16");
	struct model_dhcp_config c[2] = {cfg("domain-name-servers", "10.9.9.9", "AmazonProvidedDNS"),
					 cfg("domain-name", "corp.example", NULL)};
	struct model_dopt *d = NULL;
	char def[MODEL_ID_LEN], conf[512];

	memcpy(def, v->dhcp_options_id, sizeof(def));
	FX_OK(f, model_op_create_dhcp_options(f.m, &f.ctx, c, 2, &d, &f.err));
	FX_FAILS(f, model_op_associate_dhcp_options(f.m, &f.ctx, "dopt-00000000", v->id, &f.err),
		 "InvalidDhcpOptionID.NotFound");
	FX_FAILS(f, model_op_associate_dhcp_options(f.m, &f.ctx, d->id, "vpc-00000000", &f.err),
		 "InvalidVpcID.NotFound");
	FX_OK(f, model_op_associate_dhcp_options(f.m, &f.ctx, d->id, v->id, &f.err));
	model_dhcp_resolv_conf(f.m, v, conf, sizeof(conf));
	cr_assert(strstr(conf, "\nsearch corp.example\nnameserver 10.9.9.9\nnameserver 10.0.0.2\n"),
		  "%s", conf);
	FX_FAILS(f, model_op_delete_dhcp_options(f.m, &f.ctx, d->id, &f.err), "DependencyViolation");
	/* The default set is not in use any more: it can go, like on AWS. */
	FX_OK(f, model_op_delete_dhcp_options(f.m, &f.ctx, def, &f.err));
	FX_OK(f, model_op_associate_dhcp_options(f.m, &f.ctx, "default", v->id, &f.err));
	model_dhcp_resolv_conf(f.m, v, conf, sizeof(conf));
	cr_assert(!strstr(conf, "search") && !strstr(conf, "nameserver"), "%s", conf);
	memcpy(def, d->id, sizeof(def)); /* d goes with the set */
	FX_OK(f, model_op_delete_dhcp_options(f.m, &f.ctx, def, &f.err));
	FX_FAILS(f, model_op_delete_dhcp_options(f.m, &f.ctx, def, &f.err),
		 "InvalidDhcpOptionID.NotFound");
}
