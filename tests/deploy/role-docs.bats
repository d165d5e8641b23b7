#!/usr/bin/env bats
# The role's variables are the same three times: defaults/main.yml, the
# argument specs checked when the role starts, and the README's
# "Role Variables" table.

load helpers

role=$repo/ansible/roles/scrub_backup

@test "defaults, argument specs and the Role Variables table name the same variables" {
  defaults=$(sed -n 's/^\(scrub_backup_[a-z0-9_]*\):.*/\1/p' "$role/defaults/main.yml" | sort)
  specs=$(sed -n 's/^      \(scrub_backup_[a-z0-9_]*\):$/\1/p' "$role/meta/argument_specs.yml" | sort)
  table=$(sed -n '/^## Role Variables/,/^## /s/^| `\(scrub_backup_[a-z0-9_]*\)` |.*/\1/p' "$role/README.md" | sort)
  [ "$(wc -l <<<"$defaults")" -ge 20 ]
  diff <(echo "$defaults") <(echo "$specs")
  diff <(echo "$defaults") <(echo "$table")
}

@test "the database entry keys are the same in the argument specs and the README" {
  specs=$(sed -n '/^      scrub_backup_databases:/,/^      scrub_backup_pg_host:/s/^          \([a-z0-9_]*\):$/\1/p' \
    "$role/meta/argument_specs.yml" | sort)
  # The first cell of each row, which may name several keys.
  table=$(sed -n '/^Keys of an entry/,/^## /s/^| \(`[^|]*\) |.*/\1/p' "$role/README.md" |
    grep -o '`[a-z0-9_]*`' | tr -d '`' | sort)
  [ "$(wc -l <<<"$specs")" -ge 14 ]
  diff <(echo "$specs") <(echo "$table")
}
