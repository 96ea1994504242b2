package io.vmflex.sys.tun;

import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.netlink.IfName;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * TAP devices through {@code /dev/net/tun}: {@code TUNSETIFF} creates (or attaches to) a device,
 * {@code TUNSETPERSIST} keeps it after the descriptor closes.
 *
 * <p>vmflex creates each VM's tap persistent, with {@code IFF_TAP | IFF_NO_PI} and without
 * {@code IFF_VNET_HDR}, then closes its descriptor: the device outlives the daemon, and QEMU
 * attaches to it by name ({@code -netdev tap,ifname=NAME,script=no,downscript=no}), choosing
 * its own vnet-header setting (the kernel takes the flags of whoever attaches).
 *
 * <p>Stateless; thread-safe.
 */
public final class TunTap {

    public static final Path DEV_NET_TUN = Path.of("/dev/net/tun");

    /**
     * {@code struct ifreq} as TUNSETIFF reads it, 40 bytes:
     * <pre>
     *  0                     16            18                       40
     *  +---------------------+-------------+------------------------+
     *  | ifr_name[16]        | ifr_flags   | rest of the union      |
     *  | NUL-terminated      | s16 IFF_*   | (unused here)          |
     *  +---------------------+-------------+------------------------+
     * </pre>
     */
    private static final StructLayout IFREQ = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("ifr_name"),
            JAVA_SHORT.withName("ifr_flags"),
            MemoryLayout.paddingLayout(22));
    private static final long IFR_FLAGS = IFREQ.byteOffset(MemoryLayout.PathElement.groupElement("ifr_flags"));

    // <linux/if_tun.h>: _IOW('T', 202, int) and _IOW('T', 203, int).
    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETPERSIST = 0x400454cbL;
    private static final int IFF_TAP = 0x0002;
    private static final int IFF_NO_PI = 0x1000;

    private TunTap() {
    }

    /**
     * An open tap: the descriptor carries the guest's frames. Closing it deletes a non-persistent
     * tap and leaves a persistent one in place.
     */
    public record Tap(String name, Fd fd, boolean persistent) implements AutoCloseable {
        @Override
        public void close() throws NativeException {
            fd.close();
        }
    }

    /**
     * Creates tap {@code name} ({@code ip tuntap add NAME mode tap [persist]}), down and on no
     * bridge. If a persistent tap of that name exists and no process holds it, this attaches to
     * it instead. The caller closes the returned tap (for a persistent one that only releases the
     * descriptor, so that QEMU can attach).
     *
     * @throws IllegalArgumentException if {@code name} is not a valid interface name (no syscall made)
     * @throws NativeException          EBUSY if a process (QEMU) is attached to the tap, EINVAL
     *                                  if {@code name} is a tun (not tap) device or another kind
     */
    public static Tap createTap(String name, boolean persistent) throws NativeException {
        IfName.requireValid(name);
        Fd fd = Libc.open(DEV_NET_TUN, Libc.O_RDWR, 0);
        try {
            setIff(fd, name);
            if (persistent) {
                Libc.ioctl(fd, "TUNSETPERSIST(" + name + ", 1)", TUNSETPERSIST, 1);
            }
            return new Tap(name, fd, persistent);
        } catch (NativeException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Deletes tap {@code name} by clearing its persistence: attach, {@code TUNSETPERSIST 0},
     * close. A missing tap is created and removed again in passing, so this is idempotent.
     *
     * @throws NativeException EBUSY if QEMU still holds the tap
     */
    public static void deleteTap(String name) throws NativeException {
        IfName.requireValid(name);
        try (Fd fd = Libc.open(DEV_NET_TUN, Libc.O_RDWR, 0)) {
            setIff(fd, name);
            Libc.ioctl(fd, "TUNSETPERSIST(" + name + ", 0)", TUNSETPERSIST, 0);
        }
    }

    private static void setIff(Fd fd, String name) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            // IfName guarantees at most 15 bytes, so ifr_name keeps its terminating NUL.
            MemorySegment.copy(bytes, 0, ifreq, JAVA_BYTE, 0, bytes.length);
            ifreq.set(JAVA_SHORT, IFR_FLAGS, (short) (IFF_TAP | IFF_NO_PI));
            // Safe: ifreq is a zeroed 40-byte struct ifreq, as TUNSETIFF reads and writes.
            Libc.ioctl(fd, "TUNSETIFF(" + name + ", IFF_TAP|IFF_NO_PI)", TUNSETIFF, ifreq);
        }
    }
}
