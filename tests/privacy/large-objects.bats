#!/usr/bin/env bats
# Scenario: large objects. A database whose table points at two large objects (one holding an
# address, one a few megabytes that pg_dump writes in many lowrite calls) is dumped plain.
# `large_objects: none` restores both objects, under their OIDs, empty, and the address is in
# no byte of the output; `large_objects: keep` restores them as they were; without the setting
# the run fails under `policy: strict` (naming how many and the line) and warns otherwise.

bats_require_minimum_version 1.5.0
load ../roundtrip/helpers/roundtrip

ADDRESS='Flat 4, 12 Mill Lane, Leeds LS1 4AB'

setup_file() {
  rt_require
  local db
  db=$(rt_createdb lo_src)
  rt_sql "$db" "
    CREATE TABLE documents (id integer PRIMARY KEY, owner_email text, file oid);
    SELECT lo_from_bytea(424201, convert_to('$ADDRESS', 'UTF8'));
    SELECT lo_from_bytea(424202, decode(repeat('00ff', 3000000), 'hex'));
    INSERT INTO documents VALUES (1, 'ann@corp.example', 424201), (2, 'bob@corp.example', 424202);"
  pg_dump --no-owner -d "$db" >"$BATS_FILE_TMPDIR/lo.sql"
  # The dump does hold the address, in a lowrite call, and the big object in many.
  local hex
  hex=$(printf '%s' "$ADDRESS" | od -An -tx1 | tr -d ' \n')
  printf '%s' "$hex" >"$BATS_FILE_TMPDIR/address.hex"
  grep -q "lowrite(0, '\\\\x$hex')" "$BATS_FILE_TMPDIR/lo.sql"
  [ "$(grep -c 'lowrite(0, ' "$BATS_FILE_TMPDIR/lo.sql")" -gt 2 ]
}

rules() { # $1: the top-level settings
  printf '%s\ntables:\n  public.documents:\n    columns:\n      id: keep\n      owner_email: email\n      file: keep\n' "$1" \
    >"$BATS_TEST_TMPDIR/rules.yaml"
}

@test "large_objects: none creates every large object empty, under its OID, and says so" {
  rules 'large_objects: none'
  run --separate-stderr rt_scrub -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" \
    "$BATS_FILE_TMPDIR/lo.sql"
  [ "$status" -eq 0 ]
  # shellcheck disable=SC2154 # set by run --separate-stderr
  [[ $stderr == *"large objects: 2 written empty ("*" lowrite call(s) dropped)"* ]]
  run ! grep -q 'lowrite' "$BATS_TEST_TMPDIR/out.sql"
  run ! grep -qi "$(cat "$BATS_FILE_TMPDIR/address.hex")" "$BATS_TEST_TMPDIR/out.sql"
  run ! grep -q 'Mill Lane' "$BATS_TEST_TMPDIR/out.sql"
  db=$(rt_createdb lo_none)
  rt_restore "$db" "$BATS_TEST_TMPDIR/out.sql"
  [ "$(rt_sql "$db" "SELECT count(*) FROM pg_largeobject_metadata WHERE oid IN (424201, 424202)")" -eq 2 ]
  [ "$(rt_sql "$db" "SELECT sum(length(lo_get(file))) FROM documents")" -eq 0 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM documents WHERE owner_email LIKE '%corp.example'")" -eq 0 ]
}

@test "large_objects: keep passes their contents through byte for byte" {
  rules 'large_objects: keep'
  rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/lo.sql"
  db=$(rt_createdb lo_keep)
  rt_restore "$db" "$BATS_TEST_TMPDIR/out.sql"
  [ "$(rt_sql "$db" "SELECT convert_from(lo_get(424201), 'UTF8')")" = "$ADDRESS" ]
  [ "$(rt_sql "$db" "SELECT md5(lo_get(424202)) = md5(decode(repeat('00ff', 3000000), 'hex'))")" = t ]
}

@test "without the setting: an error under policy: strict, a warning otherwise" {
  rules 'policy: strict'
  run --separate-stderr rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" \
    "$BATS_FILE_TMPDIR/lo.sql"
  [ "$status" -eq 1 ]
  line=$(grep -n "lo_open('424201'" "$BATS_FILE_TMPDIR/lo.sql" | cut -d: -f1)
  [[ $stderr == *"lo.sql:$line: the dump holds the contents of 2 large object(s), which no column rule reaches; say \`large_objects: none\`"* ]]
  [[ $stderr == *"2 large object(s) undecided under \`policy: strict\`; no output was kept"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out.sql" ]

  rules ''
  run --separate-stderr rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" \
    "$BATS_FILE_TMPDIR/lo.sql"
  [ "$status" -eq 0 ]
  [[ $stderr == "scrub: warning: "*"lo.sql:$line: the dump holds the contents of 2 large object(s)"* ]]
  grep -q "lowrite(0, '\\\\x$(cat "$BATS_FILE_TMPDIR/address.hex")')" "$BATS_TEST_TMPDIR/out.sql"
}
