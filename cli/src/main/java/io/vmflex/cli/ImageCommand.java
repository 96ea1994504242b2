package io.vmflex.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code vmflex image build NAME} builds a guest image into the node-local image store with the
 * project's builder for it; {@code vmflex image list} shows what the store holds. The builders are
 * the shell scripts under rootfs/ and kernel/ (they need root and Debian's package archive).
 */
@Command(name = "image", mixinStandardHelpOptions = true, description = "Build and list guest images in the image store.",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class})
final class ImageCommand implements Runnable {
    /** Image name → builder script, relative to the checkout, and how it takes the store. */
    private static final Map<String, List<String>> BUILDERS = Map.of(
            "test", List.of("rootfs/build-test-image.sh"),
            "postgres", List.of("rootfs/build-postgres-image.sh"),
            "kernel-vmflex", List.of("kernel/build-kernel.sh", "--images"));

    static Path home() {
        return Path.of(System.getProperty("vmflex.home", "."));
    }

    @Override
    public void run() {
        System.out.println("usage: vmflex image build NAME [--images DIR] | vmflex image list [--images DIR]");
    }

    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Build an image: test, postgres or kernel-vmflex; or NAME from a container image (--from).")
    static final class Build implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "test, postgres or kernel-vmflex; with --from, the new image's name")
        String name;

        @Option(names = "--images", description = "Image store (default: <checkout>/build/images)")
        Path images;

        @Option(names = "--from", paramLabel = "SOURCE",
                description = "A container image: an OCI layout directory, an OCI archive, a docker-archive tarball,"
                        + " or docker://HOST[:PORT]/REPO[:TAG|@DIGEST] in a registry (anonymous pull; loopback hosts over HTTP)")
        String from;

        @Override
        public Integer call() throws Exception {
            if (from != null) {
                return FromContainerImage.build(from, name, images != null ? images : home().resolve("build/images"), home());
            }
            List<String> builder = BUILDERS.get(name);
            if (builder == null) {
                System.err.println("vmflex image build: unknown image \"" + name + "\" (known: " + String.join(", ", BUILDERS.keySet().stream().sorted().toList()) + ")");
                return 2;
            }
            Path script = home().resolve(builder.getFirst());
            if (!Files.isRegularFile(script)) {
                System.err.println("vmflex image build: builder " + script + " not found in this checkout");
                return 1;
            }
            Path store = images != null ? images : home().resolve("build/images");
            List<String> cmd = new java.util.ArrayList<>(List.of("bash", script.toString()));
            if (builder.size() > 1) {
                cmd.add(builder.get(1));
            }
            cmd.add(store.toString());
            return new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the images in the store.")
    static final class ListImages implements Callable<Integer> {
        @Option(names = "--images", description = "Image store (default: <checkout>/build/images)")
        Path images;

        @Override
        public Integer call() throws Exception {
            Path store = images != null ? images : home().resolve("build/images");
            if (!Files.isDirectory(store)) {
                System.err.println("vmflex image list: no image store at " + store);
                return 1;
            }
            ObjectMapper json = new ObjectMapper();
            System.out.printf("%-16s %-8s %-8s %-10s %s%n", "NAME", "KERNEL", "INITRD", "DISK", "BUILT");
            try (Stream<Path> dirs = Files.list(store)) {
                for (Path d : dirs.sorted().toList()) {
                    Path m = d.resolve("manifest.json");
                    if (!Files.isRegularFile(m)) {
                        continue;
                    }
                    JsonNode n = json.readTree(m.toFile());
                    String disk = n.hasNonNull("disk") ? (Files.size(d.resolve(n.get("disk").asText())) >> 20) + "Mi" : "-";
                    System.out.printf("%-16s %-8s %-8s %-10s %s%n", d.getFileName(), n.hasNonNull("kernel") ? "yes" : "-",
                            n.hasNonNull("initrd") ? "yes" : "-", disk, n.path("builtAt").asText("-"));
                }
            }
            return 0;
        }
    }
}
