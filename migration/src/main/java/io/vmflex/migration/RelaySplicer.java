package io.vmflex.migration;

import io.vmflex.sys.ChannelFds;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.SplicePipe;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-copy data path of one {@link Relay}: the two sockets' descriptors and one
 * {@link SplicePipe} per direction; each chunk goes socket → pipe → socket by page reference, never
 * through user space. Used when {@link RelayOptions#splice()} is on and the JVM lets the relay see
 * the descriptors ({@link ChannelFds}); otherwise {@link #open} answers null and the relay copies.
 *
 * <p>Thread-safety: each pipe is used by one relay thread; {@link #close()} only after both ended.
 */
final class RelaySplicer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelaySplicer.class);

    final int localFd;
    final int remoteFd;
    final SplicePipe up;
    final SplicePipe down;

    private RelaySplicer(int localFd, int remoteFd, SplicePipe up, SplicePipe down) {
        this.localFd = localFd;
        this.remoteFd = remoteFd;
        this.up = up;
        this.down = down;
    }

    /** The splicer for these channels, or null (reason logged) when splice cannot be used here. */
    static RelaySplicer open(String name, SocketChannel local, SocketChannel remote, int pipeBytes) {
        OptionalInt l = ChannelFds.fdOf(local);
        OptionalInt r = ChannelFds.fdOf(remote);
        if (l.isEmpty() || r.isEmpty()) {
            String why = ChannelFds.unavailableReason();
            LOG.info("relay {}: splice unavailable ({}), copying instead", name, why != null ? why : "no descriptor");
            return null;
        }
        SplicePipe up = null;
        try {
            // The relay threads block in splice(2), so the sockets must block too (a channel once used
            // by a virtual thread has O_NONBLOCK set on its descriptor).
            SplicePipe.setBlocking(l.getAsInt());
            SplicePipe.setBlocking(r.getAsInt());
            up = SplicePipe.open(pipeBytes);
            SplicePipe down = SplicePipe.open(pipeBytes);
            return new RelaySplicer(l.getAsInt(), r.getAsInt(), up, down);
        } catch (NativeException e) {
            Relay.closeQuietly(up);
            LOG.info("relay {}: splice unavailable ({}), copying instead", name, e.getMessage());
            return null;
        }
    }

    /**
     * Forwards from {@code inFd} to {@code outFd} until end of stream: one {@code splice} into the
     * pipe, then as many out of it as the socket takes. Allocates nothing per chunk. Flags:
     * {@code SPLICE_F_MOVE} only; not {@code SPLICE_F_MORE}, which corks TCP like {@code MSG_MORE} and
     * could hold back the last bytes of QEMU's stream (device state before switch-over) for up to
     * 200 ms, right inside the downtime.
     */
    static void pump(SplicePipe pipe, int inFd, int outFd, RelayStats.Direction counters) throws IOException {
        int capacity = pipe.capacity();
        while (true) {
            long n = pipe.fill(inFd, capacity, SplicePipe.SPLICE_F_MOVE);
            if (n == 0) {
                return;
            }
            for (long left = n; left > 0; ) {
                left -= pipe.drain(outFd, left, SplicePipe.SPLICE_F_MOVE);
            }
            counters.add((int) n);
        }
    }

    @Override
    public void close() {
        Relay.closeQuietly(up);
        Relay.closeQuietly(down);
    }
}
