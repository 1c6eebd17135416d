#!/usr/bin/env bash
# Runs the unit and the end-to-end suites several times in a row with a CPU hog beside them (one
# busy loop per core), to show that no test depends on a quiet machine. The e2e suites run on
# both n8n lines, the editor test included (scripts/e2e.sh).
#
#   bash scripts/flake-check.sh            5 rounds, one hog per core
#   FLAKE_RUNS=3 FLAKE_HOGS=4 bash scripts/flake-check.sh
#
# Ends with one line per suite, e.g. "unit: 5/5 passed", and exits 1 if any round failed. Logs
# of failed rounds stay in .cache/flake/.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${FLAKE_RUNS:-5}"
hogs="${FLAKE_HOGS:-$(nproc)}"
logs=".cache/flake"
mkdir -p "$logs"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
# Installed before the hog starts: what is measured is the tests, not the installers.
for line in ${SEGWAY_N8N_LINES:-2 1}; do bash scripts/n8n-cache.sh "$line" >/dev/null; done
if [ "${SEGWAY_BROWSER_OPTIONAL:-}" != 1 ]; then bash scripts/browser-deps.sh >/dev/null; fi

hog_pids=()
stop_hogs() { for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_hogs EXIT
for _ in $(seq 1 "$hogs"); do
	node -e 'for (;;) {}' &
	hog_pids+=("$!")
done
echo "[flake] $hogs CPU hogs running; load: $(cut -d' ' -f1-3 /proc/loadavg)"

unit_ok=0
e2e_ok=0
for round in $(seq 1 "$runs"); do
	start=$(date +%s)
	if npx jest --silent >"$logs/unit-$round.log" 2>&1; then unit_ok=$((unit_ok + 1)); u=pass; else u=FAIL; fi
	if bash scripts/e2e.sh >"$logs/e2e-$round.log" 2>&1; then e2e_ok=$((e2e_ok + 1)); e=pass; else e=FAIL; fi
	echo "[flake] round $round/$runs: unit $u, e2e $e ($(($(date +%s) - start)) s, load $(cut -d' ' -f1 /proc/loadavg))"
	[ "$u" = pass ] && rm -f "$logs/unit-$round.log"
	[ "$e" = pass ] && rm -f "$logs/e2e-$round.log"
done
echo "unit: $unit_ok/$runs passed"
echo "e2e: $e2e_ok/$runs passed"
[ "$unit_ok" -eq "$runs" ] && [ "$e2e_ok" -eq "$runs" ]
