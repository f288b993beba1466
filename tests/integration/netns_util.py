"""Helpers shared by the live-fabric tests (test_fabric*.py, test_pods.py): run a
command in a namespace, a one-shot TCP client, the namespaces with a prefix, and
a snapshot of the root namespace to check it is left unchanged; pings and TCP clients
whose flow-log records are exact, and FlowLogs/assert_flows to read those records."""
import contextlib
import glob
import gzip
import os
import re
import shutil
import subprocess
import time

import pytest

CLIENT = r"""
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3]))
    print(s.recv(64).decode().strip())
except OSError as e:
    print("FAILED", e); sys.exit(1)
"""


def root_state():
    out = []
    for cmd in (["ip", "-o", "link"], ["ip", "route"], ["ip", "rule"]):
        out.append(subprocess.run(cmd, capture_output=True, text=True).stdout)
    links = sorted(line.split(":")[1].strip() for line in out[0].splitlines())
    return links, out[1], out[2]


def netns_list(prefix):
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


def remove_namespaces(prefix):
    """Delete every namespace whose name starts with prefix and its /etc/netns files (what
    vpcd leaves when it stops without --fabric-teardown)."""
    for ns in netns_list(prefix):
        subprocess.run(["ip", "netns", "del", ns])
    for d in glob.glob(f"/etc/netns/{glob.escape(prefix)}*"):
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def fabric_vpcd(vpcd_binary, state_dir, prefix):
    """A vpcd with its live fabric for one test module: namespaces named prefix*, removed
    when it stops (--fabric-teardown), 1 s flow-log intervals delivered at once.  On exit
    vpcd is stopped, whatever of prefix is left is removed, and vpcd's exit status and the
    unchanged root namespace are asserted.  Needs root."""
    from conftest import Vpcd
    if os.geteuid() != 0:
        pytest.fail("the fabric tests need root", pytrace=False)
    before = root_state()
    v = Vpcd(vpcd_binary, state_dir, [f"--fabric-prefix={prefix}", "--fabric-teardown",
                                      "--flow-log-interval", "1", "--flow-log-delay", "0"])
    try:
        yield v
    finally:
        rc = v.stop()
        remove_namespaces(prefix)
        assert rc == 0, v.log()
        assert root_state() == before, "the root namespace changed"


def nsexec(ns, *cmd, timeout=10):
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], capture_output=True, text=True,
                          timeout=timeout)


def ping(ns, ip):
    return nsexec(ns, "ping", "-c1", "-W2", ip).returncode == 0


def connect(ns, ip, port, timeout=2.0, margin=5.0, slow_start_refused=False):
    """The server's answer, or None when the connection failed.  The client gives up
    after timeout; margin covers starting it.  With slow_start_refused, a client that
    does not even finish within timeout + margin (a loaded machine) counts as refused."""
    try:
        p = nsexec(ns, "python3", "-c", CLIENT, ip, str(port), str(timeout),
                   timeout=timeout + margin)
    except subprocess.TimeoutExpired:
        if not slow_start_refused:
            raise
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def ping_n(ns, ip, count=3, size=56, wait=1):
    """count echo requests of size payload bytes, 0.2 s apart; the replies received."""
    p = nsexec(ns, "ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-s", str(size),
               "-W", str(wait), ip, timeout=count * 0.2 + wait + 10)
    m = re.search(r"(\d+) received", p.stdout)
    return int(m.group(1)) if m else 0


CLIENT_FROM = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.settimeout(float(sys.argv[4])); s.bind(("0.0.0.0", int(sys.argv[3])))
try:
    s.connect((sys.argv[1], int(sys.argv[2]))); print(s.recv(64).decode().strip())
except OSError as e:
    print("FAILED", e); sys.exit(1)
"""


def connect_from(ns, ip, port, sport, timeout=2.0, margin=15.0):
    """connect() with a fixed source port (so its flow-log records are exact): the
    server's answer, or None when the connection failed (a client too slow to even
    finish counts as failed)."""
    try:
        p = nsexec(ns, "python3", "-c", CLIENT_FROM, ip, str(port), str(sport), str(timeout),
                   timeout=timeout + margin)
    except subprocess.TimeoutExpired:
        return None
    return p.stdout.strip() if p.returncode == 0 else None


# ---- flow logs --------------------------------------------------------------------

class _Any:
    """Matches any value (a port chosen by the kernel, a count that depends on timing)."""

    def __eq__(self, other):
        return True

    def __repr__(self):
        return "ANY"


class _Positive:
    def __eq__(self, other):
        return isinstance(other, int) and other > 0

    def __repr__(self):
        return ">0"


ANY = _Any()
POS = _Positive()
ICMP, TCP, UDP = 1, 6, 17


class FlowLogs:
    """One S3 flow log (default format, TrafficType ALL unless told) created through
    the API on a VPC, subnet or ENI of a vpcd that runs with --flow-log-interval 1
    --flow-log-delay 0, read back from its state directory.

    take() waits until every packet sent before the call has been aggregated and
    delivered, then returns the OK records of the objects it has not returned
    before, summed per flow: {(interface-id, srcaddr, dstaddr, srcport, dstport,
    protocol, action): [packets, bytes]} (key: other fields of a custom format).  The
    wait is a barrier, not a sleep: the engine closes an interval for every ENI at
    once, and an ENI without traffic gets a NODATA record ending at that moment, after
    the interval's OK records; records reach the sink in that order and vpcd delivers
    everything buffered each second (delay 0).  So once a NODATA record ending after
    the call is on disk, so is every record of earlier traffic."""

    KEY = ("interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "action")

    def __init__(self, ec2, state_dir, resource_id, bucket="flows", traffic="ALL",
                 log_format=None, key=KEY):
        assert not log_format or all(f"${{{f}}}" in log_format for f in ("end", "log-status")), \
            "take() needs the end and log-status fields"
        kind = {"vpc": "VPC", "subnet": "Subnet", "eni": "NetworkInterface"}[
            resource_id.split("-")[0]]
        kw = {"LogFormat": log_format} if log_format else {}
        r = ec2.create_flow_logs(ResourceIds=[resource_id], ResourceType=kind,
                                 TrafficType=traffic, LogDestinationType="s3",
                                 LogDestination=f"arn:aws:s3:::{bucket}", **kw)
        assert r["Unsuccessful"] == [], r
        self.id = r["FlowLogIds"][0]
        self.folder = os.path.join(str(state_dir), "s3", bucket)
        self.key = key
        self.taken = set()

    def objects(self):
        """{path: [record dict]} of every delivered object."""
        out = {}
        for path in sorted(glob.glob(os.path.join(self.folder, "**", "*.log.gz"),
                                     recursive=True)):
            with gzip.open(path, "rt") as f:
                lines = f.read().splitlines()
            names = lines[0].split(" ")
            out[path] = [dict(zip(names, ln.split(" "))) for ln in lines[1:]]
        return out

    def take(self, since=None, timeout=20.0):
        """since: the time.time() after the traffic (default: now); pass the same value to
        several flow logs' take() to wait once."""
        # A NODATA record's end is the second its interval was drained; a drain in a
        # later second than since + slack holds every packet sent before since, or an
        # earlier drain does.  A drain emits its NODATA records after its OK ones.
        after = int((since or time.time()) + 0.25)
        deadline = time.monotonic() + timeout
        while True:
            objs = self.objects()
            if any(r["log-status"] == "NODATA" and int(r["end"]) > after
                   for recs in objs.values() for r in recs):
                break
            assert time.monotonic() < deadline, "no flow-log interval closed after the traffic"
            time.sleep(0.1)
        flows = {}
        for path, recs in objs.items():
            if path in self.taken:
                continue
            self.taken.add(path)
            for r in recs:
                if r["log-status"] != "OK":
                    continue
                k = tuple(int(r[f]) if f in ("srcport", "dstport", "protocol") else r[f]
                          for f in self.key)
                c = flows.setdefault(k, [0, 0])
                c[0] += int(r.get("packets", 0))
                c[1] += int(r.get("bytes", 0))
        return flows


def without_ports(flows, *ports):
    """flows minus the records of the given TCP/UDP ports (a connection of an earlier step
    whose retransmissions, timed by the kernel, may still be on the wire)."""
    return {k: v for k, v in flows.items() if k[3] not in ports and k[4] not in ports}


def assert_flows(got, expected):
    """got: FlowLogs.take(); expected: (eni, src, dst, sport, dport, proto, action,
    packets, bytes) tuples (the key's fields, then packets and bytes); any field may be
    ANY or POS.  Each expected record matches exactly one record and none is left over."""
    left = {k: tuple(v) for k, v in got.items()}
    for e in expected:
        hits = [k for k, v in left.items() if tuple(e) == k + v]
        assert len(hits) == 1, (f"expected record {e} matched {len(hits)} of:\n"
                                + "\n".join(f"  {k + tuple(v)}" for k, v in sorted(got.items())))
        del left[hits[0]]
    assert not left, "unexpected records:\n" + "\n".join(f"  {k + v}" for k, v in left.items())
