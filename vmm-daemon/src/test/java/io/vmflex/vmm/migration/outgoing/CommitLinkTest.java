package io.vmflex.vmm.migration.outgoing;

import io.vmflex.migration.ClusterSecret;
import io.vmflex.migration.ControlChannel;
import io.vmflex.migration.ControlReply;
import io.vmflex.migration.ControlRequest;
import io.vmflex.migration.MigrationListener;
import io.vmflex.migration.RelayOptions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The commit's connection opened ahead. A gate in front of the target counts and limits the
 * connections, so a link that ignored its held connection (and opened a new one at the commit)
 * fails here.
 */
class CommitLinkTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final UUID ID = UUID.fromString("0b7c5a52-32a4-4f0e-9d7b-0a2c1c9e4b11");
    private final ClusterSecret secret = ClusterSecret.of(filled(7));

    private static byte[] filled(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    /** A target whose answer to the commit names it: Committed(resumedInMicros = {@code name}). */
    private MigrationListener target(InetSocketAddress at, long name) throws Exception {
        MigrationListener l = MigrationListener.start(at, secret, RelayOptions.DEFAULTS);
        l.onControl(ControlChannel.serving(request -> request instanceof ControlRequest.Commit
                ? new ControlReply.Committed(name) : new ControlReply.Refused("not a commit")));
        return l;
    }

    @Test
    void shouldCarryTheRequestOverTheConnectionItOpenedAhead() throws Exception {
        try (MigrationListener t = target(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
             TcpGate gate = TcpGate.admitting(1, t.address());
             CommitLink link = CommitLink.open(gate.address(), secret, RelayOptions.DEFAULTS)) {
            // The link opened its connection on its own, before any request ...
            Awaitility.await().atMost(TIMEOUT).until(() -> gate.accepted() == 1);
            link.refresh();
            // ... and the gate lets no other through: only that connection can carry the commit.
            assertEquals(new ControlReply.Committed(1), link.call(new ControlRequest.Commit(ID), TIMEOUT));
            assertEquals(1, gate.accepted());
        }
    }

    @Test
    void shouldOpenANewConnectionWhenTheTargetLetTheHeldOneGo() throws Exception {
        MigrationListener first = target(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        InetSocketAddress at = first.address();
        try (TcpGate gate = TcpGate.admitting(2, at);
             CommitLink link = CommitLink.open(gate.address(), secret, RelayOptions.DEFAULTS)) {
            Awaitility.await().atMost(TIMEOUT).until(() -> gate.accepted() == 1); // held by the first target
            first.close(); // the target daemon restarts on the same address
            Awaitility.await().atMost(TIMEOUT).until(() -> gate.ended() == 1); // the source's end sees it closed
            try (MigrationListener second = target(at, 2)) {
                assertEquals(new ControlReply.Committed(2), link.call(new ControlRequest.Commit(ID), TIMEOUT),
                        "the commit must not go into a dead connection");
                assertEquals(2, gate.accepted());
            }
        }
    }
}
