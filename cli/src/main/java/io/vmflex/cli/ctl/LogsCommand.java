package io.vmflex.cli.ctl;

import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl logs vm NAME [-f] [--tail N]}: the guest's serial console, streamed line by line
 * as the daemon sends it; with {@code -f} until the daemon closes the stream or vmctl is
 * stopped. Not thread-safe.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a VM's serial console output.")
final class LogsCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "[vm] NAME", description = "NAME, vm NAME, or vm/NAME.")
    private List<String> words = new ArrayList<>();

    @Option(names = {"-f", "--follow"}, description = "Keep streaming new output.")
    private boolean follow;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines (default: all the daemon kept).")
    private Integer tail;

    LogsCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        String name = ResourceArgs.vmNames(spec.commandLine(), words, true, 1, 1).getFirst();
        if (tail != null && tail < 0) {
            throw new ParameterException(spec.commandLine(), "--tail must not be negative, got " + tail);
        }
        List<String> query = new ArrayList<>();
        if (tail != null) {
            query.add("tail=" + tail);
        }
        if (follow) {
            query.add("follow=true");
        }
        String path = ApiPaths.vm(name) + "/console" + (query.isEmpty() ? "" : "?" + String.join("&", query));
        try (AdminClient client = root.client()) {
            client.stream(path, line -> {
                root.out().println(line);
                root.out().flush();
            });
        }
        return 0;
    }
}
