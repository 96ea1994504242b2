package io.vmflex.api.guest;

/** The guest's answer to a {@link VersionRange}: the version it will speak. */
public record VersionChoice(int version) {
}
