#!/usr/bin/env bash
# vmflex scheduler on a real kube-apiserver: binding throughput of 1,000 pending VirtualMachines over
# 100 VM nodes against the same writes sent straight from a client (same run), then the scheduler's API
# requests per VM per minute at steady state while others write VM status (counted by its client's
# interceptor). Needs the kube-apiserver that ci/kube/build-apiserver.sh builds, and etcd.
#
#   kube/bench/placement-bench.sh                 # 1000 VMs, 100 nodes, 60 s steady state, 10 status writes/s
#   kube/bench/placement-bench.sh 1000 100 120 20 # vms nodes seconds churn
#
# Builds the module's test classes (never installs), then runs PlacementBench on them.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cp_file="$PWD/kube/target/bench-classpath.txt"
./mvnw -q ${MAVEN_ARGS:-} -pl kube -am test-compile dependency:build-classpath \
    -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
cp="kube/target/test-classes:kube/target/classes:scheduler-plugin/target/classes:api/target/classes:$(cat "$cp_file")"
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vmflex.kube.placement.PlacementBench "$@"
