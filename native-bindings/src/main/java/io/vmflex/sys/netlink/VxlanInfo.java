package io.vmflex.sys.netlink;

import java.net.Inet4Address;

/**
 * What a VXLAN device was made with, as the kernel reports it ({@code IFLA_INFO_DATA}).
 *
 * @param vni   {@code IFLA_VXLAN_ID}
 * @param local {@code IFLA_VXLAN_LOCAL}, null when the device has none (or an IPv6 one)
 * @param port  {@code IFLA_VXLAN_PORT}, the UDP destination port; 0 if absent
 */
public record VxlanInfo(int vni, Inet4Address local, int port) {
}
