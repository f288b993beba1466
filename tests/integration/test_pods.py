"""VPC-native pod networking end to end: nodes are instances (namespaces) made
through the EC2 API, vpc-ipamd runs inside each node and learns it from IMDS
(169.254.169.254, served by the fabric) and calls the EC2 API at the fabric's
endpoint for instances (169.254.169.250), and vpc-cni wires pods (namespaces
made here) with VPC addresses.  Everything the tests make carries a per-run
prefix and is removed at the end; the root namespace is checked unchanged.
"""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import make_client
import netns_util
from netns_util import connect
from test_fabric import PREFIX as FABRIC_PREFIX, nsexec, root_state, netns_list, SERVER

PREFIX = FABRIC_PREFIX
AMI = "ami-0abcdef1234567890"
BUILD = os.environ.get("OPENVPC_BUILD", "")


def binary(*parts):
    return os.path.join(BUILD, *parts)


class Node:
    def __init__(self, env, tmp, instance_id, ip):
        self.id, self.ip, self.ns = instance_id, ip, PREFIX + instance_id
        self.dir = tmp / instance_id
        self.dir.mkdir()
        self.sock = str(self.dir / "ipamd.sock")
        self.ckpt = str(self.dir / "ipam.json")
        self.env = {**env, "OPENVPC_IPAMD_SOCKET": self.sock,
                    "OPENVPC_IPAMD_CHECKPOINT": self.ckpt,
                    "AWS_EC2_ENDPOINT": "http://169.254.169.250",
                    "AWS_ACCESS_KEY_ID": "AKIDNODE", "AWS_SECRET_ACCESS_KEY": "x",
                    "OPENVPC_IPAMD_POOL_INTERVAL_MS": "200",
                    "OPENVPC_IPAMD_METRICS_ADDRESS": "127.0.0.1:61678",
                    "INTROSPECTION_BIND_ADDRESS": "127.0.0.1:61679"}
        self.proc = None
        self.log = self.dir / "ipamd.log"

    def start(self):
        if os.path.exists(self.sock):  # left by a kill -9: wait for the new one
            os.unlink(self.sock)
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, binary("ipamd", "vpc-ipamd")],
            env={**os.environ, **self.env}, stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if os.path.exists(self.sock):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("vpc-ipamd did not start:\n" + self.log.read_text())

    def kill(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)

    def enis(self):
        p = nsexec(self.ns, "python3", "-c",
                   "import urllib.request;print(urllib.request.urlopen("
                   "'http://127.0.0.1:61679/v1/enis',timeout=5).read().decode())")
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    def cni(self, cmd, pod, conf_extra="", prev=None):
        conf = {"cniVersion": "1.1.0", "name": "openvpc", "type": "vpc-cni",
                "ipamdSocket": self.sock}
        if prev:
            conf["prevResult"] = prev
        env = {**os.environ, "CNI_COMMAND": cmd, "CNI_CONTAINERID": pod.replace("-", ""),
               "CNI_NETNS": f"/run/netns/{PREFIX}{pod}", "CNI_IFNAME": "eth0",
               "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME={pod}"}
        p = subprocess.run(["ip", "netns", "exec", self.ns, binary("cni", "vpc-cni")],
                           input=json.dumps(conf), env=env, capture_output=True, text=True,
                           timeout=30)
        return p.returncode, json.loads(p.stdout) if p.stdout.strip() else None


@pytest.fixture
def cluster(start_vpcd, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the pod tests need root", pytrace=False)
    before = root_state()
    v = start_vpcd(f"--fabric-prefix={PREFIX}", "--fabric-teardown",
                   state_dir=tmp_path / "state")
    ec2 = make_client(v.url)
    nodes, pods = [], []

    class C:
        pass

    c = C()
    c.v, c.ec2, c.nodes, c.pods, c.tmp = v, ec2, nodes, pods, tmp_path

    def node(subnet, itype="t3.small", **env):
        r = ec2.run_instances(ImageId=AMI, InstanceType=itype, MinCount=1, MaxCount=1,
                              SubnetId=subnet)["Instances"][0]
        n = Node({k: str(x) for k, x in env.items()}, tmp_path, r["InstanceId"],
                 r["PrivateIpAddress"])
        n.start()
        nodes.append(n)
        return n

    def pod(name):
        subprocess.run(["ip", "netns", "add", PREFIX + name], check=True)
        subprocess.run(["ip", "-n", PREFIX + name, "link", "set", "lo", "up"], check=True)
        pods.append(name)
        return name

    c.node, c.pod = node, pod
    yield c
    for n in nodes:
        n.kill()
    for p in pods:
        subprocess.run(["ip", "netns", "del", PREFIX + p])
    for ns in netns_list():
        if not ns.startswith(PREFIX + "i-"):
            continue
    assert v.stop() == 0
    netns_util.remove_namespaces(PREFIX)
    assert root_state() == before, "the root namespace changed"


def subnets(ec2):
    return sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])


def test_pods_on_two_nodes_talk_with_their_vpc_addresses(cluster):
    s = subnets(cluster.ec2)
    a = cluster.node(s[0]["SubnetId"])
    b = cluster.node(s[1]["SubnetId"])
    pa, pb = cluster.pod("pa"), cluster.pod("pb")
    rc, ra = a.cni("ADD", pa)
    assert rc == 0, ra
    rc, rb = b.cni("ADD", pb)
    assert rc == 0, rb
    ip_a = ra["ips"][0]["address"].split("/")[0]
    ip_b = rb["ips"][0]["address"].split("/")[0]
    # Both are addresses of the nodes' ENIs, in the nodes' subnets.
    enis_a = a.enis()
    held = [x["Address"] for e in enis_a["ENIs"] for x in e["IPv4Addresses"] if x["Assigned"]]
    assert ip_a in held
    # Pod to pod across nodes and subnets; the receiver sees the pod's address (no NAT).
    server = subprocess.Popen(["ip", "netns", "exec", PREFIX + pb, "python3", "-c",
                               SERVER.replace('c.sendall(b"hello %d\\n" % port)',
                                              'c.sendall(("peer %s\\n" % _[0]).encode())'),
                               "8080"], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        assert connect(PREFIX + pa, ip_b, 8080) == f"peer {ip_a}"
    finally:
        server.kill()
    p = nsexec(PREFIX + pa, "ping", "-c1", "-W2", b.ip)
    assert p.returncode == 0, "pod to the other node's address"
    # DEL, and DEL again; an unknown pod's DEL succeeds.
    assert a.cni("DEL", pa, prev=ra)[0] == 0
    assert a.cni("DEL", pa, prev=ra)[0] == 0
    assert a.cni("DEL", "never-added")[0] == 0


def test_node_fills_to_max_pods_then_add_fails_clearly(cluster):
    s = subnets(cluster.ec2)
    n = cluster.node(s[0]["SubnetId"], itype="t3.micro")  # 2 ENIs x 2 IPv4: max pods 4
    got = []
    for i in range(3):
        name = cluster.pod(f"m{i}")
        for _ in range(50):  # the warm pool fills in the background
            rc, r = n.cni("ADD", name)
            if rc == 0 or (r and r.get("code") != 100):
                break
            time.sleep(0.2)
        got.append((rc, r))
    ok = [r for rc, r in got if rc == 0]
    assert len(ok) == 2, got  # 2 ENIs x (2 - 1) pod addresses
    rc, r = got[2]
    assert rc != 0 and r["code"] == 100 and "no free IP address" in r["msg"], r
    enis = n.enis()
    assert len(enis["ENIs"]) == 2, "ipamd attached the second ENI the type allows"


def internet_server(port):
    """A TCP server on the internet side (203.0.113.10) answering the peer's address."""
    code = SERVER.replace('c.sendall(b"hello %d\\n" % port)', 'c.sendall(("peer %s\\n" % _[0]).encode())')
    p = subprocess.Popen(["ip", "netns", "exec", PREFIX + "internet", "python3", "-c", code, str(port)],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_node_security_groups_and_snat_apply_to_pods(cluster):
    ec2 = cluster.ec2
    s = subnets(ec2)
    vpc = s[0]["VpcId"]
    web = ec2.create_security_group(GroupName="nodes-web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
    a = cluster.node(s[0]["SubnetId"])
    b_inst = ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1,
                               SubnetId=s[1]["SubnetId"], SecurityGroupIds=[web])["Instances"][0]
    b = Node({}, cluster.tmp, b_inst["InstanceId"], b_inst["PrivateIpAddress"])
    b.start()
    cluster.nodes.append(b)
    pa, pb = cluster.pod("sa"), cluster.pod("sb")
    assert a.cni("ADD", pa)[0] == 0
    rc, rb = b.cni("ADD", pb)
    assert rc == 0, rb
    ip_b = rb["ips"][0]["address"].split("/")[0]
    srv = subprocess.Popen(["ip", "netns", "exec", PREFIX + pb, "python3", "-c", SERVER, "8080", "9090"],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready"
        # The node's ENI security groups are the pod's: 8080 admitted, 9090 not.
        assert connect(PREFIX + pa, ip_b, 8080) == "hello 8080"
        assert connect(PREFIX + pa, ip_b, 9090, timeout=1.0) is None
    finally:
        srv.kill()
    # To the internet the pod's traffic is SNATed to the node, then 1:1 to its public IP.
    a_pub = ec2.describe_instances(InstanceIds=[a.id])["Reservations"][0]["Instances"][0]["PublicIpAddress"]
    inet = internet_server(8080)
    try:
        assert connect(PREFIX + pa, "203.0.113.10", 8080, timeout=3.0) == f"peer {a_pub}"
        # With external SNAT the pod keeps its own address, which has no public IP: the IGW
        # does not carry it (a NAT gateway would).
        c = cluster.node(s[0]["SubnetId"], AWS_VPC_K8S_CNI_EXTERNALSNAT="true")
        pc = cluster.pod("sc")
        assert c.cni("ADD", pc)[0] == 0
        assert connect(PREFIX + pc, "203.0.113.10", 8080, timeout=1.5) is None
    finally:
        inet.kill()


def assigned(node):
    return {x["Address"]: x.get("IPAMKey", {}).get("containerID")
            for e in node.enis()["ENIs"] for x in e["IPv4Addresses"] if x["Assigned"]}


def test_ipamd_kill9_during_churn_gives_no_address_twice_and_leaks_none(cluster):
    import random
    import threading

    s = subnets(cluster.ec2)
    n = cluster.node(s[0]["SubnetId"], WARM_IP_TARGET=2, IP_COOLDOWN_PERIOD=0)
    rng = random.Random(7)
    live = {}  # pod name -> address
    names = [cluster.pod(f"k{i}") for i in range(8)]
    for step in range(40):
        name = rng.choice(names)
        if rng.random() < 0.2:
            # kill -9 while an ADD may be in flight, then restart
            t = threading.Thread(target=lambda: n.cni("ADD", name))
            t.start()
            time.sleep(rng.random() * 0.05)
            n.kill(signal.SIGKILL)
            t.join()
            n.start()
            # As kubelet does for a failed ADD: DEL it (the pod is not running).
            if name not in live:
                assert n.cni("DEL", name)[0] == 0
            continue
        if name in live:
            assert n.cni("DEL", name)[0] == 0
            del live[name]
        else:
            for _ in range(50):
                rc, r = n.cni("ADD", name)
                if rc == 0 or r.get("code") not in (11, 100):
                    break
                time.sleep(0.2)
            assert rc == 0, r
            live[name] = r["ips"][0]["address"].split("/")[0]
    held = assigned(n)
    addrs = list(live.values())
    assert len(addrs) == len(set(addrs)), "an address given to two pods"
    assert set(held) == set(addrs), f"ipamd holds {held}, pods have {live}"
    for name, ip in live.items():
        assert held[ip] == name.replace("-", "")


def test_ipamd_grows_and_gives_back_surplus(cluster):
    s = subnets(cluster.ec2)
    n = cluster.node(s[0]["SubnetId"], WARM_IP_TARGET=1, IP_COOLDOWN_PERIOD=1,
                     OPENVPC_IPAMD_MIN_ENI_LIFETIME_MS=0)  # t3.small: 3 pod addresses per ENI
    names = [cluster.pod(f"g{i}") for i in range(5)]
    for name in names:
        for _ in range(50):
            rc, r = n.cni("ADD", name)
            if rc == 0:
                break
            time.sleep(0.2)
        assert rc == 0, r
    intro = n.enis()
    assert len(intro["ENIs"]) == 2, "a second ENI was attached when the pool ran low"
    second = [e["ID"] for e in intro["ENIs"] if not e["IsPrimary"]][0]
    for name in names:
        assert n.cni("DEL", name)[0] == 0
    for _ in range(100):
        intro = n.enis()
        if len(intro["ENIs"]) == 1 and intro["TotalIPs"] == 1:
            break
        time.sleep(0.2)
    assert len(intro["ENIs"]) == 1 and intro["TotalIPs"] == 1, intro
    # EC2 agrees: the surplus ENI is gone.
    enis = cluster.ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [n.id]}])["NetworkInterfaces"]
    assert second not in [e["NetworkInterfaceId"] for e in enis]
