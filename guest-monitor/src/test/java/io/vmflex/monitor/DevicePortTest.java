package io.vmflex.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DevicePortTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadAndWriteBuffersWhenOpenedOnAFile() throws Exception {
        Path f = dir.resolve("port");
        Files.writeString(f, "hello");
        ByteChannel ch = ChannelOpener.of(f.toString()).open();
        ByteBuffer b = ByteBuffer.allocate(16);

        assertEquals(5, ch.read(b));
        assertEquals(5, b.position());
        assertEquals(-1, ch.read(b.clear()));
        assertEquals(3, ch.write(ByteBuffer.wrap("abc".getBytes(StandardCharsets.UTF_8))));
        ch.close();

        assertFalse(ch.isOpen());
        assertEquals("helloabc", Files.readString(f));
    }
}
