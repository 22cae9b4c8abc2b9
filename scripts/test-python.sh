#!/usr/bin/env bash
# Python tests in the managed environment (created by `intersections setup --dev`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${INTERSECTIONS_PYTHON:-$(node bin/intersections.js setup --print-python 2>/dev/null || true)}"
if [ -z "$PY" ]; then echo "no Python environment: run 'node bin/intersections.js setup --dev' first" >&2; exit 1; fi
if ! ls python/tests/test_*.py >/dev/null 2>&1; then echo "no Python tests yet" >&2; exit 1; fi
cd python && "$PY" -m pytest -q tests
