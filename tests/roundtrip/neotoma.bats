#!/usr/bin/env bats
# Scenario: Neotoma's scrub. fixtures/neotoma/neotoma.sql (schemas ti and ndb) scrubbed with
# fixtures/neotoma/neotoma.yaml: ti.stewards username and pwd and ndb.contacts address, phone,
# fax and email become 10 lowercase hex characters, NULLs stay NULL, the rest is unchanged.

load helpers/roundtrip

setup_file() {
  rt_setup_source neotoma_src "$RT_REPO/fixtures/neotoma/neotoma.sql"
}

SPEC='
ti|stewards|username|md5:10
ti|stewards|pwd|md5:10
ndb|contacts|address|md5:10
ndb|contacts|phone|md5:10
ndb|contacts|fax|md5:10
ndb|contacts|email|md5:10
'

@test "neotoma.sql scrubbed with neotoma.yaml: restores, 10-hex values, NULLs kept, rest unchanged" {
  rt_roundtrip "$SRC" neotoma "$RT_REPO/fixtures/neotoma/neotoma.sql" \
    "$RT_REPO/fixtures/neotoma/neotoma.yaml" "$SPEC"
  # the fixture does have NULLs in the ruled columns, so keeping them was tested
  [ "$(rt_sql "$(rt_db neotoma)" 'SELECT count(*) FROM ndb.contacts WHERE fax IS NULL')" -ge 3 ]
}
