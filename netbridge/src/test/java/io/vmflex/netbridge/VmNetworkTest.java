package io.vmflex.netbridge;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.sys.netlink.RtNetlink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real bridge, taps, veth and a network namespace on this host; needs root. Every name is unique
 * to the run (bridge {@code vtbr<6 hex>}, taps {@code t<4 hex><8 hex>}) and the subnet is a
 * random 10.64-127.x.0/24, so runs on the same machine cannot collide; all is removed after.
 */
class VmNetworkTest {

    @TempDir
    Path stateDir;

    private final List<String> links = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();
    private RtNetlink netlink;
    private NetConfig config;

    @BeforeEach
    void setUp() throws Exception {
        String skip = Libc.getuid() != 0 ? "not root" : !Files.exists(Path.of("/dev/net/tun")) ? "no /dev/net/tun" : null;
        if (skip != null) {
            System.out.println("skipping VmNetworkTest: " + skip);
        }
        assumeTrue(skip == null, skip);
        netlink = RtNetlink.open();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Ipv4Cidr network = Ipv4Cidr.parse("10." + random.nextInt(64, 128) + "." + random.nextInt(256) + ".0/24");
        String bridge = HostNet.unique("vtbr");
        links.add(bridge);
        String tapPrefix = HostNet.unique("t").substring(0, 5);
        config = new NetConfig("test-node", bridge, network, network.addressAt(1), tapPrefix, stateDir);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (String namespace : namespaces) {
            HostNet.quietly("ip", "netns", "del", namespace);
        }
        if (netlink != null) {
            // Taps first: they are ours by prefix.
            for (var link : netlink.links()) {
                if (link.name().startsWith(config.tapPrefix())) {
                    netlink.deleteLink(link.name());
                }
            }
            for (String link : links) {
                netlink.deleteLink(link);
            }
            netlink.close();
        }
    }

    @Test
    void shouldEnsureBridgeUpWithGatewayWhenCalledTwice() throws Exception {
        NodeBridge bridge = new NodeBridge(netlink, config);
        bridge.ensure();
        bridge.ensure();
        JsonNode link = HostNet.link(config.bridgeName());
        assertNotNull(link);
        assertEquals("bridge", link.at("/linkinfo/info_kind").asText());
        assertTrue(HostNet.flags(link).contains("UP"), link.toString());
        assertEquals(MacAddress.format(bridge.mac()), link.get("address").asText());
        assertEquals(List.of(config.gateway().getHostAddress() + "/24"), HostNet.ipv4(config.bridgeName()));
    }

    @Test
    void shouldAttachTapToBridgeAndKeepItWhenReattachedAfterRestart() throws Exception {
        VmNetwork network = VmNetwork.open(netlink, config);
        VmNic nic = network.attach("pg-1");
        assertTrue(nic.tapName().matches(config.tapPrefix() + "[0-9a-f]{8}"), nic.tapName());
        assertEquals(config.network().addressAt(2), nic.ip());
        assertArrayEquals(VmMac.of("pg-1"), nic.mac());

        JsonNode tap = HostNet.link(nic.tapName());
        assertNotNull(tap, "tap exists");
        assertEquals("tun", tap.at("/linkinfo/info_kind").asText());
        assertEquals("tap", tap.at("/linkinfo/info_data/type").asText());
        assertTrue(tap.at("/linkinfo/info_data/persist").asBoolean(), tap.toString());
        assertEquals(config.bridgeName(), tap.get("master").asText());
        assertTrue(HostNet.flags(tap).contains("UP"), tap.toString());
        assertEquals(MacAddress.format(VmMac.tapSide("pg-1")), tap.get("address").asText());
        int ifindex = tap.get("ifindex").asInt();

        // A restarted daemon: new netlink socket, new pool instance over the same file.
        try (RtNetlink again = RtNetlink.open()) {
            VmNic reattached = VmNetwork.open(again, config).attach("pg-1");
            assertEquals(nic, reattached);
        }
        assertEquals(ifindex, HostNet.link(nic.tapName()).get("ifindex").asInt(), "the same tap was kept");

        network.detach("pg-1");
        assertNull(HostNet.link(nic.tapName()), "detach deletes the tap");
        assertTrue(network.pool().lookup("pg-1").isEmpty(), "detach releases the address");
        network.detach("pg-1"); // idempotent
    }

    @Test
    void shouldRemoveOnlyDeadVmsTapsWhenCleaningUp() throws Exception {
        VmNetwork network = VmNetwork.open(netlink, config);
        VmNic live = network.attach("live-vm");
        VmNic dead = network.attach("dead-vm");
        // A link that merely shares the prefix but is no tap must survive.
        String lookalike = config.tapPrefix() + "0000beef";
        String lookalikePeer = HostNet.unique("vtpe");
        links.add(lookalike);
        netlink.createVeth(lookalike, lookalikePeer);

        VmNetwork.CleanupReport report = network.cleanup(Set.of("live-vm"));
        assertEquals(List.of(dead.tapName()), report.deletedTaps());
        assertEquals(List.of("dead-vm"), report.releasedVms());
        assertNull(HostNet.link(dead.tapName()));
        assertNotNull(HostNet.link(live.tapName()));
        assertNotNull(HostNet.link(lookalike));
        assertEquals(live.ip(), network.pool().lookup("live-vm").orElseThrow());
    }

    @Test
    void shouldRefuseToAttachWhenTapNameIsTakenByAnotherKind() throws Exception {
        VmNetwork network = VmNetwork.open(netlink, config);
        String tap = network.tapName("pg-x");
        netlink.createVeth(tap, HostNet.unique("vtpe"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> network.attach("pg-x"));
        assertTrue(e.getMessage().contains("not a tap"), e.getMessage());
    }

    @Test
    void shouldReachAddressBehindBridgeWhenVethEndIsInNamespace() throws Exception {
        VmNetwork network = VmNetwork.open(netlink, config);
        network.bridge().ensure();
        String namespace = HostNet.unique("vtns");
        namespaces.add(namespace);
        HostNet.must("ip", "netns", "add", namespace);
        String hostEnd = HostNet.unique("vtha");
        String guestEnd = HostNet.unique("vtga");
        links.add(hostEnd);
        assertTrue(netlink.createVeth(hostEnd, guestEnd));
        netlink.setMaster(hostEnd, config.bridgeName());
        netlink.setUp(hostEnd);
        netlink.setMac(guestEnd, VmMac.of("ns-vm"));
        Inet4Address ip = network.pool().allocate("ns-vm");

        HostNet.must("ip", "link", "set", guestEnd, "netns", namespace);
        HostNet.must("ip", "-n", namespace, "addr", "add", ip.getHostAddress() + "/24", "dev", guestEnd);
        HostNet.must("ip", "-n", namespace, "link", "set", guestEnd, "up");
        HostNet.must("ip", "-n", namespace, "link", "set", "lo", "up");

        HostNet.Result ping = ping(ip.getHostAddress());
        assertEquals(0, ping.exit(), "host reaches " + ip.getHostAddress() + " through " + config.bridgeName() + ": " + ping.out());
        HostNet.Result back = HostNet.run("ip", "netns", "exec", namespace, "busybox", "ping", "-c1", "-W2",
                config.gateway().getHostAddress());
        assertEquals(0, back.exit(), "the namespace reaches the gateway: " + back.out());
    }

    private static HostNet.Result ping(String address) throws Exception {
        boolean iputils = HostNet.run("sh", "-c", "command -v ping").exit() == 0;
        return iputils ? HostNet.run("ping", "-c1", "-W2", address)
                : HostNet.run("busybox", "ping", "-c1", "-W2", address);
    }
}
