package io.vmflex.vmm.it;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The VM of {@code examples/test-vm.yaml} (1-4 vCPUs, 2-8 slots of 128 MiB on the test image), as
 * the integration tests create it, by that name or renamed. Stateless.
 */
final class TestVm {
    static final String NAME = "test-vm";

    private TestVm() {
    }

    /** The example's YAML as it is. */
    static String yaml() throws IOException {
        return Files.readString(Guest.example("test-vm.yaml"));
    }

    /** The example's YAML with {@code metadata.name} set to {@code name}. */
    static String yaml(String name) throws IOException {
        return yaml().replace("name: " + NAME, "name: " + name);
    }

    /** Creates the example VM on {@code daemon}; asserts the daemon took it (201). */
    static void create(TestDaemon daemon) throws IOException {
        create(daemon, yaml());
    }

    /** Creates the VM {@code yaml} describes on {@code daemon}; asserts the daemon took it (201). */
    static void create(TestDaemon daemon, String yaml) throws IOException {
        UnixHttp.Response created = daemon.http().send("POST", "/v1/vms", "application/yaml", yaml);
        assertEquals(201, created.status(), created.body());
    }
}
