package io.vmflex.sys;

import java.io.IOException;

/**
 * A system call failed: carries the call as written by the caller (for example
 * {@code "ioctl(KVM_GET_API_VERSION)"}) and the {@code errno} it returned.
 *
 * <p>Checked on purpose: every system call can fail for reasons outside the program (a process
 * that exited, a device that went away), and callers must decide what that means for them.
 * The message reads {@code call: strerror (errno N, NAME)}.
 *
 * <p>Immutable; thread-safe.
 */
public final class NativeException extends IOException {

    private final String call;
    private final int errno;

    /**
     * @param call  what was called, with enough context to find it (a path, a request name)
     * @param errno the {@code errno} value captured right after the call
     */
    public NativeException(String call, int errno) {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ", " + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The failing call, for example {@code "open(/dev/kvm)"}. */
    public String call() {
        return call;
    }

    /** The {@code errno} value; compare with the constants in {@link Errno}. */
    public int errno() {
        return errno;
    }
}
