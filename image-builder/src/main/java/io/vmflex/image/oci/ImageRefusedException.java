package io.vmflex.image.oci;

/**
 * A container image vmflex will not turn into a VM image, with the one-line reason: not an image,
 * not linux/amd64, a blob that does not match its digest, a layer entry that would land outside
 * the root. Nothing has been written to the image store when this is thrown.
 */
public final class ImageRefusedException extends Exception {
    public ImageRefusedException(String reason) {
        super(reason);
    }

    public ImageRefusedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
