#!/usr/bin/env bash
# What n8n queue mode needs on this machine (harness/cluster.ts, scripts/cluster.sh and the
# cluster e2e test): Debian's PostgreSQL 15, Redis and HAProxy. Idempotent: installs only what is
# missing (one `apt-get update`, then the install), so a second run takes no time. Needs root (or
# sudo) on Debian. Nothing is started here and no system service is used: the harness runs each
# server itself, in a temporary folder.
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v createdb >/dev/null 2>&1 || missing+=(postgresql-client-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "[cluster-deps] missing ${missing[*]}; installing them needs root (apt-get install)" >&2
	exit 1
fi
command -v apt-get >/dev/null 2>&1 || {
	echo "[cluster-deps] missing ${missing[*]} and this is not a Debian-like system: install PostgreSQL 15, Redis and HAProxy yourself" >&2
	exit 1
}
echo "[cluster-deps] installing ${missing[*]} (one time)" >&2
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101: the packages must not start their system services (no systemd here, and the
# harness runs its own servers on free ports).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod +x "$policy"
	created_policy=1
fi
status=0
if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
	! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
	cat "$log" >&2
	echo "[cluster-deps] installing ${missing[*]} failed (output above)" >&2
	status=1
fi
[ "$created_policy" -eq 1 ] && "${sudo[@]}" rm -f "$policy"
exit "$status"
