#!/usr/bin/env bats
# Scenario: someone runs scrub, detect or verify by hand on a dump of minutes and sees it
# move: bytes, MB/s, the table and its rows, and for a file the percentage and time left, on
# standard error, only when that is a terminal (a pseudo-terminal from `script` here). In a
# pipe, a log file, with -q or --progress never, not one byte of it; the output is the same.

bats_require_minimum_version 1.5.0

setup_file() {
  command -v "${SCRUB_BIN:-scrub}" >/dev/null ||
    { echo "scrub binary not found (${SCRUB_BIN:-scrub}): cargo build --release, then set SCRUB_BIN" >&2; return 1; }
  command -v gendump >/dev/null || { echo "gendump is not on PATH (cargo build --release --workspace)" >&2; return 1; }
  command -v script >/dev/null || { echo "script (util-linux) is not installed" >&2; return 1; }
  export SCRUB="${SCRUB_BIN:-scrub}"
  gendump -q --size 40MB --seed 5 >"$BATS_FILE_TMPDIR/dump.sql"
  printf 'tables:\n  public.users:\n    columns:\n      email: email\n      name: md5\n' >"$BATS_FILE_TMPDIR/rules.yaml"
  "$SCRUB" -q -j2 --seed 1 -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_FILE_TMPDIR/expected.sql" "$BATS_FILE_TMPDIR/dump.sql"
}

# in_tty CMD: runs CMD with its standard streams on a pseudo-terminal; what the terminal
# showed goes to $BATS_TEST_TMPDIR/tty.
in_tty() {
  script -qec "$1" "$BATS_TEST_TMPDIR/tty" >/dev/null </dev/null
}

@test "on a terminal: percentage, bytes, rate, ETA and the table, then the summary; output unchanged" {
  in_tty "$SCRUB -j2 --seed 1 -c $BATS_FILE_TMPDIR/rules.yaml -o $BATS_TEST_TMPDIR/out.sql $BATS_FILE_TMPDIR/dump.sql"
  tty=$(cat "$BATS_TEST_TMPDIR/tty")
  [[ $tty == *"scrub "*"%"*"MiB"*"/s ETA"* ]]
  [[ $tty == *"public.users: "*" rows"* ]]
  # cleared before the summary, which stands alone at the end
  [[ $tty == *$'\e[2K'* ]]
  [[ $(grep -a 'bytes in,' "$BATS_TEST_TMPDIR/tty") == *"scrub: "*" bytes in, "* ]]
  cmp "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/expected.sql"
}

@test "from standard input the size is unknown: bytes and rate, no percentage" {
  in_tty "cat $BATS_FILE_TMPDIR/dump.sql | $SCRUB -j2 --seed 1 -c $BATS_FILE_TMPDIR/rules.yaml -o $BATS_TEST_TMPDIR/out.sql"
  tty=$(cat "$BATS_TEST_TMPDIR/tty")
  [[ $tty == *"scrub "*"MiB"*"/s"* ]]
  [ "$(grep -ac 'ETA' "$BATS_TEST_TMPDIR/tty")" = 0 ]
  cmp "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/expected.sql"
}

@test "-q and --progress never show nothing of it on a terminal" {
  in_tty "$SCRUB -q -c $BATS_FILE_TMPDIR/rules.yaml -o $BATS_TEST_TMPDIR/out.sql $BATS_FILE_TMPDIR/dump.sql"
  [ "$(grep -ac 'ETA\|bytes in' "$BATS_TEST_TMPDIR/tty")" = 0 ]
  in_tty "$SCRUB --progress never -c $BATS_FILE_TMPDIR/rules.yaml -o $BATS_TEST_TMPDIR/out.sql $BATS_FILE_TMPDIR/dump.sql"
  [ "$(grep -ac 'ETA' "$BATS_TEST_TMPDIR/tty")" = 0 ]
  [ "$(grep -ac $'\e' "$BATS_TEST_TMPDIR/tty")" = 0 ]
  [ "$(grep -ac 'bytes in' "$BATS_TEST_TMPDIR/tty")" = 1 ]
}

@test "standard error to a file or a pipe: the summary only, no control characters" {
  "$SCRUB" -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/dump.sql" 2>"$BATS_TEST_TMPDIR/err"
  [ "$(grep -c $'\e\|\r' "$BATS_TEST_TMPDIR/err")" = 0 ]
  [ "$(grep -c 'ETA' "$BATS_TEST_TMPDIR/err")" = 0 ]
  head -n1 "$BATS_TEST_TMPDIR/err" | grep -q '^scrub: [0-9]* bytes in, '
  "$SCRUB" -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$BATS_TEST_TMPDIR/out.sql" "$BATS_FILE_TMPDIR/dump.sql" 2>&1 | cat >"$BATS_TEST_TMPDIR/piped"
  [ "$(grep -c $'\e\|\r' "$BATS_TEST_TMPDIR/piped")" = 0 ]
}

@test "detect and verify show a line per dump they read" {
  in_tty "$SCRUB detect $BATS_FILE_TMPDIR/dump.sql > $BATS_TEST_TMPDIR/proposal.yaml"
  [[ $(cat "$BATS_TEST_TMPDIR/tty") == *"detect "*"%"*"ETA"* ]]
  grep -q '^policy: strict' "$BATS_TEST_TMPDIR/proposal.yaml"
  in_tty "$SCRUB verify --seed 1 -c $BATS_FILE_TMPDIR/rules.yaml $BATS_FILE_TMPDIR/dump.sql $BATS_FILE_TMPDIR/expected.sql > $BATS_TEST_TMPDIR/verify.txt"
  tty=$(cat "$BATS_TEST_TMPDIR/tty")
  [[ $tty == *"original "*"%"* ]]
  [[ $tty == *"scrubbed "*"%"* ]]
  grep -q ' 0 leak(s), 0 row count mismatch' "$BATS_TEST_TMPDIR/verify.txt"
}
