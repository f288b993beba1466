"""Group commit under concurrency: several clients on their own connections write at once
(their requests wait together for shared fdatasyncs in vpcd's commit thread); vpcd is
killed with SIGKILL in the middle; after a restart every acknowledged write is there and
no write is there in part."""
import random
import threading
import time

import botocore
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from conftest import make_client

CLIENTS = 8
CALLS = 20  # two tags each: 40 of the 50 tags a resource may carry


def test_concurrent_writers_survive_kill9(start_vpcd, tmp_path):
    state = tmp_path / "gc"
    rng = random.Random(20261127)
    stopped_early = 0
    subnets = None
    for round_ in range(2):
        first = start_vpcd(state_dir=state)
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

        second = start_vpcd(state_dir=state)
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
