#!/usr/bin/env bash
# Installs the Debian packages vmflex needs on a node or a CI machine (with --kube, also those of the
# Kubernetes tests). Idempotent: installs only what is missing, runs `apt-get update` only when
# something must be installed.
#
# QEMU comes from bookworm-backports (10.0): Debian 12's own QEMU 7.2 corrupts its heap when a
# vCPU that was hot-unplugged under TCG is plugged again (seen here: "malloc(): largebin double
# linked list corrupted" on the re-plug, "qemu_thread_join: Resource deadlock avoided" with
# thread=single). 10.0 plugs and unplugs the same vCPU repeatedly without trouble.
set -euo pipefail
PKGS=(busybox-static cpio gzip iproute2 iputils-ping curl socat tcpdump util-linux e2fsprogs binutils debootstrap buildah docker-registry skopeo gcc libc6-dev postgresql-client
      linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev xz-utils)
# --kube: what the Kubernetes tests need besides: building kube-apiserver from Debian's source package
# (ci/kube/build-apiserver.sh), etcd, and a kubectl: the machine's, else Debian's (1.20, the API
# server's own version). ci/test.sh asks for them; a node (ci/setup.sh) does not need them.
if [[ "${1:-}" == --kube ]]; then
  PKGS+=(golang-go rsync make dpkg-dev etcd-server golang-github-modern-go-reflect2-dev)
  command -v kubectl >/dev/null || PKGS+=(kubernetes-client)
elif [[ $# -gt 0 ]]; then
  echo "install-deps: unknown argument $1 (only --kube)" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() { [[ $updated == 1 ]] || { apt-get update -qq; updated=1; }; }

. /etc/os-release
BACKPORTS="${VERSION_CODENAME:-bookworm}-backports"
if [[ "${VERSION_CODENAME:-}" == bookworm ]]; then
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # The backports suite comes from the mirror apt already uses (or VMFLEX_DEBIAN_MIRROR).
    MIRROR=$("$(dirname "${BASH_SOURCE[0]}")/../rootfs/debian-mirror.sh" bookworm)
    echo "deb $MIRROR bookworm-backports main" > /etc/apt/sources.list.d/vmflex-backports.list
    updated=0
  fi
  qemu_version=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
  if [[ "$qemu_version" != *bpo12* ]]; then
    echo "install-deps: installing qemu-system-x86 from $BACKPORTS" >&2
    apt_update
    apt-get install -y -qq --no-install-recommends -t "$BACKPORTS" qemu-system-x86 qemu-utils >/dev/null
  fi
else
  PKGS+=(qemu-system-x86 qemu-utils)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt_update
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
  echo "install-deps: JDK 25 not found at $JAVA_HOME" >&2
  exit 1
fi
