#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, in a temp folder, on 127.0.0.1 and a free port, as an unprivileged user.
#
#   eval "$(.ci/postgres.sh start)"   # starts one; exports AGENTOS_TEST_POSTGRES and AGENTOS_PG_DIR
#   .ci/postgres.sh stop "$AGENTOS_PG_DIR"   # stops it and deletes its folder
#   .ci/postgres.sh install           # installs the server (apt-get) when its binaries are missing; needs root
#
# Run as root, the server runs as the system user postgres (created when missing): PostgreSQL refuses to run as root.
# Run as anyone else, it runs as that user. Trust authentication: the server listens on 127.0.0.1 only and lives for one run.
set -euo pipefail

superuser=agentos

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Debian and Ubuntu keep initdb and pg_ctl in /usr/lib/postgresql/<major>/bin, off PATH; take the newest, else PATH.
find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  command -v pg_ctl >/dev/null && command -v initdb >/dev/null && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

# Runs a server program as the cluster's owner.
as_owner() {
  # From /: the caller's folder may be out of the server user's reach (a clone under a 0700 folder).
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_install() {
  find_bin >/dev/null && { echo "postgres.sh: server binaries found in $(find_bin)" >&2; return 0; }
  [ "$(id -u)" -eq 0 ] || die "the PostgreSQL server is not installed; install it (apt-get install postgresql) or set AGENTOS_TEST_POSTGRES"
  command -v apt-get >/dev/null || die "the PostgreSQL server is not installed and there is no apt-get to install it"
  echo "postgres.sh: installing postgresql" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  find_bin >/dev/null || die "apt-get installed postgresql, but no initdb/pg_ctl was found"
}

cmd_start() {
  local bin dir port attempt
  bin=$(find_bin) || die "no PostgreSQL server binaries (run: $0 install)"
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres.sh: creating the system user postgres" >&2
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin postgres
  fi
  # Under /tmp (not $TMPDIR): the server's user must reach it, and the socket path must stay short.
  dir=$(mktemp -d /tmp/agentos-pg-ci.XXXXXX)
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  chmod 0700 "$dir"
  # --no-sync only for initdb's own files; the server itself runs with fsync and synchronous_commit on, as in production.
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U "$superuser" -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 30000 ))
    port_in_use "$port" && continue
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 90 \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >&2; then
      echo "export AGENTOS_PG_DIR='$dir'"
      echo "export AGENTOS_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=$superuser;Database=postgres'"
      echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
      return 0
    fi
    tail -n 5 "$dir/server.log" >&2 || true
  done
  rm -rf "$dir"
  die "the server did not start (five ports tried)"
}

cmd_stop() {
  local dir=${1:-} bin
  [ -n "$dir" ] || die "usage: $0 stop DIR"
  case "$dir" in /tmp/agentos-pg-ci.*) ;; *) die "refusing to delete $dir: not a folder this script made" ;; esac
  if [ -f "$dir/data/postmaster.pid" ] && bin=$(find_bin); then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) shift; cmd_stop "$@" ;;
  install) cmd_install ;;
  *) die "usage: $0 start | stop DIR | install" ;;
esac
