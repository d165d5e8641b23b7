#!/usr/bin/env bats
# scrub_backup_pg_client_version: the package list the role hands to apt, read
# from the apt task's own invocation (`--tags backup-packages --check -vvv`: apt
# is asked, nothing is installed, the cache is not updated). Needs no server and
# no network.

load helpers

setup() {
  inventory=$BATS_TEST_TMPDIR/inventory
  vars_file=$BATS_TEST_TMPDIR/vars.yml
  write_inventory "$inventory"
  cat >"$vars_file" <<YAML
scrub_backup_prefix: "$BATS_TEST_TMPDIR/root"
scrub_backup_packages: [postgresql-client, pigz]
scrub_backup_databases:
  - name: shop
    rules: {tables: {}}
YAML
}

# packages [ANSIBLE-PLAYBOOK ARGS...]: runs the package task in check mode
# (status and output: ansible-playbook's); sets list to the names apt was
# given, one a line.
packages() {
  run ansible-playbook -i "$inventory" -e "@$vars_file" "$repo/ansible/deploy.yml" \
    --tags backup-packages --check -vvv "$@"
  printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/play.log"
  list=$(python3 - "$BATS_TEST_TMPDIR/play.log" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
task = next(i for i, l in enumerate(lines) if l.startswith("TASK [scrub_backup : Install the programs the backup runs]"))
start = next(i for i in range(task, len(lines)) if lines[i].startswith(("ok: [localhost]", "changed: [localhost]", "fatal: [localhost]")) and lines[i].endswith("=> {"))
end = next(i for i in range(start, len(lines)) if lines[i] == "}")
result = json.loads("{" + "\n".join(lines[start + 1:end + 1]))
print("\n".join(result["invocation"]["module_args"]["name"]))
PY
  )
}

@test "empty (the default): Debian's postgresql-client" {
  packages
  cat "$BATS_TEST_TMPDIR/play.log"
  [ "$status" -eq 0 ]
  [ "$list" = "$(printf '%s\n' postgresql-client pigz)" ]
}

@test "a version: postgresql-client-N in place of postgresql-client, a number or a string" {
  echo 'scrub_backup_pg_client_version: 15' >>"$vars_file"
  packages
  [ "$status" -eq 0 ]
  [ "$list" = "$(printf '%s\n' postgresql-client-15 pigz)" ]
  # postgresql-client-15 is installed here (scripts/ci/install-deps): nothing to do
  [ "$(recap changed)" -eq 0 ]
  [[ $output != *"converted"* ]]

  packages -e scrub_backup_pg_client_version=17
  [ "$list" = "$(printf '%s\n' postgresql-client-17 pigz)" ]
}

@test "16 without apt.postgresql.org in the sources: apt is asked for postgresql-client-16 and says it has none" {
  packages -e '{"scrub_backup_pg_client_version": 16}'
  cat "$BATS_TEST_TMPDIR/play.log"
  [ "$status" -ne 0 ]
  [[ $output == *"No package matching 'postgresql-client-16' is available"* ]]
  [ "$list" = "$(printf '%s\n' postgresql-client-16 pigz)" ]
}

@test "not a major version: the play stops before apt" {
  run ansible-playbook -i "$inventory" -e "@$vars_file" "$repo/ansible/deploy.yml" \
    --tags backup-packages --check -e scrub_backup_pg_client_version=16beta
  [ "$status" -ne 0 ]
  [[ $output == *"scrub_backup_pg_client_version must be a PostgreSQL major version such as 16, or empty (got '16beta')"* ]]
  [[ $output != *"TASK [scrub_backup : Install the programs the backup runs]"* ]]
}
