package io.vmflex.cli.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.cli.ctl.VmctlCommand;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** vmctl, as a user types it, against a real vmmd running the test image under QEMU. */
@Tag("qemu")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmctlAgainstDaemonIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final Path EXAMPLE = Path.of("../examples/test-vm.yaml").toAbsolutePath().normalize();
    private static Vmmd vmmd;
    private static Path state;
    private static Path socket;

    record Run(int exit, String out, String err) {
    }

    static Run vmctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new ArrayList<>(List.of("--socket", socket.toString()));
        all.addAll(List.of(args));
        int exit = VmctlCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static JsonNode vm() throws Exception {
        Run r = vmctl("get", "vm", "test-vm", "-o", "json");
        assertEquals(0, r.exit(), r.err());
        return JSON.readTree(r.out());
    }

    @BeforeAll
    static void start() throws Exception {
        boolean ok = Files.exists(IMAGES.resolve("test/manifest.json"));
        if (!ok) {
            System.err.println("SKIPPED VmctlAgainstDaemonIT: test image not built in " + IMAGES);
        }
        assumeTrue(ok, "test image not built in " + IMAGES);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-ctl");
        socket = state.resolve("vmmd.sock");
        VmmdConfig d = VmmdConfig.defaults("node-ctl");
        vmmd = Vmmd.start(new VmmdConfig(state, socket, "node-ctl", IMAGES, d.qemuBinary(), null, d.socketMode(),
                d.devKvm(), null, "vmflex-test", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null));
    }

    @AfterAll
    static void stop() {
        if (vmmd != null) {
            vmctl("delete", "vm", "test-vm");
            vmmd.close();
            try (var walk = Files.walk(state)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (java.io.IOException e) {
                System.err.println("could not remove " + state + ": " + e);
            }
        }
    }

    @Test
    @Order(1)
    void shouldCreateFromExampleAndListItRunning() throws Exception {
        Run apply = vmctl("apply", "-f", EXAMPLE.toString());
        assertEquals(0, apply.exit(), apply.err());
        assertEquals("virtualmachine.vm.neon.tech/test-vm created", apply.out().strip());
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> "Running".equals(vm().at("/status/phase").asText()));
        Run get = vmctl("get", "vms");
        assertEquals(0, get.exit(), get.err());
        List<String> lines = get.out().lines().toList();
        assertTrue(lines.get(0).matches("NAME\\s+CPUS\\s+MEMORY\\s+NODE\\s+STATUS\\s+RESTARTS\\s+AGE"), lines.get(0));
        assertTrue(lines.get(1).matches("test-vm\\s+1\\s+256Mi\\s+node-ctl\\s+Running\\s+0\\s+\\S+"), lines.get(1));
    }

    @Test
    @Order(2)
    void shouldScaleAndSeeItInTheGuestConsole() throws Exception {
        Run scale = vmctl("scale", "vm", "test-vm", "--cpus", "2", "--memory-slots", "4");
        assertEquals(0, scale.exit(), scale.err());
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode s = vm().path("status");
            return s.path("cpus").asInt() == 2 && "512Mi".equals(s.path("memorySize").asText())
                    && "Running".equals(s.path("phase").asText());
        });
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            List<String> guest = vmctl("logs", "vm", "test-vm", "--tail", "3").out().lines()
                    .filter(l -> l.contains("vmflex-guest: cpus=")).toList();
            return !guest.isEmpty() && guest.getLast().contains("cpus=2 ");
        });
        Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> {
            Run top = vmctl("top", "vm", "test-vm");
            return top.exit() == 0 && top.out().contains("Connected") && top.out().matches("(?s).*CPUs online:\\s+2\\b.*");
        });
        Run describe = vmctl("describe", "vm", "test-vm");
        assertEquals(0, describe.exit(), describe.err());
        assertTrue(describe.out().contains("CpuPlugged"), describe.out());
    }

    @Test
    @Order(3)
    void shouldRefuseAnInvalidPatchWithOneLineNamingTheField() {
        Run r = vmctl("scale", "vm", "test-vm", "--cpus", "9");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("spec.guest.cpus.use"), r.err());
    }

    @Test
    @Order(4)
    void shouldReportTheNodeCheck() {
        Run r = vmctl("check-node");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("tcg") || r.out().contains("kvm"), r.out());
    }

    @Test
    @Order(5)
    void shouldDeleteTheVm() {
        Run r = vmctl("delete", "vm", "test-vm");
        assertEquals(0, r.exit(), r.err());
        assertEquals("virtualmachine.vm.neon.tech \"test-vm\" deleted", r.out().strip());
        Run get = vmctl("get", "vm", "test-vm");
        assertEquals(1, get.exit());
        assertTrue(get.err().contains("NotFound") || get.err().contains("not found"), get.err());
    }
}
