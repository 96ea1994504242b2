package io.vmflex.vmm.http;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the admin API's open streams ({@code logs -f}, {@code events -w}) hold in the daemon: the
 * bytes written to them that their clients have not taken yet (the socket did not accept them), the
 * most any one stream ever held, how many streams are open and how many were closed because their
 * client fell too far behind. For tests and metrics.
 *
 * <p>Thread-safe.
 */
public final class StreamStats {
    private final AtomicLong bufferedBytes = new AtomicLong();
    private final AtomicLong peakStreamBytes = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong slowReadersClosed = new AtomicLong();

    /** Bytes written to open streams and not yet accepted by their sockets, over all streams. */
    public long bufferedBytes() {
        return bufferedBytes.get();
    }

    /** The most bytes one stream has ever held waiting for its client. */
    public long peakStreamBytes() {
        return peakStreamBytes.get();
    }

    public int openStreams() {
        return open.get();
    }

    /** Streams closed because their client fell behind by more than the limit. */
    public long slowReadersClosed() {
        return slowReadersClosed.get();
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    /** {@code bytes} more wait in a stream that now holds {@code streamBytes}. */
    void buffered(long bytes, long streamBytes) {
        bufferedBytes.addAndGet(bytes);
        peakStreamBytes.accumulateAndGet(streamBytes, Math::max);
    }

    void sent(long bytes) {
        bufferedBytes.addAndGet(-bytes);
    }

    void slowReaderClosed() {
        slowReadersClosed.incrementAndGet();
    }
}
