"""Integration tests of the instance and ENI-attribute actions of the eni family:

StopInstances, StartInstances, ModifyInstanceMetadataOptions (and RunInstances
MetadataOptions.*), DescribeInstances pagination and metadataOptions,
DescribeNetworkInterfaceAttribute, ResetNetworkInterfaceAttribute,
DescribeAddresses (no pagination on AWS).  ModifySecurityGroupRules is tested in
test_api_secgroup.py.

Instances are launched without a subnet, into the default VPC's default subnet
(which maps public IPs on launch), so these tests depend on no other family."""
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ACCESS_KEY, REGION, SECRET_KEY, make_client, restart_reads_back, run_aws_cli

AMI = "ami-0123456789abcdef0"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def unvalidated(c):
    """A client that sends what boto3 would refuse (out-of-range values, undeclared names)."""
    return boto3.client("ec2", endpoint_url=c.meta.endpoint_url, region_name=REGION,
                        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def raw_call(c, method, extra, **kw):
    """c.<method>(**kw) with extra raw query parameters added (values boto3 would not send)."""
    def add(params, **_):
        params["body"].update(extra)
    event = f"before-call.ec2.{c.meta.method_to_api_mapping[method]}"
    c.meta.events.register(event, add)
    try:
        return getattr(c, method)(**kw)
    finally:
        c.meta.events.unregister(event, add)


def run(c, n=1, **kw):
    r = c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=n, MaxCount=n, **kw)
    return [i["InstanceId"] for i in r["Instances"]]


def describe_one(c, iid):
    [res] = c.describe_instances(InstanceIds=[iid])["Reservations"]
    [inst] = res["Instances"]
    return inst


def state_of(c, iid):
    return describe_one(c, iid)["State"]


@pytest.fixture
def daemon(start_vpcd):
    return start_vpcd()


@pytest.fixture
def c(daemon):
    return make_client(daemon.url)


# ---- StopInstances / StartInstances ---------------------------------------------------

def test_stop_start_keeps_enis_and_private_ips(c):
    [iid] = run(c)
    before = describe_one(c, iid)
    assert before["State"] == {"Code": 16, "Name": "running"}
    eni = before["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ip = before["PrivateIpAddress"]

    r = c.stop_instances(InstanceIds=[iid])["StoppingInstances"]
    assert r == [{"InstanceId": iid, "CurrentState": {"Code": 64, "Name": "stopping"},
                  "PreviousState": {"Code": 16, "Name": "running"}}]
    assert "StateReason" not in before
    after = describe_one(c, iid)
    assert after["State"] == {"Code": 80, "Name": "stopped"}
    assert after["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    # A stopped instance keeps its ENI and private IP, as on AWS.
    assert after["PrivateIpAddress"] == ip
    assert [n["NetworkInterfaceId"] for n in after["NetworkInterfaces"]] == [eni]
    [e] = c.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]
    assert e["Status"] == "in-use" and e["Attachment"]["InstanceId"] == iid

    # Stopping a stopped instance: no change, both states "stopped".
    r = c.stop_instances(InstanceIds=[iid], Force=True)["StoppingInstances"]
    assert r[0]["CurrentState"]["Name"] == "stopped"
    assert r[0]["PreviousState"]["Name"] == "stopped"

    stopped = c.describe_instances(Filters=[{"Name": "instance-state-name",
                                             "Values": ["stopped"]}])["Reservations"]
    assert [i["InstanceId"] for res in stopped for i in res["Instances"]] == [iid]
    by_code = c.describe_instances(Filters=[{"Name": "instance-state-code",
                                             "Values": ["80"]}])["Reservations"]
    assert len(by_code) == 1

    r = c.start_instances(InstanceIds=[iid])["StartingInstances"]
    assert r == [{"InstanceId": iid, "CurrentState": {"Code": 0, "Name": "pending"},
                  "PreviousState": {"Code": 80, "Name": "stopped"}}]
    assert state_of(c, iid) == {"Code": 16, "Name": "running"}
    assert describe_one(c, iid)["PrivateIpAddress"] == ip
    r = c.start_instances(InstanceIds=[iid])["StartingInstances"]
    assert r[0]["CurrentState"]["Name"] == "running"
    assert r[0]["PreviousState"]["Name"] == "running"
    # Hibernate is accepted (hibernation itself is not modelled: a stop is a stop).
    r = c.stop_instances(InstanceIds=[iid], Hibernate=True)["StoppingInstances"]
    assert r[0]["PreviousState"]["Name"] == "running"
    assert state_of(c, iid)["Name"] == "stopped"


def test_stop_releases_auto_public_ip_but_keeps_elastic_ip(c):
    a, b = run(c), run(c)
    a, b = a[0], b[0]
    pub_a = describe_one(c, a).get("PublicIpAddress")
    assert pub_a, "the default subnet maps a public IP on launch"
    alloc = c.allocate_address(Domain="vpc")
    c.associate_address(AllocationId=alloc["AllocationId"], InstanceId=b)
    assert describe_one(c, b)["PublicIpAddress"] == alloc["PublicIp"]

    c.stop_instances(InstanceIds=[a, b])
    assert "PublicIpAddress" not in describe_one(c, a)
    # The Elastic IP stays associated with the stopped instance.
    assert describe_one(c, b)["PublicIpAddress"] == alloc["PublicIp"]
    [addr] = c.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"]
    assert addr["InstanceId"] == b

    c.start_instances(InstanceIds=[a, b])
    assert describe_one(c, a).get("PublicIpAddress"), "a new public IP on start"
    assert describe_one(c, b)["PublicIpAddress"] == alloc["PublicIp"]


def test_stop_start_errors_and_dry_run(c):
    [iid] = run(c)
    missing = "i-0123456789abcdef0"
    for call in (c.stop_instances, c.start_instances):
        with pytest.raises(ClientError) as e:
            call(InstanceIds=[iid, missing])
        assert error_of(e) == ("InvalidInstanceID.NotFound", 400)
        assert missing in e.value.response["Error"]["Message"]
    assert state_of(c, iid)["Name"] == "running", "nothing changed"

    with pytest.raises(ClientError) as e:
        c.stop_instances(InstanceIds=[iid], DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    assert state_of(c, iid)["Name"] == "running"
    # DryRun still reports an unknown ID.
    with pytest.raises(ClientError) as e:
        c.stop_instances(InstanceIds=[missing], DryRun=True)
    assert error_of(e) == ("InvalidInstanceID.NotFound", 400)
    c.stop_instances(InstanceIds=[iid])
    with pytest.raises(ClientError) as e:
        c.start_instances(InstanceIds=[iid], DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    assert state_of(c, iid)["Name"] == "stopped"

    t = c.terminate_instances(InstanceIds=[iid])["TerminatingInstances"]
    assert t[0]["PreviousState"]["Name"] == "stopped"
    for call in (c.stop_instances, c.start_instances):
        with pytest.raises(ClientError) as e:
            call(InstanceIds=[iid])
        assert error_of(e) == ("IncorrectInstanceState", 400)
    assert state_of(c, iid) == {"Code": 48, "Name": "terminated"}

    with pytest.raises(ClientError) as e:
        raw_call(c, "stop_instances", {"Force": "maybe"}, InstanceIds=[iid])
    assert error_of(e) == ("InvalidParameterValue", 400)


# ---- metadata options ---------------------------------------------------------------

DEFAULT_MD = {"State": "applied", "HttpTokens": "optional", "HttpPutResponseHopLimit": 1,
              "HttpEndpoint": "enabled", "HttpProtocolIpv6": "disabled",
              "InstanceMetadataTags": "disabled"}


def test_metadata_options_defaults_run_and_modify(c):
    [plain] = run(c)
    assert describe_one(c, plain)["MetadataOptions"] == DEFAULT_MD
    [iid] = run(c, MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 2,
                                    "InstanceMetadataTags": "enabled"})
    assert describe_one(c, iid)["MetadataOptions"] == dict(
        DEFAULT_MD, HttpTokens="required", HttpPutResponseHopLimit=2,
        InstanceMetadataTags="enabled")

    r = c.modify_instance_metadata_options(InstanceId=iid, HttpTokens="optional",
                                           HttpPutResponseHopLimit=64, HttpEndpoint="disabled",
                                           HttpProtocolIpv6="enabled")
    want = dict(DEFAULT_MD, HttpPutResponseHopLimit=64, HttpEndpoint="disabled",
                HttpProtocolIpv6="enabled", InstanceMetadataTags="enabled")
    assert r["InstanceId"] == iid
    assert r["InstanceMetadataOptions"] == want
    assert describe_one(c, iid)["MetadataOptions"] == want
    # Only what is given changes.
    r = c.modify_instance_metadata_options(InstanceId=iid, InstanceMetadataTags="disabled")
    assert r["InstanceMetadataOptions"] == dict(want, InstanceMetadataTags="disabled")

    f = c.describe_instances(Filters=[{"Name": "metadata-options.http-endpoint",
                                       "Values": ["disabled"]}])["Reservations"]
    assert [i["InstanceId"] for res in f for i in res["Instances"]] == [iid]
    f = c.describe_instances(Filters=[{"Name": "metadata-options.http-tokens",
                                       "Values": ["optional"]}])["Reservations"]
    assert sorted(i["InstanceId"] for res in f for i in res["Instances"]) == sorted([plain, iid])
    # Stopped instances can be modified too.
    c.stop_instances(InstanceIds=[plain])
    r = c.modify_instance_metadata_options(InstanceId=plain, HttpTokens="required")
    assert r["InstanceMetadataOptions"]["HttpTokens"] == "required"


def test_metadata_options_errors_and_dry_run(c):
    [iid] = run(c)
    u = unvalidated(c)
    bad = [dict(HttpTokens="sometimes"), dict(HttpEndpoint="on"),
           dict(HttpProtocolIpv6="yes"), dict(InstanceMetadataTags="1"),
           dict(HttpPutResponseHopLimit=65), dict(HttpPutResponseHopLimit=0)]
    for kw in bad:
        with pytest.raises(ClientError) as e:
            u.modify_instance_metadata_options(InstanceId=iid, **kw)
        assert error_of(e) == ("InvalidParameterValue", 400), kw
        # Invalid values win over DryRun.
        with pytest.raises(ClientError) as e:
            u.modify_instance_metadata_options(InstanceId=iid, DryRun=True, **kw)
        assert error_of(e) == ("InvalidParameterValue", 400), kw
    with pytest.raises(ClientError) as e:
        run(u, MetadataOptions={"HttpTokens": "never"})
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        run(c, MetadataOptions={"HttpTokens": "required"}, DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as e:
        c.modify_instance_metadata_options(InstanceId=iid, HttpTokens="required", DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    assert describe_one(c, iid)["MetadataOptions"] == DEFAULT_MD, "nothing changed"
    with pytest.raises(ClientError) as e:
        c.modify_instance_metadata_options(InstanceId="i-0123456789abcdef0", HttpTokens="required")
    assert error_of(e) == ("InvalidInstanceID.NotFound", 400)
    c.terminate_instances(InstanceIds=[iid])
    with pytest.raises(ClientError) as e:
        c.modify_instance_metadata_options(InstanceId=iid, HttpTokens="required")
    assert error_of(e) == ("IncorrectInstanceState", 400)
    assert len([i for res in c.describe_instances()["Reservations"]
                for i in res["Instances"]]) == 1, "no DryRun launch happened"


# ---- persistence ---------------------------------------------------------------------

def test_state_and_metadata_survive_restart(start_vpcd, tmp_path):
    state = tmp_path / "durable"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    [stopped, running] = run(c, 2)
    c.modify_instance_metadata_options(InstanceId=running, HttpTokens="required",
                                       HttpPutResponseHopLimit=3, HttpProtocolIpv6="enabled",
                                       InstanceMetadataTags="enabled")
    c.stop_instances(InstanceIds=[stopped])
    eni = describe_one(c, stopped)["NetworkInterfaces"][0]["NetworkInterfaceId"]
    c.modify_network_interface_attribute(NetworkInterfaceId=eni,
                                         SourceDestCheck={"Value": False})
    assert first.stop() == 0

    second = start_vpcd(state_dir=state)
    c = make_client(second.url)
    assert state_of(c, stopped) == {"Code": 80, "Name": "stopped"}
    assert state_of(c, running) == {"Code": 16, "Name": "running"}
    assert describe_one(c, running)["MetadataOptions"] == dict(
        DEFAULT_MD, HttpTokens="required", HttpPutResponseHopLimit=3,
        HttpProtocolIpv6="enabled", InstanceMetadataTags="enabled")
    assert "PublicIpAddress" not in describe_one(c, stopped)
    # That the instance was launched with an auto-assigned public IP is kept too.
    c.start_instances(InstanceIds=[stopped])
    assert describe_one(c, stopped).get("PublicIpAddress")
    c.reset_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck="true")
    assert second.stop() == 0

    third = start_vpcd(state_dir=state)
    c = make_client(third.url)
    assert state_of(c, stopped)["Name"] == "running"
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni,
                                               Attribute="sourceDestCheck")
    assert r["SourceDestCheck"] == {"Value": True}


def test_instance_writes_save_only_their_objects(start_vpcd, tmp_path):
    """Run/Stop/Start/TerminateInstances and ModifyInstanceMetadataOptions save only the
    instances, their ENIs and the Elastic IPs on them (save hints); vpcd runs with
    OPENVPC_VERIFY_SAVE_HINTS here, so a hint that misses a row aborts it. The cases where
    such a write changes another object: a launch with an existing ENI that holds an
    Elastic IP (the address gets the instance), an auto-assigned public IP (launched into
    the default subnet) released by a stop and assigned again by a start, a termination
    that deletes the primary ENI (its Elastic IP disassociated) and detaches the other (its
    Elastic IP keeps the ENI, loses the instance). After a restart every object reads back
    as before."""
    state = tmp_path / "hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    subnet = sorted(s["SubnetId"] for s in c.describe_subnets()["Subnets"])[0]
    extra = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    e_extra = c.allocate_address(Domain="vpc")["AllocationId"]
    e_primary = c.allocate_address(Domain="vpc")["AllocationId"]
    c.associate_address(AllocationId=e_extra, NetworkInterfaceId=extra)
    # Launched with the existing ENI at device 1 (kept on termination).
    inst = c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                           NetworkInterfaces=[
                               {"DeviceIndex": 0, "SubnetId": subnet},
                               {"DeviceIndex": 1, "NetworkInterfaceId": extra}],
                           TagSpecifications=[{"ResourceType": "instance",
                                               "Tags": [{"Key": "Name", "Value": "h"}]}]
                           )["Instances"][0]["InstanceId"]
    assert c.describe_addresses(AllocationIds=[e_extra])["Addresses"][0]["InstanceId"] == inst
    others = run(c, 2)
    c.modify_instance_metadata_options(InstanceId=others[0], HttpTokens="required")
    # others[1] has an auto-assigned public IP (the default subnet maps one on launch).
    assert describe_one(c, others[1]).get("PublicIpAddress")
    c.stop_instances(InstanceIds=[inst] + others)
    assert "PublicIpAddress" not in describe_one(c, others[1])
    c.start_instances(InstanceIds=[inst, others[1]])
    assert describe_one(c, others[1]).get("PublicIpAddress")
    primary = [n for n in describe_one(c, inst)["NetworkInterfaces"]
               if n["Attachment"]["DeviceIndex"] == 0][0]["NetworkInterfaceId"]
    c.associate_address(AllocationId=e_primary, NetworkInterfaceId=primary)
    c.terminate_instances(InstanceIds=[inst, others[0]])
    eips = {a["AllocationId"]: a for a in c.describe_addresses()["Addresses"]}
    assert "AssociationId" not in eips[e_primary]
    assert eips[e_extra].get("NetworkInterfaceId") == extra and "InstanceId" not in eips[e_extra]

    def everything(c):
        return (c.describe_instances()["Reservations"],
                c.describe_network_interfaces()["NetworkInterfaces"],
                c.describe_addresses()["Addresses"], c.describe_subnets()["Subnets"])

    before, c = restart_reads_back(first, start_vpcd, everything)
    assert state_of(c, inst)["Name"] == "terminated"
    assert state_of(c, others[1])["Name"] == "running"
    enis = {n["NetworkInterfaceId"]: n for n in c.describe_network_interfaces()["NetworkInterfaces"]}
    assert primary not in enis and enis[extra]["Status"] == "available"


# ---- DescribeInstances pagination ------------------------------------------------------

def test_describe_instances_pagination(c):
    ids = run(c, 3) + run(c) + run(c) + run(c, 2)
    assert len(ids) == 7
    p1 = c.describe_instances(MaxResults=5)
    got1 = [i["InstanceId"] for res in p1["Reservations"] for i in res["Instances"]]
    assert len(got1) == 5 and p1.get("NextToken")
    p2 = c.describe_instances(MaxResults=5, NextToken=p1["NextToken"])
    got2 = [i["InstanceId"] for res in p2["Reservations"] for i in res["Instances"]]
    assert len(got2) == 2 and not p2.get("NextToken")
    assert sorted(got1) == sorted(ids)[:5], "pages follow instance ID order"
    assert sorted(got2) == sorted(ids)[5:]
    # Each reservation appears once per page, holding its instances of that page.
    for page in (p1, p2):
        rids = [res["ReservationId"] for res in page["Reservations"]]
        assert len(rids) == len(set(rids))
        for res in page["Reservations"]:
            assert {i["InstanceId"] for i in res["Instances"]} <= set(ids)
    whole = c.describe_instances()["Reservations"]
    assert sorted(len(res["Instances"]) for res in whole) == [1, 1, 2, 3]
    assert "NextToken" not in c.describe_instances()

    pages = c.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5})
    assert sorted(i["InstanceId"] for p in pages for res in p["Reservations"]
                  for i in res["Instances"]) == sorted(ids)
    # Filters apply before paging.
    c.stop_instances(InstanceIds=ids[:3])
    f = c.describe_instances(MaxResults=5, Filters=[{"Name": "instance-state-name",
                                                     "Values": ["running"]}])
    assert sorted(i["InstanceId"] for res in f["Reservations"]
                  for i in res["Instances"]) == sorted(ids[3:])
    assert not f.get("NextToken")

    u = unvalidated(c)
    for bad in (4, 1001):
        with pytest.raises(ClientError) as e:
            u.describe_instances(MaxResults=bad)
        assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        c.describe_instances(InstanceIds=[ids[0]], MaxResults=5)
    assert error_of(e) == ("InvalidParameterCombination", 400)
    with pytest.raises(ClientError) as e:
        c.describe_instances(MaxResults=5, NextToken="garbage")
    assert error_of(e) == ("InvalidNextToken", 400)
    with pytest.raises(ClientError) as e:
        c.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert error_of(e) == ("InvalidInstanceID.NotFound", 400)
    with pytest.raises(ClientError) as e:
        c.describe_instances(DryRun=True, MaxResults=5)
    assert error_of(e) == ("DryRunOperation", 412)


# ---- DescribeNetworkInterfaceAttribute / ResetNetworkInterfaceAttribute -------------------

def test_network_interface_attribute(c):
    [iid] = run(c)
    inst = describe_one(c, iid)
    eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    subnet = inst["SubnetId"]
    free = c.create_network_interface(SubnetId=subnet, Description="spare")["NetworkInterface"]

    r = c.describe_network_interface_attribute(NetworkInterfaceId=free["NetworkInterfaceId"],
                                               Attribute="description")
    assert r["NetworkInterfaceId"] == free["NetworkInterfaceId"]
    assert r["Description"] == {"Value": "spare"}
    assert "Groups" not in r and "SourceDestCheck" not in r
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni, Attribute="groupSet")
    [g] = r["Groups"]
    assert g["GroupId"].startswith("sg-") and g["GroupName"] == "default"
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni, Attribute="attachment")
    assert r["Attachment"]["InstanceId"] == iid
    assert r["Attachment"]["DeviceIndex"] == 0 and r["Attachment"]["Status"] == "attached"
    assert r["Attachment"]["AttachmentId"].startswith("eni-attach-")
    r = c.describe_network_interface_attribute(NetworkInterfaceId=free["NetworkInterfaceId"],
                                               Attribute="attachment")
    assert "Attachment" not in r

    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni,
                                               Attribute="sourceDestCheck")
    assert r["SourceDestCheck"] == {"Value": True}
    c.modify_network_interface_attribute(NetworkInterfaceId=eni,
                                         SourceDestCheck={"Value": False})
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni,
                                               Attribute="sourceDestCheck")
    assert r["SourceDestCheck"] == {"Value": False}
    assert describe_one(c, iid)["SourceDestCheck"] is False

    with pytest.raises(ClientError) as e:
        c.reset_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck="true",
                                            DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni,
                                               Attribute="sourceDestCheck")
    assert r["SourceDestCheck"] == {"Value": False}, "DryRun changed nothing"
    c.reset_network_interface_attribute(NetworkInterfaceId=eni, SourceDestCheck="true")
    r = c.describe_network_interface_attribute(NetworkInterfaceId=eni,
                                               Attribute="sourceDestCheck")
    assert r["SourceDestCheck"] == {"Value": True}

    u = unvalidated(c)
    with pytest.raises(ClientError) as e:
        u.describe_network_interface_attribute(NetworkInterfaceId=eni, Attribute="mtu")
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        c.describe_network_interface_attribute(NetworkInterfaceId=eni)
    assert error_of(e) == ("MissingParameter", 400)
    with pytest.raises(ClientError) as e:
        c.describe_network_interface_attribute(NetworkInterfaceId="eni-0123456789abcdef0",
                                               Attribute="description")
    assert error_of(e) == ("InvalidNetworkInterfaceID.NotFound", 400)
    with pytest.raises(ClientError) as e:
        c.describe_network_interface_attribute(NetworkInterfaceId=eni, Attribute="description",
                                               DryRun=True)
    assert error_of(e) == ("DryRunOperation", 412)
    with pytest.raises(ClientError) as e:
        c.reset_network_interface_attribute(NetworkInterfaceId="eni-0123456789abcdef0",
                                            SourceDestCheck="true")
    assert error_of(e) == ("InvalidNetworkInterfaceID.NotFound", 400)
    with pytest.raises(ClientError) as e:
        c.reset_network_interface_attribute(NetworkInterfaceId=eni)
    assert error_of(e) == ("MissingParameter", 400)


# ---- DescribeAddresses: no pagination, IDs and public IPs together -------------------------

def test_describe_addresses_lists_and_no_pagination(c):
    a1 = c.allocate_address(Domain="vpc")
    a2 = c.allocate_address(Domain="vpc")
    c.allocate_address(Domain="vpc")
    r = c.describe_addresses(AllocationIds=[a1["AllocationId"]], PublicIps=[a2["PublicIp"]])
    assert sorted(a["AllocationId"] for a in r["Addresses"]) == sorted(
        [a1["AllocationId"], a2["AllocationId"]])
    assert len(c.describe_addresses()["Addresses"]) == 3
    with pytest.raises(ClientError) as e:
        c.describe_addresses(PublicIps=["203.0.113.77"])
    assert error_of(e) == ("InvalidAddress.NotFound", 400)
    with pytest.raises(ClientError) as e:
        c.describe_addresses(AllocationIds=["eipalloc-0123456789abcdef0"],
                             PublicIps=[a2["PublicIp"]])
    assert error_of(e) == ("InvalidAllocationID.NotFound", 400)
    # AWS declares no MaxResults/NextToken for DescribeAddresses.
    for extra in ({"MaxResults": "5"}, {"NextToken": "x"}):
        with pytest.raises(ClientError) as e:
            raw_call(c, "describe_addresses", extra)
        assert error_of(e) == ("UnknownParameter", 400)


# ---- AWS CLI v2 ----------------------------------------------------------------------------

def test_cli_v2_stop_start_metadata(daemon):
    c = make_client(daemon.url)
    [iid] = run(c)
    p = run_aws_cli(daemon.url, "ec2", "stop-instances", "--instance-ids", iid)
    assert p.returncode == 0, p.stderr
    assert p.json["StoppingInstances"][0]["CurrentState"]["Name"] == "stopping"
    p = run_aws_cli(daemon.url, "ec2", "modify-instance-metadata-options", "--instance-id", iid,
                    "--http-tokens", "required", "--http-put-response-hop-limit", "2")
    assert p.returncode == 0, p.stderr
    assert p.json["InstanceMetadataOptions"]["HttpTokens"] == "required"
    p = run_aws_cli(daemon.url, "ec2", "start-instances", "--instance-ids", iid)
    assert p.returncode == 0, p.stderr
    assert p.json["StartingInstances"][0]["PreviousState"]["Name"] == "stopped"
    p = run_aws_cli(daemon.url, "ec2", "describe-instances", "--page-size", "5",
                    "--query", "Reservations[].Instances[].[State.Name,MetadataOptions.HttpTokens]")
    assert p.returncode == 0, p.stderr
    assert p.json == [["running", "required"]]
    p = run_aws_cli(daemon.url, "ec2", "start-instances", "--instance-ids",
                    "i-0123456789abcdef0")
    assert p.returncode != 0 and "InvalidInstanceID.NotFound" in p.stderr


def dashed(prefix, ip):
    return prefix + "-" + ip.replace(".", "-")


def test_private_and_public_dns_names(c):
    """PrivateDnsName on the instance, its ENIs and every private address (lib/model/dns.h);
    a public DNS name only when the VPC has DNS hostnames (the default VPC has), and no
    names at all once terminated."""
    assert REGION == "us-east-1"  # the names below are us-east-1's
    [iid] = run(c)  # default subnet: maps a public IP
    inst = describe_one(c, iid)
    ip, pub = inst["PrivateIpAddress"], inst["PublicIpAddress"]
    private, public = dashed("ip", ip) + ".ec2.internal", \
        dashed("ec2", pub) + ".compute-1.amazonaws.com"
    assert inst["PrivateDnsName"] == private
    assert inst["PublicDnsName"] == public
    [nic] = inst["NetworkInterfaces"]
    assert nic["PrivateDnsName"] == private
    assert nic["Association"] == {"PublicIp": pub, "PublicDnsName": public, "IpOwnerId": "amazon"}
    eid = nic["NetworkInterfaceId"]
    c.assign_private_ip_addresses(NetworkInterfaceId=eid, SecondaryPrivateIpAddressCount=1)
    [eni] = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"]
    assert eni["PrivateDnsName"] == private
    assert eni["Association"]["PublicDnsName"] == public
    names = {a["PrivateIpAddress"]: a["PrivateDnsName"] for a in eni["PrivateIpAddresses"]}
    assert len(names) == 2 and all(n == dashed("ip", a) + ".ec2.internal"
                                   for a, n in names.items())

    # Without DNS hostnames in the VPC: private names stay, public ones go.
    vpc = inst["VpcId"]
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": False})
    try:
        inst = describe_one(c, iid)
        assert inst["PrivateDnsName"] == private and inst["PublicDnsName"] == ""
        assert "PublicDnsName" not in inst["NetworkInterfaces"][0]["Association"]
    finally:
        c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})

    c.terminate_instances(InstanceIds=[iid])
    inst = describe_one(c, iid)
    assert inst["PrivateDnsName"] == "" and inst["PublicDnsName"] == ""
