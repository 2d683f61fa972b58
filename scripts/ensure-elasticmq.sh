#!/usr/bin/env bash
# Prints the directory holding ElasticMQ's jars (run: java -cp '<dir>/*' org.elasticmq.server.Main),
# copying the pinned version from Maven Central with Maven if needed. The jars are kept in the
# user's cache (UPLINK_TOOLS_CACHE, default ~/.cache/uplink) under the hash of
# scripts/elasticmq/pom.xml, and .tools/elasticmq/lib links to them: a second clone (CI's fresh
# clone) reuses them instead of running Maven again (~25 CPU-s, the slowest install step).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib="$root/.tools/elasticmq/lib"
if compgen -G "$lib/elasticmq-server_2.13-*.jar" >/dev/null; then echo "$lib"; exit 0; fi
pom="$root/scripts/elasticmq/pom.xml"
cache="${UPLINK_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uplink}/elasticmq-$(sha256sum "$pom" | cut -c1-16)"
if ! compgen -G "$cache/elasticmq-server_2.13-*.jar" >/dev/null; then
  command -v java >/dev/null 2>&1 || { echo "ElasticMQ needs java (apt-get install default-jre-headless)" >&2; exit 1; }
  command -v mvn >/dev/null 2>&1 || { echo "ElasticMQ is missing and Maven is not installed to fetch it" >&2; exit 1; }
  echo "fetching ElasticMQ into $cache (first run only)..." >&2
  # Copied beside, then renamed: a concurrent run never sees half the jars. The rename fails if
  # another run got there first (a non-empty directory); theirs is then used.
  rm -rf "$cache"
  mvn -q -B -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$cache.tmp.$$" >&2
  node -e 'try { require("fs").renameSync(process.argv[1], process.argv[2]) } catch {}' \
    "$cache.tmp.$$" "$cache"
  rm -rf "$cache.tmp.$$"
fi
mkdir -p "$root/.tools/elasticmq"
rm -rf "$lib" && ln -s "$cache" "$lib"
echo "$lib"
