package io.vmflex.vmm.api;

import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiRequest;
import io.vmflex.vmm.http.ApiResponse;
import io.vmflex.vmm.http.Route;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * {@code POST /v1/debug/profile?duration=S&event=cpu|alloc|wall}: records this daemon for S seconds
 * (1..300) with an in-process profiler and answers {@code text/html}, a flame graph. Admin socket
 * only, like every route. One profile at a time: a second request while one runs gets 409. When the
 * profiler cannot work here (native library not loadable) the answer is 503 with the reason.
 *
 * <p>The HTTP event loop is never blocked: the route starts the profiler, and a delayed task stops it
 * and completes the response.
 *
 * <p>Thread-safe: the busy flag is the only state and is taken and released atomically.
 */
public final class ProfileRoutes {

    public static final String PATH = "/v1/debug/profile";
    public static final int MAX_SECONDS = 300;
    public static final Set<String> EVENTS = Set.of("cpu", "alloc", "wall");

    /** Starts and stops the profiler. Implementations need not be thread-safe: calls are serialised. */
    public interface Engine {
        /**
         * Starts sampling {@code event}.
         *
         * @throws UnavailableException when this machine or JVM cannot run the profiler
         */
        void start(String event) throws UnavailableException;

        /** Stops sampling and returns the flame graph as a self-contained HTML page. */
        String stopToHtml() throws Exception;
    }

    /** The profiler cannot run here; the message says why, in one line. */
    public static final class UnavailableException extends Exception {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Engine engine;
    private final BiFunction<Long, TimeUnit, Executor> delayed;
    private final AtomicBoolean busy = new AtomicBoolean();

    public ProfileRoutes() {
        this(new AsyncProfilerEngine(), CompletableFuture::delayedExecutor);
    }

    /** @param delayed how to run the stop after the duration (tests pass one that runs at once) */
    ProfileRoutes(Engine engine, BiFunction<Long, TimeUnit, Executor> delayed) {
        this.engine = engine;
        this.delayed = delayed;
    }

    public List<Route> routes() {
        return List.of(new Route("POST", PATH, this::profile));
    }

    CompletableFuture<ApiResponse> profile(ApiRequest r) {
        String durationText = r.queryParam("duration");
        if (durationText == null) {
            throw ApiException.badRequest("duration is required: seconds, 1.." + MAX_SECONDS);
        }
        int seconds = r.queryInt("duration", 0);
        if (seconds < 1 || seconds > MAX_SECONDS) {
            throw ApiException.badRequest("duration must be 1.." + MAX_SECONDS + " seconds, got " + seconds);
        }
        String event = r.queryParam("event") == null ? "cpu" : r.queryParam("event");
        if (!EVENTS.contains(event)) {
            throw ApiException.badRequest("event must be one of cpu, alloc, wall; got \"" + event + "\"");
        }
        if (!busy.compareAndSet(false, true)) {
            throw ApiException.conflict("a profile is already being recorded; try again when it ends");
        }
        try {
            engine.start(event);
        } catch (UnavailableException e) {
            busy.set(false);
            throw new ApiException(503, "profiler unavailable: " + e.getMessage());
        } catch (RuntimeException e) {
            busy.set(false);
            throw new ApiException(409, "profiler refused to start: " + e.getMessage());
        }
        return CompletableFuture.supplyAsync(this::stop, delayed.apply((long) seconds, TimeUnit.SECONDS));
    }

    private ApiResponse stop() {
        try {
            String html = engine.stopToHtml();
            return new ApiResponse.Stream("text/html; charset=utf-8", sink -> {
                sink.write(html);
                sink.close();
            });
        } catch (Exception e) {
            throw new ApiException(500, "profiler failed to write the flame graph: " + e.getMessage());
        } finally {
            busy.set(false);
        }
    }
}
