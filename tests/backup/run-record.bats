#!/usr/bin/env bats
# The run record (BACKUP_DIR/runs/NAME.STAMP.json) and the node_exporter textfile
# (BACKUP_METRICS_DIR/scrub_backup_NAME.prom) of a successful and of a failed run:
# the documented fields with their types and values, sizes equal to the files',
# atomic replacement, the last success carried over a failure, and pruning.
# The JSON is read with python3's json module; the metrics file is parsed by
# python3 as well (promtool is not installed here): every line must be a
# comment or `name{labels} value`.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() {
  bk_setup
  METRICS=$BATS_TEST_TMPDIR/metrics
  mkdir -p "$METRICS"
  bk_set BACKUP_METRICS_DIR "$METRICS"
}
teardown() { bk_teardown; }

# record_check RECORD PYTHON: runs the PYTHON assertions with `r` the parsed RECORD
# (and `env`, the environment).
record_check() {
  python3 - "$1" "$2" <<'PY'
import json, os, sys
env = os.environ
r = json.load(open(sys.argv[1]))
exec(sys.argv[2])
PY
}

# metrics_parse FILE: checks the textfile format and prints "name{labels} value"
# lines, one per sample: a comment line is `# HELP NAME text` or `# TYPE NAME
# gauge`, each sample's metric has HELP and TYPE lines before it, every label
# value is quoted.
metrics_parse() {
  python3 - "$1" <<'PY'
import re, sys
helped, typed, seen = set(), set(), []
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
sample = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{' + label + r'(?:,' + label + r')*\})? (-?[0-9.e+]+)')
for n, line in enumerate(open(sys.argv[1]).read().split("\n")[:-1], 1):
    if m := re.fullmatch(r"# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+", line):
        helped.add(m.group(1))
    elif m := re.fullmatch(r"# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)", line):
        typed.add(m.group(1))
    elif m := sample.fullmatch(line):
        assert m.group(1) in helped and m.group(1) in typed, f"line {n}: no HELP/TYPE before {m.group(1)}"
        float(m.group(3))
        print(line)
    else:
        sys.exit(f"line {n} is neither a comment nor a sample: {line!r}")
PY
}

# metric NAME [LABELS]: the value of the sample NAME{name="app",database=DB[,LABELS]},
# DB being DB_LABEL (the escaped database name), else BK_DB.
metric() {
  local labels="name=\"app\",database=\"${DB_LABEL:-$BK_DB}\"${2:+,$2}"
  metrics_parse "$METRICS/scrub_backup_app.prom" | WANT="$1{$labels}" awk '$1 == ENVIRON["WANT"] { print $2 }'
}

@test "a successful run: the record's fields, the artifact sizes are the files', the metrics" {
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  stamp=$(bk_runs)
  rec=$BK_DIR/runs/app.$stamp.json
  [ -f "$rec" ]
  [ "$(readlink "$BK_DIR/runs/app.latest.json")" = "app.$stamp.json" ]
  # no temporary file left beside the record or the metrics file
  [ "$(ls -A "$BK_DIR/runs")" = "$(printf 'app.%s.json\napp.latest.json' "$stamp")" ]
  [ "$(ls -A "$METRICS")" = scrub_backup_app.prom ]
  [ "$(stat -c %a "$METRICS/scrub_backup_app.prom")" = 644 ]

  record_check "$rec" "
import time
assert r['format'] == 1 and r['name'] == 'app' and r['database'] == '$BK_DB', r
assert r['stamp'] == '$stamp'
assert isinstance(r['host'], str) and r['host']
assert r['exit_code'] == 0 and r['success'] is True and r['error'] is None and r['failed_stage'] is None
# times: ISO UTC and Unix seconds that agree, the start at the stamp's second
assert r['started_at'] == time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(r['started_unix']))
assert r['ended_at'] == time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(r['ended_unix']))
assert time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(r['started_unix'])) <= r['stamp']
assert 0 < r['duration_seconds'] and abs(r['duration_seconds'] - (r['ended_unix'] - r['started_unix'])) < 0.0015, r
assert abs(time.time() - r['ended_unix']) < 60
# every step of a run with an upload, in order, each a number of seconds
assert list(r['stages']) == ['prepare', 'pg_dump', 'check', 'plain_sql', 'publish', 'upload', 'retention'], r['stages']
assert all(isinstance(t, (int, float)) and t >= 0 for t in r['stages'].values())
assert sum(r['stages'].values()) <= r['duration_seconds'] + 0.01
assert sorted(r['artifacts']) == ['anon', 'dump', 'gz', 'sha256'], r['artifacts']
u = r['upload']
assert u['status'] == 'uploaded' and u['reason'] is None and u['s3_uri'] == '$BK_S3', u
assert sorted(u['uploaded']) == ['app.anon.gz', 'app.dump', 'app.gz', 'app.sha256'] and u['unchanged'] == [], u
"
  # the sizes are the published files' sizes, in the record and in the metrics
  for kind in dump gz anon sha256; do
    file=app.$stamp.${kind/#anon/anon.gz}
    size=$(stat -c %s "$BK_DIR/$file")
    record_check "$rec" "assert r['artifacts']['$kind'] == {'file': '$file', 'bytes': $size}, r['artifacts']['$kind']"
    if [ "$kind" != sha256 ]; then [ "$(metric scrub_backup_bytes "artifact=\"$kind\"")" = "$size" ]; fi
  done

  ended=$(record_check "$rec" "print('%.3f' % r['ended_unix'])")
  [ "$(metric scrub_backup_last_success_timestamp_seconds)" = "$ended" ]
  [ "$(metric scrub_backup_last_run_timestamp_seconds)" = "$ended" ]
  [ "$(metric scrub_backup_duration_seconds)" = "$(record_check "$rec" "print('%.3f' % r['duration_seconds'])")" ]
  [ "$(metric scrub_backup_stage_duration_seconds 'stage="pg_dump"')" = \
    "$(record_check "$rec" "print('%.3f' % r['stages']['pg_dump'])")" ]
  [ "$(metric scrub_backup_exit_code)" = 0 ]

  # The next run over unchanged data uploads nothing and its record says why.
  run bk_backup
  [ "$status" -eq 0 ]
  record_check "$BK_DIR/runs/app.latest.json" "
u = r['upload']
assert u['status'] == 'skipped' and u['reason'] == 'unchanged since the last upload', u
assert u['uploaded'] == [] and sorted(u['unchanged']) == ['app.anon.gz', 'app.dump', 'app.gz', 'app.sha256'], u
"
}

@test "a failed run: a record with its exit code and error; the metrics keep the last success" {
  bk_backup
  good=$(bk_runs)
  success=$(metric scrub_backup_last_success_timestamp_seconds)
  [ -n "$success" ]
  dump_size=$(stat -c %s "$BK_DIR/app.$good.dump")

  bk_set PGDATABASE "${BK_DB}_missing"
  run bk_backup
  echo "$output"
  [ "$status" -eq 5 ]
  latest=$(readlink "$BK_DIR/runs/app.latest.json")
  [ "$latest" != "app.$good.json" ]
  [ -f "$BK_DIR/runs/app.$good.json" ]
  record_check "$BK_DIR/runs/$latest" "
assert r['exit_code'] == 5 and r['success'] is False, r
assert r['error'] == 'pg_dump of ${BK_DB}_missing failed (exit 1); nothing was published', r['error']
assert r['failed_stage'] == 'pg_dump' and list(r['stages']) == ['prepare', 'pg_dump'], r
assert r['artifacts'] == {}, r['artifacts']
assert r['upload'] == {'status': 'skipped', 'reason': 'the run failed before the upload', 's3_uri': '$BK_S3',
                       'uploaded': [], 'unchanged': []}, r['upload']
assert r['stamp'] > '$good'
"
  # the metrics file holds this run, labelled with the database it tried, and
  # carries over the last success and the published artifacts' sizes
  DB_LABEL=${BK_DB}_missing
  [ "$(metric scrub_backup_exit_code)" = 5 ]
  [ "$(metric scrub_backup_last_success_timestamp_seconds)" = "$success" ]
  [ "$(metric scrub_backup_bytes 'artifact="dump"')" = "$dump_size" ]
  last_run=$(metric scrub_backup_last_run_timestamp_seconds)
  [ "$(python3 -c "print(float('$last_run') > float('$success'))")" = True ]

  # Without the previous metrics file the last success comes from the newest
  # successful run's record.
  rm "$METRICS/scrub_backup_app.prom"
  run bk_backup
  [ "$status" -eq 5 ]
  [ "$(metric scrub_backup_last_success_timestamp_seconds)" = "$success" ]
  [ "$(metric scrub_backup_bytes 'artifact="dump"')" = "$dump_size" ]
}

@test "quotes and backslashes in a value: the record is valid JSON, the metrics file valid and escaped" {
  # A database name with the characters JSON and the metrics format escape.
  db=$BK_DB'"x\y'
  bk_set PGDATABASE "$db"
  run bk_backup
  echo "$output"
  [ "$status" -eq 5 ]
  WANT_DB=$db record_check "$BK_DIR/runs/app.latest.json" "
assert r['database'] == env['WANT_DB'], r['database']
assert r['error'] == 'pg_dump of %s failed (exit 1); nothing was published' % env['WANT_DB'], r['error']
"
  grep -F 'database="'"$BK_DB"'\"x\\y"' "$METRICS/scrub_backup_app.prom"
  DB_LABEL=$BK_DB'\"x\\y'
  [ "$(metric scrub_backup_exit_code)" = 5 ]
}

@test "records older than the oldest complete run go, and beyond the newest 10 x BACKUP_KEEP" {
  bk_set S3_URI ''
  bk_set BACKUP_KEEP 1
  bk_backup
  good=$(bk_runs)
  # records of runs older than any complete run, as earlier nights leave them
  for s in 20000101T000001Z 20000101T000002Z 20000101T000003Z; do
    cp "$BK_DIR/runs/app.$good.json" "$BK_DIR/runs/app.$s.json"
  done
  bk_set PGDATABASE "${BK_DB}_missing"
  run bk_backup
  [ "$status" -eq 5 ]
  failed=$(readlink "$BK_DIR/runs/app.latest.json")
  [ "$(cd "$BK_DIR/runs" && ls)" = "$(printf '%s\n' "app.$good.json" "$failed" app.latest.json)" ]

  # Twelve more records (a clock set back): the newest 10 x BACKUP_KEEP = 10 and
  # the record of the run itself are kept.
  for i in $(seq -w 10 21); do
    cp "$BK_DIR/runs/app.$good.json" "$BK_DIR/runs/app.20990101T0000${i}Z.json"
  done
  run bk_backup
  [ "$status" -eq 5 ]
  latest=$(readlink "$BK_DIR/runs/app.latest.json")
  [ "$(cd "$BK_DIR/runs" && ls --ignore=app.latest.json)" = \
    "$(printf '%s\n' "$latest" $(seq -f 'app.20990101T0000%gZ.json' 12 21))" ]
}

@test "no success yet: last success 0, no sizes; encryption and BACKUP_GZIP_TEST: their stages and the .age sizes" {
  bk_set PGDATABASE "${BK_DB}_missing"
  run bk_backup
  [ "$status" -eq 5 ]
  DB_LABEL=${BK_DB}_missing
  [ "$(metric scrub_backup_last_success_timestamp_seconds)" = 0.000 ]
  [ "$(metrics_parse "$METRICS/scrub_backup_app.prom" | grep -c '^scrub_backup_bytes')" -eq 0 ]
  unset DB_LABEL

  age-keygen -o "$BATS_TEST_TMPDIR/age.key" 2>/dev/null
  age-keygen -y "$BATS_TEST_TMPDIR/age.key" >"$BATS_TEST_TMPDIR/recipients"
  bk_set BACKUP_ENCRYPT_TO "$BATS_TEST_TMPDIR/recipients"
  bk_set BACKUP_GZIP_TEST 1
  bk_set PGDATABASE "$BK_DB"
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  stamp=$(bk_runs)
  rec=$BK_DIR/runs/app.$stamp.json
  record_check "$rec" "
assert list(r['stages']) == ['prepare', 'pg_dump', 'check', 'plain_sql', 'gzip_test', 'encrypt', 'publish', 'upload', 'retention'], r['stages']
assert sorted(r['artifacts']) == ['anon', 'dump', 'dump.age', 'gz', 'gz.age', 'sha256'], r['artifacts']
assert sorted(r['upload']['uploaded']) == ['app.anon.gz', 'app.dump.age', 'app.gz.age', 'app.sha256'], r['upload']
"
  for kind in dump.age gz.age; do
    size=$(stat -c %s "$BK_DIR/app.$stamp.$kind")
    record_check "$rec" "assert r['artifacts']['$kind']['bytes'] == $size"
    [ "$(metric scrub_backup_bytes "artifact=\"$kind\"")" = "$size" ]
  done
  [ "$(metric scrub_backup_last_success_timestamp_seconds)" != 0.000 ]
}

@test "BACKUP_METRICS_DIR that is not a folder: exit 2 before anything is done" {
  bk_set BACKUP_METRICS_DIR "$BATS_TEST_TMPDIR/nowhere"
  run bk_backup
  echo "$output"
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_METRICS_DIR $BATS_TEST_TMPDIR/nowhere is not a folder this user may write to"* ]]
}
