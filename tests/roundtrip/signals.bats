#!/usr/bin/env bats
# Scenario: `scrub -o FILE` is stopped mid-run, by Ctrl-C (SIGINT), by systemd (SIGTERM) or by
# the OOM killer (SIGKILL). The folder must hold afterwards exactly what it held before: no
# FILE, no temporary file, however it was stopped, and the exit status says which signal
# (128 + its number). A run that completes still writes FILE, and replaces an old one only
# then.

bats_require_minimum_version 1.5.0
load helpers/roundtrip

setup_file() {
  command -v "${SCRUB_BIN:-scrub}" >/dev/null ||
    { echo "scrub binary not found (${SCRUB_BIN:-scrub}): cargo build --release, then set SCRUB_BIN" >&2; return 1; }
  printf 'tables:\n  public.t:\n    columns:\n      note: md5\n' >"$BATS_FILE_TMPDIR/rules.yaml"
}

# Starts scrub -o $1 reading from a pipe that gets a dump's head and then stays open, so the
# run is mid-way; prints scrub's pid. The pipe's writer is fd 5 of the test.
start_stuck_run() {
  mkfifo "$BATS_TEST_TMPDIR/in.fifo"
  # A background job of a script starts with SIGINT ignored; a terminal's Ctrl-C reaches a
  # program that has it at its default, which perl restores before it runs scrub.
  perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' -- \
    "${SCRUB_BIN:-scrub}" -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$1" "$BATS_TEST_TMPDIR/in.fifo" 2>/dev/null 3>&- &
  echo $! >"$BATS_TEST_TMPDIR/pid"
  exec 5>"$BATS_TEST_TMPDIR/in.fifo"
  {
    printf -- '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (id integer, note text);\n'
    printf 'COPY public.t (id, note) FROM stdin;\n'
    seq 1 200000 | sed 's/$/\tsome note/'
  } >&5
}

@test "SIGTERM, SIGINT or SIGKILL mid-run: no output file, no temporary file, exit 128 + signal" {
  local out=$BATS_TEST_TMPDIR/out/dump.anon.sql sig pid status
  mkdir "$BATS_TEST_TMPDIR/out"
  for sig in TERM INT KILL; do
    start_stuck_run "$out"
    pid=$(<"$BATS_TEST_TMPDIR/pid")
    sleep 0.5
    kill -0 "$pid" # still running, its output half written
    kill -s "$sig" "$pid"
    status=0
    wait "$pid" || status=$?
    exec 5>&-
    rm "$BATS_TEST_TMPDIR/in.fifo"
    [ "$status" = $((128 + $(kill -l "$sig"))) ] || { echo "SIG$sig: exit $status" >&2; return 1; }
    [ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ] || { echo "SIG$sig left:" >&2; ls -la "$BATS_TEST_TMPDIR/out" >&2; return 1; }
  done
}

@test "an old output survives a killed run and is replaced by a complete one; the new file is mode 0600" {
  local out=$BATS_TEST_TMPDIR/dump.anon.sql pid
  echo old >"$out"
  start_stuck_run "$out"
  pid=$(<"$BATS_TEST_TMPDIR/pid")
  sleep 0.5
  kill -s TERM "$pid"
  wait "$pid" || true
  exec 5>&-
  rm "$BATS_TEST_TMPDIR/in.fifo"
  [ "$(cat "$out")" = old ]
  printf -- '--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (id integer, note text);\nCOPY public.t (id, note) FROM stdin;\n1\tsecret\n\\.\n\n--\n-- PostgreSQL database dump complete\n--\n' >"$BATS_TEST_TMPDIR/dump.sql"
  rt_scrub -q -c "$BATS_FILE_TMPDIR/rules.yaml" -o "$out" "$BATS_TEST_TMPDIR/dump.sql"
  grep -q '^1	[0-9a-f]\{32\}$' "$out"
  [ "$(stat -c %a "$out")" = 600 ]
  [ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name '*.tmp')" ]
}
