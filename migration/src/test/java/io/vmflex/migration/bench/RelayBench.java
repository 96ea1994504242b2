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
 * with the hops done by (1) vmflex's MigrationSource + MigrationListener, (2) a plain heap
 * {@code byte[]} InputStream/OutputStream copy loop per hop, (3) two {@code socat} processes.
 * Writer and reader are the same Java code in every variant. For vmflex it also prints the relay
 * threads' CPU time per GiB and the heap bytes they allocated (ThreadMXBean, sampled by the relay
 * threads at start and end of their loops). See migration/README.md for how to run it.
 *
 * <p>Arguments: {@code --gib N} bytes per run (default 2), {@code --rounds N} (default 3),
 * {@code --buffer BYTES} relay buffer (default 262144), {@code --sockbuf BYTES} TCP SO_SNDBUF/RCVBUF
 * (default 0 = kernel autotuning), {@code --only vmflex} to skip the other variants.
 */
public final class RelayBench {

    private static final ClusterSecret SECRET = ClusterSecret.of(new byte[32]);

    private RelayBench() {
    }

    private record Result(String variant, long bytes, long nanos, String extra) {
        double gbit() {
            return bytes * 8.0 / nanos;
        }
    }

    public static void main(String[] args) throws Exception {
        double gib = 2;
        int rounds = 3;
        int buffer = 256 * 1024;
        int sockbuf = 0;
        String only = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--gib" -> gib = Double.parseDouble(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--buffer" -> buffer = Integer.parseInt(args[i + 1]);
                case "--sockbuf" -> sockbuf = Integer.parseInt(args[i + 1]);
                case "--only" -> only = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long bytes = (long) (gib * (1L << 30));
        RelayOptions options = RelayOptions.DEFAULTS.withBufferBytes(buffer).withSocketBufferBytes(sockbuf);
        System.out.printf(Locale.ROOT, "bytes/run=%d (%.2f GiB) buffer=%d sockbuf=%d cores=%d%n", bytes, gib, buffer,
                sockbuf, Runtime.getRuntime().availableProcessors());
        Path dir = Files.createTempDirectory("relaybench");
        List<Result> results = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            results.add(print(vmflex(dir, bytes, options)));
            if (only == null) {
                results.add(print(plainCopy(dir, bytes, buffer)));
                results.add(print(socat(dir, bytes, buffer)));
            }
        }
        System.out.println("best of " + rounds + ":");
        double base = best(results, "vmflex");
        for (String v : List.of("vmflex", "plain-copy", "socat")) {
            double b = best(results, v);
            if (b > 0) {
                System.out.printf(Locale.ROOT, "  %-10s %6.2f Gbit/s  (vmflex/%s = %.2f)%n", v, b, v, base / b);
            }
        }
    }

    private static double best(List<Result> results, String variant) {
        return results.stream().filter(r -> r.variant.equals(variant)).mapToDouble(Result::gbit).max().orElse(0);
    }

    private static Result print(Result r) {
        System.out.printf(Locale.ROOT, "%-10s %6.2f Gbit/s  %.2f s %s%n", r.variant, r.gbit(), r.nanos / 1e9, r.extra);
        return r;
    }

    // --- variants -------------------------------------------------------------------------

    private static Result vmflex(Path dir, long bytes, RelayOptions options) throws Exception {
        Path a = dir.resolve("vmflex-a.sock");
        Path b = dir.resolve("vmflex-b.sock");
        long gcBefore = gcCount();
        try (ServerSocketChannel sink = unixListen(b);
                MigrationListener listener = MigrationListener.start(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), SECRET, options)) {
            Expectation expectation = listener.expect(UUID.randomUUID(), 1, Duration.ofMinutes(1), LocalEndpoint.unix(b));
            try (MigrationSource source = MigrationSource.open(a, listener.address(), expectation.migrationId(), 1,
                    SECRET, options)) {
                long nanos = drive(a, sink, bytes);
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
                return new Result("vmflex", bytes, nanos, extra);
            }
        } finally {
            Files.deleteIfExists(a);
            Files.deleteIfExists(b);
        }
    }

    private static Result plainCopy(Path dir, long bytes, int buffer) throws Exception {
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
            long nanos = drive(a, sink, bytes);
            hop1.join();
            hop2.join();
            return new Result("plain-copy", bytes, nanos, "| heap byte[" + buffer + "] stream copy");
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

    private static Result socat(Path dir, long bytes, int buffer) throws Exception {
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
            long nanos = drive(a, sink, bytes);
            hop1.waitFor(10, TimeUnit.SECONDS);
            hop2.waitFor(10, TimeUnit.SECONDS);
            return new Result("socat", bytes, nanos, "| socat -b " + buffer + ", two processes");
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

    /** Writes {@code bytes} into unix socket {@code a}, reads them from {@code sink}; returns elapsed nanos. */
    private static long drive(Path a, ServerSocketChannel sink, long bytes) throws Exception {
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
