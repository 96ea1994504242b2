package io.vmflex.sys.netlink;

import io.vmflex.sys.Errno;
import io.vmflex.sys.Fd;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A bound {@code NETLINK_ROUTE} socket: datagrams out to the kernel, datagrams in, nothing about
 * their content (that is {@link NetlinkRequest} and {@link NetlinkReply}).
 *
 * <p>The socket calls are linked here, in this package, with the same errno path as
 * {@link Libc}: {@code captureCallState("errno")}, a {@code -1} result becomes a
 * {@link NativeException} naming the call, {@code EINTR} is retried.
 *
 * <p>Not thread-safe: {@link RtNetlink} serialises all use.
 */
final class NetlinkSocket implements AutoCloseable {

    static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    /** recv(2) flag: return the datagram's real length even when the buffer was shorter. */
    private static final int MSG_TRUNC = 0x20;

    /** Large enough for any dump datagram the kernel sends (it caps them at 32 KiB by default). */
    static final int RECEIVE_BUFFER = 64 * 1024;

    /**
     * {@code struct sockaddr_nl}, 12 bytes:
     * <pre>
     *  0            2          4               8               12
     *  +------------+----------+---------------+---------------+
     *  | nl_family  | nl_pad   | nl_pid        | nl_groups     |
     *  | u16 = 16   | u16      | u32 (0=kernel)| u32 (0: none) |
     *  +------------+----------+---------------+---------------+
     * </pre>
     */
    private static final StructLayout SOCKADDR_NL = MemoryLayout.structLayout(
            JAVA_SHORT.withName("nl_family"), JAVA_SHORT.withName("nl_pad"),
            JAVA_INT.withName("nl_pid"), JAVA_INT.withName("nl_groups"));

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = errnoCall("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = errnoCall("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = errnoCall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = errnoCall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = errnoCall("recv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private final Fd fd;
    private final Arena arena;
    private final MemorySegment kernelAddress;
    private final MemorySegment receiveBuffer;

    private NetlinkSocket(Fd fd, Arena arena) {
        this.fd = fd;
        this.arena = arena;
        this.kernelAddress = arena.allocate(SOCKADDR_NL);
        kernelAddress.set(JAVA_SHORT, 0, (short) AF_NETLINK);
        this.receiveBuffer = arena.allocate(RECEIVE_BUFFER, 8);
    }

    /** Opens and binds a route socket; the kernel picks the port id. */
    static NetlinkSocket open() throws NativeException {
        long number = call("socket(AF_NETLINK, NETLINK_ROUTE)",
                state -> (int) SOCKET.invokeExact(state, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        Fd fd = Fd.adopt((int) number);
        // Shared: RtNetlink may be used from several threads, one at a time under its lock.
        Arena arena = Arena.ofShared();
        NetlinkSocket socket = new NetlinkSocket(fd, arena);
        try {
            socket.bind();
            // Best effort: error replies without the echoed request, plus the kernel's text.
            socket.setFlagQuietly(NETLINK_CAP_ACK);
            socket.setFlagQuietly(NETLINK_EXT_ACK);
            return socket;
        } catch (NativeException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void bind() throws NativeException {
        int number = fd.intValue();
        try (Arena local = Arena.ofConfined()) {
            MemorySegment address = local.allocate(SOCKADDR_NL);
            address.set(JAVA_SHORT, 0, (short) AF_NETLINK);
            // Safe: address is a zeroed sockaddr_nl (pid 0: the kernel assigns one) of the size passed.
            call("bind(netlink)", state -> (int) BIND.invokeExact(state, number, address, (int) SOCKADDR_NL.byteSize()));
        }
    }

    private void setFlagQuietly(int option) {
        int number = fd.intValue();
        try (Arena local = Arena.ofConfined()) {
            MemorySegment one = local.allocateFrom(JAVA_INT, 1);
            // Safe: optval points to an int of the length passed.
            call("setsockopt(SOL_NETLINK, " + option + ")",
                    state -> (int) SETSOCKOPT.invokeExact(state, number, SOL_NETLINK, option, one, 4));
        } catch (NativeException e) {
            // Older kernels lack the option; replies are then merely less detailed.
        }
    }

    /** Sends one request datagram to the kernel. */
    void send(String operation, MemorySegment message) throws NativeException {
        int number = fd.intValue();
        long length = message.byteSize();
        // Safe: message is a native segment of `length` bytes; kernelAddress a sockaddr_nl.
        long sent = call(operation + " sendto(netlink)", state -> (long) SENDTO.invokeExact(
                state, number, message, length, 0, kernelAddress, (int) SOCKADDR_NL.byteSize()));
        if (sent != length) {
            throw new NativeException(operation + " sendto(netlink) sent " + sent + " of " + length + " bytes", Errno.EIO);
        }
    }

    /**
     * Waits up to {@code timeoutMs} for one datagram and returns it as a slice of this socket's
     * receive buffer, valid until the next call.
     */
    MemorySegment receive(String operation, int timeoutMs) throws NativeException {
        int ready = Libc.poll(fd, Libc.POLLIN, timeoutMs);
        if (ready == 0) {
            throw new NativeException(operation + " (no netlink reply within " + timeoutMs + " ms)", Errno.ETIMEDOUT);
        }
        int number = fd.intValue();
        long capacity = receiveBuffer.byteSize();
        // Safe: the kernel writes at most `capacity` bytes into receiveBuffer.
        long length = call(operation + " recv(netlink)",
                state -> (long) RECV.invokeExact(state, number, receiveBuffer, capacity, MSG_TRUNC));
        if (length > capacity) {
            throw new NativeException(operation + " recv(netlink): datagram of " + length
                    + " bytes truncated to " + capacity, Errno.EIO);
        }
        return receiveBuffer.asSlice(0, length);
    }

    @Override
    public void close() throws NativeException {
        try {
            fd.close();
        } finally {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }

    // ---------------------------------------------------------------- errno path

    @FunctionalInterface
    private interface NativeCall {
        long invoke(MemorySegment callState) throws Throwable;
    }

    private static long call(String name, NativeCall nativeCall) throws NativeException {
        try (Arena local = Arena.ofConfined()) {
            MemorySegment state = local.allocate(CALL_STATE);
            while (true) {
                long result;
                try {
                    result = nativeCall.invoke(state);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    // Downcall handles declare Throwable but native code cannot throw Java exceptions.
                    throw new IllegalStateException("unexpected exception from a native call", t);
                }
                if (result != -1) {
                    return result;
                }
                int errno = (int) ERRNO.get(state, 0L);
                if (errno != Errno.EINTR) {
                    throw new NativeException(name, errno);
                }
            }
        }
    }

    @SuppressWarnings("restricted") // descriptors match glibc's prototypes of the socket calls
    private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, Linker.Option.captureCallState("errno"));
    }
}
