"""bench/fabric.sh's body: see that script."""
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1]
SECONDS = int(os.environ.get("FABRIC_BENCH_SECONDS", "5"))
# Rounds of both sides, alternating, both set up once; medians reported (the
# machine's other load makes single runs swing by 2x).
ROUNDS = int(os.environ.get("FABRIC_BENCH_ROUNDS", "1"))
PF, PK = f"ovf{os.getpid()}-", f"ovk{os.getpid()}-"


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


TICK = os.sysconf("SC_CLK_TCK")


def busy_ticks():
    """CPU ticks spent (all CPUs) not idle, from /proc/stat."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f) - f[3] - f[4]


def thread_ticks(pid, name):
    """utime + stime of pid's thread called name (0 when there is none)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        comm, rest = st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()
        if comm == name:
            return int(rest[11]) + int(rest[12])
    return 0


def iperf_cpu(server_ns, client_ns, ip, udp, pid=None):
    """iperf(), plus the CPU it took: busy ns per packet (whole machine) and the
    data-path thread's ns per packet (fabric only)."""
    b0, t0 = busy_ticks(), thread_ticks(pid, "vpcd-dp") if pid else 0
    r = iperf(server_ns, client_ns, ip, udp)
    b1, t1 = busy_ticks(), thread_ticks(pid, "vpcd-dp") if pid else 0
    pkts, sent = r * SECONDS, iperf.sent_pps * SECONDS
    out = {"udp64_pps": r, "udp64_sent_pps": iperf.sent_pps,
           "busy_ns_per_pkt": round((b1 - b0) / TICK * 1e9 / pkts) if pkts else 0}
    if pid:  # every packet sent crosses the data path (or is dropped on its RX ring)
        out["dp_ns_per_pkt"] = round((t1 - t0) / TICK * 1e9 / sent) if sent else 0
    return out


def iperf(server_ns, client_ns, ip, udp):
    srv = subprocess.Popen(["ip", "netns", "exec", server_ns, "iperf3", "-s", "-1", "-p", "5201"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    args = ["ip", "netns", "exec", client_ns, "iperf3", "-c", ip, "-p", "5201", "-t", str(SECONDS), "-J"]
    if udp:
        args += ["-u", "-l", "64", "-b", "0"]
    out = json.loads(subprocess.run(args, capture_output=True, text=True).stdout)
    srv.wait(timeout=30)
    end = out["end"]
    if udp:
        s = end["sum"]
        iperf.sent_pps = round(s["packets"] / s["seconds"])
        return round((s["packets"] - s["lost_packets"]) / s["seconds"])
    return round(end["sum_received"]["bits_per_second"] / 1e9, 2)


@contextlib.contextmanager
def fabric():
    """vpcd with two c5.large instances in one subnet: yields (client ns, server ns, server IP, vpcd pid)."""
    tmp = tempfile.mkdtemp(prefix="ovfb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    vpcd = subprocess.Popen([f"{BUILD}/daemon/vpcd", "--listen", f"127.0.0.1:{port}", "--state-dir",
                             f"{tmp}/state", f"--fabric-prefix={PF}", "--fabric-teardown"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import boto3
        from botocore.config import Config
        time.sleep(1)
        ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="AKIDBENCH", aws_secret_access_key="x",
                           config=Config(retries={"max_attempts": 1}))
        sub = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        r = ec2.run_instances(ImageId="ami-0abcdef1234567890", InstanceType="c5.large", MinCount=2,
                              MaxCount=2, SubnetId=sub)["Instances"]
        a, b = (PF + i["InstanceId"] for i in r)
        yield a, b, r[1]["PrivateIpAddress"], vpcd.pid
    finally:
        vpcd.terminate()
        vpcd.wait()
        shutil.rmtree(tmp, ignore_errors=True)


NFT = """table inet bench {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    ct state invalid drop
    ip saddr 10.8.0.0/16 ip daddr 10.8.0.0/16 accept
  }
}
"""


@contextlib.contextmanager
def kernel():
    """The kernel router namespace with nftables conntrack: yields (client ns, server ns, server IP, None)."""
    a, r, b = PK + "a", PK + "r", PK + "b"
    try:
        for n in (a, r, b):
            sh("ip", "netns", "add", n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        sh("ip", "-n", r, "link", "add", "ra", "type", "veth", "peer", "name", "eth0", "netns", a)
        sh("ip", "-n", r, "link", "add", "rb", "type", "veth", "peer", "name", "eth0", "netns", b)
        for ns, dev, addr in ((r, "ra", "10.8.1.1/24"), (r, "rb", "10.8.2.1/24"),
                              (a, "eth0", "10.8.1.10/24"), (b, "eth0", "10.8.2.10/24")):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up", "mtu", "9001")
        sh("ip", "-n", a, "route", "add", "default", "via", "10.8.1.1")
        sh("ip", "-n", b, "route", "add", "default", "via", "10.8.2.1")
        sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        subprocess.run(["ip", "netns", "exec", r, "nft", "-f", "-"], input=NFT, text=True, check=True)
        yield a, b, "10.8.2.10", None
    finally:
        for n in (a, r, b):
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def measure(env):
    a, b, ip, pid = env
    return {"tcp_gbps": iperf(b, a, ip, False), **iperf_cpu(b, a, ip, True, pid)}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    if os.geteuid() != 0:
        sys.exit("bench/fabric.sh needs root (network namespaces)")
    fr, kr = [], []
    with fabric() as fe, kernel() as ke:
        for i in range(ROUNDS):  # alternate which side goes first
            if i % 2:
                kr.append(measure(ke))
                fr.append(measure(fe))
            else:
                fr.append(measure(fe))
                kr.append(measure(ke))
    print(f"load {open('/proc/loadavg').read().split()[0]}, {os.cpu_count()} CPUs, {SECONDS} s per run,"
          f" {ROUNDS} round(s)")
    ratios, tcp_ratios = [], []
    for i, (f, k) in enumerate(zip(fr, kr)):
        ratios.append(round(f["udp64_pps"] / k["udp64_pps"], 2) if k["udp64_pps"] else 0)
        tcp_ratios.append(round(f["tcp_gbps"] / k["tcp_gbps"], 2) if k["tcp_gbps"] else 0)
        print(f"round {i + 1}: fabric TCP {f['tcp_gbps']} Gbit/s, UDP {f['udp64_pps']}/s (sent"
              f" {f['udp64_sent_pps']}); kernel TCP {k['tcp_gbps']} Gbit/s, UDP {k['udp64_pps']}/s (sent"
              f" {k['udp64_sent_pps']}); packets/s ratio {ratios[-1]}, TCP ratio {tcp_ratios[-1]}")
    f = {key: median_of(fr, key) for key in fr[0]}
    k = {key: median_of(kr, key) for key in kr[0]}
    pps_ratio, tcp_ratio = statistics.median(ratios), statistics.median(tcp_ratios)
    med = " (medians)" if ROUNDS > 1 else ""
    print(f"vpcd fabric{med}:            TCP {f['tcp_gbps']} Gbit/s, 64-byte UDP {f['udp64_pps']} packets/s"
          f" (sent {f['udp64_sent_pps']})")
    print(f"kernel router + nft ct{med}: TCP {k['tcp_gbps']} Gbit/s, 64-byte UDP {k['udp64_pps']} packets/s"
          f" (sent {k['udp64_sent_pps']})")
    print(f"ratio fabric/kernel{med}: packets/s {pps_ratio}, TCP {tcp_ratio}  (target: packets/s >= 1)")
    print(f"CPU per received UDP packet (whole machine, busy): fabric {f['busy_ns_per_pkt']} ns, "
          f"kernel {k['busy_ns_per_pkt']} ns; the data-path thread alone {f['dp_ns_per_pkt']} ns per packet sent")
    print(json.dumps({"bench": "fabric", "seconds": SECONDS, "rounds": ROUNDS, "fabric": f, "kernel_router": k,
                      "udp64_pps_ratio": pps_ratio, "tcp_ratio": tcp_ratio,
                      "udp64_pps_ratios": ratios, "tcp_ratios": tcp_ratios}))


main()
