#!/usr/bin/env bats
# The database password (given in the env file as PGPASSWORD) and the S3 secret key
# never show in the process list or in the run's output.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "no secret in ps output or logs during a run" {
  password=$(cut -d: -f5 "$PGPASSFILE")
  [ -n "$password" ]
  secret=$(awk -F' = ' '$1 == "aws_secret_access_key" { print $2 }' "$AWS_SHARED_CREDENTIALS_FILE")
  [ -n "$secret" ]
  bk_set PGPASSFILE /nonexistent
  bk_set PGPASSWORD "$password"

  bk_backup >"$BATS_TEST_TMPDIR/run.log" 2>&1 &
  pid=$!
  samples=$BATS_TEST_TMPDIR/ps.txt
  while kill -0 "$pid" 2>/dev/null; do
    ps -eo pid,args >>"$samples"
    sleep 0.02
  done
  rc=0
  wait "$pid" || rc=$?
  cat "$BATS_TEST_TMPDIR/run.log"
  [ "$rc" -eq 0 ]

  # The sampling saw the run's programs...
  grep -q 'pg_restore' "$samples"
  grep -q 'aws' "$samples"
  # ...and no secret, there or in the log.
  ! grep -qF -- "$password" "$samples" "$BATS_TEST_TMPDIR/run.log" || false
  ! grep -qF -- "$secret" "$samples" "$BATS_TEST_TMPDIR/run.log" || false
}
