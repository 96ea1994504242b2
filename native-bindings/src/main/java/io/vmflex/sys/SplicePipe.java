package io.vmflex.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Zero-copy forwarding between two sockets with {@code splice(2)}: {@link #fill} moves bytes from a
 * socket into a pipe this object owns, {@link #drain} moves them from the pipe to another socket; the
 * payload pages travel by reference and never reach user space.
 *
 * <p><b>No allocation per call</b>: the errno call-state segment is allocated once per pipe and
 * reused, the downcalls take only primitives and {@link MemorySegment#NULL}, and an exception is
 * created only on failure. That is also why a pipe belongs to one thread at a time.
 *
 * <p>Calls block (the pipe is in blocking mode; {@link #setBlocking} puts a socket in blocking mode
 * too). To wake a thread blocked in {@link #fill} or {@link #drain}, shut the socket down
 * ({@code shutdown(2)}, e.g. {@code SocketChannel.shutdownInput/Output}); never close a descriptor
 * another thread may be splicing on, since its number can be reused at once.
 *
 * <p>Thread-safety: not thread-safe; {@link #close()} only after the last {@link #fill}/{@link #drain}
 * returned.
 */
public final class SplicePipe implements AutoCloseable {

    // splice(2) flags, from linux/splice.h.
    public static final int SPLICE_F_MOVE = 1;
    public static final int SPLICE_F_NONBLOCK = 2;
    public static final int SPLICE_F_MORE = 4;

    // fcntl(2) commands, from asm-generic/fcntl.h and linux/fcntl.h (F_LINUX_SPECIFIC_BASE 1024).
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;

    // ssize_t splice(int fd_in, off_t *off_in, int fd_out, off_t *off_out, size_t len, unsigned flags)
    private static final MethodHandle SPLICE = NativeCalls.errnoCall("splice",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    // int fcntl(int fd, int cmd, ...): the argument is variadic.
    private static final MethodHandle FCNTL = NativeCalls.errnoCall("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));

    private final Libc.Pipe pipe;
    private final int readFd;
    private final int writeFd;
    private final int capacity;
    private final Arena arena;
    private final MemorySegment callState;

    private SplicePipe(Libc.Pipe pipe, int capacity, Arena arena) {
        this.pipe = pipe;
        this.readFd = pipe.readEnd().intValue();
        this.writeFd = pipe.writeEnd().intValue();
        this.capacity = capacity;
        this.arena = arena;
        this.callState = NativeCalls.allocateCallState(arena);
    }

    /**
     * A new pipe of about {@code bytes} capacity ({@code F_SETPIPE_SZ}; the kernel rounds up to a
     * power-of-two number of pages). When the size cannot be set (above
     * {@code /proc/sys/fs/pipe-max-size} for a non-root user: EPERM) the pipe keeps the kernel's
     * default; {@link #capacity()} tells what it got.
     */
    public static SplicePipe open(int bytes) throws NativeException {
        Libc.Pipe pipe = Libc.pipe();
        try {
            int fd = pipe.writeEnd().intValue();
            int capacity;
            try {
                capacity = (int) NativeCalls.call("fcntl(F_SETPIPE_SZ)", true,
                        state -> (int) FCNTL.invokeExact(state, fd, F_SETPIPE_SZ, bytes));
            } catch (NativeException e) {
                if (e.errno() != Errno.EPERM && e.errno() != Errno.EBUSY) {
                    throw e;
                }
                capacity = (int) NativeCalls.call("fcntl(F_GETPIPE_SZ)", true,
                        state -> (int) FCNTL.invokeExact(state, fd, F_GETPIPE_SZ, 0));
            }
            // Shared: a relay opens its pipes on the starting thread and uses them on its own threads.
            return new SplicePipe(pipe, capacity, Arena.ofShared());
        } catch (NativeException | RuntimeException e) {
            pipe.close();
            throw e;
        }
    }

    /** Clears {@code O_NONBLOCK} on {@code fd} (a socket the JDK may have made non-blocking). */
    public static void setBlocking(int fd) throws NativeException {
        int flags = (int) NativeCalls.call("fcntl(F_GETFL)", true, state -> (int) FCNTL.invokeExact(state, fd, F_GETFL, 0));
        if ((flags & Libc.O_NONBLOCK) != 0) {
            int cleared = flags & ~Libc.O_NONBLOCK;
            NativeCalls.call("fcntl(F_SETFL)", true, state -> (int) FCNTL.invokeExact(state, fd, F_SETFL, cleared));
        }
    }

    /** The pipe's capacity in bytes: the most one {@link #fill} can move. */
    public int capacity() {
        return capacity;
    }

    /**
     * Moves up to {@code max} bytes from socket {@code fromFd} into the (empty) pipe, blocking until
     * at least one byte or end of stream is there.
     *
     * @return bytes moved, 0 at end of stream (or after the socket's input was shut down)
     */
    public long fill(int fromFd, long max, int flags) throws NativeException {
        return splice(fromFd, writeFd, max, flags, "splice(socket -> pipe)");
    }

    /**
     * Moves up to {@code max} bytes from the pipe to socket {@code toFd}, blocking while the socket's
     * send buffer is full.
     *
     * @return bytes moved, at least 1
     */
    public long drain(int toFd, long max, int flags) throws NativeException {
        long n = splice(readFd, toFd, max, flags, "splice(pipe -> socket)");
        if (n == 0) {
            // Only possible if the pipe was empty: a caller bug, not a peer's doing.
            throw new IllegalStateException("drain from an empty pipe");
        }
        return n;
    }

    private long splice(int in, int out, long max, int flags, String what) throws NativeException {
        while (true) {
            long n;
            try {
                // Safe: both offsets are NULL (sockets and pipes have no file position), no memory is
                // passed except the call-state segment, which lives as long as this object.
                n = (long) SPLICE.invokeExact(callState, in, MemorySegment.NULL, out, MemorySegment.NULL, max, flags);
            } catch (Throwable t) {
                throw new IllegalStateException("unexpected exception from splice", t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = NativeCalls.errno(callState);
            if (errno != Errno.EINTR) {
                throw new NativeException(what, errno);
            }
        }
    }

    @Override
    public void close() throws NativeException {
        try {
            pipe.close();
        } finally {
            arena.close();
        }
    }
}
