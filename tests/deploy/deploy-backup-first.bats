#!/usr/bin/env bats
# ansible/deploy.yml as a deploy runs it (no tags): the role installs the
# backups and takes one, and only then does the application's migration run.
# The backup holds the schema from before the migration.

load helpers

setup_file() {
  deploy_setup deploy_backup_first
  make_bucket
  run deploy -e "$migration"
  printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/deploy.log"
  [ "$status" -eq 0 ] || { cat "$BATS_FILE_TMPDIR/deploy.log" >&2; return 1; }
}

teardown_file() {
  deploy_teardown
}

@test "the deploy installs, backs up, then migrates, in that order" {
  log=$BATS_FILE_TMPDIR/deploy.log
  install=$(grep -n 'TASK \[scrub_backup : Install the scrub binary\]' "$log" | cut -d: -f1)
  backup=$(grep -n 'TASK \[scrub_backup : Back up by running the script as the backup user\]' "$log" | cut -d: -f1)
  migrate=$(grep -n "TASK \[Run the release's database migrations\]" "$log" | cut -d: -f1)
  [ -n "$install" ] && [ -n "$backup" ] && [ -n "$migrate" ]
  [ "$install" -lt "$backup" ]
  [ "$backup" -lt "$migrate" ]
}

@test "the backup holds the schema from before the migration, the database the one after" {
  dump=$prefix/var/backups/scrub/shop/shop.latest.dump
  schema=$(pg_restore --schema-only -f - "$dump")
  [[ "$schema" == *"CREATE TABLE public.customers"* ]]
  [[ "$schema" != *loyalty_points* ]]
  [ "$(migrated_columns)" -eq 1 ]
}

@test "the pre-deploy backup reached the bucket" {
  aws s3 cp --only-show-errors "$s3_uri/shop.dump" "$BATS_TEST_TMPDIR/shop.dump"
  cmp "$prefix/var/backups/scrub/shop/shop.latest.dump" "$BATS_TEST_TMPDIR/shop.dump"
}
