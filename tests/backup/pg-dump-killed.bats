#!/usr/bin/env bats
# pg_dump is killed (SIGKILL) midway through writing the archive: the run exits
# non-zero, the previous good run and the latest links are untouched, the partial
# archive is removed, nothing is uploaded.

load helpers/common

setup_file() { bk_shared_bucket; }

setup() { bk_setup; }
teardown() { bk_teardown; }

@test "pg_dump killed midway: nothing published, nothing uploaded" {
  bk_previous_good_run

  # Fault injection: a pg_dump first on PATH runs the real one, passes its first
  # 4 KiB on to the -f file and kills it with SIGKILL while it is still writing
  # (the source database dumps to about 1 MB, far more than a pipe buffers).
  real=$(command -v pg_dump)
  bin=$(bk_wrapper pg_dump <<WRAPPER
#!/usr/bin/env bash
set -Eeuo pipefail
# the backup asks the version first (to match the server): the real one answers
if [ "\$*" = --version ]; then exec "$real" --version; fi
args=() out=''
while [ \$# -gt 0 ]; do
  if [ "\$1" = -f ]; then out=\$2; shift 2; else args+=("\$1"); shift; fi
done
fifo=\$(mktemp -u); mkfifo "\$fifo"
"$real" "\${args[@]}" -f "\$fifo" & pid=\$!
exec 3<"\$fifo"
head -c 4096 <&3 >"\$out"
kill -KILL "\$pid"
echo "fault injection: pg_dump killed after 4096 bytes" >&2
rc=0; wait "\$pid" || rc=\$?
exec 3<&-; rm -f "\$fifo"
[ "\$rc" -eq 137 ] || { echo "fault injection: pg_dump was not killed midway (exit \$rc)" >&2; exit 99; }
exit "\$rc"
WRAPPER
  )

  PATH=$bin:$PATH run bk_backup
  echo "$output"
  bk_assert_failed_cleanly 5
  [[ $output == *"pg_dump killed after 4096 bytes"* ]]
  [[ $output == *"pg_dump of $BK_DB failed (exit 137)"* ]]
}
