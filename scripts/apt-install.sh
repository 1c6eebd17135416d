#!/usr/bin/env bash
# Installs Debian packages for the test tooling, once: `bash scripts/apt-install.sh <who> <package>...`
# (browser-deps.sh, cluster-deps.sh). Needs root, or sudo, and apt-get. Packages must not start
# system services (there is no systemd here, and the harness runs its own servers on free ports):
# a policy-rc.d that refuses them is in place during the install. apt-get's output goes to
# .cache/logs/apt-<who>.log; when the install fails, the end of that log is printed.
set -euo pipefail
who="$1"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/step.sh
source "$root/scripts/step.sh"
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null 2>&1; then
	sudo=(sudo)
else
	echo "[$who] missing $*; installing needs root (apt-get install $*)" >&2
	exit 1
fi
command -v apt-get >/dev/null 2>&1 || {
	echo "[$who] missing $* and this is not a Debian-like system: install them yourself" >&2
	exit 1
}
log="$root/.cache/logs/apt-$who.log"
mkdir -p "$(dirname "$log")"
: >"$log"
echo "[$who] installing Debian packages $*, one time (log: $(shown "$log"))" >&2
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
	if [ "$created_policy" -eq 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod +x "$policy"
	created_policy=1
fi
if ! logged "$log" "${sudo[@]}" apt-get update -qq ||
	! logged "$log" "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"; then
	echo "[$who] installing $* failed (the end of apt-get's output above)" >&2
	exit 1
fi
