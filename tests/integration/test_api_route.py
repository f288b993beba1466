"""Integration tests of the route family: route tables, routes, associations, VGW
propagation and internet gateways (api/ec2-route.c) against a real vpcd."""
import ipaddress
import os
import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, make_client, run_aws_cli


def _code(exc):
    return exc.value.response["Error"]["Code"]


def _store_ids(v, prefix):
    found = set()
    for root, _, files in os.walk(v.state_dir):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                found |= set(re.findall(rb"%s-[0-9a-f]{17}" % prefix.encode(), fh.read()))
    return sorted(s.decode() for s in found)


class Env:
    """A vpcd with its default VPC: client, VPC, main table, IGW, subnets."""

    def __init__(self, v):
        self.v = v
        self.c = make_client(v.url)
        main = self.c.describe_route_tables(
            Filters=[{"Name": "association.main", "Values": ["true"]}])["RouteTables"]
        assert len(main) == 1
        self.main = main[0]
        self.vpc = self.main["VpcId"]
        self.igw = next(r["GatewayId"] for r in self.main["Routes"]
                        if r["DestinationCidrBlock"] == "0.0.0.0/0")
        self.subnets = self._live_subnets()

    def _live_subnets(self):
        """{subnet id: CIDR} of the default VPC's subnets, from the store."""
        out = {}
        for s in _store_ids(self.v, "subnet"):
            try:
                eni = self.c.create_network_interface(SubnetId=s)["NetworkInterface"]
            except ClientError:
                continue
            self.c.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
            if eni["VpcId"] == self.vpc:
                # Default subnets are /20s (172.31.0.0/20, 172.31.16.0/20, ...).
                out[s] = str(ipaddress.ip_network(eni["PrivateIpAddress"] + "/20",
                                                  strict=False))
        assert len(out) >= 2, out
        return out

    def table(self, **kw):
        return self.c.create_route_table(VpcId=self.vpc, **kw)["RouteTable"]

    def get(self, rtb_id):
        return self.c.describe_route_tables(RouteTableIds=[rtb_id])["RouteTables"][0]

    def route(self, rtb_id, dest):
        for r in self.get(rtb_id)["Routes"]:
            if r.get("DestinationCidrBlock") == dest:
                return r
        return None


@pytest.fixture
def env(start_vpcd):
    return Env(start_vpcd())


def _ids(tables):
    return sorted(t["RouteTableId"] for t in tables)


# ---- the default VPC ------------------------------------------------------------


def test_default_vpc_main_table(env):
    m = env.main
    assert m["RouteTableId"].startswith("rtb-") and m["VpcId"].startswith("vpc-")
    assert m["OwnerId"] == "123456789012"
    assert env.igw.startswith("igw-")
    assert [a["Main"] for a in m["Associations"]] == [True]
    a = m["Associations"][0]
    assert a["RouteTableAssociationId"].startswith("rtbassoc-")
    assert a["RouteTableId"] == m["RouteTableId"] and "SubnetId" not in a
    assert a["AssociationState"] == {"State": "associated"}
    routes = {r["DestinationCidrBlock"]: r for r in m["Routes"]}
    assert routes["172.31.0.0/16"] == {"DestinationCidrBlock": "172.31.0.0/16",
                                       "GatewayId": "local", "Origin": "CreateRouteTable",
                                       "State": "active"}
    assert routes["0.0.0.0/0"] == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": env.igw,
                                   "Origin": "CreateRoute", "State": "active"}
    assert m["PropagatingVgws"] == [] and m["Tags"] == []
    # The subnets have no explicit association: they use the main table.
    assert env.c.describe_route_tables(Filters=[
        {"Name": "association.subnet-id", "Values": list(env.subnets)}])["RouteTables"] == []
    assert _ids(env.c.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [env.vpc]}])["RouteTables"]) == [m["RouteTableId"]]


# ---- route tables -------------------------------------------------------------------


def test_create_describe_delete_route_table(env):
    c = env.c
    rt = env.table(TagSpecifications=[{"ResourceType": "route-table",
                                       "Tags": [{"Key": "Name", "Value": "private"}]}])
    rid = rt["RouteTableId"]
    assert rid.startswith("rtb-") and rt["VpcId"] == env.vpc
    assert rt["Associations"] == [] and rt["PropagatingVgws"] == []
    assert rt["Routes"] == [{"DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local",
                             "Origin": "CreateRouteTable", "State": "active"}]
    assert rt["Tags"] == [{"Key": "Name", "Value": "private"}]
    assert env.get(rid) == rt

    def ids(*filters):
        return _ids(c.describe_route_tables(
            Filters=[{"Name": n, "Values": v} for n, v in filters])["RouteTables"])

    assert ids(("tag:Name", ["private"])) == [rid]
    assert ids(("tag:Name", ["priv*"])) == [rid]
    assert ids(("tag-key", ["Name"])) == [rid]
    assert ids(("tag-value", ["private"])) == [rid]
    assert ids(("route-table-id", [rid])) == [rid]
    assert ids(("owner-id", ["123456789012"]), ("vpc-id", [env.vpc])) == \
        _ids([rt, env.main])
    assert ids(("association.main", ["false"])) == []  # rt has no association at all
    assert ids(("owner-id", ["999999999999"])) == []
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert _code(e) == "InvalidParameterValue"

    c.delete_route_table(RouteTableId=rid)
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(RouteTableIds=[rid])
    assert _code(e) == "InvalidRouteTableID.NotFound"
    with pytest.raises(ClientError) as e:
        c.delete_route_table(RouteTableId=rid)
    assert _code(e) == "InvalidRouteTableID.NotFound"


def test_route_table_errors_and_dry_run(env):
    c = env.c
    with pytest.raises(ClientError) as e:
        c.create_route_table(VpcId="vpc-00000000000000000")
    assert _code(e) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as e:
        c.create_route_table(VpcId=env.vpc, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert _code(e) == "InvalidParameterValue"
    before = _ids(c.describe_route_tables()["RouteTables"])
    with pytest.raises(ClientError) as e:
        c.create_route_table(VpcId=env.vpc, DryRun=True)
    assert _code(e) == "DryRunOperation"
    with pytest.raises(ClientError) as e:  # DryRun still validates the VPC
        c.create_route_table(VpcId="vpc-00000000000000000", DryRun=True)
    assert _code(e) == "InvalidVpcID.NotFound"
    assert _ids(c.describe_route_tables()["RouteTables"]) == before
    # The main table is associated: it cannot be deleted.
    with pytest.raises(ClientError) as e:
        c.delete_route_table(RouteTableId=env.main["RouteTableId"])
    assert _code(e) == "DependencyViolation"
    rid = env.table()["RouteTableId"]
    with pytest.raises(ClientError) as e:
        c.delete_route_table(RouteTableId=rid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert env.get(rid)["RouteTableId"] == rid
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(DryRun=True)
    assert _code(e) == "DryRunOperation"
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(RouteTableIds=[rid, "rtb-00000000000000000"])
    assert _code(e) == "InvalidRouteTableID.NotFound"


def test_describe_pagination(env):
    c = env.c
    made = [env.table()["RouteTableId"] for _ in range(7)]
    everything = _ids(c.describe_route_tables()["RouteTables"])
    assert set(made) <= set(everything) and len(everything) == 8
    p1 = c.describe_route_tables(MaxResults=5)
    assert len(p1["RouteTables"]) == 5 and p1.get("NextToken")
    p2 = c.describe_route_tables(MaxResults=5, NextToken=p1["NextToken"])
    assert len(p2["RouteTables"]) == 3 and not p2.get("NextToken")
    assert _ids(p1["RouteTables"] + p2["RouteTables"]) == everything
    # The paginator walks the same pages.
    pages = list(c.get_paginator("describe_route_tables").paginate(
        PaginationConfig={"PageSize": 5}))
    assert _ids([t for p in pages for t in p["RouteTables"]]) == everything
    unchecked = boto3.client("ec2", endpoint_url=env.v.url, region_name=REGION,
                             aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                             config=Config(parameter_validation=False,
                                           retries={"max_attempts": 1}))
    for bad in (4, 101):
        with pytest.raises(ClientError) as e:
            unchecked.describe_route_tables(MaxResults=bad)
        assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(NextToken="garbage")
    assert _code(e) == "InvalidNextToken"


# ---- routes -----------------------------------------------------------------------


def test_create_replace_delete_route(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    assert c.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0",
                          GatewayId=env.igw)["Return"] is True
    assert env.route(rid, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0",
                                           "GatewayId": env.igw, "Origin": "CreateRoute",
                                           "State": "active"}
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=env.igw)
    assert _code(e) == "RouteAlreadyExists"
    # A non-canonical CIDR names the same route.
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.1/0", GatewayId=env.igw)
    assert _code(e) == "RouteAlreadyExists"

    # Replace the target with an ENI of the VPC.
    subnet = next(iter(env.subnets))
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    c.replace_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", NetworkInterfaceId=eni)
    r = env.route(rid, "0.0.0.0/0")
    assert r["NetworkInterfaceId"] == eni and "GatewayId" not in r
    assert r["State"] == "active" and r["Origin"] == "CreateRoute"
    with pytest.raises(ClientError) as e:
        c.replace_route(RouteTableId=rid, DestinationCidrBlock="10.9.0.0/16", GatewayId=env.igw)
    assert _code(e) == "InvalidRoute.NotFound"

    with pytest.raises(ClientError) as e:
        c.delete_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert env.route(rid, "0.0.0.0/0") is not None
    c.delete_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0")
    assert env.route(rid, "0.0.0.0/0") is None
    with pytest.raises(ClientError) as e:
        c.delete_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0")
    assert _code(e) == "InvalidRoute.NotFound"
    with pytest.raises(ClientError) as e:
        c.delete_route(RouteTableId=rid, DestinationCidrBlock="172.31.0.0/16")
    assert _code(e) == "InvalidParameterValue"  # the local route
    assert env.route(rid, "172.31.0.0/16")["GatewayId"] == "local"


def test_route_errors(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    subnet = next(iter(env.subnets))

    def err(**kw):
        kw.setdefault("RouteTableId", rid)
        with pytest.raises(ClientError) as e:
            c.create_route(**kw)
        return _code(e)

    assert err(DestinationCidrBlock="10.0.0.0/33", GatewayId=env.igw) == "InvalidParameterValue"
    assert err(DestinationCidrBlock="banana", GatewayId=env.igw) == "InvalidParameterValue"
    assert err(DestinationCidrBlock="10.0.0.0/8") == "MissingParameter"
    assert err(GatewayId=env.igw) == "MissingParameter"
    assert err(DestinationCidrBlock="10.0.0.0/8", GatewayId=env.igw,
               NatGatewayId="nat-00000000000000000") == "InvalidParameterCombination"
    assert err(DestinationCidrBlock="10.0.0.0/8", GatewayId=env.igw,
               VpcEndpointId="vpce-00000000000000000") == "InvalidParameterCombination"
    assert err(DestinationCidrBlock="10.0.0.0/8",
               GatewayId="igw-00000000000000000") == "InvalidGatewayID.NotFound"
    assert err(DestinationCidrBlock="10.0.0.0/8",
               VpcEndpointId="vpce-00000000000000000") == "InvalidGatewayID.NotFound"
    assert err(DestinationCidrBlock="10.0.0.0/8",
               NatGatewayId="nat-00000000000000000") == "NatGatewayNotFound"
    assert err(DestinationCidrBlock="10.0.0.0/8", NetworkInterfaceId="eni-00000000000000000") \
        == "InvalidNetworkInterfaceID.NotFound"
    assert err(DestinationCidrBlock="10.0.0.0/8", InstanceId="i-00000000000000000") \
        == "InvalidInstanceID.NotFound"
    assert err(RouteTableId="rtb-00000000000000000", DestinationCidrBlock="10.0.0.0/8",
               GatewayId=env.igw) == "InvalidRouteTableID.NotFound"
    assert err(RouteTableId="rtb-00000000000000000", DestinationCidrBlock="10.0.0.0/8",
               GatewayId=env.igw, DryRun=True) == "InvalidRouteTableID.NotFound"
    assert err(DestinationIpv6CidrBlock="::/0", GatewayId=env.igw) == "InvalidParameterValue"
    # More specific than the local route: only a whole subnet CIDR, to a NAT gateway or ENI.
    assert err(DestinationCidrBlock="172.31.5.0/24", GatewayId=env.igw) == \
        "InvalidParameterValue"
    cidr = env.subnets[subnet]
    assert err(DestinationCidrBlock=cidr, GatewayId=env.igw) == "InvalidParameterValue"
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    assert err(DestinationCidrBlock="172.31.5.0/24", NetworkInterfaceId=eni) == \
        "InvalidParameterValue"
    c.create_route(RouteTableId=rid, DestinationCidrBlock=cidr, NetworkInterfaceId=eni)
    assert env.route(rid, cidr)["NetworkInterfaceId"] == eni
    # DryRun of a valid route changes nothing.
    assert err(DestinationCidrBlock="10.0.0.0/8", GatewayId=env.igw, DryRun=True) == \
        "DryRunOperation"
    assert env.route(rid, "10.0.0.0/8") is None


def test_route_limit(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    for i in range(50):
        c.create_route(RouteTableId=rid, DestinationCidrBlock=f"10.{i}.0.0/16", GatewayId=env.igw)
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="10.200.0.0/16", GatewayId=env.igw)
    assert _code(e) == "RouteLimitExceeded"
    assert len(env.get(rid)["Routes"]) == 51  # 50 + local
    # Deleting one makes room again.
    c.delete_route(RouteTableId=rid, DestinationCidrBlock="10.0.0.0/16")
    c.create_route(RouteTableId=rid, DestinationCidrBlock="10.200.0.0/16", GatewayId=env.igw)


def test_route_targets_filters_and_blackhole(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    subnet = next(iter(env.subnets))
    # NAT gateway target.
    alloc = c.allocate_address(Domain="vpc")["AllocationId"]
    nat = c.create_nat_gateway(SubnetId=subnet, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    c.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    # Instance target: the route also names the instance's ENI and owner.
    inst = c.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1,
                           InstanceType="t3.micro", SubnetId=subnet)["Instances"][0]
    iid = inst["InstanceId"]
    ieni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    c.create_route(RouteTableId=rid, DestinationCidrBlock="192.168.0.0/16", InstanceId=iid)
    # ENI target, and an IGW route in the same table.
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    c.create_route(RouteTableId=rid, DestinationCidrBlock="10.1.0.0/16", NetworkInterfaceId=eni)
    c.create_route(RouteTableId=rid, DestinationCidrBlock="203.0.113.0/24", GatewayId=env.igw)

    assert env.route(rid, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0",
                                           "NatGatewayId": nat, "Origin": "CreateRoute",
                                           "State": "active"}
    r = env.route(rid, "192.168.0.0/16")
    assert r["InstanceId"] == iid and r["InstanceOwnerId"] == "123456789012"
    assert r["NetworkInterfaceId"] == ieni and r["State"] == "active"
    r = env.route(rid, "10.1.0.0/16")
    assert r["NetworkInterfaceId"] == eni and "InstanceId" not in r

    def ids(name, *values):
        return _ids(c.describe_route_tables(
            Filters=[{"Name": name, "Values": list(values)}])["RouteTables"])

    assert ids("route.nat-gateway-id", nat) == [rid]
    assert ids("route.instance-id", iid) == [rid]
    assert ids("route.gateway-id", env.igw) == _ids([env.main, {"RouteTableId": rid}])
    assert ids("route.gateway-id", "local") == _ids([env.main, {"RouteTableId": rid}])
    assert ids("route.destination-cidr-block", "192.168.0.0/16") == [rid]
    assert ids("route.destination-cidr-block", "192.168.*") == [rid]
    assert ids("route.origin", "CreateRoute") == _ids([env.main, {"RouteTableId": rid}])
    assert ids("route.state", "blackhole") == []
    assert ids("route.vpc-peering-connection-id", "pcx-*") == []
    assert ids("route.transit-gateway-id", "tgw-*") == []

    # Targets that go away leave blackhole routes behind.
    c.delete_nat_gateway(NatGatewayId=nat)
    c.delete_network_interface(NetworkInterfaceId=eni)
    c.terminate_instances(InstanceIds=[iid])
    assert env.route(rid, "0.0.0.0/0")["State"] == "blackhole"
    assert env.route(rid, "10.1.0.0/16")["State"] == "blackhole"
    assert env.route(rid, "192.168.0.0/16")["State"] == "blackhole"
    assert env.route(rid, "203.0.113.0/24")["State"] == "active"
    assert ids("route.state", "blackhole") == [rid]
    assert ids("route.state", "active") == _ids([env.main, {"RouteTableId": rid}])
    # A blackhole route can be replaced by a live target.
    c.replace_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=env.igw)
    assert env.route(rid, "0.0.0.0/0")["State"] == "active"


def test_restart_keeps_routes(start_vpcd):
    env = Env(start_vpcd())
    c = env.c
    rid = env.table(TagSpecifications=[{"ResourceType": "route-table",
                                        "Tags": [{"Key": "k", "Value": "v"}]}])["RouteTableId"]
    c.create_route(RouteTableId=rid, DestinationCidrBlock="10.0.0.0/8", GatewayId=env.igw)
    before = c.describe_route_tables()["RouteTables"]
    assert env.v.stop() == 0
    v2 = start_vpcd(state_dir=env.v.state_dir)
    c2 = make_client(v2.url)
    after = c2.describe_route_tables()["RouteTables"]
    assert sorted(before, key=lambda t: t["RouteTableId"]) == \
        sorted(after, key=lambda t: t["RouteTableId"])
    assert c2.describe_route_tables(RouteTableIds=[rid])["RouteTables"][0]["Tags"] == \
        [{"Key": "k", "Value": "v"}]


def test_aws_cli_v2(env):
    url = env.v.url
    p = run_aws_cli(url, "ec2", "create-route-table", "--vpc-id", env.vpc)
    assert p.returncode == 0, p.stderr
    rid = p.json["RouteTable"]["RouteTableId"]
    p = run_aws_cli(url, "ec2", "create-route", "--route-table-id", rid,
                    "--destination-cidr-block", "10.0.0.0/8", "--gateway-id", env.igw)
    assert p.returncode == 0, p.stderr
    assert p.json == {"Return": True}
    p = run_aws_cli(url, "ec2", "describe-route-tables", "--filters",
                    "Name=route.destination-cidr-block,Values=10.0.0.0/8")
    assert p.returncode == 0, p.stderr
    assert [t["RouteTableId"] for t in p.json["RouteTables"]] == [rid]
    p = run_aws_cli(url, "ec2", "delete-route", "--route-table-id", rid,
                    "--destination-cidr-block", "10.0.0.0/8")
    assert p.returncode == 0, p.stderr
    p = run_aws_cli(url, "ec2", "delete-route", "--route-table-id", rid,
                    "--destination-cidr-block", "10.0.0.0/8")
    assert p.returncode != 0 and "InvalidRoute.NotFound" in p.stderr


# ---- associations -------------------------------------------------------------------


def test_subnet_association(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    other = env.table()["RouteTableId"]
    subnet = next(iter(env.subnets))
    with pytest.raises(ClientError) as e:
        c.associate_route_table(RouteTableId=rid, SubnetId=subnet, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert env.get(rid)["Associations"] == []
    out = c.associate_route_table(RouteTableId=rid, SubnetId=subnet)
    aid = out["AssociationId"]
    assert aid.startswith("rtbassoc-")
    assert out["AssociationState"] == {"State": "associated"}
    assert env.get(rid)["Associations"] == [{
        "Main": False, "RouteTableAssociationId": aid, "RouteTableId": rid,
        "SubnetId": subnet, "AssociationState": {"State": "associated"}}]

    def ids(name, *values):
        return _ids(c.describe_route_tables(
            Filters=[{"Name": name, "Values": list(values)}])["RouteTables"])

    assert ids("association.subnet-id", subnet) == [rid]
    assert ids("association.route-table-association-id", aid) == [rid]
    assert ids("association.route-table-id", rid) == [rid]
    assert ids("association.main", "false") == [rid]
    assert ids("association.main", "true") == [env.main["RouteTableId"]]

    # A subnet has one association; the table cannot be deleted while it has one.
    with pytest.raises(ClientError) as e:
        c.associate_route_table(RouteTableId=other, SubnetId=subnet)
    assert _code(e) == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as e:
        c.delete_route_table(RouteTableId=rid)
    assert _code(e) == "DependencyViolation"

    # Replace: the subnet moves to the other table under a new association ID.
    out = c.replace_route_table_association(AssociationId=aid, RouteTableId=other)
    new = out["NewAssociationId"]
    assert new.startswith("rtbassoc-") and new != aid
    assert out["AssociationState"] == {"State": "associated"}
    assert env.get(rid)["Associations"] == []
    assert [(a["SubnetId"], a["RouteTableAssociationId"])
            for a in env.get(other)["Associations"]] == [(subnet, new)]
    with pytest.raises(ClientError) as e:
        c.disassociate_route_table(AssociationId=aid)
    assert _code(e) == "InvalidAssociationID.NotFound"

    with pytest.raises(ClientError) as e:
        c.disassociate_route_table(AssociationId=new, DryRun=True)
    assert _code(e) == "DryRunOperation"
    c.disassociate_route_table(AssociationId=new)
    assert env.get(other)["Associations"] == []
    c.delete_route_table(RouteTableId=other)
    c.delete_route_table(RouteTableId=rid)


def test_association_errors(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    subnet = next(iter(env.subnets))

    def err(fn, **kw):
        with pytest.raises(ClientError) as e:
            fn(**kw)
        return _code(e)

    assert err(c.associate_route_table, RouteTableId=rid,
               SubnetId="subnet-00000000000000000") == "InvalidSubnetID.NotFound"
    assert err(c.associate_route_table, RouteTableId="rtb-00000000000000000",
               SubnetId=subnet) == "InvalidRouteTableID.NotFound"
    assert err(c.associate_route_table, RouteTableId=rid) == "MissingParameter"
    assert err(c.associate_route_table, RouteTableId=rid, SubnetId=subnet,
               GatewayId=env.igw) == "InvalidParameterCombination"
    assert err(c.associate_route_table, RouteTableId=rid,
               GatewayId="igw-00000000000000000") == "InvalidGatewayID.NotFound"
    assert err(c.disassociate_route_table,
               AssociationId="rtbassoc-00000000000000000") == "InvalidAssociationID.NotFound"
    assert err(c.replace_route_table_association, AssociationId="rtbassoc-00000000000000000",
               RouteTableId=rid) == "InvalidAssociationID.NotFound"
    main_assoc = env.main["Associations"][0]["RouteTableAssociationId"]
    assert err(c.replace_route_table_association, AssociationId=main_assoc,
               RouteTableId="rtb-00000000000000000") == "InvalidRouteTableID.NotFound"
    # The main association can be replaced, never removed.
    assert err(c.disassociate_route_table, AssociationId=main_assoc) == "InvalidParameterValue"
    assert env.get(env.main["RouteTableId"])["Associations"][0]["Main"] is True


def test_gateway_association(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    aid = c.associate_route_table(RouteTableId=rid, GatewayId=env.igw)["AssociationId"]
    assoc = env.get(rid)["Associations"]
    assert assoc == [{"Main": False, "RouteTableAssociationId": aid, "RouteTableId": rid,
                      "GatewayId": env.igw, "AssociationState": {"State": "associated"}}]
    assert _ids(c.describe_route_tables(Filters=[
        {"Name": "association.gateway-id", "Values": [env.igw]}])["RouteTables"]) == [rid]
    other = env.table()["RouteTableId"]
    with pytest.raises(ClientError) as e:
        c.associate_route_table(RouteTableId=other, GatewayId=env.igw)
    assert _code(e) == "Resource.AlreadyAssociated"
    c.disassociate_route_table(AssociationId=aid)
    assert env.get(rid)["Associations"] == []


def test_replace_main_association(env):
    c = env.c
    old_main = env.main["RouteTableId"]
    main_assoc = env.main["Associations"][0]["RouteTableAssociationId"]
    rid = env.table()["RouteTableId"]
    new = c.replace_route_table_association(AssociationId=main_assoc,
                                            RouteTableId=rid)["NewAssociationId"]
    t = env.get(rid)
    assert [(a["Main"], a["RouteTableAssociationId"]) for a in t["Associations"]] == \
        [(True, new)]
    assert env.get(old_main)["Associations"] == []
    assert _ids(c.describe_route_tables(Filters=[
        {"Name": "association.main", "Values": ["true"]},
        {"Name": "vpc-id", "Values": [env.vpc]}])["RouteTables"]) == [rid]
    # The new main table cannot be deleted; the former one now can.
    with pytest.raises(ClientError) as e:
        c.delete_route_table(RouteTableId=rid)
    assert _code(e) == "DependencyViolation"
    c.delete_route_table(RouteTableId=old_main)


def test_vgw_propagation_errors(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    with pytest.raises(ClientError) as e:
        c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId="vgw-00000000000000000")
    assert _code(e) == "InvalidVpnGatewayID.NotFound"
    with pytest.raises(ClientError) as e:
        c.disable_vgw_route_propagation(RouteTableId=rid, GatewayId="vgw-00000000000000000")
    assert _code(e) == "InvalidVpnGatewayID.NotFound"
    with pytest.raises(ClientError) as e:
        c.enable_vgw_route_propagation(RouteTableId="rtb-00000000000000000",
                                       GatewayId="vgw-00000000000000000")
    assert _code(e) == "InvalidRouteTableID.NotFound"
    with pytest.raises(ClientError) as e:
        c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId="vgw-00000000000000000",
                                       DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert env.get(rid)["PropagatingVgws"] == []
