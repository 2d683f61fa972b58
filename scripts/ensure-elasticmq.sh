#!/usr/bin/env bash
# Prints the directory holding ElasticMQ's jars (run: java -cp '<dir>/*' org.elasticmq.server.Main),
# copying the pinned version from Maven Central into .tools/elasticmq with Maven if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lib="$root/.tools/elasticmq/lib"
if compgen -G "$lib/elasticmq-server_2.13-*.jar" >/dev/null; then echo "$lib"; exit 0; fi
command -v java >/dev/null 2>&1 || { echo "ElasticMQ needs java (apt-get install default-jre-headless)" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || { echo "ElasticMQ is missing and Maven is not installed to fetch it" >&2; exit 1; }
echo "fetching ElasticMQ into .tools/elasticmq (first run only)..." >&2
mvn -q -B -f "$root/scripts/elasticmq/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$lib" >&2
echo "$lib"
