package io.vmflex.image.oci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image in a registry, written as skopeo and podman write it: {@code docker://HOST[:PORT]/REPO[:TAG]}
 * or {@code docker://HOST[:PORT]/REPO@sha256:<hex>}. The host is always named (no implied Docker Hub:
 * a VM node should say where its images come from). A loopback host is spoken to over plain HTTP, as
 * Docker does for local registries; every other one over HTTPS.
 *
 * @param host       registry host, with its port if given
 * @param repository the repository path (lowercase components separated by {@code /})
 * @param reference  the tag, or the digest as {@code sha256:<hex>}
 */
public record RegistryReference(String host, String repository, String reference) {
    public static final String SCHEME = "docker://";
    private static final Pattern FORM = Pattern.compile(
            "docker://([A-Za-z0-9.-]+(?::[0-9]{1,5})?|\\[[0-9A-Fa-f:]+\\](?::[0-9]{1,5})?)"
                    + "/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
                    + "(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(sha256:[0-9a-f]{64}))?");

    /** Whether {@code source} is meant as a registry reference (else it is a path). */
    public static boolean looksLikeOne(String source) {
        return source.startsWith(SCHEME);
    }

    public static RegistryReference parse(String text) throws ImageRefusedException {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new ImageRefusedException("\"" + text + "\" is not a registry reference: docker://HOST[:PORT]/REPO[:TAG|@sha256:<hex>]"
                    + " (lowercase repository)");
        }
        String ref = m.group(3) != null ? m.group(3) : m.group(4) != null ? m.group(4) : "latest";
        return new RegistryReference(m.group(1), m.group(2), ref);
    }

    public boolean byDigest() {
        return reference.startsWith("sha256:");
    }

    /** Loopback registries speak plain HTTP (as Docker treats them); all others HTTPS. */
    public String baseUrl() {
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.split(":")[0];
        boolean loopback = name.equals("localhost") || name.startsWith("127.") || name.equals("[::1]");
        return (loopback ? "http://" : "https://") + host;
    }

    @Override
    public String toString() {
        return SCHEME + host + "/" + repository + (byDigest() ? "@" : ":") + reference;
    }
}
