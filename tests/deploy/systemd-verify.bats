#!/usr/bin/env bats
# The units as shipped in systemd/: systemd-analyze verify finds nothing to
# say, the service is hardened, and a failed run starts the mail unit. verify exits 0 on unknown keys and bad
# values, so any output at all is a failure.

load helpers

setup() {
  # A root with systemd's own units, ours, and scripts/backup where
  # ExecStart= expects it; verify --root resolves every path inside it.
  root=$BATS_TEST_TMPDIR/root
  mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/local/lib/scrub"
  cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$repo/systemd/scrub-backup@.service" "$repo/systemd/scrub-backup@.timer" \
    "$repo/systemd/scrub-backup-failed@.service" "$root/etc/systemd/system/"
  install -m 0755 "$repo/scripts/backup" "$root/usr/local/lib/scrub/backup"
  install -m 0755 "$repo/scripts/backup-failed-mail" "$root/usr/local/lib/scrub/backup-failed-mail"
}

@test "systemd-analyze verify has nothing to say about the service, the timer and the mail unit" {
  run systemd-analyze verify --root="$root" scrub-backup@app.service scrub-backup@app.timer \
    scrub-backup-failed@app.service
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "verify reports a mail unit whose ExecStart= is not installed" {
  rm "$root/usr/local/lib/scrub/backup-failed-mail"
  run systemd-analyze verify --root="$root" scrub-backup-failed@app.service
  [[ "$output" == *"/usr/local/lib/scrub/backup-failed-mail is not executable"* ]]
}

@test "a failed run starts scrub-backup-failed@ of the same instance, which mails as the backup user" {
  # verify says nothing about a missing OnFailure= unit: both are checked here
  grep -qx 'OnFailure=scrub-backup-failed@%i.service' "$root/etc/systemd/system/scrub-backup@.service"
  [ -f "$root/etc/systemd/system/scrub-backup-failed@.service" ]
  unit=$root/etc/systemd/system/scrub-backup-failed@.service
  grep -qx 'Type=oneshot' "$unit"
  grep -qx 'ExecStart=/usr/local/lib/scrub/backup-failed-mail --env /etc/scrub/%i.env %i' "$unit"
  grep -qx 'User=scrub' "$unit"
  grep -qx 'SupplementaryGroups=systemd-journal' "$unit"
  # a set-group-ID or set-user-ID sendmail must keep working: nothing that sets no_new_privs
  run grep -E '^(NoNewPrivileges|PrivateDevices|ProtectKernel|ProtectClock|ProtectHostname|Restrict|LockPersonality|MemoryDenyWriteExecute|SystemCall|CapabilityBoundingSet)' "$unit"
  [ "$status" -eq 1 ]
  # systemd's own view of it: the instance, and no NoNewPrivileges
  run systemd-analyze security --offline=true --root="$root" scrub-backup-failed@app.service
  [[ "$output" == *"✗ NoNewPrivileges="* ]]
}

@test "verify reports an unknown key in its output, not in its exit code" {
  echo 'ProtectEverything=true' >>"$root/etc/systemd/system/scrub-backup@.service"
  run systemd-analyze verify --root="$root" scrub-backup@app.service
  [ "$status" -eq 0 ]
  [[ "$output" == *"Unknown key 'ProtectEverything'"* ]]
}

@test "verify reports an ExecStart= that is not installed" {
  rm "$root/usr/local/lib/scrub/backup"
  run systemd-analyze verify --root="$root" scrub-backup@app.service
  [[ "$output" == *"/usr/local/lib/scrub/backup is not executable"* ]]
}

@test "the service is a oneshot run of scripts/backup as a dedicated user, on the instance's env file" {
  unit=$root/etc/systemd/system/scrub-backup@.service
  grep -qx 'Type=oneshot' "$unit"
  grep -qx 'ExecStart=/usr/local/lib/scrub/backup --env /etc/scrub/%i.env' "$unit"
  grep -qx 'User=scrub' "$unit"
  grep -qx 'ReadWritePaths=/var/backups/scrub' "$unit"
}

@test "the service is hardened: systemd-analyze security rates its exposure at most 2.0" {
  run systemd-analyze security --offline=true --threshold=20 --root="$root" scrub-backup@app.service
  [ "$status" -eq 0 ]
  [[ "$output" == *"Overall exposure level for scrub-backup@app.service"* ]]
}

@test "every option of the services carries a comment" {
  # In [Unit] and [Service], each option line comes right after a comment line
  # (Description= names itself).
  run awk '/^\[/ { section = $0; prev = ""; next }
           section ~ /^\[(Unit|Service)\]$/ && /^[A-Za-z]/ && !/^Description=/ && prev !~ /^#/ {
             print FILENAME ": no comment: " $0 }
           { prev = $0 }' "$root/etc/systemd/system/scrub-backup@.service" \
    "$root/etc/systemd/system/scrub-backup-failed@.service"
  [ -z "$output" ]
  for option in ProtectSystem=strict ReadWritePaths= PrivateTmp=true NoNewPrivileges=true ProtectHome=true \
    ProtectKernelTunables=true ProtectKernelModules=true ProtectKernelLogs=true RestrictAddressFamilies= \
    CapabilityBoundingSet= Nice=19 IOSchedulingClass=; do
    grep -q "^$option" "$root/etc/systemd/system/scrub-backup@.service"
  done
}
