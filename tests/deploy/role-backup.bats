#!/usr/bin/env bats
# Tag backup after tag backup-setup: the role runs a backup now, as the
# backup user, against the test PostgreSQL and S3 server, and real
# artifacts appear in the backup folder and in the bucket.

load helpers

setup_file() {
  deploy_setup deploy_role_backup
  make_bucket
  run deploy --tags backup-setup
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
  run deploy --tags backup
  printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/backup.log"
  printf '%s\n' "$status" >"$BATS_FILE_TMPDIR/backup.status"
}

teardown_file() {
  deploy_teardown
}

setup() {
  dir=$prefix/var/backups/scrub/shop
}

@test "the backup tag runs one backup and nothing else" {
  output=$(<"$BATS_FILE_TMPDIR/backup.log")
  [ "$(<"$BATS_FILE_TMPDIR/backup.status")" -eq 0 ] || { echo "$output"; false; }
  [ "$(recap failed)" -eq 0 ]
  [ "$(recap changed)" -eq 1 ]
  [[ "$output" == *"Back up by running the script as the backup user"* ]]
  [[ "$output" != *"Install the scrub binary"* ]]
  [[ "$output" != *"Run the release's database migrations"* ]]
}

@test "one complete run: three artifacts, the manifest, the latest links, owned by the backup user" {
  cd "$dir"
  manifests=(shop.*.sha256)
  [ "${#manifests[@]}" -eq 2 ] # the run's and shop.latest.sha256
  run_base=$(readlink shop.latest.sha256)
  run_base=${run_base%.sha256}
  [[ "$run_base" =~ ^shop\.[0-9]{8}T[0-9]{6}Z$ ]]
  for ext in dump gz anon.gz sha256; do
    [ "$(readlink "shop.latest.$ext")" = "$run_base.$ext" ]
    [ "$(stat -c %U "$run_base.$ext")" = "$deploy_user" ]
  done
  sha256sum --quiet -c "$run_base.sha256"
}

@test "the full artifacts hold the data, the anonymized one holds no customer address" {
  cd "$dir"
  pg_restore --list shop.latest.dump | grep -q 'TABLE DATA public customers'
  [ "$(pg_restore -f - shop.latest.dump | grep -c '@shop\.example')" -eq 200 ]
  [ "$(gzip -dc shop.latest.gz | grep -c '@shop\.example')" -eq 200 ]
  gzip -t shop.latest.anon.gz
  [ "$(gzip -dc shop.latest.anon.gz | grep -c '@shop\.example')" -eq 0 ]
  gzip -dc shop.latest.anon.gz | grep -q 'COPY public.customers '
}

@test "the artifacts are in the bucket, byte for byte" {
  cd "$dir"
  bucket=${s3_uri#s3://}
  bucket=${bucket%%/*}
  key_prefix=${s3_uri#s3://"$bucket"/}
  for ext in dump gz anon.gz; do
    aws s3 cp --only-show-errors "$s3_uri/shop.$ext" "$BATS_TEST_TMPDIR/shop.$ext"
    cmp "shop.latest.$ext" "$BATS_TEST_TMPDIR/shop.$ext"
  done
  aws s3api head-object --bucket "$bucket" --key "$key_prefix/shop.sha256" >/dev/null
}
