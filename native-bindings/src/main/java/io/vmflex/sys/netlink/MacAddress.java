package io.vmflex.sys.netlink;

import java.util.HexFormat;

/**
 * Ethernet addresses as {@code byte[6]} and their {@code aa:bb:cc:dd:ee:ff} text.
 *
 * <p>Stateless; thread-safe.
 */
public final class MacAddress {

    public static final int LENGTH = 6;

    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

    private MacAddress() {
    }

    /** Lower-case colon-separated text; any length (a link may have a non-Ethernet address). */
    public static String format(byte[] mac) {
        return COLONS.formatHex(mac);
    }

    /**
     * Parses {@code aa:bb:cc:dd:ee:ff} (either case).
     *
     * @throws IllegalArgumentException if it is not six colon-separated hex bytes
     */
    public static byte[] parse(String text) {
        byte[] mac;
        try {
            mac = COLONS.parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'", e);
        }
        return requireValid(mac);
    }

    /** Returns {@code mac} if it has six bytes. */
    public static byte[] requireValid(byte[] mac) {
        if (mac == null || mac.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has " + LENGTH + " bytes, got "
                    + (mac == null ? "null" : mac.length));
        }
        return mac;
    }
}
