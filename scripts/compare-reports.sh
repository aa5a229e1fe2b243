#!/usr/bin/env bash
# Reports of two builds, byte for byte: every format of every fixture case, the example bundle,
# the healthy bundle, the adversarial corpus (when present) and a generated corpus.
# A refactoring must leave this empty.
#
#   scripts/compare-reports.sh OLD_BINARY NEW_BINARY [CORPUS_SIZE]    (default 64MiB)
#
# Build the old binary from a worktree of the old commit, e.g.
#   git worktree add /tmp/old HEAD~5 && (cd /tmp/old && cargo build --release)
set -euo pipefail
old=$1; new=$2; size=${3:-64MiB}
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cargo run --release --quiet --example gen-corpus -- "$work/corpus" "$size" >/dev/null
cases=(fixtures/*/positive/* fixtures/*/negative/* fixtures/healthy examples/cce-host-bundle "$work/corpus")
if [ -d tests/adversarial ]; then
  while IFS= read -r c; do cases+=("$(dirname "$c")"); done < <(find tests/adversarial -name case.toml | sort)
fi
for side in old new; do
  bin=${!side}; mkdir -p "$work/$side"
  for d in "${cases[@]}"; do
    key=$(echo "$d" | sed "s#$work/##; s#/#_#g")
    now=(--now 2026-12-01T00:00:00Z); [ -f "$d/now" ] && now=(--now "$(cat "$d/now")")
    for f in text json markdown html sarif; do
      "$bin" scan "$d" --format "$f" --fail-on never "${now[@]}" >"$work/$side/$key.$f" 2>&1 || true
    done
  done
done
echo "compared $(ls "$work/new" | wc -l) reports of ${#cases[@]} cases"
diff -r "$work/old" "$work/new" && echo "byte-identical"
