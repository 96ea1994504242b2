package io.vmflex.kube.node;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The node daemon's name for a VirtualMachine of the API: {@code <namespace>-<name>-<length of the
 * namespace>}, e.g. {@code demo-vm-compute-node-4} for {@code demo/vm-compute-node}.
 *
 * <p>Why the length: namespaces and names may both contain {@code -} (even {@code --}), so a plain
 * {@code <namespace>-<name>} would give {@code a-b/c} and {@code a/b-c} the same VM. With the
 * namespace's length at the end, {@link #decode} splits every local name back into exactly one key, so
 * two keys never share a local name, and the result is a DNS-1123 label as the daemon requires (it
 * ends with a digit). What does not fit in the daemon's 63 characters, or is not a label (a name
 * with dots), has no local name: {@link #encode} says why, naming the field.
 *
 * <p>Pure; thread-safe.
 */
public final class LocalName {
    /** The daemon's limit on a VM name (a DNS-1123 label). */
    public static final int MAX_LENGTH = 63;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private LocalName() {
    }

    /** What {@link #encode} gives: the local name, or why there is none. */
    public sealed interface Encoded {
        record Name(String value) implements Encoded {
        }

        /** @param message one line starting with the field, e.g. {@code metadata.name: ...} */
        record Unusable(String message) implements Encoded {
        }
    }

    public static Encoded encode(ObjectKey key) {
        if (!DNS_LABEL.matcher(key.name()).matches()) {
            return new Encoded.Unusable("metadata.name: vmflex runs VMs whose name is a DNS-1123 label (lower-case letters,"
                    + " digits and '-'), got \"" + key.name() + "\"");
        }
        if (!DNS_LABEL.matcher(key.namespace()).matches()) {
            return new Encoded.Unusable("metadata.namespace: not a DNS-1123 label: \"" + key.namespace() + "\"");
        }
        String local = key.namespace() + "-" + key.name() + "-" + key.namespace().length();
        if (local.length() > MAX_LENGTH) {
            int room = MAX_LENGTH - 2 - Integer.toString(key.namespace().length()).length();
            return new Encoded.Unusable("metadata.name: namespace and name together are " + (key.namespace().length()
                    + key.name().length()) + " characters; a node names the VM after both and has room for " + room);
        }
        return new Encoded.Name(local);
    }

    /** The key a local name stands for; empty for a name {@link #encode} never makes. */
    public static Optional<ObjectKey> decode(String local) {
        int dash = local.lastIndexOf('-');
        if (dash < 0 || dash == local.length() - 1) {
            return Optional.empty();
        }
        String digits = local.substring(dash + 1);
        if (!digits.chars().allMatch(c -> c >= '0' && c <= '9') || digits.length() > 2 || digits.startsWith("0")) {
            return Optional.empty();
        }
        int nsLength = Integer.parseInt(digits);
        // "<ns>-<name>-<n>": the namespace, one '-', at least one character of name, one '-'
        if (nsLength + 2 > dash || local.charAt(nsLength) != '-') {
            return Optional.empty();
        }
        ObjectKey key = new ObjectKey(local.substring(0, nsLength), local.substring(nsLength + 1, dash));
        return encode(key) instanceof Encoded.Name(String again) && again.equals(local) ? Optional.of(key) : Optional.empty();
    }
}
