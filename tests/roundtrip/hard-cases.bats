#!/usr/bin/env bats
# Scenario: a database full of hard cases (fixtures/hard-cases/build.sql) is dumped as plain
# COPY, --inserts, --column-inserts and --rows-per-insert=50 by every pg_dump from 14 to 18,
# each dump is scrubbed with fixtures/hard-cases/rules.yaml and restored into a fresh database
# with ON_ERROR_STOP. Then: same schema, same row counts, unruled columns identical, every rule
# followed, and no original value of a ruled column anywhere in the scrubbed file. A pg_dump 18
# --statistics dump of the ANALYZEd source must lose every statistics statement that holds
# values of a ruled column, and say so in the summary.
#
# The server is PostgreSQL 15. Debian's pg_dump 15 dumps it, and so do pg_dump 16, 17 and 18.
# pg_dump 14 refuses a server newer than itself, so its dumps are taken from the same build.sql
# on a throw-away PostgreSQL 14 server (in $SCRUB_TEST_RUN/pg14, port SCRUB_TEST_PG14PORT,
# default PGPORT + 1) that is stopped again at once; the checks compare with the 15 source.
# scripts/ci/install-deps puts PostgreSQL 14, 16, 17 and 18 under /opt/scrub-test/pgN
# (SCRUB_TEST_PGROOT); without one, its tests fail. PyPI has no PostgreSQL 13 for this.
#
# Each dump is restored with the psql of its own version. Two kinds of statement of the newer
# pg_dumps do not exist in server 15; restore_filter deletes them from the copy that is
# restored (the checks read the whole scrubbed dump):
#   SET transaction_timeout = 0;                           pg_dump 17 and 18 (setting new in 17)
#   SELECT * FROM pg_catalog.pg_restore_relation_stats(    pg_dump 18 --statistics (functions
#   SELECT * FROM pg_catalog.pg_restore_attribute_stats(   new in 18), each up to its `);` line
# The \restrict and \unrestrict lines of all of them are psql's own (psql 14.19, 15.14, 16.10,
# 17.6 and later know them), so they stay.

load helpers/roundtrip
load helpers/throwaway

FORMS='copy inserts column-inserts rows50'

setup_file() {
  rt_setup_source hard_src "$RT_REPO/fixtures/hard-cases/build.sql"
  rt_sql "$SRC" 'ANALYZE' # statistics for pg_dump 18 --statistics
  pg_dump --no-owner -d "$SRC" >"$BATS_FILE_TMPDIR/copy.sql"
  pg_dump --no-owner --inserts -d "$SRC" >"$BATS_FILE_TMPDIR/inserts.sql"
  pg_dump --no-owner --column-inserts -d "$SRC" >"$BATS_FILE_TMPDIR/column-inserts.sql"
  pg_dump --no-owner --rows-per-insert=50 -d "$SRC" >"$BATS_FILE_TMPDIR/rows50.sql"
}

teardown_file() {
  rt_throwaway_stop 14
  rt_drop_dbs
}

# What fixtures/hard-cases/rules.yaml must do.
SPEC='
public|people|email|email
public|people|full_name|md5
public|people|username|md5:10
public|people|phone|null
public|people|contact|email:dev@example.org
public|people|notes|fixed:O'"'"'Brien \ redacted
public|people|created_at|keep
public|people|settings|fixed:{"redacted": true}
public|people|avatar|null
public|people|weird_ruled|md5
Sales Dept|User Data|E-Mail|email
Sales Dept|User Data|Full Name|md5:12
Sales Dept|User Data|select|fixed:chosen
Sales Dept|User Data|quote"d|keep
public|readings_2023|device_email|email
public|readings_2024|device_email|email:sensors@example.org
public|employees|first_name|md5
public|employees|last_name|md5:6
public|accounts|login|email:dev@example.org
public|accounts|api_key|md5
public|accounts|recovery_phone|null
public|empty_table|secret|md5
public|sessions||rows:none
public|documents|body|md5:16
'

# people.weird_ruled holds the same strings as the unruled people.weird, so it is not searched.
roundtrip() {
  rt_roundtrip "$SRC" "hard_$1" "$BATS_FILE_TMPDIR/$1.sql" \
    "$RT_REPO/fixtures/hard-cases/rules.yaml" "$SPEC" 'public|people|weird_ruled'
}

# pg_dump's options for dump form $1.
form_options() {
  case $1 in
    copy) ;;
    inserts) echo --inserts ;;
    column-inserts) echo --column-inserts ;;
    rows50) echo --rows-per-insert=50 ;;
    stats) echo --statistics ;;
    *) echo "unknown dump form $1" >&2; return 1 ;;
  esac
}

# Deletes what server 15 cannot run from a newer pg_dump's output (stdin to stdout): see the
# top of this file. A `);` line inside a statistics value would end the range early and make
# the restore fail, not pass.
restore_filter() {
  sed -e '/^SET transaction_timeout = 0;$/d' \
    -e '/^SELECT \* FROM pg_catalog\.pg_restore_\(relation\|attribute\)_stats($/,/^);$/d'
}

# Dumps the source with pg_dump $1 (16, 17, 18) in form $2 to $BATS_FILE_TMPDIR/pg$1-$2.sql.
dump_pg() {
  local bin opts
  bin=$(rt_pg_bin "$1")
  opts=$(form_options "$2")
  # shellcheck disable=SC2086 # no option or one
  "$bin/pg_dump" --no-owner $opts -d "$SRC" >"$BATS_FILE_TMPDIR/pg$1-$2.sql"
}

# Builds build.sql on a PostgreSQL 14 server and dumps it with pg_dump 14 in every form of
# FORMS to $BATS_FILE_TMPDIR/pg14-FORM.sql, once per file; then stops that server.
dump_pg14() {
  [ -f "$BATS_FILE_TMPDIR/pg14.done" ] && return 0
  local bin env
  bin=$(rt_pg_bin 14)
  env=$(rt_throwaway_start 14 "${SCRUB_TEST_PG14PORT:-$((PGPORT + 1))}")
  (
    eval "$env"
    local db form opts
    db=$(rt_db hard_src14)
    PGOPTIONS='-c client_min_messages=warning' "$bin/dropdb" --if-exists "$db"
    "$bin/createdb" "$db"
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$RT_REPO/fixtures/hard-cases/build.sql" >/dev/null
    "$bin/psql" -XAtq -c 'SHOW server_version_num' -d "$db" | grep -q '^14'
    for form in $FORMS; do
      opts=$(form_options "$form")
      # shellcheck disable=SC2086 # no option or one
      "$bin/pg_dump" --no-owner $opts -d "$db" >"$BATS_FILE_TMPDIR/pg14-$form.sql"
    done
    "$bin/dropdb" "$db"
  )
  rt_throwaway_stop 14
  touch "$BATS_FILE_TMPDIR/pg14.done"
}

# The round trip of form $2 dumped by pg_dump $1 (14, 16, 17, 18), restored with psql $1.
# shellcheck disable=SC2034 # RT_PSQL and RT_RESTORE_FILTER are read by rt_roundtrip
roundtrip_pg() {
  local RT_PSQL RT_RESTORE_FILTER=restore_filter
  RT_PSQL=$(rt_pg_bin "$1")/psql
  if [ "$1" = 14 ]; then dump_pg14; else dump_pg "$1" "$2"; fi
  grep -q "^-- Dumped by pg_dump version $1\\." "$BATS_FILE_TMPDIR/pg$1-$2.sql"
  roundtrip "pg$1-$2"
}

@test "plain COPY dump: restores, rules hold, nothing else changes, nothing leaks" {
  roundtrip copy
}

@test "--inserts dump (no column list, DEFAULT for the generated column, OVERRIDING SYSTEM VALUE)" {
  grep -q '^INSERT INTO public.accounts OVERRIDING SYSTEM VALUE VALUES ' "$BATS_FILE_TMPDIR/inserts.sql"
  grep -q "^INSERT INTO public.employees VALUES (1, 'Firstname001', 'Lastname001', DEFAULT, " \
    "$BATS_FILE_TMPDIR/inserts.sql"
  roundtrip inserts
}

@test "--column-inserts dump: restores, rules hold, nothing else changes, nothing leaks" {
  roundtrip column-inserts
}

@test "--rows-per-insert=50 dump: restores, rules hold, nothing else changes, nothing leaks" {
  grep -q '^INSERT INTO public.people VALUES$' "$BATS_FILE_TMPDIR/rows50.sql"
  roundtrip rows50
}

@test "pg_dump 16: plain COPY dump round trip" {
  roundtrip_pg 16 copy
}

@test "pg_dump 16: --inserts dump round trip" {
  roundtrip_pg 16 inserts
}

@test "pg_dump 16: --column-inserts dump round trip" {
  roundtrip_pg 16 column-inserts
}

@test "pg_dump 16: --rows-per-insert=50 dump round trip" {
  roundtrip_pg 16 rows50
}

@test "pg_dump 17: plain COPY dump round trip" {
  roundtrip_pg 17 copy
}

@test "pg_dump 17: --inserts dump round trip" {
  roundtrip_pg 17 inserts
}

@test "pg_dump 17: --column-inserts dump round trip" {
  roundtrip_pg 17 column-inserts
}

@test "pg_dump 17: --rows-per-insert=50 dump round trip" {
  roundtrip_pg 17 rows50
}

@test "pg_dump 18: plain COPY dump round trip" {
  roundtrip_pg 18 copy
}

@test "pg_dump 18: --inserts dump round trip" {
  roundtrip_pg 18 inserts
}

@test "pg_dump 18: --column-inserts dump round trip" {
  roundtrip_pg 18 column-inserts
}

@test "pg_dump 18: --rows-per-insert=50 dump round trip" {
  roundtrip_pg 18 rows50
}

@test "pg_dump 18 --statistics: statistics with values of ruled columns are dropped and counted" {
  local in=$BATS_FILE_TMPDIR/pg18-stats.sql dir=$BATS_TEST_TMPDIR col n kept
  dump_pg 18 stats
  # The input holds original values of ruled columns in pg_restore_attribute_stats statements
  # (most_common_vals, histogram_bounds), else this test could not fail.
  sed -n '/^SELECT \* FROM pg_catalog\.pg_restore_attribute_stats($/,/^);$/p' "$in" >"$dir/in-stats.sql"
  if rt_check_no_leak "$SRC" "$dir/in-stats.sql" "$SPEC" 'public|people|weird_ruled' 2>"$dir/in-stats.found"; then
    echo "the pg_dump 18 --statistics dump has no value of a ruled column in its statistics" >&2
    return 1
  fi
  for col in public.people.email public.people.full_name public.people.notes \
    public.people.avatar 'Sales Dept.User Data.Full Name' public.employees.first_name \
    public.readings_2023.device_email public.accounts.login public.sessions.token; do
    grep -q "^leak: $col: " "$dir/in-stats.found" || {
      echo "no value of $col in the input's statistics:" >&2
      cat "$dir/in-stats.found" >&2
      return 1
    }
  done
  # scrub's summary (stderr without -q) counts the statements it dropped, all of them.
  rt_scrub -c "$RT_REPO/fixtures/hard-cases/rules.yaml" -o "$dir/summary.anon.sql" "$in" 2>"$dir/summary"
  n=$(sed -n 's/^ *statistics: \([0-9]*\) statement(s) with values of ruled columns dropped$/\1/p' "$dir/summary")
  if ! [ "${n:-0}" -gt 0 ]; then
    echo "no 'statistics: N statement(s) with values of ruled columns dropped' with N > 0:" >&2
    cat "$dir/summary" >&2
    return 1
  fi
  kept=$(grep -c '^SELECT \* FROM pg_catalog\.pg_restore_\(relation\|attribute\)_stats($' "$dir/summary.anon.sql")
  [ "$(grep -c '^SELECT \* FROM pg_catalog\.pg_restore_\(relation\|attribute\)_stats($' "$in")" = $((kept + n)) ]
  [ "$kept" -gt 0 ] # statistics of unruled tables stay
  # restores (without the statistics, which server 15 cannot take), rules hold, nothing leaks
  roundtrip_pg 18 stats
}

@test "pg_dump 14 (of a PostgreSQL 14 server): plain COPY dump round trip" {
  roundtrip_pg 14 copy
}

@test "pg_dump 14 (of a PostgreSQL 14 server): --inserts dump round trip" {
  roundtrip_pg 14 inserts
}

@test "pg_dump 14 (of a PostgreSQL 14 server): --column-inserts dump round trip" {
  roundtrip_pg 14 column-inserts
}

@test "pg_dump 14 (of a PostgreSQL 14 server): --rows-per-insert=50 dump round trip" {
  roundtrip_pg 14 rows50
}

@test "-j1, -j2 and tiny chunks with the same --seed give byte-identical output, another seed does not" {
  local rules=$RT_REPO/fixtures/hard-cases/rules.yaml dir=$BATS_TEST_TMPDIR flavour
  for flavour in copy column-inserts rows50; do
    rt_scrub -q -j1 --seed 7 -c "$rules" -o "$dir/$flavour.j1" "$BATS_FILE_TMPDIR/$flavour.sql"
    rt_scrub -q -j2 --seed 7 -c "$rules" -o "$dir/$flavour.j2" "$BATS_FILE_TMPDIR/$flavour.sql"
    # --chunk-size (hidden, for tests): many small chunks, so rows and values straddle them
    rt_scrub -q -j2 --seed 7 --chunk-size 4096 -c "$rules" -o "$dir/$flavour.small" "$BATS_FILE_TMPDIR/$flavour.sql"
    SCRUB_SEED=7 rt_scrub -q -j2 -c "$rules" <"$BATS_FILE_TMPDIR/$flavour.sql" >"$dir/$flavour.env"
    rt_scrub -q -j2 --seed 8 -c "$rules" -o "$dir/$flavour.seed8" "$BATS_FILE_TMPDIR/$flavour.sql"
    cmp "$dir/$flavour.j1" "$dir/$flavour.j2"
    cmp "$dir/$flavour.j1" "$dir/$flavour.small"
    cmp "$dir/$flavour.j1" "$dir/$flavour.env"
    if cmp -s "$dir/$flavour.j1" "$dir/$flavour.seed8"; then
      echo "$flavour: --seed 7 and --seed 8 gave the same output" >&2
      return 1
    fi
  done
}
