package io.vmflex.vmm.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void shouldReplaceContentAndLeaveNoTemporaryFileBehind() throws Exception {
        Path f = dir.resolve("sub/vm.json");
        AtomicFiles.write(f, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(f, "{\"a\":2}".getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"a\":2}", Files.readString(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(1, s.count());
        }
    }
}
