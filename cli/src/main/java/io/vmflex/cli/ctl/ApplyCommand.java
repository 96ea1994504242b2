package io.vmflex.cli.ctl;

import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import io.vmflex.client.ApiPaths;
import io.vmflex.client.DaemonUnreachableException;
import io.vmflex.client.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code vmctl apply -f FILE}: creates or replaces each VirtualMachine in the file with
 * {@code PUT /v1/vms/{name}}. All documents are read and checked before the first request, so a
 * typo in document 3 does not leave documents 1 and 2 applied alone. Not thread-safe.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Create or update VMs from a YAML or JSON file (multi-document YAML: one VM per document).")
final class ApplyCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Option(names = {"-f", "--filename"}, required = true, paramLabel = "FILE",
            description = "File with the VM manifest(s); '-' reads stdin. May be repeated.")
    private List<String> files = new ArrayList<>();

    ApplyCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        List<ManifestReader.Manifest> manifests = new ArrayList<>();
        for (String file : files) {
            manifests.addAll(ManifestReader.read(readSource(file), file.equals("-") ? "stdin" : file));
        }
        int exit = 0;
        try (AdminClient client = root.client()) {
            for (ManifestReader.Manifest manifest : manifests) {
                try {
                    Response response = client.request("PUT", ApiPaths.vm(manifest.name()), "application/json",
                            Json.compact(manifest.object())).requireSuccess();
                    String verb = response.status() == 201 ? "created" : "configured";
                    root.out().println(ResourceArgs.VM_RESOURCE + "/" + manifest.name() + " " + verb);
                } catch (DaemonUnreachableException e) {
                    throw e; // no point trying the next document
                } catch (AdminClientException e) {
                    root.err().println(e.getMessage());
                    exit = 1;
                }
            }
        }
        return exit;
    }

    private String readSource(String file) {
        try {
            byte[] bytes = file.equals("-") ? root.in().readAllBytes() : Files.readAllBytes(Path.of(file));
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException("the path \"" + file + "\" does not exist");
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
