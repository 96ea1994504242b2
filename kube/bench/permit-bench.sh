#!/usr/bin/env bash
# The permit API of vmflex scheduler on a real kube-apiserver: permit decisions per second with 1,000 VMs
# asking at once over HTTPS (pod-bound node tokens checked by TokenReview, one client per node) against
# the same rounds straight into the scheduler's books in-process (same run, ratio). Needs the
# kube-apiserver that ci/kube/build-apiserver.sh builds, and etcd.
#
#   kube/bench/permit-bench.sh            # 1000 VMs, 10 nodes, 20 rounds
#   kube/bench/permit-bench.sh 1000 10 40 # vms nodes rounds
#
# Builds the module's test classes (never installs), then runs PermitBench on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp_file="$PWD/kube/target/bench-classpath.txt"
./mvnw -q ${MAVEN_ARGS:-} -pl kube -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
cp="kube/target/test-classes:kube/target/classes:scheduler-plugin/target/classes:api/target/classes:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vmflex.kube.permit.PermitBench "$@"
