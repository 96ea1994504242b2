package io.vmflex.sys.tun;

import io.vmflex.sys.Errno;
import io.vmflex.sys.Libc;
import io.vmflex.sys.NativeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real tap devices, observed with {@code ip -j -d link}; needs root and /dev/net/tun. */
class TunTapTest {

    private final String name = "vttap" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);

    @BeforeEach
    void requireRoot() {
        String skip = Libc.getuid() != 0 ? "not root" : !Files.exists(TunTap.DEV_NET_TUN) ? "no /dev/net/tun" : null;
        if (skip != null) {
            System.out.println("skipping TunTapTest: " + skip);
        }
        assumeTrue(skip == null, skip);
    }

    @AfterEach
    void cleanUp() throws Exception {
        run("ip", "link", "del", "dev", name);
    }

    @Test
    void shouldKeepTapAfterCloseWhenPersistent() throws Exception {
        try (TunTap.Tap tap = TunTap.createTap(name, true)) {
            assertEquals(name, tap.name());
            assertTrue(tap.persistent());
        }
        String json = run("ip", "-j", "-d", "link", "show", "dev", name);
        assertTrue(json.contains("\"ifname\":\"" + name + "\""), json);
        assertTrue(json.contains("\"type\":\"tap\""), json);
        assertTrue(json.contains("\"pi\":false"), json);
        assertTrue(json.contains("\"vnet_hdr\":false"), json);
        assertTrue(json.contains("\"persist\":true"), json);

        // A persistent tap nobody holds can be attached again (what QEMU does by name).
        TunTap.createTap(name, true).close();

        TunTap.deleteTap(name);
        assertFalse(exists(name), "deleteTap removes it");
        TunTap.deleteTap(name); // idempotent
        assertFalse(exists(name));
    }

    @Test
    void shouldVanishOnCloseWhenNotPersistent() throws Exception {
        TunTap.Tap tap = TunTap.createTap(name, false);
        assertTrue(exists(name));
        tap.close();
        assertFalse(exists(name));
    }

    @Test
    void shouldThrowEbusyWhenTapIsHeldByAnotherDescriptor() throws Exception {
        try (TunTap.Tap held = TunTap.createTap(name, true)) {
            NativeException e = assertThrows(NativeException.class, () -> TunTap.createTap(name, true));
            assertEquals(Errno.EBUSY, e.errno());
            assertTrue(e.getMessage().startsWith("ioctl(TUNSETIFF(" + name), e.getMessage());
        } finally {
            TunTap.deleteTap(name);
        }
    }

    @Test
    void shouldRefuseLongNameBeforeOpeningTheDevice() {
        assertThrows(IllegalArgumentException.class, () -> TunTap.createTap("vmfx0123456789ab", true));
    }

    private static boolean exists(String name) throws Exception {
        return Files.exists(java.nio.file.Path.of("/sys/class/net", name));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        return out;
    }
}
