package io.vmflex.image.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real registry for tests: Debian's docker-registry (the CNCF distribution registry) on a loopback
 * port with its storage in a test folder, filled with skopeo. {@link #missing()} names what is not
 * installed, so that a test can say why it is skipped.
 */
public final class LocalRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path storage;

    private LocalRegistry(Process process, int port, Path storage) {
        this.process = process;
        this.port = port;
        this.storage = storage;
    }

    /** The program this machine lacks (docker-registry or skopeo), or null. */
    public static String missing() {
        for (String program : List.of("docker-registry", "skopeo")) {
            if (Stream.of(System.getenv("PATH").split(":")).noneMatch(d -> Files.isExecutable(Path.of(d, program)))) {
                return program;
            }
        }
        return null;
    }

    /** Starts a registry keeping its blobs under {@code dir}; returns once it answers {@code GET /v2/}. */
    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path storage = dir.resolve("storage");
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log: {level: warn}
                storage:
                  filesystem: {rootdirectory: %s}
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder("docker-registry", "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        LocalRegistry registry = new LocalRegistry(p, port, storage);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return registry;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !p.isAlive()) {
                registry.close();
                throw new IOException("the registry did not start: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
    }

    /** {@code docker://127.0.0.1:<port>/<repoAndTag>}. */
    public String ref(String repoAndTag) {
        return "docker://127.0.0.1:" + port + "/" + repoAndTag;
    }

    public int port() {
        return port;
    }

    /** The registry's blob store: its files are what it serves. */
    public Path storage() {
        return storage;
    }

    /** Pushes the OCI layout (or archive, {@code oci-archive:}) {@code source} as {@code repoAndTag} with skopeo. */
    public void push(String source, String repoAndTag) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--insecure-policy", "--dest-tls-verify=false",
                source, ref(repoAndTag)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + ": " + out);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
