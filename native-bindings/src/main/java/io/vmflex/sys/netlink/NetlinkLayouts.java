package io.vmflex.sys.netlink;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The rtnetlink wire structures and constants, from {@code <linux/netlink.h>},
 * {@code <linux/rtnetlink.h>}, {@code <linux/if_link.h>}, {@code <linux/if_addr.h>} and
 * {@code <linux/neighbour.h>}. All integers are in host byte order (little-endian on x86-64 and
 * arm64) unless marked big-endian; every message and attribute starts on a 4-byte boundary.
 *
 * <p>A request is one {@code nlmsghdr}, one fixed family header ({@code ifinfomsg},
 * {@code ifaddrmsg} or {@code ndmsg}), then attributes:
 * <pre>
 *  0          4        6        8          12         16                16+F
 *  +----------+--------+--------+----------+----------+-----------------+------------------+
 *  | nlmsg_len| type   | flags  | seq      | pid      | family header   | rtattr, rtattr...|
 *  | u32      | u16    | u16    | u32      | u32      | F bytes         | each 4-aligned   |
 *  +----------+--------+--------+----------+----------+-----------------+------------------+
 *  nlmsg_len covers the whole message, header included.
 *
 *  rtattr:  0          2          4              4+n      align4(4+n)
 *           +----------+----------+--------------+--------+
 *           | rta_len  | rta_type | value n bytes| pad 0s |
 *           | u16=4+n  | u16      |              |        |
 *           +----------+----------+--------------+--------+
 *  A nested attribute's value is itself a run of rtattrs (IFLA_LINKINFO, IFLA_INFO_DATA).
 * </pre>
 *
 * <p>Constants only; thread-safe.
 */
final class NetlinkLayouts {

    /** {@code struct nlmsghdr}, 16 bytes (diagram in the class doc). */
    static final StructLayout NLMSGHDR = MemoryLayout.structLayout(
            JAVA_INT.withName("nlmsg_len"), JAVA_SHORT.withName("nlmsg_type"), JAVA_SHORT.withName("nlmsg_flags"),
            JAVA_INT.withName("nlmsg_seq"), JAVA_INT.withName("nlmsg_pid"));
    static final long NLMSG_LEN = NLMSGHDR.byteOffset(groupElement("nlmsg_len"));
    static final long NLMSG_TYPE = NLMSGHDR.byteOffset(groupElement("nlmsg_type"));
    static final long NLMSG_FLAGS = NLMSGHDR.byteOffset(groupElement("nlmsg_flags"));
    static final long NLMSG_SEQ = NLMSGHDR.byteOffset(groupElement("nlmsg_seq"));
    static final long NLMSG_PID = NLMSGHDR.byteOffset(groupElement("nlmsg_pid"));

    /**
     * {@code struct ifinfomsg}, 16 bytes:
     * <pre>
     *  0        1      2          4           8           12          16
     *  +--------+------+----------+-----------+-----------+-----------+
     *  | family | pad  | ifi_type | ifi_index | ifi_flags | ifi_change|
     *  | u8     | u8   | u16      | s32       | u32 IFF_* | u32 mask  |
     *  +--------+------+----------+-----------+-----------+-----------+
     * </pre>
     */
    static final StructLayout IFINFOMSG = MemoryLayout.structLayout(
            JAVA_BYTE.withName("ifi_family"), JAVA_BYTE.withName("ifi_pad"), JAVA_SHORT.withName("ifi_type"),
            JAVA_INT.withName("ifi_index"), JAVA_INT.withName("ifi_flags"), JAVA_INT.withName("ifi_change"));
    static final long IFI_FAMILY = IFINFOMSG.byteOffset(groupElement("ifi_family"));
    static final long IFI_INDEX = IFINFOMSG.byteOffset(groupElement("ifi_index"));
    static final long IFI_FLAGS = IFINFOMSG.byteOffset(groupElement("ifi_flags"));
    static final long IFI_CHANGE = IFINFOMSG.byteOffset(groupElement("ifi_change"));

    /**
     * {@code struct ifaddrmsg}, 8 bytes:
     * <pre>
     *  0        1           2        3        4           8
     *  +--------+-----------+--------+--------+-----------+
     *  | family | prefixlen | flags  | scope  | ifa_index |
     *  | u8     | u8        | u8     | u8     | u32       |
     *  +--------+-----------+--------+--------+-----------+
     * </pre>
     */
    static final StructLayout IFADDRMSG = MemoryLayout.structLayout(
            JAVA_BYTE.withName("ifa_family"), JAVA_BYTE.withName("ifa_prefixlen"), JAVA_BYTE.withName("ifa_flags"),
            JAVA_BYTE.withName("ifa_scope"), JAVA_INT.withName("ifa_index"));
    static final long IFA_FAMILY = IFADDRMSG.byteOffset(groupElement("ifa_family"));
    static final long IFA_PREFIXLEN = IFADDRMSG.byteOffset(groupElement("ifa_prefixlen"));
    static final long IFA_SCOPE = IFADDRMSG.byteOffset(groupElement("ifa_scope"));
    static final long IFA_INDEX = IFADDRMSG.byteOffset(groupElement("ifa_index"));

    /**
     * {@code struct ndmsg}, 12 bytes:
     * <pre>
     *  0        1      2        4             8           10        11       12
     *  +--------+------+--------+-------------+-----------+---------+--------+
     *  | family | pad1 | pad2   | ndm_ifindex | ndm_state | flags   | type   |
     *  | u8     | u8   | u16    | s32         | u16 NUD_* | u8 NTF_*| u8     |
     *  +--------+------+--------+-------------+-----------+---------+--------+
     * </pre>
     */
    static final StructLayout NDMSG = MemoryLayout.structLayout(
            JAVA_BYTE.withName("ndm_family"), JAVA_BYTE.withName("ndm_pad1"), JAVA_SHORT.withName("ndm_pad2"),
            JAVA_INT.withName("ndm_ifindex"), JAVA_SHORT.withName("ndm_state"), JAVA_BYTE.withName("ndm_flags"),
            JAVA_BYTE.withName("ndm_type"));
    static final long NDM_FAMILY = NDMSG.byteOffset(groupElement("ndm_family"));
    static final long NDM_IFINDEX = NDMSG.byteOffset(groupElement("ndm_ifindex"));
    static final long NDM_STATE = NDMSG.byteOffset(groupElement("ndm_state"));
    static final long NDM_FLAGS = NDMSG.byteOffset(groupElement("ndm_flags"));

    /** {@code struct rtattr} header, 4 bytes (diagram in the class doc). */
    static final StructLayout RTATTR = MemoryLayout.structLayout(
            JAVA_SHORT.withName("rta_len"), JAVA_SHORT.withName("rta_type"));
    static final long RTA_LEN = RTATTR.byteOffset(groupElement("rta_len"));
    static final long RTA_TYPE = RTATTR.byteOffset(groupElement("rta_type"));

    /** {@code struct nlmsgerr}: {@code int error} then the request's {@code nlmsghdr} (20 bytes). */
    static final long NLMSGERR_ERROR = 0;
    static final long NLMSGERR_REQUEST = 4;

    static final int ALIGNMENT = 4;

    // nlmsg_type values
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLMSG_OVERRUN = 4;
    static final int RTM_NEWLINK = 16;
    static final int RTM_DELLINK = 17;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20;
    static final int RTM_GETADDR = 22;
    static final int RTM_NEWNEIGH = 28;
    static final int RTM_DELNEIGH = 29;
    static final int RTM_GETNEIGH = 30;

    // nlmsg_flags
    static final int NLM_F_REQUEST = 0x1;
    static final int NLM_F_MULTI = 0x2;
    static final int NLM_F_ACK = 0x4;
    static final int NLM_F_DUMP = 0x300;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int NLM_F_APPEND = 0x800;
    /** In an NLMSG_ERROR: the echoed request was cut to its header (NETLINK_CAP_ACK). */
    static final int NLM_F_CAPPED = 0x100;
    /** In an NLMSG_ERROR: extended-ack attributes follow the echoed request (NETLINK_EXT_ACK). */
    static final int NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_BRIDGE = 7;
    static final int AF_INET6 = 10;

    // Attribute types carry two flag bits (NLA_F_NESTED, NLA_F_NET_BYTEORDER) above the type.
    static final int NLA_TYPE_MASK = 0x3fff;

    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_MASTER = 10;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_INFO_KIND = 1;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFLA_VXLAN_ID = 1;
    static final int IFLA_VXLAN_LINK = 3;
    static final int IFLA_VXLAN_LOCAL = 4;
    /** Big-endian u16. */
    static final int IFLA_VXLAN_PORT = 15;

    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int IFA_BROADCAST = 4;

    static final int NDA_DST = 1;
    static final int NDA_LLADDR = 2;
    static final int NUD_NOARP = 0x40;
    static final int NUD_PERMANENT = 0x80;
    static final int NTF_SELF = 0x02;

    static final int IFF_UP = 0x1;

    private NetlinkLayouts() {
    }

    static int align(long length) {
        return (int) ((length + ALIGNMENT - 1) & ~(ALIGNMENT - 1));
    }

    static String typeName(int type) {
        return switch (type) {
            case RTM_NEWLINK -> "RTM_NEWLINK";
            case RTM_DELLINK -> "RTM_DELLINK";
            case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_SETLINK -> "RTM_SETLINK";
            case RTM_NEWADDR -> "RTM_NEWADDR";
            case RTM_GETADDR -> "RTM_GETADDR";
            case RTM_NEWNEIGH -> "RTM_NEWNEIGH";
            case RTM_DELNEIGH -> "RTM_DELNEIGH";
            case RTM_GETNEIGH -> "RTM_GETNEIGH";
            default -> "nlmsg type " + type;
        };
    }
}
