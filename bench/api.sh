#!/usr/bin/env bash
# EC2 API benchmark: the same wrk workloads against vpcd (--no-fabric) and
# moto_server in one run — DescribeSubnets over 50 subnets, and a create/delete
# mix (CreateTags / DeleteTags, each a durable write in vpcd) — requests per
# second, p99 and the server process's CPU time per request for both and the
# ratio, at 8 connections (and the mix again at 32, where more writes share
# each of vpcd's fdatasyncs), and the mix at 8 and 32 connections against a
# second vpcd started with --no-fsync (answers wait for the COMMIT, which
# survives kill -9, not for the disk's flush).  The runs are interleaved as
# ../shared/reference/perf-anchors.md asks: ROUNDS rounds, each running every
# workload against vpcd, moto and vpcd --no-fsync in turn; the figures are
# medians over the rounds (p99 also its worst round) and each ratio pairs
# one round's adjacent runs (median and range printed).  Then vpcd's RSS
# holding 10,000 ENIs (vpcd runs with --quota enis_per_region raised past
# AWS's default 5,000; 8 clients create them), DescribeSubnets and one
# client's RunInstances / TerminateInstances with them present; last, the
# state disk alone: fdatasync of 4 KiB, by itself and with one CPU busy (its
# stalls are a floor under any durable p99; its CPU time is what each of
# vpcd's syncs costs).  Environment: API_BENCH_SECONDS (4 per run),
# API_BENCH_ROUNDS (5), API_BENCH_ENIS (10000), API_BENCH_ENI_CLIENTS (8).
# Usage: bench/api.sh [BUILD_DIR] (default: build).  Ends with one JSON line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" daemon/vpcd >/dev/null
command -v wrk >/dev/null || { echo "bench/api.sh: wrk is missing (scripts/deps.sh installs it)" >&2; exit 1; }
exec /usr/bin/python3 "$root/bench/api_bench.py" "$build"
