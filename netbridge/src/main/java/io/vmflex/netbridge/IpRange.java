package io.vmflex.netbridge;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * An inclusive range of host addresses inside a VM network, the part of the shared network this
 * node hands out to new VMs ({@code --vm-ip-range 10.78.0.64-10.78.0.127}). Nodes that share an L2
 * overlay must get disjoint ranges: nothing else keeps two of them from giving one address to two
 * VMs. A VM that migrates in keeps its address even when that lies outside this node's range.
 *
 * <p>Immutable; thread-safe.
 *
 * @param first lowest address of the range
 * @param last  highest address of the range, not below {@code first}
 */
public record IpRange(Inet4Address first, Inet4Address last) {

    public IpRange {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(last, "last");
        if (Integer.toUnsignedLong(bits(first)) > Integer.toUnsignedLong(bits(last))) {
            throw new IllegalArgumentException("IP range " + first.getHostAddress() + "-" + last.getHostAddress()
                    + " ends before it starts");
        }
    }

    /** Parses {@code A.B.C.D-E.F.G.H}. */
    public static IpRange parse(String text) {
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            throw new IllegalArgumentException("expected an IP range FIRST-LAST, for example 10.78.0.64-10.78.0.127, got \""
                    + text + "\"");
        }
        return new IpRange(Ipv4Cidr.parseAddress(text.substring(0, dash).strip()),
                Ipv4Cidr.parseAddress(text.substring(dash + 1).strip()));
    }

    /** Every host address of {@code network} (network and broadcast address excluded). */
    public static IpRange hostsOf(Ipv4Cidr network) {
        return new IpRange(network.addressAt(1), network.addressAt(network.size() - 2));
    }

    /** Whether both ends are host addresses of {@code network}. */
    public boolean within(Ipv4Cidr network) {
        return network.contains(first) && network.contains(last) && !first.equals(network.network())
                && !last.equals(network.broadcast());
    }

    @Override
    public String toString() {
        return first.getHostAddress() + "-" + last.getHostAddress();
    }

    private static int bits(Inet4Address a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
