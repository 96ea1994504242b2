package io.vmflex.image.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GuestRootTest {

    @TempDir
    Path dir;

    private static ImageConfig config(List<String> env) {
        return new ImageConfig("linux", "amd64", List.of("/bin/sh", "-c"), List.of("echo hi; sleep 1"), env, "/srv", "app", List.of());
    }

    @Test
    void shouldWriteTheWorkloadOneItemPerLine() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        GuestRoot.prepare(root, config(List.of("PATH=/bin", "A=b c")));
        Path w = root.resolve("usr/local/lib/vmflex/workload");
        assertEquals("/bin/sh\n-c\n", Files.readString(w.resolve("entrypoint")));
        assertEquals("echo hi; sleep 1\n", Files.readString(w.resolve("cmd")));
        assertEquals("PATH=/bin\nA=b c\n", Files.readString(w.resolve("env")));
        assertEquals("/srv\n", Files.readString(w.resolve("workdir")));
        assertEquals("app\n", Files.readString(w.resolve("user")));
        for (String mount : List.of("proc", "sys", "dev", "run", "tmp", "opt/vmflex-monitor")) {
            assertTrue(Files.isDirectory(root.resolve(mount)), mount);
        }
    }

    @Test
    void shouldRefuseAnImageWhoseUsrLocalIsALink() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path elsewhere = Files.createDirectories(dir.resolve("host-dir"));
        Files.createDirectories(root.resolve("usr"));
        Files.createSymbolicLink(root.resolve("usr/local"), elsewhere);
        ImageRefusedException e = assertThrows(ImageRefusedException.class, () -> GuestRoot.prepare(root, config(List.of())));
        assertTrue(e.getMessage().contains("/usr/local is a symbolic link"), e.getMessage());
        try (var s = Files.list(elsewhere)) {
            assertEquals(0, s.count(), "nothing written where the link points");
        }
    }

    @Test
    void shouldReplaceAMountPointThatIsALinkAndVmflexFoldersThatAre() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path elsewhere = Files.createDirectories(dir.resolve("host-dir"));
        Files.createSymbolicLink(root.resolve("tmp"), elsewhere);
        Files.createDirectories(root.resolve("usr/local/lib"));
        Files.createSymbolicLink(root.resolve("usr/local/lib/vmflex"), elsewhere);
        GuestRoot.prepare(root, config(List.of()));
        assertFalse(Files.isSymbolicLink(root.resolve("tmp")));
        assertFalse(Files.isSymbolicLink(root.resolve("usr/local/lib/vmflex")));
        try (var s = Files.list(elsewhere)) {
            assertEquals(0, s.count(), "nothing written where the links pointed");
        }
    }

    @Test
    void shouldRefuseAValueWithANewline() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        ImageRefusedException e = assertThrows(ImageRefusedException.class,
                () -> GuestRoot.prepare(root, config(List.of("A=one\ntwo"))));
        assertTrue(e.getMessage().contains("newline"), e.getMessage());
    }
}
