#!/usr/bin/env bash
# vpc-cni, the plugin alone, against a stand-in ipamd (lib/fake_ipamd.py):
# the AWS data path in the pod and on the node, connectivity, results,
# CHECK, idempotent DEL (also with ipamd down, from prevResult), errors as
# CNI error JSON, VERSION.  Topology (all namespaces made here, prefix per run):
#
#   [pod1 10.0.97.30/32]--eth0~~eni...--[node 10.0.96.5/32 on lo]--eni...~~eth0--[pod2 10.0.97.31/32]
#
# Nothing is added to the root namespace (checked at the end).
set -euo pipefail
: "${OPENVPC_BUILD:?set OPENVPC_BUILD}"
here=$(cd "$(dirname "$0")" && pwd)
CNI=$OPENVPC_BUILD/cni/vpc-cni
p="ovc$$"
node=$p-node pod1=$p-pod1 pod2=$p-pod2
tmp=$(mktemp -d)
sock=$tmp/ipamd.sock
fake_pid=
root_before=$(ip -o link | awk '{print $2}' | sort; ip rule; ip route)
cleanup() {
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
	for n in $node $pod1 $pod2; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/lib.sh"
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then ok; else bad "$what"; fi; }

for n in $node $pod1 $pod2; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip -n $node addr add 10.0.96.5/32 dev lo
ip netns exec $node sysctl -qw net.ipv4.ip_forward=1

start_fake() {
	ip netns exec $node python3 "$here/lib/fake_ipamd.py" "$sock" --ips 10.0.97.30,10.0.97.31 \
		--route-table 2 "$@" &
	fake_pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	echo "fake ipamd did not start"; exit 1
}
stop_fake() { kill "$fake_pid"; wait "$fake_pid" 2>/dev/null || true; fake_pid=; rm -f "$sock"; }

conf() { # conf VERSION [prevResult-json]
	printf '{"cniVersion":"%s","name":"openvpc","type":"vpc-cni","vethPrefix":"eni","mtu":9001,"ipamdSocket":"%s","pluginLogFile":"%s/plugin.log","pluginLogLevel":"Debug"%s}' \
		"$1" "$sock" "$tmp" "${2:+,\"prevResult\":$2}"
}
cni() { # cni CMD CONTAINERID POD-NS POD-NAME < conf
	ip netns exec $node env CNI_COMMAND="$1" CNI_CONTAINERID="$2" CNI_NETNS="/run/netns/$3" \
		CNI_IFNAME=eth0 CNI_PATH=/opt/cni/bin \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=$4" "$CNI"
}
jq_() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

export -f conf cni
export sock tmp node CNI
start_fake
# ---- ADD two pods
r1=$(conf 1.1.0 | cni ADD c1 $pod1 web-1) || bad "ADD pod1 exit"
r2=$(conf 0.4.0 | cni ADD c2 $pod2 web-2) || bad "ADD pod2 exit"
[ "$(echo "$r1" | jq_ 'd["ips"][0]["address"]')" = 10.0.97.30/32 ] && ok || bad "result address: $r1"
[ "$(echo "$r1" | jq_ 'd["ips"][0]["gateway"]')" = 169.254.1.1 ] && ok || bad "result gateway"
[ "$(echo "$r1" | jq_ 'd["cniVersion"]')" = 1.1.0 ] && ok || bad "result version"
[ "$(echo "$r2" | jq_ 'd["ips"][0]["version"]')" = 4 ] && ok || bad "0.4.0 result has ips[].version: $r2"
host1=$(echo "$r1" | jq_ 'd["interfaces"][0]["name"]')
[ "$host1" = "eni$(printf default.web-1 | sha1sum | cut -c1-11)" ] && ok || bad "host veth name $host1"
hostmac=$(ip -n $node -o link show "$host1" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# ---- the pod side
check "pod1 holds 10.0.97.30/32" bash -c "ip -n $pod1 -4 -o addr show dev eth0 | grep -q 'inet 10.0.97.30/32'"
check "pod1 default via 169.254.1.1" bash -c "ip -n $pod1 route show default | grep -q 'via 169.254.1.1 dev eth0'"
check "pod1 169.254.1.1 link route" bash -c "ip -n $pod1 route show 169.254.1.1 | grep -q 'dev eth0 scope link'"
check "pod1 permanent neighbour" bash -c "ip -n $pod1 neigh show 169.254.1.1 | grep -q '$hostmac PERMANENT'"
check "pod1 mtu 9001" bash -c "ip -n $pod1 link show eth0 | grep -q 'mtu 9001'"
# ---- the node side
check "node /32 route to pod1" bash -c "ip -n $node route show 10.0.97.30 | grep -q 'dev $host1 scope link'"
check "rule 512 to pod1" bash -c "ip -n $node rule | grep -q '^512:.*to 10.0.97.30 lookup main'"
check "rule 1536 from pod1" bash -c "ip -n $node rule | grep -q '^1536:.*from 10.0.97.30 lookup 2'"
# ---- traffic: node <-> pod, pod <-> pod (routed by the node, no NAT)
check "node pings pod1" ip netns exec $node ping -c1 -W2 10.0.97.30
check "pod1 pings pod2" ip netns exec $pod1 ping -c1 -W2 10.0.97.31
# ---- CHECK
check "CHECK passes" bash -c "conf 1.1.0 '$r1' | cni CHECK c1 $pod1 web-1"
ip -n $pod1 addr del 10.0.97.30/32 dev eth0
out=$(conf 1.1.0 "$r1" | cni CHECK c1 $pod1 web-1) && bad "CHECK passed without the address" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 102 ] && ok || bad "CHECK error code: $out"
# ---- DEL, twice
check "DEL pod1" bash -c "conf 1.1.0 '$r1' | cni DEL c1 $pod1 web-1"
check "host veth gone" bash -c "! ip -n $node link show $host1"
check "rules gone" bash -c "! ip -n $node rule | grep -q 10.0.97.30"
check "DEL again succeeds" bash -c "conf 1.1.0 '$r1' | cni DEL c1 $pod1 web-1"
# ---- DEL with ipamd down: from prevResult
stop_fake
check "DEL pod2 with ipamd down" bash -c "conf 0.4.0 '$r2' | cni DEL c2 $pod2 web-2"
check "pod2 rules gone" bash -c "! ip -n $node rule | grep -q 10.0.97.31"
check "pod2 host veth gone" bash -c "! ip -n $node link show $(echo "$r2" | jq_ 'd["interfaces"][0]["name"]')"
# ---- errors
out=$(conf 1.1.0 | cni ADD c3 $pod1 web-3) && bad "ADD without ipamd succeeded" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 11 ] && ok || bad "ADD without ipamd: $out"
start_fake --refuse 100
out=$(conf 1.1.0 | cni ADD c3 $pod1 web-3) && bad "refused ADD succeeded" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 100 ] && ok || bad "refused ADD code: $out"
echo "$out" | grep -q "max pods" && ok || bad "refused ADD message: $out"
check "no veth left after a refused ADD" bash -c "[ \$(ip -n $node -o link | grep -c ' eni') = 0 ]"
out=$(echo '{"cniVersion":"1.1.0","mtu":1}' | cni ADD c4 $pod1 web-4) && bad "bad mtu accepted" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 7 ] && ok || bad "bad config code: $out"
out=$(echo 'nope' | cni ADD c4 $pod1 web-4) && bad "bad json accepted" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 6 ] && ok || bad "bad json code: $out"
out=$(echo '{"cniVersion":"1.1.0"}' | ip netns exec $node env CNI_COMMAND=ADD "$CNI") && bad "ADD without env" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 4 ] && ok || bad "missing env code: $out"
out=$("$CNI" --help) && echo "$out" | grep -q "^usage: CNI_COMMAND=" && ok || bad "--help: $out"
rc=0; out=$("$CNI" --bogus 2>&1 >/dev/null) || rc=$?
[ $rc = 2 ] && echo "$out" | grep -q '"--bogus"' && ok || bad "bad argument: exit $rc, $out"
out=$(env -u CNI_COMMAND "$CNI" </dev/null) && bad "no CNI_COMMAND accepted" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 4 ] && ok || bad "no CNI_COMMAND, not a terminal: $out"
out=$(echo '{"cniVersion":"1.1.0"}' | env CNI_COMMAND=VERSION "$CNI")
echo "$out" | grep -q '"supportedVersions":\["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"\]' && ok || bad "VERSION: $out"
check "STATUS with ipamd up" bash -c "conf 1.1.0 | ip netns exec $node env CNI_COMMAND=STATUS $CNI"
stop_fake
out=$(conf 1.1.0 | ip netns exec $node env CNI_COMMAND=STATUS "$CNI") && bad "STATUS ok without ipamd" || ok
[ "$(echo "$out" | jq_ 'd["code"]')" = 50 ] && ok || bad "STATUS code: $out"
check "plugin log written, stdout clean" grep -q "ADD c1 default/web-1: 10.0.97.30" "$tmp/plugin.log"

# ---- the root namespace is untouched
root_after=$(ip -o link | awk '{print $2}' | sort; ip rule; ip route)
[ "$root_before" = "$root_after" ] && ok || bad "root namespace changed"
summary test-cni-plugin
