#!/usr/bin/env bash
# `npm run test:e2e [-- jest args]`: end-to-end tests in real n8n 2.41.1. Makes sure of what they
# need on a clean clone (dependencies, Node 24 + n8n in .cache, a fresh build), then runs jest
# with jest.e2e.config.js. Each suite starts its own n8n on free ports in a temp user folder.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund; fi
SEGWAY_N8N_CACHE_DIR="$(bash scripts/n8n-cache.sh | tail -n 1)"
export SEGWAY_N8N_CACHE_DIR
npm run build --silent >/dev/null
exec npx jest -c jest.e2e.config.js "$@"
