#!/usr/bin/env bats
# The developers' side: fetchdb brings the newest anonymized dump from the bucket or
# from a backup folder and checks it against the manifest; populatedb turns it into a
# working database, with the listed extensions, and refuses to replace one without
# --replace.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "fetchdb from S3 and from a folder, checked; populatedb" {
  bk_backup
  stamp=$(bk_runs)
  dev=$BATS_TEST_TMPDIR/dev
  mkdir -p "$dev"

  # From the bucket, configured through the same kind of env file.
  run "$BK_REPO/scripts/fetchdb" --env "$BK_ENV" -o "$dev/app.anon.gz"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"app.anon.gz (run $stamp) checked against its manifest"* ]]
  cmp "$dev/app.anon.gz" "$BK_DIR/app.$stamp.anon.gz"

  # From the backup folder, into the current directory by default.
  (cd "$dev" && "$BK_REPO/scripts/fetchdb" --from "$BK_DIR" --name app)
  cmp "$dev/app.anon.gz" "$BK_DIR/app.$stamp.anon.gz"

  # populatedb: a working database with the extensions asked for.
  db=${BK_DB}_dev
  POPULATEDB_EXTENSIONS="pg_trgm unaccent" "$BK_REPO/scripts/populatedb" -d "$db" "$dev/app.anon.gz"
  [ "$(bk_psql "$db" -c "SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension")" = "pg_trgm plpgsql unaccent" ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers JOIN orders ON orders.customer_id = customers.id")" -eq 600 ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers WHERE name % 'Customer Name 7'")" -eq 0 ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers WHERE email <> 'nobody@example.com'")" -eq 0 ]
  bk_psql "$db" -c "INSERT INTO customers VALUES (999, 'dev@example.com', 'Dev', NULL, now())"

  # An existing database is not replaced without --replace...
  run "$BK_REPO/scripts/populatedb" -d "$db" "$dev/app.anon.gz"
  echo "$output"
  [ "$status" -eq 3 ]
  [[ $output == *"database $db exists"* ]]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers")" -eq 201 ]
  # ...a dump that fails to load leaves it as it was...
  printf 'CREATE TABLE t (i int);\nSELECT no_such_function();\n' | gzip >"$dev/broken.sql.gz"
  run "$BK_REPO/scripts/populatedb" --replace -d "$db" "$dev/broken.sql.gz"
  echo "$output"
  [ "$status" -eq 5 ]
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers")" -eq 201 ]
  [ "$(bk_psql postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE '%__loading'")" -eq 0 ]
  # ...and --replace replaces it with a fresh copy.
  "$BK_REPO/scripts/populatedb" --replace -d "$db" "$dev/app.anon.gz"
  [ "$(bk_psql "$db" -c "SELECT count(*) FROM customers")" -eq 200 ]

  # fetchdb refuses a dump that does not match the manifest (replaced behind the
  # backup's back) and writes nothing.
  printf 'not the dump\n' | gzip >"$BATS_TEST_TMPDIR/other.gz"
  aws s3 cp --only-show-errors "$BATS_TEST_TMPDIR/other.gz" "$BK_S3/app.anon.gz"
  mkdir "$dev/refused"
  run "$BK_REPO/scripts/fetchdb" --from "$BK_S3" --name app -o "$dev/refused/app.anon.gz"
  echo "$output"
  [ "$status" -eq 4 ]
  [[ $output == *"does not match its manifest"* ]]
  [ -z "$(ls -A "$dev/refused")" ]
}
