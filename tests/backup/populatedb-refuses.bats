#!/usr/bin/env bats
# What scripts/populatedb refuses, each time leaving an existing database as it was and
# no __loading database behind: a pg_dump file cut off before its completion line
# (plain, gzip or zstd; --allow-incomplete loads it), an empty file, a custom-format
# archive, a load that makes no table, and a file that does not match FILE.sha256.
# Hand-made SQL, without pg_dump's header, needs no completion line. No NOTICE about the
# scratch database is printed.

load helpers/common

setup() {
  bk_setup
  PAGILA_SQL=$BK_REPO/../shared/corpus/pagila.copy.sql
  PAGILA_DUMP=$BK_REPO/../shared/corpus/pagila.dump
  [ -f "$PAGILA_SQL" ] || bk_fail "the corpus is missing: $PAGILA_SQL (../shared beside the clone)"
  [ -f "$PAGILA_DUMP" ] || bk_fail "the corpus is missing: $PAGILA_DUMP"
  IN=$BATS_TEST_TMPDIR/in
  mkdir -p "$IN"
  DB=${BK_DB}_dev
}
teardown() { bk_teardown; }

populatedb() { "$BK_REPO/scripts/populatedb" "$@"; }

# An existing DB, with its oid and a row of its own, that refusals must leave alone.
existing_db() {
  printf "CREATE TABLE mine (v text);\nINSERT INTO mine VALUES ('kept');\n" >"$IN/mine.sql"
  populatedb -d "$DB" "$IN/mine.sql"
  DB_OID=$(bk_psql postgres -c "SELECT oid FROM pg_database WHERE datname = '$DB'")
}

assert_unchanged() {
  [ "$(bk_psql postgres -c "SELECT oid FROM pg_database WHERE datname = '$DB'")" = "$DB_OID" ]
  [ "$(bk_psql "$DB" -c "SELECT string_agg(v, ',') FROM mine")" = kept ]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" -eq 1 ]
  assert_no_scratch
}

assert_no_scratch() {
  [ "$(bk_psql postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_\\_loading'")" -eq 0 ]
}

@test "populatedb: a pg_dump file without its completion line is refused, plain, gzip or zstd" {
  existing_db
  # Cut off between two statements: everything up to the foreign keys, which loads.
  sed '/Type: FK CONSTRAINT/,$d' "$PAGILA_SQL" >"$IN/cut.sql"
  ! grep -q '^-- PostgreSQL database dump complete' "$IN/cut.sql" || false
  gzip -c "$IN/cut.sql" >"$IN/cut.sql.gz"
  zstd -q -c "$IN/cut.sql" >"$IN/cut.sql.zst"
  for f in cut.sql cut.sql.gz cut.sql.zst; do
    run populatedb --replace -d "$DB" "$IN/$f"
    echo "$output"
    [ "$status" -eq 4 ]
    [[ $output == *"lacks its last line '-- PostgreSQL database dump complete'"*"the existing $DB was not changed"* ]]
    assert_unchanged
  done

  # --allow-incomplete loads it anyway, with a warning.
  run populatedb --replace --allow-incomplete -d "$DB" "$IN/cut.sql.zst"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"warning: $IN/cut.sql.zst lacks pg_dump's completion line"* ]]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM public.rental")" -eq 16044 ]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")" -eq 0 ]
  assert_no_scratch

  # The complete dump, gzip-compressed, loads without the option and without a NOTICE.
  gzip -c "$PAGILA_SQL" >"$IN/pagila.sql.gz"
  run populatedb --replace -d "$DB" "$IN/pagila.sql.gz"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output != *NOTICE* ]]
  [[ $output != *warning* ]]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")" -gt 0 ]
  assert_no_scratch
}

@test "populatedb: hand-made SQL needs no pg_dump completion line; no NOTICE on a first load" {
  printf 'CREATE TABLE t (i int);\nINSERT INTO t VALUES (1), (2);\n' >"$IN/hand.sql"
  run populatedb -d "$DB" "$IN/hand.sql"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output != *NOTICE* ]]
  [[ $output == *"database $DB is ready (1 tables)"* ]]
  [ "$(bk_psql "$DB" -c "SELECT sum(i) FROM t")" -eq 3 ]
  assert_no_scratch
}

@test "populatedb: an empty file, plain or compressed, is refused" {
  existing_db
  : >"$IN/empty.sql"
  gzip -c "$IN/empty.sql" >"$IN/empty.sql.gz"
  zstd -q -c "$IN/empty.sql" >"$IN/empty.sql.zst"
  run populatedb --replace -d "$DB" "$IN/empty.sql"
  echo "$output"
  [ "$status" -eq 4 ]
  [[ $output == *"$IN/empty.sql is empty"* ]]
  assert_unchanged
  for f in empty.sql.gz empty.sql.zst; do
    run populatedb --replace -d "$DB" "$IN/$f"
    echo "$output"
    [ "$status" -eq 4 ]
    [[ $output == *"$IN/$f holds nothing once decompressed"* ]]
    assert_unchanged
  done
}

@test "populatedb: a custom-format archive is refused and pointed to scripts/restore" {
  existing_db
  cp "$PAGILA_DUMP" "$IN/app.sql"
  gzip -c "$PAGILA_DUMP" >"$IN/app.dump.gz"
  for f in app.sql app.dump.gz; do
    run populatedb --replace -d "$DB" "$IN/$f"
    echo "$output"
    [ "$status" -eq 4 ]
    [[ $output == *"custom-format archive"*"scripts/restore (just restore)"* ]]
    [[ $output != *"loading"* ]]
    assert_unchanged
  done
}

@test "populatedb: a load that makes no table is refused" {
  existing_db
  # pg_trgm's own objects do not count, nor do objects other than tables.
  printf 'CREATE SCHEMA s;\nCREATE VIEW s.v AS SELECT 1 AS one;\nCREATE SEQUENCE s.q;\n' >"$IN/notables.sql"
  run env POPULATEDB_EXTENSIONS=pg_trgm "$BK_REPO/scripts/populatedb" --replace -d "$DB" "$IN/notables.sql"
  echo "$output"
  [ "$status" -eq 4 ]
  [[ $output == *"loaded no table"* ]]
  assert_unchanged
}

@test "populatedb: FILE.sha256 beside the file is checked before loading" {
  existing_db
  printf 'CREATE TABLE t (i int);\n' | gzip >"$IN/app.anon.gz"
  (cd "$IN" && sha256sum app.anon.gz >app.anon.gz.sha256)
  run populatedb --replace -d "$DB" "$IN/app.anon.gz"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"$IN/app.anon.gz matches $IN/app.anon.gz.sha256"* ]]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM pg_tables WHERE tablename = 't'")" -eq 1 ]

  bk_psql postgres -c "DROP DATABASE \"$DB\""
  existing_db
  # The file changed after its manifest was written.
  printf 'CREATE TABLE u (i int);\n' | gzip >"$IN/app.anon.gz"
  run populatedb --replace -d "$DB" "$IN/app.anon.gz"
  echo "$output"
  [ "$status" -eq 4 ]
  [[ $output == *"$IN/app.anon.gz does not match $IN/app.anon.gz.sha256"* ]]
  [[ $output != *"loading"* ]]
  assert_unchanged

  # A manifest that lists another file only.
  (cd "$IN" && cp app.anon.gz other.gz && sha256sum other.gz >app.anon.gz.sha256)
  run populatedb --replace -d "$DB" "$IN/app.anon.gz"
  echo "$output"
  [ "$status" -eq 4 ]
  [[ $output == *"$IN/app.anon.gz.sha256 does not list app.anon.gz"* ]]
  assert_unchanged

  # sha256sum's binary mode and a path in the name are fine.
  sha256sum -b "$IN/app.anon.gz" >"$IN/app.anon.gz.sha256"
  run populatedb --replace -d "$DB" "$IN/app.anon.gz"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(bk_psql "$DB" -c "SELECT count(*) FROM pg_tables WHERE tablename = 'u'")" -eq 1 ]
}
