#!/usr/bin/env bats
# pg_dump refuses a server newer than itself ("aborting because of server version mismatch"),
# so a host whose PostgreSQL is newer than Debian's client package would fail every night.
# scripts/backup asks the server its major version and runs the pg_dump, pg_restore and psql of
# a PostgreSQL at least that new: PG_BINDIR, else PATH's when new enough, else the newest
# PG_LIBDIR/N/bin (Debian's /usr/lib/postgresql layout) with N at least the server's; with none
# new enough it stops naming the package to install. The clients are those of scripts/ci/install-deps
# (/opt/scrub-test/pgN); a PostgreSQL 18 server is started for the refusal.

load helpers/common
load ../roundtrip/helpers/roundtrip
load ../roundtrip/helpers/throwaway

setup_file() { bk_shared_bucket; }

setup() {
  bk_setup
  bk_set S3_URI ''
}

teardown() { bk_teardown; }

teardown_file() { rt_throwaway_stop 18; }

# A Debian-style PG_LIBDIR with the client binaries of the versions given.
libdir_with() {
  local lib=$BATS_TEST_TMPDIR/lib v
  for v in "$@"; do
    mkdir -p "$lib/$v"
    ln -s "$(rt_pg_bin "$v" pg_restore)" "$lib/$v/bin"
  done
  printf '%s' "$lib"
}

# Runs the backup with the PostgreSQL 14 clients first on PATH (older than the server).
backup_with_old_path() {
  PATH=$(rt_pg_bin 14 pg_restore):$PATH bk_backup
}

# The pg_dump version that made the newest archive in BK_DIR (read by pg_restore 18: older
# ones refuse newer archives).
archive_made_by() {
  "$(rt_pg_bin 18 pg_restore)/pg_restore" -l "$BK_DIR/app.latest.dump" | sed -n 's/^;[[:space:]]*Dumped by pg_dump version: \([0-9]*\)\..*/\1/p'
}

@test "PATH's pg_dump 14 is too old for the 15 server: the newest of PG_LIBDIR's 14, 16, 18 is used" {
  bk_set PG_LIBDIR "$(libdir_with 14 16 18)"
  run backup_with_old_path
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"PostgreSQL 15 server: using pg_dump 18 from $BATS_TEST_TMPDIR/lib/18/bin"* ]]
  [ "$(archive_made_by)" = 18 ]
}

@test "PG_BINDIR wins; an older one is refused with the package to install" {
  bk_set PG_LIBDIR "$(libdir_with 18)"
  bk_set PG_BINDIR "$(rt_pg_bin 16 pg_restore)"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(archive_made_by)" = 16 ]
  bk_set PG_BINDIR "$(rt_pg_bin 14 pg_restore)"
  run bk_backup
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"the server is PostgreSQL 15, PG_BINDIR="*"has pg_dump 14"*"install postgresql-client-15"* ]]
}

@test "a PostgreSQL 18 server and only older clients: the run stops at once naming postgresql-client-18, nothing published" {
  local env var
  env=$(rt_throwaway_start 18 "${SCRUB_TEST_PG18PORT:-$((PGPORT + 2))}")
  (
    eval "$env"
    psql -XAtq -d postgres -c "DROP DATABASE IF EXISTS app18" -c "CREATE DATABASE app18" 2>/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d app18 -f "$BK_HELPERS/source.sql" >/dev/null
  )
  # the backup reaches the 18 server; this shell keeps the 15 one (bk_teardown)
  for var in PGHOST PGPORT PGUSER PGPASSFILE; do
    bk_set "$var" "$(eval "$env"; printf '%s' "${!var}")"
  done
  bk_set PGDATABASE app18
  bk_set PG_LIBDIR "$(libdir_with 14 16)"
  run backup_with_old_path
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"the server is PostgreSQL 18, and no pg_dump here is that new (on PATH: 14;"*"install postgresql-client-18"* ]]
  [ -z "$(find "$BK_DIR" -mindepth 1 -path "$BK_DIR/runs" -prune -o -not -name '.app.lock' -print 2>/dev/null)" ]
  [ "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["exit_code"], r["failed_stage"])' \
    "$BK_DIR/runs/app.latest.json")" = "2 prepare" ]
  # with an 18 client there it works
  bk_set PG_LIBDIR "$(libdir_with 18)"
  run backup_with_old_path
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(archive_made_by)" = 18 ]
}
