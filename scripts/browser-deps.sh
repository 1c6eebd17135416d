#!/usr/bin/env bash
# The browser the editor test (test/e2e/editor.test.ts) drives: Debian's `chromium` package,
# through playwright-core (playwright's own browser download does not work offline). Idempotent:
# installs only when /usr/bin/chromium is missing (scripts/apt-install.sh), so a second run takes
# no time. Needs root (or sudo) on Debian/Ubuntu. Prints chromium's path last.
set -euo pipefail
cd "$(dirname "$0")/.."
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
	bash scripts/apt-install.sh browser-deps chromium
	[ -x "$chromium" ] || { echo "[browser-deps] chromium installed, but $chromium is not there" >&2; exit 1; }
fi
echo "$chromium"
