package io.vmflex.vmm.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerAuthorizerTest {
    @TempDir
    Path proc;

    private void status(int pid, String groups) throws Exception {
        Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(proc.resolve(pid + "/status"), "Name:\tcurl\nUid:\t1000\t1000\t1000\t1000\nGroups:\t" + groups + "\n");
    }

    @Test
    void shouldAllowRootAlways() {
        assertTrue(new PeerAuthorizer(OptionalInt.empty(), proc).allows(new ApiRequest.PeerCredentials(1, 0, 0)));
    }

    @Test
    void shouldRefuseEveryoneElseWhenNoAdminGroup() throws Exception {
        status(7, "27 100");
        assertFalse(new PeerAuthorizer(OptionalInt.empty(), proc).allows(new ApiRequest.PeerCredentials(7, 1000, 100)));
    }

    @Test
    void shouldAllowPrimaryOrSupplementaryAdminGroup() throws Exception {
        status(7, "27 4242");
        status(8, "27");
        PeerAuthorizer a = new PeerAuthorizer(OptionalInt.of(4242), proc);
        assertTrue(a.allows(new ApiRequest.PeerCredentials(9, 1000, 4242)));
        assertTrue(a.allows(new ApiRequest.PeerCredentials(7, 1000, 100)));
        assertFalse(a.allows(new ApiRequest.PeerCredentials(8, 1000, 100)));
    }

    @Test
    void shouldRefuseWhenCallerVanishedBeforeItsGroupsCouldBeRead() {
        assertFalse(new PeerAuthorizer(OptionalInt.of(4242), proc).allows(new ApiRequest.PeerCredentials(99, 1000, 100)));
    }
}
