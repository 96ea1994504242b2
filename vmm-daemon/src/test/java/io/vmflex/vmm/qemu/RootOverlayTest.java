package io.vmflex.vmm.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RootOverlayTest {
    private static final long MI = 1L << 20;

    @Test
    void shouldSizeTheOverlayToRootDiskSizeOrKeepTheImagesSize() {
        Path img = Path.of("/usr/bin/qemu-img");
        assertEquals(List.of("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/images/pg/rootfs.img",
                "/vms/db/root.qcow2", Long.toString(2048 * MI)),
                RootOverlay.createCommand(img, Path.of("/images/pg/rootfs.img"), Path.of("/vms/db/root.qcow2"), 2048 * MI));
        assertEquals(List.of("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/images/pg/rootfs.img",
                "/vms/db/root.qcow2"),
                RootOverlay.createCommand(img, Path.of("/images/pg/rootfs.img"), Path.of("/vms/db/root.qcow2"), null));
    }

    @Test
    void shouldRefuseASizeBelowTheImagesDiskOrWithoutOne() {
        assertNull(RootOverlay.refusal(null, 300 * MI));
        assertNull(RootOverlay.refusal(300 * MI, 300 * MI));
        assertNull(RootOverlay.refusal(8192 * MI, 300 * MI));
        assertEquals("104857600 bytes is smaller than the image's disk (314572800 bytes)", RootOverlay.refusal(100 * MI, 300 * MI));
        assertEquals("the image has no disk to size", RootOverlay.refusal(100 * MI, -1));
    }
}
