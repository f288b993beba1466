"""Live fabric paths that need more than one rule to see: a security group that
references another, UDP allowed and rejected by a group, routes that lead nowhere
(no route, blackhole), and a rule change that stops new connections at once while
a tracked one continues.  Each
test asserts what happened to the packets and the exact flow-log records they
produced (netns_util.FlowLogs: an S3 flow log on the VPC, 1 s intervals).

One vpcd per module (--fabric-prefix <unique>-, --fabric-teardown) with a VPC
10.40.0.0/16 of two subnets that the tests share; each test makes its own
instances and groups and reads only its own ENIs' records.  Nothing is added to
the root namespace (checked); every namespace with the prefix is removed at the
end.  Needs root.
"""
import os
import subprocess

import pytest

from conftest import make_client
from netns_util import (ICMP, POS, TCP, UDP, FlowLogs, assert_flows, connect_from,
                        fabric_vpcd, nsexec, ping_n)

PREFIX = f"ovp{os.getpid() % 100000}-"
AMI = "ami-0abcdef1234567890"
PING = 84  # bytes of one echo (request or reply) of 56 payload bytes: IP length
SERVER = r"""
import socket, sys, threading
def conn(c):
    while True:
        d = c.recv(64)
        if not d:
            break
        c.sendall(d)
def serve(port, echo):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept()
        if echo:
            threading.Thread(target=conn, args=(c,), daemon=True).start()
        else:
            c.sendall(b"hello %d\n" % port); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p.strip("e")), p.endswith("e")), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""
# One connection kept open: an echo before and after a line on stdin.
LONG_CLIENT = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.settimeout(3); s.bind(("0.0.0.0", int(sys.argv[3]))); s.connect((sys.argv[1], int(sys.argv[2])))
s.sendall(b"one"); print(s.recv(64).decode(), flush=True)
sys.stdin.readline()
try:
    s.sendall(b"two"); print(s.recv(64).decode(), flush=True)
except OSError as e:
    print("FAILED", e, flush=True)
s.close()
"""


class Env:
    pass


@pytest.fixture(scope="module")
def env(vpcd_binary, tmp_path_factory):
    e = Env()
    e.state = tmp_path_factory.mktemp("paths") / "state"
    e.servers = []
    with fabric_vpcd(vpcd_binary, e.state, PREFIX) as v:
        try:
            e.ec2 = ec2 = make_client(v.url)
            e.vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
            e.s1 = ec2.create_subnet(VpcId=e.vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
            e.s2 = ec2.create_subnet(VpcId=e.vpc, CidrBlock="10.40.2.0/24")["Subnet"]["SubnetId"]
            e.fl = FlowLogs(ec2, e.state, e.vpc)
            yield e
        finally:
            for p in e.servers:
                p.kill()
                p.wait()


def run(e, subnet, sgs=None):
    kw = {"SecurityGroupIds": sgs} if sgs else {}
    inst = e.ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1,
                               SubnetId=subnet, **kw)["Instances"][0]
    return (inst["InstanceId"], inst["PrivateIpAddress"],
            inst["NetworkInterfaces"][0]["NetworkInterfaceId"])


def serve(e, ns, *ports):
    p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", SERVER, *map(str, ports)],
                         stdout=subprocess.PIPE, text=True)
    e.servers.append(p)
    assert p.stdout.readline().strip() == "ready"


def group(e, name, *perms):
    g = e.ec2.create_security_group(GroupName=name, Description=name, VpcId=e.vpc)["GroupId"]
    if perms:
        e.ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=list(perms))
    return g


def tcp_flow(eni_c, c_ip, eni_s, s_ip, sport, dport):
    """The four records of an accepted TCP connection between two ENIs."""
    return [(eni_c, c_ip, s_ip, sport, dport, TCP, "ACCEPT", POS, POS),
            (eni_c, s_ip, c_ip, dport, sport, TCP, "ACCEPT", POS, POS),
            (eni_s, c_ip, s_ip, sport, dport, TCP, "ACCEPT", POS, POS),
            (eni_s, s_ip, c_ip, dport, sport, TCP, "ACCEPT", POS, POS)]


def mine(flows, *enis):
    return {k: v for k, v in flows.items() if k[0] in enis}


def test_a_group_that_references_another(env):
    e = env
    ga = group(e, "ref-a")
    gn = group(e, "ref-other")
    gb = group(e, "ref-b", {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                            "UserIdGroupPairs": [{"GroupId": ga}]})
    b, b_ip, eni_b = run(e, e.s2, [gb])
    a, a_ip, eni_a = run(e, e.s1, [ga])
    n, n_ip, eni_n = run(e, e.s1, [gn])
    serve(e, PREFIX + b, 8080)
    assert connect_from(PREFIX + a, b_ip, 8080, 41001) == "hello 8080", "a member of A"
    assert connect_from(PREFIX + n, b_ip, 8080, 41002, timeout=1.0) is None, "not a member"
    # Adding the instance to A admits it at once.
    e.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_n, Groups=[gn, ga])
    assert connect_from(PREFIX + n, b_ip, 8080, 41003) == "hello 8080"
    assert_flows(mine(e.fl.take(), eni_a, eni_b, eni_n), [
        *tcp_flow(eni_a, a_ip, eni_b, b_ip, 41001, 8080),
        # N's group lets the SYN out; B's group rejects it: nothing comes back.
        (eni_n, n_ip, b_ip, 41002, 8080, TCP, "ACCEPT", POS, POS),
        (eni_b, n_ip, b_ip, 41002, 8080, TCP, "REJECT", POS, POS),
        *tcp_flow(eni_n, n_ip, eni_b, b_ip, 41003, 8080)])


UDP_ASK = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.0)
s.bind(("0.0.0.0", int(sys.argv[3])))
try:
    s.sendto(b"ping", (sys.argv[1], int(sys.argv[2]))); print(s.recvfrom(64)[0].decode())
except OSError:
    print("FAILED")
"""
UDP_ECHO = r"""
import socket, sys, threading
def echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", port))
    while True:
        d, a = s.recvfrom(2048); s.sendto(d, a)
for p in sys.argv[1:]:
    threading.Thread(target=echo, args=(int(p),), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""


def test_udp_allowed_and_rejected_by_a_group(env):
    e = env
    g = group(e, "udp", {"IpProtocol": "udp", "FromPort": 5353, "ToPort": 5353,
                         "IpRanges": [{"CidrIp": "10.40.0.0/16"}]})
    b, b_ip, eni_b = run(e, e.s2, [g])
    a, a_ip, eni_a = run(e, e.s1)
    p = subprocess.Popen(["ip", "netns", "exec", PREFIX + b, "python3", "-c", UDP_ECHO, "5353",
                          "5354"], stdout=subprocess.PIPE, text=True)
    e.servers.append(p)
    assert p.stdout.readline().strip() == "ready"

    def ask(port, sport):
        return nsexec(PREFIX + a, "python3", "-c", UDP_ASK, b_ip, str(port),
                      str(sport)).stdout.strip()

    assert ask(5353, 46001) == "ping"
    assert ask(5354, 46002) == "FAILED", "5354 is not allowed"
    # One 32-byte datagram each way (20 IP + 8 UDP + 4 bytes).
    assert_flows(mine(e.fl.take(), eni_a, eni_b), [
        (eni_a, a_ip, b_ip, 46001, 5353, UDP, "ACCEPT", 1, 32),
        (eni_a, b_ip, a_ip, 5353, 46001, UDP, "ACCEPT", 1, 32),
        (eni_b, a_ip, b_ip, 46001, 5353, UDP, "ACCEPT", 1, 32),
        (eni_b, b_ip, a_ip, 5353, 46001, UDP, "ACCEPT", 1, 32),
        (eni_a, a_ip, b_ip, 46002, 5354, UDP, "ACCEPT", 1, 32),
        (eni_b, a_ip, b_ip, 46002, 5354, UDP, "REJECT", 1, 32)])


def test_no_route_and_blackhole_route(env):
    """An appliance instance C owns 10.99.0.5 (on its loopback, source/dest check off);
    A's subnet routes 10.99.0.0/16 to C's ENI.  Terminating C leaves the route a
    blackhole; deleting it leaves no route.  Either way A's packets die in the route
    table, after A's ENI let them out."""
    e = env
    rtb = e.ec2.create_route_table(VpcId=e.vpc)["RouteTable"]["RouteTableId"]
    assoc = e.ec2.associate_route_table(RouteTableId=rtb, SubnetId=e.s1)["AssociationId"]
    try:
        a, a_ip, eni_a = run(e, e.s1)
        c, c_ip, eni_c = run(e, e.s2)
        e.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_c,
                                                 SourceDestCheck={"Value": False})
        assert nsexec(PREFIX + c, "ip", "addr", "add", "10.99.0.5/32", "dev", "lo").returncode == 0
        e.ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="10.99.0.0/16",
                           NetworkInterfaceId=eni_c)
        assert ping_n(PREFIX + a, "10.99.0.5") == 3, "through the appliance"
        # C's records carry its primary address, not 10.99.0.5 (vpc-semantics.md 12.3:
        # srcaddr/dstaddr of the ENI side is always its primary private IPv4).
        assert_flows(mine(e.fl.take(), eni_a, eni_c), [
            (eni_a, a_ip, "10.99.0.5", 0, 0, ICMP, "ACCEPT", 3, 3 * PING),
            (eni_a, "10.99.0.5", a_ip, 0, 0, ICMP, "ACCEPT", 3, 3 * PING),
            (eni_c, a_ip, c_ip, 0, 0, ICMP, "ACCEPT", 3, 3 * PING),
            (eni_c, c_ip, a_ip, 0, 0, ICMP, "ACCEPT", 3, 3 * PING)])

        e.ec2.terminate_instances(InstanceIds=[c])
        [route] = [r for r in e.ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0][
            "Routes"] if r["DestinationCidrBlock"] == "10.99.0.0/16"]
        assert route["State"] == "blackhole", route
        assert ping_n(PREFIX + a, "10.99.0.5") == 0, "a blackhole route drops"
        # /work/shared/reference/vpc-semantics.md line 135 (section 3): "Packets matching a
        # blackhole route are **dropped**"; line 448 (12.3, action): REJECT is "not allowed
        # by SGs or NACLs, or arrived after the connection was closed"; line 267 (5):
        # "Flow logs are recorded per ENI".  A's security group and NACL let the requests
        # out, so A's ENI logs them as ACCEPT; the route table has no ENI and logs
        # nothing; no reply exists.  The same holds with no route at all.
        assert_flows(mine(e.fl.take(), eni_a, eni_c), [
            (eni_a, a_ip, "10.99.0.5", 0, 0, ICMP, "ACCEPT", 3, 3 * PING)])

        e.ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="10.99.0.0/16")
        assert ping_n(PREFIX + a, "10.99.0.5") == 0, "no route"
        # The VPC itself still works for A.
        b, b_ip, eni_b = run(e, e.s2)
        assert ping_n(PREFIX + a, b_ip, count=2) == 2
        assert_flows(mine(e.fl.take(), eni_a, eni_b), [
            (eni_a, a_ip, "10.99.0.5", 0, 0, ICMP, "ACCEPT", 3, 3 * PING),
            (eni_a, a_ip, b_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
            (eni_a, b_ip, a_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
            (eni_b, a_ip, b_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
            (eni_b, b_ip, a_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING)])
    finally:
        e.ec2.disassociate_route_table(AssociationId=assoc)


def test_a_rule_change_stops_new_connections_and_tracked_ones_continue(env):
    e = env
    rule = {"IpProtocol": "tcp", "FromPort": 7070, "ToPort": 7070,
            "IpRanges": [{"CidrIp": "10.40.0.0/16"}]}  # not 0.0.0.0/0: tracked
    web = group(e, "tracked", rule)
    b, b_ip, eni_b = run(e, e.s2, [web])
    a, a_ip, eni_a = run(e, e.s1)
    serve(e, PREFIX + b, "7070e")
    cl = subprocess.Popen(["ip", "netns", "exec", PREFIX + a, "python3", "-c", LONG_CLIENT, b_ip,
                           "7070", "42001"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True)
    e.servers.append(cl)
    assert cl.stdout.readline().strip() == "one"
    e.ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[rule])
    assert connect_from(PREFIX + a, b_ip, 7070, 42002, timeout=1.0) is None, \
        "a new connection is refused at once"
    cl.stdin.write("\n")
    cl.stdin.flush()
    assert cl.stdout.readline().strip() == "two", "the tracked connection continues"
    assert cl.wait(timeout=10) == 0
    assert_flows(mine(e.fl.take(), eni_a, eni_b), [
        *tcp_flow(eni_a, a_ip, eni_b, b_ip, 42001, 7070),
        (eni_a, a_ip, b_ip, 42002, 7070, TCP, "ACCEPT", POS, POS),
        (eni_b, a_ip, b_ip, 42002, 7070, TCP, "REJECT", POS, POS)])
