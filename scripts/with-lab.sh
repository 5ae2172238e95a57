#!/usr/bin/env bash
# Runs a command with a real Asterisk 22.10.1 (PJSIP) node loaded with this project's asterisk-conf/ and prompts, and
# exports where it is for the real-Asterisk tests:
#   VIKA_REAL_ARI_URL, VIKA_REAL_ARI_USER, VIKA_REAL_ARI_PASSWORD   ARI of the node
#   VIKA_REAL_SIP_ADDR                                               its PJSIP UDP transport (host:port)
#   VIKA_REAL_LAB_DIR                                                its config and logs
# The node comes from ../shared/asterisk-lab (install.sh: a prebuilt tree in /opt/asterisk-lab/install). Without it (a
# fresh clone) the command runs as is and the real-Asterisk tests skip with one line. With VIKA_REAL_ARI_URL already set,
# that Asterisk is used and nothing is started. The node is stopped when the command ends, whatever happened.
#
#   scripts/with-lab.sh CMD [ARGS...]       e.g. scripts/with-lab.sh go test ./e2e
#   scripts/with-lab.sh --start | --stop    leave a node running for hand work (same ports and files)
#
# The node has its own directory and ports (ARI 127.0.0.1:8118, SIP udp 127.0.0.1:5090, RTP 35000-39999, like the
# lab's NODE=3), so it never disturbs a lab node 0 that a developer runs by hand on 8088/5060.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${VIKA_SHARED:-$ROOT/../shared}
LABKIT=$SHARED/asterisk-lab
LAB=${LAB:-/opt/asterisk-lab}
NODE=${VIKA_LAB_NODE:-3}
DIR=$LAB/node-$NODE
ARI_PORT=$((8088 + 10 * NODE)); SIP_PORT=$((5060 + 10 * NODE))
export LD_LIBRARY_PATH=$LAB/install/lib

ast() { "$LAB/install/sbin/asterisk" -C "$DIR/etc/asterisk.conf" "$@"; }
up() { curl -sf -u vika:vika "http://127.0.0.1:$ARI_PORT/ari/asterisk/info" >/dev/null 2>&1; }

configure() {
  "$LABKIT/install.sh" >/dev/null
  # The lab's node layout (directories, ports, rtp.conf, logger), then this project's files over it: the real dialplan,
  # modules (chan_pjsip required), queues, http/ari settings, and pjsip.conf with its placeholders filled for loopback.
  NODE=$NODE EXTENSIONS="$ROOT/asterisk-conf/extensions.conf" SOUNDS="$ROOT/prompts/sounds" \
    "$LABKIT/configure-lab.sh" >/dev/null
  cp "$ROOT/asterisk-conf/modules.conf" "$ROOT/asterisk-conf/queues.conf" "$DIR/etc/"
  sed "s/^bindport=8088/bindport=$ARI_PORT/" "$ROOT/asterisk-conf/http.conf" > "$DIR/etc/http.conf"
  cp "$ROOT/asterisk-conf/ari.conf" "$DIR/etc/ari.conf"
  (umask 077; printf 'password=%s\n' vika > "$DIR/etc/ari-vika-password.conf") # a throwaway node's password
  # Mobile carrier = 127.0.0.1, landline carrier = 127.0.0.2, as the lab's SIP callers send. The carriers' own SIP
  # ports (qualify, registration) point where nothing answers: the trunks show Unavailable, calls still come in by
  # source address (identify), which is what is under test.
  sed -e "s/^bind=0.0.0.0:5060/bind=127.0.0.1:$SIP_PORT/" \
      -e "s/<MOBILE_CARRIER_SBC_HOST>:5060/127.0.0.1:5999/" \
      -e "s/<MOBILE_CARRIER_SBC_IP_OR_CIDR>/127.0.0.1/" \
      -e "s/<LANDLINE_CARRIER_REGISTRAR_HOST>:5060/127.0.0.2:5999/" \
      -e "s/<LANDLINE_CARRIER_REGISTRAR_HOST>/127.0.0.2:5999/g" \
      -e "s/<LANDLINE_CARRIER_SBC_IP_OR_CIDR>/127.0.0.2/" \
      -e "s/<TRUNK_ACCOUNT>/vika-lab/g" \
      "$ROOT/asterisk-conf/pjsip.conf" > "$DIR/etc/pjsip.conf"
  if grep -n '<[A-Z_]*>' "$DIR/etc/pjsip.conf" | grep -v '^[0-9]*:;' >&2; then
    echo "with-lab: placeholders left in pjsip.conf (above)" >&2; exit 1
  fi
  printf '[logfiles]\nconsole => notice,warning,error\nmessages => notice,warning,error,verbose\n' > "$DIR/etc/logger.conf"
}

start() {
  stop_node
  configure
  # Detached: its own session, stdin from /dev/null, output to a file, so no pipe of the caller's is held open.
  (cd "$DIR" && exec setsid -f "$LAB/install/sbin/asterisk" -C "$DIR/etc/asterisk.conf" -f -n \
    > "$DIR/var/log/console.out" 2>&1 < /dev/null)
  for _ in $(seq 1 80); do
    if up; then
      # Stasis apps and PJSIP are up once ARI answers; wait for the transport too.
      for _ in $(seq 1 20); do ast -rx 'pjsip show transports' 2>/dev/null | grep -q transport-udp && break; sleep 0.25; done
      echo "with-lab: Asterisk $(ast -rx 'core show version' | awk '{print $2}') node $NODE up: ARI http://127.0.0.1:$ARI_PORT/ari, SIP udp 127.0.0.1:$SIP_PORT (config $DIR/etc)"
      return 0
    fi
    sleep 0.25
  done
  echo "with-lab: Asterisk did not come up; the end of $DIR/var/log/console.out:" >&2
  tail -20 "$DIR/var/log/console.out" >&2
  exit 1
}

stop_node() {
  [ -f "$DIR/etc/asterisk.conf" ] || return 0
  ast -rx 'core stop now' >/dev/null 2>&1 || true
  for _ in $(seq 1 40); do up || break; sleep 0.25; done
  # A node that will not stop must not outlive the run (it would hold CI's ports).
  pkill -f "asterisk -C $DIR/etc/asterisk.conf" 2>/dev/null || true
}

exports() {
  export VIKA_REAL_ARI_URL="http://127.0.0.1:$ARI_PORT/ari" VIKA_REAL_ARI_USER=vika VIKA_REAL_ARI_PASSWORD=vika
  export VIKA_REAL_SIP_ADDR="127.0.0.1:$SIP_PORT" VIKA_REAL_LAB_DIR="$DIR"
}

case "${1:-}" in
  --start) start; exit 0 ;;
  --stop) stop_node; exit 0 ;;
  --env) exports; env | grep '^VIKA_REAL_' | sed 's/^/export /'; exit 0 ;;
  "") echo "usage: scripts/with-lab.sh CMD [ARGS...] | --start | --stop | --env" >&2; exit 2 ;;
esac

if [ -n "${VIKA_REAL_ARI_URL:-}" ]; then exec "$@"; fi
if [ ! -x "$LABKIT/install.sh" ]; then
  echo "with-lab: no $LABKIT: real-Asterisk and SIP tests will skip (run from a checkout beside ../shared, or set VIKA_REAL_ARI_URL)"
  exec "$@"
fi
trap stop_node EXIT
trap "exit 130" INT TERM HUP
start
exports
"$@"
