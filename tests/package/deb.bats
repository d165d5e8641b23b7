#!/usr/bin/env bats
# Scenario: a DBA installs scrub on a database host from the .deb. scripts/package builds it;
# unpacked into a temporary root (`dpkg -x`), it holds the stripped binary, which names its
# commit, the scripts under /usr/lib/scrub, units that run them from there, a man page per
# command that `man -l` renders, completions that bash loads, the example env and rules files,
# and a postinst that passes shellcheck.

bats_require_minimum_version 1.5.0

setup_file() {
  command -v cargo-deb >/dev/null ||
    { echo "cargo-deb is not installed (scripts/ci/install-deps installs it)" >&2; return 1; }
  export REPO="$BATS_TEST_DIRNAME/../.."
  "$REPO/scripts/package" "$BATS_FILE_TMPDIR/out" >"$BATS_FILE_TMPDIR/deb.path" 2>"$BATS_FILE_TMPDIR/package.log" ||
    { cat "$BATS_FILE_TMPDIR/package.log" >&2; return 1; }
  export DEB ROOT="$BATS_FILE_TMPDIR/root"
  DEB=$(cat "$BATS_FILE_TMPDIR/deb.path")
  dpkg -x "$DEB" "$ROOT"
  mkdir -p "$BATS_FILE_TMPDIR/control"
  dpkg-deb -e "$DEB" "$BATS_FILE_TMPDIR/control"
}

@test "the package holds the binary, scripts, units, man pages, completions and examples" {
  (cd "$ROOT" && find . -type f | sort) >"$BATS_TEST_TMPDIR/files"
  cat "$BATS_TEST_TMPDIR/files" # shown when the test fails
  for f in usr/bin/scrub \
    usr/lib/scrub/backup usr/lib/scrub/backup-failed-mail usr/lib/scrub/restore \
    usr/lib/scrub/populatedb usr/lib/scrub/fetchdb usr/lib/scrub/s3-setup usr/lib/scrub/lib/common.sh \
    usr/lib/systemd/system/scrub-backup@.service usr/lib/systemd/system/scrub-backup@.timer \
    usr/lib/systemd/system/scrub-backup-failed@.service \
    usr/share/man/man1/scrub.1.gz usr/share/man/man1/scrub-check.1.gz \
    usr/share/man/man1/scrub-verify.1.gz usr/share/man/man1/scrub-detect.1.gz usr/share/man/man1/scrub-generate.1.gz \
    usr/share/bash-completion/completions/scrub usr/share/zsh/vendor-completions/_scrub \
    usr/share/fish/vendor_completions.d/scrub.fish \
    usr/share/doc/scrub/examples/app.env usr/share/doc/scrub/examples/app.rules.yaml; do
    grep -qx "./$f" "$BATS_TEST_TMPDIR/files" || { echo "missing: $f" >&2; return 1; }
  done
  [ -x "$ROOT/usr/lib/scrub/backup" ] && [ -x "$ROOT/usr/bin/scrub" ]
}

@test "the binary is stripped, runs, and --version names the commit it was built from" {
  [ "$(readelf -S "$ROOT/usr/bin/scrub" | grep -c '\.debug_')" = 0 ]
  size=$(stat -c %s "$ROOT/usr/bin/scrub")
  echo "packaged binary: $size bytes"
  [ "$size" -lt $((16 * 1024 * 1024)) ]
  run "$ROOT/usr/bin/scrub" --version
  [ "$status" -eq 0 ]
  [ "$output" = "scrub 0.1.0 (commit $(git -C "$REPO" rev-parse --short=12 HEAD))" ]
  run "$ROOT/usr/bin/scrub" check -c "$ROOT/usr/share/doc/scrub/examples/app.rules.yaml"
  [ "$status" -eq 0 ]
}

@test "the units run the packaged scripts from /usr/lib/scrub" {
  grep -qx 'ExecStart=/usr/lib/scrub/backup --env /etc/scrub/%i.env' "$ROOT/usr/lib/systemd/system/scrub-backup@.service"
  grep -q '^ExecStart=/usr/lib/scrub/backup-failed-mail ' "$ROOT/usr/lib/systemd/system/scrub-backup-failed@.service"
  [ "$(grep -rc /usr/local "$ROOT/usr/lib/systemd/system" | grep -vc ':0$')" = 0 ]
  # the scripts find their shared functions beside them
  run "$ROOT/usr/lib/scrub/backup" --help
  [ "$status" -eq 0 ]
}

@test "man -l renders every page, made from the command-line definitions" {
  for page in "$ROOT"/usr/share/man/man1/*.1.gz; do
    run man -l "$page"
    [ "$status" -eq 0 ]
    name=$(basename "$page" .1.gz)
    [[ $output == *"NAME"*"$name"*"SYNOPSIS"* ]]
  done
  # options come from clap, so the page lists them as --help does
  man -l "$ROOT/usr/share/man/man1/scrub.1.gz" | grep -q -- '--report'
  man -l "$ROOT/usr/share/man/man1/scrub-verify.1.gz" | grep -q -- '--min-length'
}

@test "bash loads the completions and completes subcommands and options" {
  run bash -c "source '$ROOT/usr/share/bash-completion/completions/scrub' && complete -p scrub"
  [ "$status" -eq 0 ]
  [[ $output == *"scrub"* ]]
  # ask the completion function what follows `scrub ver`
  run bash -c "source '$ROOT/usr/share/bash-completion/completions/scrub'
    COMP_WORDS=(scrub ver); COMP_CWORD=1; COMP_LINE='scrub ver'; COMP_POINT=\${#COMP_LINE}
    fn=\$(complete -p scrub | sed -n 's/.*-F \\([^ ]*\\).*/\\1/p'); \"\$fn\" scrub ver scrub; printf '%s\\n' \"\${COMPREPLY[@]}\""
  [ "$status" -eq 0 ]
  [[ $output == *verify* ]]
  grep -q 'complete -c scrub' "$ROOT/usr/share/fish/vendor_completions.d/scrub.fish"
  head -n1 "$ROOT/usr/share/zsh/vendor-completions/_scrub" | grep -q '^#compdef scrub'
}

@test "the postinst adds the scrub user with adduser, which Depends names, and passes shellcheck" {
  [ -x "$BATS_FILE_TMPDIR/control/postinst" ]
  shellcheck "$BATS_FILE_TMPDIR/control/postinst"
  grep -q 'adduser --system --group' "$BATS_FILE_TMPDIR/control/postinst"
  grep -q '^Depends: .*adduser' "$BATS_FILE_TMPDIR/control/control"
  grep -q '^Depends: .*libc6' "$BATS_FILE_TMPDIR/control/control"
}
