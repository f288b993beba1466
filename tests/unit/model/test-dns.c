/* Tests for dns: the VPC's hostnames and the Amazon DNS server's answers. */
#include <criterion/criterion.h>
#include <errno.h>

#include "lib/model/dns.h"
#include "lib/model/ops-eni.h"
#include "tests/unit/model/opssg-fixture.h"

static struct fx f;
static struct model_vpc *vpc, *other;
static struct model_eni *eni, *other_eni;

static struct model_eni *eni_at(struct model_subnet *s, const char *ip)
{
	struct model_eni_create c = {.subnet_id = s->id, .has_primary_ip = true,
				     .primary_ip = fx_ip(ip)};
	struct model_eni *e = NULL;

	FX_OK(f, model_op_create_network_interface(f.m, &f.ctx, &c, &e, &f.err));
	return e;
}

static void setup(void)
{
	fx_init(&f);
	vpc = fx_vpc(&f, "10.0.0.0/16", false);
	vpc->enable_dns_support = true;
	vpc->enable_dns_hostnames = true;
	eni = eni_at(fx_subnet(&f, vpc, "10.0.1.0/24", 0), "10.0.1.5");
	eni->ips[0].public_ip = fx_ip("198.51.100.5");
	other = fx_vpc(&f, "10.0.0.0/16", false); /* overlapping: names are per VPC */
	other->enable_dns_support = true;
	other->enable_dns_hostnames = true;
	other_eni = eni_at(fx_subnet(&f, other, "10.0.2.0/24", 0), "10.0.2.9");
}

static void teardown(void)
{
	fx_fini(&f);
}

TestSuite(dns, .init = setup, .fini = teardown);

static struct model_dns_answer ask(const struct model_vpc *v, const char *name, uint16_t type)
{
	struct model_dns_answer a;

	cr_assert_eq(model_dns_resolve(f.m, v->id, name, type, &a), 0, "%s", name);
	return a;
}

Test(dns, hostnames_follow_the_region)
{
	char name[MODEL_DNS_NAME_LEN];

	model_dns_private_name("us-east-1", fx_ip("10.0.1.5"), name);
	cr_assert_str_eq(name, "ip-10-0-1-5.ec2.internal");
	model_dns_private_name("eu-west-1", fx_ip("172.31.255.254"), name);
	cr_assert_str_eq(name, "ip-172-31-255-254.eu-west-1.compute.internal");
	model_dns_public_name("us-east-1", fx_ip("198.51.100.5"), name);
	cr_assert_str_eq(name, "ec2-198-51-100-5.compute-1.amazonaws.com");
	model_dns_public_name("ap-southeast-2", fx_ip("198.51.100.5"), name);
	cr_assert_str_eq(name, "ec2-198-51-100-5.ap-southeast-2.compute.amazonaws.com");
	model_dns_private_domain("us-east-1", name);
	cr_assert_str_eq(name, "ec2.internal");
	model_dns_private_domain("eu-west-1", name);
	cr_assert_str_eq(name, "eu-west-1.compute.internal");
}

Test(dns, private_name_resolves_in_its_vpc_only)
{
	struct model_dns_answer a = ask(vpc, "ip-10-0-1-5.ec2.internal.", MODEL_DNS_TYPE_A);

	cr_assert_eq(a.rcode, MODEL_DNS_NOERROR);
	cr_assert_eq(a.type, MODEL_DNS_TYPE_A);
	cr_assert_eq(a.a, fx_ip("10.0.1.5"));
	/* case-insensitive, without the final dot */
	cr_assert_eq(ask(vpc, "IP-10-0-1-5.EC2.Internal", MODEL_DNS_TYPE_A).a, fx_ip("10.0.1.5"));
	/* the other VPC has no ENI at 10.0.1.5 */
	cr_assert_eq(ask(other, "ip-10-0-1-5.ec2.internal", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_NXDOMAIN);
	/* an address without an ENI */
	cr_assert_eq(ask(vpc, "ip-10-0-1-6.ec2.internal", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_NXDOMAIN);
}

Test(dns, malformed_names_in_the_zone_do_not_exist)
{
	static const char *const names[] = {
		"ip-10-0-1-05.ec2.internal", "ip-10-0-1.ec2.internal", "ip-10-0-1-5-6.ec2.internal",
		"ip-10-0-1-256.ec2.internal", "x.ip-10-0-1-5.ec2.internal", "ip10-0-1-5.ec2.internal",
		"ip-.ec2.internal", "ec2-10-0-1-5.ec2.internal"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_eq(ask(vpc, names[i], MODEL_DNS_TYPE_A).rcode, MODEL_DNS_NXDOMAIN, "%s",
			     names[i]);
	cr_assert_eq(ask(vpc, "ec2.internal", MODEL_DNS_TYPE_A).rcode, MODEL_DNS_NOERROR);
	cr_assert_eq(ask(vpc, "ec2.internal", MODEL_DNS_TYPE_A).type, 0);
}

Test(dns, other_types_of_an_existing_name_have_no_records)
{
	struct model_dns_answer a = ask(vpc, "ip-10-0-1-5.ec2.internal", 28 /* AAAA */);

	cr_assert_eq(a.rcode, MODEL_DNS_NOERROR);
	cr_assert_eq(a.type, 0);
}

Test(dns, hostnames_disabled)
{
	vpc->enable_dns_hostnames = false;
	cr_assert_eq(ask(vpc, "ip-10-0-1-5.ec2.internal", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_NXDOMAIN);
	cr_assert_eq(ask(vpc, "5.1.0.10.in-addr.arpa", MODEL_DNS_TYPE_PTR).rcode,
		     MODEL_DNS_NXDOMAIN);
	/* and the public name no longer exists, from anywhere */
	cr_assert_eq(ask(other, "ec2-198-51-100-5.compute-1.amazonaws.com", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_NXDOMAIN);
	cr_assert(!model_vpc_dns_hostnames(vpc));
	cr_assert(model_vpc_dns_hostnames(other));
}

Test(dns, support_disabled_gets_no_answer)
{
	struct model_dns_answer a;

	vpc->enable_dns_support = false;
	cr_assert_eq(model_dns_resolve(f.m, vpc->id, "ip-10-0-1-5.ec2.internal", MODEL_DNS_TYPE_A, &a),
		     -EPERM);
	cr_assert_eq(model_dns_resolve(f.m, "vpc-00000000", "ip-10-0-1-5.ec2.internal",
				       MODEL_DNS_TYPE_A, &a),
		     -ENOENT);
}

Test(dns, public_name_is_split_horizon)
{
	const char *name = "ec2-198-51-100-5.compute-1.amazonaws.com";

	cr_assert_eq(ask(vpc, name, MODEL_DNS_TYPE_A).a, fx_ip("10.0.1.5"));
	cr_assert_eq(ask(other, name, MODEL_DNS_TYPE_A).a, fx_ip("198.51.100.5"));
	cr_assert_eq(ask(vpc, "ec2-198-51-100-6.compute-1.amazonaws.com", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_NXDOMAIN);
}

Test(dns, reverse_names)
{
	struct model_dns_answer a = ask(vpc, "5.1.0.10.in-addr.arpa.", MODEL_DNS_TYPE_PTR);

	cr_assert_eq(a.rcode, MODEL_DNS_NOERROR);
	cr_assert_eq(a.type, MODEL_DNS_TYPE_PTR);
	cr_assert_str_eq(a.ptr, "ip-10-0-1-5.ec2.internal");
	cr_assert_eq(ask(other, "9.2.0.10.in-addr.arpa", MODEL_DNS_TYPE_PTR).type, MODEL_DNS_TYPE_PTR);
	cr_assert_eq(ask(vpc, "9.2.0.10.in-addr.arpa", MODEL_DNS_TYPE_PTR).rcode, MODEL_DNS_NXDOMAIN);
	/* outside every CIDR of the VPC: not ours to answer */
	cr_assert_eq(ask(vpc, "1.113.0.203.in-addr.arpa", MODEL_DNS_TYPE_PTR).rcode,
		     MODEL_DNS_REFUSED);
	cr_assert_eq(ask(vpc, "1.0.10.in-addr.arpa", MODEL_DNS_TYPE_PTR).rcode, MODEL_DNS_REFUSED);
}

Test(dns, names_outside_the_vpc_zones_are_refused)
{
	cr_assert_eq(ask(vpc, "example.com", MODEL_DNS_TYPE_A).rcode, MODEL_DNS_REFUSED);
	cr_assert_eq(ask(vpc, "ip-10-0-1-5.eu-west-1.compute.internal", MODEL_DNS_TYPE_A).rcode,
		     MODEL_DNS_REFUSED);
	cr_assert_eq(ask(vpc, ".", MODEL_DNS_TYPE_A).rcode, MODEL_DNS_REFUSED);
	cr_assert_eq(ask(vpc, "", MODEL_DNS_TYPE_A).rcode, MODEL_DNS_REFUSED);
}

Test(dns, overlong_name)
{
	char name[400];
	struct model_dns_answer a;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(model_dns_resolve(f.m, vpc->id, name, MODEL_DNS_TYPE_A, &a), -EINVAL);
}
