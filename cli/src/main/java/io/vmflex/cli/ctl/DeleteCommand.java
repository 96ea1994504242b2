package io.vmflex.cli.ctl;

import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import io.vmflex.client.ApiPaths;
import io.vmflex.client.DaemonUnreachableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmctl delete vm NAME...}: stops each VM and removes it. Not thread-safe. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Stop and remove VMs.")
final class DeleteCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "vm NAME...", description = "vm NAME..., or vm/NAME...")
    private List<String> words = new ArrayList<>();

    DeleteCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        List<String> names = ResourceArgs.vmNames(spec.commandLine(), words, false, 1, Integer.MAX_VALUE);
        int exit = 0;
        try (AdminClient client = root.client()) {
            for (String name : names) {
                try {
                    client.request("DELETE", ApiPaths.vm(name), null, null).requireSuccess();
                    root.out().println(ResourceArgs.VM_RESOURCE + " \"" + name + "\" deleted");
                } catch (DaemonUnreachableException e) {
                    throw e;
                } catch (AdminClientException e) {
                    root.err().println(e.getMessage());
                    exit = 1;
                }
            }
        }
        return exit;
    }
}
