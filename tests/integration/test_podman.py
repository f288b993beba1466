"""podman, a real CNI client, starts containers inside a node instance with vpc-cni
(chained with the reference portmap plugin): the containers get VPC addresses from
vpc-ipamd, are reached from another instance directly, and through a mapped port on the
node.  podman runs inside the node's network namespace only (nsenter --net), with its
storage, configuration and root filesystem in the test's temporary folder
(shared/notes/podman-cni.md).
"""
import json
import os
import shutil
import subprocess

import pytest

from test_fabric import PREFIX, connect
from test_pods import cluster, subnets  # noqa: F401  (the fixture)

BUSYBOX_TOOLS = ["sh", "ip", "ping", "wget", "httpd", "cat", "sleep", "echo", "hostname"]


def rootfs(tmp):
    root = tmp / "rootfs"
    (root / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    for t in BUSYBOX_TOOLS:
        os.symlink("busybox", root / "bin" / t)
    for d in ("proc", "sys", "dev", "etc", "tmp", "www"):
        (root / d).mkdir(exist_ok=True)
    (root / "www" / "index.html").write_text("hello from a pod\n")
    return root


def podman_env(tmp, node):
    conf_dir = tmp / "cni"
    conf_dir.mkdir()
    conflist = json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "cni",
                                           "10-openvpc.conflist")))
    conflist["name"] = "openvpc-test"
    conflist["plugins"][0]["ipamdSocket"] = node.sock
    conflist["plugins"][0]["pluginLogFile"] = str(tmp / "plugin.log")
    (conf_dir / "10-openvpc.conflist").write_text(json.dumps(conflist))
    plugin_dir = tmp / "cni-bin"
    plugin_dir.mkdir()
    shutil.copy(os.path.join(os.environ["OPENVPC_BUILD"], "cni", "vpc-cni"), plugin_dir / "vpc-cni")
    shutil.copy("/usr/lib/cni/portmap", plugin_dir / "portmap")
    containers_conf = tmp / "containers.conf"
    containers_conf.write_text(f'[network]\nnetwork_backend = "cni"\ncni_plugin_dirs = ["{plugin_dir}"]\n')
    return conf_dir, {**os.environ, "CONTAINERS_CONF": str(containers_conf)}


SHORT = {}


def remove_storage(path):
    """podman's overlay driver bind-mounts its storage folder: unmount, then remove."""
    subprocess.run(["umount", "-R", "-l", os.path.join(path, "storage", "overlay")],
                   capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def short_dir(tmp):
    """podman refuses a runroot longer than 50 characters: a short folder, removed at exit."""
    if tmp not in SHORT:
        import atexit
        import tempfile
        SHORT[tmp] = tempfile.mkdtemp(prefix="ovpm")
        atexit.register(remove_storage, SHORT[tmp])
    return SHORT[tmp]


def podman(node, tmp, conf_dir, env, *args, timeout=120):
    short = short_dir(tmp)
    cmd = ["nsenter", f"--net=/run/netns/{node.ns}", "podman", "--runtime", "runc",
           "--cgroup-manager", "cgroupfs", "--root", os.path.join(short, "storage"),
           "--runroot", os.path.join(short, "run"), "--cni-config-dir", str(conf_dir), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def test_podman_containers_get_vpc_addresses_and_portmap_works(cluster, tmp_path):
    if not shutil.which("podman"):
        pytest.fail("podman is not installed (scripts/deps.sh installs it)", pytrace=False)
    s = subnets(cluster.ec2)
    node = cluster.node(s[0]["SubnetId"])
    client_inst = cluster.ec2.run_instances(ImageId="ami-0abcdef1234567890", InstanceType="t3.small",
                                            MinCount=1, MaxCount=1,
                                            SubnetId=s[1]["SubnetId"])["Instances"][0]
    root = rootfs(tmp_path)
    conf_dir, env = podman_env(tmp_path, node)
    run_args = ["run", "--network", "openvpc-test", "--ulimit", "nofile=1024:1024",
                "--ulimit", "nproc=1024:1024"]
    p = podman(node, tmp_path, conf_dir, env, *run_args, "--rm", "--rootfs", str(root),
               "/bin/ip", "-4", "-o", "addr", "show", "eth0")
    assert p.returncode == 0, p.stderr
    addr = p.stdout.split()[3]
    assert addr.endswith("/32") and addr.startswith("172.31."), p.stdout
    # A long-running container with a mapped port.
    p = podman(node, tmp_path, conf_dir, env, *run_args, "-d", "--name", "web", "-p", "8080:80",
               "--rootfs", str(root), "/bin/httpd", "-f", "-p", "80", "-h", "/www")
    assert p.returncode == 0, p.stderr
    try:
        p = podman(node, tmp_path, conf_dir, env, "inspect", "web")
        assert p.returncode == 0, p.stderr
        ip = json.loads(p.stdout)[0]["NetworkSettings"]["Networks"]["openvpc-test"]["IPAddress"]
        held = [x["Address"] for e in node.enis()["ENIs"] for x in e["IPv4Addresses"] if x["Assigned"]]
        assert ip in held, "the container's address is one vpc-ipamd handed out"
        client = PREFIX + client_inst["InstanceId"]
        get = subprocess.run(["ip", "netns", "exec", client, "python3", "-c",
                              "import sys,urllib.request;print(urllib.request.urlopen("
                              "sys.argv[1],timeout=5).read().decode().strip())",
                              f"http://{ip}:80/index.html"], capture_output=True, text=True, timeout=30)
        assert get.stdout.strip() == "hello from a pod", get.stderr
        get = subprocess.run(["ip", "netns", "exec", client, "python3", "-c",
                              "import sys,urllib.request;print(urllib.request.urlopen("
                              "sys.argv[1],timeout=5).read().decode().strip())",
                              f"http://{node.ip}:8080/index.html"], capture_output=True, text=True,
                             timeout=30)
        assert get.stdout.strip() == "hello from a pod", "portmap on the node: " + get.stderr
    finally:
        podman(node, tmp_path, conf_dir, env, "rm", "-f", "web")
    held = [x["Address"] for e in node.enis()["ENIs"] for x in e["IPv4Addresses"] if x["Assigned"]]
    assert ip not in held, "podman rm gave the address back (CNI DEL)"
