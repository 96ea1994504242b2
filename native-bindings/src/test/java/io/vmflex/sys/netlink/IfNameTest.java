package io.vmflex.sys.netlink;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class IfNameTest {

    @Test
    void shouldAcceptFifteenCharacterNameWhenValid() {
        assertEquals("vmfx0123456789a", IfName.requireValid("vmfx0123456789a"));
        assertEquals("br-0.1_x", IfName.requireValid("br-0.1_x"));
    }

    @Test
    void shouldRefuseNameWhenLongerThanFifteenBytes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IfName.requireValid("vmfx0123456789ab"));
        assertTrue(e.getMessage().contains("longer than 15"), e.getMessage());
    }

    @Test
    void shouldRefuseNameWhenItHasSlashColonSpaceOrIsDots() {
        for (String bad : new String[] {"a/b", "a:b", "a b", "a\tb", ".", "..", ""}) {
            assertThrows(IllegalArgumentException.class, () -> IfName.requireValid(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> IfName.requireValid(null));
    }

    @Test
    void shouldRoundTripMacTextWhenSixBytes() {
        byte[] mac = {0x52, 0x54, 0x00, (byte) 0xab, (byte) 0xcd, (byte) 0xef};
        assertEquals("52:54:00:ab:cd:ef", MacAddress.format(mac));
        assertArrayEquals(mac, MacAddress.parse("52:54:00:AB:CD:EF"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:ab:cd"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("nonsense"));
    }
}
