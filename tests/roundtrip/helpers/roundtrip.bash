# shellcheck shell=bash
# Shared functions of the real-PostgreSQL round-trip tests (tests/roundtrip/*.bats).
#
# They need a PostgreSQL 15 server reachable through PGHOST/PGPORT/PGUSER/PGPASSFILE with a
# user that may create databases (scripts/test exports them), and the scrub binary (SCRUB_BIN,
# else `scrub` on PATH). Without either the tests fail; they never skip.
#
# Expectations are written as a "spec": one line per rule, `schema|table|column|rule`, names
# exactly as stored (no SQL quoting), rule one of
#   email   email:ADDRESS   md5   md5:N   null   fixed:TEXT   keep
# and `schema|table||rows:none` for a table whose rows must all be gone.

RT_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
export RT_REPO

# Fails unless the server and the binary are there. Call it from setup_file.
rt_require() {
  local bin=${SCRUB_BIN:-scrub}
  if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
    echo "PGHOST/PGPORT are not set: run scripts/test, or eval \"\$(scripts/ci/start-postgres DIR)\"" >&2
    return 1
  fi
  if ! psql -XAtq -d postgres -c 'SELECT 1' >/dev/null; then
    echo "no PostgreSQL server at $PGHOST:$PGPORT" >&2
    return 1
  fi
  if ! command -v "$bin" >/dev/null; then
    echo "scrub binary not found ($bin): build it with cargo build --release and set SCRUB_BIN" >&2
    return 1
  fi
  export RT_SUFFIX=${RT_SUFFIX:-$$}
}

# Fails unless the server and the binary are there, then creates the source database of this
# file from plain SQL file $2 (run with ON_ERROR_STOP) and exports its name as SRC.
rt_setup_source() {
  rt_require
  SRC=$(rt_createdb "$1")
  export SRC
  rt_restore "$SRC" "$2"
}

# The scrub binary under test.
rt_scrub() {
  "${SCRUB_BIN:-scrub}" "$@"
}

# Runs SQL $2 in database $1 and prints the result unaligned, without headers.
rt_sql() {
  psql -XAtq -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# SQL quoting: an identifier (always quoted, so names are taken exactly) and a literal.
rt_ident() {
  printf '"%s"' "${1//\"/\"\"}"
}
rt_literal() {
  printf "'%s'" "${1//\'/\'\'}"
}

# Prints the name of this run's database for NAME.
rt_db() {
  printf 'rt_%s_%s' "${1//-/_}" "$RT_SUFFIX"
}

# Creates this run's (empty) database for NAME, remembers it for rt_drop_dbs, prints its name.
rt_createdb() {
  local db
  db=$(rt_db "$1")
  PGOPTIONS='-c client_min_messages=warning' dropdb --if-exists "$db"
  createdb "$db"
  printf '%s\n' "$db" >>"$BATS_FILE_TMPDIR/databases"
  printf '%s' "$db"
}

# Drops every database rt_createdb made in this file (set RT_KEEP_DBS=1 to keep them).
# It is the teardown_file of every file that loads these helpers.
rt_drop_dbs() {
  [ -f "$BATS_FILE_TMPDIR/databases" ] || return 0
  [ "${RT_KEEP_DBS:-0}" = 1 ] && return 0
  local db
  sort -u "$BATS_FILE_TMPDIR/databases" | while IFS= read -r db; do
    PGOPTIONS='-c client_min_messages=warning' dropdb --if-exists "$db"
  done
}

teardown_file() {
  rt_drop_dbs
}

# Restores plain SQL file $2 into database $1 the strict way, with RT_PSQL (default: psql).
rt_restore() {
  "${RT_PSQL:-psql}" -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$2" >/dev/null
}

# Row count of every table (partitioned parents included), `schema.table<TAB>count`, sorted:
# the format of ../shared/corpus/*.counts.tsv without its header.
rt_counts() {
  psql -XAtq -v ON_ERROR_STOP=1 -F $'\t' -d "$1" <<'SQL' | LC_ALL=C sort
SELECT format('%I.%I', n.nspname, c.relname),
       (xpath('/row/c/text()',
              query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                           false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
SQL
}

# Asserts that database $1 has exactly the row counts of file $2 (a corpus *.counts.tsv with
# its header line); tables named in further arguments (as in the file) must have 0 rows.
rt_check_counts() {
  local db=$1 tsv=$2 expected
  shift 2
  expected=$(tail -n +2 "$tsv" | awk -F '\t' -v OFS='\t' -v emptied="$*" '
    BEGIN { n = split(emptied, e, " "); for (i = 1; i <= n; i++) zero[e[i]] = 1 }
    { if ($1 in zero) $2 = 0; print }' | LC_ALL=C sort)
  if ! diff <(printf '%s\n' "$expected") <(rt_counts "$db") >"$BATS_TEST_TMPDIR/counts.diff"; then
    echo "row counts differ from $tsv (< expected, > restored):" >&2
    cat "$BATS_TEST_TMPDIR/counts.diff" >&2
    return 1
  fi
}

# Reads spec $1 into the associative arrays RT_RULE ("schema|table|column" -> rule) and
# RT_ROWS_NONE ("schema|table" -> 1), which the caller declares with `local -A` first.
rt_load_spec() {
  local s t c r
  while IFS='|' read -r s t c r; do
    [ -n "$s" ] || continue
    if [ "$r" = rows:none ]; then
      RT_ROWS_NONE["$s|$t"]=1
    else
      RT_RULE["$s|$t|$c"]=$r
    fi
  done <<<"$1"
}

# Every ordinary table of database $1 with its stored columns (no generated ones), in column
# order: `schema|table|column` lines.
rt_columns() {
  rt_sql "$1" "
    SELECT n.nspname || '|' || c.relname || '|' || a.attname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind = 'r' AND a.attgenerated = ''
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    ORDER BY n.nspname, c.relname, a.attnum"
}

# Asserts that restored database $2 has the tables of source database $1 with the same row
# counts (0 for rows:none tables) and the same data in every column that spec $3 leaves alone
# or marks keep. For email and md5 columns it compares where the NULLs are; null and fixed
# columns are left to rt_check_rules. Rows are compared as a sorted set, so order is free.
rt_check_same_data() {
  local src=$1 dst=$2
  local -A RT_RULE=() RT_ROWS_NONE=()
  rt_load_spec "$3"
  local -A exprs=()
  local -a tables=()
  local s t c key rule
  while IFS='|' read -r s t c; do
    key="$s|$t"
    [ -n "${exprs[$key]+set}" ] || { tables+=("$key"); exprs[$key]=""; }
    rule=${RT_RULE["$s|$t|$c"]:-keep}
    case $rule in
      keep) exprs[$key]+=", $(rt_ident "$c")" ;;
      email | email:* | md5 | md5:*) exprs[$key]+=", ($(rt_ident "$c") IS NULL)" ;;
      null | fixed:*) ;;
      *) echo "unknown rule in spec: $s|$t|$c|$rule" >&2; return 1 ;;
    esac
  done < <(rt_columns "$src")

  # one line per table: name, row count, md5 of the sorted rows (a rows:none table: count only)
  local query='' label
  for key in "${tables[@]}"; do
    s=${key%%|*} t=${key#*|}
    label=$(rt_literal "$s.$t")
    [ -n "$query" ] && query+=$'\nUNION ALL '
    if [ -n "${RT_ROWS_NONE[$key]:-}" ]; then
      query+="SELECT $label || ': ' || count(*) || ' rows' FROM $(rt_ident "$s").$(rt_ident "$t")"
    else
      query+="SELECT $label || ': ' || count(*) || ' rows, md5 '
                     || md5(coalesce(string_agg(r, E'\n' ORDER BY r COLLATE \"C\"), ''))
              FROM (SELECT ROW(${exprs[$key]#, })::text AS r FROM $(rt_ident "$s").$(rt_ident "$t")) AS x"
    fi
  done
  local want got
  want=$(rt_sql "$src" "$query" | while IFS= read -r label; do
    key=${label%%: *}
    for s in "${!RT_ROWS_NONE[@]}"; do
      [ "${s/|/.}" = "$key" ] && label="$key: 0 rows"
    done
    printf '%s\n' "$label"
  done)
  got=$(rt_sql "$dst" "$query")
  if [ "$want" != "$got" ]; then
    echo "tables differ in row counts or in data that no rule may change (< source, > restored):" >&2
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
    return 1
  fi
  # no table more or less than in the source
  diff <(rt_counts "$src" | cut -f1) <(rt_counts "$dst" | cut -f1) >&2
}

# Asserts in restored database $1 that every column of spec $2 follows its rule, and that
# md5 rules gave more than one distinct value wherever more than one row has one.
rt_check_rules() {
  local db=$1 s t c rule col tbl bad distinct query='' label
  local -A where=()
  while IFS='|' read -r s t c rule; do
    [ -n "$s" ] || continue
    tbl="$(rt_ident "$s").$(rt_ident "$t")"
    col=$(rt_ident "$c")
    distinct=true
    case $rule in
      keep) continue ;;
      rows:none) bad=true col=x ;;
      email) bad="$col IS NOT NULL AND $col::text <> 'nobody@example.com'" ;;
      email:*) bad="$col IS NOT NULL AND $col::text <> $(rt_literal "${rule#email:}")" ;;
      md5 | md5:*)
        bad="$col IS NOT NULL AND $col::text !~ '^[0-9a-f]{$([ "$rule" = md5 ] && echo 32 || echo "${rule#md5:}")}\$'"
        distinct="count(DISTINCT $col) > 1 OR count($col) < 2"
        ;;
      null) bad="$col IS NOT NULL" ;;
      fixed:*) bad="$col IS DISTINCT FROM $(rt_literal "${rule#fixed:}")" ;;
      *) echo "unknown rule in spec: $s|$t|$c|$rule" >&2; return 1 ;;
    esac
    label="$s.$t.$c ($rule)"
    where[$label]="FROM $tbl AS x WHERE $bad|$col"
    [ -n "$query" ] && query+=$'\nUNION ALL '
    query+="SELECT $(rt_literal "$label") || '|' || count(*) FILTER (WHERE $bad) || '|' || ($distinct)
            FROM $tbl AS x"
  done <<<"$2"
  [ -n "$query" ] || return 0
  local n ok failed=0
  while IFS='|' read -r label n ok; do
    if [ "$n" != 0 ]; then
      echo "$label: $n rows break the rule, for example:" >&2
      rt_sql "$db" "SELECT left(regexp_replace(${where[$label]#*|}::text, '[\n\r\t]', ' ', 'g'), 100)
                    ${where[$label]%|*} LIMIT 3" >&2 || true
      failed=1
    fi
    if [ "$ok" != true ]; then
      echo "$label: every row got the same value" >&2
      failed=1
    fi
  done < <(rt_sql "$db" "$query")
  return "$failed"
}

# Asserts that no original value (8 characters or more) of a ruled column of spec $3, and no
# value of a rows:none table, read from source database $1, appears in scrubbed dump $2: not
# raw, not COPY-escaped, not SQL-quoted, not as an element of an SQL-quoted array literal (how
# pg_dump 18 --statistics writes most_common_vals and histogram_bounds). Columns given as
# further `schema|table|column` arguments are not searched (their values legitimately appear
# elsewhere in the dump).
rt_check_no_leak() {
  local src=$1 dump=$2 spec=$3
  shift 3
  local -A skip=()
  local x s t c rule tbl col query=''
  local -a cols
  for x in "$@"; do skip[$x]=1; done
  while IFS='|' read -r s t c rule; do
    [ -n "$s" ] || continue
    tbl="$(rt_ident "$s").$(rt_ident "$t")"
    case $rule in
      keep) continue ;;
      rows:none) c=$(rt_sql "$src" "SELECT string_agg(attname, '|' ORDER BY attnum) FROM pg_attribute
                                    WHERE attrelid = $(rt_literal "$tbl")::regclass
                                      AND attnum > 0 AND NOT attisdropped") ;;
    esac
    IFS='|' read -r -a cols <<<"$c"
    for c in "${cols[@]}"; do
      [ -n "${skip["$s|$t|$c"]:-}" ] && continue
      col=$(rt_ident "$c")
      [ -n "$query" ] && query+=$'\nUNION '
      query+="SELECT $(rt_literal "$s.$t.$c"), $col::text FROM $tbl
              WHERE $col IS NOT NULL AND length($col::text) >= 8"
    done
  done <<<"$spec"
  [ -n "$query" ] || return 0
  # label NUL value NUL ... for every distinct value
  psql -XAtq -z -0 -v ON_ERROR_STOP=1 -d "$src" -c "$query" >"$BATS_TEST_TMPDIR/needles"
  perl -e '
    my ($needles, $dump) = @ARGV;
    open my $d, "<:raw", $dump or die "$dump: $!";
    my $hay = do { local $/; <$d> };
    open my $n, "<:raw", $needles or die "$needles: $!";
    my @rec = do { local $/ = "\0"; <$n> };
    s/\0\z// for @rec;
    my %owner;    # every form a value takes in a dump -> [label, value]
    my %esc = ("\\" => "\\\\", "\t" => "\\t", "\n" => "\\n", "\r" => "\\r",
               "\x08" => "\\b", "\x0c" => "\\f", "\x0b" => "\\v");
    while (my ($label, $v) = splice @rec, 0, 2) {
      (my $copy = $v) =~ s/([\\\t\n\r\x08\x0c\x0b])/$esc{$1}/g;
      (my $sql = $v) =~ s/\x27/\x27\x27/g;
      (my $array = $v) =~ s/([\\"])/\\$1/g;
      $array =~ s/\x27/\x27\x27/g;
      $owner{$_} //= [$label, $v] for $v, $copy, $sql, $array;
    }
    my %found;    # label -> {value -> 1}
    my @short = grep { length($_) <= 256 } keys %owner;
    for my $form (grep { length($_) > 256 } keys %owner) {
      $found{$owner{$form}[0]}{$owner{$form}[1]} = 1 if index($hay, $form) >= 0;
    }
    if (@short) {
      my $re = join "|", map { quotemeta } sort { length($b) <=> length($a) } @short;
      while ($hay =~ /($re)/go) { $found{$owner{$1}[0]}{$owner{$1}[1]} = 1 }
    }
    for my $label (sort keys %found) {
      my @values = sort keys %{$found{$label}};
      for my $v (@values[0 .. ($#values < 2 ? $#values : 2)]) {
        my $show = substr($v, 0, 80);
        $show =~ s/([^\x20-\x7e])/sprintf("\\x%02x", ord $1)/ge;
        print STDERR "leak: $label: original value in the scrubbed dump: $show\n";
      }
      print STDERR "leak: $label: ", scalar(@values), " original values in the scrubbed dump\n";
    }
    exit(%found ? 1 : 0);
  ' "$BATS_TEST_TMPDIR/needles" "$dump"
}

# The schema of database $1 as pg_dump writes it, without the random \restrict key lines.
rt_schema() {
  pg_dump --schema-only --no-owner -d "$1" | grep -v '^\\\(un\)\?restrict '
}

# The whole round trip: scrub dump $3 of source database $1 with rules $4, restore the
# result into a fresh database named after $2, and check spec $5: same schema, same counts,
# unruled data identical, every rule followed, no original value left. Further arguments are
# columns rt_check_no_leak must not search. The scrubbed dump is $BATS_TEST_TMPDIR/$2.anon.sql.
# RT_PSQL is the psql that restores it; RT_RESTORE_FILTER, when set, a command (stdin to
# stdout) that the restored copy goes through first, for statements the server cannot run (a
# newer pg_dump's); the checks all read the unfiltered scrubbed dump.
rt_roundtrip() {
  local src=$1 name=$2 dump=$3 rules=$4 spec=$5
  shift 5
  local out=$BATS_TEST_TMPDIR/$name.anon.sql dst failed=0
  rt_scrub -q -c "$rules" -o "$out" "$dump"
  dst=$(rt_createdb "$name")
  if [ -n "${RT_RESTORE_FILTER:-}" ]; then
    $RT_RESTORE_FILTER <"$out" >"$out.restore"
    rt_restore "$dst" "$out.restore"
  else
    rt_restore "$dst" "$out"
  fi
  diff <(rt_schema "$src") <(rt_schema "$dst") >&2 || failed=1
  rt_check_same_data "$src" "$dst" "$spec" || failed=1
  rt_check_rules "$dst" "$spec" || failed=1
  rt_check_no_leak "$src" "$out" "$spec" "$@" || failed=1
  return "$failed"
}
