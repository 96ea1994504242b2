package io.vmflex.vmm.api;

import io.vmflex.api.validation.InvalidSpecException;
import io.vmflex.api.validation.Manifests;
import io.vmflex.api.validation.Patches;
import io.vmflex.api.validation.VmDefaults;
import io.vmflex.api.validation.VmValidator;
import io.vmflex.api.vm.MigrationStatus;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.http.ApiException;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.qemu.RootOverlay;
import io.vmflex.vmm.supervisor.SpecChange;
import io.vmflex.vmm.supervisor.VmConflictException;
import io.vmflex.vmm.supervisor.VmRegistry;
import io.vmflex.vmm.supervisor.VmSupervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The VM operations of the admin API, independent of HTTP: parse, default, validate, then hand the
 * VM to its supervisor. Nothing is stored unless validation passed.
 *
 * <p>Thread-safe.
 */
public final class VmService {
    private final VmRegistry registry;
    private final ImageStore images;
    private final Clock clock;
    private final Function<String, Optional<MigrationStatus>> movedAway;

    /** @param movedAway a VM's completed migration away from this node, if it was its last one */
    private volatile Admission admission = Admission.ANY;
    private final Object creating = new Object();

    public VmService(VmRegistry registry, ImageStore images, Clock clock, Function<String, Optional<MigrationStatus>> movedAway) {
        this.registry = registry;
        this.images = images;
        this.clock = clock;
        this.movedAway = movedAway;
    }

    /** The outcome of an apply: the VM and whether it was new. */
    public record Applied(VirtualMachine vm, boolean created) {
    }

    public List<VirtualMachine> list() {
        return registry.list();
    }

    /** The VM of that name, if this node has it. */
    public Optional<VirtualMachine> find(String name) {
        return registry.get(name).map(VmSupervisor::snapshot);
    }

    public VirtualMachine get(String name) {
        return supervisor(name).snapshot();
    }

    public VmSupervisor supervisor(String name) {
        return registry.get(name).orElseThrow(() -> notHere(name));
    }

    /** 404; for a VM that migrated away, saying where it runs now (standalone nodes know no better). */
    private ApiException notHere(String name) {
        String what = "virtualmachine \"" + name + "\"";
        return movedAway.apply(name)
                .map(m -> ApiException.notFound(what + " (it moved to " + m.target() + " by migration " + m.id()
                        + (m.finishedAt() == null ? "" : " at " + m.finishedAt()) + ")"))
                .orElseGet(() -> ApiException.notFound(what));
    }

    /** From now on, new VMs are created only when {@code check} admits them. */
    public void admission(Admission check) {
        this.admission = check;
    }

    public CompletableFuture<Applied> create(byte[] body, boolean yaml) {
        VirtualMachine vm = parse(body, yaml);
        return createValidated(vm).thenApply(v -> new Applied(v, true));
    }

    /**
     * PUT: create, or replace the spec of an existing VM (immutable fields must stay). A
     * {@code metadata.resourceVersion} or {@code uid} in the body must be the VM's (409 otherwise).
     */
    public CompletableFuture<Applied> apply(String name, byte[] body, boolean yaml) {
        VirtualMachine vm = parse(body, yaml);
        if (!name.equals(vm.metadata().name())) {
            throw ApiException.badRequest("metadata.name \"" + vm.metadata().name() + "\" does not match the URL's \"" + name + "\"");
        }
        var existing = registry.get(name);
        if (existing.isEmpty()) {
            if (vm.metadata().resourceVersion() != null && !vm.metadata().resourceVersion().isEmpty()) {
                // The caller replaces a version it read; creating instead could bring back a VM someone deleted.
                throw ApiException.conflict("virtualmachine \"" + name + "\" does not exist, but the request expected"
                        + " resourceVersion " + vm.metadata().resourceVersion() + "; remove metadata.resourceVersion to create it");
            }
            return createValidated(vm).thenApply(v -> new Applied(v, true));
        }
        return update(existing.get(), current -> {
            Preconditions.check(current.metadata(), vm.metadata());
            return validated(current, vm);
        }).thenApply(v -> new Applied(v, false));
    }

    /**
     * PATCH: the patch is applied on the VM's owner thread to the VM as it is then, so concurrent
     * patches of different fields all land. A {@code metadata.resourceVersion} the patch leaves
     * other than the VM's (it set one) is a precondition that failed: 409, nothing changes.
     */
    public CompletableFuture<VirtualMachine> patch(String name, byte[] patch, String mediaType) {
        VmSupervisor s = supervisor(name);
        PatchType type = switch (mediaType) {
            case "application/json-patch+json" -> PatchType.JSON;
            case "application/merge-patch+json", "application/json" -> PatchType.MERGE;
            default -> throw new ApiException(415, "unsupported patch type " + mediaType
                    + ": use application/json-patch+json or application/merge-patch+json");
        };
        return update(s, current -> {
            VirtualMachine patched;
            try {
                patched = switch (type) {
                    case JSON -> Patches.jsonPatch(current, patch);
                    case MERGE -> Patches.mergePatch(current, patch);
                };
            } catch (InvalidSpecException e) {
                throw ApiException.invalid(e.getMessage());
            }
            Preconditions.check(current.metadata(), patched.metadata());
            return validated(current, patched);
        });
    }

    private enum PatchType { JSON, MERGE }

    public CompletableFuture<VirtualMachine> delete(String name) {
        CompletableFuture<VirtualMachine> f = registry.delete(name);
        if (f == null) {
            throw notHere(name);
        }
        return conflictsAs409(f).thenApply(vm -> {
            admission.deleted(name);
            return vm;
        });
    }

    /** The supervisor's refusals (the VM migrates, or left while the request waited) are the caller's conflict. */
    private static <T> CompletableFuture<T> conflictsAs409(CompletableFuture<T> f) {
        return f.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            return CompletableFuture.failedFuture(
                    cause instanceof VmConflictException c ? ApiException.conflict(c.getMessage()) : cause);
        });
    }

    private VirtualMachine parse(byte[] body, boolean yaml) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body is empty: expected a VirtualMachine in JSON or YAML");
        }
        try {
            return VmDefaults.apply(Manifests.parse(body, yaml));
        } catch (InvalidSpecException e) {
            throw ApiException.invalid(e.getMessage());
        }
    }

    private CompletableFuture<VirtualMachine> createValidated(VirtualMachine vm) {
        try {
            VmValidator.validateCreate(vm);
        } catch (InvalidSpecException e) {
            throw ApiException.invalid(e.getMessage());
        }
        checkImages(vm);
        VirtualMachine stamped = Metadata.stampCreated(vm, UUID.randomUUID().toString(), clock.instant());
        String name = vm.metadata().name();
        VmSupervisor created;
        // Requests run on many threads: one create at a time keeps admission and storing together,
        // so a create that loses to another of the same name never books the name a second time.
        synchronized (creating) {
            if (registry.get(name).isPresent()) {
                // Before admission: a second admit of a VM that exists must not be undone by this refusal.
                throw ApiException.conflict("virtualmachine \"" + name + "\" already exists");
            }
            String refused = admission.admit(stamped);
            if (refused != null) {
                throw new ApiException(403, "virtualmachine \"" + name + "\" not admitted: " + refused);
            }
            try {
                switch (registry.create(stamped)) {
                    case CREATED -> { }
                    case EXISTS -> throw ApiException.conflict("virtualmachine \"" + name + "\" already exists");
                    case ARRIVING -> throw ApiException.conflict("virtualmachine \"" + name
                            + "\" is migrating to this node: its name is taken until the migration ends");
                }
            } catch (IOException e) {
                admission.deleted(name);
                throw new UncheckedIOException("cannot store VM " + name, e);
            }
            created = registry.get(name).orElse(null);
        }
        // Deleted again already: the VM as it was stored is the answer to this request.
        return CompletableFuture.completedFuture(created == null ? stamped : created.snapshot());
    }

    /** Runs {@code change} on the VM's owner thread; its refusals and the supervisor's are the caller's. */
    private static CompletableFuture<VirtualMachine> update(VmSupervisor s, SpecChange change) {
        return conflictsAs409(s.update(change));
    }

    /**
     * On the owner thread: {@code updated} with defaults, checked against {@code current}, stamped;
     * or {@code current} itself when neither spec, labels nor annotations change.
     */
    private static VirtualMachine validated(VirtualMachine current, VirtualMachine updated) {
        VirtualMachine withDefaults;
        try {
            withDefaults = VmDefaults.apply(updated);
            VmValidator.validateUpdate(current, withDefaults);
        } catch (InvalidSpecException e) {
            throw ApiException.invalid(e.getMessage());
        }
        if (Objects.equals(current.spec(), withDefaults.spec())
                && Objects.equals(current.metadata().labels(), withDefaults.metadata().labels())
                && Objects.equals(current.metadata().annotations(), withDefaults.metadata().annotations())) {
            return current;
        }
        return Metadata.stampUpdated(current, withDefaults);
    }

    private void checkImages(VirtualMachine vm) {
        var g = vm.spec().guest();
        ImageStore.Image image;
        try {
            image = images.resolve(g.rootDisk() == null ? null : g.rootDisk().image());
            if (g.kernelImage() != null && !g.kernelImage().isBlank()) {
                images.resolve(g.kernelImage());
            }
        } catch (ImageStore.ImageNotFoundException e) {
            throw ApiException.invalid("spec.guest.rootDisk.image: " + e.getMessage());
        }
        Long rootBytes = g.rootDisk() == null || g.rootDisk().size() == null ? null : g.rootDisk().size().bytes();
        long imageBytes;
        try {
            imageBytes = image.disk() == null ? -1 : Files.size(image.disk());
        } catch (IOException e) {
            throw ApiException.invalid("spec.guest.rootDisk.image: cannot read the image's disk: " + e.getMessage());
        }
        String refusal = RootOverlay.refusal(rootBytes, imageBytes);
        if (refusal != null) {
            throw ApiException.invalid("spec.guest.rootDisk.size: " + refusal);
        }
    }
}
