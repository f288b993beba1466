# Shared by the tests/integration/test-*.sh scripts (sourced): counting checks.
#   ok                    one check passed
#   bad WHAT...           one check failed: says so
#   summary NAME [NOTE]   "NAME: P passed, F failed [NOTE]"; the status is 0 only when none failed
# and, for the scripts that drive vpcctl ($vpcctl) and keep outputs in $work:
#   run WANT NAME ARGS... vpcctl ARGS (stdin empty), stdout/stderr kept in $work/NAME.{out,err};
#                         a check that the exit status is WANT
#   contains NAME out|err TEXT   a check that that output holds TEXT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
summary() {
	echo "$1: $pass passed, $fail failed${2:+ $2}"
	[ "$fail" -eq 0 ]
}
run() {
	local want=$1 name=$2 got=0
	shift 2
	"$vpcctl" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null || got=$?
	if [ "$got" -eq "$want" ]; then ok; else
		bad "$name: vpcctl $*: exit status $got, expected $want"
		sed 's/^/    /' "$work/$name.err" "$work/$name.out" | head -40
	fi
}
contains() {
	local name=$1 stream=$2 text=$3
	if grep -qF -- "$text" "$work/$name.$stream"; then ok; else
		bad "$name: $stream lacks: $text"
		sed 's/^/    /' "$work/$name.$stream" | head -30
	fi
}
