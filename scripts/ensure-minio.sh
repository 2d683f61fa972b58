#!/usr/bin/env bash
# Prints the path of a MinIO server binary: the one on PATH, else .tools/bin/minio, else installs
# the pinned version there with `go install` (needs Go and the Go module proxy; a heavy build).
# MinIO publishes no semver tags for its module: the pin is the pseudo-version of a commit on
# its master branch (2026-02-12).
set -euo pipefail
VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
root=$(cd "$(dirname "$0")/.." && pwd)
if command -v minio >/dev/null 2>&1; then command -v minio; exit 0; fi
bin="$root/.tools/bin/minio"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v go >/dev/null 2>&1 || { echo "minio is missing and Go is not installed to build it" >&2; exit 1; }
echo "installing minio $VERSION into .tools/bin (first run only, several minutes)..." >&2
mkdir -p "$root/.tools/bin"
GOBIN="$root/.tools/bin" GOFLAGS=-buildvcs=false go install "github.com/minio/minio@$VERSION" >&2
echo "$bin"
