#!/usr/bin/env bash
# `make demo`: first the offline analysis — ask vpcctl two questions about the
# shipped two-tier VPC (examples/two-tier, the JSON of `aws ec2 describe-*`
# calls) — then, as root, the live demo (scripts/demo-live.sh): a VPC built
# with the AWS CLI carrying real packets, nodes, pods, flow logs.
# Usage: scripts/demo.sh BUILD_DIR [--keep]   (or KEEP=1)
set -uo pipefail
build=${1:?usage: scripts/demo.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
vpcctl="$build/cli/vpcctl"
ex="$root/examples/two-tier"
if [ ! -x "$vpcctl" ]; then
	echo "demo: $vpcctl not found; build first (make build)" >&2
	exit 2
fi

cat <<TXT
openvpc demo: offline reachability over a two-tier VPC
======================================================
examples/two-tier holds what \`aws ec2 describe-vpcs > vpcs.json\` (and
subnets, route tables, security groups, network ACLs, ENIs, instances,
gateways, addresses) print for a VPC 10.0.0.0/16 with a public web subnet
10.0.1.0/24 and a private db subnet 10.0.2.0/24.  vpcctl trace loads them,
compiles the VPC into the same tables the packet engine uses, and runs one
representative packet (and its reply) through them, like AWS Reachability
Analyzer.

1) Can the web instance reach PostgreSQL on the db instance?

\$ vpcctl trace --aws-json examples/two-tier --source i-0c4a8e2f6b1d37a95 \\
      --destination i-0e7b1d5a9c3f26e84 --destination-port 5432
TXT
"$vpcctl" trace --aws-json "$ex" --source i-0c4a8e2f6b1d37a95 \
	--destination i-0e7b1d5a9c3f26e84 --destination-port 5432
echo "(exit status $?: 0 means reachable)"
cat <<TXT

Every hop is named with the rule that let the packet through: the web
security group's egress rule, the db subnet's network ACL rule 100, the db
security group's rule that references the web group.  The return path shows
the reply passing the db security group by connection tracking while the
stateless ACL needs its own ephemeral-port rule.

2) Can the web instance open SSH (tcp 22) to the db instance?

\$ vpcctl trace --aws-json examples/two-tier --source i-0c4a8e2f6b1d37a95 \\
      --destination i-0e7b1d5a9c3f26e84 --destination-port 22
TXT
"$vpcctl" trace --aws-json "$ex" --source i-0c4a8e2f6b1d37a95 \
	--destination i-0e7b1d5a9c3f26e84 --destination-port 22
echo "(exit status $?: 1 means not reachable)"
cat <<TXT

The analysis continues past the first block, so it lists every setting that
would have to change: the db subnet's ACL denies port 22 (rule 90), and the
db security group has no rule for it either.  Add --output json for the same
answer in the shape of AWS's NetworkInsightsAnalysis (NetworkPathFound,
ForwardPathComponents, Explanations with codes such as SUBNET_ACL_RESTRICTION).
More questions: examples/two-tier/README.md.
TXT
if [ "$(id -u)" -ne 0 ]; then
	echo
	echo "(the live demo needs root: sudo make demo)"
	exit 0
fi
echo
echo "openvpc demo: a live VPC with pods"
echo "=================================="
exec "$root/scripts/demo-live.sh" "$build" "${2:-}"
