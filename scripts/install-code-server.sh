#!/usr/bin/env bash
# Installs code-server (the real VS Code workbench served to a browser, with a Node extension
# host) into a cache folder, without network access other than the npm registry.
# Idempotent: a second run finds the finished install and does nothing.
#
#   scripts/install-code-server.sh            # installs, prints the path of the code-server binary
#   scripts/install-code-server.sh --check    # exit 0 when installed (prints the path), 1 when not
#
# Needs Node 20 (code-server 4.100 refuses other majors), a C++ toolchain and the headers in
# APT_CODE_SERVER_BUILD of scripts/test-deps.sh (`bash scripts/test-deps.sh apt` installs them).
# VS Code's @vscode/ripgrep would download rg from GitHub; instead we hand it Debian's rg
# through its download cache.
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CACHE_ROOT="${INTERSECTIONS_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/intersections-e2e}"
DEST="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION"
BIN="$DEST/node_modules/code-server/out/node/entry.js"
MARKER="$DEST/.installed"

if [ -f "$MARKER" ] && [ -f "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = "--check" ]; then exit 1; fi

log() { echo "[install-code-server] $*" >&2; }

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != "20" ]; then
  log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)"
  exit 1
fi
for tool in rg g++ make python3 pkg-config; do
  if ! command -v "$tool" >/dev/null; then
    log "missing '$tool': run bash scripts/test-deps.sh apt (it installs the build tools and headers)"
    exit 1
  fi
done

log "installing code-server $CODE_SERVER_VERSION into $DEST (a few minutes, once)"
rm -rf "$DEST"
mkdir -p "$DEST"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# @vscode/ripgrep's postinstall looks in $TMPDIR/vscode-ripgrep-cache-<its version>/ before it
# downloads. Give it a release-shaped tarball containing Debian's rg.
rg_pkg_version=1.15.11
rg_cache="$work/vscode-ripgrep-cache-$rg_pkg_version"
mkdir -p "$rg_cache/stage"
cp "$(command -v rg)" "$rg_cache/stage/rg"
tar czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rg_cache/stage" rg

cat >"$DEST/package.json" <<EOF
{ "name": "intersections-e2e-code-server", "private": true, "version": "0.0.0" }
EOF

# code-server's postinstall runs nested `npm install`s (lib/vscode, its extensions) whose
# native modules (node-pty, spdlog, kerberos, ...) must build: npm 11 blocks dependency install
# scripts unless allowed, so allow them for this pinned install only (environment config
# reaches the nested npm processes too). Headers come from the local Node (no download).
nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
(
  cd "$DEST"
  export TMPDIR="$work"
  export npm_config_yes=true
  export npm_config_unsafe_perm=true
  export npm_config_dangerously_allow_all_scripts=true
  export npm_config_ignore_scripts=false
  export npm_config_nodedir="$nodedir"
  export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
  npm install --no-save --unsafe-perm --foreground-scripts "code-server@$CODE_SERVER_VERSION" >"$work/npm.log" 2>&1 \
    || { tail -n 60 "$work/npm.log" >&2; log "npm install failed (full log above)"; exit 1; }
)

# Check the pieces that a silently skipped install script would leave missing.
vscode="$DEST/node_modules/code-server/lib/vscode"
for f in node_modules/@vscode/ripgrep/bin/rg node_modules/node-pty/build/Release/pty.node node_modules/@vscode/spdlog/build/Release/spdlog.node; do
  if [ ! -e "$vscode/$f" ]; then
    log "incomplete install: $vscode/$f is missing"
    exit 1
  fi
done
touch "$MARKER"
log "done"
echo "$BIN"
