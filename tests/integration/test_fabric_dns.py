"""The Amazon DNS server, live: instances ask VPC base + 2 and 169.254.169.253 over
the fabric and get what lib/model/dns.h says, from the address they asked; the
VPC's DNS attributes apply at once; DNS traffic is never in the flow logs (AWS:
traffic to the Amazon DNS server is not logged).

One vpcd per module (--fabric-prefix <unique>-, --fabric-teardown, 1 s flow-log
intervals); two VPCs with the same CIDR (their DNS servers share 10.43.0.2 and
still answer per VPC).  Queries are made with dnspython inside the instance,
which rejects an answer from another address than the one asked.  Nothing is
added to the root namespace (checked).  Needs root.
"""
import glob
import json
import os
import subprocess
import time

import pytest

from conftest import make_client
from netns_util import FlowLogs, fabric_vpcd

PREFIX = f"ovn{os.getpid() % 100000}-"
AMI = "ami-0abcdef1234567890"
# argv: a JSON list of [server, name, type, source port (0: any)]; prints one JSON list
# per query: ["RCODE", answer...] or ["TIMEOUT"].  One process asks them all (dnspython
# takes seconds to import on a loaded machine).
ASK = r"""
import json, sys
import dns.exception, dns.message, dns.query, dns.rcode
for server, name, rtype, sport in json.loads(sys.argv[1]):
    q = dns.message.make_query(name, rtype)
    try:
        r = dns.query.udp(q, server, timeout=1.0, source_port=sport)
    except dns.exception.Timeout:
        print(json.dumps(["TIMEOUT"]))
    else:
        print(json.dumps([dns.rcode.to_text(r.rcode()),
                          *sorted(rd.to_text() for rrs in r.answer for rd in rrs)]))
"""


class Env:
    pass


@pytest.fixture(scope="module")
def env(vpcd_binary, tmp_path_factory):
    e = Env()
    e.state = tmp_path_factory.mktemp("dns") / "state"
    with fabric_vpcd(vpcd_binary, e.state, PREFIX) as v:
        e.ec2 = ec2 = make_client(v.url)
        e.vpcs, e.inst = [], []
        for _ in range(2):
            vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
            ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
            sub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.43.1.0/24")["Subnet"]["SubnetId"]
            e.vpcs.append(vpc)
            e.inst.append(run(e, sub))
        # A second instance in the first VPC.
        e.inst.append(run(e, ec2.describe_subnets(Filters=[
            {"Name": "vpc-id", "Values": [e.vpcs[0]]}])["Subnets"][0]["SubnetId"]))
        e.fl = FlowLogs(ec2, e.state, e.vpcs[0])
        yield e
        # --fabric-teardown takes the instances' /etc/netns files with their namespaces.
        assert v.stop() == 0, v.log()
        assert not glob.glob(f"/etc/netns/{PREFIX}*"), "vpcd left its instances' /etc/netns files"


def run(e, subnet):
    i = e.ec2.run_instances(ImageId=AMI, InstanceType="t3.small", MinCount=1, MaxCount=1,
                            SubnetId=subnet)["Instances"][0]
    return {"id": i["InstanceId"], "ns": PREFIX + i["InstanceId"], "ip": i["PrivateIpAddress"],
            "name": i["PrivateDnsName"], "eni": i["NetworkInterfaces"][0]["NetworkInterfaceId"]}


def ask_all(inst, *queries):
    """queries: (server, name[, type[, source port]]); the answers in order."""
    qs = [[q[0], q[1], q[2] if len(q) > 2 else "A", q[3] if len(q) > 3 else 0] for q in queries]
    out = subprocess.run(["ip", "netns", "exec", inst["ns"], "/usr/bin/python3", "-c", ASK,
                          json.dumps(qs)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_private_names_resolve_at_base_plus_two_and_169_254_169_253(env):
    a, _, b = env.inst
    assert b["name"] == "ip-" + b["ip"].replace(".", "-") + ".ec2.internal"
    rev = ".".join(reversed(b["ip"].split("."))) + ".in-addr.arpa"
    assert ask_all(a, ("10.43.0.2", b["name"]), ("169.254.169.253", b["name"]),
                   ("10.43.0.2", b["name"], "AAAA"), ("169.254.169.253", b["name"], "AAAA"),
                   ("10.43.0.2", rev, "PTR"), ("10.43.0.2", "ip-10-43-1-250.ec2.internal"),
                   ("10.43.0.2", "example.com")) == [
        ["NOERROR", b["ip"]], ["NOERROR", b["ip"]], ["NOERROR"], ["NOERROR"],
        ["NOERROR", b["name"] + "."], ["NXDOMAIN"], ["REFUSED"]]


def test_each_vpc_has_its_own_answers(env):
    a, c, b = env.inst
    # c's VPC has the same CIDR and DNS address, but not a's or b's ENIs.
    others = [i for i in (a, b) if i["ip"] != c["ip"]]
    assert ask_all(c, ("10.43.0.2", c["name"]), *[("10.43.0.2", i["name"]) for i in others]) == [
        ["NOERROR", c["ip"]]] + [["NXDOMAIN"]] * len(others)


def test_vpc_dns_attributes_apply_at_once(env):
    a, _, b = env.inst
    vpc = env.vpcs[0]
    env.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    try:
        assert ask_all(a, ("10.43.0.2", b["name"])) == [["NXDOMAIN"]]
        env.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": False})
        assert ask_all(a, ("10.43.0.2", b["name"]), ("169.254.169.253", b["name"])) == [
            ["TIMEOUT"], ["TIMEOUT"]]
    finally:
        env.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
        env.ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    assert ask_all(a, ("10.43.0.2", b["name"])) == [["NOERROR", b["ip"]]]


def test_dns_traffic_is_not_logged(env):
    a, _, b = env.inst
    env.fl.take()  # what came before
    assert ask_all(a, ("10.43.0.2", b["name"], "A", 42001), ("10.43.0.2", b["name"], "A", 42002),
                   ("169.254.169.253", b["name"], "A", 42003)) == [["NOERROR", b["ip"]]] * 3
    flows = env.fl.take()
    assert not [k for k in flows if k[3] in (42001, 42002, 42003) or k[4] == 53], flows


def test_instances_resolve_through_their_resolv_conf(env, vpcd_binary):
    """The default DHCP options: resolv.conf in /etc/netns/<namespace>/, bound over
    /etc/resolv.conf by `ip netns exec` and `vpcctl exec`; gone with the instance."""
    a, _, b = env.inst
    with open(f"/etc/netns/{a['ns']}/resolv.conf") as f:
        lines = [ln for ln in f.read().splitlines() if not ln.startswith("#")]
    assert lines == ["search ec2.internal", "nameserver 10.43.0.2"]
    vpcctl = os.path.join(os.path.dirname(os.path.dirname(vpcd_binary)), "cli", "vpcctl")
    short = b["name"].split(".")[0]  # through the search domain
    for cmd in (["ip", "netns", "exec", a["ns"]],
                [vpcctl, "exec", f"--fabric-prefix={PREFIX}", a["id"], "--"]):
        out = subprocess.run(cmd + ["getent", "hosts", short], capture_output=True, text=True,
                             timeout=30)
        assert out.returncode == 0, (cmd, out.stderr)
        assert out.stdout.split() == [b["ip"], b["name"]], cmd
    # A terminated instance's files go with its namespace.
    sub = env.ec2.describe_instances(InstanceIds=[a["id"]])["Reservations"][0]["Instances"][0][
        "SubnetId"]
    d = run(env, sub)
    assert os.path.exists(f"/etc/netns/{d['ns']}/resolv.conf")
    env.ec2.terminate_instances(InstanceIds=[d["id"]])
    deadline = time.monotonic() + 10
    while os.path.exists(f"/etc/netns/{d['ns']}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/etc/netns/{d['ns']}")


def test_resolv_conf_follows_the_vpc_dhcp_options(env):
    """AssociateDhcpOptions reaches running instances' resolv.conf at once (AWS: at the next
    DHCP lease renewal), and "default" (no options) leaves them without a resolver."""
    a = env.inst[0]
    vpc = env.vpcs[0]
    path = f"/etc/netns/{a['ns']}/resolv.conf"
    default = env.ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"]
    corp = env.ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example ec2.internal"]},
        {"Key": "domain-name-servers", "Values": ["10.43.0.53", "AmazonProvidedDNS"]},
    ])["DhcpOptions"]["DhcpOptionsId"]

    def lines():
        with open(path) as f:
            return [ln for ln in f.read().splitlines() if not ln.startswith("#")]

    def wait_for(want):
        deadline = time.monotonic() + 10
        while lines() != want and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lines() == want

    try:
        env.ec2.associate_dhcp_options(DhcpOptionsId=corp, VpcId=vpc)
        wait_for(["search corp.example ec2.internal", "nameserver 10.43.0.53",
                  "nameserver 10.43.0.2"])
        env.ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
        wait_for([])
    finally:
        env.ec2.associate_dhcp_options(DhcpOptionsId=default, VpcId=vpc)
    wait_for(["search ec2.internal", "nameserver 10.43.0.2"])
    env.ec2.delete_dhcp_options(DhcpOptionsId=corp)
