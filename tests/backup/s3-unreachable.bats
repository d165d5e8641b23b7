#!/usr/bin/env bats
# The S3 store cannot be reached: the run keeps its good local artifacts but exits
# non-zero, the previous run stays, nothing reaches the bucket; the next run, with
# the store back and the data unchanged since, uploads the failed run's content.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "S3 down: non-zero exit, nothing uploaded; the next run uploads what was missed" {
  bk_backup
  uploaded=$(bk_s3_versions)
  [ "$(printf '%s\n' "$uploaded" | wc -l)" -eq 4 ]
  first=$(bk_runs)
  first_files=$(cd "$BK_DIR" && sha256sum "app.$first".*)

  # New data, then a run while the store is unreachable (nothing listens on port 9).
  bk_psql "$BK_DB" -c "INSERT INTO customers VALUES (201, 'new@corp.example', 'New Customer', NULL, now())"
  bk_set S3_ENDPOINT http://127.0.0.1:9
  bk_set AWS_MAX_ATTEMPTS 2
  run bk_backup
  echo "$output"
  [ "$status" -eq 6 ]
  [[ $output == *"upload of app.anon.gz to $BK_S3 failed"* ]]
  [ "$(bk_s3_versions)" = "$uploaded" ]
  # The previous run is still there, unchanged; the failed run's artifacts are complete.
  [ "$(cd "$BK_DIR" && sha256sum "app.$first".*)" = "$first_files" ]
  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 2 ]
  missed=${runs[1]}
  (cd "$BK_DIR" && sha256sum -c --strict "app.$missed.sha256")
  # Its record: published artifacts, the upload failed, and why.
  python3 - "$BK_DIR/runs/app.$missed.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["exit_code"] == 6 and r["failed_stage"] == "upload", r
assert sorted(r["artifacts"]) == ["anon", "dump", "gz", "sha256"], r["artifacts"]
u = r["upload"]
assert u["status"] == "failed" and u["reason"] == r["error"] and "failed; the next run retries it" in u["reason"], u
PY

  # The store is back and nothing changed: the next run still uploads.
  bk_set S3_ENDPOINT "$AWS_ENDPOINT_URL"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"uploaded to $BK_S3: app.anon.gz app.dump app.gz app.sha256"* ]]
  [ "$(bk_s3_versions | wc -l)" -eq 8 ]
  aws s3 cp --only-show-errors "$BK_S3/app.anon.gz" "$BATS_TEST_TMPDIR/s3.anon.gz"
  aws s3 cp --only-show-errors "$BK_S3/app.gz" "$BATS_TEST_TMPDIR/s3.gz"
  [ "$(bk_content_sha256 "$BATS_TEST_TMPDIR/s3.anon.gz")" = "$(bk_manifest_content "$BK_DIR/app.$missed.sha256" "app.$missed.anon.gz")" ]
  [ "$(bk_content_sha256 "$BATS_TEST_TMPDIR/s3.gz")" = "$(bk_manifest_content "$BK_DIR/app.$missed.sha256" "app.$missed.gz")" ]
  gzip -dc "$BATS_TEST_TMPDIR/s3.gz" | grep -q 'new@corp.example'
}
