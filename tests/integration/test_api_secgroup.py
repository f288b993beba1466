"""Security groups and network ACLs through boto3 against a real vpcd:
CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup,
Authorize/RevokeSecurityGroupIngress/Egress, DescribeSecurityGroupRules,
ModifySecurityGroupRules,
CreateNetworkAcl, DescribeNetworkAcls, DeleteNetworkAcl,
Create/Replace/DeleteNetworkAclEntry, ReplaceNetworkAclAssociation.

Resources are created in the default VPC (found through its default security
group), so these tests do not depend on the vpc family."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, make_client


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def unvalidated(ec2):
    """A client that sends what boto3 would refuse (out-of-range MaxResults)."""
    return boto3.client("ec2", endpoint_url=ec2.meta.endpoint_url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def default_vpc_id(ec2):
    sgs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
    ids = {g["VpcId"] for g in sgs["SecurityGroups"]}
    assert len(ids) == 1
    return ids.pop()


def make_sg(ec2, name="web", vpc=None, **kw):
    vpc = vpc or default_vpc_id(ec2)
    return ec2.create_security_group(GroupName=name, Description="d " + name, VpcId=vpc, **kw)


# ---- security groups ------------------------------------------------------------------

def test_create_describe_delete_security_group(ec2):
    vpc = default_vpc_id(ec2)
    r = make_sg(ec2, "web", vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "web"}]}])
    gid = r["GroupId"]
    assert gid.startswith("sg-")
    assert r["Tags"] == [{"Key": "Name", "Value": "web"}]
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    assert len(g) == 1
    g = g[0]
    assert g["GroupName"] == "web" and g["Description"] == "d web" and g["VpcId"] == vpc
    assert g["IpPermissions"] == []
    assert g["IpPermissionsEgress"] == [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                         "Ipv6Ranges": [], "PrefixListIds": [],
                                         "UserIdGroupPairs": []}]
    assert g["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert g["OwnerId"]
    # filters
    for name, val in [("group-id", gid), ("group-name", "we*"), ("vpc-id", vpc),
                      ("description", "d web"), ("tag:Name", "web")]:
        got = ec2.describe_security_groups(Filters=[{"Name": name, "Values": [val]}])
        assert gid in [x["GroupId"] for x in got["SecurityGroups"]], name
    got = ec2.describe_security_groups(Filters=[{"Name": "tag:Name", "Values": ["nope"]}])
    assert got["SecurityGroups"] == []
    # without VpcId: default VPC
    r2 = ec2.create_security_group(GroupName="nov", Description="x")
    assert ec2.describe_security_groups(GroupIds=[r2["GroupId"]])["SecurityGroups"][0]["VpcId"] == vpc
    # by name in the default VPC
    assert ec2.describe_security_groups(GroupNames=["nov"])["SecurityGroups"][0]["GroupId"] == r2["GroupId"]
    ec2.delete_security_group(GroupId=gid)
    ec2.delete_security_group(GroupName="nov")
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_groups(GroupIds=[gid])
    assert error_of(ei) == ("InvalidGroup.NotFound", 400)


def test_security_group_errors_and_dry_run(ec2):
    vpc = default_vpc_id(ec2)
    with pytest.raises(ClientError) as ei:
        ec2.create_security_group(GroupName="a", Description="a", VpcId=vpc, DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    assert [g for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] == "a"] == []
    gid = make_sg(ec2, "a", vpc)["GroupId"]
    with pytest.raises(ClientError) as ei:
        make_sg(ec2, "a", vpc)
    assert error_of(ei) == ("InvalidGroup.Duplicate", 400)
    with pytest.raises(ClientError) as ei:
        make_sg(ec2, "b", "vpc-0000000000000000f")
    assert error_of(ei) == ("InvalidVpcID.NotFound", 400)
    with pytest.raises(ClientError) as ei:
        make_sg(ec2, "sg-bad", vpc)
    assert ei.value.response["Error"]["Code"] in ("InvalidParameterValue", "InvalidGroup.Reserved")
    with pytest.raises(ClientError) as ei:
        ec2.delete_security_group(GroupId=gid, DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_groups(DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    default = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    with pytest.raises(ClientError) as ei:
        ec2.delete_security_group(GroupId=default)
    assert error_of(ei)[0] in ("CannotDelete", "InvalidGroup.Reserved")
    ec2.delete_security_group(GroupId=gid)
    with pytest.raises(ClientError) as ei:
        ec2.delete_security_group(GroupId=gid)
    assert error_of(ei) == ("InvalidGroup.NotFound", 400)
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_groups(Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert error_of(ei) == ("InvalidParameterValue", 400)


def test_describe_security_groups_pagination(ec2):
    vpc = default_vpc_id(ec2)
    made = {make_sg(ec2, f"p{i}", vpc)["GroupId"] for i in range(7)}
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 5}
        if token:
            kw["NextToken"] = token
        r = ec2.describe_security_groups(**kw)
        assert len(r["SecurityGroups"]) <= 5
        seen += [g["GroupId"] for g in r["SecurityGroups"]]
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == 8 and made <= set(seen)
    with pytest.raises(ClientError) as ei:
        unvalidated(ec2).describe_security_groups(MaxResults=4)
    assert error_of(ei) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_groups(MaxResults=5, NextToken="garbage")
    assert error_of(ei) == ("InvalidNextToken", 400)


def test_authorize_revoke_ingress_egress(ec2):
    vpc = default_vpc_id(ec2)
    gid = make_sg(ec2, "app", vpc)["GroupId"]
    peer = make_sg(ec2, "peer", vpc)["GroupId"]
    r = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "corp"}, {"CidrIp": "192.168.1.7/24"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": peer}]},
    ], TagSpecifications=[{"ResourceType": "security-group-rule",
                           "Tags": [{"Key": "k", "Value": "v"}]}])
    assert r["Return"] is True
    rules = r["SecurityGroupRules"]
    assert len(rules) == 3
    assert all(x["SecurityGroupRuleId"].startswith("sgr-") and x["GroupId"] == gid
               and x["IsEgress"] is False for x in rules)
    assert rules[0]["CidrIpv4"] == "10.0.0.0/8" and rules[0]["Description"] == "corp"
    assert rules[0]["FromPort"] == 443 and rules[0]["IpProtocol"] == "tcp"
    assert rules[1]["CidrIpv4"] == "192.168.1.0/24"
    assert rules[2]["ReferencedGroupInfo"]["GroupId"] == peer
    assert rules[0]["Tags"] == [{"Key": "k", "Value": "v"}]
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    perms = {p["FromPort"]: p for p in g["IpPermissions"]}
    assert [x["CidrIp"] for x in perms[443]["IpRanges"]] == ["10.0.0.0/8", "192.168.1.0/24"]
    assert perms[443]["IpRanges"][0]["Description"] == "corp"
    assert perms[22]["UserIdGroupPairs"][0]["GroupId"] == peer
    # duplicate
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert error_of(ei) == ("InvalidPermission.Duplicate", 400)
    # peer referenced: cannot delete
    with pytest.raises(ClientError) as ei:
        ec2.delete_security_group(GroupId=peer)
    assert error_of(ei) == ("DependencyViolation", 400)
    # unknown group
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId="sg-0000000000000000f", IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert error_of(ei) == ("InvalidGroup.NotFound", 400)
    # bad CIDR, bad protocol
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}])
    assert error_of(ei) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "bogus", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert error_of(ei) == ("InvalidParameterValue", 400)
    # DryRun
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, DryRun=True, IpPermissions=[
            {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert error_of(ei) == ("DryRunOperation", 412)
    # egress authorize
    r = ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
         "PrefixListIds": [], "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}])
    assert r["Return"] is True and r["SecurityGroupRules"][0]["IsEgress"] is True
    egress_rule = r["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    # DescribeSecurityGroupRules with a filter
    rr = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [gid]}])
    assert len(rr["SecurityGroupRules"]) == 5  # 3 ingress + default egress + udp 53
    one = ec2.describe_security_group_rules(SecurityGroupRuleIds=[egress_rule])["SecurityGroupRules"]
    assert one[0]["CidrIpv4"] == "10.1.0.0/16" and one[0]["IsEgress"] is True
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_group_rules(SecurityGroupRuleIds=["sgr-0000000000000000f"])
    assert error_of(ei) == ("InvalidSecurityGroupRuleId.NotFound", 400)
    # revoke by permission and by rule ID
    r = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert r["Return"] is True
    ec2.revoke_security_group_egress(GroupId=gid, SecurityGroupRuleIds=[egress_rule])
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert len(g["IpPermissionsEgress"]) == 1
    assert sum(len(p["IpRanges"]) + len(p["UserIdGroupPairs"]) for p in g["IpPermissions"]) == 2
    with pytest.raises(ClientError) as ei:
        ec2.revoke_security_group_egress(GroupId=gid, SecurityGroupRuleIds=[egress_rule])
    assert error_of(ei) == ("InvalidSecurityGroupRuleId.NotFound", 400)
    with pytest.raises(ClientError) as ei:
        ec2.revoke_security_group_ingress(GroupId=gid, DryRun=True, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": peer}]}])
    assert error_of(ei) == ("DryRunOperation", 412)
    ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": peer}]}])
    ec2.delete_security_group(GroupId=peer)


def test_terraform_like_revoke_default_egress(ec2):
    """Terraform creates a group, then revokes the default all-traffic egress rule."""
    gid = make_sg(ec2, "tf")["GroupId"]
    r = ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert r["Return"] is True
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert g["IpPermissionsEgress"] == []
    ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert [p["FromPort"] for p in g["IpPermissionsEgress"]] == [443]
    ec2.delete_security_group(GroupId=gid)


def test_describe_security_group_rules_pagination(ec2):
    gid = make_sg(ec2, "many")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
        for p in range(1, 8)])
    seen, token = [], None
    while True:
        kw = {"MaxResults": 5, "Filters": [{"Name": "group-id", "Values": [gid]}]}
        if token:
            kw["NextToken"] = token
        r = ec2.describe_security_group_rules(**kw)
        seen += [x["SecurityGroupRuleId"] for x in r["SecurityGroupRules"]]
        token = r.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 8


# ---- network ACLs -----------------------------------------------------------------------

def test_network_acl_lifecycle(ec2):
    vpc = default_vpc_id(ec2)
    default = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]},
                                                 {"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
    assert len(default) == 1 and default[0]["IsDefault"] is True
    r = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "n1"}]}])["NetworkAcl"]
    aid = r["NetworkAclId"]
    assert aid.startswith("acl-") and r["VpcId"] == vpc and r["IsDefault"] is False
    assert r["Tags"] == [{"Key": "Name", "Value": "n1"}]
    assert {(e["RuleNumber"], e["Egress"], e["RuleAction"]) for e in r["Entries"]} >= {
        (32767, False, "deny"), (32767, True, "deny")}
    got = ec2.describe_network_acls(Filters=[{"Name": "network-acl-id", "Values": [aid]}])["NetworkAcls"]
    assert [x["NetworkAclId"] for x in got] == [aid]
    got = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["false"]}])["NetworkAcls"]
    assert [x["NetworkAclId"] for x in got] == [aid]
    got = ec2.describe_network_acls(Filters=[{"Name": "tag:Name", "Values": ["n1"]}])["NetworkAcls"]
    assert [x["NetworkAclId"] for x in got] == [aid]
    # entries
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock="10.0.0.0/8",
                                 PortRange={"From": 80, "To": 443})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=110, Protocol="1", RuleAction="deny",
                                 Egress=True, CidrBlock="0.0.0.0/0",
                                 IcmpTypeCode={"Type": 8, "Code": -1})
    for name, val in [("entry.cidr", "10.0.0.0/8"), ("entry.rule-number", "110"),
                      ("entry.port-range.from", "80"), ("entry.protocol", "1")]:
        got = ec2.describe_network_acls(Filters=[{"Name": name, "Values": [val]}])["NetworkAcls"]
        assert [x["NetworkAclId"] for x in got] == [aid], name
    e = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]["Entries"]
    e100 = [x for x in e if x["RuleNumber"] == 100][0]
    assert e100["PortRange"] == {"From": 80, "To": 443} and e100["Protocol"] == "6"
    assert e100["CidrBlock"] == "10.0.0.0/8" and e100["RuleAction"] == "allow"
    e110 = [x for x in e if x["RuleNumber"] == 110][0]
    assert e110["Egress"] is True and e110["IcmpTypeCode"]["Type"] == 8
    with pytest.raises(ClientError) as ei:
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="-1",
                                     RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0")
    assert error_of(ei) == ("NetworkAclEntryAlreadyExists", 400)
    with pytest.raises(ClientError) as ei:
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=120, Protocol="-1",
                                     RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
                                     DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as ei:
        ec2.create_network_acl_entry(NetworkAclId="acl-0000000000000000f", RuleNumber=1,
                                     Protocol="-1", RuleAction="allow", Egress=False,
                                     CidrBlock="0.0.0.0/0")
    assert error_of(ei) == ("InvalidNetworkAclID.NotFound", 400)
    ec2.replace_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="-1",
                                  RuleAction="deny", Egress=False, CidrBlock="10.0.0.0/8")
    e100 = [x for x in ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]["Entries"]
            if x["RuleNumber"] == 100][0]
    assert e100["Protocol"] == "-1" and e100["RuleAction"] == "deny"
    with pytest.raises(ClientError) as ei:
        ec2.replace_network_acl_entry(NetworkAclId=aid, RuleNumber=200, Protocol="-1",
                                      RuleAction="deny", Egress=False, CidrBlock="10.0.0.0/8")
    assert error_of(ei) == ("InvalidNetworkAclEntry.NotFound", 400)
    ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Egress=False)
    with pytest.raises(ClientError) as ei:
        ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Egress=False)
    assert error_of(ei) == ("InvalidNetworkAclEntry.NotFound", 400)
    # delete
    with pytest.raises(ClientError) as ei:
        ec2.delete_network_acl(NetworkAclId=aid, DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as ei:
        ec2.delete_network_acl(NetworkAclId=default[0]["NetworkAclId"])
    assert error_of(ei)[1] == 400
    ec2.delete_network_acl(NetworkAclId=aid)
    with pytest.raises(ClientError) as ei:
        ec2.describe_network_acls(NetworkAclIds=[aid])
    assert error_of(ei) == ("InvalidNetworkAclID.NotFound", 400)
    with pytest.raises(ClientError) as ei:
        ec2.create_network_acl(VpcId="vpc-0000000000000000f")
    assert error_of(ei) == ("InvalidVpcID.NotFound", 400)
    with pytest.raises(ClientError) as ei:
        ec2.create_network_acl(VpcId=vpc, DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)


def test_replace_network_acl_association(ec2):
    vpc = default_vpc_id(ec2)
    default = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    assocs = default["Associations"]
    if not assocs:
        pytest.skip("the default VPC has no subnets")
    subnet = assocs[0]["SubnetId"]
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    with pytest.raises(ClientError) as ei:
        ec2.replace_network_acl_association(AssociationId=assocs[0]["NetworkAclAssociationId"],
                                            NetworkAclId=aid, DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    new = ec2.replace_network_acl_association(AssociationId=assocs[0]["NetworkAclAssociationId"],
                                              NetworkAclId=aid)["NewAssociationId"]
    assert new.startswith("aclassoc-")
    got = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    assert [x["NetworkAclId"] for x in got["NetworkAcls"]] == [aid]
    with pytest.raises(ClientError) as ei:
        ec2.delete_network_acl(NetworkAclId=aid)
    assert error_of(ei) == ("DependencyViolation", 400)
    with pytest.raises(ClientError) as ei:
        ec2.replace_network_acl_association(AssociationId="aclassoc-0000000000000000f",
                                            NetworkAclId=aid)
    assert error_of(ei) == ("InvalidAssociationID.NotFound", 400)
    ec2.replace_network_acl_association(AssociationId=new, NetworkAclId=default["NetworkAclId"])
    ec2.delete_network_acl(NetworkAclId=aid)


def test_describe_network_acls_pagination(ec2):
    vpc = default_vpc_id(ec2)
    for _ in range(6):
        ec2.create_network_acl(VpcId=vpc)
    seen, token = [], None
    while True:
        kw = {"MaxResults": 5}
        if token:
            kw["NextToken"] = token
        r = ec2.describe_network_acls(**kw)
        seen += [x["NetworkAclId"] for x in r["NetworkAcls"]]
        token = r.get("NextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 7


def test_legacy_flat_form_ipv6_and_unknown_revoke(ec2):
    gid = make_sg(ec2, "legacy")["GroupId"]
    src = make_sg(ec2, "src")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=80, ToPort=80,
                                         CidrIp="172.16.0.0/12")
    ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=81, ToPort=81,
                                         SourceSecurityGroupName="src")
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "icmpv6", "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32", "Description": "v6"}]}])
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    by_proto = {}
    for p in g["IpPermissions"]:
        by_proto.setdefault(p["IpProtocol"], []).append(p)
    assert {p["FromPort"] for p in by_proto["tcp"]} == {80, 81}
    assert [p for p in by_proto["tcp"] if p["FromPort"] == 80][0]["IpRanges"] == [{"CidrIp": "172.16.0.0/12"}]
    assert [p for p in by_proto["tcp"] if p["FromPort"] == 81][0]["UserIdGroupPairs"][0]["GroupId"] == src
    assert by_proto["icmpv6"][0]["Ipv6Ranges"] == [{"CidrIpv6": "2001:db8::/32", "Description": "v6"}]
    def ids(name, val):
        return {x["GroupId"] for x in ec2.describe_security_groups(
            Filters=[{"Name": name, "Values": [val]}])["SecurityGroups"]}
    assert ids("ip-permission.cidr", "172.16.0.0/12") == {gid}
    assert ids("ip-permission.group-id", src) == {gid}
    assert ids("ip-permission.from-port", "81") == {gid}
    assert ids("ip-permission.protocol", "icmpv6") == {gid}
    assert gid in ids("egress.ip-permission.cidr", "0.0.0.0/0")
    assert ids("egress.ip-permission.protocol", "tcp") == set()
    # default VPC: an unknown permission is reported, not an error
    r = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 9, "ToPort": 9, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}])
    assert r["Return"] is True
    assert r["UnknownIpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.9.0.0/16"}]
    ec2.revoke_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=80, ToPort=80,
                                      CidrIp="172.16.0.0/12")
    ec2.revoke_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=81, ToPort=81,
                                      SourceSecurityGroupName="src")
    ec2.delete_security_group(GroupId=src)
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=1, ToPort=1,
                                             SourceSecurityGroupName="nope")
    assert error_of(ei) == ("InvalidGroup.NotFound", 400)


def test_rule_quota_and_rule_tags(ec2):
    gid = make_sg(ec2, "quota")["GroupId"]
    with pytest.raises(ClientError) as ei:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1,
             "IpRanges": [{"CidrIp": f"10.{i}.0.0/16"} for i in range(61)]}])
    assert error_of(ei) == ("RulesPerSecurityGroupLimitExceeded", 400)
    assert ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"] == []
    r = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "t", "Value": "1"}]}])
    rid = r["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    got = ec2.describe_security_group_rules(Filters=[{"Name": "tag:t", "Values": ["1"]}])
    assert [x["SecurityGroupRuleId"] for x in got["SecurityGroupRules"]] == [rid]
    with pytest.raises(ClientError) as ei:
        ec2.describe_security_group_rules(DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as ei:
        ec2.describe_network_acls(DryRun=True)
    assert error_of(ei) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as ei:
        ec2.create_security_group(GroupName="t", Description="t", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert error_of(ei) == ("InvalidParameterValue", 400)


# ---- ModifySecurityGroupRules -------------------------------------------------------

def _rules(c, gid):
    rs = c.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
    return {r["SecurityGroupRuleId"]: r for r in rs}


def test_modify_security_group_rules(ec2):
    c = ec2
    vpc = default_vpc_id(c)
    gid = c.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    peer = c.create_security_group(GroupName="peer", Description="peer", VpcId=vpc)["GroupId"]
    r = c.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])["SecurityGroupRules"]
    ssh, http = r[0]["SecurityGroupRuleId"], r[1]["SecurityGroupRuleId"]
    c.create_tags(Resources=[ssh], Tags=[{"Key": "k", "Value": "v"}])

    assert c.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[{
        "SecurityGroupRuleId": ssh,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                              "CidrIpv4": "192.168.0.0/16", "Description": "tls"}}])["Return"]
    rules = _rules(c, gid)
    m = rules[ssh]
    assert (m["IpProtocol"], m["FromPort"], m["ToPort"], m["CidrIpv4"], m["Description"],
            m["IsEgress"]) == ("tcp", 443, 443, "192.168.0.0/16", "tls", False)
    assert m["Tags"] == [{"Key": "k", "Value": "v"}], "the rule keeps its ID and tags"
    assert len(rules) == 3  # two ingress + the default egress

    # A group peer, and the egress rule modified in place.
    egress = next(k for k, v in rules.items() if v["IsEgress"])
    c.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[
        {"SecurityGroupRuleId": http,
         "SecurityGroupRule": {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                               "ReferencedGroupId": peer}},
        {"SecurityGroupRuleId": egress,
         "SecurityGroupRule": {"IpProtocol": "-1", "CidrIpv4": "10.0.0.0/8"}}])
    rules = _rules(c, gid)
    assert rules[http]["ReferencedGroupInfo"]["GroupId"] == peer
    assert rules[http]["IpProtocol"] == "udp"
    assert rules[egress]["IsEgress"] and rules[egress]["CidrIpv4"] == "10.0.0.0/8"
    g = c.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert g["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]

    def fails(code, rules_, gid_=gid, client=c, **kw):
        with pytest.raises(ClientError) as e:
            client.modify_security_group_rules(GroupId=gid_, SecurityGroupRules=rules_, **kw)
        assert error_of(e)[0] == code, e.value.response["Error"]

    same_as_ssh = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                   "CidrIpv4": "192.168.0.0/16"}
    fails("InvalidPermission.Duplicate",
          [{"SecurityGroupRuleId": http, "SecurityGroupRule": same_as_ssh}])
    fails("InvalidSecurityGroupRuleId.NotFound",
          [{"SecurityGroupRuleId": "sgr-0123456789abcdef0", "SecurityGroupRule": same_as_ssh}])
    # A rule of another group is not found in this one.
    peer_rule = next(iter(_rules(c, peer)))
    fails("InvalidSecurityGroupRuleId.NotFound",
          [{"SecurityGroupRuleId": peer_rule, "SecurityGroupRule": same_as_ssh}])
    fails("InvalidGroup.NotFound", [{"SecurityGroupRuleId": ssh, "SecurityGroupRule":
                                     same_as_ssh}], gid_="sg-0123456789abcdef0")
    fails("InvalidParameterValue", [{"SecurityGroupRuleId": ssh, "SecurityGroupRule": {
        "IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "CidrIpv4": "300.0.0.0/8"}}])
    fails("InvalidParameterValue", [{"SecurityGroupRuleId": ssh, "SecurityGroupRule": {
        "IpProtocol": "tcp", "FromPort": 1, "ToPort": 2}}])
    fails("DryRunOperation", [{"SecurityGroupRuleId": ssh, "SecurityGroupRule": {
        "IpProtocol": "tcp", "FromPort": 1, "ToPort": 2, "CidrIpv4": "1.0.0.0/8"}}], DryRun=True)
    fails("MissingParameter", [], client=unvalidated(c))
    assert _rules(c, gid) == rules, "failed calls changed nothing"


def test_modified_rule_survives_restart(start_vpcd, tmp_path):
    state = tmp_path / "durable"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    gid = make_sg(c, "db")["GroupId"]
    [rule] = c.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])["SecurityGroupRules"]
    rid = rule["SecurityGroupRuleId"]
    c.modify_security_group_rules(GroupId=gid, SecurityGroupRules=[{
        "SecurityGroupRuleId": rid,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306,
                              "CidrIpv4": "10.1.0.0/16", "Description": "mysql"}}])
    assert first.stop() == 0
    c = make_client(start_vpcd(state_dir=state).url)
    r = _rules(c, gid)[rid]
    assert (r["FromPort"], r["ToPort"], r["CidrIpv4"], r["Description"]) == (
        3306, 3306, "10.1.0.0/16", "mysql")


def test_security_group_writes_save_only_their_group(start_vpcd, tmp_path):
    """Each security-group write saves only the group it names (a save hint); vpcd runs
    with OPENVPC_VERIFY_SAVE_HINTS here, so a hint that misses a row aborts it. Covered:
    a create with tags, rules naming another group, rule tags, egress, a revoke by
    permission and one by rule ID, a modified rule, a delete by name, and deletes refused
    while the group is referenced or in use. After a restart every group reads back."""
    state = tmp_path / "sg-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = default_vpc_id(c)
    web = make_sg(c, "web", vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "tier", "Value": "web"}]}])["GroupId"]
    db = make_sg(c, "db", vpc)["GroupId"]
    [from_web] = c.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
         "UserIdGroupPairs": [{"GroupId": web}]}], TagSpecifications=[
        {"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}])[
        "SecurityGroupRules"]
    [https] = c.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])["SecurityGroupRules"]
    c.authorize_security_group_egress(GroupId=web, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}])
    c.revoke_security_group_egress(GroupId=web, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    c.modify_security_group_rules(GroupId=web, SecurityGroupRules=[{
        "SecurityGroupRuleId": https["SecurityGroupRuleId"],
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443,
                              "CidrIpv4": "10.0.0.0/8", "Description": "alt"}}])
    # Tags on rules are saved with their group (two rules of one group, and the group).
    out53 = [x for x in c.describe_security_group_rules(Filters=[
        {"Name": "group-id", "Values": [web]}])["SecurityGroupRules"] if x.get("FromPort") == 53]
    c.create_tags(Resources=[https["SecurityGroupRuleId"], out53[0]["SecurityGroupRuleId"], web],
                  Tags=[{"Key": "owner", "Value": "ops"}])
    c.delete_tags(Resources=[out53[0]["SecurityGroupRuleId"]], Tags=[{"Key": "owner"}])
    # Refused deletes change nothing: web is named by db's rule; a group in use by an ENI.
    with pytest.raises(ClientError) as e:
        c.delete_security_group(GroupId=web)
    assert error_of(e)[0] == "DependencyViolation"
    subnet = c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]
    used = make_sg(c, "used", vpc)["GroupId"]
    c.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[used])
    with pytest.raises(ClientError) as e:
        c.delete_security_group(GroupId=used)
    assert error_of(e)[0] == "DependencyViolation"
    c.revoke_security_group_ingress(GroupId=db, SecurityGroupRuleIds=[from_web["SecurityGroupRuleId"]])
    make_sg(c, "gone", vpc)
    c.delete_security_group(GroupName="gone")
    c.delete_security_group(GroupId=db)
    before = c.describe_security_groups()["SecurityGroups"]
    rules = c.describe_security_group_rules()["SecurityGroupRules"]
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    c = make_client(start_vpcd(state_dir=state).url)
    assert c.describe_security_groups()["SecurityGroups"] == before
    assert c.describe_security_group_rules()["SecurityGroupRules"] == rules
    names = {g["GroupName"] for g in before}
    assert {"web", "used"} <= names and not {"db", "gone"} & names
    [w] = [g for g in before if g["GroupId"] == web]
    assert sorted(w["Tags"], key=lambda t: t["Key"]) == [{"Key": "owner", "Value": "ops"},
                                                         {"Key": "tier", "Value": "web"}]
    assert [p["FromPort"] for p in w["IpPermissions"]] == [8443]
    assert [p["FromPort"] for p in w["IpPermissionsEgress"]] == [53]
    tagged = {x["SecurityGroupRuleId"]: x.get("Tags", []) for x in rules if x["GroupId"] == web}
    assert tagged[https["SecurityGroupRuleId"]] == [{"Key": "owner", "Value": "ops"}]
    assert tagged[out53[0]["SecurityGroupRuleId"]] == []


def test_describe_security_groups_ids_and_names_together(ec2):
    a = make_sg(ec2, "a")["GroupId"]
    b = make_sg(ec2, "b")["GroupId"]
    make_sg(ec2, "c")
    # GroupIds and GroupNames select together (either matches).
    g = ec2.describe_security_groups(GroupIds=[a], GroupNames=["b"])["SecurityGroups"]
    assert sorted(x["GroupId"] for x in g) == sorted([a, b])
    g = ec2.describe_security_groups(GroupNames=["b"], MaxResults=5)["SecurityGroups"]
    assert [x["GroupId"] for x in g] == [b]
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupIds=[a], GroupNames=["nope"])
    assert error_of(e) == ("InvalidGroup.NotFound", 400)
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupNames=["b"], DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
