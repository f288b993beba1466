"""Flow logs of real traffic, delivered as AWS delivers them to S3.

vpcd runs the live fabric (--fabric-prefix <unique>-, --fabric-teardown, as in
test_fabric.py) with --flow-log-interval 1 --flow-log-delay 1.  A flow log on
the default VPC with LogDestination arn:aws:s3:::test-bucket/fl; two
instances; ping and TCP to an allowed port (8080) and a blocked one (9090).
The gzip objects must appear under
  <state>/s3/test-bucket/fl/AWSLogs/<account>/vpcflowlogs/us-east-1/YYYY/MM/DD/
named <account>_vpcflowlogs_us-east-1_<fl-id>_<YYYYMMDDTHHmmZ>_<hash>.log.gz,
start with the header line of the default format, and hold ACCEPT records of
the allowed traffic and a REJECT record of the blocked port with the right
addresses, ports and protocol; `vpcctl flow-logs tail` (and --follow) shows
them.  A second test: what is buffered is delivered when vpcd stops, to S3 and
to a CloudWatch Logs stream file.  Nothing is added to the root namespace
(checked).  Needs root.
"""
import datetime
import glob
import gzip
import json
import os
import re
import subprocess
import threading
import time

import pytest

from conftest import make_client
import netns_util
from netns_util import connect, ping
from test_fabric import PREFIX, root_state, run, serve

V5_FORMAT = ("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${srcaddr} "
             "${dstaddr} ${dstport} ${protocol} ${tcp-flags} ${type} ${pkt-srcaddr} "
             "${pkt-dstaddr} ${region} ${az-id} ${flow-direction} ${traffic-path} ${action}")
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
          "bytes start end action log-status")


@pytest.fixture
def flowfabric(start_vpcd, vpcd_binary, tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the fabric tests need root", pytrace=False)
    before = root_state()
    state = tmp_path / "state"

    class F:
        servers = []
        procs = []

    f = F()
    f.state = state
    f.vpcctl = os.path.join(os.path.dirname(os.path.dirname(vpcd_binary)), "cli", "vpcctl")
    assert os.access(f.vpcctl, os.X_OK), f.vpcctl
    f.start = lambda delay="1": start_vpcd(f"--fabric-prefix={PREFIX}", "--fabric-teardown",
                                           "--flow-log-interval", "1", "--flow-log-delay",
                                           delay, state_dir=state)
    yield f
    for p in f.servers + f.procs:
        p.kill()
        p.wait()
    netns_util.remove_namespaces(PREFIX)
    assert root_state() == before, "the root namespace changed"


def read_objects(folder):
    """[(path, header, [record fields...])] of every object below folder."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.log.gz"), recursive=True)):
        with gzip.open(path, "rt") as f:
            lines = f.read().splitlines()
        out.append((path, lines[0], [ln.split(" ") for ln in lines[1:]]))
    return out


def wait_for(pred, timeout=25.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    return pred()


def eni_of(ec2, instance_id):
    r = ec2.describe_instances(InstanceIds=[instance_id])
    return r["Reservations"][0]["Instances"][0]["NetworkInterfaces"][0]["NetworkInterfaceId"]


def test_flow_logs_of_real_traffic_as_s3_objects(flowfabric):
    v = flowfabric.start()
    ec2 = make_client(v.url)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    account = vpc["OwnerId"]
    subnets = sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])
    r = ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC", TrafficType="ALL",
                             LogDestinationType="s3",
                             LogDestination="arn:aws:s3:::test-bucket/fl")
    assert r["Unsuccessful"] == []
    [fl] = r["FlowLogIds"]
    # A second flow log with a custom format of version 3 to 5 fields.
    r = ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC", TrafficType="ALL",
                             LogDestinationType="s3", LogFormat=V5_FORMAT,
                             LogDestination="arn:aws:s3:::test-bucket/v5/")
    assert r["Unsuccessful"] == []
    [fl5] = r["FlowLogIds"]

    # tail --follow from before the first object exists.
    follow = subprocess.Popen([flowfabric.vpcctl, "flow-logs", "tail", "--follow",
                               "--state-dir", str(flowfabric.state), "--flow-log-id", fl],
                              stdout=subprocess.PIPE, text=True)
    flowfabric.procs.append(follow)
    followed = []
    threading.Thread(target=lambda: followed.extend(follow.stdout), daemon=True).start()

    web = ec2.create_security_group(GroupName="web", Description="web",
                                    VpcId=vpc["VpcId"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]},
        {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1,
         "IpRanges": [{"CidrIp": "172.31.0.0/16"}]}])
    a, a_ip = run(ec2, subnets[0]["SubnetId"])
    d, d_ip = run(ec2, subnets[1]["SubnetId"], [web])
    eni_a, eni_d = eni_of(ec2, a), eni_of(ec2, d)
    serve(flowfabric, PREFIX + d, 8080, 9090)
    assert ping(PREFIX + a, d_ip)
    assert connect(PREFIX + a, d_ip, 8080) == "hello 8080"
    assert connect(PREFIX + a, d_ip, 9090, timeout=1.0) is None, "9090 is blocked"

    folder = os.path.join(flowfabric.state, "s3", "test-bucket", "fl", "AWSLogs", account,
                          "vpcflowlogs", "us-east-1")

    def records():
        return [rec for _, _, recs in read_objects(folder) for rec in recs]

    def has(pred):
        return any(pred(r) for r in records())

    # Records: version account eni src dst sport dport proto packets bytes start end action status
    def tcp_accept_in(r):
        return (r[2] == eni_d and r[3] == a_ip and r[4] == d_ip and r[6] == "8080"
                and r[7] == "6" and r[12] == "ACCEPT" and r[13] == "OK")

    def tcp_accept_out(r):  # the same flow, as A's ENI saw it leave
        return (r[2] == eni_a and r[3] == a_ip and r[4] == d_ip and r[6] == "8080"
                and r[7] == "6" and r[12] == "ACCEPT")

    def tcp_reply(r):  # the server's answer, leaving D
        return (r[2] == eni_d and r[3] == d_ip and r[4] == a_ip and r[5] == "8080"
                and r[7] == "6" and r[12] == "ACCEPT")

    def icmp_accept(r):
        return (r[2] == eni_d and r[3] == a_ip and r[4] == d_ip and r[5] == "0"
                and r[6] == "0" and r[7] == "1" and r[12] == "ACCEPT")

    def tcp_reject(r):
        return (r[2] == eni_d and r[3] == a_ip and r[4] == d_ip and r[6] == "9090"
                and r[7] == "6" and r[12] == "REJECT" and r[13] == "OK")

    for name, pred in [("TCP 8080 ACCEPT in", tcp_accept_in), ("TCP 8080 ACCEPT out", tcp_accept_out),
                       ("TCP 8080 reply", tcp_reply), ("ICMP ACCEPT", icmp_accept),
                       ("TCP 9090 REJECT", tcp_reject)]:
        assert wait_for(lambda: has(pred)), f"no {name} record in {records()}\n{v.log()}"
    # A's side lets the SYN out (its group allows all egress); D's group rejects it.
    assert has(lambda r: r[2] == eni_a and r[6] == "9090" and r[12] == "ACCEPT")
    assert not has(lambda r: r[2] == eni_d and r[6] == "9090" and r[12] == "ACCEPT"), \
        "9090 is never accepted into D"
    rej = [r for r in records() if tcp_reject(r)]
    assert int(rej[0][8]) >= 1 and int(rej[0][9]) >= 40, rej[0]
    assert all(r[0] == "2" and r[1] == account for r in records())

    # The AWS layout: a folder per day, names with the flow log and a 5-minute window.
    objs = read_objects(folder)
    today = datetime.datetime.now(datetime.timezone.utc)
    name_re = re.compile(rf"^{account}_vpcflowlogs_us-east-1_{fl}_(\d{{8}}T\d{{2}}(\d{{2}})Z)"
                         r"_[0-9a-f]{8}\.log\.gz$")
    for path, header, recs in objs:
        rel = os.path.relpath(path, folder).split(os.sep)
        assert len(rel) == 4, rel
        m = name_re.match(rel[3])
        assert m, rel[3]
        assert int(m.group(2)) % 5 == 0, rel[3]
        assert rel[:3] == [m.group(1)[0:4], m.group(1)[4:6], m.group(1)[6:8]], rel
        assert header == HEADER, header
        for r in recs:
            assert len(r) == 14, r
            if r[13] == "OK":
                end = datetime.datetime.fromtimestamp(int(r[11]), datetime.timezone.utc)
                assert end.strftime("%Y%m%dT%H") + f"{end.minute - end.minute % 5:02d}Z" == \
                    m.group(1), (r, rel[3])
    assert abs((today - datetime.datetime.strptime(objs[0][0].split("_")[-2], "%Y%m%dT%H%MZ")
                .replace(tzinfo=datetime.timezone.utc)).total_seconds()) < 3600
    assert not glob.glob(os.path.join(folder, "**", ".*"), recursive=True), "temporaries left"

    # The custom format: its own header, version 5, the v3-v5 fields of the same flows.
    folder5 = os.path.join(flowfabric.state, "s3", "test-bucket", "v5", "AWSLogs", account,
                           "vpcflowlogs", "us-east-1")
    d_subnet = subnets[1]["SubnetId"]

    def v5_records():
        out = []
        for path, header, recs in read_objects(folder5):
            assert header == V5_FORMAT.replace("${", "").replace("}", ""), header
            assert f"_{fl5}_" in os.path.basename(path)
            out += [dict(zip(header.split(" "), r)) for r in recs]
        return out

    def v5_has(pred):
        return any(pred(r) for r in v5_records())

    def v5_reject(r):
        return (r["interface-id"] == eni_d and r["dstport"] == "9090" and r["action"] == "REJECT")

    def v5_egress(r):
        return (r["interface-id"] == eni_a and r["dstaddr"] == d_ip and r["dstport"] == "8080"
                and r["action"] == "ACCEPT")

    assert wait_for(lambda: v5_has(v5_reject) and v5_has(v5_egress)), v5_records()
    rj = next(r for r in v5_records() if v5_reject(r))
    assert rj["version"] == "5" and rj["vpc-id"] == vpc["VpcId"] and rj["subnet-id"] == d_subnet
    assert rj["instance-id"] == d and rj["type"] == "IPv4" and rj["region"] == "us-east-1"
    assert rj["srcaddr"] == rj["pkt-srcaddr"] == a_ip and rj["pkt-dstaddr"] == d_ip
    assert rj["protocol"] == "6" and rj["tcp-flags"] == "2", rj  # SYN only
    assert rj["flow-direction"] == "ingress" and rj["traffic-path"] == "-", rj
    assert rj["az-id"] != "-", rj
    eg = next(r for r in v5_records() if v5_egress(r))
    assert eg["flow-direction"] == "egress" and eg["traffic-path"] == "1", eg  # within the VPC
    assert eg["instance-id"] == a

    # vpcctl flow-logs tail: text and JSON.
    p = subprocess.run([flowfabric.vpcctl, "flow-logs", "tail", "--state-dir",
                        str(flowfabric.state)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("TIME (UTC)")
    assert any(f"{a_ip}:" in ln and f"-> {d_ip}:9090" in ln and " TCP " in ln
               and "REJECT OK" in ln and eni_d in ln for ln in lines), p.stdout
    assert any(f"-> {d_ip}:8080" in ln and "ACCEPT OK" in ln for ln in lines), p.stdout
    assert any(f"-> {d_ip}:0" in ln and " ICMP " in ln for ln in lines), p.stdout
    p = subprocess.run([flowfabric.vpcctl, "flow-logs", "tail", "--state-dir",
                        str(flowfabric.state), "--output", "json", "--flow-log-id", fl],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    js = [json.loads(ln) for ln in p.stdout.splitlines()]
    assert any(j["action"] == "REJECT" and j["dstport"] == 9090 and j["protocol"] == 6
               and j["srcaddr"] == a_ip and j["interface-id"] == eni_d for j in js), js
    p = subprocess.run([flowfabric.vpcctl, "flow-logs", "tail", "--state-dir",
                        str(flowfabric.state), "--flow-log-id", "fl-0000000000000000"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout == "", p.stdout

    # --follow saw the same records arrive.
    assert wait_for(lambda: any(f"-> {d_ip}:9090" in ln and "REJECT" in ln for ln in followed),
                    timeout=10), "".join(followed)

    # A malformed object is named and skipped; the others still print.
    day = os.path.dirname(objs[0][0])
    bad = os.path.join(day, f"{account}_vpcflowlogs_us-east-1_{fl}_20000101T0000Z_00000000.log.gz")
    with open(bad, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00 truncated")
    p = subprocess.run([flowfabric.vpcctl, "flow-logs", "tail", "--state-dir",
                        str(flowfabric.state)], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert bad in p.stderr, p.stderr
    assert "REJECT" in p.stdout
    os.unlink(bad)



def test_stopping_vpcd_delivers_what_is_buffered(flowfabric):
    v = flowfabric.start(delay="3600")  # nothing is due while it runs
    ec2 = make_client(v.url)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    sub = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    [fl] = ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC",
                                TrafficType="REJECT", LogDestinationType="s3",
                                LogDestination="arn:aws:s3:::stop-bucket")["FlowLogIds"]
    # And one to CloudWatch Logs: a plain file per ENI (log stream) in the log group's folder.
    r = ec2.create_flow_logs(ResourceIds=[vpc["VpcId"]], ResourceType="VPC",
                             TrafficType="REJECT", LogDestinationType="cloud-watch-logs",
                             LogGroupName="/openvpc/flow",
                             DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/fl")
    assert r["Unsuccessful"] == [], r
    a, a_ip = run(ec2, sub)
    b, b_ip = run(ec2, sub)
    eni_b = eni_of(ec2, b)
    # The default group admits its members only: a group of its own for B refuses A.
    g = ec2.create_security_group(GroupName="closed", Description="closed",
                                  VpcId=vpc["VpcId"])["GroupId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_b, Groups=[g])
    assert connect(PREFIX + a, b_ip, 7070, timeout=1.0) is None
    folder = os.path.join(flowfabric.state, "s3", "stop-bucket", "AWSLogs",
                          vpc["OwnerId"], "vpcflowlogs", "us-east-1")
    time.sleep(2.5)  # aggregation intervals end: records are buffered in the sink
    assert read_objects(folder) == [], "not due before the delay"
    assert v.stop() == 0
    objs = read_objects(folder)
    assert objs, v.log()
    recs = [r for _, _, rs in objs for r in rs]
    assert all(r[12] == "REJECT" or r[13] == "NODATA" for r in recs), recs
    assert any(r[2] == eni_b and r[3] == a_ip and r[4] == b_ip and r[6] == "7070"
               and r[7] == "6" and r[12] == "REJECT" for r in recs), recs
    assert fl in os.path.basename(objs[0][0])
    stream = os.path.join(flowfabric.state, "cloudwatch", "%2Fopenvpc%2Fflow", eni_b)
    with open(stream) as f:
        cw = [ln.split(" ") for ln in f.read().splitlines()]
    assert cw and cw[0][0] == "2", cw  # records, no header
    assert any(r[2] == eni_b and r[3] == a_ip and r[6] == "7070" and r[12] == "REJECT"
               for r in cw), cw
    with open(v.log_path) as f:
        log = f.read()
    m = re.search(r"flow logs: (\d+) records, (\d+) delivered in (\d+) objects, 0 dropped", log)
    assert m and m.group(1) == m.group(2), log
