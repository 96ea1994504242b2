#!/usr/bin/env bash
# Builds kube-apiserver once from Debian's own `kubernetes` source package into a cache outside the
# checkout, keyed by the package version, and prints the binary's path. Idempotent: a cached binary
# is reused without touching the network. No binary kube-apiserver is packaged anywhere these
# machines reach; the source package carries its whole vendor/ tree, so the build is offline once
# the source is fetched (see ../shared/ENVIRONMENT.md "Kubernetes").
#   VMFLEX_KUBE_PKG_VERSION  the source package version (default below)
#   VMFLEX_CACHE             cache root (default ~/.cache/vmflex)
# The tests find the binary at $VMFLEX_CACHE/kube-apiserver-<version>/kube-apiserver
# (KubeApiServer.DEFAULT_PACKAGE_VERSION in the kube module's test-jar must match the default here).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PKG_VERSION=${VMFLEX_KUBE_PKG_VERSION:-1.20.5+really1.20.2-1.1+deb12u1}
CACHE=${VMFLEX_CACHE:-$HOME/.cache/vmflex}
OUT="$CACHE/kube-apiserver-$PKG_VERSION"
BIN="$OUT/kube-apiserver"

if [[ -x "$BIN" ]]; then echo "$BIN"; exit 0; fi

# golang-go, rsync, make, dpkg-dev, etcd-server and Debian's reflect2.
bash "$ROOT/ci/install-deps.sh" --kube >&2

started=$(date +%s)
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/kube-apiserver-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# A private apt setup with a deb-src line: the machine's own apt configuration is left alone.
MIRROR=$("$ROOT/rootfs/debian-mirror.sh" bookworm)
mkdir -p "$WORK/apt/lists/partial" "$WORK/apt/cache/archives/partial"
echo "deb-src $MIRROR bookworm main" > "$WORK/apt/sources.list"
APT_OPTS=(-o "Dir::Etc::SourceList=$WORK/apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
          -o "Dir::State::Lists=$WORK/apt/lists" -o "Dir::Cache=$WORK/apt/cache" -o "APT::Sandbox::User=root")
apt-get "${APT_OPTS[@]}" update -qq >&2
( cd "$WORK" && apt-get "${APT_OPTS[@]}" source -qq --only-source "kubernetes=$PKG_VERSION" >&2 )
SRC=$(find "$WORK" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -1)
[[ -n "$SRC" ]] || { echo "build-apiserver: apt-get source kubernetes=$PKG_VERSION left no source tree" >&2; exit 1; }

# Kubernetes 1.20 vendors reflect2 1.0.1, which crashes (SIGSEGV in UnsafeIterate) under Go >= 1.18
# on the first custom-object create; Debian's 1.0.2 does not.
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
[[ -d "$REFLECT2" ]] || { echo "build-apiserver: $REFLECT2 missing (golang-github-modern-go-reflect2-dev)" >&2; exit 1; }
rm -rf "$SRC/vendor/github.com/modern-go/reflect2"
cp -r "$REFLECT2" "$SRC/vendor/github.com/modern-go/reflect2"

# `make` (not plain go build: the generated OpenAPI code is made by the Makefile).
( cd "$SRC" && GOCACHE="$WORK/gocache" GOPATH="$WORK/gopath" GOFLAGS=-mod=vendor GOLDFLAGS="-s -w" \
    make WHAT=cmd/kube-apiserver >&2 )
built=$(find "$SRC/_output" -type f -name kube-apiserver -perm -u+x | head -1)
[[ -n "$built" ]] || { echo "build-apiserver: make left no kube-apiserver binary" >&2; exit 1; }
mkdir -p "$OUT"
cp "$built" "$OUT/kube-apiserver.tmp" && mv "$OUT/kube-apiserver.tmp" "$BIN"
"$BIN" --version >&2
echo "build-apiserver: built in $(( $(date +%s) - started ))s" >&2
echo "$BIN"
