#!/usr/bin/env bats
# Scenario: `scrub verify` tells leaks from coincidences, and checks what it is given however
# it is given it.
#
# Real data is full of coincidences: pagila's staff are named like its actors and cities,
# dellstore's zip codes equal its customer ids, a postal code `2006` equals a release year.
# Those are data the rules leave alone, not leaks. `scrub detect`'s own proposal for each
# dump of the corpus (../shared/corpus) must pass verify, while a value the scrub should have
# replaced is still found: in a column the rules missed, spliced into another table, in a
# pg_dump 18 statistics statement. Verify reads both dumps at once, so they can be two pipes
# fed by one tee (the wiring of scripts/backup); its temporary files vanish with it.

bats_require_minimum_version 1.5.0
load ../roundtrip/helpers/roundtrip

CORPUS=$RT_REPO/../shared/corpus
PGROOT=${SCRUB_TEST_PGROOT:-/opt/scrub-test}

BUILD_SQL="
CREATE TABLE staff (id integer PRIMARY KEY, first_name text NOT NULL, email text NOT NULL UNIQUE);
CREATE TABLE city (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE newsletter (id integer PRIMARY KEY, address text NOT NULL);
CREATE TABLE badge (id integer PRIMARY KEY, holder text NOT NULL);
INSERT INTO staff SELECT i, (ARRAY['Jordan','Lincoln','Madison','Charlotte'])[1 + i % 4],
  'staff' || i || '@corp.example' FROM generate_series(1, 40) i;
INSERT INTO city SELECT i, (ARRAY['Lincoln','Madison','Jordan','Springfield','Charlotte'])[1 + i % 5]
  FROM generate_series(1, 50) i;
INSERT INTO newsletter SELECT i, 'staff' || i || '@corp.example' FROM generate_series(1, 3) i;
INSERT INTO badge SELECT i, (ARRAY['Jordan','Lincoln'])[1 + i % 2] FROM generate_series(1, 10) i;
"

RULES="tables:
  public.staff:
    columns:
      first_name: {fake: first_name}
      email: {hash: {as: email, unique: true}}
  public.badge:
    columns:
      holder: md5
"

setup_file() {
  rt_require
  SRC=$(rt_createdb verify_src)
  export SRC
  rt_sql "$SRC" "$BUILD_SQL" >/dev/null
  pg_dump --no-owner -d "$SRC" -f "$BATS_FILE_TMPDIR/dump.sql"
  printf '%s' "$RULES" >"$BATS_FILE_TMPDIR/rules.yaml"
  (umask 077 && head -c 32 /dev/urandom >"$BATS_FILE_TMPDIR/scrub.key")
  export SCRUB_KEY_FILE=$BATS_FILE_TMPDIR/scrub.key
}

teardown_file() {
  rt_drop_dbs
}

# scrub, then verify, of dump $1 with rules $2; verify's output in $output, exit in $status.
scrub_and_verify() {
  rt_scrub -q -c "$2" -o "$BATS_TEST_TMPDIR/anon.sql" "$1"
  run rt_scrub verify -c "$2" "$1" "$BATS_TEST_TMPDIR/anon.sql"
  echo "$output" | tail -5
}

@test "detect's own proposal for pagila, dellstore, chinook and northwind passes verify with 0 leaks" {
  local db proposal
  for db in pagila dellstore chinook northwind; do
    proposal=$BATS_TEST_TMPDIR/$db.yaml
    rt_scrub detect "$CORPUS/$db.copy.sql" >"$proposal" 2>/dev/null
    # the proposal rules personal columns, so there is something to leak
    grep -q '{fake: \|{hash: \|email' "$proposal"
    scrub_and_verify "$CORPUS/$db.copy.sql" "$proposal"
    [ "$status" -eq 0 ] || { echo "$db: verify exit $status" >&2; return 1; }
    [[ $output == *" 0 leak(s), 0 row count mismatch(es), 0 duplicate(s), 0 rule(s) that matched nothing;"* ]]
    [[ $output =~ ([1-9][0-9]*)\ distinct\ ruled\ value\(s\)\ checked ]]
  done
}

@test "a city named like a staff member is a coincidence; e-mail addresses copied into an unruled table are a leak" {
  scrub_and_verify "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/rules.yaml"
  [ "$status" -eq 1 ]
  # the three copied addresses, and nothing of city
  [[ $output == *" 3 leak(s), "* ]]
  [ "$(grep -c '^leak: public.staff.email value from original line [0-9]* found in scrubbed public.newsletter.address line ' <<<"$output")" = 3 ]
  [[ $output != *'found in scrubbed public.city'* ]]
  # the city names are in the scrubbed dump, unchanged
  grep -q $'^[0-9]*\tLincoln$' "$BATS_TEST_TMPDIR/anon.sql"
}

@test "a ruled value spliced into an unruled column that held something else is a leak" {
  local rules=$BATS_TEST_TMPDIR/rules.yaml
  cp "$BATS_FILE_TMPDIR/rules.yaml" "$rules"
  printf '  public.newsletter:\n    columns:\n      address: {hash: email}\n' >>"$rules"
  scrub_and_verify "$BATS_FILE_TMPDIR/dump.sql" "$rules"
  [ "$status" -eq 0 ]
  # Madison is a staff first name; city 7 was Jordan
  sed -i 's/^7\tJordan$/7\tMadison/' "$BATS_TEST_TMPDIR/anon.sql"
  grep -q $'^7\tMadison$' "$BATS_TEST_TMPDIR/anon.sql"
  run rt_scrub verify -c "$rules" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/anon.sql"
  echo "$output" | tail -3
  [ "$status" -eq 1 ]
  [[ $output =~ leak:\ public\.staff\.first_name\ value\ from\ original\ line\ [0-9]+\ found\ in\ scrubbed\ public\.city\.name\ line\ [0-9]+:\ M…\ \(7\ chars\) ]]
  [[ $output == *" 1 leak(s), "* ]]
}

@test "a ruled value left in its own column is a leak, a short one is counted, not checked" {
  printf 'tables:\n  public.badge:\n    columns:\n      holder: md5\n' >"$BATS_TEST_TMPDIR/badge.yaml"
  printf 'tables:\n  public.staff:\n    columns:\n      first_name: md5\n' >"$BATS_TEST_TMPDIR/staff.yaml"
  # scrubbed with rules that miss badge.holder, verified with rules that have it
  rt_scrub -q -c "$BATS_TEST_TMPDIR/staff.yaml" -o "$BATS_TEST_TMPDIR/anon.sql" "$BATS_FILE_TMPDIR/dump.sql"
  run rt_scrub verify -c "$BATS_TEST_TMPDIR/badge.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/anon.sql"
  echo "$output" | tail -3
  [ "$status" -eq 1 ]
  [[ $output == *" 10 leak(s), "* ]]
  [[ $output == *"leak: public.badge.holder value from original line "*" found in scrubbed public.badge.holder line "* ]]
  run rt_scrub verify --min-length 8 -c "$BATS_TEST_TMPDIR/badge.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/anon.sql"
  [ "$status" -eq 0 ]
  [[ $output == *"; 10 ruled value(s) shorter than 8 characters not checked;"* ]]
}

@test "a rules file with a rule that matches nothing in the dump fails verify" {
  printf 'tables:\n  public.staf:\n    columns:\n      first_name: md5\n' >"$BATS_TEST_TMPDIR/typo.yaml"
  run rt_scrub verify -c "$BATS_TEST_TMPDIR/typo.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/dump.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"rule: $BATS_TEST_TMPDIR/typo.yaml:2:"*"public.staf"*"(a misspelt rule would leak)"* ]]
  [[ $output == *" 1 rule(s) that matched nothing;"* ]]
  # a column the data does not have stops it at the data
  printf 'tables:\n  public.staff:\n    columns:\n      first_nmae: md5\n' >"$BATS_TEST_TMPDIR/typo.yaml"
  run rt_scrub verify -c "$BATS_TEST_TMPDIR/typo.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/dump.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"data of public.staff: no column first_nmae in this data, but the rule at line 4 column 7 names it"* ]]
}

@test "unique: the same input twice is no duplicate; two inputs with one output are" {
  local dup=$BATS_TEST_TMPDIR/dup.sql
  printf 'tables:\n  public.badge:\n    columns:\n      holder: {hash: {as: email, unique: true}}\n' >"$BATS_TEST_TMPDIR/unique.yaml"
  rt_scrub -q -c "$BATS_TEST_TMPDIR/unique.yaml" -o "$BATS_TEST_TMPDIR/anon.sql" "$BATS_FILE_TMPDIR/dump.sql"
  # badge holds Jordan and Lincoln five times each: equal inputs, equal outputs
  run rt_scrub verify -c "$BATS_TEST_TMPDIR/unique.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/anon.sql"
  echo "$output" | tail -2
  [ "$status" -eq 0 ]
  [[ $output == *" 0 duplicate(s)"* ]]
  # badge 1 (Lincoln) given the output of badge 2 (Jordan)
  jordan=$(awk -F'\t' '/^COPY public.badge/ { on = 1; next } on && $1 == 2 { print $2; exit }' "$BATS_TEST_TMPDIR/anon.sql")
  [ -n "$jordan" ]
  sed "/^COPY public.badge/,/^\\\\\.\$/ s/^1\t.*/1\t$jordan/" "$BATS_TEST_TMPDIR/anon.sql" >"$dup"
  [ "$(grep -c $'\t'"$jordan"'$' "$dup")" = 6 ]
  run rt_scrub verify -c "$BATS_TEST_TMPDIR/unique.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$dup"
  echo "$output" | tail -3
  [ "$status" -eq 1 ]
  [[ $output == *"duplicate: public.badge.holder (hash:email+unique) line "*" repeats the output of line "* ]]
}

@test "two pipes fed by one tee, as scripts/backup wires it: a clean scrub passes, a leak is found; temporary files vanish" {
  local dir=$BATS_TEST_TMPDIR rc=0
  mkfifo "$dir/original.fifo" "$dir/scrubbed.fifo"
  mkdir "$dir/tmp"
  run_tee() {
    tee "$dir/original.fifo" <"$BATS_FILE_TMPDIR/dump.sql" |
      rt_scrub -q -c "$1" >"$dir/scrubbed.fifo" &
    rt_scrub verify --tmp-dir "$dir/tmp" -c "$1" "$dir/original.fifo" "$dir/scrubbed.fifo" >"$dir/report" || rc=$?
    wait
  }
  printf 'tables:\n  public.staff:\n    columns:\n      first_name: {fake: first_name}\n      email: {hash: email}\n  public.newsletter:\n    columns:\n      address: {hash: email}\n' >"$dir/good.yaml"
  run_tee "$dir/good.yaml"
  cat "$dir/report"
  [ "$rc" = 0 ]
  grep -q ' 0 leak(s), 0 row count mismatch(es)' "$dir/report"
  grep -Eq 'public.staff +40 +40' "$dir/report"
  [ -z "$(ls -A "$dir/tmp")" ]
  run_tee "$BATS_FILE_TMPDIR/rules.yaml"
  [ "$rc" = 1 ]
  grep -q ' 3 leak(s), ' "$dir/report"
  [ -z "$(ls -A "$dir/tmp")" ]
}

@test "killed with SIGTERM or SIGKILL while it reads, verify leaves no temporary file" {
  local dir=$BATS_TEST_TMPDIR sig pid
  mkdir "$dir/tmp"
  for sig in TERM KILL; do
    mkfifo "$dir/original.fifo"
    "${SCRUB_BIN:-scrub}" verify --tmp-dir "$dir/tmp" -c "$BATS_FILE_TMPDIR/rules.yaml" \
      "$dir/original.fifo" "$BATS_FILE_TMPDIR/dump.sql" >/dev/null 2>&1 &
    pid=$!
    # part of a dump, then the pipe stays open: verify is mid-way, its partitions exist
    exec 5>"$dir/original.fifo"
    head -c 4000 "$BATS_FILE_TMPDIR/dump.sql" >&5
    sleep 0.5
    [ "$(find "/proc/$pid/fd" -lname "$dir/tmp/*" 2>/dev/null | wc -l)" -gt 0 ]
    kill -s "$sig" "$pid"
    wait "$pid" || true
    exec 5>&-
    rm "$dir/original.fifo"
    [ -z "$(ls -A "$dir/tmp")" ]
  done
}

@test "pg_dump 18 --statistics: a correct scrub passes, a ruled column's statistics left in are found" {
  local bin=$PGROOT/pg18/bin dir=$BATS_TEST_TMPDIR
  "$bin/pg_dump" --version | grep -q '^pg_dump (PostgreSQL) 18\.'
  rt_sql "$SRC" 'ANALYZE' >/dev/null
  "$bin/pg_dump" --no-owner --statistics -d "$SRC" >"$dir/stats.sql"
  grep -q "'attname', 'first_name'" "$dir/stats.sql"
  scrub_and_verify "$dir/stats.sql" "$BATS_FILE_TMPDIR/rules.yaml"
  # newsletter's copied e-mails aside (3), nothing: the statistics of unruled columns stay
  # and are the original's own
  [ "$status" -eq 1 ]
  [[ $output == *" 3 leak(s), "* ]]
  grep -q "pg_restore_attribute_stats" "$dir/anon.sql"
  # the statistics of staff.first_name put back into the scrubbed dump
  awk '/^SELECT \* FROM pg_catalog.pg_restore_attribute_stats\($/ { s = $0; keep = 0; next }
       s != "" { s = s "\n" $0; if ($0 ~ /'"'"'relname'"'"', '"'"'staff'"'"'/) rel = 1
                 if ($0 ~ /'"'"'attname'"'"', '"'"'first_name'"'"'/) keep = rel
                 if ($0 == ");") { if (keep) print s; s = ""; rel = 0 } }' "$dir/stats.sql" >"$dir/planted.sql"
  grep -q "most_common_vals" "$dir/planted.sql"
  cat "$dir/planted.sql" >>"$dir/anon.sql"
  run rt_scrub verify --allow-incomplete -c "$BATS_FILE_TMPDIR/rules.yaml" "$dir/stats.sql" "$dir/anon.sql"
  echo "$output" | tail -4
  [ "$status" -eq 1 ]
  [[ $output =~ leak:\ public\.staff\.first_name\ value\ from\ original\ line\ [0-9]+\ found\ in\ scrubbed\ statistics\ of\ public\.staff\.first_name\ line\ [0-9]+ ]]
}
