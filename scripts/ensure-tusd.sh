#!/usr/bin/env bash
# Prints the path of the pinned tusd (the tus reference server, `pnpm bench`'s peer):
# .tools/bin/tusd if it is that version, else installs it with `go install` (needs Go and the Go
# module proxy). A tusd on PATH is not used: the peer's version must be the pinned one. The build
# is kept per version in the user's cache (UPLINK_TOOLS_CACHE, default ~/.cache/uplink) and
# .tools/bin/tusd links to it: a second clone reuses it instead of linking it again (~7 CPU-s).
set -euo pipefail
VERSION=v2.9.1
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/tusd"
stamp="$root/.tools/bin/tusd.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; then echo "$bin"; exit 0; fi
cache="${UPLINK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uplink}/tusd-$VERSION"
if [ ! -x "$cache/tusd" ]; then
  command -v go >/dev/null 2>&1 || { echo "tusd is missing and Go is not installed to build it" >&2; exit 1; }
  echo "installing tusd $VERSION into $cache (first run only)..." >&2
  # Built beside, then renamed: a concurrent run never starts half a binary.
  mkdir -p "$cache"
  GOBIN="$cache/tmp.$$" GOFLAGS=-buildvcs=false go install "github.com/tus/tusd/v2/cmd/tusd@$VERSION" >&2
  mv -f "$cache/tmp.$$/tusd" "$cache/tusd" && rm -rf "$cache/tmp.$$"
fi
mkdir -p "$root/.tools/bin"
ln -sfn "$cache/tusd" "$bin"
echo "$VERSION" >"$stamp"
echo "$bin"
