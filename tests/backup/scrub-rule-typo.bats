#!/usr/bin/env bats
# A typo in the rules (a column that does not exist): `scrub check` against the
# schema of the snapshot stops the run before any data is read into an artifact;
# the previous good run and the latest links are untouched, nothing is uploaded.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "rule typo: scrub check fails the run, nothing published, nothing uploaded" {
  bk_previous_good_run
  bk_set SCRUB_RULES "$BK_HELPERS/rules-typo.yaml"
  run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 4
  [[ $output == *emial* ]]
  [[ $output == *"do not fit the schema of $BK_DB"* ]]
  [[ $output != *"plain SQL"* ]]
}
