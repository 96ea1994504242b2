package io.vmflex.netbridge;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** MACs, tap names and the QEMU/kernel arguments: pure functions, no root. */
class VmNicArgsTest {

    @Test
    void shouldGiveStableLocallyAdministeredUnicastMacWhenSameName() {
        byte[] mac = VmMac.of("pg-1");
        assertArrayEquals(mac, VmMac.of("pg-1"));
        assertEquals(6, mac.length);
        assertEquals(0x02, mac[0] & 0x03, "locally administered bit set, multicast bit clear");
        assertFalse(java.util.Arrays.equals(mac, VmMac.of("pg-2")));
        byte[] tap = VmMac.tapSide("pg-1");
        assertEquals((byte) 0xfe, tap[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(mac, 1, 6), java.util.Arrays.copyOfRange(tap, 1, 6));
    }

    @Test
    void shouldNameTapWithPrefixAndEightHexDigitsWhenDefaultConfig() throws Exception {
        NetConfig config = NetConfig.defaults("node-a", Path.of("/nonexistent"));
        VmNetwork network = new VmNetwork(null, config,
                new IpPool(Path.of("/nonexistent/pool.txt"), config.network(), config.gateway()));
        String tap = network.tapName("pg-1");
        assertTrue(tap.matches("vmfx[0-9a-f]{8}"), tap);
        assertEquals(tap, network.tapName("pg-1"));
        assertNotEquals(tap, network.tapName("pg-2"));
    }

    @Test
    void shouldProduceQemuAndKernelArgumentsWhenNicIsKnown() {
        VmNic nic = new VmNic("vmfx1a2b3c4d", new byte[] {2, 0x11, 0x22, 0x33, 0x44, 0x55},
                Ipv4Cidr.parseAddress("10.77.0.2"), 24, Ipv4Cidr.parseAddress("10.77.0.1"));
        assertEquals(List.of("-netdev", "tap,id=net0,ifname=vmfx1a2b3c4d,script=no,downscript=no",
                        "-device", "virtio-net-pci,netdev=net0,mac=02:11:22:33:44:55"),
                VmNetwork.qemuArgs(nic));
        assertEquals("ip=10.77.0.2::10.77.0.1:255.255.255.0::eth0:off", VmNetwork.kernelIpArg(nic));
        assertEquals(nic, new VmNic("vmfx1a2b3c4d", VmMacBytes.of(2, 0x11, 0x22, 0x33, 0x44, 0x55),
                nic.ip(), 24, nic.gateway()), "records with equal MAC bytes are equal");
    }

    @Test
    void shouldRefuseConfigWhenTapPrefixTooLongOrGatewayOutside() {
        Ipv4Cidr net = Ipv4Cidr.parse("10.77.0.0/24");
        assertThrows(IllegalArgumentException.class, () -> new NetConfig("n", "vmfxbr0", net,
                Ipv4Cidr.parseAddress("10.77.0.1"), "vmfxtoolong", Path.of("/x")));
        assertThrows(IllegalArgumentException.class, () -> new NetConfig("n", "vmfxbr0", net,
                Ipv4Cidr.parseAddress("10.78.0.1"), "vmfx", Path.of("/x")));
        assertThrows(IllegalArgumentException.class, () -> new NetConfig("n", "vmfx0000000a", net,
                Ipv4Cidr.parseAddress("10.77.0.1"), "vmfx", Path.of("/x")));
    }

    private static final class VmMacBytes {
        static byte[] of(int... values) {
            byte[] bytes = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                bytes[i] = (byte) values[i];
            }
            return bytes;
        }
    }
}
