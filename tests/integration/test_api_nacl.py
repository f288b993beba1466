"""Integration tests of the nacl family: network ACLs, their entries and associations."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_client, run_aws_cli


def _code(exc):
    return exc.value.response["Error"]["Code"]


def _default_acl(c):
    acls = c.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    assert len(acls) == 1
    return acls[0]


def _acl(c, aid):
    return c.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]


def _entry(acl, number, egress=False):
    got = [e for e in acl["Entries"] if e["RuleNumber"] == number and e["Egress"] is egress]
    assert len(got) == 1, acl["Entries"]
    return got[0]


FINAL_DENY = {"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny",
              "CidrBlock": "0.0.0.0/0"}


def test_new_acl_denies_all(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "web"}]}])["NetworkAcl"]
    aid = acl["NetworkAclId"]
    assert aid.startswith("acl-") and acl["VpcId"] == vpc and acl["IsDefault"] is False
    assert acl["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert acl["Associations"] == []
    assert acl["OwnerId"] == _default_acl(ec2)["OwnerId"] and len(acl["OwnerId"]) == 12
    assert sorted(e["Egress"] for e in acl["Entries"]) == [False, True]
    for e in acl["Entries"]:
        assert {k: e[k] for k in FINAL_DENY} == FINAL_DENY
        assert "PortRange" not in e and "IcmpTypeCode" not in e
    assert _acl(ec2, aid) == acl
    ec2.delete_network_acl(NetworkAclId=aid)
    with pytest.raises(ClientError) as e:
        ec2.describe_network_acls(NetworkAclIds=[aid])
    assert _code(e) == "InvalidNetworkAclID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=aid)
    assert _code(e) == "InvalidNetworkAclID.NotFound"


def test_default_acl(ec2):
    d = _default_acl(ec2)
    assert d["IsDefault"] is True
    # allow-all rule 100 and the final deny, both directions
    for egress in (False, True):
        allow = _entry(d, 100, egress)
        assert allow["RuleAction"] == "allow" and allow["Protocol"] == "-1"
        assert _entry(d, 32767, egress)["RuleAction"] == "deny"
    # the default VPC's subnets (one per AZ) are all associated with it
    assert len(d["Associations"]) >= 2
    for a in d["Associations"]:
        assert a["NetworkAclAssociationId"].startswith("aclassoc-")
        assert a["NetworkAclId"] == d["NetworkAclId"] and a["SubnetId"].startswith("subnet-")
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=d["NetworkAclId"])
    assert _code(e) == "InvalidParameterValue"


def test_create_errors_and_dry_run(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl(VpcId="vpc-0123456789abcdef0")
    assert _code(e) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl(VpcId=vpc, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert _code(e) == "InvalidParameterValue"
    before = len(ec2.describe_network_acls()["NetworkAcls"])
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl(VpcId=vpc, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert len(ec2.describe_network_acls()["NetworkAcls"]) == before
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=aid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    with pytest.raises(ClientError) as e:
        ec2.describe_network_acls(DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert _acl(ec2, aid)["NetworkAclId"] == aid


def test_entries(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="tcp",
                                 RuleAction="allow", Egress=False, CidrBlock="10.0.0.0/8",
                                 PortRange={"From": 443, "To": 443})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=110, Protocol="17",
                                 RuleAction="deny", Egress=False, CidrBlock="192.168.1.7/24",
                                 PortRange={"From": 53, "To": 54})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=120, Protocol="1",
                                 RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
                                 IcmpTypeCode={"Type": 8, "Code": -1})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="-1",
                                 RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0")
    acl = _acl(ec2, aid)
    assert len(acl["Entries"]) == 6
    # egress entries first, then ingress, each by rule number (as AWS lists them)
    assert [(x["Egress"], x["RuleNumber"]) for x in acl["Entries"]] == [
        (True, 100), (True, 32767), (False, 100), (False, 110), (False, 120), (False, 32767)]
    e = _entry(acl, 100)
    assert e == {"RuleNumber": 100, "Protocol": "6", "RuleAction": "allow", "Egress": False,
                 "CidrBlock": "10.0.0.0/8", "PortRange": {"From": 443, "To": 443}}
    e = _entry(acl, 110)
    assert e["Protocol"] == "17" and e["RuleAction"] == "deny"
    assert e["CidrBlock"] == "192.168.1.0/24"  # canonical
    assert e["PortRange"] == {"From": 53, "To": 54}
    e = _entry(acl, 120)
    assert e["Protocol"] == "1" and e["IcmpTypeCode"] == {"Type": 8, "Code": -1}
    assert "PortRange" not in e
    e = _entry(acl, 100, egress=True)
    assert e["Protocol"] == "-1" and "PortRange" not in e

    # the same number in the same direction exists
    with pytest.raises(ClientError) as x:
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="-1",
                                     RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")
    assert _code(x) == "NetworkAclEntryAlreadyExists"
    # replace changes it in place
    ec2.replace_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="6",
                                  RuleAction="deny", Egress=False, CidrBlock="10.1.0.0/16",
                                  PortRange={"From": 22, "To": 22})
    e = _entry(_acl(ec2, aid), 100)
    assert e["RuleAction"] == "deny" and e["CidrBlock"] == "10.1.0.0/16"
    assert e["PortRange"] == {"From": 22, "To": 22}
    with pytest.raises(ClientError) as x:
        ec2.replace_network_acl_entry(NetworkAclId=aid, RuleNumber=101, Protocol="-1",
                                      RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0")
    assert _code(x) == "InvalidNetworkAclEntry.NotFound"
    # delete, then it is gone
    ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=110, Egress=False)
    assert not [x for x in _acl(ec2, aid)["Entries"] if x["RuleNumber"] == 110]
    with pytest.raises(ClientError) as x:
        ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=110, Egress=False)
    assert _code(x) == "InvalidNetworkAclEntry.NotFound"
    with pytest.raises(ClientError) as x:  # egress 120 never existed
        ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=120, Egress=True)
    assert _code(x) == "InvalidNetworkAclEntry.NotFound"
    # DryRun changes nothing
    with pytest.raises(ClientError) as x:
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=300, Protocol="-1",
                                     RuleAction="deny", Egress=False, CidrBlock="0.0.0.0/0",
                                     DryRun=True)
    assert _code(x) == "DryRunOperation"
    with pytest.raises(ClientError) as x:
        ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=120, Egress=False, DryRun=True)
    assert _code(x) == "DryRunOperation"
    assert len(_acl(ec2, aid)["Entries"]) == 5


@pytest.mark.parametrize("kw, code", [
    ({"RuleNumber": 0}, "InvalidParameterValue"),
    ({"RuleNumber": 32767}, "InvalidParameterValue"),
    ({"Protocol": "bogus"}, "InvalidParameterValue"),
    ({"Protocol": "300"}, "InvalidParameterValue"),
    ({"RuleAction": "permit"}, "InvalidParameterValue"),
    ({"CidrBlock": "10.0.0.0/33"}, "InvalidParameterValue"),
    ({"CidrBlock": "nope"}, "InvalidParameterValue"),
    ({"Protocol": "6"}, "InvalidParameter"),  # TCP without a port range
    ({"Protocol": "6", "PortRange": {"From": 90, "To": 80}}, "InvalidParameterValue"),
    ({"Protocol": "6", "PortRange": {"From": 90}}, "InvalidParameterCombination"),
    ({"Protocol": "17", "PortRange": {"To": 90}}, "InvalidParameterCombination"),
    ({"CidrBlock": None}, "MissingParameter"),
    ({"Ipv6CidrBlock": "2001:db8::/32"}, "InvalidParameterCombination"),  # and CidrBlock
    ({"CidrBlock": None, "Ipv6CidrBlock": "2001:db8::/129"}, "InvalidParameterValue"),
    ({"Protocol": "icmp"}, "InvalidParameter"),  # ICMP without type/code
    ({"NetworkAclId": "acl-0123456789abcdef0"}, "InvalidNetworkAclID.NotFound"),
])
def test_entry_errors(ec2, kw, code):
    vpc = _default_acl(ec2)["VpcId"]
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    args = {"NetworkAclId": aid, "RuleNumber": 5, "Protocol": "-1", "RuleAction": "allow",
            "Egress": False, "CidrBlock": "0.0.0.0/0", **kw}
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl_entry(**args)
    assert _code(e) == code
    assert len(_acl(ec2, aid)["Entries"]) == 2


def test_ipv6_entry(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=5, Protocol="58",
                                 RuleAction="allow", Egress=False, Ipv6CidrBlock="2001:db8::/32",
                                 IcmpTypeCode={"Type": 128, "Code": 0})
    e = _entry(_acl(ec2, aid), 5)
    assert e == {"RuleNumber": 5, "Protocol": "58", "RuleAction": "allow", "Egress": False,
                 "Ipv6CidrBlock": "2001:db8::/32", "IcmpTypeCode": {"Type": 128, "Code": 0}}
    got = ec2.describe_network_acls(
        Filters=[{"Name": "entry.ipv6-cidr", "Values": ["2001:db8::/32"]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in got] == [aid]
    got = ec2.describe_network_acls(
        Filters=[{"Name": "entry.cidr", "Values": ["2001:db8::/32"]}])["NetworkAcls"]
    assert got == []


def test_entry_limit_per_direction(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    aid = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    # 20 per direction, the final deny included: 19 user entries fit
    for n in range(1, 20):
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=n, Protocol="-1",
                                     RuleAction="allow", Egress=False,
                                     CidrBlock=f"10.{n}.0.0/16")
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=20, Protocol="-1",
                                     RuleAction="allow", Egress=False, CidrBlock="10.20.0.0/16")
    assert _code(e) == "NetworkAclEntryLimitExceeded"
    # the other direction has its own quota
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=20, Protocol="-1",
                                 RuleAction="allow", Egress=True, CidrBlock="10.20.0.0/16")
    acl = _acl(ec2, aid)
    assert sum(1 for x in acl["Entries"] if not x["Egress"]) == 20
    assert sum(1 for x in acl["Entries"] if x["Egress"]) == 2


def test_filters(ec2):
    d = _default_acl(ec2)
    vpc, did = d["VpcId"], d["NetworkAclId"]
    aid = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "tier", "Value": "db"}]}]
    )["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=42, Protocol="6",
                                 RuleAction="allow", Egress=True, CidrBlock="172.16.0.0/12",
                                 PortRange={"From": 5432, "To": 5433})
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=43, Protocol="1",
                                 RuleAction="deny", Egress=False, CidrBlock="198.51.100.0/24",
                                 IcmpTypeCode={"Type": 3, "Code": 4})

    def ids(*filters):
        fl = [{"Name": n, "Values": v if isinstance(v, list) else [v]} for n, v in filters]
        return sorted(a["NetworkAclId"] for a in
                      ec2.describe_network_acls(Filters=fl)["NetworkAcls"])

    assert ids(("network-acl-id", aid)) == [aid]
    assert ids(("vpc-id", vpc)) == sorted([aid, did])
    assert ids(("vpc-id", "vpc-0123456789abcdef0")) == []
    assert ids(("default", "false")) == [aid]
    assert ids(("default", "true")) == [did]
    assert ids(("owner-id", d["OwnerId"])) == sorted([aid, did])
    assert ids(("tag:tier", "db")) == [aid]
    assert ids(("tag:tier", "web")) == []
    assert ids(("tag-key", "tier")) == [aid]
    assert ids(("tag-value", "d?")) == [aid]
    assert ids(("entry.cidr", "172.16.0.0/12")) == [aid]
    assert ids(("entry.cidr", "0.0.0.0/0")) == sorted([aid, did])
    assert ids(("entry.egress", "true"), ("entry.rule-number", "42")) == [aid]
    assert ids(("entry.protocol", "6")) == [aid]
    assert ids(("entry.protocol", "-1")) == sorted([aid, did])
    assert ids(("entry.rule-action", "allow"), ("vpc-id", vpc)) == sorted([aid, did])
    assert ids(("entry.rule-number", "100")) == [did]
    assert ids(("entry.port-range.from", "5432")) == [aid]
    assert ids(("entry.port-range.to", "5433")) == [aid]
    assert ids(("entry.port-range.to", "5432")) == []
    assert ids(("entry.icmp.type", "3")) == [aid]
    assert ids(("entry.icmp.code", "4")) == [aid]
    assert ids(("entry.icmp.code", "3")) == []
    subnet = d["Associations"][0]["SubnetId"]
    assert ids(("association.subnet-id", subnet)) == [did]
    assert ids(("association.association-id",
                d["Associations"][0]["NetworkAclAssociationId"])) == [did]
    assert ids(("association.network-acl-id", did)) == [did]
    assert ids(("association.network-acl-id", aid)) == []  # not associated
    assert ids(("network-acl-id", [aid, did]), ("default", "true")) == [did]
    with pytest.raises(ClientError) as e:
        ec2.describe_network_acls(Filters=[{"Name": "entry.bogus", "Values": ["1"]}])
    assert _code(e) == "InvalidParameterValue"


def test_replace_association_and_dependency(ec2):
    d = _default_acl(ec2)
    assoc = d["Associations"][0]
    subnet = assoc["SubnetId"]
    aid = ec2.create_network_acl(VpcId=d["VpcId"])["NetworkAcl"]["NetworkAclId"]
    with pytest.raises(ClientError) as e:
        ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"],
                                            NetworkAclId=aid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert _acl(ec2, aid)["Associations"] == []
    new = ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"],
                                              NetworkAclId=aid)["NewAssociationId"]
    assert new.startswith("aclassoc-") and new != assoc["NetworkAclAssociationId"]
    assert _acl(ec2, aid)["Associations"] == [
        {"NetworkAclAssociationId": new, "NetworkAclId": aid, "SubnetId": subnet}]
    assert subnet not in [a["SubnetId"] for a in _acl(ec2, d["NetworkAclId"])["Associations"]]
    # the old association ID is gone
    with pytest.raises(ClientError) as e:
        ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"],
                                            NetworkAclId=aid)
    assert _code(e) == "InvalidAssociationID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.replace_network_acl_association(AssociationId=new,
                                            NetworkAclId="acl-0123456789abcdef0")
    assert _code(e) == "InvalidNetworkAclID.NotFound"
    # an associated ACL cannot be deleted
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=aid)
    assert _code(e) == "DependencyViolation"
    back = ec2.replace_network_acl_association(AssociationId=new,
                                               NetworkAclId=d["NetworkAclId"])["NewAssociationId"]
    assert subnet in [a["SubnetId"] for a in _acl(ec2, d["NetworkAclId"])["Associations"]]
    assert back.startswith("aclassoc-")
    ec2.delete_network_acl(NetworkAclId=aid)


def test_pagination(ec2):
    vpc = _default_acl(ec2)["VpcId"]
    made = {ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"] for _ in range(11)}
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 5, "Filters": [{"Name": "default", "Values": ["false"]}]}
        if token:
            kw["NextToken"] = token
        r = ec2.describe_network_acls(**kw)
        assert len(r["NetworkAcls"]) <= 5
        seen += [a["NetworkAclId"] for a in r["NetworkAcls"]]
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
    assert pages == 3 and len(seen) == 11 and set(seen) == made
    paged = [a["NetworkAclId"] for p in ec2.get_paginator("describe_network_acls").paginate(
        PaginationConfig={"PageSize": 5}) for a in p["NetworkAcls"]]
    assert len(paged) == 12 and len(set(paged)) == 12
    raw = boto3.client("ec2", endpoint_url=ec2.meta.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret",
                       config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    for bad in (4, 1001):  # outside 5..1000 (botocore itself refuses 4)
        with pytest.raises(ClientError) as e:
            raw.describe_network_acls(MaxResults=bad)
        assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        ec2.describe_network_acls(MaxResults=5, NextToken="garbage")
    assert _code(e) == "InvalidNextToken"


def test_restart_persistence(start_vpcd):
    v = start_vpcd()
    c = make_client(v.url)
    d = _default_acl(c)
    aid = c.create_network_acl(VpcId=d["VpcId"], TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "k", "Value": "v"}]}]
    )["NetworkAcl"]["NetworkAclId"]
    c.create_network_acl_entry(NetworkAclId=aid, RuleNumber=7, Protocol="udp",
                               RuleAction="allow", Egress=True, CidrBlock="10.9.0.0/16",
                               PortRange={"From": 123, "To": 123})
    new = c.replace_network_acl_association(
        AssociationId=d["Associations"][0]["NetworkAclAssociationId"],
        NetworkAclId=aid)["NewAssociationId"]
    before = _acl(c, aid)
    assert v.stop() == 0
    v2 = start_vpcd(state_dir=v.state_dir)
    c2 = make_client(v2.url)
    after = _acl(c2, aid)
    assert after == before
    assert after["Associations"][0]["NetworkAclAssociationId"] == new
    assert _entry(after, 7, egress=True)["PortRange"] == {"From": 123, "To": 123}
    assert after["Tags"] == [{"Key": "k", "Value": "v"}]


def test_aws_cli_v2(vpcd, ec2):
    vpc = _default_acl(ec2)["VpcId"]
    p = run_aws_cli(vpcd, "ec2", "create-network-acl", "--vpc-id", vpc)
    assert p.returncode == 0, p.stderr
    aid = p.json["NetworkAcl"]["NetworkAclId"]
    p = run_aws_cli(vpcd, "ec2", "create-network-acl-entry", "--network-acl-id", aid,
                    "--ingress", "--rule-number", "100", "--protocol", "tcp",
                    "--port-range", "From=80,To=81", "--cidr-block", "0.0.0.0/0",
                    "--rule-action", "allow")
    assert p.returncode == 0, p.stderr
    p = run_aws_cli(vpcd, "ec2", "describe-network-acls", "--filters",
                    "Name=entry.port-range.from,Values=80")
    assert p.returncode == 0, p.stderr
    acls = p.json["NetworkAcls"]
    assert [a["NetworkAclId"] for a in acls] == [aid]
    e = _entry(acls[0], 100)
    assert e["Protocol"] == "6" and e["PortRange"] == {"From": 80, "To": 81}
    p = run_aws_cli(vpcd, "ec2", "delete-network-acl", "--network-acl-id", "acl-0123456789abcdef0")
    assert p.returncode != 0 and "InvalidNetworkAclID.NotFound" in p.stderr


def test_second_vpc_quota_and_cross_vpc_association(ec2):
    d = _default_acl(ec2)
    vpc2 = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    acls2 = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc2]}])["NetworkAcls"]
    assert len(acls2) == 1 and acls2[0]["IsDefault"] is True and acls2[0]["Associations"] == []
    # a subnet of the default VPC cannot move to an ACL of another VPC
    with pytest.raises(ClientError) as e:
        ec2.replace_network_acl_association(
            AssociationId=d["Associations"][0]["NetworkAclAssociationId"],
            NetworkAclId=acls2[0]["NetworkAclId"])
    assert _code(e) == "InvalidParameterValue"
    # 200 ACLs per VPC, the default one included
    for _ in range(199):
        ec2.create_network_acl(VpcId=vpc2)
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl(VpcId=vpc2)
    assert _code(e) == "NetworkAclLimitExceeded"
    ec2.create_network_acl(VpcId=d["VpcId"])  # the quota is per VPC
    got = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc2]}],
                                    MaxResults=1000)["NetworkAcls"]
    assert len(got) == 200


def test_acl_writes_save_only_their_acls(start_vpcd, tmp_path):
    """Each network-ACL write saves only the ACLs it names (a save hint: its entries and
    associations are part of an ACL, a moved association changes two); vpcd runs with
    OPENVPC_VERIFY_SAVE_HINTS here, so a hint that misses a row aborts it. After a
    restart every ACL reads back."""
    state = tmp_path / "acl-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    [default] = c.describe_network_acls(Filters=[
        {"Name": "vpc-id", "Values": [vpc]}, {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    acl = c.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "web"}]}])[
        "NetworkAcl"]["NetworkAclId"]
    entry = dict(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    c.create_network_acl_entry(**entry)
    c.create_network_acl_entry(**dict(entry, RuleNumber=110, PortRange={"From": 80, "To": 80}))
    c.replace_network_acl_entry(**dict(entry, RuleAction="deny"))
    c.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Egress=False)
    [assoc] = [a["NetworkAclAssociationId"] for a in default["Associations"]
               if a["SubnetId"] == subnet]
    moved = c.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)[
        "NewAssociationId"]
    spare = c.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    c.delete_network_acl(NetworkAclId=spare)
    acls = c.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    c = make_client(start_vpcd(state_dir=state).url)
    assert c.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"] == acls
    by_id = {a["NetworkAclId"]: a for a in acls}
    assert set(by_id) == {default["NetworkAclId"], acl}
    assert [(a["NetworkAclAssociationId"], a["SubnetId"])
            for a in by_id[acl]["Associations"]] == [(moved, subnet)]
    assert [(e["RuleNumber"], e["RuleAction"]) for e in by_id[acl]["Entries"]
            if not e["Egress"]] == [(100, "deny"), (32767, "deny")]
