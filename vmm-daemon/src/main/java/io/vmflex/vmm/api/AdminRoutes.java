package io.vmflex.vmm.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.admin.NodeInfo;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.validation.FieldSupport;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.console.ConsoleLog;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.http.ApiRequest;
import io.vmflex.vmm.http.ApiResponse;
import io.vmflex.vmm.http.Route;
import io.vmflex.vmm.supervisor.VmSupervisor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The admin API's routes (see docs/admin-api.md): each turns an {@link ApiRequest} into a call of
 * {@link VmService} and its result into an {@link ApiResponse}.
 */
public final class AdminRoutes {
    private static final ObjectMapper JSON = ApiMapper.json();
    /** How often a VM watch looks for changes. */
    private static final Duration WATCH_POLL = Duration.ofMillis(250);

    private final VmService vms;
    private final EventBus events;
    private final Supplier<NodeInfo> node;
    private volatile SpecAuthority authority = SpecAuthority.ADMIN_API;

    public AdminRoutes(VmService vms, EventBus events, Supplier<NodeInfo> node) {
        this.vms = vms;
        this.events = events;
        this.node = node;
    }

    /** From now on, creates, spec changes and deletes through these routes are allowed only as {@code authority} says. */
    public void specAuthority(SpecAuthority authority) {
        this.authority = authority;
    }

    public List<Route> routes() {
        return List.of(
                new Route("GET", "/v1/vms", this::vms),
                new Route("POST", "/v1/vms", r -> {
                    refuseCreate(null);
                    return vms.create(r.body(), isYaml(r)).thenApply(a -> json(201, reportIgnored(a)));
                }),
                new Route("GET", "/v1/vms/{name}", r -> done(json(200, vms.get(r.pathParam("name"))))),
                new Route("PUT", "/v1/vms/{name}", r -> {
                    refuseChange(r.pathParam("name"), true);
                    return vms.apply(r.pathParam("name"), r.body(), isYaml(r))
                            .thenApply(a -> json(a.created() ? 201 : 200, reportIgnored(a)));
                }),
                new Route("PATCH", "/v1/vms/{name}", r -> {
                    refuseChange(r.pathParam("name"), false);
                    return vms.patch(r.pathParam("name"), r.body(), r.mediaType()).thenApply(v -> json(200, v));
                }),
                new Route("DELETE", "/v1/vms/{name}", r -> {
                    refuseChange(r.pathParam("name"), false);
                    return vms.delete(r.pathParam("name")).thenApply(v -> json(200, v));
                }),
                new Route("GET", "/v1/vms/{name}/console", this::console),
                new Route("GET", "/v1/vms/{name}/ssh-key", this::sshKey),
                new Route("GET", "/v1/events", this::events),
                new Route("GET", "/v1/node", r -> done(json(200, node.get()))));
    }

    private void refuseCreate(String name) {
        String refusal = authority.refuseCreate(name);
        if (refusal != null) {
            throw ApiException.conflict(refusal);
        }
    }

    /** A change of a VM that exists is the authority's to allow; of one that does not, a create (PUT) or a 404 later. */
    private void refuseChange(String name, boolean mayCreate) {
        var existing = vms.find(name);
        if (existing.isPresent()) {
            String refusal = authority.refuseChange(existing.get());
            if (refusal != null) {
                throw ApiException.conflict(refusal);
            }
        } else if (mayCreate) {
            refuseCreate(name);
        }
    }

    /**
     * Names, once per create, the fields vmflex accepted for NeonVM compatibility but does nothing with
     * (an event; {@code vmctl describe} shows them too), so that nobody believes they work.
     */
    private VirtualMachine reportIgnored(VmService.Applied applied) {
        VirtualMachine vm = applied.vm();
        List<String> ignored = FieldSupport.ignored(vm);
        if (applied.created() && !ignored.isEmpty()) {
            events.publish(VmEvent.normal(vm.name(), "IgnoredFields",
                    "accepted for NeonVM compatibility, not used by vmflex: " + String.join("; ", ignored)));
        }
        return vm;
    }

    private static CompletableFuture<ApiResponse> done(ApiResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static ApiResponse json(int status, Object body) {
        return new ApiResponse.Json(status, body);
    }

    private static boolean isYaml(ApiRequest r) {
        String t = r.mediaType();
        return t.equals("application/yaml") || t.equals("application/x-yaml") || t.equals("text/yaml");
    }

    static Map<String, Object> vmList(List<VirtualMachine> items) {
        return Map.of("apiVersion", "vm.neon.tech/v1", "kind", "VirtualMachineList", "items", items);
    }

    /** The VMs; with {@code watch=true} a stream of their changes, each VM ADDED first. */
    private CompletableFuture<ApiResponse> vms(ApiRequest r) {
        if (!r.queryFlag("watch")) {
            return done(json(200, vmList(vms.list())));
        }
        return done(new ApiResponse.Stream("application/x-ndjson", this::watchVms, why -> line(VmWatch.Ended.because(why))));
    }

    /**
     * Looks at the VMs every {@link #WATCH_POLL} on a virtual thread of the stream's own and writes
     * what changed ({@link VmWatch}), until the client is gone.
     */
    private void watchVms(ApiResponse.StreamSink sink) {
        AtomicBoolean gone = new AtomicBoolean();
        Thread poller = Thread.ofVirtual().name("vm-watch").start(() -> {
            Map<String, VirtualMachine> seen = Map.of();
            while (!gone.get()) {
                List<VirtualMachine> now = vms.list();
                for (VmWatch.Event e : VmWatch.changes(seen, now)) {
                    sink.write(line(e));
                }
                seen = VmWatch.byName(now);
                try {
                    Thread.sleep(WATCH_POLL.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sink.onClose(() -> {
            gone.set(true);
            poller.interrupt();
        });
    }

    /**
     * The private half of the VM's SSH key pair (spec.enableSSH), for {@code vmctl ssh}: the file is
     * root's alone (0600), the admin API's callers (root and the admin group) get it here.
     */
    private CompletableFuture<ApiResponse> sshKey(ApiRequest r) {
        VmSupervisor vm = vms.supervisor(r.pathParam("name"));
        if (!Boolean.TRUE.equals(vm.snapshot().spec().enableSsh())) {
            throw new ApiException(409, "virtualmachine \"" + vm.name() + "\" has spec.enableSSH false: no SSH key");
        }
        try {
            return done(new ApiResponse.Text(200, Files.readString(vm.paths().sshPrivateKey(), StandardCharsets.US_ASCII)));
        } catch (NoSuchFileException e) {
            throw new ApiException(409, "virtualmachine \"" + vm.name() + "\" has no SSH key on this node: it arrived by"
                    + " live migration from a node that sent none, and gets a key of this node at its next restart here");
        } catch (IOException e) {
            throw new ApiException(500, "cannot read the VM's SSH key: " + e.getMessage());
        }
    }

    private CompletableFuture<ApiResponse> console(ApiRequest r) {
        ConsoleLog log = vms.supervisor(r.pathParam("name")).console();
        int tail = r.queryInt("tail", -1);
        String text;
        try {
            text = log.tail(tail);
        } catch (IOException e) {
            throw new ApiException(500, "cannot read console log: " + e.getMessage());
        }
        if (!r.queryFlag("follow")) {
            return done(new ApiResponse.Text(200, text));
        }
        return done(new ApiResponse.Stream("text/plain; charset=utf-8", sink -> {
            sink.write(text);
            AutoCloseable handle = log.follow(bytes -> sink.write(new String(bytes, StandardCharsets.ISO_8859_1)));
            sink.onClose(() -> closeQuietly(handle));
        }));
    }

    private CompletableFuture<ApiResponse> events(ApiRequest r) {
        String vm = r.queryParam("vm");
        if (!r.queryFlag("watch")) {
            List<VmEvent> items = events.recent().stream().filter(e -> vm == null || vm.equals(e.vm())).toList();
            return done(json(200, Map.of("items", items)));
        }
        return done(new ApiResponse.Stream("application/x-ndjson", sink -> {
            AutoCloseable handle = events.watch(e -> {
                if (vm == null || vm.equals(e.vm())) {
                    sink.write(line(e));
                }
            });
            sink.onClose(() -> closeQuietly(handle));
        }, why -> line(VmEvent.warning(vm, "WatchClosed", why))));
    }

    private static String line(Object e) {
        try {
            return JSON.writeValueAsString(e) + "\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // unsubscribing cannot fail in a way the client would care about
        }
    }
}
