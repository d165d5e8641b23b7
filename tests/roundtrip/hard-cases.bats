#!/usr/bin/env bats
# Scenario: a database full of hard cases (fixtures/hard-cases/build.sql) is dumped as plain
# COPY, --inserts, --column-inserts and --rows-per-insert=50, each dump is scrubbed with
# fixtures/hard-cases/rules.yaml and restored into a fresh database with ON_ERROR_STOP.
# Then: same schema, same row counts, unruled columns identical, every rule followed, and no
# original value of a ruled column anywhere in the scrubbed file.

load helpers/roundtrip

setup_file() {
  rt_setup_source hard_src "$RT_REPO/fixtures/hard-cases/build.sql"
  pg_dump --no-owner -d "$SRC" >"$BATS_FILE_TMPDIR/copy.sql"
  pg_dump --no-owner --inserts -d "$SRC" >"$BATS_FILE_TMPDIR/inserts.sql"
  pg_dump --no-owner --column-inserts -d "$SRC" >"$BATS_FILE_TMPDIR/column-inserts.sql"
  pg_dump --no-owner --rows-per-insert=50 -d "$SRC" >"$BATS_FILE_TMPDIR/rows50.sql"
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
