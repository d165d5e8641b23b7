#!/usr/bin/env bats
# scrub verify on every run: a value of a ruled column that is also copied,
# verbatim, into a column of another table the rules do not cover survives
# the scrub. The run fails with exit 7 before anything is published, the
# log names where the value came from and where it was found, masked, and
# BACKUP_VERIFY=0 turns the check off.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

# A denormalized copy of three customers' e-mail addresses, in a table without rules.
copy_emails_elsewhere() {
  bk_psql "$BK_DB" -c "CREATE TABLE newsletter (id integer PRIMARY KEY, address text NOT NULL);
    INSERT INTO newsletter SELECT id, email FROM customers WHERE id <= 3;"
}

@test "verify leak: a ruled value copied into another table fails the run, nothing published, value masked in the log" {
  bk_previous_good_run
  copy_emails_elsewhere
  run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 7
  [[ $output == *"scrub verify of app."* ]]
  [[ $output == *"leak: public.customers.email value from original line "*" found in scrubbed public.newsletter.address line "* ]]
  [[ $output == *"u… (18 chars)"* ]]
  [[ $output == *"3 leak(s)"* ]]
  [[ $output == *"does not pass"*"nothing was published"* ]]
  [[ $output != *"user1@corp.example"* ]]
  [[ $output != *"user2@corp.example"* ]]
}

@test "verify leak: BACKUP_VERIFY=0 skips the check and publishes" {
  copy_emails_elsewhere
  bk_set S3_URI ''
  bk_set BACKUP_VERIFY 0
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output != *"scrub verify"* ]]
  [ -e "$BK_DIR/app.latest.anon.gz" ]
  gzip -dc "$BK_DIR/app.latest.anon.gz" | grep -q 'user1@corp.example'
}

@test "verify leak: BACKUP_VERIFY takes only 0 or 1" {
  bk_set BACKUP_VERIFY yes
  run bk_backup
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_VERIFY must be 1"* ]]
}

@test "verify leak: BACKUP_VERIFY_MIN_LENGTH reaches verify, and takes only a whole number" {
  copy_emails_elsewhere
  bk_set BACKUP_VERIFY_MIN_LENGTH 19
  run bk_backup
  echo "$output"
  # the copied addresses have 18 characters: shorter than 19, counted, not looked for
  [ "$status" -eq 0 ]
  [[ $output == *"ruled value(s) shorter than 19 characters not checked"* ]]
  bk_set BACKUP_VERIFY_MIN_LENGTH four
  run bk_backup
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_VERIFY_MIN_LENGTH must be a whole number of characters"* ]]
}
