package io.vmflex.sys;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.Channel;
import java.util.OptionalInt;

/**
 * The file descriptor number behind a JDK socket channel, for system calls the JDK does not offer
 * ({@code splice(2)}). The JDK has no public API for it: this uses the JDK-internal
 * {@code sun.nio.ch.SelChImpl.getFDVal()}, looked up once, which needs the JVM flag
 * {@code --add-exports java.base/sun.nio.ch=ALL-UNNAMED}. Without the flag (or on a JDK without that
 * interface) {@link #fdOf} answers empty and {@link #unavailableReason()} says why, so callers fall
 * back to plain channel I/O.
 *
 * <p>The number stays owned by the channel: never close it, and stop using it before the channel
 * is closed (the kernel reuses numbers at once).
 *
 * <p>Thread-safe: immutable after class initialisation.
 */
public final class ChannelFds {

    private static final String INTERFACE = "sun.nio.ch.SelChImpl";
    private static final MethodHandle GET_FD_VAL;
    private static final String UNAVAILABLE;

    static {
        MethodHandle handle = null;
        String why = null;
        try {
            Class<?> selChImpl = Class.forName(INTERFACE);
            handle = MethodHandles.lookup().findVirtual(selChImpl, "getFDVal", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Object.class));
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            why = "this JDK has no " + INTERFACE + ".getFDVal()";
        } catch (IllegalAccessException e) {
            why = "package sun.nio.ch is not exported: run the JVM with --add-exports java.base/sun.nio.ch=ALL-UNNAMED";
        }
        GET_FD_VAL = handle;
        UNAVAILABLE = why;
    }

    private ChannelFds() {
    }

    /** The channel's descriptor number, or empty when it cannot be known (see class comment) or it is closed. */
    public static OptionalInt fdOf(Channel channel) {
        if (GET_FD_VAL == null || !channel.isOpen()) {
            return OptionalInt.empty();
        }
        try {
            int fd = (int) GET_FD_VAL.invokeExact((Object) channel);
            return fd >= 0 ? OptionalInt.of(fd) : OptionalInt.empty();
        } catch (Throwable t) {
            // ClassCastException: not a JDK socket channel (a wrapper or a test double)
            return OptionalInt.empty();
        }
    }

    /** Why {@link #fdOf} always answers empty in this JVM; null when it works. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }
}
