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

    /** PUT: create, or replace the spec of an existing VM (immutable fields must stay). */
    public CompletableFuture<Applied> apply(String name, byte[] body, boolean yaml) {
        VirtualMachine vm = parse(body, yaml);
        if (!name.equals(vm.metadata().name())) {
            throw ApiException.badRequest("metadata.name \"" + vm.metadata().name() + "\" does not match the URL's \"" + name + "\"");
        }
        var existing = registry.get(name);
        if (existing.isEmpty()) {
            return createValidated(vm).thenApply(v -> new Applied(v, true));
        }
        return update(existing.get(), vm).thenApply(v -> new Applied(v, false));
    }

    public CompletableFuture<VirtualMachine> patch(String name, byte[] patch, String mediaType) {
        VmSupervisor s = supervisor(name);
        VirtualMachine current = s.snapshot();
        VirtualMachine patched;
        try {
            patched = switch (mediaType) {
                case "application/json-patch+json" -> Patches.jsonPatch(current, patch);
                case "application/merge-patch+json", "application/json" -> Patches.mergePatch(current, patch);
                default -> throw new ApiException(415, "unsupported patch type " + mediaType
                        + ": use application/json-patch+json or application/merge-patch+json");
            };
        } catch (InvalidSpecException e) {
            throw ApiException.invalid(e.getMessage());
        }
        return update(s, patched);
    }

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
        return CompletableFuture.completedFuture(registry.get(vm.metadata().name()).orElseThrow().snapshot());
    }

    private CompletableFuture<VirtualMachine> update(VmSupervisor s, VirtualMachine updated) {
        VirtualMachine current = s.snapshot();
        VirtualMachine withDefaults;
        try {
            withDefaults = VmDefaults.apply(updated);
            VmValidator.validateUpdate(current, withDefaults);
        } catch (InvalidSpecException e) {
            throw ApiException.invalid(e.getMessage());
        }
        boolean specSame = Objects.equals(current.spec(), withDefaults.spec());
        if (specSame && Objects.equals(current.metadata().labels(), withDefaults.metadata().labels())
                && Objects.equals(current.metadata().annotations(), withDefaults.metadata().annotations())) {
            return CompletableFuture.completedFuture(current);
        }
        return conflictsAs409(s.apply(Metadata.stampUpdated(current, withDefaults)));
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
