#!/usr/bin/env bash
# Integration suite: every tests/integration/test-*.sh script, then pytest on
# tests/integration/ when it holds Python tests.  OPENVPC_BUILD points at the
# release build.  Every vpcd started here checks its save hints
# (OPENVPC_VERIFY_SAVE_HINTS: a hint that misses a changed object aborts it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OPENVPC_BUILD:?set OPENVPC_BUILD}"
export OPENVPC_BUILD
export OPENVPC_VERIFY_SAVE_HINTS=1
pass=0
fail=0
for t in "$here"/test-*.sh; do
	[ -e "$t" ] || continue
	if "$t"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $(basename "$t")"
		fail=$((fail + 1))
	fi
done
echo "integration scripts: $pass passed, $fail failed"
if compgen -G "$here/test_*.py" >/dev/null; then
	/usr/bin/python3 -m pytest -q "$here" || fail=$((fail + 1))
fi
[ "$fail" -eq 0 ]
