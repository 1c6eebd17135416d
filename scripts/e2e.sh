#!/usr/bin/env bash
# `npm run test:e2e [-- jest args]`: end-to-end tests in real n8n, once per n8n line the package
# supports: 2.41.1 on Node 24, then 1.123.81 on Node 22 (SEGWAY_N8N_LINES="2" runs one). Makes sure
# of what they need on a clean clone (dependencies, Node + n8n in .cache, a fresh build), then runs
# jest with jest.e2e.config.js. Each suite starts its own n8n on free ports in a temp user folder.
# The editor test (Chromium, scripts/browser-deps.sh), the queue-mode test (PostgreSQL, Redis,
# HAProxy: scripts/cluster-deps.sh) and the AI agent test run on the 2.x line only.
# With SEGWAY_E2E_RESULTS=<dir>, each line's jest results go to <dir>/e2e-<line>.json.
# Each step is announced with its duration (scripts/step.sh); installs and the build write to
# .cache/logs/ and show the end of their log only when they fail.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/step.sh
source scripts/step.sh
if [ ! -d node_modules ]; then npm_ci_step; fi
mkdir -p .cache/logs
: >.cache/logs/build.log
step "build: dist/ (log: .cache/logs/build.log)" logged .cache/logs/build.log npm run build --silent

# n8n-cache.sh prints the cache folder last on stdout; its progress lines (stderr) show in the step.
n8n_cache() { bash scripts/n8n-cache.sh "$1" >"$2"; }
# browser-deps.sh prints chromium's path last.
browser_deps() { bash scripts/browser-deps.sh >/dev/null; }
status=0
for line in ${SEGWAY_N8N_LINES:-2 1}; do
	read -r n8n_version node_major < <(node -e '
		const l = require("./harness/n8n-lines.json")[process.argv[1]];
		console.log(l ? `${l.version} ${l.node}` : "");' "$line")
	where="$(mktemp)"
	step "n8n $n8n_version on Node $node_major in .cache" n8n_cache "$line" "$where"
	SEGWAY_N8N_CACHE_DIR="$(tail -n 1 "$where")"
	rm -f "$where"
	export SEGWAY_N8N_CACHE_DIR
	args=()
	if [ -n "${SEGWAY_E2E_RESULTS:-}" ]; then args+=(--json --outputFile="$SEGWAY_E2E_RESULTS/e2e-$line.json"); fi
	if [ "$line" = 2 ]; then
		# The editor test drives the demo's n8n (2.x) in Debian's chromium; installed here unless
		# the suite may skip it. The cluster test runs 2.x in queue mode on Debian's PostgreSQL,
		# Redis and HAProxy.
		if [ "${SEGWAY_BROWSER_OPTIONAL:-}" != 1 ]; then
			step "Debian package for the editor test: chromium" browser_deps
		fi
		step "Debian packages for the queue-mode test: postgresql-15, postgresql-client-15, redis-server, haproxy" bash scripts/cluster-deps.sh
	else
		# The editor, queue mode and the AI agent are tested in the n8n the demo runs; 1.x's editor
		# is another UI (Active, not Publish). The agent example still imports on 1.x
		# (trigger.test.ts checks every example there).
		args+=(--passWithNoTests --testPathIgnorePatterns=/node_modules/ '--testPathIgnorePatterns=(editor|cluster|agent)\.test\.ts')
	fi
	# The caller's arguments first: jest would read a path after an array option as one more value.
	SEGWAY_N8N_LINE="$line" step_loud "e2e n8n $n8n_version (jest)" npx jest -c jest.e2e.config.js "$@" "${args[@]}" || status=$?
done
exit "$status"
