package io.vmflex.vmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The node-local image store: {@code <dir>/<name>/manifest.json} naming a kernel, an optional
 * initrd and an optional raw disk, all relative to the image's folder. Built by
 * {@code rootfs/build-test-image.sh}; referred to from a spec by {@code rootDisk.image} and
 * {@code kernelImage}.
 *
 * <p>Read-only and thread-safe.
 */
public final class ImageStore {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public ImageStore(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** @param cmdline the image's default kernel command line, may be empty */
    public record Image(String name, Path kernel, Path initrd, Path disk, String cmdline) {
    }

    public Image resolve(String name) throws ImageNotFoundException {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ImageNotFoundException("image name \"" + name + "\" is not a valid image store name");
        }
        Path imageDir = dir.resolve(name);
        Path manifest = imageDir.resolve("manifest.json");
        if (!Files.isRegularFile(manifest)) {
            throw new ImageNotFoundException("image \"" + name + "\" not found in " + dir
                    + " (build it with rootfs/build-test-image.sh " + dir + ")");
        }
        try {
            JsonNode m = JSON.readTree(manifest.toFile());
            Path kernel = file(imageDir, m, "kernel", true);
            return new Image(name, kernel, file(imageDir, m, "initrd", false), file(imageDir, m, "disk", false),
                    m.path("cmdline").asText(""));
        } catch (IOException e) {
            throw new ImageNotFoundException("image \"" + name + "\": unreadable manifest " + manifest + ": " + e.getMessage());
        }
    }

    private static Path file(Path imageDir, JsonNode m, String field, boolean required) throws ImageNotFoundException {
        JsonNode v = m.get(field);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
            if (required) {
                throw new ImageNotFoundException("image manifest " + imageDir.resolve("manifest.json") + " has no " + field);
            }
            return null;
        }
        Path p = imageDir.resolve(v.asText()).normalize();
        if (!p.startsWith(imageDir) || !Files.isRegularFile(p)) {
            throw new ImageNotFoundException("image " + imageDir.getFileName() + ": " + field + " file " + p + " missing");
        }
        return p;
    }

    public static final class ImageNotFoundException extends Exception {
        public ImageNotFoundException(String message) {
            super(message);
        }
    }
}
