#!/usr/bin/env bash
# Everything a fresh Debian node needs before `./vmflex` works: packages, the test image in
# build/images, the jars. Idempotent and quick when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/ci/install-deps.sh"
bash "$ROOT/rootfs/build-test-image.sh" "$ROOT/build/images"
bash "$ROOT/rootfs/build-postgres-image.sh" "$ROOT/build/images"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
(cd "$ROOT" && ./mvnw -q package -DskipTests)
if [[ ! -e /usr/local/bin/vmctl ]]; then
  printf '#!/usr/bin/env bash\nexec %q ctl "$@"\n' "$ROOT/vmflex" > /usr/local/bin/vmctl
  chmod +x /usr/local/bin/vmctl
fi
