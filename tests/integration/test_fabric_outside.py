"""Outside the VPC, through the live fabric: the internet behind the IGW (1:1
NAT of public IPs and Elastic IPs, inbound gated by security groups), NAT
gateways for private subnets, and a VPN to an onprem site over a VXLAN tunnel.

vpcd runs with --fabric-prefix <unique>- and --fabric-teardown: the internet
and onprem namespaces are <prefix>internet and <prefix>onprem, with the test
hosts 203.0.113.10 and 192.168.1.10 on their loopback.  Nothing is added to
the root namespace (checked); every namespace with the prefix is removed at
the end.  Needs root.

Each scenario also asserts the exact flow-log records of its traffic
(netns_util.FlowLogs, an S3 flow log on the VPC with 1 s intervals): the
instance's ENI logs private addresses only (the IGW translates outside it), a
NAT gateway's ENI logs both legs with its own private address, and traffic
that dies in a gateway leaves only the record of the ENI it left.
"""
import json
import os
import subprocess

import pytest

import netns_util
from conftest import make_client
from netns_util import (ANY, ICMP, POS, TCP, FlowLogs, assert_flows, connect_from, nsexec, ping,
                        ping_n, root_state)

PREFIX = f"ovo{os.getpid() % 100000}-"
INET = PREFIX + "internet"
ONPREM = PREFIX + "onprem"
INET_HOST = "203.0.113.10"
ONPREM_HOST = "192.168.1.10"
AMI = "ami-0abcdef1234567890"
PING = 84  # bytes of one echo request or reply (56 payload bytes): the IP length
# Answers every connection with the address it came from (and logs it).
SERVER = r"""
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, a = s.accept(); print("from", a[0], flush=True)
        c.sendall(b"peer %s\n" % a[0].encode()); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""


def netns_list():
    return netns_util.netns_list(PREFIX)


def connect(ns, ip, port, timeout=2.0):
    """A loaded machine may take long to start the client: a margin, and a client
    that does not finish counts as refused."""
    return netns_util.connect(ns, ip, port, timeout, margin=20, slow_start_refused=True)


@pytest.fixture
def fabric(start_vpcd, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the fabric tests need root", pytrace=False)
    before = root_state()

    class F:
        servers = []
        state = tmp_path / "state"

        def start(self):
            return start_vpcd(f"--fabric-prefix={PREFIX}", "--fabric-teardown",
                              "--flow-log-interval", "1", "--flow-log-delay", "0",
                              state_dir=self.state)

        def serve(self, ns, *ports):
            p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", SERVER,
                                  *map(str, ports)], stdout=subprocess.PIPE, text=True)
            self.servers.append(p)
            assert p.stdout.readline().strip() == "ready"
            return p

    f = F()
    yield f
    for s in f.servers:
        s.kill()
        s.wait()
    netns_util.remove_namespaces(PREFIX)
    assert root_state() == before, "the root namespace changed"


def run(ec2, subnet=None, sgs=None, **kw):
    if subnet:
        kw["SubnetId"] = subnet
    if sgs:
        kw["SecurityGroupIds"] = sgs
    r = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1, **kw)
    inst = r["Instances"][0]
    return inst["InstanceId"], inst["PrivateIpAddress"]


def eni_of(ec2, iid):
    return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0][
        "NetworkInterfaces"][0]["NetworkInterfaceId"]


def both(eni, local, remote, proto, lport, rport, packets=POS, nbytes=POS, out=True):
    """An ENI's two records of an exchange with remote: local -> remote first when out,
    else remote -> local first (the ports follow)."""
    if out:
        return [(eni, local, remote, lport, rport, proto, "ACCEPT", packets, nbytes),
                (eni, remote, local, rport, lport, proto, "ACCEPT", packets, nbytes)]
    return [(eni, remote, local, rport, lport, proto, "ACCEPT", packets, nbytes),
            (eni, local, remote, lport, rport, proto, "ACCEPT", packets, nbytes)]


def public_ip(ec2, iid):
    return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0].get(
        "PublicIpAddress")


def inet_routes():
    return nsexec(INET, "ip", "-4", "route", "show").stdout


def igw_rx_packets():
    """Frames the internet side received from the fabric, over all IGW links."""
    links = json.loads(nsexec(INET, "ip", "-j", "-s", "link").stdout)
    return sum(l["stats64"]["rx"]["packets"] for l in links if l["ifname"].startswith("ig"))


def inet_links():
    """(ifindex, name, MAC) of the internet side's links: equal when adopted."""
    out = nsexec(INET, "ip", "-o", "link").stdout.splitlines()
    return sorted((line.split(":")[0], line.split(":")[1].strip(), line.split("link/")[1].split()[1])
                  for line in out)


def default_subnets(ec2):
    subs = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
    return subs[0]["VpcId"], [s["SubnetId"] for s in subs]


def test_public_ip_and_eip_through_the_igw(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    vpc, subs = default_subnets(ec2)
    fl = FlowLogs(ec2, fabric.state, vpc)
    a, a_ip = run(ec2, subs[0])
    eni_a = eni_of(ec2, a)
    pub = public_ip(ec2, a)
    assert pub and pub.startswith("198.51.100."), pub
    assert INET in netns_list()
    assert f"{pub} dev " in inet_routes()
    # Out: ping and TCP; the internet host sees the public IP, never the private one.
    assert ping_n(PREFIX + a, INET_HOST, 2) == 2
    srv = fabric.serve(INET, 8080)
    assert connect_from(PREFIX + a, INET_HOST, 8080, 45001) == f"peer {pub}"
    assert srv.stdout.readline().strip() == f"from {pub}"
    # In: refused by the default group, then allowed by a rule for the internet.
    fabric.serve(PREFIX + a, 8081)
    assert connect_from(INET, pub, 8081, 45002, timeout=1.0) is None, \
        "the default group admits no one"
    sg = ec2.describe_instances(InstanceIds=[a])["Reservations"][0]["Instances"][0][
        "SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8081, "ToPort": 8081,
         "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}])
    assert connect_from(INET, pub, 8081, 45003) == f"peer {INET_HOST}", \
        "inbound, 1:1 NAT to the private IP"
    assert connect_from(INET, a_ip, 8081, 45004, timeout=1.0) is None, "private IPs are not routed"
    # The ENI logs private addresses: the IGW's translation happens outside it.
    assert_flows(fl.take(), [
        *both(eni_a, a_ip, INET_HOST, ICMP, 0, 0, 2, 2 * PING),
        *both(eni_a, a_ip, INET_HOST, TCP, 45001, 8080),
        (eni_a, INET_HOST, a_ip, 45002, 8081, TCP, "REJECT", POS, POS),
        *both(eni_a, a_ip, INET_HOST, TCP, 8081, 45003, out=False)])

    # An Elastic IP replaces the auto-assigned one: the old route goes, the new one comes.
    alloc = ec2.allocate_address(Domain="vpc")
    eip = alloc["PublicIp"]
    ec2.associate_address(AllocationId=alloc["AllocationId"], InstanceId=a)
    routes = inet_routes()
    assert f"{eip} dev " in routes and f"{pub} dev " not in routes, routes
    assert connect_from(PREFIX + a, INET_HOST, 8080, 45005) == f"peer {eip}"
    assert connect_from(INET, eip, 8081, 45006) == f"peer {INET_HOST}", "inbound to the EIP"
    assert_flows(fl.take(), [*both(eni_a, a_ip, INET_HOST, TCP, 45005, 8080),
                             *both(eni_a, a_ip, INET_HOST, TCP, 8081, 45006, out=False)])
    ec2.disassociate_address(AssociationId=ec2.describe_addresses(
        AllocationIds=[alloc["AllocationId"]])["Addresses"][0]["AssociationId"])
    assert f"{eip} dev " not in inet_routes()


def test_no_public_ip_no_internet(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    vpc, subs = default_subnets(ec2)
    ec2.modify_subnet_attribute(SubnetId=subs[1], MapPublicIpOnLaunch={"Value": False})
    fl = FlowLogs(ec2, fabric.state, vpc)
    b, b_ip = run(ec2, subs[1])
    eni_b = eni_of(ec2, b)
    assert public_ip(ec2, b) is None
    rx_before = igw_rx_packets()
    assert ping_n(PREFIX + b, INET_HOST, 2) == 0
    fabric.serve(INET, 8080)
    assert connect_from(PREFIX + b, INET_HOST, 8080, 45010, timeout=1.0) is None
    # B's ENI let the packets out (its group and NACL allow them); the IGW drops them
    # and logs nothing (it has no ENI), and no reply exists.
    assert_flows(fl.take(), [
        (eni_b, b_ip, INET_HOST, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_b, b_ip, INET_HOST, 45010, 8080, TCP, "ACCEPT", POS, POS)])
    # The engine says why (vpcctl trace over the live state).
    path = os.path.join(os.environ["OPENVPC_BUILD"], "cli", "vpcctl")
    t = subprocess.run([path, "trace", "--state-dir", str(fabric.state), "--source", b,
                        "--destination", INET_HOST, "--destination-port", "8080"],
                       capture_output=True, text=True, timeout=30)
    assert t.returncode == 1, t.stdout + t.stderr
    assert "[IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS]" in t.stdout, t.stdout
    assert igw_rx_packets() == rx_before, "nothing reached the internet side"


def test_nat_gateway_for_a_private_subnet(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    pub_sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    priv_sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.2.0/24")["Subnet"]["SubnetId"]
    rt_pub = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_pub, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rt_pub, SubnetId=pub_sub)
    alloc = ec2.allocate_address(Domain="vpc")
    nat = ec2.create_nat_gateway(SubnetId=pub_sub, AllocationId=alloc["AllocationId"])[
        "NatGateway"]["NatGatewayId"]
    rt_priv = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt_priv, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=rt_priv, SubnetId=priv_sub)
    fl = FlowLogs(ec2, fabric.state, vpc)
    p, p_ip = run(ec2, priv_sub)
    eni_p = eni_of(ec2, p)
    [nat_addr] = ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0][
        "NatGatewayAddresses"]
    eni_n, nat_ip = nat_addr["NetworkInterfaceId"], nat_addr["PrivateIp"]
    assert public_ip(ec2, p) is None
    assert f"{alloc['PublicIp']} dev " in inet_routes()

    srv = fabric.serve(INET, 8080)
    assert ping_n(PREFIX + p, INET_HOST, 2) == 2
    assert connect_from(PREFIX + p, INET_HOST, 8080, 45020) == f"peer {alloc['PublicIp']}"
    assert srv.stdout.readline().strip() == f"from {alloc['PublicIp']}"
    # vpc-semantics.md 12.6: the NAT gateway's ENI logs both legs, its own private
    # address on its side (the EIP translation is the IGW's); the translated source
    # port is the gateway's choice.
    assert_flows(fl.take(), [
        *both(eni_p, p_ip, INET_HOST, ICMP, 0, 0, 2, 2 * PING),
        *both(eni_p, p_ip, INET_HOST, TCP, 45020, 8080),
        (eni_n, p_ip, nat_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_n, nat_ip, INET_HOST, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_n, INET_HOST, nat_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_n, nat_ip, p_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_n, p_ip, nat_ip, 45020, 8080, TCP, "ACCEPT", POS, POS),
        (eni_n, nat_ip, INET_HOST, ANY, 8080, TCP, "ACCEPT", POS, POS),
        (eni_n, INET_HOST, nat_ip, 8080, ANY, TCP, "ACCEPT", POS, POS),
        (eni_n, nat_ip, p_ip, 8080, 45020, TCP, "ACCEPT", POS, POS)])
    # Unsolicited inbound to the NAT gateway's address gets nowhere, even with an open group.
    sg = ec2.describe_instances(InstanceIds=[p])["Reservations"][0]["Instances"][0][
        "SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    fabric.serve(PREFIX + p, 8081)
    assert connect_from(INET, alloc["PublicIp"], 8081, 45021, timeout=1.0) is None
    assert connect_from(INET, p_ip, 8081, 45022, timeout=1.0) is None
    # Without the route, no way out.
    ec2.delete_route(RouteTableId=rt_priv, DestinationCidrBlock="0.0.0.0/0")
    assert connect_from(PREFIX + p, INET_HOST, 8080, 45023, timeout=1.0) is None
    # The unsolicited SYN reaches the NAT gateway's ENI (no security group, its NACL
    # allows it), which logs it as ACCEPT; the gateway finds no mapping and drops it
    # [I: the ENI accepted the packet, vpc-semantics.md 12.3 keeps REJECT for SGs,
    # NACLs and closed connections].  Without the route P's ENI still lets the SYN out.
    assert_flows(fl.take(), [
        (eni_n, INET_HOST, nat_ip, 45021, 8081, TCP, "ACCEPT", POS, POS),
        (eni_p, p_ip, INET_HOST, 45023, 8080, TCP, "ACCEPT", POS, POS)])
    # Deleting the NAT gateway withdraws its address from the internet side.
    ec2.delete_nat_gateway(NatGatewayId=nat)
    assert f"{alloc['PublicIp']} dev " not in inet_routes()


def test_vpn_to_onprem(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "RouteTables"][0]["RouteTableId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "192.168.0.0/16"}]}])
    fl = FlowLogs(ec2, fabric.state, vpc)
    a, a_ip = run(ec2, sub)
    eni_a = eni_of(ec2, a)
    vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    ec2.attach_vpn_gateway(VpnGatewayId=vgw, VpcId=vpc)
    cgw = ec2.create_customer_gateway(Type="ipsec.1", BgpAsn=65000,
                                      IpAddress="192.0.2.10")["CustomerGateway"][
        "CustomerGatewayId"]
    assert ONPREM not in netns_list(), "no VPN connection yet: no onprem site"
    vpn = ec2.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw,
                                    Options={"StaticRoutesOnly": True})["VpnConnection"][
        "VpnConnectionId"]
    assert ONPREM in netns_list()
    # The tunnel is a real VXLAN device on both sides; onprem routes the VPC into it.
    assert "vxlan" in nsexec(ONPREM, "ip", "-d", "link", "show", "type", "vxlan").stdout
    assert "10.30.0.0/16 dev vx" in nsexec(ONPREM, "ip", "route").stdout
    srv = fabric.serve(ONPREM, 9000)
    fabric.serve(PREFIX + a, 9001)
    # No route to the site in the VPC yet.
    assert ping_n(PREFIX + a, ONPREM_HOST, 1) == 0
    # Propagation alone is not enough: the connection has no static route for the site.
    ec2.enable_vgw_route_propagation(RouteTableId=rtb, GatewayId=vgw)
    assert ping_n(PREFIX + a, ONPREM_HOST, 1) == 0
    ec2.create_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="192.168.0.0/16")
    assert ping_n(PREFIX + a, ONPREM_HOST, 2) == 2
    assert connect_from(PREFIX + a, ONPREM_HOST, 9000, 45030) == f"peer {a_ip}", \
        "no NAT over the VPN"
    assert srv.stdout.readline().strip() == f"from {a_ip}"
    assert connect_from(ONPREM, a_ip, 9001, 45031) == f"peer {ONPREM_HOST}"
    # Four echo requests left A's ENI, the last two came back; the site's address is
    # logged as it is (no translation over a VPN).
    assert_flows(fl.take(), [
        (eni_a, a_ip, ONPREM_HOST, 0, 0, ICMP, "ACCEPT", 4, 4 * PING),
        (eni_a, ONPREM_HOST, a_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        *both(eni_a, a_ip, ONPREM_HOST, TCP, 45030, 9000),
        *both(eni_a, a_ip, ONPREM_HOST, TCP, 9001, 45031, out=False)])
    # Removing the VPN route stops it.
    ec2.delete_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="192.168.0.0/16")
    assert ping_n(PREFIX + a, ONPREM_HOST, 1) == 0
    assert connect_from(ONPREM, a_ip, 9001, 45032, timeout=1.0) is None
    # A static route in the route table, with the VPN route back: reachable again.
    ec2.disable_vgw_route_propagation(RouteTableId=rtb, GatewayId=vgw)
    ec2.create_vpn_connection_route(VpnConnectionId=vpn, DestinationCidrBlock="192.168.1.0/24")
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16", GatewayId=vgw)
    assert ping_n(PREFIX + a, ONPREM_HOST, 2) == 2
    # Deleting the connection removes the onprem site.
    ec2.delete_vpn_connection(VpnConnectionId=vpn)
    assert ONPREM not in netns_list()
    assert ping_n(PREFIX + a, ONPREM_HOST, 1) == 0
    # The site's SYN still comes in (vpc-semantics.md 5, VGW ingress: the destination
    # must be an ENI's private IP, the connection's routes are for egress) and A's
    # group accepts it; A's SYN-ACK has no route back.  A's ENI logs both.
    assert_flows(fl.take(), [
        (eni_a, a_ip, ONPREM_HOST, 0, 0, ICMP, "ACCEPT", 4, 4 * PING),
        (eni_a, ONPREM_HOST, a_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        *both(eni_a, a_ip, ONPREM_HOST, TCP, 9001, 45032, out=False)])


def test_restart_adopts_and_teardown_removes(fabric, start_vpcd):
    v = start_vpcd(f"--fabric-prefix={PREFIX}", state_dir=fabric.state)  # no teardown
    ec2 = make_client(v.url)
    vpc, subs = default_subnets(ec2)
    a, _ = run(ec2, subs[0])
    pub = public_ip(ec2, a)
    link = inet_links()
    assert v.stop() == 0
    assert INET in netns_list(), "without --fabric-teardown the internet side stays"
    v2 = fabric.start()
    assert inet_links() == link, "adopted, not rebuilt"
    assert ping(PREFIX + a, INET_HOST)
    assert f"{pub} dev " in inet_routes()
    # Drift is repaired on the next apply: a route removed by hand comes back, a
    # stray route of ours goes, a route of someone else stays.
    assert nsexec(INET, "ip", "route", "del", f"{pub}/32").returncode == 0
    dev = nsexec(INET, "ip", "-o", "link").stdout.split(": ")[3].split("@")[0]
    assert nsexec(INET, "ip", "route", "add", "198.51.100.254/32", "dev", dev,
                  "proto", "118").returncode == 0
    assert nsexec(INET, "ip", "route", "add", "198.51.100.253/32", "dev", dev).returncode == 0
    ec2 = make_client(v2.url)
    ec2.create_tags(Resources=[a], Tags=[{"Key": "k", "Value": "v"}])
    routes = inet_routes()
    assert f"{pub} dev " in routes and "198.51.100.254" not in routes, routes
    assert "198.51.100.253" in routes, routes
    assert v2.stop() == 0
    assert INET not in netns_list() and ONPREM not in netns_list()
