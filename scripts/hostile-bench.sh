#!/usr/bin/env bash
# Time and peak memory of a scan on each costly input shape of issue #15. Each input sits
# beside the example host bundle, whose findings must still be reported.
#
#   scripts/hostile-bench.sh [BINARY]      default: target/release/ccdiag (built if missing)
#
# Rows: 10, 20 and 40 MB of short lines without a blank line, and 200 and 400 MB of them with
# `--timeout 10`; 120 MB of lines each followed by a blank line; a 50 MB ConvertTo-Json array of
# numbers, a 50 MB Export-Csv, 100 MB after an unbalanced CSV quote and a 100 MB Export-Clixml
# (scripts/hostile-exports.py); an ini of 5 million sections; a small zip holding 50 MB of
# short lines; one, two and four zips of generated host logs (gen-corpus); 60 MB of lines on
# stdin; 16 zips of 65 000 tiny entries; a FIFO named on the command line and a stdin that
# never ends, with `--timeout 5`. Every scan runs under `ulimit -v` (HOSTILE_VMEM_KIB, default
# 8 GiB) and `--timeout 120` unless the row says otherwise; GNU time reports the peak RSS.
# Needs python3 and GNU time (apt-get install time). Inputs are made once, deterministically,
# under HOSTILE_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/ccdiag}
work=${HOSTILE_DIR:-/tmp/ccdiag-hostile}
vmem=${HOSTILE_VMEM_KIB:-8388608}
mkdir -p "$work"
if [ "$bin" = target/release/ccdiag ]; then cargo build --release --quiet --bin ccdiag; fi
[ -x target/release/examples/gen-corpus ] || cargo build --release --quiet --example gen-corpus

lines() { # $1: bytes of short lines, no blank line
  python3 -c "
import sys
out, n, size = sys.stdout, 0, int(sys.argv[1])
while n < size:
    line = f'row {n:010d} of a table written without blank lines\n'
    out.write(line); n += len(line)" "$1"
}

make_inputs() {
  local with_bundle=(cp -r examples/cce-host-bundle)
  if [ ! -d "$work/lines-zip" ]; then
    mkdir -p "$work/lines-zip"; "${with_bundle[@]}" "$work/lines-zip/bundle"
    lines 50000000 > "$work/lines.txt"
    python3 -c "
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.write(sys.argv[2], 'table.txt')" "$work/lines-zip/lines.zip" "$work/lines.txt"
    rm "$work/lines.txt"
  fi
  if [ ! -f "$work/logs.zip" ]; then
    target/release/examples/gen-corpus "$work/logs" 300MiB > /dev/null
    python3 -c "
import zipfile, sys, os
root = sys.argv[2]
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            z.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), root))" "$work/logs.zip" "$work/logs"
    rm -r "$work/logs"
  fi
  for n in 1 2 4; do
    if [ ! -d "$work/logs-$n" ]; then
      mkdir -p "$work/logs-$n"; "${with_bundle[@]}" "$work/logs-$n/bundle"
      for i in $(seq "$n"); do ln "$work/logs.zip" "$work/logs-$n/logs-$i.zip"; done
    fi
  done
  [ -f "$work/stdin.txt" ] || lines 60000000 > "$work/stdin.txt"
  for mb in 10 20 40 200 400; do
    if [ ! -d "$work/lines-$mb" ]; then
      mkdir -p "$work/lines-$mb"; "${with_bundle[@]}" "$work/lines-$mb/bundle"
      lines "${mb}000000" > "$work/lines-$mb/table.txt"
    fi
  done
  if [ ! -d "$work/blank-lines" ]; then
    mkdir -p "$work/blank-lines"; "${with_bundle[@]}" "$work/blank-lines/bundle"
    lines 118000000 | sed 's/$/\n/' > "$work/blank-lines/spaced.txt"
  fi
  for shape in json:50:export.json csv:50:export.csv csv-unbalanced:100:events.csv clixml:100:services.xml; do
    IFS=: read -r kind mb name <<<"$shape"
    if [ ! -d "$work/export-$kind" ]; then
      mkdir -p "$work/export-$kind"; "${with_bundle[@]}" "$work/export-$kind/bundle"
      python3 scripts/hostile-exports.py "$kind" "$mb" "$work/export-$kind/$name"
    fi
  done
  if [ ! -d "$work/ini" ]; then
    mkdir -p "$work/ini"; "${with_bundle[@]}" "$work/ini/bundle"
    python3 -c "
import sys
with open(sys.argv[1], 'w') as out:
    for i in range(5_000_000):
        out.write(f'[s{i}]\nk=v\n')" "$work/ini/settings.ini"
  fi
  if [ ! -d "$work/many-entries" ]; then
    mkdir -p "$work/many-entries"; "${with_bundle[@]}" "$work/many-entries/bundle"
    python3 -c "
import zipfile, sys
for k in range(16):
    with zipfile.ZipFile(f'{sys.argv[1]}/entries-{k:02}.zip', 'w', zipfile.ZIP_DEFLATED) as z:
        for i in range(65000):
            z.writestr(f'notes/{i:05}.txt', f'note {i} of zip {k}\n')" "$work/many-entries"
  fi
}

# Prints: seconds, peak RSS in MiB, exit status, and the example bundle's findings.
measure() {
  local label=$1; shift
  local out="$work/report.json" stats="$work/time.txt" status=0
  ( ulimit -v "$vmem"; /usr/bin/time -o "$stats" -f '%e %M' "$@" --format json --fail-on never --timeout "${timeout:-120}" > "$out" 2> /dev/null ) || status=$?
  local found
  found=$(python3 -c "
import json, sys
try:
    report = json.load(open(sys.argv[1]))
except Exception:
    print('no report'); sys.exit()
print(' '.join(sorted({f['rule_id'] for f in report['findings']})) or 'none')" "$out")
  read -r secs kib < <(tail -1 "$stats")
  printf '%-34s %8s s %8.0f MiB  exit %-3s findings: %s\n' "$label" "$secs" "$((kib / 1024))" "$status" "$found"
}

make_inputs
echo "$("$bin" --version 2>/dev/null || echo "$bin") on $(nproc) cores"
for mb in 10 20 40; do
  measure "$mb MB of lines, no blank line" "$bin" scan "$work/lines-$mb"
done
for mb in 200 400; do
  timeout=10 measure "$mb MB of lines, --timeout 10" "$bin" scan "$work/lines-$mb"
done
measure "120 MB of lines and blank lines" "$bin" scan "$work/blank-lines"
measure "50 MB JSON array of numbers" "$bin" scan "$work/export-json"
measure "50 MB CSV of short rows" "$bin" scan "$work/export-csv"
measure "100 MB after an unbalanced quote" "$bin" scan "$work/export-csv-unbalanced"
measure "100 MB Export-Clixml" "$bin" scan "$work/export-clixml"
measure "ini of 5 million sections" "$bin" scan "$work/ini"
measure "zip $(du -h "$work/lines-zip/lines.zip" | cut -f1) holding 50 MB of lines" "$bin" scan "$work/lines-zip"
for n in 1 2 4; do
  measure "$n zip(s) of $(du -h "$work/logs.zip" | cut -f1) of logs" "$bin" scan "$work/logs-$n"
done
measure "60 MB of lines on stdin" "$bin" scan - examples/cce-host-bundle < "$work/stdin.txt"
measure "16 zips of 65 000 entries" "$bin" scan "$work/many-entries"
fifo="$work/fifo"; rm -f "$fifo"; mkfifo "$fifo"
timeout=5 measure "a FIFO no one writes, --timeout 5" "$bin" scan "$fifo" examples/cce-host-bundle
rm -f "$fifo"
timeout=5 measure "a stdin that never ends, --timeout 5" "$bin" scan - examples/cce-host-bundle < <(sleep 30)
