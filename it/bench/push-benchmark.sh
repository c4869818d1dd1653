#!/usr/bin/env bash
# Benchmark (prints numbers, asserts nothing): mvn acr:push vs mvn jib:build (jib-maven-plugin 3.5.2) against the
# ACR test bed, cold push and no-change re-push, alternating runs, medians, ratio, auth round trips counted by the
# emulator, and the size of acr-maven-plugin's runtime dependency closure.
#   it/bench/push-benchmark.sh [runs]      (default 5; needs skopeo/docker-registry like the ITs, no network)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-5}"
mvn -B -q -o install -DskipTests -pl shared-auth,maven-plugin
mvn -B -q -o -pl maven-plugin dependency:build-classpath -Dmdep.includeScope=runtime \
    -Dmdep.outputFile="$PWD/it/target/plugin-classpath.txt" >/dev/null
tr ':' '\n' < it/target/plugin-classpath.txt | grep -v '^$' > it/target/plugin-closure.txt
JARS=$(wc -l < it/target/plugin-closure.txt)
BYTES=$(xargs du -cb < it/target/plugin-closure.txt | tail -1 | cut -f1)
PLUGIN=$(du -b maven-plugin/target/acr-maven-plugin-*.jar | head -1 | cut -f1)
mvn -B -o -pl it verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=PushBenchmark \
    -Dacr.bench.runs="$RUNS" | grep '\[bench\]' || true
awk -v j="$JARS" -v b="$BYTES" -v p="$PLUGIN" 'BEGIN { printf "[bench] acr-maven-plugin closure: plugin jar %.0f KiB + %d dependency jars, %.1f MiB\n", p/1024, j, b/1048576 }'
