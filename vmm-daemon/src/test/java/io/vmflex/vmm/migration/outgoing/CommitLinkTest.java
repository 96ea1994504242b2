package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.MigrationListener;
import io.vmflex.migration.RelayOptions;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CommitLinkTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final ClusterSecret secret = ClusterSecret.of(filled(7));

    private static byte[] filled(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    private MigrationListener target(InetSocketAddress at, String name) throws Exception {
        MigrationListener l = MigrationListener.start(at, secret, RelayOptions.DEFAULTS);
        l.onControl(req -> "{\"ok\":true,\"by\":\"" + name + "\",\"got\":" + req + "}");
        return l;
    }

    @Test
    void shouldCarryTheRequestOverTheConnectionItOpenedAhead() throws Exception {
        try (MigrationListener t = target(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "t");
             CommitLink link = CommitLink.open(t.address(), secret, RelayOptions.DEFAULTS)) {
            link.refresh();
            assertEquals("{\"ok\":true,\"by\":\"t\",\"got\":{\"op\":\"commit\"}}", link.call("{\"op\":\"commit\"}", TIMEOUT));
        }
    }

    @Test
    void shouldOpenANewConnectionWhenTheTargetLetTheHeldOneGo() throws Exception {
        MigrationListener first = target(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "first");
        InetSocketAddress at = first.address();
        try (CommitLink link = CommitLink.open(at, secret, RelayOptions.DEFAULTS)) {
            Thread.sleep(500); // the link is open and held by the first target
            first.close(); // the target daemon restarts on the same address
            try (MigrationListener second = target(at, "second")) {
                assertEquals("{\"ok\":true,\"by\":\"second\",\"got\":{\"op\":\"commit\"}}",
                        link.call("{\"op\":\"commit\"}", TIMEOUT), "the commit must not go into a dead connection");
            }
        }
    }
}
