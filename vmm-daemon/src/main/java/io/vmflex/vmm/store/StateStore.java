package io.vmflex.vmm.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.qemu.QemuRuntime;
import io.vmflex.vmm.qemu.VmPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The daemon's memory across restarts, under {@code <state-dir>/vms/<name>/}: {@code vm.json} (the
 * VirtualMachine, spec and last status) and {@code runtime.json} (which QEMU runs it). Every write
 * is atomic ({@link AtomicFiles}), so a {@code kill -9} at any moment leaves a readable state.
 *
 * <p>Thread-safe for distinct VMs; each VM's files are written only by its supervisor.
 */
public final class StateStore {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    private static final ObjectMapper JSON = ApiMapper.json();

    private final Path vmsDir;

    public StateStore(Path stateDir) throws IOException {
        this.vmsDir = stateDir.resolve("vms");
        Files.createDirectories(vmsDir);
    }

    public VmPaths paths(String vmName) {
        return new VmPaths(vmsDir.resolve(vmName));
    }

    public void saveVm(VirtualMachine vm) throws IOException {
        AtomicFiles.write(paths(vm.metadata().name()).spec(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(vm));
    }

    public void saveRuntime(String vmName, QemuRuntime runtime) throws IOException {
        AtomicFiles.write(paths(vmName).runtime(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(runtime));
    }

    public void deleteRuntime(String vmName) {
        try {
            Files.deleteIfExists(paths(vmName).runtime());
        } catch (IOException e) {
            LOG.warn("vm={} cannot remove runtime.json: {}", vmName, e.toString());
        }
    }

    public void deleteVm(String vmName) throws IOException {
        Path dir = paths(vmName).dir();
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A VM found on disk, with the QEMU it was running when the daemon last wrote, if any. */
    public record Stored(VirtualMachine vm, QemuRuntime runtime) {
    }

    /** Every VM on disk; an unreadable one is logged and skipped, never deleted. */
    public List<Stored> loadAll() throws IOException {
        List<Stored> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(vmsDir, Files::isDirectory)) {
            for (Path dir : dirs) {
                VmPaths p = new VmPaths(dir);
                // An uncommitted incoming copy holds vm.json too; the migration side owns (and drops) it.
                if (!Files.exists(p.spec()) || Files.exists(p.incomingMarker())) {
                    continue;
                }
                try {
                    VirtualMachine vm = JSON.readValue(p.spec().toFile(), VirtualMachine.class);
                    QemuRuntime rt = Files.exists(p.runtime()) ? JSON.readValue(p.runtime().toFile(), QemuRuntime.class) : null;
                    out.add(new Stored(vm, rt));
                } catch (IOException e) {
                    LOG.error("skipping unreadable VM state in {}: {}", dir, e.getMessage());
                }
            }
        }
        return out;
    }
}
