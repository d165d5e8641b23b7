#!/usr/bin/env bats
# scripts/backup is stopped in the middle of its plain-SQL step, where five stages run at once:
# by systemd (SIGTERM) or Ctrl-C (SIGINT) it exits 143 or 130 at once, stops every stage,
# removes its work folder, publishes nothing and writes its run record; after SIGKILL, which it cannot catch, the
# next run removes the work folder it left and completes.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

# A pigz that hangs before compressing: the plain-SQL step stays mid-way. Prints its folder.
hanging_pigz() {
  local real
  real=$(command -v pigz)
  bk_wrapper pigz <<WRAPPER
#!/usr/bin/env bash
if [ "\$2" = -c ]; then sleep 300; fi
exec "$real" "\$@"
WRAPPER
}

# Starts a backup in the background with the hanging pigz; waits until its plain-SQL step
# runs; sets PID and LOG.
start_hanging_backup() {
  local bin
  bin=$(hanging_pigz)
  LOG=$BATS_TEST_TMPDIR/backup.log
  # SIGINT at its default, as under a terminal (a script's background job starts with it
  # ignored, and bash cannot trap a signal ignored on entry)
  PATH=$bin:$PATH perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die' -- \
    "$BK_REPO/scripts/backup" --env "$BK_ENV" >"$LOG" 2>&1 3>&- &
  PID=$!
  for _ in $(seq 100); do
    grep -q 'plain SQL from one pg_restore read' "$LOG" && pgrep -f "sleep 300" >/dev/null && return 0
    sleep 0.1
  done
  cat "$LOG" >&2
  return 1
}

@test "SIGTERM and SIGINT mid-step: exit 143 and 130 at once, every stage stopped, work folder removed, nothing published" {
  bk_previous_good_run
  local sig status
  for sig in TERM INT; do
    start_hanging_backup
    kill -s "$sig" "$PID"
    status=0
    timeout 20 tail --pid="$PID" -f /dev/null || { echo "the run did not end" >&2; return 1; }
    wait "$PID" || status=$?
    cat "$LOG"
    [ "$status" = $((128 + $(kill -l "$sig"))) ]
    [ -z "$(pgrep -f 'sleep 300' || true)" ]
    [ -z "$(find "$BK_DIR" -maxdepth 1 -name '.app.*.tmp')" ]
    bk_assert_untouched "$BK_BEFORE"
    bk_assert_nothing_uploaded
    # the exit trap still wrote the run's record
    [ "$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(r["exit_code"], r["failed_stage"], r["error"])' \
      "$BK_DIR/runs/app.latest.json")" = "$status plain_sql stopped by SIG$sig" ]
  done
}

@test "SIGKILL mid-step leaves a work folder that the next run removes before it completes" {
  start_hanging_backup
  kill -s KILL "$PID"
  wait "$PID" || true
  # its stages run on, holding the lock, until their input ends
  pkill -f 'sleep 300' || true
  for _ in $(seq 100); do
    pgrep -f "$BK_DIR/.app" >/dev/null || break
    sleep 0.1
  done
  [ -n "$(find "$BK_DIR" -maxdepth 1 -name '.app.*.tmp')" ]
  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"removing .app."*".tmp, left by an interrupted run"* ]]
  [ -z "$(find "$BK_DIR" -maxdepth 1 -name '.app.*.tmp')" ]
}
