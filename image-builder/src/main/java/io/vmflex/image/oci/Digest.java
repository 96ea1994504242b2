package io.vmflex.image.oci;

import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as OCI writes it, {@code sha256:<64 hex>}. Only sha256 is accepted: it is what
 * every image tool writes, and a strict form keeps a digest usable as a file name.
 *
 * @param hex the 64 lowercase hex digits
 */
public record Digest(String hex) {
    private static final Pattern SHA256 = Pattern.compile("sha256:([0-9a-f]{64})");

    public Digest {
        if (hex == null || hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("not a sha256 digest: " + hex);
        }
    }

    /** Parses {@code sha256:<hex>}; anything else is refused with {@code what} in the reason. */
    public static Digest parse(String text, String what) throws ImageRefusedException {
        var m = text == null ? null : SHA256.matcher(text);
        if (m == null || !m.matches()) {
            throw new ImageRefusedException(what + ": digest \"" + text + "\" is not sha256:<64 hex digits>");
        }
        return new Digest(m.group(1));
    }

    public static Digest of(byte[] sha256) {
        return new Digest(HexFormat.of().formatHex(sha256));
    }

    @Override
    public String toString() {
        return "sha256:" + hex;
    }
}
