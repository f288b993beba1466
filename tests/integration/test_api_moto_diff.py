"""Differential test: the same boto3 scenario against vpcd and moto_server.

For every call the set of response keys (recursively; list items merged; values and
ResponseMetadata ignored) must be equal on both sides, except for the differences
listed in ACCEPTED below, each with the reason.  moto serialises its answers from the
botocore model, so its element names are model-exact; where moto and AWS disagree AWS
is the specification (docs/reference: ec2-api.md section 12).  A few error cases
compare the error code as well.

moto_server comes with the pyenv Python (on PATH); if it cannot be found the test
FAILS: a differential test that silently does nothing is worse than none.  The moto
process is stopped at teardown.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import free_port, make_client

# (call, key path) -> why vpcd and moto differ there.  "vpcd-only" keys are ones vpcd
# sends and moto does not; "moto-only" the other way round.
ACCEPTED = {
    # --- moto leaves out what AWS sends ------------------------------------------------
    ("CreateSubnet", "Subnet.EnableDns64", "vpcd-only"):
        "AWS Subnet has enableDns64 (EC2 API Reference, Subnet; describe-subnets examples "
        "show EnableDns64: false); moto omits it",
    ("CreateSubnet", "Subnet.MapCustomerOwnedIpOnLaunch", "vpcd-only"):
        "AWS Subnet has mapCustomerOwnedIpOnLaunch (false outside Outposts; describe-subnets "
        "examples show it); moto omits it",
    ("DescribeSubnets", "Subnets[].EnableDns64", "vpcd-only"):
        "as for CreateSubnet",
    ("DescribeSubnets", "Subnets[].MapCustomerOwnedIpOnLaunch", "vpcd-only"):
        "as for CreateSubnet",
    ("DescribeVpcs", "Vpcs[].Ipv6CidrBlockAssociationSet", "moto-only"):
        "AWS DescribeVpcs leaves ipv6CidrBlockAssociationSet out for a VPC without IPv6 "
        "blocks (only CreateVpc writes it empty, EC2 API Reference CreateVpc example); moto "
        "always writes it",
    ("CreateSecurityGroup", "Tags", "vpcd-only"):
        "CreateSecurityGroupResult has tagSet (EC2 API Reference, CreateSecurityGroup "
        "response elements); moto omits it",
    ("CreateSecurityGroup", "Tags[].Key", "vpcd-only"): "as above",
    ("CreateSecurityGroup", "Tags[].Value", "vpcd-only"): "as above",
    ("AuthorizeSecurityGroupIngress", "SecurityGroupRules[].GroupOwnerId", "vpcd-only"):
        "SecurityGroupRule.groupOwnerId is always set by AWS (EC2 API Reference, "
        "SecurityGroupRule); moto omits it",
    ("DescribeSecurityGroupRules", "SecurityGroupRules[].GroupOwnerId", "vpcd-only"):
        "as for AuthorizeSecurityGroupIngress",
    ("DescribeRouteTables", "RouteTables[].PropagatingVgws", "vpcd-only"):
        "AWS writes propagatingVgwSet (empty) for every table (describe-route-tables "
        "examples); moto omits it",
    ("CreateRouteTable", "RouteTable.PropagatingVgws", "vpcd-only"):
        "as for DescribeRouteTables",
    ("CreateNetworkAcl", "NetworkAcl.Entries[].CidrBlock", "vpcd-only"):
        "a new network ACL already holds the two final deny (*) entries, and AWS lists them "
        "in CreateNetworkAcl's entrySet (create-network-acl example); moto answers an empty set",
    ("CreateNetworkAcl", "NetworkAcl.Entries[].Egress", "vpcd-only"): "as above",
    ("CreateNetworkAcl", "NetworkAcl.Entries[].Protocol", "vpcd-only"): "as above",
    ("CreateNetworkAcl", "NetworkAcl.Entries[].RuleAction", "vpcd-only"): "as above",
    ("CreateNetworkAcl", "NetworkAcl.Entries[].RuleNumber", "vpcd-only"): "as above",
    ("AllocateAddress", "NetworkBorderGroup", "vpcd-only"):
        "AWS answers networkBorderGroup and publicIpv4Pool (allocate-address example: "
        "\"PublicIpv4Pool\": \"amazon\", \"NetworkBorderGroup\": \"us-east-1\"); moto omits them",
    ("AllocateAddress", "PublicIpv4Pool", "vpcd-only"): "as above",
    ("DescribeAddresses", "Addresses[].NetworkBorderGroup", "vpcd-only"):
        "as for AllocateAddress (describe-addresses examples)",
    ("DescribeAddresses", "Addresses[].PublicIpv4Pool", "vpcd-only"):
        "as for AllocateAddress (describe-addresses examples)",
    ("CreateVpnGateway", "VpnGateway.AmazonSideAsn", "vpcd-only"):
        "AWS VpnGateway has amazonSideAsn (64512 by default; create-vpn-gateway example); "
        "moto omits it",
    ("DescribeVpnGateways", "VpnGateways[].AmazonSideAsn", "vpcd-only"):
        "as for CreateVpnGateway",
    ("DescribeAvailabilityZones", "AvailabilityZones[].GroupName", "vpcd-only"):
        "AWS AvailabilityZone has groupName, networkBorderGroup and optInStatus "
        "(describe-availability-zones example); moto omits them",
    ("DescribeAvailabilityZones", "AvailabilityZones[].NetworkBorderGroup", "vpcd-only"):
        "as above",
    ("DescribeAvailabilityZones", "AvailabilityZones[].OptInStatus", "vpcd-only"): "as above",
    # --- moto sends what AWS does not -------------------------------------------------
    ("CreateNetworkInterface", "NetworkInterface.RequesterId", "moto-only"):
        "AWS sets requesterId only on requester-managed ENIs (EC2 API Reference, "
        "NetworkInterface); moto writes a fixed AIDAIT2UOQQY3AUEMOTO on every ENI",
    ("DescribeNetworkInterfaces", "NetworkInterfaces[].RequesterId", "moto-only"):
        "as for CreateNetworkInterface",
    ("CreateNetworkInterface", "NetworkInterface.Association", "moto-only"):
        "AWS writes association only when a public IPv4 is mapped (EC2 API Reference, "
        "NetworkInterfaceAssociation); moto writes an empty one",
    ("DescribeAddresses", "Addresses[].InstanceId", "moto-only"):
        "AWS writes instanceId and networkInterfaceId only for an associated address "
        "(describe-addresses examples); moto writes them empty",
    ("DescribeAddresses", "Addresses[].NetworkInterfaceId", "moto-only"): "as above",
    # --- vpcd gaps, owned by other families (kept visible here) -----------------------
    ("CreateNetworkInterface", "NetworkInterface.Ipv6Addresses", "moto-only"):
        "vpcd gap (eni family): AWS writes an empty ipv6AddressesSet; vpcd has no IPv6",
    ("DescribeNetworkInterfaces", "NetworkInterfaces[].Ipv6Addresses", "moto-only"):
        "vpcd gap (eni family): as above",
}

# Error cases where moto answers differently: case -> (vpcd's code, moto's code, why).
ACCEPTED_ERRORS = {
    "DeleteSubnet with an ENI": (
        "DependencyViolation", None,
        "AWS refuses to delete a subnet that still holds network interfaces (EC2 API "
        "Reference, DeleteSubnet: terminate the instances and delete the ENIs first; "
        "DependencyViolation); moto deletes it"),
}


def _find_moto_server():
    found = shutil.which("moto_server")
    if found:
        return found
    for pattern in ("/root/.pyenv/shims/moto_server", "/root/.pyenv/versions/*/bin/moto_server",
                    os.path.expanduser("~/.pyenv/shims/moto_server"),
                    os.path.expanduser("~/.pyenv/versions/*/bin/moto_server")):
        for p in sorted(glob.glob(pattern)):
            if os.access(p, os.X_OK):
                return p
    return None


@pytest.fixture
def moto_url(tmp_path):
    exe = _find_moto_server()
    if not exe:
        pytest.fail("moto_server not found (on PATH or under ~/.pyenv): the differential "
                    "test cannot run", pytrace=False)
    port = free_port()
    log = open(tmp_path / "moto.log", "w")
    # Its own session: the pyenv shim leaves the Python server as a child, so teardown
    # signals the whole process group (whose ID is the PID of the process started here).
    proc = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited with {proc.returncode}:\n"
                            f"{(tmp_path / 'moto.log').read_text()}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("moto_server did not listen within 30 s", pytrace=False)
                time.sleep(0.1)
        # Ready when it answers HTTP.
        urllib.request.urlopen(url + "/moto-api/", timeout=10).read()
        yield url
    finally:
        _stop_group(proc)
        log.close()


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def _stop_group(proc):
    pgid = proc.pid
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _group_alive(pgid) and time.monotonic() < deadline:
        proc.poll()
        time.sleep(0.05)
    if _group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=10)


def key_paths(obj, prefix=""):
    """Every key path of a boto3 response: "Vpc.Tags[].Key"; ResponseMetadata ignored."""
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "ResponseMetadata":
                continue
            p = f"{prefix}.{k}" if prefix else k
            out.add(p)
            out |= key_paths(v, p)
    elif isinstance(obj, list):
        for v in obj:
            out |= key_paths(v, prefix + "[]")
    return out


def _error_code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def scenario(c):
    """The calls, in order; returns [(call name, response)] and [(case, error code)]."""
    out, errors = [], []

    def call(name, fn, **kw):
        resp = fn(**kw)
        out.append((name, resp))
        return resp

    vpc = call("CreateVpc", c.create_vpc, CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "diff"}]}])["Vpc"]
    vid = vpc["VpcId"]
    call("DescribeVpcs", c.describe_vpcs, VpcIds=[vid])
    call("DescribeVpcAttribute", c.describe_vpc_attribute, VpcId=vid,
         Attribute="enableDnsSupport")
    call("ModifyVpcAttribute", c.modify_vpc_attribute, VpcId=vid,
         EnableDnsHostnames={"Value": True})
    assoc = call("AssociateVpcCidrBlock", c.associate_vpc_cidr_block, VpcId=vid,
                 CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]["AssociationId"]
    call("DisassociateVpcCidrBlock", c.disassociate_vpc_cidr_block, AssociationId=assoc)
    sub = call("CreateSubnet", c.create_subnet, VpcId=vid, CidrBlock="10.0.1.0/24",
               AvailabilityZone="us-east-1a", TagSpecifications=[
                   {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "s"}]}])
    sid = sub["Subnet"]["SubnetId"]
    call("DescribeSubnets", c.describe_subnets, SubnetIds=[sid])
    call("ModifySubnetAttribute", c.modify_subnet_attribute, SubnetId=sid,
         MapPublicIpOnLaunch={"Value": True})
    sg = call("CreateSecurityGroup", c.create_security_group, GroupName="web",
              Description="web tier", VpcId=vid, TagSpecifications=[
                  {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "w"}]}])
    gid = sg["GroupId"]
    perms = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
              "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]}]
    call("AuthorizeSecurityGroupIngress", c.authorize_security_group_ingress, GroupId=gid,
         IpPermissions=perms)
    call("DescribeSecurityGroups", c.describe_security_groups, GroupIds=[gid])
    call("DescribeSecurityGroupRules", c.describe_security_group_rules,
         Filters=[{"Name": "group-id", "Values": [gid]}])
    call("DescribeNetworkAcls", c.describe_network_acls,
         Filters=[{"Name": "vpc-id", "Values": [vid]}])
    eni = call("CreateNetworkInterface", c.create_network_interface, SubnetId=sid,
               Groups=[gid])["NetworkInterface"]["NetworkInterfaceId"]
    call("DescribeNetworkInterfaces", c.describe_network_interfaces, NetworkInterfaceIds=[eni])
    rtb = call("CreateRouteTable", c.create_route_table, VpcId=vid)["RouteTable"]["RouteTableId"]
    call("CreateRoute", c.create_route, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
         NetworkInterfaceId=eni)
    rassoc = call("AssociateRouteTable", c.associate_route_table, RouteTableId=rtb,
                  SubnetId=sid)["AssociationId"]
    call("DescribeRouteTables", c.describe_route_tables,
         Filters=[{"Name": "vpc-id", "Values": [vid]}])
    call("DisassociateRouteTable", c.disassociate_route_table, AssociationId=rassoc)
    call("DeleteRoute", c.delete_route, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    call("DeleteRouteTable", c.delete_route_table, RouteTableId=rtb)
    acl = call("CreateNetworkAcl", c.create_network_acl, VpcId=vid)["NetworkAcl"]["NetworkAclId"]
    call("CreateNetworkAclEntry", c.create_network_acl_entry, NetworkAclId=acl, RuleNumber=100,
         Protocol="6", RuleAction="allow", Egress=False, CidrBlock="0.0.0.0/0",
         PortRange={"From": 443, "To": 443})
    call("DescribeNetworkAcls", c.describe_network_acls, NetworkAclIds=[acl])
    call("DeleteNetworkAcl", c.delete_network_acl, NetworkAclId=acl)
    alloc = call("AllocateAddress", c.allocate_address, Domain="vpc")["AllocationId"]
    call("DescribeAddresses", c.describe_addresses, AllocationIds=[alloc])
    call("ReleaseAddress", c.release_address, AllocationId=alloc)
    vgw = call("CreateVpnGateway", c.create_vpn_gateway, Type="ipsec.1")["VpnGateway"]
    call("AttachVpnGateway", c.attach_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"],
         VpcId=vid)
    call("DescribeVpnGateways", c.describe_vpn_gateways, VpnGatewayIds=[vgw["VpnGatewayId"]])
    call("DetachVpnGateway", c.detach_vpn_gateway, VpnGatewayId=vgw["VpnGatewayId"], VpcId=vid)
    cgw = call("CreateCustomerGateway", c.create_customer_gateway, Type="ipsec.1",
               BgpAsn=65000, PublicIp="198.51.100.7")["CustomerGateway"]["CustomerGatewayId"]
    call("DescribeCustomerGateways", c.describe_customer_gateways, CustomerGatewayIds=[cgw])
    call("DeleteCustomerGateway", c.delete_customer_gateway, CustomerGatewayId=cgw)
    # Flow logs are left out: moto refuses an S3 destination whose bucket does not exist in
    # its own S3, which vpcd does not model.
    call("DescribeAvailabilityZones", c.describe_availability_zones)
    igw = call("CreateInternetGateway", c.create_internet_gateway)["InternetGateway"][
        "InternetGatewayId"]
    call("AttachInternetGateway", c.attach_internet_gateway, InternetGatewayId=igw, VpcId=vid)
    call("DescribeInternetGateways", c.describe_internet_gateways, InternetGatewayIds=[igw])
    errors.append(("DeleteVpc with an IGW attached", _error_code(c.delete_vpc, VpcId=vid)))
    call("DetachInternetGateway", c.detach_internet_gateway, InternetGatewayId=igw, VpcId=vid)
    call("DeleteInternetGateway", c.delete_internet_gateway, InternetGatewayId=igw)
    # Instances are left out: their shapes differ in some sixty keys (EBS, placement,
    # DNS names, ...) that belong to the instance family, not to this comparison.
    call("CreateTags", c.create_tags, Resources=[vid, sid], Tags=[{"Key": "env", "Value": "t"}])
    call("DescribeTags", c.describe_tags, Filters=[{"Name": "resource-id", "Values": [sid]}])

    errors.append(("DescribeVpcs unknown ID", _error_code(
        c.describe_vpcs, VpcIds=["vpc-0123456789abcdef0"])))
    errors.append(("DescribeSubnets unknown ID", _error_code(
        c.describe_subnets, SubnetIds=["subnet-0123456789abcdef0"])))
    errors.append(("CreateSubnet overlapping", _error_code(
        c.create_subnet, VpcId=vid, CidrBlock="10.0.1.0/25")))
    errors.append(("CreateSubnet outside the VPC", _error_code(
        c.create_subnet, VpcId=vid, CidrBlock="10.9.0.0/24")))
    errors.append(("CreateVpc /29", _error_code(c.create_vpc, CidrBlock="10.0.0.0/29")))
    errors.append(("DeleteVpc with a subnet", _error_code(c.delete_vpc, VpcId=vid)))
    # On a subnet of its own: moto deletes a subnet that still holds an ENI.
    sid2 = c.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    eni2 = c.create_network_interface(SubnetId=sid2)["NetworkInterface"]["NetworkInterfaceId"]
    errors.append(("DeleteSubnet with an ENI", _error_code(c.delete_subnet, SubnetId=sid2)))
    c.delete_network_interface(NetworkInterfaceId=eni2)
    _error_code(c.delete_subnet, SubnetId=sid2)  # gone already on moto
    errors.append(("AuthorizeSecurityGroupIngress twice", _error_code(
        c.authorize_security_group_ingress, GroupId=gid, IpPermissions=perms)))
    errors.append(("CreateSecurityGroup duplicate name", _error_code(
        c.create_security_group, GroupName="web", Description="again", VpcId=vid)))

    call("DeleteNetworkInterface", c.delete_network_interface, NetworkInterfaceId=eni)
    call("RevokeSecurityGroupIngress", c.revoke_security_group_ingress, GroupId=gid,
         IpPermissions=perms)
    call("DeleteSecurityGroup", c.delete_security_group, GroupId=gid)
    call("DeleteSubnet", c.delete_subnet, SubnetId=sid)
    call("DeleteVpc", c.delete_vpc, VpcId=vid)
    return out, errors


def test_response_keys_match_moto(vpcd, moto_url):
    ours, our_errors = scenario(make_client(vpcd))
    theirs, their_errors = scenario(make_client(moto_url))
    assert [n for n, _ in ours] == [n for n, _ in theirs]

    problems, used = [], set()
    for (name, mine), (_, ref) in zip(ours, theirs):
        a, b = key_paths(mine), key_paths(ref)
        for side, keys in (("vpcd-only", a - b), ("moto-only", b - a)):
            for k in sorted(keys):
                if (name, k, side) in ACCEPTED:
                    used.add((name, k, side))
                else:
                    problems.append(f"{name}: {k} ({side})")
    assert not problems, "response keys differ from moto:\n  " + "\n  ".join(problems)

    # The same error codes for the same mistakes.
    assert [c for c, _ in our_errors] == [c for c, _ in their_errors]
    assert all(code for _, code in our_errors), our_errors
    for (case, mine), (_, ref) in zip(our_errors, their_errors):
        if mine != ref:
            assert ACCEPTED_ERRORS.get(case, (None, None))[:2] == (mine, ref), \
                f"{case}: vpcd {mine}, moto {ref}"

    # Every accepted difference refers to a call of the scenario.
    names = {n for n, _ in ours}
    assert {k[0] for k in ACCEPTED} <= names
    unused = sorted(set(ACCEPTED) - used)
    if unused:
        print("accepted differences no longer seen:", unused)

