#!/usr/bin/env bats
# BACKUP_KEEP=3 and five runs leave the newest three complete runs and nothing of
# the others; a run never deletes the run it just made, even when newer-stamped runs
# (a clock set back) fill the count.

load helpers/common

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "BACKUP_KEEP=3: five runs leave the newest three" {
  bk_set S3_URI ''
  bk_set BACKUP_KEEP 3
  for _ in 1 2 3 4 5; do bk_backup; done
  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 3 ]
  # Only the three runs' files (4 each), the 4 links and the lock are left, and
  # in runs/ the records of those three runs and the link to the newest.
  [ "$(find "$BK_DIR" -mindepth 1 -path "$BK_DIR/runs" -prune -o -print | wc -l)" -eq $((3 * 4 + 4 + 1)) ]
  [ "$(cd "$BK_DIR/runs" && ls)" = "$(printf 'app.%s.json\n' "${runs[@]}"; echo app.latest.json)" ]
  for s in "${runs[@]}"; do (cd "$BK_DIR" && sha256sum -c --strict "app.$s.sha256"); done
  [ "$(readlink "$BK_DIR/app.latest.dump")" = "app.${runs[2]}.dump" ]
}

@test "the run just made survives newer-stamped runs" {
  bk_set S3_URI ''
  bk_set BACKUP_KEEP 1
  bk_backup
  # A run stamped in the future, as a clock that was set back would leave.
  old=$(bk_runs)
  for f in "$BK_DIR/app.$old".*; do
    cp "$f" "${f/$old/29991231T235959Z}"
  done
  sed -i "s/$old/29991231T235959Z/" "$BK_DIR/app.29991231T235959Z.sha256"

  run bk_backup
  echo "$output"
  [ "$status" -eq 0 ]
  mapfile -t runs < <(bk_runs)
  [ "${#runs[@]}" -eq 2 ]
  [ "${runs[1]}" = 29991231T235959Z ]
  [ "${runs[0]}" != "$old" ]
  [ "$(readlink "$BK_DIR/app.latest.dump")" = "app.${runs[0]}.dump" ]
  (cd "$BK_DIR" && sha256sum -c --strict "app.${runs[0]}.sha256")
}
