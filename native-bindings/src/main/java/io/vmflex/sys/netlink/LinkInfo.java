package io.vmflex.sys.netlink;

/**
 * One network interface as the kernel reported it in an {@code RTM_NEWLINK} reply.
 *
 * @param index       interface index ({@code ifi_index})
 * @param name        interface name ({@code IFLA_IFNAME})
 * @param flags       {@code IFF_*} flags ({@code ifi_flags})
 * @param mtu         {@code IFLA_MTU}, 0 if absent
 * @param mac         link-layer address as text ({@code IFLA_ADDRESS}), empty if absent
 * @param masterIndex index of the bridge (or bond) it is enslaved to, 0 if none ({@code IFLA_MASTER})
 * @param kind        driver kind ({@code IFLA_INFO_KIND}: "bridge", "veth", "tun", "vxlan"), empty
 *                    for devices without one (loopback, most physical NICs)
 */
public record LinkInfo(int index, String name, int flags, int mtu, String mac, int masterIndex, String kind) {

    private static final int IFF_UP = 0x1;

    /** Whether the administrative state is up ({@code IFF_UP}); carrier may still be down. */
    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }
}
