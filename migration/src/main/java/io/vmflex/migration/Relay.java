package io.vmflex.migration;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardSocketOptions;
import jdk.net.ExtendedSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes full duplex between a local channel (QEMU's Unix socket) and a remote one (the TCP
 * connection to the peer daemon) until both directions reach end of stream.
 *
 * <p><b>Encryption.</b> When the hello settled on it ({@link ChannelProtection.Encrypted}), the
 * direction to the peer seals what it reads into records ({@link SealingPump}) and the direction
 * from the peer opens them ({@link OpeningPump}); the record layout is drawn in {@link RecordLayout}.
 * A record that fails to open fails the relay like a broken socket. Otherwise ({@link CopyPump})
 * bytes are copied as they are.
 *
 * <p><b>Threading.</b> One platform thread per direction, each blocking in {@code read} then
 * {@code write} on its own buffers allocated once when the relay starts (plain: a page-aligned
 * direct buffer, Agrona {@link BufferUtil#allocateDirectAligned}). Why not a Selector: with one
 * busy stream per direction, a blocking thread does exactly one syscall per read and per write,
 * while a selector adds an {@code epoll_wait} and a wakeup per round and serialises both directions
 * on one core; why not virtual threads: their blocking socket reads park on the JDK poller, which
 * costs the same extra epoll round. Platform threads are two per channel and a migration has a
 * handful of channels.
 *
 * <p><b>Backpressure</b> is by construction: a direction reads only when it has written all it
 * could (plain: the whole buffer; sealed: every complete record), and writes until drained, so a
 * slow reader on one side stalls the writer on the other through the kernel's socket buffers,
 * never through a queue in this process.
 *
 * <p><b>Half close.</b> When one direction reads end of stream it shuts down output on the other
 * side and ends; the relay finishes when both directions ended, then closes both channels.
 * <b>Failure</b> of either direction (reset, broken pipe) closes both channels, which wakes the other
 * direction, and the outcome is {@link RelayOutcome.Failed} with the first cause.
 *
 * <p><b>Thread safety.</b> {@link #close()}, {@link #stats()} and {@link #outcome()} may be called
 * from any thread; {@code close} is idempotent and returns once both relay threads have ended.
 */
public final class Relay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);
    private static final long JOIN_MILLIS = 5_000;
    private static final com.sun.management.ThreadMXBean THREADS = threadBean();

    private static final AtomicBoolean CAPPED_WARNED = new AtomicBoolean();

    private final String name;
    private final SocketChannel local;
    private final SocketChannel remote;
    private final RelayStats stats = new RelayStats();
    private final CompletableFuture<RelayOutcome> outcome = new CompletableFuture<>();
    private final AtomicInteger directionsLeft = new AtomicInteger(2);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** A direction was cut short by {@link #close()} (as opposed to ending at end of stream). */
    private final AtomicBoolean cut = new AtomicBoolean();
    private final Thread toRemote;
    private final Thread toLocal;

    private Relay(String name, SocketChannel local, SocketChannel remote, DirectionPump up, DirectionPump down) {
        this.name = name;
        this.local = local;
        this.remote = remote;
        this.toRemote = Thread.ofPlatform().daemon().name(name + "-l2r")
                .unstarted(() -> pump(up, stats.localToRemote));
        this.toLocal = Thread.ofPlatform().daemon().name(name + "-r2l")
                .unstarted(() -> pump(down, stats.remoteToLocal));
    }

    /**
     * Starts relaying bytes as they are between two connected, blocking channels; the relay owns
     * them from now on and closes both when it ends.
     *
     * @param name thread name prefix, e.g. {@code "vmflex-relay-<migration>-<channel>"}
     */
    public static Relay start(String name, SocketChannel local, SocketChannel remote, RelayOptions options) {
        return start(name, local, remote, options, new ChannelProtection.Plain());
    }

    /** As above, sealing what goes to {@code remote} and opening what comes from it when {@code protection} says so. */
    static Relay start(String name, SocketChannel local, SocketChannel remote, RelayOptions options,
            ChannelProtection protection) {
        Objects.requireNonNull(name);
        if (!local.isBlocking() || !remote.isBlocking()) {
            throw new IllegalArgumentException("relay channels must be in blocking mode");
        }
        applyTcpOptions(remote, options);
        applyLocalOptions(local, options);
        Relay relay = switch (protection) {
            case ChannelProtection.Plain p -> new Relay(name, local, remote,
                    new CopyPump(local, remote, options.bufferBytes()),
                    new CopyPump(remote, local, options.bufferBytes()));
            case ChannelProtection.Encrypted e -> new Relay(name, local, remote,
                    new SealingPump(local, remote, new RecordSealer(e.sendKey(), RecordLayout.MAX_DATA_PLAINTEXT)),
                    new OpeningPump(remote, local, new RecordOpener(e.receiveKey(), RecordLayout.MAX_DATA_PLAINTEXT),
                            options.bufferBytes()));
        };
        relay.toRemote.start();
        relay.toLocal.start();
        return relay;
    }

    /**
     * Sets the relay's TCP options on the remote side here, once, so both ends of a migration (the
     * source opens its connection, the target accepts it) relay with the same settings.
     */
    private static void applyTcpOptions(SocketChannel remote, RelayOptions options) {
        if (!remote.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            return; // not TCP (tests relay Unix to Unix too)
        }
        try {
            remote.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
            if (options.socketBufferBytes() > 0) {
                remote.setOption(StandardSocketOptions.SO_SNDBUF, options.socketBufferBytes());
                remote.setOption(StandardSocketOptions.SO_RCVBUF, options.socketBufferBytes());
            }
            long dead = options.deadPeerAfter().toSeconds();
            if (dead > 0) {
                remote.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                remote.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) Math.max(1, dead / 3));
                remote.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) Math.max(1, dead / 6));
                remote.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
            }
        } catch (IOException e) {
            // A closed or broken socket: the first read or write reports it as the relay's outcome.
            LOG.debug("relay {}: setting TCP options failed: {}", remote, e.toString());
        }
    }

    /**
     * Sets the send buffer of the daemon's QEMU-facing socket (see {@link RelayOptions#localSendBufferBytes}).
     * A Unix stream socket reads {@code sk_sndbuf} on every send, so setting it on a connected socket works.
     */
    private static void applyLocalOptions(SocketChannel local, RelayOptions options) {
        int wanted = options.localSendBufferBytes();
        if (wanted == 0) {
            return;
        }
        try {
            local.setOption(StandardSocketOptions.SO_SNDBUF, wanted);
            // The JDK reports what Linux granted: min(wanted, net.core.wmem_max).
            int granted = local.getOption(StandardSocketOptions.SO_SNDBUF);
            if (granted < wanted && CAPPED_WARNED.compareAndSet(false, true)) {
                LOG.warn("relay: the Unix socket send buffer to QEMU is capped at {} KiB by net.core.wmem_max (wanted {} KiB);"
                        + " migrations run slower: raise it (packaging/sysctl.d/90-vmflex.conf)", granted / 1024, wanted / 1024);
            }
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("relay {}: setting SO_SNDBUF failed: {}", local, e.toString());
        }
    }

    public String name() {
        return name;
    }

    /** Live counters; cheap, lock-free, any thread. */
    public RelayStats.Snapshot stats() {
        return stats.snapshot();
    }

    /** Completes (never exceptionally) when both relay threads have ended. */
    public CompletableFuture<RelayOutcome> outcome() {
        return outcome;
    }

    /** Ids of the two relay threads, for diagnostics (e.g. per-thread CPU sampling). */
    public long[] threadIds() {
        return new long[] {toRemote.threadId(), toLocal.threadId()};
    }

    private void pump(DirectionPump pump, RelayStats.Direction counters) {
        long cpuBefore = cpuTime();
        long allocatedBefore = allocated();
        Throwable cause = null;
        try {
            pump.run(counters);
        } catch (IOException | RuntimeException e) {
            cause = e;
        }
        counters.finish(cpuTime() - cpuBefore, allocated() - allocatedBefore, System.nanoTime());
        directionEnded(cause);
    }

    private void directionEnded(Throwable cause) {
        if (cancelled.get()) {
            // Also without a cause: a direction that ends once close() has begun counts as cut.
            cut.set(true);
        } else if (cause != null && failure.compareAndSet(null, cause)) {
            LOG.warn("relay {} failed: {}", name, cause.toString());
            closeChannels();
        }
        if (directionsLeft.decrementAndGet() == 0) {
            closeChannels();
            stats.end();
            RelayStats.Snapshot snapshot = stats.snapshot();
            // Read sizes tell whether a slow relay was starved by small writes or by CPU.
            LOG.info("relay {} ended: to peer {}; from peer {}", name, snapshot.localToRemote().describe(),
                    snapshot.remoteToLocal().describe());
            Throwable failed = failure.get();
            if (failed != null) {
                outcome.complete(new RelayOutcome.Failed(failed, snapshot));
            } else if (cut.get()) {
                outcome.complete(new RelayOutcome.Cancelled(snapshot));
            } else {
                outcome.complete(new RelayOutcome.Finished(snapshot));
            }
        }
    }

    /** Ends both directions promptly from any thread; returns when the relay threads have ended. */
    @Override
    public void close() {
        if (cancelled.compareAndSet(false, true)) {
            closeChannels();
        }
        join(toRemote);
        join(toLocal);
    }

    private void closeChannels() {
        closeQuietly(local);
        closeQuietly(remote);
    }

    private static void join(Thread t) {
        if (t == Thread.currentThread() || !t.isAlive()) {
            return;
        }
        try {
            if (!t.join(java.time.Duration.ofMillis(JOIN_MILLIS))) {
                LOG.warn("relay thread {} did not end within {} ms", t.getName(), JOIN_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("close failed: {}", e.toString());
        }
    }

    private static long cpuTime() {
        return THREADS != null && THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    private static long allocated() {
        return THREADS != null && THREADS.isThreadAllocatedMemorySupported() ? THREADS.getCurrentThreadAllocatedBytes() : -1;
    }

    private static com.sun.management.ThreadMXBean threadBean() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean) {
            return bean;
        }
        return null;
    }

    @Override
    public String toString() {
        return "Relay[" + name + "]";
    }
}
