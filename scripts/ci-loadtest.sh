#!/usr/bin/env bash
# CI's short external-app loadtest (issue 18): the app in its own process, as in production. `vika sim` (real time)
# and `vika serve` attached to it run detached; `vika loadtest --no-app` places CALLS calls, AT_ONCE at a time, into
# them. It fails only on what a user or an operator would lose, never on times:
#   - a failed call (loadtest exits non-zero),
#   - a call-log event dropped (serve's vika_calllog_dropped_total > 0),
#   - goroutines left behind (serve's go_goroutines once the calls have ended, more than 20 above idle).
# Before the app, the same callers run against the floor (vika loadtest --floor: a minimal Stasis app in a process
# of its own), so the report gives each latency as a ratio to it; times still fail nothing.
#   scripts/ci-loadtest.sh BIN    (BIN: a built vika; DATABASE_URL: a database of its own, migrated and seeded here;
#                                  CALLS, AT_ONCE to change the load, JSON=FILE for the results as JSON,
#                                  PARTICIPANTS=0 to call as the participants already in the database (no seed),
#                                  LOADTEST_ARGS for more loadtest flags, e.g. "--rate 300 --duration 10s",
#                                  FLOOR=0 to leave the floor out, PPROF=1 for serve's /debug/pprof,
#                                  SERVERS_LOG=FILE to keep the simulator's and serve's log)
set -euo pipefail
BIN=${1:?usage: ci-loadtest.sh path/to/vika}
: "${DATABASE_URL:?a PostgreSQL database for the run}"
CALLS=${CALLS:-200} AT_ONCE=${AT_ONCE:-50} PARTICIPANTS=${PARTICIPANTS:-2000} FLOOR=${FLOOR:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
SIM_ADDR=127.0.0.1:${SIM_PORT:-18088} ADMIN=127.0.0.1:${ADMIN_PORT:-19165}
export VIKA_SIM_PASSWORD=ci-load VIKA_ARI_USER=vika VIKA_ARI_PASSWORD=ci-load VIKA_CALLLOG_HASH_KEY=ci-load \
  VIKA_CALLLOG_SPOOL="$WORK/spool" VIKA_PROMPTS_DIR="$ROOT/prompts/sounds" VIKA_LOG_LEVEL=warn
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  [ -z "${SERVERS_LOG:-}" ] || cp "$WORK/servers.log" "$SERVERS_LOG"
  rm -rf "$WORK"
}
trap cleanup EXIT
start() { setsid "$@" </dev/null >>"$WORK/servers.log" 2>&1 & pids+=($!); }

start "$BIN" sim --addr "$SIM_ADDR" --extensions "$ROOT/asterisk-conf/extensions.conf"
SIM_PID=${pids[-1]}
for _ in $(seq 50); do curl -sf -u vika:ci-load "http://$SIM_ADDR/ari/asterisk/info" >/dev/null && break; sleep 0.2; done
"$BIN" migrate >/dev/null
start env VIKA_ARI_URL="http://$SIM_ADDR/ari" VIKA_ADMIN_ADDR="$ADMIN" ${PPROF:+VIKA_ADMIN_PPROF=true} "$BIN" serve
for _ in $(seq 100); do curl -sf "http://$ADMIN/readyz" >/dev/null && break; sleep 0.2; done
# loadtest reads serve's /metrics before, during and after the calls, and fails on a failed call, a dropped
# call-log event or goroutines left behind (more than 20 over idle once the calls ended), never on times.
# CPU seconds a process has used, from /proc (utime + stime, in clock ticks).
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu() { local p; for p in $(pgrep -x postgres); do cpu "$p"; done | awk '{ t += $1 } END { print t + 0 }'; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
sim0=$(cpu "$SIM_PID") pg0=$(pg_cpu) rc=0
"$BIN" loadtest --ari-url "http://$SIM_ADDR/ari" --no-app --app-metrics "http://$ADMIN" --calls "$CALLS" \
  --concurrency "$AT_ONCE" --participants "$PARTICIPANTS" ${JSON:+--json "$JSON"} $([ "$FLOOR" = 1 ] && echo --floor) \
  ${LOADTEST_ARGS:-} || rc=$?
# Who used the two cores: the app reports its own (from its /metrics), the load tool its own; the simulator's and
# PostgreSQL's come from /proc here (PostgreSQL: every postgres process of the machine, so only on a box of its own).
echo "CPU during the run: simulator $(minus "$(cpu "$SIM_PID")" "$sim0") s, PostgreSQL $(minus "$(pg_cpu)" "$pg0") s"
[ "$rc" = 0 ] || { tail -30 "$WORK/servers.log" >&2; exit "$rc"; }
