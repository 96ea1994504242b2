package io.vmflex.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An {@code AF_UNIX} {@code SOCK_DGRAM} socket: what systemd's {@code NOTIFY_SOCKET} is, and what
 * the JDK cannot open ({@code DatagramChannel} has no Unix-domain family).
 *
 * <p>Addresses are written as systemd writes them in {@code NOTIFY_SOCKET}: a file system path
 * ({@code /run/systemd/notify}), or {@code @name} for a name in the abstract namespace (no file;
 * the kernel sees a leading NUL byte).
 *
 * <p>Thread-safety: {@link #sendTo} and {@link #receive} may be called from several threads (each
 * call is one system call on its own buffers); closing while another thread uses the socket is a
 * program error, as for {@link Fd}.
 */
public final class UnixDatagramSocket implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    /** sendto(2) flag: a closed peer is an EPIPE error, not a SIGPIPE for the whole JVM. */
    private static final int MSG_NOSIGNAL = 0x4000;
    /** recv(2) flag: return the datagram's real length even when the buffer was shorter. */
    private static final int MSG_TRUNC = 0x20;

    /**
     * {@code struct sockaddr_un}, 110 bytes:
     * <pre>
     *  0            2                                             110
     *  +------------+---------------------------------------------+
     *  | sun_family | sun_path[108]: path + NUL, or NUL + name    |
     *  | u16 = 1    | (abstract: length given by addrlen, no NUL) |
     *  +------------+---------------------------------------------+
     * </pre>
     */
    private static final int SUN_PATH_OFFSET = 2;
    private static final int SUN_PATH_SIZE = 108;
    private static final int SOCKADDR_UN_SIZE = SUN_PATH_OFFSET + SUN_PATH_SIZE;

    private static final MethodHandle SOCKET = NativeCalls.errnoCall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = NativeCalls.errnoCall("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = NativeCalls.errnoCall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = NativeCalls.errnoCall("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private final Fd fd;

    private UnixDatagramSocket(Fd fd) {
        this.fd = fd;
    }

    /** An unbound socket, for sending. */
    public static UnixDatagramSocket open() throws NativeException {
        long number = NativeCalls.call("socket(AF_UNIX, SOCK_DGRAM)", false,
                state -> (int) SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        return new UnixDatagramSocket(Fd.adopt((int) number));
    }

    /**
     * A socket bound to {@code address} (a path, or {@code @name}), for receiving. A path must not
     * exist yet.
     *
     * @throws IllegalArgumentException if the address is empty or longer than sun_path allows
     */
    public static UnixDatagramSocket bind(String address) throws NativeException {
        UnixDatagramSocket socket = open();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SOCKADDR_UN_SIZE);
            int length = fill(sockaddr, address);
            int number = socket.fd.intValue();
            // Safe: sockaddr is a sockaddr_un of SOCKADDR_UN_SIZE bytes; length is within it.
            NativeCalls.call("bind(" + address + ")", false,
                    state -> (int) BIND.invokeExact(state, number, sockaddr, length));
            return socket;
        } catch (NativeException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends {@code data} as one datagram to {@code address}.
     *
     * @throws NativeException          naming the address: nobody bound there (ENOENT,
     *                                  ECONNREFUSED), no permission (EACCES), too large (EMSGSIZE)
     * @throws IllegalArgumentException if the address is empty or longer than sun_path allows
     */
    public void sendTo(String address, byte[] data) throws NativeException {
        int number = fd.intValue();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = arena.allocate(SOCKADDR_UN_SIZE);
            int addressLength = fill(sockaddr, address);
            MemorySegment payload = arena.allocate(Math.max(data.length, 1)).asSlice(0, data.length);
            MemorySegment.copy(data, 0, payload, JAVA_BYTE, 0, data.length);
            long length = data.length;
            // Safe: payload holds `length` bytes; sockaddr is a filled sockaddr_un of addressLength bytes.
            long sent = NativeCalls.call("sendto(" + address + ")", true, state -> (long) SENDTO.invokeExact(
                    state, number, payload, length, MSG_NOSIGNAL, sockaddr, addressLength));
            if (sent != length) {
                // A datagram goes whole or not at all; a short count would be a kernel surprise.
                throw new NativeException("sendto(" + address + ") sent " + sent + " of " + length + " bytes", Errno.EIO);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMs} for one datagram and returns it, or empty on timeout. A
     * datagram longer than {@code maxLength} is an error (its tail is lost).
     */
    public Optional<byte[]> receive(int maxLength, int timeoutMs) throws NativeException {
        if (Libc.poll(fd, Libc.POLLIN, timeoutMs) == 0) {
            return Optional.empty();
        }
        int number = fd.intValue();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(maxLength, 1));
            long capacity = buffer.byteSize();
            // Safe: the kernel writes at most `capacity` bytes into buffer.
            long length = NativeCalls.call("recv(unix datagram)", true,
                    state -> (long) RECV.invokeExact(state, number, buffer, capacity, MSG_TRUNC));
            if (length > maxLength) {
                throw new NativeException("recv(unix datagram): datagram of " + length + " bytes, more than "
                        + maxLength, Errno.EIO);
            }
            return Optional.of(buffer.asSlice(0, length).toArray(JAVA_BYTE));
        }
    }

    /**
     * Writes {@code address} into {@code sockaddr} and returns the address length to pass: for a
     * path, family + path + NUL; for {@code @name}, family + NUL + name (the kernel takes the
     * abstract name's length from addrlen, so no trailing NUL may be counted).
     */
    static int fill(MemorySegment sockaddr, String address) {
        if (address == null || address.isEmpty() || address.equals("@")) {
            throw new IllegalArgumentException("empty Unix socket address");
        }
        if (address.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Unix socket address contains a NUL byte");
        }
        boolean abstractName = address.charAt(0) == '@';
        byte[] name = (abstractName ? address.substring(1) : address).getBytes(StandardCharsets.UTF_8);
        // A path needs its NUL inside sun_path, an abstract name its leading NUL: 107 bytes either way.
        int room = SUN_PATH_SIZE - 1;
        if (name.length > room) {
            throw new IllegalArgumentException("Unix socket address longer than " + room + " bytes: " + address);
        }
        sockaddr.fill((byte) 0);
        sockaddr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        int start = SUN_PATH_OFFSET + (abstractName ? 1 : 0);
        MemorySegment.copy(name, 0, sockaddr, JAVA_BYTE, start, name.length);
        return abstractName ? start + name.length : start + name.length + 1;
    }

    @Override
    public void close() throws NativeException {
        fd.close();
    }
}
