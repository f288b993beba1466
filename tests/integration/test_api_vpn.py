"""Integration tests of the vpn family: virtual private gateways, customer
gateways, VPN connections and their static routes (boto3 and AWS CLI v2)."""
import xml.etree.ElementTree as ET

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, raw_post, restart_reads_back


def _code(exc):
    return exc.value.response["Error"]["Code"]


def _default_vpc(c):
    vpcs = {g["VpcId"] for g in c.describe_security_groups()["SecurityGroups"]}
    assert len(vpcs) == 1
    return vpcs.pop()


def _tags(key, value, rtype):
    return [{"ResourceType": rtype, "Tags": [{"Key": key, "Value": value}]}]


def _chain(c, vpc, ip="192.0.2.10", static=True):
    """VGW attached to vpc, a CGW and a VPN connection between them."""
    g = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    c.attach_vpn_gateway(VpnGatewayId=g, VpcId=vpc)
    cg = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                   IpAddress=ip)["CustomerGateway"]["CustomerGatewayId"]
    vpn = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cg, VpnGatewayId=g,
                                  Options={"StaticRoutesOnly": static})["VpnConnection"]
    return g, cg, vpn["VpnConnectionId"]


def test_full_chain(ec2):
    c = ec2
    vpc = _default_vpc(c)
    g = c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=65100, AvailabilityZone="us-east-1b",
                             TagSpecifications=_tags("Name", "vgw1", "vpn-gateway"))["VpnGateway"]
    gid = g["VpnGatewayId"]
    assert gid.startswith("vgw-")
    assert g["State"] == "available" and g["Type"] == "ipsec.1"
    assert g["AmazonSideAsn"] == 65100
    assert g["AvailabilityZone"] == "us-east-1b"
    assert g["VpcAttachments"] == []
    assert g["Tags"] == [{"Key": "Name", "Value": "vgw1"}]

    att = c.attach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)["VpcAttachment"]
    assert att == {"VpcId": vpc, "State": "attached"}

    cg = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65010, IpAddress="192.0.2.10",
                                   DeviceName="edge-1",
                                   TagSpecifications=_tags("site", "paris", "customer-gateway"))
    cg = cg["CustomerGateway"]
    cid = cg["CustomerGatewayId"]
    assert cid.startswith("cgw-")
    assert cg == {"CustomerGatewayId": cid, "State": "available", "Type": "ipsec.1",
                  "IpAddress": "192.0.2.10", "BgpAsn": "65010", "DeviceName": "edge-1",
                  "Tags": [{"Key": "site", "Value": "paris"}]}

    vpn = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid,
                                  Options={"StaticRoutesOnly": True},
                                  TagSpecifications=_tags("Name", "v1", "vpn-connection"))
    vpn = vpn["VpnConnection"]
    vid = vpn["VpnConnectionId"]
    assert vid.startswith("vpn-")
    assert vpn["State"] == "available" and vpn["Category"] == "VPN"
    assert vpn["CustomerGatewayId"] == cid and vpn["VpnGatewayId"] == gid
    assert vpn["Type"] == "ipsec.1"
    assert vpn["Options"]["StaticRoutesOnly"] is True
    assert vpn["Routes"] == []
    assert vpn["Tags"] == [{"Key": "Name", "Value": "v1"}]
    tel = vpn["VgwTelemetry"]
    assert len(tel) == 2
    outside = [t["OutsideIpAddress"] for t in tel]
    assert len(set(outside)) == 2
    tunnels = vpn["Options"]["TunnelOptions"]
    assert [t["OutsideIpAddress"] for t in tunnels] == outside
    inside = [t["TunnelInsideCidr"] for t in tunnels]
    assert all(cidr.startswith("169.254.") and cidr.endswith("/30") for cidr in inside)
    assert len(set(inside)) == 2

    # The configuration document is XML naming this connection, its gateways and tunnels.
    cfg = ET.fromstring(vpn["CustomerGatewayConfiguration"])
    assert cfg.tag == "vpn_connection" and cfg.get("id") == vid
    assert cfg.findtext("customer_gateway_id") == cid
    assert cfg.findtext("vpn_gateway_id") == gid
    tun = cfg.findall("ipsec_tunnel")
    assert len(tun) == 2
    assert [t.findtext("vpn_gateway/tunnel_outside_address/ip_address") for t in tun] == outside
    assert {t.findtext("customer_gateway/tunnel_outside_address/ip_address")
            for t in tun} == {"192.0.2.10"}
    assert tun[0].find("customer_gateway/bgp") is None  # static routing: no BGP block
    assert len(tun[0].findtext("ike/pre_shared_key")) == 32

    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.98.1.0/24")
    got = c.describe_vpn_connections(VpnConnectionIds=[vid])["VpnConnections"]
    assert len(got) == 1
    assert sorted(got[0]["Routes"], key=lambda r: r["DestinationCidrBlock"]) == [
        {"DestinationCidrBlock": "10.98.1.0/24", "Source": "Static", "State": "available"},
        {"DestinationCidrBlock": "10.99.0.0/16", "Source": "Static", "State": "available"}]
    assert got[0]["CustomerGatewayConfiguration"] == vpn["CustomerGatewayConfiguration"]

    vgws = c.describe_vpn_gateways(VpnGatewayIds=[gid])["VpnGateways"]
    assert vgws[0]["VpcAttachments"] == [{"VpcId": vpc, "State": "attached"}]
    cgws = c.describe_customer_gateways(CustomerGatewayIds=[cid])["CustomerGateways"]
    assert cgws[0]["DeviceName"] == "edge-1"

    c.delete_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.98.1.0/24")
    got = c.describe_vpn_connections(VpnConnectionIds=[vid])["VpnConnections"][0]
    assert [r["DestinationCidrBlock"] for r in got["Routes"]] == ["10.99.0.0/16"]


def test_teardown_and_deleted_state(ec2):
    c = ec2
    vpc = _default_vpc(c)
    gid, cid, vid = _chain(c, vpc)
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")

    # In use: neither gateway can go, and an attached VGW cannot be deleted.
    with pytest.raises(ClientError) as e:
        c.delete_customer_gateway(CustomerGatewayId=cid)
    assert _code(e) == "IncorrectState"
    with pytest.raises(ClientError) as e:
        c.delete_vpn_gateway(VpnGatewayId=gid)
    assert _code(e) == "IncorrectState"

    assert c.delete_vpn_connection(VpnConnectionId=vid)["ResponseMetadata"]["HTTPStatusCode"] == 200
    # AWS keeps a deleted connection visible as "deleted"; so does vpcd.
    got = c.describe_vpn_connections(VpnConnectionIds=[vid])["VpnConnections"][0]
    assert got["State"] == "deleted"
    assert "CustomerGatewayConfiguration" not in got
    assert [r["State"] for r in got["Routes"]] == ["deleted"]
    assert {t["Status"] for t in got["VgwTelemetry"]} == {"DOWN"}
    c.delete_vpn_connection(VpnConnectionId=vid)  # again: succeeds, as AWS
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.1.0.0/16")
    assert _code(e) == "IncorrectState"
    deleted = c.describe_vpn_connections(
        Filters=[{"Name": "state", "Values": ["deleted"]}])["VpnConnections"]
    assert [v["VpnConnectionId"] for v in deleted] == [vid]

    c.delete_customer_gateway(CustomerGatewayId=cid)
    with pytest.raises(ClientError) as e:
        c.describe_customer_gateways(CustomerGatewayIds=[cid])
    assert _code(e) == "InvalidCustomerGatewayID.NotFound"

    with pytest.raises(ClientError) as e:
        c.delete_vpn_gateway(VpnGatewayId=gid)  # still attached
    assert _code(e) == "IncorrectState"
    c.detach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)
    g = c.describe_vpn_gateways(VpnGatewayIds=[gid])["VpnGateways"][0]
    assert g["VpcAttachments"] == [{"VpcId": vpc, "State": "detached"}]
    with pytest.raises(ClientError) as e:
        c.detach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)
    assert _code(e) == "InvalidVpnGatewayAttachment.NotFound"
    c.delete_vpn_gateway(VpnGatewayId=gid)
    with pytest.raises(ClientError) as e:
        c.describe_vpn_gateways(VpnGatewayIds=[gid])
    assert _code(e) == "InvalidVpnGatewayID.NotFound"


def test_not_found_errors(ec2):
    c = ec2
    vpc = _default_vpc(c)
    bad_vgw, bad_cgw, bad_vpn = "vgw-0123456789abcdef0", "cgw-0123456789abcdef0", \
        "vpn-0123456789abcdef0"
    calls = [
        (lambda: c.describe_vpn_gateways(VpnGatewayIds=[bad_vgw]), "InvalidVpnGatewayID.NotFound"),
        (lambda: c.delete_vpn_gateway(VpnGatewayId=bad_vgw), "InvalidVpnGatewayID.NotFound"),
        (lambda: c.attach_vpn_gateway(VpnGatewayId=bad_vgw, VpcId=vpc),
         "InvalidVpnGatewayID.NotFound"),
        (lambda: c.describe_customer_gateways(CustomerGatewayIds=[bad_cgw]),
         "InvalidCustomerGatewayID.NotFound"),
        (lambda: c.delete_customer_gateway(CustomerGatewayId=bad_cgw),
         "InvalidCustomerGatewayID.NotFound"),
        (lambda: c.describe_vpn_connections(VpnConnectionIds=[bad_vpn]),
         "InvalidVpnConnectionID.NotFound"),
        (lambda: c.delete_vpn_connection(VpnConnectionId=bad_vpn),
         "InvalidVpnConnectionID.NotFound"),
        (lambda: c.create_vpn_connection_route(VpnConnectionId=bad_vpn,
                                               DestinationCidrBlock="10.0.0.0/8"),
         "InvalidVpnConnectionID.NotFound"),
        (lambda: c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=bad_cgw,
                                         VpnGatewayId=bad_vgw),
         "InvalidCustomerGatewayID.NotFound"),
    ]
    for call, code in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert _code(e) == code
    g = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    with pytest.raises(ClientError) as e:
        c.attach_vpn_gateway(VpnGatewayId=g, VpcId="vpc-0123456789abcdef0")
    assert _code(e) == "InvalidVpcID.NotFound"
    cg = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                   IpAddress="192.0.2.1")["CustomerGateway"]["CustomerGatewayId"]
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cg, VpnGatewayId=bad_vgw)
    assert _code(e) == "InvalidVpnGatewayID.NotFound"


def test_invalid_values(ec2):
    c = ec2
    vpc = _default_vpc(c)
    bad = [
        lambda: c.create_vpn_gateway(Type="ipsec.2"),
        lambda: c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=100),
        lambda: c.create_vpn_gateway(Type="ipsec.1", AvailabilityZone="us-east-1z"),
        lambda: c.create_customer_gateway(Type="ipsec.2", BgpAsn=65000, IpAddress="192.0.2.1"),
        lambda: c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2"),
        lambda: c.create_customer_gateway(Type="ipsec.1", BgpAsn=0, IpAddress="192.0.2.1"),
        lambda: c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2.1",
                                          CertificateArn="arn:aws:acm:us-east-1:1:certificate/x"),
        lambda: c.create_vpn_gateway(Type="ipsec.1",
                                     TagSpecifications=_tags("k", "v", "vpc")),
    ]
    for call in bad:
        with pytest.raises(ClientError) as e:
            call()
        assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=4294967295)
    assert _code(e) == "InvalidParameterValue"
    # 4-byte private ASNs are accepted and come back as numbers.
    g4 = c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=4200000000)["VpnGateway"]
    assert g4["AmazonSideAsn"] == 4200000000
    c.delete_vpn_gateway(VpnGatewayId=g4["VpnGatewayId"])
    with pytest.raises(ClientError) as e:
        c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000)
    assert _code(e) == "MissingParameter"
    with pytest.raises(ClientError) as e:
        c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2.1",
                                  PublicIp="192.0.2.2")
    assert _code(e) == "InvalidParameterCombination"
    # PublicIp alone is the older spelling of IpAddress.
    cg = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65001,
                                   PublicIp="192.0.2.3")["CustomerGateway"]
    assert cg["IpAddress"] == "192.0.2.3"

    gid, cid, vid = _chain(c, vpc, static=True)
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection(Type="ipsec.2", CustomerGatewayId=cid, VpnGatewayId=gid)
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid)
    assert _code(e) == "MissingParameter"
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid,
                                TransitGatewayId="tgw-0123456789abcdef0")
    assert _code(e) == "InvalidTransitGatewayID.NotFound"
    for opts in ({"TunnelOptions": [{"TunnelInsideCidr": "169.254.20.0/30"}]},
                 {"EnableAcceleration": True}, {"TunnelInsideIpVersion": "ipv6"},
                 {"OutsideIpAddressType": "PrivateIpv4"}):
        with pytest.raises(ClientError) as e:
            c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid,
                                    Options=opts)
        assert _code(e) == "InvalidParameterValue", opts
    # The defaults spelled out are accepted.
    ok = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid,
                                 Options={"EnableAcceleration": False,
                                          "TunnelInsideIpVersion": "ipv4",
                                          "LocalIpv4NetworkCidr": "0.0.0.0/0"})["VpnConnection"]
    assert ok["Options"]["StaticRoutesOnly"] is False

    with pytest.raises(ClientError) as e:
        c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.0.0.0/33")
    assert _code(e) == "InvalidParameterValue"
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.5.0.0/16")
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.5.0.0/16")
    assert _code(e) == "RouteAlreadyExists"
    with pytest.raises(ClientError) as e:
        c.delete_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.6.0.0/16")
    assert _code(e) == "InvalidRoute.NotFound"
    # Static routes need a static-routes-only connection.
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection_route(VpnConnectionId=ok["VpnConnectionId"],
                                      DestinationCidrBlock="10.7.0.0/16")
    assert _code(e) == "InvalidParameterValue"

    # One VGW per VPC; a VGW in one VPC at a time.
    other = c.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    with pytest.raises(ClientError) as e:
        c.attach_vpn_gateway(VpnGatewayId=other, VpcId=vpc)
    assert _code(e) == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as e:
        c.attach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)
    assert _code(e) == "Resource.AlreadyAssociated"


def test_identical_customer_gateway_is_returned(ec2):
    c = ec2
    a = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                  IpAddress="192.0.2.50")["CustomerGateway"]["CustomerGatewayId"]
    b = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                  IpAddress="192.0.2.50")["CustomerGateway"]["CustomerGatewayId"]
    assert a == b
    d = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2.50",
                                  DeviceName="second")["CustomerGateway"]["CustomerGatewayId"]
    e = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65001,
                                  IpAddress="192.0.2.50")["CustomerGateway"]["CustomerGatewayId"]
    assert len({a, d, e}) == 3
    assert len(c.describe_customer_gateways()["CustomerGateways"]) == 3


def test_dry_run(ec2):
    c = ec2
    vpc = _default_vpc(c)
    gid, cid, vid = _chain(c, vpc)
    calls = [
        lambda: c.create_vpn_gateway(Type="ipsec.1", DryRun=True),
        lambda: c.create_customer_gateway(Type="ipsec.1", BgpAsn=65123, IpAddress="192.0.2.77",
                                          DryRun=True),
        lambda: c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid,
                                        VpnGatewayId=gid, DryRun=True),
        lambda: c.detach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc, DryRun=True),
        lambda: c.delete_vpn_connection(VpnConnectionId=vid, DryRun=True),
        lambda: c.describe_vpn_gateways(DryRun=True),
        lambda: c.describe_customer_gateways(DryRun=True),
        lambda: c.describe_vpn_connections(DryRun=True),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert _code(e) == "DryRunOperation"
    # Parameter validation comes before DryRun.
    with pytest.raises(ClientError) as e:
        c.create_vpn_gateway(Type="ipsec.1", AvailabilityZone="nowhere-1a", DryRun=True)
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="300.1.1.1",
                                  DryRun=True)
    assert _code(e) == "InvalidParameterValue"
    # Nothing changed.
    assert len(c.describe_vpn_gateways()["VpnGateways"]) == 1
    assert len(c.describe_customer_gateways()["CustomerGateways"]) == 1
    vpns = c.describe_vpn_connections()["VpnConnections"]
    assert [(v["VpnConnectionId"], v["State"]) for v in vpns] == [(vid, "available")]
    assert c.describe_vpn_gateways()["VpnGateways"][0]["VpcAttachments"][0]["State"] == "attached"


def test_filters(ec2):
    c = ec2
    vpc = _default_vpc(c)
    gid, cid, vid = _chain(c, vpc, ip="192.0.2.10", static=True)
    g2 = c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=65200,
                              TagSpecifications=_tags("env", "prod", "vpn-gateway"))
    g2 = g2["VpnGateway"]["VpnGatewayId"]
    c2 = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65020, IpAddress="198.51.100.7",
                                   TagSpecifications=_tags("env", "prod", "customer-gateway"))
    c2 = c2["CustomerGateway"]["CustomerGatewayId"]
    v2 = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=c2, VpnGatewayId=g2,
                                 TagSpecifications=_tags("env", "prod", "vpn-connection"))
    v2 = v2["VpnConnection"]["VpnConnectionId"]
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")

    def vgws(name, *values):
        r = c.describe_vpn_gateways(Filters=[{"Name": name, "Values": list(values)}])
        return sorted(g["VpnGatewayId"] for g in r["VpnGateways"])

    assert vgws("attachment.vpc-id", vpc) == [gid]
    assert vgws("attachment.state", "attached") == [gid]
    assert vgws("amazon-side-asn", "65200") == [g2]
    assert vgws("amazon-side-asn", "64512", "65200") == sorted([gid, g2])
    assert vgws("vpn-gateway-id", g2) == [g2]
    assert vgws("state", "available") == sorted([gid, g2])
    assert vgws("type", "ipsec.1") == sorted([gid, g2])
    assert vgws("tag:env", "prod") == [g2]
    assert vgws("tag-key", "env") == [g2]
    assert vgws("tag-value", "pr*") == [g2]
    assert vgws("availability-zone", "us-east-1a") == []

    def cgws(name, *values):
        r = c.describe_customer_gateways(Filters=[{"Name": name, "Values": list(values)}])
        return sorted(g["CustomerGatewayId"] for g in r["CustomerGateways"])

    assert cgws("bgp-asn", "65020") == [c2]
    assert cgws("ip-address", "192.0.2.*") == [cid]
    assert cgws("customer-gateway-id", cid) == [cid]
    assert cgws("state", "available") == sorted([cid, c2])
    assert cgws("type", "ipsec.1") == sorted([cid, c2])
    assert cgws("tag:env", "prod") == [c2]

    def vpns(name, *values):
        r = c.describe_vpn_connections(Filters=[{"Name": name, "Values": list(values)}])
        return sorted(v["VpnConnectionId"] for v in r["VpnConnections"])

    assert vpns("option.static-routes-only", "true") == [vid]
    assert vpns("option.static-routes-only", "false") == [v2]
    assert vpns("route.destination-cidr-block", "10.99.0.0/16") == [vid]
    assert vpns("bgp-asn", "65020") == [v2]
    assert vpns("customer-gateway-id", cid) == [vid]
    assert vpns("vpn-gateway-id", g2) == [v2]
    assert vpns("vpn-connection-id", vid, v2) == sorted([vid, v2])
    assert vpns("type", "ipsec.1") == sorted([vid, v2])
    assert vpns("state", "available") == sorted([vid, v2])
    assert vpns("tag-key", "env") == [v2]
    # AND across filters.
    r = c.describe_vpn_connections(Filters=[
        {"Name": "state", "Values": ["available"]},
        {"Name": "option.static-routes-only", "Values": ["true"]}])["VpnConnections"]
    assert [v["VpnConnectionId"] for v in r] == [vid]
    for call in (c.describe_vpn_gateways, c.describe_customer_gateways,
                 c.describe_vpn_connections):
        with pytest.raises(ClientError) as e:
            call(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
        assert _code(e) == "InvalidParameterValue"


def test_no_pagination(vpcd, ec2):
    # These three Describe actions have no MaxResults in the EC2 API.
    for action in ("DescribeVpnGateways", "DescribeCustomerGateways", "DescribeVpnConnections"):
        status, text = raw_post(vpcd, f"Action={action}&Version=2016-11-15&MaxResults=5")
        assert status == 400
        assert "<Code>UnknownParameter</Code>" in text


def test_quotas(ec2):
    c = ec2
    for _ in range(5):
        c.create_vpn_gateway(Type="ipsec.1")
    with pytest.raises(ClientError) as e:
        c.create_vpn_gateway(Type="ipsec.1")
    assert _code(e) == "VpnGatewayLimitExceeded"
    gid = c.describe_vpn_gateways()["VpnGateways"][0]["VpnGatewayId"]

    cgws = [c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                      IpAddress=f"192.0.2.{i + 1}")["CustomerGateway"]
            for i in range(50)]
    with pytest.raises(ClientError) as e:
        c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2.200")
    assert _code(e) == "CustomerGatewayLimitExceeded"

    # VPN connections: 10 per VGW.
    cid = cgws[0]["CustomerGatewayId"]
    vids = [c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid,
                                    VpnGatewayId=gid)["VpnConnection"]["VpnConnectionId"]
            for _ in range(10)]
    with pytest.raises(ClientError) as e:
        c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid)
    assert _code(e) == "VpnConnectionLimitExceeded"
    # A deleted connection frees its place.
    c.delete_vpn_connection(VpnConnectionId=vids[0])
    c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid)


def test_restart_persistence(start_vpcd, tmp_path):
    state = tmp_path / "vpnstate"
    v = start_vpcd(state_dir=state)
    c = make_client(v.url)
    vpc = _default_vpc(c)
    g = c.create_vpn_gateway(Type="ipsec.1", AmazonSideAsn=65300, AvailabilityZone="us-east-1c",
                             TagSpecifications=_tags("Name", "keep", "vpn-gateway"))
    gid = g["VpnGateway"]["VpnGatewayId"]
    c.attach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)
    cid = c.create_customer_gateway(Type="ipsec.1", BgpAsn=65010, IpAddress="192.0.2.10",
                                    DeviceName="edge")["CustomerGateway"]["CustomerGatewayId"]
    vpn = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid,
                                  Options={"StaticRoutesOnly": True})["VpnConnection"]
    vid = vpn["VpnConnectionId"]
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")
    gone = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid,
                                   VpnGatewayId=gid)["VpnConnection"]["VpnConnectionId"]
    c.delete_vpn_connection(VpnConnectionId=gone)
    before = (c.describe_vpn_gateways()["VpnGateways"],
              c.describe_customer_gateways()["CustomerGateways"],
              c.describe_vpn_connections()["VpnConnections"])
    assert v.stop() == 0

    v2 = start_vpcd(state_dir=state)
    c2 = make_client(v2.url)
    after = (c2.describe_vpn_gateways()["VpnGateways"],
             c2.describe_customer_gateways()["CustomerGateways"],
             c2.describe_vpn_connections()["VpnConnections"])
    assert after == before
    g = after[0][0]
    assert g["AvailabilityZone"] == "us-east-1c" and g["AmazonSideAsn"] == 65300
    assert g["Tags"] == [{"Key": "Name", "Value": "keep"}]
    assert after[1][0]["DeviceName"] == "edge"
    states = {x["VpnConnectionId"]: x["State"] for x in after[2]}
    assert states == {vid: "available", gone: "deleted"}
    live = next(x for x in after[2] if x["VpnConnectionId"] == vid)
    assert live["Routes"] == [{"DestinationCidrBlock": "10.99.0.0/16", "Source": "Static",
                               "State": "available"}]
    assert live["CustomerGatewayConfiguration"] == vpn["CustomerGatewayConfiguration"]


def test_cli_v2(aws_cli, ec2):
    p = aws_cli("ec2", "create-customer-gateway", "--type", "ipsec.1", "--bgp-asn", "65055",
                "--public-ip", "192.0.2.99", "--device-name", "cli-edge")
    assert p.returncode == 0, p.stderr
    cg = p.json["CustomerGateway"]
    assert cg["IpAddress"] == "192.0.2.99" and cg["BgpAsn"] == "65055"
    p = aws_cli("ec2", "create-vpn-gateway", "--type", "ipsec.1")
    assert p.returncode == 0, p.stderr
    gid = p.json["VpnGateway"]["VpnGatewayId"]
    p = aws_cli("ec2", "create-vpn-connection", "--type", "ipsec.1", "--customer-gateway-id",
                cg["CustomerGatewayId"], "--vpn-gateway-id", gid, "--options",
                "StaticRoutesOnly=true")
    assert p.returncode == 0, p.stderr
    vid = p.json["VpnConnection"]["VpnConnectionId"]
    p = aws_cli("ec2", "create-vpn-connection-route", "--vpn-connection-id", vid,
                "--destination-cidr-block", "10.42.0.0/16")
    assert p.returncode == 0, p.stderr
    p = aws_cli("ec2", "describe-vpn-connections", "--filters",
                "Name=route.destination-cidr-block,Values=10.42.0.0/16")
    assert p.returncode == 0, p.stderr
    got = p.json["VpnConnections"]
    assert [v["VpnConnectionId"] for v in got] == [vid]
    assert got[0]["Options"]["StaticRoutesOnly"] is True
    assert got[0]["Routes"][0]["Source"] == "Static"
    p = aws_cli("ec2", "describe-vpn-gateways", "--vpn-gateway-ids", "vgw-0123456789abcdef0")
    assert p.returncode != 0
    assert "InvalidVpnGatewayID.NotFound" in p.stderr


def test_static_routes_propagate_to_route_tables(ec2):
    c = ec2
    vpc = _default_vpc(c)
    gid, cid, vid = _chain(c, vpc)
    main = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                            {"Name": "association.main", "Values": ["true"]}])
    rtb = main["RouteTables"][0]["RouteTableId"]

    def propagated():
        t = c.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        return sorted((r["DestinationCidrBlock"], r.get("GatewayId"), r["State"])
                      for r in t["Routes"] if r["Origin"] == "EnableVgwRoutePropagation")

    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")
    assert propagated() == []  # propagation not enabled yet
    c.enable_vgw_route_propagation(RouteTableId=rtb, GatewayId=gid)
    assert propagated() == [("10.99.0.0/16", gid, "active")]
    c.create_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.98.0.0/24")
    assert propagated() == [("10.98.0.0/24", gid, "active"), ("10.99.0.0/16", gid, "active")]
    c.delete_vpn_connection_route(VpnConnectionId=vid, DestinationCidrBlock="10.99.0.0/16")
    assert propagated() == [("10.98.0.0/24", gid, "active")]
    c.delete_vpn_connection(VpnConnectionId=vid)
    assert propagated() == []
    # A new connection on the same VGW propagates; detaching the VGW stops it.
    vid2 = c.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cid, VpnGatewayId=gid,
                                   Options={"StaticRoutesOnly": True})
    vid2 = vid2["VpnConnection"]["VpnConnectionId"]
    c.create_vpn_connection_route(VpnConnectionId=vid2, DestinationCidrBlock="172.16.0.0/12")
    assert propagated() == [("172.16.0.0/12", gid, "active")]
    c.detach_vpn_gateway(VpnGatewayId=gid, VpcId=vpc)
    assert propagated() == []


def test_vpn_writes_save_only_their_objects(start_vpcd, tmp_path):
    """Each VPN write saves the object it changes (a save hint): the gateway with its
    attachment, the customer gateway, the connection with its static routes, and on a
    gateway's deletion the route tables that propagated it. vpcd runs with
    OPENVPC_VERIFY_SAVE_HINTS, so a hint that misses a row aborts it. After a restart
    everything reads back."""
    state = tmp_path / "vpn-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.13.0.0/16")["Vpc"]["VpcId"]
    main = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "RouteTables"][0]["RouteTableId"]
    other = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    g, cg, vpn = _chain(c, vpc)
    c.create_customer_gateway(Type="ipsec.1", BgpAsn=65000, IpAddress="192.0.2.10")  # the same
    for t in (main, other):
        c.enable_vgw_route_propagation(RouteTableId=t, GatewayId=g)
    c.create_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="10.99.0.0/16")
    c.create_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="10.98.0.0/16")
    c.delete_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="10.98.0.0/16")
    vpc2 = c.create_vpc(CidrBlock="10.14.0.0/16")["Vpc"]["VpcId"]
    t2 = c.create_route_table(VpcId=vpc2)["RouteTable"]["RouteTableId"]
    g2, cg2, vpn2 = _chain(c, vpc2, ip="192.0.2.20")
    c.enable_vgw_route_propagation(RouteTableId=t2, GatewayId=g2)
    c.delete_vpn_connection(VpnConnectionId=vpn2)
    c.detach_vpn_gateway(VpnGatewayId=g2, VpcId=vpc2)
    c.delete_vpn_gateway(VpnGatewayId=g2)  # and t2 no longer propagates it
    c.delete_customer_gateway(CustomerGatewayId=cg2)
    fetch = (lambda c: (c.describe_vpn_gateways()["VpnGateways"],
                        c.describe_customer_gateways()["CustomerGateways"],
                        c.describe_vpn_connections()["VpnConnections"],
                        c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
                            "RouteTables"],
                        c.describe_route_tables(RouteTableIds=[t2])["RouteTables"]))
    before, _ = restart_reads_back(first, start_vpcd, fetch)
    gws, cgws, vpns, tables, [table2] = before
    assert table2["PropagatingVgws"] == []
    assert {x["VpnGatewayId"]: x["State"] for x in gws}.get(g) == "available"
    assert g2 not in {x["VpnGatewayId"] for x in gws if x["State"] != "deleted"}
    assert {x["CustomerGatewayId"]: x["State"] for x in cgws}[cg] == "available"
    assert cg2 not in {x["CustomerGatewayId"] for x in cgws if x["State"] != "deleted"}
    live = next(x for x in vpns if x["VpnConnectionId"] == vpn)
    assert [r["DestinationCidrBlock"] for r in live["Routes"] if r["State"] == "available"] == [
        "10.99.0.0/16"]
    for t in tables:
        assert [p["GatewayId"] for p in t["PropagatingVgws"]] == [g]
