#!/usr/bin/env bash
# Runs one unit-test program and fails it when LeakSanitizer reports a leak.
#
# Criterion runs each test in a worker process that reports the test's result
# before it exits; LeakSanitizer checks at that exit, so its report (and its
# exit status) would not fail the test.  Meson runs every unit test through
# this wrapper (add_test_setup in tests/meson.build).
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$@" 2>"$log"
rc=$?
cat "$log" >&2
if grep -q 'ERROR: LeakSanitizer' "$log"; then
	echo "leak-check: LeakSanitizer reported a leak in $1" >&2
	exit 1
fi
exit "$rc"
