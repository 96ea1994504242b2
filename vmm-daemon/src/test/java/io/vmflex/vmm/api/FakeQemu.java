package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmflex.vmm.qemu.QmpConnector;
import io.vmflex.vmm.qemu.QmpSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * QEMU as far as the daemon can tell, for tests that run real supervisors without a VM. Two parts:
 * <ul>
 *   <li>{@link #binary()}: a shell script that does what {@code qemu-system-x86_64 -daemonize} does
 *   for the launcher: leaves a process running ({@code sleep}, 10 minutes at most), writes its pid
 *   where {@code -pidfile} says, exits 0. It also keeps its arguments beside the pid file.</li>
 *   <li>the {@link QmpConnector}: answers the supervisor's QMP commands (vCPU hot-plug, virtio-mem
 *   sizes, status, quit) from a model of that QEMU built from its {@code -smp} argument. An unplug
 *   completes at once; virtio-mem's size follows its requested size at once.</li>
 * </ul>
 *
 * <p>Thread-safe. {@link #close} kills every process the script left.
 */
final class FakeQemu implements QmpConnector, AutoCloseable {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ARGS_FILE = "fake-qemu.args";
    private static final String SCRIPT = """
            #!/bin/sh
            # A stand-in for qemu-system-x86_64 -daemonize in vmflex's tests (FakeQemu.java).
            pidfile=
            prev=
            for a in "$@"; do
              [ "$prev" = -pidfile ] && pidfile=$a
              prev=$a
            done
            printf '%s\\n' "$@" > "$(dirname "$pidfile")/fake-qemu.args"
            sleep 600 </dev/null >/dev/null 2>&1 &
            echo $! > "$pidfile"
            """;

    private final Path dir;
    private final Path binary;
    private final Map<Long, Machine> machines = new ConcurrentHashMap<>();

    private FakeQemu(Path dir, Path binary) {
        this.dir = dir;
        this.binary = binary;
    }

    /** Writes the script into {@code dir}; the QEMUs it starts are those with a pid file below {@code dir}. */
    static FakeQemu in(Path dir) throws IOException {
        Path script = dir.resolve("fake-qemu");
        Files.writeString(script, SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new FakeQemu(dir, script);
    }

    Path binary() {
        return binary;
    }

    @Override
    public QmpSession connect(Path socket, BiConsumer<String, JsonNode> onEvent, Runnable onDisconnect) throws IOException {
        Path dir = socket.getParent();
        Path pidFile = dir.resolve("qemu.pid");
        if (!Files.exists(pidFile)) {
            throw new IOException("no QEMU runs in " + dir);
        }
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            throw new IOException("QEMU pid " + pid + " is gone");
        }
        Machine m = machines.computeIfAbsent(pid, p -> Machine.of(p, dir.resolve(ARGS_FILE)));
        return new Session(m, onDisconnect);
    }

    /** Kills every QEMU the script started below its directory, whether QMP ever reached it or not. */
    @Override
    public void close() {
        machines.clear();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path pidFile : files.filter(p -> p.getFileName().toString().equals("qemu.pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                        .filter(FakeQemu::isOurs).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot stop the fake QEMUs below " + dir, e);
        }
    }

    /** A pid file outlives its process, and the pid may be another's by now: only our {@code sleep 600} is killed. */
    private static boolean isOurs(ProcessHandle p) {
        ProcessHandle.Info info = p.info();
        return info.command().orElse("").endsWith("/sleep")
                && java.util.Arrays.equals(info.arguments().orElse(null), new String[] {"600"});
    }

    /** One fake QEMU: its vCPU sockets (QOM path or null) and its virtio-mem sizes. */
    private static final class Machine {
        private final long pid;
        private final String[] cpus;
        private long requestedSize;

        private Machine(long pid, int bootCpus, int maxCpus) {
            this.pid = pid;
            this.cpus = new String[maxCpus];
            for (int i = 0; i < bootCpus; i++) {
                cpus[i] = "/machine/unattached/device[" + i + "]";
            }
        }

        static Machine of(long pid, Path argsFile) {
            try {
                List<String> args = Files.readAllLines(argsFile);
                String smp = args.get(args.indexOf("-smp") + 1);
                int boot = Integer.parseInt(smp.replaceAll(".*cpus=(\\d+),.*", "$1"));
                int max = Integer.parseInt(smp.replaceAll(".*maxcpus=(\\d+).*", "$1"));
                return new Machine(pid, boot, max);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read the fake QEMU's arguments in " + argsFile, e);
            }
        }

        synchronized JsonNode execute(String command, ObjectNode args) {
            switch (command) {
                case "query-hotpluggable-cpus" -> {
                    ArrayNode a = NODES.arrayNode();
                    for (int i = 0; i < cpus.length; i++) {
                        ObjectNode s = a.addObject();
                        s.put("type", "qemu64-x86_64-cpu");
                        s.putObject("props").put("socket-id", i).put("core-id", 0).put("thread-id", 0);
                        if (cpus[i] != null) {
                            s.put("qom-path", cpus[i]);
                        }
                    }
                    return a;
                }
                case "device_add" -> {
                    cpus[args.get("socket-id").asInt()] = "/machine/peripheral/" + args.get("id").asText();
                    return NODES.objectNode();
                }
                case "device_del" -> {
                    String path = "/machine/peripheral/" + args.get("id").asText();
                    for (int i = 0; i < cpus.length; i++) {
                        if (path.equals(cpus[i])) {
                            cpus[i] = null;
                        }
                    }
                    return NODES.objectNode();
                }
                case "qom-get" -> {
                    // requested-size and size: the guest takes what is asked at once.
                    return NODES.numberNode(requestedSize);
                }
                case "qom-set" -> {
                    requestedSize = args.get("value").asLong();
                    return NODES.objectNode();
                }
                case "query-status" -> {
                    return NODES.objectNode().put("status", "running").put("running", true);
                }
                case "quit" -> {
                    kill();
                    return NODES.objectNode();
                }
                default -> {
                    return NODES.objectNode();
                }
            }
        }

        void kill() {
            ProcessHandle.of(pid).filter(FakeQemu::isOurs).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static final class Session implements QmpSession {
        private final Machine machine;
        private final Runnable onDisconnect;
        private volatile boolean open = true;

        Session(Machine machine, Runnable onDisconnect) {
            this.machine = machine;
            this.onDisconnect = onDisconnect;
        }

        @Override
        public CompletableFuture<JsonNode> execute(String command, ObjectNode arguments) {
            if (!open) {
                return CompletableFuture.failedFuture(new IOException("QMP session closed"));
            }
            JsonNode answer = machine.execute(command, arguments);
            if (command.equals("quit")) {
                // QEMU ends the connection as it exits; the client notices on its I/O thread.
                open = false;
                Thread.ofVirtual().start(onDisconnect);
            }
            return CompletableFuture.completedFuture(answer);
        }

        @Override
        public boolean isConnected() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
