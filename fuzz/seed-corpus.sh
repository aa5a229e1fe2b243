#!/bin/sh
# Seeds each target's corpus (fuzz/corpus/<target>, not committed) from the rule fixtures and
# the example bundle, so fuzzing starts from real host files instead of empty input.
# Usage: fuzz/seed-corpus.sh   (from anywhere; needs python3 for the zip seeds)
set -eu
cd "$(dirname "$0")/.."
files() { find fixtures examples -type f ! -name '*.snap' ! -name now ! -name '*.rs' "$@"; }
seed() {
  target=$1; shift
  mkdir -p "fuzz/corpus/$target"
  files "$@" | while read -r f; do cp "$f" "fuzz/corpus/$target/$(echo "$f" | tr '/' '_')"; done
}
seed decode
seed cce_log -name '*.log'
seed ini -name '*.ini'
seed console -name '*.txt'
seed json -name '*.json'
seed clixml -name '*.xml'
seed csv -name '*.csv'
# Transcripts are .txt files like console captures; their header tells them apart (UTF-8 or
# UTF-16, hence the second pattern).
mkdir -p fuzz/corpus/transcript
grep -rla -e 'transcript start' -e 't.r.a.n.s.c.r.i.p.t. .s.t.a.r.t' fixtures examples | while read -r f; do
  cp "$f" "fuzz/corpus/transcript/$(echo "$f" | tr '/' '_')"
done
# Event logs: the three real files whole, and each of their chunks behind its file's header as
# a one-chunk log, so the fuzzer also has small real inputs to mutate.
mkdir -p fuzz/corpus/evtx
for f in fixtures/evtx/*.evtx; do
  name=$(basename "$f" .evtx)
  cp "$f" "fuzz/corpus/evtx/$name.evtx"
  chunks=$(( ($(wc -c < "$f") - 4096) / 65536 ))
  i=0
  [ "$chunks" -gt 1 ] || i=$chunks
  while [ "$i" -lt "$chunks" ]; do
    { head -c 4096 "$f"; tail -c +$((4096 + i * 65536 + 1)) "$f" | head -c 65536; } > "fuzz/corpus/evtx/$name-chunk$i.evtx"
    i=$((i + 1))
  done
done
mkdir -p fuzz/corpus/zip
python3 - <<'PY'
import io, os, zipfile
out = 'fuzz/corpus/zip/'
def write(target, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(target, 'w', method) as z:
        for name, data in entries:
            z.writestr(name, data)
files = []
for root, _, names in os.walk('examples/cce-host-bundle'):
    for name in sorted(names):
        path = os.path.join(root, name)
        files.append((os.path.relpath(path, 'examples/cce-host-bundle'), open(path, 'rb').read()[:2000]))
write(out + 'bundle.zip', files[:6])
write(out + 'stored.zip', files[:3], zipfile.ZIP_STORED)
inner = io.BytesIO()
write(inner, [('deep/a.txt', b'ConvertTo-SecureString : Key not valid for use in specified state.')])
write(out + 'nested.zip', [('inner.zip', inner.getvalue()), ('../evil.txt', b'x'), ('/abs.txt', b'y'), ('dir/', b'')])
write(out + 'padded.zip', [('log.txt', b'a' * 10 + b'\0' * 20000)])
PY
