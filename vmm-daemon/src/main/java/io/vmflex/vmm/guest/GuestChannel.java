package io.vmflex.vmm.guest;

import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionRange;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host end of one VM's guest channel: a client of QEMU's chardev Unix socket for the
 * virtio-serial port {@code vmflex.monitor}. While open it keeps (re)connecting, runs the version
 * handshake, delivers Metrics and UpscaleRequests to its {@link GuestChannelListener}, and carries
 * host requests (downscale, upscale notification, health check) correlated by even ids.
 *
 * <p>The guest is untrusted. Every frame goes through {@link GuestSession}: strict decoding,
 * sanity checks, id parity, rate limits. A guest that sends an oversize frame, floods, or keeps
 * sending garbage loses its socket for a quarantine (10 s doubling to 5 min by default) reported
 * as {@link ChannelState.Quarantined}. Memory per channel is bounded: one read buffer, at most one
 * frame in the decoder, a fixed-size outbox and a fixed number of pending requests.
 *
 * <p>Threads: one virtual thread per channel connects, reads and judges (and calls the
 * listener); one more virtual thread per connection writes, so a guest that stops reading
 * blocks only that writer (requests then fail fast with a full outbox or time out). Plain JDK
 * blocking sockets on virtual threads are enough here: one connection per VM, little traffic,
 * and a straight-line read loop is easier to audit than a pipeline of handlers.
 *
 * <p>Thread-safety: all public methods may be called from any thread. Futures returned by the
 * request methods complete on the channel's reader thread or the JDK's timeout thread; chain heavy
 * work with the {@code *Async} variants.
 */
public final class GuestChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuestChannel.class);
    private static final byte[] RANGE_FRAME = GuestFrames.encode(VersionRange.V1);

    private final String name;
    private final UnixDomainSocketAddress address;
    private final GuestChannelConfig config;
    private final GuestClock clock;
    private final GuestChannelListener listener;
    private final StatsCounters stats = new StatsCounters();
    private final PendingRequests pending;
    private final Object lifecycle = new Object();

    private volatile ChannelState state;
    private volatile ReceivedMetrics lastMetrics;
    private volatile BlockingQueue<byte[]> outbox;
    private volatile SocketChannel socket;
    private volatile boolean closed;
    private Thread loop;

    /**
     * @param name     for logs and thread names (the VM's name)
     * @param socket   QEMU's chardev socket, e.g. {@code <state-dir>/vms/<vm>/guest.sock}; need not exist yet
     * @param listener called on the channel's thread; see {@link GuestChannelListener}
     */
    public GuestChannel(String name, Path socket, GuestChannelConfig config, GuestClock clock,
                        GuestChannelListener listener) {
        this.name = Objects.requireNonNull(name, "name");
        this.address = UnixDomainSocketAddress.of(Objects.requireNonNull(socket, "socket"));
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.pending = new PendingRequests(config.maxPending());
        this.state = new ChannelState.Disconnected("not started", clock.now());
    }

    /** Starts connecting in the background; idempotent; does nothing after {@link #close()}. */
    public void start() {
        synchronized (lifecycle) {
            if (loop == null && !closed) {
                loop = Thread.ofVirtual().name("guest-channel-" + name).start(this::run);
            }
        }
    }

    public ChannelState state() {
        return state;
    }

    /** The last sane Metrics received, if any (kept across reconnects; check its time). */
    public Optional<ReceivedMetrics> lastMetrics() {
        return Optional.ofNullable(lastMetrics);
    }

    public ChannelStats stats() {
        return stats.snapshot();
    }

    /**
     * Asks the guest whether it may shrink to {@code target}. Fails with
     * {@link GuestChannelException} when not connected, too busy or disconnected meanwhile,
     * {@link GuestRequestException} when the guest answers with an error, and
     * {@link java.util.concurrent.TimeoutException} after {@code timeout}.
     */
    public CompletableFuture<GuestMessage.DownscaleResult> requestDownscale(Resources target, Duration timeout) {
        Objects.requireNonNull(target, "target");
        return send(id -> new GuestMessage.DownscaleRequest(id, target), GuestMessage.DownscaleResult.class, timeout)
                .thenApply(GuestMessage.DownscaleResult.class::cast);
    }

    /** Tells the guest it now has {@code granted}; completes on its UpscaleConfirmation. Fails as {@link #requestDownscale}. */
    public CompletableFuture<Void> notifyUpscale(Resources granted, Duration timeout) {
        Objects.requireNonNull(granted, "granted");
        return send(id -> new GuestMessage.UpscaleNotification(id, granted), GuestMessage.UpscaleConfirmation.class, timeout)
                .thenApply(m -> null);
    }

    /**
     * SysfsScaling: asks the guest to keep {@code cpus} vCPUs online; completes with how many are online
     * after it acted. Fails as {@link #requestDownscale}.
     */
    public CompletableFuture<Integer> setCpusOnline(int cpus, Duration timeout) {
        if (cpus < 1 || cpus > GuestSession.MAX_CPUS) {
            throw new IllegalArgumentException("cpus must be 1.." + GuestSession.MAX_CPUS + ", got " + cpus);
        }
        return send(id -> new GuestMessage.SetCpusOnline(id, cpus), GuestMessage.CpusOnline.class, timeout)
                .thenApply(m -> ((GuestMessage.CpusOnline) m).cpus());
    }

    /** Round trip of a HealthCheck. Fails as {@link #requestDownscale}. */
    public CompletableFuture<Duration> healthCheck(Duration timeout) {
        long start = clock.nanoTime();
        return send(GuestMessage.HealthCheck::new, GuestMessage.HealthCheck.class, timeout)
                .thenApply(m -> Duration.ofNanos(clock.nanoTime() - start));
    }

    /** Stops the channel: closes the socket, fails pending requests, ends in {@link ChannelState.Closed}. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            t = loop;
        }
        closeQuietly(socket);
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        pending.closeAndFailAll(new GuestChannelException("guest channel closed"));
        publish(new ChannelState.Closed(clock.now()));
    }

    private CompletableFuture<GuestMessage> send(LongFunction<GuestMessage> make, Class<? extends GuestMessage> replyType,
                                                 Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<GuestMessage> f = new CompletableFuture<>();
        long id;
        try {
            id = pending.register(replyType, f);
        } catch (GuestChannelException e) {
            return CompletableFuture.failedFuture(e);
        }
        f.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).whenComplete((r, e) -> pending.forget(id));
        BlockingQueue<byte[]> box = outbox;
        if (box == null || !box.offer(GuestFrames.encode(make.apply(id)))) {
            f.completeExceptionally(new GuestChannelException(box == null
                    ? "guest channel not connected" : "guest channel outbox full (guest not reading)"));
        }
        return f;
    }

    // ---- the channel's thread ----

    private void run() {
        ExponentialBackoff reconnect = new ExponentialBackoff(config.reconnectInitial(), config.reconnectMax());
        ExponentialBackoff quarantine = new ExponentialBackoff(config.quarantineInitial(), config.quarantineMax());
        boolean connectedBefore = false;
        int garbledStarts = 0;
        while (!closed) {
            SocketChannel ch;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            } catch (IOException e) {
                LOG.warn("guest channel {}: cannot make a socket: {}", name, e.toString());
                pause(reconnect.next());
                continue;
            }
            try {
                ch.connect(address);
            } catch (IOException e) {
                closeQuietly(ch);
                if (!(state instanceof ChannelState.Disconnected)) {
                    publish(new ChannelState.Disconnected("connect: " + e.getMessage(), clock.now()));
                }
                pause(reconnect.next());
                continue;
            }
            socket = ch;
            if (closed) {
                closeQuietly(ch);
                break;
            }
            if (connectedBefore) {
                stats.reconnects.incrementAndGet();
            }
            connectedBefore = true;
            Session s = new Session(ch);
            Inbound.Fatal end = s.run();
            if (closed) {
                break;
            }
            if (s.connectedAtNanos != 0) {
                reconnect.reset();
                garbledStarts = 0;
                if (clock.nanoTime() - s.connectedAtNanos >= config.quarantineForgiveAfter().toNanos()) {
                    quarantine.reset();
                }
            }
            Inbound.Fatal.Kind kind = end.kind();
            if (kind == Inbound.Fatal.Kind.GARBLED_START && ++garbledStarts >= config.garbledStartLimit()) {
                kind = Inbound.Fatal.Kind.QUARANTINE;
            }
            switch (kind) {
                case DISCONNECTED, GARBLED_START -> {
                    LOG.info("guest channel {}: disconnected: {}", name, end.reason());
                    publish(new ChannelState.Disconnected(end.reason(), clock.now()));
                    pause(reconnect.next());
                }
                case QUARANTINE -> {
                    Duration d = quarantine.next();
                    stats.quarantines.incrementAndGet();
                    LOG.warn("guest channel {}: quarantined for {}: {}", name, d, end.reason());
                    publish(new ChannelState.Quarantined(end.reason(), clock.now().plus(d)));
                    pause(d);
                }
                case INCOMPATIBLE -> {
                    Duration d = quarantine.next();
                    LOG.warn("guest channel {}: {}; retrying in {}", name, end.reason(), d);
                    publish(new ChannelState.Failed(end.reason(), clock.now().plus(d)));
                    pause(d);
                }
            }
        }
    }

    /** One connection: handshake, then messages, until it ends. */
    private final class Session {
        private final SocketChannel ch;
        private final GuestSession judge;
        private final BlockingQueue<byte[]> box = new ArrayBlockingQueue<>(config.outboxCapacity());
        private long connectedAtNanos;
        /** When the decoder last started holding an unfinished frame, 0 if it holds none; the writer watches it. */
        private volatile long partialSinceNanos;
        private volatile String killedBecause;

        Session(SocketChannel ch) {
            this.ch = ch;
            this.judge = new GuestSession(config, pending, stats, clock.nanoTime());
        }

        Inbound.Fatal run() {
            publish(new ChannelState.Handshaking(clock.now()));
            outbox = box;
            Thread writer = Thread.ofVirtual().name("guest-writer-" + name).start(this::write);
            Inbound.Fatal end;
            try {
                end = read();
            } catch (IOException e) {
                String why = killedBecause;
                end = new Inbound.Fatal(Inbound.Fatal.Kind.DISCONNECTED, why != null ? why : "I/O: " + e);
            } catch (RuntimeException e) {
                // A bug on our side must not kill the channel's thread; start over.
                LOG.error("guest channel {}: unexpected failure in the reader", name, e);
                end = new Inbound.Fatal(Inbound.Fatal.Kind.DISCONNECTED, "reader failed: " + e);
            } finally {
                outbox = null;
                closeQuietly(ch);
                writer.interrupt();
            }
            pending.closeAndFailAll(new GuestChannelException("guest channel disconnected: " + end.reason()));
            try {
                writer.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return end;
        }

        private Inbound.Fatal read() throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(GuestChannelConfig.READ_BUFFER);
            GuestFrameDecoder decoder = new GuestFrameDecoder();
            while (!closed) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    return new Inbound.Fatal(Inbound.Fatal.Kind.DISCONNECTED, "the guest side closed the socket");
                }
                long now = clock.nanoTime();
                stats.bytesIn.addAndGet(n);
                Inbound.Fatal flood = judge.onBytes(n, now);
                if (flood != null) {
                    return flood;
                }
                List<byte[]> frames;
                String framingError = null;
                try {
                    frames = decoder.feed(buf.array(), 0, n);
                } catch (GuestFrameDecoder.FramingException e) {
                    frames = e.framesBefore();
                    framingError = e.getMessage();
                }
                if (decoder.buffered() == 0) {
                    partialSinceNanos = 0;
                } else if (partialSinceNanos == 0 || !frames.isEmpty()) {
                    partialSinceNanos = now;
                }
                for (byte[] payload : frames) {
                    Inbound in = judge.onFrame(payload, now);
                    if (in instanceof Inbound.Fatal f) {
                        return f;
                    }
                    act(in);
                }
                if (framingError != null) {
                    // judged after the frames before it: a handshake answer then a bad length is a misbehaving session
                    return judge.onFramingError(framingError);
                }
            }
            return new Inbound.Fatal(Inbound.Fatal.Kind.DISCONNECTED, "closed");
        }

        private void act(Inbound in) {
            switch (in) {
                case Inbound.Established e -> {
                    connectedAtNanos = clock.nanoTime();
                    pending.open();
                    LOG.info("guest channel {}: connected, protocol version {}", name, e.version());
                    publish(new ChannelState.Connected(e.version(), clock.now()));
                }
                case Inbound.MetricsArrived m -> {
                    ReceivedMetrics r = new ReceivedMetrics(m.metrics(), clock.now());
                    lastMetrics = r;
                    callListener(() -> listener.onMetrics(r));
                }
                case Inbound.UpscaleRequested u -> callListener(() -> listener.onUpscaleRequest(u.request()));
                case Inbound.Rejected r -> {
                    LOG.debug("guest channel {}: protocol error: {}", name, r.error());
                    if (r.reply()) {
                        // Never blocks the reader: with a full outbox the reply is just not sent.
                        box.offer(GuestFrames.encode(new GuestMessage.InvalidMessage(r.id(), r.error())));
                    }
                }
                case Inbound.Ignored i -> LOG.trace("guest channel {}: ignored: {}", name, i.why());
                case Inbound.Answered a -> {
                }
                case Inbound.Fatal f -> throw new IllegalStateException("handled by the read loop: " + f);
            }
        }

        private void write() {
            long nextRange = clock.nanoTime();
            long interval = config.handshakeInterval().toNanos();
            long stall = config.frameStallTimeout().toNanos();
            long stallCheck = Math.max(1_000_000L, stall / 4);
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    long wait = interval;
                    if (!judge.established()) {
                        long now = clock.nanoTime();
                        if (now - nextRange >= 0) {
                            writeFully(RANGE_FRAME);
                            nextRange = now + interval;
                        }
                        wait = Math.max(1, nextRange - now);
                    }
                    byte[] frame = box.poll(Math.min(wait, stallCheck), TimeUnit.NANOSECONDS);
                    if (frame != null) {
                        writeFully(frame);
                    }
                    long partial = partialSinceNanos;
                    if (partial != 0 && clock.nanoTime() - partial > stall) {
                        // The reader cannot notice while it blocks in read(); closing the socket wakes it.
                        stats.protocolErrors.incrementAndGet();
                        killedBecause = "frame unfinished for more than " + config.frameStallTimeout().toMillis() + " ms";
                        closeQuietly(ch);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the session is over
            } catch (IOException e) {
                // The reader sees the closed socket and ends the session.
                LOG.debug("guest channel {}: write failed: {}", name, e.toString());
                closeQuietly(ch);
            }
        }

        private void writeFully(byte[] frame) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(frame);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            stats.framesOut.incrementAndGet();
        }
    }

    private void publish(ChannelState s) {
        synchronized (lifecycle) {
            if (closed && !(s instanceof ChannelState.Closed)) {
                return;
            }
            if (state instanceof ChannelState.Closed) {
                return;
            }
            state = s;
        }
        callListener(() -> listener.onStateChange(s));
    }

    private void callListener(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("guest channel {}: listener failed", name, e);
        }
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            // close() interrupts; the loop checks `closed`
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do with a socket that will not close
            }
        }
    }

    @Override
    public String toString() {
        return "GuestChannel[" + name + ", " + address.getPath() + ", " + state + "]";
    }
}
