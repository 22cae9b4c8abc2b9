#!/usr/bin/env bash
# Python tests in the managed environment (created by `intersections setup --dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${INTERSECTIONS_PYTHON:-$(node bin/intersections.js setup --print-python 2>/dev/null || true)}"
if [ -z "$PY" ]; then echo "no Python environment: run 'node bin/intersections.js setup --dev' first" >&2; exit 1; fi
if ! ls python/tests/test_*.py >/dev/null 2>&1; then echo "no Python tests yet" >&2; exit 1; fi
# One worker per core (at most 4), one test file per worker at a time (--dist loadfile), so a
# module's shared fixture (a trained run) is built once. Most tests wait on one single-threaded
# trainer process, so 2 workers on 2 cores take about 55 % of the serial time (docs/TESTING.md).
cd python && "$PY" -m pytest -q -n auto --maxprocesses=4 --dist loadfile tests
