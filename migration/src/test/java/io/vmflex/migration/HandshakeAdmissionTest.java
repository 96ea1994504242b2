package io.vmflex.migration;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class HandshakeAdmissionTest {
    private static final InetAddress PEER = address("10.0.0.1");
    private static final InetAddress OTHER = address("10.0.0.2");
    private static final InetAddress STRANGER = address("192.0.2.9");

    @Test
    void shouldRefuseAnAddressTheFilterDoesNotAdmit() {
        HandshakeAdmission admission = new HandshakeAdmission(4, 2);
        admission.filter(PeerFilter.only(Set.of(PEER, OTHER)));

        assertEquals(HandshakeAdmission.Refusal.NOT_A_PEER, admission.admit(STRANGER).refusal());
        assertNotNull(admission.admit(PEER).slot());
        assertEquals(1, admission.running());
    }

    @Test
    void shouldCapOneAddressBelowTheTotalSoOthersStillGetIn() {
        HandshakeAdmission admission = new HandshakeAdmission(4, 2);
        admission.admit(STRANGER);
        admission.admit(STRANGER);

        assertEquals(HandshakeAdmission.Refusal.TOO_MANY_FROM_PEER, admission.admit(STRANGER).refusal());
        assertNotNull(admission.admit(PEER).slot(), "another address must still get a slot");
    }

    @Test
    void shouldCapTheTotalAndFreeASlotOnRelease() {
        HandshakeAdmission admission = new HandshakeAdmission(3, 2);
        List<HandshakeAdmission.Slot> slots = new ArrayList<>();
        slots.add(admission.admit(PEER).slot());
        slots.add(admission.admit(PEER).slot());
        slots.add(admission.admit(OTHER).slot());

        assertEquals(HandshakeAdmission.Refusal.TOO_MANY_HANDSHAKES, admission.admit(STRANGER).refusal());
        slots.getFirst().release();
        slots.getFirst().release(); // twice: harmless
        assertEquals(2, admission.running());
        assertNotNull(admission.admit(STRANGER).slot());
        assertEquals(HandshakeAdmission.Refusal.TOO_MANY_HANDSHAKES, admission.admit(STRANGER).refusal());
    }

    @Test
    void shouldRefuseNonsenseLimits() {
        assertThrows(IllegalArgumentException.class, () -> new HandshakeAdmission(2, 3));
        assertThrows(IllegalArgumentException.class, () -> new HandshakeAdmission(0, 0));
    }

    @Test
    void shouldDoubleTheAcceptPauseUpToASecondAndResetOnSuccess() {
        AcceptBackoff backoff = new AcceptBackoff();
        List<Long> pauses = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            pauses.add(backoff.onFailure());
        }
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L, 1000L, 1000L), pauses);
        backoff.onSuccess();
        assertEquals(10L, backoff.onFailure());
    }

    private static InetAddress address(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
