#!/usr/bin/env bash
# End-to-end test of `vpcctl trace` on examples/two-tier: reachable and
# blocked paths (NetworkPathFound, explanation codes, text sentences), exit
# statuses 0/1/2, and malformed inputs (the error names file and field).
# Needs only the built vpcctl ($OPENVPC_BUILD/cli/vpcctl) and python3 for
# reading JSON.  Sends no packets; touches no network namespace.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${OPENVPC_BUILD:?set OPENVPC_BUILD to a build directory}"
vpcctl="$OPENVPC_BUILD/cli/vpcctl"
ex="$root/examples/two-tier"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

WEB=i-0c4a8e2f6b1d37a95
DB=i-0e7b1d5a9c3f26e84
. "$(dirname "$0")/lib.sh"

# jq-like checks with python: json_check NAME PYTHON_EXPRESSION (a is the analysis).
json_check() {
	local name=$1 expr=$2
	if python3 - "$work/$name.out" "$expr" <<'PY'; then ok; else bad "$name: $expr"; fi
import json, sys
a = json.load(open(sys.argv[1]))["NetworkInsightsAnalysis"]
codes = [e["ExplanationCode"] for e in a["Explanations"]]
ids = [c.get("Component", {}).get("Id", "") for c in a["ForwardPathComponents"]]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

trace() { echo --aws-json "$ex" "$@"; }

# --- subcommands --------------------------------------------------------------
run 0 help --help
contains help out "trace"
run 0 trace-help trace --help
contains trace-help out "--destination-port"
contains trace-help out "40000"
run 0 version version
contains version out "vpcctl "
run 0 maxpods max-pods m5.large
contains maxpods out "29"
run 2 maxpods-bad max-pods m9.huge
contains maxpods-bad err 'unknown instance type "m9.huge"'
run 2 nosub frobnicate
run 0 maxpods-json max-pods t3.small --output json
contains maxpods-json out '"MaxPods": 11'
run 0 version-json version --output json
contains version-json out '"Version": '
run 2 maxpods-badout max-pods t3.small --output yaml

# --- the README's questions -----------------------------------------------------
# web -> db:5432 is reachable.
run 0 web-db-5432 trace $(trace --source $WEB --destination $DB --destination-port 5432 --output json)
json_check web-db-5432 'a["NetworkPathFound"] is True and codes == []'
json_check web-db-5432 'a["NetworkInsightsAnalysisId"].startswith("nia-") and len(a["NetworkInsightsAnalysisId"]) == 21'
json_check web-db-5432 '[c["SequenceNumber"] for c in a["ForwardPathComponents"]] == list(range(1, len(ids) + 1))'
json_check web-db-5432 'len(a["ReturnPathComponents"]) > 0'
json_check web-db-5432 'any(c.get("AclRule", {}).get("RuleNumber") == 100 and c["AclRule"].get("PortRange", {}).get("From") == 5432 for c in a["ForwardPathComponents"])'
json_check web-db-5432 'any(c.get("SecurityGroupRule", {}).get("SecurityGroupId") == "sg-0b1d5f9a3c7e42d16" for c in a["ForwardPathComponents"])'
run 0 web-db-5432-text trace $(trace --source $WEB --destination $DB --destination-port 5432)
contains web-db-5432-text out "Reachable: tcp 5432 from 10.0.1.10 to 10.0.2.20"

# web -> db:22 is blocked by the db subnet's NACL (rule 90); the db SG has no rule either.
run 1 web-db-22 trace $(trace --source $WEB --destination 10.0.2.20 --destination-port 22 --output json)
json_check web-db-22 'a["NetworkPathFound"] is False'
json_check web-db-22 '"SUBNET_ACL_RESTRICTION" in codes'
json_check web-db-22 'any(e.get("AclRule", {}).get("RuleNumber") == 90 and e["AclRule"]["RuleAction"] == "deny" for e in a["Explanations"])'
run 1 web-db-22-text trace $(trace --source $WEB --destination $DB --destination-port 22)
contains web-db-22-text out "Blocked: network ACL acl-05f9c2e7a3d1b8c64 (db)"
contains web-db-22-text out "denies inbound tcp 22 from 10.0.1.10 with inbound rule 90"

# The internet reaches web on 443 at its public IP, through the internet gateway.
run 0 inet-web-443 trace $(trace --source 203.0.113.50 --destination $WEB --destination-port 443 --output json)
json_check inet-web-443 'a["NetworkPathFound"] is True and "igw-0a3f6c9e2b5d81e47" in ids'
run 0 inet-web-eip trace $(trace --source 203.0.113.50 --destination 198.51.100.10 --destination-port 80)

# A port the web security group does not open: the SG is the only block.
run 1 inet-web-8080 trace $(trace --source 203.0.113.50 --destination $WEB --destination-port 8080 --output json)
json_check inet-web-8080 'codes == ["ENI_SG_RULES_MISMATCH"]'
json_check inet-web-8080 'a["Explanations"][0]["SecurityGroups"][0]["Id"] == "sg-0b1d5f9a3c7e42d16"'
run 1 inet-web-8080-text trace $(trace --source 203.0.113.50 --destination $WEB --destination-port 8080)
contains inet-web-8080-text out "Blocked: security group sg-0b1d5f9a3c7e42d16 (web) has no inbound rule allowing tcp 8080 from 203.0.113.50."

# The internet cannot reach db: it has no public IP.
run 1 inet-db trace $(trace --source 203.0.113.50 --destination $DB --destination-port 5432 --output json)
json_check inet-db 'a["NetworkPathFound"] is False and len(codes) > 0'

# db reaches the internet through the NAT gateway.
run 0 db-inet trace $(trace --source $DB --destination 192.0.2.80 --destination-port 443 --output json)
json_check db-inet 'a["NetworkPathFound"] is True and "nat-0f2b6d9a1c4e73b58" in ids and "igw-0a3f6c9e2b5d81e47" in ids'
# ... but not on a port its NACL does not open outbound.
run 1 db-inet-25 trace $(trace --source $DB --destination 192.0.2.80 --destination-port 25 --output json)
json_check db-inet-25 '"SUBNET_ACL_RESTRICTION" in codes'

# ICMP and UDP questions run too.
run 1 web-db-icmp trace $(trace --source $WEB --destination $DB --protocol icmp --output json)
json_check web-db-icmp 'a["NetworkPathFound"] is False'

# --- on premises through a VPN: the example plus a VPN gateway, a VPN connection
# with a static route to 192.168.0.0/16 and propagation into the public table.
mkdir "$work/vpn"
cp "$ex"/*.json "$work/vpn/"
cat >"$work/vpn/vpn.json" <<'JSON'
{"VpnGateways": [{"State": "available", "Type": "ipsec.1", "VpnGatewayId": "vgw-0a1b2c3d4e5f60718",
  "VpcAttachments": [{"State": "attached", "VpcId": "vpc-0e9c4b7a2f1d35a86"}]}],
 "VpnConnections": [{"VpnConnectionId": "vpn-0123abcd4567ef890", "State": "available",
  "VpnGatewayId": "vgw-0a1b2c3d4e5f60718", "CustomerGatewayId": "cgw-0f1e2d3c4b5a69788",
  "Routes": [{"DestinationCidrBlock": "192.168.0.0/16", "State": "available"}],
  "VgwTelemetry": [{"OutsideIpAddress": "52.0.0.1", "Status": "UP"}]}]}
JSON
python3 - "$work/vpn/route-tables.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["RouteTables"]:
    if t["RouteTableId"] == "rtb-03c9e6a1d4f7b2e85":
        t["PropagatingVgws"] = [{"GatewayId": "vgw-0a1b2c3d4e5f60718"}]
json.dump(d, open(sys.argv[1], "w"), indent=4)
PY
run 0 web-onprem trace --aws-json "$work/vpn" --source $WEB --destination 192.168.1.5 --destination-port 443 --output json
json_check web-onprem 'a["NetworkPathFound"] is True and "vgw-0a1b2c3d4e5f60718" in ids'
json_check web-onprem 'any(c.get("RouteTableRoute", {}).get("Origin") == "EnableVgwRoutePropagation" for c in a["ForwardPathComponents"])'
run 1 onprem-web-22 trace --aws-json "$work/vpn" --source 192.168.1.5 --destination $WEB --destination-port 22 --output json
json_check onprem-web-22 'ids[0] == "vgw-0a1b2c3d4e5f60718" and codes == ["ENI_SG_RULES_MISMATCH"]'

# --- bad input: exit status 2 and a message naming the option or file and field ----
run 2 unknown-opt trace $(trace --source $WEB --destination $DB --destination-port 1 --frobnicate)
contains unknown-opt err '"--frobnicate"'
run 2 missing-port trace $(trace --source $WEB --destination $DB)
contains missing-port err "--destination-port is required for tcp and udp"
run 2 bad-port trace $(trace --source $WEB --destination $DB --destination-port 70000)
contains bad-port err "--destination-port"
run 2 bad-proto trace $(trace --source $WEB --destination $DB --protocol gre --destination-port 1)
run 2 unknown-src trace $(trace --source i-0123456789abcdef0 --destination $DB --destination-port 22)
contains unknown-src err 'no instance "i-0123456789abcdef0"'
run 2 garbage-src trace $(trace --source web --destination $DB --destination-port 22)
contains garbage-src err "--source"
run 2 both-outside trace $(trace --source 203.0.113.1 --destination 192.0.2.1 --destination-port 22)
run 2 missing-dir trace --aws-json "$work/nope" --source $WEB --destination $DB --destination-port 22
contains missing-dir err "$work/nope"
mkdir "$work/broken"
cp "$ex"/*.json "$work/broken/"
sed -i 's#"10.0.2.0/24"#"10.0.2.0/33"#' "$work/broken/subnets.json"
run 2 bad-cidr trace --aws-json "$work/broken" --source $WEB --destination $DB --destination-port 22
contains bad-cidr err 'subnets.json: Subnets[1].CidrBlock: "10.0.2.0/33" is not an IPv4 CIDR'
cp "$ex/subnets.json" "$work/broken/subnets.json"
head -c 300 "$ex/route-tables.json" >"$work/broken/route-tables.json"
run 2 truncated trace --aws-json "$work/broken" --source $WEB --destination $DB --destination-port 22
contains truncated err "route-tables.json: invalid JSON"

summary test-trace
