"""The live fabric through the EC2 API: instances are network namespaces, their
ENIs veth pairs, and what the API says is enforced on real packets.

Every vpcd here runs with --fabric-prefix <unique>- so all namespaces it makes
carry a per-run prefix, and with --fabric-teardown so they go when it stops;
the fixture also deletes anything left with the prefix.  Nothing is added to
the root namespace (checked).  Needs root (CI runs as root).
"""
import json
import os
import subprocess

import pytest

import netns_util
from conftest import make_client
from netns_util import connect, nsexec, ping, root_state

PREFIX = f"ovt{os.getpid() % 100000}-"
AMI = "ami-0abcdef1234567890"
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
        return start_vpcd(f"--fabric-prefix={PREFIX}", "--fabric-teardown", state_dir=state)

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
    for ns in netns_list():
        subprocess.run(["ip", "netns", "del", ns])
    assert root_state() == before, "the root namespace changed"


def run(ec2, subnet, sgs=None):
    kw = {"SecurityGroupIds": sgs} if sgs else {}
    r = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1,
                          SubnetId=subnet, **kw)
    inst = r["Instances"][0]
    return inst["InstanceId"], inst["PrivateIpAddress"]


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
    a, a_ip = run(ec2, s1)
    b, b_ip = run(ec2, s1)
    c, c_ip = run(ec2, s2)
    for i in (a, b, c):
        assert PREFIX + i in netns_list()
    addr = nsexec(PREFIX + a, "ip", "-4", "-o", "addr", "show", "dev", "eth0").stdout
    assert f"inet {a_ip}/20" in addr
    route = nsexec(PREFIX + a, "ip", "route", "show", "default").stdout
    assert "via 172.31." in route and "dev eth0" in route
    # The default security group admits its members: same subnet and across subnets.
    assert ping(PREFIX + a, b_ip), "same subnet"
    assert ping(PREFIX + a, c_ip), "across subnets"

    # A group that admits TCP 8080 from the VPC and nothing else.
    vpc = subnets[0]["VpcId"]
    web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
    d, d_ip = run(ec2, s2, [web])
    serve(fabric, PREFIX + d, 8080, 9090)
    assert connect(PREFIX + a, d_ip, 8080) == "hello 8080"
    assert connect(PREFIX + a, d_ip, 9090, timeout=1.0) is None, "9090 is not allowed"
    assert not ping(PREFIX + a, d_ip), "ICMP is not allowed"
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
    assert connect(PREFIX + a, d_ip, 8080, timeout=1.0) is None
    # Adding ICMP opens ping.
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
         "IpRanges": [{"CidrIp": f"{a_ip}/32"}]}])
    assert ping(PREFIX + a, d_ip)
    assert not ping(PREFIX + b, d_ip), "only A's address is admitted"

    # Terminate: the namespace goes.
    ec2.terminate_instances(InstanceIds=[b])
    assert PREFIX + b not in netns_list()
    assert PREFIX + a in netns_list()


def test_restart_adopts_the_fabric(fabric, start_vpcd):
    v = start_vpcd(f"--fabric-prefix={PREFIX}", state_dir=fabric.state)  # no teardown
    ec2 = make_client(v.url)
    sub = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    a, a_ip = run(ec2, sub)
    b, b_ip = run(ec2, sub)
    link_a = nsexec(PREFIX + a, "ip", "-o", "link", "show", "eth0").stdout.split(":")[0]
    token = imds(PREFIX + a, "/latest/api/token", put_ttl="300")
    assert imds(PREFIX + a, "/latest/meta-data/instance-id", token) == a
    assert v.stop() == 0
    assert PREFIX + a in netns_list(), "without --fabric-teardown the namespaces stay"
    v2 = fabric.start()
    log = v2.log()
    assert "fabric (start): instances +0 -0 =2, ENIs +0 -0 ~0 =2" in log, log
    assert nsexec(PREFIX + a, "ip", "-o", "link", "show", "eth0").stdout.split(":")[0] == link_a
    assert ping(PREFIX + a, b_ip), "traffic flows after the restart"
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


def test_nacl_source_dest_check_and_udp_on_real_packets(fabric):
    v = fabric.start()
    ec2 = make_client(v.url)
    subnets = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
    s1, s2 = subnets[0], subnets[1]
    a, a_ip = run(ec2, s1["SubnetId"])
    b, b_ip = run(ec2, s2["SubnetId"])
    serve(fabric, PREFIX + b, 8080)
    udp = subprocess.Popen(["ip", "netns", "exec", PREFIX + b, "python3", "-c", UDP_ECHO, "5353"],
                           stdout=subprocess.PIPE, text=True)
    fabric.servers.append(udp)
    assert udp.stdout.readline().strip() == "ready"
    assert connect(PREFIX + a, b_ip, 8080) == "hello 8080"
    assert nsexec(PREFIX + a, "python3", "-c", UDP_ASK, b_ip, "5353").stdout.strip() == "ping"
    # A custom NACL on B's subnet: new ACLs deny everything until entries allow.
    acl = ec2.create_network_acl(VpcId=s2["VpcId"])["NetworkAcl"]["NetworkAclId"]
    assoc = [x["NetworkAclAssociationId"] for n in ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [s2["SubnetId"]]}])["NetworkAcls"]
        for x in n["Associations"] if x["SubnetId"] == s2["SubnetId"]][0]
    ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 8080, "To": 8080})
    # Inbound 8080 allowed, but the reply (egress to an ephemeral port) is not: stateless.
    assert connect(PREFIX + a, b_ip, 8080, timeout=1.0) is None, "the NACL drops the reply"
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    assert connect(PREFIX + a, b_ip, 8080) == "hello 8080"
    assert nsexec(PREFIX + a, "python3", "-c", UDP_ASK, b_ip, "5353").returncode != 0, "UDP not allowed"
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock=f"{a_ip}/32", PortRange={"From": 8080, "To": 8080})
    assert connect(PREFIX + a, b_ip, 8080, timeout=1.0) is None, "a lower-numbered deny wins"
    # A spoofed source: an address the instance does not own is dropped by the source/dest check.
    spoof = a_ip.rsplit(".", 1)[0] + ".200"
    nsexec(PREFIX + a, "ip", "addr", "add", f"{spoof}/32", "dev", "eth0")
    c, c_ip = run(ec2, s1["SubnetId"])
    ask = ("import socket,sys\ns=socket.socket();s.settimeout(1.5);s.bind((sys.argv[1],0))\n"
           "try:\n s.connect((sys.argv[2],8080));print('connected')\nexcept OSError:\n print('FAILED')\n")
    serve(fabric, PREFIX + c, 8080)
    assert nsexec(PREFIX + a, "python3", "-c", ask, a_ip, c_ip).stdout.strip() == "connected"
    assert nsexec(PREFIX + a, "python3", "-c", ask, spoof, c_ip).stdout.strip() == "FAILED"
    eni = ec2.describe_instances(InstanceIds=[a])["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni["NetworkInterfaceId"],
                                           SourceDestCheck={"Value": False})
    # With the check off the packet leaves; the reply to an address nobody owns has no way back.
    assert nsexec(PREFIX + a, "python3", "-c", ask, a_ip, c_ip).stdout.strip() == "connected"
    ec2.assign_private_ip_addresses(NetworkInterfaceId=eni["NetworkInterfaceId"], PrivateIpAddresses=[spoof])
    assert nsexec(PREFIX + a, "python3", "-c", ask, spoof, c_ip).stdout.strip() == "connected", \
        "an assigned secondary address is usable once the instance configures it"
