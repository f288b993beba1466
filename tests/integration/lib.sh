# Shared by the tests/integration/test-*.sh scripts (sourced): counting checks.
#   ok                    one check passed
#   bad WHAT...           one check failed: says so
#   summary NAME [NOTE]   "NAME: P passed, F failed [NOTE]"; the status is 0 only when none failed
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
summary() {
	echo "$1: $pass passed, $fail failed${2:+ $2}"
	[ "$fail" -eq 0 ]
}
