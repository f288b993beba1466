"""Integration tests of the flowlogs family: Create/Delete/DescribeFlowLogs."""
import datetime

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import make_client, restart_reads_back, run_aws_cli

DEFAULT_FORMAT = ("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
                  "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} "
                  "${log-status}")
BUCKET = "arn:aws:s3:::flow-bucket"
ROLE = "arn:aws:iam::123456789012:role/flow-logs"


def _code(exc):
    return exc.value.response["Error"]["Code"]


def _vpc(c):
    vpcs = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    return vpcs[0]["VpcId"]


def _subnets(c):
    subnets = sorted(s["SubnetId"] for s in c.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [_vpc(c)]}])["Subnets"])
    assert len(subnets) >= 2
    return subnets


def _s3(c, ids, rtype="VPC", **kw):
    args = {"ResourceIds": ids, "ResourceType": rtype, "TrafficType": "ALL",
            "LogDestinationType": "s3", "LogDestination": BUCKET, **kw}
    return c.create_flow_logs(**args)


def _all(c, **kw):
    return c.describe_flow_logs(**kw)["FlowLogs"]


def test_create_describe_delete_s3(ec2):
    vpc = _vpc(ec2)
    fmt = "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${flow-direction}"
    r = _s3(ec2, [vpc], LogDestination=BUCKET + "/team-a", LogFormat=fmt,
            MaxAggregationInterval=60, TrafficType="REJECT", TagSpecifications=[
                {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "Name", "Value": "f1"}]}])
    assert r["Unsuccessful"] == [] and len(r["FlowLogIds"]) == 1
    fid = r["FlowLogIds"][0]
    assert fid.startswith("fl-")
    [f] = _all(ec2, FlowLogIds=[fid])
    created = f.pop("CreationTime")
    assert isinstance(created, datetime.datetime)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds()) < 300
    assert "DeliverLogsPermissionArn" not in f  # s3 flow logs have no role
    assert f == {
        "FlowLogId": fid, "FlowLogStatus": "ACTIVE", "DeliverLogsStatus": "SUCCESS",
        "ResourceId": vpc, "TrafficType": "REJECT", "LogDestinationType": "s3",
        "LogDestination": BUCKET + "/team-a", "LogFormat": fmt, "MaxAggregationInterval": 60,
        "Tags": [{"Key": "Name", "Value": "f1"}],
        "DestinationOptions": {"FileFormat": "plain-text", "HiveCompatiblePartitions": False,
                               "PerHourPartition": False}}
    r = ec2.delete_flow_logs(FlowLogIds=[fid])
    assert r["Unsuccessful"] == []
    assert _all(ec2) == []


def test_defaults(ec2):
    fid = _s3(ec2, [_vpc(ec2)], LogDestination=BUCKET + "/a")["FlowLogIds"][0]
    [f] = _all(ec2, FlowLogIds=[fid])
    assert f["LogDestination"] == BUCKET + "/a"
    assert f["LogFormat"] == DEFAULT_FORMAT
    assert f["MaxAggregationInterval"] == 600
    assert f["Tags"] == []


def test_several_resources_and_partial_success(ec2):
    s1, s2 = _subnets(ec2)[:2]
    r = _s3(ec2, [s1, s2], rtype="Subnet", TrafficType="ACCEPT")
    assert len(r["FlowLogIds"]) == 2 and r["Unsuccessful"] == []
    got = {f["ResourceId"]: f["FlowLogId"] for f in _all(ec2)}
    assert set(got) == {s1, s2} and set(got.values()) == set(r["FlowLogIds"])
    # s1 again with the same configuration and destination: s1 fails, s3 succeeds
    s3 = _subnets(ec2)[2] if len(_subnets(ec2)) > 2 else None
    ids = [s1] + ([s3] if s3 else [])
    r = _s3(ec2, ids, rtype="Subnet", TrafficType="ACCEPT")
    assert len(r["FlowLogIds"]) == len(ids) - 1
    [u] = r["Unsuccessful"]
    assert u["ResourceId"] == s1 and u["Error"]["Code"] == "400"
    assert "existing Flow Log with the same configuration" in u["Error"]["Message"]
    # another traffic type is another configuration; the third on s1 exceeds the quota of 2
    assert _s3(ec2, [s1], rtype="Subnet", TrafficType="REJECT")["Unsuccessful"] == []
    r = _s3(ec2, [s1], rtype="Subnet", TrafficType="ALL")
    assert r["FlowLogIds"] == []
    [u] = r["Unsuccessful"]
    assert u["ResourceId"] == s1 and u["Error"]["Code"] == "400"
    assert "maximum number of flow logs" in u["Error"]["Message"]
    assert len(_all(ec2, Filter=[{"Name": "resource-id", "Values": [s1]}])) == 2


@pytest.mark.parametrize("kw, code", [
    ({"ResourceIds": ["vpc-0123456789abcdef0"]}, "InvalidVpcID.NotFound"),
    ({"ResourceType": "Subnet", "ResourceIds": ["subnet-0123456789abcdef0"]},
     "InvalidSubnetID.NotFound"),
    ({"ResourceType": "NetworkInterface", "ResourceIds": ["eni-0123456789abcdef0"]},
     "InvalidNetworkInterfaceID.NotFound"),
    ({"ResourceType": "Subnet"}, "InvalidParameter"),  # a vpc- ID as a Subnet
    ({"ResourceType": "TransitGateway"}, "InvalidParameterValue"),
    ({"TrafficType": "SOME"}, "InvalidParameterValue"),
    ({"TrafficType": None}, "MissingParameter"),
    ({"LogFormat": "${version} ${nope}"}, "InvalidParameterValue"),
    ({"LogFormat": "${srcaddr} ${srcaddr}"}, "InvalidParameterValue"),
    ({"LogFormat": "srcaddr"}, "InvalidParameterValue"),
    ({"MaxAggregationInterval": 300}, "InvalidParameterValue"),
    ({"LogDestination": "flow-bucket"}, "InvalidParameterValue"),
    ({"LogDestination": "arn:aws:s3:::X"}, "InvalidParameterValue"),
    ({"LogDestination": BUCKET + "/AWSLogs"}, "InvalidParameterValue"),
    ({"LogDestination": BUCKET + "/x/AWSLogs/y"}, "InvalidParameterValue"),
    ({"LogDestination": None}, "MissingParameter"),
    ({"LogGroupName": "g"}, "InvalidParameterCombination"),
    ({"LogDestinationType": "kinesis-data-firehose"}, "UnsupportedOperation"),
    ({"LogDestinationType": "ftp"}, "InvalidParameterValue"),
    ({"DestinationOptions": {"FileFormat": "parquet"}}, "UnsupportedOperation"),
    ({"DeliverCrossAccountRole": ROLE}, "UnsupportedOperation"),
    ({"LogDestinationType": "cloud-watch-logs", "LogDestination": None,
      "LogGroupName": "g"}, "MissingParameter"),  # no DeliverLogsPermissionArn
    ({"LogDestinationType": "cloud-watch-logs", "LogDestination": None,
      "DeliverLogsPermissionArn": ROLE}, "MissingParameter"),  # no log group
    ({"TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}]},
     "InvalidParameterValue"),
])
def test_create_errors(start_vpcd, kw, code):
    c = make_client(start_vpcd().url)
    raw = boto3.client("ec2", endpoint_url=c.meta.endpoint_url, region_name="us-east-1",
                       aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret",
                       config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    args = {"ResourceIds": [_vpc(c)], "ResourceType": "VPC", "TrafficType": "ALL",
            "LogDestinationType": "s3", "LogDestination": BUCKET, **kw}
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(ClientError) as e:
        raw.create_flow_logs(**args)
    assert _code(e) == code, e.value.response["Error"]["Message"]
    assert _all(c) == []


def test_client_token(ec2):
    vpc = _vpc(ec2)
    r1 = _s3(ec2, [vpc], ClientToken="tok-1")
    r2 = _s3(ec2, [vpc], ClientToken="tok-1")  # a replay, not a duplicate
    assert r1["ClientToken"] == "tok-1" and r2["FlowLogIds"] == r1["FlowLogIds"]
    assert r2["Unsuccessful"] == []
    assert len(_all(ec2)) == 1
    with pytest.raises(ClientError) as e:
        _s3(ec2, [vpc], ClientToken="tok-1", TrafficType="REJECT")
    assert _code(e) == "IdempotentParameterMismatch"


def test_network_interface(ec2):
    subnet = _subnets(ec2)[0]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    r = _s3(ec2, [eni], rtype="NetworkInterface", TrafficType="ALL")
    assert r["Unsuccessful"] == []
    [f] = _all(ec2, Filter=[{"Name": "resource-id", "Values": [eni]}])
    assert f["FlowLogId"] == r["FlowLogIds"][0]
    with pytest.raises(ClientError) as e:  # an ENI ID with ResourceType VPC
        _s3(ec2, [eni], rtype="VPC")
    assert _code(e) == "InvalidParameter"


def test_versioned_formats_accepted(ec2):
    vpc = _vpc(ec2)
    v5 = ("${version} ${interface-id} ${pkt-srcaddr} ${pkt-dstaddr} ${tcp-flags} ${type} "
          "${az-id} ${sublocation-type} ${pkt-src-aws-service} ${flow-direction} "
          "${traffic-path}")
    fid = _s3(ec2, [vpc], LogFormat=v5)["FlowLogIds"][0]
    assert _all(ec2, FlowLogIds=[fid])[0]["LogFormat"] == v5


def test_cloud_watch_logs(ec2):
    vpc = _vpc(ec2)
    r = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                             LogGroupName="my/flow-logs", DeliverLogsPermissionArn=ROLE)
    assert r["Unsuccessful"] == []
    [f] = _all(ec2, FlowLogIds=r["FlowLogIds"])
    assert f["LogDestinationType"] == "cloud-watch-logs"
    assert f["LogGroupName"] == "my/flow-logs"
    assert f["DeliverLogsPermissionArn"] == ROLE
    assert f["LogDestination"].startswith("arn:aws:logs:us-east-1:")
    assert f["LogDestination"].endswith(":log-group:my/flow-logs")
    assert "DestinationOptions" not in f
    # the log group can also be given as an ARN destination
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:other:*"
    r = ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="REJECT",
                             LogDestinationType="cloud-watch-logs", LogDestination=arn,
                             DeliverLogsPermissionArn=ROLE)
    assert r["Unsuccessful"] == []
    got = _all(ec2, Filter=[{"Name": "log-group-name", "Values": ["other"]}])
    assert [f["FlowLogId"] for f in got] == r["FlowLogIds"]
    assert _all(ec2, Filter=[{"Name": "log-destination-type", "Values": ["s3"]}]) == []


def test_dry_run(ec2):
    vpc = _vpc(ec2)
    with pytest.raises(ClientError) as e:
        _s3(ec2, [vpc], DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert _all(ec2) == []
    with pytest.raises(ClientError) as e:  # validation comes before DryRun
        _s3(ec2, ["vpc-0123456789abcdef0"], DryRun=True)
    assert _code(e) == "InvalidVpcID.NotFound"
    fid = _s3(ec2, [vpc])["FlowLogIds"][0]
    with pytest.raises(ClientError) as e:
        ec2.delete_flow_logs(FlowLogIds=[fid], DryRun=True)
    assert _code(e) == "DryRunOperation"
    with pytest.raises(ClientError) as e:
        ec2.describe_flow_logs(DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert [f["FlowLogId"] for f in _all(ec2)] == [fid]


def test_delete_unknown_ids(ec2):
    fid = _s3(ec2, [_vpc(ec2)])["FlowLogIds"][0]
    missing = "fl-0123456789abcdef0"
    r = ec2.delete_flow_logs(FlowLogIds=[fid, missing])
    [u] = r["Unsuccessful"]
    assert u["ResourceId"] == missing
    assert u["Error"]["Code"] == "InvalidFlowLogId.NotFound"
    assert missing in u["Error"]["Message"]
    assert _all(ec2) == []
    r = ec2.delete_flow_logs(FlowLogIds=[fid])  # already gone
    assert [x["ResourceId"] for x in r["Unsuccessful"]] == [fid]


def test_filters(ec2):
    vpc = _vpc(ec2)
    s1, s2 = _subnets(ec2)[:2]
    a = _s3(ec2, [vpc], TrafficType="ACCEPT", TagSpecifications=[
        {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "env", "Value": "prod"}]}]
    )["FlowLogIds"][0]
    b = _s3(ec2, [s1], rtype="Subnet", TrafficType="REJECT")["FlowLogIds"][0]
    c = ec2.create_flow_logs(ResourceIds=[s2], ResourceType="Subnet", TrafficType="ALL",
                             LogGroupName="grp", DeliverLogsPermissionArn=ROLE)["FlowLogIds"][0]

    def ids(name, *values):
        return sorted(f["FlowLogId"] for f in
                      _all(ec2, Filter=[{"Name": name, "Values": list(values)}]))

    assert ids("flow-log-id", a) == [a]
    assert ids("resource-id", s1, s2) == sorted([b, c])
    assert ids("resource-id", "vpc-*") == [a]
    assert ids("traffic-type", "ACCEPT") == [a]
    assert ids("traffic-type", "REJECT", "ALL") == sorted([b, c])
    assert ids("log-destination-type", "s3") == sorted([a, b])
    assert ids("log-destination-type", "cloud-watch-logs") == [c]
    assert ids("log-group-name", "grp") == [c]
    assert ids("deliver-log-status", "SUCCESS") == sorted([a, b, c])
    assert ids("deliver-log-status", "FAILED") == []
    assert ids("tag:env", "prod") == [a]
    assert ids("tag-key", "env") == [a]
    assert ids("tag-value", "pr*") == [a]
    assert ids("tag:env", "dev") == []
    ec2.create_tags(Resources=[b], Tags=[{"Key": "env", "Value": "dev"}])  # tags family
    assert ids("tag:env", "dev") == [b]
    assert ids("tag-key", "env") == sorted([a, b])
    got = _all(ec2, FlowLogIds=[a, b], Filter=[{"Name": "traffic-type", "Values": ["REJECT"]}])
    assert [f["FlowLogId"] for f in got] == [b]
    # an unknown ID selects nothing (no error), as AWS answers
    assert _all(ec2, FlowLogIds=["fl-0123456789abcdef0"]) == []
    with pytest.raises(ClientError) as e:
        _all(ec2, Filter=[{"Name": "log-format", "Values": ["x"]}])
    assert _code(e) == "InvalidParameterValue"


def test_pagination(ec2):
    subnets = _subnets(ec2)
    made = set()
    for s in subnets[:4]:
        for t in ("ACCEPT", "REJECT"):
            made |= set(_s3(ec2, [s], rtype="Subnet", TrafficType=t)["FlowLogIds"])
    assert len(made) == 2 * min(4, len(subnets))
    seen, token, pages = [], None, 0
    while True:
        kw = {"MaxResults": 3, **({"NextToken": token} if token else {})}
        r = ec2.describe_flow_logs(**kw)
        assert len(r["FlowLogs"]) <= 3
        seen += [f["FlowLogId"] for f in r["FlowLogs"]]
        pages += 1
        token = r.get("NextToken")
        if not token:
            break
    assert len(seen) == len(made) and set(seen) == made
    assert pages == -(-len(made) // 3)
    paged = [f["FlowLogId"] for p in ec2.get_paginator("describe_flow_logs").paginate(
        PaginationConfig={"PageSize": 2}) for f in p["FlowLogs"]]
    assert sorted(paged) == sorted(made)
    with pytest.raises(ClientError) as e:
        ec2.describe_flow_logs(MaxResults=3, NextToken="garbage")
    assert _code(e) == "InvalidNextToken"


def test_restart_persistence(start_vpcd):
    v = start_vpcd()
    c = make_client(v.url)
    fmt = "${version} ${srcaddr} ${dstaddr} ${action}"
    fid = _s3(c, [_vpc(c)], LogFormat=fmt, MaxAggregationInterval=60, TagSpecifications=[
        {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "k", "Value": "v"}]}])["FlowLogIds"][0]
    c.create_flow_logs(ResourceIds=[_vpc(c)], ResourceType="VPC", TrafficType="REJECT",
                       LogGroupName="grp", DeliverLogsPermissionArn=ROLE)
    before = _all(c)
    assert len(before) == 2
    assert v.stop() == 0
    c2 = make_client(start_vpcd(state_dir=v.state_dir).url)
    after = _all(c2)
    assert after == before
    [s3] = [f for f in after if f["FlowLogId"] == fid]
    assert s3["LogFormat"] == fmt and s3["MaxAggregationInterval"] == 60
    [cwl] = [f for f in after if f["FlowLogId"] != fid]
    assert cwl["DeliverLogsPermissionArn"] == ROLE and cwl["LogGroupName"] == "grp"
    assert c2.delete_flow_logs(FlowLogIds=[fid])["Unsuccessful"] == []


def test_aws_cli_v2(vpcd, ec2):
    vpc = _vpc(ec2)
    p = run_aws_cli(vpcd, "ec2", "create-flow-logs", "--resource-type", "VPC",
                    "--resource-ids", vpc, "--traffic-type", "ALL",
                    "--log-destination-type", "s3", "--log-destination", BUCKET,
                    "--max-aggregation-interval", "60")
    assert p.returncode == 0, p.stderr
    assert p.json["Unsuccessful"] == []
    [fid] = p.json["FlowLogIds"]
    p = run_aws_cli(vpcd, "ec2", "describe-flow-logs", "--filter",
                    f"Name=resource-id,Values={vpc}")
    assert p.returncode == 0, p.stderr
    [f] = p.json["FlowLogs"]
    assert f["FlowLogId"] == fid and f["MaxAggregationInterval"] == 60
    assert f["LogFormat"] == DEFAULT_FORMAT
    p = run_aws_cli(vpcd, "ec2", "delete-flow-logs", "--flow-log-ids", fid,
                    "fl-0123456789abcdef0")
    assert p.returncode == 0, p.stderr
    assert [u["ResourceId"] for u in p.json["Unsuccessful"]] == ["fl-0123456789abcdef0"]


def test_flow_log_writes_save_only_their_flow_logs(start_vpcd, tmp_path):
    """Create/DeleteFlowLogs save only the flow logs they make or delete (a save hint);
    vpcd runs with OPENVPC_VERIFY_SAVE_HINTS here, so a hint that misses a row aborts it.
    After a restart every flow log reads back."""
    state = tmp_path / "fl-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    subnets = _subnets(c)
    made = _s3(c, [_vpc(c)], TagSpecifications=[
        {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "k", "Value": "v"}]}])["FlowLogIds"]
    made += _s3(c, subnets[:2], rtype="Subnet", TrafficType="REJECT")["FlowLogIds"]
    out = c.delete_flow_logs(FlowLogIds=[made[1], "fl-00000000000000000"])
    assert [u["ResourceId"] for u in out["Unsuccessful"]] == ["fl-00000000000000000"]
    before, _ = restart_reads_back(first, start_vpcd, _all)
    assert sorted(f["FlowLogId"] for f in before) == sorted([made[0], made[2]])
