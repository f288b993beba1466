#!/usr/bin/env bash
# CNI benchmark (root): ADD and DEL latency (p50, p99) of vpc-cni with a warm
# pool and of the reference bridge + host-local plugins, in one run, inside
# the same node instance namespace; then a burst of 30 pods started at once
# with vpc-cni.  Everything lives in namespaces prefixed "ovb<pid>-", removed
# at exit.  Usage: bench/cni.sh [BUILD_DIR] (default: build).  Ends with one
# line of JSON holding every figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" daemon/vpcd cni/vpc-cni ipamd/vpc-ipamd >/dev/null
exec /usr/bin/python3 "$root/bench/cni_bench.py" "$build"
