#!/usr/bin/env bash
# The whole test suite: what it needs (scripts/test-deps.sh: apt packages, dev Python packages,
# code-server; each a no-op when there), then type check, unit tests, integration tests, Python
# tests, end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build   # the CLI that the next step runs
bash scripts/test-deps.sh
INTERSECTIONS_PYTHON="${INTERSECTIONS_PYTHON:-$(node bin/intersections.js setup --print-python)}"
export INTERSECTIONS_PYTHON
npm run --silent typecheck
npm run --silent test:unit
npm run --silent test:integration
# pytest exits 5 when it collected no tests: fine while the tree has none, a failure otherwise.
py_rc=0; npm run --silent test:python || py_rc=$?
if [ "$py_rc" -eq 5 ] && ! grep -qs '^\s*def test_' python/tests/test_*.py; then echo "no Python tests collected" >&2; py_rc=0; fi
if [ "$py_rc" -ne 0 ]; then exit "$py_rc"; fi
if [ -f test/e2e/run.sh ]; then bash test/e2e/run.sh; fi
