package io.vmflex.netbridge;

import io.vmflex.sys.netlink.MacAddress;

import java.net.Inet4Address;
import java.util.Arrays;
import java.util.Objects;

/**
 * A VM's network interface as the node set it up: the tap QEMU attaches to, the guest's MAC and
 * IPv4 configuration.
 *
 * <p>Immutable (the MAC is copied in and out); thread-safe.
 *
 * @param tapName host-side tap, for {@code -netdev tap,ifname=...}
 * @param mac     the guest NIC's MAC, six bytes
 * @param ip      the guest's address
 * @param prefix  the guest network's prefix length
 * @param gateway the guest's default gateway (the node bridge)
 */
public record VmNic(String tapName, byte[] mac, Inet4Address ip, int prefix, Inet4Address gateway) {

    public VmNic {
        Objects.requireNonNull(tapName, "tapName");
        mac = MacAddress.requireValid(mac).clone();
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(gateway, "gateway");
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    /** {@code aa:bb:cc:dd:ee:ff}. */
    public String macText() {
        return MacAddress.format(mac);
    }

    /** The dotted netmask of {@link #prefix()}, for example {@code 255.255.255.0}. */
    public String netmask() {
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return Ipv4Cidr.fromInt(mask).getHostAddress();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof VmNic that && tapName.equals(that.tapName) && Arrays.equals(mac, that.mac)
                && ip.equals(that.ip) && prefix == that.prefix && gateway.equals(that.gateway);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tapName, Arrays.hashCode(mac), ip, prefix, gateway);
    }

    @Override
    public String toString() {
        return "VmNic[tap=" + tapName + ", mac=" + macText() + ", ip=" + ip.getHostAddress() + "/" + prefix
                + ", gateway=" + gateway.getHostAddress() + "]";
    }
}
