package io.vmflex.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The libc calls vmflex needs, as static methods that check every return value and turn a failure
 * into a {@link NativeException} carrying the captured {@code errno}.
 *
 * <p>Calls interrupted by a signal ({@code EINTR}) are retried, except {@code close} (Linux has
 * already released the number then, and a retry could close someone else's file) and
 * {@code poll} (retried with the remaining timeout).
 *
 * <p>Methods that take or return a {@link MemorySegment} exist for the sibling packages of this
 * module (KVM); code outside native-bindings uses the {@code byte[]} and {@link Fd} forms.
 *
 * <p>Thread-safe: no shared mutable state; {@code errno} is captured per call.
 */
public final class Libc {

    // open(2) flags, from asm-generic/fcntl.h (octal there).
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    // poll(2) event bits, from asm-generic/poll.h.
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLNVAL = 0x20;

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    // mmap(2) protection and flags, from asm-generic/mman-common.h.
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int PROT_EXEC = 0x4;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;

    /** Syscall numbers of the pidfd calls: the same on every architecture since Linux 5.1. */
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    /** Linux never transfers more than this in one read/write (MAX_RW_COUNT). */
    private static final long MAX_RW_COUNT = 0x7ffff000L;


    /**
     * {@code struct pollfd}, 8 bytes:
     * <pre>
     *  0       4         6          8
     *  +-------+---------+----------+
     *  | int fd| short   | short    |
     *  |       | events  | revents  |
     *  +-------+---------+----------+
     * </pre>
     */
    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    private static final long POLLFD_EVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    private static final long POLLFD_REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));

    // int open(const char *path, int flags, ...): mode is variadic.
    private static final MethodHandle OPEN = NativeCalls.errnoCall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = NativeCalls.errnoCall("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = NativeCalls.errnoCall("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = NativeCalls.errnoCall("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle PIPE2 = NativeCalls.errnoCall("pipe2",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // int ioctl(int fd, unsigned long request, ...): the argument is variadic.
    private static final MethodHandle IOCTL_LONG = NativeCalls.errnoCall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_POINTER = NativeCalls.errnoCall("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    // long syscall(long number, ...): glibc reads every variadic argument as a long, so pass longs
    // (an int's upper register half is undefined).
    private static final MethodHandle SYSCALL4 = NativeCalls.errnoCall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private static final MethodHandle POLL = NativeCalls.errnoCall("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle KILL = NativeCalls.errnoCall("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MMAP = NativeCalls.errnoCall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = NativeCalls.errnoCall("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle GETUID = NativeCalls.plainCall("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = NativeCalls.plainCall("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = NativeCalls.plainCall("getpid", FunctionDescriptor.of(JAVA_INT));
    // glibc's strerror_r is the GNU variant: returns a pointer to the text, which may or may not be buf.
    private static final MethodHandle STRERROR_R = NativeCalls.plainCall("strerror_r",
            FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG));

    private static final long MAP_FAILED = -1L;
    private static final int STRERROR_BUFFER = 256;

    private Libc() {
    }

    // ---------------------------------------------------------------- files

    /**
     * {@code open(2)}. {@code O_CLOEXEC} is always added: vmflex hands descriptors to children
     * explicitly, never by inheritance.
     *
     * @param flags {@code O_*} constants of this class
     * @param mode  permission bits for {@code O_CREAT} (for example {@code 0600})
     */
    public static Fd open(Path path, int flags, int mode) throws NativeException {
        String text = path.toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cPath = arena.allocateFrom(text);
            // Safe: cPath is a NUL-terminated native string alive for the call.
            long fd = NativeCalls.call("open(" + text + ")", true,
                    state -> (int) OPEN.invokeExact(state, cPath, flags | O_CLOEXEC, mode));
            return Fd.adopt((int) fd);
        }
    }

    /**
     * {@code read(2)} into a native segment; returns the bytes read, 0 at end of file.
     *
     * @param buffer a native segment (heap segments are refused by the linker)
     */
    public static int read(Fd fd, MemorySegment buffer) throws NativeException {
        int number = fd.intValue();
        long length = Math.min(buffer.byteSize(), MAX_RW_COUNT);
        // Safe: the kernel writes at most `length` bytes, which is within the segment's bounds.
        return (int) NativeCalls.call("read(fd " + number + ")", true,
                state -> (long) READ.invokeExact(state, number, buffer, length));
    }

    /** {@code read(2)} into {@code buffer[offset, offset+length)}; returns bytes read, 0 at end of file. */
    public static int read(Fd fd, byte[] buffer, int offset, int length) throws NativeException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = arena.allocate(Math.max(length, 1));
            int read = read(fd, bounce.asSlice(0, length));
            MemorySegment.copy(bounce, JAVA_BYTE, 0, buffer, offset, read);
            return read;
        }
    }

    /**
     * {@code write(2)} from a native segment; returns the bytes written (may be fewer than asked).
     *
     * @param buffer a native segment (heap segments are refused by the linker)
     */
    public static int write(Fd fd, MemorySegment buffer) throws NativeException {
        int number = fd.intValue();
        long length = Math.min(buffer.byteSize(), MAX_RW_COUNT);
        // Safe: the kernel reads at most `length` bytes, within the segment's bounds.
        return (int) NativeCalls.call("write(fd " + number + ")", true,
                state -> (long) WRITE.invokeExact(state, number, buffer, length));
    }

    /** {@code write(2)} from {@code buffer[offset, offset+length)}; returns bytes written. */
    public static int write(Fd fd, byte[] buffer, int offset, int length) throws NativeException {
        Objects.checkFromIndexSize(offset, length, buffer.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bounce = arena.allocate(Math.max(length, 1)).asSlice(0, length);
            MemorySegment.copy(buffer, offset, bounce, JAVA_BYTE, 0, length);
            return write(fd, bounce);
        }
    }

    /** Writes all of {@code buffer}, looping over short writes. */
    public static void writeFully(Fd fd, byte[] buffer) throws NativeException {
        int done = 0;
        while (done < buffer.length) {
            done += write(fd, buffer, done, buffer.length - done);
        }
    }

    /** A pipe's two ends; closing it closes both. Not thread-safe beyond what {@link Fd} offers. */
    public record Pipe(Fd readEnd, Fd writeEnd) implements AutoCloseable {
        @Override
        public void close() throws NativeException {
            try {
                readEnd.close();
            } finally {
                writeEnd.close();
            }
        }
    }

    /** {@code pipe2(2)} with {@code O_CLOEXEC}. */
    public static Pipe pipe() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            // Safe: fds has room for the two ints the kernel writes.
            NativeCalls.call("pipe2", false, state -> (int) PIPE2.invokeExact(state, fds, O_CLOEXEC));
            return new Pipe(Fd.adopt(fds.getAtIndex(JAVA_INT, 0)), Fd.adopt(fds.getAtIndex(JAVA_INT, 1)));
        }
    }

    /** Called by {@link Fd#close()} only: closes a raw number once, never retried. */
    static void closeRaw(int fd) throws NativeException {
        NativeCalls.call("close(fd " + fd + ")", false, state -> (int) CLOSE.invokeExact(state, fd));
    }

    // ---------------------------------------------------------------- ioctl

    /**
     * {@code ioctl(2)} with an integer argument (or none: pass 0).
     *
     * @param requestName the request's C name, for the error message (for example "KVM_RUN")
     * @return the call's non-negative result (some requests return a new descriptor or a value)
     */
    public static int ioctl(Fd fd, String requestName, long request, long arg) throws NativeException {
        int number = fd.intValue();
        // Safe for requests whose argument is a value; pointer requests use the overload below.
        return (int) NativeCalls.call("ioctl(" + requestName + ")", true,
                state -> (int) IOCTL_LONG.invokeExact(state, number, request, arg));
    }

    /**
     * {@code ioctl(2)} with a pointer argument. The caller (this module only) guarantees that
     * {@code arg} is a native segment at least as large as the struct the request reads or writes.
     */
    public static int ioctl(Fd fd, String requestName, long request, MemorySegment arg) throws NativeException {
        int number = fd.intValue();
        return (int) NativeCalls.call("ioctl(" + requestName + ")", true,
                state -> (int) IOCTL_POINTER.invokeExact(state, number, request, arg));
    }

    // ---------------------------------------------------------------- processes

    /**
     * {@code pidfd_open(2)}: a descriptor that refers to process {@code pid} for as long as it is
     * open, immune to pid reuse; it polls readable ({@link #POLLIN}) once the process has exited.
     * Close-on-exec is set by the kernel.
     *
     * @throws NativeException with {@link Errno#ESRCH} if no such process exists
     */
    public static Fd pidfdOpen(int pid) throws NativeException {
        long fd = NativeCalls.call("pidfd_open(" + pid + ")", true,
                state -> (long) SYSCALL4.invokeExact(state, SYS_PIDFD_OPEN, (long) pid, 0L, 0L, 0L));
        return Fd.adopt((int) fd);
    }

    /**
     * {@code pidfd_send_signal(2)}: sends {@code signal} to the process the pidfd refers to.
     *
     * @throws NativeException with {@link Errno#ESRCH} if the process has already exited
     */
    public static void pidfdSendSignal(Fd pidfd, int signal) throws NativeException {
        int number = pidfd.intValue();
        // Safe: info is NULL (the kernel fills in a default siginfo), flags 0.
        NativeCalls.call("pidfd_send_signal(fd " + number + ", " + signal + ")", true,
                state -> (long) SYSCALL4.invokeExact(state, SYS_PIDFD_SEND_SIGNAL, (long) number, (long) signal, 0L, 0L));
    }

    /**
     * Whether a process with this pid exists ({@code kill(pid, 0)}; a process we may not signal
     * still exists). Subject to pid reuse: use a pidfd to track a specific process.
     */
    public static boolean isAlive(int pid) throws NativeException {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid must be positive: " + pid);
        }
        try {
            NativeCalls.call("kill(" + pid + ", 0)", true, state -> (int) KILL.invokeExact(state, pid, 0));
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.ESRCH) {
                return false;
            }
            if (e.errno() == Errno.EPERM) {
                return true;
            }
            throw e;
        }
    }

    /** {@code getuid(2)}; cannot fail. */
    public static int getuid() {
        return (int) NativeCalls.invokePlain(() -> (int) GETUID.invokeExact());
    }

    /** {@code getgid(2)}; cannot fail. */
    public static int getgid() {
        return (int) NativeCalls.invokePlain(() -> (int) GETGID.invokeExact());
    }

    /** {@code getpid(2)}; cannot fail. */
    public static int getpid() {
        return (int) NativeCalls.invokePlain(() -> (int) GETPID.invokeExact());
    }

    // ---------------------------------------------------------------- poll

    /**
     * {@code poll(2)} on one descriptor.
     *
     * @param events    {@code POLL*} bits to wait for
     * @param timeoutMs milliseconds to wait; 0 returns at once, negative waits forever
     * @return the returned events ({@code revents}), 0 if the timeout expired
     */
    public static int poll(Fd fd, int events, int timeoutMs) throws NativeException {
        return poll(new Fd[] {fd}, events, timeoutMs)[0];
    }

    /**
     * {@code poll(2)} on several descriptors, all waiting for the same {@code events}.
     *
     * @return {@code revents} per descriptor, in the order given; all 0 if the timeout expired
     */
    public static int[] poll(Fd[] fds, int events, int timeoutMs) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfds = arena.allocate(POLLFD, fds.length);
            for (int i = 0; i < fds.length; i++) {
                MemorySegment entry = pollfds.asSlice(i * POLLFD.byteSize(), POLLFD);
                entry.set(JAVA_INT, 0, fds[i].intValue());
                entry.set(JAVA_SHORT, POLLFD_EVENTS, (short) events);
            }
            long count = fds.length;
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            int wait = timeoutMs;
            while (true) {
                int waitNow = wait;
                try {
                    // Safe: pollfds holds `count` pollfd structs.
                    NativeCalls.call("poll", false, state -> (int) POLL.invokeExact(state, pollfds, count, waitNow));
                    break;
                } catch (NativeException e) {
                    if (e.errno() != Errno.EINTR) {
                        throw e;
                    }
                    if (timeoutMs > 0) {
                        wait = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
                    }
                }
            }
            int[] revents = new int[fds.length];
            for (int i = 0; i < fds.length; i++) {
                revents[i] = Short.toUnsignedInt(pollfds.get(JAVA_SHORT, i * POLLFD.byteSize() + POLLFD_REVENTS));
            }
            return revents;
        }
    }

    // ---------------------------------------------------------------- memory (this module only)

    /**
     * {@code mmap(2)} of a descriptor; the mapping is unmapped when {@code arena} closes, so the
     * returned segment can never be used after {@code munmap}.
     */
    public static MemorySegment mmap(Fd fd, long length, int prot, int flags, long offset, Arena arena)
            throws NativeException {
        return map(fd.intValue(), length, prot, flags, offset, arena, "mmap(fd " + fd.intValue() + ")");
    }

    /** Anonymous private read-write memory, page aligned, zero filled; unmapped when {@code arena} closes. */
    public static MemorySegment mmapAnonymous(long length, Arena arena) throws NativeException {
        return map(-1, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, arena, "mmap(anonymous)");
    }

    @SuppressWarnings("restricted") // the mapping's true size is known only here
    private static MemorySegment map(int fd, long length, int prot, int flags, long offset, Arena arena, String name)
            throws NativeException {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
        try (Arena callArena = Arena.ofConfined()) {
            MemorySegment state = NativeCalls.allocateCallState(callArena);
            MemorySegment address = NativeCalls.invokePlain(
                    () -> (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, flags, fd, offset));
            if (address.address() == MAP_FAILED) {
                throw new NativeException(name, NativeCalls.errno(state));
            }
            long start = address.address();
            // Safe: the kernel mapped exactly [start, start+length); the cleanup unmaps that range
            // when the arena closes, after which the segment refuses access.
            return address.reinterpret(length, arena, ignored -> unmapQuietly(start, length));
        }
    }

    private static void unmapQuietly(long address, long length) {
        // munmap only fails for invalid ranges, which cannot happen for a range mmap returned.
        NativeCalls.invokePlain(() -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = NativeCalls.allocateCallState(arena);
                return (int) MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), length);
            }
        });
    }

    // ---------------------------------------------------------------- errors

    /** The text of {@code errno} from glibc ({@code strerror_r}, thread-safe). */
    @SuppressWarnings("restricted") // a C string of bounded length, see below
    public static String strerror(int errno) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(STRERROR_BUFFER);
            MemorySegment text = NativeCalls.invokePlain(
                    () -> (MemorySegment) STRERROR_R.invokeExact(errno, buffer, (long) STRERROR_BUFFER));
            // Safe: glibc returns either buffer or a static NUL-terminated message shorter than 256 bytes.
            return text.reinterpret(STRERROR_BUFFER).getString(0);
        }
    }
}
