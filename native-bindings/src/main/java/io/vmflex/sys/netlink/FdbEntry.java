package io.vmflex.sys.netlink;

import java.net.InetAddress;

/**
 * One forwarding entry of a VXLAN device as the kernel reported it: frames for {@code mac} go to
 * the VTEP at {@code destination}. The all-zero MAC marks a flood destination.
 *
 * @param mac         link-layer address as text, for example {@code 00:00:00:00:00:00}
 * @param destination the remote VTEP's address ({@code NDA_DST})
 * @param permanent   added by hand ({@code NUD_PERMANENT}), not learned
 */
public record FdbEntry(String mac, InetAddress destination, boolean permanent) {

    public static final String FLOOD_MAC = "00:00:00:00:00:00";

    /** Whether this entry is a flood (head-end replication) destination. */
    public boolean isFlood() {
        return FLOOD_MAC.equals(mac);
    }
}
