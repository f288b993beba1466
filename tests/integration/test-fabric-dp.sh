#!/usr/bin/env bash
# The fabric's data path with real traffic: runs test-fabric-dp-live from
# $OPENVPC_BUILD (a C program: builds a model with lib/model ops, plumbs three
# instances and an "internet" namespace with `ip` inside namespaces named
# "ovd<pid>-*", starts fabric/dp.c, and checks ARP, ping, TCP, SG blocks, a
# generation change and the IGW).  Needs root; the program removes its
# namespaces on exit, and this script removes any it left behind.
# It runs twice: the default data path, and --gso-passthrough.
# FABRIC_DP_BENCH=1 adds iperf3 figures (TCP and 64-byte UDP, same subnet and
# across subnets) and ping RTTs.
set -euo pipefail
: "${OPENVPC_BUILD:?set OPENVPC_BUILD to a build directory}"
prog="$OPENVPC_BUILD/tests/unit/fabric/test-fabric-dp-live"
if [ "$(id -u)" -ne 0 ]; then
	echo "test-fabric-dp: needs root; skipped"
	exit 0
fi
[ -x "$prog" ] || { echo "FAIL: $prog not built"; exit 1; }
pid=""
cleanup() {
	# The program's namespaces are ovd<its pid>-*; remove them if it was killed.
	if [ -n "$pid" ]; then
		for ns in $(ip netns list | awk '{print $1}' | grep "^ovd$pid-" || true); do
			ip netns del "$ns" 2>/dev/null || true
		done
	fi
}
trap cleanup EXIT
args=()
[ "${FABRIC_DP_BENCH:-0}" = 1 ] && args+=(--bench)
# Default data path (XDP GSO guard), then with GSO super-frames passed through.
for mode in "" --gso-passthrough; do
	echo "test-fabric-dp: ${mode:-default}"
	"$prog" ${mode:+"$mode"} "${args[@]}" &
	pid=$!
	wait "$pid"
	cleanup
done
