#!/usr/bin/env bats
# Scenario: keyed pseudonyms keep a database's keys working.
#
# A database with users(email UNIQUE), tables whose foreign keys point at users.email, and a
# composite key accounts(tenant, email) with a composite foreign key pointing at it, is dumped
# as plain COPY and as --inserts, scrubbed with `hash` on every one of those columns, and
# restored into fresh databases with ON_ERROR_STOP, so every foreign key is validated. Joins
# must return as many rows as in the source, no original address may be left, and the same
# key file must give the same pseudonyms in both dump forms.
#
# Then 1,000,000 rows with UNIQUE columns under `unique: true` rules (hash email, hash digits
# over the numeric primary key, md5, email, fake email): the restore builds every unique index
# and count(DISTINCT) is 1,000,000 for each.

load ../roundtrip/helpers/roundtrip

BUILD_SQL="
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL UNIQUE, name text);
CREATE TABLE messages (
  id integer PRIMARY KEY,
  sender_email text NOT NULL REFERENCES users (email),
  recipient_email text REFERENCES users (email),
  body text);
CREATE TABLE accounts (
  tenant text,
  email text REFERENCES users (email),
  plan text,
  PRIMARY KEY (tenant, email));
CREATE TABLE invoices (
  id integer PRIMARY KEY,
  tenant text NOT NULL,
  account_email text NOT NULL,
  amount integer,
  FOREIGN KEY (tenant, account_email) REFERENCES accounts (tenant, email));

INSERT INTO users
SELECT i, 'user' || i || '@corp.example', 'Name ' || i FROM generate_series(1, 500) i;
-- Addresses that COPY and INSERT escape differently: the pseudonym is of the decoded value.
INSERT INTO users VALUES
  (501, E'o''brien\\\\x@corp.example', 'quote and backslash'),
  (502, E'tab\\there@corp.example', 'tab'),
  (503, 'zoë.müller@corp.example', 'unicode');
INSERT INTO messages
SELECT i, 'user' || (i % 503 + 1) || '@corp.example',
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'user' || (i * 7 % 500 + 1) || '@corp.example' END,
       'message ' || i
FROM generate_series(1, 2000) i
WHERE i % 503 + 1 <= 500;
INSERT INTO messages VALUES
  (3001, E'o''brien\\\\x@corp.example', E'tab\\there@corp.example', 'odd ones'),
  (3002, 'zoë.müller@corp.example', E'o''brien\\\\x@corp.example', 'odd ones');
INSERT INTO accounts SELECT t, email, 'plan ' || id
FROM users, (VALUES ('acme'), ('globex')) AS tenants (t)
WHERE id % 3 <> 0 OR t = 'acme';
INSERT INTO invoices
SELECT row_number() OVER (), tenant, email, length(email) FROM accounts, generate_series(1, 2);
"

RULES_YAML='
tables:
  public.users:
    columns:
      email: {hash: email}
      name: {fake: name}
  public.messages:
    columns:
      sender_email: {hash: email}
      recipient_email: {hash: email}
  public.accounts:
    columns:
      tenant: {hash: {as: hex, length: 12, domain: tenants}}
      email: {hash: email}
  public.invoices:
    columns:
      tenant: {hash: {as: hex, length: 12, domain: tenants}}
      account_email: {hash: email}
'

# Row counts of the joins along every foreign key, one line each.
JOINS="
SELECT 'users', count(*), count(DISTINCT email) FROM users
UNION ALL SELECT 'sender', count(*), count(DISTINCT u.id)
  FROM messages m JOIN users u ON u.email = m.sender_email
UNION ALL SELECT 'recipient', count(*), count(DISTINCT u.id)
  FROM messages m JOIN users u ON u.email = m.recipient_email
UNION ALL SELECT 'account', count(*), count(DISTINCT u.id)
  FROM accounts a JOIN users u ON u.email = a.email
UNION ALL SELECT 'invoice', count(*), count(DISTINCT (a.tenant, a.email))
  FROM invoices i JOIN accounts a ON (a.tenant, a.email) = (i.tenant, i.account_email)
UNION ALL SELECT 'invoice-user', count(*), count(DISTINCT u.id)
  FROM invoices i JOIN users u ON u.email = i.account_email
UNION ALL SELECT 'same-tenant', count(*), count(DISTINCT i.tenant)
  FROM invoices i JOIN accounts a ON a.tenant = i.tenant AND a.email = i.account_email
  JOIN messages m ON m.sender_email = a.email
ORDER BY 1"

setup_file() {
  rt_require
  printf '%s\n' "$BUILD_SQL" >"$BATS_FILE_TMPDIR/build.sql"
  rt_setup_source keyed_src "$BATS_FILE_TMPDIR/build.sql"
  pg_dump --no-owner -d "$SRC" >"$BATS_FILE_TMPDIR/copy.sql"
  pg_dump --no-owner --inserts -d "$SRC" >"$BATS_FILE_TMPDIR/inserts.sql"
  printf '%s' "$RULES_YAML" >"$BATS_FILE_TMPDIR/rules.yaml"
  (umask 077 && head -c 32 /dev/urandom >"$BATS_FILE_TMPDIR/scrub.key")
}

# Scrubs dump form $1 with the key file, restores it into a fresh database (FKs validated)
# and checks joins and leaks; prints the restored database's name.
scrub_and_restore() {
  local form=$1 db
  rt_scrub -q --key-file "$BATS_FILE_TMPDIR/scrub.key" -c "$BATS_FILE_TMPDIR/rules.yaml" \
    -o "$BATS_FILE_TMPDIR/$form.scrubbed.sql" "$BATS_FILE_TMPDIR/$form.sql"
  db=$(rt_createdb "keyed_$form")
  rt_restore "$db" "$BATS_FILE_TMPDIR/$form.scrubbed.sql"
  printf '%s' "$db"
}

# Asserts that scrubbed file $1 holds no original address.
no_original_address() {
  if grep -n -F 'corp.example' "$1" | head -5 | grep .; then
    echo "original addresses left in $1" >&2
    return 1
  fi
  rt_sql "$SRC" "SELECT DISTINCT tenant FROM accounts" >"$BATS_TEST_TMPDIR/tenants"
  if grep -n -w -F -f "$BATS_TEST_TMPDIR/tenants" "$1" | grep -v -e '^[0-9]*:--' | head -5 | grep .; then
    echo "original tenant names left in $1" >&2
    return 1
  fi
}

# Asserts that database $1 answers JOINS as the source does.
same_joins() {
  local want got
  want=$(rt_sql "$SRC" "$JOINS")
  got=$(rt_sql "$1" "$JOINS")
  [ "$(grep -c . <<<"$want")" -eq 7 ]
  if [ "$want" != "$got" ]; then
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
    return 1
  fi
  # The odd addresses were joined too, not dropped.
  [ "$(rt_sql "$1" "SELECT count(*) FROM messages m JOIN users u ON u.email = m.sender_email WHERE m.id > 3000")" -eq 2 ]
}

@test "COPY dump: hash on users.email and every key that references it restores with its foreign keys, joins keep their rows" {
  db=$(scrub_and_restore copy)
  same_joins "$db"
  no_original_address "$BATS_FILE_TMPDIR/copy.scrubbed.sql"
  # The pseudonyms have their shapes.
  [ "$(rt_sql "$db" "SELECT count(*) FROM users WHERE email !~ '^u[0-9a-f]{24}@example\.com$'")" -eq 0 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM accounts WHERE tenant !~ '^[0-9a-f]{12}$'")" -eq 0 ]
  [ "$(rt_sql "$db" "SELECT count(DISTINCT tenant) FROM accounts")" -eq 2 ]
}

@test "--inserts dump: the same, and the same key file gives the same pseudonyms as the COPY dump" {
  grep -q "^INSERT INTO public.users VALUES (1, 'user1@corp.example'" "$BATS_FILE_TMPDIR/inserts.sql"
  db=$(scrub_and_restore inserts)
  same_joins "$db"
  no_original_address "$BATS_FILE_TMPDIR/inserts.scrubbed.sql"
  copy_db=$(rt_db keyed_copy)
  [ -n "$(rt_sql "$copy_db" 'SELECT 1')" ] || scrub_and_restore copy >/dev/null
  for query in \
    'SELECT id, email, name FROM users ORDER BY id' \
    'SELECT tenant, email, plan FROM accounts ORDER BY plan, tenant' \
    'SELECT id, tenant, account_email FROM invoices ORDER BY id' \
    'SELECT id, sender_email, recipient_email FROM messages ORDER BY id'; do
    from_copy=$(rt_sql "$copy_db" "$query")
    from_inserts=$(rt_sql "$db" "$query")
    [ -n "$from_copy" ]
    [ "$from_copy" = "$from_inserts" ]
  done
}

@test "without a key file each run draws its own key: pseudonyms differ between runs" {
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_FILE_TMPDIR/run1.sql" "$BATS_FILE_TMPDIR/copy.sql"
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_FILE_TMPDIR/run2.sql" "$BATS_FILE_TMPDIR/copy.sql"
  if cmp -s "$BATS_FILE_TMPDIR/run1.sql" "$BATS_FILE_TMPDIR/run2.sql"; then
    echo "two runs without a key file gave the same output" >&2
    return 1
  fi
  # ... and each run is still consistent within its dump.
  db=$(rt_createdb keyed_nokey)
  rt_restore "$db" "$BATS_FILE_TMPDIR/run1.sql"
  same_joins "$db"
}

@test "unique: true on 1,000,000 rows of UNIQUE columns: the restore builds every unique index" {
  big=$(rt_createdb keyed_big_src)
  rt_sql "$big" "
    CREATE TABLE people (
      id bigint PRIMARY KEY,
      email text NOT NULL UNIQUE,
      nick text NOT NULL UNIQUE,
      contact text NOT NULL UNIQUE,
      work_email text NOT NULL UNIQUE);
    INSERT INTO people
    SELECT i, 'person' || i || '@corp.example', 'nick' || i, 'c' || i || '@corp.example',
           'w' || i || '@corp.example'
    FROM generate_series(1, 1000000) i;"
  pg_dump --no-owner -d "$big" >"$BATS_FILE_TMPDIR/big.sql"
  cat >"$BATS_FILE_TMPDIR/big.yaml" <<'YAML'
tables:
  public.people:
    columns:
      id: {hash: {as: digits, length: 12, unique: true}}
      email: {hash: {as: email, unique: true}}
      nick: {md5: {length: 16, unique: true}}
      contact: {email: {unique: true}}
      work_email: {fake: {kind: email, unique: true}}
YAML
  rt_scrub -q -j2 --key-file "$BATS_FILE_TMPDIR/scrub.key" -c "$BATS_FILE_TMPDIR/big.yaml" \
    -o "$BATS_FILE_TMPDIR/big.scrubbed.sql" "$BATS_FILE_TMPDIR/big.sql"
  no_original_address "$BATS_FILE_TMPDIR/big.scrubbed.sql"
  db=$(rt_createdb keyed_big)
  rt_restore "$db" "$BATS_FILE_TMPDIR/big.scrubbed.sql"
  run rt_sql "$db" "
    SELECT count(*), count(DISTINCT id), count(DISTINCT email), count(DISTINCT nick),
           count(DISTINCT contact), count(DISTINCT work_email),
           count(*) FILTER (WHERE id BETWEEN 1 AND 1000000)
    FROM people"
  [ "$status" -eq 0 ]
  # Every id moved somewhere in [0, 10^12): almost none stays inside the original range.
  IFS='|' read -r total ids emails nicks contacts works kept <<<"$output"
  [ "$total" -eq 1000000 ] && [ "$ids" -eq 1000000 ] && [ "$emails" -eq 1000000 ]
  [ "$nicks" -eq 1000000 ] && [ "$contacts" -eq 1000000 ] && [ "$works" -eq 1000000 ]
  [ "$kept" -lt 100 ]
  [ "$(rt_sql "$db" "SELECT count(*) FROM people WHERE contact !~ '^nobody\+[0-9a-f]{16}@example\.com$'")" -eq 0 ]
}
