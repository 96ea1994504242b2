#!/usr/bin/env bash
# Permit decisions per second with 1,000 nodes against the same decisions on 1 node, through the
# facade, and against building or JSON-decoding the request alone (JMH, one fork, 5 x 1 s warm-up,
# 5 x 1 s measurement per benchmark and parameter; about 2 minutes).
#
#   scheduler-plugin/bench/permit-bench.sh                  # all benchmarks
#   scheduler-plugin/bench/permit-bench.sh 'decide$'        # a JMH regexp; extra JMH options may follow
#
# Builds the module's test classes (never installs), then runs org.openjdk.jmh.Main on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp_file="$PWD/scheduler-plugin/target/bench-classpath.txt"
./mvnw -q -pl scheduler-plugin -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
cp="scheduler-plugin/target/test-classes:scheduler-plugin/target/classes:api/target/classes:$(cat "$cp_file")"
filter="${1:-PermitBenchmark}"
shift || true
exec "$JAVA_HOME/bin/java" -cp "$cp" org.openjdk.jmh.Main "$filter" -rf text \
    -rff scheduler-plugin/target/permit-bench.txt "$@"
