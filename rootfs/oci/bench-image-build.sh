#!/bin/sh
# Benchmark: a PostgreSQL VM image by way of a container image against vmflex's own Debian
# builder, same run, alternating, both from their cached debootstrap roots (no download timed):
#   container  rootfs/oci/build-postgres-container.sh (buildah commit of the trimmed root, OCI
#              archive) then `vmflex image build --from` of that archive
#   --from     `vmflex image build --from` alone (the archive already there: an image pulled or
#              built elsewhere)
#   debian     rootfs/build-postgres-image.sh (cp of the root, trims, initdb, initramfs, ext4)
# Prints each run, the medians (wall time, rootfs.img size apparent and allocated) and the ratios
# within each round.
# Usage: bench-image-build.sh [RUNS] [IMAGES_DIR]   (default 3, <repo>/build/images: needs the test
#        image and the postgres image's kernel and initramfs there). Needs root.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=${1:-3}
IMAGES=${2:-$REPO/build/images}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmflex-image-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
log() { echo "bench-image-build: $*" >&2; }
for f in test/monitor.img test/.stamp postgres/vmlinuz postgres/initrd.img; do
    [ -f "$IMAGES/$f" ] || { log "needs $IMAGES/$f (rootfs/build-test-image.sh, rootfs/build-postgres-image.sh)"; exit 1; }
done
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
sizes() { echo "$(( $(stat -c %s "$1") >> 20 )) $(( $(du -k "$1" | cut -f1) >> 10 ))"; }

# Warm-up (not timed): the debootstrap caches, the kernel extraction, the jars.
"$HERE/build-postgres-container.sh" "$WORK/warm" >/dev/null 2>&1
ARCHIVE=$WORK/warm/postgres-15-ip4r.oci.tar
"$REPO/vmflex" --version >/dev/null
"$REPO/kernel/fetch-debian-kernel.sh" "${KERNEL_DIR:-$REPO/build/kernel}" >/dev/null 2>&1

debian() {
    d=$WORK/debian.$1
    mkdir -p "$d" && cp -a "$IMAGES/test" "$d/"
    t0=$(now); "$REPO/rootfs/build-postgres-image.sh" "$d" >/dev/null 2>&1; t1=$(now)
    echo "debian $(ms "$t0" "$t1") $(sizes "$d/postgres/rootfs.img")"
    rm -rf "$d"
}
from() {
    s=$WORK/store.$1
    mkdir -p "$s/postgres" "$s/test"
    cp "$IMAGES/postgres/vmlinuz" "$IMAGES/postgres/initrd.img" "$s/postgres/" && cp "$IMAGES/test/monitor.img" "$s/test/"
    t0=$(now); "$REPO/vmflex" image build --from "$2" pgc --images "$s" >/dev/null 2>&1; t1=$(now)
    echo "$(ms "$t0" "$t1") $(sizes "$s/pgc/rootfs.img")"
    rm -rf "$s"
}
container() {
    o=$WORK/container.$1
    t0=$(now); "$HERE/build-postgres-container.sh" "$o" >/dev/null 2>&1; t1=$(now)
    set -- "$1" "$(ms "$t0" "$t1")" "$(( $(stat -c %s "$o/postgres-15-ip4r.oci.tar") >> 20 ))" "$(from "c$1" "$o/postgres-15-ip4r.oci.tar")"
    echo "container $(( $2 + ${4%% *} )) ${4#* } (buildah $2 ms, archive $3 MiB)"
    rm -rf "$o"
}
RESULTS=$WORK/results
for i in $(seq 1 "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then debian "$i"; container "$i"; echo "from $(from "$i" "$ARCHIVE")"
    else echo "from $(from "$i" "$ARCHIVE")"; container "$i"; debian "$i"; fi
done | tee "$RESULTS" >&2
median() { grep "^$1 " "$RESULTS" | awk '{print $2}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
D=$(median debian) C=$(median container) F=$(median from)
size() { grep "^$1 " "$RESULTS" | head -n1 | awk '{print $3 " MiB (" $4 " MiB allocated)"}'; }
echo "medians over $RUNS runs, load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo "  debian builder (build-postgres-image.sh)      ${D} ms  rootfs.img $(size debian)"
echo "  container route (buildah + image build --from) ${C} ms  rootfs.img $(size container)"
echo "  image build --from alone                       ${F} ms"
# The host's load drifts between rounds: the ratio within each round (three builds back to back) is
# the figure to trust, their median the summary.
awk '{ t[$1] = $2 } NR % 3 == 0 { printf "%.3f %.3f\n", t["container"] / t["debian"], t["from"] / t["debian"] }' "$RESULTS" > "$WORK/ratios"
mid() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo "  per round, container route / debian: $(cut -d' ' -f1 "$WORK/ratios" | paste -sd' '), median $(cut -d' ' -f1 "$WORK/ratios" | mid)"
echo "  per round, --from alone / debian:     $(cut -d' ' -f2 "$WORK/ratios" | paste -sd' '), median $(cut -d' ' -f2 "$WORK/ratios" | mid)"
