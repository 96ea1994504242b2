package io.vmflex.image.oci;

/**
 * A container image unpacked into a root directory.
 *
 * @param format         the source's format
 * @param digest         where it came from: the OCI manifest's digest, or for a docker-archive
 *                       the config's (docker's image id)
 * @param config         how to run it
 * @param layers         how many layers were applied
 * @param skippedDevices device nodes and FIFOs left out of the root
 */
public record ImportedImage(ImageSource.Format format, Digest digest, ImageConfig config, int layers, int skippedDevices) {
}
