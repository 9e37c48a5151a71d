#!/usr/bin/env bash
# The type checker and the linter over citewatch/ and flows/, as configured in pyproject.toml
# ([tool.mypy]: --check-untyped-defs with the pydantic plugin; [tool.ruff]: E, W, F and I at
# 120 columns). Exit status: non-zero when either finds something. Extra arguments go to ruff
# (e.g. `tools/lint.sh --fix` sorts imports).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
if [ ! -x "$BIN/mypy" ] || [ ! -x "$BIN/ruff" ]; then
  echo "mypy or ruff missing in $BIN: run 'make install' (they come with the dev extra)" >&2
  exit 2
fi
status=0
echo "== ruff check citewatch flows"
"$BIN/ruff" check citewatch flows "$@" || status=1
echo "== mypy (citewatch flows)"
"$BIN/mypy" || status=1
exit $status
