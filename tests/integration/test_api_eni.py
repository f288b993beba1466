"""Integration tests of the eni family: ENIs, instances, Elastic IPs, NAT gateways."""
import pytest
from botocore.exceptions import ClientError

from conftest import make_client, restart_reads_back


def _code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def env(start_vpcd):
    v = start_vpcd()
    c = make_client(v.url)
    # The Region's first request creates the default VPC and its subnets.
    subnets = sorted(s["SubnetId"] for s in c.describe_subnets()["Subnets"])
    assert subnets
    return c, subnets


def _subnet(c, subnets):
    # The first subnet (by ID) and its VPC.
    [s] = c.describe_subnets(SubnetIds=[subnets[0]])["Subnets"]
    return s["SubnetId"], s["VpcId"]


def test_create_describe_delete(env):
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    eni = c.create_network_interface(
        SubnetId=subnet, Description="web", SecondaryPrivateIpAddressCount=2,
        TagSpecifications=[{"ResourceType": "network-interface",
                            "Tags": [{"Key": "Name", "Value": "e1"}]}])["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    assert eid.startswith("eni-")
    assert eni["SubnetId"] == subnet and eni["VpcId"] == vpc
    assert eni["Status"] == "available"
    assert eni["Description"] == "web"
    assert eni["TagSet"] == [{"Key": "Name", "Value": "e1"}]
    assert len(eni["PrivateIpAddresses"]) == 3
    assert sum(1 for p in eni["PrivateIpAddresses"] if p["Primary"]) == 1
    assert eni["PrivateIpAddress"] == eni["PrivateIpAddresses"][0]["PrivateIpAddress"]
    assert len(eni["Groups"]) == 1  # the VPC's default group
    assert eni["InterfaceType"] == "interface"
    assert eni["SourceDestCheck"] is True

    got = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in got] == [eid]
    assert got[0]["TagSet"] == [{"Key": "Name", "Value": "e1"}]

    c.delete_network_interface(NetworkInterfaceId=eid)
    assert c.describe_network_interfaces(
        Filters=[{"Name": "network-interface-id", "Values": [eid]}])["NetworkInterfaces"] == []
    with pytest.raises(ClientError) as e:
        c.delete_network_interface(NetworkInterfaceId=eid)
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"


def test_explicit_ip_and_errors(env):
    c, subnets = env
    subnet, _ = _subnet(c, subnets)
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    ip = eni["PrivateIpAddress"]
    # The same address again is in use.
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress=ip)
    assert _code(e) == "InvalidIPAddress.InUse"
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId="subnet-0123456789abcdef0")
    assert _code(e) == "InvalidSubnetID.NotFound"
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId=subnet, Groups=["sg-0123456789abcdef0"])
    assert _code(e) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress="not-an-ip")
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId=subnet, TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "k", "Value": "v"}]}])
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert _code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(MaxResults=1001)
    assert _code(e) == "InvalidParameterValue"
    c.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])


def test_dry_run(env):
    c, subnets = env
    subnet, _ = _subnet(c, subnets)
    with pytest.raises(ClientError) as e:
        c.create_network_interface(SubnetId=subnet, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert c.describe_network_interfaces()["NetworkInterfaces"] == []
    eid = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(DryRun=True)
    assert _code(e) == "DryRunOperation"
    with pytest.raises(ClientError) as e:
        c.delete_network_interface(NetworkInterfaceId=eid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert len(c.describe_network_interfaces()["NetworkInterfaces"]) == 1


def test_filters_and_pagination(env):
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    ids = []
    for i in range(7):
        tags = [{"ResourceType": "network-interface", "Tags": [{"Key": "idx", "Value": str(i)}]}]
        ids.append(c.create_network_interface(
            SubnetId=subnet, Description=f"d{i}",
            TagSpecifications=tags if i < 3 else [])["NetworkInterface"])
    all_ids = sorted(e["NetworkInterfaceId"] for e in ids)

    def names(**kw):
        return sorted(e["NetworkInterfaceId"]
                      for e in c.describe_network_interfaces(**kw)["NetworkInterfaces"])

    assert names(Filters=[{"Name": "subnet-id", "Values": [subnet]}]) == all_ids
    assert names(Filters=[{"Name": "vpc-id", "Values": [vpc]}]) == all_ids
    assert names(Filters=[{"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0"]}]) == []
    assert names(Filters=[{"Name": "status", "Values": ["available"]}]) == all_ids
    assert names(Filters=[{"Name": "status", "Values": ["in-use"]}]) == []
    assert names(Filters=[{"Name": "interface-type", "Values": ["interface"]}]) == all_ids
    assert len(names(Filters=[{"Name": "tag-key", "Values": ["idx"]}])) == 3
    assert len(names(Filters=[{"Name": "tag:idx", "Values": ["1", "2"]}])) == 2
    gid = ids[0]["Groups"][0]["GroupId"]
    assert names(Filters=[{"Name": "group-id", "Values": [gid]}]) == all_ids
    ip = ids[4]["PrivateIpAddress"]
    assert names(Filters=[{"Name": "private-ip-address", "Values": [ip]}]) == [
        ids[4]["NetworkInterfaceId"]]
    assert names(Filters=[{"Name": "attachment.instance-id", "Values": ["i-*"]}]) == []
    assert names(Filters=[{"Name": "network-interface-id",
                           "Values": [all_ids[0], all_ids[1]]},
                          {"Name": "description", "Values": ["d*"]}]) == all_ids[:2]

    # Pagination: 5 + 2, sorted by ID, no repeats.
    p1 = c.describe_network_interfaces(MaxResults=5)
    assert len(p1["NetworkInterfaces"]) == 5 and p1.get("NextToken")
    p2 = c.describe_network_interfaces(MaxResults=5, NextToken=p1["NextToken"])
    assert "NextToken" not in p2
    got = [e["NetworkInterfaceId"] for e in p1["NetworkInterfaces"] + p2["NetworkInterfaces"]]
    assert got == all_ids
    pages = list(c.get_paginator("describe_network_interfaces").paginate(
        PaginationConfig={"PageSize": 5}))
    assert sum(len(p["NetworkInterfaces"]) for p in pages) == 7
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(NextToken="garbage")
    assert _code(e) == "InvalidNextToken"
    # IDs and MaxResults do not go together; unknown IDs are named.
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(NetworkInterfaceIds=[all_ids[0]], MaxResults=5)
    assert _code(e) == "InvalidParameterCombination"
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(NetworkInterfaceIds=[all_ids[0], "eni-0123456789abcdef0"])
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"
    assert "eni-0123456789abcdef0" in e.value.response["Error"]["Message"]
    assert names(NetworkInterfaceIds=all_ids[2:4]) == all_ids[2:4]
    # Groups carry their names.
    assert ids[0]["Groups"][0]["GroupName"] == "default"


def test_assign_unassign(env):
    c, subnets = env
    subnet, _ = _subnet(c, subnets)
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    other = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    r = c.assign_private_ip_addresses(NetworkInterfaceId=eid, SecondaryPrivateIpAddressCount=2)
    got = [a["PrivateIpAddress"] for a in r["AssignedPrivateIpAddresses"]]
    assert len(got) == 2 and r["NetworkInterfaceId"] == eid
    desc = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert len(desc["PrivateIpAddresses"]) == 3
    # Someone else's address: in use unless reassignment is allowed.
    oip = other["PrivateIpAddress"]
    with pytest.raises(ClientError) as e:
        c.assign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=[oip])
    assert _code(e) in ("InvalidIPAddress.InUse", "InvalidParameterValue")
    with pytest.raises(ClientError) as e:
        c.assign_private_ip_addresses(NetworkInterfaceId="eni-0123456789abcdef0",
                                      SecondaryPrivateIpAddressCount=1)
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.assign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=["x.y"])
    assert _code(e) == "InvalidParameterValue"
    # Past the unattached limit (50 addresses).
    with pytest.raises(ClientError) as e:
        c.assign_private_ip_addresses(NetworkInterfaceId=eid, SecondaryPrivateIpAddressCount=60)
    assert _code(e) == "PrivateIpAddressLimitExceeded"

    c.unassign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=[got[0]])
    desc = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    left = [p["PrivateIpAddress"] for p in desc["PrivateIpAddresses"]]
    assert got[0] not in left and got[1] in left
    with pytest.raises(ClientError) as e:
        c.unassign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=[got[0]])
    assert _code(e) in ("InvalidParameterValue", "InvalidIPAddress.NotFound")
    with pytest.raises(ClientError) as e:  # the primary address cannot go
        c.unassign_private_ip_addresses(NetworkInterfaceId=eid,
                                        PrivateIpAddresses=[eni["PrivateIpAddress"]])
    assert e.value.response["Error"]["Code"]


def test_modify_attribute(env):
    c, subnets = env
    subnet, _ = _subnet(c, subnets)
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    c.modify_network_interface_attribute(NetworkInterfaceId=eid, Description={"Value": "new"})
    c.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                         SourceDestCheck={"Value": False})
    d = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert d["Description"] == "new" and d["SourceDestCheck"] is False
    assert c.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": ["new"]}])["NetworkInterfaces"][0][
            "NetworkInterfaceId"] == eid
    gid = eni["Groups"][0]["GroupId"]
    c.modify_network_interface_attribute(NetworkInterfaceId=eid, Groups=[gid])
    with pytest.raises(ClientError) as e:
        c.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                             Groups=["sg-0123456789abcdef0"])
    assert _code(e) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as e:
        c.modify_network_interface_attribute(NetworkInterfaceId="eni-0123456789abcdef0",
                                             Description={"Value": "x"})
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.modify_network_interface_attribute(NetworkInterfaceId=eid,
                                             Description={"Value": "dry"}, DryRun=True)
    assert _code(e) == "DryRunOperation"
    d = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert d["Description"] == "new"


AMI = "ami-0123456789abcdef0"


def test_instances_attach_detach(env):
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    res = c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=2, MaxCount=2,
                          SubnetId=subnet, TagSpecifications=[
                              {"ResourceType": "instance",
                               "Tags": [{"Key": "role", "Value": "web"}]}])
    insts = res["Instances"]
    assert len(insts) == 2 and res["ReservationId"].startswith("r-")
    iid = insts[0]["InstanceId"]
    assert insts[0]["State"]["Name"] == "running"
    assert insts[0]["SubnetId"] == subnet and insts[0]["VpcId"] == vpc
    assert insts[0]["Tags"] == [{"Key": "role", "Value": "web"}]
    assert len(insts[0]["NetworkInterfaces"]) == 1

    d = c.describe_instances(InstanceIds=[iid])["Reservations"]
    assert [i["InstanceId"] for r in d for i in r["Instances"]] == [iid]
    d = c.describe_instances(Filters=[{"Name": "subnet-id", "Values": [subnet]},
                                      {"Name": "instance-state-name", "Values": ["running"]}])
    assert sorted(i["InstanceId"] for r in d["Reservations"] for i in r["Instances"]) == sorted(
        i["InstanceId"] for i in insts)
    assert c.describe_instances(
        Filters=[{"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0"]}])["Reservations"] == []
    with pytest.raises(ClientError) as e:
        c.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert _code(e) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.run_instances(ImageId="bogus", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                        SubnetId=subnet)
    assert _code(e) == "InvalidAMIID.Malformed"
    with pytest.raises(ClientError) as e:
        c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                        SubnetId=subnet, DryRun=True)
    assert _code(e) == "DryRunOperation"
    eni_filter = [{"Name": "attachment.instance-id", "Values": [iid]}]
    assert len(c.describe_network_interfaces(Filters=eni_filter)["NetworkInterfaces"]) == 1

    # t3.micro: 2 ENIs, 2 addresses per ENI.
    e1 = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    e2 = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    att = c.attach_network_interface(NetworkInterfaceId=e1, InstanceId=iid,
                                     DeviceIndex=1)["AttachmentId"]
    assert att.startswith("eni-attach-")
    d = c.describe_network_interfaces(NetworkInterfaceIds=[e1])["NetworkInterfaces"][0]
    assert d["Status"] == "in-use" and d["Attachment"]["InstanceId"] == iid
    assert len(c.describe_network_interfaces(Filters=eni_filter)["NetworkInterfaces"]) == 2
    with pytest.raises(ClientError) as e:
        c.attach_network_interface(NetworkInterfaceId=e2, InstanceId=iid, DeviceIndex=2)
    assert _code(e) == "AttachmentLimitExceeded"
    c.assign_private_ip_addresses(NetworkInterfaceId=e1, SecondaryPrivateIpAddressCount=1)
    with pytest.raises(ClientError) as e:
        c.assign_private_ip_addresses(NetworkInterfaceId=e1, SecondaryPrivateIpAddressCount=1)
    assert _code(e) == "PrivateIpAddressLimitExceeded"
    with pytest.raises(ClientError) as e:
        c.delete_network_interface(NetworkInterfaceId=e1)
    assert _code(e) == "InvalidNetworkInterface.InUse"
    c.modify_network_interface_attribute(NetworkInterfaceId=e1, Attachment={
        "AttachmentId": att, "DeleteOnTermination": False})
    with pytest.raises(ClientError) as e:
        c.detach_network_interface(AttachmentId=att, DryRun=True)
    assert _code(e) == "DryRunOperation"
    c.detach_network_interface(AttachmentId=att)
    d = c.describe_network_interfaces(NetworkInterfaceIds=[e1])["NetworkInterfaces"][0]
    assert d["Status"] == "available" and "Attachment" not in d
    with pytest.raises(ClientError) as e:
        c.detach_network_interface(AttachmentId=att)
    assert _code(e) == "InvalidAttachmentID.NotFound"
    with pytest.raises(ClientError) as e:
        c.attach_network_interface(NetworkInterfaceId=e2, InstanceId="i-0123456789abcdef0",
                                   DeviceIndex=1)
    assert _code(e) == "InvalidInstanceID.NotFound"

    t = c.terminate_instances(InstanceIds=[iid])["TerminatingInstances"]
    assert t[0]["InstanceId"] == iid and t[0]["CurrentState"]["Name"] == "terminated"
    assert t[0]["PreviousState"]["Name"] == "running"
    d = c.describe_instances(Filters=[{"Name": "instance-state-name",
                                       "Values": ["terminated"]}])["Reservations"]
    assert [i["InstanceId"] for r in d for i in r["Instances"]] == [iid]
    with pytest.raises(ClientError) as e:
        c.terminate_instances(InstanceIds=["i-0123456789abcdef0"])
    assert _code(e) == "InvalidInstanceID.NotFound"


def test_addresses(env):
    c, subnets = env
    subnet, _ = _subnet(c, subnets)
    a = c.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "v"}]}])
    alloc = a["AllocationId"]
    assert alloc.startswith("eipalloc-") and a["Domain"] == "vpc" and a["PublicIp"]
    with pytest.raises(ClientError) as e:
        c.allocate_address(Domain="vpc", DryRun=True)
    assert _code(e) == "DryRunOperation"
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    with pytest.raises(ClientError) as e:
        c.associate_address(AllocationId=alloc, NetworkInterfaceId=eid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assoc = c.associate_address(AllocationId=alloc, NetworkInterfaceId=eid)["AssociationId"]
    assert assoc.startswith("eipassoc-")
    got = c.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    assert got["AssociationId"] == assoc and got["NetworkInterfaceId"] == eid
    assert got["PrivateIpAddress"] == eni["PrivateIpAddress"]
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    d = c.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert d["Association"]["PublicIp"] == a["PublicIp"]
    assert [x["AllocationId"] for x in c.describe_addresses(
        Filters=[{"Name": "network-interface-id", "Values": [eid]}])["Addresses"]] == [alloc]
    assert [x["AllocationId"] for x in c.describe_addresses(
        PublicIps=[a["PublicIp"]])["Addresses"]] == [alloc]
    assert c.describe_addresses(
        Filters=[{"Name": "tag:k", "Values": ["nope"]}])["Addresses"] == []
    with pytest.raises(ClientError) as e:
        c.release_address(AllocationId=alloc)
    assert _code(e) == "InvalidIPAddress.InUse"
    c.disassociate_address(AssociationId=assoc)
    with pytest.raises(ClientError) as e:
        c.disassociate_address(AssociationId=assoc)
    assert _code(e) == "InvalidAssociationID.NotFound"
    with pytest.raises(ClientError) as e:
        c.associate_address(AllocationId="eipalloc-0123456789abcdef0", NetworkInterfaceId=eid)
    assert _code(e) == "InvalidAllocationID.NotFound"
    c.release_address(AllocationId=alloc)
    with pytest.raises(ClientError) as e:
        c.release_address(AllocationId=alloc)
    assert _code(e) == "InvalidAllocationID.NotFound"
    with pytest.raises(ClientError) as e:
        c.describe_addresses(AllocationIds=[alloc])
    assert _code(e) == "InvalidAllocationID.NotFound"


def test_nat_gateways(env):
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    alloc = c.allocate_address(Domain="vpc")["AllocationId"]
    with pytest.raises(ClientError) as e:
        c.create_nat_gateway(SubnetId=subnet, AllocationId=alloc, DryRun=True)
    assert _code(e) == "DryRunOperation"
    nat = c.create_nat_gateway(SubnetId=subnet, AllocationId=alloc, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": [{"Key": "n", "Value": "1"}]}])["NatGateway"]
    nid = nat["NatGatewayId"]
    assert nid.startswith("nat-") and nat["State"] == "available"
    assert nat["SubnetId"] == subnet and nat["VpcId"] == vpc
    assert nat["NatGatewayAddresses"][0]["AllocationId"] == alloc
    assert nat["Tags"] == [{"Key": "n", "Value": "1"}]
    priv = [c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")["NatGateway"]
            for _ in range(4)]
    assert all(p["ConnectivityType"] == "private" for p in priv)
    with pytest.raises(ClientError) as e:  # 5 per AZ
        c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private")
    assert _code(e) == "NatGatewayLimitExceeded"
    other = [s for s in subnets if s != subnet][0]
    priv += [c.create_nat_gateway(SubnetId=other, ConnectivityType="private")["NatGateway"]
             for _ in range(2)]
    with pytest.raises(ClientError) as e:
        c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private", AllocationId=alloc)
    assert e.value.response["Error"]["Code"]
    with pytest.raises(ClientError) as e:
        c.create_nat_gateway(SubnetId="subnet-0123456789abcdef0", ConnectivityType="private")
    assert _code(e) == "InvalidSubnetID.NotFound"

    all_ids = sorted([nid] + [p["NatGatewayId"] for p in priv])
    p1 = c.describe_nat_gateways(MaxResults=5)
    p2 = c.describe_nat_gateways(MaxResults=5, NextToken=p1["NextToken"])
    assert [n["NatGatewayId"] for n in p1["NatGateways"] + p2["NatGateways"]] == all_ids
    assert [n["NatGatewayId"] for n in c.describe_nat_gateways(
        Filter=[{"Name": "tag-key", "Values": ["n"]}])["NatGateways"]] == [nid]
    assert len(c.describe_nat_gateways(
        Filter=[{"Name": "subnet-id", "Values": [subnet]}])["NatGateways"]) == 5
    with pytest.raises(ClientError) as e:
        c.describe_nat_gateways(NatGatewayIds=["nat-0123456789abcdef0"])
    assert _code(e) == "NatGatewayNotFound"

    with pytest.raises(ClientError) as e:
        c.delete_nat_gateway(NatGatewayId=nid, DryRun=True)
    assert _code(e) == "DryRunOperation"
    assert c.delete_nat_gateway(NatGatewayId=nid)["NatGatewayId"] == nid
    d = c.describe_nat_gateways(NatGatewayIds=[nid])["NatGateways"][0]
    assert d["State"] == "deleted"
    assert [n["NatGatewayId"] for n in c.describe_nat_gateways(
        Filter=[{"Name": "state", "Values": ["deleted"]}])["NatGateways"]] == [nid]
    with pytest.raises(ClientError) as e:
        c.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")
    assert _code(e) == "NatGatewayNotFound"


def test_run_instances_specs(env):
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    gid = c.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
        "SecurityGroups"][0]["GroupId"]
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    r = c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                        NetworkInterfaces=[{"DeviceIndex": 0,
                                            "NetworkInterfaceId": eni["NetworkInterfaceId"]}])
    inst = r["Instances"][0]
    assert inst["NetworkInterfaces"][0]["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    assert inst["PrivateIpAddress"] == eni["PrivateIpAddress"]
    # Explicit address and group on a new ENI.
    base = eni["PrivateIpAddress"].rsplit(".", 1)[0]
    ip = next(f"{base}.{n}" for n in range(200, 250)
              if not c.describe_network_interfaces(Filters=[
                  {"Name": "private-ip-address", "Values": [f"{base}.{n}"]}])[
                      "NetworkInterfaces"])
    r2 = c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                         SubnetId=subnet, SecurityGroupIds=[gid], PrivateIpAddress=ip)
    i2 = r2["Instances"][0]
    assert i2["PrivateIpAddress"] == ip
    with pytest.raises(ClientError) as e:  # explicit IP needs MaxCount 1
        c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=2,
                        SubnetId=subnet, PrivateIpAddress=ip)
    assert e.value.response["Error"]["Code"]
    with pytest.raises(ClientError) as e:
        c.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                        SubnetId="subnet-0123456789abcdef0")
    assert _code(e) == "InvalidSubnetID.NotFound"
    # An EIP by instance ID lands on its primary ENI.
    alloc = c.allocate_address(Domain="vpc")
    assoc = c.associate_address(AllocationId=alloc["AllocationId"],
                                InstanceId=i2["InstanceId"])["AssociationId"]
    got = c.describe_addresses(Filters=[{"Name": "instance-id",
                                         "Values": [i2["InstanceId"]]}])["Addresses"]
    assert [a["AssociationId"] for a in got] == [assoc]
    d = c.describe_instances(InstanceIds=[i2["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert d["PublicIpAddress"] == alloc["PublicIp"]
    c.terminate_instances(InstanceIds=[inst["InstanceId"], i2["InstanceId"]])
    # The launched-with ENI (existing, DeleteOnTermination false) survives.
    d = c.describe_network_interfaces(
        NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert d["Status"] == "available"


def test_eni_writes_with_elastic_ips_survive_restart(start_vpcd, tmp_path):
    """An ENI's own writes save only the objects they name (save hints); vpcd runs with
    OPENVPC_VERIFY_SAVE_HINTS here, so a hint that misses a row aborts it. The cases
    where an ENI's write changes another object: an Elastic IP on an address that is
    unassigned, on an ENI attached, detached or deleted; AllowReassignment taking an
    address from another ENI. After a restart every object reads back as before."""
    state = tmp_path / "hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    subnet = sorted(s["SubnetId"] for s in c.describe_subnets()["Subnets"])[0]
    a = c.create_network_interface(SubnetId=subnet, SecondaryPrivateIpAddressCount=2,
                                   ClientToken="hint-a")["NetworkInterface"]
    b = c.create_network_interface(SubnetId=subnet, TagSpecifications=[
        {"ResourceType": "network-interface", "Tags": [{"Key": "k", "Value": "b"}]}])[
        "NetworkInterface"]
    aid, bid = a["NetworkInterfaceId"], b["NetworkInterfaceId"]
    secondary = [p["PrivateIpAddress"] for p in a["PrivateIpAddresses"] if not p["Primary"]]
    e1 = c.allocate_address(Domain="vpc")["AllocationId"]
    e2 = c.allocate_address(Domain="vpc")["AllocationId"]
    e3 = c.allocate_address(Domain="vpc")["AllocationId"]
    c.associate_address(AllocationId=e1, NetworkInterfaceId=aid, PrivateIpAddress=secondary[0])
    c.associate_address(AllocationId=e2, NetworkInterfaceId=aid)
    c.associate_address(AllocationId=e3, NetworkInterfaceId=bid)
    # Unassigning an address disassociates its Elastic IP (another object).
    c.unassign_private_ip_addresses(NetworkInterfaceId=aid, PrivateIpAddresses=[secondary[0]])
    assert "AssociationId" not in c.describe_addresses(AllocationIds=[e1])["Addresses"][0]
    # AllowReassignment moves an address from a to b (two ENIs change).
    c.assign_private_ip_addresses(NetworkInterfaceId=bid, PrivateIpAddresses=[secondary[1]],
                                  AllowReassignment=True)
    c.assign_private_ip_addresses(NetworkInterfaceId=aid, SecondaryPrivateIpAddressCount=2)
    c.modify_network_interface_attribute(NetworkInterfaceId=aid, SourceDestCheck={"Value": False})
    c.modify_network_interface_attribute(NetworkInterfaceId=bid, Description={"Value": "bee"})
    # Attaching b sets e3's instance, detaching clears it (another object each time).
    inst = c.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet,
                           InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    att = c.attach_network_interface(NetworkInterfaceId=bid, InstanceId=inst,
                                     DeviceIndex=1)["AttachmentId"]
    assert c.describe_addresses(AllocationIds=[e3])["Addresses"][0]["InstanceId"] == inst
    c.detach_network_interface(AttachmentId=att)
    assert "InstanceId" not in c.describe_addresses(AllocationIds=[e3])["Addresses"][0]
    # Deleting b releases e3's association (another object).
    c.delete_network_interface(NetworkInterfaceId=bid)
    assert "AssociationId" not in c.describe_addresses(AllocationIds=[e3])["Addresses"][0]
    before = (c.describe_network_interfaces()["NetworkInterfaces"],
              c.describe_addresses()["Addresses"], c.describe_subnets()["Subnets"])
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    second = start_vpcd(state_dir=state)
    c = make_client(second.url)
    after = (c.describe_network_interfaces()["NetworkInterfaces"],
             c.describe_addresses()["Addresses"], c.describe_subnets()["Subnets"])
    assert after == before
    enis = {e["NetworkInterfaceId"]: e for e in after[0]}
    assert bid not in enis and aid in enis
    got = enis[aid]
    assert got["SourceDestCheck"] is False and len(got["PrivateIpAddresses"]) == 3
    assert secondary[1] not in [p["PrivateIpAddress"] for p in got["PrivateIpAddresses"]]


def test_describe_listed_ids_through_the_index(env):
    """DescribeNetworkInterfaces, DescribeInstances and DescribeSecurityGroups take listed
    IDs through the model's index: an ID listed twice is answered once, the others of the
    kind are left out, filters still apply, and one missing ID fails the call whole."""
    c, subnets = env
    subnet, vpc = _subnet(c, subnets)
    enis = [c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
            for _ in range(3)]
    insts = [i["InstanceId"] for i in c.run_instances(
        ImageId="ami-12345678", InstanceType="t3.micro", MinCount=3, MaxCount=3,
        SubnetId=subnet)["Instances"]]
    sgs = [c.create_security_group(GroupName=f"idx-{n}", Description="d", VpcId=vpc)["GroupId"]
           for n in range(3)]

    got = c.describe_network_interfaces(NetworkInterfaceIds=[enis[2], enis[0], enis[2]])
    assert sorted(e["NetworkInterfaceId"] for e in got["NetworkInterfaces"]) == sorted([enis[0], enis[2]])
    got = c.describe_instances(InstanceIds=[insts[1], insts[1]])
    assert [i["InstanceId"] for r in got["Reservations"] for i in r["Instances"]] == [insts[1]]
    got = c.describe_security_groups(GroupIds=[sgs[0], sgs[1], sgs[0]])
    assert sorted(g["GroupId"] for g in got["SecurityGroups"]) == sorted(sgs[:2])
    # Filters apply to the listed objects.
    got = c.describe_security_groups(GroupIds=sgs, Filters=[{"Name": "group-name", "Values": ["idx-1"]}])
    assert [g["GroupId"] for g in got["SecurityGroups"]] == [sgs[1]]

    missing = {"eni": "eni-0123456789abcdef0", "i": "i-0123456789abcdef0", "sg": "sg-0123456789abcdef0"}
    with pytest.raises(ClientError) as e:
        c.describe_network_interfaces(NetworkInterfaceIds=[enis[0], missing["eni"]])
    assert _code(e) == "InvalidNetworkInterfaceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.describe_instances(InstanceIds=[missing["i"], insts[0]])
    assert _code(e) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as e:
        c.describe_security_groups(GroupIds=[sgs[2], missing["sg"]])
    assert _code(e) == "InvalidGroup.NotFound"
    # An ID of another kind is not found either.
    with pytest.raises(ClientError) as e:
        c.describe_security_groups(GroupIds=[enis[0]])
    assert _code(e) == "InvalidGroup.NotFound"


def test_address_writes_save_only_their_objects(start_vpcd, tmp_path):
    """Allocate / Associate / Disassociate / ReleaseAddress save only the Elastic IPs,
    ENIs and instances they name (a save hint); vpcd runs with OPENVPC_VERIFY_SAVE_HINTS
    here, so a hint that misses a row aborts it. Covered: an Elastic IP replacing an
    instance's auto-assigned public IP, one replacing another on the same address, one
    moved to another ENI (AllowReassociation), a disassociation and a release. After a
    restart every address, ENI and instance reads back."""
    state = tmp_path / "eip-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    subnet = sorted(c.describe_subnets()["Subnets"], key=lambda s: s["SubnetId"])[0]["SubnetId"]
    c.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    inst = c.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet,
                           InstanceType="t3.micro")["Instances"][0]
    assert inst.get("PublicIpAddress")
    other = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    e1 = c.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "k", "Value": "v"}]}])["AllocationId"]
    e2 = c.allocate_address(Domain="vpc")["AllocationId"]
    e3 = c.allocate_address(Domain="vpc")["AllocationId"]
    c.associate_address(AllocationId=e1, InstanceId=inst["InstanceId"])  # replaces the auto IP
    c.associate_address(AllocationId=e2, InstanceId=inst["InstanceId"], AllowReassociation=True)
    c.associate_address(AllocationId=e2, NetworkInterfaceId=other, AllowReassociation=True)
    a3 = c.associate_address(AllocationId=e3, NetworkInterfaceId=other,
                             AllowReassociation=True)["AssociationId"]
    c.disassociate_address(AssociationId=a3)
    c.release_address(AllocationId=e3)
    c.associate_address(AllocationId=e1, InstanceId=inst["InstanceId"])
    before = (c.describe_addresses()["Addresses"], c.describe_network_interfaces()["NetworkInterfaces"],
              c.describe_instances()["Reservations"])
    assert first.stop() == 0  # 0: no hint missed a row (vpcd would have aborted)
    c = make_client(start_vpcd(state_dir=state).url)
    after = (c.describe_addresses()["Addresses"], c.describe_network_interfaces()["NetworkInterfaces"],
             c.describe_instances()["Reservations"])
    assert after == before
    by_id = {a["AllocationId"]: a for a in after[0]}
    assert set(by_id) == {e1, e2}
    assert by_id[e1]["InstanceId"] == inst["InstanceId"]
    assert "AssociationId" not in by_id[e2]  # e3 took its address, then was released


def test_nat_gateway_writes_save_only_their_objects(start_vpcd, tmp_path):
    """Create / DeleteNatGateway save the gateway, its network interface and its Elastic IP
    (a save hint; vpcd runs with OPENVPC_VERIFY_SAVE_HINTS, so a hint that misses a row
    aborts it). After a restart everything reads back."""
    state = tmp_path / "nat-hints"
    first = start_vpcd(state_dir=state)
    c = make_client(first.url)
    vpc = c.create_vpc(CidrBlock="10.12.0.0/16")["Vpc"]["VpcId"]
    sub = c.create_subnet(VpcId=vpc, CidrBlock="10.12.1.0/24")["Subnet"]["SubnetId"]
    kept_eip = c.allocate_address(Domain="vpc")["AllocationId"]
    gone_eip = c.allocate_address(Domain="vpc")["AllocationId"]
    kept = c.create_nat_gateway(SubnetId=sub, AllocationId=kept_eip, TagSpecifications=[
        {"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "keep"}]}])[
        "NatGateway"]["NatGatewayId"]
    gone = c.create_nat_gateway(SubnetId=sub, AllocationId=gone_eip)["NatGateway"]["NatGatewayId"]
    private = c.create_nat_gateway(SubnetId=sub, ConnectivityType="private")["NatGateway"][
        "NatGatewayId"]
    c.delete_nat_gateway(NatGatewayId=gone)
    c.delete_nat_gateway(NatGatewayId=gone)  # a second delete changes nothing
    fetch = (lambda c: (c.describe_nat_gateways()["NatGateways"],
                        c.describe_network_interfaces(Filters=[
                            {"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"],
                        c.describe_addresses()["Addresses"],
                        c.describe_subnets(SubnetIds=[sub])["Subnets"]))
    before, _ = restart_reads_back(first, start_vpcd, fetch)
    nats, enis, eips, subnets = before
    assert {n["NatGatewayId"]: n["State"] for n in nats} == {
        kept: "available", gone: "deleted", private: "available"}
    assert sorted(e["Description"] for e in enis) == sorted(
        f"Interface for NAT Gateway {n}" for n in (kept, private))
    by_alloc = {a["AllocationId"]: a for a in eips}
    assert by_alloc[kept_eip]["NetworkInterfaceId"] in {e["NetworkInterfaceId"] for e in enis}
    assert "NetworkInterfaceId" not in by_alloc[gone_eip]
    assert subnets[0]["AvailableIpAddressCount"] == 251 - 2
