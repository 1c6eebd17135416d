#!/usr/bin/env bash
# Installs Debian packages for the test tooling, once: `bash scripts/apt-install.sh <who> <package>...`
# (browser-deps.sh, cluster-deps.sh). Needs root, or sudo, and apt-get. Packages must not start
# system services (there is no systemd here, and the harness runs its own servers on free ports):
# a policy-rc.d that refuses them is in place during the install. The output is shown only when
# the install fails.
set -euo pipefail
who="$1"
shift
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
echo "[$who] installing $* (one time)" >&2
log="$(mktemp)"
policy=/usr/sbin/policy-rc.d
created_policy=0
cleanup() {
	rm -f "$log"
	if [ "$created_policy" -eq 1 ]; then "${sudo[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod +x "$policy"
	created_policy=1
fi
if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
	! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1; then
	cat "$log" >&2
	echo "[$who] installing $* failed (output above)" >&2
	exit 1
fi
