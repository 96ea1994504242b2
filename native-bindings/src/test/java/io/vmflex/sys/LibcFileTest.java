package io.vmflex.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LibcFileTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteAndReadBackWhenFileIsCreated() throws Exception {
        Path file = dir.resolve("data");
        byte[] text = "hello vmflex".getBytes(StandardCharsets.US_ASCII);
        try (Fd fd = Libc.open(file, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600)) {
            Libc.writeFully(fd, text);
        }
        assertEquals("hello vmflex", Files.readString(file));

        byte[] buffer = new byte[64];
        try (Fd fd = Libc.open(file, Libc.O_RDONLY, 0)) {
            int read = Libc.read(fd, buffer, 4, 60);
            assertEquals(text.length, read);
            assertEquals("hello vmflex", new String(buffer, 4, read, StandardCharsets.US_ASCII));
            assertEquals(0, Libc.read(fd, buffer, 0, buffer.length), "second read is at end of file");
        }
    }

    @Test
    void shouldThrowEnoentNamingTheCallWhenFileIsMissing() {
        Path missing = dir.resolve("no-such-file");
        NativeException e = assertThrows(NativeException.class, () -> Libc.open(missing, Libc.O_RDONLY, 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(2, e.errno());
        assertEquals("open(" + missing + ")", e.call());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
    }

    @Test
    void shouldBeSafeWhenClosedTwice() throws Exception {
        Fd fd = Libc.open(Files.createFile(dir.resolve("f")), Libc.O_RDONLY, 0);
        assertFalse(fd.isClosed());
        int number = fd.intValue();
        assertTrue(number > 2);
        fd.close();
        assertTrue(fd.isClosed());
        fd.close();
        assertTrue(fd.isClosed());
        assertThrows(IllegalStateException.class, fd::intValue);
        assertEquals("Fd[closed]", fd.toString());
    }

    @Test
    void shouldReportEbadfWhenRawNumberIsNotOpen() throws Exception {
        Fd fd = Libc.open(Files.createFile(dir.resolve("g")), Libc.O_RDONLY, 0);
        int number = fd.intValue();
        fd.close();
        NativeException e = assertThrows(NativeException.class, () -> Fd.adopt(number).close());
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void shouldReportReadableWhenPipeHasData() throws Exception {
        try (Libc.Pipe pipe = Libc.pipe()) {
            assertArrayEquals(new int[] {0}, Libc.poll(new Fd[] {pipe.readEnd()}, Libc.POLLIN, 0));
            Libc.writeFully(pipe.writeEnd(), new byte[] {7});
            int[] ready = Libc.poll(new Fd[] {pipe.readEnd(), pipe.writeEnd()}, Libc.POLLIN | Libc.POLLOUT, 1000);
            assertEquals(Libc.POLLIN, ready[0] & Libc.POLLIN);
            assertEquals(Libc.POLLOUT, ready[1] & Libc.POLLOUT);
        }
    }

    @Test
    void shouldMatchJavaWhenAskingForIds() {
        assertEquals(ProcessHandle.current().pid(), Libc.getpid());
        assertTrue(Libc.getuid() >= 0);
        assertTrue(Libc.getgid() >= 0);
    }

    @Test
    void shouldGiveTextWhenAskingForStrerror() {
        assertEquals("No such process", Libc.strerror(Errno.ESRCH));
    }
}
