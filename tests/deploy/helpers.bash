# Shared by the deploy tests: the repository, a throw-away root the role
# installs into, a small database, the S3 bucket, and ansible-playbook on
# localhost through ansible/deploy.yml. The servers come from scripts/test.

repo=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# The dedicated backup user the role creates for real; removed afterwards.
deploy_user=scrubtest
deploy_bucket=scrub-deploy
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_DEPRECATION_WARNINGS=0

# require_env VAR...: fail (never skip) when the servers are not there.
require_env() {
  local v missing=()
  for v in "$@"; do
    [ -n "${!v:-}" ] || missing+=("$v")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "not set: ${missing[*]}; run the tests through scripts/test, which starts the servers" >&2
    return 1
  fi
}

# deploy_setup DATABASE: a root folder, a database with personal data in it,
# the role's variables and an inventory. Sets prefix, db, vars_file, inventory.
deploy_setup() {
  require_env PGHOST PGPORT PGUSER PGPASSFILE SCRUB_BIN AWS_ENDPOINT_URL
  db=$1
  # Under /tmp and world-traversable: the backup user must reach its files.
  prefix=$(mktemp -d /tmp/scrub-deploy.XXXXXX)
  chmod 0755 "$prefix"
  vars_file=$BATS_FILE_TMPDIR/vars.yml
  inventory=$BATS_FILE_TMPDIR/inventory
  s3_uri=s3://$deploy_bucket/$db-$$
  export prefix db vars_file inventory s3_uri

  dropdb --if-exists "$db"
  createdb "$db"
  psql -q -v ON_ERROR_STOP=1 -d "$db" <<'SQL'
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, name text NOT NULL, city text);
INSERT INTO customers (email, name, city)
  SELECT 'customer' || i || '@shop.example', 'Customer ' || i, 'City ' || i % 7 FROM generate_series(1, 200) i;
CREATE TABLE orders (id serial PRIMARY KEY, customer_id int REFERENCES customers, total numeric(10, 2));
INSERT INTO orders (customer_id, total) SELECT 1 + i % 200, i * 1.5 FROM generate_series(1, 500) i;
SQL


  write_inventory "$inventory"
  write_vars "columns: {email: email, name: md5}"
}

# make_bucket: the bucket and the lifecycle rule, as an operator sets them up
# once with scripts/s3-setup.
make_bucket() {
  "$repo/scripts/s3-setup" "$s3_uri" >/dev/null
}

# write_vars RULES_OF_CUSTOMERS: the role's variables (secrets included, so
# 0600). With age_recipient set, the backups are encrypted to it.
write_vars() {
  local password access_key secret_key
  password=$(awk -F: -v port="$PGPORT" '$2 == port || $2 == "*" { print $5; exit }' "$PGPASSFILE")
  access_key=${AWS_ACCESS_KEY_ID:-$(aws configure get aws_access_key_id)}
  secret_key=${AWS_SECRET_ACCESS_KEY:-$(aws configure get aws_secret_access_key)}
  (
    umask 077
    cat >"$vars_file" <<YAML
scrub_backup_prefix: "$prefix"
scrub_backup_user: $deploy_user
scrub_backup_group: $deploy_user
scrub_backup_binary_src: "$SCRUB_BIN"
scrub_backup_pg_host: "$PGHOST"
scrub_backup_pg_port: $PGPORT
scrub_backup_pg_user: "$PGUSER"
scrub_backup_pg_password: "$password"
scrub_backup_keep: 3
scrub_backup_s3_uri: "$s3_uri"
scrub_backup_s3_endpoint: "$AWS_ENDPOINT_URL"
scrub_backup_s3_access_key_id: "$access_key"
scrub_backup_s3_secret_access_key: "$secret_key"
scrub_backup_encrypt_to: [${age_recipient:-}]
scrub_backup_databases:
  - name: shop
    database: "$db"
    rules:
      tables:
        public.customers: {$1}
app_environment:
  PGHOST: "$PGHOST"
  PGPORT: "$PGPORT"
  PGUSER: "$PGUSER"
  PGPASSFILE: "$PGPASSFILE"
  PGDATABASE: "$db"
YAML
  )
}

# The application's migration in the deploy scenarios, and what it adds.
# shellcheck disable=SC2034 # used by the deploy-*.bats files
migration='{"app_migrate_command": "psql -v ON_ERROR_STOP=1 -c \"ALTER TABLE customers ADD COLUMN loyalty_points int\""}'
migrated_columns() {
  psql -d "$db" -Atc "SELECT count(*) FROM information_schema.columns WHERE column_name = 'loyalty_points'"
}

# deploy [ANSIBLE-PLAYBOOK ARGS...]: run ansible/deploy.yml on localhost.
deploy() {
  ansible-playbook -i "$inventory" -e "@$vars_file" "$repo/ansible/deploy.yml" "$@"
}

# recap FIELD: a number from the PLAY RECAP line of the last `run deploy`.
# shellcheck disable=SC2154 # output is set by bats' run
recap() {
  sed -n "s/^localhost *:.* $1=\([0-9]*\).*/\1/p" <<<"$output" | tail -n1
}

deploy_teardown() {
  if [ -n "${prefix:-}" ] && [ -d "$prefix" ]; then rm -rf "$prefix"; fi
  if [ -n "${db:-}" ]; then dropdb --if-exists "$db"; fi
  if id -u "$deploy_user" >/dev/null 2>&1; then userdel "$deploy_user"; fi
  if getent group "$deploy_user" >/dev/null; then groupdel "$deploy_user"; fi
}

# write_inventory FILE: localhost, in the groups `databases` and `app`, reached directly.
write_inventory() {
  cat >"$1" <<INI
[databases]
localhost
[app]
localhost
[all:vars]
ansible_connection=local
# Debian's python: the backup user cannot reach the one under /root.
ansible_python_interpreter=/usr/bin/python3
INI
}
