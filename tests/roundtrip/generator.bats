#!/usr/bin/env bats
# gendump's dumps restore into real PostgreSQL 15 in every form, with the row counts it
# reports, the same rows whatever the form, and the values that make escaping hard.
# Needs PG* in the environment (scripts/test exports them) and gendump on PATH.

setup_file() {
  command -v gendump >/dev/null || { echo "gendump is not on PATH (cargo build --release --workspace)" >&2; return 1; }
  export GEN_DIR="$BATS_FILE_TMPDIR"
  export GEN_DB="gendump_$$"
  for form in copy inserts column-inserts; do
    gendump -q --size 2MB --form "$form" --seed 7 --counts "$GEN_DIR/$form.counts" >"$GEN_DIR/$form.sql"
    createdb "${GEN_DB}_${form//-/_}"
    psql -q -X -v ON_ERROR_STOP=1 -d "${GEN_DB}_${form//-/_}" -f "$GEN_DIR/$form.sql" >/dev/null
  done
}

teardown_file() {
  for form in copy inserts column-inserts huge narrow; do
    dropdb --if-exists "${GEN_DB}_${form//-/_}" || true
  done
}

# query FORM SQL: one unaligned result
query() {
  psql -X -At -F $'\t' -v ON_ERROR_STOP=1 -d "${GEN_DB}_${1//-/_}" -c "$2"
}

counts_sql="select 'public.api_tokens', count(*) from public.api_tokens
  union all select 'public.events', count(*) from public.events
  union all select 'public.users', count(*) from public.users"

@test "every form restores with the row counts gendump reports" {
  for form in copy inserts column-inserts; do
    [ "$(query "$form" "$counts_sql")" = "$(cat "$GEN_DIR/$form.counts")" ]
    users=$(awk -F'\t' '$1 == "public.users" { print $2 }' "$GEN_DIR/$form.counts")
    [ "$users" -gt 3000 ]
  done
}

@test "the first rows are the same in every form" {
  users=$(query column-inserts "select count(*) from public.users")
  events=$(query column-inserts "select count(*) from public.events")
  digest="select md5(string_agg(concat_ws('|', id, quote_nullable(email), quote_nullable(name),
      quote_nullable(phone), quote_nullable(bio)), E'\n' order by id)) from public.users where id <= $users
    union all
    select md5(string_agg(concat_ws('|', id, user_id, kind, created_at, quote_nullable(ip),
      quote_nullable(payload), quote_nullable(tags)), E'\n' order by id)) from public.events where id <= $events"
  expected=$(query column-inserts "$digest")
  [ "$(query copy "$digest")" = "$expected" ]
  [ "$(query inserts "$digest")" = "$expected" ]
}

@test "users.bio holds NULL, the text \\N and \\., tabs, CR, LF, backslashes, quotes, unicode" {
  hard="select count(*) filter (where bio is null) > 0,
      count(*) filter (where bio = E'\\\\N') > 0,
      count(*) filter (where bio = E'\\\\.') > 0,
      count(*) filter (where bio = '') > 0,
      count(*) filter (where strpos(bio, E'\\t') > 0) > 0,
      count(*) filter (where strpos(bio, E'\\r\\n') > 0) > 0,
      count(*) filter (where strpos(bio, E'\\\\') > 0) > 0,
      count(*) filter (where strpos(bio, '''') > 0) > 0,
      count(*) filter (where octet_length(bio) > char_length(bio)) > 0,
      count(*) filter (where phone is null) > 0
    from public.users"
  for form in copy inserts column-inserts; do
    [ "$(query "$form" "$hard")" = "$(printf 't\tt\tt\tt\tt\tt\tt\tt\tt\tt')" ]
  done
}

@test "same seed, same bytes; another seed, other bytes" {
  gendump -q --size 2MB --form copy --seed 7 | cmp - "$GEN_DIR/copy.sql"
  [ "$(gendump -q --size 2MB --form copy --seed 8 | md5sum)" != "$(md5sum <"$GEN_DIR/copy.sql")" ]
  size=$(stat -c %s "$GEN_DIR/copy.sql")
  [ "$size" -ge 1990000 ]
  [ "$size" -le 2010000 ]
}

@test "--huge-value adds one row with a value of exactly that size" {
  for form in copy column-inserts; do
    gendump -q --size 1MB --form "$form" --seed 3 --huge-value 3MiB >"$GEN_DIR/huge.sql"
    dropdb --if-exists "${GEN_DB}_huge"
    createdb "${GEN_DB}_huge"
    psql -q -X -v ON_ERROR_STOP=1 -d "${GEN_DB}_huge" -f "$GEN_DIR/huge.sql" >/dev/null
    [ "$(query huge "select count(*) from public.users where octet_length(bio) = 3145728")" = 1 ]
    [ "$(query huge "select count(*) from public.users where octet_length(bio) > 10000")" = 1 ]
  done
}

@test "--profile narrow restores: short rows, events.tags arrays, most bytes in users" {
  gendump -q --size 2MB --profile narrow --seed 7 --counts "$GEN_DIR/narrow.counts" >"$GEN_DIR/narrow.sql"
  createdb "${GEN_DB}_narrow"
  psql -q -X -v ON_ERROR_STOP=1 -d "${GEN_DB}_narrow" -f "$GEN_DIR/narrow.sql" >/dev/null
  [ "$(query narrow "$counts_sql")" = "$(cat "$GEN_DIR/narrow.counts")" ]
  [ "$(query narrow "select max(octet_length(bio)) < 100, sum(pg_column_size(u.*)) > 1500000 from public.users u")" = "$(printf 't\tt')" ]
  [ "$(query narrow "select count(*) filter (where cardinality(tags) > 1) > 0,
      count(*) filter (where tags is null) > 0, count(*) filter (where array_to_string(tags, '|') like '% %') > 0
    from public.events")" = "$(printf 't\tt\tt')" ]
  wide_users=$(awk -F'\t' '$1 == "public.users" { print $2 }' "$GEN_DIR/copy.counts")
  narrow_users=$(awk -F'\t' '$1 == "public.users" { print $2 }' "$GEN_DIR/narrow.counts")
  [ "$narrow_users" -gt $((4 * wide_users)) ]
}
