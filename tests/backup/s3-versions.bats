#!/usr/bin/env bats
# Three runs over changing data upload to the same fixed keys: the bucket keeps
# three versions of each, the newest one is the last run's.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "three uploads leave three object versions per key" {
  for i in 1 2 3; do
    bk_psql "$BK_DB" -c "UPDATE orders SET total = total + 1 WHERE id = $i"
    bk_backup
  done
  versions=$(bk_s3_versions)
  for key in app.dump app.gz app.anon.gz app.sha256; do
    [ "$(grep -c "^$key	" <<<"$versions")" -eq 3 ]
  done
  [ "$(wc -l <<<"$versions")" -eq 12 ]

  last=$(bk_runs | tail -n1)
  aws s3 cp --only-show-errors "$BK_S3/app.dump" "$BATS_TEST_TMPDIR/s3.dump"
  cmp "$BATS_TEST_TMPDIR/s3.dump" "$BK_DIR/app.$last.dump"
  # The manifest in the bucket names the newest objects by their keys.
  aws s3 cp --only-show-errors "$BK_S3/app.sha256" "$BATS_TEST_TMPDIR/s3.sha256"
  grep -qx "$(sha256sum "$BATS_TEST_TMPDIR/s3.dump" | cut -d' ' -f1)  app.dump" "$BATS_TEST_TMPDIR/s3.sha256"
  grep -q "^# content-sha256 app.anon.gz [0-9a-f]\{64\} run $last\$" "$BATS_TEST_TMPDIR/s3.sha256"
}
