#!/bin/sh
# Runs fuzz targets one after another, 10 minutes each by default, on stable Rust (no
# sanitizer): `fuzz/run.sh [SECONDS] [TARGET...]`. Seed the corpora first (seed-corpus.sh).
# Crashes land in fuzz/artifacts/<target>/, libFuzzer's output in fuzz/logs/<target>.log with
# its final statistics (number_of_executed_units) at the end.
set -eu
cd "$(dirname "$0")"
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-decode cce_log ini console transcript json clixml csv zip evtx}
cargo fuzz build -s none
mkdir -p logs
for t in $targets; do
  mkdir -p "artifacts/$t" "corpus/$t"
  # -timeout: an input taking 10 s is a hang worth a report; -max_len: larger than any text
  # fixture, so the seeds are used whole; for .evtx, a header and two 64 KiB chunks, the seeds
  # seed-corpus.sh cuts from the real logs.
  max_len=16384
  [ "$t" = evtx ] && max_len=131072
  "./target/x86_64-unknown-linux-gnu/release/$t" "corpus/$t" -max_total_time="$seconds" -max_len="$max_len" \
    -timeout=10 -print_final_stats=1 -artifact_prefix="artifacts/$t/" > "logs/$t.log" 2>&1 || true
  printf '%s: %s executions\n' "$t" "$(grep -o 'number_of_executed_units: [0-9]*' "logs/$t.log" | cut -d' ' -f2)"
done
