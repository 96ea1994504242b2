package io.vmflex.kube.node;

/** A VirtualMachine's place in the API: namespace and name. Printed as {@code namespace/name}. */
public record ObjectKey(String namespace, String name) {

    public ObjectKey {
        if (namespace == null || namespace.isEmpty() || name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a VirtualMachine key needs a namespace and a name, got " + namespace + "/" + name);
        }
    }

    /** {@code namespace/name}. */
    public static ObjectKey parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash != text.lastIndexOf('/')) {
            throw new IllegalArgumentException("expected namespace/name, got \"" + text + "\"");
        }
        return new ObjectKey(text.substring(0, slash), text.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
