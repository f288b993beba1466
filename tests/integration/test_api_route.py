"""Integration tests of the route family: route tables, routes, associations, VGW
propagation and internet gateways (api/ec2-route.c) against a real vpcd."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, make_client, run_aws_cli


def _code(exc):
    return exc.value.response["Error"]["Code"]


class Env:
    """A vpcd with its default VPC: client, VPC, main table, IGW, {subnet: CIDR}."""

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
        self.subnets = {
            sn["SubnetId"]: sn["CidrBlock"] for sn in self.c.describe_subnets(
                Filters=[{"Name": "vpc-id", "Values": [self.vpc]}])["Subnets"]}
        assert len(self.subnets) >= 2, self.subnets

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
    assert err(DestinationPrefixListId="pl-00000000000000000", GatewayId=env.igw) == \
        "InvalidPrefixListID.NotFound"
    pcx = "pcx-00000000000000000"
    assert err(DestinationCidrBlock="10.0.0.0/8", VpcPeeringConnectionId=pcx) == \
        "InvalidVpcPeeringConnectionID.NotFound"
    assert err(DestinationCidrBlock="10.0.0.0/8", TransitGatewayId="tgw-00000000000000000") == \
        "InvalidTransitGatewayID.NotFound"
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
    # The local route's target can become an ENI (middlebox) and be restored with LocalTarget.
    local = "172.31.0.0/16"
    with pytest.raises(ClientError) as e:
        c.replace_route(RouteTableId=rid, DestinationCidrBlock=local, GatewayId=env.igw)
    assert _code(e) == "InvalidParameterValue"
    c.replace_route(RouteTableId=rid, DestinationCidrBlock=local, NetworkInterfaceId=eni)
    r = env.route(rid, local)
    assert r["NetworkInterfaceId"] == eni and r["Origin"] == "CreateRouteTable"
    c.replace_route(RouteTableId=rid, DestinationCidrBlock=local, LocalTarget=True)
    assert env.route(rid, local) == {"DestinationCidrBlock": local, "GatewayId": "local",
                                     "Origin": "CreateRouteTable", "State": "active"}
    # DryRun of a valid route changes nothing.
    assert err(DestinationCidrBlock="10.0.0.0/8", GatewayId=env.igw, DryRun=True) == \
        "DryRunOperation"
    assert env.route(rid, "10.0.0.0/8") is None


def test_long_and_odd_ids(env):
    """Oversized or odd IDs get NotFound / InvalidParameterValue answers, never a crash."""
    c = env.c
    rid = env.table()["RouteTableId"]
    long_id = "x" * 2000

    def err(fn, **kw):
        with pytest.raises(ClientError) as e:
            fn(**kw)
        return _code(e)

    assert err(c.create_route, RouteTableId="rtb-" + long_id, DestinationCidrBlock="10.0.0.0/8",
               GatewayId=env.igw) == "InvalidRouteTableID.NotFound"
    assert err(c.create_route, RouteTableId=rid, DestinationCidrBlock="10.0.0.0/8",
               GatewayId="igw-" + long_id) == "InvalidGatewayID.NotFound"
    assert err(c.create_route, RouteTableId=rid, DestinationCidrBlock="10.0.0.0/8",
               NatGatewayId="nat-" + long_id) == "NatGatewayNotFound"
    assert err(c.create_route, RouteTableId=rid, DestinationPrefixListId="pl-" + long_id,
               GatewayId=env.igw) == "InvalidPrefixListID.NotFound"
    assert err(c.delete_route, RouteTableId=rid,
               DestinationPrefixListId="pl-" + long_id) == "InvalidRoute.NotFound"
    assert err(c.associate_route_table, RouteTableId=rid,
               GatewayId="vgw-" + long_id) == "InvalidGatewayID.NotFound"
    assert err(c.disassociate_route_table, AssociationId=long_id) == \
        "InvalidAssociationID.NotFound"
    assert err(c.attach_internet_gateway, InternetGatewayId=long_id, VpcId=env.vpc) == \
        "InvalidInternetGatewayID.NotFound"
    assert c.describe_route_tables(Filters=[
        {"Name": "route.gateway-id", "Values": [long_id]}])["RouteTables"] == []
    assert env.get(rid)["Routes"][0]["GatewayId"] == "local"


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
    # An ENI target attached to an instance also names the instance.
    c.create_route(RouteTableId=rid, DestinationCidrBlock="10.2.0.0/16", NetworkInterfaceId=ieni)
    r = env.route(rid, "10.2.0.0/16")
    assert (r["NetworkInterfaceId"], r["InstanceId"], r["InstanceOwnerId"]) == \
        (ieni, iid, "123456789012")
    # An instance with two ENIs is ambiguous as a target.
    c.attach_network_interface(NetworkInterfaceId=eni, InstanceId=iid, DeviceIndex=1)
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="10.3.0.0/16", InstanceId=iid)
    assert _code(e) == "InvalidInstanceID"
    assert env.route(rid, "192.168.0.0/16")["State"] == "blackhole"  # two ENIs now
    att = c.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    c.detach_network_interface(AttachmentId=att["Attachment"]["AttachmentId"])
    assert env.route(rid, "192.168.0.0/16")["State"] == "active"

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
    assert err(c.disassociate_route_table, AssociationId="rtbassoc-00000000000000000",
               DryRun=True) == "InvalidAssociationID.NotFound"
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
    assert _code(e) == "InvalidVpnGatewayID.NotFound"
    vgw = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    c.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=env.vpc)
    with pytest.raises(ClientError) as e:
        c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert env.get(rid)["PropagatingVgws"] == []


# ---- VPCs made with CreateVpc ---------------------------------------------------------


def _new_vpc(c, cidr="10.0.0.0/16"):
    vpc = c.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    main = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                            {"Name": "association.main", "Values": ["true"]}])
    return vpc, main["RouteTables"][0]["RouteTableId"]


def test_new_vpc_tables(env):
    c = env.c
    vpc, main = _new_vpc(c)
    t = env.get(main)
    assert t["VpcId"] == vpc and [a["Main"] for a in t["Associations"]] == [True]
    assert t["Routes"] == [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                            "Origin": "CreateRouteTable", "State": "active"}]
    rid = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    # A secondary CIDR adds a local route to every table of the VPC.
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    for table in (main, rid):
        locals_ = sorted(r["DestinationCidrBlock"] for r in env.get(table)["Routes"]
                         if r.get("GatewayId") == "local")
        assert locals_ == ["10.0.0.0/16", "10.1.0.0/16"]
    # Nothing of another VPC can be used here.
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=env.igw)
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.associate_route_table(RouteTableId=rid, SubnetId=next(iter(env.subnets)))
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.replace_route_table_association(
            AssociationId=env.main["Associations"][0]["RouteTableAssociationId"],
            RouteTableId=rid)
    assert _code(e) == "InvalidParameterValue"
    # A subnet of the new VPC: associate, then a route to an ENI for the subnet's CIDR.
    sub = c.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    aid = c.associate_route_table(RouteTableId=rid, SubnetId=sub)["AssociationId"]
    eni = c.create_network_interface(SubnetId=sub)["NetworkInterface"]["NetworkInterfaceId"]
    c.create_route(RouteTableId=main, DestinationCidrBlock="10.0.1.0/24", NetworkInterfaceId=eni)
    assert env.route(main, "10.0.1.0/24")["NetworkInterfaceId"] == eni
    # The VPC cannot go while it has a non-main table.
    with pytest.raises(ClientError) as e:
        c.delete_vpc(VpcId=vpc)
    assert _code(e) == "DependencyViolation"
    # Deleting the subnet removes its association.
    c.delete_network_interface(NetworkInterfaceId=eni)
    c.delete_subnet(SubnetId=sub)
    assert env.get(rid)["Associations"] == []
    with pytest.raises(ClientError) as e:
        c.disassociate_route_table(AssociationId=aid)
    assert _code(e) == "InvalidAssociationID.NotFound"
    c.delete_route_table(RouteTableId=rid)
    c.delete_vpc(VpcId=vpc)
    with pytest.raises(ClientError) as e:
        c.describe_route_tables(RouteTableIds=[main])
    assert _code(e) == "InvalidRouteTableID.NotFound"


# ---- internet gateways --------------------------------------------------------------


def _igw(c, gid):
    return c.describe_internet_gateways(InternetGatewayIds=[gid])["InternetGateways"][0]


def _igw_ids(c, *filters):
    return sorted(g["InternetGatewayId"] for g in c.describe_internet_gateways(
        Filters=[{"Name": n, "Values": v} for n, v in filters])["InternetGateways"])


def test_default_vpc_igw(env):
    g = _igw(env.c, env.igw)
    assert g == {"Attachments": [{"State": "available", "VpcId": env.vpc}],
                 "InternetGatewayId": env.igw, "OwnerId": "123456789012", "Tags": []}
    assert _igw_ids(env.c, ("attachment.vpc-id", [env.vpc])) == [env.igw]
    assert env.c.describe_vpcs(VpcIds=[env.vpc])["Vpcs"][0]["IsDefault"] is True


def test_internet_gateway_lifecycle(env):
    c = env.c
    vpc, main = _new_vpc(c)
    g = c.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}])
    g = g["InternetGateway"]
    gid = g["InternetGatewayId"]
    assert gid.startswith("igw-")
    assert g == {"Attachments": [], "InternetGatewayId": gid, "OwnerId": "123456789012",
                 "Tags": [{"Key": "Name", "Value": "gw"}]}
    assert _igw(c, gid) == g
    # A route to an IGW that is not attached to the table's VPC is refused.
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.detach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    assert _code(e) == "Gateway.NotAttached"

    with pytest.raises(ClientError) as e:
        c.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert _igw(c, gid)["Attachments"] == []
    c.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    assert _igw(c, gid)["Attachments"] == [{"State": "available", "VpcId": vpc}]
    assert _igw_ids(c, ("attachment.vpc-id", [vpc])) == [gid]
    assert _igw_ids(c, ("attachment.state", ["available"])) == sorted([gid, env.igw])
    assert _igw_ids(c, ("tag:Name", ["gw"])) == [gid]
    assert _igw_ids(c, ("tag-key", ["Name"]), ("internet-gateway-id", [gid, env.igw])) == [gid]
    assert _igw_ids(c, ("tag-value", ["g*"])) == [gid]
    assert _igw_ids(c, ("owner-id", ["123456789012"])) == sorted([gid, env.igw])

    # One IGW per VPC, one VPC per IGW.
    with pytest.raises(ClientError) as e:
        c.attach_internet_gateway(InternetGatewayId=env.igw, VpcId=vpc)
    assert _code(e) == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as e:
        c.attach_internet_gateway(InternetGatewayId=gid, VpcId=env.vpc)
    assert _code(e) == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as e:
        c.delete_internet_gateway(InternetGatewayId=gid)
    assert _code(e) == "DependencyViolation"
    with pytest.raises(ClientError) as e:
        c.delete_vpc(VpcId=vpc)
    assert _code(e) == "DependencyViolation"

    c.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    assert env.route(main, "0.0.0.0/0")["State"] == "active"
    with pytest.raises(ClientError) as e:
        c.detach_internet_gateway(InternetGatewayId=gid, VpcId=vpc, DryRun=True)
    assert _code(e) == "DryRunOperation"
    c.detach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    assert _igw(c, gid)["Attachments"] == []
    assert _igw_ids(c, ("attachment.vpc-id", [vpc])) == []
    # The route stays, as a blackhole.
    assert env.route(main, "0.0.0.0/0") == {"DestinationCidrBlock": "0.0.0.0/0",
                                            "GatewayId": gid, "Origin": "CreateRoute",
                                            "State": "blackhole"}
    with pytest.raises(ClientError) as e:
        c.delete_internet_gateway(InternetGatewayId=gid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    c.delete_internet_gateway(InternetGatewayId=gid)
    with pytest.raises(ClientError) as e:
        c.describe_internet_gateways(InternetGatewayIds=[gid])
    assert _code(e) == "InvalidInternetGatewayID.NotFound"
    with pytest.raises(ClientError) as e:
        c.delete_internet_gateway(InternetGatewayId=gid)
    assert _code(e) == "InvalidInternetGatewayID.NotFound"
    assert env.route(main, "0.0.0.0/0")["State"] == "blackhole"
    c.delete_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0")
    c.delete_vpc(VpcId=vpc)


def test_internet_gateway_errors(env):
    c = env.c
    gid = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]

    def err(fn, **kw):
        with pytest.raises(ClientError) as e:
            fn(**kw)
        return _code(e)

    nf = "igw-00000000000000000"
    assert err(c.attach_internet_gateway, InternetGatewayId=nf, VpcId=env.vpc) == \
        "InvalidInternetGatewayID.NotFound"
    assert err(c.attach_internet_gateway, InternetGatewayId=gid,
               VpcId="vpc-00000000000000000") == "InvalidVpcID.NotFound"
    assert err(c.attach_internet_gateway, InternetGatewayId=gid,
               VpcId="vpc-00000000000000000", DryRun=True) == "InvalidVpcID.NotFound"
    assert err(c.detach_internet_gateway, InternetGatewayId=nf, VpcId=env.vpc) == \
        "InvalidInternetGatewayID.NotFound"
    assert err(c.delete_internet_gateway, InternetGatewayId=nf) == \
        "InvalidInternetGatewayID.NotFound"
    assert err(c.describe_internet_gateways, InternetGatewayIds=[gid, nf]) == \
        "InvalidInternetGatewayID.NotFound"
    assert err(c.describe_internet_gateways,
               Filters=[{"Name": "attachment.bogus", "Values": ["x"]}]) == \
        "InvalidParameterValue"
    assert err(c.create_internet_gateway, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}]) == \
        "InvalidParameterValue"
    before = _igw_ids(c)
    assert err(c.create_internet_gateway, DryRun=True) == "DryRunOperation"
    assert err(c.describe_internet_gateways, DryRun=True) == "DryRunOperation"
    assert _igw_ids(c) == before


def test_detach_with_public_addresses(env):
    c = env.c
    subnet = next(iter(env.subnets))
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    alloc = c.allocate_address(Domain="vpc")["AllocationId"]
    assoc = c.associate_address(AllocationId=alloc, NetworkInterfaceId=eni)["AssociationId"]
    with pytest.raises(ClientError) as e:
        c.detach_internet_gateway(InternetGatewayId=env.igw, VpcId=env.vpc)
    assert _code(e) == "DependencyViolation"
    assert _igw(c, env.igw)["Attachments"] == [{"State": "available", "VpcId": env.vpc}]
    c.disassociate_address(AssociationId=assoc)
    c.detach_internet_gateway(InternetGatewayId=env.igw, VpcId=env.vpc)
    # The default route of the default VPC now leads nowhere.
    assert env.route(env.main["RouteTableId"], "0.0.0.0/0")["State"] == "blackhole"
    c.attach_internet_gateway(InternetGatewayId=env.igw, VpcId=env.vpc)
    assert env.route(env.main["RouteTableId"], "0.0.0.0/0")["State"] == "active"


def test_internet_gateway_quota_and_paging(env):
    c = env.c
    # Five IGWs per Region (AWS default), the default VPC's included.
    made = [c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
            for _ in range(4)]
    with pytest.raises(ClientError) as e:
        c.create_internet_gateway()
    assert _code(e) == "InternetGatewayLimitExceeded"
    everything = _igw_ids(c)
    assert sorted(made + [env.igw]) == everything
    # The quota keeps a Region at 5, which is the smallest page: one full page, no token.
    p1 = c.describe_internet_gateways(MaxResults=5)
    assert sorted(g["InternetGatewayId"] for g in p1["InternetGateways"]) == everything
    assert not p1.get("NextToken")
    with pytest.raises(ClientError) as e:
        c.describe_internet_gateways(NextToken="garbage")
    assert _code(e) == "InvalidNextToken"
    c.delete_internet_gateway(InternetGatewayId=made[0])
    c.create_internet_gateway()
    p = run_aws_cli(env.v.url, "ec2", "describe-internet-gateways", "--filters",
                    f"Name=attachment.vpc-id,Values={env.vpc}")
    assert p.returncode == 0, p.stderr
    assert p.json["InternetGateways"] == [{"Attachments": [{"State": "available",
                                                            "VpcId": env.vpc}],
                                           "InternetGatewayId": env.igw,
                                           "OwnerId": "123456789012", "Tags": []}]


# ---- VGW routes and propagation ---------------------------------------------------------


def test_vgw_routes_and_propagation(env):
    c = env.c
    rid = env.table()["RouteTableId"]
    vgw = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    # Not attached yet: neither a route nor propagation.
    with pytest.raises(ClientError) as e:
        c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)
    assert _code(e) == "Gateway.NotAttached"
    with pytest.raises(ClientError) as e:
        c.create_route(RouteTableId=rid, DestinationCidrBlock="10.50.0.0/16", GatewayId=vgw)
    assert _code(e) == "InvalidParameterValue"
    c.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=env.vpc)
    cgw = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                    IpAddress="192.0.2.10")["CustomerGateway"]
    vpn = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw["CustomerGatewayId"],
                                  VpnGatewayId=vgw, Options={"StaticRoutesOnly": True})
    vpn_id = vpn["VpnConnection"]["VpnConnectionId"]
    c.create_vpn_connection_route(VpnConnectionId=vpn_id, DestinationCidrBlock="10.60.0.0/16")
    c.create_route(RouteTableId=rid, DestinationCidrBlock="10.50.0.0/16", GatewayId=vgw)
    assert env.route(rid, "10.60.0.0/16") is None  # not propagated yet

    c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)
    c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)  # idempotent
    t = env.get(rid)
    assert t["PropagatingVgws"] == [{"GatewayId": vgw}]
    assert env.route(rid, "10.60.0.0/16") == {
        "DestinationCidrBlock": "10.60.0.0/16", "GatewayId": vgw,
        "Origin": "EnableVgwRoutePropagation", "State": "active"}
    assert env.route(rid, "10.50.0.0/16") == {
        "DestinationCidrBlock": "10.50.0.0/16", "GatewayId": vgw, "Origin": "CreateRoute",
        "State": "active"}
    assert _ids(c.describe_route_tables(Filters=[
        {"Name": "route.origin", "Values": ["EnableVgwRoutePropagation"]}])["RouteTables"]) \
        == [rid]
    assert _ids(c.describe_route_tables(Filters=[
        {"Name": "route.destination-cidr-block", "Values": ["10.60.0.0/16"]}])["RouteTables"]) \
        == [rid]
    # A propagated route is not a static one: DeleteRoute does not find it.
    with pytest.raises(ClientError) as e:
        c.delete_route(RouteTableId=rid, DestinationCidrBlock="10.60.0.0/16")
    assert _code(e) == "InvalidRoute.NotFound"

    c.disable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)
    t = env.get(rid)
    assert t["PropagatingVgws"] == []
    assert env.route(rid, "10.60.0.0/16") is None
    c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)
    # Detaching the VGW: the static route is a blackhole, propagation stops.
    c.delete_vpn_connection(VpnConnectionId=vpn_id)
    c.detach_vpn_gateway(VpnGatewayId=vgw, VpcId=env.vpc)
    assert env.route(rid, "10.50.0.0/16")["State"] == "blackhole"
    assert env.route(rid, "10.60.0.0/16") is None


def test_restart_keeps_associations_and_gateways(start_vpcd):
    env = Env(start_vpcd())
    c = env.c
    rid = env.table()["RouteTableId"]
    subnet = next(iter(env.subnets))
    aid = c.associate_route_table(RouteTableId=rid, SubnetId=subnet)["AssociationId"]
    gid = c.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway",
         "Tags": [{"Key": "k", "Value": "v"}]}])["InternetGateway"]["InternetGatewayId"]
    vpc, main = _new_vpc(c, "10.7.0.0/16")
    c.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    c.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    vgw = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    c.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=env.vpc)
    c.enable_vgw_route_propagation(RouteTableId=rid, GatewayId=vgw)
    tables = sorted(c.describe_route_tables()["RouteTables"], key=lambda t: t["RouteTableId"])
    igws = sorted(c.describe_internet_gateways()["InternetGateways"],
                  key=lambda g: g["InternetGatewayId"])
    assert env.v.stop() == 0
    c2 = make_client(start_vpcd(state_dir=env.v.state_dir).url)
    assert sorted(c2.describe_route_tables()["RouteTables"],
                  key=lambda t: t["RouteTableId"]) == tables
    assert sorted(c2.describe_internet_gateways()["InternetGateways"],
                  key=lambda g: g["InternetGatewayId"]) == igws
    assert _igw(c2, gid)["Attachments"] == [{"State": "available", "VpcId": vpc}]
    got = c2.describe_route_tables(Filters=[
        {"Name": "association.route-table-association-id", "Values": [aid]}])["RouteTables"]
    assert [t["RouteTableId"] for t in got] == [rid]
    assert got[0]["PropagatingVgws"] == [{"GatewayId": vgw}]
    # The restored state still works: the association can be removed.
    c2.disassociate_route_table(AssociationId=aid)


def test_route_writes_save_only_their_tables(start_vpcd, tmp_path):
    """Each route-table and internet-gateway write saves only the objects it names (one or
    two tables, or the gateway: a save hint); vpcd runs with OPENVPC_VERIFY_SAVE_HINTS
    here, so a hint that misses a row aborts it. Covered: a table with tags, routes
    created, replaced and deleted, a subnet associated, its association moved, the main
    association moved and back, VGW propagation on and off, a gateway created, attached,
    detached and deleted (a route to it stays, as a blackhole). After a restart every
    table and gateway reads back."""
    state = tmp_path / "rtb-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    [main] = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    a = c.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "a"}]}])[
        "RouteTable"]["RouteTableId"]
    b = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    c.create_route(RouteTableId=a, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    c.create_route(RouteTableId=a, DestinationCidrBlock="192.168.0.0/16", GatewayId=igw)
    vgw = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    c.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc)
    c.replace_route(RouteTableId=a, DestinationCidrBlock="192.168.0.0/16", GatewayId=vgw)
    c.create_route(RouteTableId=a, DestinationCidrBlock="10.9.0.0/16", GatewayId=vgw)
    c.delete_route(RouteTableId=a, DestinationCidrBlock="10.9.0.0/16")
    assoc = c.associate_route_table(RouteTableId=a, SubnetId=subnet)["AssociationId"]
    moved = c.replace_route_table_association(AssociationId=assoc, RouteTableId=b)[
        "NewAssociationId"]
    main_assoc = main["Associations"][0]["RouteTableAssociationId"]
    main_assoc = c.replace_route_table_association(AssociationId=main_assoc, RouteTableId=a)[
        "NewAssociationId"]
    c.enable_vgw_route_propagation(RouteTableId=a, GatewayId=vgw)
    c.enable_vgw_route_propagation(RouteTableId=b, GatewayId=vgw)
    c.disable_vgw_route_propagation(RouteTableId=b, GatewayId=vgw)
    c.disassociate_route_table(AssociationId=moved)
    c.create_route(RouteTableId=b, DestinationCidrBlock="172.16.0.0/12", GatewayId=igw)
    # The gateway goes: its routes stay, as blackholes (computed, not stored in a table).
    c.delete_route(RouteTableId=a, DestinationCidrBlock="0.0.0.0/0")
    c.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    c.delete_internet_gateway(InternetGatewayId=igw)
    spare = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    c.delete_route_table(RouteTableId=spare)
    tables = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    gateways = c.describe_internet_gateways()["InternetGateways"]
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    c = make_client(start_vpcd(state_dir=state).url)
    assert c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"] == tables
    assert c.describe_internet_gateways()["InternetGateways"] == gateways
    by_id = {t["RouteTableId"]: t for t in tables}
    assert set(by_id) == {main["RouteTableId"], a, b}
    assert [x["RouteTableAssociationId"] for x in by_id[a]["Associations"]] == [main_assoc]
    assert by_id[a]["Associations"][0]["Main"] is True
    assert by_id[main["RouteTableId"]]["Associations"] == []
    assert by_id[a]["PropagatingVgws"] == [{"GatewayId": vgw}]
    assert by_id[b]["PropagatingVgws"] == []
    assert [(r["DestinationCidrBlock"], r.get("GatewayId")) for r in by_id[a]["Routes"]
            if r["DestinationCidrBlock"] != "10.8.0.0/16"] == [("192.168.0.0/16", vgw)]
    assert [(r["DestinationCidrBlock"], r["State"]) for r in by_id[b]["Routes"]
            if r["DestinationCidrBlock"] != "10.8.0.0/16"] == [("172.16.0.0/12", "blackhole")]
    assert igw not in {g["InternetGatewayId"] for g in gateways}
