#!/usr/bin/env bash
# CI's short external-app loadtest (issue 18): the app in its own process, as in production. `vika sim` (real time)
# and `vika serve` attached to it run detached; `vika loadtest --no-app` places CALLS calls, AT_ONCE at a time, into
# them. It fails only on what a user or an operator would lose, never on times:
#   - a failed call (loadtest exits non-zero),
#   - a call-log event dropped (serve's vika_calllog_dropped_total > 0),
#   - goroutines left behind (serve's go_goroutines once the calls have ended, above its idle figure + SLACK).
#   scripts/ci-loadtest.sh BIN    (BIN: a built vika; DATABASE_URL: a database of its own, migrated and seeded here)
set -euo pipefail
BIN=${1:?usage: ci-loadtest.sh path/to/vika}
: "${DATABASE_URL:?a PostgreSQL database for the run}"
CALLS=${CALLS:-200} AT_ONCE=${AT_ONCE:-50} SLACK=${SLACK:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
SIM_ADDR=127.0.0.1:${SIM_PORT:-18088} ADMIN=127.0.0.1:${ADMIN_PORT:-19165}
export VIKA_SIM_PASSWORD=ci-load VIKA_ARI_USER=vika VIKA_ARI_PASSWORD=ci-load VIKA_CALLLOG_HASH_KEY=ci-load \
  VIKA_CALLLOG_SPOOL="$WORK/spool" VIKA_PROMPTS_DIR="$ROOT/prompts/sounds" VIKA_LOG_LEVEL=warn
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
start() { setsid "$@" </dev/null >>"$WORK/servers.log" 2>&1 & pids+=($!); }
metric() { curl -sf "http://$ADMIN/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

start "$BIN" sim --addr "$SIM_ADDR" --extensions "$ROOT/asterisk-conf/extensions.conf"
for _ in $(seq 50); do curl -sf -u vika:ci-load "http://$SIM_ADDR/ari/asterisk/info" >/dev/null && break; sleep 0.2; done
"$BIN" migrate >/dev/null
start env VIKA_ARI_URL="http://$SIM_ADDR/ari" VIKA_ADMIN_ADDR="$ADMIN" "$BIN" serve
for _ in $(seq 100); do curl -sf "http://$ADMIN/readyz" >/dev/null && break; sleep 0.2; done
idle=$(metric go_goroutines)

status=0
"$BIN" loadtest --ari-url "http://$SIM_ADDR/ari" --no-app --calls "$CALLS" --concurrency "$AT_ONCE" \
  --participants 2000 || status=1
sleep 3 # the last calls' hang-ups and call-log writes
dropped=$(metric vika_calllog_dropped_total)
active=$(metric vika_calls_active)
after=$(metric go_goroutines)
echo "ci-loadtest: serve: calls active ${active:-?}, call-log events dropped ${dropped:-?}, goroutines idle ${idle:-?} -> after ${after:-?}"
if [ "${dropped:-x}" != 0 ]; then echo "ci-loadtest: call-log events dropped: ${dropped:-metric missing}" >&2; status=1; fi
if [ -z "$after" ] || [ -z "$idle" ] || [ "${after%.*}" -gt $(( ${idle%.*} + SLACK )) ]; then
  echo "ci-loadtest: goroutines leaked: $idle idle before, $after after the calls (slack $SLACK)" >&2; status=1
fi
[ $status = 0 ] || tail -30 "$WORK/servers.log" >&2
exit $status
