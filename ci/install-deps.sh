#!/usr/bin/env bash
# Installs the Debian packages vmflex needs on a node or a CI machine. Idempotent: installs only
# what is missing, runs `apt-get update` at most once.
set -euo pipefail
PKGS=(qemu-system-x86 qemu-utils busybox-static cpio gzip iproute2 curl socat util-linux)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
  echo "install-deps: JDK 25 not found at $JAVA_HOME" >&2
  exit 1
fi
