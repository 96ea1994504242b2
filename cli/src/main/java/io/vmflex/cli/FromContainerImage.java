package io.vmflex.cli;

import io.vmflex.image.oci.GuestRoot;
import io.vmflex.image.oci.ImageImporter;
import io.vmflex.image.oci.ImageRefusedException;
import io.vmflex.image.oci.ImportedImage;
import io.vmflex.image.oci.RegistryPull;
import io.vmflex.image.oci.RegistryReference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code vmflex image build --from SOURCE NAME}: unpacks the container image (image-builder; a
 * {@code docker://} reference is first pulled into an OCI layout in the staging folder), then
 * runs {@code rootfs/build-oci-image.sh} to add vmflex's guest side and write the image. Everything
 * happens in a staging folder inside the store; only the script's final rename touches
 * {@code NAME}, so a refused or failed build leaves the store as it was.
 */
final class FromContainerImage {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** A VM root larger than this is not what vmflex's images are for. */
    private static final long MAX_BYTES = 32L * 1024 * 1024 * 1024;

    private FromContainerImage() {
    }

    static int build(String source, String name, Path store, Path home) throws IOException, InterruptedException {
        if (!NAME.matcher(name).matches()) {
            System.err.println("vmflex image build: \"" + name + "\" is not a valid image name");
            return 2;
        }
        Path script = home.resolve("rootfs/build-oci-image.sh");
        if (!Files.isRegularFile(script)) {
            System.err.println("vmflex image build: builder " + script + " not found in this checkout");
            return 1;
        }
        Files.createDirectories(store);
        Path staging = Files.createTempDirectory(store, "." + name + ".from.");
        try {
            Path root = staging.resolve("root");
            long start = System.nanoTime();
            ImportedImage image;
            String format;
            try {
                if (RegistryReference.looksLikeOne(source)) {
                    // Pulled into an OCI layout in the staging folder, then unpacked and checked like any other.
                    RegistryReference ref = RegistryReference.parse(source);
                    Path layout = staging.resolve("pulled");
                    new RegistryPull(MAX_BYTES).copy(ref, layout);
                    image = new ImageImporter(MAX_BYTES).unpack(layout, root);
                    format = "registry";
                } else {
                    image = new ImageImporter(MAX_BYTES).unpack(Path.of(source), root);
                    format = image.format().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                }
                GuestRoot.prepare(root, image.config());
            } catch (ImageRefusedException e) {
                System.err.println("vmflex image build: " + source + ": " + e.getMessage());
                return 1;
            }
            System.err.printf("vmflex image build: unpacked %s (%s %s, %d layers) in %d ms%n", source, format,
                    image.digest(), image.layers(), (System.nanoTime() - start) / 1_000_000);
            List<String> cmd = new java.util.ArrayList<>(List.of("sh", script.toString(), root.toString(), name, store.toString(),
                    format, image.digest().toString()));
            if (format.equals("registry")) {
                cmd.add(source);
            }
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        } finally {
            try (Stream<Path> all = Files.walk(staging)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
