package io.vmflex.vmm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiRequest;
import io.vmflex.vmm.http.ApiResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The profile route's validation, busy handling and errors, with a fake profiler and a manual clock. */
class ProfileRoutesTest {

    /** Records calls; can pretend the native library is missing. */
    private static final class FakeEngine implements ProfileRoutes.Engine {
        final List<String> calls = new ArrayList<>();
        boolean unavailable;

        @Override
        public void start(String event) throws ProfileRoutes.UnavailableException {
            if (unavailable) {
                throw new ProfileRoutes.UnavailableException("libasyncProfiler.so: cannot open shared object file", null);
            }
            calls.add("start " + event);
        }

        @Override
        public String stopToHtml() {
            calls.add("stop");
            return "<html>flame</html>";
        }
    }

    private final FakeEngine engine = new FakeEngine();
    private final List<Runnable> pendingStops = new ArrayList<>();
    private final List<Long> delays = new ArrayList<>();
    private final ProfileRoutes routes = new ProfileRoutes(engine, (amount, unit) -> {
        delays.add(unit.toSeconds(amount));
        return pendingStops::add;
    });

    private static ApiRequest post(String... query) {
        Map<String, List<String>> q = new HashMap<>();
        for (int i = 0; i < query.length; i += 2) {
            q.put(query[i], List.of(query[i + 1]));
        }
        return new ApiRequest("POST", ProfileRoutes.PATH, q, null, new byte[0], Map.of(), null);
    }

    private ApiException refused(ApiRequest r) {
        return assertThrows(ApiException.class, () -> routes.profile(r));
    }

    private void runStops() {
        List<Runnable> now = new ArrayList<>(pendingStops);
        pendingStops.clear();
        now.forEach(Runnable::run);
    }

    @Test
    void shouldAnswer400WithReasonWhenDurationMissingOutOfRangeOrNotANumber() {
        assertTrue(refused(post()).getMessage().contains("duration is required"));
        for (String bad : new String[] {"0", "301", "-5"}) {
            ApiException e = refused(post("duration", bad));
            assertEquals(400, e.status());
            assertEquals("duration must be 1..300 seconds, got " + bad, e.getMessage());
        }
        assertEquals(400, refused(post("duration", "ten")).status());
        assertTrue(engine.calls.isEmpty(), "nothing started");
    }

    @Test
    void shouldAnswer400WhenEventUnknown() {
        ApiException e = refused(post("duration", "5", "event", "itimer"));
        assertEquals(400, e.status());
        assertEquals("event must be one of cpu, alloc, wall; got \"itimer\"", e.getMessage());
    }

    @Test
    void shouldStopAfterDurationAndAnswerHtmlWhenValid() throws Exception {
        CompletableFuture<ApiResponse> f = routes.profile(post("duration", "7", "event", "alloc"));
        assertEquals(List.of("start alloc"), engine.calls);
        assertEquals(List.of(7L), delays);
        assertFalse(f.isDone(), "answers only when the duration is over");
        runStops();
        ApiResponse.Stream s = assertInstanceOf(ApiResponse.Stream.class, f.get(1, TimeUnit.SECONDS));
        assertEquals("text/html; charset=utf-8", s.contentType());
        StringBuilder body = new StringBuilder();
        boolean[] closed = new boolean[1];
        s.start().accept(new ApiResponse.StreamSink() {
            @Override
            public void write(String chunk) {
                body.append(chunk);
            }

            @Override
            public void onClose(Runnable cleanup) {
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        });
        assertEquals("<html>flame</html>", body.toString());
        assertTrue(closed[0]);
        assertEquals(List.of("start alloc", "stop"), engine.calls);
    }

    @Test
    void shouldDefaultToCpuWhenNoEventGiven() {
        routes.profile(post("duration", "1"));
        assertEquals(List.of("start cpu"), engine.calls);
    }

    @Test
    void shouldAnswer409WhileOneRunsAndAcceptAgainAfterItEnded() {
        CompletableFuture<ApiResponse> first = routes.profile(post("duration", "30"));
        ApiException busy = refused(post("duration", "5"));
        assertEquals(409, busy.status());
        assertTrue(busy.getMessage().contains("already being recorded"), busy.getMessage());
        runStops();
        assertTrue(first.isDone());
        routes.profile(post("duration", "5"));
        assertEquals(List.of("start cpu", "stop", "start cpu"), engine.calls);
    }

    @Test
    void shouldAnswer503WithWhyAndStayFreeWhenProfilerCannotLoad() {
        engine.unavailable = true;
        ApiException e = refused(post("duration", "5"));
        assertEquals(503, e.status());
        assertEquals("profiler unavailable: libasyncProfiler.so: cannot open shared object file", e.getMessage());
        engine.unavailable = false;
        routes.profile(post("duration", "5"));
        assertEquals(List.of("start cpu"), engine.calls, "a failed start does not leave the route busy");
    }
}
