#!/usr/bin/env bash
# Integration test of fabric/plumb: instances as namespaces, ENIs as veth
# pairs, checked from outside with iproute2 (`ip netns exec`, `ip -n`).
#
#   instance namespaces  P i-<k>  (eth0, eth1 = veth ends, ENI MAC, primary IP)
#            |   veth pairs
#   fabric namespace     P fabric (one link per ENI: L<hash>, alias = ENI ID)
#
# Driven by $OPENVPC_BUILD/tests/unit/fabric/test-plumb-tool (see its header
# for the generated model: 4 /20 subnets of 10.0.0.0/16, instance k in subnet
# k % 4, ENI j of instance k = ethj with IP base + 10 + 16k + j).
# Root only (exit 77 = skipped otherwise).  Everything it creates carries the
# per-run prefix P and is removed on exit; the root namespace is compared
# before and after.
set -euo pipefail
: "${OPENVPC_BUILD:?set OPENVPC_BUILD to a build directory}"
tool="$OPENVPC_BUILD/tests/unit/fabric/test-plumb-tool"
if [ "$(id -u)" -ne 0 ]; then
	echo "test-fabric-plumb: SKIP (needs root)"
	exit 77
fi
[ -x "$tool" ] || { echo "test-fabric-plumb: $tool not built"; exit 1; }

P="ovfp$$-"
L="f$(printf '%x' $$ | tail -c 6)"
F="${P}fabric"
. "$(dirname "$0")/lib.sh"
check() { # check NAME GOT WANT
	if [ "$2" = "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi
}
ours() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P" | LC_ALL=C sort | tr '\n' ' ' || true; }
cleanup() {
	"$tool" down "$P" "$L" "$F" >/dev/null 2>&1 || true
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P" || true); do
		ip netns del "$ns" 2>/dev/null || true
	done
}
trap cleanup EXIT
root_snapshot() {
	ip -o link show | awk '{print $2}'
	ip -4 -o addr show
	ip -4 route show table all
	ip -6 route show table all
}
root_before=$(root_snapshot)
field() { # field NAME LINE
	tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k {print $2}'
}
inst() { printf 'i-%017x' "$1"; }

# 1. Six instances of two ENIs each.
out=$("$tool" up "$P" "$L" "$F" 6 2) || bad "first reconcile: $out"
check "ns created" "$(field ns_created "$out")" 6
check "ports created" "$(field ports_created "$out")" 12
check "errors" "$(field errors "$out")" 0
want="$F"
for k in 0 1 2 3 4 5; do want="$want $P$(inst $k)"; done
check "namespaces" "$(ours)" "$want "

# Instance 5 is in subnet 1 (10.0.16.0/20): eth0 = .10 + 80 = 10.0.16.90, eth1 = 10.0.16.91.
ns="$P$(inst 5)"
check "eth0 address" "$(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')" "10.0.16.90/20"
check "eth1 address" "$(ip -n "$ns" -4 -o addr show dev eth1 | awk '{print $4}')" "10.0.16.91/20"
check "eth0 mac" "$(ip -n "$ns" -o link show dev eth0 | grep -o 'link/ether [^ ]*')" \
	"link/ether 0a:00:00:00:05:00"
check "eth1 mac" "$(ip -n "$ns" -o link show dev eth1 | grep -o 'link/ether [^ ]*')" \
	"link/ether 0a:00:00:00:05:01"
check "default route" "$(ip -n "$ns" -4 route show default)" "default via 10.0.16.1 dev eth0 proto dhcp "
check "eth1 connected route" "$(ip -n "$ns" -4 route show dev eth1)" \
	"10.0.16.0/20 proto kernel scope link src 10.0.16.91 "
# ip netns exec works on them (the mount is propagated), and the instance reaches itself.
if ip netns exec "$ns" ping -c1 -W1 10.0.16.90 >/dev/null 2>&1; then ok; else bad "ping own address"; fi
# Without the data path nothing crosses the fabric: instance 1 (subnet 1, 10.0.16.26)
# cannot reach instance 5 (10.0.16.90) in the same subnet; the fabric's kernel
# neither bridges nor routes between the ports.
if ip netns exec "$P$(inst 1)" ping -c1 -W1 10.0.16.90 >/dev/null 2>&1; then
	bad "traffic crossed the fabric with no data path"
else ok; fi
check "fabric forwarding off" "$(ip netns exec "$F" cat /proc/sys/net/ipv4/ip_forward)" 0
check "fabric links" "$(ip -n "$F" -o link show | awk '{print $2}' | grep -c "^$L")" 12
check "fabric alias" "$(ip -n "$F" -o link show 2>/dev/null | grep -c 'alias eni-')" 12
check "fabric addresses" "$(ip -n "$F" -o addr show | grep -vc ' lo ' || true)" 0

# 2. Same model again: nothing changes.
out=$("$tool" up "$P" "$L" "$F" 6 2) || bad "second reconcile: $out"
check "2nd ns unchanged" "$(field ns_unchanged "$out")" 6
check "2nd ports unchanged" "$(field ports_unchanged "$out")" 12
check "2nd changes" "$(field ns_created "$out")$(field ports_created "$out")$(field ports_removed "$out")$(field ports_updated "$out")" 0000

# 3. Stop instances 4 and 5: exactly their namespaces and pairs go.
out=$("$tool" up "$P" "$L" "$F" 6 2 4) || bad "stop reconcile: $out"
check "stop ns removed" "$(field ns_removed "$out")" 2
check "stop ports removed" "$(field ports_removed "$out")" 4
check "stop ports unchanged" "$(field ports_unchanged "$out")" 8
want="$F"
for k in 0 1 2 3; do want="$want $P$(inst $k)"; done
check "namespaces after stop" "$(ours)" "$want "
check "fabric links after stop" "$(ip -n "$F" -o link show | awk '{print $2}' | grep -c "^$L")" 8

# 4. Teardown leaves nothing with the prefix, and the root namespace never changed.
out=$("$tool" down "$P" "$L" "$F") || bad "teardown: $out"
check "teardown ns removed" "$(field ns_removed "$out")" 4
check "nothing left" "$(ours)" ""
check "root namespace" "$(root_snapshot)" "$root_before"

summary test-fabric-plumb
