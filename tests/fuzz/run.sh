#!/usr/bin/env bash
# Run every libFuzzer target in a build for a few seconds each, over its
# checked-in corpus (tests/fuzz/corpus/<name>/) when there is one.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:?build dir}
secs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
found=0
while IFS= read -r f; do
	name=$(basename "$f")
	corpus="$root/tests/fuzz/corpus/${name#fuzz-}"
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus/." "$work/"
	echo "fuzz: $name for ${secs}s"
	"$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 "$work" \
		>"$work.log" 2>&1 || { cat "$work.log"; rm -rf "$work" "$work.log"; exit 1; }
	tail -n 1 "$work.log"
	rm -rf "$work" "$work.log"
	found=$((found + 1))
done < <(find "$build/tests" -type f -name 'fuzz-*' -perm -u+x | sort)
echo "fuzz: $found targets ran clean"
