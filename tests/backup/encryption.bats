#!/usr/bin/env bats
# With BACKUP_ENCRYPT_TO, the full .dump and .gz leave the host only as age files;
# the anonymized copy stays clear. The encrypted dump restores with the identity.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "BACKUP_ENCRYPT_TO: .dump.age and .gz.age uploaded, .anon.gz clear" {
  age-keygen -o "$BATS_TEST_TMPDIR/identity" 2>/dev/null
  age-keygen -y "$BATS_TEST_TMPDIR/identity" >"$BATS_TEST_TMPDIR/recipients"
  bk_set BACKUP_ENCRYPT_TO "$BATS_TEST_TMPDIR/recipients"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  stamp=$(bk_runs)

  [ "$(bk_s3_keys)" = "$(printf 'app.%s\n' anon.gz dump.age gz.age sha256)" ]

  s3=$BATS_TEST_TMPDIR/s3
  mkdir -p "$s3"
  for key in app.dump.age app.gz.age app.anon.gz app.sha256; do
    aws s3 cp --only-show-errors "$BK_S3/$key" "$s3/$key"
  done
  (cd "$s3" && sha256sum -c --strict app.sha256)
  [ "$(head -c 21 "$s3/app.dump.age")" = age-encryption.org/v1 ]
  [ "$(head -c 21 "$s3/app.gz.age")" = age-encryption.org/v1 ]
  [ "$(head -c 2 "$s3/app.anon.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
  ! grep -qF 'corp.example' "$s3/app.dump.age" || false

  age -d -i "$BATS_TEST_TMPDIR/identity" "$s3/app.gz.age" | cmp - "$BK_DIR/app.$stamp.gz"
  "$BK_REPO/scripts/restore" -i "$BATS_TEST_TMPDIR/identity" -d "${BK_DB}_restored" "$s3/app.dump.age"
  [ "$(bk_schema_and_data "${BK_DB}_restored")" = "$(bk_schema_and_data "$BK_DB")" ]
}
