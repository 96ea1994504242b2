#!/bin/sh
# Build vmflex's "test" guest image (Debian cloud kernel + busybox initramfs) into the node-local
# image store layout:
#   IMAGES_DIR/test/vmlinuz
#   IMAGES_DIR/test/initrd.img      gzip'd newc cpio
#   IMAGES_DIR/test/monitor.img     read-only ext4 (label vmflex-monitor): the guest monitor, its
#                                   jlinked JVM and the glibc it needs; the init mounts and starts it
#   IMAGES_DIR/test/manifest.json   {"name","kernel","initrd","disk","cmdline","builtAt"}
# Usage: build-test-image.sh [IMAGES_DIR]   (default <repo>/build/images)
# Idempotent: rebuilds only when this script, the init, the module list, busybox, the kernel, the
# monitor's jars, the JDK or glibc changed (hash kept in IMAGES_DIR/test/.stamp). The monitor jar
# is (re)built with Maven when missing or older than its sources. KERNEL_DIR overrides where the
# kernel is fetched to (default <repo>/build/kernel); VMFLEX_JDK the JDK whose runtime is jlinked.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
IMAGES_DIR=${1:-$REPO/build/images}
KERNEL_DIR=${KERNEL_DIR:-$REPO/build/kernel}
INIT=$HERE/test-init.sh
NAME=test
# Kernel command line the image needs: serial console, hot-added memory onlined movable by the
# kernel itself (so virtio-mem can unplug it), little console noise, exit QEMU on panic
# (with -no-reboot).
CMDLINE="console=ttyS0 quiet loglevel=3 memhp_default_state=online_movable panic=1"
# Modules the guest loads, in this order after their dependencies. button + evdev: the ACPI power
# button as an input event the init waits for (rootfs/guest-power.sh).
MODULES="virtio_pci virtio_mem virtio_console virtio_blk virtio_net virtio_balloon virtio_rng button evdev"

log() { echo "build-test-image: $*" >&2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
need() {
    missing=
    # The initramfs has no libc: only the static busybox works there.
    installed busybox-static || missing="$missing busybox-static"
    command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
    command -v gzip >/dev/null 2>&1 || missing="$missing gzip"
    # mkfs.ext4 -d fills the monitor disk without a loop mount; strip shrinks libjvm by 5 MB.
    command -v mkfs.ext4 >/dev/null 2>&1 || missing="$missing e2fsprogs"
    command -v strip >/dev/null 2>&1 || missing="$missing binutils"
    # sshd's libraries outside glibc (the bundle copies them from the host; openssh-server itself is
    # only downloaded, never installed here).
    for p in openssh-client libwrap0 libpam0g libaudit1 libgssapi-krb5-2 libsystemd0 libselinux1 libssl3 libcrypt1; do
        installed "$p" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        log "installing$missing"
        apt-get install -y $missing >&2 || { apt-get update -qq && apt-get install -y $missing >&2; }
    fi
}
need
BUSYBOX=/bin/busybox

"$REPO/kernel/fetch-debian-kernel.sh" "$KERNEL_DIR"
KREL=$(cat "$KERNEL_DIR/version")
MODDIR=$KERNEL_DIR/modules/$KREL

# The guest monitor: jar + runtime dependencies from guest-monitor/target, rebuilt when missing or
# older than the sources of guest-monitor or api (the only module it depends on).
JDK=${VMFLEX_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
MON_TARGET=$REPO/guest-monitor/target
MON_JAR=$MON_TARGET/guest-monitor-0.1.0-SNAPSHOT.jar
if [ ! -f "$MON_JAR" ] || [ ! -d "$MON_TARGET/lib" ] \
    || [ -n "$(find "$REPO/guest-monitor/src/main" "$REPO/guest-monitor/pom.xml" "$REPO/api/src/main" "$REPO/api/pom.xml" \
                 -newer "$MON_JAR" -print -quit)" ]; then
    log "building the guest monitor jar"
    (cd "$REPO" && JAVA_HOME=$JDK ./mvnw -q -pl guest-monitor -am package -DskipTests) >&2
fi
# glibc for the jlinked JVM (the initramfs is static busybox, it has no libc).
GLIBC_DIR=/lib/x86_64-linux-gnu
GLIBC_LIBS="libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1"
LDSO=/lib64/ld-linux-x86-64.so.2

# spec.enableSSH: Debian's openssh-server, downloaded (not installed) into the cache and unpacked.
SSH_CACHE=${VMFLEX_CACHE_DIR:-$HOME/.cache/vmflex}/openssh
if ! ls "$SSH_CACHE"/openssh-server_*.deb >/dev/null 2>&1; then
    log "downloading openssh-server"
    mkdir -p "$SSH_CACHE"
    (cd "$SSH_CACHE" && apt-get download openssh-server >&2 2>/dev/null) \
        || (apt-get update -qq && cd "$SSH_CACHE" && apt-get download openssh-server >&2)
fi
SSH_DEB=$(ls "$SSH_CACHE"/openssh-server_*.deb | sort | tail -n 1)

STAMP=$( { cat "$0" "$INIT" "$HERE/guest-report.sh" "$HERE/guest-disks.sh" "$HERE/guest-settings.sh" "$HERE/guest-power.sh" "$HERE/guest-ssh.sh" "$HERE/modules-load-order.awk"; echo "$CMDLINE $MODULES"; cat "$KERNEL_DIR/package"; \
           sha256sum "$SSH_DEB" /usr/bin/ssh-keygen; \
           sha256sum "$BUSYBOX" "$KERNEL_DIR/vmlinuz" "$MON_JAR" "$MON_TARGET"/lib/*.jar "$JDK/release"; \
           (cd "$GLIBC_DIR" && sha256sum $GLIBC_LIBS); } | sha256sum | cut -d' ' -f1)
OUT=$IMAGES_DIR/$NAME
if [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$STAMP" ] \
    && [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd.img" ] && [ -f "$OUT/monitor.img" ] && [ -f "$OUT/manifest.json" ]; then
    log "up to date: $OUT"
    exit 0
fi

# The modules in load order, dependencies first (modules-load-order.awk).
resolve_modules() {
    awk -v want="$MODULES" -f "$HERE/modules-load-order.awk" "$MODDIR/modules.dep"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vmflex-test-image.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
mkdir -p "$ROOT/bin" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys" "$ROOT/tmp" "$ROOT/run" "$ROOT/etc" \
    "$ROOT/lib/modules/$KREL" "$ROOT/usr"
ln -s bin "$ROOT/sbin"
ln -s ../bin "$ROOT/usr/bin"
ln -s ../bin "$ROOT/usr/sbin"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for applet in $("$BUSYBOX" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$ROOT/bin/$applet"
done
cp "$INIT" "$ROOT/init"
chmod 0755 "$ROOT/init"
mkdir -p "$ROOT/lib/vmflex"
cp "$HERE/guest-report.sh" "$ROOT/lib/vmflex/guest-report.sh"
cp "$HERE/guest-disks.sh" "$ROOT/lib/vmflex/guest-disks.sh"
cp "$HERE/guest-settings.sh" "$HERE/guest-power.sh" "$HERE/guest-ssh.sh" "$ROOT/lib/vmflex/"
# Users sshd needs: root (home, shell) and its privilege separation user.
mkdir -p "$ROOT/root"
chmod 0700 "$ROOT/root"
printf 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534:sshd privilege separation:/run/sshd:/bin/false\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ROOT/etc/group"
# Without /dev/console in the initramfs the kernel starts init with no stdio; the init also
# reopens it from devtmpfs, so failing here (not root) is harmless.
mknod -m 0600 "$ROOT/dev/console" c 5 1 2>/dev/null || true

resolve_modules > "$ROOT/etc/vmflex-modules"
while read -r mod; do
    mkdir -p "$ROOT/lib/modules/$KREL/$(dirname "$mod")"
    cp "$MODDIR/$mod" "$ROOT/lib/modules/$KREL/$mod"
done < "$ROOT/etc/vmflex-modules"
# A modules.dep restricted to what is shipped, so busybox modprobe works too.
grep -F -f "$ROOT/etc/vmflex-modules" "$MODDIR/modules.dep" \
    | awk -v keep="$(tr '\n' ' ' < "$ROOT/etc/vmflex-modules")" '
        BEGIN { n = split(keep, k, " "); for (i = 1; i <= n; i++) ok[k[i]] = 1 }
        { f = $1; sub(/:$/, "", f); if (f in ok) print }' > "$ROOT/lib/modules/$KREL/modules.dep"
cp "$MODDIR/modules.builtin" "$ROOT/lib/modules/$KREL/" 2>/dev/null || true
log "modules: $(tr '\n' ' ' < "$ROOT/etc/vmflex-modules")"

# The monitor disk, mounted read-only at /opt/vmflex-monitor by the init:
#   start          launcher (respawns the JVM if it ever dies)
#   jre/           jlinked runtime: java.base only (the monitor and api's guest package need
#                  nothing else), plus lib/server/monitor.jsa: a CDS archive of the JDK classes
#                  the monitor loads
#   lib/*.jar      guest-monitor, api (no Jackson: the monitor has its own codec)
#   glibc/         the loader and libraries the JVM links against
MON=$WORK/monitor
mkdir -p "$MON/lib" "$MON/glibc"
"$JDK/bin/jlink" --add-modules java.base --strip-java-debug-attributes --no-man-pages --no-header-files \
    --compress=zip-6 --output "$MON/jre"
# jlink from a JDK without jmods (JEP 493) cannot strip native symbols itself.
strip --strip-unneeded "$MON/jre/lib/server/libjvm.so"
cp "$MON_JAR" "$MON/lib/guest-monitor.jar"
cp "$MON_TARGET"/lib/*.jar "$MON/lib/"
# JVM flags of the guest (RSS budget 40 MiB, measured in guest-monitor/README.md):
# -Xint: no JIT threads, code cache or compiler arenas (about 9 MB less RSS than C1); the monitor
#   handles a few small messages a second, which the interpreter does in well under a millisecond.
# CDS archive of the JDK classes the monitor uses (class list from --warmup, the monitor's own
#   classes left out so the archive does not depend on where the jars are): start-up without
#   parsing/verifying ~800 classes (host: 0.54 -> 0.2 s), 3 MB less RSS than no CDS.
#   ArchiveRelocationMode=0 maps it at its dump-time address when free, so its pages stay clean
#   page cache (shared, reclaimable) instead of relocated anonymous copies (4 MB anon less).
#   -Xshare:auto: a stale or unmappable archive costs memory, never the monitor.
JVM_FLAGS="-Xint -XX:+UseSerialGC -Xms4m -Xmx16m -Xss256k -XX:MaxMetaspaceSize=32m -XX:-UsePerfData"
CDS_FLAGS="-XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
MON_CP_BUILD=$(ls "$MON"/lib/*.jar | tr '\n' ':' | sed 's/:$//')
"$MON/jre/bin/java" $JVM_FLAGS -Xshare:off -XX:DumpLoadedClassList="$WORK/classes.all" \
    -cp "$MON_CP_BUILD" io.vmflex.monitor.GuestMonitor --sys "$WORK/no-sys" --warmup >&2
grep -v 'io/vmflex' "$WORK/classes.all" > "$WORK/classes.jdk"
"$MON/jre/bin/java" $JVM_FLAGS -Xshare:dump -XX:SharedClassListFile="$WORK/classes.jdk" \
    -XX:SharedArchiveFile="$MON/jre/lib/server/monitor.jsa" -Xlog:cds=error >&2
# Fails the build if the archive cannot be used with the guest's flags.
"$MON/jre/bin/java" $JVM_FLAGS $CDS_FLAGS -Xshare:on -XX:SharedArchiveFile="$MON/jre/lib/server/monitor.jsa" \
    -version >/dev/null 2>&1 || { log "the monitor's CDS archive does not load"; exit 1; }
for lib in $GLIBC_LIBS; do cp -L "$GLIBC_DIR/$lib" "$MON/glibc/$lib"; done
# ssh/: sshd (openssh-server's, unpacked) and ssh-keygen (this host's openssh-client: the same
# release), with every library they link outside glibc in ssh/lib, and the glibc libraries the monitor
# does not ship in ssh/glibc-extra (kept apart: an image with its own glibc must not load them).
mkdir -p "$MON/ssh/lib" "$MON/ssh/glibc-extra" "$WORK/openssh"
dpkg-deb -x "$SSH_DEB" "$WORK/openssh"
cp "$WORK/openssh/usr/sbin/sshd" "$MON/ssh/sshd"
cp /usr/bin/ssh-keygen "$MON/ssh/ssh-keygen"
strip --strip-unneeded "$MON/ssh/sshd" "$MON/ssh/ssh-keygen" 2>/dev/null || true
for lib in $(ldd "$MON/ssh/sshd" "$MON/ssh/ssh-keygen" | awk '$2 == "=>" { print $1 " " $3 }' | sort -u | tr ' ' ':'); do
    name=${lib%%:*}
    path=${lib#*:}
    [ "$path" != "not" ] || { log "sshd needs $name, which this host does not have"; exit 1; }
    case $name in
        libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*) ;;
        libresolv.so.*|libutil.so.*) cp -L "$path" "$MON/ssh/glibc-extra/$name" ;;
        *) cp -L "$path" "$MON/ssh/lib/$name" ;;
    esac
done
cp -L "$LDSO" "$MON/glibc/ld-linux-x86-64.so.2"
CLASSPATH_GUEST=$(cd "$MON" && ls lib/*.jar | sed 's|^|$D/|' | tr '\n' ':' | sed 's/:$//')
cat > "$MON/start" <<SH
#!/bin/sh
# Runs the vmflex guest monitor from this disk; started in the background by the image's init.
D=\$(cd "\$(dirname "\$0")" && pwd)
# The jlinked JVM wants glibc at the standard paths; the busybox initramfs has none.
mkdir -p /lib64 /lib
[ -e /lib64/ld-linux-x86-64.so.2 ] || ln -s "\$D/glibc/ld-linux-x86-64.so.2" /lib64/ld-linux-x86-64.so.2
[ -e /lib/x86_64-linux-gnu ] || ln -s "\$D/glibc" /lib/x86_64-linux-gnu
# JVM flags: see rootfs/build-test-image.sh (RSS budget).
export MALLOC_ARENA_MAX=1
# Above the workload's priority: a guest that burns every vCPU must not delay the reports that get it
# more of them, nor the onlining of the vCPU that arrives. The JVM inherits the launcher's niceness
# (busybox has renice but no nice).
renice -n -5 -p \$\$ >/dev/null 2>&1 || echo "vmflex-monitor: runs at the workload's priority (no renice)"
while :; do
    "\$D/jre/bin/java" $JVM_FLAGS $CDS_FLAGS -Xshare:auto -XX:SharedArchiveFile="\$D/jre/lib/server/monitor.jsa" \\
        -cp "$CLASSPATH_GUEST" io.vmflex.monitor.GuestMonitor "\$@"
    echo "vmflex-monitor: exited with \$?, restarting in 1 s"
    sleep 1
done
SH
chmod 0755 "$MON/start"

mkdir -p "$IMAGES_DIR"
NEW=$IMAGES_DIR/.$NAME.tmp.$$
rm -rf "$NEW"
mkdir -p "$NEW"
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
    | gzip -9n > "$NEW/initrd.img"
cp "$KERNEL_DIR/vmlinuz" "$NEW/vmlinuz"
# Content plus 10% and 3 MiB for ext4's own metadata; no journal (mounted read-only), no
# reserved blocks; -E root_owner so the files are root's whoever builds.
MON_KB=$(du -sk "$MON" | cut -f1)
MON_MB=$(( (MON_KB * 11 / 10) / 1024 + 3 ))
mkfs.ext4 -q -F -L vmflex-monitor -O ^has_journal -m 0 -E root_owner=0:0 -d "$MON" "$NEW/monitor.img" "${MON_MB}M" >&2
BUILT_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat > "$NEW/manifest.json" <<JSON
{"name":"$NAME","kernel":"vmlinuz","initrd":"initrd.img","disk":"monitor.img","cmdline":"$CMDLINE","builtAt":"$BUILT_AT"}
JSON
echo "$STAMP" > "$NEW/.stamp"
rm -rf "$OUT"
mv "$NEW" "$OUT"
log "built $OUT (kernel $KREL, initrd $(wc -c < "$OUT/initrd.img") bytes, monitor.img ${MON_MB} MiB holding ${MON_KB} KiB)"
