package io.vmflex.migration;

/**
 * The one-byte status the target sends in its challenge and in its verdict. On any non-zero
 * status the target closes the connection right after sending it.
 */
public enum HelloStatus {
    ACCEPTED(0),
    BAD_MAGIC(1),
    BAD_VERSION(2),
    UNKNOWN_MIGRATION(3),
    AUTH_FAILED(4),
    CHANNEL_ALREADY_USED(5),
    CHANNEL_OUT_OF_RANGE(6),
    /** Authenticated and expected, but the target QEMU's incoming socket could not be connected. */
    TARGET_UNAVAILABLE(7),
    /**
     * Authenticated, but the source asked for a plain stream and this target requires encryption
     * (the default; only a target with the explicit opt-out accepts a plain stream).
     */
    ENCRYPTION_REQUIRED(8),
    /** A code this version does not know (from a newer peer, or garbage). */
    UNKNOWN_STATUS(255);

    private final int code;

    HelloStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static HelloStatus ofCode(int code) {
        for (HelloStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN_STATUS;
    }
}
