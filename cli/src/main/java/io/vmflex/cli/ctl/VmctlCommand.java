package io.vmflex.cli.ctl;

import io.vmflex.client.AdminClient;
import io.vmflex.client.AdminClientException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code vmctl}: the command-line client of vmmd's admin API (docs/admin-api.md). Holds what all
 * subcommands share: the socket option (inherited by every subcommand) and the run's streams.
 *
 * <p>Entry points: {@link #run(String[], PrintStream, PrintStream)} for {@code vmflex ctl ...},
 * and {@link #main(String[])}. Exit codes: 0 success, 1 server, connection or input error (one
 * line on stderr), 2 usage error. Stack traces only with {@code VMFLEX_DEBUG=1}.
 *
 * <p>Not thread-safe: one instance serves one run on one thread.
 */
@Command(name = "vmctl", mixinStandardHelpOptions = true, version = "vmctl 0.1.0",
        description = "Command-line client of vmmd, the vmflex VM daemon.",
        footer = {"", "Examples:", "  vmctl apply -f vm.yaml", "  vmctl get vms -o wide",
                "  vmctl scale vm test-vm --cpus 2 --memory-slots 4", "  vmctl logs vm test-vm -f"})
public final class VmctlCommand implements Callable<Integer> {

    private final CliContext context;

    @Spec
    private CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "vmmd admin socket (env VMFLEX_SOCKET; default ${DEFAULT-VALUE}).")
    private Path socket;

    VmctlCommand(CliContext context) {
        this.context = context;
        this.socket = Path.of(context.env().getOrDefault("VMFLEX_SOCKET", AdminClient.DEFAULT_SOCKET.toString()));
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs vmctl with {@code args} (without the program name), printing to {@code out} and
     * {@code err}; reads stdin for {@code apply -f -}, and the environment for
     * {@code VMFLEX_SOCKET} and {@code VMFLEX_DEBUG}.
     *
     * @return the exit code: 0 success, 1 error, 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, new CliContext(out, err, System.in, Clock.systemUTC(), System.getenv()));
    }

    static int run(String[] args, CliContext context) {
        return commandLine(context).execute(args);
    }

    static CommandLine commandLine(CliContext context) {
        VmctlCommand root = new VmctlCommand(context);
        CommandLine cmd = new CommandLine(root)
                .addSubcommand(new ApplyCommand(root))
                .addSubcommand(new GetCommand(root))
                .addSubcommand(new DescribeCommand(root))
                .addSubcommand(new DeleteCommand(root))
                .addSubcommand(new PatchCommand(root))
                .addSubcommand(new ScaleCommand(root))
                .addSubcommand(new LogsCommand(root))
                .addSubcommand(new EventsCommand(root))
                .addSubcommand(new CheckNodeCommand(root))
                .addSubcommand(new TopCommand(root))
                .addSubcommand(new MigrateCommand(root))
                .addSubcommand(new ProfileCommand(root))
                .addSubcommand(new SshCommand(root));
        cmd.setOut(new PrintWriter(context.out(), true, StandardCharsets.UTF_8));
        cmd.setErr(new PrintWriter(context.err(), true, StandardCharsets.UTF_8));
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> reportFailure(ex, context));
        cmd.setParameterExceptionHandler(VmctlCommand::reportUsageError);
        return cmd;
    }

    /**
     * vmctl's command tree, attached to no terminal and no environment (so defaults are the
     * documented ones): what its man pages and shell completion are generated from.
     */
    public static CommandLine definition() {
        return commandLine(new CliContext(System.out, System.err, InputStream.nullInputStream(), Clock.systemUTC(), Map.of()));
    }

    /** Without a subcommand vmctl prints its help, like kubectl. */
    @Override
    public Integer call() {
        spec.commandLine().usage(context.out());
        return 0;
    }

    /** A client for the socket chosen on the command line; the caller closes it. */
    AdminClient client() {
        return new AdminClient(socket);
    }

    /** A client whose requests may take {@code timeout} (migrate --wait). */
    AdminClient client(java.time.Duration timeout) {
        return new AdminClient(socket, timeout);
    }

    PrintStream out() {
        return context.out();
    }

    PrintStream err() {
        return context.err();
    }

    InputStream in() {
        return context.in();
    }

    Clock clock() {
        return context.clock();
    }

    Map<String, String> env() {
        return context.env();
    }

    private static int reportFailure(Exception ex, CliContext context) {
        PrintStream err = context.err();
        switch (ex) {
            case AdminClientException e -> err.println(e.getMessage());
            case CliException e -> err.println("error: " + e.getMessage());
            default -> err.println("error: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
        }
        if (context.debug()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static int reportUsageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }
}
