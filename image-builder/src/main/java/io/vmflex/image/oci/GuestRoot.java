package io.vmflex.image.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Readies an unpacked container root for vmflex's guest side, which the image builder script then
 * copies in: the folders it writes to ({@code /usr/local/lib/vmflex}, {@code /opt/vmflex-monitor})
 * fresh and real, the mount points the init needs ({@code /proc /sys /dev /run /tmp}) real
 * directories, and the workload's entrypoint, cmd, env, working directory and user as files (one
 * item per line) under {@code /usr/local/lib/vmflex/workload}.
 *
 * <p>A link anywhere on those paths would send the host's writes where the image points (an
 * absolute link is the host's path to the builder): a link on the way to vmflex's folders refuses
 * the image, a mount point that is a link is replaced by a directory.
 */
public final class GuestRoot {
    private static final List<String> MUST_BE_DIRECTORIES = List.of("usr", "usr/local", "usr/local/lib", "opt");
    private static final List<String> MOUNT_POINTS = List.of("proc", "sys", "dev", "run", "tmp");

    private GuestRoot() {
    }

    public static void prepare(Path root, ImageConfig config) throws ImageRefusedException, IOException {
        for (String dir : MUST_BE_DIRECTORIES) {
            Path p = root.resolve(dir);
            if (Files.isSymbolicLink(p)) {
                throw new ImageRefusedException("the image's /" + dir + " is a symbolic link; vmflex puts its guest init under it");
            }
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new ImageRefusedException("the image's /" + dir + " is not a directory");
            }
            Files.createDirectories(p);
        }
        for (String mine : List.of("usr/local/lib/vmflex", "opt/vmflex-monitor")) {
            ImageImporter.deleteTree(root.resolve(mine));
            Files.createDirectory(root.resolve(mine));
        }
        for (String mount : MOUNT_POINTS) {
            Path p = root.resolve(mount);
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                ImageImporter.deleteTree(p);
                Files.createDirectory(p);
            }
        }
        Path workload = Files.createDirectory(root.resolve("usr/local/lib/vmflex/workload"));
        lines(workload.resolve("entrypoint"), config.entrypoint());
        lines(workload.resolve("cmd"), config.cmd());
        lines(workload.resolve("env"), config.env());
        lines(workload.resolve("workdir"), config.workingDir().isEmpty() ? List.of() : List.of(config.workingDir()));
        lines(workload.resolve("user"), config.user().isEmpty() ? List.of() : List.of(config.user()));
    }

    private static void lines(Path file, List<String> items) throws ImageRefusedException, IOException {
        for (String item : items) {
            if (item.indexOf('\n') >= 0 || item.indexOf('\0') >= 0) {
                throw new ImageRefusedException("image config value \"" + item.lines().findFirst().orElse("")
                        + "...\" holds a newline or NUL, which vmflex cannot pass to the guest");
            }
        }
        StringBuilder text = new StringBuilder();
        items.forEach(i -> text.append(i).append('\n'));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
