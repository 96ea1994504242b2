package io.vmflex.cli;

import io.vmflex.cli.bench.BenchCommand;
import io.vmflex.cli.ctl.VmctlCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Arrays;

/**
 * The {@code vmflex} entry point: {@code daemon} runs vmmd in the foreground, {@code ctl} is
 * vmctl, {@code demo} shows a VM being resized live. Composes; holds no business logic.
 */
@Command(name = "vmflex", mixinStandardHelpOptions = true, version = "vmflex 0.1.0",
        description = "Live vertical autoscaling of QEMU VMs running PostgreSQL.",
        subcommands = {DaemonCommand.class, UpCommand.class, DemoCommand.class, BenchCommand.class, ImageCommand.class,
                WebhookCommand.class, SchedulerCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("ctl") || args[0].equals("vmctl"))) {
            System.exit(VmctlCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        CommandLine cmd = new CommandLine(this);
        cmd.usage(System.out);
        System.out.println();
        System.out.println("  ctl ...    vmctl: manage VMs through the daemon (vmflex ctl --help)");
    }
}
