#!/usr/bin/env bash
# The demo: real n8n 2.41.1 on http://localhost:5678 with this package installed as users get it,
# a demo credential pointing at the bundled Segway simulator, the example workflows, and the
# simulator pushing signed events of a demo fleet (vehicles in mixed states) into two published
# workflows: "every push" and "low battery → swap list".
#
#   bash scripts/demo.sh        (or: npm run demo)        Ctrl-C stops everything it started.
#
# Environment: N8N_PORT (5678), SIM_PORT (8080), N8N_RUNNERS_BROKER_PORT (5690),
# DEMO_TIME_SCALE (10 simulated seconds per real second), DEMO_RESET=1 (start from a new n8n
# user folder). Everything lives in .cache/ (Node 24, n8n, the demo's user folder); nothing is
# installed globally.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started_at=$(date +%s%N)
elapsed() { awk -v ns="$(( $(date +%s%N) - started_at ))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
say() { printf '[demo %6ss] %s\n' "$(elapsed)" "$*"; }

n8n_port="${N8N_PORT:-5678}"
sim_port="${SIM_PORT:-8080}"
broker_port="${N8N_RUNNERS_BROKER_PORT:-5690}"
time_scale="${DEMO_TIME_SCALE:-10}"
demo_dir="$root/.cache/demo"
# Must match examples/demo-push-log.json, examples/demo-low-battery.json and the credential the
# examples reference.
demo_workflow_id="exDemoPushLog01"
demo_webhook_id="5e9a7f1e-d0e0-4d3e-8a11-00000000de70"
battery_workflow_id="exDemoLowBatt01"
battery_webhook_id="5e9a7f1e-d0e0-4d3e-8a11-00000000ba77"
credential_id="segwayFleetDemo1"
credential_name="Segway Fleet (simulator)"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$n8n_port" "$sim_port" "$broker_port"; do
	if port_busy "$p"; then
		echo "Port $p is already in use (another n8n or simulator?). Stop it, or set N8N_PORT / SIM_PORT / N8N_RUNNERS_BROKER_PORT." >&2
		exit 1
	fi
done

# ── 1. Dependencies, Node 24 + n8n, the package build ──────────────────────────────────────
if [ ! -d node_modules ]; then
	say "npm ci (first run)"
	npm ci --no-audit --no-fund
fi
say "Node 24 and n8n 2.41.1 in .cache (installed once, a few minutes the first time)"
cache="$(bash scripts/n8n-cache.sh | tail -n 1)"
node24_bin="$cache/node24/node_modules/node/bin"
n8n_bin="$cache/n8n/node_modules/.bin/n8n"

if [ "${DEMO_RESET:-}" = 1 ]; then rm -rf "$demo_dir"; fi
mkdir -p "$demo_dir"
build_stamp="$demo_dir/.built"
if [ ! -f dist/nodes/SegwayFleet/SegwayFleet.node.js ] || [ ! -f "$build_stamp" ] ||
	[ -n "$(find api nodes credentials icons package.json tsconfig.json -newer "$build_stamp" -print -quit)" ]; then
	say "npm run build"
	npm run build --silent >/dev/null
	say "installing the npm pack tarball into $demo_dir/.n8n/nodes/node_modules"
	bash scripts/install-into-n8n.sh "$demo_dir" >/dev/null
	touch "$build_stamp"
else
	say "build and installed package are up to date"
fi

export PATH="$node24_bin:$PATH"
export N8N_USER_FOLDER="$demo_dir"
export N8N_PORT="$n8n_port"
export N8N_RUNNERS_BROKER_PORT="$broker_port"
export N8N_DIAGNOSTICS_ENABLED=false
export N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=false
export N8N_VERSION_NOTIFICATIONS_ENABLED=false
export N8N_PERSONALIZATION_ENABLED=false
export N8N_HIRING_BANNER_ENABLED=false
export N8N_LOG_LEVEL="${N8N_LOG_LEVEL:-warn}"

# ── 2. Credential and example workflows (again only when they changed) ─────────────────────
sim_url="http://127.0.0.1:$sim_port"
credential_json="$demo_dir/credential.json"
cat >"$credential_json" <<JSON
[{"id":"$credential_id","name":"$credential_name","type":"segwayFleetApi",
  "data":{"clientId":"A20081","clientSecret":"e2651be5-12d3-48f3-ba6c-bc2b04a447b6","region":"custom","baseUrl":"$sim_url"}}]
JSON
import_stamp="$demo_dir/.imported"
import_key="$(cat "$credential_json" examples/*.json | sha256sum | cut -c1-16)"
if [ ! -f "$import_stamp" ] || [ "$(cat "$import_stamp")" != "$import_key" ]; then
	say "importing the credential \"$credential_name\" (first n8n run also creates its database)"
	"$n8n_bin" import:credentials --input="$credential_json" >"$demo_dir/import.log" 2>&1 || { cat "$demo_dir/import.log" >&2; exit 1; }
	say "importing examples/*.json"
	"$n8n_bin" import:workflow --separate --input="$root/examples" >>"$demo_dir/import.log" 2>&1 || { cat "$demo_dir/import.log" >&2; exit 1; }
	for id in "$demo_workflow_id" "$battery_workflow_id"; do
		say "publishing the demo workflow $id"
		"$n8n_bin" publish:workflow --id="$id" >>"$demo_dir/import.log" 2>&1 || { cat "$demo_dir/import.log" >&2; exit 1; }
	done
	echo "$import_key" >"$import_stamp"
else
	say "credential and workflows already imported"
fi

# ── 3. n8n and the simulator, each in its own process group ────────────────────────────────
set -m
pids=()
cleanup() {
	trap - INT TERM EXIT
	[ "${#pids[@]}" -eq 0 ] && return
	echo
	say "stopping n8n and the simulator"
	for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
	for _ in $(seq 1 50); do
		alive=0
		for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
		[ "$alive" -eq 0 ] && break
		sleep 0.2
	done
	for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
	pids=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

n8n_log="$demo_dir/n8n.log"
sim_log="$demo_dir/simulator.log"
"$n8n_bin" start >"$n8n_log" 2>&1 &
pids+=("$!")
n8n_pid=$!
# The simulator (through tsx); its pushes are switched on once n8n answers. Both published
# workflows get every push, as two Segway push URLs would.
webhook_base="http://localhost:$n8n_port/webhook/$demo_webhook_id"
battery_base="http://localhost:$n8n_port/webhook/$battery_webhook_id"
"$root/node_modules/.bin/tsx" simulator/cli.ts --port "$sim_port" --vehicles 20 \
	--push-to "$webhook_base" --push-to "$battery_base" --no-push --time-scale "$time_scale" \
	--alert-rate 0.5 --fault-rate 0.2 >"$sim_log" 2>&1 &
pids+=("$!")
sim_pid=$!
say "starting n8n (log: ${n8n_log#"$root"/}) and the simulator (log: ${sim_log#"$root"/})"

until curl -sf "$sim_url/_admin/config" >/dev/null; do
	kill -0 "$sim_pid" 2>/dev/null || { cat "$sim_log" >&2; echo "the simulator did not start" >&2; exit 1; }
	sleep 0.2
done
until curl -sf "http://localhost:$n8n_port/healthz/readiness" >/dev/null; do
	kill -0 "$n8n_pid" 2>/dev/null || { tail -n 40 "$n8n_log" >&2; echo "n8n did not start" >&2; exit 1; }
	sleep 0.3
done
# Webhooks are registered a moment after readiness: an unsigned push must get 401, not 404.
for _ in $(seq 1 100); do
	code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$webhook_base/v2/vehicle/status" || true)"
	[ "$code" = 401 ] && break
	sleep 0.2
done
[ "$code" = 401 ] || say "warning: the demo trigger's webhook answers $code instead of 401; see $n8n_log"
curl -sf -X PATCH "$sim_url/_admin/config" -H 'content-type: application/json' -d '{"pushEnabled":true}' >/dev/null
imeis=($(curl -sf "$sim_url/_admin/vehicles" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(v=>v.iotCode).join(" ")))'))
imei="${imeis[0]}"
# A fleet in mixed states, so that the examples have something to do: three unlocked after their
# ride (the nightly lock locks them), one on the charger, one offline, one already low (the
# low-battery workflow runs for it at once).
patch() { curl -sf -X PATCH "$sim_url/_admin/vehicles/$1" -H 'content-type: application/json' -d "$2" >/dev/null; }
for i in 1 2 3; do patch "${imeis[$i]}" '{"locked":false}'; done
patch "${imeis[4]}" '{"charging":true,"powerPercent":35}'
patch "${imeis[5]}" '{"online":false}'
patch "${imeis[6]}" '{"powerPercent":15}'
ready="$(elapsed)"

cat <<EOF

  n8n ${ready}s after start: http://localhost:$n8n_port
  ───────────────────────────────────────────────────────────────────────────────
  1. Open http://localhost:$n8n_port. On the first visit n8n asks you to set up the owner
     account: any e-mail, and a password of 8 or more characters with a digit and a capital
     letter (e.g. Segway-Demo1). It stays in .cache/demo.
  2. Credentials: "$credential_name" (Segway Fleet API, region Custom, base URL $sim_url,
     the simulator's demo client A20081). Open it and click "Test".
  3. Workflows:
     - "Segway demo: every push from the simulator" is published: the simulator pushes signed
       status, location, alert and fault events to $webhook_base
       → open it, then Executions.
     - "Segway demo: low battery → swap list" is published: it runs once per vehicle whose
       battery falls below 20 % (${imeis[6]} already has) → Executions.
     - "Segway: lock every unlocked vehicle at night": open it and click "Execute workflow":
       three vehicles were left unlocked after their ride; one is offline.
     - "Segway: winter storage — transport mode for a list of vehicles": "Execute workflow".
     - Slack / e-mail examples: pick your own Slack or SMTP credential before publishing them
       (a webhook ID belongs to one published workflow: change the trigger's if you publish a
       copy of a demo workflow).
  4. Make something happen (the simulator's admin API, $sim_url/_admin):
       curl -X PATCH $sim_url/_admin/vehicles/$imei -d '{"powerPercent":12}'     # low-battery run
       curl -X PATCH $sim_url/_admin/vehicles/$imei -d '{"alert":{"code":6}}'    # lifted-up alert
       curl -X PATCH $sim_url/_admin/vehicles/$imei -d '{"fault":{"code":11}}'   # motor fault
       curl -X PATCH $sim_url/_admin/vehicles/$imei -d '{"charging":true}'       # charge it (re-arms at 25 %)
  Ctrl-C stops n8n and the simulator.

EOF

# Stay in the foreground until Ctrl-C or until one of them exits.
set +e
wait -n "${pids[@]}"
status=$?
say "a process exited ($status); see $n8n_log and $sim_log"
exit "$status"
