#!/usr/bin/env bash
# Fabric benchmark (root): 64-byte UDP packets per second and TCP throughput
# (iperf3) between two instances through vpcd's fabric, and through a plain
# kernel router namespace with an equivalent nftables ruleset (conntrack on)
# on the same veth topology, in one run; both and the ratio.  Namespaces are
# named "ovf<pid>-*" / "ovk<pid>-*" and removed at exit.
# Usage: bench/fabric.sh [BUILD_DIR] (default: build).  Ends with one JSON line.
# FABRIC_BENCH_ROUNDS=N: N rounds of both sides, alternating which goes first,
# on one setup of each; per-round figures and the medians (the ratio is the
# median of the per-round ratios).  FABRIC_BENCH_SECONDS: per iperf3 run (5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" daemon/vpcd >/dev/null
exec /usr/bin/python3 "$root/bench/fabric_bench.py" "$build"
