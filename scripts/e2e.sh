#!/usr/bin/env bash
# `npm run test:e2e [-- jest args]`: end-to-end tests in real n8n, once per n8n line the package
# supports: 2.41.1 on Node 24, then 1.123.81 on Node 22 (SEGWAY_N8N_LINES="2" runs one). Makes sure
# of what they need on a clean clone (dependencies, Node + n8n in .cache, a fresh build), then runs
# jest with jest.e2e.config.js. Each suite starts its own n8n on free ports in a temp user folder.
# The editor test (Chromium, scripts/browser-deps.sh), the queue-mode test (PostgreSQL, Redis,
# HAProxy: scripts/cluster-deps.sh) and the AI agent test run on the 2.x line only.
# With SEGWAY_E2E_RESULTS=<dir>, each line's jest results go to <dir>/e2e-<line>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
npm run build --silent >/dev/null
status=0
for line in ${SEGWAY_N8N_LINES:-2 1}; do
	SEGWAY_N8N_CACHE_DIR="$(bash scripts/n8n-cache.sh "$line" | tail -n 1)"
	export SEGWAY_N8N_CACHE_DIR
	echo "[e2e] n8n line $line"
	args=()
	if [ -n "${SEGWAY_E2E_RESULTS:-}" ]; then args+=(--json --outputFile="$SEGWAY_E2E_RESULTS/e2e-$line.json"); fi
	if [ "$line" = 2 ]; then
		# The editor test drives the demo's n8n (2.x) in Debian's chromium; installed here unless
		# the suite may skip it. The cluster test runs 2.x in queue mode on Debian's PostgreSQL,
		# Redis and HAProxy.
		if [ "${SEGWAY_BROWSER_OPTIONAL:-}" != 1 ]; then bash scripts/browser-deps.sh >/dev/null; fi
		bash scripts/cluster-deps.sh
	else
		# The editor, queue mode and the AI agent are tested in the n8n the demo runs; 1.x's editor
		# is another UI (Active, not Publish). The agent example still imports on 1.x
		# (trigger.test.ts checks every example there).
		args+=(--passWithNoTests --testPathIgnorePatterns=/node_modules/ '--testPathIgnorePatterns=(editor|cluster|agent)\.test\.ts')
	fi
	# The caller's arguments first: jest would read a path after an array option as one more value.
	SEGWAY_N8N_LINE="$line" npx jest -c jest.e2e.config.js "$@" "${args[@]}" || status=$?
done
exit "$status"
