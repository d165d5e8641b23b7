#!/usr/bin/env bats
# Scenario: `scrub detect` finds the personal data of a database built for the test, and
# `scrub verify` proves a scrub of it clean, or names the leak.
#
# The database has obvious personal columns (users.email, customers.full_name,
# contacts.phone_number, logins.ip_address, people.date_of_birth, payments.card_number with
# Luhn-valid numbers, accounts.iban with mod-97-valid IBANs), less obvious ones (logins.who
# holds e-mail addresses under a bland name, notes.body is free text with addresses inside)
# and columns that are not personal (products.name, orders.total, settings.value). It is
# dumped with pg_dump (COPY).

load ../roundtrip/helpers/roundtrip

bats_require_minimum_version 1.5.0

BUILD_SQL="
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz NOT NULL);
CREATE TABLE customers (id integer PRIMARY KEY, full_name text NOT NULL, user_id integer REFERENCES users);
CREATE TABLE contacts (id integer PRIMARY KEY, phone_number text);
CREATE TABLE logins (id integer PRIMARY KEY, ip_address inet NOT NULL, who text, at timestamptz);
CREATE TABLE people (id integer PRIMARY KEY, date_of_birth date);
CREATE TABLE payments (id integer PRIMARY KEY, card_number text, amount numeric(10,2));
CREATE TABLE accounts (id integer PRIMARY KEY, iban text);
CREATE TABLE notes (id integer PRIMARY KEY, body text);
CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, price numeric(10,2));
CREATE TABLE orders (id integer PRIMARY KEY, product_id integer REFERENCES products, total numeric(10,2));
CREATE TABLE settings (key text PRIMARY KEY, value text);

INSERT INTO users SELECT i, 'user' || i || '@corp.example', timestamptz '2024-01-01' + i * interval '1 hour'
  FROM generate_series(1, 500) i;
INSERT INTO customers SELECT i,
  (ARRAY['Ann','Bob','Carla','Dieter','Eva','Farid','Greta','Hugo'])[1 + i % 8] || ' ' ||
  (ARRAY['Smith','Jones','Müller','Okafor','Tanaka','Rossi','Novak','Silva'])[1 + i / 8 % 8], i
  FROM generate_series(1, 500) i;
INSERT INTO contacts SELECT i, '+49 30 ' || lpad((i * 7919)::text, 7, '0') FROM generate_series(1, 300) i;
INSERT INTO logins SELECT i, ('10.0.' || i / 256 || '.' || i % 256)::inet,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'user' || (1 + i % 500) || '@corp.example' END,
  timestamptz '2024-06-01' + i * interval '1 minute'
  FROM generate_series(1, 400) i;
INSERT INTO people SELECT i, date '1950-01-01' + i * 37 FROM generate_series(1, 500) i;
INSERT INTO payments SELECT i,
  (ARRAY['4111111111111111','5500000000000004','340000000000009','4012888888881881',
         '6011000000000004','5105105105105100','378282246310005'])[1 + i % 7], i * 3.5
  FROM generate_series(1, 200) i;
INSERT INTO accounts SELECT i,
  (ARRAY['DE89370400440532013000','GB82WEST12345698765432','FR1420041010050500013M02606',
         'NL91ABNA0417164300','ES9121000418450200051332'])[1 + i % 5]
  FROM generate_series(1, 100) i;
INSERT INTO notes SELECT i, CASE WHEN i % 3 = 0 THEN 'called back, all fine'
  ELSE 'please write to user' || i || '@corp.example about invoice ' || i END
  FROM generate_series(1, 300) i;
INSERT INTO products SELECT i, 'Widget ' || i, i * 1.25 FROM generate_series(1, 50) i;
INSERT INTO orders SELECT i, 1 + i % 50, i * 2.5 FROM generate_series(1, 700) i;
INSERT INTO settings VALUES ('theme', 'dark'), ('retries', '3'), ('locale', 'de_DE'), ('banner', 'Welcome!');
"

# Rules that cover every personal column, with rules every branch of the rules file knows.
RULES="tables:
  public.users:
    columns:
      email: {hash: email}
  public.customers:
    columns:
      full_name: {fake: name}
  public.contacts:
    columns:
      phone_number: {fake: phone}
  public.logins:
    columns:
      ip_address: {fake: ip}
      who: {hash: email}
  public.people:
    columns:
      date_of_birth: {fake: date_of_birth}
  public.payments:
    columns:
      card_number: {hash: {as: digits, length: 16}}
  public.accounts:
    columns:
      iban: {hash: {as: digits, length: 16}}
  public.notes:
    columns:
      body: null
"

setup_file() {
  rt_require
  SRC=$(rt_createdb inspect_src)
  export SRC
  rt_sql "$SRC" "$BUILD_SQL" >/dev/null
  pg_dump -d "$SRC" -f "$BATS_FILE_TMPDIR/dump.sql"
  printf '%s' "$RULES" >"$BATS_FILE_TMPDIR/rules.yaml"
  export SCRUB_SEED=7
  # scrub and verify share the key, as scripts/backup makes them: verify recomputes fakes.
  (umask 077 && head -c 32 /dev/urandom >"$BATS_FILE_TMPDIR/scrub.key")
  export SCRUB_KEY_FILE=$BATS_FILE_TMPDIR/scrub.key
}

# rule_of FILE TABLE COLUMN: the rule (without its comment) that the rules file FILE gives
# TABLE.COLUMN, as detect writes it (tables at two spaces, columns at six).
rule_of() {
  awk -v t="$2" -v c="$3" '
    /^  [^ ]/ { table = $1; sub(/:$/, "", table) }
    /^      [^ ]/ && table == t { col = $1; sub(/:$/, "", col)
      if (col == c) { sub(/^      [^ ]+: /, ""); sub(/  #.*$/, ""); print; exit } }' "$1"
}

@test "detect: every personal column gets a rule with a reason, the others keep" {
  rt_scrub detect "$BATS_FILE_TMPDIR/dump.sql" >"$BATS_TEST_TMPDIR/detected.yaml"
  cat "$BATS_TEST_TMPDIR/detected.yaml"
  f=$BATS_TEST_TMPDIR/detected.yaml
  grep -qx 'policy: strict' "$f"
  # users.email is UNIQUE: a rule with distinct outputs
  [ "$(rule_of "$f" public.users email)" = "{hash: {as: email, unique: true}}" ]
  [ "$(rule_of "$f" public.customers full_name)" = "{fake: name}" ]
  [ "$(rule_of "$f" public.contacts phone_number)" = "{fake: phone}" ]
  [ "$(rule_of "$f" public.logins ip_address)" = "{fake: ip}" ]
  [ "$(rule_of "$f" public.logins who)" = "{hash: email}" ]
  [ "$(rule_of "$f" public.people date_of_birth)" = "{fake: date_of_birth}" ]
  [ "$(rule_of "$f" public.payments card_number)" = "{hash: {as: digits, length: 16}}" ]
  [ "$(rule_of "$f" public.accounts iban)" = "{hash: {as: digits, length: 16}}" ]
  [ "$(rule_of "$f" public.notes body)" = "{redact: [email, phone]}" ]
  # The reasons: by name and by sampled values.
  grep -q '^      email: {hash: {as: email, unique: true}}  # name: "email"; 100% of 500 sampled values are e-mail addresses$' "$f"
  grep -q '^      who: {hash: email}  # 100% of 360 sampled values are e-mail addresses$' "$f"
  grep -q '^      card_number: .*# name: "card_number"; 100% of 200 sampled values are card numbers$' "$f"
  grep -q '^      body: .*# 66% of 300 sampled values contain e-mail addresses$' "$f"
  for tc in "public.products name" "public.products price" "public.orders total" \
    "public.settings value" "public.settings key" "public.users created_at" \
    "public.customers user_id" "public.payments amount" "public.logins at"; do
    read -r t c <<<"$tc"
    [ "$(rule_of "$f" "$t" "$c")" = keep ] || { echo "$t.$c is not keep" >&2; return 1; }
  done
  # Every table with data is listed, with every column.
  [ "$(grep -c '^  public\.' "$f")" -eq 11 ]
}

@test "detect: --sample bounds the rows looked at" {
  rt_scrub detect --sample 10 "$BATS_FILE_TMPDIR/dump.sql" >"$BATS_TEST_TMPDIR/detected.yaml"
  grep -q '^      who: {hash: email}  # 100% of 9 sampled values are e-mail addresses$' "$BATS_TEST_TMPDIR/detected.yaml"
}

@test "detect: its output is a rules file scrub check accepts against the schema" {
  rt_scrub detect "$BATS_FILE_TMPDIR/dump.sql" >"$BATS_TEST_TMPDIR/detected.yaml"
  run rt_scrub check -c "$BATS_TEST_TMPDIR/detected.yaml" --schema "$BATS_FILE_TMPDIR/dump.sql"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"all match"* ]]
}

@test "detect --schema: a schema-only dump plus a data-only sample gives the full dump's proposal; the schema alone still gates -c" {
  pg_dump --schema-only -d "$SRC" -f "$BATS_TEST_TMPDIR/schema.sql"
  pg_dump --data-only -d "$SRC" -f "$BATS_TEST_TMPDIR/data.sql"
  rt_scrub detect "$BATS_FILE_TMPDIR/dump.sql" | tail -n +4 >"$BATS_TEST_TMPDIR/from-dump.yaml"
  rt_scrub detect --schema "$BATS_TEST_TMPDIR/schema.sql" "$BATS_TEST_TMPDIR/data.sql" |
    tail -n +4 >"$BATS_TEST_TMPDIR/from-sample.yaml"
  diff "$BATS_TEST_TMPDIR/from-dump.yaml" "$BATS_TEST_TMPDIR/from-sample.yaml"
  # The schema alone: every table, no rows, the columns flagged by their names.
  rt_scrub detect "$BATS_TEST_TMPDIR/schema.sql" >"$BATS_TEST_TMPDIR/from-schema.yaml"
  f=$BATS_TEST_TMPDIR/from-schema.yaml
  [ "$(grep -c '^  public\..*# 0 row(s)$' "$f")" -eq 11 ]
  # users.email is UNIQUE: a rule with distinct outputs
  [ "$(rule_of "$f" public.users email)" = "{hash: {as: email, unique: true}}" ]
  [ "$(rule_of "$f" public.payments card_number)" = "{hash: {as: digits, length: 16}}" ]
  [ "$(rule_of "$f" public.logins who)" = keep ] # only its values give it away
  grep -v 'phone_number' "$BATS_FILE_TMPDIR/rules.yaml" | sed '/public.contacts:/,+1d' >"$BATS_TEST_TMPDIR/missing.yaml"
  run --separate-stderr rt_scrub detect -c "$BATS_TEST_TMPDIR/missing.yaml" "$BATS_TEST_TMPDIR/schema.sql"
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ $stderr == *'public.contacts.phone_number: no rule, looks like phone numbers (name: "phone_number")'* ]]
}

@test "detect -c: rules that miss a personal column exit 1 and name it" {
  run rt_scrub detect -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 0 ]
  grep -v 'phone_number' "$BATS_FILE_TMPDIR/rules.yaml" | sed '/public.contacts:/,+1d' >"$BATS_TEST_TMPDIR/missing.yaml"
  run --separate-stderr rt_scrub detect -c "$BATS_TEST_TMPDIR/missing.yaml" "$BATS_FILE_TMPDIR/dump.sql"
  # shellcheck disable=SC2154 # set by run --separate-stderr
  echo "$stderr"
  [ "$status" -eq 1 ]
  [[ $stderr == *'public.contacts.phone_number: no rule, looks like phone numbers (name: "phone_number"; 100% of 300 sampled values are phone numbers)'* ]]
  [[ $stderr == *"1 column(s) look personal and have no rule"* ]]
  [[ $output == *"policy: strict"* ]]
}

@test "verify: a correct scrub passes, with row counts per table" {
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" -o "$BATS_TEST_TMPDIR/scrubbed.sql"
  run rt_scrub verify -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/scrubbed.sql"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output =~ public\.users\ +500\ +500 ]]
  [[ $output =~ public\.orders\ +700\ +700 ]]
  [[ $output == *" 0 leak(s), 0 row count mismatch(es), 0 duplicate(s)"* ]]
}

@test "verify: a column the scrub missed is named with both lines, value masked" {
  grep -v 'phone_number' "$BATS_FILE_TMPDIR/rules.yaml" | sed '/public.contacts:/,+1d' >"$BATS_TEST_TMPDIR/missing.yaml"
  rt_scrub -q -c "$BATS_TEST_TMPDIR/missing.yaml" "$BATS_FILE_TMPDIR/dump.sql" -o "$BATS_TEST_TMPDIR/scrubbed.sql"
  run rt_scrub verify -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/scrubbed.sql"
  echo "$output" | head -20
  [ "$status" -eq 1 ]
  [[ $output == *"300 leak(s)"* ]]
  line=$(grep -m1 '^leak: public.contacts.phone_number ' <<<"$output")
  [[ $line =~ ^leak:\ public\.contacts\.phone_number\ value\ from\ original\ line\ ([0-9]+)\ found\ in\ scrubbed\ public\.contacts\.phone_number\ line\ ([0-9]+):\ \+…\ \(14\ chars\)(\ \(in\ a\ .fake.\ column:.*\))?$ ]]
  # The lines named hold that phone number, in both files.
  value=$(sed -n "${BASH_REMATCH[1]}p" "$BATS_FILE_TMPDIR/dump.sql" | cut -f2)
  [[ $value == "+49 30 "* ]]
  [ "$(sed -n "${BASH_REMATCH[2]}p" "$BATS_TEST_TMPDIR/scrubbed.sql" | cut -f2)" = "$value" ]
  [[ $output != *"$value"* ]]
}

@test "verify: an original e-mail spliced into another table is found; rows lost are counted" {
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" -o "$BATS_TEST_TMPDIR/scrubbed.sql"
  # user11 is in users.email only (logins.who skips it).
  sed -e 's/^7\tWidget 7\t/7\tuser11@corp.example\t/' -e '/^retries\t3$/d' \
    "$BATS_TEST_TMPDIR/scrubbed.sql" >"$BATS_TEST_TMPDIR/spliced.sql"
  run rt_scrub verify -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/spliced.sql"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output =~ leak:\ public\.users\.email\ value\ from\ original\ line\ [0-9]+\ found\ in\ scrubbed\ public\.products\.name\ line\ [0-9]+:\ u…\ \(19\ chars\) ]]
  [[ $output == *"row count: public.settings has 3 row(s) in the scrubbed dump, expected 4"* ]]
  [[ $output != *"user11@corp.example"* ]]
  run rt_scrub verify --show-values -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_TEST_TMPDIR/spliced.sql"
  [ "$status" -eq 1 ]
  [[ $output == *'public.products.name line '*': "user11@corp.example"'* ]]
}

@test "detect: an inheritance child's own columns go under the child, inherited ones under the parent; the proposal runs under strict" {
  local db dir=$BATS_TEST_TMPDIR
  db=$(rt_createdb inspect_inherit)
  rt_sql "$db" "CREATE TABLE people (id integer, email text);
    CREATE TABLE staff (badge text, phone_number text) INHERITS (people);
    INSERT INTO people SELECT i, 'p' || i || '@corp.example' FROM generate_series(1, 20) i;
    INSERT INTO staff SELECT i, 's' || i || '@corp.example', 'B' || i, '+49 30 ' || lpad(i::text, 7, '0')
      FROM generate_series(21, 40) i;" >/dev/null
  pg_dump --no-owner -d "$db" -f "$dir/inherit.sql"
  rt_scrub detect "$dir/inherit.sql" >"$dir/proposal.yaml" 2>/dev/null
  cat "$dir/proposal.yaml"
  [ -n "$(rule_of "$dir/proposal.yaml" public.people email)" ]
  [ -z "$(rule_of "$dir/proposal.yaml" public.people phone_number)" ]
  [ "$(rule_of "$dir/proposal.yaml" public.staff phone_number)" = "{fake: phone}" ]
  [ "$(rule_of "$dir/proposal.yaml" public.staff badge)" = keep ]
  [ -z "$(rule_of "$dir/proposal.yaml" public.staff email)" ]
  # policy: strict passes: staff's inherited columns are covered by people's rules
  rt_scrub -q -c "$dir/proposal.yaml" -o "$dir/anon.sql" "$dir/inherit.sql"
  [ "$(grep -c -e '@corp.example' -e '+49 30 ' "$dir/anon.sql")" = 0 ]
}
