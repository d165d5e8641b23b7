#!/usr/bin/env bats
# Scenario: every plain-SQL dump of the shared corpus (real pg_dump output from versions 9.6
# to 17, see ../shared/corpus/README.md) is scrubbed with its rules file from
# fixtures/corpus/, restored into a fresh database, and then has exactly the row counts of
# its *.counts.tsv, ruled columns that follow their rules, and none of a few known personal
# values left in the scrubbed file. Plus: a rule that matches nothing fails closed.

bats_require_minimum_version 1.5.0
load helpers/roundtrip

CORPUS=$RT_REPO/../shared/corpus

setup_file() {
  rt_require
  if [ ! -f "$CORPUS/README.md" ]; then
    echo "the corpus is missing: $CORPUS" >&2
    return 1
  fi
  # the original (not re-dumped) files set their objects' owner to postgres
  rt_sql postgres "DO \$\$ BEGIN
                     IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN
                       CREATE ROLE postgres;
                     END IF;
                   END \$\$"
}

PAGILA='
public|customer|first_name|md5
public|customer|last_name|md5:10
public|customer|email|email
public|staff|first_name|md5
public|staff|last_name|md5
public|staff|email|email:staff@example.org
public|staff|username|md5:12
public|staff|password|null
public|staff|picture|null
public|address|address|md5
public|address|phone|fixed:555-0100
'
PAGILA_TRACES=('@sakilacustomer.org' '8cb2237d0679ca88db6464eac60da96345513964' '47 MySakila Drive')

CHINOOK='
public|customer|first_name|md5
public|customer|last_name|md5:10
public|customer|company|fixed:ACME
public|customer|address|md5
public|customer|phone|null
public|customer|fax|null
public|customer|email|email
public|employee|first_name|md5:10
public|employee|last_name|md5:10
public|employee|birth_date|null
public|employee|address|md5
public|employee|phone|null
public|employee|fax|null
public|employee|email|email:staff@example.org
public|invoice|billing_address|md5
public|playlist_track||rows:none
'
CHINOOK_TRACES=('luisg@embraer.com.br' 'andrew@chinookcorp.com' '+55 (12) 3923-5555' 'Av. Brigadeiro Faria Lima, 2170')

NORTHWIND='
public|customers|contact_name|md5:12
public|customers|address|fixed:1 Main Street
public|customers|phone|null
public|customers|fax|null
public|suppliers|contact_name|md5:12
public|suppliers|phone|null
public|employees|first_name|md5:10
public|employees|last_name|md5:10
public|employees|birth_date|null
public|employees|address|md5
public|employees|home_phone|fixed:(555) 555-0100
public|employees|photo|null
public|employees|notes|fixed:redacted
'
NORTHWIND_TRACES=('Maria Anders' 'Charlotte Cooper' '(206) 555-9857' 'Education includes a BA in psychology')

# Scrubs corpus file $3 with fixtures/corpus/$4 into $BATS_TEST_TMPDIR/$2.sql, restores it
# into database $1 (strictly, unless RESTORE_ALLOWS names the one error to expect), and checks
# the row counts against corpus file $5 (tables in further arguments: 0 rows) and spec $6.
scrub_restore_check() {
  local db=$1 name=$2 file=$3 rules=$4 counts=$5 spec=$6
  shift 6
  rt_scrub -q -c "$RT_REPO/fixtures/corpus/$rules" -o "$BATS_TEST_TMPDIR/$name.sql" "$CORPUS/$file"
  if [ -n "${RESTORE_ALLOWS:-}" ]; then
    restore_allowing "$db" "$BATS_TEST_TMPDIR/$name.sql" "$RESTORE_ALLOWS"
  else
    rt_restore "$db" "$BATS_TEST_TMPDIR/$name.sql"
  fi
  rt_check_counts "$db" "$CORPUS/$counts" "$@"
  rt_check_rules "$db" "$spec"
}

# Restores file $2 into database $1 without ON_ERROR_STOP and asserts that exactly one error
# happened and that its message contains $3.
restore_allowing() {
  psql -X -q -d "$1" -f "$2" >/dev/null 2>"$BATS_TEST_TMPDIR/restore.err"
  local errors
  errors=$(grep 'ERROR:' "$BATS_TEST_TMPDIR/restore.err" || true)
  if [ "$(grep -c . <<<"$errors")" != 1 ] || [[ $errors != *"$3"* ]]; then
    echo "expected exactly one error, about $3; got:" >&2
    cat "$BATS_TEST_TMPDIR/restore.err" >&2
    return 1
  fi
}

# Asserts that each string $3... is in corpus file $1 and not in scrubbed file $2.
no_trace() {
  local original=$CORPUS/$1 scrubbed=$BATS_TEST_TMPDIR/$2 s
  shift 2
  for s in "$@"; do
    if ! grep -qF -- "$s" "$original"; then
      echo "'$s' is not in $original: pick another trace" >&2
      return 1
    fi
    if grep -qF -- "$s" "$scrubbed"; then
      echo "'$s' is still in the scrubbed $scrubbed, for example:" >&2
      grep -m3 -nF -- "$s" "$scrubbed" | cut -c1-160 >&2
      return 1
    fi
  done
}

@test "pagila.copy.sql (pg_dump 15, COPY)" {
  scrub_restore_check "$(rt_createdb pagila_copy)" pagila_copy pagila.copy.sql pagila.yaml \
    pagila.counts.tsv "$PAGILA"
  no_trace pagila.copy.sql pagila_copy.sql "${PAGILA_TRACES[@]}"
}

@test "pagila.inserts.sql (pg_dump 15 --inserts)" {
  scrub_restore_check "$(rt_createdb pagila_inserts)" pagila_inserts pagila.inserts.sql pagila.yaml \
    pagila.counts.tsv "$PAGILA"
  no_trace pagila.inserts.sql pagila_inserts.sql "${PAGILA_TRACES[@]}"
}

@test "pagila.column-inserts-rows50.sql (pg_dump 15 --column-inserts --rows-per-insert=50)" {
  scrub_restore_check "$(rt_createdb pagila_rows50)" pagila_rows50 pagila.column-inserts-rows50.sql \
    pagila.yaml pagila.counts.tsv "$PAGILA"
  no_trace pagila.column-inserts-rows50.sql pagila_rows50.sql "${PAGILA_TRACES[@]}"
}

@test "pagila-schema.sql then the data-only pagila-data.sql (pg_dump 15beta2), data scrubbed" {
  local db
  db=$(rt_createdb pagila_orig)
  rt_restore "$db" "$CORPUS/pagila-schema.sql"
  scrub_restore_check "$db" pagila_data pagila-data.sql pagila.yaml pagila.counts.tsv "$PAGILA"
  no_trace pagila-data.sql pagila_data.sql "${PAGILA_TRACES[@]}"
}

@test "extra/pagila-pg17 schema then data (pg_dump 17.0: SET transaction_timeout fails once per file on 15)" {
  local db
  db=$(rt_createdb pagila_pg17)
  restore_allowing "$db" "$CORPUS/extra/pagila-pg17-schema.sql" transaction_timeout
  RESTORE_ALLOWS=transaction_timeout scrub_restore_check "$db" pagila_pg17 extra/pagila-pg17-data.sql \
    pagila.yaml extra/pagila-pg17.counts.tsv "$PAGILA"
  no_trace extra/pagila-pg17-data.sql pagila_pg17.sql "${PAGILA_TRACES[@]}" 'Mike.Hillyer@sakilastaff.com'
}

@test "extra/pagila-legacy-2017-insert-data.sql (pg_dump 10beta1 --inserts, unqualified names)" {
  scrub_restore_check "$(rt_createdb pagila_legacy)" pagila_legacy extra/pagila-legacy-2017-insert-data.sql \
    pagila-legacy-2017.yaml extra/pagila-legacy-2017.counts.tsv '
public|actor|first_name|md5
public|actor|last_name|md5:10
'
  no_trace extra/pagila-legacy-2017-insert-data.sql pagila_legacy.sql GUINESS LOLLOBRIGIDA
}

@test "chinook.copy.sql (pg_dump 15, COPY), playlist_track rows: none" {
  scrub_restore_check "$(rt_createdb chinook_copy)" chinook_copy chinook.copy.sql chinook.yaml \
    chinook.counts.tsv "$CHINOOK" public.playlist_track
  no_trace chinook.copy.sql chinook_copy.sql "${CHINOOK_TRACES[@]}"
}

@test "chinook.column-inserts.sql (pg_dump 15 --column-inserts), playlist_track rows: none" {
  scrub_restore_check "$(rt_createdb chinook_ci)" chinook_ci chinook.column-inserts.sql chinook.yaml \
    chinook.counts.tsv "$CHINOOK" public.playlist_track
  no_trace chinook.column-inserts.sql chinook_ci.sql "${CHINOOK_TRACES[@]}"
}

@test "northwind.copy.sql (pg_dump 15, COPY)" {
  scrub_restore_check "$(rt_createdb northwind_copy)" northwind_copy northwind.copy.sql northwind.yaml \
    northwind.counts.tsv "$NORTHWIND"
  no_trace northwind.copy.sql northwind_copy.sql "${NORTHWIND_TRACES[@]}"
}

@test "northwind.column-inserts.sql (pg_dump 15 --column-inserts)" {
  scrub_restore_check "$(rt_createdb northwind_ci)" northwind_ci northwind.column-inserts.sql \
    northwind.yaml northwind.counts.tsv "$NORTHWIND"
  no_trace northwind.column-inserts.sql northwind_ci.sql "${NORTHWIND_TRACES[@]}"
}

@test "northwind.source.sql (hand-edited: unqualified INSERT INTO t VALUES without column list)" {
  scrub_restore_check "$(rt_createdb northwind_source)" northwind_source northwind.source.sql \
    northwind.yaml northwind.counts.tsv "$NORTHWIND"
  no_trace northwind.source.sql northwind_source.sql "${NORTHWIND_TRACES[@]}"
}

@test "dellstore.copy.sql (pg_dump 15, COPY, 10 MB)" {
  scrub_restore_check "$(rt_createdb dellstore)" dellstore dellstore.copy.sql dellstore.yaml \
    dellstore.counts.tsv '
public|customers|firstname|md5
public|customers|lastname|md5
public|customers|address1|md5
public|customers|address2|null
public|customers|email|email
public|customers|phone|null
public|customers|creditcard|fixed:4111111111111111
public|customers|username|md5:12
public|customers|password|md5:10
'
  no_trace dellstore.copy.sql dellstore.sql 'beckycochran@yahoo.com' '6630987872369588' \
    'beckycochran123' '193 Hailey Views'
}

@test "extra/wild-spring-crm.pg12.sql (pg_dump 12.9)" {
  scrub_restore_check "$(rt_createdb spring_crm)" spring_crm extra/wild-spring-crm.pg12.sql \
    wild-spring-crm.yaml extra/wild-spring-crm.pg12.counts.tsv '
public|customer|first_name|md5
public|customer|last_name|md5
public|customer|email|email
'
  no_trace extra/wild-spring-crm.pg12.sql spring_crm.sql 'bigrichard@yahoo.com' 'mj@gmail.com'
}

@test "extra/wild-apress-demo.pg96.sql (pg_dump 9.6.6: unqualified COPY customer after SET search_path)" {
  scrub_restore_check "$(rt_createdb apress_demo)" apress_demo extra/wild-apress-demo.pg96.sql \
    wild-apress-demo.yaml extra/wild-apress-demo.pg96.counts.tsv '
public|customer|first_name|md5
public|customer|last_name|md5
public|customer|address|fixed:1 Main Street
'
  no_trace extra/wild-apress-demo.pg96.sql apress_demo.sql 'Somewhere, Canada'
}

@test "extra/wild-customerspostal (pg_dump 15.2, data only, SQL_ASCII, values ending in \\n)" {
  local db
  db=$(rt_createdb customerspostal)
  rt_sql "$db" 'CREATE TABLE public.customer (first_name text, last_name text, district_postal_code text)'
  scrub_restore_check "$db" customerspostal extra/wild-customerspostal.pg15-sqlascii-dataonly.sql \
    wild-customerspostal.yaml extra/wild-customerspostal.pg15-sqlascii-dataonly.counts.tsv '
public|customer|first_name|md5
public|customer|last_name|md5:10
public|customer|district_postal_code|fixed:redacted
'
  no_trace extra/wild-customerspostal.pg15-sqlascii-dataonly.sql customerspostal.sql \
    'Madhya Pradesh, 72872' HARRIS
}

@test "scrub check finds nothing wrong with the corpus rules files against their schemas" {
  local pair
  for pair in pagila.yaml:pagila.copy.sql pagila.yaml:pagila-schema.sql \
    pagila.yaml:extra/pagila-pg17-schema.sql chinook.yaml:chinook.copy.sql \
    northwind.yaml:northwind.copy.sql northwind.yaml:northwind.source.sql \
    dellstore.yaml:dellstore.copy.sql pagila-legacy-2017.yaml:extra/pagila-legacy-2017-insert-data.sql \
    wild-spring-crm.yaml:extra/wild-spring-crm.pg12.sql wild-apress-demo.yaml:extra/wild-apress-demo.pg96.sql; do
    rt_scrub check -c "$RT_REPO/fixtures/corpus/${pair%%:*}" --schema "$CORPUS/${pair#*:}"
  done
}

# shellcheck disable=SC2154 # bats `run --separate-stderr` sets $stderr
@test "a rule for a table or a column that is not in the dump fails with exit 1 and names it" {
  local dump=$CORPUS/extra/wild-spring-crm.pg12.sql out=$BATS_TEST_TMPDIR/out.sql
  cat >"$BATS_TEST_TMPDIR/table.yaml" <<'YAML'
tables:
  public.customer:
    columns:
      email: email
  public.customers_typo:
    columns:
      email: email
YAML
  cat >"$BATS_TEST_TMPDIR/column.yaml" <<'YAML'
tables:
  public.customer:
    columns:
      e_mail: email
YAML
  run --separate-stderr rt_scrub -q -c "$BATS_TEST_TMPDIR/table.yaml" -o "$out" "$dump"
  [ "$status" -eq 1 ]
  [[ $stderr == *customers_typo* ]]
  [ ! -e "$out" ]
  run --separate-stderr rt_scrub -c "$BATS_TEST_TMPDIR/column.yaml" "$dump"
  [ "$status" -eq 1 ]
  [[ $stderr == *e_mail* ]]
}

@test "scrub detect's proposal for every whole dump of the corpus passes scrub check, scrubs and restores with every row" {
  local file counts name db proposal
  for file in pagila.copy.sql pagila.inserts.sql pagila.column-inserts-rows50.sql \
    chinook.copy.sql chinook.column-inserts.sql northwind.copy.sql northwind.column-inserts.sql \
    northwind.source.sql dellstore.copy.sql extra/wild-spring-crm.pg12.sql extra/wild-apress-demo.pg96.sql; do
    name=${file##*/}
    name=${name%.sql}
    counts=${file%%.*}.counts.tsv
    [ -f "$CORPUS/$counts" ] || counts=${file%.sql}.counts.tsv
    proposal=$BATS_TEST_TMPDIR/$name.yaml
    rt_scrub detect "$CORPUS/$file" >"$proposal" 2>/dev/null
    rt_scrub check -c "$proposal" --schema "$CORPUS/$file" >/dev/null ||
      { echo "$file: scrub check rejects detect's proposal:" >&2; rt_scrub check -c "$proposal" --schema "$CORPUS/$file" >&2; return 1; }
    rt_scrub -q -c "$proposal" -o "$BATS_TEST_TMPDIR/$name.anon.sql" "$CORPUS/$file"
    db=$(rt_createdb "detect_${name//[^a-z0-9]/_}")
    rt_restore "$db" "$BATS_TEST_TMPDIR/$name.anon.sql" ||
      { echo "$file: the scrub of detect's proposal does not restore" >&2; return 1; }
    rt_check_counts "$db" "$CORPUS/$counts"
  done
}
