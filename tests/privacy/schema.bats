#!/usr/bin/env bats
# Scenario: what the schema says about the data.
#
# `policy: strict` against a database built for the test: rules that cover every column pass;
# a column added by a later migration (with a row) fails the run, names the column and keeps
# no output. `scrub check --schema` on pg_dump's schema of a LIST-partitioned table keyed by a
# ruled email, a CHECK and a DEFAULT on ruled columns, and a foreign key whose ends are
# ruled differently: each reported with its rules-file position and schema line. Then `hash`
# on the partition key: the bounds are rewritten like the rows, the dump restores with
# ON_ERROR_STOP (rows are checked against their partition's bounds) and every partition keeps
# its row count.

load ../roundtrip/helpers/roundtrip

setup_file() {
  rt_require
}

@test "policy: strict passes when every column is covered, and fails naming a column a migration added" {
  db=$(rt_createdb schema_strict)
  rt_sql "$db" "
    CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, name text);
    CREATE TABLE audit (id integer, note text);  -- no rows: no data to cover
    CREATE TABLE sessions (token text);
    INSERT INTO users VALUES (1, 'ann@corp.example', 'Ann'), (2, 'bob@corp.example', 'Bob');
    INSERT INTO sessions VALUES ('s3cr3t');"
  cat >"$BATS_TEST_TMPDIR/rules.yaml" <<'YAML'
policy: strict
tables:
  public.users:
    columns:
      id: keep
      email: {hash: email}
      name: {fake: name}
  public.sessions:
    rows: none
YAML
  pg_dump --no-owner -d "$db" >"$BATS_TEST_TMPDIR/before.sql"
  rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/before.scrubbed.sql" \
    "$BATS_TEST_TMPDIR/before.sql"
  restored=$(rt_createdb schema_strict_restored)
  rt_restore "$restored" "$BATS_TEST_TMPDIR/before.scrubbed.sql"
  [ "$(rt_sql "$restored" "SELECT count(*) FROM users WHERE email LIKE '%corp.example'")" -eq 0 ]
  [ "$(rt_sql "$restored" "SELECT count(*) FROM users")" -eq 2 ]

  rt_sql "$db" "ALTER TABLE users ADD COLUMN ssn text;
                INSERT INTO users VALUES (3, 'cy@corp.example', 'Cy', '078-05-1120');"
  pg_dump --no-owner -d "$db" >"$BATS_TEST_TMPDIR/after.sql"
  run rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/after.scrubbed.sql" \
    "$BATS_TEST_TMPDIR/after.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  # The line is the first data row of public.users in the dump.
  header=$(grep -n '^COPY public.users ' "$BATS_TEST_TMPDIR/after.sql" | cut -d: -f1)
  [[ "$output" == *"after.sql:$((header + 1)): public.users.ssn is not covered by any rule (policy: strict)"* ]]
  [ "$(grep -c 'not covered' <<<"$output")" -eq 1 ]
  [ ! -e "$BATS_TEST_TMPDIR/after.scrubbed.sql" ]
  ! ls "$BATS_TEST_TMPDIR" | grep -q 'after.scrubbed'

  # `scrub check` says the same from the schema alone.
  pg_dump --no-owner --schema-only -d "$db" >"$BATS_TEST_TMPDIR/schema.sql"
  run rt_scrub check -c "$BATS_TEST_TMPDIR/rules.yaml" --schema "$BATS_TEST_TMPDIR/schema.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  create=$(grep -n '^CREATE TABLE public.users ' "$BATS_TEST_TMPDIR/schema.sql" | cut -d: -f1)
  [[ "$output" == *"schema.sql:$create: public.users.ssn is not covered by any rule (policy: strict)"* ]]
  # audit has no rule either, but only the dump can tell it has no rows; the schema cannot.
  [[ "$output" == *"public.audit.note is not covered"* ]]
}

@test "scrub check --schema reports ruled partition keys, CHECKs, DEFAULTs and foreign keys with both positions" {
  db=$(rt_createdb schema_check)
  rt_sql "$db" "
    CREATE TABLE people (id integer, email text NOT NULL, phone text CHECK (phone ~ '^[0-9 +]+$'),
                         team text DEFAULT 'founders@corp.example')
      PARTITION BY LIST (email);
    CREATE TABLE people_vip PARTITION OF people FOR VALUES IN ('ceo@corp.example', 'cfo@corp.example');
    CREATE TABLE people_rest PARTITION OF people DEFAULT;
    CREATE TABLE users (id integer PRIMARY KEY, email text UNIQUE);
    CREATE TABLE orders (id integer, user_email text REFERENCES users (email));"
  pg_dump --no-owner --schema-only -d "$db" >"$BATS_TEST_TMPDIR/schema.sql"
  cat >"$BATS_TEST_TMPDIR/rules.yaml" <<'YAML'
tables:
  public.people:
    columns:
      email: md5
      phone: {fixed: "000"}
      team: {fake: company}
  public.users:
    columns:
      email: {hash: email}
YAML
  run rt_scrub check -c "$BATS_TEST_TMPDIR/rules.yaml" --schema "$BATS_TEST_TMPDIR/schema.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  line_of() { grep -n -F "$1" "$BATS_TEST_TMPDIR/schema.sql" | head -1 | cut -d: -f1; }
  attach=$(line_of 'ATTACH PARTITION public.people_vip')
  create=$(line_of 'CREATE TABLE public.people (')
  orders=$(line_of 'CREATE TABLE public.orders (')
  [ -n "$attach" ] && [ -n "$create" ] && [ -n "$orders" ]
  [[ "$output" == *"rules.yaml:4:7: public.people.email: this column is the partition key of public.people, and partition public.people_vip has literal bounds (schema line $attach: FOR VALUES IN ('ceo@corp.example', 'cfo@corp.example')): bounds are schema literals that \`md5\` does not rewrite"* ]]
  [[ "$output" == *"rules.yaml:5:7: public.people.phone: used in CHECK ("*"at schema line $create: the constraint and its literals are restored as written"* ]]
  [[ "$output" == *"rules.yaml:6:7: public.people.team: has DEFAULT 'founders@corp.example'"*"at schema line $create: schema literals are not rewritten"* ]]
  [[ "$output" == *"rules.yaml:9:7: public.users.email: public.orders.user_email references public.users.email, which \`hash:email\` (rule at 9:7) rewrites, but user_email has no rule"* ]]
  [[ "$output" == *"scrub check: 4 problem(s)"* ]]

  # A run fails closed on both: at the partition's bounds, and on the foreign key at the end.
  pg_dump --no-owner -d "$db" >"$BATS_TEST_TMPDIR/full.sql"
  run rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" "$BATS_TEST_TMPDIR/full.sql"
  [ "$status" -eq 1 ]
  [[ "$output" == *"partition public.people_vip of public.people"*"\`md5\` cannot rewrite the bounds alike"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out.sql" ]
  sed -i 's/email: md5/email: keep/' "$BATS_TEST_TMPDIR/rules.yaml"
  run rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" "$BATS_TEST_TMPDIR/full.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"public.orders.user_email references public.users.email"* ]]
  [[ "$output" == *"1 foreign key column(s) would not match what they reference; no output was kept"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out.sql" ]
}

@test "hash on a LIST partition key: bounds are rewritten like the rows, the restore routes every row, counts per partition hold" {
  src=$(rt_createdb schema_part_src)
  rt_sql "$src" "
    CREATE TABLE people (id integer, email text NOT NULL, name text) PARTITION BY LIST (email);
    CREATE TABLE people_vip PARTITION OF people FOR VALUES IN ('ceo@corp.example', E'o''hara@corp.example');
    CREATE TABLE people_ops PARTITION OF people FOR VALUES IN ('ops@corp.example');
    CREATE TABLE people_rest PARTITION OF people DEFAULT;
    INSERT INTO people SELECT i, (ARRAY['ceo@corp.example', 'o''hara@corp.example', 'ops@corp.example',
                                        'staff' || i || '@corp.example'])[i % 4 + 1], 'n' || i
    FROM generate_series(1, 1000) i;"
  pg_dump --no-owner -d "$src" >"$BATS_TEST_TMPDIR/part.sql"
  grep -q "ATTACH PARTITION public.people_vip FOR VALUES IN ('ceo@corp.example', 'o''hara@corp.example')" "$BATS_TEST_TMPDIR/part.sql"
  cat >"$BATS_TEST_TMPDIR/rules.yaml" <<'YAML'
policy: strict
tables:
  public.people:
    columns:
      id: keep
      email: {hash: email}
      name: {fake: name}
YAML
  rt_scrub -q -c "$BATS_TEST_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/part.scrubbed.sql" "$BATS_TEST_TMPDIR/part.sql"
  if grep -n 'corp.example' "$BATS_TEST_TMPDIR/part.scrubbed.sql" | head -3 | grep .; then
    echo "original addresses left" >&2
    return 1
  fi
  db=$(rt_createdb schema_part)
  rt_restore "$db" "$BATS_TEST_TMPDIR/part.scrubbed.sql"
  [ "$(rt_counts "$db")" = "$(rt_counts "$src")" ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM people_vip")" -eq 500 ]
  # Each row sits where its own (rewritten) value routes: re-inserting through the parent
  # lands every row in the same partition.
  rt_sql "$db" "CREATE TABLE check_route (LIKE people) PARTITION BY LIST (email)" >/dev/null
  for p in people_vip people_ops; do
    bound=$(rt_sql "$db" "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE relname = '$p'")
    [[ "$bound" == "FOR VALUES IN ('u"* ]]
    rt_sql "$db" "CREATE TABLE check_$p PARTITION OF check_route $bound" >/dev/null
  done
  rt_sql "$db" "CREATE TABLE check_rest PARTITION OF check_route DEFAULT;
                INSERT INTO check_route SELECT * FROM people" >/dev/null
  for p in vip ops rest; do
    routed=check_people_$p
    [ "$p" = rest ] && routed=check_rest
    [ "$(rt_sql "$db" "SELECT count(*) FROM $routed")" -eq "$(rt_sql "$db" "SELECT count(*) FROM people_$p")" ]
    [ "$(rt_sql "$db" "SELECT count(*) FROM (SELECT * FROM people_$p EXCEPT ALL SELECT * FROM $routed) d")" -eq 0 ]
  done
}
