package io.vmflex.sys.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Writes one netlink request into a native buffer: the {@code nlmsghdr}, a family header, then
 * attributes, each padded to 4 bytes (layout drawn in {@link NetlinkLayouts}). {@link #finish}
 * fills in the total length and sequence number.
 *
 * <p>Bounds are checked by the segment itself: a request that would outgrow the buffer throws
 * {@link IndexOutOfBoundsException} rather than writing past it.
 *
 * <p>Not thread-safe; one request per instance.
 */
final class NetlinkRequest {

    /** Every rtnetlink request vmflex sends fits easily: the largest (veth) is under 200 bytes. */
    static final int CAPACITY = 4096;

    private final MemorySegment buffer;
    private final int type;
    private final Deque<Integer> openNests = new ArrayDeque<>();
    private int length;

    NetlinkRequest(Arena arena, int type, int flags) {
        this.buffer = arena.allocate(CAPACITY, 8);
        this.type = type;
        buffer.set(JAVA_SHORT, NLMSG_TYPE, (short) type);
        buffer.set(JAVA_SHORT, NLMSG_FLAGS, (short) (flags | NLM_F_REQUEST));
        length = (int) NLMSGHDR.byteSize();
    }

    int type() {
        return type;
    }

    NetlinkRequest ifinfomsg(int family, int index, int flags, int change) {
        long base = reserve(IFINFOMSG.byteSize());
        buffer.set(JAVA_BYTE, base + IFI_FAMILY, (byte) family);
        buffer.set(JAVA_INT, base + IFI_INDEX, index);
        buffer.set(JAVA_INT, base + IFI_FLAGS, flags);
        buffer.set(JAVA_INT, base + IFI_CHANGE, change);
        return this;
    }

    NetlinkRequest ifaddrmsg(int family, int prefixLength, int scope, int index) {
        long base = reserve(IFADDRMSG.byteSize());
        buffer.set(JAVA_BYTE, base + IFA_FAMILY, (byte) family);
        buffer.set(JAVA_BYTE, base + IFA_PREFIXLEN, (byte) prefixLength);
        buffer.set(JAVA_BYTE, base + IFA_SCOPE, (byte) scope);
        buffer.set(JAVA_INT, base + IFA_INDEX, index);
        return this;
    }

    NetlinkRequest ndmsg(int family, int index, int state, int flags) {
        long base = reserve(NDMSG.byteSize());
        buffer.set(JAVA_BYTE, base + NDM_FAMILY, (byte) family);
        buffer.set(JAVA_INT, base + NDM_IFINDEX, index);
        buffer.set(JAVA_SHORT, base + NDM_STATE, (short) state);
        buffer.set(JAVA_BYTE, base + NDM_FLAGS, (byte) flags);
        return this;
    }

    NetlinkRequest attribute(int attributeType, byte[] value) {
        long base = reserve(align(RTATTR.byteSize() + value.length));
        buffer.set(JAVA_SHORT, base + RTA_LEN, (short) (RTATTR.byteSize() + value.length));
        buffer.set(JAVA_SHORT, base + RTA_TYPE, (short) attributeType);
        MemorySegment.copy(value, 0, buffer, JAVA_BYTE, base + RTATTR.byteSize(), value.length);
        return this;
    }

    /** A NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND). */
    NetlinkRequest attribute(int attributeType, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] terminated = new byte[text.length + 1];
        System.arraycopy(text, 0, terminated, 0, text.length);
        return attribute(attributeType, terminated);
    }

    /** A u32 attribute in host byte order. */
    NetlinkRequest attributeInt(int attributeType, int value) {
        long base = reserve(RTATTR.byteSize() + 4);
        buffer.set(JAVA_SHORT, base + RTA_LEN, (short) (RTATTR.byteSize() + 4));
        buffer.set(JAVA_SHORT, base + RTA_TYPE, (short) attributeType);
        buffer.set(JAVA_INT, base + RTATTR.byteSize(), value);
        return this;
    }

    /** A u16 attribute in network (big-endian) byte order, such as IFLA_VXLAN_PORT. */
    NetlinkRequest attributeBigEndianShort(int attributeType, int value) {
        return attribute(attributeType, new byte[] {(byte) (value >>> 8), (byte) value});
    }

    /** Opens a nested attribute; everything written until {@link #endNested()} is its value. */
    NetlinkRequest beginNested(int attributeType) {
        long base = reserve(RTATTR.byteSize());
        buffer.set(JAVA_SHORT, base + RTA_TYPE, (short) attributeType);
        openNests.push((int) base);
        return this;
    }

    NetlinkRequest endNested() {
        int base = openNests.pop();
        buffer.set(JAVA_SHORT, base + RTA_LEN, (short) (length - base));
        return this;
    }

    /** Sets length and sequence number; returns the bytes to send. */
    MemorySegment finish(int sequence) {
        if (!openNests.isEmpty()) {
            throw new IllegalStateException(openNests.size() + " nested attribute(s) not closed");
        }
        buffer.set(JAVA_INT, NLMSG_LEN, length);
        buffer.set(JAVA_INT, NLMSG_SEQ, sequence);
        return buffer.asSlice(0, length);
    }

    private long reserve(long size) {
        int aligned = align(size);
        if (length + aligned > CAPACITY) {
            throw new IndexOutOfBoundsException("netlink request exceeds " + CAPACITY + " bytes");
        }
        long base = length;
        // Padding must be zero; the buffer came zeroed from the arena and is written once.
        length += aligned;
        return base;
    }
}
