#!/usr/bin/env bash
# Time and peak memory of a scan on the costly input shapes of issue #15 that are not files on
# disk: zips and stdin. Each input sits beside the example host bundle, whose findings must
# still be reported.
#
#   scripts/hostile-bench.sh [BINARY]      default: target/release/ccdiag (built if missing)
#
# Rows: a small zip holding 50 MB of short lines without a blank line; one, two and four zips
# of 26 MB holding generated host logs (gen-corpus); 60 MB of such lines on stdin; 16 zips of
# 65 000 tiny entries each. Every scan runs under `ulimit -v` (HOSTILE_VMEM_KIB, default 8 GiB)
# and `--timeout 120`; GNU time reports the peak RSS. Needs python3 and GNU time
# (apt-get install time). Inputs are made once, deterministically, under HOSTILE_DIR.
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
  ( ulimit -v "$vmem"; /usr/bin/time -o "$stats" -f '%e %M' "$@" --format json --fail-on never --timeout 120 > "$out" 2> /dev/null ) || status=$?
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
measure "zip $(du -h "$work/lines-zip/lines.zip" | cut -f1) holding 50 MB of lines" "$bin" scan "$work/lines-zip"
for n in 1 2 4; do
  measure "$n zip(s) of $(du -h "$work/logs.zip" | cut -f1) of logs" "$bin" scan "$work/logs-$n"
done
measure "60 MB of lines on stdin" "$bin" scan - examples/cce-host-bundle < "$work/stdin.txt"
measure "16 zips of 65 000 entries" "$bin" scan "$work/many-entries"
