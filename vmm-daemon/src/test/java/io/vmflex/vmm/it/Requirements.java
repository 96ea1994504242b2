package io.vmflex.vmm.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What an integration test needs from the machine (test image, QEMU, root, ...), checked before
 * it sets anything up. A test whose need is not met is skipped, not failed, and says why on
 * stderr ({@code SKIPPED <TestClass>: <why>}) so a green run that skipped everything is visible in
 * the build log. Stateless; call from the test thread (the skip is a JUnit assumption).
 */
final class Requirements {
    private Requirements() {
    }

    /** Skips {@code test} unless the test image is built and QEMU is installed. */
    static void requireImages(Class<?> test) {
        skipIf(test, Guest.missingImage());
    }

    /** Skips {@code test} unless the test image carries the guest monitor's disk. */
    static void requireMonitorImage(Class<?> test) {
        skipIf(test, Guest.missingImage().or(() -> missingFile(Guest.imageDir().resolve("test/monitor.img"),
                "test image has no guest monitor disk")));
    }

    /** Skips {@code test} unless the test image is there and this JVM runs as root; {@code why} names what root is for. */
    static void requireImagesAndRoot(Class<?> test, String why) {
        skipIf(test, Guest.missingImage().or(() -> notRoot(why)));
    }

    /** Skips {@code test} (with a line on stderr) when {@code why} is present; does nothing otherwise. */
    static void skipIf(Class<?> test, Optional<String> why) {
        why.ifPresent(reason -> System.err.println("SKIPPED " + test.getSimpleName() + ": " + reason));
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
    }

    /** {@code why} unless this JVM runs as root. */
    static Optional<String> notRoot(String why) {
        return isRoot() ? Optional.empty() : Optional.of(why);
    }

    /** {@code why} unless {@code file} is a regular file. */
    static Optional<String> missingFile(Path file, String why) {
        return Files.isRegularFile(file) ? Optional.empty() : Optional.of(why);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
