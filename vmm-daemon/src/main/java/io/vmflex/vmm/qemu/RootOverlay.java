package io.vmflex.vmm.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The VM's writable root: a qcow2 overlay over its image's raw disk, of the image's size or, with
 * {@code spec.guest.rootDisk.size}, of that size (the guest grows its file system to fill it). A size
 * below the image's would cut the image's file system short, so it is refused. Pure; thread-safe.
 */
public final class RootOverlay {
    private RootOverlay() {
    }

    /**
     * Why {@code requestedBytes} cannot be the root disk's size over an image disk of
     * {@code imageBytes}, or null when it can.
     *
     * @param requestedBytes {@code spec.guest.rootDisk.size}, null when not set
     * @param imageBytes     the image's disk, or -1 when the image has none
     */
    public static String refusal(Long requestedBytes, long imageBytes) {
        if (requestedBytes == null) {
            return null;
        }
        if (imageBytes < 0) {
            return "the image has no disk to size";
        }
        if (requestedBytes < imageBytes) {
            return requestedBytes + " bytes is smaller than the image's disk (" + imageBytes + " bytes)";
        }
        return null;
    }

    /** The {@code qemu-img} command that makes the overlay, of the image's size when {@code sizeBytes} is null. */
    public static List<String> createCommand(Path qemuImg, Path imageDisk, Path overlay, Long sizeBytes) {
        List<String> argv = new ArrayList<>(List.of(qemuImg.toString(), "create", "-q", "-f", "qcow2", "-F", "raw",
                "-b", imageDisk.toAbsolutePath().toString(), overlay.toString()));
        if (sizeBytes != null) {
            argv.add(Long.toString(sizeBytes));
        }
        return List.copyOf(argv);
    }
}
