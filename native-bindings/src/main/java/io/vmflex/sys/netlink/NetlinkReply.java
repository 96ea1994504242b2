package io.vmflex.sys.netlink;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * Reads what the kernel sent: splits a datagram into messages and a payload into attributes,
 * validating every length field against the bytes actually received before using it (layouts in
 * {@link NetlinkLayouts}). A length that does not fit is reported as
 * {@link IllegalArgumentException}; nothing is read outside the datagram.
 *
 * <p>Messages and attributes are slices of the datagram: use them before the next receive.
 * Stateless; thread-safe.
 */
final class NetlinkReply {

    private NetlinkReply() {
    }

    /** One netlink message: its header fields and the bytes after the header. */
    record Message(int type, int flags, int sequence, int portId, MemorySegment payload) {
    }

    /** The content of an {@code NLMSG_ERROR}: errno 0 is an acknowledgement. */
    record Error(int errno, Optional<String> kernelMessage) {
    }

    static List<Message> split(MemorySegment datagram) {
        List<Message> messages = new ArrayList<>();
        long offset = 0;
        long size = datagram.byteSize();
        long header = NLMSGHDR.byteSize();
        while (size - offset >= header) {
            long length = Integer.toUnsignedLong(datagram.get(JAVA_INT_UNALIGNED, offset + NLMSG_LEN));
            if (length < header || length > size - offset) {
                throw new IllegalArgumentException("malformed netlink message at byte " + offset + ": nlmsg_len "
                        + length + " outside [" + header + ", " + (size - offset) + "]");
            }
            messages.add(new Message(
                    Short.toUnsignedInt(datagram.get(JAVA_SHORT_UNALIGNED, offset + NLMSG_TYPE)),
                    Short.toUnsignedInt(datagram.get(JAVA_SHORT_UNALIGNED, offset + NLMSG_FLAGS)),
                    datagram.get(JAVA_INT_UNALIGNED, offset + NLMSG_SEQ),
                    datagram.get(JAVA_INT_UNALIGNED, offset + NLMSG_PID),
                    datagram.asSlice(offset + header, length - header)));
            offset += align(length);
        }
        if (offset < size) {
            throw new IllegalArgumentException("malformed netlink datagram: " + (size - offset)
                    + " trailing bytes, shorter than a header");
        }
        return messages;
    }

    /** Decodes an {@code NLMSG_ERROR} payload ({@code struct nlmsgerr} plus extended-ack attributes). */
    static Error error(Message message) {
        MemorySegment payload = message.payload();
        long fixed = NLMSGERR_REQUEST + NLMSGHDR.byteSize();
        if (payload.byteSize() < fixed) {
            throw new IllegalArgumentException("malformed NLMSG_ERROR: " + payload.byteSize()
                    + " bytes, struct nlmsgerr needs " + fixed);
        }
        int errno = -payload.get(JAVA_INT_UNALIGNED, NLMSGERR_ERROR);
        Optional<String> text = Optional.empty();
        if ((message.flags() & NLM_F_ACK_TLVS) != 0) {
            long attributesAt = fixed;
            if ((message.flags() & NLM_F_CAPPED) == 0) {
                // The whole request is echoed; its own nlmsg_len says how long it is.
                long echoed = Integer.toUnsignedLong(payload.get(JAVA_INT_UNALIGNED, NLMSGERR_REQUEST + NLMSG_LEN));
                attributesAt = NLMSGERR_REQUEST + align(echoed);
            }
            if (attributesAt <= payload.byteSize()) {
                MemorySegment value = attributes(payload, attributesAt).get(NLMSGERR_ATTR_MSG);
                if (value != null) {
                    text = Optional.of(string(value)).filter(s -> !s.isEmpty());
                }
            }
        }
        return new Error(errno, text);
    }

    /**
     * The attributes in {@code payload[offset, end)}, by type (flag bits masked off); for a type
     * that repeats, the last one wins.
     */
    static Map<Integer, MemorySegment> attributes(MemorySegment payload, long offset) {
        Map<Integer, MemorySegment> attributes = new HashMap<>();
        long size = payload.byteSize();
        long header = RTATTR.byteSize();
        if (offset > size) {
            throw new IllegalArgumentException("malformed netlink payload: attributes start at " + offset
                    + " beyond its " + size + " bytes");
        }
        while (size - offset >= header) {
            int length = Short.toUnsignedInt(payload.get(JAVA_SHORT_UNALIGNED, offset + RTA_LEN));
            int type = Short.toUnsignedInt(payload.get(JAVA_SHORT_UNALIGNED, offset + RTA_TYPE)) & NLA_TYPE_MASK;
            if (length < header || length > size - offset) {
                throw new IllegalArgumentException("malformed netlink attribute type " + type + " at byte " + offset
                        + ": rta_len " + length + " outside [" + header + ", " + (size - offset) + "]");
            }
            attributes.put(type, payload.asSlice(offset + header, length - header));
            offset += align(length);
        }
        return attributes;
    }

    /** A string attribute: up to the first NUL, or all of it if unterminated. */
    static String string(MemorySegment value) {
        byte[] bytes = value.toArray(JAVA_BYTE);
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** A u32 attribute in host byte order. */
    static int u32(MemorySegment value, String what) {
        if (value.byteSize() < 4) {
            throw new IllegalArgumentException("malformed " + what + ": " + value.byteSize() + " bytes, expected 4");
        }
        return value.get(JAVA_INT_UNALIGNED, 0);
    }
}
