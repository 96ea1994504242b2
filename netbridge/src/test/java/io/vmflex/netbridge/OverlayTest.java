package io.vmflex.netbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.sys.Libc;
import io.vmflex.sys.netlink.RtNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real VXLAN device on a real bridge in this host's namespace; needs root. Names ({@code vtbr<6
 * hex>}, {@code vtvx<6 hex>}), the VNI and the VM network are random per run; all is removed after.
 * The kernel's own view ({@code ip -j -d link}, {@code bridge -j fdb}) is the judge.
 */
class OverlayTest {

    @TempDir
    Path stateDir;

    private final List<String> links = new ArrayList<>();
    private RtNetlink netlink;
    private NodeBridge bridge;
    private OverlayConfig config;

    @BeforeEach
    void setUp() throws Exception {
        String skip = Libc.getuid() != 0 ? "not root" : null;
        if (skip != null) {
            System.out.println("skipping OverlayTest: " + skip);
        }
        assumeTrue(skip == null, skip);
        netlink = RtNetlink.open();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Ipv4Cidr network = Ipv4Cidr.parse("10." + random.nextInt(64, 128) + "." + random.nextInt(256) + ".0/24");
        String bridgeName = HostNet.unique("vtbr");
        String vxlan = HostNet.unique("vtvx");
        links.add(vxlan);
        links.add(bridgeName);
        bridge = new NodeBridge(netlink, new NetConfig("n1", bridgeName, network, network.addressAt(1), "tq", stateDir));
        config = new OverlayConfig(vxlan, random.nextInt(100_000, 1_000_000), addr("10.253." + random.nextInt(256) + ".1"),
                4789, 1500);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (netlink != null) {
            for (String link : links) {
                netlink.deleteLink(link);
            }
            netlink.close();
        }
    }

    private static Inet4Address addr(String text) {
        return Ipv4Cidr.parseAddress(text);
    }

    private Set<String> floodDestinations() throws Exception {
        Set<String> dst = new TreeSet<>();
        HostNet.Result r = HostNet.run("bridge", "-j", "fdb", "show", "dev", config.device());
        for (JsonNode e : new ObjectMapper().readTree(r.out())) {
            if ("00:00:00:00:00:00".equals(e.path("mac").asText()) && e.has("dst")) {
                dst.add(e.get("dst").asText());
            }
        }
        return dst;
    }

    @Test
    void shouldMakeAVxlanPortOfTheBridgeWithOneFloodEntryPerPeerWhenEnsured() throws Exception {
        Overlay overlay = new Overlay(netlink, config, bridge);
        Overlay.Changes first = overlay.ensure(List.of(addr("10.253.1.2"), addr("10.253.1.3"), config.localAddress()));
        assertTrue(first.created());
        assertEquals(2, first.addedPeers().size(), "own address skipped: " + first);

        JsonNode link = HostNet.link(config.device());
        assertNotNull(link);
        assertEquals("vxlan", link.at("/linkinfo/info_kind").asText());
        assertEquals(config.vni(), link.at("/linkinfo/info_data/id").asInt());
        assertEquals(config.localAddress().getHostAddress(), link.at("/linkinfo/info_data/local").asText());
        assertEquals(4789, link.at("/linkinfo/info_data/port").asInt());
        assertTrue(link.at("/linkinfo/info_data/learning").asBoolean(true), link.toString());
        assertEquals(1500, link.get("mtu").asInt());
        assertEquals(bridge.name(), link.get("master").asText());
        assertTrue(HostNet.flags(link).contains("UP"), link.toString());
        assertEquals(Set.of("10.253.1.2", "10.253.1.3"), floodDestinations());

        Overlay.Changes again = overlay.ensure(List.of(addr("10.253.1.3"), addr("10.253.1.2")));
        assertFalse(again.any(), "nothing to do the second time: " + again);
    }

    @Test
    void shouldConvergeWhenPeersComeAndGoAndWhenTheDeviceWasTamperedWith() throws Exception {
        Overlay overlay = new Overlay(netlink, config, bridge);
        overlay.ensure(List.of(addr("10.253.1.2"), addr("10.253.1.3")));
        Overlay.Changes changed = overlay.ensure(List.of(addr("10.253.1.3"), addr("10.253.1.4")));
        assertEquals(List.of("10.253.1.4"), changed.addedPeers().stream().map(a -> a.getHostAddress()).toList());
        assertEquals(List.of("10.253.1.2"), changed.removedPeers().stream().map(a -> a.getHostAddress()).toList());
        assertEquals(Set.of("10.253.1.3", "10.253.1.4"), floodDestinations());

        HostNet.must("ip", "link", "set", config.device(), "nomaster");
        HostNet.must("ip", "link", "set", config.device(), "down");
        overlay.ensure(List.of(addr("10.253.1.3"), addr("10.253.1.4")));
        JsonNode link = HostNet.link(config.device());
        assertEquals(bridge.name(), link.get("master").asText());
        assertTrue(HostNet.flags(link).contains("UP"), link.toString());

        netlink.deleteLink(config.device());
        assertTrue(overlay.ensure(List.of(addr("10.253.1.3"))).created(), "a deleted device is made again");
        assertEquals(Set.of("10.253.1.3"), floodDestinations());

        assertTrue(overlay.ensure(List.of()).removedPeers().size() == 1);
        assertEquals(Set.of(), floodDestinations());
    }

    @Test
    void shouldMakeTheDeviceAgainWhenAnEarlierRunMadeItWithAnotherVni() throws Exception {
        HostNet.must("ip", "link", "add", config.device(), "type", "vxlan", "id", String.valueOf(config.vni() + 1),
                "local", config.localAddress().getHostAddress(), "dstport", "4789");
        Overlay overlay = new Overlay(netlink, config, bridge);
        assertTrue(overlay.ensure(List.of(addr("10.253.1.2"))).created(), "made again with the configured VNI");
        JsonNode link = HostNet.link(config.device());
        assertEquals(config.vni(), link.at("/linkinfo/info_data/id").asInt());
        assertEquals(bridge.name(), link.get("master").asText());
        assertEquals(Set.of("10.253.1.2"), floodDestinations());
        assertEquals(config.vni(), netlink.vxlan(config.device()).orElseThrow().vni());
        assertEquals(config.localAddress(), netlink.vxlan(config.device()).orElseThrow().local());
        assertEquals(4789, netlink.vxlan(config.device()).orElseThrow().port());
        assertFalse(overlay.ensure(List.of(addr("10.253.1.2"))).any(), "and left alone the next time");
    }
}
