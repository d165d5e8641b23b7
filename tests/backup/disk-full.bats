#!/usr/bin/env bats
# The backup folder's file system fills up during a run (a small tmpfs): the run
# exits non-zero, the previous good run and the latest links are untouched, its
# temporary files are gone, nothing is uploaded.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() {
  bk_setup
  mnt=$BATS_TEST_TMPDIR/small
  mkdir -p "$mnt"
  mount -t tmpfs -o size=16m,mode=0700 scrub-backup-test "$mnt"
  BK_DIR=$mnt/backups
  bk_set BACKUP_DIR "$BK_DIR"
}

teardown() {
  if mountpoint -q "$mnt"; then umount "$mnt"; fi
  bk_teardown
}

@test "disk full: nothing published, nothing uploaded, no temporary files left" {
  bk_previous_good_run

  # Leave room for about half of another run.
  run_size=$(cd "$BK_DIR" && du -cb app.*.dump app.*.gz | tail -n1 | cut -f1)
  free=$(df --output=avail -B1 "$mnt" | tail -n1 | tr -d ' ')
  [ "$free" -gt "$((run_size / 2))" ]
  head -c "$((free - run_size / 2))" /dev/zero >"$mnt/filler" || true

  run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *"No space left on device"* ]]
  [[ $output == *"nothing was published"* ]]
}
