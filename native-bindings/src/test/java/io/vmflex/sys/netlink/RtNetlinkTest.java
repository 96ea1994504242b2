package io.vmflex.sys.netlink;

import io.vmflex.sys.Errno;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real links in the host's network namespace, observed with {@code ip -j}; needs root. */
class RtNetlinkTest {

    private final List<String> created = new ArrayList<>();
    private RtNetlink netlink;

    @BeforeEach
    void open() throws Exception {
        if (Libc.getuid() != 0) {
            System.out.println("skipping RtNetlinkTest: not root (uid " + Libc.getuid() + ")");
        }
        assumeTrue(Libc.getuid() == 0, "creating links needs root");
        netlink = RtNetlink.open();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String name : created) {
            Ip.deleteQuietly(name);
        }
        if (netlink != null) {
            netlink.close();
            netlink.close(); // closing twice is safe
        }
    }

    private String name(String prefix) {
        String name = Ip.uniqueName(prefix);
        created.add(name);
        return name;
    }

    @Test
    void shouldCreateBridgeUpWithAddressWhenAsked() throws Exception {
        String bridge = name("vtbr");
        assertTrue(netlink.createBridge(bridge));
        assertFalse(netlink.createBridge(bridge), "second create finds the bridge");
        netlink.setUp(bridge);
        InetAddress gateway = InetAddress.getByName("10.251.7.1");
        assertTrue(netlink.addAddress(bridge, gateway, 24));
        assertFalse(netlink.addAddress(bridge, gateway, 24), "same address again is not an error");

        String json = Ip.link(bridge);
        assertNotNull(json, "ip sees the bridge");
        assertEquals("bridge", Ip.field(json, "info_kind"));
        assertTrue(Ip.flags(json).contains("UP"), json);
        String addresses = Ip.addresses(bridge);
        assertEquals("10.251.7.1", Ip.field(addresses, "local"), addresses);
        assertEquals(24L, Ip.number(addresses, "prefixlen"));
        assertEquals("10.251.7.255", Ip.field(addresses.substring(addresses.indexOf("addr_info")), "broadcast"));

        LinkInfo info = netlink.link(bridge).orElseThrow();
        assertEquals(bridge, info.name());
        assertEquals("bridge", info.kind());
        assertTrue(info.isUp());
        assertEquals(Ip.number(json, "ifindex").intValue(), info.index());
        assertEquals(info.index(), netlink.linkIndex(bridge));
        assertTrue(netlink.links().stream().anyMatch(l -> l.name().equals(bridge) && l.kind().equals("bridge")));
    }

    @Test
    void shouldEnslaveVethToBridgeWhenSetMaster() throws Exception {
        String bridge = name("vtbr");
        String veth = name("vtva");
        String peer = name("vtvb");
        assertTrue(netlink.createBridge(bridge));
        assertTrue(netlink.createVeth(veth, peer));
        assertFalse(netlink.createVeth(veth, peer), "second create finds the veth");
        netlink.setMaster(veth, bridge);
        netlink.setUp(veth);
        netlink.setMtu(veth, 1400);
        byte[] mac = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
        netlink.setMac(peer, mac);

        String json = Ip.link(veth);
        assertEquals(bridge, Ip.field(json, "master"));
        assertEquals("veth", Ip.field(json, "info_kind"));
        assertTrue(Ip.flags(json).contains("UP"), json);
        assertEquals(1400L, Ip.number(json, "mtu"));
        assertEquals("02:11:22:33:44:55", Ip.field(Ip.link(peer), "address"));
        assertEquals(netlink.linkIndex(bridge), netlink.link(veth).orElseThrow().masterIndex());

        netlink.setDown(veth);
        assertFalse(Ip.flags(Ip.link(veth)).contains("UP"));
        assertTrue(netlink.deleteLink(veth));
        assertNull(Ip.link(peer), "deleting one end deletes the pair");
    }

    @Test
    void shouldReturnFalseWhenDeletingMissingLink() throws Exception {
        String missing = Ip.uniqueName("vtno");
        assertFalse(netlink.deleteLink(missing));
        assertFalse(netlink.linkExists(missing));
        assertTrue(netlink.link(missing).isEmpty());
        NativeException e = assertThrows(NativeException.class, () -> netlink.setUp(missing));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().startsWith("RTM_SETLINK " + missing + " up: No such device (errno 19, ENODEV)"),
                e.getMessage());
    }

    @Test
    void shouldThrowEexistNamingOperationWhenNameIsTakenByAnotherKind() throws Exception {
        String veth = name("vtva");
        String peer = name("vtvb");
        netlink.createVeth(veth, peer);
        NativeException e = assertThrows(NativeException.class, () -> netlink.createBridge(veth));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("RTM_NEWLINK bridge " + veth + ": File exists (errno 17, EEXIST)", e.getMessage());
    }

    @Test
    void shouldRefuseLongNameBeforeAnySyscall() {
        assertThrows(IllegalArgumentException.class, () -> netlink.createBridge("vmfxbr0-too-long"));
        assertThrows(IllegalArgumentException.class, () -> netlink.createVeth("ok", "peer/with/slash"));
        assertThrows(IllegalArgumentException.class, () -> netlink.addAddress("ok", InetAddress.getLoopbackAddress(), 33));
    }

    @Test
    void shouldCreateVxlanWithFdbEntriesWhenAsked() throws Exception {
        String underlay = name("vtul");
        String underlayPeer = name("vtup");
        String vxlan = name("vtvx");
        netlink.createVeth(underlay, underlayPeer);
        Inet4Address local = (Inet4Address) InetAddress.getByName("10.252.9.1");
        netlink.addAddress(underlay, local, 24);
        assertTrue(netlink.createVxlan(vxlan, 4242, local, 4789, underlay));
        assertFalse(netlink.createVxlan(vxlan, 4242, local, 4789, underlay));

        String json = Ip.link(vxlan);
        assertEquals("vxlan", Ip.field(json, "info_kind"));
        assertEquals(4242L, Ip.number(json, "id"));
        assertEquals("10.252.9.1", Ip.field(json, "local"));
        assertEquals(underlay, Ip.field(json, "link"));
        assertEquals(4789L, Ip.number(json, "port"));

        byte[] flood = new byte[6];
        InetAddress remote = InetAddress.getByName("10.252.9.2");
        netlink.appendFdb(vxlan, flood, remote);
        netlink.appendFdb(vxlan, flood, remote); // idempotent
        netlink.appendFdb(vxlan, flood, InetAddress.getByName("10.252.9.3"));
        String fdb = Ip.run("bridge", "-j", "fdb", "show", "dev", vxlan).out();
        assertTrue(fdb.contains("\"dst\":\"10.252.9.2\""), fdb);
        assertTrue(fdb.contains("\"dst\":\"10.252.9.3\""), fdb);
        assertEquals(2, fdb.split("00:00:00:00:00:00", -1).length - 1, fdb);
        var floods = netlink.fdbEntries(vxlan).stream().filter(FdbEntry::isFlood).map(e -> e.destination().getHostAddress())
                .sorted().toList();
        assertEquals(java.util.List.of("10.252.9.2", "10.252.9.3"), floods);
        assertTrue(netlink.fdbEntries(underlay).isEmpty(), "a veth has no VTEP entries");

        netlink.deleteFdb(vxlan, flood, remote);
        netlink.deleteFdb(vxlan, flood, remote); // idempotent
        fdb = Ip.run("bridge", "-j", "fdb", "show", "dev", vxlan).out();
        assertFalse(fdb.contains("10.252.9.2"), fdb);
        assertTrue(fdb.contains("10.252.9.3"), fdb);
        netlink.deleteFdb(vxlan, new byte[] {2, 0, 0, 0, 0, 9}, remote); // unknown MAC: no error
    }
}
