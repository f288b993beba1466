"""vpcd's EC2 Query API framework end to end: the endpoint-level actions through
boto3 and both AWS CLIs, the common errors (InvalidAction, MissingParameter,
UnknownParameter, DryRunOperation), SigV4 enforcement and the body size limit."""
import datetime
import re
from unittest import mock

import botocore
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import subprocess

from conftest import (ACCESS_KEY, SECRET_KEY, make_client, raw_post, run_aws_cli)

US_EAST_1_AZS = {"us-east-1a": "use1-az6", "us-east-1b": "use1-az1", "us-east-1c": "use1-az2",
                 "us-east-1d": "use1-az4", "us-east-1e": "use1-az3", "us-east-1f": "use1-az5"}


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


# ---- endpoint-level actions ----------------------------------------------------------

def test_describe_regions(ec2):
    r = ec2.describe_regions()
    names = {x["RegionName"] for x in r["Regions"]}
    assert {"us-east-1", "eu-west-1", "ap-south-1"} <= names
    east = [x for x in r["Regions"] if x["RegionName"] == "us-east-1"][0]
    assert east["Endpoint"] == "ec2.us-east-1.amazonaws.com"
    assert east["OptInStatus"] == "opt-in-not-required"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        r["ResponseMetadata"]["RequestId"])
    one = ec2.describe_regions(RegionNames=["eu-west-1"])["Regions"]
    assert [x["RegionName"] for x in one] == ["eu-west-1"]
    f = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": ["eu-*"]}])["Regions"]
    assert f and all(x["RegionName"].startswith("eu-") for x in f)
    with pytest.raises(ClientError) as e:
        ec2.describe_regions(RegionNames=["xx-nowhere-9"])
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_describe_availability_zones(ec2):
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert {z["ZoneName"]: z["ZoneId"] for z in zones} == US_EAST_1_AZS
    for z in zones:
        assert z["State"] == "available" and z["RegionName"] == "us-east-1"
        assert z["ZoneType"] == "availability-zone"
        assert z["OptInStatus"] == "opt-in-not-required"
        assert z["NetworkBorderGroup"] == "us-east-1" and z["Messages"] == []
    f = ec2.describe_availability_zones(
        Filters=[{"Name": "zone-name", "Values": ["us-east-1[ab]", "*1c"]},
                 {"Name": "state", "Values": ["available"]}])["AvailabilityZones"]
    assert [z["ZoneName"] for z in f] == ["us-east-1c"]
    f = ec2.describe_availability_zones(
        Filters=[{"Name": "zone-id", "Values": ["use1-az?"]}])["AvailabilityZones"]
    assert len(f) == 6
    f = ec2.describe_availability_zones(ZoneIds=["use1-az1"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in f] == ["us-east-1b"]
    with pytest.raises(ClientError) as e:
        ec2.describe_availability_zones(Filters=[{"Name": "colour", "Values": ["x"]}])
    assert error_of(e) == ("InvalidParameterValue", 400)
    assert "The filter 'colour' is invalid" in str(e.value)
    with pytest.raises(ClientError) as e:
        ec2.describe_availability_zones(ZoneNames=["us-east-1z"])
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_region_from_credential_scope(vpcd):
    west = make_client(vpcd, region="eu-west-1")
    zones = west.describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones][:2] == ["eu-west-1a", "eu-west-1b"]
    assert all(z["RegionName"] == "eu-west-1" for z in zones)


def test_describe_account_attributes(ec2):
    attrs = {a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
             for a in ec2.describe_account_attributes()["AccountAttributes"]}
    assert attrs["supported-platforms"] == ["VPC"]
    assert attrs["vpc-max-security-groups-per-interface"] == ["5"]
    assert attrs["max-elastic-ips"] == ["5"] and attrs["vpc-max-elastic-ips"] == ["5"]
    assert set(attrs) == {"supported-platforms", "default-vpc", "max-instances",
                          "vpc-max-security-groups-per-interface", "max-elastic-ips",
                          "vpc-max-elastic-ips"}
    one = ec2.describe_account_attributes(AttributeNames=["supported-platforms"])
    assert [a["AttributeName"] for a in one["AccountAttributes"]] == ["supported-platforms"]


def test_describe_instance_types(ec2):
    r = ec2.describe_instance_types(InstanceTypes=["m5.large"])["InstanceTypes"]
    assert len(r) == 1
    t = r[0]
    assert t["InstanceType"] == "m5.large" and t["CurrentGeneration"] is True
    assert t["VCpuInfo"]["DefaultVCpus"] == 2 and t["MemoryInfo"]["SizeInMiB"] == 8192
    n = t["NetworkInfo"]
    assert n["MaximumNetworkInterfaces"] == 3 and n["Ipv4AddressesPerInterface"] == 10
    assert n["Ipv6AddressesPerInterface"] == 10 and n["Ipv6Supported"] is True
    assert n["MaximumNetworkCards"] == 1 and n["DefaultNetworkCardIndex"] == 0
    assert n["NetworkCards"][0]["MaximumNetworkInterfaces"] == 3
    f = ec2.describe_instance_types(
        InstanceTypes=["m5.large", "c5.2xlarge"],
        Filters=[{"Name": "network-info.maximum-network-interfaces", "Values": ["3"]}])
    assert [x["InstanceType"] for x in f["InstanceTypes"]] == ["m5.large"]
    with pytest.raises(ClientError) as e:
        ec2.describe_instance_types(InstanceTypes=["m5.nonsense"])
    assert error_of(e) == ("InvalidInstanceType", 400)


def test_describe_instance_types_pagination(ec2):
    everything = [t["InstanceType"] for t in ec2.describe_instance_types()["InstanceTypes"]]
    assert len(everything) > 10
    pages = list(ec2.get_paginator("describe_instance_types").paginate(
        PaginationConfig={"PageSize": 5}))
    assert all(len(p["InstanceTypes"]) <= 5 for p in pages)
    assert len(pages) == (len(everything) + 4) // 5
    paged = [t["InstanceType"] for p in pages for t in p["InstanceTypes"]]
    assert sorted(paged) == sorted(everything) and len(set(paged)) == len(paged)
    with pytest.raises(ClientError) as e:
        ec2.describe_instance_types(MaxResults=101)
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        ec2.describe_instance_types(NextToken="bogus")
    assert error_of(e) == ("InvalidNextToken", 400)
    # A token is bound to the action that issued it.
    tok = ec2.describe_instance_types(MaxResults=5)["NextToken"]
    with pytest.raises(ClientError) as e:
        ec2.describe_tags(NextToken=tok)
    assert error_of(e) == ("InvalidNextToken", 400)


def test_tags_on_unknown_resources(ec2):
    with pytest.raises(ClientError) as e:
        ec2.create_tags(Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
    assert error_of(e) == ("InvalidVpcID.NotFound", 400)
    assert ec2.describe_tags()["Tags"] == []
    with pytest.raises(ClientError) as e:
        ec2.describe_tags(Filters=[{"Name": "nope", "Values": ["x"]}])
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        ec2.create_tags(Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a"}], DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)


# ---- the AWS CLIs ------------------------------------------------------------------------

@pytest.mark.parametrize("v", [2, 1])
def test_cli(aws_cli, v):
    p = aws_cli("ec2", "describe-regions", v=v)
    assert p.returncode == 0, p.stderr
    assert "us-east-1" in {x["RegionName"] for x in p.json["Regions"]}
    p = aws_cli("ec2", "describe-availability-zones", "--filters",
                "Name=zone-id,Values=use1-az1", v=v)
    assert p.returncode == 0, p.stderr
    assert [z["ZoneName"] for z in p.json["AvailabilityZones"]] == ["us-east-1b"]
    p = aws_cli("ec2", "describe-instance-types", "--instance-types", "t3.medium", v=v)
    assert p.returncode == 0, p.stderr
    assert p.json["InstanceTypes"][0]["NetworkInfo"]["MaximumNetworkInterfaces"] == 3
    # The CLI follows nextToken itself: every type exactly once.
    p = aws_cli("ec2", "describe-instance-types", "--page-size", "5", v=v)
    assert p.returncode == 0, p.stderr
    names = [t["InstanceType"] for t in p.json["InstanceTypes"]]
    assert len(names) == len(set(names)) > 10
    p = aws_cli("ec2", "describe-account-attributes", "--attribute-names", "default-vpc", v=v)
    assert p.returncode == 0, p.stderr
    assert p.json["AccountAttributes"][0]["AttributeName"] == "default-vpc"
    p = aws_cli("ec2", "describe-regions", "--dry-run", v=v)
    assert p.returncode != 0 and "DryRunOperation" in p.stderr


# ---- common errors ---------------------------------------------------------------------

def xml_code(text):
    m = re.search(r"<Code>([^<]*)</Code>", text)
    return m.group(1) if m else None


def test_error_document_shape(vpcd):
    status, text = raw_post(vpcd, "Action=NoSuchAction&Version=2016-11-15")
    assert status == 400
    assert re.fullmatch(r'<\?xml version="1.0" encoding="UTF-8"\?>\s*<Response><Errors><Error>'
                        r"<Code>InvalidAction</Code><Message>[^<]+</Message></Error></Errors>"
                        r"<RequestID>[0-9a-f-]{36}</RequestID></Response>\s*", text), text


def test_invalid_action(vpcd, ec2):
    status, text = raw_post(vpcd, "Action=DescribeVpcz&Version=2016-11-15")
    assert (status, xml_code(text)) == (400, "InvalidAction")


def test_missing_parameters(vpcd):
    status, text = raw_post(vpcd, "Action=DescribeRegions")
    assert (status, xml_code(text)) == (400, "MissingParameter")
    assert "Version" in text
    status, text = raw_post(vpcd, "Version=2016-11-15")
    assert (status, xml_code(text)) == (400, "MissingAction")
    # CreateTags requires Resources (ResourceId.N) and Tags (Tag.N) in the model.
    status, text = raw_post(vpcd, "Action=CreateTags&Version=2016-11-15&Tag.1.Key=a")
    assert (status, xml_code(text)) == (400, "MissingParameter")
    assert "ResourceId" in text


def test_unknown_parameter(vpcd):
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15&VpcId.1=vpc-1")
    assert (status, xml_code(text)) == (400, "UnknownParameter")
    assert "VpcId.1" in text
    # Declared names with a bad shape are unknown too.
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15&Filter.1.Nom=x")
    assert (status, xml_code(text)) == (400, "UnknownParameter")


def test_malformed_and_duplicate_parameters(vpcd):
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15&RegionName.1=a"
                                  "&RegionName.1=b")
    assert (status, xml_code(text)) == (400, "InvalidParameterValue")
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15&RegionName.1=%zz")
    assert (status, xml_code(text)) == (400, "MalformedQueryString")
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15&DryRun=yes")
    assert (status, xml_code(text)) == (400, "InvalidParameterValue")
    status, text = raw_post(vpcd, "Action=DescribeRegions&Version=2016-11-15"
                                  "&RegionName.1=eu-west-1&RegionName.3=us-east-1")
    assert (status, xml_code(text)) == (400, "InvalidParameterValue")


def test_dry_run(ec2):
    for call in (lambda: ec2.describe_regions(DryRun=True),
                 lambda: ec2.describe_instance_types(DryRun=True),
                 lambda: ec2.delete_tags(Resources=["vpc-0123456789abcdef0"], DryRun=True)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("DryRunOperation", 412)
        assert "Request would have succeeded, but DryRun flag is set." in str(e.value)
    # Validation comes first: a bad parameter is reported even with DryRun.
    with pytest.raises(ClientError) as e:
        ec2.describe_instance_types(DryRun=True, MaxResults=1000)
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_get_query_string(vpcd):
    import urllib.request
    with urllib.request.urlopen(vpcd + "/?Action=DescribeRegions&Version=2016-11-15"
                                "&RegionName.1=us-east-1", timeout=10) as r:
        text = r.read().decode()
    assert r.status == 200
    assert text.count("<regionName>") == 1
    assert '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' in text


def test_body_limit(vpcd, ec2):
    body = "Action=DescribeRegions&Version=2016-11-15&RegionName.1=" + "x" * (2 << 20)
    status, text = raw_post(vpcd, body)
    assert status == 413 and xml_code(text) == "RequestEntityTooLarge"
    # The daemon is fine afterwards.
    assert ec2.describe_regions()["Regions"]


def test_one_log_line_per_request(vpcd_daemon, ec2):
    ec2.describe_regions()
    with pytest.raises(ClientError):
        ec2.describe_regions(DryRun=True)
    lines = [l for l in vpcd_daemon.log().splitlines() if "action=" in l]
    assert re.search(r"action=DescribeRegions status=200 ms=[0-9.]+$", lines[-2])
    assert re.search(r"action=DescribeRegions status=412 code=DryRunOperation ms=[0-9.]+$",
                     lines[-1])


# ---- SigV4 enforcement --------------------------------------------------------------------

@pytest.fixture
def secured(start_vpcd, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text(f"# test keys\n{ACCESS_KEY} {SECRET_KEY}\nAKIDOTHER other-secret\n")
    return start_vpcd("--credentials", str(creds)).url


def test_sigv4_good_key(secured):
    assert make_client(secured).describe_regions()["Regions"]
    assert make_client(secured, "AKIDOTHER", "other-secret").describe_regions()["Regions"]
    p = run_aws_cli(secured, "ec2", "describe-regions", v=2)
    assert p.returncode == 0, p.stderr
    p = run_aws_cli(secured, "ec2", "describe-regions", v=2, secret_key="nope")
    assert p.returncode != 0 and "SignatureDoesNotMatch" in p.stderr


def test_sigv4_wrong_secret(secured):
    with pytest.raises(ClientError) as e:
        make_client(secured, secret_key="wrong").describe_regions()
    assert error_of(e) == ("SignatureDoesNotMatch", 403)


def test_sigv4_unknown_key(secured):
    with pytest.raises(ClientError) as e:
        make_client(secured, access_key="AKIDUNKNOWN").describe_regions()
    assert error_of(e) == ("AuthFailure", 401)


def test_sigv4_unsigned(secured):
    status, text = raw_post(secured, "Action=DescribeRegions&Version=2016-11-15")
    assert (status, xml_code(text)) == (403, "MissingAuthenticationToken")
    status, text = raw_post(secured, "Action=DescribeRegions&Version=2016-11-15",
                            {"Authorization": "AWS4-HMAC-SHA256 garbage"})
    assert (status, xml_code(text)) == (400, "IncompleteSignature")


def _signed_at(url, when, body):
    req = AWSRequest(method="POST", url=url + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})

    class FakeDT(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz)

    with mock.patch("botocore.auth.datetime.datetime", FakeDT):
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "ec2", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def test_sigv4_request_expired(secured):
    body = "Action=DescribeRegions&Version=2016-11-15"
    now = datetime.datetime.utcnow()
    ok = _signed_at(secured, now - datetime.timedelta(minutes=10), body)
    status, text = raw_post(secured, body, ok)
    assert status == 200, text
    old = _signed_at(secured, now - datetime.timedelta(minutes=20), body)
    status, text = raw_post(secured, body, old)
    assert (status, xml_code(text)) == (400, "RequestExpired")
    # The same signature over another body fails.
    status, text = raw_post(secured, body + "&DryRun=true", ok)
    assert (status, xml_code(text)) == (403, "SignatureDoesNotMatch")


# ---- the daemon's command line ------------------------------------------------------------

def test_vpcd_usage_errors(vpcd_binary, tmp_path):
    import subprocess
    for args in (["--bogus"], [], ["--state-dir", str(tmp_path), "--listen", "nope"],
                 ["--state-dir", str(tmp_path), "--listen", "127.0.0.1:99999"],
                 ["--state-dir", str(tmp_path), "extra"]):
        p = subprocess.run([vpcd_binary, *args], capture_output=True, text=True, timeout=10)
        assert p.returncode == 2, (args, p.stderr)
        assert "Usage: vpcd" in p.stderr
    p = subprocess.run([vpcd_binary, "--help"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 0 and "127.0.0.1:8787" in p.stdout and "--no-fabric" in p.stdout
    bad = tmp_path / "creds"
    bad.write_text("onlykey\n")
    p = subprocess.run([vpcd_binary, "--state-dir", str(tmp_path / "s"), "--credentials",
                        str(bad)], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "credentials" in p.stderr


def test_vpcd_sigint_restart_and_lock(start_vpcd, tmp_path):
    import signal as sig
    import subprocess
    state = tmp_path / "state"
    first = start_vpcd("--no-fabric", state_dir=state)
    assert make_client(first.url).describe_regions()["Regions"]
    # A second daemon on the same state directory is refused.
    p = subprocess.run([first.args[0], "--listen", "127.0.0.1:1", "--state-dir", str(state)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1 and "lock" in p.stderr
    first.proc.send_signal(sig.SIGINT)
    assert first.proc.wait(timeout=10) == 0
    second = start_vpcd(state_dir=state)
    assert make_client(second.url).describe_availability_zones()["AvailabilityZones"]


# ---- the default VPC, tags and durability ----------------------------------------------------

def default_vpc_id(ec2):
    attrs = {a["AttributeName"]: a["AttributeValues"][0]["AttributeValue"]
             for a in ec2.describe_account_attributes()["AccountAttributes"]}
    return attrs["default-vpc"]


def test_default_vpc_tags_survive_restart(start_vpcd, tmp_path):
    state = tmp_path / "durable"
    first = start_vpcd(state_dir=state)
    ec2 = make_client(first.url)
    vpc = default_vpc_id(ec2)
    assert vpc.startswith("vpc-"), vpc
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "default"},
                                           {"Key": "team", "Value": "net"}])
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]
    assert sorted((t["Key"], t["Value"], t["ResourceType"]) for t in tags) == [
        ("Name", "default", "vpc"), ("team", "net", "vpc")]
    with pytest.raises(ClientError) as e:
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "dry", "Value": "x"}], DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    assert first.stop() == 0
    second = start_vpcd(state_dir=state)
    ec2 = make_client(second.url)
    # The same default VPC (not recreated), with its tags, and no DryRun tag.
    assert default_vpc_id(ec2) == vpc
    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["*"]},
                                      {"Name": "resource-type", "Values": ["vpc"]}])["Tags"]
    assert sorted(t["Key"] for t in tags) == ["Name", "team"]
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "team"}])
    assert second.stop() == 0
    third = start_vpcd(state_dir=state)
    tags = make_client(third.url).describe_tags()["Tags"]
    assert [(t["ResourceId"], t["Key"]) for t in tags if t["ResourceId"] == vpc] == [
        (vpc, "Name")]


def test_regions_are_independent(vpcd):
    east, west = make_client(vpcd), make_client(vpcd, region="eu-west-1")
    ve, vw = default_vpc_id(east), default_vpc_id(west)
    assert ve.startswith("vpc-") and vw.startswith("vpc-") and ve != vw
    east.create_tags(Resources=[ve], Tags=[{"Key": "where", "Value": "east"}])
    assert west.describe_tags(Filters=[{"Name": "key", "Values": ["where"]}])["Tags"] == []
    with pytest.raises(ClientError) as e:
        west.create_tags(Resources=[ve], Tags=[{"Key": "k", "Value": "v"}])
    assert error_of(e) == ("InvalidVpcID.NotFound", 400)


def test_kill9_keeps_every_acknowledged_change(start_vpcd, tmp_path):
    """A stream of CreateTags (two tags per call) killed with SIGKILL at a random
    moment: after a restart every acknowledged call is there, no call is half there."""
    import random
    import threading
    import time
    from botocore.exceptions import EndpointConnectionError, ConnectionClosedError
    state = tmp_path / "kill9"
    rng = random.Random(20261126)
    killed_after = []
    for round_ in range(3):
        first = start_vpcd(state_dir=state)
        ec2 = make_client(first.url)
        vpc = default_vpc_id(ec2)
        ec2.delete_tags(Resources=[vpc])
        acked = []
        threading.Timer(rng.uniform(0.02, 0.25), first.kill9).start()
        try:
            for i in range(20):
                ec2.create_tags(Resources=[vpc], Tags=[{"Key": f"k{i}a", "Value": "x"},
                                                       {"Key": f"k{i}b", "Value": "y"}])
                acked.append(i)
                time.sleep(0.005)
        except (EndpointConnectionError, ConnectionClosedError, ClientError,
                botocore.exceptions.HTTPClientError):
            pass
        first.proc.wait(timeout=10)
        killed_after.append(len(acked))
        second = start_vpcd(state_dir=state)
        keys = {t["Key"] for t in make_client(second.url).describe_tags(
            Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]}
        for i in acked:
            assert {f"k{i}a", f"k{i}b"} <= keys, (round_, i, sorted(keys))
        for i in range(20):
            assert (f"k{i}a" in keys) == (f"k{i}b" in keys), (round_, i, sorted(keys))
        assert second.stop() == 0
    # The kills did land inside the streams.
    assert any(n < 20 for n in killed_after), killed_after


@pytest.mark.parametrize("v", [2, 1])
def test_cli_tags(aws_cli, ec2, v):
    vpc = default_vpc_id(ec2)
    p = aws_cli("ec2", "create-tags", "--resources", vpc, "--tags", f"Key=cli{v},Value=yes", v=v)
    assert p.returncode == 0, p.stderr
    p = aws_cli("ec2", "describe-tags", "--filters", f"Name=key,Values=cli{v}", v=v)
    assert p.returncode == 0, p.stderr
    assert [(t["ResourceId"], t["ResourceType"], t["Value"]) for t in p.json["Tags"]] == [
        (vpc, "vpc", "yes")]
    p = aws_cli("ec2", "delete-tags", "--resources", vpc, "--tags", f"Key=cli{v}", v=v)
    assert p.returncode == 0, p.stderr
    assert ec2.describe_tags(Filters=[{"Name": "key", "Values": [f"cli{v}"]}])["Tags"] == []


def test_concurrent_clients(vpcd):
    """Eight clients at once, reads and writes mixed: every call answers correctly."""
    from concurrent.futures import ThreadPoolExecutor
    vpc = default_vpc_id(make_client(vpcd))

    def work(n):
        c = make_client(vpcd)
        for i in range(15):
            assert c.describe_availability_zones()["AvailabilityZones"]
            c.create_tags(Resources=[vpc], Tags=[{"Key": f"t{n}", "Value": str(i)}])
        return n

    with ThreadPoolExecutor(8) as ex:
        assert sorted(ex.map(work, range(8))) == list(range(8))
    tags = {t["Key"]: t["Value"] for t in make_client(vpcd).describe_tags(
        Filters=[{"Name": "resource-id", "Values": [vpc]}])["Tags"]}
    assert all(tags[f"t{n}"] == "14" for n in range(8))


def test_newer_sdks_client_token_on_any_mutating_action(ec2, aws_cli):
    """The AWS CLI v1 here carries a newer botocore whose CreateRouteTable sends a
    ClientToken that this build's model lacks: accepted, and idempotent."""
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    p = aws_cli("ec2", "create-route-table", "--vpc-id", vpc, v=1)
    assert p.returncode == 0, p.stderr
    rtb = p.json["RouteTable"]["RouteTableId"]
    p2 = aws_cli("ec2", "create-route-table", "--vpc-id", vpc, "--client-token", "tok-1", v=1)
    p3 = aws_cli("ec2", "create-route-table", "--vpc-id", vpc, "--client-token", "tok-1", v=1)
    assert p2.returncode == 0 and p3.returncode == 0, p2.stderr + p3.stderr
    assert p2.json["RouteTable"]["RouteTableId"] == p3.json["RouteTable"]["RouteTableId"] != rtb


def test_public_pool_option(start_vpcd, vpcd_binary, tmp_path):
    v = start_vpcd("--public-pool", "192.0.2.0/28")
    ec2 = make_client(v.url)
    ips = [ec2.allocate_address(Domain="vpc")["PublicIp"] for _ in range(3)]
    assert all(ip.startswith("192.0.2.") and int(ip.split(".")[3]) < 16 for ip in ips), ips
    p = subprocess.run([vpcd_binary, "--state-dir", str(tmp_path / "x"), "--public-pool", "10.0.0.0/8"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "--public-pool" in p.stderr
