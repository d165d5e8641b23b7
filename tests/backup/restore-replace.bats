#!/usr/bin/env bats
# scripts/restore restores into DBNAME__restoring and renames it to DBNAME only once
# pg_restore succeeded: with the partitioned Pagila archive of the corpus, a second
# restore without --replace is refused and changes nothing, one with --replace succeeds,
# and a restore of a cut-off archive leaves the existing database exactly as it was and
# no __restoring database behind.

load helpers/common

setup() {
  bk_setup
  PAGILA_DUMP=$BK_REPO/../shared/corpus/pagila.dump
  PAGILA_COUNTS=$BK_REPO/../shared/corpus/pagila.counts.tsv
  [ -f "$PAGILA_DUMP" ] || bk_fail "the corpus is missing: $PAGILA_DUMP (../shared beside the clone)"
  [ -f "$PAGILA_COUNTS" ] || bk_fail "the corpus is missing: $PAGILA_COUNTS"
}
teardown() { bk_teardown; }

# The row count of every table that pagila.counts.tsv lists, in its format.
counts() {
  local table
  printf 'table\trow_count\n'
  while IFS=$'\t' read -r table _; do
    [ "$table" != table ] || continue
    printf '%s\t%s\n' "$table" "$(bk_psql "$1" -c "SELECT count(*) FROM $table")"
  done <"$PAGILA_COUNTS"
}

# What must not change when a restore is refused or fails: the database's oid (the
# same database, not a new one of the same name), catalog facts, and schema and data.
fingerprint() {
  bk_psql postgres -c "SELECT oid FROM pg_database WHERE datname = '$1'"
  bk_psql "$1" -c "SELECT (SELECT count(*) FROM pg_constraint), (SELECT count(*) FROM pg_index),
    (SELECT count(*) FROM pg_class), (SELECT count(*) FROM pg_inherits),
    (SELECT count(*) FROM pg_trigger), (SELECT count(*) FROM pg_proc)"
  bk_schema_and_data "$1"
}

scratch_left() {
  bk_psql postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_\\_restoring'"
}

@test "restore of the partitioned Pagila archive: twice refused without --replace, replaced with it" {
  db=${BK_DB}_pagila
  run "$BK_REPO/scripts/restore" -d "$db" "$PAGILA_DUMP"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"database $db restored"* ]]
  [[ $output != *NOTICE* ]]
  [ "$(counts "$db")" = "$(cat "$PAGILA_COUNTS")" ]
  # The partitioned table and its partitions came along.
  [ "$(bk_psql "$db" -c "SELECT relkind FROM pg_class WHERE oid = 'public.payment'::regclass")" = p ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.payment'::regclass")" -eq 7 ]
  [ "$(scratch_left)" -eq 0 ]

  # A change of our own, that a refused restore must keep and a replacing one undoes.
  bk_psql "$db" -c "INSERT INTO actor (first_name, last_name) VALUES ('KEPT', 'ROW')"
  bk_psql "$db" -c "CREATE TABLE extra (i int)"
  before=$(fingerprint "$db")

  run "$BK_REPO/scripts/restore" -d "$db" "$PAGILA_DUMP"
  echo "$output"
  [ "$status" -eq 3 ]
  [[ $output == *"database $db exists; run with --replace"* ]]
  [ "$(fingerprint "$db")" = "$before" ]
  [ "$(scratch_left)" -eq 0 ]

  run "$BK_REPO/scripts/restore" --replace -j 2 -d "$db" "$PAGILA_DUMP"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"replacing the existing $db"* ]]
  [[ $output != *NOTICE* ]]
  [ "$(counts "$db")" = "$(cat "$PAGILA_COUNTS")" ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM pg_class WHERE relname = 'extra'")" -eq 0 ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'public.payment'::regclass")" -eq 7 ]
  [ "$(scratch_left)" -eq 0 ]
}

@test "restore --replace of a cut-off or broken archive leaves the existing database as it was" {
  db=${BK_DB}_pagila
  "$BK_REPO/scripts/restore" -d "$db" "$PAGILA_DUMP"
  bk_psql "$db" -c "INSERT INTO actor (first_name, last_name) VALUES ('KEPT', 'ROW')"
  before=$(fingerprint "$db")

  # Cut off in the data: its table of contents still lists, so pg_restore starts
  # creating objects and fails midway.
  head -c 500000 "$PAGILA_DUMP" >"$BATS_TEST_TMPDIR/cut.dump"
  pg_restore --list "$BATS_TEST_TMPDIR/cut.dump" >/dev/null
  run "$BK_REPO/scripts/restore" --replace -d "$db" "$BATS_TEST_TMPDIR/cut.dump"
  echo "$output"
  [ "$status" -eq 5 ]
  [[ $output == *"pg_restore into ${db}__restoring failed"*"the existing $db was not changed"* ]]
  [[ $output != *"replacing the existing"* ]]
  [ "$(fingerprint "$db")" = "$before" ]
  [ "$(scratch_left)" -eq 0 ]

  # Not an archive at all: refused before any database is made.
  head -c 4000 /dev/urandom >"$BATS_TEST_TMPDIR/garbage.dump"
  run "$BK_REPO/scripts/restore" --replace -d "$db" "$BATS_TEST_TMPDIR/garbage.dump"
  echo "$output"
  [ "$status" -eq 5 ]
  [[ $output == *"is not a readable pg_dump archive"* ]]
  [ "$(fingerprint "$db")" = "$before" ]
  [ "$(scratch_left)" -eq 0 ]

  # A scratch database left by an interrupted restore is replaced, not restored over.
  bk_psql postgres -c "CREATE DATABASE \"${db}__restoring\""
  bk_psql "${db}__restoring" -c "CREATE TABLE leftover (i int)"
  "$BK_REPO/scripts/restore" --replace -d "$db" "$PAGILA_DUMP"
  [ "$(counts "$db")" = "$(cat "$PAGILA_COUNTS")" ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM pg_class WHERE relname = 'leftover'")" -eq 0 ]
  [ "$(scratch_left)" -eq 0 ]
}
