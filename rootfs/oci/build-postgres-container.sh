#!/bin/sh
# Builds a PostgreSQL container image without a Docker engine: Debian's buildah (vfs storage in a
# private directory, nothing left in /var/lib/containers) commits a debootstrap'd bookworm root with
# PostgreSQL 15 and one extension package (ip4r: Debian 12 has no pgvector) as one gzip'd layer, and
# saves it as an OCI archive:
#   OUT_DIR/postgres-15-ip4r.oci.tar    ENTRYPOINT postgres-entrypoint, CMD postgres, USER postgres,
#                                       PGDATA=/tmp/pgdata, port 5432
#   OUT_DIR/postgres-15-ip4r.oci.tar.stamp   input hash (rebuilt only when it changes)
# The root holds what vmflex's own postgres image holds (rootfs/build-postgres-image.sh: the same
# trims, from rootfs/postgres-root.sh, the same initdb'd template cluster), so that `vmflex image
# build --from` of this archive and the Debian builder can be compared on the same root.
# Usage: build-postgres-container.sh [OUT_DIR]   (default <repo>/build/containers)
# The debootstrap result is cached in ${VMFLEX_CACHE_DIR:-~/.cache/vmflex}/postgres-container (keyed
# by suite, mirror and packages). Needs root (debootstrap, chroot); never mounts anything and runs
# nothing inside a container (no `buildah run`: no runtime needed).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$REPO/rootfs/postgres-root.sh"
OUT_DIR=${1:-$REPO/build/containers}
CACHE=${VMFLEX_CACHE_DIR:-$HOME/.cache/vmflex}/postgres-container
SUITE=bookworm
MIRROR=$("$REPO/rootfs/debian-mirror.sh" "$SUITE")
EXTENSION=postgresql-15-ip4r
PACKAGES="postgresql-15,$EXTENSION"
NAME=postgres-15-ip4r
ARCHIVE=$OUT_DIR/$NAME.oci.tar
log() { echo "build-postgres-container: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "needs root (debootstrap, chroot)"; exit 1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
missing=
for p in debootstrap buildah; do
    installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    log "installing$missing"
    apt-get install -y -q $missing >&2 || { apt-get update -qq && apt-get install -y -q $missing >&2; }
fi

BASE_KEY=$(echo "$SUITE $MIRROR $PACKAGES v1" | sha256sum | cut -c1-16)
BASE=$CACHE/debootstrap-$BASE_KEY
STAMP=$( { cat "$0" "$REPO/rootfs/postgres-root.sh" "$HERE"/postgres-container/*; echo "$BASE_KEY"; buildah --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$ARCHIVE" ] && [ "$(cat "$ARCHIVE.stamp" 2>/dev/null)" = "$STAMP" ]; then
    log "up to date: $ARCHIVE"
    exit 0
fi
START=$(date +%s.%N)
if [ ! -f "$BASE/.complete" ]; then
    log "debootstrap $SUITE ($PACKAGES) into $BASE"
    rm -rf "$BASE"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE" "$MIRROR" >&2
    touch "$BASE/.complete"
fi
ROOT_START=$(date +%s.%N)

mkdir -p "$OUT_DIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmflex-pg-container.XXXXXX")
BUILDAH="buildah --root $WORK/storage --runroot $WORK/run --storage-driver vfs"
CTR=
cleanup() {
    [ -z "$CTR" ] || $BUILDAH rm "$CTR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# 1. The root: the cached Debian root, trimmed as build-postgres-image.sh trims its own.
ROOT=$WORK/rootfs
postgres_root "$BASE" "$ROOT"
# The template cluster the entrypoint copies to $PGDATA: the password is set at first start, never baked in.
chroot --userspec=postgres:postgres "$ROOT" /usr/lib/postgresql/15/bin/initdb \
    -D /var/lib/postgresql/template -U postgres -E UTF8 --locale=C \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
cat "$HERE/postgres-container/postgresql.conf" >> "$ROOT/var/lib/postgresql/template/postgresql.conf"
echo "host all all all scram-sha-256" >> "$ROOT/var/lib/postgresql/template/pg_hba.conf"
# A container image carries no device nodes: the runtime (or the guest's devtmpfs) provides /dev.
rm -rf "$ROOT"/dev/* "$ROOT"/proc/* "$ROOT"/sys/*
install -m 0755 "$HERE/postgres-container/entrypoint.sh" "$ROOT/usr/local/bin/postgres-entrypoint"
tar -C "$ROOT" --numeric-owner --xattrs -cf "$WORK/root.tar" .
rm -rf "$ROOT"

# 2. The image: from scratch, the root as its one layer, a container's run settings, an OCI archive.
CTR=$($BUILDAH from scratch)
$BUILDAH add "$CTR" "$WORK/root.tar" / >/dev/null
rm -f "$WORK/root.tar"
$BUILDAH config --os linux --arch amd64 \
    --entrypoint '["/usr/local/bin/postgres-entrypoint"]' --cmd '["postgres"]' \
    --env PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env PGDATA=/tmp/pgdata --env LANG=C.UTF-8 \
    --user postgres --workingdir /var/lib/postgresql --port 5432/tcp --stop-signal SIGINT \
    --label org.opencontainers.image.title="PostgreSQL 15 with $EXTENSION (Debian $SUITE)" \
    --label io.vmflex.built-by=rootfs/oci/build-postgres-container.sh "$CTR"
NEW=$OUT_DIR/.$NAME.oci.tar.tmp.$$
$BUILDAH commit --quiet --format oci --disable-compression=false "$CTR" "oci-archive:$NEW" >/dev/null
mv "$NEW" "$ARCHIVE"
echo "$STAMP" > "$ARCHIVE.stamp"
END=$(date +%s.%N)
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
log "built $ARCHIVE ($(du -m "$ARCHIVE" | cut -f1) MiB) in $(secs "$START" "$END") s, $(secs "$ROOT_START" "$END") s of it after the debootstrap root"
