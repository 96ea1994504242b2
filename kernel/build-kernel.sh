#!/usr/bin/env bash
# Builds vmflex's own guest kernel: Debian's linux-source-6.1 configured as `make tinyconfig` plus
# kernel/vmflex-guest.config (everything built in, no modules), and lays it out as
#   OUT_DIR/vmlinuz  OUT_DIR/config  OUT_DIR/version  OUT_DIR/.stamp
# With --images DIR it also publishes the image-store entry DIR/kernel-vmflex/{vmlinuz,manifest.json}
# (a kernel-only image: VMs name it in spec.guest.kernelImage and keep their rootDisk's initrd/disk).
#
# usage: kernel/build-kernel.sh [OUT_DIR] [--images DIR]     (OUT_DIR default <repo>/build/kernel-vmflex)
#
# Cached: when the fragment, this script and the linux-source version are unchanged (hash in
# OUT_DIR/.stamp) it only (re)publishes and exits. The unpacked source and the object tree live in
# $VMFLEX_CACHE_DIR (default ~/.cache/vmflex)/linux-{src,obj}-<version> and are reused, so a changed
# fragment rebuilds incrementally. Installs linux-source-6.1 and the build tools with apt-get if missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SELF="$ROOT/kernel/build-kernel.sh"
FRAGMENT="$ROOT/kernel/vmflex-guest.config"
SRC_PKG=linux-source-6.1
NAME=kernel-vmflex

log() { echo "build-kernel: $*" >&2; }
usage() { echo "usage: $0 [OUT_DIR] [--images DIR]" >&2; exit 2; }

OUT_DIR="" IMAGES=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) [[ $# -ge 2 ]] || usage; IMAGES=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [[ -z "$OUT_DIR" ]] || usage; OUT_DIR=$1; shift ;;
  esac
done
OUT_DIR=${OUT_DIR:-$ROOT/build/kernel-vmflex}
CACHE=${VMFLEX_CACHE_DIR:-${HOME:-/root}/.cache/vmflex}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Publishes OUT_DIR's kernel as IMAGES/kernel-vmflex, atomically, unless it is already there.
publish() {
  [[ -n "$IMAGES" ]] || return 0
  local dest="$IMAGES/$NAME"
  if [[ -f "$dest/manifest.json" && -f "$dest/.stamp" ]] && cmp -s "$dest/.stamp" "$OUT_DIR/.stamp"; then
    return 0
  fi
  mkdir -p "$IMAGES"
  local tmp="$dest.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp "$OUT_DIR/vmlinuz" "$tmp/vmlinuz"
  printf '{"name":"%s","kernel":"vmlinuz","cmdline":"","builtAt":"%s"}\n' \
    "$NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$tmp/manifest.json"
  cp "$OUT_DIR/.stamp" "$tmp/.stamp"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "published $dest ($(cat "$OUT_DIR/version"))"
}

# Packages: the source tarball and what `make bzImage` needs. apt-get update only if something is missing.
need=()
for p in "$SRC_PKG" build-essential bc bison flex libelf-dev libssl-dev xz-utils; do
  installed "$p" || need+=("$p")
done
if [[ ${#need[@]} -gt 0 ]]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
SRC_VER=$(dpkg-query -W -f='${Version}' "$SRC_PKG")
TARBALL=/usr/src/$SRC_PKG.tar.xz
[[ -f "$TARBALL" ]] || { log "missing $TARBALL (from $SRC_PKG=$SRC_VER)"; exit 1; }

STAMP=$(cat "$FRAGMENT" "$SELF" <(echo "$SRC_PKG=$SRC_VER") | sha256sum | cut -d' ' -f1)
if [[ -f "$OUT_DIR/vmlinuz" && -f "$OUT_DIR/.stamp" && "$(cat "$OUT_DIR/.stamp")" == "$STAMP" ]]; then
  log "up to date: $(cat "$OUT_DIR/version") in $OUT_DIR"
  publish
  exit 0
fi

START=$(date +%s)
SRC="$CACHE/linux-src-$SRC_VER"
OBJ="$CACHE/linux-obj-$SRC_VER"
if [[ ! -f "$SRC/.done" ]]; then
  log "unpacking $TARBALL into $SRC"
  rm -rf "$SRC" "$SRC.tmp"
  mkdir -p "$SRC.tmp"
  tar -C "$SRC.tmp" -xJf "$TARBALL" --strip-components=1
  touch "$SRC.tmp/.done"
  mv "$SRC.tmp" "$SRC"
fi

# Configure from scratch every time (cheap, ~10 s): tinyconfig, the fragment on top, olddefconfig.
# Objects in OBJ are kept, so make recompiles only what the new .config changes.
mkdir -p "$OBJ"
MAKE=(make -C "$SRC" O="$OBJ" ARCH=x86_64 -s)
log "configuring (tinyconfig + $(basename "$FRAGMENT"))"
"${MAKE[@]}" tinyconfig >/dev/null
(cd "$SRC" && scripts/kconfig/merge_config.sh -m -O "$OBJ" "$OBJ/.config" "$FRAGMENT" >/dev/null)
"${MAKE[@]}" olddefconfig >/dev/null

# Kconfig silently drops a symbol whose dependencies are unmet; fail loudly instead.
missing=()
while IFS= read -r line; do
  case "$line" in
    CONFIG_*=*) grep -qxF "$line" "$OBJ/.config" || missing+=("$line") ;;
    "# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}
      ! grep -q "^$sym=" "$OBJ/.config" || missing+=("$line") ;;
  esac
done < "$FRAGMENT"
if [[ ${#missing[@]} -gt 0 ]]; then
  log "the final .config does not honour: ${missing[*]}"
  exit 1
fi

log "building bzImage with -j$(nproc) in $OBJ"
"${MAKE[@]}" -j"$(nproc)" bzImage
RELEASE=$("${MAKE[@]}" kernelrelease)

mkdir -p "$(dirname "$OUT_DIR")"
TMP="$OUT_DIR.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP"
cp "$OBJ/arch/x86/boot/bzImage" "$TMP/vmlinuz"
cp "$OBJ/.config" "$TMP/config"
echo "$RELEASE" > "$TMP/version"
echo "$STAMP" > "$TMP/.stamp"
rm -rf "$OUT_DIR"
mv "$TMP" "$OUT_DIR"
log "built $RELEASE in $(( $(date +%s) - START )) s: $OUT_DIR/vmlinuz ($(stat -c %s "$OUT_DIR/vmlinuz") bytes)"
publish
