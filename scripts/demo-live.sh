#!/usr/bin/env bash
# The live part of `make demo` (root): vpcd with its fabric on a temporary
# SQLite state; the AWS CLI builds a two-tier VPC (public and private subnets
# in two AZs, IGW, NAT gateway, security groups, a custom NACL, a flow log);
# two node instances run vpc-ipamd; pods get VPC addresses from vpc-cni; then
# pod-to-pod across nodes, pod-to-internet through the NAT gateway, a blocked
# database port, the flow-log records of each, and vpcctl trace explaining the
# block.  Everything is torn down at the end unless KEEP=1 (or --keep).
# Every namespace it makes is named "ovdemo-*"; nothing is added to the
# machine's root namespace.
# Usage: scripts/demo-live.sh BUILD_DIR [--keep]
set -euo pipefail
build=$(cd "${1:?usage: scripts/demo-live.sh BUILD_DIR [--keep]}" && pwd)
[ "${2:-}" = "--keep" ] && KEEP=1
KEEP=${KEEP:-0}
root=$(cd "$(dirname "$0")/.." && pwd)
P=ovdemo-
port=8799
state=$(mktemp -d /tmp/openvpc-demo.XXXXXX)
export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1
AWS=(/usr/bin/aws --endpoint-url "http://127.0.0.1:$port" --output text)
vpcctl="$build/cli/vpcctl"
pids=()
t0=$(date +%s)

step() { printf '\n\033[1m[%3ss] %s\033[0m\n' "$(($(date +%s) - t0))" "$*"; }
say() { printf '      %s\n' "$*"; }
run() { printf '      $ %s\n' "$*" | sed "s|$build/||g; s|http://127.0.0.1:$port|\$VPCD|g" >&2; "$@"; }
cleanup() {
	[ "$KEEP" = 1 ] && return
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$state"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "the live demo needs root (it makes network namespaces)" >&2
	exit 2
fi
for n in $(ip netns list | awk '{print $1}' | grep "^$P" || true); do ip netns del "$n"; done

step "Start vpcd (EC2 API on 127.0.0.1:$port, SQLite in $state, fabric namespaces ${P}*)"
"$build/daemon/vpcd" --listen "127.0.0.1:$port" --state-dir "$state" --fabric-prefix "$P" \
	--flow-log-interval 5 --flow-log-delay 2 $([ "$KEEP" = 1 ] || echo --fabric-teardown) \
	>"$state/vpcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

step "A two-tier VPC with the AWS CLI"
VPC=$(run "${AWS[@]}" ec2 create-vpc --cidr-block 10.0.0.0/16 --query Vpc.VpcId)
"${AWS[@]}" ec2 modify-vpc-attribute --vpc-id "$VPC" --enable-dns-hostnames '{"Value":true}'
say "VPC $VPC (DNS hostnames on, as EKS requires)"
sub() { "${AWS[@]}" ec2 create-subnet --vpc-id "$VPC" --cidr-block "$1" --availability-zone "$2" \
	--tag-specifications "ResourceType=subnet,Tags=[{Key=Name,Value=$3}]" --query Subnet.SubnetId; }
PUB_A=$(sub 10.0.0.0/24 us-east-1a public-a); PUB_B=$(sub 10.0.1.0/24 us-east-1b public-b)
PRIV_A=$(sub 10.0.16.0/20 us-east-1a private-a); PRIV_B=$(sub 10.0.32.0/20 us-east-1b private-b)
say "subnets: public $PUB_A $PUB_B, private $PRIV_A $PRIV_B"
IGW=$("${AWS[@]}" ec2 create-internet-gateway --query InternetGateway.InternetGatewayId)
run "${AWS[@]}" ec2 attach-internet-gateway --internet-gateway-id "$IGW" --vpc-id "$VPC"
RTB_PUB=$("${AWS[@]}" ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
run "${AWS[@]}" ec2 create-route --route-table-id "$RTB_PUB" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW" >/dev/null
for s in $PUB_A $PUB_B; do "${AWS[@]}" ec2 associate-route-table --route-table-id "$RTB_PUB" --subnet-id "$s" >/dev/null; done
EIP=$("${AWS[@]}" ec2 allocate-address --domain vpc --query AllocationId)
NAT=$(run "${AWS[@]}" ec2 create-nat-gateway --subnet-id "$PUB_A" --allocation-id "$EIP" --query NatGateway.NatGatewayId)
NAT_IP=$("${AWS[@]}" ec2 describe-nat-gateways --nat-gateway-ids "$NAT" --query 'NatGateways[0].NatGatewayAddresses[0].PublicIp')
say "NAT gateway $NAT with public IP $NAT_IP"
RTB_PRIV=$("${AWS[@]}" ec2 create-route-table --vpc-id "$VPC" --query RouteTable.RouteTableId)
run "${AWS[@]}" ec2 create-route --route-table-id "$RTB_PRIV" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$NAT" >/dev/null
for s in $PRIV_A $PRIV_B; do "${AWS[@]}" ec2 associate-route-table --route-table-id "$RTB_PRIV" --subnet-id "$s" >/dev/null; done
NODES_SG=$("${AWS[@]}" ec2 create-security-group --group-name nodes --description "k8s nodes and pods" --vpc-id "$VPC" --query GroupId)
"${AWS[@]}" ec2 authorize-security-group-ingress --group-id "$NODES_SG" --protocol -1 --cidr 10.0.0.0/16 >/dev/null
DB_SG=$("${AWS[@]}" ec2 create-security-group --group-name db --description "database" --vpc-id "$VPC" --query GroupId)
APP_SG=$("${AWS[@]}" ec2 create-security-group --group-name app --description "app servers" --vpc-id "$VPC" --query GroupId)
run "${AWS[@]}" ec2 authorize-security-group-ingress --group-id "$DB_SG" --protocol tcp --port 5432 --source-group "$APP_SG" >/dev/null
say "security groups: nodes $NODES_SG (all from the VPC), db $DB_SG (5432 from app $APP_SG only)"
ACL=$("${AWS[@]}" ec2 create-network-acl --vpc-id "$VPC" --query NetworkAcl.NetworkAclId)
"${AWS[@]}" ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 100 --protocol -1 --cidr-block 10.0.0.0/16 --rule-action allow
"${AWS[@]}" ec2 create-network-acl-entry --network-acl-id "$ACL" --ingress --rule-number 110 --protocol tcp --port-range From=1024,To=65535 --cidr-block 0.0.0.0/0 --rule-action allow
"${AWS[@]}" ec2 create-network-acl-entry --network-acl-id "$ACL" --egress --rule-number 100 --protocol -1 --cidr-block 0.0.0.0/0 --rule-action allow
for s in $PRIV_A $PRIV_B; do
	A=$("${AWS[@]}" ec2 describe-network-acls --filters "Name=association.subnet-id,Values=$s" --query 'NetworkAcls[0].Associations[?SubnetId==`'"$s"'`].NetworkAclAssociationId | [0]')
	"${AWS[@]}" ec2 replace-network-acl-association --association-id "$A" --network-acl-id "$ACL" >/dev/null
done
say "custom network ACL $ACL on the private subnets (VPC traffic, return traffic on ephemeral ports)"
run "${AWS[@]}" ec2 create-flow-logs --resource-type VPC --resource-ids "$VPC" --traffic-type ALL \
	--log-destination-type s3 --log-destination arn:aws:s3:::demo-flow-logs --query 'FlowLogIds[0]'

step "Two Kubernetes-style nodes and a database, in the private subnets"
launch() { "${AWS[@]}" ec2 run-instances --image-id ami-0abcdef1234567890 --instance-type "$1" --subnet-id "$2" \
	--security-group-ids "$3" --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$4}]" \
	--query 'Instances[0].[InstanceId,PrivateIpAddress]'; }
read -r NODE_A NODE_A_IP < <(launch t3.medium "$PRIV_A" "$NODES_SG" node-a)
read -r NODE_B NODE_B_IP < <(launch t3.medium "$PRIV_B" "$NODES_SG" node-b)
read -r DB DB_IP < <(launch t3.small "$PRIV_B" "$DB_SG" db)
say "node-a $NODE_A ($NODE_A_IP), node-b $NODE_B ($NODE_B_IP), db $DB ($DB_IP): each a network namespace"
run "$vpcctl" ls --state-dir "$state" --fabric-prefix "$P"

step "vpc-ipamd on each node: learns the node from IMDS, keeps a warm pool of VPC addresses"
for n in "$NODE_A" "$NODE_B"; do
	mkdir -p "$state/$n"
	"$vpcctl" exec --fabric-prefix "$P" "$n" -- env AWS_EC2_ENDPOINT=http://169.254.169.250 \
		OPENVPC_IPAMD_SOCKET="$state/$n/ipamd.sock" OPENVPC_IPAMD_CHECKPOINT="$state/$n/ipam.json" \
		OPENVPC_IPAMD_POOL_INTERVAL_MS=300 "$build/ipamd/vpc-ipamd" >"$state/$n/ipamd.log" 2>&1 &
	pids+=($!)
done
for n in "$NODE_A" "$NODE_B"; do
	for _ in $(seq 100); do [ -S "$state/$n/ipamd.sock" ] && break; sleep 0.1; done
	say "$(grep -m1 'vpc-ipamd: info: node' "$state/$n/ipamd.log" | sed 's/.*info: //')"
done

step "Pods: vpc-cni gives each a VPC address (no overlay, no NAT inside the VPC)"
pod() { # pod NAME NODE
	ip netns add "$P$1"; ip -n "$P$1" link set lo up
	for _ in $(seq 50); do
		out=$(printf '{"cniVersion":"1.0.0","name":"openvpc","type":"vpc-cni","ipamdSocket":"%s"}' "$state/$2/ipamd.sock" |
			"$vpcctl" exec --fabric-prefix "$P" "$2" -- env CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
				CNI_NETNS="/run/netns/$P$1" CNI_IFNAME=eth0 CNI_PATH="$build/cni" \
				CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$1" "$build/cni/vpc-cni") && break
		sleep 0.2
	done
	echo "$out" | jq -r '.ips[0].address' | cut -d/ -f1
}
POD_A_IP=$(pod pod-a "$NODE_A"); POD_B_IP=$(pod pod-b "$NODE_B")
say "pod-a on node-a: $POD_A_IP      pod-b on node-b: $POD_B_IP"

server() { # NAMESPACE PORT: a TCP server answering the caller's address
	ip netns exec "$1" python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
print("ready", flush=True)
while True:
    c,a=s.accept(); c.sendall(("hello %s\n" % a[0]).encode()); c.close()' "$2" &
	pids+=($!)
	sleep 0.5
}
client() { ip netns exec "$1" python3 -c 'import socket,sys
try:
    print(socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).recv(64).decode().strip())
except OSError as e:
    print("no answer (%s)" % e); sys.exit(1)' "$2" "$3"; }

step "pod-a -> pod-b across nodes and subnets: the receiver sees pod-a's own address"
server "${P}pod-b" 8080 >/dev/null
run client "${P}pod-a" "$POD_B_IP" 8080

step "pod-a -> the internet (203.0.113.10) through the NAT gateway"
server "${P}internet" 8080 >/dev/null
run client "${P}pod-a" 203.0.113.10 8080
say "(the internet host saw the NAT gateway's address $NAT_IP)"

step "pod-a -> the database on 5432: blocked (the db group admits only the app group)"
server "${P}$DB" 5432 >/dev/null
run client "${P}pod-a" "$DB_IP" 5432 || true

step "Names: node-a asks the Amazon DNS server (VPC base + 2, from its resolv.conf) for the database"
DB_NAME=$("${AWS[@]}" ec2 describe-instances --instance-ids "$DB" --query 'Reservations[0].Instances[0].PrivateDnsName')
run "$vpcctl" exec --fabric-prefix "$P" "$NODE_A" -- getent hosts "$DB_NAME"

step "Why? vpcctl trace over the live state"
run "$vpcctl" trace --state-dir "$state" --source "$POD_A_IP" --destination "$DB" --destination-port 5432 || true

step "The flow-log records that prove each of these (AWS format, gzip objects under $state/s3)"
sleep 8
run "$vpcctl" flow-logs tail --state-dir "$state" | grep -E "$POD_A_IP|$DB_IP" | grep -E " (8080|5432) |ACCEPT|REJECT" | head -12 || true

step "Done in $(($(date +%s) - t0)) s"
if [ "$KEEP" = 1 ]; then
	cat <<TXT
Left running (KEEP=1). Explore:
  export AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1
  aws --endpoint-url http://127.0.0.1:$port ec2 describe-instances
  $vpcctl ls --state-dir $state --fabric-prefix $P
  $vpcctl exec --fabric-prefix $P $NODE_A -- ip addr
  $vpcctl flow-logs tail --state-dir $state --follow
Stop: kill ${pids[*]}; for n in \$(ip netns list | awk '{print \$1}' | grep ^$P); do ip netns del \$n; rm -rf /etc/netns/\$n; done
TXT
fi
