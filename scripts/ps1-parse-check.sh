#!/usr/bin/env bash
# Syntax check of PowerShell scripts without PowerShell: parses each file with the tree-sitter
# PowerShell grammar (tree-sitter-pwsh, from PyPI, in a venv under target/) and fails on any
# ERROR or MISSING node. A grammar is not PowerShell's own parser: it catches unbalanced braces,
# quotes and parentheses and broken statements, not what only runs can show.
# Usage: scripts/ps1-parse-check.sh [FILE.ps1...]   (default: scripts/*.ps1)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ps1-parse-check
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'tree-sitter==0.26.*' 'tree-sitter-pwsh==0.38.*'
fi
[ "$#" -gt 0 ] || set -- scripts/*.ps1
"$venv/bin/python" - "$@" <<'PY'
import sys
import tree_sitter_pwsh
from tree_sitter import Language, Parser

parser = Parser(Language(tree_sitter_pwsh.language()))
failed = False
for path in sys.argv[1:]:
    source = open(path, "rb").read()
    if any(b > 0x7F for b in source):
        # Windows PowerShell 5.1 reads a .ps1 without a BOM in the ANSI code page.
        print(f"{path}: not ASCII; save it with a BOM or keep it ASCII")
        failed = True
    bad = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            bad.append(node)
        stack.extend(node.children)
    lines = source.split(b"\n")
    for node in sorted(bad, key=lambda n: n.start_point)[:20]:
        row, col = node.start_point
        kind = f"missing {node.type}" if node.is_missing else "syntax error"
        print(f"{path}:{row + 1}:{col + 1}: {kind}: {lines[row].decode(errors='replace').strip()[:100]}")
    failed |= bool(bad)
    print(f"{path}: {'FAILED' if bad else 'parses'}")
sys.exit(1 if failed else 0)
PY
