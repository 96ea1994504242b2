package io.vmflex.vmm.api;

import io.vmflex.api.admin.NodeInfo;
import io.vmflex.vmm.events.EventBus;
import io.vmflex.vmm.http.AdminServer;
import io.vmflex.vmm.http.PeerAuthorizer;
import io.vmflex.vmm.http.StreamStats;
import io.vmflex.vmm.image.ImageStore;
import io.vmflex.vmm.it.UnixHttp;
import io.vmflex.vmm.node.NodeContext;
import io.vmflex.vmm.qemu.QemuLauncher;
import io.vmflex.vmm.qemu.QemuVmConfig;
import io.vmflex.vmm.store.StateStore;
import io.vmflex.vmm.supervisor.RecoveryHook;
import io.vmflex.vmm.supervisor.VmRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The admin API of a vmmd in the test's own JVM: the real HTTP server, routes, {@link VmService},
 * registry and supervisors, on a {@link FakeQemu} and an image store holding one image, "test".
 * What a test needs to reach inside (the registry, the event bus) is at hand, and the recovery hook
 * every re-adopted VM passes is the test's to set.
 *
 * <p>Its files live in the directory it is given: start it again on the same directory to restart
 * the daemon (the fake QEMUs keep running across that, as real ones do).
 */
final class InProcessDaemon implements AutoCloseable {

    /** A small VM of the test image: 1 of 2 vCPUs, 2 of 4 slots of 128 MiB. */
    static String vmYaml(String name) {
        return """
                apiVersion: vm.neon.tech/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                spec:
                  guest:
                    cpus: {min: 1, use: 1, max: 2}
                    memorySlotSize: 128Mi
                    memorySlots: {min: 2, use: 2, max: 4}
                    rootDisk: {image: test}
                """.formatted(name);
    }
    private final FakeQemu qemu;
    private final EventBus events = new EventBus(1000);
    private final VmRegistry registry;
    private final VmService service;
    private final AdminServer server;
    private final AdminRoutes adminRoutes;
    private volatile RecoveryHook recovery = RecoveryHook.NONE;

    private InProcessDaemon(Path dir, long streamLimitBytes) throws IOException {
        Path images = dir.resolve("images");
        Files.createDirectories(images.resolve("test"));
        Files.writeString(images.resolve("test/manifest.json"), "{\"kernel\":\"vmlinuz\"}");
        Files.write(images.resolve("test/vmlinuz"), new byte[0]);
        qemu = FakeQemu.in(dir);
        ImageStore imageStore = new ImageStore(images);
        // kvm: no TCG plug budget, so a thousand resizes keep plugging vCPUs.
        NodeContext node = new NodeContext("node-test", qemu.binary(), QemuVmConfig.Accel.kvm, imageStore,
                new QemuLauncher(Duration.ofSeconds(30)), qemu, events, null, "vmflex", true, true, 1 << 20, 2 << 20,
                null, Clock.systemUTC());
        registry = new VmRegistry(node, new StateStore(dir.resolve("state")),
                (vm, paths, q) -> recovery.recovered(vm, paths, q));
        registry.recover();
        service = new VmService(registry, imageStore, Clock.systemUTC(), name -> Optional.empty());
        adminRoutes = new AdminRoutes(service, events, InProcessDaemon::nodeInfo);
        List<io.vmflex.vmm.http.Route> routes = adminRoutes.routes();
        server = new AdminServer(dir.resolve("vmmd.sock"), "rw-rw----", null, new PeerAuthorizer(OptionalInt.empty()), routes,
                streamLimitBytes);
        server.start();
    }

    /** A daemon on the state in {@code dir}, re-adopting the VMs found there. */
    static InProcessDaemon start(Path dir) throws IOException {
        return new InProcessDaemon(dir, AdminServer.STREAM_LIMIT_BYTES);
    }

    /** As {@link #start(Path)}, with {@code streamLimitBytes} held at most for a slow stream reader. */
    static InProcessDaemon start(Path dir, long streamLimitBytes) throws IOException {
        return new InProcessDaemon(dir, streamLimitBytes);
    }

    private static NodeInfo nodeInfo() {
        return new NodeInfo("node-test", null, null, "tcg", "fake QEMU", null, null, null, 0);
    }

    UnixHttp http() {
        return new UnixHttp(server.socket());
    }

    VmRegistry registry() {
        return registry;
    }

    /** The admin API's open streams. */
    StreamStats streams() {
        return server.streams();
    }

    Path socket() {
        return server.socket();
    }

    EventBus events() {
        return events;
    }

    VmService service() {
        return service;
    }

    /** From now on, the admin API's creates, changes and deletes are allowed only as {@code authority} says. */
    void specAuthority(SpecAuthority authority) {
        adminRoutes.specAuthority(authority);
    }

    /** From now on, runs for every VM the registry takes over (re-adopted or arrived). */
    void onRecovery(RecoveryHook hook) {
        recovery = hook;
    }

    /** Stops serving and lets go of the VMs, leaving their fake QEMUs running (a daemon stop). */
    void stop() {
        server.close();
        registry.detachAll();
    }

    /** Stops, and kills the fake QEMUs: the end of a test. */
    @Override
    public void close() {
        stop();
        qemu.close();
    }
}
