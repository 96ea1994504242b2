package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl ssh vm NAME [-- COMMAND...]}: logs in to the VM as root over the VM network with the
 * VM's own key (spec.enableSSH). The private key comes from the daemon ({@code GET
 * /v1/vms/{name}/ssh-key}, root and the admin group only), is written to a 0600 file in a private
 * temporary folder for the run of ssh(1) and deleted after; the address is the VM's
 * {@code status.extraNetIP}. The guest's host key is made at each boot, so it is neither checked nor
 * remembered: the connection goes to an address on the node's own VM bridge. Exit code: ssh's.
 * Not thread-safe.
 */
@Command(name = "ssh", mixinStandardHelpOptions = true,
        description = "Log in to a VM (or run COMMAND in it) over SSH with the VM's own key.",
        footer = {"", "Examples:", "  vmctl ssh vm test-vm", "  vmctl ssh vm test-vm -- cat /proc/swaps"})
final class SshCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0..*", paramLabel = "[vm] NAME [-- COMMAND...]",
            description = "NAME, vm NAME or vm/NAME, then after -- the command to run instead of a login shell.")
    private List<String> words = new ArrayList<>();

    @Option(names = "--ssh", paramLabel = "PATH", description = "The ssh client to run (default ${DEFAULT-VALUE}).")
    private String ssh = "ssh";

    private static void copy(java.io.InputStream from, java.io.PrintStream to) {
        try {
            from.transferTo(to);
            to.flush();
        } catch (IOException e) {
            // ssh went away; its exit code says how it ended
        }
    }

    SshCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        List<String> parsed = spec.commandLine().getParseResult().originalArgs();
        int dashes = parsed.indexOf("--");
        List<String> command = dashes < 0 ? List.of() : parsed.subList(dashes + 1, parsed.size());
        List<String> names = words.subList(0, words.size() - command.size());
        String name = ResourceArgs.vmNames(spec.commandLine(), names, true, 1, 1).getFirst();
        String ip;
        String key;
        try (AdminClient client = root.client()) {
            key = client.request("GET", ApiPaths.vm(name) + "/ssh-key", null, null).requireSuccess().bodyText();
            JsonNode vm = Json.parse(client.request("GET", ApiPaths.vm(name), null, null).requireSuccess().body());
            ip = vm.path("status").path("extraNetIP").asText("");
            if (ip.isEmpty()) {
                throw new CliException("virtualmachine \"" + name + "\" has no address on the VM network (status.extraNetIP)");
            }
        }
        Path dir = Files.createTempDirectory("vmctl-ssh", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path keyFile = dir.resolve("id_ed25519");
        try {
            Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, key, StandardCharsets.US_ASCII);
            List<String> argv = new ArrayList<>(List.of(ssh, "-i", keyFile.toString(), "-o", "IdentitiesOnly=yes",
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                    "-o", "ConnectTimeout=10", "root@" + ip));
            if (!command.isEmpty()) {
                argv.add("--");
                argv.addAll(command);
            }
            root.out().flush();
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.INHERIT);
            if (root.out() == System.out && root.err() == System.err) {
                // A terminal stays ssh's own (interactive login, window size, colours).
                return pb.inheritIO().start().waitFor();
            }
            Process p = pb.start();
            Thread errCopy = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), root.err()));
            copy(p.getInputStream(), root.out());
            errCopy.join();
            return p.waitFor();
        } finally {
            Files.deleteIfExists(keyFile);
            Files.deleteIfExists(dir);
        }
    }
}
