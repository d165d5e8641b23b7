#!/usr/bin/env bats
# BACKUP_PING_URL gets a request when a run succeeds and URL/fail when it fails; a
# watchdog that cannot be reached is logged and does not fail the run.

load helpers/common

setup() {
  bk_setup
  www=$BATS_TEST_TMPDIR/www
  mkdir -p "$www/ping/check-1"
  : >"$www/ping/check-1/fail"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$www" "$port" 2>"$BATS_TEST_TMPDIR/http.log" >/dev/null &
  server=$!
  for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
  bk_set S3_URI ''
}

teardown() {
  kill "$server" 2>/dev/null || true
  bk_teardown
}

@test "watchdog: pinged on success, /fail on failure, unreachable is not fatal" {
  bk_set BACKUP_PING_URL "http://127.0.0.1:$port/ping/check-1"
  bk_backup
  grep -q '"GET /ping/check-1 HTTP' "$BATS_TEST_TMPDIR/http.log"
  ! grep -q '/fail' "$BATS_TEST_TMPDIR/http.log" || false

  bk_set PGDATABASE "${BK_DB}_missing"
  run bk_backup
  [ "$status" -eq 5 ]
  grep -q '"GET /ping/check-1/fail HTTP' "$BATS_TEST_TMPDIR/http.log"

  bk_set PGDATABASE "$BK_DB"
  bk_set BACKUP_PING_URL "http://127.0.0.1:9/ping/check-1"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: the watchdog ping failed"* ]]
}
