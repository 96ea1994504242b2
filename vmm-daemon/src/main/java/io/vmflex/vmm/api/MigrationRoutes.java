package io.vmflex.vmm.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiRequest;
import io.vmflex.vmm.http.ApiResponse;
import io.vmflex.vmm.http.Route;
import io.vmflex.vmm.migration.outgoing.MigrationTimeouts;
import io.vmflex.vmm.migration.outgoing.OutgoingMigrations;
import io.vmflex.vmm.migration.outgoing.TargetAddress;
import io.vmflex.vmm.migration.qemu.MigrationTuning;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Live migration routes.
 * <ul>
 * <li>{@code POST /v1/vms/{name}/migrate} with {@code {"target":"host:port","downtimeLimitMs":300,
 * "maxBandwidthMbps":10000,"progressTimeoutSeconds":30,"completionTimeoutPerGiBSeconds":150,
 * "multifdChannels":1}} (target: host:port or a peer's node name from the peers file; multifdChannels
 * 1 = plain, N &ge; 2 = multifd with N channels; all
 * but target optional) answers 202 with the migration's first status at once (poll
 * {@code GET /v1/migrations/{id}}), or 200 with its final status when called with {@code ?wait=true}.
 * <li>{@code POST /v1/migrations/{id}/cancel} and {@code POST /v1/vms/{name}/migrate/cancel}: 202
 * with the status when asked (the phase turns Cancelled within a poll), 409 when the migration
 * ended already or is being committed on the target, 404 when there is none.
 * <li>{@code GET /v1/migrations} lists recent ones, newest first; {@code GET /v1/migrations/{id}}.
 * </ul>
 */
public final class MigrationRoutes {
    /** QEMU's {@code MAX_MIGRATE_DOWNTIME} (2000 s). */
    static final long MAX_DOWNTIME_LIMIT_MS = 2_000_000;
    private final VmService vms;
    private final OutgoingMigrations migrations;
    private final Function<String, InetSocketAddress> targets;
    private volatile SpecAuthority authority = SpecAuthority.ADMIN_API;

    public MigrationRoutes(VmService vms, OutgoingMigrations migrations) {
        this(vms, migrations, TargetAddress::parse);
    }

    /** @param targets resolves the body's target; throws IllegalArgumentException with a one-line reason */
    public MigrationRoutes(VmService vms, OutgoingMigrations migrations, Function<String, InetSocketAddress> targets) {
        this.vms = vms;
        this.migrations = migrations;
        this.targets = targets;
    }

    /** Who may start migrations through the API (Kubernetes mode: not of the VMs Kubernetes manages). */
    public MigrationRoutes specAuthority(SpecAuthority authority) {
        this.authority = authority;
        return this;
    }

    public List<Route> routes() {
        return List.of(
                new Route("POST", "/v1/vms/{name}/migrate", this::migrate),
                new Route("POST", "/v1/vms/{name}/migrate/cancel", r -> done(answer(migrations.cancelVm(r.pathParam("name"))))),
                new Route("POST", "/v1/migrations/{id}/cancel", r -> done(answer(migrations.cancel(r.pathParam("id"))))),
                new Route("GET", "/v1/migrations", r -> done(new ApiResponse.Json(200, Map.of("items", migrations.list())))),
                new Route("GET", "/v1/migrations/{id}", r -> done(new ApiResponse.Json(200, migrations.get(r.pathParam("id"))
                        .orElseThrow(() -> ApiException.notFound("migration \"" + r.pathParam("id") + "\""))))));
    }

    private static ApiResponse answer(OutgoingMigrations.Cancel c) {
        return switch (c) {
            case OutgoingMigrations.Cancel.Accepted a -> new ApiResponse.Json(202, a.status());
            case OutgoingMigrations.Cancel.TooLate t -> throw ApiException.conflict("migration " + t.status().id()
                    + " cannot be cancelled: it is " + t.status().phase()
                    + (t.status().phase().isFinal() ? "" : " (being committed on the target)"));
            case OutgoingMigrations.Cancel.Unknown u -> throw ApiException.notFound(u.what());
        };
    }

    private CompletableFuture<ApiResponse> migrate(ApiRequest r) {
        String name = r.pathParam("name");
        vms.supervisor(name);
        String refusal = vms.find(name).map(authority::refuseMigration).orElse(null);
        if (refusal != null) {
            throw ApiException.conflict(refusal);
        }
        JsonNode body;
        try {
            body = ApiMapper.json().readTree(r.body());
        } catch (IOException e) {
            throw ApiException.badRequest("body is not JSON: " + e.getMessage());
        }
        InetSocketAddress target;
        try {
            target = targets.apply(body.path("target").asText(""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("target: " + e.getMessage());
        }
        long downtime = body.path("downtimeLimitMs").asLong(300);
        long bandwidth = body.path("maxBandwidthMbps").asLong(10_000);
        long progress = body.path("progressTimeoutSeconds").asLong(MigrationTimeouts.DEFAULTS.progress().toSeconds());
        long perGiB = body.path("completionTimeoutPerGiBSeconds")
                .asLong(MigrationTimeouts.DEFAULTS.completionPerGiB().toSeconds());
        if (downtime <= 0 || bandwidth <= 0 || progress <= 0 || perGiB <= 0) {
            throw ApiException.badRequest("downtimeLimitMs, maxBandwidthMbps, progressTimeoutSeconds and "
                    + "completionTimeoutPerGiBSeconds must be positive");
        }
        // QEMU's own bound; QEMU gets the limit only after its first pass (SwitchoverHold), too late to refuse it.
        if (downtime > MAX_DOWNTIME_LIMIT_MS) {
            throw ApiException.badRequest("downtimeLimitMs must be at most " + MAX_DOWNTIME_LIMIT_MS + ": " + downtime);
        }
        int multifd = body.path("multifdChannels").asInt(1);
        try {
            MigrationTuning.checkChannels(multifd);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("multifdChannels: " + e.getMessage());
        }
        OutgoingMigrations.Started s;
        try {
            s = migrations.start(name, target, downtime, bandwidth, multifd,
                    new MigrationTimeouts(Duration.ofSeconds(perGiB), Duration.ofSeconds(progress)));
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        }
        if (r.queryFlag("wait")) {
            return s.done().thenApply(st -> new ApiResponse.Json(200, st));
        }
        return done(new ApiResponse.Json(202, s.initial()));
    }

    private static CompletableFuture<ApiResponse> done(ApiResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
