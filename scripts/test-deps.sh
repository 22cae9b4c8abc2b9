#!/usr/bin/env bash
# What `npm test` needs beyond README's first command (scripts/quickstart.sh), installed when
# missing. The one definition of these steps: scripts/test.sh runs them all, .ci/run one per phase.
#
#   scripts/test-deps.sh                       # apt, python, code-server, in this order
#   scripts/test-deps.sh apt [EXTRA_PACKAGE]...
#   scripts/test-deps.sh python                # the dev Python packages (pytest...)
#   scripts/test-deps.sh code-server           # the editor of the end-to-end tests (cached)
#
# apt: chromium for the end-to-end tests, python3-venv for the managed environment and, while
# code-server is not installed yet, the tools and headers its native modules build with.
# Installs them as root, or through passwordless sudo; otherwise prints the one command to run
# and exits 1. On a system without dpkg it only warns. Each step is a no-op when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_E2E=(chromium python3 python3-venv)
APT_CODE_SERVER_BUILD=(ripgrep build-essential pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)

say() { echo "test-deps: $*" >&2; }

apt_step() {
  local wanted=("${APT_E2E[@]}" "$@") missing=() p
  if ! bash scripts/install-code-server.sh --check >/dev/null 2>&1; then wanted+=("${APT_CODE_SERVER_BUILD[@]}"); fi
  if ! command -v dpkg-query >/dev/null; then
    say "no dpkg-query: cannot check for ${wanted[*]}; install them with your package manager if a step below fails"
    return 0
  fi
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local install=(apt-get install -y -qq --no-install-recommends "${missing[@]}")
  local as=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as=(sudo -n env DEBIAN_FRONTEND=noninteractive)
    else
      say "missing apt packages (${missing[*]}): install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
      exit 1
    fi
  fi
  say "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive "${as[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as[@]}" "${install[@]}" >/dev/null
}

python_step() {
  # An interpreter of the user's own is theirs to equip; the managed one gets requirements-dev.txt.
  if [ -n "${INTERSECTIONS_PYTHON:-}" ]; then
    if ! "$INTERSECTIONS_PYTHON" -c 'import pytest, xdist' 2>/dev/null; then
      say "INTERSECTIONS_PYTHON=$INTERSECTIONS_PYTHON has no pytest or pytest-xdist: run $INTERSECTIONS_PYTHON -m pip install -r python/requirements-dev.txt (or unset INTERSECTIONS_PYTHON to use the managed environment)"
      exit 1
    fi
    return 0
  fi
  node bin/intersections.js setup --dev >&2
}

code_server_step() { bash scripts/install-code-server.sh >/dev/null; }

if [ $# -eq 0 ]; then apt_step; python_step; code_server_step; exit 0; fi
step="$1"; shift
case "$step" in
  apt) apt_step "$@" ;;
  python) python_step ;;
  code-server) code_server_step ;;
  *) say "unknown step '$step' (apt, python or code-server)"; exit 2 ;;
esac
