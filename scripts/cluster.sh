#!/usr/bin/env bash
# The demo in n8n 2.41.1 queue mode, on this machine: Postgres, Redis, n8n main + a worker + two
# webhook processes behind HAProxy, the package installed, the demo workflows published, the
# simulator pushing through the balancer (scripts/cluster.ts). Ctrl-C stops everything it started.
#
#   bash scripts/cluster.sh        editor on http://localhost:5678, pushes through http://127.0.0.1:5680
#
# Environment: N8N_PORT, BALANCER_PORT, SIM_PORT, DEMO_TIME_SCALE (see scripts/cluster.ts).
# Installs what it needs first: dependencies, Node 24 + n8n in .cache, Debian's PostgreSQL, Redis
# and HAProxy (scripts/cluster-deps.sh; needs root or sudo), a fresh build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
SEGWAY_N8N_CACHE_DIR="$(bash scripts/n8n-cache.sh 2 | tail -n 1)"
export SEGWAY_N8N_CACHE_DIR SEGWAY_N8N_LINE=2
bash scripts/cluster-deps.sh
npm run build --silent >/dev/null
# One process (no tsx wrapper): Ctrl-C reaches only it, and it stops the servers in order.
exec node --import tsx scripts/cluster.ts
