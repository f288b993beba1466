"""Group commit under concurrency: several clients on their own connections write at once
(their requests wait together for shared fdatasyncs in vpcd's commit thread); vpcd is
killed with SIGKILL in the middle; after a restart every acknowledged write is there and
no write is there in part."""
import random
import re
import threading
import time

import botocore
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from conftest import make_client

CLIENTS = 8
CALLS = 20  # two tags each: 40 of the 50 tags a resource may carry


@pytest.mark.parametrize("flags", [[], ["--no-fsync"]], ids=["fsync", "no-fsync"])
def test_concurrent_writers_survive_kill9(start_vpcd, tmp_path, flags):
    """Also with --no-fsync: an answer then waits for the COMMIT alone (the WAL in the
    kernel), which kill -9 does not take back."""
    state = tmp_path / "gc"
    rng = random.Random(20261127)
    stopped_early = 0
    subnets = None
    for round_ in range(2):
        first = start_vpcd(*flags, state_dir=state)
        ec2 = make_client(first.url)
        if subnets is None:  # one subnet per writer, kept across the rounds
            vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
            subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24")["Subnet"]["SubnetId"]
                       for n in range(CLIENTS)]
        ec2.delete_tags(Resources=subnets)
        acked = [[] for _ in range(CLIENTS)]
        start = threading.Barrier(CLIENTS + 1)

        def writer(n):
            ec2 = make_client(first.url)  # one client (and connection) per writer
            start.wait()
            try:
                for i in range(CALLS):
                    ec2.create_tags(Resources=[subnets[n]], Tags=[{"Key": f"w{n}-{i}a", "Value": "x"},
                                                           {"Key": f"w{n}-{i}b", "Value": "y"}])
                    acked[n].append(i)
            except (EndpointConnectionError, ConnectionClosedError, ClientError,
                    botocore.exceptions.HTTPClientError):
                pass

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        start.wait()
        time.sleep(rng.uniform(0.05, 0.3))
        first.kill9()
        for t in threads:
            t.join(timeout=60)
        first.proc.wait(timeout=10)
        n_acked = sum(len(a) for a in acked)
        print(f"round {round_}: {n_acked} of {CLIENTS * CALLS} calls acknowledged before the kill")
        stopped_early += n_acked < CLIENTS * CALLS
        assert n_acked > 0, "no write was acknowledged before the kill"

        second = start_vpcd(*flags, state_dir=state)
        keys = {t["Key"] for t in make_client(second.url).describe_tags(
            Filters=[{"Name": "resource-id", "Values": subnets}])["Tags"]}
        for n in range(CLIENTS):
            for i in acked[n]:
                assert {f"w{n}-{i}a", f"w{n}-{i}b"} <= keys, (round_, n, i)
            for i in range(CALLS):
                assert (f"w{n}-{i}a" in keys) == (f"w{n}-{i}b" in keys), (round_, n, i)
        # Nothing is there that was not sent: at most one unacknowledged call per writer.
        for n in range(CLIENTS):
            extra = [i for i in range(CALLS) if f"w{n}-{i}a" in keys and i not in acked[n]]
            assert len(extra) <= 1, (round_, n, extra)
        assert second.stop() == 0
    assert stopped_early > 0, "the kills landed after the streams ended"


def test_failing_requests_in_a_batch_fail_alone(start_vpcd, tmp_path):
    """vpcd commits the saves of every request waiting for the commit thread in one SQLite
    transaction.  Writers whose requests succeed and writers whose requests fail (an unknown
    resource, a CIDR conflict) run at once, so failures land inside batches; vpcd is killed
    with SIGKILL mid-stream.  Every failing request got its own error, every acknowledged
    write is there after a restart, and nothing of a failed request is."""
    state = tmp_path / "batch"
    good, bad = 6, 2
    first = start_vpcd(state_dir=state)
    ec2 = make_client(first.url)
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{n}.0/24")["Subnet"]["SubnetId"]
               for n in range(good)]
    acked = [[] for _ in range(good)]
    wrong = []  # a failing request that was answered with success
    errors = [0]
    start = threading.Barrier(good + bad + 1)
    lock = threading.Lock()

    def good_writer(n):
        c = make_client(first.url)
        start.wait()
        try:
            for i in range(CALLS):
                c.create_tags(Resources=[subnets[n]], Tags=[{"Key": f"g{n}-{i}", "Value": "x"}])
                acked[n].append(i)
        except (EndpointConnectionError, ConnectionClosedError, ClientError,
                botocore.exceptions.HTTPClientError):
            pass

    def bad_writer(n):
        c = make_client(first.url)
        start.wait()
        for i in range(CALLS):
            try:
                if i % 2:
                    c.create_tags(Resources=["subnet-0000000000000dead"],
                                  Tags=[{"Key": f"b{n}-{i}", "Value": "x"}])
                else:  # overlaps subnet 0
                    c.create_subnet(VpcId=vpc, CidrBlock="10.8.0.128/25")
                with lock:
                    wrong.append((n, i))
            except ClientError as e:
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 500), e
                with lock:
                    errors[0] += 1
            except (EndpointConnectionError, ConnectionClosedError,
                    botocore.exceptions.HTTPClientError):
                return

    threads = [threading.Thread(target=good_writer, args=(n,)) for n in range(good)]
    threads += [threading.Thread(target=bad_writer, args=(n,)) for n in range(bad)]
    for t in threads:
        t.start()
    start.wait()
    time.sleep(0.15)
    first.kill9()
    for t in threads:
        t.join(timeout=60)
    first.proc.wait(timeout=10)
    assert not wrong, f"failing requests answered with success: {wrong}"
    assert errors[0] > 0 and sum(len(a) for a in acked) > 0, (errors, acked)

    second = start_vpcd(state_dir=state)
    c = make_client(second.url)
    keys = {t["Key"] for t in c.describe_tags(
        Filters=[{"Name": "resource-id", "Values": subnets}])["Tags"]}
    for n in range(good):
        for i in acked[n]:
            assert f"g{n}-{i}" in keys, (n, i)
        extra = [i for i in range(CALLS) if f"g{n}-{i}" in keys and i not in acked[n]]
        assert len(extra) <= 1, (n, extra)
    assert not [k for k in keys if k.startswith("b")]
    cidrs = sorted(s["CidrBlock"] for s in c.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"])
    assert cidrs == sorted(f"10.8.{n}.0/24" for n in range(good)), cidrs
    assert second.stop() == 0


def test_every_log_line_is_written(start_vpcd):
    """vpcd buffers its access log and writes the lines of a whole commit batch at once,
    before the batch's answers go out: with concurrent writers, every answered request has
    its line, complete, both while vpcd runs and after it stopped."""
    d = start_vpcd()
    ec2 = make_client(d.url)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{n}.0/24")["Subnet"]["SubnetId"]
               for n in range(CLIENTS)]  # 50 tags at most per resource
    answered = [0] * CLIENTS
    start = threading.Barrier(CLIENTS)

    def writer(n):
        c = make_client(d.url)
        start.wait()
        for i in range(CALLS):
            c.create_tags(Resources=[subnets[n]], Tags=[{"Key": f"l{n}-{i}", "Value": "x"}])
            answered[n] += 1
        with pytest.raises(ClientError):
            c.create_tags(Resources=["vpc-000000000000dead"], Tags=[{"Key": "k", "Value": "v"}])
        answered[n] += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(answered) == CLIENTS * (CALLS + 1)
    pattern = re.compile(r"^vpcd: info: action=CreateTags status=(200|400)( code=[A-Za-z.]+)? "
                         r"ms=[0-9]+\.[0-9][0-9]$")
    # While vpcd runs: the lines of every answered request are already out.
    lines = [l for l in d.log().splitlines() if "action=CreateTags" in l]
    assert len(lines) == sum(answered), len(lines)
    assert all(pattern.match(l) for l in lines), [l for l in lines if not pattern.match(l)][:3]
    assert sum("status=400 code=InvalidVpcID.NotFound" in l for l in lines) == CLIENTS
    assert d.stop() == 0
    lines = [l for l in open(d.log_path).read().splitlines() if "action=" in l]
    assert len([l for l in lines if "action=CreateTags" in l]) == sum(answered)
