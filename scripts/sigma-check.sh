#!/usr/bin/env bash
# Proves the exported Sigma rules with the real tools (README: "At fleet scale"):
#   1. `ccdiag rules export --format sigma` writes the rules and the pySigma pipelines;
#   2. `sigma check` finds no error and no issue in any of them;
#   3. `sigma convert` converts every one for Kusto (Log Analytics), Splunk, and Elasticsearch
#      (ES|QL and Lucene), and the queries equal the snapshots under scripts/sigma/queries/
#      (`--update` rewrites them, for review in the diff);
#   4. the SQLite backend's queries, run over `ccdiag records fixtures`, select exactly the
#      records ccdiag's engine selects for each rule (scripts/sigma/equivalence.py); so do
#      those of scripts/sigma/pack/, rules that use every matcher form the exporter writes.
#
#   scripts/sigma-check.sh [--update]
#
# Installs the pinned tools (scripts/sigma/requirements.txt) from PyPI into a venv under the
# cargo target folder, once; Python 3 with venv from Debian when the machine lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "sigma-check: needs python3 with venv (apt-get install python3-venv) or root to install it" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi

update=false
[ "${1:-}" = "--update" ] && update=true

target="${CARGO_TARGET_DIR:-target}"
venv="$target/sigma-venv"
requirements=scripts/sigma/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

cargo build --locked --quiet
ccdiag="$target/debug/ccdiag"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== export"
"$ccdiag" rules export --format sigma --output "$work/export" | tail -n 1
rules="$work/export/rules"
pipelines="$work/export/pipelines"
count=$(find "$rules" -name '*.yml' | wc -l)

echo "== sigma check ($count rules)"
"$venv/bin/sigma" check --fail-on-error --fail-on-issues "$rules" > "$work/check.txt" 2>&1 || {
  cat "$work/check.txt" >&2
  exit 1
}
grep -F "Found 0 errors, 0 condition errors and 0 issues." "$work/check.txt"

echo "== sigma convert"
# Each target's queries in one snapshot, one query per rule in file order (each begins with
# the table, index or `kind`), under a header naming the rules.
convert() { # backend, how each of its queries begins, extra pipelines...
  local backend="$1" begins="$2"
  shift 2
  local pipeline_args=(-p "$pipelines/ccdiag.yml")
  for extra in "$@"; do pipeline_args+=(-p "$pipelines/$extra"); done
  local out="$work/queries/$backend.txt"
  mkdir -p "$work/queries"
  {
    echo "# sigma convert -t $backend, one query per rule:"
    for rule in "${rule_files[@]}"; do echo "# $(basename "$rule")"; done
  } > "$out"
  "$venv/bin/sigma" convert --fail-unsupported -t "$backend" "${pipeline_args[@]}" "${rule_files[@]}" \
    >> "$out" 2> "$work/convert-$backend.txt" || {
    cat "$work/convert-$backend.txt" >&2
    exit 1
  }
  local queries
  queries=$(grep -c "^$begins" "$out" || true)
  if [ "$queries" -ne "$count" ]; then
    echo "$backend: $queries queries for $count rules" >&2
    exit 1
  fi
  echo "$backend: $queries queries"
}
mapfile -t rule_files < <(find "$rules" -name '*.yml' | sort)
convert kusto 'CcdiagRecords_CL$' kusto.yml
convert splunk 'index=ccdiag ' splunk.yml
convert esql 'from ccdiag-records ' esql.yml
convert lucene 'kind:'
if $update; then
  rm -rf scripts/sigma/queries
  cp -r "$work/queries" scripts/sigma/queries
  echo "snapshots rewritten: review git diff scripts/sigma/queries"
elif ! diff -r scripts/sigma/queries "$work/queries"; then
  echo "the queries differ from scripts/sigma/queries: review, then scripts/sigma-check.sh --update" >&2
  exit 1
fi

echo "== equivalence with ccdiag (SQLite backend over the fixtures' records)"
"$ccdiag" records fixtures > "$work/records.ndjson"
"$venv/bin/python" scripts/sigma/equivalence.py "$work/export" "$work/records.ndjson"

echo "== equivalence of scripts/sigma/pack (every matcher form)"
pack=scripts/sigma/pack
"$ccdiag" rules export --format sigma --rules "$pack" --output "$work/pack" > /dev/null
"$venv/bin/sigma" check --fail-on-error --fail-on-issues "$work/pack/rules" > "$work/check-pack.txt" 2>&1 || {
  cat "$work/check-pack.txt" >&2
  exit 1
}
"$ccdiag" records --rules "$pack" fixtures > "$work/pack-records.ndjson"
"$venv/bin/python" scripts/sigma/equivalence.py "$work/pack" "$work/pack-records.ndjson" ccdiag_xsg
