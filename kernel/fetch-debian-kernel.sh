#!/bin/sh
# Fetch Debian bookworm's cloud kernel (linux-image-cloud-amd64 -> linux-image-6.1.0-*-cloud-amd64)
# without installing it on the host, and lay it out as:
#   OUT_DIR/vmlinuz
#   OUT_DIR/modules/<kernel release>/...   (modules.dep etc.)
#   OUT_DIR/version                        (the kernel release, e.g. 6.1.0-56-cloud-amd64)
#   OUT_DIR/package                        (<package>=<debian version>)
# Idempotent: does nothing when OUT_DIR already holds a complete kernel (asking apt costs ~1 s);
# with VMFLEX_KERNEL_REFRESH=1 it replaces it if apt now resolves to a newer package.
# The downloaded .deb and its extraction are cached in $VMFLEX_CACHE_DIR (default ~/.cache/vmflex).
set -eu

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
OUT_DIR=$1
META=linux-image-cloud-amd64
CACHE=${VMFLEX_CACHE_DIR:-${HOME:-/root}/.cache/vmflex}/kernel

log() { echo "fetch-debian-kernel: $*" >&2; }

complete() {
    [ -f "$OUT_DIR/package" ] && [ -f "$OUT_DIR/vmlinuz" ] && [ -f "$OUT_DIR/version" ] \
        && [ -f "$OUT_DIR/modules/$(cat "$OUT_DIR/version")/modules.dep" ]
}
if [ "${VMFLEX_KERNEL_REFRESH:-0}" != 1 ] && complete; then
    log "present: $(cat "$OUT_DIR/package") in $OUT_DIR"
    exit 0
fi

# The metapackage depends on exactly one versioned image package; apt knows which.
resolve() {
    apt-cache depends --no-recommends --no-suggests "$META" 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-cloud-amd64$/ { print $2; exit }'
}

PKG=$(resolve || true)
if [ -z "$PKG" ]; then
    log "$META unknown to apt; running apt-get update"
    apt-get update -qq
    PKG=$(resolve || true)
fi
[ -n "$PKG" ] || { log "cannot resolve $META to a linux-image package"; exit 1; }
VER=$(apt-cache policy "$PKG" | awk '$1 == "Candidate:" { print $2 }')
[ -n "$VER" ] && [ "$VER" != "(none)" ] || { log "no candidate version for $PKG"; exit 1; }
KREL=${PKG#linux-image-}

if [ -f "$OUT_DIR/package" ] && [ "$(cat "$OUT_DIR/package")" = "$PKG=$VER" ] \
    && [ -f "$OUT_DIR/vmlinuz" ] && [ -f "$OUT_DIR/modules/$KREL/modules.dep" ]; then
    log "up to date: $PKG=$VER in $OUT_DIR"
    exit 0
fi

mkdir -p "$CACHE/debs"
DEB=$(ls "$CACHE/debs/${PKG}_$(echo "$VER" | sed 's/:/%3a/')"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$DEB" ]; then
    log "downloading $PKG=$VER"
    # apt-get download writes into the current directory.
    (cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$PKG=$VER" >&2)
    DEB=$(ls "$CACHE/debs/${PKG}_$(echo "$VER" | sed 's/:/%3a/')"_*.deb | head -n 1)
fi

EXTRACT="$CACHE/extract/$PKG=$VER"
if [ ! -f "$EXTRACT/.done" ]; then
    log "extracting $DEB"
    rm -rf "$EXTRACT"
    mkdir -p "$EXTRACT"
    dpkg-deb -x "$DEB" "$EXTRACT"
    # The .deb ships no modules.dep: Debian's postinst runs depmod. Run it here on the extraction
    # (kmod's depmod when the host has it, else busybox's, which writes the same format).
    if command -v depmod >/dev/null 2>&1; then
        depmod -b "$EXTRACT" "$KREL"
    elif command -v busybox >/dev/null 2>&1; then
        busybox depmod -b "$EXTRACT" "$KREL"
    else
        log "need depmod (apt-get install -y kmod) or busybox (apt-get install -y busybox-static)"
        exit 1
    fi
    touch "$EXTRACT/.done"
fi
[ -f "$EXTRACT/boot/vmlinuz-$KREL" ] || { log "no boot/vmlinuz-$KREL in $DEB"; exit 1; }
[ -d "$EXTRACT/lib/modules/$KREL" ] || { log "no lib/modules/$KREL in $DEB"; exit 1; }

# Build the result beside OUT_DIR and swap it in, so a crash never leaves a half-filled OUT_DIR.
mkdir -p "$(dirname "$OUT_DIR")"
TMP="$OUT_DIR.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP/modules"
cp "$EXTRACT/boot/vmlinuz-$KREL" "$TMP/vmlinuz"
[ -f "$EXTRACT/boot/config-$KREL" ] && cp "$EXTRACT/boot/config-$KREL" "$TMP/config"
# Hard links when the cache is on the same file system (modules are ~100 MB), a copy otherwise.
cp -al "$EXTRACT/lib/modules/$KREL" "$TMP/modules/" 2>/dev/null \
    || { rm -rf "$TMP/modules/$KREL"; cp -a "$EXTRACT/lib/modules/$KREL" "$TMP/modules/"; }
echo "$KREL" > "$TMP/version"
echo "$PKG=$VER" > "$TMP/package"
rm -rf "$OUT_DIR"
mv "$TMP" "$OUT_DIR"
log "ready: $OUT_DIR ($PKG=$VER)"
