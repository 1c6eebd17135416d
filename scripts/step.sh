# Sourced by scripts/test.sh, scripts/e2e.sh, scripts/n8n-cache.sh and scripts/apt-install.sh:
# how the test command announces its steps and keeps install noise out of the way.
#
#   step <label> <command...>   Prints "[test] <label> … ok (12.4 s)" on one line when the command
#                               prints nothing. What it prints (stdout and stderr) comes on the
#                               lines below the label, then "[test] <label>: ok (12.4 s)" (or
#                               "failed"). Returns the command's exit status. The command sees
#                               SEGWAY_STEP set: the step's own line says whether it passed.
#   step_loud <label> <command...>
#                               For a command that always prints (jest): "[test] <label> …", the
#                               command's output as it is (a terminal keeps jest's colours; no pipe
#                               that a leftover child process could hold open), then
#                               "[test] <label>: ok (12.4 s)" (or "FAILED").
#   logged <log> <command...>   Runs a noisy command (an install, a build) with its output appended
#                               to <log>, printing nothing; when it fails, prints the log's last
#                               lines and where the whole log is, on stderr.
#   shown <path>                A path as the README writes it: relative to the project if inside.
#   npm_ci_step                 The project's dev dependencies (npm ci) as a step, its output in
#                               .cache/logs/npm-ci.log.

step_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Milliseconds since the epoch (EPOCHREALTIME's separator follows the locale).
step_clock() { local t="${EPOCHREALTIME/[.,]/}"; echo $((t / 1000)); }

shown() {
	case "$1" in
		"$step_root"/*) echo "${1#"$step_root"/}" ;;
		*) echo "$1" ;;
	esac
}

step() {
	local label="$1"
	shift
	local start marks rc verdict
	start="$(step_clock)"
	marks="$(mktemp -d)"
	printf '[test] %s …' "$label"
	# Each line the command prints is passed on as it comes; the first one starts a new line.
	{ SEGWAY_STEP="$label" "$@" 2>&1 && echo 0 >"$marks/rc" || echo "$?" >"$marks/rc"; } |
		while IFS= read -r line || [ -n "$line" ]; do
			[ -e "$marks/printed" ] || { printf '\n'; : >"$marks/printed"; }
			printf '%s\n' "$line"
		done
	rc="$(cat "$marks/rc" 2>/dev/null || echo 1)"
	verdict="$(step_verdict "$start" "$rc")"
	if [ -e "$marks/printed" ]; then echo "[test] $label: $verdict"; else echo " $verdict"; fi
	rm -rf "$marks"
	return "$rc"
}

step_loud() {
	local label="$1"
	shift
	local start rc=0
	start="$(step_clock)"
	echo "[test] $label …"
	SEGWAY_STEP="$label" "$@" || rc=$?
	echo "[test] $label: $(step_verdict "$start" "$rc")"
	return "$rc"
}

# "ok (12.4 s)" or "FAILED (12.4 s, exit status 1)": the time since <start> (step_clock), the verdict.
step_verdict() {
	local took=$(($(step_clock) - $1))
	took="$((took / 1000)).$((took % 1000 / 100))"
	if [ "$2" -eq 0 ]; then echo "ok ($took s)"; else echo "FAILED ($took s, exit status $2)"; fi
}

# How many of a failed install's last log lines are printed.
STEP_LOG_TAIL=40

logged() {
	local log="$1"
	shift
	mkdir -p "$(dirname "$log")"
	local rc=0
	"$@" >>"$log" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		{
			echo "---- the last $STEP_LOG_TAIL lines of $(shown "$log"):"
			tail -n "$STEP_LOG_TAIL" "$log"
			echo "---- failed (exit status $rc): $*; whole log: $(shown "$log")"
		} >&2
	fi
	return "$rc"
}

npm_ci_step() {
	local log="$step_root/.cache/logs/npm-ci.log"
	mkdir -p "$(dirname "$log")"
	: >"$log"
	step "npm ci: the project's dev dependencies (log: $(shown "$log"))" logged "$log" npm ci --no-audit --no-fund
}
