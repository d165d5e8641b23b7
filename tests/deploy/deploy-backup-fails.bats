#!/usr/bin/env bats
# A deploy whose backup fails: the rules name a column the database does not
# have, which the backup's own scrub check against the live schema finds.
# The play fails, the migration never runs, nothing is published.

load helpers

setup_file() {
  deploy_setup deploy_backup_fails
  make_bucket
  write_vars "columns: {email: email, phone: null}"
  run deploy -e "$migration"
  printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/deploy.log"
  printf '%s\n' "$status" >"$BATS_FILE_TMPDIR/deploy.status"
}

teardown_file() {
  deploy_teardown
}

@test "the deploy fails at the backup, with the backup's reason" {
  output=$(<"$BATS_FILE_TMPDIR/deploy.log")
  [ "$(<"$BATS_FILE_TMPDIR/deploy.status")" -ne 0 ]
  [ "$(recap failed)" -eq 1 ]
  [[ "$output" == *"TASK [scrub_backup : Back up by running the script as the backup user]"* ]]
  [[ "$output" == *"scrub check"* ]]
  [[ "$output" == *"nothing was published"* ]]
}

@test "the migration never ran" {
  [ "$(grep -c "TASK \[Run the release's database migrations\]" "$BATS_FILE_TMPDIR/deploy.log")" -eq 0 ]
  [ "$(migrated_columns)" -eq 0 ]
}

@test "nothing was published, locally or in the bucket" {
  dir=$prefix/var/backups/scrub/shop
  run find "$dir" -path "$dir/runs" -prune -o -name 'shop.*' -print
  [ -z "$output" ]
  # only the failed run's record, which says why
  [ "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["exit_code"], r["failed_stage"])' \
    "$dir/runs/shop.latest.json")" = "4 check" ]
  bucket=${s3_uri#s3://}
  bucket=${bucket%%/*}
  run aws s3api list-objects-v2 --bucket "$bucket" --prefix "${s3_uri#s3://"$bucket"/}/" --query 'length(Contents || `[]`)' --output text
  [ "$status" -eq 0 ]
  [ "$output" = 0 ]
}
