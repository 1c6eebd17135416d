#!/usr/bin/env bash
# The demo: real n8n 2.41.1 on http://localhost:5678 with this package installed as users get it,
# a demo credential pointing at the bundled Segway simulator, the example workflows, and the
# simulator pushing signed events of a demo fleet (vehicles in mixed states) into three published
# workflows: "alerts, faults and state changes", "low battery → swap list" and "zones" (the demo
# city's zones, examples/zones/demo-city.json, with four riders on examples/zones/demo-routes.json
# breaking each zone rule). The vehicles push on Segway's own schedule (every 10 s while unlocked,
# every 15 min while locked), which one n8n on SQLite takes with room to spare on a busy laptop;
# n8n runs with the settings a production user should copy (README: Try it).
#
#   bash scripts/demo.sh        (or: npm run demo)        Ctrl-C stops everything it started.
#
# Environment: N8N_PORT (5678), SIM_PORT (8080), N8N_RUNNERS_BROKER_PORT (5690),
# DEMO_TIME_SCALE (simulated seconds per real second, default 1: Segway's real intervals),
# DEMO_RESET=1 (start from a new n8n user folder), DEMO_DIR (the demo's n8n user folder,
# default .cache/demo). Everything lives in .cache/ (Node 24, n8n, the demo's user folder);
# nothing is installed globally.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

started_at=$(date +%s%N)
elapsed() { awk -v ns="$(( $(date +%s%N) - started_at ))" 'BEGIN { printf "%.1f", ns / 1e9 }'; }
say() { printf '[demo %6ss] %s\n' "$(elapsed)" "$*"; }

n8n_port="${N8N_PORT:-5678}"
sim_port="${SIM_PORT:-8080}"
broker_port="${N8N_RUNNERS_BROKER_PORT:-5690}"
time_scale="${DEMO_TIME_SCALE:-1}"
demo_dir="${DEMO_DIR:-$root/.cache/demo}"
# Must match examples/demo-push-log.json, examples/demo-low-battery.json, examples/demo-zones.json
# and the credential the examples reference.
demo_workflow_id="exDemoPushLog01"
demo_webhook_id="5e9a7f1e-d0e0-4d3e-8a11-00000000de70"
battery_workflow_id="exDemoLowBatt01"
battery_webhook_id="5e9a7f1e-d0e0-4d3e-8a11-00000000ba77"
zones_workflow_id="exDemoZones0001"
zones_webhook_id="5e9a7f1e-d0e0-4d3e-8a11-00000000201e"
routes_file="examples/zones/demo-routes.json"
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
# Build when a source is newer than the build; install into the demo's n8n when the build is newer
# than what is installed there (a test's fresh DEMO_DIR installs, and reuses the build).
built=dist/nodes/SegwayFleet/SegwayFleet.node.js
installed="$demo_dir/.installed"
if [ ! -f "$built" ] || [ -n "$(find api nodes credentials icons package.json tsconfig.json -newer "$built" -print -quit)" ]; then
	say "npm run build"
	npm run build --silent >/dev/null
fi
if [ ! -f "$installed" ] || [ -n "$(find dist -newer "$installed" -print -quit)" ]; then
	say "installing the npm pack tarball into ${demo_dir#"$root"/}/.n8n/nodes/node_modules"
	bash scripts/install-into-n8n.sh "$demo_dir" >/dev/null
	touch "$installed"
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
# What a production n8n receiving Segway's pushes should set too (README: Try it): no expression
# isolate taken for a webhook request that needs none (≈ 50 ms of CPU per push otherwise), and
# executions pruned so the database stays small.
export N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true
export EXECUTIONS_DATA_PRUNE=true
export EXECUTIONS_DATA_MAX_AGE=168
export EXECUTIONS_DATA_PRUNE_MAX_COUNT=10000
export EXECUTIONS_DATA_SAVE_ON_PROGRESS=false

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
	for id in "$demo_workflow_id" "$battery_workflow_id" "$zones_workflow_id"; do
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
# The simulator (through tsx); its pushes are switched on once n8n answers. The published
# workflows each get every push, as three Segway push URLs would. The riders of the routes file
# ride from the start (unlocked, so pushing every 10 s).
webhook_base="http://localhost:$n8n_port/webhook/$demo_webhook_id"
battery_base="http://localhost:$n8n_port/webhook/$battery_webhook_id"
zones_base="http://localhost:$n8n_port/webhook/$zones_webhook_id"
push_targets=("$webhook_base" "$battery_base" "$zones_base")
push_flags=()
for base in "${push_targets[@]}"; do push_flags+=(--push-to "$base"); done
"$root/node_modules/.bin/tsx" simulator/cli.ts --port "$sim_port" --vehicles 20 \
	"${push_flags[@]}" --no-push --time-scale "$time_scale" --routes "$root/$routes_file" \
	--alert-rate 0.5 --fault-rate 0.2 >"$sim_log" 2>&1 &
pids+=("$!")
sim_pid=$!
printf 'n8n=%s\nsimulator=%s\n' "$n8n_pid" "$sim_pid" >"$demo_dir/pids"
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
for base in "${push_targets[@]}"; do
	for _ in $(seq 1 100); do
		code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/v2/vehicle/status" || true)"
		[ "$code" = 401 ] && break
		sleep 0.2
	done
	[ "$code" = 401 ] || say "warning: the demo trigger's webhook $base answers $code instead of 401; see $n8n_log"
done
# The riders start their routes again as the pushes start, so that step 6's minutes count from
# the printed text, however long n8n took to start (a route's first zone break comes within a
# minute, the last within 4).
node -e '
	const [file, sim] = process.argv.slice(1);
	Promise.all(Object.entries(require(file)).map(async ([iotCode, route]) => {
		const res = await fetch(`${sim}/_admin/vehicles/${iotCode}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ route }) });
		if (res.status !== 200) throw new Error(`the route of ${iotCode}: the simulator answered ${res.status} ${await res.text()}`);
	})).catch((error) => { console.error(error.message); process.exit(1); });' "$root/$routes_file" "$sim_url"
curl -sf -X PATCH "$sim_url/_admin/config" -H 'content-type: application/json' -d '{"pushEnabled":true}' >/dev/null

# The demo fleet (the simulator's default seed): each step of the story has vehicles of its own,
# so that no step changes what a later one needs. The lists in examples/nightly-lock.json and
# examples/winter-transport-mode.json name the same vehicles.
left_unlocked=(861477038717753 861477038711377 861477038715104) # nightly lock locks them
already_locked=861477038719116                                  # in the nightly list, passes through
offline=861477038712749                                         # in the nightly list: its item carries the error
charging=861477038710069
already_low=861477038716447
stored=(861477038715702 861477038713152 861477038713516)        # winter storage: transport mode
runs_low=861477038712844                                        # step 4: runs low, then is charged
alerting=861477038719676                                        # step 4: lifted up
faulty=861477038718929                                          # step 4: motor fault
# Step 6: the riders of examples/zones/demo-routes.json, each breaking zone rules of the demo city.
no_ride=861477038715471    # loops through Lakeside Park (no riding)
slow=861477038710196       # loops into Old Town (at most 10 km/h) at 20 km/h
no_parking=861477038713181 # locks in Station Square (no parking)
leaves=861477038718285     # loops out of the service area and back
fleet="$(curl -sf "$sim_url/_admin/vehicles")"
for v in "${left_unlocked[@]}" "$already_locked" "$offline" "$charging" "$already_low" "${stored[@]}" "$runs_low" "$alerting" "$faulty"; do
	case "$fleet" in *"\"$v\""*) ;; *) echo "the simulator's fleet has no vehicle $v (its seed changed?)" >&2; exit 1 ;; esac
done
for v in "$no_ride" "$slow" "$no_parking" "$leaves"; do
	grep -q "\"$v\"" "$routes_file" || { echo "$routes_file has no route for $v: step 6 names it" >&2; exit 1; }
done
admin() { curl -sf -X "$1" "$sim_url/_admin/vehicles/$2${4:-}" -H 'content-type: application/json' -d "$3" >/dev/null; }
# Each vehicle of the story reports its state once before it changes, so that the change is a
# change to the trigger (a vehicle's first status only sets what it compares with).
for v in "${left_unlocked[@]}" "$charging" "$runs_low"; do admin POST "$v" '{"event":"status"}' /push; done
for v in "${left_unlocked[@]}"; do admin PATCH "$v" '{"locked":false}'; done
admin PATCH "$charging" '{"charging":true,"powerPercent":35}'
admin PATCH "$offline" '{"online":false}'
admin PATCH "$already_low" '{"powerPercent":15}'
# What the stream costs n8n: each vehicle pushes status and location on its interval (Segway's:
# 10 s unlocked, 15 min locked), to every published workflow.
push_rate="$(curl -sf "$sim_url/_admin/vehicles" | node -e '
	let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
		const perSecond = JSON.parse(s).filter((v) => v.online && v.active !== false)
			.reduce((sum, v) => sum + 2 / (v.locked ? 900 : 10), 0) * Number(process.argv[1]);
		console.log((perSecond * Number(process.argv[2])).toFixed(1));
	});' "$time_scale" "${#push_targets[@]}")"
# Every zone break of the routes comes within 4 simulated minutes of their start (a route's test
# rides them at Segway's 10 s interval, test/simulator/zones.test.ts); promised with a minute
# to spare for a push held back while the stream is paused, a busy n8n, and the time scale.
zone_minutes="$(awk -v s="$time_scale" 'BEGIN { m = 5 / s; printf "%d", (m == int(m) ? m : int(m) + 1) }')"
[ "$zone_minutes" -ge 1 ] || zone_minutes=1
zone_unit=minutes
[ "$zone_minutes" -gt 1 ] || zone_unit=minute
ready="$(elapsed)"

pause_cmd="curl -X PATCH $sim_url/_admin/config -d '{\"pushEnabled\":false}'"
resume_cmd="curl -X PATCH $sim_url/_admin/config -d '{\"pushEnabled\":true}'"
cat <<EOF

  n8n ${ready}s after start: http://localhost:$n8n_port
  The simulator pushes ≈ $push_rate requests/s into n8n (Segway's intervals x$time_scale: status and
  location every 10 s while unlocked, every 15 min while locked; each to the ${#push_targets[@]} published workflows).
  ───────────────────────────────────────────────────────────────────────────────
  1. Open http://localhost:$n8n_port. On the first visit n8n asks you to set up the owner
     account: any e-mail, and a password of 8 or more characters with a digit and a capital
     letter (e.g. Segway-Demo1). It stays in ${demo_dir#"$root"/}. Then click "Overview" in the
     left sidebar: its Workflows tab lists the examples.
  2. Overview → Credentials: open "$credential_name" (Segway Fleet API, region "Custom URL",
     base URL $sim_url, the simulator's demo client A20081). n8n tests it as it opens:
     "Connection tested successfully".
  3. Overview → Workflows:
     a. "Segway demo: alerts, faults and state changes" is published → open it, then Executions:
        ${left_unlocked[0]}, ${left_unlocked[1]} and ${left_unlocked[2]} were unlocked (left after their ride),
        $charging went on the charger.
     b. "Segway demo: low battery → swap list" is published → Executions: one run for
        $already_low, whose battery is at 15 %.
     c. "Segway: lock every unlocked vehicle at night": open it, click "Execute workflow". The
        three unlocked vehicles are locked ("Lock" shows 3 items; workflow a. shows each lock);
        $offline is offline: its Get Status item carries the error, the other items go on.
     d. "Segway: winter storage — transport mode for a list of vehicles": "Execute workflow"
        puts ${stored[0]}, ${stored[1]} and ${stored[2]} into transport mode (3 items).
     The Slack and e-mail examples need your own Slack or SMTP credential before you publish them
     (a webhook ID belongs to one published workflow: change the trigger's in a copy of a demo one).
  4. Make something happen (the simulator's admin API, $sim_url/_admin):
       curl -X PATCH $sim_url/_admin/vehicles/$runs_low -d '{"powerPercent":12}'   # b. runs for it
       curl -X PATCH $sim_url/_admin/vehicles/$alerting -d '{"alert":{"code":6}}'  # a. lifted-up alert
       curl -X PATCH $sim_url/_admin/vehicles/$faulty -d '{"fault":{"code":11}}'  # a. motor fault
       curl -X PATCH $sim_url/_admin/vehicles/$runs_low -d '{"charging":true}'     # a. charging; b. re-arms at 25 % (≈ 13 min)
  5. Pause the push stream, and resume it:
       $pause_cmd
       $resume_cmd
  6. Zones: "Segway demo: zones" is published with the demo city's zones
     (examples/zones/demo-city.json) → open it, then Executions. Four riders set off every zone
     rule, each within $zone_minutes $zone_unit of this text (the item's zone.rule says which; the loops go on):
       $no_ride rides through Lakeside Park (no riding): entered, rideThrough, left
       $slow rides at 20 km/h in Old Town (10 allowed): entered, speed, left
       $no_parking locks in Station Square (no parking): entered, parking
       $leaves rides out of the service area and back: left, outside, entered
     The same for your city, with a Slack message (paste its geofencing_zones.json into Zones):
       "Segway: ridden through a no-ride zone → sound, slow down, Slack"
       "Segway: parked where a ride may not end → Slack"
       "Segway: left the service area → Slack"
  Ctrl-C stops n8n and the simulator.

EOF

# Stay in the foreground until Ctrl-C or until one of them exits.
set +e
wait -n "${pids[@]}"
status=$?
say "a process exited ($status); see $n8n_log and $sim_log"
exit "$status"
