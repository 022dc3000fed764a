#!/usr/bin/env bash
# Daily health summary for the on-call person: one command, a ✅/❌ line per check.
#
#   scripts/daily_health_summary.sh [--date YYYY-MM-DD] [--as-of 'YYYY-MM-DD HH:MM:SS']
#                                   [--target T] [--no-validate] [--no-probe]
#
# Checks, for yesterday's game date (US Eastern) unless --date is given:
#   1. validation   `pipemon run --dry-run`: dbt build + every test (phases, processors, dead
#                   letters, redeliveries, Firestore completion, data quality). Prints the alerts
#                   instead of sending them: the scheduled run is the one that sends.
#   2. services     `pipemon probe --dry-run`: HTTP health of the pipeline's services
#                   (skipped, not failed, while config/services.yml is not configured).
#   3. status       `pipemon status`: did the pipeline complete, what failed and why, are
#                   the next day's predictions ready (reads the marts step 1 rebuilt).
#
# Exit codes: 0 every check ✅; 1 something ❌; 2 a check could not run (bad arguments,
# warehouse not built: run `make demo` first for the demo).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo" || exit 2
export DBT_PROFILES_DIR="${DBT_PROFILES_DIR:-$repo/profiles}"
export PIPEMON_PROJECT_DIR="${PIPEMON_PROJECT_DIR:-$repo}"
export DBT_SEND_ANONYMOUS_USAGE_STATS="${DBT_SEND_ANONYMOUS_USAGE_STATS:-False}"

if [[ -n "${PIPEMON:-}" ]]; then
    pipemon=("$PIPEMON")
elif [[ -x "$repo/.venv/bin/pipemon" ]]; then
    pipemon=("$repo/.venv/bin/pipemon")
else
    pipemon=(pipemon)
fi
python="$(dirname "$(command -v "${pipemon[0]}")")/python"
[[ -x "$python" ]] || python=python3

date_arg="" as_of="" target="" validate=1 probe=1
usage() { sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --date) date_arg="${2:-}"; shift 2 ;;
        --as-of) as_of="${2:-}"; shift 2 ;;
        --target) target="${2:-}"; shift 2 ;;
        --no-validate) validate=0; shift ;;
        --no-probe) probe=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "daily_health_summary: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [[ -n "$date_arg" && ! "$date_arg" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
    echo "daily_health_summary: bad --date '$date_arg': expected YYYY-MM-DD" >&2
    exit 2
fi

target_args=()
[[ -n "$target" ]] && target_args=(--target "$target")

# The monitor's clock: --as-of; else the morning after --date; else the demo's own as_of on a
# generated demo warehouse; else now (empty: dbt and status use the current time).
if [[ -z "$as_of" && -n "$date_arg" ]]; then
    as_of="$("$python" -c 'import sys, datetime as d
print(d.date.fromisoformat(sys.argv[1]) + d.timedelta(days=1), "15:00:00")' "$date_arg" 2>/dev/null)" || {
        echo "daily_health_summary: bad --date '$date_arg'" >&2
        exit 2
    }
fi
historic=0
if [[ -n "$as_of" ]]; then
    historic=1
elif [[ -z "$target" || "$target" == "local" ]]; then
    as_of="$("$python" -c 'from pipemon import project, status
a = status.demo_as_of(project.duckdb_path())
print(a.strftime("%Y-%m-%d %H:%M:%S") if a else "")' 2>/dev/null)"
    [[ -n "$as_of" ]] && historic=1
fi

declare -a summary=()
worst=0
mark() {  # mark <0 ok | 1 problem | 2 could not run | 9 skipped> <text>
    case "$1" in
        0) summary+=("✅ $2") ;;
        9) summary+=("➖ $2") ;;
        2) summary+=("❌ $2"); worst=2 ;;
        *) summary+=("❌ $2"); [[ $worst -lt 1 ]] && worst=1 ;;
    esac
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. validation ------------------------------------------------------------------------------
if [[ $validate -eq 1 ]]; then
    if ! "${pipemon[@]}" run --help >/dev/null 2>&1; then
        mark 9 "validation: \`pipemon run\` is not available in this install: skipped"
    else
        echo "== validation: dbt build and tests (pipemon run --dry-run; about a minute)"
        run_args=(run --dry-run --json "${target_args[@]}")
        [[ -n "$as_of" ]] && run_args+=(--vars "{as_of: '$as_of'}")
        [[ $historic -eq 1 ]] && run_args+=(--no-freshness)  # old data is stale by design
        "${pipemon[@]}" "${run_args[@]}" >"$tmp/alerts.json" 2>"$tmp/run.log"
        rc=$?
        counts="$("$python" - "$tmp/alerts.json" <<'PY' 2>/dev/null
import json, sys
try:
    alerts = json.load(open(sys.argv[1]))["alerts"]
except Exception:
    alerts = []
errors = sum(a.get("severity") == "error" for a in alerts)
print(f"{len(alerts)} findings ({errors} error, {len(alerts) - errors} warn)")
for a in alerts[:15]:
    day = a.get("game_date") or "-"
    print(f"     {a.get('severity', '?'):<5} {day:<10} {a.get('test')}: {a.get('target')}")
if len(alerts) > 15:
    print(f"     ... {len(alerts) - 15} more: pipemon run --dry-run")
PY
)"
        case $rc in
            0) mark 0 "validation: every test passed" ;;
            1) mark 0 "validation: warnings only, $counts" ;;
            2) mark 1 "validation: tests failed, $counts" ;;
            *) mark 2 "validation: the monitoring itself failed (exit $rc): $(tail -n 1 "$tmp/run.log")" ;;
        esac
    fi
else
    mark 9 "validation: skipped (--no-validate)"
fi

# 2. services --------------------------------------------------------------------------------
if [[ $probe -eq 1 ]]; then
    echo "== services: pipemon probe --dry-run"
    "${pipemon[@]}" probe --dry-run >"$tmp/probe.out" 2>"$tmp/probe.err"
    rc=$?
    cat "$tmp/probe.out"
    case $rc in
        0) mark 0 "services: $(tail -n 1 "$tmp/probe.out")" ;;
        1) mark 1 "services: $(tail -n 1 "$tmp/probe.out")" ;;
        *) mark 9 "services: not probed: $(head -n 1 "$tmp/probe.err")" ;;
    esac
else
    mark 9 "services: skipped (--no-probe)"
fi

# 3. status ----------------------------------------------------------------------------------
echo "== status"
status_args=(status "${target_args[@]}")
[[ -n "$date_arg" ]] && status_args+=(--date "$date_arg")
[[ -n "$as_of" ]] && status_args+=(--as-of "$as_of")
"${pipemon[@]}" "${status_args[@]}" 2>"$tmp/status.err"
rc=$?
case $rc in
    0) mark 0 "status: pipeline complete, nothing failed, predictions ready" ;;
    1) mark 1 "status: problems above (❌ lines)" ;;
    *) mark 2 "status: $(head -n 1 "$tmp/status.err")" ;;
esac

echo
echo "== daily health summary${date_arg:+ for $date_arg}${as_of:+ (as of $as_of UTC)}"
printf '%s\n' "${summary[@]}"
exit $worst
