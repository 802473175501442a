#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server on 127.0.0.1 and TEST_DATABASE_URL set:
#   scripts/with-postgres.sh .venv/bin/python -m pytest
# Installs Debian's postgresql package when it is missing (needs root), starts a server in a
# temporary directory with test-only durability settings, and removes it afterwards.
set -euo pipefail

initdb_bin=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$initdb_bin" ]; then
  echo "installing PostgreSQL from Debian's packages..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  initdb_bin=$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
fi
bindir=$(dirname "$initdb_bin")
port=${PGTEST_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
datadir=$(mktemp -d /tmp/club-pg.XXXXXX)
chown postgres:postgres "$datadir"

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop() {
  as_pg "$bindir/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$datadir"
}
trap stop EXIT

as_pg "$bindir/initdb" -D "$datadir" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$bindir/pg_ctl" -D "$datadir" -w -l "$datadir/server.log" \
  -o "-h 127.0.0.1 -p $port -k $datadir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
psql_() { as_pg psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q "$@"; }
# CREATEDB: each pytest-xdist worker creates its own database beside club_test (conftest.py).
psql_ -c "CREATE ROLE club LOGIN CREATEDB PASSWORD 'club'"
psql_ -c "CREATE DATABASE club_test OWNER club"
export TEST_DATABASE_URL="postgresql+asyncpg://club:club@127.0.0.1:$port/club_test"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
