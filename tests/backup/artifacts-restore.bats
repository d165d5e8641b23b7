#!/usr/bin/env bats
# A run makes the three artifacts and the manifest from one snapshot; the .dump and the
# .gz restore to a database identical to the source; the .anon.gz loads and its ruled
# columns are scrubbed while everything else is kept.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "one run: three artifacts that restore, the anonymized one scrubbed" {
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]

  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 1 ]
  stamp=${runs[0]}
  [[ $stamp =~ ^[0-9]{8}T[0-9]{6}Z$ ]]
  for ext in dump gz anon.gz; do
    [ -s "$BK_DIR/app.$stamp.$ext" ]
    [ "$(readlink "$BK_DIR/app.latest.$ext")" = "app.$stamp.$ext" ]
  done
  (cd "$BK_DIR" && sha256sum -c --strict "app.$stamp.sha256")
  [ "$(grep -c '^[0-9a-f]\{64\}  ' "$BK_DIR/app.$stamp.sha256")" -eq 3 ]
  pg_restore --list "$BK_DIR/app.$stamp.dump" >/dev/null
  [ "$(head -c 2 "$BK_DIR/app.$stamp.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
  [ "$(bk_manifest_content "$BK_DIR/app.$stamp.sha256" "app.$stamp.anon.gz")" = "$(bk_content_sha256 "$BK_DIR/app.$stamp.anon.gz")" ]

  # The upload: the fixed keys, each object as the local file.
  [ "$(bk_s3_keys)" = "$(printf 'app.%s\n' anon.gz dump gz sha256)" ]
  aws s3 cp --only-show-errors "$BK_S3/app.anon.gz" "$BATS_TEST_TMPDIR/s3.anon.gz"
  cmp "$BATS_TEST_TMPDIR/s3.anon.gz" "$BK_DIR/app.$stamp.anon.gz"

  source_dump=$(bk_schema_and_data "$BK_DB")

  # The custom-format dump, through scripts/restore.
  "$BK_REPO/scripts/restore" -d "${BK_DB}_dump" "$BK_DIR/app.latest.dump"
  [ "$(bk_schema_and_data "${BK_DB}_dump")" = "$source_dump" ]

  # The full plain SQL, through scripts/populatedb.
  "$BK_REPO/scripts/populatedb" -d "${BK_DB}_gz" "$BK_DIR/app.latest.gz"
  [ "$(bk_schema_and_data "${BK_DB}_gz")" = "$source_dump" ]

  # The anonymized plain SQL: no personal data left in the file...
  [ "$(gzip -dc "$BK_DIR/app.latest.anon.gz" | grep -cE 'corp\.example|Customer Name|\+1 555|Main Street' || true)" -eq 0 ]
  # ...and it loads, with the ruled columns scrubbed and the rest kept.
  anon=${BK_DB}_anon
  "$BK_REPO/scripts/populatedb" -d "$anon" "$BK_DIR/app.latest.anon.gz"
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM customers")" -eq 200 ]
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM customers WHERE email = 'nobody@example.com'")" -eq 200 ]
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM customers WHERE name ~ '^[0-9a-f]{32}\$'")" -eq 200 ]
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM customers WHERE phone IS NULL")" -eq 200 ]
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM orders WHERE note = 'redacted'")" -eq 600 ]
  [ "$(bk_psql "$anon" -c "SELECT count(*) FROM sessions")" -eq 0 ]
  kept="SELECT md5(string_agg(c.id || c.created_at::text, ',' ORDER BY c.id)) FROM customers c"
  [ "$(bk_psql "$anon" -c "$kept")" = "$(bk_psql "$BK_DB" -c "$kept")" ]
  totals="SELECT md5(string_agg(id || ':' || customer_id || ':' || total, ',' ORDER BY id)) FROM orders"
  [ "$(bk_psql "$anon" -c "$totals")" = "$(bk_psql "$BK_DB" -c "$totals")" ]
  events="SELECT md5(string_agg(payload, ',' ORDER BY id)) FROM events"
  [ "$(bk_psql "$anon" -c "$events")" = "$(bk_psql "$BK_DB" -c "$events")" ]
  [ "$(bk_psql "$anon" -c "SELECT last_value FROM invoice_numbers")" -eq 1004 ]
}
