#!/usr/bin/env bash
# Installs the package as n8n users get it: the contents of the `npm pack` tarball of the current
# build (run `npm run build` first) into <user folder>/.n8n/nodes/node_modules/n8n-nodes-segway-fleet,
# where n8n 2.x loads community packages with the type names n8n-nodes-segway-fleet.<node>.
# Usage: scripts/install-into-n8n.sh <N8N_USER_FOLDER>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
user_folder="${1:?usage: install-into-n8n.sh <N8N_USER_FOLDER>}"
[ -f "$root/dist/nodes/SegwayFleet/SegwayFleet.node.js" ] || { echo "no build in $root/dist: run npm run build" >&2; exit 1; }
nodes_dir="$user_folder/.n8n/nodes"
target="$nodes_dir/node_modules/n8n-nodes-segway-fleet"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tarball="$(cd "$root" && npm pack --silent --ignore-scripts --pack-destination "$tmp" | tail -n 1)"
mkdir -p "$nodes_dir/node_modules"
rm -rf "$target"
mkdir -p "$target"
tar -xzf "$tmp/$tarball" -C "$target" --strip-components=1
# n8n keeps community packages in a small npm project of its own; give it one naming ours.
version="$(node -p "require('$target/package.json').version")"
if [ ! -f "$nodes_dir/package.json" ]; then
	printf '{\n  "name": "installed-nodes",\n  "private": true,\n  "dependencies": {\n    "n8n-nodes-segway-fleet": "%s"\n  }\n}\n' "$version" > "$nodes_dir/package.json"
fi
echo "$target"
