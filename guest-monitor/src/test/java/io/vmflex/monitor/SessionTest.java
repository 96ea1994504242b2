package io.vmflex.monitor;

import io.vmflex.api.guest.GuestFrames;
import io.vmflex.api.guest.GuestMessage;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.guest.VersionChoice;
import io.vmflex.api.guest.VersionRange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.vmflex.monitor.MemoryPolicy.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionTest {
    private final GuestStats stats = new GuestStats(1, 0, 0, 0, 1000 * MIB, 700 * MIB, 0, 0, 0, 0, 0, GuestStats.CpuTicks.NONE);
    private final Session session = new Session(() -> stats);

    private static byte[] payload(Object message) {
        byte[] frame = GuestFrames.encode(message);
        return Arrays.copyOfRange(frame, 4, frame.length);
    }

    private Session.Step handshake() {
        return session.onPayload(payload(VersionRange.V1));
    }

    @Test
    void shouldChooseVersionOneWhenHostOffersIt() {
        Session.Step step = handshake();

        assertEquals(List.of(new VersionChoice(1)), step.replies());
        assertTrue(step.started());
        assertEquals(Session.Phase.ACTIVE, session.phase());
    }

    @Test
    void shouldStartNewSessionWhenRangeArrivesAgain() {
        handshake();

        Session.Step again = handshake();

        assertTrue(again.started());
        assertEquals(List.of(new VersionChoice(1)), again.replies());
    }

    @Test
    void shouldRefuseRangeWithoutVersionOne() {
        Session.Step step = session.onPayload(payload(new VersionRange(2, 3)));

        assertFalse(step.started());
        assertInstanceOf(GuestMessage.InvalidMessage.class, step.replies().getFirst());
        assertEquals(Session.Phase.AWAITING_RANGE, session.phase());
    }

    @Test
    void shouldAnswerInvalidMessageWhenMessageArrivesBeforeHandshake() {
        Session.Step step = session.onPayload(payload(new GuestMessage.HealthCheck(2)));

        assertInstanceOf(GuestMessage.InvalidMessage.class, step.replies().getFirst());
    }

    @Test
    void shouldEchoHealthCheckAndConfirmUpscaleWithSameIds() {
        handshake();

        assertEquals(List.of(new GuestMessage.HealthCheck(4)), session.onPayload(payload(new GuestMessage.HealthCheck(4))).replies());
        assertEquals(List.of(new GuestMessage.UpscaleConfirmation(6)),
                session.onPayload(payload(new GuestMessage.UpscaleNotification(6, new Resources(2000, 2048 * MIB)))).replies());
    }

    @Test
    void shouldDecideDownscaleAgainstCurrentUsage() {
        handshake();

        GuestMessage.DownscaleResult no = (GuestMessage.DownscaleResult) session.onPayload(
                payload(new GuestMessage.DownscaleRequest(8, new Resources(1000, 350 * MIB)))).replies().getFirst();
        GuestMessage.DownscaleResult yes = (GuestMessage.DownscaleResult) session.onPayload(
                payload(new GuestMessage.DownscaleRequest(10, new Resources(1000, 500 * MIB)))).replies().getFirst();

        assertEquals(8, no.id());
        assertFalse(no.ok());
        assertEquals(10, yes.id());
        assertTrue(yes.ok());
    }

    @Test
    void shouldAnswerInvalidMessageWhenPayloadIsNotJsonAndStayActive() {
        handshake();

        Session.Step step = session.onPayload("{not json".getBytes(StandardCharsets.UTF_8));

        assertInstanceOf(GuestMessage.InvalidMessage.class, step.replies().getFirst());
        assertEquals(Session.Phase.ACTIVE, session.phase());
    }

    @Test
    void shouldRejectGuestOnlyMessagesFromHostWithTheirId() {
        handshake();

        Session.Step step = session.onPayload(payload(new GuestMessage.UpscaleRequest(12)));

        GuestMessage.InvalidMessage m = assertInstanceOf(GuestMessage.InvalidMessage.class, step.replies().getFirst());
        assertEquals(12, m.id());
    }

    @Test
    void shouldStaySilentWhenHostReportsAnError() {
        handshake();

        assertEquals(List.of(), session.onPayload(payload(new GuestMessage.InvalidMessage(3, "what"))).replies());
    }
}
