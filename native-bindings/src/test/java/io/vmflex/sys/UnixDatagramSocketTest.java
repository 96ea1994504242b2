package io.vmflex.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class UnixDatagramSocketTest {

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEachDatagramWholeWhenSentToABoundPath() throws Exception {
        String address = dir.resolve("notify").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(address);
             UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            assertTrue(Files.exists(Path.of(address)), "bind makes the socket file");
            sender.sendTo(address, bytes("READY=1\nSTATUS=up"));
            sender.sendTo(address, bytes("WATCHDOG=1"));

            assertEquals("READY=1\nSTATUS=up", text(receiver.receive(4096, 5000)));
            assertEquals("WATCHDOG=1", text(receiver.receive(4096, 5000)));
            assertEquals(Optional.empty(), receiver.receive(4096, 0), "nothing else was sent");
        }
    }

    @Test
    void shouldReachAnAbstractNameWhenAddressStartsWithAt() throws Exception {
        String address = "@vmflex-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(address);
             UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            sender.sendTo(address, bytes("READY=1"));
            assertEquals("READY=1", text(receiver.receive(64, 5000)));
        }
        assertFalse(Files.exists(Path.of(address.substring(1))), "an abstract name makes no file");
    }

    @Test
    void shouldNameTheAddressWhenNobodyIsBoundThere() throws Exception {
        String missing = dir.resolve("absent").toString();
        try (UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            NativeException e = assertThrows(NativeException.class, () -> sender.sendTo(missing, bytes("x")));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("sendto(" + missing + ")", e.call());
        }
    }

    @Test
    void shouldRefuseADatagramLongerThanTheBufferWhenReceiving() throws Exception {
        String address = dir.resolve("small").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(address);
             UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            sender.sendTo(address, bytes("0123456789"));
            NativeException e = assertThrows(NativeException.class, () -> receiver.receive(4, 5000));
            assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseAddressesThatDoNotFitSunPath() throws Exception {
        try (UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            assertThrows(IllegalArgumentException.class, () -> sender.sendTo("", bytes("x")));
            assertThrows(IllegalArgumentException.class, () -> sender.sendTo("@", bytes("x")));
            assertThrows(IllegalArgumentException.class, () -> sender.sendTo("/tmp/a\0b", bytes("x")));
            String tooLong = "/" + "a".repeat(107);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sender.sendTo(tooLong, bytes("x")));
            assertTrue(e.getMessage().contains("107"), e.getMessage());
        }
    }

    @Test
    void shouldBeSafeWhenClosedTwice() throws Exception {
        UnixDatagramSocket socket = UnixDatagramSocket.open();
        socket.close();
        socket.close();
        assertThrows(IllegalStateException.class, () -> socket.sendTo("/nonexistent", bytes("x")));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Optional<byte[]> datagram) {
        return new String(datagram.orElseThrow(() -> new AssertionError("no datagram")), StandardCharsets.UTF_8);
    }
}
