#!/usr/bin/env bats
# Scenario: a database of table shapes whose columns a dump does not spell out, or spells out
# differently from its data (fixtures/table-shapes/build.sql) is dumped as plain COPY,
# --inserts, --rows-per-insert=3 and --column-inserts, each dump is scrubbed with
# fixtures/table-shapes/rules.yaml (policy: strict) and restored into a fresh database with
# ON_ERROR_STOP. The shapes, and what goes wrong when a rewriter misreads them:
#   typed_people  CREATE TABLE ... OF person_t names no column: --inserts values follow the
#                 type's attributes, or a rule lands on the wrong value
#   t0            no columns at all: DEFAULT VALUES, and COPY rows that are empty lines; needs
#                 no rule, not even under policy: strict
#   child         tag is plain in parent but GENERATED ... STORED from the ruled email in the
#                 child: DEFAULT in --inserts, so the restore recomputes it from the scrubbed
#                 email (PostgreSQL 15 only: 16 and later refuse the shape)
#   short_texts   redact in varchar(6) and varchar(12): the pseudonyms are longer than what
#                 they replace and must be cut to fit, or the restore fails
#   c             a column added to its parent p after c was made comes last in c (id, note,
#                 secret, extra) while c's CREATE TABLE lists only secret; c has a rule of
#                 its own (secret) and p's (note), which covers c too. The README: without
#                 column names the order is unknown, so the run stops at public.c, asks for
#                 --column-inserts and keeps no output. The --inserts and --rows-per-insert
#                 round trips therefore dump without c's rows (--exclude-table-data)
#   shown_people  on PostgreSQL 18 (build18.sql) a virtual generated column between two ruled
#                 ones: DEFAULT in the middle of each --inserts row
# Then: same schema, every table (without its children) has the source's rows, rows matched by
# id are equal in every unruled column, no ruled or derived column holds an original value in
# any row, the email and md5 rules wrote what they write, and no original value of those
# columns is anywhere in the scrubbed file (a plain search: the fixture's values are distinctive
# and need no escaping).
#
# The shown_people round trips need PostgreSQL 18, server and pg_dump: a throw-away server
# from scripts/ci/install-deps' /opt/scrub-test/pg18 (SCRUB_TEST_PGROOT) in
# $SCRUB_TEST_RUN/pg18, port SCRUB_TEST_PG18PORT (default PGPORT + 2; hard-cases.bats'
# PostgreSQL 14 takes PGPORT + 1), started by the first test that needs it and stopped in
# teardown_file. Without it those tests fail.

load helpers/roundtrip
load helpers/throwaway

FIXTURE=$RT_REPO/fixtures/table-shapes
RULES=$FIXTURE/rules.yaml
FORMS='copy inserts rows3 column-inserts'
TAB=$'\t'

# What rules.yaml must do, `schema|table|column|rule`; every other column is unchanged. email
# and md5 as in helpers/roundtrip.bash; changed: no row keeps its original value (NULLs stay).
SPEC='
public|typed_people|email|email
public|typed_people|name|md5
public|parent|email|email
public|child|email|email
public|short_texts|code|changed
public|short_texts|memo|changed
public|p|note|md5
public|c|note|md5
public|c|secret|md5
public|shown_people|name|md5
public|shown_people|email|email
'
SPEC15=$SPEC'public|child|tag|changed' # generated from the scrubbed email
SPEC18=$SPEC'public|shown_people|display|changed' # virtual, from the scrubbed name

setup_file() {
  rt_setup_source ts_src "$FIXTURE/build.sql"
  dump_forms pg15 "$SRC"
}

teardown_file() {
  if [ -f "$BATS_FILE_TMPDIR/pg18.env" ]; then
    (use_pg18_env && rt_drop_dbs) || echo "could not drop the databases of the PostgreSQL 18 server" >&2
  fi
  rt_throwaway_stop 18
  rt_drop_dbs
}

# pg_dump's options for dump form $1. Without column names, public.c's rows stop the run (see
# the top), so those forms leave them out; the -c forms keep them.
form_options() {
  case $1 in
    copy) ;;
    column-inserts) echo --column-inserts ;;
    inserts) echo --inserts --exclude-table-data=public.c ;;
    rows3) echo --rows-per-insert=3 --exclude-table-data=public.c ;;
    inserts-c) echo --inserts ;;
    rows3-c) echo --rows-per-insert=3 ;;
    *) echo "unknown dump form $1" >&2; return 1 ;;
  esac
}

# Dumps database $2 with the pg_dump on PATH in every form of FORMS to $BATS_FILE_TMPDIR/$1-FORM.sql.
dump_forms() {
  local form opts
  for form in $FORMS; do
    opts=$(form_options "$form")
    # shellcheck disable=SC2086 # no option, one or two
    pg_dump --no-owner $opts -d "$2" >"$BATS_FILE_TMPDIR/$1-$form.sql"
  done
}

# Fails unless file $1 has a line matching each further basic regular expression.
expect_lines() {
  local file=$1 re
  shift
  for re in "$@"; do
    grep -q -- "$re" "$file" || { echo "$file: no line matches: $re" >&2; return 1; }
  done
}

# Asserts that restored database $2 has, in every table of source database $1 taken without
# its children (ONLY: an inheritance parent would show its children's rows), the source's
# rows, or none for a table named in $4 (its data left out of the dump). Rows are matched by
# id; every column that spec $3 does not name is equal, and a column it names holds no
# original value of that column in any row and a NULL exactly where the source has one.
check_rows() {
  local src=$1 dst=$2 spec=$3 emptied=" $4 " s t c table='' cols='' ruled=''
  local -A named=()
  while IFS='|' read -r s t c _; do [ -n "$s" ] && named["$s.$t.$c"]=1; done <<<"$spec"
  local failed=0
  # `schema.table|column` in column order, generated ones too; a table without columns once, bare
  while IFS='|' read -r t c; do
    if [ "$t" != "$table" ]; then
      [ -z "$table" ] || compare_table "$src" "$dst" "$table" "$cols" "$ruled" "$emptied" || failed=1
      table=$t cols='' ruled=''
    fi
    [ -n "$c" ] || continue
    cols+=${cols:+, }$c
    ruled+=${ruled:+,}${named["$t.$c"]:-0}
  done < <(rt_sql "$src" "
    SELECT format('%I.%I', n.nspname, k.relname) || '|' || coalesce(quote_ident(a.attname), '')
    FROM pg_class k
    JOIN pg_namespace n ON n.oid = k.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = k.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE k.relkind = 'r' AND n.nspname = 'public'
    ORDER BY n.nspname, k.relname, a.attnum")
  [ -z "$table" ] || compare_table "$src" "$dst" "$table" "$cols" "$ruled" "$emptied" || failed=1
  return "$failed"
}

# check_rows for table $3 with columns $4 (SQL, comma-separated), of which those flagged 1 in
# $5 are ruled; no rows expected when $6 names the table.
compare_table() {
  local src=$1 dst=$2 table=$3 cols=$4 ruled=$5 query
  query="COPY (SELECT $cols FROM ONLY $table${cols:+ ORDER BY id}) TO STDOUT"
  [[ $6 == *" $table "* ]] && src=''
  awk -F '\t' -v table="$table" -v names="$cols" -v ruled="$ruled" '
    FILENAME == ARGV[1] { src[++n] = $0; next }
    { dst[++m] = $0 }
    END {
      if (n != m) { printf "%s: %d row(s) in the source, %d restored\n", table, n, m; exit 1 }
      k = split(names, name, ", "); split(ruled, r, ",")
      for (i = 1; i <= n; i++) { split(src[i], s, "\t"); for (j = 1; j <= k; j++) if (r[j] == 1) was[j, s[j]] = 1 }
      for (i = 1; i <= n; i++) {
        split(src[i], s, "\t"); split(dst[i], d, "\t")
        for (j = 1; j <= k; j++) {
          if (r[j] != 1 && s[j] != d[j]) why = "differs from the source: " s[j] " -> " d[j]
          else if (r[j] == 1 && (s[j] == "\\N") != (d[j] == "\\N")) why = "is NULL on one side only: " s[j] " -> " d[j]
          else if (r[j] == 1 && d[j] != "\\N" && (j, d[j]) in was) why = "holds an original value: " d[j]
          else continue
          printf "%s.%s, row %d (id order) %s\n", table, name[j], i, why; bad = 1
        }
      }
      exit bad
    }' <(if [ -n "$src" ]; then rt_sql "$src" "$query"; fi) <(rt_sql "$dst" "$query") >&2
}

# Asserts that no value of a column spec $3 names, read from source database $1, is in file $2.
no_originals() {
  local src=$1 file=$2 s t c query=''
  while IFS='|' read -r s t c _; do
    [ -n "$s" ] || continue
    query+="${query:+ UNION }SELECT $c::text FROM ONLY $s.$t WHERE $c IS NOT NULL"
  done <<<"$3"
  rt_sql "$src" "$query" >"$BATS_TEST_TMPDIR/originals"
  [ -s "$BATS_TEST_TMPDIR/originals" ] || { echo "no original values to look for" >&2; return 1; }
  if grep -F -f "$BATS_TEST_TMPDIR/originals" "$file" >&2; then
    echo "$file: the lines above hold original values of ruled columns" >&2
    return 1
  fi
}

# Asserts that the redact rules of short_texts in database $1 wrote pseudonyms cut to fit
# varchar(6) and varchar(12): u + 5 or 11 hex digits, or a phone number in its own punctuation.
check_redact_cut() {
  local bad
  bad=$(rt_sql "$1" "SELECT count(*) FROM public.short_texts
                     WHERE code !~ '^u[0-9a-f]{5}\$' OR memo !~ '^(u[0-9a-f]{11}|\\+[0-9] [0-9]{3} [0-9]{4})\$'")
  [ "$bad" = 0 ] || { echo "short_texts: $bad row(s) without pseudonyms cut to varchar(n)" >&2; return 1; }
}

# The round trip: scrub $BATS_FILE_TMPDIR/$2.sql (a dump of source database $1) with rules $4
# (default rules.yaml) to $BATS_TEST_TMPDIR/$2.anon.sql, restore it into a fresh database, and
# check spec $3 there and in the scrubbed file.
roundtrip() {
  local src=$1 name=$2 spec=$3 rules=${4:-$RULES} out=$BATS_TEST_TMPDIR/$2.anon.sql dst opts failed=0
  opts=$(form_options "${name#*-}")
  rt_scrub -q -c "$rules" -o "$out" "$BATS_FILE_TMPDIR/$name.sql"
  dst=$(rt_createdb "ts_$name")
  rt_restore "$dst" "$out"
  diff <(rt_schema "$src") <(rt_schema "$dst") >&2 || failed=1
  check_rows "$src" "$dst" "$spec" "$([[ $opts == *--exclude-table-data=* ]] && echo "${opts##*=}")" || failed=1
  rt_check_rules "$dst" "$(grep -v '|changed$' <<<"$spec")" || failed=1
  check_redact_cut "$dst" || failed=1
  no_originals "$src" "$out" "$spec" || failed=1
  return "$failed"
}

# Sets this test's environment to the PostgreSQL 18 server of use_pg18.
use_pg18_env() {
  local bin
  bin=$(rt_pg_bin 18) || return 1
  eval "$(cat "$BATS_FILE_TMPDIR/pg18.env")"
  PATH=$bin:$PATH
}

# Points this test at a PostgreSQL 18 server (started once per file) with PostgreSQL 18's
# client tools first on PATH, and sets SRC to a source database built there from build.sql and
# build18.sql, dumped by pg_dump 18 in every form of FORMS to $BATS_FILE_TMPDIR/pg18-FORM.sql.
use_pg18() {
  if [ ! -f "$BATS_FILE_TMPDIR/pg18.env" ]; then
    rt_throwaway_start 18 "${SCRUB_TEST_PG18PORT:-$((PGPORT + 2))}" >"$BATS_FILE_TMPDIR/pg18.start"
    mv "$BATS_FILE_TMPDIR/pg18.start" "$BATS_FILE_TMPDIR/pg18.env"
  fi
  use_pg18_env
  rt_sql postgres 'SHOW server_version_num' | grep -q '^18'
  SRC=$(rt_db ts_src18)
  [ -f "$BATS_FILE_TMPDIR/pg18.dumped" ] && return 0
  SRC=$(rt_createdb ts_src18)
  rt_restore "$SRC" "$FIXTURE/build.sql"
  rt_restore "$SRC" "$FIXTURE/build18.sql"
  dump_forms pg18 "$SRC"
  touch "$BATS_FILE_TMPDIR/pg18.dumped"
}

# Fails unless scrub, run on $BATS_FILE_TMPDIR/$1.sql with rules.yaml, stops at public.c with
# exit 1, asks for --column-inserts and writes nothing: no -o file, not c's values on stdout.
fails_closed_at_c() {
  local dump=$BATS_FILE_TMPDIR/$1.sql dir=$BATS_TEST_TMPDIR/$1 status=0
  mkdir "$dir"
  rt_scrub -q -c "$RULES" -o "$dir/out.sql" "$dump" 2>"$dir/stderr" || status=$?
  [ "$status" = 1 ] || { echo "$1: scrub -o exited $status, not 1" >&2; return 1; }
  grep -q "^scrub: $dump:[0-9]*: INSERT INTO public\\.c: .*inherits from public\\.p with columns of its own.*; dump with --column-inserts\$" \
    "$dir/stderr" || { cat "$dir/stderr" >&2; return 1; }
  if [ "$(ls -A "$dir")" != stderr ]; then
    echo "$1: scrub -o left files behind:" "$(ls -A "$dir")" >&2
    return 1
  fi
  status=0
  rt_scrub -q -c "$RULES" "$dump" >"$dir/stdout.sql" 2>/dev/null || status=$?
  [ "$status" = 1 ] || { echo "$1: scrub to stdout exited $status, not 1" >&2; return 1; }
  if grep -F -e alice@secret.example -e bobby@secret.example "$dir/stdout.sql" >&2; then
    echo "$1: scrub wrote public.c's original values to stdout" >&2
    return 1
  fi
}

@test "plain COPY dump: every shape restores, rules hold, nothing else changes, nothing leaks" {
  expect_lines "$BATS_FILE_TMPDIR/pg15-copy.sql" '^COPY public\.t0  FROM stdin;$' \
    '^COPY public\.typed_people (id, email, name, note) FROM stdin;$' \
    '^COPY public\.child (id, email, note) FROM stdin;$' \
    '^COPY public\.c (id, note, secret, extra) FROM stdin;$'
  roundtrip "$SRC" pg15-copy "$SPEC15"
}

@test "--inserts dump: typed table by its type, DEFAULT VALUES, DEFAULT for the child's generated tag" {
  expect_lines "$BATS_FILE_TMPDIR/pg15-inserts.sql" '^INSERT INTO public\.t0 DEFAULT VALUES;$' \
    "^INSERT INTO public\\.typed_people VALUES (1, 'typed1@people\\.example', 'Typed Person 1', 'typed note 1');\$" \
    "^INSERT INTO public\\.child VALUES (1, 'child1@family\\.example', DEFAULT, 'child note 1');\$"
  roundtrip "$SRC" pg15-inserts "$SPEC15"
  expect_lines "$BATS_TEST_TMPDIR/pg15-inserts.anon.sql" \
    "^INSERT INTO public\\.child VALUES (1, 'nobody@example\\.com', DEFAULT, 'child note 1');\$"
  [ "$(grep -c '^INSERT INTO public\.t0 DEFAULT VALUES;$' "$BATS_TEST_TMPDIR/pg15-inserts.anon.sql")" = 3 ]
}

@test "--rows-per-insert=3 dump: multi-row VALUES of the typed table and the generated child" {
  expect_lines "$BATS_FILE_TMPDIR/pg15-rows3.sql" '^INSERT INTO public\.typed_people VALUES$' \
    "^${TAB}(7, 'typed7@people\\.example', 'Typed Person 7', 'typed note 7');\$" \
    "^${TAB}(2, 'child2@family\\.example', DEFAULT, 'child note 2'),\$"
  roundtrip "$SRC" pg15-rows3 "$SPEC15"
  expect_lines "$BATS_TEST_TMPDIR/pg15-rows3.anon.sql" "^${TAB}(2, 'nobody@example\\.com', DEFAULT, 'child note 2'),\$"
}

@test "--column-inserts dump: c's late parent column by name, c's and p's rules hold in c, extra kept" {
  expect_lines "$BATS_FILE_TMPDIR/pg15-column-inserts.sql" \
    "^INSERT INTO public\\.c (id, note, secret, extra) VALUES (1, 'inherited note 1', 'alice@secret\\.example', 'harmless');\$"
  roundtrip "$SRC" pg15-column-inserts "$SPEC15"
}

@test "--inserts and --rows-per-insert with c's rows: exit 1 at public.c, asks for --column-inserts, no output" {
  local form
  for form in inserts-c rows3-c; do
    FORMS=$form dump_forms pg15 "$SRC"
    expect_lines "$BATS_FILE_TMPDIR/pg15-$form.sql" "'alice@secret\\.example', 'harmless')"
    fails_closed_at_c "pg15-$form"
  done
}

@test "zero-column table without policy: strict: COPY and --inserts dumps restore its 3 rows" {
  local rules=$BATS_TEST_TMPDIR/lax.yaml form
  sed '/^policy: strict$/d' "$RULES" >"$rules"
  if grep -q '^policy:' "$rules"; then return 1; fi
  for form in copy inserts; do
    roundtrip "$SRC" "pg15-$form" "$SPEC15" "$rules"
    [ "$(rt_sql "$(rt_db "ts_pg15-$form")" 'SELECT count(*) FROM public.t0')" = 3 ]
  done
}

@test "policy: strict: an unruled column of the typed table stops the run, t0 and generated columns need nothing" {
  local rules=$BATS_TEST_TMPDIR/strict.yaml form status
  # rules.yaml without the first `note: keep` (typed_people's)
  sed '0,/^      note: keep$/{/^      note: keep$/d}' "$RULES" >"$rules"
  [ "$(diff "$RULES" "$rules" | grep -c '^<')" = 1 ]
  for form in copy inserts; do
    status=0
    rt_scrub -q -c "$rules" -o "$BATS_TEST_TMPDIR/$form.anon.sql" "$BATS_FILE_TMPDIR/pg15-$form.sql" \
      2>"$BATS_TEST_TMPDIR/$form.stderr" || status=$?
    [ "$status" = 1 ]
    [ ! -e "$BATS_TEST_TMPDIR/$form.anon.sql" ]
    grep -q ': public\.typed_people\.note is not covered by any rule (policy: strict)$' "$BATS_TEST_TMPDIR/$form.stderr"
    [ "$(grep -c 'is not covered' "$BATS_TEST_TMPDIR/$form.stderr")" = 1 ] || {
      cat "$BATS_TEST_TMPDIR/$form.stderr" >&2
      return 1
    }
  done
}

@test "PostgreSQL 18: plain COPY dump with a virtual generated column" {
  use_pg18
  expect_lines "$BATS_FILE_TMPDIR/pg18-copy.sql" '^-- Dumped by pg_dump version 18\.' \
    '^COPY public\.shown_people (id, name, email) FROM stdin;$'
  roundtrip "$SRC" pg18-copy "$SPEC18"
}

@test "PostgreSQL 18: --inserts dump with DEFAULT for the virtual column between two ruled ones" {
  use_pg18
  expect_lines "$BATS_FILE_TMPDIR/pg18-inserts.sql" \
    "^INSERT INTO public\\.shown_people VALUES (1, 'Shown Person 1', DEFAULT, 'shown1@people\\.example');\$"
  roundtrip "$SRC" pg18-inserts "$SPEC18"
  expect_lines "$BATS_TEST_TMPDIR/pg18-inserts.anon.sql" \
    "^INSERT INTO public\\.shown_people VALUES (1, '[0-9a-f]\\{32\\}', DEFAULT, 'nobody@example\\.com');\$"
}

@test "PostgreSQL 18: --rows-per-insert=3 dump with a virtual generated column" {
  use_pg18
  expect_lines "$BATS_FILE_TMPDIR/pg18-rows3.sql" "^${TAB}(2, 'Shown Person 2', DEFAULT, 'shown2@people\\.example'),\$"
  roundtrip "$SRC" pg18-rows3 "$SPEC18"
}

@test "PostgreSQL 18: --column-inserts dump with a virtual generated column" {
  use_pg18
  expect_lines "$BATS_FILE_TMPDIR/pg18-column-inserts.sql" \
    "^INSERT INTO public\\.shown_people (id, name, email) VALUES (1, 'Shown Person 1', 'shown1@people\\.example');\$"
  roundtrip "$SRC" pg18-column-inserts "$SPEC18"
}
