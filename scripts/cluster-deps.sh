#!/usr/bin/env bash
# What n8n queue mode needs on this machine (harness/cluster.ts, scripts/cluster.sh and the
# cluster e2e test): Debian's PostgreSQL 15, Redis and HAProxy. Idempotent: installs only what is
# missing (scripts/apt-install.sh), so a second run takes no time. Needs root (or sudo) on Debian.
# Nothing is started here and no system service is used: the harness runs each server itself, in
# a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v createdb >/dev/null 2>&1 || missing+=(postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
[ "${#missing[@]}" -eq 0 ] && exit 0
bash scripts/apt-install.sh cluster-deps "${missing[@]}"
