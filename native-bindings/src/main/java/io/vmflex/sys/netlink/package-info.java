/**
 * rtnetlink through a {@code NETLINK_ROUTE} socket, without running {@code ip(8)}:
 * {@link io.vmflex.sys.netlink.RtNetlink} creates bridges, veth pairs and VXLAN devices, sets
 * links up, enslaves them to bridges, adds addresses and VXLAN FDB entries, and reads links back
 * as {@link io.vmflex.sys.netlink.LinkInfo}.
 *
 * <p>Layering: {@code NetlinkSocket} (socket, bind, sendto, recv, errno path) carries datagrams;
 * {@code NetlinkExchange} pairs each request with its reply by sequence number;
 * {@code NetlinkRequest} writes them through the layouts of {@code NetlinkLayouts} (byte diagrams
 * there); {@code NetlinkReply} splits replies and validates each length before use, and
 * {@code RtMessages} reads links and FDB entries out of them. Interface
 * names are checked by {@link io.vmflex.sys.netlink.IfName} before any system call.
 */
package io.vmflex.sys.netlink;
