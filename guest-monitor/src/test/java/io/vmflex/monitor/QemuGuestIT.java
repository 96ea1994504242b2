package io.vmflex.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.api.guest.GuestFrameDecoder;
import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static io.vmflex.monitor.MemoryPolicy.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boots the real test image (kernel, initrd, monitor.img) under QEMU with the daemon's command
 * line shape and plays the host: handshake over guest.sock, Metrics, a CPU plug over QMP seen in
 * cpusOnline, and both downscale answers. Skipped (with the reason printed) when the image is not
 * built or QEMU is missing.
 */
@Tag("qemu")
class QemuGuestIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Process qemu;
    private Path dir;

    static Path imageDir() {
        String p = System.getProperty("vmflex.images");
        return p != null ? Path.of(p) : Path.of("..", "build", "images").toAbsolutePath().normalize();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (qemu != null) {
            qemu.destroy();
            qemu.waitFor(10, TimeUnit.SECONDS);
            qemu.destroyForcibly();
        }
        if (dir != null) {
            Path log = dir.resolve("console.log");
            if (Files.isRegularFile(log)) {
                // Surefire keeps this in the test's -output.txt: the guest's side of a failure.
                System.out.println("QemuGuestIT console.log:\n" + Files.readString(log).lines()
                        .filter(l -> !l.startsWith("vmflex-guest: cpus=")).reduce("", (a, b) -> a + b + "\n"));
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void shouldHandshakeReportMetricsSeeCpuHotplugAndAnswerDownscalesWhenBootedUnderQemu() throws Exception {
        Path image = imageDir().resolve("test");
        Path qemuBin = Path.of("/usr/bin/qemu-system-x86_64");
        String skip = !Files.isRegularFile(image.resolve("manifest.json")) || !Files.isRegularFile(image.resolve("monitor.img"))
                ? "test image with monitor.img not built in " + image.getParent() + " (run rootfs/build-test-image.sh)"
                : !Files.isExecutable(qemuBin) ? "qemu-system-x86_64 not installed" : null;
        if (skip != null) {
            System.out.println("QemuGuestIT skipped: " + skip);
        }
        Assumptions.assumeTrue(skip == null, skip);
        JsonNode manifest = JSON.readTree(image.resolve("manifest.json").toFile());

        // Short path: Unix socket paths must stay below 108 bytes.
        dir = Files.createTempDirectory(Path.of("/tmp"), "vmflex-mon");
        List<String> argv = new ArrayList<>(List.of(qemuBin.toString(), "-name", "vmflex-monitor-it",
                "-machine", "q35", "-accel", "tcg,thread=multi", "-nodefaults", "-no-user-config", "-display", "none",
                "-smp", "cpus=1,maxcpus=4", "-m", "size=268435456b",
                "-kernel", image.resolve(manifest.get("kernel").asText()).toString(),
                "-initrd", image.resolve(manifest.get("initrd").asText()).toString(),
                "-append", manifest.get("cmdline").asText(),
                // Shared by every VM of the image: read-only (the daemon attaches it read-write today).
                "-drive", "file=" + image.resolve(manifest.get("disk").asText()) + ",if=none,id=rootdisk,format=raw,readonly=on,aio=threads",
                "-device", "virtio-blk-pci,drive=rootdisk",
                "-chardev", "socket,id=console,path=" + dir.resolve("console.sock") + ",server=on,wait=off,logfile=" + dir.resolve("console.log"),
                "-serial", "chardev:console",
                "-chardev", "socket,id=qmp,path=" + dir.resolve("qmp.sock") + ",server=on,wait=off",
                "-mon", "chardev=qmp,mode=control",
                "-device", "virtio-serial-pci,id=vser0",
                "-chardev", "socket,id=monitor,path=" + dir.resolve("guest.sock") + ",server=on,wait=off",
                "-device", "virtserialport,bus=vser0.0,chardev=monitor,name=vmflex.monitor",
                "-no-reboot"));
        long boot = System.nanoTime();
        qemu = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(dir.resolve("qemu.out").toFile()).start();

        try (HostEnd host = HostEnd.connect(dir.resolve("guest.sock"))) {
            VersionChoice choice = host.handshake(60);
            double connectedS = (System.nanoTime() - boot) / 1e9;
            assertEquals(new VersionChoice(1), choice);
            GuestMessage.Metrics first = host.await(GuestMessage.Metrics.class, m -> true, 20);
            double metricsS = (System.nanoTime() - boot) / 1e9;
            assertEquals(1, first.cpusOnline());
            assertTrue(first.memTotalBytes() > 64 * MIB, first.toString());
            assertEquals(1, first.id() % 2);

            try (Qmp qmp = Qmp.connect(dir.resolve("qmp.sock"))) {
                JsonNode free = null;
                for (JsonNode slot : qmp.execute("query-hotpluggable-cpus", null)) {
                    if (!slot.has("qom-path")) {
                        free = slot;
                    }
                }
                assertTrue(free != null, "no free CPU slot");
                ObjectNode args = ((ObjectNode) free.get("props").deepCopy()).put("driver", free.get("type").asText()).put("id", "cpu1");
                args.remove("node-id");
                qmp.execute("device_add", args);
            }
            long plugged = System.nanoTime();
            host.await(GuestMessage.Metrics.class, m -> m.cpusOnline() == 2, 30);
            double plugS = (System.nanoTime() - plugged) / 1e9;

            host.send(new GuestMessage.DownscaleRequest(2, new Resources(1000, 16 * MIB)));
            GuestMessage.DownscaleResult no = host.await(GuestMessage.DownscaleResult.class, r -> r.id() == 2, 10);
            host.send(new GuestMessage.DownscaleRequest(4, new Resources(1000, 4096 * MIB)));
            GuestMessage.DownscaleResult yes = host.await(GuestMessage.DownscaleResult.class, r -> r.id() == 4, 10);
            assertFalse(no.ok(), no.status());
            assertTrue(yes.ok(), yes.status());

            String console = Files.readString(dir.resolve("console.log"));
            assertTrue(console.contains("vmflex-monitor: connected v1"), console);
            System.out.printf("QemuGuestIT: boot->VersionChoice %.1f s, boot->first Metrics %.1f s, device_add->cpusOnline=2 %.1f s%n",
                    connectedS, metricsS, plugS);
            console.lines().filter(l -> l.startsWith("vmflex-monitor:")).distinct().forEach(l -> System.out.println("QemuGuestIT console: " + l));
        }
    }

    /** The daemon's end of guest.sock, minimal: frames in a queue, a handshake that repeats the range. */
    private static final class HostEnd implements AutoCloseable {
        private final SocketChannel ch;
        private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();

        private HostEnd(SocketChannel ch) {
            this.ch = ch;
            Thread.ofPlatform().daemon().start(() -> {
                GuestFrameDecoder d = new GuestFrameDecoder();
                ByteBuffer b = ByteBuffer.allocate(8192);
                try {
                    while (ch.read(b.clear()) >= 0) {
                        inbox.addAll(d.feed(b.array(), 0, b.position()));
                    }
                } catch (IOException | GuestFrameDecoder.FramingException e) {
                    // Closed at the end of the test.
                }
            });
        }

        static HostEnd connect(Path socket) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket));
                    return new HostEnd(ch);
                } catch (IOException e) {
                    ch.close();
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }

        void send(Object m) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(GuestFrames.encode(m));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        /** Sends the range once a second until the guest answers, as the daemon does. */
        VersionChoice handshake(int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                send(VersionRange.V1);
                byte[] p = inbox.poll(1, TimeUnit.SECONDS);
                if (p != null && !new String(p, StandardCharsets.UTF_8).contains("\"type\"")) {
                    return GuestFrames.decodeVersionChoice(p);
                }
            }
            throw new AssertionError("no VersionChoice within " + seconds + " s");
        }

        <T> T await(Class<T> type, Predicate<T> ok, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < deadline) {
                byte[] p = inbox.poll(200, TimeUnit.MILLISECONDS);
                if (p == null || !new String(p, StandardCharsets.UTF_8).contains("\"type\"")) {
                    continue;
                }
                GuestMessage m = GuestFrames.decodeMessage(p);
                if (type.isInstance(m) && ok.test(type.cast(m))) {
                    return type.cast(m);
                }
            }
            throw new AssertionError("no matching " + type.getSimpleName() + " within " + seconds + " s");
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** Just enough QMP: greeting, capabilities, one command at a time, events skipped. */
    private static final class Qmp implements AutoCloseable {
        private final SocketChannel ch;
        private final BufferedReader in;

        private Qmp(SocketChannel ch) throws IOException {
            this.ch = ch;
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            in.readLine();
            execute("qmp_capabilities", null);
        }

        static Qmp connect(Path socket) throws IOException {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new Qmp(ch);
        }

        JsonNode execute(String command, JsonNode arguments) throws IOException {
            ObjectNode req = JSON.createObjectNode().put("execute", command);
            if (arguments != null) {
                req.set("arguments", arguments);
            }
            ByteBuffer b = ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("QMP closed during " + command);
                }
                JsonNode reply = JSON.readTree(line);
                if (reply.has("error")) {
                    throw new IOException(command + ": " + reply.get("error"));
                }
                if (reply.has("return")) {
                    return reply.get("return");
                }
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
