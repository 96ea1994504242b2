package io.vmflex.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Linking libc symbols and the one errno-to-exception path every system call of this module takes.
 *
 * <p>errno is read from the call-state segment filled by {@code Linker.Option.captureCallState},
 * right after the native call returns, so no JVM-internal libc call can overwrite it first.
 *
 * <p>Thread-safe: stateless apart from immutable handles.
 */
final class NativeCalls {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private NativeCalls() {
    }

    /** One native call; receives the call-state segment that captures errno. */
    @FunctionalInterface
    interface NativeCall {
        long invoke(MemorySegment callState) throws Throwable;
    }

    @FunctionalInterface
    interface Invocation<T> {
        T invoke() throws Throwable;
    }

    /**
     * Runs a call that returns -1 and sets errno on failure, and turns that failure into a
     * {@link NativeException} named {@code name}. mmap, whose failure value is an address, reads
     * errno through {@link #errno(MemorySegment)} instead.
     */
    static long call(String name, boolean retryOnEintr, NativeCall nativeCall) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = allocateCallState(arena);
            while (true) {
                long result = invokePlain(() -> nativeCall.invoke(state));
                if (result != -1) {
                    return result;
                }
                int errno = errno(state);
                if (errno != Errno.EINTR || !retryOnEintr) {
                    throw new NativeException(name, errno);
                }
            }
        }
    }

    static MemorySegment allocateCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    static <T> T invokePlain(Invocation<T> invocation) {
        try {
            return invocation.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            // Downcall handles declare Throwable but native code cannot throw Java exceptions.
            throw new IllegalStateException("unexpected exception from a native call", t);
        }
    }

    /** A downcall whose first parameter is the errno call-state segment. */
    @SuppressWarnings("restricted") // linking libc is this module's purpose; descriptors match glibc's prototypes
    static MethodHandle errnoCall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /** A downcall for a function that cannot fail (getpid) or reports errors otherwise. */
    @SuppressWarnings("restricted") // as errnoCall
    static MethodHandle plainCall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }
}
