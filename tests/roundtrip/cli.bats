#!/usr/bin/env bats
# Scenario: the command line does what a user of any Unix filter expects, and says so when it
# cannot: `-o -` is standard output, `-o FOLDER` is refused before any input is read, two
# INPUTs get scrub's own message, `--compress` refuses to write binary to a terminal, `help
# --help` helps, a YAML error names the rules file, verify's help and hints say what it does.

bats_require_minimum_version 1.5.0
load helpers/roundtrip

setup_file() {
  command -v "${SCRUB_BIN:-scrub}" >/dev/null ||
    { echo "scrub binary not found (${SCRUB_BIN:-scrub}): cargo build --release, then set SCRUB_BIN" >&2; return 1; }
  printf 'tables:\n  public.t:\n    columns:\n      note: {fake: first_name}\n' >"$BATS_FILE_TMPDIR/rules.yaml"
  printf -- '--\n-- PostgreSQL database dump\n--\n\nCOPY public.t (id, note) FROM stdin;\n1\tAlexandra\n2\tBartholomew\n\\.\n\n--\n-- PostgreSQL database dump complete\n--\n' >"$BATS_FILE_TMPDIR/dump.sql"
}

@test "-o - writes to standard output and makes no file named -" {
  cd "$BATS_TEST_TMPDIR"
  run rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o - "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 0 ]
  [[ $output == *"COPY public.t (id, note) FROM stdin;"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/-" ]
}

@test "-o FOLDER is refused at once, before the input is read" {
  mkdir "$BATS_TEST_TMPDIR/out"
  for o in "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/out/" "$BATS_TEST_TMPDIR/new/"; do
    # the input never ends: only an error before reading it returns
    run timeout 10 "${SCRUB_BIN:-scrub}" -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$o" /dev/zero
    [ "$status" -eq 1 ]
    [ "$(grep -c 'a folder; -o takes a file name' <<<"$output")" = 1 ]
  done
}

@test "two INPUTs get scrub's message, not clap's about subcommands" {
  run rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 2 ]
  [[ $output == *"one INPUT at a time"* ]]
  [[ $output != *subcommand* ]]
}

@test "--compress refuses a terminal, writes gzip to a pipe" {
  run script -qec "${SCRUB_BIN:-scrub} -q -c $BATS_FILE_TMPDIR/rules.yaml --compress gzip $BATS_FILE_TMPDIR/dump.sql" /dev/null
  [ "$status" -eq 2 ]
  [[ $output == *"--compress would write binary data to the terminal"* ]]
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" --compress gzip "$BATS_FILE_TMPDIR/dump.sql" | gzip -dc | grep -q '^COPY public.t'
}

@test "help --help and help verify --help print the help" {
  run rt_scrub help --help
  [ "$status" -eq 0 ]
  [[ $output == *"Usage: scrub"* ]]
  run rt_scrub help verify --help
  [ "$status" -eq 0 ]
  [[ $output == *"Usage: scrub verify"* ]]
  # and verify's help says what the seed is for, as the README does
  [[ $output == *"the key never"*"derives from it"* ]]
}

@test "a YAML error names the rules file, line and column" {
  printf 'tables:\n  public.t:\n    columns:\n      note: [bad\n' >"$BATS_TEST_TMPDIR/bad.yaml"
  run rt_scrub -c "$BATS_TEST_TMPDIR/bad.yaml" "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 2 ]
  [[ $output == *"--> $BATS_TEST_TMPDIR/bad.yaml:4:"* ]]
  [[ $output != *"<input>"* ]]
}

@test "verify's hint about the key appears only when verify drew its own key" {
  (umask 077 && head -c 32 /dev/urandom >"$BATS_TEST_TMPDIR/key")
  # not scrubbed at all: the fake column's originals are leaks
  run rt_scrub verify -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 1 ]
  [[ $output == *"pass the run's --key-file"* ]]
  run rt_scrub verify --key-file "$BATS_TEST_TMPDIR/key" -c "$BATS_FILE_TMPDIR/rules.yaml" "$BATS_FILE_TMPDIR/dump.sql" "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 1 ]
  [[ $output == *" 2 leak(s), "* ]]
  [[ $output != *"--key-file"* ]]
}

@test "SCRUB_RULES is the default of -c; -f is -o, as in pg_dump" {
  SCRUB_RULES=$BATS_FILE_TMPDIR/rules.yaml rt_scrub -q -f "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/dump.sql"
  grep -q '^1	' "$BATS_TEST_TMPDIR/out.sql"
  [ "$(grep -c 'Alexandra' "$BATS_TEST_TMPDIR/out.sql")" = 0 ]
  run rt_scrub -q "$BATS_FILE_TMPDIR/dump.sql"
  [ "$status" -eq 2 ]
  [[ $output == *"--config <RULES>"* ]]
}
