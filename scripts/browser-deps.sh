#!/usr/bin/env bash
# The browser the editor test (test/e2e/editor.test.ts) drives: Debian's `chromium` package,
# through playwright-core (playwright's own browser download does not work offline). Idempotent:
# installs only when /usr/bin/chromium is missing (one `apt-get update`, then the install), so a
# second run takes no time. Needs root (or sudo) on Debian/Ubuntu. Prints chromium's path last.
set -euo pipefail
chromium=/usr/bin/chromium

if [ ! -x "$chromium" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "[browser-deps] $chromium is missing and installing it needs root (apt-get install chromium)" >&2
		exit 1
	fi
	command -v apt-get >/dev/null 2>&1 || {
		echo "[browser-deps] $chromium is missing and this is not a Debian-like system: install chromium yourself" >&2
		exit 1
	}
	echo "[browser-deps] installing Debian's chromium (one time)" >&2
	log="$(mktemp)"
	trap 'rm -f "$log"' EXIT
	export DEBIAN_FRONTEND=noninteractive
	if ! "${sudo[@]}" apt-get update -qq >"$log" 2>&1 ||
		! "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >>"$log" 2>&1; then
		cat "$log" >&2
		echo "[browser-deps] installing chromium failed (output above)" >&2
		exit 1
	fi
	[ -x "$chromium" ] || { echo "[browser-deps] chromium installed, but $chromium is not there" >&2; exit 1; }
fi
echo "$chromium"
