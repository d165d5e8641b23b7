#!/usr/bin/env bats
# Scenario: monitoring reads `scrub --report` and `scrub verify --report`: every field the
# README's "Reports" lists is there (and nothing undocumented), the numbers are the run's,
# a failed run still writes its report with the error, and verify's findings stay masked.

bats_require_minimum_version 1.5.0

setup_file() {
  command -v "${SCRUB_BIN:-scrub}" >/dev/null ||
    { echo "scrub binary not found (${SCRUB_BIN:-scrub}): cargo build --release, then set SCRUB_BIN" >&2; return 1; }
  command -v python3 >/dev/null || { echo "python3 is needed to read the JSON" >&2; return 1; }
  export SCRUB="${SCRUB_BIN:-scrub}"
  export README="$BATS_TEST_DIRNAME/../../README.md"
  export SHOP="$BATS_TEST_DIRNAME/../../fixtures/shop.sql" SHOP_RULES="$BATS_TEST_DIRNAME/../../fixtures/shop.yaml"
}

# documented KIND: the top-level fields the README's table for KIND (scrub, verify) names.
documented() {
  sed -n "/<!-- report-fields:$1 -->/,/<!-- \/report-fields -->/p" "$README" |
    grep -o '^| `[a-z_]*`\(, `[a-z_]*`\)*' | grep -o '[a-z_]\+' | sort
}

# fields FILE: the report's top-level keys.
fields() {
  python3 -c 'import json, sys; print("\n".join(sorted(json.load(open(sys.argv[1])))))' "$1"
}

# py FILE EXPR: EXPR evaluated with r = the report.
py() {
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "scrub --report: exactly the documented fields, with the run's numbers" {
  [ "$(documented scrub | wc -l)" -ge 15 ]
  run "$SCRUB" --seed 1 -c "$SHOP_RULES" -o "$BATS_TEST_TMPDIR/out.sql" --report "$BATS_TEST_TMPDIR/r.json" "$SHOP"
  [ "$status" -eq 0 ]
  diff <(documented scrub) <(fields "$BATS_TEST_TMPDIR/r.json")
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["ok"], r["error"]')" = "(True, None)" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["bytes_in"]')" = "$(stat -c %s "$SHOP")" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["bytes_out"]')" = "$(stat -c %s "$BATS_TEST_TMPDIR/out.sql")" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["scrub_version"]')" = "$("$SCRUB" --version | sed 's/^scrub //')" ]
  # the summary on stderr and the report agree: 8 customers, 8 emails rewritten, sessions dropped
  [ "$(py "$BATS_TEST_TMPDIR/r.json" '[(t["rows"], [c["changed"] for c in t["columns"] if c["column"] == "email"]) for t in r["tables"] if t["table"] == "public.customers"]')" = "[(8, [8])]" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" '[t["dropped"] for t in r["tables"] if t["table"] == "public.sessions"]')" = "[True]" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["large_objects"]["handling"], r["key"], r["output"]')" = "('undecided', None, '$BATS_TEST_TMPDIR/out.sql')" ]
}

@test "a run that fails on a rule still writes its report, with the error, and keeps no output" {
  sed 's/public.sessions:/public.sesions:/' "$SHOP_RULES" >"$BATS_TEST_TMPDIR/typo.yaml"
  line=$(grep -n 'public.sesions:' "$BATS_TEST_TMPDIR/typo.yaml" | cut -d: -f1)
  run "$SCRUB" -c "$BATS_TEST_TMPDIR/typo.yaml" -o "$BATS_TEST_TMPDIR/out.sql" --report "$BATS_TEST_TMPDIR/r.json" "$SHOP"
  [ "$status" -eq 1 ]
  [ ! -e "$BATS_TEST_TMPDIR/out.sql" ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["ok"]')" = False ]
  [[ $(py "$BATS_TEST_TMPDIR/r.json" 'r["error"]') == *"matched nothing"* ]]
  [[ $(py "$BATS_TEST_TMPDIR/r.json" 'r["unmatched_rules"]') == *"typo.yaml:$line:"*"public.sesions never appears in the dump"* ]]
}

@test "a run that fails on bad data: ok false, the error with its line, byte counts null" {
  printf -- '--\n-- PostgreSQL database dump\n--\n\nCOPY public.customers (id, email) FROM stdin;\n1\ta@b.c\textra\n\\.\n' >"$BATS_TEST_TMPDIR/bad.sql"
  printf 'tables:\n  public.customers:\n    columns:\n      email: email\n' >"$BATS_TEST_TMPDIR/rules.yaml"
  run "$SCRUB" -c "$BATS_TEST_TMPDIR/rules.yaml" --allow-incomplete --report "$BATS_TEST_TMPDIR/r.json" "$BATS_TEST_TMPDIR/bad.sql"
  [ "$status" -eq 1 ]
  [ "$(py "$BATS_TEST_TMPDIR/r.json" 'r["ok"], r["bytes_in"], r["output"]')" = "(False, None, '-')" ]
  [[ $(py "$BATS_TEST_TMPDIR/r.json" 'r["error"]') == *"bad.sql:6:"* ]]
}

@test "a report that cannot be written fails the run, naming the file" {
  run "$SCRUB" -c "$SHOP_RULES" -o "$BATS_TEST_TMPDIR/out.sql" --report "$BATS_TEST_TMPDIR/no/such/r.json" "$SHOP"
  [ "$status" -eq 1 ]
  [[ $output == *"cannot write the report $BATS_TEST_TMPDIR/no/such/r.json"* ]]
}

@test "verify --report: the documented fields; a leak is counted and listed masked" {
  [ "$(documented verify | wc -l)" -ge 14 ]
  "$SCRUB" -q --seed 1 -c "$SHOP_RULES" -o "$BATS_TEST_TMPDIR/anon.sql" "$SHOP"
  run "$SCRUB" verify --seed 1 -c "$SHOP_RULES" --report "$BATS_TEST_TMPDIR/clean.json" "$SHOP" "$BATS_TEST_TMPDIR/anon.sql"
  [ "$status" -eq 0 ]
  diff <(documented verify) <(fields "$BATS_TEST_TMPDIR/clean.json")
  [ "$(py "$BATS_TEST_TMPDIR/clean.json" 'r["ok"], r["problems"], r["leaks"]["count"]')" = "(True, 0, 0)" ]
  # put one original address back into the anonymized copy
  leaked=$(grep -m1 -o '[a-z.]*@[a-z.]*' <(sed -n '/^COPY public.customers/,/^\\\./p' "$SHOP" | sed -n 2p))
  [ -n "$leaked" ]
  awk -v v="$leaked" '/^COPY public.customers/ { c = 1; print; next } c && !done { sub(/nobody@example.com/, v); done = 1 } { print }' \
    "$BATS_TEST_TMPDIR/anon.sql" >"$BATS_TEST_TMPDIR/leaky.sql"
  run "$SCRUB" verify --seed 1 -c "$SHOP_RULES" --report "$BATS_TEST_TMPDIR/leak.json" "$SHOP" "$BATS_TEST_TMPDIR/leaky.sql"
  [ "$status" -eq 1 ]
  [ "$(py "$BATS_TEST_TMPDIR/leak.json" 'r["ok"], r["leaks"]["count"]')" = "(False, 1)" ]
  [[ $(py "$BATS_TEST_TMPDIR/leak.json" 'r["leaks"]["listed"][0]') == "leak: public.customers.email "*"chars)" ]]
  [ "$(grep -c "$leaked" "$BATS_TEST_TMPDIR/leak.json")" = 0 ]
}
