#!/usr/bin/env bash
# One watermark round (vmflex scheduler's watermark migrations) against one placement round over the
# same cluster snapshot, same run: both are pure functions of it, so no API server is needed.
#
#   kube/bench/watermark-bench.sh              # 1000 VMs, 100 nodes, 500 timed rounds of each
#   kube/bench/watermark-bench.sh 5000 500 200 # vms nodes iterations
#
# Builds the module's test classes (never installs), then runs WatermarkRoundBench on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp_file="$PWD/kube/target/bench-classpath.txt"
./mvnw -q ${MAVEN_ARGS:-} -pl kube -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
cp="kube/target/test-classes:kube/target/classes:scheduler-plugin/target/classes:api/target/classes:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vmflex.kube.watermark.WatermarkRoundBench "$@"
