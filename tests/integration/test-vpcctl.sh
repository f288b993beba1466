#!/usr/bin/env bash
# vpcctl's command-line contract, subcommand by subcommand (the list is read
# from `vpcctl --help`, so a new subcommand is covered without editing this):
#   - `vpcctl CMD --help` prints a usage on stdout, nothing on stderr, exit 0,
#     and `vpcctl help CMD` prints the same text;
#   - an unknown option exits 2 with a message naming the option and CMD;
#   - `--output json` parses as JSON for every subcommand that runs offline
#     (trace over examples/two-tier, max-pods, version, flow-logs tail over a
#     fixture of gzipped S3 objects, ls over the state of a vpcd that ran);
#   - nothing holds an ANSI escape when stdout and stderr are not a terminal;
#   - progress appears on stderr only on a terminal (a pty), never with
#     --quiet or --output json, and stdout stays clean.
# Sends no packets; the vpcd it starts (for ls) runs --no-fabric on loopback.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${OPENVPC_BUILD:?set OPENVPC_BUILD to a build directory}"
vpcctl="$OPENVPC_BUILD/cli/vpcctl"
vpcd="$OPENVPC_BUILD/daemon/vpcd"
ex="$root/examples/two-tier"
work=$(mktemp -d)
vpcd_pid=
ns_prefix="vpcctl-t$$-"
ns_made=
cleanup() {
	if [ -n "$vpcd_pid" ]; then
		kill "$vpcd_pid" 2>/dev/null || true
		wait "$vpcd_pid" 2>/dev/null || true
	fi
	if [ -n "$ns_made" ]; then ip netns del "$ns_made" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

WEB=i-0c4a8e2f6b1d37a95
DB=i-0e7b1d5a9c3f26e84
. "$(dirname "$0")/lib.sh"

empty() {
	if [ ! -s "$work/$1.$2" ]; then ok; else
		bad "$1: $2 is not empty"
		sed 's/^/    /' "$work/$1.$2" | head -10
	fi
}
no_ansi() {
	if ! grep -q $'\033' "$work/$1.out" "$work/$1.err"; then ok; else bad "$1: ANSI escape without a terminal"; fi
}
# is_json NAME [lines]: the whole stdout is one JSON document (or one per line).
is_json() {
	if python3 - "$work/$1.out" "${2:-doc}" <<'PY'; then ok; else bad "$1: stdout is not JSON"; fi
import json, sys
text = open(sys.argv[1]).read()
if sys.argv[2] == "lines":
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines, "no lines"
    for l in lines:
        json.loads(l)
else:
    json.loads(text)
PY
}

# pty_run NAME ARGS...: stdin and stderr on a pty, stdout a pipe (as
# `vpcctl ... | jq` in a terminal); writes NAME.out and NAME.tty.
pty_run() {
	local name=$1
	shift
	python3 - "$work/$name" "$vpcctl" "$@" <<'PY'
import os, pty, signal, subprocess, sys, time
base, argv = sys.argv[1], sys.argv[2:]
follow = "--follow" in argv
m, s = pty.openpty()
p = subprocess.Popen(argv, stdin=s, stderr=s, stdout=subprocess.PIPE)
os.close(s)
if follow:
    time.sleep(1.5)
    p.send_signal(signal.SIGINT)
out = p.stdout.read()
p.wait(timeout=30)
tty = b""
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    tty += d
open(base + ".out", "wb").write(out)
open(base + ".tty", "wb").write(tty)
sys.exit(p.returncode)
PY
}
# --- the subcommand list ---------------------------------------------------------
run 0 top-help --help
empty top-help err
mapfile -t subs < <(sed -n '/^Subcommands:/,/^$/p' "$work/top-help.out" | awk 'NF >= 2 && /^  / {print $1}')
if [ "${#subs[@]}" -ge 5 ]; then ok; else bad "fewer than 5 subcommands in vpcctl --help: ${subs[*]}"; fi
for want in trace flow-logs max-pods version help; do
	if printf '%s\n' "${subs[@]}" | grep -qx -- "$want"; then ok; else bad "vpcctl --help does not list $want"; fi
done
run 0 top-help2 help
cmp -s "$work/top-help.out" "$work/top-help2.out" && ok || bad "vpcctl help differs from vpcctl --help"
run 2 no-args
contains no-args err "Usage: vpcctl"
empty no-args out
run 2 unknown-sub frobnicate
contains unknown-sub err '"frobnicate"'
run 2 help-unknown help frobnicate
contains help-unknown err '"frobnicate"'
run 0 top-version --version
contains top-version out "vpcctl "

# --- --help and bad options, every subcommand ----------------------------------
# Arguments that make each subcommand's invocation otherwise valid, so that the
# unknown option is what fails.
bad_option_args() {
	case $1 in
	trace) echo "--aws-json $ex --source $WEB --destination $DB --destination-port 5432" ;;
	max-pods) echo "m5.large" ;;
	flow-logs) echo "tail --state-dir $work/none" ;;
	ls) echo "--state-dir $work/none" ;;
	*) echo "" ;;
	esac
}
for s in "${subs[@]}"; do
	run 0 "help-$s" "$s" --help
	contains "help-$s" out "Usage: vpcctl"
	empty "help-$s" err
	no_ansi "help-$s"
	run 0 "help-h-$s" "$s" -h
	cmp -s "$work/help-$s.out" "$work/help-h-$s.out" && ok || bad "vpcctl $s -h differs from --help"
	run 0 "helpcmd-$s" help "$s"
	cmp -s "$work/help-$s.out" "$work/helpcmd-$s.out" && ok || bad "vpcctl help $s differs from vpcctl $s --help"
	[ "$s" = help ] && continue
	# Every subcommand that prints a result documents --output text|json.
	if [ "$s" != exec ]; then contains "help-$s" out "--output"; fi
	if [ "$s" = exec ]; then
		run 2 "badopt-$s" exec --no-such-option i-0123456789abcdef0 -- true
	else
		# shellcheck disable=SC2046
		run 2 "badopt-$s" "$s" $(bad_option_args "$s") --no-such-option
	fi
	contains "badopt-$s" err '"--no-such-option"'
	contains "badopt-$s" err "vpcctl $s"
	contains "badopt-$s" err "--help"
	empty "badopt-$s" out
	no_ansi "badopt-$s"
	if [ "$s" != exec ]; then
		# shellcheck disable=SC2046
		run 2 "badout-$s" "$s" $(bad_option_args "$s") --output yaml
		contains "badout-$s" err '"yaml"'
	fi
done
run 2 flow-logs-tail-badopt flow-logs tail -Z
contains flow-logs-tail-badopt err '"-Z"'
run 0 flow-logs-tail-help flow-logs tail --help
cmp -s "$work/flow-logs-tail-help.out" "$work/help-flow-logs.out" && ok || bad "flow-logs tail --help differs"
run 2 missing-value trace --aws-json
contains missing-value err '"--aws-json" needs a value'

# --- --output json, offline ------------------------------------------------------
run 0 trace-json trace --aws-json "$ex" --source $WEB --destination $DB --destination-port 5432 --output json
is_json trace-json
run 1 trace-json-blocked trace --aws-json "$ex" --source $WEB --destination $DB --destination-port 22 --output=json
is_json trace-json-blocked
run 0 maxpods-json max-pods m5.large --output json
is_json maxpods-json
contains maxpods-json out '"MaxPods": 29'
run 0 version-json version --output json
is_json version-json
for n in trace-json trace-json-blocked maxpods-json version-json; do empty "$n" err; done

# A flow-log fixture: two S3 objects as vpcd's sink names and writes them, in
# two Regions, plus one that is not gzip.
python3 - "$work/state" <<'PY'
import gzip, os, sys
root = sys.argv[1]
head = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
def obj(region, window, recs):
    d = os.path.join(root, "s3", "bucket", "AWSLogs", "123456789012", "vpcflowlogs", region, "2026", "11", "27")
    os.makedirs(d, exist_ok=True)
    name = f"123456789012_vpcflowlogs_{region}_fl-0123456789abcdef0_{window}_0a1b2c3d.log.gz"
    with gzip.open(os.path.join(d, name), "wt") as f:
        f.write(head + "".join(r + "\n" for r in recs))
obj("us-east-1", "20261127T0200Z", [
    "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.10 10.0.2.20 40000 5432 6 10 840 1795744800 1795744860 ACCEPT OK",
    "2 123456789012 eni-0a1b2c3d4e5f60718 10.0.1.10 10.0.2.20 40001 22 6 1 60 1795744800 1795744860 REJECT OK"])
obj("eu-west-1", "20261127T0201Z", [
    "2 123456789012 eni-0f1e2d3c4b5a69788 10.1.1.10 10.1.2.20 40000 443 6 4 400 1795744860 1795744920 ACCEPT OK"])
PY
run 0 fl-json flow-logs tail --state-dir "$work/state" --output json
is_json fl-json lines
if [ "$(grep -c . "$work/fl-json.out")" -eq 3 ]; then ok; else bad "fl-json: expected 3 records"; fi
run 0 fl-region flow-logs tail --state-dir "$work/state" --region eu-west-1 --output json
if [ "$(grep -c . "$work/fl-region.out")" -eq 1 ] && grep -q '"dstport":443' "$work/fl-region.out"; then ok; else
	bad "fl-region: --region eu-west-1 did not keep exactly its one record"
fi
run 0 fl-text flow-logs tail --state-dir "$work/state"
contains fl-text out "REJECT"
no_ansi fl-text
OPENVPC_STATE_DIR="$work/state" "$vpcctl" flow-logs tail --output json >"$work/fl-env.out" 2>"$work/fl-env.err" && ok || bad "fl-env: exit status"
cmp -s "$work/fl-env.out" "$work/fl-json.out" && ok || bad "fl-env: \$OPENVPC_STATE_DIR is not the default --state-dir"
bad_dir="$work/state/s3/bucket/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/27"
echo "not gzip" >"$bad_dir/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261127T0202Z_ffffffff.log.gz"
run 1 fl-malformed flow-logs tail --state-dir "$work/state" --output json
is_json fl-malformed lines
contains fl-malformed err "malformed object"

# ls over the state a vpcd left (started --no-fabric on loopback, then stopped).
if [ -x "$vpcd" ]; then
	port=$((20000 + RANDOM % 20000))
	"$vpcd" --no-fabric --state-dir "$work/vpcd" --listen "127.0.0.1:$port" 2>"$work/vpcd.log" &
	vpcd_pid=$!
	for _ in $(seq 100); do [ -e "$work/vpcd/vpcd.lock" ] && break; sleep 0.1; done
	# Two instances in one subnet under the default security group (with boto3).
	ids=
	if python3 -c "import boto3" 2>/dev/null; then
		ids=$(python3 - "http://127.0.0.1:$port" <<'PY2'
import sys, time, boto3
ec2 = boto3.client("ec2", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret")
for _ in range(100):
    try:
        ec2.describe_vpcs()
        break
    except Exception:
        time.sleep(0.1)
vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
r = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.small", MinCount=2, MaxCount=2, SubnetId=sn)
print(" ".join(i["InstanceId"] for i in r["Instances"]))
PY2
		) || bad "could not create instances in vpcd"
	fi
	run 0 ls-json ls --state-dir "$work/vpcd" --output json
	is_json ls-json
	contains ls-json out '"Instances"'
	if [ -n "$ids" ]; then
		read -r i1 i2 <<<"$ids"
		contains ls-json out "\"$i1\""
		if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["Instances"]) == 2 and all(len(i["NetworkInterfaces"]) == 1 for i in d["Instances"]) else 1)' "$work/ls-json.out"; then ok; else
			bad "ls-json: not two instances with one interface each"
		fi
		run 0 trace-live trace --state-dir "$work/vpcd" --source "$i1" --destination "$i2" --destination-port 22 --output json
		is_json trace-live
		contains trace-live out '"NetworkPathFound": true'
		run 2 trace-live-region trace --state-dir "$work/vpcd" --region eu-west-1 --source "$i1" --destination "$i2" --destination-port 22
		contains trace-live-region err "$i1"
		pty_run pty-trace-live trace --state-dir "$work/vpcd" --source "$i1" --destination "$i2" --destination-port 22 && ok || bad "pty-trace-live: exit status"
		contains pty-trace-live tty "loading the state of the vpcd at $work/vpcd (Region us-east-1)"
		pty_run pty-ls ls --state-dir "$work/vpcd" && ok || bad "pty-ls: exit status"
		contains pty-ls tty "loading the state of the vpcd"
		contains pty-ls out "$i2"
	fi
	run 0 ls-text ls --state-dir "$work/vpcd"
	contains ls-text out "INSTANCE"
	no_ansi ls-text
	run 1 ls-notstate ls --state-dir "$work/state"
	contains ls-notstate err "not a vpcd state directory"
	kill "$vpcd_pid"
	wait "$vpcd_pid" 2>/dev/null || true
	vpcd_pid=
fi

# exec into a namespace this test makes (root only): the command's options
# stay the command's, its exit status is vpcctl's, a missing one is status 1.
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
	ns_made="${ns_prefix}i-0123456789abcdef0"
	ip netns add "$ns_made"
	run 0 exec-ip exec --fabric-prefix "$ns_prefix" i-0123456789abcdef0 -- ip -o link show
	contains exec-ip out "lo:"
	if ! grep -q "eth0" "$work/exec-ip.out"; then ok; else bad "exec-ip: saw the root namespace's eth0"; fi
	run 7 exec-status exec --fabric-prefix="$ns_prefix" i-0123456789abcdef0 sh -c 'exit 7'
	run 1 exec-missing exec --fabric-prefix "$ns_prefix" i-0fffffffffffffff0 -- true
	contains exec-missing err "has no namespace"
	run 127 exec-nocmd exec --fabric-prefix "$ns_prefix" i-0123456789abcdef0 -- /nonexistent/cmd
	ip netns del "$ns_made"
	ns_made=
fi

# --- no ANSI escapes without a terminal, even in text with colour ---------------
run 0 trace-text trace --aws-json "$ex" --source $WEB --destination $DB --destination-port 5432
no_ansi trace-text
run 1 trace-text-blocked trace --aws-json "$ex" --source $WEB --destination $DB --destination-port 22
no_ansi trace-text-blocked
run 0 maxpods-text max-pods m5.large
no_ansi maxpods-text

# --- progress: on a terminal's stderr only ----------------------------------------
tr_args=(trace --aws-json "$ex" --source $WEB --destination $DB --destination-port 5432)
pty_run pty-trace "${tr_args[@]}" && ok || bad "pty-trace: exit status"
contains pty-trace tty "loading the describe-* JSON of $ex"
if grep -q $'\033\[K' "$work/pty-trace.tty"; then ok; else bad "pty-trace: the progress line is not erased"; fi
contains pty-trace out "Reachable"
if ! grep -q "loading" "$work/pty-trace.out"; then ok; else bad "pty-trace: progress on stdout"; fi
pty_run pty-trace-q "${tr_args[@]}" --quiet && ok || bad "pty-trace-q: exit status"
[ ! -s "$work/pty-trace-q.tty" ] && ok || bad "pty-trace-q: --quiet still wrote to the terminal"
pty_run pty-trace-json "${tr_args[@]}" --output json && ok || bad "pty-trace-json: exit status"
[ ! -s "$work/pty-trace-json.tty" ] && ok || bad "pty-trace-json: progress beside --output json"
is_json pty-trace-json
rm -f "$bad_dir"/*ffffffff.log.gz
pty_run pty-fl flow-logs tail --state-dir "$work/state" --follow || true
contains pty-fl tty "waiting for new objects"
if [ "$(grep -c REJECT "$work/pty-fl.out")" -eq 1 ]; then ok; else bad "pty-fl: records not printed once on stdout"; fi
pty_run pty-fl-q flow-logs tail --state-dir "$work/state" --follow -q || true
[ ! -s "$work/pty-fl-q.tty" ] && ok || bad "pty-fl-q: --quiet still wrote to the terminal"

summary test-vpcctl
