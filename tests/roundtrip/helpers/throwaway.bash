# shellcheck shell=bash
# Throw-away PostgreSQL servers of other versions than the test server (15), for the round-trip
# tests that need one: scripts/ci/install-deps puts PostgreSQL 14, 16, 17 and 18 under
# /opt/scrub-test/pgN (SCRUB_TEST_PGROOT); scripts/ci/start-postgres starts a cluster of one of
# them in $SCRUB_TEST_RUN/pgN. Load helpers/roundtrip first (RT_REPO). Without the binaries or
# SCRUB_TEST_RUN these functions fail; they never skip.

RT_PGROOT=${SCRUB_TEST_PGROOT:-/opt/scrub-test}

# Prints the bin directory of PostgreSQL $1 (14, 16, 17, 18); fails unless its pg_dump, psql
# and every further tool named are there and of that version.
rt_pg_bin() {
  local version=$1 bin=$RT_PGROOT/pg$1/bin tool
  shift
  for tool in pg_dump psql "$@"; do
    if ! "$bin/$tool" --version 2>/dev/null | grep -q "^$tool (PostgreSQL) $version\\."; then
      echo "no $tool $version in $bin: run scripts/ci/install-deps" >&2
      return 1
    fi
  done
  printf '%s' "$bin"
}

# Runs its arguments as the owner of the throw-away clusters (see scripts/ci/start-postgres).
rt_as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a PostgreSQL $1 server on port $2 in $SCRUB_TEST_RUN/pg$1 (a cluster made there
# before is reused) and prints the `export` lines that reach it, as start-postgres does.
rt_throwaway_start() {
  if [ -z "${SCRUB_TEST_RUN:-}" ]; then
    echo "SCRUB_TEST_RUN is not set (the PostgreSQL $1 server lives there): run scripts/test" >&2
    return 1
  fi
  local bin
  bin=$(rt_pg_bin "$1" initdb pg_ctl postgres) || return 1
  SCRUB_TEST_PGBIN=$bin SCRUB_TEST_PGPORT=$2 "$RT_REPO/scripts/ci/start-postgres" "$SCRUB_TEST_RUN/pg$1"
}

# Stops the PostgreSQL $1 server of rt_throwaway_start, if it runs.
rt_throwaway_stop() {
  local data=${SCRUB_TEST_RUN:-}/pg$1/pg/data
  [ -f "$data/postmaster.pid" ] || return 0
  rt_as_postgres "$RT_PGROOT/pg$1/bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
}
