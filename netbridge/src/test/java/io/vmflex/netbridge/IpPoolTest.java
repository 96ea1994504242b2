package io.vmflex.netbridge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class IpPoolTest {

    @TempDir
    Path dir;

    private final Ipv4Cidr network = Ipv4Cidr.parse("10.77.0.0/24");
    private final Inet4Address gateway = Ipv4Cidr.parseAddress("10.77.0.1");

    private IpPool pool() throws Exception {
        return new IpPool(dir.resolve("state/ip-pool.txt"), network, gateway);
    }

    @Test
    void shouldReturnSameAddressWhenAllocatedTwiceAndAfterReload() throws Exception {
        IpPool pool = pool();
        Inet4Address a = pool.allocate("vm-a");
        Inet4Address b = pool.allocate("vm-b");
        assertEquals("10.77.0.2", a.getHostAddress(), "network .0 and gateway .1 are skipped");
        assertEquals("10.77.0.3", b.getHostAddress());
        assertEquals(a, pool.allocate("vm-a"));

        IpPool reloaded = pool();
        assertEquals(a, reloaded.allocate("vm-a"));
        assertEquals(b, reloaded.lookup("vm-b").orElseThrow());
        assertEquals(2, reloaded.allocations().size());
        assertFalse(Files.exists(dir.resolve("state/ip-pool.txt.tmp")), "no temporary file left behind");
        assertTrue(Files.readString(dir.resolve("state/ip-pool.txt")).contains("vm-a 10.77.0.2\n"));
    }

    @Test
    void shouldReuseAddressWhenReleasedAndPersistRelease() throws Exception {
        IpPool pool = pool();
        pool.allocate("vm-a");
        Inet4Address b = pool.allocate("vm-b");
        assertTrue(pool.release("vm-b"));
        assertFalse(pool.release("vm-b"));
        assertTrue(pool().lookup("vm-b").isEmpty(), "release survives a reload");
        assertEquals(b, pool().allocate("vm-c"), "a restarted daemon hands out the lowest free address");
    }

    @Test
    void shouldHandOutAJustReleasedAddressOnlyWhenNoOtherIsFree() throws Exception {
        // /29: .2 to .6 for VMs
        IpPool pool = new IpPool(dir.resolve("arp.txt"), Ipv4Cidr.parse("10.78.0.0/29"), Ipv4Cidr.parseAddress("10.78.0.1"));
        assertEquals("10.78.0.2", pool.allocate("vm-a").getHostAddress());
        assertEquals("10.78.0.3", pool.allocate("vm-b").getHostAddress());
        pool.release("vm-b");
        pool.release("vm-a");
        // Clients may still map .2 and .3 to the old MACs: fresh addresses first, then the longest released.
        assertEquals("10.78.0.4", pool.allocate("vm-c").getHostAddress());
        assertEquals("10.78.0.5", pool.allocate("vm-d").getHostAddress());
        assertEquals("10.78.0.6", pool.allocate("vm-e").getHostAddress());
        assertEquals("10.78.0.3", pool.allocate("vm-f").getHostAddress(), "released before .2");
        assertEquals("10.78.0.2", pool.allocate("vm-g").getHostAddress());
    }

    @Test
    void shouldRefuseWithClearMessageWhenExhausted() throws Exception {
        // /29: 8 addresses; minus network, gateway .1 and broadcast .7 leaves 5 for VMs.
        IpPool pool = new IpPool(dir.resolve("small.txt"), Ipv4Cidr.parse("10.78.0.0/29"), Ipv4Cidr.parseAddress("10.78.0.1"));
        Set<Inet4Address> given = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            given.add(pool.allocate("vm" + i));
        }
        assertEquals(5, given.size());
        assertFalse(given.contains(Ipv4Cidr.parseAddress("10.78.0.7")), "broadcast is never handed out");
        IpPoolExhaustedException e = assertThrows(IpPoolExhaustedException.class, () -> pool.allocate("vm5"));
        assertTrue(e.getMessage().contains("10.78.0.0/29 is exhausted"), e.getMessage());
        assertTrue(e.getMessage().contains("'vm5'"), e.getMessage());
        pool.release("vm2");
        assertEquals("10.78.0.4", pool.allocate("vm5").getHostAddress());
    }

    @Test
    void shouldRefuseVmNameWhenItContainsWhitespace() throws Exception {
        IpPool pool = pool();
        assertThrows(IllegalArgumentException.class, () -> pool.allocate("vm a"));
        assertThrows(IllegalArgumentException.class, () -> pool.allocate(""));
    }

    @Test
    void shouldDropEntriesOutsideNetworkAndRejectDuplicatesWhenLoading() throws Exception {
        Path file = dir.resolve("ip-pool.txt");
        Files.writeString(file, "# comment\nvm-a 10.77.0.5\nvm-old 10.99.0.5\n");
        IpPool pool = new IpPool(file, network, gateway);
        assertEquals(Set.of("vm-a"), pool.allocations().keySet());
        Files.writeString(file, "vm-a 10.77.0.5\nvm-b 10.77.0.5\n");
        assertThrows(java.io.IOException.class, () -> new IpPool(file, network, gateway));
    }

    @Test
    void shouldDescribeNetworkWhenCidrParsed() {
        Ipv4Cidr cidr = Ipv4Cidr.parse("10.77.0.0/24");
        assertEquals("255.255.255.0", cidr.netmask().getHostAddress());
        assertEquals("10.77.0.255", cidr.broadcast().getHostAddress());
        assertEquals(256, cidr.size());
        assertTrue(cidr.contains(Ipv4Cidr.parseAddress("10.77.0.200")));
        assertFalse(cidr.contains(Ipv4Cidr.parseAddress("10.77.1.1")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.77.0.1/24"));
        assertTrue(e.getMessage().contains("host bits"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.77.0.0"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse("10.77.0.0/31"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parseAddress("10.77.0.256"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parseAddress("example.com"));
    }
    @Test
    void shouldAllocateOnlyFromTheNodesRangeWhenOneIsGiven() throws Exception {
        IpPool pool = new IpPool(dir.resolve("ip-pool.txt"), network, gateway, IpRange.parse("10.77.0.64-10.77.0.65"));
        assertEquals("10.77.0.64", pool.allocate("vm-a").getHostAddress());
        assertEquals("10.77.0.65", pool.allocate("vm-b").getHostAddress());
        IpPoolExhaustedException e = assertThrows(IpPoolExhaustedException.class, () -> pool.allocate("vm-c"));
        assertTrue(e.getMessage().contains("10.77.0.64-10.77.0.65"), e.getMessage());
    }

    @Test
    void shouldKeepTheExactAddressWhenReservedEvenOutsideTheRange() throws Exception {
        IpPool pool = new IpPool(dir.resolve("ip-pool.txt"), network, gateway, IpRange.parse("10.77.0.64-10.77.0.127"));
        Inet4Address kept = Ipv4Cidr.parseAddress("10.77.0.20");
        assertEquals(kept, pool.reserve("moved", kept));
        assertEquals(kept, pool.reserve("moved", kept), "reserving again changes nothing");
        assertEquals(kept, pool.allocate("moved"), "allocate returns the reserved address");
        assertEquals("10.77.0.64", pool.allocate("fresh").getHostAddress());
        IpPool reloaded = new IpPool(dir.resolve("ip-pool.txt"), network, gateway, IpRange.parse("10.77.0.64-10.77.0.127"));
        assertEquals(kept, reloaded.lookup("moved").orElseThrow());
    }

    @Test
    void shouldRefuseToReserveAnAddressAnotherVmHolds() throws Exception {
        IpPool pool = pool();
        Inet4Address a = pool.allocate("vm-a");
        IpAddressTakenException e = assertThrows(IpAddressTakenException.class, () -> pool.reserve("vm-b", a));
        assertTrue(e.getMessage().contains("'vm-a'") && e.getMessage().contains(a.getHostAddress()), e.getMessage());
        assertTrue(pool.lookup("vm-b").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> pool.reserve("vm-b", gateway));
        assertThrows(IllegalArgumentException.class, () -> pool.reserve("vm-b", Ipv4Cidr.parseAddress("10.78.0.5")));
    }

    @Test
    void shouldFreeTheOldAddressWhenAVmReservesAnotherOne() throws Exception {
        IpPool pool = pool();
        Inet4Address old = pool.allocate("vm-a");
        Inet4Address wanted = Ipv4Cidr.parseAddress("10.77.0.99");
        pool.reserve("vm-a", wanted);
        assertEquals(wanted, pool.lookup("vm-a").orElseThrow());
        assertEquals(old, pool.allocate("vm-b"), "the old address is free again");
    }

    @Test
    void shouldRejectARangeOutsideTheNetwork() {
        assertThrows(IllegalArgumentException.class,
                () -> new IpPool(dir.resolve("p"), network, gateway, IpRange.parse("10.77.0.200-10.77.1.3")));
        assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.77.0.9-10.77.0.8"));
        assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.77.0.9"));
    }
}
