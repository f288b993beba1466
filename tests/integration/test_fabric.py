"""The live fabric through the EC2 API: instances are network namespaces, their
ENIs veth pairs, and what the API says is enforced on real packets.

Every vpcd here runs with --fabric-prefix <unique>- so all namespaces it makes
carry a per-run prefix, and with --fabric-teardown so they go when it stops;
the fixture also deletes anything left with the prefix.  Nothing is added to
the root namespace (checked).  Needs root (CI runs as root).

Each scenario also asserts the exact flow-log records its traffic produced
(netns_util.FlowLogs: an S3 flow log, 1 s aggregation intervals, delivered at
once): one record per ENI and direction, the ENI side always with its primary
address, REJECT where an SG, a NACL or the source/dest check dropped a packet,
and nothing more.  ICMP and UDP counts are exact (84-byte echoes, 32-byte
datagrams).
"""
import json
import os
import subprocess
import time

import pytest

import netns_util
from conftest import make_client
from netns_util import (ICMP, POS, TCP, UDP, FlowLogs, assert_flows, connect_from, nsexec,
                        ping_n, root_state, without_ports)
from netns_util import connect  # noqa: F401 (test_podman.py imports it from here)

PREFIX = f"ovt{os.getpid() % 100000}-"
AMI = "ami-0abcdef1234567890"
PING = 84  # bytes of one echo request or reply (56 payload bytes): the IP length
FLOW_ARGS = ("--flow-log-interval", "1", "--flow-log-delay", "0")
SERVER = r"""
import socket, sys, threading
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(16)
    while True:
        c, _ = s.accept(); c.sendall(b"hello %d\n" % port); c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
"""


def netns_list():
    return netns_util.netns_list(PREFIX)


@pytest.fixture
def fabric(start_vpcd, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the fabric tests need root", pytrace=False)
    before = root_state()
    servers = []
    state = tmp_path / "state"

    def start():
        return start_vpcd(f"--fabric-prefix={PREFIX}", "--fabric-teardown", *FLOW_ARGS,
                          state_dir=state)

    class F:
        pass

    f = F()
    f.start = start
    f.servers = servers
    f.state = state
    yield f
    for s in servers:
        s.kill()
    # start_vpcd's teardown stops vpcd (which removes its namespaces); make sure.
    netns_util.remove_namespaces(PREFIX)
    assert root_state() == before, "the root namespace changed"


def run(ec2, subnet, sgs=None):
    kw = {"SecurityGroupIds": sgs} if sgs else {}
    r = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1,
                          SubnetId=subnet, **kw)
    inst = r["Instances"][0]
    return inst["InstanceId"], inst["PrivateIpAddress"]


def eni_of(ec2, instance_id):
    r = ec2.describe_instances(InstanceIds=[instance_id])
    return r["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]


def pair(eni_a, a_ip, eni_b, b_ip, proto, sport, dport, packets=POS, nbytes=POS):
    """The four records of an accepted exchange A -> B and back: each ENI logs both
    directions."""
    return [(eni_a, a_ip, b_ip, sport, dport, proto, "ACCEPT", packets, nbytes),
            (eni_a, b_ip, a_ip, dport, sport, proto, "ACCEPT", packets, nbytes),
            (eni_b, a_ip, b_ip, sport, dport, proto, "ACCEPT", packets, nbytes),
            (eni_b, b_ip, a_ip, dport, sport, proto, "ACCEPT", packets, nbytes)]


def pings(eni_a, a_ip, eni_b, b_ip, n):
    return pair(eni_a, a_ip, eni_b, b_ip, ICMP, 0, 0, n, n * PING)


def serve(f, ns, *ports):
    p = subprocess.Popen(["ip", "netns", "exec", ns, "python3", "-c", SERVER, *map(str, ports)],
                         stdout=subprocess.PIPE, text=True)
    f.servers.append(p)
    assert p.stdout.readline().strip() == "ready"


def vpcctl(*args):
    path = os.path.join(os.environ["OPENVPC_BUILD"], "cli", "vpcctl")
    return subprocess.run([path, *args], capture_output=True, text=True, timeout=30)


def test_instances_are_namespaces_and_the_api_is_enforced(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    subnets = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
    s1, s2 = subnets[0]["SubnetId"], subnets[1]["SubnetId"]
    fl = FlowLogs(ec2, fabric.state, subnets[0]["VpcId"])
    a, a_ip = run(ec2, s1)
    b, b_ip = run(ec2, s1)
    c, c_ip = run(ec2, s2)
    eni_a, eni_b, eni_c = (eni_of(ec2, i) for i in (a, b, c))
    for i in (a, b, c):
        assert PREFIX + i in netns_list()
    addr = nsexec(PREFIX + a, "ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout
    assert f"inet {a_ip}/20" in addr
    route = nsexec(PREFIX + a, "ip", "route", "show", "default").stdout
    assert "via 172.31." in route and "dev eth0" in route
    # The default security group admits its members: same subnet and across subnets.
    assert ping_n(PREFIX + a, b_ip, 2) == 2, "same subnet"
    assert ping_n(PREFIX + a, c_ip, 2) == 2, "across subnets"

    # A group that admits TCP 8080 from the VPC and nothing else.
    vpc = subnets[0]["VpcId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
    d, d_ip = run(ec2, s2, [web])
    eni_d = eni_of(ec2, d)
    serve(fabric, PREFIX + d, 8080, 9090)
    assert connect_from(PREFIX + a, d_ip, 8080, 43001) == "hello 8080"
    assert connect_from(PREFIX + a, d_ip, 9090, 43002, timeout=1.0) is None, "9090 is not allowed"
    assert ping_n(PREFIX + a, d_ip, 2) == 0, "ICMP is not allowed"
    # A's group lets everything out; D's group rejects what it does not allow (one
    # REJECT record on D, nothing back).
    assert_flows(fl.take(), [
        *pings(eni_a, a_ip, eni_b, b_ip, 2),
        *pings(eni_a, a_ip, eni_c, c_ip, 2),
        *pair(eni_a, a_ip, eni_d, d_ip, TCP, 43001, 8080),
        (eni_a, a_ip, d_ip, 43002, 9090, TCP, "ACCEPT", POS, POS),
        (eni_d, a_ip, d_ip, 43002, 9090, TCP, "REJECT", POS, POS),
        (eni_a, a_ip, d_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_d, a_ip, d_ip, 0, 0, ICMP, "REJECT", 2, 2 * PING)])
    # vpcctl over the live state agrees with the packets.
    t = vpcctl("trace", "--state-dir", str(fabric.state), "--source", a, "--destination", d,
               "--destination-port", "8080")
    assert t.returncode == 0, t.stdout + t.stderr
    t = vpcctl("trace", "--state-dir", str(fabric.state), "--source", a, "--destination", d,
               "--destination-port", "9090")
    assert t.returncode == 1 and web in t.stdout, t.stdout + t.stderr
    ls = vpcctl("ls", "--state-dir", str(fabric.state), f"--fabric-prefix={PREFIX}",
                "--output", "json")

    rows = {i["InstanceId"]: i for i in json.loads(ls.stdout)["Instances"]}
    assert rows[d]["Namespace"] == PREFIX + d
    assert rows[d]["NetworkInterfaces"][0]["PrivateIpAddresses"] == [d_ip]
    x = vpcctl("exec", f"--fabric-prefix={PREFIX}", a, "--", "ping", "-c1", "-W2", b_ip)
    assert x.returncode == 0, x.stderr
    x = vpcctl("exec", f"--fabric-prefix={PREFIX}", "i-0000000000000000f", "--", "true")
    assert x.returncode == 1 and "has no namespace" in x.stderr
    # Revoking the rule stops new connections at once.
    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
    assert connect_from(PREFIX + a, d_ip, 8080, 43003, timeout=1.0) is None
    # Adding ICMP opens ping.
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
         "IpRanges": [{"CidrIp": f"{a_ip}/32"}]}])
    assert ping_n(PREFIX + a, d_ip, 2) == 2
    assert ping_n(PREFIX + b, d_ip, 2) == 0, "only A's address is admitted"
    assert_flows(fl.take(), [
        *pings(eni_a, a_ip, eni_b, b_ip, 1),  # vpcctl exec's
        (eni_a, a_ip, d_ip, 43003, 8080, TCP, "ACCEPT", POS, POS),
        (eni_d, a_ip, d_ip, 43003, 8080, TCP, "REJECT", POS, POS),
        *pings(eni_a, a_ip, eni_d, d_ip, 2),
        (eni_b, b_ip, d_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_d, b_ip, d_ip, 0, 0, ICMP, "REJECT", 2, 2 * PING)])

    # Terminate: the namespace goes.
    ec2.terminate_instances(InstanceIds=[b])
    assert PREFIX + b not in netns_list()
    assert PREFIX + a in netns_list()


def test_restart_adopts_the_fabric(fabric, start_vpcd):
    v = start_vpcd(f"--fabric-prefix={PREFIX}", state_dir=fabric.state)  # no teardown
    ec2 = make_client(v.url)
    sub = ec2.describe_subnets()["Subnets"][0]
    fl = FlowLogs(ec2, fabric.state, sub["VpcId"])
    sub = sub["SubnetId"]
    a, a_ip = run(ec2, sub)
    b, b_ip = run(ec2, sub)
    eni_a, eni_b = eni_of(ec2, a), eni_of(ec2, b)
    link_a = nsexec(PREFIX + a, "ip", "-o", "link", "show", "eth0").stdout.split(":")[0]
    token = imds(PREFIX + a, "/latest/api/token", put_ttl="300")
    assert imds(PREFIX + a, "/latest/meta-data/instance-id", token) == a
    assert v.stop() == 0
    assert PREFIX + a in netns_list(), "without --fabric-teardown the namespaces stay"
    v2 = fabric.start()
    log = v2.log()
    assert "fabric (start): instances +0 -0 =2, ENIs +0 -0 ~0 =2" in log, log
    assert nsexec(PREFIX + a, "ip", "-o", "link", "show", "eth0").stdout.split(":")[0] == link_a
    assert ping_n(PREFIX + a, b_ip, 2) == 2, "traffic flows after the restart"
    # The flow log made before the restart still logs, exactly.
    assert_flows(fl.take(), pings(eni_a, a_ip, eni_b, b_ip, 2))
    # The token signing key lives in the state directory: a token survives the restart.
    assert (fabric.state / "imds.key").stat().st_mode & 0o077 == 0
    assert imds(PREFIX + a, "/latest/meta-data/instance-id", token) == a


UDP_ECHO = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", int(sys.argv[1])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)
"""
UDP_ASK = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1.5)
s.bind(("0.0.0.0", int(sys.argv[3]) if len(sys.argv) > 3 else 0))
try:
    s.sendto(b"ping", (sys.argv[1], int(sys.argv[2]))); print(s.recvfrom(64)[0].decode())
except OSError:
    print("FAILED"); sys.exit(1)
"""


def imds(ns, path, token=None, put_ttl=None):
    code = ("import sys,urllib.request\n"
            "h={}\n"
            "if sys.argv[2]: h['X-aws-ec2-metadata-token']=sys.argv[2]\n"
            "if sys.argv[3]: h['X-aws-ec2-metadata-token-ttl-seconds']=sys.argv[3]\n"
            "r=urllib.request.Request('http://169.254.169.254'+sys.argv[1],headers=h,"
            "method='PUT' if sys.argv[3] else 'GET')\n"
            "try:\n print(urllib.request.urlopen(r,timeout=5).read().decode())\n"
            "except urllib.error.HTTPError as e:\n print('HTTP', e.code)\n")
    return nsexec(ns, "python3", "-c", code, path, token or "", put_ttl or "").stdout.strip()


def test_imds_v2_session_follows_the_api(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    sub = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    fl = FlowLogs(ec2, fabric.state, ec2.describe_subnets()["Subnets"][0]["VpcId"])
    a, a_ip = run(ec2, sub)
    ns = PREFIX + a
    token = imds(ns, "/latest/api/token", put_ttl="60")
    assert len(token) > 20, token
    assert imds(ns, "/latest/meta-data/instance-id", token) == a
    assert imds(ns, "/latest/meta-data/local-ipv4", token) == a_ip
    assert imds(ns, "/latest/meta-data/instance-id", "forged" + token[6:]) == "HTTP 401"
    assert imds(ns, "/latest/meta-data/instance-id") == a, "IMDSv1 while tokens are optional"
    ec2.modify_instance_metadata_options(InstanceId=a, HttpTokens="required")
    assert imds(ns, "/latest/meta-data/instance-id") == "HTTP 401", "IMDSv2 only now"
    assert imds(ns, "/latest/meta-data/instance-id", token) == a
    eni = ec2.describe_instances(InstanceIds=[a])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], SecondaryPrivateIpAddressCount=1)
    ips = imds(ns, f"/latest/meta-data/network/interfaces/macs/{eni['MacAddress']}/local-ipv4s", token)
    assert len(ips.split()) == 2 and a_ip in ips.split(), "answers follow address changes at once"
    # 169.254.169.254 is never flow-logged (vpc-semantics.md 12.5): only NODATA records.
    assert_flows(fl.take(), [])
    assert os.listdir(fl.folder), "the flow log delivered (NODATA) objects"


def test_nacl_source_dest_check_and_udp_on_real_packets(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    subnets = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
    s1, s2 = subnets[0], subnets[1]
    fl = FlowLogs(ec2, fabric.state, s1["VpcId"])
    a, a_ip = run(ec2, s1["SubnetId"])
    b, b_ip = run(ec2, s2["SubnetId"])
    eni_a, eni_b = eni_of(ec2, a), eni_of(ec2, b)
    serve(fabric, PREFIX + b, 8080)
    udp = subprocess.Popen(["ip", "netns", "exec", PREFIX + b, "python3", "-c", UDP_ECHO, "5353"],
                           stdout=subprocess.PIPE, text=True)
    fabric.servers.append(udp)
    assert udp.stdout.readline().strip() == "ready"

    def udp_ask(sport):
        return nsexec(PREFIX + a, "python3", "-c", UDP_ASK, b_ip, "5353", str(sport))

    assert connect_from(PREFIX + a, b_ip, 8080, 44001) == "hello 8080"
    assert udp_ask(44002).stdout.strip() == "ping"
    # A custom NACL on B's subnet: new ACLs deny everything until entries allow.
    acl = ec2.create_network_acl(VpcId=s2["VpcId"])["NetworkAcl"]["NetworkAclId"]
    assoc = [x["NetworkAclAssociationId"] for n in ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [s2["SubnetId"]]}])["NetworkAcls"]
        for x in n["Associations"] if x["SubnetId"] == s2["SubnetId"]][0]
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 8080, "To": 8080})
    # Inbound 8080 allowed, but the reply (egress to an ephemeral port) is not: stateless.
    assert connect_from(PREFIX + a, b_ip, 8080, 44003, timeout=1.0) is None, \
        "the NACL drops the reply"
    assert ping_n(PREFIX + a, b_ip, 2) == 0, "the NACL has no ICMP entry"
    # The signature of a stateless rule (vpc-semantics.md 12.6): ACCEPT for the request,
    # REJECT for the reply on B's ENI, and nothing reaches A.  ICMP: the NACL's inbound
    # REJECT on B's ENI.
    assert_flows(fl.take(), [
        *pair(eni_a, a_ip, eni_b, b_ip, TCP, 44001, 8080),
        *pair(eni_a, a_ip, eni_b, b_ip, UDP, 44002, 5353, 1, 32),
        (eni_a, a_ip, b_ip, 44003, 8080, TCP, "ACCEPT", POS, POS),
        (eni_b, a_ip, b_ip, 44003, 8080, TCP, "ACCEPT", POS, POS),
        (eni_b, b_ip, a_ip, 8080, 44003, TCP, "REJECT", POS, POS),
        (eni_a, a_ip, b_ip, 0, 0, ICMP, "ACCEPT", 2, 2 * PING),
        (eni_b, a_ip, b_ip, 0, 0, ICMP, "REJECT", 2, 2 * PING)])
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    assert connect_from(PREFIX + a, b_ip, 8080, 44004) == "hello 8080"
    assert udp_ask(44005).returncode != 0, "UDP not allowed"
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock=f"{a_ip}/32", PortRange={"From": 8080, "To": 8080})
    assert connect_from(PREFIX + a, b_ip, 8080, 44006, timeout=1.0) is None, \
        "a lower-numbered deny wins"
    # A NACL's inbound REJECT is logged on the ENI that owns the destination.  (B's
    # kernel still retransmits its SYN-ACK of port 44003, and A answers it with a reset
    # once it gets through: records whose number depends on timing, left out.)
    assert_flows(without_ports(fl.take(), 44003), [
        *pair(eni_a, a_ip, eni_b, b_ip, TCP, 44004, 8080),
        (eni_a, a_ip, b_ip, 44005, 5353, UDP, "ACCEPT", 1, 32),
        (eni_b, a_ip, b_ip, 44005, 5353, UDP, "REJECT", 1, 32),
        (eni_a, a_ip, b_ip, 44006, 8080, TCP, "ACCEPT", POS, POS),
        (eni_b, a_ip, b_ip, 44006, 8080, TCP, "REJECT", POS, POS)])

    # A spoofed source: an address the instance does not own is dropped by the source/dest check.
    spoof = a_ip.rsplit(".", 1)[0] + ".200"
    nsexec(PREFIX + a, "ip", "addr", "add", f"{spoof}/32", "dev", "eth0")
    c, c_ip = run(ec2, s1["SubnetId"])
    eni_c = eni_of(ec2, c)
    # A second flow log, on A's ENI, with the packet-level addresses (a custom format).
    pkt = FlowLogs(ec2, fabric.state, eni_a, bucket="pkt",
                   log_format="${interface-id} ${srcaddr} ${pkt-srcaddr} ${dstaddr} "
                   "${pkt-dstaddr} ${srcport} ${dstport} ${flow-direction} ${action} "
                   "${packets} ${bytes} ${end} ${log-status}",
                   key=("srcaddr", "pkt-srcaddr", "dstaddr", "srcport", "dstport",
                        "flow-direction", "action", "pkt-dstaddr"))
    ask = ("import socket,sys\ns=socket.socket();s.settimeout(1.5)\n"
           "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind((sys.argv[1],int(sys.argv[3])))\n"
           "try:\n s.connect((sys.argv[2],8080));print('connected')\nexcept OSError:\n print('FAILED')\n")
    serve(fabric, PREFIX + c, 8080)
    assert nsexec(PREFIX + a, "python3", "-c", ask, a_ip, c_ip, "44010").stdout.strip() == "connected"
    assert nsexec(PREFIX + a, "python3", "-c", ask, spoof, c_ip, "44011").stdout.strip() == "FAILED"
    # The check's REJECT is an egress record on A's ENI [I: AWS does not say whether the
    # check's drops are logged; openvpc logs them as REJECT]; srcaddr is still A's
    # primary address (vpc-semantics.md 12.3), pkt-srcaddr the spoofed one.
    t = time.time()
    assert_flows(without_ports(fl.take(t), 44003), [
        *pair(eni_a, a_ip, eni_c, c_ip, TCP, 44010, 8080),
        (eni_a, a_ip, c_ip, 44011, 8080, TCP, "REJECT", POS, POS)])
    assert_flows(without_ports(pkt.take(t), 44003), [
        (a_ip, a_ip, c_ip, 44010, 8080, "egress", "ACCEPT", c_ip, POS, POS),
        (c_ip, c_ip, a_ip, 8080, 44010, "ingress", "ACCEPT", a_ip, POS, POS),
        (a_ip, spoof, c_ip, 44011, 8080, "egress", "REJECT", c_ip, POS, POS)])
    eni = ec2.describe_instances(InstanceIds=[a])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni["NetworkInterfaceId"],
                                           SourceDestCheck={"Value": False})
    # With the check off the packet leaves; the reply to an address nobody owns has no way back.
    assert nsexec(PREFIX + a, "python3", "-c", ask, a_ip, c_ip, "44012").stdout.strip() == "connected"
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=[spoof])
    assert nsexec(PREFIX + a, "python3", "-c", ask, spoof, c_ip, "44013").stdout.strip() == "connected", \
        "an assigned secondary address is usable once the instance configures it"
    # Traffic of a secondary address: C sees it as the source; A's records still show
    # A's primary address (vpc-semantics.md 12.3, srcaddr and dstaddr).
    t = time.time()
    assert_flows(without_ports(fl.take(t), 44003), [
        *pair(eni_a, a_ip, eni_c, c_ip, TCP, 44012, 8080),
        (eni_a, a_ip, c_ip, 44013, 8080, TCP, "ACCEPT", POS, POS),
        (eni_a, c_ip, a_ip, 8080, 44013, TCP, "ACCEPT", POS, POS),
        (eni_c, spoof, c_ip, 44013, 8080, TCP, "ACCEPT", POS, POS),
        (eni_c, c_ip, spoof, 8080, 44013, TCP, "ACCEPT", POS, POS)])
    assert_flows(without_ports(pkt.take(t), 44003), [
        (a_ip, a_ip, c_ip, 44012, 8080, "egress", "ACCEPT", c_ip, POS, POS),
        (c_ip, c_ip, a_ip, 8080, 44012, "ingress", "ACCEPT", a_ip, POS, POS),
        (a_ip, spoof, c_ip, 44013, 8080, "egress", "ACCEPT", c_ip, POS, POS),
        (c_ip, c_ip, a_ip, 8080, 44013, "ingress", "ACCEPT", spoof, POS, POS)])
