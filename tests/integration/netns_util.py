"""Helpers shared by the live-fabric tests (test_fabric*.py, test_pods.py): run a
command in a namespace, a one-shot TCP client, the namespaces with a prefix, and
a snapshot of the root namespace to check it is left unchanged."""
import subprocess

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
