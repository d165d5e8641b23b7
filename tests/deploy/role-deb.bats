#!/usr/bin/env bats
# scrub_backup_deb: the role installs scrub from the .deb that scripts/package builds
# and uses the package's binary, scripts and units. Under the test's prefix the role
# unpacks the package into the prefix (dpkg-deb -x) instead of installing it with apt,
# so nothing here touches the host's dpkg database, /usr/bin or /usr/lib/scrub. The
# prefix first gets an install from the checkout, as a host set up before the package
# existed: the package's install then removes the checkout's copies.

load helpers

# What the host itself holds under the package's names; the same before and after.
host_state() {
  dpkg-query -W -f '${Status} ${Version}\n' scrub 2>&1 || true
  ls -ld /usr/bin/scrub /usr/lib/scrub /usr/lib/systemd/system/scrub-backup@.service 2>&1 || true
}

setup_file() {
  host_state >"$BATS_FILE_TMPDIR/host.before"
  # Fails (never skips) without cargo-deb: scripts/package exits 2 and says so.
  deb=$("$repo/scripts/package" "$BATS_FILE_TMPDIR/deb" 2>"$BATS_FILE_TMPDIR/package.log") ||
    { cat "$BATS_FILE_TMPDIR/package.log" >&2; return 1; }
  [ -f "$deb" ] || { echo "scripts/package printed '$deb', not a file" >&2; return 1; }
  # The package's files as dpkg-deb reads them, to compare the prefix with.
  dpkg-deb -x "$deb" "$BATS_FILE_TMPDIR/pkg"
  export deb

  deploy_setup deploy_role_deb
  cat >>"$vars_file" <<'YAML'
scrub_backup_mail_to: dba@example.com
scrub_backup_metrics_dir: /var/lib/node-exporter
YAML
  make_bucket
  # A host installed from the checkout...
  run deploy --tags backup-setup
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
  [ -x "$prefix/usr/local/lib/scrub/backup" ] || { echo "the checkout install left no script" >&2; return 1; }
  # ...then from the package.
  echo "scrub_backup_deb: \"$deb\"" >>"$vars_file"
  run deploy --tags backup-setup
  printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/first.log"
  [ "$status" -eq 0 ] || { cat "$BATS_FILE_TMPDIR/first.log" >&2; return 1; }
}

teardown_file() {
  deploy_teardown
}

@test "the binary, the scripts and the units are the package's, with their modes" {
  while read -r path want; do
    got=$(stat -c '%a %U %G' -- "$prefix/$path")
    [ "$got" = "$want" ] || { echo "$path: $got, want $want"; false; }
    cmp "$BATS_FILE_TMPDIR/pkg/$path" "$prefix/$path"
  done <<TABLE
usr/bin/scrub 755 root root
usr/lib/scrub/backup 755 root root
usr/lib/scrub/backup-failed-mail 755 root root
usr/lib/scrub/restore 755 root root
usr/lib/scrub/s3-setup 755 root root
usr/lib/scrub/populatedb 755 root root
usr/lib/scrub/fetchdb 755 root root
usr/lib/scrub/lib/common.sh 644 root root
usr/lib/systemd/system/scrub-backup@.service 644 root root
usr/lib/systemd/system/scrub-backup@.timer 644 root root
usr/lib/systemd/system/scrub-backup-failed@.service 644 root root
TABLE
  # The copy the role unpacked.
  [ "$(stat -c '%a %U %G' "$prefix/var/cache/scrub/scrub.deb")" = "644 root root" ]
  cmp "$deb" "$prefix/var/cache/scrub/scrub.deb"
  # The package's units run the package's scripts.
  grep -qx 'ExecStart=/usr/lib/scrub/backup --env /etc/scrub/%i.env' \
    "$prefix/usr/lib/systemd/system/scrub-backup@.service"
  grep -qx 'ExecStart=/usr/lib/scrub/backup-failed-mail --env /etc/scrub/%i.env %i' \
    "$prefix/usr/lib/systemd/system/scrub-backup-failed@.service"
  # Every file of the package is in the prefix as the package has it.
  run bash -c 'dpkg-deb --fsys-tarfile "$1" | tar --diff --no-recursion -C "$2"' _ "$deb" "$prefix"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "the installed binary runs and is the package's version" {
  run "$prefix/usr/bin/scrub" --version
  [ "$status" -eq 0 ]
  version=$(dpkg-deb -f "$deb" Version)
  [[ "$output" == "scrub ${version%-*}"* ]] || { echo "--version: $output; package: $version"; false; }
}

@test "the checkout's copies are gone" {
  for path in usr/local/bin/scrub usr/local/lib/scrub etc/systemd/system/scrub-backup@.service \
    etc/systemd/system/scrub-backup@.timer etc/systemd/system/scrub-backup-failed@.service; do
    [ ! -e "$prefix/$path" ] || { echo "$path is still there"; false; }
  done
  # Nothing the role wrote names /usr/local any more.
  run grep -rl /usr/local "$prefix/etc"
  [ "$status" -eq 1 ] || { echo "$output"; false; }
}

@test "the env file and the drop-ins name the package's binary and scripts" {
  grep -qx "SCRUB_BIN=\"$prefix/usr/bin/scrub\"" "$prefix/etc/scrub/shop.env"
  dropin=$prefix/etc/systemd/system/scrub-backup@.service.d/role.conf
  grep -qx "ExecStart=$prefix/usr/lib/scrub/backup --env $prefix/etc/scrub/%i.env" "$dropin"
  grep -qx "User=$deploy_user" "$dropin"
  grep -qx "ReadWritePaths=$prefix/var/backups/scrub" "$dropin"
  grep -qx "ReadWritePaths=$prefix/var/lib/node-exporter" "$dropin"
  mail=$prefix/etc/systemd/system/scrub-backup-failed@.service.d/role.conf
  grep -qx "ExecStart=$prefix/usr/lib/scrub/backup-failed-mail --env $prefix/etc/scrub/%i.env %i" "$mail"
  grep -qx "User=$deploy_user" "$mail"
  grep -qx 'OnCalendar=\*-\*-\* 02:30:00' "$prefix/etc/systemd/system/scrub-backup@shop.timer.d/schedule.conf"
  grep -qx 'BACKUP_MAIL_TO="dba@example.com"' "$prefix/etc/scrub/shop.env"
}

@test "systemd takes the package's units with the role's drop-ins, and they verify without a word" {
  # The files systemd reads for each unit, as `systemctl cat` would list them
  # (which does not work offline): the package's unit, then the role's drop-in.
  sources() {
    systemd-analyze --root="$prefix" cat-config "systemd/system/$1" | grep -x "# $prefix/.*" | cut -c3-
  }
  [ "$(sources scrub-backup@.service)" = "$(printf '%s\n' \
    "$prefix/usr/lib/systemd/system/scrub-backup@.service" \
    "$prefix/etc/systemd/system/scrub-backup@.service.d/role.conf")" ]
  [ "$(sources scrub-backup-failed@.service)" = "$(printf '%s\n' \
    "$prefix/usr/lib/systemd/system/scrub-backup-failed@.service" \
    "$prefix/etc/systemd/system/scrub-backup-failed@.service.d/role.conf")" ]
  [ "$(sources scrub-backup@.timer)" = "$prefix/usr/lib/systemd/system/scrub-backup@.timer" ]
  [ "$(sources scrub-backup@shop.timer)" = "$prefix/etc/systemd/system/scrub-backup@shop.timer.d/schedule.conf" ]

  SYSTEMD_UNIT_PATH=$prefix/etc/systemd/system:$prefix/usr/lib/systemd/system: \
    run systemd-analyze verify scrub-backup@shop.service scrub-backup@shop.timer scrub-backup-failed@shop.service
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  grep -q 'Verify the installed units' "$BATS_FILE_TMPDIR/first.log"
  # verify reads the drop-in: without the package's script, the run cannot start.
  chmod 0644 "$prefix/usr/lib/scrub/backup"
  SYSTEMD_UNIT_PATH=$prefix/etc/systemd/system:$prefix/usr/lib/systemd/system: \
    run systemd-analyze verify scrub-backup@shop.service
  chmod 0755 "$prefix/usr/lib/scrub/backup"
  [[ "$output" == *"$prefix/usr/lib/scrub/backup is not executable"* ]]
}

@test "the timer is enabled from the package's unit" {
  run systemctl --root="$prefix" is-enabled scrub-backup@shop.timer
  [ "$status" -eq 0 ]
  [ "$output" = enabled ]
  [ "$(readlink "$prefix/etc/systemd/system/timers.target.wants/scrub-backup@shop.timer")" = \
    /usr/lib/systemd/system/scrub-backup@.timer ]
}

@test "tag backup runs the package's script: one complete run" {
  run deploy --tags backup
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(recap failed)" -eq 0 ]
  [[ "$output" == *"Back up by running the script as the backup user"* ]]
  dir=$prefix/var/backups/scrub/shop
  for ext in dump gz anon.gz sha256; do [ -f "$dir/shop.latest.$ext" ]; done
  [ "$(gzip -dc "$dir/shop.latest.anon.gz" | grep -c '@shop\.example')" -eq 0 ]
  record=$dir/runs/$(readlink "$dir/runs/shop.latest.json")
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["exit_code"] == 0, r' "$record"
}

@test "the host's own files and dpkg database are untouched" {
  host_state >"$BATS_FILE_TMPDIR/host.after"
  diff "$BATS_FILE_TMPDIR/host.before" "$BATS_FILE_TMPDIR/host.after"
}

@test "a second apply changes nothing" {
  run deploy --tags backup-setup
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(recap failed)" -eq 0 ]
  [ "$(recap changed)" -eq 0 ] || { echo "$output"; false; }
}
