#!/usr/bin/env bash
# The whole test suite: type check, build, TypeScript unit tests, Python tests, end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent typecheck
npm run --silent build
npm run --silent test:unit
npm run --silent test:python
if [ -f test/e2e/run.sh ]; then bash test/e2e/run.sh; fi
