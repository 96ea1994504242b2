package io.vmflex.netbridge;

import io.vmflex.sys.netlink.IfName;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * The VXLAN overlay of one node: which device, which VNI, which underlay address it sends from.
 *
 * <p>Immutable; thread-safe.
 *
 * @param device       the VXLAN device, a port of the node bridge, for example {@code vmfxvx0}
 * @param vni          VXLAN network identifier, 1 to 2^24-1; the same on every node of one overlay
 * @param localAddress this node's underlay address (the VTEP's source address)
 * @param port         UDP destination port, 4789 (IANA) unless the whole overlay agrees otherwise
 * @param mtu          MTU of the device. 1500 so that guests with the usual MTU pass whole frames;
 *                     the underlay then carries 1550-byte packets (or the kernel fragments them)
 */
public record OverlayConfig(String device, int vni, Inet4Address localAddress, int port, int mtu) {

    public static final String DEFAULT_DEVICE = "vmfxvx0";
    public static final int DEFAULT_VNI = 7800;
    public static final int DEFAULT_PORT = 4789;
    public static final int DEFAULT_MTU = 1500;

    public OverlayConfig {
        IfName.requireValid(device);
        Objects.requireNonNull(localAddress, "localAddress");
        if (vni < 1 || vni > (1 << 24) - 1) {
            throw new IllegalArgumentException("VXLAN VNI must be in [1, 16777215]: " + vni);
        }
        if (port < 1 || port > 0xffff) {
            throw new IllegalArgumentException("VXLAN UDP port must be in [1, 65535]: " + port);
        }
        if (mtu < 576 || mtu > 9000) {
            throw new IllegalArgumentException("overlay MTU must be in [576, 9000]: " + mtu);
        }
    }

    /** Device {@code vmfxvx0}, port 4789, MTU 1500. */
    public static OverlayConfig of(int vni, Inet4Address localAddress) {
        return new OverlayConfig(DEFAULT_DEVICE, vni, localAddress, DEFAULT_PORT, DEFAULT_MTU);
    }
}
