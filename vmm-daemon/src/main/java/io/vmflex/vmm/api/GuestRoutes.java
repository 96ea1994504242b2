package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.guest.Resources;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.vmm.guest.ChannelState;
import io.vmflex.vmm.guest.GuestChannel;
import io.vmflex.vmm.guest.GuestChannelException;
import io.vmflex.vmm.guest.GuestRequestException;
import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiRequest;
import io.vmflex.vmm.http.ApiResponse;
import io.vmflex.vmm.http.Route;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * The admin API's view into the guest monitor: its last metrics, and requests to it (downscale
 * approval, upscale notification, health check) answered within a timeout.
 *
 * <pre>
 * GET  /v1/vms/{name}/metrics
 * POST /v1/vms/{name}/monitor/downscale   {"cpu": "500m" | 0.5, "memory": "256Mi" | bytes, "timeoutSeconds": 5}
 * POST /v1/vms/{name}/monitor/upscale     (same body)
 * POST /v1/vms/{name}/monitor/healthcheck {"timeoutSeconds": 5}
 * </pre>
 */
public final class GuestRoutes {
    private static final ObjectMapper JSON = ApiMapper.json();
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

    private final VmService vms;

    public GuestRoutes(VmService vms) {
        this.vms = vms;
    }

    public List<Route> routes() {
        return List.of(
                new Route("GET", "/v1/vms/{name}/metrics", this::metrics),
                new Route("POST", "/v1/vms/{name}/monitor/downscale", this::downscale),
                new Route("POST", "/v1/vms/{name}/monitor/upscale", this::upscale),
                new Route("POST", "/v1/vms/{name}/monitor/healthcheck", this::healthCheck));
    }

    private GuestChannel channel(ApiRequest r) {
        String name = r.pathParam("name");
        return vms.supervisor(name).guestChannel()
                .orElseThrow(() -> ApiException.conflict("virtualmachine \"" + name + "\" is not running"));
    }

    private CompletableFuture<ApiResponse> metrics(ApiRequest r) {
        GuestChannel ch = channel(r);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("vm", r.pathParam("name"));
        body.put("channel", ch.state().getClass().getSimpleName());
        ch.lastMetrics().ifPresent(m -> {
            body.put("receivedAt", m.receivedAt());
            body.put("metrics", m.metrics());
        });
        // Measured on the host (the kernel's CPU accounting of QEMU), not reported by the guest.
        vms.supervisor(r.pathParam("name")).hostCpu().ifPresent(c -> body.put("host", Map.of(
                "cpuBusy", c.busyCpus(), "cpuBusyFraction", c.busyFraction(), "cpuThrottledFraction", c.throttledFraction(),
                "windowMillis", c.windowMillis(), "at", java.time.Instant.ofEpochMilli(c.atEpochMillis()).toString())));
        body.put("stats", ch.stats());
        return CompletableFuture.completedFuture(new ApiResponse.Json(200, body));
    }

    private CompletableFuture<ApiResponse> downscale(ApiRequest r) {
        JsonNode body = body(r);
        GuestChannel ch = connected(r);
        return answer(ch.requestDownscale(resources(body), timeout(body))
                .thenApply(res -> Map.of("ok", res.ok(), "status", res.status() == null ? "" : res.status())));
    }

    private CompletableFuture<ApiResponse> upscale(ApiRequest r) {
        JsonNode body = body(r);
        GuestChannel ch = connected(r);
        return answer(ch.notifyUpscale(resources(body), timeout(body)).thenApply(v -> Map.of("confirmed", true)));
    }

    private CompletableFuture<ApiResponse> healthCheck(ApiRequest r) {
        JsonNode body = body(r);
        GuestChannel ch = connected(r);
        return answer(ch.healthCheck(timeout(body)).thenApply(d -> Map.of("roundTripMicros", d.toNanos() / 1000)));
    }

    private GuestChannel connected(ApiRequest r) {
        GuestChannel ch = channel(r);
        if (!(ch.state() instanceof ChannelState.Connected)) {
            throw ApiException.conflict("guest monitor of \"" + r.pathParam("name") + "\" is not connected (channel "
                    + ch.state().getClass().getSimpleName() + ")");
        }
        return ch;
    }

    private static CompletableFuture<ApiResponse> answer(CompletableFuture<?> f) {
        return f.handle((v, err) -> {
            if (err == null) {
                return new ApiResponse.Json(200, v);
            }
            Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
            if (cause instanceof TimeoutException) {
                throw new ApiException(504, "the guest monitor did not answer in time");
            }
            if (cause instanceof GuestRequestException || cause instanceof GuestChannelException) {
                throw new ApiException(502, "guest monitor: " + cause.getMessage());
            }
            throw new CompletionException(cause);
        });
    }

    private static JsonNode body(ApiRequest r) {
        if (r.body() == null || r.body().length == 0) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(r.body());
            if (n == null || !n.isObject()) {
                throw ApiException.badRequest("request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw ApiException.badRequest("malformed JSON body: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Resources resources(JsonNode body) {
        JsonNode cpu = body.get("cpu");
        JsonNode mem = body.get("memory");
        if (cpu == null || mem == null) {
            throw ApiException.invalid("body needs \"cpu\" (e.g. \"500m\" or 1) and \"memory\" (e.g. \"512Mi\")");
        }
        try {
            long millis = cpu.isNumber() ? MilliCpu.fromDecimal(cpu.decimalValue(), cpu.asText()).millis() : MilliCpu.parse(cpu.asText()).millis();
            long bytes = mem.isNumber() ? mem.longValue() : ByteQuantity.parse(mem.asText()).bytes();
            if (bytes < 0) {
                throw new IllegalArgumentException("memory must not be negative");
            }
            return new Resources(millis, bytes);
        } catch (RuntimeException e) {
            throw ApiException.invalid("cpu/memory: " + e.getMessage());
        }
    }

    private static Duration timeout(JsonNode body) {
        JsonNode t = body.get("timeoutSeconds");
        if (t == null) {
            return DEFAULT_TIMEOUT;
        }
        if (!t.isNumber() || t.asDouble() <= 0) {
            throw ApiException.invalid("timeoutSeconds must be a positive number");
        }
        Duration d = Duration.ofMillis((long) (t.asDouble() * 1000));
        return d.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : d;
    }
}
