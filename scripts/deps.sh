#!/usr/bin/env bash
# Install everything openvpc needs to build, test and run its demo on Debian 12.
# Idempotent: packages already present are not touched, and with everything
# present this is a no-op (no apt-get update, no network).
set -euo pipefail

packages=(
	# build
	build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
	# libraries (design.md, "Dependencies")
	libjansson-dev libsqlite3-dev libmicrohttpd-dev libssl-dev libxml2-dev
	libcurl4-openssl-dev libnl-3-dev libnl-route-3-dev libnftables-dev zlib1g-dev
	libmd-dev # SHA-1 in vpc-cni without libcrypto's start-up (docs/architecture.md)
	libldns-dev # DNS messages of the Amazon DNS server (fabric/dns-wire.c)
	# tests
	libcriterion-dev python3-pytest python3-boto3 python3-dnspython awscli valgrind sqlite3
	# network tests and benchmarks
	iproute2 iputils-ping nftables iperf3 jq wrk
	# pod networking tests and benchmarks: the reference CNI plugins, podman (CNI backend)
	containernetworking-plugins podman runc busybox-static
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
