# Everyday commands; `just --list` shows them. Arguments pass through unchanged and
# relative paths are taken from the directory you run `just` in, e.g.
#   just fetchdb --from s3://bucket/nightly --name app && just populatedb app.anon.gz

set positional-arguments

# Download the newest anonymized dump and check it against its manifest
[no-cd]
fetchdb *args:
    @"{{justfile_directory()}}/scripts/fetchdb" "$@"

# Load a dump into a new database (--replace to replace an existing one)
[no-cd]
populatedb *args:
    @"{{justfile_directory()}}/scripts/populatedb" "$@"

# Restore a full custom-format backup into a database
[no-cd]
restore *args:
    @"{{justfile_directory()}}/scripts/restore" "$@"

# One backup run (default env file /etc/scrub/backup.env, or --env FILE)
[no-cd]
backup *args:
    @"{{justfile_directory()}}/scripts/backup" "$@"

# Prepare a bucket: versioning and the lifecycle rule
[no-cd]
s3-setup *args:
    @"{{justfile_directory()}}/scripts/s3-setup" "$@"

# Every test: installs what is missing, starts PostgreSQL and S3, runs all suites
test:
    @scripts/test
