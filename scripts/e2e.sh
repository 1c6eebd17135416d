#!/usr/bin/env bash
# `npm run test:e2e [-- jest args]`: end-to-end tests in real n8n, once per n8n line the package
# supports: 2.41.1 on Node 24, then 1.123.81 on Node 22 (SEGWAY_N8N_LINES="2" runs one). Makes sure
# of what they need on a clean clone (dependencies, Node + n8n in .cache, a fresh build), then runs
# jest with jest.e2e.config.js. Each suite starts its own n8n on free ports in a temp user folder.
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
	results=()
	if [ -n "${SEGWAY_E2E_RESULTS:-}" ]; then results=(--json --outputFile="$SEGWAY_E2E_RESULTS/e2e-$line.json"); fi
	SEGWAY_N8N_LINE="$line" npx jest -c jest.e2e.config.js "${results[@]}" "$@" || status=$?
done
exit "$status"
