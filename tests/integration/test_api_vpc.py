"""Integration tests of the vpc family: VPCs, their CIDR blocks and attributes, subnets.

Every test starts its own vpcd (fixtures in conftest.py).  The Region's first
request creates the default VPC (172.31.0.0/16, a /20 per AZ), which counts
against the quota of 5 VPCs per Region.
"""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_client, restart_reads_back


def _code(exc):
    return exc.value.response["Error"]["Code"]


def _err(fn, **kw):
    with pytest.raises(ClientError) as e:
        fn(**kw)
    return _code(e)


def _vpc(c, cidr="10.0.0.0/16", **kw):
    return c.create_vpc(CidrBlock=cidr, **kw)["Vpc"]


def _default_vpc(c):
    vpcs = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    return vpcs[0]


# ---- VPCs ------------------------------------------------------------------------


def test_create_vpc_shape_and_what_comes_with_it(ec2):
    v = _vpc(ec2, "10.0.0.0/16", InstanceTenancy="default",
             TagSpecifications=[{"ResourceType": "vpc",
                                 "Tags": [{"Key": "Name", "Value": "demo"}]}])
    vid = v["VpcId"]
    assert vid.startswith("vpc-") and len(vid) == 21
    assert v["CidrBlock"] == "10.0.0.0/16"
    assert v["State"] in ("pending", "available")
    assert v["OwnerId"] == "123456789012"
    assert v["InstanceTenancy"] == "default"
    assert v["IsDefault"] is False
    assert v["DhcpOptionsId"].startswith("dopt-")
    assert v["Tags"] == [{"Key": "Name", "Value": "demo"}]
    [a] = v["CidrBlockAssociationSet"]
    assert a["AssociationId"].startswith("vpc-cidr-assoc-")
    assert a["CidrBlock"] == "10.0.0.0/16"
    assert a["CidrBlockState"]["State"] == "associated"
    # The Region's DHCP options set is shared with the default VPC.
    assert v["DhcpOptionsId"] == _default_vpc(ec2)["DhcpOptionsId"]

    # CreateVpc writes an empty IPv6 set, DescribeVpcs leaves it out (as AWS does).
    assert v.pop("Ipv6CidrBlockAssociationSet") == []
    got = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"]
    assert len(got) == 1
    assert "Ipv6CidrBlockAssociationSet" not in got[0]
    assert {k: got[0][k] for k in v} == v
    assert got[0]["State"] == "available"

    # The main route table with the local route, a default security group and a
    # default network ACL come with it.
    [main] = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vid]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in main["Routes"]] \
        == [("10.0.0.0/16", "local", "active")]
    assert len(ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vid]}])["RouteTables"]) == 1
    sgs = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vid]}])["SecurityGroups"]
    assert [g["GroupName"] for g in sgs] == ["default"]
    acls = ec2.describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vid]}, {"Name": "default", "Values": ["true"]}])
    assert len(acls["NetworkAcls"]) == 1
    # Host bits are cleared, as AWS canonicalises the block.
    v2 = _vpc(ec2, "10.9.1.7/16")
    assert v2["CidrBlock"] == "10.9.0.0/16"


def test_create_vpc_errors(ec2):
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/29") == "InvalidVpc.Range"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/15") == "InvalidVpc.Range"
    assert _err(ec2.create_vpc, CidrBlock="169.254.0.0/16") == "InvalidVpc.Range"
    assert _err(ec2.create_vpc, CidrBlock="not-a-cidr") == "InvalidParameterValue"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0") == "InvalidParameterValue"
    assert _err(ec2.create_vpc, InstanceTenancy="default") == "MissingParameter"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/16",
                InstanceTenancy="host") == "InvalidParameterValue"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/16",
                AmazonProvidedIpv6CidrBlock=True) == "UnsupportedOperation"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/16",
                Ipv4IpamPoolId="ipam-pool-0123456789abcdef0") == "UnsupportedOperation"
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "k", "Value": "v"}]}]) == \
        "InvalidParameterValue"
    # Nothing of the above created a VPC; AmazonProvidedIpv6CidrBlock=false is accepted
    # (Terraform sends it).
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1
    v = _vpc(ec2, "10.0.0.0/16", AmazonProvidedIpv6CidrBlock=False, InstanceTenancy="dedicated")
    assert v["InstanceTenancy"] == "dedicated"


def test_vpc_quota_counts_the_default_vpc(ec2):
    assert len(ec2.describe_vpcs()["Vpcs"]) == 1
    for i in range(4):
        _vpc(ec2, f"10.{i}.0.0/16")
    assert _err(ec2.create_vpc, CidrBlock="10.9.0.0/16") == "VpcLimitExceeded"
    assert len(ec2.describe_vpcs()["Vpcs"]) == 5
    # Deleting one frees a slot.
    victim = [v for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]][0]
    ec2.delete_vpc(VpcId=victim["VpcId"])
    _vpc(ec2, "10.9.0.0/16")


def test_delete_vpc_dependencies_and_not_found(ec2):
    vid = _vpc(ec2)["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    assert _err(ec2.delete_vpc, VpcId=vid) == "DependencyViolation"
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vid)["GroupId"]
    ec2.delete_subnet(SubnetId=sid)
    assert _err(ec2.delete_vpc, VpcId=vid) == "DependencyViolation"  # the non-default SG
    ec2.delete_security_group(GroupId=sg)
    # An attached internet gateway and a non-main route table are dependencies too.
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    assert _err(ec2.delete_vpc, VpcId=vid) == "DependencyViolation"
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    rtb = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    assert _err(ec2.delete_vpc, VpcId=vid) == "DependencyViolation"
    ec2.delete_route_table(RouteTableId=rtb)
    ec2.delete_vpc(VpcId=vid)
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Vpcs"] == []
    # Its default SG and default NACL went with it.
    assert ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vid]}])["SecurityGroups"] == []
    assert ec2.describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vid]}])["NetworkAcls"] == []
    assert _err(ec2.delete_vpc, VpcId=vid) == "InvalidVpcID.NotFound"
    # The message names the missing ID only.
    dflt = _default_vpc(ec2)["VpcId"]
    with pytest.raises(ClientError) as e:
        ec2.describe_vpcs(VpcIds=[dflt, vid])
    assert _code(e) == "InvalidVpcID.NotFound"
    assert vid in e.value.response["Error"]["Message"]
    assert dflt not in e.value.response["Error"]["Message"]
    # The default VPC has an attached IGW and default subnets.
    assert _err(ec2.delete_vpc, VpcId=_default_vpc(ec2)["VpcId"]) == "DependencyViolation"


def test_dry_run(ec2):
    n = len(ec2.describe_vpcs()["Vpcs"])
    assert _err(ec2.create_vpc, CidrBlock="10.0.0.0/16", DryRun=True) == "DryRunOperation"
    assert len(ec2.describe_vpcs()["Vpcs"]) == n
    # Parameters are still validated first.
    assert _err(ec2.create_vpc, CidrBlock="junk", DryRun=True) == "InvalidParameterValue"
    vid = _vpc(ec2)["VpcId"]
    assert _err(ec2.delete_vpc, VpcId=vid, DryRun=True) == "DryRunOperation"
    assert _err(ec2.delete_vpc, VpcId="vpc-0123456789abcdef0",
                DryRun=True) == "InvalidVpcID.NotFound"
    assert _err(ec2.describe_vpcs, DryRun=True) == "DryRunOperation"
    assert _err(ec2.describe_vpc_attribute, VpcId=vid, Attribute="enableDnsSupport",
                DryRun=True) == "DryRunOperation"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.0.0/24",
                DryRun=True) == "DryRunOperation"
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"] == []
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    assert _err(ec2.delete_subnet, SubnetId=sid, DryRun=True) == "DryRunOperation"
    assert _err(ec2.describe_subnets, DryRun=True) == "DryRunOperation"
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["VpcId"] == vid
    assert len(ec2.describe_subnets(SubnetIds=[sid])["Subnets"]) == 1


def test_describe_vpcs_filters(ec2):
    a = _vpc(ec2, "10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "alpha"},
                                         {"Key": "env", "Value": "prod"}]}])
    b = _vpc(ec2, "192.168.0.0/20", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "beta"}]}])
    assoc = ec2.associate_vpc_cidr_block(VpcId=a["VpcId"], CidrBlock="10.1.0.0/16")
    aid = assoc["CidrBlockAssociation"]["AssociationId"]
    dflt = _default_vpc(ec2)

    def ids(*filters):
        return sorted(v["VpcId"] for v in ec2.describe_vpcs(
            Filters=[{"Name": n, "Values": vals} for n, vals in filters])["Vpcs"])

    every = sorted([a["VpcId"], b["VpcId"], dflt["VpcId"]])
    assert ids(("vpc-id", [a["VpcId"]])) == [a["VpcId"]]
    assert ids(("cidr", ["10.0.0.0/16"])) == [a["VpcId"]]
    assert ids(("cidr", ["10.1.0.0/16"])) == []  # cidr is the primary block only
    assert ids(("cidr-block-association.cidr-block", ["10.1.0.0/16"])) == [a["VpcId"]]
    assert ids(("cidr-block-association.association-id", [aid])) == [a["VpcId"]]
    assert ids(("cidr-block-association.state", ["associated"])) == every
    assert ids(("is-default", ["true"])) == [dflt["VpcId"]]
    assert ids(("is-default", ["false"])) == sorted([a["VpcId"], b["VpcId"]])
    assert ids(("state", ["available"])) == every
    assert ids(("state", ["pending"])) == []
    assert ids(("owner-id", ["123456789012"])) == every
    assert ids(("dhcp-options-id", [dflt["DhcpOptionsId"]])) == every
    assert ids(("tag:Name", ["alpha", "beta"])) == sorted([a["VpcId"], b["VpcId"]])
    assert ids(("tag:Name", ["al*"])) == [a["VpcId"]]
    assert ids(("tag-key", ["env"])) == [a["VpcId"]]
    assert ids(("tag-value", ["beta"])) == [b["VpcId"]]
    # AND across filters, OR across values.
    assert ids(("tag:Name", ["alpha", "beta"]), ("cidr", ["192.168.*"])) == [b["VpcId"]]
    assert _err(ec2.describe_vpcs, Filters=[{"Name": "bogus", "Values": ["x"]}]) == \
        "InvalidParameterValue"


def test_describe_vpcs_pagination(ec2):
    for i in range(4):
        _vpc(ec2, f"10.{i}.0.0/16")
    page = ec2.describe_vpcs(MaxResults=5)
    assert len(page["Vpcs"]) == 5 and not page.get("NextToken")
    ids = [v["VpcId"] for v in page["Vpcs"]]
    assert ids == sorted(ids)
    assert _err(ec2.describe_vpcs, NextToken="bogus-token") == "InvalidNextToken"
    assert _err(ec2.describe_vpcs, MaxResults=1001) == "InvalidParameterValue"
    # Below the model's minimum of 5 (botocore would refuse it before sending).
    raw = _unvalidated(ec2)
    assert _err(raw.describe_vpcs, MaxResults=2) == "InvalidParameterValue"


def _unvalidated(c):
    """A client for the same endpoint that sends what botocore would refuse."""
    return boto3.client("ec2", endpoint_url=c.meta.endpoint_url, region_name="us-east-1",
                        aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret",
                        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def test_vpc_attributes(ec2):
    vid = _vpc(ec2)["VpcId"]

    def attr(name):
        r = ec2.describe_vpc_attribute(VpcId=vid, Attribute=name)
        assert r["VpcId"] == vid
        return r[name[0].upper() + name[1:]]["Value"]

    assert attr("enableDnsSupport") is True
    assert attr("enableDnsHostnames") is False
    assert attr("enableNetworkAddressUsageMetrics") is False
    d = _default_vpc(ec2)["VpcId"]
    assert ec2.describe_vpc_attribute(VpcId=d, Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"] is True

    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    assert attr("enableDnsHostnames") is True
    ec2.modify_vpc_attribute(VpcId=vid, EnableNetworkAddressUsageMetrics={"Value": True})
    assert attr("enableNetworkAddressUsageMetrics") is True
    # DNS support cannot go while hostnames are on.
    assert _err(ec2.modify_vpc_attribute, VpcId=vid,
                EnableDnsSupport={"Value": False}) == "InvalidParameterValue"
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": False})
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": False})
    assert attr("enableDnsSupport") is False
    assert _err(ec2.modify_vpc_attribute, VpcId=vid,
                EnableDnsHostnames={"Value": True}) == "InvalidParameterValue"
    # One attribute per call, as on AWS.
    with pytest.raises(ClientError) as e:
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": True},
                                 EnableDnsHostnames={"Value": True})
    assert _code(e) == "InvalidParameterCombination"
    assert "multiple attribute" in e.value.response["Error"]["Message"]
    assert _err(ec2.modify_vpc_attribute, VpcId=vid) == "InvalidParameterCombination"
    assert attr("enableDnsSupport") is False  # the refused call changed nothing
    assert _err(ec2.modify_vpc_attribute, VpcId="vpc-0123456789abcdef0",
                EnableDnsSupport={"Value": True}) == "InvalidVpcID.NotFound"
    assert _err(ec2.describe_vpc_attribute, VpcId=vid,
                Attribute="instanceTenancy") == "InvalidParameterValue"
    assert _err(ec2.describe_vpc_attribute, VpcId="vpc-0123456789abcdef0",
                Attribute="enableDnsSupport") == "InvalidVpcID.NotFound"


def test_secondary_cidr_blocks(ec2):
    v = _vpc(ec2, "10.0.0.0/16")
    vid = v["VpcId"]
    r = ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.1.0.0/16")
    assert r["VpcId"] == vid
    ca = r["CidrBlockAssociation"]
    assert ca["CidrBlock"] == "10.1.0.0/16"
    assert ca["AssociationId"].startswith("vpc-cidr-assoc-")
    assert ca["CidrBlockState"]["State"] in ("associating", "associated")
    got = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]
    assert [a["CidrBlock"] for a in got["CidrBlockAssociationSet"]] == \
        ["10.0.0.0/16", "10.1.0.0/16"]
    assert got["CidrBlock"] == "10.0.0.0/16"

    def local_routes():
        tables = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
        return [sorted(r["DestinationCidrBlock"] for r in t["Routes"]
                       if r.get("GatewayId") == "local") for t in tables]

    # Every route table of the VPC gets a local route for the new block.
    ec2.create_route_table(VpcId=vid)
    assert local_routes() == [["10.0.0.0/16", "10.1.0.0/16"]] * 2
    # A subnet may live in the secondary block; then the block cannot go.
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.1.2.0/24")["Subnet"]["SubnetId"]
    assert _err(ec2.disassociate_vpc_cidr_block,
                AssociationId=ca["AssociationId"]) == "DependencyViolation"
    ec2.delete_subnet(SubnetId=sid)
    # Restricted and conflicting blocks (section 1.3 of the VPC rules).
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                CidrBlock="192.168.0.0/16") == "InvalidVpc.Range"
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                CidrBlock="10.0.128.0/17") == "InvalidVpc.Range"
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                CidrBlock="10.2.0.0/29") == "InvalidVpc.Range"
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                CidrBlock="x") == "InvalidParameterValue"
    assert _err(ec2.associate_vpc_cidr_block, VpcId="vpc-0123456789abcdef0",
                CidrBlock="10.2.0.0/16") == "InvalidVpcID.NotFound"
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                AmazonProvidedIpv6CidrBlock=True) == "UnsupportedOperation"
    # Public blocks and 100.64.0.0/10 are allowed; the quota is 5 blocks per VPC.
    ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="100.64.0.0/16")
    ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.2.0.0/16")
    ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.3.0.0/16")
    assert _err(ec2.associate_vpc_cidr_block, VpcId=vid,
                CidrBlock="10.4.0.0/16") == "CidrLimitExceeded"
    # The primary block cannot be removed; a secondary one can.
    primary = got["CidrBlockAssociationSet"][0]["AssociationId"]
    assert _err(ec2.disassociate_vpc_cidr_block,
                AssociationId=primary) == "OperationNotPermitted"
    d = ec2.disassociate_vpc_cidr_block(AssociationId=ca["AssociationId"])
    assert d["VpcId"] == vid
    assert d["CidrBlockAssociation"]["CidrBlock"] == "10.1.0.0/16"
    assert d["CidrBlockAssociation"]["CidrBlockState"]["State"] in ("disassociating",
                                                                    "disassociated")
    blocks = [a["CidrBlock"] for a in
              ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["CidrBlockAssociationSet"]
              if a["CidrBlockState"]["State"] == "associated"]
    assert "10.1.0.0/16" not in blocks and len(blocks) == 4
    assert all("10.1.0.0/16" not in t for t in local_routes())
    assert _err(ec2.disassociate_vpc_cidr_block, AssociationId=ca["AssociationId"]) == \
        "InvalidVpcCidrBlockAssociationID.NotFound"


def test_restart_keeps_vpcs_and_subnets(start_vpcd):
    v = start_vpcd()
    c = make_client(v.url)
    vpc = _vpc(c, "10.5.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "keep"}]}])
    vid = vpc["VpcId"]
    c.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.6.0.0/16")
    c.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    sub = c.create_subnet(VpcId=vid, CidrBlock="10.6.1.0/24", AvailabilityZone="us-east-1c",
                          TagSpecifications=[{"ResourceType": "subnet",
                                              "Tags": [{"Key": "tier", "Value": "app"}]}])
    sid = sub["Subnet"]["SubnetId"]
    c.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    before_vpcs = c.describe_vpcs()["Vpcs"]
    before_subnets = c.describe_subnets()["Subnets"]
    assert v.stop() == 0

    v2 = start_vpcd(state_dir=v.state_dir)
    c2 = make_client(v2.url)
    assert c2.describe_vpcs()["Vpcs"] == before_vpcs
    assert c2.describe_subnets()["Subnets"] == before_subnets
    got = c2.describe_subnets(SubnetIds=[sid])["Subnets"][0]
    assert got["MapPublicIpOnLaunch"] is True and got["AvailabilityZone"] == "us-east-1c"
    assert got["Tags"] == [{"Key": "tier", "Value": "app"}]
    assert c2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"] is True
    # Still one default VPC after the restart.
    assert len(c2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])[
        "Vpcs"]) == 1


def test_aws_cli_v2(aws_cli):
    p = aws_cli("ec2", "create-vpc", "--cidr-block", "10.7.0.0/16", "--tag-specifications",
                "ResourceType=vpc,Tags=[{Key=Name,Value=cli}]")
    assert p.returncode == 0, p.stderr
    vid = p.json["Vpc"]["VpcId"]
    assert p.json["Vpc"]["CidrBlock"] == "10.7.0.0/16"
    p = aws_cli("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=cli")
    assert p.returncode == 0, p.stderr
    assert [v["VpcId"] for v in p.json["Vpcs"]] == [vid]
    p = aws_cli("ec2", "create-subnet", "--vpc-id", vid, "--cidr-block", "10.7.3.0/24",
                "--availability-zone-id", "use1-az1")
    assert p.returncode == 0, p.stderr
    assert p.json["Subnet"]["AvailabilityZoneId"] == "use1-az1"
    assert p.json["Subnet"]["AvailableIpAddressCount"] == 251
    p = aws_cli("ec2", "describe-subnets", "--filters", f"Name=vpc-id,Values={vid}")
    assert p.returncode == 0, p.stderr
    assert [s["CidrBlock"] for s in p.json["Subnets"]] == ["10.7.3.0/24"]
    # The CLI follows nextToken: 5 per page, 7 subnets in all.
    p = aws_cli("ec2", "describe-subnets", "--page-size", "5")
    assert p.returncode == 0, p.stderr
    assert len(p.json["Subnets"]) == 7 and len({s["SubnetId"] for s in p.json["Subnets"]}) == 7
    p = aws_cli("ec2", "modify-vpc-attribute", "--vpc-id", vid, "--enable-dns-hostnames")
    assert p.returncode == 0, p.stderr
    p = aws_cli("ec2", "describe-vpc-attribute", "--vpc-id", vid, "--attribute",
                "enableDnsHostnames")
    assert p.returncode == 0, p.stderr
    assert p.json["EnableDnsHostnames"]["Value"] is True
    p = aws_cli("ec2", "delete-vpc", "--vpc-id", vid)
    assert p.returncode != 0 and "DependencyViolation" in p.stderr


# ---- subnets -----------------------------------------------------------------------


def test_default_vpc_subnets(ec2):
    d = _default_vpc(ec2)
    assert d["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2.describe_subnets(Filters=[
        {"Name": "vpc-id", "Values": [d["VpcId"]]}])["Subnets"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert len(subnets) == len(azs) == 6
    by_az = {s["AvailabilityZone"]: s for s in subnets}
    assert sorted(by_az) == sorted(azs)
    for i, az in enumerate(azs):
        s = by_az[az]
        assert s["CidrBlock"] == f"172.31.{16 * i}.0/20"
        assert s["DefaultForAz"] is True
        assert s["MapPublicIpOnLaunch"] is True
        assert s["AvailableIpAddressCount"] == 4091
        assert s["State"] == "available"
    default_for_az = ec2.describe_subnets(Filters=[
        {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert len(default_for_az) == 6
    a = ec2.describe_subnets(Filters=[{"Name": "availability-zone", "Values": [azs[0]]},
                                      {"Name": "default-for-az", "Values": ["true"]}])
    assert [s["CidrBlock"] for s in a["Subnets"]] == ["172.31.0.0/20"]


def test_create_subnet_shape(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    s = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b",
                          TagSpecifications=[{"ResourceType": "subnet",
                                              "Tags": [{"Key": "Name", "Value": "s1"}]}]
                          )["Subnet"]
    sid = s["SubnetId"]
    assert sid.startswith("subnet-") and len(sid) == 24
    assert s["VpcId"] == vid
    assert s["CidrBlock"] == "10.0.1.0/24"
    assert s["AvailabilityZone"] == "us-east-1b"
    assert s["AvailabilityZoneId"] == [
        z["ZoneId"] for z in ec2.describe_availability_zones()["AvailabilityZones"]
        if z["ZoneName"] == "us-east-1b"][0]
    assert s["AvailableIpAddressCount"] == 251
    assert s["DefaultForAz"] is False
    assert s["MapPublicIpOnLaunch"] is False
    assert s["AssignIpv6AddressOnCreation"] is False
    assert s["Ipv6Native"] is False
    assert s["EnableDns64"] is False
    assert s["State"] == "available"
    assert s["OwnerId"] == "123456789012"
    assert s["SubnetArn"] == f"arn:aws:ec2:us-east-1:123456789012:subnet/{sid}"
    assert s["PrivateDnsNameOptionsOnLaunch"] == {
        "HostnameType": "ip-name", "EnableResourceNameDnsARecord": False,
        "EnableResourceNameDnsAAAARecord": False}
    assert s["Tags"] == [{"Key": "Name", "Value": "s1"}]
    got = ec2.describe_subnets(SubnetIds=[sid])["Subnets"]
    assert got == [s]
    # Without a zone: the first one.  /28 is the smallest subnet (16 - 5 = 11 addresses).
    t = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/28")["Subnet"]
    assert t["AvailabilityZone"] == "us-east-1a"
    assert t["AvailableIpAddressCount"] == 11
    # The subnet joins the VPC's default network ACL.
    acl = ec2.describe_network_acls(Filters=[
        {"Name": "association.subnet-id", "Values": [sid]}])["NetworkAcls"]
    assert len(acl) == 1 and acl[0]["IsDefault"] is True and acl[0]["VpcId"] == vid


def test_create_subnet_errors(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.1.0/25") == \
        "InvalidSubnet.Conflict"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.0.0/16") == \
        "InvalidSubnet.Conflict"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.1.0.0/24") == \
        "InvalidSubnet.Range"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.9.0/29") == \
        "InvalidSubnet.Range"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.9.0") == "InvalidParameterValue"
    assert _err(ec2.create_subnet, VpcId=vid) == "MissingParameter"
    assert _err(ec2.create_subnet, VpcId="vpc-0123456789abcdef0",
                CidrBlock="10.0.2.0/24") == "InvalidVpcID.NotFound"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.2.0/24",
                AvailabilityZone="us-east-1z") == "InvalidParameterValue"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.2.0/24",
                AvailabilityZoneId="use1-az99") == "InvalidParameterValue"
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.2.0/24",
                AvailabilityZone=zones[0]["ZoneName"],
                AvailabilityZoneId=zones[1]["ZoneId"]) == "InvalidParameterCombination"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.2.0/24",
                Ipv6CidrBlock="2600:1f18::/64") == "UnsupportedOperation"
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.2.0/24", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}]) == \
        "InvalidParameterValue"
    # None of them created anything.
    assert len(ec2.describe_subnets(Filters=[
        {"Name": "vpc-id", "Values": [vid]}])["Subnets"]) == 1
    assert _err(ec2.describe_subnets, SubnetIds=["subnet-0123456789abcdef0"]) == \
        "InvalidSubnetID.NotFound"
    assert _err(ec2.describe_subnets, Filters=[{"Name": "nope", "Values": ["x"]}]) == \
        "InvalidParameterValue"


def test_available_ip_address_count_follows_enis(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    def avail():
        return ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["AvailableIpAddressCount"]

    assert avail() == 251
    e1 = ec2.create_network_interface(SubnetId=sid, SecondaryPrivateIpAddressCount=2)[
        "NetworkInterface"]["NetworkInterfaceId"]
    assert avail() == 248
    e2 = ec2.create_network_interface(SubnetId=sid, Ipv4PrefixCount=1)[
        "NetworkInterface"]["NetworkInterfaceId"]
    assert avail() == 248 - 1 - 16
    hit = ec2.describe_subnets(Filters=[
        {"Name": "available-ip-address-count", "Values": [str(248 - 17)]}])["Subnets"]
    assert [s["SubnetId"] for s in hit] == [sid]
    # A subnet with ENIs cannot be deleted.
    assert _err(ec2.delete_subnet, SubnetId=sid) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=e1)
    ec2.delete_network_interface(NetworkInterfaceId=e2)
    assert avail() == 251
    ec2.delete_subnet(SubnetId=sid)
    assert _err(ec2.delete_subnet, SubnetId=sid) == "InvalidSubnetID.NotFound"
    assert _err(ec2.describe_subnets, SubnetIds=[sid]) == "InvalidSubnetID.NotFound"


def test_describe_subnets_filters(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    a = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a",
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                              {"Key": "Name", "Value": "web-a"}, {"Key": "tier", "Value": "web"}
                          ]}])["Subnet"]
    b = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b",
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [
                              {"Key": "Name", "Value": "db-b"}]}])["Subnet"]
    ec2.modify_subnet_attribute(SubnetId=b["SubnetId"], MapPublicIpOnLaunch={"Value": True})

    def ids(*filters):
        return sorted(s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vid]}] +
            [{"Name": n, "Values": vals} for n, vals in filters])["Subnets"])

    both = sorted([a["SubnetId"], b["SubnetId"]])
    assert ids() == both
    assert ids(("subnet-id", [a["SubnetId"]])) == [a["SubnetId"]]
    assert ids(("cidr-block", ["10.0.2.0/24"])) == [b["SubnetId"]]
    assert ids(("cidr", ["10.0.1.0/24"])) == [a["SubnetId"]]
    assert ids(("cidr-block", ["10.0.*"])) == both
    assert ids(("availability-zone", ["us-east-1b"])) == [b["SubnetId"]]
    assert ids(("availability-zone-id", [b["AvailabilityZoneId"]])) == [b["SubnetId"]]
    assert ids(("available-ip-address-count", ["251"])) == both
    assert ids(("default-for-az", ["false"])) == both
    assert ids(("default-for-az", ["true"])) == []
    assert ids(("map-public-ip-on-launch", ["true"])) == [b["SubnetId"]]
    assert ids(("map-public-ip-on-launch", ["false"])) == [a["SubnetId"]]
    assert ids(("state", ["available"])) == both
    assert ids(("owner-id", ["123456789012"])) == both
    assert ids(("owner-id", ["999999999999"])) == []
    assert ids(("tag:Name", ["web-*"])) == [a["SubnetId"]]
    assert ids(("tag-key", ["tier"])) == [a["SubnetId"]]
    assert ids(("tag-value", ["db-b", "web"])) == both
    assert ids(("subnet-arn", [b["SubnetArn"]])) == [b["SubnetId"]]
    # SubnetId.N and filters together.
    got = ec2.describe_subnets(SubnetIds=[a["SubnetId"], b["SubnetId"]],
                               Filters=[{"Name": "availability-zone", "Values": ["us-east-1a"]}])
    assert [s["SubnetId"] for s in got["Subnets"]] == [a["SubnetId"]]


def test_describe_subnets_pagination(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    for i in range(6):
        ec2.create_subnet(VpcId=vid, CidrBlock=f"10.0.{i}.0/24")
    every = sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"])
    assert len(every) == 12  # six default subnets and six new ones
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 5}
        if token:
            kw["NextToken"] = token
        page = ec2.describe_subnets(**kw)
        pages += 1
        assert len(page["Subnets"]) <= 5
        seen += [s["SubnetId"] for s in page["Subnets"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert seen == every
    # The boto3 paginator walks the same pages, with a filter.
    pg = ec2.get_paginator("describe_subnets")
    got = [s["SubnetId"] for p in pg.paginate(
        Filters=[{"Name": "vpc-id", "Values": [vid]}], PaginationConfig={"PageSize": 5})
        for s in p["Subnets"]]
    assert len(got) == 6 and len(set(got)) == 6
    assert _err(ec2.describe_subnets, NextToken="garbage") == "InvalidNextToken"
    # A token of DescribeSubnets is not one of DescribeVpcs.
    tok = ec2.describe_subnets(MaxResults=5)["NextToken"]
    assert _err(ec2.describe_vpcs, NextToken=tok) == "InvalidNextToken"


def test_modify_subnet_attribute(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    def get():
        return ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]

    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    assert get()["MapPublicIpOnLaunch"] is True
    ec2.modify_subnet_attribute(SubnetId=sid, EnableDns64={"Value": True})
    assert get()["EnableDns64"] is True
    ec2.modify_subnet_attribute(SubnetId=sid, PrivateDnsHostnameTypeOnLaunch="resource-name")
    ec2.modify_subnet_attribute(SubnetId=sid,
                                EnableResourceNameDnsARecordOnLaunch={"Value": True})
    opts = get()["PrivateDnsNameOptionsOnLaunch"]
    assert opts["HostnameType"] == "resource-name"
    assert opts["EnableResourceNameDnsARecord"] is True
    assert opts["EnableResourceNameDnsAAAARecord"] is False
    pfx = "private-dns-name-options-on-launch."
    assert [x["SubnetId"] for x in ec2.describe_subnets(Filters=[
        {"Name": pfx + "hostname-type", "Values": ["resource-name"]},
        {"Name": pfx + "enable-resource-name-dns-a-record", "Values": ["true"]},
        {"Name": pfx + "enable-resource-name-dns-aaaa-record", "Values": ["false"]}])[
            "Subnets"]] == [sid]
    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": False})
    assert get()["MapPublicIpOnLaunch"] is False
    # One attribute per call.
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid, MapPublicIpOnLaunch={"Value": True},
                EnableDns64={"Value": False}) == "InvalidParameterCombination"
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid, MapPublicIpOnLaunch={"Value": True},
                PrivateDnsHostnameTypeOnLaunch="ip-name") == "InvalidParameterCombination"
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid) == "InvalidParameterCombination"
    assert get()["MapPublicIpOnLaunch"] is False
    # The model's rules: no IPv6 block, so no IPv6 on creation; hostname type values.
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid,
                AssignIpv6AddressOnCreation={"Value": True}) == "InvalidParameterValue"
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid,
                PrivateDnsHostnameTypeOnLaunch="fqdn") == "InvalidParameterValue"
    assert _err(ec2.modify_subnet_attribute, SubnetId=sid,
                MapCustomerOwnedIpOnLaunch={"Value": True}) == "UnsupportedOperation"
    assert _err(ec2.modify_subnet_attribute, SubnetId="subnet-0123456789abcdef0",
                MapPublicIpOnLaunch={"Value": True}) == "InvalidSubnetID.NotFound"
    # An ENI created after the change would inherit it; Describe shows the new value.
    ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
    assert [s["SubnetId"] for s in ec2.describe_subnets(Filters=[
        {"Name": "map-public-ip-on-launch", "Values": ["true"]},
        {"Name": "vpc-id", "Values": [vid]}])["Subnets"]] == [sid]


def test_subnet_quota_per_vpc(ec2):
    vid = _vpc(ec2, "10.0.0.0/16")["VpcId"]
    for i in range(200):
        ec2.create_subnet(VpcId=vid, CidrBlock=f"10.0.{i}.0/24")
    assert _err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.250.0/24") == \
        "SubnetLimitExceeded"
    got = [s for p in ec2.get_paginator("describe_subnets").paginate(
        Filters=[{"Name": "vpc-id", "Values": [vid]}]) for s in p["Subnets"]]
    assert len(got) == 200


def test_create_default_vpc(ec2):
    d = _default_vpc(ec2)
    assert _err(ec2.create_default_vpc) == "DefaultVpcAlreadyExists"
    # Take the default VPC apart: subnets, the internet gateway, the VPC.
    for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [d["VpcId"]]}])[
            "Subnets"]:
        ec2.delete_subnet(SubnetId=s["SubnetId"])
    [igw] = ec2.describe_internet_gateways(Filters=[
        {"Name": "attachment.vpc-id", "Values": [d["VpcId"]]}])["InternetGateways"]
    ec2.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=d["VpcId"])
    ec2.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    ec2.delete_vpc(VpcId=d["VpcId"])
    assert ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"] == []
    assert _err(ec2.create_default_vpc, DryRun=True) == "DryRunOperation"
    assert ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"] == []

    v = ec2.create_default_vpc()["Vpc"]
    assert v["IsDefault"] is True and v["CidrBlock"] == "172.31.0.0/16"
    assert v["VpcId"] != d["VpcId"]
    assert _default_vpc(ec2)["VpcId"] == v["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [v["VpcId"]]}])[
        "Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == sorted(
        f"172.31.{16 * i}.0/20" for i in range(6))
    assert all(s["DefaultForAz"] and s["MapPublicIpOnLaunch"] for s in subnets)
    [igw2] = ec2.describe_internet_gateways(Filters=[
        {"Name": "attachment.vpc-id", "Values": [v["VpcId"]]}])["InternetGateways"]
    [main] = ec2.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [v["VpcId"]]},
        {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert {(r["DestinationCidrBlock"], r["GatewayId"]) for r in main["Routes"]} == {
        ("172.31.0.0/16", "local"), ("0.0.0.0/0", igw2["InternetGatewayId"])}
    assert ec2.describe_vpc_attribute(VpcId=v["VpcId"], Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"]["Value"] is True
    assert _err(ec2.create_default_vpc) == "DefaultVpcAlreadyExists"


def test_subnet_writes_save_only_their_objects(start_vpcd, tmp_path):
    """Create / Modify / DeleteSubnet save only what they change (a save hint): a new
    subnet and the default ACL that lists it; a deleted one, the ACL and route table that
    held its associations and its flow logs. vpcd runs with OPENVPC_VERIFY_SAVE_HINTS
    here, so a hint that misses a row aborts it. After a restart everything reads back."""
    state = tmp_path / "subnet-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    keep = c.create_subnet(VpcId=vpc, CidrBlock="10.6.1.0/24", TagSpecifications=[
        {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "keep"}]}])[
        "Subnet"]["SubnetId"]
    c.modify_subnet_attribute(SubnetId=keep, MapPublicIpOnLaunch={"Value": True})
    gone = c.create_subnet(VpcId=vpc, CidrBlock="10.6.2.0/24")["Subnet"]["SubnetId"]
    rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    c.associate_route_table(RouteTableId=rtb, SubnetId=gone)
    c.associate_route_table(RouteTableId=rtb, SubnetId=keep)
    acl = c.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    [assoc] = [a["NetworkAclAssociationId"] for a in c.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [gone]}])["NetworkAcls"][0][
        "Associations"] if a["SubnetId"] == gone]
    c.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
    c.create_flow_logs(ResourceIds=[gone, keep], ResourceType="Subnet", TrafficType="ALL",
                       LogDestinationType="s3", LogDestination="arn:aws:s3:::bucket-x")
    c.delete_subnet(SubnetId=gone)
    fetch = (lambda c: (c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"],
                        c.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
                            "NetworkAcls"],
                        c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
                            "RouteTables"],
                        c.describe_flow_logs()["FlowLogs"]))
    before, _ = restart_reads_back(first, start_vpcd, fetch)
    subnets, acls, tables, logs = before
    assert [s["SubnetId"] for s in subnets] == [keep] and subnets[0]["MapPublicIpOnLaunch"]
    assert [log["ResourceId"] for log in logs] == [keep]
    assert [a["SubnetId"] for t in tables for a in t["Associations"] if "SubnetId" in a] == [keep]
    assert [a["SubnetId"] for x in acls for a in x["Associations"]] == [keep]


def test_vpc_writes_save_only_their_objects(start_vpcd, tmp_path):
    """ModifyVpcAttribute saves the VPC alone; Associate / DisassociateVpcCidrBlock the VPC
    and each of its route tables (each gains or loses the block's local route). vpcd runs
    with OPENVPC_VERIFY_SAVE_HINTS, so a hint that misses a row aborts it. After a restart
    everything reads back."""
    state = tmp_path / "vpc-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    other = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    kept = c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.8.0.0/16")[
        "CidrBlockAssociation"]["AssociationId"]
    gone = c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.9.0.0/16")[
        "CidrBlockAssociation"]["AssociationId"]
    c.disassociate_vpc_cidr_block(AssociationId=gone)
    fetch = (lambda c: (c.describe_vpcs(VpcIds=[vpc])["Vpcs"],
                        c.describe_vpc_attribute(VpcId=vpc, Attribute="enableDnsHostnames")[
                            "EnableDnsHostnames"],
                        c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
                            "RouteTables"]))
    before, _ = restart_reads_back(first, start_vpcd, fetch)
    vpcs, hostnames, tables = before
    assert hostnames == {"Value": True}
    assert [(a["AssociationId"], a["CidrBlock"]) for a in vpcs[0]["CidrBlockAssociationSet"]
            if a["CidrBlockState"]["State"] == "associated"][1:] == [(kept, "10.8.0.0/16")]
    assert sorted(t["RouteTableId"] for t in tables if other == t["RouteTableId"]) == [other]
    for t in tables:
        assert sorted(r["DestinationCidrBlock"] for r in t["Routes"]
                      if r.get("GatewayId") == "local") == ["10.7.0.0/16", "10.8.0.0/16"]


def test_create_and_delete_vpc_save_only_their_objects(start_vpcd, tmp_path):
    """CreateVpc saves the VPC with its main route table, default security group and
    default network ACL; DeleteVpc removes those and the VPC's flow logs (a save hint, each
    row checked under OPENVPC_VERIFY_SAVE_HINTS). After a restart everything reads back."""
    state = tmp_path / "vpc-family-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    keep = c.create_vpc(CidrBlock="10.10.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "keep"}]}])["Vpc"]["VpcId"]
    gone = c.create_vpc(CidrBlock="10.11.0.0/16")["Vpc"]["VpcId"]
    c.create_flow_logs(ResourceIds=[keep, gone], ResourceType="VPC", TrafficType="ALL",
                       LogDestinationType="s3", LogDestination="arn:aws:s3:::bucket-x")
    c.delete_vpc(VpcId=gone)
    both = [{"Name": "vpc-id", "Values": [keep, gone]}]
    fetch = (lambda c: (c.describe_vpcs(Filters=both)["Vpcs"],
                        c.describe_route_tables(Filters=both)["RouteTables"],
                        c.describe_security_groups(Filters=both)["SecurityGroups"],
                        c.describe_network_acls(Filters=both)["NetworkAcls"],
                        c.describe_flow_logs()["FlowLogs"]))
    before, _ = restart_reads_back(first, start_vpcd, fetch)
    vpcs, tables, groups, acls, logs = before
    assert [v["VpcId"] for v in vpcs] == [keep] and vpcs[0]["Tags"] == [
        {"Key": "Name", "Value": "keep"}]
    assert [t["VpcId"] for t in tables] == [keep] and tables[0]["Associations"][0]["Main"]
    assert [(g["VpcId"], g["GroupName"]) for g in groups] == [(keep, "default")]
    assert [(a["VpcId"], a["IsDefault"]) for a in acls] == [(keep, True)]
    assert [log["ResourceId"] for log in logs] == [keep]
