package io.vmflex.netbridge;

import io.vmflex.sys.netlink.IfName;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Network settings of one node.
 *
 * <p>Immutable; thread-safe.
 *
 * @param nodeName   this node's name
 * @param bridgeName the node bridge, for example {@code vmfxbr0}
 * @param network    the VM network, for example {@code 10.77.0.0/24}
 * @param gateway    the bridge's address inside {@code network}, the VMs' default gateway
 * @param tapPrefix  prefix of tap names, 1 to 7 characters (tap = prefix + 8 hex digits); every
 *                   link matching prefix + 8 hex digits is netbridge's to delete
 * @param stateDir   where the IP allocations are kept ({@code ip-pool.txt})
 * @param ipRange    the addresses of {@code network} this node gives to new VMs; nodes sharing an
 *                   overlay need disjoint ranges
 */
public record NetConfig(String nodeName, String bridgeName, Ipv4Cidr network, Inet4Address gateway,
                        String tapPrefix, Path stateDir, IpRange ipRange) {

    public static final String DEFAULT_BRIDGE = "vmfxbr0";
    public static final String DEFAULT_NETWORK = "10.77.0.0/24";
    public static final String DEFAULT_TAP_PREFIX = "vmfx";
    static final int TAP_HASH_DIGITS = 8;

    public NetConfig {
        Objects.requireNonNull(nodeName, "nodeName");
        IfName.requireValid(bridgeName);
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(ipRange, "ipRange");
        if (!ipRange.within(network)) {
            throw new IllegalArgumentException("IP range " + ipRange + " is not inside the VM network " + network);
        }
        if (!network.contains(gateway) || gateway.equals(network.network()) || gateway.equals(network.broadcast())) {
            throw new IllegalArgumentException("gateway " + gateway.getHostAddress() + " must be a host address of " + network);
        }
        if (tapPrefix == null || tapPrefix.isEmpty() || tapPrefix.length() > IfName.MAX_LENGTH - TAP_HASH_DIGITS) {
            throw new IllegalArgumentException("tap prefix must have 1 to " + (IfName.MAX_LENGTH - TAP_HASH_DIGITS)
                    + " characters: '" + tapPrefix + "'");
        }
        IfName.requireValid(tapPrefix);
        if (bridgeName.matches(java.util.regex.Pattern.quote(tapPrefix) + "[0-9a-f]{" + TAP_HASH_DIGITS + "}")) {
            throw new IllegalArgumentException("bridge name " + bridgeName + " looks like a tap name; cleanup would delete it");
        }
    }

    /** The whole network as this node's range. */
    public NetConfig(String nodeName, String bridgeName, Ipv4Cidr network, Inet4Address gateway, String tapPrefix,
                     Path stateDir) {
        this(nodeName, bridgeName, network, gateway, tapPrefix, stateDir, IpRange.hostsOf(network));
    }

    /** {@code vmfxbr0}, {@code 10.77.0.0/24} with gateway {@code 10.77.0.1}, taps {@code vmfx<8 hex>}. */
    public static NetConfig defaults(String nodeName, Path stateDir) {
        Ipv4Cidr network = Ipv4Cidr.parse(DEFAULT_NETWORK);
        return new NetConfig(nodeName, DEFAULT_BRIDGE, network, network.addressAt(1), DEFAULT_TAP_PREFIX, stateDir);
    }

    public Path poolFile() {
        return stateDir.resolve("ip-pool.txt");
    }
}
