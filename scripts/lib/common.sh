#!/usr/bin/env bash
# Functions shared by scripts/backup, s3-setup, fetchdb, populatedb and restore.
# Sourced, never run. The caller sets `set -Eeuo pipefail` itself.

PROG=${PROG:-$(basename "$0")}

# Exit codes every script uses the same way; each script adds its own from 3 up.
readonly EX_USAGE=2

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$*" >&2; }

# die CODE MESSAGE: logs the message and exits with CODE. The message stays in
# DIE_MESSAGE for an EXIT trap (scripts/backup's run record).
die() {
  local code=$1
  shift
  # shellcheck disable=SC2034 # read by the caller's EXIT trap
  DIE_MESSAGE=$*
  log "error: $*"
  exit "$code"
}

# require_file WHAT FILE: dies unless FILE is a readable regular file.
require_file() {
  if ! [ -f "$2" ] || ! [ -r "$2" ]; then die "$EX_USAGE" "$1: cannot read the file '$2'"; fi
}

# load_env_file FILE [KEY...]: exports the KEY=VALUE lines of FILE (with KEYs
# given, only those; the others are checked but not exported). The format is the
# one systemd's EnvironmentFile= reads (blank lines and # comments ignored, an
# optional `export `, one pair of surrounding quotes stripped), so the same
# file serves the unit and a manual run. The file is parsed, never executed.
# It may hold PGPASSWORD, so a file that group or others may read or write is
# refused.
load_env_file() {
  local file=$1 mode line key value n=0
  shift
  local -A only=()
  for key in "$@"; do only[$key]=1; done
  require_file "env file" "$file"
  mode=$(stat -L -c %a -- "$file")
  if (((8#$mode & 8#077) != 0)); then
    die "$EX_USAGE" "env file $file has mode $mode: group or others have access to it; it may hold secrets, run: chmod 600 $file"
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line#"${line%%[![:space:]]*}"}
    case $line in '' | '#'*) continue ;; esac
    if ! [[ $line =~ ^(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      die "$EX_USAGE" "$file:$n: expected KEY=VALUE"
    fi
    key=${BASH_REMATCH[2]}
    value=${BASH_REMATCH[3]}
    if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
      value=${BASH_REMATCH[1]}
    fi
    if [ $# -eq 0 ] || [ -n "${only[$key]:-}" ]; then export "$key=$value"; fi
  done <"$file"
}

# pg_major TOOL: the major version of a PostgreSQL client tool (`pg_dump
# (PostgreSQL) 16.4 ...` gives 16); empty when TOOL does not run.
pg_major() {
  local v
  v=$("$1" --version 2>/dev/null) || return 0
  if [[ $v =~ \)\ ([0-9]+) ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}

# use_pg_client_for_server [DB]: makes pg_dump, pg_restore and psql those of a
# PostgreSQL at least as new as the server's major version (pg_dump refuses a
# newer server): PG_BINDIR if set; else PATH's when they are new enough (what
# the host's administrator chose); else the newest PG_LIBDIR/N/bin (default
# /usr/lib/postgresql, Debian's layout of postgresql-client-N) with N at least
# the server's, put first on PATH. Dies naming the package to install when
# none is new enough. When the server cannot be asked (a missing database,
# say), PATH stays as it is and the tools report that themselves.
use_pg_client_for_server() {
  local num server dir major best='' best_major=0
  num=$(psql -X -A -t -w ${1:+-d "$1"} -c 'SHOW server_version_num' 2>/dev/null) || return 0
  [[ $num =~ ^[0-9]+$ ]] || return 0
  server=$((num / 10000))
  if [ -n "${PG_BINDIR:-}" ]; then
    major=$(pg_major "$PG_BINDIR/pg_dump")
    [ -n "$major" ] || die "$EX_USAGE" "PG_BINDIR=$PG_BINDIR has no pg_dump that runs"
    [ "$major" -ge "$server" ] ||
      die "$EX_USAGE" "the server is PostgreSQL $server, PG_BINDIR=$PG_BINDIR has pg_dump $major: pg_dump refuses a newer server; install postgresql-client-$server"
    best=$PG_BINDIR
  else
    local on_path
    on_path=$(pg_major pg_dump)
    if [ -n "$on_path" ] && [ "$on_path" -ge "$server" ]; then return 0; fi
    for dir in "${PG_LIBDIR:-/usr/lib/postgresql}"/*/bin; do
      major=$(pg_major "$dir/pg_dump")
      if [ -n "$major" ] && [ "$major" -ge "$server" ] && [ "$major" -gt "$best_major" ]; then
        best=$dir best_major=$major
      fi
    done
    [ -n "$best" ] ||
      die "$EX_USAGE" "the server is PostgreSQL $server, and no pg_dump here is that new (on PATH: ${on_path:-none}; none in ${PG_LIBDIR:-/usr/lib/postgresql}/N/bin): install postgresql-client-$server (from PostgreSQL's apt repository, apt.postgresql.org, where Debian lacks it) or set PG_BINDIR"
  fi
  export PATH="$best:$PATH"
  log "PostgreSQL $server server: using pg_dump $(pg_major "$best/pg_dump") from $best"
}

# parse_s3_uri URI: sets S3_BUCKET and S3_PREFIX (no trailing slash, may be
# empty) from s3://bucket/prefix.
parse_s3_uri() {
  local uri=$1
  if ! [[ $uri =~ ^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/(.*))?$ ]]; then
    die "$EX_USAGE" "not an S3 URI: '$uri' (expected s3://bucket/prefix)"
  fi
  # shellcheck disable=SC2034 # read by the caller
  S3_BUCKET=${BASH_REMATCH[1]}
  S3_PREFIX=${BASH_REMATCH[3]}
  S3_PREFIX=${S3_PREFIX%/}
}

# s3_key NAME: the object key of NAME under S3_PREFIX.
s3_key() { printf '%s%s' "${S3_PREFIX:+$S3_PREFIX/}" "$1"; }

# s3cli ARGS...: the aws CLI, pointed at S3_ENDPOINT when it is set. Keys
# come from the AWS CLI's own credential chain (credentials file, instance
# role, AWS_* variables), never from the command line.
s3cli() {
  local args=()
  if [ -n "${S3_ENDPOINT:-}" ]; then args+=(--endpoint-url "$S3_ENDPOINT"); fi
  AWS_PAGER='' aws "${args[@]}" "$@"
}

# sha256_of FILE: prints the SHA-256 of FILE in hex.
sha256_of() {
  local sum
  sum=$(sha256sum -- "$1")
  printf '%s\n' "${sum%% *}"
}

# maintenance_sql [psql options...]: runs the SQL on stdin in the database for
# CREATE and DROP DATABASE (MAINTENANCE_DB, default postgres), prints the
# result unaligned.
maintenance_sql() { psql -X -q -At -w -v ON_ERROR_STOP=1 -d "${MAINTENANCE_DB:-postgres}" "$@"; }

# drop_db_if_exists NAME: drops the database NAME, disconnecting its sessions;
# quietly does nothing when there is none (no NOTICE).
drop_db_if_exists() {
  maintenance_sql -v db="$1" <<<'SET client_min_messages = warning;
DROP DATABASE IF EXISTS :"db" WITH (FORCE);'
}

# swap_in_db SCRATCH NAME [replace]: renames the database SCRATCH to NAME.
# With `replace`, an existing NAME is dropped first (its sessions
# disconnected); without, the rename fails when NAME exists.
swap_in_db() {
  if [ "${3:-}" = replace ]; then drop_db_if_exists "$2"; fi
  maintenance_sql -v from="$1" -v to="$2" <<<'ALTER DATABASE :"from" RENAME TO :"to";'
}

# db_exists NAME: whether the database NAME exists.
db_exists() {
  local n
  n=$(maintenance_sql -v db="$1" <<<"SELECT count(*) FROM pg_database WHERE datname = :'db';") ||
    die 1 "cannot query the PostgreSQL server at ${PGHOST:-the local socket}:${PGPORT:-5432}"
  [ "$n" != 0 ]
}

# decompress FILE: writes FILE's content to stdout, gunzipping or unzstding
# it when its first bytes say so; anything else is passed through as is.
decompress() {
  local magic
  magic=$(head -c 4 -- "$1" | od -An -tx1 | tr -d ' \n')
  case $magic in
    1f8b*) gzip -dc -- "$1" ;;
    28b52ffd) zstd -dcq -- "$1" ;;
    *) cat -- "$1" ;;
  esac
}
