#!/usr/bin/env bats
# Scenario: scripts/backup makes the full and the anonymized plain SQL from one `pg_restore -f -`
# stream, and the anonymized copy must still lack what `pg_restore --no-owner --no-privileges
# --no-subscriptions` leaves out (production roles do not exist on a developer's machine, and a
# subscription would connect to production). `scrub --no-owner --no-privileges
# --no-subscriptions` drops those statements in the stream: its output must hold exactly the
# statements of a scrub of pg_restore's own output with the three options, and restore.
#
# The database has an owner role, grants and revokes on tables, a schema, a sequence and a
# function, default privileges, a large object, a comment, and a subscription (created without
# connecting; its comment goes with it).

load helpers/roundtrip

# The build, with the owner role's name ($OWNER, set in setup_file).
build_sql() {
  echo "
CREATE ROLE $OWNER;
CREATE ROLE ${OWNER}_reader;
CREATE SCHEMA app AUTHORIZATION $OWNER;
CREATE TABLE app.users (id serial PRIMARY KEY, email text NOT NULL);
ALTER TABLE app.users OWNER TO $OWNER;
INSERT INTO app.users (email) SELECT 'user' || i || '@corp.example' FROM generate_series(1, 20) i;
GRANT SELECT ON app.users TO ${OWNER}_reader;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA app TO ${OWNER}_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE $OWNER IN SCHEMA app GRANT SELECT ON TABLES TO ${OWNER}_reader;
CREATE FUNCTION app.answer() RETURNS integer LANGUAGE sql AS 'SELECT 42';
ALTER FUNCTION app.answer() OWNER TO $OWNER;
COMMENT ON TABLE app.users IS 'GRANT nothing to anybody';
SELECT lo_from_bytea(0, 'hello');
CREATE PUBLICATION pub FOR TABLE app.users;
"
}

setup_file() {
  rt_require
  export OWNER=scrub_test_owner_$RT_SUFFIX
  SRC=$(rt_createdb pgro_src)
  export SRC
  rt_sql "$SRC" "$(build_sql)" >/dev/null
  # a subscription that never connects (connect = false needs no publisher)
  rt_sql "$SRC" "CREATE SUBSCRIPTION sub_$RT_SUFFIX CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION pub
    WITH (connect = false, slot_name = NONE, enabled = false);
    COMMENT ON SUBSCRIPTION sub_$RT_SUFFIX IS 'from production';" >/dev/null
  pg_dump -Fc -d "$SRC" -f "$BATS_FILE_TMPDIR/app.dump"
  printf 'tables:\n  app.users:\n    columns:\n      email: email\nlarge_objects: keep\n' >"$BATS_FILE_TMPDIR/rules.yaml"
}

teardown_file() {
  # a subscription keeps its database from being dropped
  rt_sql "$SRC" "DROP SUBSCRIPTION IF EXISTS sub_$RT_SUFFIX" >/dev/null
  rt_drop_dbs
  rt_sql postgres "DROP ROLE IF EXISTS ${OWNER}_reader" >/dev/null
  rt_sql postgres "DROP ROLE IF EXISTS $OWNER" >/dev/null
}

# Statements only: no comment lines, blank lines or psql's per-run \restrict keys.
statements() {
  grep -v -e '^--' -e '^$' -e '^\\restrict ' -e '^\\unrestrict ' "$1"
}

@test "scrub --no-owner --no-privileges --no-subscriptions leaves out what pg_restore's options do, nothing else" {
  local dir=$BATS_TEST_TMPDIR opts=(--no-owner --no-privileges --no-subscriptions)
  pg_restore -f - "$BATS_FILE_TMPDIR/app.dump" |
    rt_scrub --seed 1 -c "$BATS_FILE_TMPDIR/rules.yaml" "${opts[@]}" >"$dir/stream.sql" 2>"$dir/summary"
  pg_restore "${opts[@]}" -f - "$BATS_FILE_TMPDIR/app.dump" |
    rt_scrub -q --seed 1 -c "$BATS_FILE_TMPDIR/rules.yaml" >"$dir/restored.sql"
  pg_restore -f - "$BATS_FILE_TMPDIR/app.dump" |
    rt_scrub -q --seed 1 -c "$BATS_FILE_TMPDIR/rules.yaml" >"$dir/full.sql"
  # the full stream has each kind, so the comparison can fail
  grep -q "OWNER TO $OWNER;" "$dir/full.sql"
  grep -q '^GRANT SELECT ON TABLE app.users' "$dir/full.sql"
  grep -q '^ALTER DEFAULT PRIVILEGES' "$dir/full.sql"
  grep -q '^CREATE SUBSCRIPTION' "$dir/full.sql"
  grep -q '^COMMENT ON SUBSCRIPTION' "$dir/full.sql"
  diff <(statements "$dir/restored.sql") <(statements "$dir/stream.sql")
  # (comment lines keep the names: `-- Name: sub; Type: SUBSCRIPTION; ...; Owner: role`)
  [ "$(statements "$dir/stream.sql" | grep -c -e 'OWNER TO' -e '^GRANT' -e '^REVOKE' -e 'SUBSCRIPTION')" = 0 ]
  grep -q "COMMENT ON TABLE app.users IS 'GRANT nothing to anybody';" "$dir/stream.sql"
  n=$(sed -n 's/^ *owners, privileges, subscriptions: \([0-9]*\) statement(s) left out$/\1/p' "$dir/summary")
  [ "$n" = "$(($(statements "$dir/full.sql" | wc -l) - $(statements "$dir/stream.sql" | wc -l)))" ]
}

@test "without the options scrub keeps every owner, privilege and subscription statement" {
  pg_restore -f - "$BATS_FILE_TMPDIR/app.dump" >"$BATS_TEST_TMPDIR/plain.sql"
  rt_scrub -q --seed 1 -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/anon.sql" "$BATS_TEST_TMPDIR/plain.sql"
  [ "$(grep -c -e 'OWNER TO' -e '^GRANT' -e '^REVOKE' -e 'SUBSCRIPTION' "$BATS_TEST_TMPDIR/plain.sql")" = \
    "$(grep -c -e 'OWNER TO' -e '^GRANT' -e '^REVOKE' -e 'SUBSCRIPTION' "$BATS_TEST_TMPDIR/anon.sql")" ]
}

@test "the stream-filtered copy restores into a database without the production roles' grants" {
  local db
  pg_restore -f - "$BATS_FILE_TMPDIR/app.dump" |
    rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" --no-owner --no-privileges --no-subscriptions >"$BATS_TEST_TMPDIR/dev.sql"
  db=$(rt_createdb pgro_dev)
  rt_restore "$db" "$BATS_TEST_TMPDIR/dev.sql"
  [ "$(rt_sql "$db" 'SELECT count(*) FROM app.users')" = 20 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM app.users WHERE email LIKE '%@corp.example'")" = 0 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = '$db'")" = 0 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM information_schema.role_table_grants WHERE table_schema = 'app' AND grantee = '${OWNER}_reader'")" = 0 ]
  [ "$(rt_sql "$db" "SELECT tableowner FROM pg_tables WHERE schemaname = 'app'")" = "$PGUSER" ]
}
