/*
 * The EC2 Query parameter map and the typed accessors: decoding, duplicates,
 * limits, every nested form of ec2-api.md section 1 (checked against the
 * names generated from the botocore model) and the accessors over them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/ec2-model.h"
#include "api/params.h"
#include "api/req-private.h"

static struct api_params P;
static struct api_req R;

static void setup_req(const char *body)
{
	memset(&P, 0, sizeof(P));
	memset(&R, 0, sizeof(R));
	cr_assert_eq(api_params_parse(&P, body, strlen(body), NULL), 0, "parse %s", body);
	R.params = &P;
}

static void teardown_req(void)
{
	api_req_arena_free(&R);
	api_params_done(&P);
}

Test(query, decode_and_lookup)
{
	setup_req("Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&Desc=a+b%20c&Empty=&"
		  "Bare&&");
	cr_assert_eq(P.n, 6);
	cr_assert_str_eq(api_params_get(&P, "CidrBlock"), "10.0.0.0/16");
	cr_assert_str_eq(api_params_get(&P, "Desc"), "a b c");
	cr_assert_str_eq(api_params_get(&P, "Empty"), "");
	cr_assert_str_eq(api_params_get(&P, "Bare"), "");
	cr_assert_null(api_params_get(&P, "Missing"));
	/* Sorted. */
	for (size_t i = 1; i < P.n; i++)
		cr_assert_lt(strcmp(P.items[i - 1].name, P.items[i].name), 0);
	teardown_req();
}

Test(query, rejects)
{
	struct api_params p = {0};
	char *bad = NULL;

	cr_assert_eq(api_params_parse(&p, "a=1&b=2&a=3", 11, &bad), -EEXIST);
	cr_assert_str_eq(bad, "a");
	free(bad);
	api_params_done(&p);
	/* Duplicate after decoding. */
	cr_assert_eq(api_params_parse(&p, "a=1&%61=2", 9, NULL), -EEXIST);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "a=%zz", 5, NULL), -EINVAL);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "a=%4", 4, NULL), -EINVAL);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "=1", 2, NULL), -EINVAL);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "a%00b=1", 7, NULL), -EINVAL);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "a%0Ab=1", 7, NULL), -EINVAL);
	api_params_done(&p);
	cr_assert_eq(api_params_parse(&p, "v=%00", 5, NULL), -EINVAL);
	api_params_done(&p);
	/* Not UTF-8, overlong, surrogate, control character: refused. */
	static const char *const bad_utf8[] = {"v=%FF", "v=%C0%AF", "v=%ED%A0%80",
					       "v=%01", "v=%E2%82", "v=%F4%90%80%80"};
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		cr_expect_eq(api_params_parse(&p, bad_utf8[i], strlen(bad_utf8[i]), NULL), -EINVAL,
			     "%s", bad_utf8[i]);
		api_params_done(&p);
	}
	/* Valid multi-byte text, tabs and newlines pass. */
	cr_assert_eq(api_params_parse(&p, "v=%C3%A9%E2%82%AC%F0%9F%98%80%09%0A", 35, NULL), 0);
	cr_assert_str_eq(api_params_get(&p, "v"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\t\n");
	api_params_done(&p);
}

Test(query, limits)
{
	struct api_params p = {0};
	size_t cap = (size_t)(API_PARAMS_MAX + 1) * 16;
	char *body = malloc(cap), name[API_PARAM_NAME_MAX + 8];
	size_t k = 0;

	for (int i = 0; i <= API_PARAMS_MAX; i++)
		k += (size_t)snprintf(body + k, cap - k, "p%d=1&", i);
	cr_assert_eq(api_params_parse(&p, body, k, NULL), -E2BIG);
	api_params_done(&p);
	memset(name, 'n', sizeof(name));
	name[API_PARAM_NAME_MAX + 1] = '\0';
	cr_assert_eq(api_params_parse(&p, name, strlen(name), NULL), -E2BIG);
	api_params_done(&p);
	name[API_PARAM_NAME_MAX] = '\0';
	cr_assert_eq(api_params_parse(&p, name, strlen(name), NULL), 0);
	api_params_done(&p);
	free(body);
}

Test(query, name_patterns)
{
	cr_assert(api_params_name_matches("Filter.N.Value.N", "Filter.2.Value.10"));
	cr_assert(api_params_name_matches("VpcId.N", "VpcId.1000"));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId.1001"));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId.0"));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId.01"));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId.x"));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId."));
	cr_assert_not(api_params_name_matches("VpcId.N", "VpcId.1.x"));
	cr_assert(
	    api_params_name_matches("NetworkInterface.N.SubnetId", "NetworkInterface.3.SubnetId"));
	cr_assert_not(api_params_name_matches("NetworkInterface.N.SubnetId", "N.3.SubnetId"));
}

/* Every request body of ec2-api.md section 1: each name is declared by its operation. */
static const char *const section1[][2] = {
    {"CreateVpc", "CidrBlock=10.0.0.0%2F16&TagSpecification.1.ResourceType=vpc&"
		  "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=demo"},
    {"DescribeVpcs", "Filter.1.Name=tag%3AName&Filter.1.Value.1=demo&Filter.1.Value.2=other&"
		     "Filter.2.Name=cidr-block&Filter.2.Value.1=10.0.0.0%2F16&MaxResults=5"},
    {"DescribeVpcs", "VpcId.1=vpc-4f3f205b62e072755&VpcId.2=vpc-00000000000000000"},
    {"AuthorizeSecurityGroupIngress",
     "GroupId=sg-2739b585672e3dc3f&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=443&"
     "IpPermissions.1.ToPort=443&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0%2F0&"
     "IpPermissions.1.IpRanges.1.Description=https&IpPermissions.1.Groups.1.GroupId=sg-2&"
     "IpPermissions.1.Ipv6Ranges.1.CidrIpv6=::/0&IpPermissions.1.PrefixListIds.1.PrefixListId=pl-1&"
     "TagSpecification.1.ResourceType=security-group-rule&TagSpecification.1.Tag.1.Key=k"},
    {"CreateNetworkAclEntry", "NetworkAclId=acl-964966707a40fd470&RuleNumber=100&Protocol=6&"
			      "RuleAction=allow&Egress=false&CidrBlock=0.0.0.0%2F0&"
			      "PortRange.From=22&PortRange.To=22&Icmp.Type=8&Icmp.Code=-1"},
    {"CreateNetworkInterface",
     "SubnetId=subnet-6cf8e9db19741e4cf&SecurityGroupId.1=sg-2739b585672e3dc3f&"
     "PrivateIpAddresses.1.PrivateIpAddress=10.0.1.10&PrivateIpAddresses.1.Primary=true&"
     "ClientToken=adaf6694-834a-47f6-8785-503da0f9c8d0&SecondaryPrivateIpAddressCount=2"},
    {"CreateVpc", "CidrBlock=10.1.0.0%2F16&DryRun=true"},
    {"ModifyVpcAttribute", "VpcId=vpc-1&EnableDnsHostnames.Value=true"},
    {"RevokeSecurityGroupEgress", "GroupId=sg-1&SecurityGroupRuleId.1=sgr-1"},
    {"CreateRoute", "RouteTableId=rtb-1&DestinationCidrBlock=0.0.0.0/0&NatGatewayId=nat-1"},
    {"AssignPrivateIpAddresses", "NetworkInterfaceId=eni-1&PrivateIpAddress.1=10.0.1.5&"
				 "PrivateIpAddress.2=10.0.1.6&AllowReassignment=true"},
    {"ModifyNetworkInterfaceAttribute",
     "NetworkInterfaceId=eni-1&SourceDestCheck.Value=false&SecurityGroupId.1=sg-1"},
    {"RunInstances",
     "ImageId=ami-1&MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&"
     "NetworkInterface.1.SubnetId=subnet-1&NetworkInterface.1.SecurityGroupId.1=sg-1&"
     "NetworkInterface.1.AssociatePublicIpAddress=true&"
     "NetworkInterface.1.PrivateIpAddresses.1.PrivateIpAddress=10.0.0.5"},
    {"CreateFlowLogs", "ResourceId.1=vpc-1&ResourceType=VPC&TrafficType=ALL&"
		       "LogDestinationType=s3&LogDestination=arn:aws:s3:::b&"
		       "LogFormat=${version} ${srcaddr}"},
    {"CreateNatGateway", "SubnetId=subnet-1&AllocationId=eipalloc-1"},
    {"CreateTags", "ResourceId.1=vpc-1&ResourceId.2=subnet-1&Tag.1.Key=Name&Tag.1.Value=x"},
    {"DescribeInternetGateways", "InternetGatewayId.1=igw-1"},
    {"DescribeInstanceTypes", "InstanceType.1=m5.large&Filter.1.Name=network-info.maximum-"
			      "network-interfaces&Filter.1.Value.1=3"},
};

Test(query, section1_forms_are_declared)
{
	for (size_t i = 0; i < sizeof(section1) / sizeof(section1[0]); i++) {
		const struct ec2_model_op *op = ec2_model_find(section1[i][0]);

		cr_assert_not_null(op, "%s", section1[i][0]);
		setup_req(section1[i][1]);
		for (size_t j = 0; j < P.n; j++)
			cr_expect(ec2_model_accepts(op, P.items[j].name), "%s: %s", op->name,
				  P.items[j].name);
		teardown_req();
	}
	/* And names that are not declared are not accepted. */
	const struct ec2_model_op *op = ec2_model_find("DescribeVpcs");

	cr_assert_not(ec2_model_accepts(op, "VpcIds.1"));
	cr_assert_not(ec2_model_accepts(op, "Filter.1.Values.1"));
	cr_assert_not(ec2_model_accepts(op, "VpcId"));
	cr_assert(op->dry_run);
	cr_assert_not_null(ec2_model_find("CreateVpc"));
	cr_assert_null(ec2_model_find("CreateVpcz"));
}

Test(query, generated_model_shapes)
{
	const struct ec2_model_op *op = ec2_model_find("DescribeSecurityGroups");
	bool found = false;

	for (size_t i = 0; i < op->n_outputs; i++)
		found = found || strcmp(op->outputs[i], "securityGroupInfo") == 0;
	cr_assert(found);
	op = ec2_model_find("CreateSubnet");
	cr_assert_eq(op->n_required, 1);
	cr_assert_str_eq(op->required[0], "VpcId");
	cr_assert_gt(ec2_model_n_ops, 500);
	for (size_t i = 1; i < ec2_model_n_ops; i++)
		cr_assert_lt(strcmp(ec2_model_ops[i - 1].name, ec2_model_ops[i].name), 0);
}

Test(query, scalar_accessors)
{
	const char *s = NULL;
	bool b = false;
	long l = 0;

	setup_req("Name=x&Flag=true&Bad=TRUE&Port=443&Big=70000&Neg=-1&NotNum=12a");
	cr_assert_eq(api_get_str(&R, &s, API_REQUIRED, "Name"), 1);
	cr_assert_str_eq(s, "x");
	cr_assert_eq(api_get_str(&R, &s, API_OPTIONAL, "Nope"), 0);
	cr_assert_str_eq(s, "x"); /* untouched */
	cr_assert_lt(api_get_str(&R, &s, API_REQUIRED, "Nope"), 0);
	cr_assert_str_eq(R.error.code, "MissingParameter");
	cr_assert_eq(R.error.status, 400);
	cr_assert_eq(api_get_bool(&R, &b, API_OPTIONAL, "Flag"), 1);
	cr_assert(b);
	cr_assert_lt(api_get_bool(&R, &b, API_OPTIONAL, "Bad"), 0);
	cr_assert_str_eq(R.error.code, "InvalidParameterValue");
	cr_assert_eq(api_get_long(&R, &l, 0, 65535, API_OPTIONAL, "Port"), 1);
	cr_assert_eq(l, 443);
	cr_assert_lt(api_get_long(&R, &l, 0, 65535, API_OPTIONAL, "Big"), 0);
	cr_assert(strstr(R.error.message, "between 0 and 65535"));
	cr_assert_eq(api_get_long(&R, &l, -1, 255, API_OPTIONAL, "Neg"), 1);
	cr_assert_eq(l, -1);
	cr_assert_lt(api_get_long(&R, &l, 0, 10, API_OPTIONAL, "NotNum"), 0);
	teardown_req();
}

Test(query, nested_lists)
{
	size_t n = 0, m = 0;
	const char *cidr = NULL;
	const char **ids = NULL;

	setup_req("IpPermissions.1.IpProtocol=tcp&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0/8&"
		  "IpPermissions.1.IpRanges.2.CidrIp=10.1.0.0/16&IpPermissions.2.IpProtocol=udp&"
		  "IpPermissions.10.IpProtocol=icmp&IpPermissions.3.IpProtocol=-1&"
		  "IpPermissions.4.IpProtocol=-1&IpPermissions.5.IpProtocol=-1&"
		  "IpPermissions.6.IpProtocol=-1&IpPermissions.7.IpProtocol=-1&"
		  "IpPermissions.8.IpProtocol=-1&IpPermissions.9.IpProtocol=-1&"
		  "VpcId.1=vpc-a&VpcId.2=vpc-b&Gap.1=a&Gap.3=c&Zero.0=z&IpPermissionsX=1");
	cr_assert_eq(api_get_count(&R, &n, "IpPermissions"), 0);
	cr_assert_eq(n, 10);
	cr_assert_eq(api_get_count(&R, &m, "IpPermissions.%zu.IpRanges", (size_t)1), 0);
	cr_assert_eq(m, 2);
	cr_assert_eq(api_get_str(&R, &cidr, API_REQUIRED, "IpPermissions.%zu.IpRanges.%zu.CidrIp",
				 (size_t)1, (size_t)2),
		     1);
	cr_assert_str_eq(cidr, "10.1.0.0/16");
	cr_assert_eq(api_get_count(&R, &m, "IpPermissions.%zu.IpRanges", (size_t)2), 0);
	cr_assert_eq(m, 0);
	cr_assert_eq(api_get_str_list(&R, &ids, &n, "VpcId"), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(ids[0], "vpc-a");
	cr_assert_str_eq(ids[1], "vpc-b");
	cr_assert_lt(api_get_count(&R, &n, "Gap"), 0);
	cr_assert_str_eq(R.error.code, "InvalidParameterValue");
	cr_assert_lt(api_get_count(&R, &n, "Zero"), 0);
	cr_assert_eq(api_get_count(&R, &n, "Absent"), 0);
	cr_assert_eq(n, 0);
	teardown_req();
}

/* Parameter names built from "%s" and "%zu" (formatted by hand), others by vsnprintf. */
Test(query, formatted_names)
{
	char long_prefix[API_PARAM_NAME_MAX + 2];
	const char *v = NULL;

	setup_req("Tag.0.Key=zero&Tag.18446744073709551615.Key=max&Filter.1.Value.2=fv&"
		  "Neg.-3=n&Pct%25=p");
	cr_assert_eq(api_get_str(&R, &v, API_REQUIRED, "Tag.%zu.Key", (size_t)0), 1);
	cr_assert_str_eq(v, "zero");
	cr_assert_eq(api_get_str(&R, &v, API_REQUIRED, "Tag.%zu.Key", SIZE_MAX), 1);
	cr_assert_str_eq(v, "max");
	cr_assert_eq(
	    api_get_str(&R, &v, API_REQUIRED, "%s.%zu.Value.%zu", "Filter", (size_t)1, (size_t)2),
	    1);
	cr_assert_str_eq(v, "fv");
	cr_assert_eq(api_get_str(&R, &v, API_REQUIRED, "Neg.%d", -3), 1); /* vsnprintf */
	cr_assert_str_eq(v, "n");
	cr_assert_eq(api_get_str(&R, &v, API_REQUIRED, "Pct%%"), 1); /* vsnprintf */
	cr_assert_str_eq(v, "p");
	/* A name longer than any parameter's is a missing parameter, not an overflow. */
	memset(long_prefix, 'x', sizeof(long_prefix) - 1);
	long_prefix[sizeof(long_prefix) - 1] = '\0';
	cr_assert_lt(api_get_str(&R, &v, API_REQUIRED, "%s", long_prefix), 0);
	cr_assert_str_eq(R.error.code, "MissingParameter");
	long_prefix[API_PARAM_NAME_MAX - 2] = '\0';
	cr_assert_eq(api_get_str(&R, &v, API_OPTIONAL, "%s.%zu", long_prefix, (size_t)1), 0);
	cr_assert_lt(api_get_str(&R, &v, API_REQUIRED, "%s.%zu", long_prefix, (size_t)10), 0);
	teardown_req();
}

Test(query, tag_specifications)
{
	struct model_tags tags = {0};

	setup_req("TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&"
		  "TagSpecification.1.Tag.1.Value=demo&TagSpecification.1.Tag.2.Key=env&"
		  "TagSpecification.2.ResourceType=vpc&TagSpecification.2.Tag.1.Key=team&"
		  "TagSpecification.2.Tag.1.Value=net");
	cr_assert_eq(api_get_tag_specs(&R, "vpc", &tags), 0);
	cr_assert_eq(tags.n, 3);
	cr_assert_str_eq(model_tags_get(&tags, "Name"), "demo");
	cr_assert_str_eq(model_tags_get(&tags, "env"), "");
	cr_assert_str_eq(model_tags_get(&tags, "team"), "net");
	model_tags_clear(&tags);
	/* The action's resource type only. */
	cr_assert_lt(api_get_tag_specs(&R, "subnet", &tags), 0);
	cr_assert_str_eq(R.error.code, "InvalidParameterValue");
	teardown_req();

	setup_req("TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=aws%3Ax");
	cr_assert_lt(api_get_tag_specs(&R, "vpc", &tags), 0);
	teardown_req();
	setup_req("TagSpecification.1.Tag.1.Key=a");
	cr_assert_lt(api_get_tag_specs(&R, "vpc", &tags), 0);
	cr_assert_str_eq(R.error.code, "MissingParameter");
	teardown_req();
	setup_req("TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=a&"
		  "TagSpecification.2.ResourceType=vpc&TagSpecification.2.Tag.1.Key=a");
	cr_assert_lt(api_get_tag_specs(&R, "vpc", &tags), 0);
	teardown_req();
	/* No TagSpecification at all: no tags. */
	setup_req("Other=1");
	cr_assert_eq(api_get_tag_specs(&R, "vpc", &tags), 0);
	cr_assert_eq(tags.n, 0);
	teardown_req();
}

Test(query, tag_limits)
{
	char body[8192];
	size_t k = 0;
	struct api_tag *t;
	size_t n;

	for (int i = 1; i <= API_TAGS_MAX + 1; i++)
		k += (size_t)snprintf(body + k, sizeof(body) - k, "Tag.%d.Key=k%d&", i, i);
	setup_req(body);
	cr_assert_lt(api_get_tags(&R, "Tag", false, &t, &n), 0);
	cr_assert_str_eq(R.error.code, "TagLimitExceeded");
	teardown_req();
	memset(body, 0, sizeof(body));
	k = (size_t)snprintf(body, sizeof(body), "Tag.1.Key=");
	memset(body + k, 'k', API_TAG_KEY_MAX + 1);
	setup_req(body);
	cr_assert_lt(api_get_tags(&R, "Tag", false, &t, &n), 0);
	teardown_req();
}
