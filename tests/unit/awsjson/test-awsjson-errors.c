/*
 * Tests for awsjson on malformed input: every failure names the file, the
 * JSON path of the field and what is wrong, and nothing crashes.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/awsjson/awsjson.h"
#include "lib/util/util.h"

static int load(const char *json, struct awsjson_error *err)
{
	struct model *m = model_new("", "");
	int r;

	cr_assert_not_null(m);
	memset(err, 0x5a, sizeof(*err));
	r = awsjson_load_buffer("subnets.json", json, strlen(json), m, err);
	model_free(m);
	return r;
}

struct bad_case {
	const char *json;
	const char *field;
	const char *message_part;
};

static struct bad_case bad_cases[] = {
    {"{\"Subnets\": [{\"SubnetId\": \"subnet-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/24\"}, {\"SubnetId\": "
     "\"subnet-0123456789abcdef1\", \"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": "
     "\"10.0.1.0/33\"}]}",
     "Subnets[1].CidrBlock", "\"10.0.1.0/33\" is not an IPv4 CIDR"},
    {"{\"Subnets\": [{\"SubnetId\": \"sub-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/24\"}]}",
     "Subnets[0].SubnetId", "is not a valid subnet- ID"},
    {"{\"Subnets\": [{\"SubnetId\": 12, \"CidrBlock\": \"10.0.0.0/24\"}]}", "Subnets[0].SubnetId",
     "expected a string, found a number"},
    {"{\"Subnets\": {\"SubnetId\": \"subnet-0123456789abcdef0\"}}", "Subnets",
     "expected a list, found an object"},
    {"{\"Subnets\": [\"subnet-0123456789abcdef0\"]}", "Subnets[0]",
     "expected an object, found a string"},
    {"{\"Subnets\": [{\"SubnetId\": \"subnet-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\"}]}",
     "Subnets[0].CidrBlock", "missing"},
    {"{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/8\"}]}",
     "Vpcs[0].CidrBlock", "/16 to /28"},
    {"{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/16\","
     " \"OwnerId\": \"12345\"}]}",
     "Vpcs[0].OwnerId", "12-digit account ID"},
    {"{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/16\"},"
     " {\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.1.0.0/16\"}]}",
     "Vpcs[1].VpcId", "duplicate VPC"},
    {"{\"RouteTables\": [{\"RouteTableId\": \"rtb-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Routes\": [{\"DestinationCidrBlock\": \"10.0.0.0/16\","
     " \"GatewayId\": \"local\"}, {\"DestinationCidrBlock\": \"0.0.0.0/0\"}, "
     "{\"DestinationCidrBlock\": \"0.0.0.0/0\", \"GatewayId\": \"igw-1\"}]}]}",
     "RouteTables[0].Routes[1]", "route has no target"},
    {"{\"RouteTables\": [{\"RouteTableId\": \"rtb-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Routes\": [{\"DestinationCidrBlock\": \"10.0.0.0/16\","
     " \"GatewayId\": \"local\"}, {\"DestinationCidrBlock\": \"0.0.0.0/0\", \"GatewayId\":"
     " \"igw-xyz\"}]}]}",
     "RouteTables[0].Routes[1].GatewayId", "is not \"local\" or a gateway ID"},
    {"{\"RouteTables\": [{\"RouteTableId\": \"rtb-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Routes\": [{\"DestinationCidrBlock\": \"10.0.0.0/16\","
     " \"GatewayId\": \"local\", \"State\": \"sleepy\"}]}]}",
     "RouteTables[0].Routes[0].State", "not a route state"},
    {"{\"RouteTables\": [{\"RouteTableId\": \"rtb-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Routes\": [{\"GatewayId\": \"local\"}]}]}",
     "RouteTables[0].Routes[0]", "route has no destination"},
    {"{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"IpPermissions\": "
     "[{\"IpProtocol\": \"tcp\", \"FromPort\": 443, \"ToPort\": 80, \"IpRanges\": []}]}]}",
     "SecurityGroups[0].IpPermissions[0].ToPort", "port range 443-80"},
    {"{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"IpPermissions\": "
     "[{\"IpProtocol\": \"tcp\", \"FromPort\": 443, \"ToPort\": 443, \"IpRanges\": "
     "[{\"CidrIp\": \"0.0.0.0/0\"}, {\"CidrIp\": \"300.0.0.0/8\"}]}]}]}",
     "SecurityGroups[0].IpPermissions[0].IpRanges[1].CidrIp", "is not an IPv4 CIDR"},
    {"{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"IpPermissionsEgress\": "
     "[{\"IpProtocol\": \"gre\"}]}]}",
     "SecurityGroups[0].IpPermissionsEgress[0].IpProtocol", "is not a protocol"},
    {"{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"IpPermissions\": "
     "[{\"IpProtocol\": \"tcp\", \"FromPort\": 70000, \"ToPort\": 70000}]}]}",
     "SecurityGroups[0].IpPermissions[0].FromPort", "out of range"},
    {"{\"SecurityGroups\": [{\"GroupId\": \"sg-0123456789abcdef0\", \"IpPermissions\": "
     "[{\"IpProtocol\": \"tcp\", \"UserIdGroupPairs\": [{\"GroupId\": \"sg-12\"}]}]}]}",
     "SecurityGroups[0].IpPermissions[0].UserIdGroupPairs[0].GroupId", "not a valid sg- ID"},
    {"{\"NetworkAcls\": [{\"NetworkAclId\": \"acl-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Entries\": [{\"RuleNumber\": 40000, \"Protocol\": \"-1\","
     " \"RuleAction\": \"allow\", \"CidrBlock\": \"0.0.0.0/0\"}]}]}",
     "NetworkAcls[0].Entries[0].RuleNumber", "out of range"},
    {"{\"NetworkAcls\": [{\"NetworkAclId\": \"acl-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Entries\": [{\"RuleNumber\": 100, \"Protocol\": \"6\","
     " \"RuleAction\": \"maybe\", \"CidrBlock\": \"0.0.0.0/0\"}]}]}",
     "NetworkAcls[0].Entries[0].RuleAction", "is not allow or deny"},
    {"{\"NetworkAcls\": [{\"NetworkAclId\": \"acl-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Entries\": [{\"RuleNumber\": 100, \"Protocol\": \"6\","
     " \"RuleAction\": \"allow\", \"CidrBlock\": \"0.0.0.0/0\", \"PortRange\": {\"From\": 22}}]}]}",
     "NetworkAcls[0].Entries[0].PortRange", "From and To go together"},
    {"{\"NetworkAcls\": [{\"NetworkAclId\": \"acl-0123456789abcdef0\", \"VpcId\": "
     "\"vpc-0123456789abcdef0\", \"Entries\": [{\"RuleNumber\": 100, \"Protocol\": \"6\","
     " \"RuleAction\": \"allow\", \"Egress\": true, \"CidrBlock\": \"0.0.0.0/0\"}, {\"RuleNumber\":"
     " 100, \"Protocol\": \"17\", \"RuleAction\": \"deny\", \"Egress\": true, \"CidrBlock\":"
     " \"10.0.0.0/8\"}]}]}",
     "NetworkAcls[0].Entries[1].RuleNumber", "duplicate outbound rule number 100"},
    {"{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\", \"SubnetId\":"
     " \"subnet-0123456789abcdef0\", \"PrivateIpAddresses\": [{\"Primary\": true, "
     "\"PrivateIpAddress\": \"10.0.1.300\"}]}]}",
     "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress", "is not an IPv4 address"},
    {"{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\", \"SubnetId\":"
     " \"subnet-0123456789abcdef0\"}]}",
     "NetworkInterfaces[0].PrivateIpAddress", "needs a private IPv4 address"},
    {"{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": \"eni-0123456789abcdef0\", \"SubnetId\":"
     " \"subnet-0123456789abcdef0\", \"PrivateIpAddress\": \"10.0.1.5\", \"SourceDestCheck\": "
     "\"maybe\"}]}",
     "NetworkInterfaces[0].SourceDestCheck", "is not true or false"},
    {"{\"Reservations\": [{\"Instances\": [{\"InstanceId\": \"i-0123456789abcdef0\", \"State\":"
     " {\"Name\": \"flying\"}}]}]}",
     "Reservations[0].Instances[0].State.Name", "not an instance state"},
    {"{\"NatGateways\": [{\"NatGatewayId\": \"nat-0123456789abcdef0\", \"SubnetId\": "
     "\"subnet-0123456789abcdef0\", \"VpcId\": \"vpc-0123456789abcdef0\", "
     "\"NatGatewayAddresses\": [{\"PrivateIp\": \"10.0.0.1.2\"}]}]}",
     "NatGateways[0].NatGatewayAddresses[0].PrivateIp", "is not an IPv4 address"},
    {"{\"InternetGateways\": [{\"InternetGatewayId\": \"igw-0123456789abcdef0\", "
     "\"Attachments\": [{\"State\": \"available\"}]}]}",
     "InternetGateways[0].Attachments[0].VpcId", "missing"},
    {"{\"VpnConnections\": [{\"VpnConnectionId\": \"vpn-0123456789abcdef0\", \"Routes\": "
     "[{\"DestinationCidrBlock\": \"192.168.0.0\"}]}]}",
     "VpnConnections[0].Routes[0].DestinationCidrBlock", "is not an IPv4 CIDR"},
    {"{\"Addresses\": [{\"AllocationId\": \"eipalloc-0123456789abcdef0\"}]}",
     "Addresses[0].PublicIp", "missing"},
    {"{\"PrefixLists\": [{\"PrefixListId\": \"pl-63a5400a\", \"Cidrs\": [\"1.2.3.0/24\", 7]}]}",
     "PrefixLists[0].Cidrs[1]", "expected a string, found a number"},
    {"{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/16\","
     " \"Tags\": [{\"Value\": \"x\"}]}]}",
     "Vpcs[0].Tags[0].Key", "missing"},
};

/*
 * Criterion runs parameterized tests in fresh processes where pointers differ,
 * so the parameter is an index into bad_cases.
 */
static size_t bad_indices[ARRAY_SIZE(bad_cases)];

ParameterizedTestParameters(awsjson_errors, names_file_and_field)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_indices); i++)
		bad_indices[i] = i;
	return cr_make_param_array(size_t, bad_indices, ARRAY_SIZE(bad_indices));
}

ParameterizedTest(size_t *idx, awsjson_errors, names_file_and_field)
{
	const struct bad_case *bc = &bad_cases[*idx];
	struct awsjson_error err;
	int r = load(bc->json, &err);

	cr_assert_eq(r, -EINVAL, "case %zu: expected -EINVAL, got %d", *idx, r);
	cr_expect_str_eq(err.file, "subnets.json");
	cr_expect_str_eq(err.field, bc->field, "case %zu: field \"%s\" (message \"%s\")", *idx,
			 err.field, err.message);
	cr_expect(strstr(err.message, bc->message_part) != NULL,
		  "case %zu: message \"%s\" lacks \"%s\"", *idx, err.message, bc->message_part);
}

Test(awsjson_errors, full_message_format)
{
	struct awsjson_error err;
	char buf[800];

	cr_assert_eq(load(bad_cases[0].json, &err), -EINVAL);
	awsjson_error_format(&err, buf, sizeof(buf));
	cr_expect_str_eq(buf,
			 "subnets.json: Subnets[1].CidrBlock: \"10.0.1.0/33\" is not an IPv4 CIDR");
}

Test(awsjson_errors, bad_json_every_truncation)
{
	/* Every prefix of a valid document is rejected or accepted, never a crash. */
	const char *root = getenv("OPENVPC_SOURCE_ROOT");
	char path[4096];
	char *data;
	long size;
	FILE *f;
	int rejected = 0;

	cr_assert(root);
	snprintf(path, sizeof(path), "%s/examples/two-tier/network-acls.json", root);
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size);
	cr_assert_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	for (long n = 0; n < size - 1; n++) {
		struct awsjson_error err;
		struct model *m = model_new("", "");
		int r = awsjson_load_buffer("network-acls.json", data, (size_t)n, m, &err);

		if (r == -EINVAL) {
			rejected++;
			cr_assert(strstr(err.message, "invalid JSON") != NULL, "%s", err.message);
			cr_assert_str_eq(err.file, "network-acls.json");
		}
		model_free(m);
	}
	cr_expect_eq(rejected, size - 1, "every strict prefix is invalid JSON");
	free(data);
}

Test(awsjson_errors, top_level_not_object_and_empty)
{
	struct awsjson_error err;

	cr_expect_eq(load("[1, 2]", &err), -EINVAL);
	cr_expect(strstr(err.message, "expected a JSON object") != NULL, "%s", err.message);
	cr_expect_eq(load("", &err), -EINVAL);
	cr_expect(strstr(err.message, "invalid JSON") != NULL);
	cr_expect_eq(load("{\"Vpcs\": [], \"Vpcs\": []}", &err), -EINVAL, "duplicate keys");
	cr_expect_eq(load("{}", &err), 0, "an empty document is fine");
	cr_expect_eq(load("{\"SecurityGroupRules\": [1, 2], \"NextToken\": null}", &err), 0,
		     "unknown keys are ignored");
}

Test(awsjson_errors, size_limits)
{
	struct awsjson_error err;
	struct model *m = model_new("", "");
	char *big;
	size_t n = 4096;
	size_t used;

	cr_expect_eq(awsjson_load_buffer("big.json", "{}", (size_t)AWSJSON_FILE_MAX + 1, m, &err),
		     -EFBIG);
	cr_expect(strstr(err.message, "larger than the limit") != NULL);
	/* An ENI with more addresses than the limit. */
	big = malloc(n * 40);
	used = (size_t)sprintf(big, "{\"NetworkInterfaces\": [{\"NetworkInterfaceId\": "
				    "\"eni-0123456789abcdef0\", \"SubnetId\": "
				    "\"subnet-0123456789abcdef0\", \"PrivateIpAddresses\": [");
	for (size_t i = 0; i < 300; i++)
		used += (size_t)sprintf(big + used, "%s{\"PrivateIpAddress\": \"10.0.%zu.%zu\"}",
					i ? "," : "", i / 200, i % 200 + 1);
	sprintf(big + used, "]}]}");
	cr_expect_eq(awsjson_load_buffer("big.json", big, strlen(big), m, &err), -E2BIG);
	cr_expect_str_eq(err.field, "NetworkInterfaces[0].PrivateIpAddresses");
	free(big);
	model_free(m);
}

Test(awsjson_errors, path_errors)
{
	struct awsjson_error err;
	struct model *m = (struct model *)0x1;
	char dir[] = "/tmp/awsjson-test-XXXXXX";
	char file[4200];
	FILE *f;

	cr_expect_eq(awsjson_load_path("/nonexistent/openvpc", &m, &err), -ENOENT);
	cr_expect_eq(m, (struct model *)0x1, "ret_model untouched on failure");
	cr_assert_not_null(mkdtemp(dir));
	cr_expect_eq(awsjson_load_path(dir, &m, &err), -ENOENT, "no *.json files");
	snprintf(file, sizeof(file), "%s/b.json", dir);
	f = fopen(file, "w");
	fputs(
	    "{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.0.0.0/16\"}]}",
	    f);
	fclose(f);
	snprintf(file, sizeof(file), "%s/a.json", dir);
	f = fopen(file, "w");
	fputs(
	    "{\"Vpcs\": [{\"VpcId\": \"vpc-0123456789abcdef0\", \"CidrBlock\": \"10.1.0.0/16\"}]}",
	    f);
	fclose(f);
	/* Files are read in name order: the duplicate is reported in b.json. */
	cr_expect_eq(awsjson_load_path(dir, &m, &err), -EINVAL);
	cr_expect_str_eq(err.file, "b.json");
	cr_expect_str_eq(err.field, "Vpcs[0].VpcId");
	unlink(file);
	cr_assert_eq(awsjson_load_path(dir, &m, &err), 0, "%s", err.message);
	cr_expect_eq(m->n_vpcs, 1);
	model_free(m);
	snprintf(file, sizeof(file), "%s/b.json", dir);
	unlink(file);
	rmdir(dir);
}
