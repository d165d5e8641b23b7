#!/usr/bin/env bats
# scripts/bench-rules, the source of the README's "Cost of each rule" tables, runs end to end
# on small dumps and writes what the README says it does: a row per rule kind with a ratio
# for each dump, and the table of issue 15's targets. The figures of a 1 MB run mean
# nothing; that they are there and are numbers is what is checked.

setup_file() {
  export BENCH_DIR="$BATS_FILE_TMPDIR"
  "$BATS_TEST_DIRNAME/../../scripts/bench-rules" --size 1MB --runs 1 --run-dir "$BENCH_DIR" \
    >"$BENCH_DIR/stdout" 2>"$BENCH_DIR/stderr" || {
    cat "$BENCH_DIR/stderr" >&2
    return 1
  }
}

kinds=(passthrough email+md5+null email md5 null fixed "hash hex" "hash email" "hash digits"
  "hash uuid" "fake name" "fake email" "fake phone" "json path" array redact "md5 unique"
  "hash digits unique" "fake email unique")

@test "bench-rules: one row per rule kind, a ratio pair for each of the four dumps" {
  results="$BENCH_DIR/bench-rules/results.md"
  cmp "$results" "$BENCH_DIR/stdout"
  grep -q '^| rule | wide.copy × cat | j2/j1 | wide.column-inserts × cat | j2/j1 | narrow.copy × cat | j2/j1 | narrow.column-inserts × cat | j2/j1 | ns/field wide.copy | narrow.copy | peak RSS -j2 |$' "$results"
  for kind in "${kinds[@]}"; do
    row=$(grep -F "| $kind |" "$results" | head -n1)
    [ -n "$row" ] || { echo "no row for $kind" >&2; return 1; }
    # Eight ratios, all positive numbers.
    ratios=$(awk -F' *\\| *' '{ for (i = 3; i <= 10; i++) if ($i ~ /^[0-9]+\.[0-9][0-9]$/ && $i > 0) n++; print n }' <<<"$row")
    [ "$ratios" = 8 ] || { echo "$row: $ratios good ratios of 8" >&2; return 1; }
    [[ $row =~ \|\ [0-9]+\ MiB\ \|$ ]]
  done
}

@test "bench-rules: the targets of issue 15, each with its ratio, j2/j1 and verdicts" {
  results="$BENCH_DIR/bench-rules/results.md"
  grep -q '^| target (issue 15) | × cat | met | j2/j1 from the file | ≥ 1.7 |$' "$results"
  rows=$(grep -cE '^\| [^|]+ ≥ [0-9.]+× cat \| [0-9]+\.[0-9]{2} \| (yes|\*\*no\*\*) \| [0-9]+\.[0-9]{2} \| (yes|\*\*no\*\*) \|$' "$results")
  # email+md5+null on three dumps, every other ruled kind on gendump.
  [ "$rows" = $((3 + ${#kinds[@]} - 2)) ]
  grep -qE '^\| peak RSS ≤ 64 MiB, any kind \| [0-9]+ MiB \| (yes|\*\*no\*\*) \| \| \|$' "$results"
}

@test "bench-rules: bad usage is exit 2" {
  run "$BATS_TEST_DIRNAME/../../scripts/bench-rules" --runs 0
  [ "$status" -eq 2 ]
  [[ $output == *"--runs must be a positive number"* ]]
}
