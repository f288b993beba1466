#!/usr/bin/env bash
# `make demo` end to end from a fresh clone, as a new user runs it (root), and
# its key outputs: a reachable and a blocked offline trace, then the live demo —
# pod-to-pod across nodes with the pod's own address, pod-to-internet through
# the NAT gateway, the database's DNS name resolved in a node, the database port
# blocked and explained by vpcctl trace,
# flow-log records, under two minutes — and nothing left behind.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/openvpc-demo-test.XXXXXX)
cleanup() {
	for n in $(ip netns list | awk '{print $1}' | grep '^ovdemo-' || true); do ip netns del "$n" || true; done
	rm -rf "$work" /etc/netns/ovdemo-*
}
trap cleanup EXIT INT TERM
. "$(dirname "$0")/lib.sh"
check() { if grep -Eq -- "$2" "$work/demo.out"; then ok; else bad "$1"; fi; }
before=$(ip -o link | awk '{print $2}' | sort; ip route; ip rule)

git clone -q "$root" "$work/openvpc"
# Uncommitted work is not part of a clone: the test checks what main holds.
(cd "$work/openvpc" && make demo) >"$work/demo.out" 2>&1 || { tail -40 "$work/demo.out"; echo "FAIL: make demo exited non-zero"; exit 1; }

check "offline trace: reachable" "Reachable: tcp 5432"
check "offline trace: blocked" "Not reachable: tcp 22"
check "pod-to-pod keeps the pod's address" "^hello 10\.0\.16\."
check "pod-to-internet through the NAT gateway" "^hello 198\.51\.100\."
check "database port blocked" "no answer"
check "the database's DNS name resolves in node-a" "^10\.0\.(3[2-9]|4[0-7])\.[0-9]+ +ip-10-0-(3[2-9]|4[0-7])-[0-9]+\.ec2\.internal$"
check "trace names the security group" "ENI_SG_RULES_MISMATCH"
check "flow logs show a REJECT" "REJECT"
check "flow logs show an ACCEPT" "ACCEPT"
secs=$(sed -n 's/.*Done in \([0-9]*\) s.*/\1/p' "$work/demo.out" | tail -1)
if [ -n "$secs" ] && [ "$secs" -le 120 ]; then ok; else bad "live demo took ${secs:-?} s (> 120)"; fi
if [ -z "$(ip netns list | grep '^ovdemo-' || true)" ]; then ok; else bad "namespaces left"; fi
if ! compgen -G "/etc/netns/ovdemo-*" >/dev/null; then ok; else bad "/etc/netns files left"; fi
after=$(ip -o link | awk '{print $2}' | sort; ip route; ip rule)
if [ "$before" = "$after" ]; then ok; else bad "the root namespace changed"; fi
[ "$fail" -eq 0 ] || tail -60 "$work/demo.out"
summary test-demo "(live demo ${secs:-?} s)"
