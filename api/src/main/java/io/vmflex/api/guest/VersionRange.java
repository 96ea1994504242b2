package io.vmflex.api.guest;

/** The host's session opener: the protocol versions it speaks. */
public record VersionRange(int min, int max) {
    public static final VersionRange V1 = new VersionRange(1, 1);
}
