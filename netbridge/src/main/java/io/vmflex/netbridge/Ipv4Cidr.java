package io.vmflex.netbridge;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 network in CIDR notation, such as {@code 10.77.0.0/24}; host bits of {@code network}
 * must be zero.
 *
 * <p>Immutable; thread-safe.
 *
 * @param network the network address (host bits zero)
 * @param prefix  prefix length, 0 to 30 (a /31 or /32 has no room for a gateway and VMs)
 */
public record Ipv4Cidr(Inet4Address network, int prefix) {

    public Ipv4Cidr {
        if (prefix < 0 || prefix > 30) {
            throw new IllegalArgumentException("prefix length must be in [0, 30] to hold a gateway and VMs: " + prefix);
        }
        int value = toInt(network);
        if ((value & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException(network.getHostAddress() + "/" + prefix
                    + " has host bits set; the network is " + fromInt(value & mask(prefix)).getHostAddress() + "/" + prefix);
        }
    }

    /** Parses {@code a.b.c.d/len} (numeric only, no name lookup). */
    public static Ipv4Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not CIDR notation (a.b.c.d/len): '" + text + "'");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not CIDR notation (a.b.c.d/len): '" + text + "'", e);
        }
        return new Ipv4Cidr(parseAddress(text.substring(0, slash)), prefix);
    }

    /** Parses a dotted-quad IPv4 address without any name lookup. */
    public static Inet4Address parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int value;
            try {
                value = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'", e);
            }
            if (value < 0 || value > 255 || parts[i].isEmpty() || parts[i].startsWith("+")) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            bytes[i] = (byte) value;
        }
        return fromBytes(bytes);
    }

    /** Number of addresses in the network, network and broadcast included. */
    public long size() {
        return 1L << (32 - prefix);
    }

    /** The address {@code offset} places after the network address. */
    public Inet4Address addressAt(long offset) {
        if (offset < 0 || offset >= size()) {
            throw new IllegalArgumentException("offset " + offset + " outside " + this);
        }
        return fromInt((int) (toInt(network) + offset));
    }

    /** Offset of {@code address} from the network address. */
    public long offsetOf(Inet4Address address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address.getHostAddress() + " is not in " + this);
        }
        return Integer.toUnsignedLong(toInt(address) - toInt(network));
    }

    public boolean contains(Inet4Address address) {
        return (toInt(address) & mask(prefix)) == toInt(network);
    }

    public Inet4Address broadcast() {
        return addressAt(size() - 1);
    }

    public Inet4Address netmask() {
        return fromInt(mask(prefix));
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefix;
    }

    static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static Inet4Address fromInt(int value) {
        return fromBytes(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    private static Inet4Address fromBytes(byte[] bytes) {
        try {
            // Four bytes: no lookup happens, and the result is always an Inet4Address.
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid IPv4 address", e);
        }
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }
}
