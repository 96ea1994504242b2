package io.vmflex.vmm.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may use the admin socket: root, and members of the admin group; a caller that gets through
 * the file permissions but is neither is refused by its SO_PEERCRED credentials. Callers are real
 * processes ({@code setpriv} + {@code curl}) running as other users.
 */
class PeerCredentialsIT {
    private static final int NOBODY = 65534;
    private TestDaemon daemon;
    private Path state;

    @BeforeEach
    void requireRootAndTools() {
        boolean ok = Requirements.isRoot()
                && Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/curl"));
        Requirements.skipIf(PeerCredentialsIT.class, ok ? Optional.empty() : Optional.of("needs root, setpriv and curl"));
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
            Daemons.deleteTree(state);
        }
    }

    private TestDaemon start(String mode, String group) throws Exception {
        state = Files.createTempDirectory(Path.of("/tmp"), "vmfx-peer");
        // Let other users reach the socket inside the temp dir; the socket's own mode decides the rest.
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> extra = new ArrayList<>(List.of(mode));
        if (group != null) {
            extra.add(group);
        }
        daemon = new TestDaemon(state, "node-peer", state.resolve("images"), extra.toArray(String[]::new)).start();
        return daemon;
    }

    /** Runs curl as uid/gid (and supplementary groups), returns "HTTP-status body" or curl's error. */
    private String curlAs(int uid, int gid, String groups) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid));
        cmd.add(groups == null ? "--clear-groups" : "--groups=" + groups);
        cmd.addAll(List.of("curl", "-s", "-w", "\n%{http_code}", "--unix-socket", daemon.socket().toString(),
                "http://vmmd/v1/vms"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    @Test
    void shouldRefuseNonRootPeerOutsideAdminGroupEvenWhenSocketIsWorldWritable() throws Exception {
        start("rw-rw-rw-", null);
        String out = curlAs(NOBODY, NOBODY, null);
        assertTrue(out.endsWith("403"), out);
        assertTrue(out.contains("permission denied"), out);
        assertEquals(200, daemon.http().get("/v1/vms").status(), "root must still be served");
    }

    @Test
    void shouldAllowPeerWhoseSupplementaryGroupIsTheAdminGroup() throws Exception {
        start("rw-rw-rw-", "nogroup");
        assertTrue(curlAs(NOBODY, 100, "65534").endsWith("200"));
        assertTrue(curlAs(NOBODY, NOBODY, null).endsWith("200"));
        assertTrue(curlAs(1, 1, null).endsWith("403"));
    }

    @Test
    void shouldKeepOthersOutByFileModeByDefault() throws Exception {
        start("rw-rw----", null);
        String out = curlAs(NOBODY, NOBODY, null);
        assertTrue(out.endsWith("000"), "curl should fail to connect: " + out);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(daemon.socket())));
    }
}
