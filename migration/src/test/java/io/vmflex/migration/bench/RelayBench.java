package io.vmflex.migration.bench;

import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.Expectation;
import io.vmflex.migration.LocalEndpoint;
import io.vmflex.migration.MigrationListener;
import io.vmflex.migration.MigrationSource;
import io.vmflex.migration.RelayOptions;
import io.vmflex.migration.RelayStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of the real two-hop path, one direction, on loopback:
 * <pre>
 *   writer ─unix A─▶ hop 1 ─TCP─▶ hop 2 ─unix B─▶ reader
 * </pre>
 * with the hops done by (1) vmflex's MigrationSource + MigrationListener, once per relay
 * configuration given with {@code --variants}, (2) a plain heap {@code byte[]} InputStream/OutputStream
 * copy loop per hop, (3) two {@code socat} processes, (4) a C program ({@code src/test/c/relaypath.c},
 * compiled with gcc when present) doing the same path with a read/write loop ({@code c-copy}) and with
 * {@code splice(2)} through a pipe ({@code c-splice}): the floor of what any relay can do here. Writer
 * and reader are the same Java code in variants 1–3. Every round runs every variant once, interleaved,
 * so load changes on the shared machine hit all of them; the summary is the median over rounds. For
 * vmflex it also prints the relay threads' CPU time per GiB and the heap bytes they allocated
 * (ThreadMXBean, sampled by the relay threads at start and end of their loops). See
 * migration/README.md for how to run it.
 *
 * <p>Arguments: {@code --gib N} bytes per run (default 2), {@code --rounds N} (default 5),
 * {@code --variants LIST} comma-separated relay configurations {@code BUFFER[-delay][-sb<BYTES>][-plain]}, e.g.
 * {@code 256k,1m,4m,1m-delay,1m-sb4m,1m-plain} ({@code delay}: TCP_NODELAY off; {@code sb}: SO_SNDBUF/RCVBUF;
 * {@code plain}: encryption off, the opt-out; without it the relay seals the stream, the default;
 * default {@code 256k,1m,4m,1m-delay}), {@code --buffer BYTES} copy buffer of plain-copy, socat and
 * the C program (default 1 MiB), {@code --only vmflex} to skip plain-copy, socat and C (the
 * {@code direct} baseline still runs: writer ─unix─▶ reader, no hop at all, as QEMU→QEMU over a Unix
 * socket), {@code --cap-mbit LIST} comma-separated writer pacing in Mbit/s, 0 for none (default 0):
 * every variant runs at every cap, playing a link of that speed as {@code vmflex bench migration}'s
 * {@code --max-bandwidth} does; the hop CPU per GiB then shows what the relay costs when it is not
 * the bottleneck. Each vmflex variant first runs once, unmeasured, to warm up the JIT.
 */
public final class RelayBench {

    private static final ClusterSecret SECRET = ClusterSecret.of(new byte[32]);

    private RelayBench() {
    }


    /** One relay configuration under test, e.g. {@code 1m-delay-sb4m}. */
    record Variant(String label, RelayOptions options) {
        static Variant parse(String spec) {
            String[] parts = spec.split("-");
            RelayOptions o = RelayOptions.DEFAULTS.withBufferBytes(bytes(parts[0]));
            for (int i = 1; i < parts.length; i++) {
                if (parts[i].equals("delay")) {
                    o = o.withTcpNoDelay(false);
                } else if (parts[i].equals("plain")) {
                    o = o.withEncryption(false);
                } else if (parts[i].startsWith("sb")) {
                    o = o.withSocketBufferBytes(bytes(parts[i].substring(2)));
                } else {
                    throw new IllegalArgumentException("unknown variant part " + parts[i] + " in " + spec);
                }
            }
            return new Variant("vmflex-" + spec, o);
        }
    }

    static int bytes(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        if (t.endsWith("k")) {
            return Integer.parseInt(t.substring(0, t.length() - 1)) * 1024;
        }
        if (t.endsWith("m")) {
            return Integer.parseInt(t.substring(0, t.length() - 1)) * 1024 * 1024;
        }
        return Integer.parseInt(t);
    }

    public static void main(String[] args) throws Exception {
        double gib = 2;
        int rounds = 5;
        int buffer = 1024 * 1024;
        String variantList = "256k,1m,4m,1m-delay";
        String only = null;
        String caps = "0";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--cap-mbit" -> caps = args[i + 1];
                case "--gib" -> gib = Double.parseDouble(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--buffer" -> buffer = bytes(args[i + 1]);
                case "--variants" -> variantList = args[i + 1];
                case "--only" -> only = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long bytes = (long) (gib * (1L << 30));
        List<Variant> variants = new ArrayList<>();
        for (String spec : variantList.split(",")) {
            variants.add(Variant.parse(spec.trim()));
        }
        Path cProgram = only == null ? CBaseline.build() : null;
        System.out.printf(Locale.ROOT, "bytes/run=%d (%.2f GiB) rounds=%d copy-buffer=%d cores=%d load=%.2f%n", bytes, gib,
                rounds, buffer, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        Path dir = Files.createTempDirectory("relaybench");
        List<RelayBenchResult> results = new ArrayList<>();
        List<String> order = new ArrayList<>();
        // One unmeasured 256 MiB transfer per variant first: the JIT compiles the copy and crypto
        // paths there, not in round 1 (the first sealed run cost ~3x the CPU of the later ones).
        for (Variant v : variants) {
            vmflex(dir, Math.min(bytes, 256L << 20), v, 0);
        }
        for (int r = 0; r < rounds; r++) {
            for (String capText : caps.split(",")) {
                long cap = Long.parseLong(capText.trim());
                results.add(print(direct(dir, bytes, cap)));
                for (Variant v : variants) {
                    results.add(print(vmflex(dir, bytes, v, cap)));
                }
            }
            if (only == null) {
                results.add(print(plainCopy(dir, bytes, buffer)));
                results.add(print(socat(dir, bytes, buffer)));
                if (cProgram != null) {
                    results.add(print(CBaseline.run(cProgram, "copy", bytes, buffer)));
                    results.add(print(CBaseline.run(cProgram, "splice", bytes, buffer)));
                }
            }
        }
        for (RelayBenchResult res : results) {
            if (!order.contains(res.variant())) {
                order.add(res.variant());
            }
        }
        double plain = median(results, "plain-copy");
        double socat = median(results, "socat");
        System.out.printf(Locale.ROOT, "median of %d rounds, Gbit/s (load now %.2f):%n", rounds,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "  %-28s %7s %7s %7s  %-28s %-10s %s%n", "variant", "median", "min", "max",
                "ratio to plain-copy / socat", "÷ direct", "hop CPU ms/GiB (median)");
        for (String v : order) {
            double m = median(results, v);
            DoubleSummaryStatistics st = results.stream().filter(x -> x.variant().equals(v)).mapToDouble(RelayBenchResult::gbit)
                    .summaryStatistics();
            double[] cpu = results.stream().filter(x -> x.variant().equals(v)).mapToDouble(RelayBenchResult::cpuMsPerGib)
                    .filter(c -> c >= 0).sorted().toArray();
            String cpuText = cpu.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f", cpu[cpu.length / 2]);
            int at = v.indexOf('@');
            double direct = median(results, "direct" + (at < 0 ? "" : v.substring(at)));
            System.out.printf(Locale.ROOT, "  %-28s %7.2f %7.2f %7.2f  %-28s %-10s %s%n", v, m, st.getMin(), st.getMax(),
                    ratio(m, plain) + " / " + ratio(m, socat), ratio(m, direct), cpuText);
        }
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "-";
    }

    private static double median(List<RelayBenchResult> results, String variant) {
        double[] v = results.stream().filter(r -> r.variant().equals(variant)).mapToDouble(RelayBenchResult::gbit).sorted().toArray();
        if (v.length == 0) {
            return 0;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static RelayBenchResult print(RelayBenchResult r) {
        System.out.printf(Locale.ROOT, "%-28s %6.2f Gbit/s  %.2f s %s%n", r.variant(), r.gbit(), r.nanos() / 1e9, r.extra());
        return r;
    }

    // --- variants -------------------------------------------------------------------------

    static RelayBenchResult vmflex(Path dir, long bytes, Variant variant) throws Exception {
        return vmflex(dir, bytes, variant, 0);
    }

    private static String capped(String label, long capMbit) {
        return capMbit > 0 ? label + "@" + capMbit : label;
    }

    /** The baseline without any hop: the writer's Unix socket is the reader's. */
    private static RelayBenchResult direct(Path dir, long bytes, long capMbit) throws Exception {
        Path a = dir.resolve("direct.sock");
        try (ServerSocketChannel sink = unixListen(a)) {
            long nanos = drive(a, sink, bytes, capMbit);
            return new RelayBenchResult(capped("direct", capMbit), bytes, nanos, "| writer -unix-> reader, no hop");
        } finally {
            Files.deleteIfExists(a);
        }
    }

    static RelayBenchResult vmflex(Path dir, long bytes, Variant variant, long capMbit) throws Exception {
        RelayOptions options = variant.options();
        Path a = dir.resolve("vmflex-a.sock");
        Path b = dir.resolve("vmflex-b.sock");
        long gcBefore = gcCount();
        try (ServerSocketChannel sink = unixListen(b);
                MigrationListener listener = MigrationListener.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), SECRET, options)) {
            Expectation expectation = listener.expect(UUID.randomUUID(), 1, Duration.ofMinutes(1), LocalEndpoint.unix(b));
            try (MigrationSource source = MigrationSource.open(a, listener.address(), expectation.migrationId(), 1,
                    SECRET, options)) {
                long nanos = drive(a, sink, bytes, capMbit);
                source.completion().get(30, TimeUnit.SECONDS);
                expectation.completion().get(30, TimeUnit.SECONDS);
                RelayStats.DirectionStats hop1 = source.relays().get(0).stats().localToRemote();
                RelayStats.DirectionStats hop2 = expectation.relays().get(0).stats().remoteToLocal();
                double gibs = bytes / (double) (1L << 30);
                String extra = String.format(Locale.ROOT,
                        "| relay CPU %.0f ms/GiB (hop1 %.0f + hop2 %.0f) | allocated hop1 %d B / %d chunks, hop2 %d B / %d chunks | GCs %d",
                        (hop1.cpuNanos() + hop2.cpuNanos()) / 1e6 / gibs, hop1.cpuNanos() / 1e6 / gibs,
                        hop2.cpuNanos() / 1e6 / gibs, hop1.allocatedBytes(), hop1.chunks(), hop2.allocatedBytes(),
                        hop2.chunks(), gcCount() - gcBefore);
                return new RelayBenchResult(capped(variant.label(), capMbit), bytes, nanos, extra, hop1.cpuNanos() + hop2.cpuNanos(),
                        hop1.allocatedBytes() + hop2.allocatedBytes());
            }
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    private static RelayBenchResult plainCopy(Path dir, long bytes, int buffer) throws Exception {
        Path a = dir.resolve("plain-a.sock");
        Path b = dir.resolve("plain-b.sock");
        try (ServerSocketChannel sink = unixListen(b);
                ServerSocketChannel hop1Listen = unixListen(a);
                ServerSocketChannel hop2Listen = ServerSocketChannel.open()) {
            hop2Listen.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            InetSocketAddress port = (InetSocketAddress) hop2Listen.getLocalAddress();
            Thread hop1 = Thread.ofPlatform().name("plain-hop1").start(() -> {
                try (SocketChannel in = hop1Listen.accept(); SocketChannel out = SocketChannel.open(port)) {
                    copy(Channels.newInputStream(in), Channels.newOutputStream(out), buffer);
                    out.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread hop2 = Thread.ofPlatform().name("plain-hop2").start(() -> {
                try (SocketChannel in = hop2Listen.accept(); SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(b))) {
                    copy(Channels.newInputStream(in), Channels.newOutputStream(out), buffer);
                    out.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            long nanos = drive(a, sink, bytes, 0);
            hop1.join();
            hop2.join();
            return new RelayBenchResult("plain-copy", bytes, nanos, "| heap byte[" + buffer + "] stream copy");
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    private static void copy(InputStream in, OutputStream out, int buffer) throws IOException {
        byte[] buf = new byte[buffer];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
    }

    private static RelayBenchResult socat(Path dir, long bytes, int buffer) throws Exception {
        Path a = dir.resolve("socat-a.sock");
        Path b = dir.resolve("socat-b.sock");
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        Process hop1 = null;
        Process hop2 = null;
        try (ServerSocketChannel sink = unixListen(b)) {
            hop2 = new ProcessBuilder("socat", "-b", String.valueOf(buffer), "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr",
                    "UNIX-CONNECT:" + b).inheritIO().start();
            hop1 = new ProcessBuilder("socat", "-b", String.valueOf(buffer), "UNIX-LISTEN:" + a,
                    "TCP:127.0.0.1:" + port).inheritIO().start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!Files.exists(a) || !portOpen(port)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("socat did not start");
                }
                Thread.sleep(10);
            }
            long nanos = drive(a, sink, bytes, 0);
            hop1.waitFor(10, TimeUnit.SECONDS);
            hop2.waitFor(10, TimeUnit.SECONDS);
            return new RelayBenchResult("socat", bytes, nanos, "| socat -b " + buffer + ", two processes");
        } finally {
            if (hop1 != null) {
                hop1.destroy();
            }
            if (hop2 != null) {
                hop2.destroy();
            }
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    private static boolean portOpen(int port) {
        // socat TCP-LISTEN accepts once; probing would consume it. Give it a moment instead.
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    // --- writer and reader shared by all variants -----------------------------------------------

    private static ServerSocketChannel unixListen(Path p) throws IOException {
        Files.deleteIfExists(p);
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(p));
        return s;
    }

    /**
     * Writes {@code bytes} into unix socket {@code a}, reads them from {@code sink}; returns elapsed nanos.
     * With {@code capMbit > 0} the writer never gets ahead of that rate (checked per 1 MiB chunk).
     */
    private static long drive(Path a, ServerSocketChannel sink, long bytes, long capMbit) throws Exception {
        CompletableFuture<Long> received = new CompletableFuture<>();
        Thread reader = Thread.ofPlatform().name("bench-reader").start(() -> {
            try (SocketChannel in = sink.accept()) {
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                long total = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    total += n;
                    buf.clear();
                }
                received.complete(total);
            } catch (IOException e) {
                received.completeExceptionally(e);
            }
        });
        long t0 = System.nanoTime();
        try (SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(a))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            for (int i = 0; i < buf.capacity(); i++) {
                buf.put(i, (byte) (i * 31));
            }
            long left = bytes;
            while (left > 0) {
                if (capMbit > 0) {
                    long due = t0 + (bytes - left) * 8 * 1000 / capMbit; // ns at which this byte may go
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                while (buf.hasRemaining()) {
                    left -= out.write(buf);
                }
            }
            out.shutdownOutput();
            long got = received.get(10, TimeUnit.MINUTES);
            long nanos = System.nanoTime() - t0;
            if (got != bytes) {
                throw new IllegalStateException("received " + got + " of " + bytes);
            }
            reader.join();
            return nanos;
        }
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }
}
