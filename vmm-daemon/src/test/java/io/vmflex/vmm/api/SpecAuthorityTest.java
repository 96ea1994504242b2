package io.vmflex.vmm.api;

import io.vmflex.api.vm.VirtualMachine;
import io.vmflex.vmm.it.UnixHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin socket in Kubernetes mode (real HTTP server and VmService on a FakeQemu): creates and
 * changes of managed VMs are refused with a 409 and the authority's line, nothing changes, reads and
 * the node controller's own way in ({@link VmService}) still work, unmanaged VMs can still be cleaned.
 */
class SpecAuthorityTest {
    private static final String MERGE = "application/merge-patch+json";
    private static final SpecAuthority KUBE = new SpecAuthority() {
        @Override
        public String refuseCreate(String name) {
            return "this node takes its VMs from Kubernetes: use kubectl apply";
        }

        @Override
        public String refuseChange(VirtualMachine vm) {
            var owner = vm.metadata().annotations() == null ? null : vm.metadata().annotations().get("owner");
            return owner == null ? null : "virtualmachine \"" + vm.name() + "\" is managed by Kubernetes (" + owner + "): use kubectl";
        }
    };

    @TempDir
    Path dir;
    private InProcessDaemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private static String managed(String name) {
        return InProcessDaemon.vmYaml(name).replace("  name: " + name + "\n", "  name: " + name + "\n  annotations: {owner: demo/" + name + "}\n");
    }

    @Test
    void shouldRefuseChangesOfManagedVmsAndKeepReadsAndTheControllersWayIn() throws IOException {
        daemon = InProcessDaemon.start(dir);
        UnixHttp http = daemon.http();
        assertEquals(201, http.send("POST", "/v1/vms", "application/yaml", managed("owned")).status());
        assertEquals(201, http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("leftover")).status());
        daemon.specAuthority(KUBE);
        String version = http.get("/v1/vms/owned").json().path("metadata").path("resourceVersion").asText();

        UnixHttp.Response patch = http.send("PATCH", "/v1/vms/owned", MERGE, "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}");
        assertEquals(409, patch.status(), patch.body());
        assertTrue(patch.body().contains("virtualmachine \\\"owned\\\" is managed by Kubernetes (demo/owned): use kubectl"), patch.body());
        assertEquals(409, http.send("DELETE", "/v1/vms/owned", null, null).status());
        assertEquals(409, http.send("PUT", "/v1/vms/owned", "application/yaml", managed("owned")).status());
        UnixHttp.Response create = http.send("POST", "/v1/vms", "application/yaml", InProcessDaemon.vmYaml("new-one"));
        assertEquals(409, create.status(), create.body());
        assertTrue(create.body().contains("use kubectl apply"), create.body());
        assertEquals(409, http.send("PUT", "/v1/vms/new-two", "application/yaml", InProcessDaemon.vmYaml("new-two")).status());
        assertEquals(404, http.get("/v1/vms/new-one").status());
        assertEquals(version, http.get("/v1/vms/owned").json().path("metadata").path("resourceVersion").asText(), "nothing changed");

        // a VM nobody manages stays the operator's; the controller goes through VmService, not the socket
        assertEquals(200, http.send("PATCH", "/v1/vms/leftover", MERGE, "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}").status());
        daemon.service().patch("owned", "{\"spec\":{\"guest\":{\"cpus\":{\"use\":2}}}}".getBytes(), MERGE).join();
        assertEquals(2, http.get("/v1/vms/owned").json().path("spec").path("guest").path("cpus").path("use").asInt());
    }
}
