package io.vmflex.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.client.AdminClient;
import io.vmflex.client.ApiPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmctl patch vm NAME --type merge|json -p PATCH}: sends an RFC 7386 merge patch or an
 * RFC 6902 JSON patch. The patch may be written in JSON or YAML; it is checked to be the right
 * shape (object or array) and sent as JSON. Not thread-safe.
 */
@Command(name = "patch", mixinStandardHelpOptions = true,
        description = "Change fields of a VM with a merge patch (default) or a JSON patch.")
final class PatchCommand implements Callable<Integer> {

    private final VmctlCommand root;

    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..2", paramLabel = "vm NAME", description = "vm NAME, or vm/NAME.")
    private List<String> words = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "merge",
            description = "merge (RFC 7386, default) or json (RFC 6902).")
    private String type;

    @Option(names = {"-p", "--patch"}, paramLabel = "PATCH", description = "The patch, JSON or YAML.")
    private String patch;

    @Option(names = "--patch-file", paramLabel = "FILE", description = "A file holding the patch.")
    private Path patchFile;

    PatchCommand(VmctlCommand root) {
        this.root = root;
    }

    @Override
    public Integer call() {
        String name = ResourceArgs.vmNames(spec.commandLine(), words, false, 1, 1).getFirst();
        String contentType = switch (type.toLowerCase(Locale.ROOT)) {
            case "merge" -> "application/merge-patch+json";
            case "json" -> "application/json-patch+json";
            default -> throw new ParameterException(spec.commandLine(),
                    "--type must be merge or json, got '" + type + "' (strategic merge patches are not supported)");
        };
        JsonNode body = parsePatch(patchText());
        if (type.equalsIgnoreCase("json") && !body.isArray()) {
            throw new ParameterException(spec.commandLine(), "a json patch must be an array of operations");
        }
        if (type.equalsIgnoreCase("merge") && !body.isObject()) {
            throw new ParameterException(spec.commandLine(), "a merge patch must be an object");
        }
        try (AdminClient client = root.client()) {
            client.request("PATCH", ApiPaths.vm(name), contentType, Json.compact(body)).requireSuccess();
        }
        root.out().println(ResourceArgs.VM_RESOURCE + "/" + name + " patched");
        return 0;
    }

    private String patchText() {
        if ((patch == null) == (patchFile == null)) {
            throw new ParameterException(spec.commandLine(), "exactly one of -p/--patch or --patch-file is required");
        }
        if (patch != null) {
            return patch;
        }
        try {
            return Files.readString(patchFile);
        } catch (NoSuchFileException e) {
            throw new CliException("the path \"" + patchFile + "\" does not exist");
        } catch (IOException e) {
            throw new CliException("cannot read " + patchFile + ": " + e.getMessage());
        }
    }

    private JsonNode parsePatch(String text) {
        try {
            JsonNode node = Json.YAML.readTree(text); // YAML 1.1 reads JSON too
            if (node == null || node.isMissingNode() || node.isNull()) {
                throw new ParameterException(spec.commandLine(), "the patch is empty");
            }
            return node;
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "the patch is neither JSON nor YAML: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
    }
}
