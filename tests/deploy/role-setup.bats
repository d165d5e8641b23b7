#!/usr/bin/env bats
# The role applied for real to localhost into a temporary root (tag
# backup-setup): the files with their modes and owners, the dedicated user,
# no secret in the output, the units verified, the timer enabled, the
# failure mail and the metrics folder set up, and a second apply that
# changes nothing.

load helpers

setup_file() {
  deploy_setup deploy_role_setup
  cat >>"$vars_file" <<'YAML'
scrub_backup_mail_to: "dba@example.com, ops@example.com"
scrub_backup_metrics_dir: /var/lib/node-exporter
YAML
  run deploy --tags backup-setup
  printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/first.log"
  [ "$status" -eq 0 ] || { cat "$BATS_FILE_TMPDIR/first.log" >&2; return 1; }
}

teardown_file() {
  deploy_teardown
}

@test "the files are installed with their modes and owners" {
  u=$deploy_user
  while read -r path want; do
    got=$(stat -c '%a %U %G' -- "$prefix/$path")
    [ "$got" = "$want" ] || { echo "$path: $got, want $want"; false; }
  done <<TABLE
usr/local/bin/scrub 755 root root
usr/local/lib/scrub/backup 755 root root
usr/local/lib/scrub/backup-failed-mail 755 root root
usr/local/lib/scrub/restore 755 root root
usr/local/lib/scrub/s3-setup 755 root root
usr/local/lib/scrub/lib/common.sh 644 root root
etc/scrub 750 root $u
etc/scrub/shop.env 600 $u $u
etc/scrub/shop.pgpass 600 $u $u
etc/scrub/shop.rules.yaml 640 root $u
etc/scrub/aws.config 640 root $u
var/backups/scrub 750 $u $u
var/backups/scrub/shop 750 $u $u
var/lib/node-exporter 775 root $u
etc/systemd/system/scrub-backup@.service 644 root root
etc/systemd/system/scrub-backup@.timer 644 root root
etc/systemd/system/scrub-backup-failed@.service 644 root root
etc/systemd/system/scrub-backup@.service.d/role.conf 644 root root
etc/systemd/system/scrub-backup-failed@.service.d/role.conf 644 root root
etc/systemd/system/scrub-backup@shop.timer.d/schedule.conf 644 root root
TABLE
  [ ! -e "$prefix/etc/scrub/shop.recipients" ]

  # What was copied is what the repository holds.
  cmp "$SCRUB_BIN" "$prefix/usr/local/bin/scrub"
  cmp "$repo/scripts/backup" "$prefix/usr/local/lib/scrub/backup"
  cmp "$repo/systemd/scrub-backup@.service" "$prefix/etc/systemd/system/scrub-backup@.service"
  cmp "$repo/systemd/scrub-backup@.timer" "$prefix/etc/systemd/system/scrub-backup@.timer"
  cmp "$repo/scripts/backup-failed-mail" "$prefix/usr/local/lib/scrub/backup-failed-mail"
  cmp "$repo/systemd/scrub-backup-failed@.service" "$prefix/etc/systemd/system/scrub-backup-failed@.service"
}

@test "the env file points at the installed files and holds no database password" {
  env=$prefix/etc/scrub/shop.env
  grep -qx "PGDATABASE=\"$db\"" "$env"
  grep -qx "PGPASSFILE=\"$prefix/etc/scrub/shop.pgpass\"" "$env"
  grep -qx "BACKUP_DIR=\"$prefix/var/backups/scrub/shop\"" "$env"
  grep -qx 'BACKUP_NAME="shop"' "$env"
  grep -qx 'BACKUP_KEEP="3"' "$env"
  grep -qx "SCRUB_RULES=\"$prefix/etc/scrub/shop.rules.yaml\"" "$env"
  grep -qx "SCRUB_BIN=\"$prefix/usr/local/bin/scrub\"" "$env"
  grep -qx "S3_URI=\"$s3_uri\"" "$env"
  grep -qx 'BACKUP_MAIL_TO="dba@example.com, ops@example.com"' "$env"
  [ "$(grep -c BACKUP_MAIL_FROM "$env")" -eq 0 ]
  grep -qx "BACKUP_METRICS_DIR=\"$prefix/var/lib/node-exporter\"" "$env"
  grep -qx "S3_ENDPOINT=\"$AWS_ENDPOINT_URL\"" "$env"
  grep -qx "AWS_CONFIG_FILE=\"$prefix/etc/scrub/aws.config\"" "$env"
  grep -qx '  addressing_style = path' "$prefix/etc/scrub/aws.config"
  [ "$(grep -c BACKUP_ENCRYPT_TO "$env")" -eq 0 ]
  password=$(awk -F: -v port="$PGPORT" '$2 == port { print $5 }' "$PGPASSFILE")
  [ "$(grep -cF "$password" "$env")" -eq 0 ]
  grep -qx "\*:\*:\*:$PGUSER:$password" "$prefix/etc/scrub/shop.pgpass"
}

@test "the rules file holds the rules given to the role" {
  run "$SCRUB_BIN" check -c "$prefix/etc/scrub/shop.rules.yaml"
  [ "$status" -eq 0 ]
  grep -q 'public.customers:' "$prefix/etc/scrub/shop.rules.yaml"
  grep -q 'email: email' "$prefix/etc/scrub/shop.rules.yaml"
}

@test "the backup user is a system user without a login shell" {
  IFS=: read -r _ _ uid gid _ home shell < <(getent passwd "$deploy_user")
  [ "$uid" -lt 1000 ]
  [ "$(getent group "$deploy_user" | cut -d: -f3)" = "$gid" ]
  [ "$shell" = /usr/sbin/nologin ]
  [ "$home" = "$prefix/var/backups/scrub" ]
}

@test "no secret reaches ansible's output" {
  password=$(awk -F: -v port="$PGPORT" '$2 == port { print $5 }' "$PGPASSFILE")
  secret=$(aws configure get aws_secret_access_key)
  [ -n "$password" ] && [ -n "$secret" ]
  [ "$(grep -cF "$password" "$BATS_FILE_TMPDIR/first.log")" -eq 0 ]
  [ "$(grep -cF "$secret" "$BATS_FILE_TMPDIR/first.log")" -eq 0 ]
  grep -q 'Write the env files' "$BATS_FILE_TMPDIR/first.log"
}

@test "the installed units with the role's drop-ins verify without a word" {
  # Drop-ins carry the role's user and the root's paths over the units' defaults.
  dropin=$prefix/etc/systemd/system/scrub-backup@.service.d/role.conf
  grep -qx "ExecStart=$prefix/usr/local/lib/scrub/backup --env $prefix/etc/scrub/%i.env" "$dropin"
  grep -qx "User=$deploy_user" "$dropin"
  grep -qx "ReadWritePaths=$prefix/var/backups/scrub" "$dropin"
  # the metrics folder too: the file system is read-only for the run elsewhere
  grep -qx "ReadWritePaths=$prefix/var/lib/node-exporter" "$dropin"
  mail=$prefix/etc/systemd/system/scrub-backup-failed@.service.d/role.conf
  grep -qx "ExecStart=$prefix/usr/local/lib/scrub/backup-failed-mail --env $prefix/etc/scrub/%i.env %i" "$mail"
  grep -qx "User=$deploy_user" "$mail"
  grep -qx 'OnCalendar=\*-\*-\* 02:30:00' "$prefix/etc/systemd/system/scrub-backup@shop.timer.d/schedule.conf"
  SYSTEMD_UNIT_PATH=$prefix/etc/systemd/system: run systemd-analyze verify scrub-backup@shop.service scrub-backup@shop.timer \
    scrub-backup-failed@shop.service
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # the role ran the same verify on the mail unit
  grep -q 'Verify the installed units' "$BATS_FILE_TMPDIR/first.log"
}

@test "systemctl --root says the timer is enabled" {
  run systemctl --root="$prefix" is-enabled scrub-backup@shop.timer
  [ "$status" -eq 0 ]
  [ "$output" = enabled ]
}

@test "a second apply changes nothing" {
  run deploy --tags backup-setup
  [ "$status" -eq 0 ]
  [ "$(recap ok)" -gt 10 ]
  [ "$(recap failed)" -eq 0 ]
  [ "$(recap changed)" -eq 0 ]
}
