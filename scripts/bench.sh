#!/usr/bin/env bash
# End-to-end comparison of ccdiag with ripgrep over the same corpus and the same signature
# strings, as the README's Performance section reports it.
#
#   scripts/bench.sh [SIZE[:FAMILY]...]        default: 64MiB 1GiB
#
# FAMILY is gen-corpus's: `mixed` (the default: logs and 30% console captures) or `console`
# (half the bytes UTF-16LE captures: a Format-Table export with no blank line, Format-List
# dumps, a transcript), e.g. `scripts/bench.sh 1GiB 1GiB:console`.
#
# For each size: generate the corpus (deterministic), warm the page cache, then alternate
# `ccdiag scan --format json` and `rg -F -c -f <signatures>` five times each and print the
# medians, their ratio and ccdiag's peak RSS; then --jobs 1 against --jobs 2, and start-up on
# an empty folder. Needs rg and GNU time (apt-get install ripgrep time).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-64MiB 1GiB}")
read -r -a sizes <<<"${sizes[*]}"
runs=5
work=${BENCH_DIR:-/tmp/ccdiag-bench}
mkdir -p "$work"

cargo build --release --quiet --bin ccdiag --example gen-corpus
bin=target/release/ccdiag
$bin rules signatures > "$work/signatures.txt"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_ms() { local t0 t1; t0=$(now_ms); "$@" > /dev/null 2>&1 || true; t1=$(now_ms); echo $((t1 - t0)); }

printf '%-8s %10s %10s %7s %12s %10s %10s\n' corpus ccdiag_ms rg_ms ratio peak_rss_MiB jobs1_ms jobs2_ms
for spec in "${sizes[@]}"; do
  size=${spec%%:*}
  family=mixed
  [ "$spec" = "$size" ] || family=${spec#*:}
  corpus="$work/corpus-$size"
  [ "$family" = mixed ] || corpus="$corpus-$family"
  [ -d "$corpus" ] || target/release/examples/gen-corpus "$corpus" "$size" --family "$family" > /dev/null
  cat "$corpus"/*/* > /dev/null   # warm the page cache
  ours=(); theirs=()
  for _ in $(seq $runs); do
    ours+=("$(time_ms "$bin" scan "$corpus" --format json --fail-on never)")
    theirs+=("$(time_ms rg -F -c -f "$work/signatures.txt" "$corpus")")
  done
  m_ours=$(printf '%s\n' "${ours[@]}" | median)
  m_theirs=$(printf '%s\n' "${theirs[@]}" | median)
  rss_kib=$(/usr/bin/time -f '%M' "$bin" scan "$corpus" --format json --fail-on never 2>&1 >/dev/null | tail -1)
  j1=(); j2=()
  for _ in $(seq 3); do
    j1+=("$(time_ms "$bin" scan "$corpus" --format json --fail-on never --jobs 1)")
    j2+=("$(time_ms "$bin" scan "$corpus" --format json --fail-on never --jobs 2)")
  done
  printf '%-8s %10s %10s %7.2f %12.1f %10s %10s\n' "$spec" "$m_ours" "$m_theirs" \
    "$(echo "$m_ours / $m_theirs" | bc -l)" "$(echo "$rss_kib / 1024" | bc -l)" \
    "$(printf '%s\n' "${j1[@]}" | median)" "$(printf '%s\n' "${j2[@]}" | median)"
done

empty=$(mktemp -d)
starts=()
for _ in $(seq 20); do starts+=("$(time_ms "$bin" scan "$empty" --format json)"); done
echo "start-up on an empty folder: median $(printf '%s\n' "${starts[@]}" | median) ms over 20 runs"
rmdir "$empty"
