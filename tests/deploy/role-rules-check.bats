#!/usr/bin/env bats
# The role checks the rendered rules with `scrub check` before installing
# them: a broken rules file fails the play and the installed one stays.

load helpers

setup_file() {
  deploy_setup deploy_rules_check
  run deploy --tags backup-setup
  [ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

teardown_file() {
  deploy_teardown
}

@test "a rules file with an unknown transform fails the play and is not installed" {
  rules=$prefix/etc/scrub/shop.rules.yaml
  cp -p "$rules" "$BATS_TEST_TMPDIR/good.yaml"
  write_vars "columns: {email: emial, name: md5}"
  run deploy --tags backup-setup
  [ "$status" -ne 0 ]
  [ "$(recap failed)" -eq 1 ]
  [[ "$output" == *"TASK [scrub_backup : Write the rules files, checked with scrub check]"* ]]
  [[ "$output" == *"failed to validate"* ]]
  [[ "$output" == *"emial"* ]]
  cmp "$BATS_TEST_TMPDIR/good.yaml" "$rules"
  [ "$(grep -c emial "$rules")" -eq 0 ]
}
