package io.vmflex.cli.kube;

import io.vmflex.api.validation.Manifests;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.kube.node.NodeVms;
import io.vmflex.vmm.api.VmService;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.events.VmEvent;
import io.vmflex.vmm.http.ApiException;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The node controller's port over the daemon in the same process: {@link VmService} (the admin API's
 * operations without HTTP, so the same parsing, defaults, validation and supervisor) and the event bus.
 * A 422/403 of the daemon is a refusal of the spec, a 409 or a timeout is "not now".
 *
 * <p>Thread-safe (VmService is).
 */
public final class DaemonNodeVms implements NodeVms {
    /** Longer than a delete's longest graceful stop (terminationGracePeriodSeconds is at most 3600 s, default 5). */
    private static final long WAIT_SECONDS = 120;

    private final VmService vms;
    private final EventBus events;

    public DaemonNodeVms(VmService vms, EventBus events) {
        this.vms = vms;
        this.events = events;
    }

    @Override
    public List<VirtualMachine> list() {
        return vms.list();
    }

    @Override
    public Optional<VirtualMachine> get(String localName) {
        return vms.find(localName);
    }

    @Override
    public Outcome apply(VirtualMachine desired) {
        return run(() -> vms.apply(desired.metadata().name(), Manifests.toJson(desired), false));
    }

    @Override
    public Outcome delete(String localName) {
        if (vms.find(localName).isEmpty()) {
            return new Done();
        }
        Outcome outcome = run(() -> vms.delete(localName));
        // Gone meanwhile (another delete won): what was asked for holds.
        return outcome instanceof Busy && vms.find(localName).isEmpty() ? new Done() : outcome;
    }

    private static Outcome run(java.util.function.Supplier<CompletableFuture<?>> call) {
        try {
            call.get().get(WAIT_SECONDS, TimeUnit.SECONDS);
            return new Done();
        } catch (ApiException e) {
            return outcome(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException api) {
                return outcome(api);
            }
            return new Busy(e.getCause() == null ? e.toString() : e.getCause().getMessage());
        } catch (TimeoutException e) {
            return new Busy("the daemon did not finish within " + WAIT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Busy("interrupted");
        }
    }

    private static Outcome outcome(ApiException e) {
        return switch (e.status()) {
            case 400, 403, 422 -> new Refused(e.getMessage());
            default -> new Busy(e.getMessage());
        };
    }

    @Override
    public AutoCloseable onEvent(Consumer<NodeEvent> listener) {
        return events.watch(e -> listener.accept(new NodeEvent(e.time(), e.type() == VmEvent.Type.Warning, e.vm(), e.reason(),
                e.message())));
    }
}
