package io.vmflex.migration;

/**
 * How long the accept loop pauses after {@code accept} failed (EMFILE, ENFILE, ENOBUFS): the
 * condition lasts until something closes, so retrying at once would spin a core. Doubles from
 * 10 ms to 1 s; a successful accept resets it.
 *
 * <p>Not thread-safe: owned by the accept thread.
 */
final class AcceptBackoff {
    static final long FIRST_MS = 10;
    static final long MAX_MS = 1_000;

    private long nextMs = FIRST_MS;

    /** The pause for this failure; the next one will be longer. */
    long onFailure() {
        long pause = nextMs;
        nextMs = Math.min(MAX_MS, nextMs * 2);
        return pause;
    }

    void onSuccess() {
        nextMs = FIRST_MS;
    }
}
