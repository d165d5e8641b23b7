#!/usr/bin/env bats
# The plain-SQL step reads the archive once: one `pg_restore -f -` stream feeds the full .gz,
# scrub (which leaves out owners, grants and subscriptions of the anonymized copy, as
# pg_restore's options did), the content hash of each copy and scrub verify, through named
# pipes. A stage that dies mid-stream fails the run at once, with its name, and publishes
# nothing; none waits forever. The manifest's content hashes are those of the SQL inside the
# files. Compression: pigz by default, BACKUP_GZIP_LEVEL, and BACKUP_GZIP_TEST=1 to
# decompress each .gz in full before publishing.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

# A stand-in for $1 (a path) that logs each call's arguments to $BATS_TEST_TMPDIR/$2.calls
# and runs the real one; prints the stand-in's path.
logging_wrapper() {
  local real=$1 name=$2
  bk_wrapper "$name" >/dev/null <<WRAPPER
#!/usr/bin/env bash
printf '%s\n' "\$*" >>"$BATS_TEST_TMPDIR/$name.calls"
exec "$real" "\$@"
WRAPPER
  printf '%s' "$BATS_TEST_TMPDIR/bin/$name"
}

@test "one pg_restore read makes both copies; the anonymized one has no owners or grants; content hashes are the SQL's" {
  bk_psql "$BK_DB" -c "GRANT SELECT ON customers TO PUBLIC" >/dev/null
  logging_wrapper "$(command -v pg_restore)" pg_restore >/dev/null
  PATH=$BATS_TEST_TMPDIR/bin:$PATH run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  cat "$BATS_TEST_TMPDIR/pg_restore.calls"
  [ "$(grep -c -- '-f -' "$BATS_TEST_TMPDIR/pg_restore.calls")" = 1 ]
  local full=$BK_DIR/app.latest.gz anon=$BK_DIR/app.latest.anon.gz
  gzip -dc "$full" | grep -q '^GRANT SELECT ON TABLE public.customers TO PUBLIC;'
  gzip -dc "$full" | grep -q 'OWNER TO '
  [ "$(gzip -dc "$anon" | grep -c -e 'OWNER TO ' -e '^GRANT ' -e '^REVOKE ')" = 0 ]
  [[ $output == *"owners, privileges, subscriptions: "*" statement(s) left out"* ]]
  local f manifest
  manifest=$(readlink -f "$BK_DIR/app.latest.sha256")
  for f in "$full" "$anon"; do
    f=$(readlink -f "$f")
    [ "$(bk_manifest_content "$manifest" "${f##*/}")" = "$(bk_content_sha256 "$f")" ]
  done
}

@test "scrub dying mid-stream fails the run at once with its name; nothing published, no stage left running" {
  bk_previous_good_run
  real=${SCRUB_BIN:-scrub}
  real=$(command -v "$real")
  bk_wrapper scrub <<WRAPPER >/dev/null
#!/usr/bin/env bash
case \$1 in check | verify) exec "$real" "\$@" ;; esac
head -c 200000 >/dev/null
exit 1
WRAPPER
  bk_set SCRUB_BIN "$BATS_TEST_TMPDIR/bin/scrub"
  run timeout 120 "$BK_REPO/scripts/backup" --env "$BK_ENV"
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *"making the plain SQL failed:"*"scrub (exit 1)"*"nothing was published"* ]]
  [ -z "$(pgrep -f "verify .*--tmp-dir $BK_DIR/" || true)" ]
}

@test "scrub verify failing at start fails the run, nothing published, nothing waits" {
  bk_previous_good_run
  real=$(command -v "${SCRUB_BIN:-scrub}")
  bk_wrapper scrub <<WRAPPER >/dev/null
#!/usr/bin/env bash
if [ "\$1" = verify ]; then echo "verify: cannot start" >&2; exit 2; fi
exec "$real" "\$@"
WRAPPER
  bk_set SCRUB_BIN "$BATS_TEST_TMPDIR/bin/scrub"
  run timeout 120 "$BK_REPO/scripts/backup" --env "$BK_ENV"
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *"making the plain SQL failed:"*"scrub verify (exit 2)"* ]]
}

@test "BACKUP_GZIP_LEVEL reaches the compressor (1 makes bigger files than 9) and takes only 1 to 9; pigz is the default" {
  logging_wrapper "$(command -v pigz)" pigz >/dev/null
  bk_set S3_URI ''
  bk_set BACKUP_GZIP_LEVEL 1
  PATH=$BATS_TEST_TMPDIR/bin:$PATH bk_backup
  grep -q '^-1 -c$' "$BATS_TEST_TMPDIR/pigz.calls"
  small=$(stat -c %s "$(readlink -f "$BK_DIR/app.latest.gz")")
  bk_set BACKUP_GZIP_LEVEL 9
  sleep 1
  PATH=$BATS_TEST_TMPDIR/bin:$PATH bk_backup
  grep -q '^-9 -c$' "$BATS_TEST_TMPDIR/pigz.calls"
  [ "$(stat -c %s "$(readlink -f "$BK_DIR/app.latest.gz")")" -lt "$small" ]
  bk_set BACKUP_GZIP_LEVEL 0
  run bk_backup
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_GZIP_LEVEL must be 1 to 9"* ]]
}

@test "BACKUP_GZIP_TEST=1 catches a compressor that writes a broken .gz, and takes only 0 or 1" {
  bk_previous_good_run
  real=$(command -v pigz)
  bk_wrapper pigz <<WRAPPER >/dev/null
#!/usr/bin/env bash
# compresses, then cuts the last 100 bytes off: a truncated gzip member
if [ "\$2" = -c ]; then "$real" "\$@" | head -c -100; else exec "$real" "\$@"; fi
WRAPPER
  bk_set BACKUP_GZIP_TEST 1
  PATH=$BATS_TEST_TMPDIR/bin:$PATH run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *".gz does not decompress (gzip -t exit "*"nothing was published"* ]]
  bk_set BACKUP_GZIP_TEST yes
  run bk_backup
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_GZIP_TEST must be 1"* ]]
}
