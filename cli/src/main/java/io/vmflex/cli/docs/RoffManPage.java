package io.vmflex.cli.docs;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.List;
import java.util.Locale;

/**
 * One man(7) page, in roff, for one picocli command: NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
 * ARGUMENTS, COMMANDS (each subcommand pointing at its own page) and SEE ALSO, all read from the
 * command's definition, so the pages say what the code accepts.
 *
 * <p>Stateless; thread-safe.
 */
public final class RoffManPage {

    private RoffManPage() {
    }

    /** The page's name: the command's qualified name joined with '-', e.g. {@code vmctl-get}. */
    public static String pageName(CommandSpec spec) {
        return spec.qualifiedName("-");
    }

    /**
     * @param version the package version, shown in the page footer
     * @param date    the page date, {@code YYYY-MM-DD}
     */
    public static String render(CommandLine command, String version, String date) {
        CommandSpec spec = command.getCommandSpec();
        String page = pageName(spec);
        StringBuilder out = new StringBuilder();
        out.append(".\\\" Generated from vmflex's command definitions (io.vmflex.cli.docs.CliDocs); do not edit.\n");
        out.append(".TH ").append(quoted(page.toUpperCase(Locale.ROOT))).append(" 1 ").append(quoted(date))
                .append(' ').append(quoted("vmflex " + version)).append(' ').append(quoted("vmflex manual")).append('\n');

        out.append(".SH NAME\n").append(escape(page)).append(" \\- ").append(escape(summary(spec))).append('\n');

        out.append(".SH SYNOPSIS\n.nf\n");
        String synopsis = command.getHelp().synopsis(0).strip();
        synopsis.lines().forEach(line -> out.append(text(line)).append('\n'));
        out.append(".fi\n");

        String[] description = spec.usageMessage().description();
        if (description.length > 0) {
            out.append(".SH DESCRIPTION\n");
            for (String line : description) {
                out.append(text(interpolate(spec, line))).append('\n');
            }
        }

        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            out.append(".SH OPTIONS\n");
            for (OptionSpec option : options) {
                out.append(".TP\n").append(optionHeading(option)).append('\n');
                for (String line : option.description()) {
                    out.append(text(withDefault(line, option.defaultValueString()))).append('\n');
                }
            }
        }

        List<PositionalParamSpec> positionals = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!positionals.isEmpty()) {
            out.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec positional : positionals) {
                out.append(".TP\n\\fI").append(escape(positional.paramLabel())).append("\\fR\n");
                for (String line : positional.description()) {
                    out.append(text(withDefault(line, positional.defaultValueString()))).append('\n');
                }
            }
        }

        var subcommands = command.getSubcommands();
        if (!subcommands.isEmpty()) {
            out.append(".SH COMMANDS\n");
            subcommands.forEach((name, sub) -> {
                if (sub.getCommandSpec().usageMessage().hidden() || !name.equals(sub.getCommandName())) {
                    return;
                }
                out.append(".TP\n\\fB").append(escape(name)).append("\\fR\n")
                        .append(text(summary(sub.getCommandSpec()))).append(" See \\fB")
                        .append(escape(pageName(sub.getCommandSpec()))).append("\\fR(1).\n");
            });
        }

        out.append(".SH SEE ALSO\n");
        CommandSpec parent = spec.parent();
        out.append(parent != null ? "\\fB" + escape(pageName(parent)) + "\\fR(1), " : "")
                .append(spec.root().name().equals("vmctl") ? "\\fBvmflex\\fR(1)" : "\\fBvmctl\\fR(1)").append('\n');
        return out.toString();
    }

    /** The first description line, or the command's name when it has none. */
    static String summary(CommandSpec spec) {
        String[] description = spec.usageMessage().description();
        return description.length == 0 ? spec.name() : interpolate(spec, description[0]).strip();
    }

    private static String optionHeading(OptionSpec option) {
        StringBuilder heading = new StringBuilder();
        for (String name : option.names()) {
            if (!heading.isEmpty()) {
                heading.append(", ");
            }
            heading.append("\\fB").append(escape(name)).append("\\fR");
        }
        if (option.arity().max() > 0) {
            heading.append("=\\fI").append(escape(option.paramLabel())).append("\\fR");
        }
        return heading.toString();
    }

    /** picocli's own variables; the default value is filled in per option by {@link #withDefault}. */
    private static String interpolate(CommandSpec spec, String line) {
        return line.replace("${COMMAND-NAME}", spec.name()).replace("${COMMAND-FULL-NAME}", spec.qualifiedName())
                .replace("%n", " ");
    }

    private static String withDefault(String line, String defaultValue) {
        return line.replace("${DEFAULT-VALUE}", defaultValue == null ? "" : defaultValue).replace("%n", " ");
    }

    /** A line of running text: escaped, and never starting with a control character. */
    static String text(String line) {
        String escaped = escape(line);
        return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
    }

    /** roff's escape character is the backslash; hyphens in option names must stay ASCII hyphens. */
    static String escape(String text) {
        return text.replace("\\", "\\e").replace("-", "\\-");
    }

    private static String quoted(String field) {
        return "\"" + field.replace("\"", "'") + "\"";
    }
}
