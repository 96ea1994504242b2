package io.vmflex.sys;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned Linux file descriptor. Closing it twice is safe; the second close does nothing.
 *
 * <p>Thread-safety: {@link #close()} may race with itself safely (exactly one caller closes the
 * number). Using the descriptor from one thread while another closes it is a program error:
 * {@link #intValue()} refuses a closed descriptor, but it cannot stop a call that already
 * fetched the number from running against a number the kernel has since reused.
 */
public final class Fd implements AutoCloseable {

    private static final int CLOSED = -1;

    private final AtomicInteger fd;

    private Fd(int fd) {
        this.fd = new AtomicInteger(fd);
    }

    /**
     * Takes ownership of a descriptor number returned by the kernel (for example by an ioctl that
     * creates a file, or received through SCM_RIGHTS). The returned {@code Fd} closes it.
     *
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public static Fd adopt(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        return new Fd(fd);
    }

    /**
     * The descriptor number, for passing to a system call.
     *
     * @throws IllegalStateException if this descriptor was closed
     */
    public int intValue() {
        int value = fd.get();
        if (value == CLOSED) {
            throw new IllegalStateException("file descriptor already closed");
        }
        return value;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return fd.get() == CLOSED;
    }

    /**
     * Closes the descriptor; later calls do nothing. Linux releases the number even when
     * {@code close(2)} reports an error, so this descriptor counts as closed either way.
     *
     * @throws NativeException if {@code close(2)} reported an error (for example a deferred
     *                         write error, EIO)
     */
    @Override
    public void close() throws NativeException {
        int value = fd.getAndSet(CLOSED);
        if (value != CLOSED) {
            Libc.closeRaw(value);
        }
    }

    @Override
    public String toString() {
        int value = fd.get();
        return value == CLOSED ? "Fd[closed]" : "Fd[" + value + "]";
    }
}
