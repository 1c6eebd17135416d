#!/usr/bin/env bash
# The project's one test command (README, CI): installs what it needs on a fresh clone, then
# lint (the project's rules, then n8n's official lint over what ships with its UI written out),
# type-check, unit and integration tests (n8n-core engine + simulator), then the end-to-end tests
# in real n8n 2.41.1 and 1.123.81, the editor in a real browser included. Ends with the failed
# tests, if any, and one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
npm run lint
npm run typecheck
npx jest --json --outputFile="$results/unit.json" || status=$?
if [ "$status" -eq 0 ]; then
	SEGWAY_E2E_RESULTS="$results" bash scripts/e2e.sh || status=$?
fi

node scripts/test-summary.js "$results"
exit "$status"
