package io.vmflex.sys.netlink;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * What {@link RtNetlink}'s replies say: {@code RTM_NEWLINK} messages as {@link LinkInfo} and
 * {@link VxlanInfo}, {@code RTM_NEWNEIGH} messages of the bridge family as {@link FdbEntry}. Lengths
 * are validated by {@link NetlinkReply}; a message that does not fit its type is reported as
 * {@link IllegalArgumentException}.
 *
 * <p>Stateless; thread-safe.
 */
final class RtMessages {

    private RtMessages() {
    }

    /** An {@code RTM_NEWLINK} message: {@code struct ifinfomsg} then attributes. */
    static LinkInfo decodeLink(NetlinkReply.Message message) {
        MemorySegment payload = message.payload();
        if (message.type() != RTM_NEWLINK || payload.byteSize() < IFINFOMSG.byteSize()) {
            throw new IllegalArgumentException("expected RTM_NEWLINK with a " + IFINFOMSG.byteSize()
                    + "-byte ifinfomsg, got type " + message.type() + " with " + payload.byteSize() + " bytes");
        }
        int index = payload.get(JAVA_INT_UNALIGNED, IFI_INDEX);
        int flags = payload.get(JAVA_INT_UNALIGNED, IFI_FLAGS);
        Map<Integer, MemorySegment> attributes = NetlinkReply.attributes(payload, IFINFOMSG.byteSize());
        MemorySegment name = attributes.get(IFLA_IFNAME);
        MemorySegment mtu = attributes.get(IFLA_MTU);
        MemorySegment address = attributes.get(IFLA_ADDRESS);
        MemorySegment master = attributes.get(IFLA_MASTER);
        String kind = "";
        MemorySegment linkInfo = attributes.get(IFLA_LINKINFO);
        if (linkInfo != null) {
            MemorySegment kindValue = NetlinkReply.attributes(linkInfo, 0).get(IFLA_INFO_KIND);
            if (kindValue != null) {
                kind = NetlinkReply.string(kindValue);
            }
        }
        return new LinkInfo(index,
                name == null ? "" : NetlinkReply.string(name),
                flags,
                mtu == null ? 0 : NetlinkReply.u32(mtu, "IFLA_MTU"),
                address == null ? "" : MacAddress.format(address.toArray(JAVA_BYTE)),
                master == null ? 0 : NetlinkReply.u32(master, "IFLA_MASTER"),
                kind);
    }

    /** The VXLAN attributes of an {@code RTM_NEWLINK} message, or null when it is no VXLAN device. */
    static VxlanInfo decodeVxlan(NetlinkReply.Message message) {
        if (!decodeLink(message).kind().equals("vxlan")) {
            return null;
        }
        MemorySegment linkInfo = NetlinkReply.attributes(message.payload(), IFINFOMSG.byteSize()).get(IFLA_LINKINFO);
        MemorySegment data = NetlinkReply.attributes(linkInfo, 0).get(IFLA_INFO_DATA);
        if (data == null) {
            throw new IllegalArgumentException("malformed vxlan RTM_NEWLINK: no IFLA_INFO_DATA");
        }
        Map<Integer, MemorySegment> vxlan = NetlinkReply.attributes(data, 0);
        MemorySegment id = vxlan.get(IFLA_VXLAN_ID);
        MemorySegment local = vxlan.get(IFLA_VXLAN_LOCAL);
        MemorySegment port = vxlan.get(IFLA_VXLAN_PORT);
        Inet4Address localAddress = null;
        if (local != null && local.byteSize() == 4) {
            try {
                localAddress = (Inet4Address) InetAddress.getByAddress(local.toArray(JAVA_BYTE));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("malformed IFLA_VXLAN_LOCAL", e);
            }
        }
        int dstPort = 0;
        if (port != null && port.byteSize() >= 2) {
            // network byte order
            dstPort = (Byte.toUnsignedInt(port.get(JAVA_BYTE, 0)) << 8) | Byte.toUnsignedInt(port.get(JAVA_BYTE, 1));
        }
        return new VxlanInfo(id == null ? 0 : NetlinkReply.u32(id, "IFLA_VXLAN_ID"), localAddress, dstPort);
    }

    /** A forwarding entry and the interface index of the device it belongs to. */
    record IndexedFdb(int index, FdbEntry entry) {
    }

    /** An {@code RTM_NEWNEIGH} message of family {@code AF_BRIDGE}; null unless it has a MAC and a dst. */
    static IndexedFdb decodeFdb(NetlinkReply.Message message) {
        MemorySegment payload = message.payload();
        if (message.type() != RTM_NEWNEIGH || payload.byteSize() < NDMSG.byteSize()
                || payload.get(JAVA_BYTE, NDM_FAMILY) != AF_BRIDGE) {
            return null;
        }
        int index = payload.get(JAVA_INT_UNALIGNED, NDM_IFINDEX);
        int state = Short.toUnsignedInt(payload.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, NDM_STATE));
        Map<Integer, MemorySegment> attributes = NetlinkReply.attributes(payload, NDMSG.byteSize());
        MemorySegment mac = attributes.get(NDA_LLADDR);
        MemorySegment dst = attributes.get(NDA_DST);
        if (mac == null || dst == null || mac.byteSize() != 6 || (dst.byteSize() != 4 && dst.byteSize() != 16)) {
            return null;
        }
        try {
            return new IndexedFdb(index, new FdbEntry(MacAddress.format(mac.toArray(JAVA_BYTE)),
                    InetAddress.getByAddress(dst.toArray(JAVA_BYTE)), (state & NUD_PERMANENT) != 0));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("NDA_DST of " + dst.byteSize() + " bytes", e);
        }
    }
}
