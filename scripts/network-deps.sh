#!/usr/bin/env bash
# What the benches' network shape needs (bench/lib/network.ts: `bench:fleet-command -- --network`,
# `bench:network-link`, test/bench/network.test.ts): iproute2 for the namespace and its link, the
# openssl CLI for the throwaway certificates, python3 for the userspace link on kernels without
# netem. Idempotent: installs only what is missing (scripts/apt-install.sh). Needs root on Debian.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
[ "${#missing[@]}" -eq 0 ] && exit 0
bash scripts/apt-install.sh network-deps "${missing[@]}"
