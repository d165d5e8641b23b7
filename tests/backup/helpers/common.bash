# shellcheck shell=bash
# Shared setup of the backup scenarios (tests/backup/*.bats), one scenario per file.
#
# They run the real scripts against a real PostgreSQL 15 (PGHOST, PGPORT, PGUSER,
# PGPASSFILE, as scripts/ci/start-postgres exports them), a real S3-compatible server
# (AWS_ENDPOINT_URL and the credentials file that scripts/ci/start-s3 exports), the
# real aws CLI and the scrub binary (SCRUB_BIN, else `scrub` on PATH). Without any of
# them a test fails; none skips.
#
# Each test gets its own source database (helpers/source.sql), its own bucket, its own
# backup folder and env file under BATS_TEST_TMPDIR, and drops its databases after.

BK_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BK_HELPERS=$BK_REPO/tests/backup/helpers

bk_fail() {
  printf '%s\n' "$*" >&2
  return 1
}

bk_require_servers() {
  if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
    bk_fail "PGHOST/PGPORT are not set: run scripts/test, or eval \"\$(scripts/ci/start-postgres DIR)\""
  fi
  psql -XAtq -d postgres -c 'SELECT 1' >/dev/null || bk_fail "no PostgreSQL server at $PGHOST:$PGPORT"
  [ -n "${AWS_ENDPOINT_URL:-}" ] ||
    bk_fail "AWS_ENDPOINT_URL is not set: run scripts/test, or eval \"\$(scripts/ci/start-s3 DIR)\""
  [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$AWS_ENDPOINT_URL/")" != 000 ] ||
    bk_fail "no S3 server answers at $AWS_ENDPOINT_URL"
  command -v "${SCRUB_BIN:-scrub}" >/dev/null ||
    bk_fail "scrub binary not found (${SCRUB_BIN:-scrub}): cargo build --release, then set SCRUB_BIN"
}

# All scenarios share one versioned bucket (made once per server), each test under a
# prefix of its own: S3 calls cost about a second each.
BK_BUCKET=scrub-backup-tests

bk_shared_bucket() {
  if ! aws s3api head-bucket --bucket "$BK_BUCKET" 2>/dev/null; then
    aws s3api create-bucket --bucket "$BK_BUCKET" >/dev/null
    aws s3api put-bucket-versioning --bucket "$BK_BUCKET" --versioning-configuration Status=Enabled
  fi
}

# bk_setup: the per-test world. Sets BK_ID, BK_DB (the source database), BK_DIR (the
# backup folder), BK_PREFIX and BK_S3 (s3://BK_BUCKET/BK_PREFIX, empty) and BK_ENV (the
# env file, mode 0600, with S3 configured). BACKUP_NAME is `app`.
bk_setup() {
  bk_require_servers
  BK_ID=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  BK_DB=bk_$BK_ID
  BK_DIR=$BATS_TEST_TMPDIR/backups
  BK_PREFIX=$BK_ID/nightly
  BK_S3=s3://$BK_BUCKET/$BK_PREFIX
  BK_ENV=$BATS_TEST_TMPDIR/backup.env
  bk_create_db "$BK_DB"
  bk_psql "$BK_DB" -f "$BK_HELPERS/source.sql" >/dev/null
  (
    umask 077
    cat >"$BK_ENV" <<ENV
# written by tests/backup/helpers/common.bash
PGHOST=$PGHOST
PGPORT=$PGPORT
PGUSER=$PGUSER
PGPASSFILE=$PGPASSFILE
PGDATABASE=$BK_DB
BACKUP_DIR=$BK_DIR
BACKUP_NAME=app
SCRUB_RULES=$BK_HELPERS/rules.yaml
SCRUB_BIN=${SCRUB_BIN:-scrub}
S3_URI=$BK_S3
S3_ENDPOINT=$AWS_ENDPOINT_URL
ENV
  )
}

# The S3 server is thrown away after the suite, so objects stay; databases go.
bk_teardown() {
  local db
  [ -n "${BK_ID:-}" ] || return 0
  for db in $(psql -XAtq -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'bk\\_${BK_ID}%'"); do
    psql -XAtq -d postgres -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null
  done
}

bk_psql() {
  local db=$1
  shift
  psql -XAtq -v ON_ERROR_STOP=1 -d "$db" "$@"
}

bk_create_db() { psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null; }

# bk_set KEY VALUE: sets KEY in the env file (VALUE empty: removes it).
bk_set() {
  local tmp=$BK_ENV.new
  (
    umask 077
    grep -v "^$1=" "$BK_ENV" >"$tmp" || true
    if [ -n "$2" ]; then printf '%s=%s\n' "$1" "$2" >>"$tmp"; fi
    mv "$tmp" "$BK_ENV"
  )
}

# bk_backup: one run of scripts/backup with the test's env file.
bk_backup() { "$BK_REPO/scripts/backup" --env "$BK_ENV"; }

# bk_runs: the stamps of the complete runs in BK_DIR, oldest first.
bk_runs() {
  local m
  for m in "$BK_DIR"/app.*.sha256; do
    if [ ! -f "$m" ] || [ -L "$m" ]; then continue; fi
    m=${m##*/app.}
    printf '%s\n' "${m%.sha256}"
  done | sort
}

# bk_snapshot: every entry of BK_DIR (hidden ones too) with its type, link target and
# checksum: equal before and after means the folder was left untouched. The run
# records in BK_DIR/runs are left out: every run that takes the lock adds one
# (tests/backup/run-record.bats checks them).
bk_snapshot() {
  (cd "$BK_DIR" && find . -mindepth 1 -path ./runs -prune -o -printf '%P %y %l %s\n' | sort &&
    find . -path ./runs -prune -o -type f -exec sha256sum {} + | sort -k2)
}

# bk_s3_versions: every object version under the test's prefix, as "key version size",
# keys relative to the prefix.
bk_s3_versions() {
  aws s3api list-object-versions --bucket "$BK_BUCKET" --prefix "$BK_PREFIX/" \
    --query 'Versions[].[Key, VersionId, Size]' --output text |
    { grep -v '^None$' || true; } | sed "s|^$BK_PREFIX/||" | sort
}

# bk_s3_keys: the current keys under the test's prefix, relative to it.
bk_s3_keys() {
  aws s3api list-objects-v2 --bucket "$BK_BUCKET" --prefix "$BK_PREFIX/" --query 'Contents[].Key' \
    --output text | tr '\t' '\n' | sed "s|^$BK_PREFIX/||" | sort
}

# bk_content_sha256 FILE.gz: the content hash the backup records in its manifest.
bk_content_sha256() {
  gzip -dc "$1" | sed '/^\\\(un\)\{0,1\}restrict /d' | sha256sum | cut -d' ' -f1
}

# bk_manifest_content MANIFEST ENTRY: the content-sha256 that MANIFEST records for ENTRY.
bk_manifest_content() {
  awk -v f="$2" '$2 == "content-sha256" && $3 == f { print $4 }' "$1"
}

# bk_schema_and_data DB: a canonical plain dump of DB, to compare two databases.
bk_schema_and_data() {
  pg_dump -d "$1" | sed '/^\\\(un\)\{0,1\}restrict /d'
}

# bk_assert_untouched BEFORE: BK_DIR is as bk_snapshot saw it, and holds no temporary files.
bk_assert_untouched() {
  local now
  now=$(bk_snapshot)
  [ "$now" = "$1" ] || bk_fail "the backup folder changed:$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$now"))"
  ! find "$BK_DIR" -name '*.tmp' | grep . || bk_fail "temporary files were left behind"
}

# bk_assert_nothing_uploaded: the test's prefix holds no object, nor ever did.
bk_assert_nothing_uploaded() {
  local v
  v=$(bk_s3_versions)
  [ -z "$v" ] || bk_fail "objects were uploaded: $v"
}

# bk_previous_good_run: a successful run without upload, the state of BK_DIR after it
# in BK_BEFORE, and S3 configured again for the failing run that follows.
bk_previous_good_run() {
  bk_set S3_URI ''
  bk_backup
  BK_BEFORE=$(bk_snapshot)
  bk_set S3_URI "$BK_S3"
}

# bk_assert_failed_cleanly STATUS: the failing run (bats' `run`) exited STATUS, left
# BK_DIR as bk_previous_good_run saw it and uploaded nothing.
bk_assert_failed_cleanly() {
  # shellcheck disable=SC2154 # set by bats' run
  [ "$status" -eq "$1" ] || bk_fail "exit $status, expected $1"
  bk_assert_untouched "$BK_BEFORE"
  bk_assert_nothing_uploaded
}

# bk_wrapper NAME: makes BATS_TEST_TMPDIR/bin/NAME from stdin, executable, for a
# fault-injecting stand-in put first on PATH; prints the folder.
bk_wrapper() {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  cat >"$BATS_TEST_TMPDIR/bin/$1"
  chmod +x "$BATS_TEST_TMPDIR/bin/$1"
  printf '%s\n' "$BATS_TEST_TMPDIR/bin"
}
