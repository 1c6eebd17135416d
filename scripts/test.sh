#!/usr/bin/env bash
# The project's one test command (README, CI): installs what it needs on a fresh clone, then
# lint (the project's rules, then n8n's official lint over what ships with its UI written out),
# type-check, unit and integration tests (n8n-core engine + simulator), then the end-to-end tests
# in real n8n 2.41.1 and 1.123.81, the editor in a real browser included (scripts/e2e.sh).
#
# Each step is announced on one line with its duration ("[test] lint … ok (17.1 s)"); what a step
# prints comes below its line. Installs write to .cache/logs/ and show the end of their log only
# when they fail. Ends with the failed tests, if any, and one "tests: N passed, N failed" line
# (scripts/test-summary.js). A failed lint, type-check or install stops here, before any tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/step.sh
source scripts/step.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm_ci_step; fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
step "lint: eslint with both n8n rule sets, then n8n-node lint" bash scripts/lint.sh
step "type-check (tsc)" npm run --silent typecheck
step "Debian packages for the bench network test: iproute2, openssl, python3 (when missing)" bash scripts/network-deps.sh
step_loud "unit and integration tests (jest)" npx jest --json --outputFile="$results/unit.json" || status=$?
if [ "$status" -eq 0 ]; then
	SEGWAY_E2E_RESULTS="$results" bash scripts/e2e.sh || status=$?
else
	echo "[test] end-to-end tests skipped: the unit and integration tests failed"
fi

node scripts/test-summary.js "$results"
exit "$status"
