"""Integration tests of the DHCP options family: CreateDhcpOptions, DeleteDhcpOptions,
AssociateDhcpOptions, DescribeDhcpOptions (filters, tags, DryRun, errors), the Region's
default set that every new VPC gets, and persistence across a restart.  The
resolv.conf an instance makes of its VPC's set is checked live in test_fabric_dns.py."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, run_aws_cli


@pytest.fixture
def c(start_vpcd):
    return make_client(start_vpcd().url)


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def configs(d):
    return {x["Key"]: [v["Value"] for v in x["Values"]] for x in d["DhcpConfigurations"]}


def test_new_vpcs_get_the_region_default_set(c):
    vpcs = [c.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"] for i in (1, 2)]
    dopt = vpcs[0]["DhcpOptionsId"]
    assert dopt.startswith("dopt-") and vpcs[1]["DhcpOptionsId"] == dopt
    [d] = c.describe_dhcp_options(DhcpOptionsIds=[dopt])["DhcpOptions"]
    assert configs(d) == {"domain-name": ["ec2.internal"],
                          "domain-name-servers": ["AmazonProvidedDNS"]}
    assert d["OwnerId"] == "123456789012" and d["Tags"] == []
    # The default VPC has it too.
    default = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    assert default["DhcpOptionsId"] == dopt


def test_create_describe_filter_associate_delete(c):
    vpc = c.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    d = c.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["10.3.0.53", "AmazonProvidedDNS"]},
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "ntp-servers", "Values": ["169.254.169.123"]}],
        TagSpecifications=[{"ResourceType": "dhcp-options",
                            "Tags": [{"Key": "Name", "Value": "corp"}]}])["DhcpOptions"]
    did = d["DhcpOptionsId"]
    assert configs(d) == {"domain-name-servers": ["10.3.0.53", "AmazonProvidedDNS"],
                          "domain-name": ["corp.example"], "ntp-servers": ["169.254.169.123"]}
    assert d["Tags"] == [{"Key": "Name", "Value": "corp"}]

    def ids(*filters):
        r = c.describe_dhcp_options(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return [x["DhcpOptionsId"] for x in r["DhcpOptions"]]
    assert ids(("tag:Name", ["corp"])) == [did]
    assert ids(("key", ["ntp-servers"])) == [did]
    assert ids(("value", ["corp.*"])) == [did]
    assert did in ids(("owner-id", ["123456789012"]))
    assert ids(("dhcp-options-id", [did]), ("key", ["netbios-node-type"])) == []
    assert c.describe_tags(Filters=[{"Name": "resource-id", "Values": [did]}])["Tags"] == [
        {"Key": "Name", "Value": "corp", "ResourceId": did, "ResourceType": "dhcp-options"}]

    with pytest.raises(ClientError) as e:
        c.associate_dhcp_options(DhcpOptionsId=did, VpcId=vpc, DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    c.associate_dhcp_options(DhcpOptionsId=did, VpcId=vpc)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == did
    assert c.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [did]}])["Vpcs"][0][
        "VpcId"] == vpc
    with pytest.raises(ClientError) as e:
        c.delete_dhcp_options(DhcpOptionsId=did)
    assert error_of(e) == ("DependencyViolation", 400)
    c.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == "default"
    c.delete_dhcp_options(DhcpOptionsId=did)
    with pytest.raises(ClientError) as e:
        c.describe_dhcp_options(DhcpOptionsIds=[did])
    assert error_of(e) == ("InvalidDhcpOptionID.NotFound", 400)


@pytest.mark.parametrize("conf", [
    [{"Key": "domain-name-servers", "Values": ["10.0.0.300"]}],
    [{"Key": "domain-name-servers", "Values": ["10.0.0.1"] * 5}],
    [{"Key": "netbios-node-type", "Values": ["3"]}],
    [{"Key": "ipv6-address-preferred-lease-time", "Values": ["100"]}],
    [{"Key": "no-such-option", "Values": ["x"]}],
    [{"Key": "domain-name", "Values": ["a.example"]}, {"Key": "domain-name", "Values": ["b"]}],
])
def test_create_rejects_what_aws_rejects(c, conf):
    before = len(c.describe_dhcp_options()["DhcpOptions"])
    with pytest.raises(ClientError) as e:
        c.create_dhcp_options(DhcpConfigurations=conf)
    assert error_of(e) == ("InvalidParameterValue", 400)
    assert len(c.describe_dhcp_options()["DhcpOptions"]) == before


def test_unknown_ids(c):
    vpc = c.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    for call in (lambda: c.delete_dhcp_options(DhcpOptionsId="dopt-0123456789abcdef0"),
                 lambda: c.associate_dhcp_options(DhcpOptionsId="dopt-0123456789abcdef0",
                                                  VpcId=vpc)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("InvalidDhcpOptionID.NotFound", 400)
    dopt = c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"]
    with pytest.raises(ClientError) as e:
        c.associate_dhcp_options(DhcpOptionsId=dopt, VpcId="vpc-0123456789abcdef0")
    assert error_of(e) == ("InvalidVpcID.NotFound", 400)


def test_sets_survive_a_restart_and_the_cli_reads_them(start_vpcd, tmp_path):
    state = tmp_path / "durable"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    did = c.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]}])["DhcpOptions"]["DhcpOptionsId"]
    c.associate_dhcp_options(DhcpOptionsId=did, VpcId=vpc)
    # The writes name what they change (save hints, checked: vpcd runs with
    # OPENVPC_VERIFY_SAVE_HINTS and aborts on a miss, so stop() would not be 0).
    spare = c.create_dhcp_options(DhcpConfigurations=[
        {"Key": "ntp-servers", "Values": ["10.5.0.9"]}])["DhcpOptions"]["DhcpOptionsId"]
    c.delete_dhcp_options(DhcpOptionsId=spare)
    bare = c.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    c.associate_dhcp_options(DhcpOptionsId="default", VpcId=bare)
    assert first.stop() == 0
    second = start_vpcd(state_dir=state)
    c = make_client(second.url)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == did
    assert c.describe_vpcs(VpcIds=[bare])["Vpcs"][0]["DhcpOptionsId"] == "default"
    assert spare not in {d["DhcpOptionsId"] for d in c.describe_dhcp_options()["DhcpOptions"]}
    out = json.loads(run_aws_cli(second.url, "ec2", "describe-dhcp-options",
                                 "--dhcp-options-ids", did).stdout)
    assert configs(out["DhcpOptions"][0]) == {"domain-name": ["corp.example"]}
