#!/usr/bin/env bash
# Prints the path of the pinned tusd (the tus reference server, `pnpm bench`'s peer):
# .tools/bin/tusd if it is that version, else installs it there with `go install` (needs Go and
# the Go module proxy). A tusd on PATH is not used: the peer's version must be the pinned one.
set -euo pipefail
VERSION=v2.9.1
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/.tools/bin/tusd"
stamp="$root/.tools/bin/tusd.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "tusd is missing and Go is not installed to build it" >&2; exit 1; }
echo "installing tusd $VERSION into .tools/bin (first run only)..." >&2
mkdir -p "$root/.tools/bin"
GOBIN="$root/.tools/bin" GOFLAGS=-buildvcs=false go install "github.com/tus/tusd/v2/cmd/tusd@$VERSION" >&2
echo "$VERSION" >"$stamp"
echo "$bin"
