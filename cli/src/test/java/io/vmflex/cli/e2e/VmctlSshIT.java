package io.vmflex.cli.e2e;

import io.vmflex.cli.ctl.VmctlCommand;
import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * spec.enableSSH end to end: the daemon makes the VM's key pair (private half 0600), the test image's
 * sshd accepts it, and {@code vmctl ssh vm NAME -- COMMAND} runs the command in the guest over the VM
 * network and prints its output, in the postgres image as well; a VM with enableSSH false has no key
 * and vmctl says so.
 */
@Tag("qemu")
class VmctlSshIT {
    private static final Path IMAGES = Path.of(System.getProperty("vmflex.images", "../build/images")).toAbsolutePath().normalize();
    private static final Path EXAMPLE = Path.of("../examples/test-vm.yaml").toAbsolutePath().normalize();
    private static final String BRIDGE = "vmfhbr0";
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

    @BeforeAll
    static void start() throws Exception {
        String why = !Files.exists(IMAGES.resolve("test/manifest.json")) ? "test image not built in " + IMAGES
                : !"root".equals(System.getProperty("user.name")) ? "needs root for the VM bridge and taps"
                : !Files.isExecutable(Path.of("/usr/bin/ssh")) ? "no ssh client (/usr/bin/ssh, openssh-client)" : null;
        if (why != null) {
            System.err.println("SKIPPED VmctlSshIT: " + why);
        }
        assumeTrue(why == null, why);
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-ssh");
        socket = state.resolve("vmmd.sock");
        VmmdConfig d = VmmdConfig.defaults("node-ssh");
        vmmd = Vmmd.start(new VmmdConfig(state, socket, "node-ssh", IMAGES, d.qemuBinary(), null, d.socketMode(),
                d.devKvm(), null, "vmflex-test", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), null)
                .withNetwork(new VmmdConfig.Network(BRIDGE, "10.73.0.0/24", "vmfh")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (vmmd != null) {
            vmctl("delete", "vm", "ssh-vm");
            vmctl("delete", "vm", "no-ssh-vm");
            vmctl("delete", "vm", "pg-ssh");
            vmmd.close();
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor();
            try (var walk = Files.walk(state)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void create(String name, String specLines) throws Exception {
        create(name, specLines, "");
    }

    private static void create(String name, String specLines, String guestLines) throws Exception {
        Path yaml = state.resolve(name + ".yaml");
        Files.writeString(yaml, Files.readString(EXAMPLE).replace("name: test-vm", "name: " + name)
                .replace("  restartPolicy: Always\n", "  restartPolicy: Always\n" + specLines)
                .replace("  guest:\n", "  guest:\n" + guestLines));
        Run apply = vmctl("apply", "-f", yaml.toString());
        assertEquals(0, apply.exit(), apply.err());
    }

    @Test
    void shouldRunACommandInTheGuestOverSshWithTheVmsKey() throws Exception {
        create("ssh-vm", "");
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> vmctl("logs", "vm", "ssh-vm").out().contains("vmflex-guest: sshd listening on port 22"));
        Path key = state.resolve("vms").resolve("ssh-vm").resolve("ssh_key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

        long t0 = System.nanoTime();
        Run ssh = vmctl("ssh", "vm", "ssh-vm", "--", "echo", "hello-from", "$(hostname)", "&&", "cat", "/proc/cmdline");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, ssh.exit(), ssh.out() + ssh.err() + "\nconsole:\n" + vmctl("logs", "vm", "ssh-vm").out());
        assertTrue(ssh.out().startsWith("hello-from "), ssh.out());
        assertTrue(ssh.out().contains("vmflex.ssh="), "the command did not run in the guest: " + ssh.out());
        System.out.printf("MEASURED vmctl ssh vm ssh-vm -- echo ...: %d ms (TCG guest)%n", ms);

        Run failing = vmctl("ssh", "vm/ssh-vm", "--", "exit", "7");
        assertEquals(7, failing.exit(), "ssh's exit code is vmctl's: " + failing.err());
    }

    @Test
    void shouldLogInToThePostgresImageToo() throws Exception {
        boolean built = Files.exists(IMAGES.resolve("postgres/manifest.json"));
        if (!built) {
            System.err.println("SKIPPED VmctlSshIT.shouldLogInToThePostgresImageToo: postgres image not built in " + IMAGES);
        }
        assumeTrue(built, "postgres image not built in " + IMAGES);
        Path yaml = state.resolve("pg-ssh.yaml");
        Files.writeString(yaml, Files.readString(EXAMPLE.resolveSibling("postgres-vm.yaml")).replace("name: postgres-vm", "name: pg-ssh"));
        Run apply = vmctl("apply", "-f", yaml.toString());
        assertEquals(0, apply.exit(), apply.err());
        Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
                .until(() -> vmctl("logs", "vm", "pg-ssh").out().contains("vmflex-guest: sshd listening on port 22"));

        Run ssh = vmctl("ssh", "vm", "pg-ssh", "--", "/usr/lib/postgresql/15/bin/postgres", "--version");
        assertEquals(0, ssh.exit(), ssh.out() + ssh.err() + "\nconsole:\n" + vmctl("logs", "vm", "pg-ssh").out());
        assertTrue(ssh.out().startsWith("postgres (PostgreSQL) 15."), ssh.out());
    }

    @Test
    void shouldRefuseAVmWithoutSsh() throws Exception {
        create("no-ssh-vm", "  enableSSH: false\n");
        Run ssh = vmctl("ssh", "vm", "no-ssh-vm", "--", "true");
        assertNotEquals(0, ssh.exit());
        assertTrue(ssh.err().contains("spec.enableSSH false"), ssh.err());
        assertTrue(Files.notExists(state.resolve("vms").resolve("no-ssh-vm").resolve("ssh_key")));
    }
}
