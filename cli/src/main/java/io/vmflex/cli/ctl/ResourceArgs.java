package io.vmflex.cli.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Reads the {@code TYPE NAME...} or {@code TYPE/NAME...} words kubectl users type. vmctl knows one
 * resource type today, the VirtualMachine. Stateless.
 */
final class ResourceArgs {

    /** How the resource is named in command output, as kubectl names it. */
    static final String VM_RESOURCE = "virtualmachine.vm.neon.tech";

    private static final Set<String> VM_TYPES = Set.of("vm", "vms", "virtualmachine", "virtualmachines",
            "neonvm", "neonvms", "virtualmachine.vm.neon.tech", "virtualmachines.vm.neon.tech");
    private static final Set<String> MIGRATION_TYPES = Set.of("vmm", "vmms", "migration", "migrations",
            "virtualmachinemigration", "virtualmachinemigrations", "neonvmm");

    private ResourceArgs() {
    }

    static boolean isVmType(String word) {
        return VM_TYPES.contains(word.toLowerCase(Locale.ROOT));
    }

    /**
     * The VM names in {@code words}.
     *
     * @param typeOptional whether a bare {@code NAME} (no type word) is accepted, as for logs
     * @param minNames     the fewest names accepted (0 for {@code get vms})
     * @param maxNames     the most names accepted
     */
    static List<String> vmNames(CommandLine cmd, List<String> words, boolean typeOptional, int minNames, int maxNames) {
        if (words.isEmpty()) {
            throw new ParameterException(cmd, typeOptional
                    ? "missing the VM name" : "missing the resource type (vm) and name");
        }
        List<String> names = new ArrayList<>();
        if (words.getFirst().contains("/")) {
            for (String word : words) {
                int slash = word.indexOf('/');
                if (slash < 0) {
                    throw new ParameterException(cmd, "there is no need to specify a resource type as a separate "
                            + "argument when passing arguments in resource/name form: '" + word + "'");
                }
                requireVmType(cmd, word.substring(0, slash));
                names.add(word.substring(slash + 1));
            }
        } else if (isVmType(words.getFirst())) {
            names.addAll(words.subList(1, words.size()));
        } else if (typeOptional) {
            names.addAll(words);
        } else {
            requireVmType(cmd, words.getFirst());
        }
        for (String name : names) {
            if (name.isBlank()) {
                throw new ParameterException(cmd, "a VM name must not be empty");
            }
        }
        if (names.size() < minNames) {
            throw new ParameterException(cmd, "missing the VM name");
        }
        if (names.size() > maxNames) {
            throw new ParameterException(cmd, "expected " + (maxNames == 1 ? "one VM name" : "at most " + maxNames
                    + " VM names") + ", got " + names.size() + ": " + String.join(" ", names));
        }
        return names;
    }

    static boolean isMigrationType(String word) {
        return word != null && MIGRATION_TYPES.contains(word.toLowerCase(Locale.ROOT));
    }

    private static void requireVmType(CommandLine cmd, String type) {
        if (isVmType(type)) {
            return;
        }
        if (MIGRATION_TYPES.contains(type.toLowerCase(Locale.ROOT))) {
            throw new ParameterException(cmd, "resource type \"" + type + "\" is not supported by vmctl yet");
        }
        throw new ParameterException(cmd, "unknown resource type \"" + type
                + "\" (vmctl knows: vm, vms, virtualmachine, neonvm)");
    }
}
