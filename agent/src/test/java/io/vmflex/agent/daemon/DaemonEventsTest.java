package io.vmflex.agent.daemon;

import io.vmflex.api.guest.GuestMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DaemonEventsTest {
    private final List<String> requests = new ArrayList<>();
    private final DaemonEvents events = new DaemonEvents(null, requests::add);

    @Test
    void theGuestMonitorsRequestReachesTheAgent() {
        events.onLine("{\"reason\":\"" + GuestMessage.UpscaleRequest.EVENT_REASON + "\",\"vm\":\"pg\",\"message\":\"x\"}");
        assertEquals(List.of("pg"), requests);
    }

    @Test
    void theAgentsOwnDecisionEventsAreNoMonitorRequest() {
        // The agent publishes its decisions to the same stream; reading them back as guest requests
        // made every CPU upscale also force a unit of memory.
        for (String reason : List.of("UpscaleRequested", "MonitorUpscaleRequested", "ScaledUp", "UpscalePartial")) {
            events.onLine("{\"reason\":\"" + reason + "\",\"vm\":\"pg\",\"message\":\"asking the scheduler\"}");
        }
        assertEquals(List.of(), requests);
    }

    @Test
    void garbageAndNodeEventsAreIgnored() {
        events.onLine("not json");
        events.onLine("{\"reason\":\"" + GuestMessage.UpscaleRequest.EVENT_REASON + "\"}");
        events.onLine("{\"reason\":\"" + GuestMessage.UpscaleRequest.EVENT_REASON + "\",\"vm\":7}");
        events.onLine("");
        assertEquals(List.of(), requests);
    }
}
