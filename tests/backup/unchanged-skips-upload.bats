#!/usr/bin/env bats
# When the data did not change, the next run still makes its local artifacts but
# uploads nothing and says so; a change to the data uploads again.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "unchanged data: the upload is skipped; changed data: uploaded" {
  run bk_backup
  [ "$status" -eq 0 ]
  [[ $output == *"uploaded to $BK_S3: app.anon.gz app.dump app.gz app.sha256"* ]]

  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"unchanged since the last upload, not uploaded again:"* ]]
  [[ $output != *uploading* ]]
  [ "$(bk_s3_versions | wc -l)" -eq 4 ]
  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 2 ]
  [ "$(bk_manifest_content "$BK_DIR/app.${runs[0]}.sha256" "app.${runs[0]}.anon.gz")" = \
    "$(bk_manifest_content "$BK_DIR/app.${runs[1]}.sha256" "app.${runs[1]}.anon.gz")" ]

  # A new row in a table whose rows the rules drop changes only the full artifacts.
  bk_psql "$BK_DB" -c "INSERT INTO sessions VALUES (md5('new session'), 1)"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"uploaded to $BK_S3: app.dump app.gz app.sha256"* ]]
  [[ $output == *"not uploaded again: app.anon.gz"* ]]
  versions=$(bk_s3_versions)
  [ "$(grep -c '^app.anon.gz	' <<<"$versions")" -eq 1 ]
  [ "$(wc -l <<<"$versions")" -eq 7 ]
}
