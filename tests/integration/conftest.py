"""Shared pytest fixtures for vpcd integration tests.

Fixtures:
  vpcd_binary  path of the built vpcd (env VPCD, else $OPENVPC_BUILD/daemon/vpcd, else build*/daemon/vpcd); a
               missing binary FAILS the test run, it never skips.
  start_vpcd   factory: start_vpcd(*extra_args) -> Vpcd (url, state_dir, log); --no-fabric
               unless extra_args hold --fabric-prefix;
               every daemon started is stopped with SIGTERM at teardown and must
               exit 0.
  vpcd         a vpcd on a free loopback port with a temporary state dir;
               yields its endpoint URL ("http://127.0.0.1:PORT").
  ec2          boto3 EC2 client for `vpcd` (dummy credentials, us-east-1).
  aws_cli      aws_cli(*args, v=2|1) runs the AWS CLI v2 (/usr/bin/aws) or v1 (the
               pyenv Python's) against `vpcd` with --output json; returns a
               CompletedProcess with .json (parsed stdout or None).

Run with: /usr/bin/python3 -m pytest tests/integration
"""
import glob
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWS_V2 = "/usr/bin/aws"
AWS_V1_CANDIDATES = ["/root/.pyenv/shims/aws"]
ACCESS_KEY = "AKIDTEST"
SECRET_KEY = "test-secret"
REGION = "us-east-1"


def _find_vpcd():
    env = os.environ.get("VPCD")
    if env:
        return env if os.access(env, os.X_OK) else None
    build = os.environ.get("OPENVPC_BUILD")  # set by tests/integration/run.sh
    if build:
        path = os.path.join(build, "daemon", "vpcd")
        return path if os.access(path, os.X_OK) else None
    found = [p for p in glob.glob(os.path.join(ROOT, "build*", "daemon", "vpcd"))
             if os.access(p, os.X_OK)]
    if not found:
        return None
    return max(found, key=os.path.getmtime)


@pytest.fixture(scope="session")
def vpcd_binary():
    path = _find_vpcd()
    if not path:
        pytest.fail("vpcd is not built: run `meson setup build && ninja -C build` "
                    "or set VPCD=/path/to/vpcd", pytrace=False)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Vpcd:
    def __init__(self, binary, state_dir, args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state_dir = str(state_dir)
        self.log_path = os.path.join(self.state_dir + ".log")
        # API tests run the control plane alone; fabric tests pass
        # --fabric-prefix (their own namespaces) and get the fabric.
        if not any(a.startswith("--fabric-prefix") for a in args):
            args = ["--no-fabric", *args]
        self.args = [binary, "--listen", f"127.0.0.1:{self.port}",
                     "--state-dir", self.state_dir, *args]
        self._log = open(self.log_path, "w")
        # Every save hint is checked against a full save (vpcd aborts on a miss).
        env = dict(os.environ, OPENVPC_VERIFY_SAVE_HINTS="1")
        self.proc = subprocess.Popen(self.args, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env)
        self._wait_ready()

    def _wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"vpcd exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"vpcd did not listen within {timeout}s:\n{self.log()}")

    def log(self):
        if not self._log.closed:  # stop() closed it: the file is complete
            self._log.flush()
        with open(self.log_path) as f:
            return f.read()

    def kill9(self):
        """SIGKILL on purpose (durability tests): stop() then reports 0."""
        self.killed = True
        self.proc.send_signal(signal.SIGKILL)

    def stop(self):
        if getattr(self, "killed", False):
            self.proc.wait(timeout=10)
            self._log.close()
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        self._log.close()
        return self.proc.returncode


@pytest.fixture
def start_vpcd(vpcd_binary, tmp_path):
    started = []

    def start(*args, state_dir=None):
        d = state_dir or tmp_path / f"state{len(started)}"
        v = Vpcd(vpcd_binary, d, list(args))
        started.append(v)
        return v

    yield start
    for v in started:
        rc = v.stop()
        assert rc == 0, f"vpcd exited with {rc}:\n{v.log()}"


@pytest.fixture
def vpcd_daemon(start_vpcd):
    return start_vpcd()


@pytest.fixture
def vpcd(vpcd_daemon):
    yield vpcd_daemon.url


def make_client(url, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION):
    return boto3.client("ec2", endpoint_url=url, region_name=region,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        config=Config(retries={"max_attempts": 1}))


def restart_reads_back(first, start_vpcd, fetch):
    """The end of a save-hint test: what fetch(client) reads from vpcd `first`; first
    stopped, which must exit 0 (under OPENVPC_VERIFY_SAVE_HINTS a hint that missed a row
    would have aborted it); vpcd started again on its state directory, where fetch must
    read the same. Returns (what was read, a client of the restarted vpcd)."""
    before = fetch(make_client(first.url))
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    c = make_client(start_vpcd(state_dir=first.state_dir).url)
    assert fetch(c) == before
    return before, c


@pytest.fixture
def ec2(vpcd):
    return make_client(vpcd)


def _aws_v1():
    for c in AWS_V1_CANDIDATES:
        if os.access(c, os.X_OK):
            return [c]
    return ["python3", "-m", "awscli"]


def run_aws_cli(url, *args, v=2, access_key=ACCESS_KEY, secret_key=SECRET_KEY):
    cmd = [AWS_V2] if v == 2 else _aws_v1()
    env = dict(os.environ, AWS_ACCESS_KEY_ID=access_key, AWS_SECRET_ACCESS_KEY=secret_key,
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
    env.pop("AWS_SESSION_TOKEN", None)
    p = subprocess.run([*cmd, "--endpoint-url", url, "--region", REGION, "--output", "json",
                        *args], env=env, capture_output=True, text=True, timeout=60)
    try:
        p.json = json.loads(p.stdout) if p.stdout.strip() else None
    except ValueError:
        p.json = None
    return p


@pytest.fixture
def aws_cli(vpcd):
    def run(*args, v=2):
        return run_aws_cli(vpcd, *args, v=v)
    return run


def raw_post(url, body, headers=None):
    """POST a raw body; returns (status, text)."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url + "/", data=data, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
