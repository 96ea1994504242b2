package io.vmflex.vmm.api;

import io.vmflex.api.autoscaling.AutoscalingSettings;
import io.vmflex.api.autoscaling.AutoscalingSource;
import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiResponse;
import io.vmflex.vmm.http.Route;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v1/autoscaling} and {@code GET /v1/vms/NAME/autoscaling}: the agent's view of each
 * autoscaled VM (bounds, goal, permit, what it is doing, its last decision), for {@code vmctl describe}
 * and {@code vmctl get vms -o wide}. Read-only.
 */
public final class AutoscalingRoutes {
    private final VmService vms;
    private volatile AutoscalingSource source = AutoscalingSource.NONE;

    public AutoscalingRoutes(VmService vms) {
        this.vms = vms;
    }

    /** From now on, views come from {@code s}. */
    public void source(AutoscalingSource s) {
        this.source = s;
    }

    public List<Route> routes() {
        return List.of(
                new Route("GET", "/v1/autoscaling", r -> CompletableFuture.completedFuture(
                        new ApiResponse.Json(200, Map.of("running", source.running(), "items", source.list())))),
                new Route("GET", "/v1/vms/{name}/autoscaling", r -> {
                    String name = r.pathParam("name");
                    vms.get(name);
                    AutoscalingSource s = source;
                    if (!s.running()) {
                        throw new ApiException(404, "no autoscaler agent runs on this node (it runs under `vmflex up`)");
                    }
                    return CompletableFuture.completedFuture(new ApiResponse.Json(200, s.get(name).orElseThrow(() ->
                            new ApiException(404, "virtualmachine \"" + name + "\" is not autoscaled (its label "
                                    + AutoscalingSettings.LABEL_ENABLED + " is not \"true\", or the agent has not seen it yet)"))));
                }));
    }
}
