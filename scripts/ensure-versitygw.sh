#!/usr/bin/env bash
# Prints the path of a versitygw binary: the one on PATH, else .tools/bin/versitygw,
# else installs the pinned version there with `go install` (needs Go and the Go module proxy).
set -euo pipefail
VERSION=v1.7.0
root=$(cd "$(dirname "$0")/.." && pwd)
if command -v versitygw >/dev/null 2>&1; then command -v versitygw; exit 0; fi
bin="$root/.tools/bin/versitygw"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "versitygw is missing and Go is not installed to build it" >&2; exit 1; }
echo "installing versitygw $VERSION into .tools/bin (first run only)..." >&2
mkdir -p "$root/.tools/bin"
GOBIN="$root/.tools/bin" GOFLAGS=-buildvcs=false go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
echo "$bin"
