"""bench/api.sh's body: see that script."""
import datetime
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

BUILD = sys.argv[1]
DURATION = os.environ.get("API_BENCH_SECONDS", "8")
ENIS = int(os.environ.get("API_BENCH_ENIS", "10000"))
# ENIs are created by this many concurrent clients (each create is a durable write;
# concurrent writers share fsyncs in vpcd's group commit).
ENI_CLIENTS = int(os.environ.get("API_BENCH_ENI_CLIENTS", "8"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def client(port):
    return boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="AKIDBENCH", aws_secret_access_key="secret",
                        config=Config(retries={"max_attempts": 1}))


def create_enis(port, subnets, total):
    """Create up to total ENIs from ENI_CLIENTS threads; returns (made, first error or None)."""
    state = {"next": 0, "made": 0, "error": None}
    lock = threading.Lock()

    def work():
        ec2 = client(port)
        while True:
            with lock:
                if state["error"] or state["next"] >= total:
                    return
                n = state["next"]
                state["next"] += 1
            try:
                ec2.create_network_interface(SubnetId=subnets[n % len(subnets)])
            except Exception as e:  # a quota or address limit ends the run, reported
                with lock:
                    state["error"] = state["error"] or str(e)
                return
            with lock:
                state["made"] += 1

    threads = [threading.Thread(target=work) for _ in range(ENI_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return state["made"], state["error"]


def signed_headers(port, body):
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("AKIDBENCH", "secret"), "ec2", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def lua(tmp, name, port, bodies):
    """A wrk script cycling through bodies (one Authorization header: vpcd without
    --credentials and moto check its form, not the signature)."""
    h = signed_headers(port, bodies[0])
    lines = ['wrk.method = "POST"', "bodies = {"] + [json.dumps(b) + "," for b in bodies] + ["}", "i = 0"]
    for k, v in h.items():
        if k.lower() != "content-length":
            lines.append(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}")
    lines += ["request = function()", "  i = i % #bodies + 1",
              "  return wrk.format(nil, nil, nil, bodies[i])", "end"]
    path = os.path.join(tmp, name + ".lua")
    open(path, "w").write("\n".join(lines) + "\n")
    return path


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far."""
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(port, script, pid, connections=8):
    """wrk against the server; also the server process's CPU time per request (user +
    kernel, all threads): what each request costs on the 2 CPUs both servers share with wrk."""
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{DURATION}s", "--latency", "-s", script,
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu0
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": round(rps, 1), "p99_ms": round(float(p99.group(1)) * scale, 2),
            "non_2xx": int(errors.group(1)) if errors else 0,
            "cpu_us_per_req": round(cpu / requests * 1e6, 1) if requests else 0}


def fsync_probe(directory, seconds, busy):
    """What one durable write costs on the state directory's disk, without vpcd: write
    4 KiB in place and fdatasync(), over and over (as the WAL is rewritten after a
    checkpoint), for the given seconds; with busy, while a process spins on one CPU.
    Returns p50, p99 and max in ms and the stalls (> 3 ms) per second: vpcd answers a
    write only after such an fdatasync, so a stall here is a floor under its p99."""
    spinner = None
    if busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.2)
    path = os.path.join(directory, "fsync-probe")
    times = []
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            block = b"\1" * 4096
            for i in range(256):
                os.pwrite(fd, block, i * 4096)
            os.fsync(fd)
            end = time.monotonic() + seconds
            i = 0
            while time.monotonic() < end:
                os.pwrite(fd, block, (i % 256) * 4096)
                t0 = time.perf_counter()
                os.fdatasync(fd)
                times.append(time.perf_counter() - t0)
                i += 1
        finally:
            os.close(fd)
            os.unlink(path)
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()
    times.sort()
    return {"p50_ms": round(times[len(times) // 2] * 1e3, 3),
            "p99_ms": round(times[len(times) * 99 // 100] * 1e3, 3),
            "max_ms": round(times[-1] * 1e3, 2),
            "stalls_per_s": round(sum(t > 0.003 for t in times) / seconds, 1)}


def setup(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
               for i in range(50)]
    return vpc, subnets


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    load_start = os.getloadavg()[0]
    print(f"load average at start: {load_start:.2f} ({os.cpu_count()} CPUs; wrk, vpcd and moto share them)")
    tmp = tempfile.mkdtemp(prefix="ovapi")
    vport, mport = free_port(), free_port()
    # AWS's default ENI quota is 5,000 per Region; raised (as AWS does on request)
    # so the RSS figure is for ENIS network interfaces.
    vpcd = subprocess.Popen([f"{BUILD}/daemon/vpcd", "--no-fabric", "--listen", f"127.0.0.1:{vport}",
                             "--state-dir", f"{tmp}/state",
                             "--quota", f"enis_per_region={max(ENIS, 5000)}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    moto = subprocess.Popen(["moto_server", "-p", str(mport)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    nofsync = None
    try:
        wait_port(vport)
        wait_port(mport)
        results = {}
        describe_vpcd = None
        for name, port, pid in (("vpcd", vport, vpcd.pid), ("moto", mport, moto.pid),
                                ("vpcd_no_fsync", None, None)):
            if name == "vpcd_no_fsync":
                # The same mix against a second vpcd started with --no-fsync: an answer
                # waits for its COMMIT (kill -9 safe), not for the disk's flush.
                port = free_port()
                nofsync = subprocess.Popen([f"{BUILD}/daemon/vpcd", "--no-fabric", "--no-fsync",
                                            "--listen", f"127.0.0.1:{port}",
                                            "--state-dir", f"{tmp}/state-no-fsync"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                pid = nofsync.pid
                wait_port(port)
            ec2 = client(port)
            vpc, subnets = setup(ec2)
            describe = f"Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"
            mix = []
            for i in range(200):
                s = subnets[i % 50]
                mix.append(f"Action=CreateTags&Version=2016-11-15&ResourceId.1={s}&Tag.1.Key=k{i}&Tag.1.Value=v")
                mix.append(f"Action=DeleteTags&Version=2016-11-15&ResourceId.1={s}&Tag.1.Key=k{i}")
            dscript = lua(tmp, f"{name}-d", port, [describe])
            if name == "vpcd":
                describe_vpcd = dscript
            mscript = lua(tmp, f"{name}-m", port, mix)
            if name == "vpcd_no_fsync":
                results[name] = {"create_delete_mix": run_wrk(port, mscript, pid),
                                 "create_delete_mix_c32": run_wrk(port, mscript, pid, 32)}
                nofsync.terminate()
                nofsync.wait()
                nofsync = None
                continue
            results[name] = {"describe_subnets_50": run_wrk(port, dscript, pid),
                             "create_delete_mix": run_wrk(port, mscript, pid),
                             # The workloads use 8 connections; with 32, more
                             # writes share each of vpcd's fdatasyncs (group commit).
                             "create_delete_mix_c32": run_wrk(port, mscript, pid, 32)}
        # vpcd's memory holding ENIS ENIs, spread over the default VPC's subnets.
        ec2 = client(vport)
        sub = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        rss_before = rss_kib(vpcd.pid)
        t0 = time.monotonic()
        made, eni_error = create_enis(vport, [x["SubnetId"] for x in sub], ENIS)
        eni_seconds = time.monotonic() - t0
        rss = rss_kib(vpcd.pid)
        # The same DescribeSubnets with the ENIs present (each subnet's free-address
        # count looks at them): vpcd only, moto is not asked to hold 10,000 ENIs.
        results["vpcd"]["describe_subnets_50_with_enis"] = run_wrk(vport, describe_vpcd, vpcd.pid)
        v, m = results["vpcd"], results["moto"]
        for w in ("describe_subnets_50", "create_delete_mix", "create_delete_mix_c32"):
            ratio = v[w]["rps"] / m[w]["rps"] if m[w]["rps"] else 0
            print(f"{w:22s} vpcd {v[w]['rps']:9.1f} req/s p99 {v[w]['p99_ms']:7.2f} ms "
                  f"{v[w]['cpu_us_per_req']:6.1f} us CPU/req | "
                  f"moto {m[w]['rps']:8.1f} req/s p99 {m[w]['p99_ms']:7.2f} ms "
                  f"{m[w]['cpu_us_per_req']:8.1f} us CPU/req | ratio {ratio:6.1f}x")
            results[w + "_ratio"] = round(ratio, 1)
        for w in ("create_delete_mix", "create_delete_mix_c32"):
            n = results["vpcd_no_fsync"][w]
            ratio = n["rps"] / m[w]["rps"] if m[w]["rps"] else 0
            print(f"{w + ' --no-fsync':22s} vpcd {n['rps']:9.1f} req/s p99 {n['p99_ms']:7.2f} ms "
                  f"{n['cpu_us_per_req']:6.1f} us CPU/req | moto as above | ratio {ratio:6.1f}x")
            results[w + "_no_fsync_ratio"] = round(ratio, 1)
        print(f"vpcd RSS with {made} ENIs: {rss / 1024:.1f} MiB (before them: "
              f"{rss_before / 1024:.1f} MiB; created by {ENI_CLIENTS} clients in "
              f"{eni_seconds:.0f} s)")
        # The disk under vpcd's state directory (vpcd idle): alone, then with one CPU busy.
        disk = {"alone": fsync_probe(tmp, 2, False), "one_cpu_busy": fsync_probe(tmp, 2, True)}
        for k, f in disk.items():
            print(f"fdatasync of 4 KiB on the state disk ({k}): p50 {f['p50_ms']:.3f} ms "
                  f"p99 {f['p99_ms']:.3f} ms max {f['max_ms']:.2f} ms, "
                  f"{f['stalls_per_s']} stalls > 3 ms per second")
        d = results["vpcd"]["describe_subnets_50_with_enis"]
        print(f"describe_subnets_50 with the {made} ENIs present: vpcd {d['rps']:9.1f} req/s "
              f"p99 {d['p99_ms']:7.2f} ms")
        if eni_error:
            print(f"ENI creation stopped early: {eni_error}", file=sys.stderr)
        print(json.dumps({"bench": "api", "seconds": int(DURATION), "load_start": round(load_start, 2),
                          "load_end": round(os.getloadavg()[0], 2),
                          **results, "enis": made, "vpcd_rss_kib": rss,
                          "vpcd_rss_kib_before_enis": rss_before,
                          "eni_create_seconds": round(eni_seconds, 1), "fsync_probe": disk}))
    finally:
        for p in (vpcd, nofsync):
            if p:
                p.terminate()
                p.wait()
        os.killpg(moto.pid, 15)
        moto.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
