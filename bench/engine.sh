#!/usr/bin/env bash
# Engine benchmark: ns per packet and packets per second on one core for
# established (conntrack hit) and new flows at AWS's maximum configuration
# sizes with 1,000,000 tracked connections, against a naive linear peer in the
# same run; then callgrind instruction counts per packet for both paths.
# Usage: bench/engine.sh [BUILD_DIR]   (default: build, configured release)
# Ends with one line of JSON holding every figure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" bench/engine-bench >/dev/null
bin="$build/bench/engine-bench"
cpu=$(nproc)
pin=()
if command -v taskset >/dev/null && [ "$cpu" -ge 2 ]; then pin=(taskset -c 1); fi

echo "== $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
echo "== timed run (median of 5 rounds; pinned: ${pin[*]:-no})"
timed=$("${pin[@]}" "$bin" --conns 1000000 --packets 1000000)
echo "$timed" | sed '$d'
json_timed=$(echo "$timed" | tail -n 1)

ir_per_packet() {
	# $1 = mode, $2 = run_engine or run_engine_burst; measures it and run_naive
	# separately over N packets.
	local mode=$1 fn=${2:-run_engine} n=20000 out extra=()
	[ "$fn" = run_engine_burst ] && extra=(--burst)
	out=$(mktemp -d)
	valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" \
		--toggle-collect="$fn" --toggle-collect=run_naive \
		"$bin" --conns 20000 --packets $n --mode "$mode" --callgrind "${extra[@]}" \
		>/dev/null 2>"$out/log" || {
		cat "$out/log" >&2; return 1; }
	# Inclusive cost of each toggled function from callgrind_annotate, summed
	# over every part written (a dump requested from outside, e.g. another
	# user's callgrind_control -d, splits the profile into cg.PID and cg.PID.N).
	local f eng=0 naive=0 v
	for f in "$out"/cg.*; do
		# (awk reads to the end: an early exit would kill the annotator with SIGPIPE,
		# which pipefail and set -e turn into a silent exit of the script.)
		v=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
			awk -v fn=":$fn " 'index($0, fn) && !done {gsub(",","",$1); print $1; done=1}')
		eng=$((eng + ${v:-0}))
		v=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
			awk '/:run_naive / && !done {gsub(",","",$1); print $1; done=1}')
		naive=$((naive + ${v:-0}))
	done
	rm -rf "$out"
	echo "$((eng / n)) $((naive / n))"
}

echo "== callgrind instructions per packet (20,000 tracked connections, 20,000 packets)"
read -r est_ir est_naive_ir < <(ir_per_packet established)
read -r new_ir new_naive_ir < <(ir_per_packet new)
read -r estb_ir _ < <(ir_per_packet established run_engine_burst)
read -r newb_ir _ < <(ir_per_packet new run_engine_burst)
printf '%-12s %14s %14s %14s\n' "packets" "openvpc Ir" "in bursts" "naive Ir"
printf '%-12s %14s %14s %14s\n' "established" "$est_ir" "$estb_ir" "$est_naive_ir"
printf '%-12s %14s %14s %14s\n' "new" "$new_ir" "$newb_ir" "$new_naive_ir"
echo "$json_timed" | jq -c --argjson ei "$est_ir" --argjson eni "$est_naive_ir" \
	--argjson ni "$new_ir" --argjson nni "$new_naive_ir" \
	--argjson ebi "$estb_ir" --argjson nbi "$newb_ir" \
	'. + {established_ir: $ei, established_naive_ir: $eni, new_ir: $ni, new_naive_ir: $nni,
	      established_burst_ir: $ebi, new_burst_ir: $nbi}'
