#!/usr/bin/env bats
# The schedule: systemd-analyze calendar accepts the timer's OnCalendar= and
# the role's default without a word on stderr, the expression is already in
# normalized form, and it fires once a night.

load helpers

bats_require_minimum_version 1.5.0

timer=$repo/systemd/scrub-backup@.timer

# calendar_clean EXPR: systemd-analyze calendar exits 0, says nothing on
# stderr, and prints exactly the lines of a valid expression in normalized
# form (an "Original form:" line means systemd rewrote it). Says why not.
calendar_clean() {
  local out err
  err=$BATS_TEST_TMPDIR/calendar.err
  out=$(TZ=UTC systemd-analyze calendar "$1" 2>"$err") || { echo "calendar '$1': exit $?"; return 1; }
  if [ -s "$err" ]; then echo "calendar '$1' said on stderr: $(<"$err")"; return 1; fi
  mapfile -t got <<<"$out"
  if [ "${#got[@]}" -ne 3 ] || [ "${got[0]}" != "Normalized form: $1" ] ||
    ! [[ "${got[1]}" =~ ^\ +Next\ elapse:\  ]] || ! [[ "${got[2]}" =~ ^\ +From\ now:\  ]]; then
    echo "calendar '$1' printed more or other than a clean expression: $out"
    return 1
  fi
}

@test "the timer's OnCalendar= is clean and fires every 24 hours" {
  schedule=$(sed -n 's/^OnCalendar=//p' "$timer")
  [ "$(wc -l <<<"$schedule")" -eq 1 ]
  calendar_clean "$schedule"

  run --separate-stderr env TZ=UTC systemd-analyze calendar --iterations=3 "$schedule"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  mapfile -t elapses < <(sed -n 's/^ *\(Next elapse\|Iter\. #[0-9]*\): //p' <<<"$output")
  [ "${#elapses[@]}" -eq 3 ]
  first=$(date -d "${elapses[0]}" +%s)
  second=$(date -d "${elapses[1]}" +%s)
  third=$(date -d "${elapses[2]}" +%s)
  [ $((second - first)) -eq 86400 ]
  [ $((third - second)) -eq 86400 ]
}

@test "the role's default schedule is the timer's, and clean" {
  default=$(sed -n 's/^scrub_backup_schedule: "\(.*\)"$/\1/p' "$repo/ansible/roles/scrub_backup/defaults/main.yml")
  [ -n "$default" ]
  [ "$default" = "$(sed -n 's/^OnCalendar=//p' "$timer")" ]
  calendar_clean "$default"
}

@test "the timer catches up missed runs and spreads its starts" {
  grep -qx 'Persistent=true' "$timer"
  delay=$(sed -n 's/^RandomizedDelaySec=//p' "$timer")
  run --separate-stderr systemd-analyze timespan "$delay"
  [ "$status" -eq 0 ]
  [ -z "$stderr" ]
  [[ "$output" == *"μs: "[1-9]* ]]
  grep -qx 'WantedBy=timers.target' "$timer"
}

@test "a schedule that is not clean fails the check" {
  run calendar_clean '*-*-* 25:00:00'
  [ "$status" -eq 1 ]
  [[ "$output" == *"exit 1"* ]]
  run calendar_clean 'daily'
  [ "$status" -eq 1 ]
  [[ "$output" == *"more or other than a clean expression"* ]]
  run calendar_clean '*-*-* 02:30:00'
  [ "$status" -eq 0 ]
}
