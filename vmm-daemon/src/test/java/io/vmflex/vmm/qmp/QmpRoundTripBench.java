package io.vmflex.vmm.qmp;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Round-trip latency of {@code query-status} against a real QEMU: {@link QmpClient} (Netty epoll,
 * one command at a time, caller blocks on the future) versus a plain blocking JDK
 * {@link SocketChannel} client doing the same round trip (write, read up to the {@code \r\n} QEMU
 * ends each object with, parse with Jackson). Both run in the same JVM and the same QEMU, in
 * alternating rounds so JIT warm-up does not favour one. Not a JUnit test; run by hand:
 *
 * <pre>
 *   ./mvnw -q -o -pl vmm-daemon test-compile dependency:build-classpath \
 *       -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test
 *   $JAVA_HOME/bin/java --enable-native-access=ALL-UNNAMED \
 *       -cp vmm-daemon/target/classes:vmm-daemon/target/test-classes:$(cat vmm-daemon/target/test-cp.txt) \
 *       io.vmflex.vmm.qmp.QmpRoundTripBench [iterations=5000] [warmup=2000] [rounds=3]
 * </pre>
 */
public final class QmpRoundTripBench {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private record Stats(String name, long[] nanos) {
        long percentile(double p) {
            return nanos[Math.min(nanos.length - 1, (int) Math.ceil(p / 100.0 * nanos.length) - 1)];
        }

        double meanMicros() {
            return Arrays.stream(nanos).average().orElse(0) / 1_000.0;
        }

        String line() {
            return String.format("%-22s p50 %7.1f us  p95 %7.1f us  p99 %7.1f us  mean %7.1f us  max %8.1f us",
                    name, percentile(50) / 1e3, percentile(95) / 1e3, percentile(99) / 1e3, meanMicros(),
                    nanos[nanos.length - 1] / 1e3);
        }
    }

    private QmpRoundTripBench() {}

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        if (!QemuQmpProcess.available()) {
            System.out.println("skipping: " + QemuQmpProcess.BINARY + " is not installed");
            return;
        }
        Path dir = Files.createTempDirectory("qmp-bench");
        System.out.printf("query-status round trip, %d iterations after %d warm-up, %d rounds, %s%n",
                iterations, warmup, rounds, Runtime.version());
        try (QemuQmpProcess qemu = QemuQmpProcess.start(dir)) {
            Stats netty = null;
            Stats blocking = null;
            for (int round = 1; round <= rounds; round++) {
                netty = measureClient(qemu.socket(), warmup, iterations);
                blocking = measureBlocking(qemu.socket(), warmup, iterations);
                System.out.println("round " + round);
                System.out.println("  " + netty.line());
                System.out.println("  " + blocking.line());
                System.out.printf("  ratio QmpClient/blocking: p50 %.2f  p95 %.2f  p99 %.2f%n",
                        ratio(netty, blocking, 50), ratio(netty, blocking, 95), ratio(netty, blocking, 99));
            }
            System.out.printf("pipelined QmpClient (8 in flight): %.0f commands/s%n",
                    measurePipelined(qemu.socket(), iterations));
            try (QmpClient client = QmpClient.connect(qemu.socket(), QmpClientOptions.defaults()).get(10, TimeUnit.SECONDS)) {
                client.execute("quit", null).get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static double ratio(Stats a, Stats b, double p) {
        return (double) a.percentile(p) / b.percentile(p);
    }

    private static Stats measureClient(Path socket, int warmup, int iterations) throws Exception {
        try (QmpClient client = QmpClient.connect(socket, QmpClientOptions.defaults()).get(10, TimeUnit.SECONDS)) {
            for (int i = 0; i < warmup; i++) {
                client.execute("query-status", null).get();
            }
            long[] nanos = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long start = System.nanoTime();
                JsonNode status = client.execute("query-status", null).get();
                nanos[i] = System.nanoTime() - start;
                if (!status.has("status")) {
                    throw new IllegalStateException("unexpected reply " + status);
                }
            }
            Arrays.sort(nanos);
            return new Stats("QmpClient (epoll)", nanos);
        }
    }

    private static double measurePipelined(Path socket, int iterations) throws Exception {
        try (QmpClient client = QmpClient.connect(socket, QmpClientOptions.defaults()).get(10, TimeUnit.SECONDS)) {
            for (int pass = 0; pass < 2; pass++) { // first pass warms up
                long start = System.nanoTime();
                List<CompletableFuture<JsonNode>> all = new ArrayList<>(iterations);
                for (int i = 0; i < iterations; i++) {
                    if (i >= 200) {
                        all.get(i - 200).get(); // at most 200 outstanding: below the 8 + 256 limit
                    }
                    all.add(client.execute("query-status", null));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                if (pass == 1) {
                    return iterations / ((System.nanoTime() - start) / 1e9);
                }
            }
            throw new AssertionError("unreachable");
        }
    }

    private static Stats measureBlocking(Path socket, int warmup, int iterations) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            LineReader reader = new LineReader(channel);
            MAPPER.readTree(reader.next()); // greeting
            write(channel, "{\"execute\":\"qmp_capabilities\"}\n");
            MAPPER.readTree(reader.next());
            long id = 0;
            for (int i = 0; i < warmup; i++) {
                roundTrip(channel, reader, ++id);
            }
            long[] nanos = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long start = System.nanoTime();
                roundTrip(channel, reader, ++id);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            return new Stats("blocking SocketChannel", nanos);
        }
    }

    private static void roundTrip(SocketChannel channel, LineReader reader, long id) throws IOException {
        write(channel, "{\"execute\":\"query-status\",\"id\":" + id + "}\n");
        JsonNode reply = MAPPER.readTree(reader.next());
        if (reply.path("id").asLong() != id || !reply.path("return").has("status")) {
            throw new IllegalStateException("unexpected reply " + reply);
        }
    }

    private static void write(SocketChannel channel, String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Splits on '\n' (QEMU ends every object with "\r\n"); good enough for a baseline. */
    private static final class LineReader {
        private final SocketChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).flip();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineReader(SocketChannel channel) {
            this.channel = channel;
        }

        byte[] next() throws IOException {
            line.reset();
            while (true) {
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        return line.toByteArray();
                    }
                    line.write(b);
                }
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    throw new IOException("QEMU closed the socket");
                }
                buffer.flip();
            }
        }
    }
}
