package io.vmflex.vmm.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Decides from a caller's peer credentials whether it may use the admin API: root always; anyone
 * whose primary or supplementary group is the configured admin group. SO_PEERCRED carries only the
 * primary group, so supplementary groups are read from {@code /proc/<pid>/status}.
 *
 * <p>Stateless apart from its configuration; thread-safe.
 */
public final class PeerAuthorizer {
    private final OptionalInt adminGid;
    private final Path proc;

    public PeerAuthorizer(OptionalInt adminGid) {
        this(adminGid, Path.of("/proc"));
    }

    PeerAuthorizer(OptionalInt adminGid, Path proc) {
        this.adminGid = adminGid;
        this.proc = proc;
    }

    public boolean allows(ApiRequest.PeerCredentials peer) {
        if (peer.uid() == 0) {
            return true;
        }
        if (adminGid.isEmpty()) {
            return false;
        }
        int gid = adminGid.getAsInt();
        return peer.gid() == gid || supplementaryGroupsContain(peer.pid(), gid);
    }

    private boolean supplementaryGroupsContain(int pid, int gid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
                        if (!g.isEmpty() && Integer.parseInt(g) == gid) {
                            return true;
                        }
                    }
                    return false;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The caller vanished or its status is unreadable: not provably a member, so refuse.
        }
        return false;
    }
}
