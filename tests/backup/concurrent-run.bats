#!/usr/bin/env bats
# A second run while one is going: it exits at once with a clear message and
# touches nothing; the first run completes and publishes normally.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "overlapping runs: the second exits at once, the first completes" {
  bk_set S3_URI ''
  bk_backup
  first=$(bk_runs)

  # A slow first run: its pg_dump waits 4 seconds before dumping.
  bin=$(printf '#!/bin/sh\nsleep 4\nexec %s "$@"\n' "$(command -v pg_dump)" | bk_wrapper pg_dump)
  bk_set S3_URI "$BK_S3"
  PATH=$bin:$PATH bk_backup >"$BATS_TEST_TMPDIR/first.log" 2>&1 &
  slow=$!
  for _ in $(seq 1 100); do
    grep -q 'pg_dump -Fc' "$BATS_TEST_TMPDIR/first.log" && break
    sleep 0.1
  done
  grep -q 'pg_dump -Fc' "$BATS_TEST_TMPDIR/first.log"

  started=$SECONDS
  run bk_backup
  echo "$output"
  [ "$status" -eq 3 ]
  [ $((SECONDS - started)) -le 2 ]
  [[ $output == *"another backup of app is running"* ]]
  # The slow run is still going: the second one did not wait for it.
  kill -0 "$slow"

  rc=0
  wait "$slow" || rc=$?
  cat "$BATS_TEST_TMPDIR/first.log"
  [ "$rc" -eq 0 ]
  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 2 ]
  [ "${runs[0]}" = "$first" ]
  [ "$(readlink "$BK_DIR/app.latest.anon.gz")" = "app.${runs[1]}.anon.gz" ]
  (cd "$BK_DIR" && sha256sum -c --strict "app.${runs[1]}.sha256")
  [ "$(bk_s3_versions | wc -l)" -eq 4 ]
  [ -z "$(find "$BK_DIR" -name '*.tmp')" ]
}
