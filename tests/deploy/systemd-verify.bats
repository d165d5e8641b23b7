#!/usr/bin/env bats
# The units as shipped in systemd/: systemd-analyze verify finds nothing to
# say, and the service is hardened. verify exits 0 on unknown keys and bad
# values, so any output at all is a failure.

load helpers

setup() {
  # A root with systemd's own units, ours, and scripts/backup where
  # ExecStart= expects it; verify --root resolves every path inside it.
  root=$BATS_TEST_TMPDIR/root
  mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/local/lib/scrub"
  cp -r /usr/lib/systemd/system "$root/usr/lib/systemd/"
  cp "$repo/systemd/scrub-backup@.service" "$repo/systemd/scrub-backup@.timer" "$root/etc/systemd/system/"
  install -m 0755 "$repo/scripts/backup" "$root/usr/local/lib/scrub/backup"
}

@test "systemd-analyze verify has nothing to say about the service and the timer" {
  run systemd-analyze verify --root="$root" scrub-backup@app.service scrub-backup@app.timer
  [ "$status" -eq 0 ]
  [ -z "$output" ]
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

@test "every option of the service carries a comment" {
  # In [Service], each option line comes right after a comment line.
  run awk '/^\[/ { section = $0; prev = ""; next }
           section == "[Service]" && /^[A-Za-z]/ && prev !~ /^#/ { print "no comment: " $0 }
           { prev = $0 }' "$root/etc/systemd/system/scrub-backup@.service"
  [ -z "$output" ]
  for option in ProtectSystem=strict ReadWritePaths= PrivateTmp=true NoNewPrivileges=true ProtectHome=true \
    ProtectKernelTunables=true ProtectKernelModules=true ProtectKernelLogs=true RestrictAddressFamilies= \
    CapabilityBoundingSet= Nice=19 IOSchedulingClass=; do
    grep -q "^$option" "$root/etc/systemd/system/scrub-backup@.service"
  done
}
