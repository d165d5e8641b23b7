#!/usr/bin/env bats
# Scenario: Infinite Industries' scrub. fixtures/infinite-industries/infinite-industries.sql
# scrubbed with its rules file: every e-mail column becomes nobody@example.com, NULLs stay NULL,
# the rest is unchanged.

load helpers/roundtrip

setup_file() {
  rt_setup_source infinite_src "$RT_REPO/fixtures/infinite-industries/infinite-industries.sql"
}

SPEC='
public|users|email|email
public|venues|email|email
public|event_series|email|email
public|events|email|email
public|partners|email|email
'

@test "infinite-industries.sql: every e-mail column is nobody@example.com, NULLs kept, rest unchanged" {
  rt_roundtrip "$SRC" infinite "$RT_REPO/fixtures/infinite-industries/infinite-industries.sql" \
    "$RT_REPO/fixtures/infinite-industries/infinite-industries.yaml" "$SPEC"
  # every column named email in the database is covered by the spec (and so by the rules)
  local uncovered
  uncovered=$(rt_sql "$SRC" "SELECT table_schema || '|' || table_name FROM information_schema.columns
                             WHERE column_name = 'email' AND table_schema = 'public'" |
    while IFS= read -r t; do grep -qF "$t|email|" <<<"$SPEC" || echo "$t"; done)
  [ -z "$uncovered" ]
  [ "$(rt_sql "$(rt_db infinite)" 'SELECT count(*) FROM public.venues WHERE email IS NULL')" -eq 1 ]
}
