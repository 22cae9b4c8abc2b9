#!/usr/bin/env bash
# End-to-end tests in a real editor: packages the .vsix once, makes sure code-server is
# installed (cached), then runs test/e2e/*.e2e.ts one file at a time (each starts its own editor).
#   E2E_SCREENSHOTS=1  keep a screenshot of every step under test-results/e2e/
#   E2E_KEEP=1         keep each test's temp folder (workspace, user data, logs)
#   E2E_VSIX=<file>    test this .vsix instead of building one
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/install-code-server.sh >/dev/null
if [ -z "${E2E_VSIX:-}" ]; then
  vsix_dir="$(mktemp -d)"
  trap 'rm -rf "$vsix_dir"' EXIT
  export E2E_VSIX="$vsix_dir/intersection-studio-linux-x64.vsix"
  node scripts/package.mjs --out "$E2E_VSIX" | grep '^package:'
fi
shopt -s nullglob
specs=(test/e2e/*.e2e.ts)
if [ ${#specs[@]} -eq 0 ]; then echo "no e2e specs" >&2; exit 1; fi
if [ "$#" -gt 0 ]; then specs=("$@"); fi
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${specs[@]}"
