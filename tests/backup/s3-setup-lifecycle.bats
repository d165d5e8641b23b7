#!/usr/bin/env bats
# scripts/s3-setup creates the bucket, turns versioning on and puts a lifecycle rule
# on the prefix that keeps 45 non-current versions; it is idempotent and leaves the
# bucket's other rules alone.

load helpers/common

setup() {
  bk_require_servers
  bucket=bk-setup-$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
}

rules() {
  aws s3api get-bucket-lifecycle-configuration --bucket "$bucket" \
    --query 'Rules[].[ID, Filter.Prefix, NoncurrentVersionExpiration.NewerNoncurrentVersions, NoncurrentVersionExpiration.NoncurrentDays]' \
    --output text | sort
}

@test "s3-setup: bucket, versioning, a 45-version rule read back; idempotent" {
  run "$BK_REPO/scripts/s3-setup" "s3://$bucket/nightly"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *'"NewerNoncurrentVersions": 45'* ]]
  [[ $output == *'"Prefix": "nightly/"'* ]]
  [ "$(aws s3api get-bucket-versioning --bucket "$bucket" --query Status --output text)" = Enabled ]
  [ "$(rules)" = "$(printf 'scrub-backup-versions-nightly\tnightly/\t45\t1')" ]

  # Again, and for a second prefix with other numbers: one rule per prefix.
  "$BK_REPO/scripts/s3-setup" "s3://$bucket/nightly"
  "$BK_REPO/scripts/s3-setup" --versions 7 --days 30 "s3://$bucket/weekly"
  [ "$(rules)" = "$(printf 'scrub-backup-versions-nightly\tnightly/\t45\t1\nscrub-backup-versions-weekly\tweekly/\t7\t30')" ]
}

@test "s3-setup: an unreachable store is an error" {
  run env S3_ENDPOINT=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 "$BK_REPO/scripts/s3-setup" "s3://$bucket/nightly"
  echo "$output"
  [ "$status" -eq 3 ]
  [[ $output == *"cannot reach bucket $bucket"* ]]
}
