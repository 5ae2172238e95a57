#!/usr/bin/env bash
# Runs this directory's configuration on the lab's Asterisk build (../shared/asterisk-lab, /opt/asterisk-lab) as a
# second, throwaway instance on its own port, so a real Asterisk proves the files load and route, without
# touching the shared lab on 8088 and without committing a password.
#
#   asterisk-conf/try-on-lab.sh start   # ARI on http://127.0.0.1:8098/ari, user vika / password vika (scratch only)
#   asterisk-conf/try-on-lab.sh cli 'dialplan show 165@from-mobile'
#   VIKA_REAL_ARI_URL=http://127.0.0.1:8098/ari go test -race ./asterisksim/phone
#   asterisk-conf/try-on-lab.sh stop
#
# Differences from a production install, all forced by the lab build: chan_pjsip is not built (no pjproject), so
# pjsip.conf is not loaded and modules.conf's "require => chan_pjsip.so" becomes a noload; the lab has no agents,
# so [globals] VIKA_AGENTS=lab; sounds and ARI docs come from the lab's data directory.
set -euo pipefail
LAB=/opt/asterisk-lab
DIR=${VIKA_CONF_LAB:-/tmp/vika-conf-lab}
PORT=${PORT:-8098}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x $LAB/install/sbin/asterisk ] || { echo "no lab Asterisk build in $LAB (see ../shared/asterisk-lab)" >&2; exit 1; }
export LD_LIBRARY_PATH=$LAB/install/lib
ast() { $LAB/install/sbin/asterisk -C $DIR/etc/asterisk.conf "$@"; }
up() { curl -sf -u vika:vika http://127.0.0.1:$PORT/ari/asterisk/info >/dev/null; }

configure() {
  local data=$LAB/install/var/lib/asterisk
  mkdir -p $DIR/etc $DIR/var/{lib,spool,log,run}
  {
    echo "[directories]"
    for kv in "astetcdir $DIR/etc" "astmoddir $LAB/install/lib/asterisk/modules" "astvarlibdir $DIR/var/lib" \
      "astdbdir $DIR/var/lib" "astkeydir $DIR/var/lib" "astdatadir $data" "astagidir $data/agi-bin" \
      "astspooldir $DIR/var/spool" "astrundir $DIR/var/run" "astlogdir $DIR/var/log" "astsbindir $LAB/install/sbin"; do
      set -- $kv; echo "$1 => $2"
    done
    sed -n '/^\[options\]/,$p' "$HERE/asterisk.conf"
  } > $DIR/etc/asterisk.conf
  sed "s/^bindport=8088/bindport=$PORT/" "$HERE/http.conf" > $DIR/etc/http.conf
  cp "$HERE/ari.conf" "$HERE/queues.conf" $DIR/etc/
  (umask 077; printf 'password=%s\n' vika > $DIR/etc/ari-vika-password.conf)   # scratch instance only
  sed 's/^require => chan_pjsip.so/noload => chan_pjsip.so/' "$HERE/modules.conf" > $DIR/etc/modules.conf
  sed 's/^VIKA_AGENTS=queue/VIKA_AGENTS=lab/' "$HERE/extensions.conf" > $DIR/etc/extensions.conf
  printf '[logfiles]\nconsole => notice,warning,error\n' > $DIR/etc/logger.conf
}

case "${1:-status}" in
  start)
    up && { echo "already running on $PORT"; exit 0; }
    configure
    (cd $DIR && nohup setsid $LAB/install/sbin/asterisk -C $DIR/etc/asterisk.conf -f -n > var/log/console.out 2>&1 &)
    for _ in $(seq 1 60); do up && { echo "asterisk-conf running: ARI http://127.0.0.1:$PORT/ari (vika/vika)"; exit 0; }; sleep 0.5; done
    echo "did not come up; see $DIR/var/log/console.out" >&2; exit 1 ;;
  reload) configure; ast -rx 'core reload' ;;
  stop) ast -rx 'core stop now' || true ;;
  status) up && curl -s -u vika:vika http://127.0.0.1:$PORT/ari/asterisk/info && echo || { echo "not running"; exit 1; } ;;
  cli) shift; ast -rx "$*" ;;
  *) echo "usage: try-on-lab.sh start|reload|stop|status|cli 'command'" >&2; exit 2 ;;
esac
