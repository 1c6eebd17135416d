#!/usr/bin/env bash
# Lint as n8n's verification sees the package: both rule sets (eslint-plugin-n8n-nodes-base and
# @n8n/eslint-plugin-community-nodes) over the whole tree with the project's config, then n8n's
# official `n8n-node lint` (strict mode: its default config, unchanged) over a copy of what ships
# in which the generated node and credential descriptions are written out as literals, so that
# every text a user sees in the editor is checked too (scripts/materialize-ui.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
npx eslint .
official="$(npx tsx scripts/materialize-ui.ts .build/official | tail -n 1)"
(cd "$official" && npx n8n-node lint)
