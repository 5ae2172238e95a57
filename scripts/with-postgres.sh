#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a PostgreSQL server.
# If DATABASE_URL is already set, it is used as is. Otherwise a throwaway server is created with initdb in a temp
# directory, started with pg_ctl on a free loopback port, and stopped and deleted when the command ends (even on failure
# or Ctrl-C). Usage: scripts/with-postgres.sh CMD [ARGS...]
set -euo pipefail

if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi

# Debian keeps the server binaries out of PATH; find the newest version's bin dir.
pgbin=""
if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
  pgbin=$(dirname "$(command -v initdb)")
fi
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  [ -x "$d/initdb" ] && { pgbin=$d; break; }
done
if [ -z "$pgbin" ]; then
  echo "with-postgres: no PostgreSQL server found (initdb/pg_ctl). Install it (Debian: apt-get install postgresql) or set DATABASE_URL." >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/vika-pg.XXXXXX")
# initdb refuses to run as root; use an unprivileged user when we are root.
runas=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres 2>/dev/null || true
  chown postgres "$dir"
  runas=(runuser -u postgres --)
fi

port=$(python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
)

cleanup() {
  "${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

"${runas[@]}" "$pgbin/initdb" -D "$dir/data" -U vika --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Detached: its own session, stdin from /dev/null, output to the log, so it holds no pipe or terminal of ours.
setsid -w "${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB" \
  start </dev/null >/dev/null 2>&1 || { cat "$dir/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://vika@127.0.0.1:$port/postgres?sslmode=disable"
echo "with-postgres: throwaway PostgreSQL on 127.0.0.1:$port ($dir)" >&2
set +e
"$@"
rc=$?
exit $rc
