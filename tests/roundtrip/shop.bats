#!/usr/bin/env bats
# Scenario: the README's first command. fixtures/shop.sql scrubbed with fixtures/shop.yaml
# (one of every rule kind) restores into a fresh database, every rule holds, nothing else
# changes, no original value is left.

load helpers/roundtrip

setup_file() {
  rt_setup_source shop_src "$RT_REPO/fixtures/shop.sql"
}

SPEC='
public|customers|email|email
public|customers|name|md5
public|customers|username|md5:10
public|customers|phone|null
public|customers|notes|fixed:redacted
public|customers|created_at|keep
public|orders|shipping_contact|email:orders@example.org
public|orders|gift_message|null
public|sessions||rows:none
'

@test "shop.sql scrubbed with shop.yaml: restores, rules hold, nothing else changes, nothing leaks" {
  rt_roundtrip "$SRC" shop "$RT_REPO/fixtures/shop.sql" "$RT_REPO/fixtures/shop.yaml" "$SPEC"
}

@test "scrub check finds nothing wrong with shop.yaml against shop.sql" {
  rt_scrub check -c "$RT_REPO/fixtures/shop.yaml" --schema "$RT_REPO/fixtures/shop.sql"
}

@test "the dump on stdout equals the -o file for the same seed, and stdout carries nothing else" {
  local dir=$BATS_TEST_TMPDIR
  rt_scrub --seed 3 -c "$RT_REPO/fixtures/shop.yaml" "$RT_REPO/fixtures/shop.sql" >"$dir/stdout" 2>"$dir/stderr"
  rt_scrub -q --seed 3 -c "$RT_REPO/fixtures/shop.yaml" -o "$dir/file.sql" "$RT_REPO/fixtures/shop.sql"
  cmp "$dir/stdout" "$dir/file.sql"
  [ -s "$dir/stderr" ]
}
