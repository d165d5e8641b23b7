#!/usr/bin/env bats
# pg_dump fails because the database does not exist: the run exits non-zero, the
# previous good run and the latest links are untouched, nothing is uploaded.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "pg_dump of a missing database: nothing published, nothing uploaded" {
  bk_previous_good_run
  bk_set PGDATABASE "${BK_DB}_missing"
  run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *"pg_dump of ${BK_DB}_missing failed"* ]]
  [[ $output == *"does not exist"* ]]
}
