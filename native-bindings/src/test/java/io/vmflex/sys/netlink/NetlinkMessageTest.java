package io.vmflex.sys.netlink;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.*;

/** Request building and reply parsing, on bytes only: no socket. */
class NetlinkMessageTest {

    @Test
    void shouldLayOutBridgeRequestWhenBuilt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = new NetlinkRequest(arena, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                    .attribute(IFLA_IFNAME, "br0")
                    .beginNested(IFLA_LINKINFO)
                    .attribute(IFLA_INFO_KIND, "bridge")
                    .endNested()
                    .finish(42);
            // 16 header + 16 ifinfomsg + 8 (IFLA_IFNAME "br0\0") + 4 + 12 (IFLA_INFO_KIND "bridge\0" padded)
            assertEquals(56, bytes.byteSize());
            assertEquals(56, bytes.get(JAVA_INT, 0));
            assertEquals(RTM_NEWLINK, bytes.get(JAVA_SHORT, 4));
            assertEquals(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, bytes.get(JAVA_SHORT, 6));
            assertEquals(42, bytes.get(JAVA_INT, 8));
            assertEquals(8, bytes.get(JAVA_SHORT, 32), "rta_len of IFLA_IFNAME is 4 + 4 bytes of \"br0\\0\"");
            assertEquals(IFLA_IFNAME, bytes.get(JAVA_SHORT, 34));
            assertEquals(16, bytes.get(JAVA_SHORT, 40), "nested IFLA_LINKINFO covers its padded child");
            assertEquals(11, bytes.get(JAVA_SHORT, 44), "rta_len of IFLA_INFO_KIND excludes padding");

            List<NetlinkReply.Message> messages = NetlinkReply.split(bytes);
            assertEquals(1, messages.size());
            Map<Integer, MemorySegment> attributes = NetlinkReply.attributes(messages.get(0).payload(), 16);
            assertEquals("br0", NetlinkReply.string(attributes.get(IFLA_IFNAME)));
            MemorySegment kind = NetlinkReply.attributes(attributes.get(IFLA_LINKINFO), 0).get(IFLA_INFO_KIND);
            assertEquals("bridge", NetlinkReply.string(kind));
        }
    }

    @Test
    void shouldRefuseRequestWhenNestedAttributeIsLeftOpen() {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_NEWLINK, 0).beginNested(IFLA_LINKINFO);
            assertThrows(IllegalStateException.class, () -> request.finish(1));
        }
    }

    @Test
    void shouldSplitTwoMessagesWhenDatagramHoldsBoth() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment datagram = arena.allocate(16 + 20 + 4, 8);
            header(datagram, 0, 16, NLMSG_DONE, 7);
            header(datagram, 16, 24, NLMSG_ERROR, 8);
            datagram.set(JAVA_INT, 32, -17);
            List<NetlinkReply.Message> messages = NetlinkReply.split(datagram);
            assertEquals(2, messages.size());
            assertEquals(NLMSG_DONE, messages.get(0).type());
            assertEquals(7, messages.get(0).sequence());
            assertEquals(8, messages.get(1).sequence());
            assertEquals(8, messages.get(1).payload().byteSize());
        }
    }

    @Test
    void shouldRejectMessageWhenLengthExceedsDatagram() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment datagram = arena.allocate(32, 8);
            header(datagram, 0, 64, RTM_NEWLINK, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetlinkReply.split(datagram));
            assertTrue(e.getMessage().contains("nlmsg_len 64"), e.getMessage());
        }
    }

    @Test
    void shouldRejectMessageWhenLengthIsShorterThanHeader() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment datagram = arena.allocate(32, 8);
            header(datagram, 0, 8, RTM_NEWLINK, 1);
            assertThrows(IllegalArgumentException.class, () -> NetlinkReply.split(datagram));
        }
    }

    @Test
    void shouldRejectAttributeWhenLengthOverrunsPayload() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(12, 8);
            payload.set(JAVA_SHORT, 0, (short) 8);
            payload.set(JAVA_SHORT, 2, (short) IFLA_MTU);
            payload.set(JAVA_SHORT, 8, (short) 40);
            payload.set(JAVA_SHORT, 10, (short) IFLA_IFNAME);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NetlinkReply.attributes(payload, 0));
            assertTrue(e.getMessage().contains("rta_len 40"), e.getMessage());
        }
    }

    @Test
    void shouldDecodeErrnoAndKernelTextWhenErrorCarriesExtendedAck() {
        try (Arena arena = Arena.ofConfined()) {
            String text = "Unknown device type";
            int attributeLength = 4 + text.length() + 1;
            int total = 16 + 4 + 16 + align(attributeLength);
            MemorySegment datagram = arena.allocate(total, 8);
            header(datagram, 0, total, NLMSG_ERROR, 5);
            datagram.set(JAVA_SHORT, 6, (short) (NLM_F_CAPPED | NLM_F_ACK_TLVS));
            datagram.set(JAVA_INT, 16, -95);
            header(datagram, 20, 60, RTM_NEWLINK, 5); // the echoed request header, capped
            datagram.set(JAVA_SHORT, 36, (short) attributeLength);
            datagram.set(JAVA_SHORT, 38, (short) NLMSGERR_ATTR_MSG);
            MemorySegment.copy(text.getBytes(), 0, datagram, JAVA_BYTE, 40, text.length());

            NetlinkReply.Error error = NetlinkReply.error(NetlinkReply.split(datagram).get(0));
            assertEquals(95, error.errno());
            assertEquals(text, error.kernelMessage().orElseThrow());
        }
    }

    @Test
    void shouldRejectErrorWhenShorterThanNlmsgerr() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment datagram = arena.allocate(24, 8);
            header(datagram, 0, 24, NLMSG_ERROR, 1);
            NetlinkReply.Message message = NetlinkReply.split(datagram).get(0);
            assertThrows(IllegalArgumentException.class, () -> NetlinkReply.error(message));
        }
    }

    @Test
    void shouldDecodeLinkWhenReplyHasNameMasterAndKind() {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest reply = new NetlinkRequest(arena, RTM_NEWLINK, 0)
                    .ifinfomsg(AF_UNSPEC, 7, IFF_UP, 0)
                    .attribute(IFLA_IFNAME, "vmfx1")
                    .attributeInt(IFLA_MTU, 1500)
                    .attributeInt(IFLA_MASTER, 3)
                    .attribute(IFLA_ADDRESS, new byte[] {2, 0, 0, 0, 0, 1})
                    .beginNested(IFLA_LINKINFO).attribute(IFLA_INFO_KIND, "tun").endNested();
            LinkInfo link = RtMessages.decodeLink(NetlinkReply.split(reply.finish(1)).get(0));
            assertEquals(new LinkInfo(7, "vmfx1", IFF_UP, 1500, "02:00:00:00:00:01", 3, "tun"), link);
            assertTrue(link.isUp());
        }
    }

    private static void header(MemorySegment datagram, long offset, int length, int type, int sequence) {
        datagram.set(JAVA_INT, offset, length);
        datagram.set(JAVA_SHORT, offset + 4, (short) type);
        datagram.set(JAVA_INT, offset + 8, sequence);
    }
}
