#!/usr/bin/env bash
# docs/reference/ cannot drift from the binaries and the sources:
#   vpcctl.md     every subcommand of `vpcctl --help` has a section, and every
#                 option its `--help` prints is in that section; every option
#                 the section names is one the subcommand's --help prints;
#   vpcd.md       every option of vpcd's getopt table (daemon/vpcd.c) is in
#                 `vpcd --help` and in the doc's flag table, and back; every
#                 quota name of api/quota.c is in the doc's quota table;
#   vpc-ipamd.md  every environment variable ipamd/ reads (getenv and the
#                 env_* helpers, the EC2 client's table) is in the doc's
#                 table and in `vpc-ipamd --help`, and back;
#   vpc-cni.md    every configuration field cni-conf.c reads, every CNI_*
#                 variable and CNI_ARGS key cni-env.c reads, and every error
#                 code cni/ and ipamd/ can return is in the doc;
#   and every link and repository path the docs name exists.
# Reads only; runs the binaries with --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
: "${OPENVPC_BUILD:?set OPENVPC_BUILD to a build directory}"
exec python3 - "$root" "$OPENVPC_BUILD" <<'PY'
import os, re, subprocess, sys

root, build = sys.argv[1], sys.argv[2]
ref = os.path.join(root, "docs", "reference")
fails, passes = [], 0


def check(cond, msg):
    global passes
    if cond:
        passes += 1
    else:
        fails.append(msg)


def read(*p):
    with open(os.path.join(*p)) as f:
        return f.read()


def run_help(*argv):
    p = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, f"{' '.join(argv)}: exit status {p.returncode}")
    return p.stdout


def long_opts(text):
    # "--name" not followed by more name characters; "--" alone is no option.
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def section(doc, heading):
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return m.group(1) if m else None


# --- vpcctl -------------------------------------------------------------------
vpcctl = os.path.join(build, "cli", "vpcctl")
doc = read(ref, "vpcctl.md")
top = run_help(vpcctl, "--help")
subs = re.findall(r"^  ([a-z][a-z-]*) ", top.split("Subcommands:", 1)[1].split("\n\n", 1)[0], re.M)
check(len(subs) >= 5, f"vpcctl --help lists only {subs}")
for s in subs:
    if s == "help":
        check("`help`" in doc, "vpcctl.md does not describe help")
        continue
    heading = "flow-logs tail" if s == "flow-logs" else s
    sec = section(doc, heading)
    check(sec is not None, f"vpcctl.md has no section '## {heading}'")
    if sec is None:
        continue
    helptext = run_help(vpcctl, s, "--help")
    hopts = long_opts(helptext)
    for o in sorted(hopts):
        check(o in sec, f"vpcctl.md, section {heading}: {o} (in vpcctl {s} --help) is missing")
    for o in sorted(long_opts(sec) - {"--help", "--version", "--output"}):
        check(o in hopts, f"vpcctl.md, section {heading}: {o} is not an option of vpcctl {s}")
    # Every short option the help names is documented too.
    for o in sorted(set(re.findall(r"(?<![\w-])(-[a-zA-Z])\b", helptext))):
        check(f"`{o}`" in sec, f"vpcctl.md, section {heading}: {o} is missing")

# --- vpcd ---------------------------------------------------------------------
vpcd = os.path.join(build, "daemon", "vpcd")
if os.path.exists(vpcd):
    doc = read(ref, "vpcd.md")
    src = read(root, "daemon", "vpcd.c")
    table = set("--" + n for n in re.findall(r'\{"([a-z][a-z-]*)",\s*(?:no|required|optional)_argument', src))
    check(len(table) >= 10, f"daemon/vpcd.c: found only {sorted(table)} in the getopt table")
    helptext = run_help(vpcd, "--help")
    flags = section(doc, "Flags") or ""
    check(flags != "", "vpcd.md has no '## Flags' section")
    for o in sorted(table):
        check(o in long_opts(helptext), f"vpcd --help does not mention {o} (daemon/vpcd.c accepts it)")
        check(f"`{o}" in flags, f"vpcd.md's flag table lacks {o}")
    for o in sorted(long_opts(flags)):
        check(o in table, f"vpcd.md documents {o}, which vpcd does not accept")
    for o in sorted(long_opts(helptext)):
        check(o in table, f"vpcd --help names {o}, which vpcd does not accept")
    # Every quota --quota accepts (api/quota.c's table), and no other.
    qsrc = os.path.join(root, "api", "quota.c")
    if "--quota" in table and os.path.exists(qsrc):
        quotas = set(re.findall(r"^\s*Q\((\w+)\),", read(qsrc), re.M))
        check(len(quotas) >= 10, f"api/quota.c: found only {sorted(quotas)}")
        qdoc = set(re.findall(r"^\| `([a-z0-9_]+)` \|", doc, re.M))
        for q in sorted(quotas):
            check(q in qdoc, f"vpcd.md's quota table lacks {q} (api/quota.c accepts it)")
        for q in sorted(qdoc - quotas):
            check(False, f"vpcd.md's quota table names {q}, which --quota does not accept")

# --- vpc-ipamd ----------------------------------------------------------------
ipamd = os.path.join(build, "ipamd", "vpc-ipamd")
doc = read(ref, "vpc-ipamd.md")
env = section(doc, "Environment") or ""
check(env != "", "vpc-ipamd.md has no '## Environment' section")
read_vars = set()
for f in sorted(os.listdir(os.path.join(root, "ipamd"))):
    if f.endswith(".c"):
        s = read(root, "ipamd", f)
        read_vars |= set(re.findall(r'(?:getenv|env_long|env_bool|env_str|LONG)\(\s*"([A-Z][A-Z0-9_]+)"', s))
        read_vars |= set(re.findall(r'\{\s*"((?:AWS|OPENVPC)_[A-Z0-9_]+)",\s*offsetof', s))
check(len(read_vars) >= 20, f"ipamd/: found only {sorted(read_vars)}")
helptext = run_help(ipamd, "--help") if os.path.exists(ipamd) else None
for v in sorted(read_vars):
    check(f"`{v}`" in env, f"vpc-ipamd.md's environment table lacks {v} (read by ipamd/)")
    if helptext is not None:
        check(re.search(rf"\b{v}\b", helptext) is not None, f"vpc-ipamd --help lacks {v}")
documented = set()
for first_cell in re.findall(r"^\| ([^|]*)\|", env, re.M):
    documented |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
check(len(documented) >= 20, f"vpc-ipamd.md's environment table names only {sorted(documented)}")
for v in sorted(documented):
    check(v in read_vars, f"vpc-ipamd.md documents {v}, which ipamd/ does not read")
for ep in ("/metrics", "/v1/enis", "61678", "61679", "ipamd.sock"):
    check(ep in doc, f"vpc-ipamd.md does not mention {ep}")

# --- vpc-cni ------------------------------------------------------------------
doc = read(ref, "vpc-cni.md")
conf_src = read(root, "cni", "cni-conf.c")
fields = set(re.findall(r'opt_str\(c->root, "([A-Za-z/.-]+)"', conf_src))
fields |= set(re.findall(r'json_object_get\(\w+(?:->root)?, "([A-Za-z/.-]+)"', conf_src))
fields -= {"containerID", "ifname"}  # keys inside cni.dev/valid-attachments entries
check(len(fields) >= 8, f"cni-conf.c: found only {sorted(fields)}")
conf = section(doc, "Network configuration") or ""
for fl in sorted(fields):
    check(f"| `{fl}` |" in conf, f"vpc-cni.md's configuration table lacks {fl} (read by cni-conf.c)")
env_src = read(root, "cni", "cni-env.c")
cni_vars = set(re.findall(r'"(CNI_[A-Z]+)"', env_src))
args = set(re.findall(r'\{"(K8S_[A-Z_]+)"', env_src)) | {"IgnoreUnknown"}
envsec = section(doc, "Environment") or ""
for v in sorted(cni_vars):
    check(f"`{v}`" in envsec, f"vpc-cni.md's environment table lacks {v}")
for k in sorted(args):
    check(f"`{k}" in envsec, f"vpc-cni.md lacks the CNI_ARGS key {k}")
codes = dict((n, int(v)) for n, v in re.findall(r"(CNI_ERR_[A-Z_]+)\s*=\s*(\d+)", read(root, "cni", "cni-err.h")))
used = set()
for d in ("cni", "ipamd"):
    for f in os.listdir(os.path.join(root, d)):
        if f.endswith(".c"):
            used |= set(re.findall(r"\b(CNI_ERR_[A-Z_]+)\b", read(root, d, f)))
errs = section(doc, "Errors") or ""
for n in sorted(used & set(codes)):
    check(re.search(rf"^\| {codes[n]} \|", errs, re.M) is not None,
          f"vpc-cni.md's error table lacks code {codes[n]} ({n}, returned by cni/ or ipamd/)")

# --- links and the README's pointer ---------------------------------------------
for f in sorted(os.listdir(ref)):
    if not f.endswith(".md"):
        continue
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", read(ref, f)):
        check(os.path.exists(os.path.join(ref, target)), f"{f}: link to {target}, which does not exist")
    for path in re.findall(r"`((?:docs|examples|cni|cli|daemon|ipamd)/[A-Za-z0-9_./-]+\.(?:md|conflist|c|h))`", read(ref, f)):
        check(os.path.exists(os.path.join(root, path)), f"{f}: names {path}, which does not exist")
check("docs/reference/" in read(root, "README.md"), "README.md does not point at docs/reference/")

for m in fails:
    print("FAIL:", m)
print(f"test-reference-docs: {passes} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
PY
