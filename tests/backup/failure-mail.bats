#!/usr/bin/env bats
# scripts/backup-failed-mail, as scrub-backup-failed@app.service runs it after a
# failed run, without systemd: a fake sendmail on PATH records its arguments,
# environment and the mail; a fake journalctl (journald does not run in the test
# container) records how it was asked and prints the run's lines; a fake
# systemctl stands for `systemctl show`. Needs no server.

setup() {
  repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  bin=$BATS_TEST_TMPDIR/bin
  rec=$BATS_TEST_TMPDIR/rec
  mkdir -p "$bin" "$rec"
  cat >"$bin/sendmail" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$rec/sendmail.args"
env >"$rec/sendmail.env"
cat >"$rec/mail"
exit \${FAKE_SENDMAIL_RC:-0}
EOF
  cat >"$bin/journalctl" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$rec/journalctl.args"
[ -z "\${FAKE_JOURNALCTL_RC:-}" ] || { echo "Failed to open the journal" >&2; exit "\$FAKE_JOURNALCTL_RC"; }
echo '2026-01-02T02:31:00+0000 db1 backup[77]: 2026-01-02T02:31:00Z backup: pg_dump -Fc'
echo '.'
echo '2026-01-02T02:31:01+0000 db1 backup[77]: 2026-01-02T02:31:01Z backup: error: pg_dump of app failed (exit 1); nothing was published'
EOF
  cat >"$bin/systemctl" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >"$rec/systemctl.args"
[ -n "\${FAKE_INVOCATION:-}" ] || exit 1
echo "\$FAKE_INVOCATION"
EOF
  chmod +x "$bin"/*
  env_file=$BATS_TEST_TMPDIR/app.env
  (
    umask 077
    cat >"$env_file" <<'EOF'
PGDATABASE=app
PGPASSWORD=s3cret-db-password
AWS_SECRET_ACCESS_KEY=s3cret-aws-key
BACKUP_MAIL_TO="ops@example.com, dba@example.com"
EOF
  )
  invocation=0123456789abcdef0123456789abcdef
}

mail_failed() { PATH=$bin:$PATH "$repo/scripts/backup-failed-mail" --env "$env_file" app; }

# header NAME: the value of the mail's header NAME.
header() { sed -n "/^\$/q; s/^$1: //p" "$rec/mail"; }

@test "the mail: headers, the failed run's journal lines, sendmail -t; no secret anywhere" {
  MONITOR_INVOCATION_ID=$invocation MONITOR_SERVICE_RESULT=exit-code MONITOR_EXIT_STATUS=5 run mail_failed
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"mailing the last 200 journal lines of the failed scrub-backup@app.service to ops@example.com, dba@example.com"* ]]
  # recipients from the headers, a lone "." line is not the end of the mail
  [ "$(cat "$rec/sendmail.args")" = "$(printf '%s\n' -t -oi)" ]
  host=$(hostname -f 2>/dev/null || hostname)
  [ "$(header To)" = "ops@example.com, dba@example.com" ]
  [ "$(header Subject)" = "scrub backup app failed on $host (exit 5)" ]
  [ "$(header Auto-Submitted)" = auto-generated ]
  [ "$(header Content-Type)" = "text/plain; charset=UTF-8" ]
  [ -n "$(header Date)" ]
  [ -z "$(header From)" ]
  # that invocation only: its own lines and systemd's about it
  [ "$(cat "$rec/journalctl.args")" = "$(printf '%s\n' --no-pager -q -o short-iso -n 200 \
    "_SYSTEMD_INVOCATION_ID=$invocation" + "INVOCATION_ID=$invocation")" ]
  [ ! -e "$rec/systemctl.args" ]
  # the body, after the headers' blank line, holds the lines as journalctl gave them
  body=$(sed '1,/^$/d' "$rec/mail")
  [[ $body == *"The backup scrub-backup@app.service on $host failed (exit 5)."* ]]
  [[ $body == *"of the run $invocation"* ]]
  grep -qx '2026-01-02T02:31:00+0000 db1 backup\[77\]: 2026-01-02T02:31:00Z backup: pg_dump -Fc' <<<"$body"
  grep -qx '\.' <<<"$body"
  grep -q 'error: pg_dump of app failed (exit 1); nothing was published$' <<<"$body"
  # the env file's other values reach neither the mail, nor sendmail's environment or arguments
  for secret in s3cret-db-password s3cret-aws-key; do
    [ "$(cat "$rec"/* | grep -c "$secret")" -eq 0 ]
    [[ $output != *"$secret"* ]]
  done
}

@test "without BACKUP_MAIL_TO: no mail, exit 0, and it says so" {
  sed -i '/^BACKUP_MAIL_TO=/d' "$env_file"
  MONITOR_INVOCATION_ID=$invocation run mail_failed
  echo "$output"
  [ "$status" -eq 0 ]
  [[ $output == *"BACKUP_MAIL_TO is not set in $env_file: no mail about the failed scrub-backup@app.service"* ]]
  [ ! -e "$rec/mail" ]
  [ ! -e "$rec/journalctl.args" ]
}

@test "BACKUP_MAIL_FROM sets From:; without MONITOR_INVOCATION_ID the unit's InvocationID is asked" {
  echo 'BACKUP_MAIL_FROM=backups@db1.example.com' >>"$env_file"
  FAKE_INVOCATION=fedcba9876543210fedcba9876543210 run mail_failed
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(header From)" = backups@db1.example.com ]
  [ "$(cat "$rec/systemctl.args")" = "$(printf '%s\n' show --property=InvocationID --value -- scrub-backup@app.service)" ]
  grep -qx '_SYSTEMD_INVOCATION_ID=fedcba9876543210fedcba9876543210' "$rec/journalctl.args"
  # no systemd result known: the subject says only that it failed
  [ "$(header Subject)" = "scrub backup app failed on $(hostname -f 2>/dev/null || hostname)" ]
}

@test "no invocation ID anywhere: the unit's last 200 lines" {
  run mail_failed
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(cat "$rec/journalctl.args")" = "$(printf '%s\n' --no-pager -q -o short-iso -n 200 -u scrub-backup@app.service)" ]
  grep -q 'of any run (its invocation ID is not known)' "$rec/mail"
}

@test "journalctl failing still sends the mail, with its error; sendmail failing fails the unit" {
  MONITOR_INVOCATION_ID=$invocation MONITOR_SERVICE_RESULT=timeout FAKE_JOURNALCTL_RC=1 run mail_failed
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx '(journalctl failed, exit 1: Failed to open the journal)' "$rec/mail"
  [[ "$(header Subject)" == *" (timeout)" ]]

  MONITOR_INVOCATION_ID=$invocation FAKE_SENDMAIL_RC=75 run mail_failed
  echo "$output"
  [ "$status" -eq 1 ]
  [[ $output == *"sendmail failed (exit 75): no mail about the failed scrub-backup@app.service went out"* ]]
}

@test "refused: an env file others may read, a line break in a header value, no sendmail, a bad NAME" {
  chmod 0644 "$env_file"
  run mail_failed
  [ "$status" -eq 2 ]
  [[ $output == *"env file $env_file has mode 644"* ]]
  chmod 0600 "$env_file"

  # a CRLF line: the carriage return would end the header
  printf 'BACKUP_MAIL_FROM=a@example.com\r\n' >>"$env_file"
  run mail_failed
  [ "$status" -eq 2 ]
  [[ $output == *"BACKUP_MAIL_FROM in $env_file holds a control character"* ]]
  [ ! -e "$rec/mail" ]
  sed -i '/^BACKUP_MAIL_FROM=/d' "$env_file"

  rm "$bin/sendmail"
  # PATH without the host's /usr/sbin/sendmail, if it has one
  PATH=$bin:/usr/bin:/bin run "$repo/scripts/backup-failed-mail" --env "$env_file" app
  [ "$status" -eq 2 ]
  [[ $output == *"sendmail: command not found"* ]]

  run "$repo/scripts/backup-failed-mail" --env "$env_file" 'app;x'
  [ "$status" -eq 2 ]
  [[ $output == *"NAME 'app;x' may hold only letters"* ]]
}
