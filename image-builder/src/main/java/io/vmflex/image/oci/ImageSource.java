package io.vmflex.image.oci;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Which kind of container image a path holds: an OCI image layout directory ({@code oci-layout} +
 * {@code index.json} + {@code blobs/}), an OCI archive (that layout in a tar, as
 * {@code skopeo copy ... oci-archive:} and {@code buildah push ... oci-archive:} write it) or a
 * docker-archive ({@code docker save}: {@code manifest.json} + config + layer tars).
 */
public final class ImageSource {
    public enum Format { OCI_LAYOUT, OCI_ARCHIVE, DOCKER_ARCHIVE }

    private ImageSource() {
    }

    public static Format detect(Path source) throws ImageRefusedException {
        if (Files.isDirectory(source)) {
            if (Files.isRegularFile(source.resolve("oci-layout")) && Files.isRegularFile(source.resolve("index.json"))) {
                return Format.OCI_LAYOUT;
            }
            throw new ImageRefusedException(source + " is a directory but not an OCI image layout (no oci-layout and index.json)");
        }
        if (!Files.isRegularFile(source)) {
            throw new ImageRefusedException(source + " does not exist");
        }
        boolean ociLayout = false;
        boolean index = false;
        boolean dockerManifest = false;
        try (InputStream in = Files.newInputStream(source); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                ociLayout |= name.equals("oci-layout");
                index |= name.equals("index.json");
                dockerManifest |= name.equals("manifest.json");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageRefusedException(source + " is not an image: not a directory and not a readable tar (" + e.getMessage() + ")");
        }
        if (ociLayout && index) {
            return Format.OCI_ARCHIVE;
        }
        if (dockerManifest) {
            return Format.DOCKER_ARCHIVE;
        }
        throw new ImageRefusedException(source + " is not an image: a tar without oci-layout/index.json (OCI) or manifest.json (docker-archive)");
    }
}
