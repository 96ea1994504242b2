package io.vmflex.monitor;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;

/**
 * The monitor's two memory decisions, following Neon's vm-monitor: ask for more memory when used
 * memory ({@link GuestStats#usedBytes()}) passes {@code 0.85 × (MemTotal − 100 MiB)}, at most once
 * per {@link #UPSCALE_INTERVAL_NANOS}; approve a downscale only when the target leaves
 * {@link #HEADROOM_BYTES} above what is used now.
 *
 * <p>Not threadsafe: the upscale rate limit is state; one thread (the ticker) calls
 * {@link #shouldRequestUpscale}. {@link #decideDownscale} is pure and may be called from any thread.
 */
public final class MemoryPolicy {
    public static final long MIB = 1024 * 1024;
    /** Memory left out of the upscale threshold and required above usage for a downscale. */
    public static final long HEADROOM_BYTES = 100 * MIB;
    public static final double UPSCALE_FRACTION = 0.85;
    public static final long UPSCALE_INTERVAL_NANOS = 1_000_000_000L;

    private long lastUpscaleNanos;
    private boolean requestedBefore;

    /** Used memory above which the guest asks for more. */
    public static long upscaleThresholdBytes(long memTotalBytes) {
        return (long) (UPSCALE_FRACTION * Math.max(0, memTotalBytes - HEADROOM_BYTES));
    }

    /** Whether to send an UpscaleRequest now; records the request when it says yes. */
    public boolean shouldRequestUpscale(GuestStats s, long nowNanos) {
        if (s.memTotalBytes() <= 0 || s.usedBytes() <= upscaleThresholdBytes(s.memTotalBytes())) {
            return false;
        }
        if (requestedBefore && nowNanos - lastUpscaleNanos < UPSCALE_INTERVAL_NANOS) {
            return false;
        }
        requestedBefore = true;
        lastUpscaleNanos = nowNanos;
        return true;
    }

    public static GuestMessage.DownscaleResult decideDownscale(long id, Resources target, GuestStats s) {
        long used = s.usedBytes();
        long needed = used + HEADROOM_BYTES;
        if (target.memBytes() < needed) {
            return new GuestMessage.DownscaleResult(id, false, "refused: target " + mib(target.memBytes())
                    + " MiB < used " + mib(used) + " MiB + " + mib(HEADROOM_BYTES) + " MiB headroom");
        }
        return new GuestMessage.DownscaleResult(id, true, "ok: target " + mib(target.memBytes())
                + " MiB >= used " + mib(used) + " MiB + " + mib(HEADROOM_BYTES) + " MiB headroom");
    }

    /** MiB with one decimal, as {@code %.1f} would print it, without loading java.util.Formatter. */
    static String mib(long bytes) {
        long tenths = Math.round(bytes * 10.0 / MIB);
        return (tenths < 0 ? "-" : "") + Math.abs(tenths / 10) + "." + Math.abs(tenths % 10);
    }
}
