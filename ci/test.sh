#!/usr/bin/env bash
# The test command: installs what the tests need, builds the test and postgres images, runs every suite
# (unit tests and the real-QEMU integration tests). Idempotent.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/ci/install-deps.sh" --kube
bash "$ROOT/rootfs/build-test-image.sh" "$ROOT/build/images"
bash "$ROOT/kernel/build-kernel.sh" --images "$ROOT/build/images"
bash "$ROOT/rootfs/build-postgres-image.sh" "$ROOT/build/images"
# A PostgreSQL container image made with buildah (no Docker engine), for PostgresContainerIT.
bash "$ROOT/rootfs/oci/build-postgres-container.sh" "$ROOT/build/containers"
# The kube module's tests run a real kube-apiserver (built once, ~4 min, cached in ~/.cache/vmflex).
# Naming it makes its absence a failure there instead of a skip.
KUBE_APISERVER=$(bash "$ROOT/ci/kube/build-apiserver.sh")
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
cd "$ROOT"
# The node tests (ci/nodes) run ./vmflex, i.e. the cli jar, while the reactor is still testing
# vmm-daemon: build every jar first so nothing gets built underneath a running test.
./mvnw -q package -DskipTests
./mvnw verify -Dvmflex.images="$ROOT/build/images" -Dvmflex.kube.apiserver="$KUBE_APISERVER" "$@"
