#!/usr/bin/env bash
# Guest memory pressure -> memory plugged, cluster mode (vmflex daemon --kubeconfig + vmflex scheduler,
# permits over HTTPS, resizes through a real kube-apiserver) against standalone (vmflex up), same run,
# same VM, modes alternating run by run; real QEMU. Prints p50/p95 per mode and the ratio.
#
#   cli/bench/kube-autoscale-bench.sh            # 5 runs per mode
#   RUNS=10 cli/bench/kube-autoscale-bench.sh
#
# Needs the test image (IMAGES, default build/images) and a kube-apiserver binary (APISERVER, default the
# one the Kubernetes tests download to ~/.cache/vmflex). MAVEN_ARGS adds Maven options (-o, a private
# -Dmaven.repo.local); the modules the cli tests use must be installed there.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
IMAGES="${IMAGES:-$PWD/build/images}"
APISERVER="${APISERVER:-$HOME/.cache/vmflex/kube-apiserver-1.20.5+really1.20.2-1.1+deb12u1/kube-apiserver}"
exec ./mvnw ${MAVEN_ARGS:-} test -pl cli -Dtest=KubeAutoscaleBench -Dsurefire.failIfNoSpecifiedTests=false \
    -Dvmflex.images="$IMAGES" -Dvmflex.kube.apiserver="$APISERVER" \
    -Dvmflex.bench.runs="${RUNS:-5}" -Dvmflex.bench.fill="${FILL_MIB:-300}"
