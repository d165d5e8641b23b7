#!/usr/bin/env bats
# Tag backup after tag backup-setup: the role runs a backup now, as the
# backup user, against the test PostgreSQL and S3 server, and real
# artifacts appear in the backup folder and in the bucket, the full ones
# encrypted to the age recipient the role was given; the run's record and
# metrics file, written by the backup user into the folders the role made.

load helpers

setup_file() {
  age-keygen -o "$BATS_FILE_TMPDIR/age.key" 2>/dev/null
  age_recipient=$(age-keygen -y "$BATS_FILE_TMPDIR/age.key")
  export age_recipient
  deploy_setup deploy_role_backup
  echo 'scrub_backup_metrics_dir: /var/lib/node-exporter' >>"$vars_file"
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

@test "the run's record and its metrics file, the backup user's, the metrics readable by node_exporter" {
  record=$dir/runs/$(readlink "$dir/runs/shop.latest.json")
  [ "$(stat -c '%a %U' "$record")" = "600 $deploy_user" ]
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["exit_code"] == 0 and r["name"] == "shop", r' "$record"
  prom=$prefix/var/lib/node-exporter/scrub_backup_shop.prom
  [ "$(stat -c '%a %U' "$prom")" = "644 $deploy_user" ]
  grep -qx "scrub_backup_exit_code{name=\"shop\",database=\"$db\"} 0" "$prom"
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

@test "the role's recipients file is the one the backup encrypted to" {
  cd "$dir"
  [ "$(cat "$prefix/etc/scrub/shop.recipients")" = "$age_recipient" ]
  [ "$(stat -c '%a %U %G' "$prefix/etc/scrub/shop.recipients")" = "640 root $deploy_user" ]
  run_base=$(readlink shop.latest.dump)
  run_base=${run_base%.dump}
  for ext in dump gz; do
    age -d -i "$BATS_FILE_TMPDIR/age.key" "$run_base.$ext.age" | cmp - "$run_base.$ext"
  done
}

@test "the artifacts are in the bucket: the anonymized one clear, the full ones encrypted" {
  cd "$dir"
  run_base=$(readlink shop.latest.dump)
  run_base=${run_base%.dump}
  aws s3 cp --only-show-errors "$s3_uri/shop.anon.gz" "$BATS_TEST_TMPDIR/shop.anon.gz"
  cmp shop.latest.anon.gz "$BATS_TEST_TMPDIR/shop.anon.gz"
  for ext in dump gz; do
    aws s3 cp --only-show-errors "$s3_uri/shop.$ext.age" "$BATS_TEST_TMPDIR/shop.$ext.age"
    cmp "$run_base.$ext.age" "$BATS_TEST_TMPDIR/shop.$ext.age"
  done
  bucket=${s3_uri#s3://}
  bucket=${bucket%%/*}
  run aws s3api head-object --bucket "$bucket" --key "${s3_uri#s3://"$bucket"/}/shop.dump"
  [ "$status" -ne 0 ]
  aws s3 cp --only-show-errors "$s3_uri/shop.sha256" - | grep -q 'shop.anon.gz'
}
