package io.vmflex.api.validation;

import io.vmflex.api.vm.ByteQuantity;
import io.vmflex.api.vm.MemorySlots;
import io.vmflex.api.vm.MilliCpu;
import io.vmflex.api.vm.RestartPolicy;
import io.vmflex.api.vm.VirtualMachine;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The example shipped in the repository must stay valid. */
class ExampleManifestTest {

    @Test
    void shouldPassValidationWhenExampleTestVmLoaded() throws IOException {
        // surefire runs with the module directory as working directory
        VirtualMachine vm = Manifests.parse(Files.readAllBytes(Path.of("../examples/test-vm.yaml")), true);
        VmValidator.validateCreate(vm);
        var guest = vm.spec().guest();
        assertEquals("test-vm", vm.name());
        assertEquals(RestartPolicy.Always, vm.spec().restartPolicy());
        assertEquals(MilliCpu.ofCpus(1), guest.cpus().min());
        assertEquals(MilliCpu.ofCpus(4), guest.cpus().max());
        assertEquals(MemorySlots.of(2, 2, 8), guest.memorySlots());
        assertEquals(ByteQuantity.ofMebibytes(256), guest.memoryFor(guest.memorySlots().min()));
        assertEquals(ByteQuantity.ofGibibytes(1), guest.memoryFor(guest.memorySlots().max()));
        assertEquals("test", guest.rootDisk().image());
    }

    @Test
    void shouldPassValidationWhenExamplePostgresVmLoaded() throws IOException {
        VirtualMachine vm = Manifests.parse(Files.readAllBytes(Path.of("../examples/postgres-vm.yaml")), true);
        VmValidator.validateCreate(vm);
        assertEquals("postgres", vm.spec().guest().rootDisk().image());
        // The image keeps PGDATA on the data disk mounted there.
        assertEquals("/var/lib/postgresql", vm.spec().disks().getFirst().mountPath());
        assertEquals(ByteQuantity.ofGibibytes(1), vm.spec().disks().getFirst().emptyDisk().size());
    }
}
