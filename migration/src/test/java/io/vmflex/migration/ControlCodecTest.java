package io.vmflex.migration;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

class ControlCodecTest {
    private static final UUID ID = UUID.fromString("5f0c1c7e-7d1b-4a53-9a53-3c2b1d0e9f11");

    private static final ControlRequest.SshKey SSH_KEY = new ControlRequest.SshKey(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0c2VzdGtleXRlc3RrZXl0ZXN0a2V5dGVzdGtleXRl vmflex@pg\n",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n");

    private static ControlRequest.Prepare prepare() {
        ObjectNode vm = JsonNodeFactory.instance.objectNode();
        vm.put("apiVersion", "vm.neon.tech/v1").put("kind", "VirtualMachine").putObject("metadata").put("name", "pg");
        return new ControlRequest.Prepare(ID, vm, 3, 2, true, 30,
                List.of(new ControlRequest.PluggedCpu("qemu64-x86_64-cpu", "cpu1", 1, 0, 0)), 1L << 30, "10.78.0.20",
                "52:54:00:12:34:56");
    }

    @Test
    void shouldRoundTripEveryRequestAndReply() throws Exception {
        List<ControlRequest> requests = List.of(prepare(),
                new ControlRequest.Prepare(ID, prepare().vm(), 1, 1, false, 30, List.of(), 0, null, null),
                new ControlRequest.Prepare(ID, prepare().vm(), 1, 1, false, 30, List.of(), 0, null, null, SSH_KEY),
                new ControlRequest.Commit(ID), new ControlRequest.Abort(ID), new ControlRequest.Fence(ID, "pg"));
        for (ControlRequest r : requests) {
            assertEquals(r, ControlCodec.decodeRequest(ControlCodec.encode(r)));
        }
        List<ControlReply> replies = List.of(new ControlReply.Done(), new ControlReply.Committed(812),
                new ControlReply.Fenced(ControlReply.Outcome.DROPPED), new ControlReply.Refused("no room"));
        for (ControlReply r : replies) {
            assertEquals(r, ControlCodec.decodeReply(ControlCodec.encode(r)));
        }
    }

    @Test
    void shouldWriteTheVersionAndTheOpName() {
        assertEquals("{\"v\":1,\"op\":\"commit\",\"migrationId\":\"" + ID + "\"}",
                ControlCodec.encode(new ControlRequest.Commit(ID)));
        assertEquals("{\"v\":1,\"reply\":\"fenced\",\"outcome\":\"COMMITTED\"}",
                ControlCodec.encode(new ControlReply.Fenced(ControlReply.Outcome.COMMITTED)));
    }

    @Test
    void shouldNameAMissingFieldInsteadOfDefaultingIt() {
        String noChannels = ControlCodec.encode(prepare()).replace("\"channels\":3,", "");
        var e = assertThrows(ControlCodec.ControlProtocolException.class, () -> ControlCodec.decodeRequest(noChannels));
        assertTrue(e.getMessage().contains("channels"), e.getMessage());

        String noIp = ControlCodec.encode(prepare()).replace("\"ip\":\"10.78.0.20\",", "");
        e = assertThrows(ControlCodec.ControlProtocolException.class, () -> ControlCodec.decodeRequest(noIp));
        assertTrue(e.getMessage().contains("ip"), e.getMessage());
    }

    @Test
    void shouldRefuseUnknownFieldsWrongTypesAndBadValues() {
        String commit = ControlCodec.encode(new ControlRequest.Commit(ID));
        assertRefused(commit.replace("}", ",\"force\":true}"), "force");
        assertRefused(ControlCodec.encode(prepare()).replace("\"channels\":3", "\"channels\":\"3\""), "channels");
        assertRefused(ControlCodec.encode(prepare()).replace("\"channels\":3", "\"channels\":0"), "channels must be 1..65");
        assertRefused(commit.replace(ID.toString(), "not-a-uuid"), "migrationId");
        assertRefused(ControlCodec.encode(prepare()).replaceFirst("\"vm\":\\{[^}]*\\{[^}]*}}", "\"vm\":[]"), "vm");
    }

    @Test
    void shouldRefuseAnSshKeyThatIsNoKeyAndNeverPrintThePrivateHalf() {
        String withKey = ControlCodec.encode(new ControlRequest.Prepare(ID, prepare().vm(), 1, 1, false, 30, List.of(), 0,
                null, null, SSH_KEY));
        assertRefused(withKey.replace("BEGIN OPENSSH PRIVATE KEY", "BEGIN RSA PRIVATE KEY"), "sshKey.privateKey");
        assertRefused(withKey.replace("ssh-ed25519 ", "ssh-rsa "), "sshKey.publicLine");
        assertRefused(withKey.replace("b3BlbnNzaC1rZXktdjEAAAAA", "A".repeat(5000)), "sshKey.privateKey");
        assertFalse(SSH_KEY.toString().contains("b3BlbnNzaC1rZXktdjEAAAAA"), SSH_KEY.toString());
    }

    @Test
    void shouldRefuseAnotherVersionAnUnknownOpAndGarbage() {
        String commit = ControlCodec.encode(new ControlRequest.Commit(ID));
        assertRefused(commit.replace("\"v\":1", "\"v\":2"), "version 2 is not spoken here");
        assertRefused(commit.replace("\"v\":1,", ""), "v: missing");
        assertRefused(commit.replace("\"commit\"", "\"query\""), "query");
        assertRefused(commit.replace("\"op\":\"commit\",", ""), "op: missing");
        assertRefused("{\"v\":1,", "malformed");
        assertRefused("[1,2]", "must be a JSON object");
    }

    @Test
    void shouldCarryTypedRequestsAndRefusalsOverARealControlConnection() throws Exception {
        ClusterSecret secret = ClusterSecret.of(TestSockets.secretBytes(7));
        try (MigrationListener l = MigrationListener.start(TestSockets.loopback(0), secret, RelayOptions.DEFAULTS)) {
            l.onControl(ControlChannel.serving(request -> switch (request) {
                case ControlRequest.Commit c -> new ControlReply.Committed(42);
                case ControlRequest.Fence f -> new ControlReply.Fenced(ControlReply.Outcome.DROPPED);
                case ControlRequest.Prepare p -> throw new IllegalStateException("a VM named pg exists on this node");
                case ControlRequest.Abort a -> new ControlReply.Done();
            }));
            Duration t = Duration.ofSeconds(5);
            assertEquals(new ControlReply.Committed(42),
                    ControlChannel.call(l.address(), secret, new ControlRequest.Commit(ID), t, RelayOptions.DEFAULTS));
            assertEquals(new ControlReply.Refused("a VM named pg exists on this node"),
                    ControlChannel.call(l.address(), secret, prepare(), t, RelayOptions.DEFAULTS));
            String garbage = MigrationControl.call(l.address(), secret, "{\"op\":\"commit\"}", t, RelayOptions.DEFAULTS);
            ControlReply refused = ControlCodec.decodeReply(garbage);
            assertInstanceOf(ControlReply.Refused.class, refused);
            assertTrue(((ControlReply.Refused) refused).error().startsWith("bad request: v: missing"), garbage);
        }
    }

    private static void assertRefused(String json, String expected) {
        var e = assertThrows(ControlCodec.ControlProtocolException.class, () -> ControlCodec.decodeRequest(json), json);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
