package io.vmflex.cli.docs;

import io.vmflex.cli.Main;
import io.vmflex.cli.ctl.VmctlCommand;
import picocli.AutoComplete;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Build-time generator of the documentation the Debian package ships, from the picocli command
 * definitions: a man page per command and subcommand of {@code vmflex} and {@code vmctl}, and bash
 * completion scripts for both (picocli's {@link AutoComplete}).
 *
 * <p>Usage: {@code CliDocs MAN_DIR COMPLETION_DIR VERSION}. The page date comes from
 * {@code SOURCE_DATE_EPOCH} when set (reproducible builds), else today.
 */
public final class CliDocs {

    private CliDocs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: CliDocs MAN_DIR COMPLETION_DIR VERSION");
            System.exit(2);
        }
        String epoch = System.getenv("SOURCE_DATE_EPOCH");
        Instant when = epoch != null && !epoch.isBlank() ? Instant.ofEpochSecond(Long.parseLong(epoch.strip())) : Instant.now();
        List<Path> written = write(Path.of(args[0]), Path.of(args[1]), args[2], when.atZone(ZoneOffset.UTC).toLocalDate().toString());
        System.err.println("CliDocs: wrote " + written.size() + " files");
    }

    /** Writes every page and both completion scripts; returns the files written. */
    public static List<Path> write(Path manDir, Path completionDir, String version, String date) throws IOException {
        Files.createDirectories(manDir);
        Files.createDirectories(completionDir);
        List<Path> written = new ArrayList<>();
        for (CommandLine root : List.of(vmflex(), VmctlCommand.definition())) {
            writePages(root, manDir, version, date, written);
            Path completion = completionDir.resolve(root.getCommandName());
            Files.writeString(completion, AutoComplete.bash(root.getCommandName(), root), StandardCharsets.UTF_8);
            written.add(completion);
        }
        return written;
    }

    static CommandLine vmflex() {
        return new CommandLine(new Main());
    }

    private static void writePages(CommandLine command, Path manDir, String version, String date, List<Path> written)
            throws IOException {
        Path page = manDir.resolve(RoffManPage.pageName(command.getCommandSpec()) + ".1");
        Files.writeString(page, RoffManPage.render(command, version, date), StandardCharsets.UTF_8);
        written.add(page);
        for (var entry : command.getSubcommands().entrySet()) {
            CommandLine sub = entry.getValue();
            // Aliases map to the same command: one page, under its own name.
            if (entry.getKey().equals(sub.getCommandName()) && !sub.getCommandSpec().usageMessage().hidden()) {
                writePages(sub, manDir, version, date, written);
            }
        }
    }
}
