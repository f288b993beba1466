"""bench/cni.sh's body: see that script.  The peer (bridge + host-local) and
vpc-cni run in the same node namespace, invoked the same way, timed around the
plugin process only.  As a container runtime does, the harness itself sits in
the node's namespace (one setns(2) before the timed loops, back afterwards)
and execs each plugin directly, configuration on stdin: no nsenter per call
(CNI_BENCH_NSENTER=1 brings back the old way, nsenter --net per call)."""
import ctypes
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BUILD = sys.argv[1]
P = f"ovb{os.getpid()}-"
N = int(os.environ.get("CNI_BENCH_PODS", "40"))
BURST = 30
PEER_DIR = "/usr/lib/cni"
NSENTER = os.environ.get("CNI_BENCH_NSENTER") == "1"
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    """Move this (single-threaded) process into the network namespace at path."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {path}: {os.strerror(e)}")
    finally:
        os.close(fd)


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main():
    if os.geteuid() != 0:
        sys.exit("bench/cni.sh needs root (network namespaces)")
    if not os.path.exists(f"{PEER_DIR}/bridge"):
        sys.exit("the reference CNI plugins are missing (scripts/deps.sh installs them)")
    tmp = tempfile.mkdtemp(prefix="ovb")
    port = free_port()
    vpcd = subprocess.Popen([f"{BUILD}/daemon/vpcd", "--listen", f"127.0.0.1:{port}",
                             "--state-dir", f"{tmp}/state", f"--fabric-prefix={P}",
                             "--fabric-teardown"], stdout=open(f"{tmp}/vpcd.log", "w"),
                            stderr=subprocess.STDOUT)
    ipamd = None
    pods = []
    try:
        import boto3
        from botocore.config import Config
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="AKIDBENCH", aws_secret_access_key="x",
                           config=Config(retries={"max_attempts": 1}))
        sub = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        inst = ec2.run_instances(ImageId="ami-0abcdef1234567890", InstanceType="m5.xlarge",
                                 MinCount=1, MaxCount=1, SubnetId=sub)["Instances"][0]
        node = P + inst["InstanceId"]
        sock = f"{tmp}/ipamd.sock"
        # The checkpoint where vpc-ipamd keeps it by default (and the AWS plugin in
        # /var/run/aws-node): /run, a tmpfs on Debian.
        run_dir = tempfile.mkdtemp(prefix="ovb", dir="/run")
        env = {**os.environ, "OPENVPC_IPAMD_SOCKET": sock, "OPENVPC_IPAMD_CHECKPOINT": f"{run_dir}/ipam.json",
               "AWS_EC2_ENDPOINT": "http://169.254.169.250", "AWS_ACCESS_KEY_ID": "AKIDNODE",
               "AWS_SECRET_ACCESS_KEY": "x", "WARM_IP_TARGET": str(max(N, BURST) + 2),
               "IP_COOLDOWN_PERIOD": "0", "OPENVPC_IPAMD_POOL_INTERVAL_MS": "200"}
        ipamd = subprocess.Popen(["nsenter", f"--net=/run/netns/{node}", f"{BUILD}/ipamd/vpc-ipamd"],
                                 env=env, stdout=open(f"{tmp}/ipamd.log", "w"), stderr=subprocess.STDOUT)
        total = 0
        for _ in range(300):  # the warm pool fills before anything is timed
            try:
                out = subprocess.run(["nsenter", f"--net=/run/netns/{node}", "python3", "-c",
                                      "import urllib.request;print(urllib.request.urlopen("
                                      "'http://127.0.0.1:61679/v1/enis',timeout=2).read().decode())"],
                                     capture_output=True, text=True, timeout=10).stdout
                total = json.loads(out)["TotalIPs"]
                if total >= max(N, BURST):
                    break
            except (ValueError, subprocess.TimeoutExpired):
                pass
            time.sleep(0.2)
        if total < max(N, BURST):
            sys.exit(f"the warm pool did not fill ({total}); see {tmp}/ipamd.log")

        vpc_conf = json.dumps({"cniVersion": "1.0.0", "name": "openvpc", "type": "vpc-cni",
                               "ipamdSocket": sock})
        peer_conf = json.dumps({"cniVersion": "1.0.0", "name": "bench-bridge", "type": "bridge",
                                "bridge": "cnibench0", "isGateway": True, "ipMasq": False,
                                "ipam": {"type": "host-local", "dataDir": f"{tmp}/host-local",
                                         "ranges": [[{"subnet": "10.99.0.0/16"}]]}})

        def invoke(plugin, conf, cmd, pod, path):
            e = {"CNI_COMMAND": cmd, "CNI_CONTAINERID": pod.replace("-", ""),
                 "CNI_NETNS": f"/run/netns/{pod}", "CNI_IFNAME": "eth0", "CNI_PATH": path,
                 "CNI_ARGS": f"IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME={pod}",
                 "PATH": os.environ["PATH"]}
            argv = ["nsenter", f"--net=/run/netns/{node}", plugin] if NSENTER else [plugin]
            return subprocess.Popen(argv,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=e, text=True), conf

        def timed(plugin, conf, cmd, pod, path):
            t0 = time.perf_counter()
            p, c = invoke(plugin, conf, cmd, pod, path)
            out, err = p.communicate(c)
            dt = (time.perf_counter() - t0) * 1000
            if p.returncode != 0:
                sys.exit(f"{plugin} {cmd} {pod}: {out} {err}")
            return dt

        def netns(name):
            sh("ip", "netns", "add", name)
            pods.append(name)

        results = {}
        # From here on the harness is in the node's namespace (as containerd is).
        home = f"/proc/{os.getpid()}/ns/net"
        home_fd = os.open(home, os.O_RDONLY | os.O_CLOEXEC)
        if not NSENTER:
            setns(f"/run/netns/{node}")
        for label, plugin, conf, path in (
                ("vpc_cni", f"{BUILD}/cni/vpc-cni", vpc_conf, f"{BUILD}/cni"),
                ("bridge", f"{PEER_DIR}/bridge", peer_conf, PEER_DIR)):
            names = [f"{P}{label[0]}{i}" for i in range(N)]
            for n in names:
                netns(n)
            add = [timed(plugin, conf, "ADD", n, path) for n in names]
            dele = [timed(plugin, conf, "DEL", n, path) for n in names]
            results[label] = {"add_p50_ms": round(statistics.median(add), 2),
                              "add_p99_ms": round(pct(add, 0.99), 2),
                              "del_p50_ms": round(statistics.median(dele), 2),
                              "del_p99_ms": round(pct(dele, 0.99), 2)}
        # 30 pods at once with vpc-cni (warm pool).
        names = [f"{P}x{i}" for i in range(BURST)]
        for n in names:
            netns(n)
        t0 = time.perf_counter()
        procs = [invoke(f"{BUILD}/cni/vpc-cni", vpc_conf, "ADD", n, f"{BUILD}/cni") for n in names]
        for p, c in procs:
            p.stdin.write(c)
            p.stdin.close()
        fails = sum(p.wait() != 0 for p, _ in procs)
        burst = time.perf_counter() - t0
        if _libc.setns(home_fd, CLONE_NEWNET) != 0:
            sys.exit("cannot return to the harness's namespace")
        os.close(home_fd)
        v, b = results["vpc_cni"], results["bridge"]
        print(f"machine: {os.uname().machine}, {os.cpu_count()} CPUs, load {open('/proc/loadavg').read().split()[0]}, "
              f"invocation: {'nsenter --net per call' if NSENTER else 'direct exec from the node namespace'}")
        print(f"vpc-cni          ADD p50 {v['add_p50_ms']} ms  p99 {v['add_p99_ms']} ms   DEL p50 {v['del_p50_ms']} ms  p99 {v['del_p99_ms']} ms")
        print(f"bridge+host-local ADD p50 {b['add_p50_ms']} ms  p99 {b['add_p99_ms']} ms   DEL p50 {b['del_p50_ms']} ms  p99 {b['del_p99_ms']} ms")
        ratio = round(b["add_p50_ms"] / v["add_p50_ms"], 2)
        print(f"ADD p50 ratio (bridge / vpc-cni): {ratio}x  (target >= 5x)")
        print(f"burst of {BURST} pods with vpc-cni: {burst:.3f} s, {fails} failed  (target <= 1 s)")
        print(json.dumps({"bench": "cni", "pods": N, "vpc_cni": v, "bridge_host_local": b,
                          "add_p50_ratio": ratio, "burst_pods": BURST,
                          "burst_s": round(burst, 3), "burst_failed": fails,
                          "invocation": "nsenter" if NSENTER else "direct"}))
    finally:
        if ipamd:
            ipamd.terminate()
            ipamd.wait()
        for n in pods:
            subprocess.run(["ip", "netns", "del", n])
        vpcd.terminate()
        vpcd.wait()
        shutil.rmtree(tmp, ignore_errors=True)
        for d in os.listdir("/run"):
            if d.startswith("ovb") and os.path.isdir(f"/run/{d}"):
                shutil.rmtree(f"/run/{d}", ignore_errors=True)


main()
