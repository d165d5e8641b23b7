#!/usr/bin/env bats
# ansible-lint with the production profile, warnings counted as failures,
# over the role and the deploy playbook.

load helpers

lint() {
  ansible-lint --offline --strict --profile production --nocolor "$@"
}

@test "ansible-lint (production profile) passes ansible/ without a failure or a warning" {
  cd "$repo"
  run lint ansible/
  [ "$status" -eq 0 ]
  [[ "$output" == *"0 failure(s), 0 warning(s)"* ]]
}

@test "the same lint fails a role task that breaks a production rule" {
  cp -r "$repo/ansible" "$BATS_TEST_TMPDIR/"
  cat >>"$BATS_TEST_TMPDIR/ansible/roles/scrub_backup/tasks/setup.yml" <<'YAML'

- name: copy without a mode
  copy:
    src: "{{ scrub_backup_source_dir }}/README.md"
    dest: /tmp/README.md
YAML
  cd "$BATS_TEST_TMPDIR"
  run lint ansible/
  [ "$status" -ne 0 ]
  [[ "$output" == *"fqcn[action-core]"* ]]
  [[ "$output" == *"risky-file-permissions"* ]]
  [[ "$output" == *"name[casing]"* ]]
}
