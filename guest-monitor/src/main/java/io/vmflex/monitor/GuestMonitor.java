package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionRange;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The guest monitor: two threads. The channel thread opens the port, feeds what it reads through
 * {@link Session} and writes the replies; on EOF (host closed its end: daemon restart,
 * migration) or an error it closes the port and opens it again with backoff, forever. The ticker
 * thread onlines hot-plugged CPUs and memory every {@code onlineInterval} and, while a session is
 * active, sends Metrics every {@code metricsInterval} plus an UpscaleRequest when
 * {@link MemoryPolicy} says so.
 *
 * <p>Thread-safe: writes to the port are serialized in {@link Link}; the active session is
 * published through a volatile field.
 */
public final class GuestMonitor {
    /** Default device: the virtio-serial port QEMU names {@code vmflex.monitor}. */
    public static final String DEFAULT_CHANNEL = "/dev/virtio-ports/vmflex.monitor";

    /**
     * @param channel        device path, or {@code unix:/path} for a Unix socket
     * @param workloadCgroup cgroup v2 directory whose {@code memory.stat anon} counts as used memory
     * @param rssReportAfter when to print {@code rss_kb=} once; null never
     */
    public record Config(String channel, Path proc, Path sys, Path workloadCgroup, Duration metricsInterval,
                         Duration onlineInterval, Duration minBackoff, Duration maxBackoff, Duration rssReportAfter) {
        public static Config defaults() {
            return new Config(DEFAULT_CHANNEL, Path.of("/proc"), Path.of("/sys"), Path.of("/sys/fs/cgroup/workload"),
                    Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(1),
                    Duration.ofSeconds(10));
        }
    }

    /** The port of the current session, writes serialized. */
    private static final class Link {
        private final ByteChannel ch;

        Link(ByteChannel ch) {
            this.ch = ch;
        }

        synchronized void send(Object message) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(GuestCodec.encode(message));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private record Active(Link link, Session session) {
    }

    private final Config config;
    private final ChannelOpener opener;
    private final Console console;
    private final LongSupplier nanoClock;
    private final SystemReader reader;
    private final CpuBusyMeter cpuBusy = new CpuBusyMeter();
    private final HotplugOnliner onliner;
    /** Non-null when the guest was booted for SysfsScaling. */
    private final SysfsCpus sysfsCpus;
    private final Supplier<GuestStats> stats;
    private final MemoryPolicy memoryPolicy = new MemoryPolicy();
    /** Guest-made ids are odd. */
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong sessions = new AtomicLong();
    private volatile Active active;
    private volatile boolean running = true;
    private volatile ByteChannel open;
    private Thread channelThread;
    private Thread tickerThread;

    public GuestMonitor(Config config, ChannelOpener opener, Console console, LongSupplier nanoClock) {
        this.config = config;
        this.opener = opener;
        this.console = console;
        this.nanoClock = nanoClock;
        this.reader = new SystemReader(config.proc(), config.sys(), config.workloadCgroup());
        // SysfsScaling: the host decides which CPUs are online; nothing onlines them behind its back.
        this.sysfsCpus = SysfsCpus.enabled(config.proc()) ? new SysfsCpus(config.sys()) : null;
        this.onliner = new HotplugOnliner(config.sys(), sysfsCpus == null);
        this.stats = statsOf(reader);
    }

    private static Supplier<GuestStats> statsOf(SystemReader reader) {
        return new Supplier<>() {
            @Override
            public GuestStats get() {
                return reader.read();
            }
        };
    }

    public void start() {
        // Anonymous classes, not method references, in everything the guest runs: a lambda's first
        // call spins a hidden class through java.lang.invoke (hundreds of JDK classes, metaspace
        // and seconds of interpreted start-up under TCG).
        channelThread = Thread.ofPlatform().name("vmflex-channel").daemon().start(new Runnable() {
            @Override
            public void run() {
                channelLoop();
            }
        });
        tickerThread = Thread.ofPlatform().name("vmflex-ticker").daemon().start(new Runnable() {
            @Override
            public void run() {
                tickerLoop();
            }
        });
    }

    /** Stops both threads and closes the port (tests; in a VM the monitor runs until poweroff). */
    public void stop() throws InterruptedException {
        running = false;
        closeQuietly(open);
        channelThread.interrupt();
        tickerThread.interrupt();
        channelThread.join(5000);
        tickerThread.join(5000);
    }

    /** Handshakes completed since start. */
    public long sessions() {
        return sessions.get();
    }

    private void channelLoop() {
        long backoff = config.minBackoff().toNanos();
        while (running) {
            ByteChannel ch;
            try {
                ch = opener.open();
            } catch (IOException | RuntimeException e) {
                console.once("open", "cannot open " + config.channel() + ": " + e.getMessage() + " (retrying)");
                backoff = sleepBackoff(backoff);
                continue;
            }
            console.clear("open");
            open = ch;
            boolean hadSession = serve(ch);
            if (hadSession) {
                backoff = config.minBackoff().toNanos();
            }
            // A port whose host end is closed reads EOF at once: wait before trying again.
            backoff = sleepBackoff(backoff);
        }
    }

    private long sleepBackoff(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return Math.min(nanos * 2, config.maxBackoff().toNanos());
    }

    /** Serves one opened port until EOF or an error; returns whether a session started on it. */
    private boolean serve(ByteChannel ch) {
        Session session = new Session(stats, sysfsCpus);
        Link link = new Link(ch);
        GuestFrameDecoder decoder = new GuestFrameDecoder();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        boolean hadSession = false;
        try {
            while (running) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                for (byte[] payload : decoder.feed(buf.array(), 0, n)) {
                    boolean wasActive = session.phase() == Session.Phase.ACTIVE;
                    Session.Step step = session.onPayload(payload);
                    if (step.started()) {
                        hadSession = true;
                        sessions.incrementAndGet();
                        console.clear("io");
                        // Ranges the host repeated while the guest was booting arrive in a burst:
                        // one line per opened port, not one per range.
                        if (!wasActive) {
                            console.info("connected v" + Session.VERSION);
                        }
                    }
                    for (Object reply : step.replies()) {
                        link.send(reply);
                    }
                    if (step.started()) {
                        // Published only now, so no Metrics can overtake the VersionChoice.
                        active = new Active(link, session);
                    }
                }
            }
        } catch (GuestFrameDecoder.FramingException e) {
            // The byte stream lost its frame boundaries: say so, then start over on a fresh open
            // (opening a virtio port discards what is queued in it).
            console.once("framing", "bad frame from host: " + e.getMessage() + " (reopening)");
            try {
                link.send(new GuestMessage.InvalidMessage(0, e.getMessage()));
            } catch (IOException | RuntimeException ignored) {
                // The host may be gone as well; the reopen handles it.
            }
        } catch (IOException | RuntimeException e) {
            if (running) {
                console.once("io", "channel: " + e + " (reopening)");
            }
        } finally {
            active = null;
            open = null;
            closeQuietly(ch);
        }
        return hadSession;
    }

    private void tickerLoop() {
        long start = nanoClock.getAsLong();
        long nextMetrics = start;
        long rssAt = config.rssReportAfter() == null ? Long.MAX_VALUE : start + config.rssReportAfter().toNanos();
        while (running) {
            try {
                onliner.onlineOnce();
                long now = nanoClock.getAsLong();
                if (now - nextMetrics >= 0) {
                    nextMetrics = now + config.metricsInterval().toNanos();
                    sendMetrics(now);
                }
                if (now - rssAt >= 0) {
                    rssAt = Long.MAX_VALUE;
                    console.info(rssLine());
                }
            } catch (RuntimeException e) {
                console.once("tick", "ticker: " + e);
            }
            try {
                Thread.sleep(config.onlineInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sendMetrics(long now) {
        Active a = active;
        if (a == null || a.session().phase() != Session.Phase.ACTIVE) {
            return;
        }
        GuestStats s = reader.read();
        try {
            a.link().send(s.toMetrics(nextId.getAndAdd(2), cpuBusy.next(s.cpuTicks())));
            if (memoryPolicy.shouldRequestUpscale(s, now)) {
                a.link().send(new GuestMessage.UpscaleRequest(nextId.getAndAdd(2)));
            }
        } catch (IOException e) {
            // The channel thread sees the same failure on its read and reopens.
        }
    }

    /** {@code rss_kb=… anon_kb=… file_kb=…}: file pages are the read-only disk's page cache. */
    private String rssLine() {
        try {
            String status = Files.readString(config.proc().resolve("self/status"));
            return "rss_kb=" + SystemReader.kbField(status, "VmRSS:") / 1024
                    + " anon_kb=" + SystemReader.kbField(status, "RssAnon:") / 1024
                    + " file_kb=" + SystemReader.kbField(status, "RssFile:") / 1024;
        } catch (IOException e) {
            return "rss_kb=-1";
        }
    }

    private static void closeQuietly(ByteChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // Closing is best effort; the next open reports a real problem.
            }
        }
    }

    /**
     * Walks every message path once without a channel, so that the image builder can record the
     * classes a session loads (the class list of the guest's CDS archive): the codec, the session,
     * the readers, a console line, a platform thread and a device port on {@code /dev/null}.
     */
    static void warmup(SystemReader reader) throws InterruptedException {
        Session session = new Session(statsOf(reader));
        List<Object> host = List.of(VersionRange.V1, new GuestMessage.HealthCheck(2),
                new GuestMessage.DownscaleRequest(4, new Resources(1000, 1L << 30)),
                new GuestMessage.UpscaleNotification(6, new Resources(2000, 1L << 31)),
                new GuestMessage.InvalidMessage(8, "x"), new GuestMessage.InternalError(10, "x"),
                new GuestMessage.SetCpusOnline(14, 1),
                new GuestMessage.Metrics(12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1));
        GuestFrameDecoder decoder = new GuestFrameDecoder();
        try {
            for (Object m : host) {
                byte[] frame = GuestCodec.encode(m);
                for (byte[] payload : decoder.feed(frame, 0, frame.length)) {
                    for (Object reply : session.onPayload(payload).replies()) {
                        GuestCodec.encode(reply);
                    }
                }
            }
            session.onPayload("{bad".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            GuestCodec.encode(reader.read().toMetrics(1, new CpuBusyMeter().next(GuestStats.CpuTicks.NONE)));
            GuestCodec.encode(new GuestMessage.UpscaleRequest(3));
            decoder.feed(new byte[] {0x7f, 0, 0, 0}, 0, 4);
        } catch (GuestFrameDecoder.FramingException expected) {
            // The last feed is meant to fail: its exception class belongs in the list too.
        }
        new HotplugOnliner(Path.of("/nonexistent")).onlineOnce();
        new MemoryPolicy().shouldRequestUpscale(reader.read(), System.nanoTime());
        MemoryPolicy.decideDownscale(1, new Resources(1000, 1L << 30), reader.read());
        Console console = new Console(new PrintStream(OutputStream.nullOutputStream()));
        console.once("warmup", "warmup");
        console.clear("warmup");
        Thread.ofPlatform().name("vmflex-warmup").daemon().start(new Runnable() {
            @Override
            public void run() {
                SystemReader.processAgeMillis(Path.of("/proc"));
            }
        }).join();
        try (ByteChannel port = ChannelOpener.of("/dev/null").open()) {
            port.read(ByteBuffer.allocate(16));
            port.write(ByteBuffer.wrap(new byte[1]));
        } catch (IOException e) {
            // No /dev/null on the build machine: the port classes load at run time instead.
        }
    }

    /**
     * {@code java -jar guest-monitor.jar [--channel PATH|unix:PATH] [--proc DIR] [--sys DIR]
     * [--cgroup DIR] [--warmup]}; {@code VMFLEX_MONITOR_CHANNEL} sets the channel when the flag is absent.
     */
    public static void main(String[] args) throws InterruptedException {
        Config d = Config.defaults();
        String channel = System.getenv().getOrDefault("VMFLEX_MONITOR_CHANNEL", d.channel());
        Path proc = d.proc();
        Path sys = d.sys();
        Path cgroup = d.workloadCgroup();
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--channel" -> channel = value;
                case "--proc" -> proc = Path.of(value);
                case "--sys" -> sys = Path.of(value);
                case "--cgroup" -> cgroup = Path.of(value);
                case "--warmup" -> {
                    warmup(new SystemReader(proc, sys, cgroup));
                    return;
                }
                default -> {
                    System.err.println("vmflex-monitor: usage: [--channel PATH|unix:PATH] [--proc DIR] [--sys DIR] [--cgroup DIR]");
                    System.exit(2);
                }
            }
            i++;
        }
        Config config = new Config(channel, proc, sys, cgroup, d.metricsInterval(), d.onlineInterval(),
                d.minBackoff(), d.maxBackoff(), d.rssReportAfter());
        Console console = new Console(System.err);
        GuestMonitor monitor = new GuestMonitor(config, ChannelOpener.of(channel), console, new LongSupplier() {
            @Override
            public long getAsLong() {
                return System.nanoTime();
            }
        });
        monitor.start();
        long age = SystemReader.processAgeMillis(config.proc());
        if (age >= 0) {
            console.info("started in " + age + " ms");
        }
        monitor.channelThread.join();
    }
}
