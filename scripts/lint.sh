#!/usr/bin/env bash
# Lint as n8n's verification sees the package: both rule sets (eslint-plugin-n8n-nodes-base and
# @n8n/eslint-plugin-community-nodes) over the whole tree with the project's config, then n8n's
# official `n8n-node lint` (strict mode: its default config, unchanged) over a copy of what ships
# in which the generated node and credential descriptions are written out as literals, so that
# every text a user sees in the editor is checked too (scripts/materialize-ui.ts).
#
# Prints one line when both pass; a linter's whole output when it fails or warns. (Under
# scripts/test.sh, which prints the step's own "ok" line, a clean pass prints nothing.)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# What a linter printed beyond n8n-node lint's banner ("┌ n8n-node lint v0.48.3"), colours and
# blank lines: a warning, if anything.
said_something() { sed -e 's/\x1b\[[0-9;]*m//g' -e '/n8n-node lint/d' -e '/^[[:space:]│┌└]*$/d' "$out" | grep -q .; }

if ! npx eslint . >"$out" 2>&1; then
	cat "$out"
	echo "lint: eslint failed (above)"
	exit 1
fi
if said_something; then cat "$out"; fi

official="$(npx tsx scripts/materialize-ui.ts .build/official | tail -n 1)"
if ! (cd "$official" && npx n8n-node lint) >"$out" 2>&1; then
	cat "$out"
	echo "lint: n8n-node lint failed (above; it ran in $official, what ships with its UI written out)"
	exit 1
fi
if said_something; then cat "$out"; fi

if [ -z "${SEGWAY_STEP:-}" ]; then
	echo "lint: ok (eslint with both n8n rule sets; n8n-node lint $(node -p "require('./node_modules/@n8n/node-cli/package.json').version") over what ships)"
fi
