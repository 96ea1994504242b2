package io.vmflex.api.vm;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * The guest's root disk, as NeonVM's {@code guest.rootDisk}. {@code image} is required. Immutable.
 *
 * @param image           image reference (a container image in NeonVM, a disk image name in vmflex)
 * @param size            optional size of the disk
 * @param imagePullPolicy defaults to IfNotPresent
 * @param execute         optional command run from the disk
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RootDisk(String image, ByteQuantity size, ImagePullPolicy imagePullPolicy, List<String> execute) {

    public RootDisk {
        execute = Copies.list(execute);
    }

    public static RootDisk ofImage(String image) {
        return new RootDisk(image, null, null, null);
    }

    public RootDisk withImagePullPolicy(ImagePullPolicy policy) {
        return new RootDisk(image, size, policy, execute);
    }
}
