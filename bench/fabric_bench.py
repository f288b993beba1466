"""bench/fabric.sh's body: see that script."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1]
SECONDS = int(os.environ.get("FABRIC_BENCH_SECONDS", "5"))
PF, PK = f"ovf{os.getpid()}-", f"ovk{os.getpid()}-"


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


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
        return round((s["packets"] - s["lost_packets"]) / s["seconds"])
    return round(end["sum_received"]["bits_per_second"] / 1e9, 2)


def fabric():
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
        b_ip = r[1]["PrivateIpAddress"]
        return {"tcp_gbps": iperf(b, a, b_ip, False), "udp64_pps": iperf(b, a, b_ip, True)}
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


def kernel():
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
        return {"tcp_gbps": iperf(b, a, "10.8.2.10", False), "udp64_pps": iperf(b, a, "10.8.2.10", True)}
    finally:
        for n in (a, r, b):
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def main():
    if os.geteuid() != 0:
        sys.exit("bench/fabric.sh needs root (network namespaces)")
    f = fabric()
    k = kernel()
    print(f"load {open('/proc/loadavg').read().split()[0]}, {os.cpu_count()} CPUs, {SECONDS} s per run")
    print(f"vpcd fabric:            TCP {f['tcp_gbps']} Gbit/s, 64-byte UDP {f['udp64_pps']} packets/s")
    print(f"kernel router + nft ct: TCP {k['tcp_gbps']} Gbit/s, 64-byte UDP {k['udp64_pps']} packets/s")
    pps_ratio = round(f["udp64_pps"] / k["udp64_pps"], 2) if k["udp64_pps"] else 0
    tcp_ratio = round(f["tcp_gbps"] / k["tcp_gbps"], 2) if k["tcp_gbps"] else 0
    print(f"ratio fabric/kernel: packets/s {pps_ratio}, TCP {tcp_ratio}  (target: packets/s >= 1)")
    print(json.dumps({"bench": "fabric", "seconds": SECONDS, "fabric": f, "kernel_router": k,
                      "udp64_pps_ratio": pps_ratio, "tcp_ratio": tcp_ratio}))


main()
