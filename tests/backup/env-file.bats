#!/usr/bin/env bats
# The env file: refused when group or others may read it, parsed (never executed),
# and every required variable checked before anything runs.

load helpers/common

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "an env file readable by group or others is refused" {
  for mode in 0640 0604 0660 0620; do
    chmod "$mode" "$BK_ENV"
    run bk_backup
    echo "$output"
    [ "$status" -eq 2 ]
    [[ $output == *"has mode ${mode#0}"*"chmod 600"* ]]
  done
  [ ! -e "$BK_DIR" ]
}

@test "the env file is data, not a script" {
  # shellcheck disable=SC2016 # the $( ) must reach the file as text
  printf 'BACKUP_NAME=$(touch %s/pwned)\n' "$BATS_TEST_TMPDIR" >>"$BK_ENV"
  run bk_backup
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_NAME '\$(touch"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/pwned" ]
}

@test "missing settings are named" {
  bk_set SCRUB_RULES ''
  run bk_backup
  [ "$status" -eq 2 ]
  [[ $output == *"SCRUB_RULES is not set"* ]]
  run "$BK_REPO/scripts/backup" --env "$BATS_TEST_TMPDIR/no-such.env"
  [ "$status" -eq 2 ]
  [[ $output == *"cannot read the file"* ]]
}
