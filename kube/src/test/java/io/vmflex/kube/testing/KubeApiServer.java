package io.vmflex.kube.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real etcd and kube-apiserver for tests, in a temporary directory: the API server's own self-signed
 * serving certificate (it makes one into --cert-dir), an admin token in a token file (group
 * system:masters), RBAC on, a service-account signing key. {@link #kubeconfig()} points kubectl and
 * fabric8 at it. Started by {@link KubeApiServerExtension}, once per test JVM.
 */
public final class KubeApiServer implements AutoCloseable {

    /** The Debian source package ci/kube/build-apiserver.sh builds by default; keep the two equal. */
    public static final String DEFAULT_PACKAGE_VERSION = "1.20.5+really1.20.2-1.1+deb12u1";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final Process etcd;
    private final List<String> apiServerCommand;
    private final String token;
    private Process apiServer;
    private final URI url;
    private final Path kubeconfig;

    private KubeApiServer(Path dir, Process etcd, List<String> apiServerCommand, String token, Process apiServer, URI url,
                          Path kubeconfig) {
        this.dir = dir;
        this.etcd = etcd;
        this.apiServerCommand = apiServerCommand;
        this.token = token;
        this.apiServer = apiServer;
        this.url = url;
        this.kubeconfig = kubeconfig;
    }

    /** The kube-apiserver binary: -Dvmflex.kube.apiserver, else $VMFLEX_KUBE_APISERVER, else the build script's cache. */
    public static Path apiServerBinary() {
        String explicit = explicitApiServer();
        if (explicit != null) {
            return Path.of(explicit);
        }
        String cache = System.getenv("VMFLEX_CACHE");
        Path root = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "vmflex");
        return root.resolve("kube-apiserver-" + DEFAULT_PACKAGE_VERSION).resolve("kube-apiserver");
    }

    /** The path given on purpose (CI passes it): then a missing binary is a failure, not a skip. */
    static String explicitApiServer() {
        String property = System.getProperty("vmflex.kube.apiserver");
        return property != null && !property.isBlank() ? property : System.getenv("VMFLEX_KUBE_APISERVER");
    }

    public static Path etcdBinary() {
        return Path.of(System.getProperty("vmflex.kube.etcd", "/usr/bin/etcd"));
    }

    /** Starts etcd and the API server and waits until /readyz answers ok. */
    public static KubeApiServer start() throws IOException {
        Path dir = Files.createTempDirectory("vmflex-kube-");
        List<Process> started = new ArrayList<>();
        try {
            int[] ports = freePorts(3);
            int etcdClient = ports[0];
            int etcdPeer = ports[1];
            int securePort = ports[2];
            String etcdUrl = "http://127.0.0.1:" + etcdClient;
            Process etcd = new ProcessBuilder(etcdBinary().toString(),
                    "--name", "vmflex-test", "--data-dir", dir.resolve("etcd").toString(),
                    "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
                    "--listen-peer-urls", "http://127.0.0.1:" + etcdPeer,
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + etcdPeer,
                    "--initial-cluster", "vmflex-test=http://127.0.0.1:" + etcdPeer)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
            started.add(etcd);

            String token = UUID.randomUUID().toString();
            writeAtomically(dir.resolve("tokens.csv"), token + ",vmflex-admin,vmflex-admin,\"system:masters\"\n");
            Path saKey = dir.resolve("sa.key");
            writeAtomically(saKey, serviceAccountKeyPem());
            Path certDir = dir.resolve("certs");
            List<String> command = List.of(apiServerBinary().toString(),
                    "--etcd-servers", etcdUrl,
                    "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
                    "--secure-port", Integer.toString(securePort), "--cert-dir", certDir.toString(),
                    "--token-auth-file", dir.resolve("tokens.csv").toString(),
                    "--authorization-mode", "RBAC",
                    // As kubeadm and managed clusters run it: the node DaemonSet in deploy/ is privileged.
                    "--allow-privileged=true",
                    "--service-cluster-ip-range", "10.96.0.0/24",
                    "--service-account-issuer", "https://kubernetes.default.svc",
                    "--service-account-key-file", saKey.toString(),
                    "--service-account-signing-key-file", saKey.toString(),
                    "--api-audiences", "https://kubernetes.default.svc");
            Process apiServer = startApiServer(command, dir);
            started.add(apiServer);

            URI url = URI.create("https://127.0.0.1:" + securePort);
            Path caFile = certDir.resolve("apiserver.crt");
            awaitReady(url, token, caFile, started, dir);
            Path kubeconfig = dir.resolve("kubeconfig");
            writeAtomically(kubeconfig, kubeconfigYaml(url, token, Files.readAllBytes(caFile)));
            return new KubeApiServer(dir, etcd, command, token, apiServer, url, kubeconfig);
        } catch (IOException | RuntimeException e) {
            started.reversed().forEach(KubeApiServer::stop);
            throw e;
        }
    }

    private static Process startApiServer(List<String> command, Path dir) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kube-apiserver.log").toFile())).start();
    }

    /**
     * Kills the API server (SIGKILL, as a crash would), leaving etcd and its data: clients see
     * connections refused until {@link #startApiServerAgain}.
     */
    public synchronized void killApiServer() {
        apiServer.destroyForcibly();
        try {
            apiServer.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the API server again on the same port, certificate and etcd, and waits until it is ready. */
    public synchronized void startApiServerAgain() throws IOException {
        if (apiServer.isAlive()) {
            return;
        }
        apiServer = startApiServer(apiServerCommand, dir);
        awaitReady(url, token, dir.resolve("certs").resolve("apiserver.crt"), List.of(etcd, apiServer), dir);
    }

    public URI url() {
        return url;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /**
     * A kubeconfig that acts as {@code user} in {@code groups} (the admin impersonates it, as
     * {@code kubectl --as} does): what a component's RBAC allows is then all it can do, e.g.
     * {@code system:serviceaccount:vmflex-system:vmflex-node} in {@code system:serviceaccounts}.
     */
    public Path kubeconfigAs(String user, String... groups) throws IOException {
        StringBuilder yaml = new StringBuilder(Files.readString(kubeconfig).replace("    token: " + token + "\n",
                "    token: " + token + "\n    as: " + user + "\n" + (groups.length == 0 ? "" : "    as-groups:\n")));
        String text = yaml.toString();
        StringBuilder list = new StringBuilder();
        for (String g : groups) {
            list.append("    - ").append(g).append("\n");
        }
        text = text.replace("    as-groups:\n", "    as-groups:\n" + list);
        Path file = dir.resolve("kubeconfig-" + user.replaceAll("[^a-zA-Z0-9-]", "_"));
        writeAtomically(file, text);
        return file;
    }

    /** A fabric8 client as the admin (the caller closes it). */
    public KubernetesClient client() {
        try {
            return new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
                    .build();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs the machine's kubectl against this server; stdin is empty unless given. */
    public Kubectl.Result kubectl(String... args) {
        return Kubectl.run(kubeconfig, null, args);
    }

    /** Runs kubectl with {@code stdin} on its standard input (for {@code apply -f -}). */
    public Kubectl.Result kubectlWithInput(String stdin, String... args) {
        return Kubectl.run(kubeconfig, stdin, args);
    }

    /** The last lines of the API server's log, for a failure message. */
    public String apiServerLogTail() {
        return tail(dir.resolve("kube-apiserver.log"));
    }

    @Override
    public synchronized void close() {
        stop(apiServer);
        stop(etcd);
        deleteTree(dir);
    }

    private static void awaitReady(URI url, String token, Path caFile, List<Process> processes, Path dir) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpClient http = null;
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IOException("kube test server: " + p.info().command().orElse("a process") + " exited with "
                            + p.exitValue() + "\n--- etcd.log\n" + tail(dir.resolve("etcd.log"))
                            + "\n--- kube-apiserver.log\n" + tail(dir.resolve("kube-apiserver.log")));
                }
            }
            if (http == null && Files.exists(caFile) && Files.size(caFile) > 0) {
                http = HttpClient.newBuilder().sslContext(trusting(caFile)).connectTimeout(Duration.ofSeconds(2)).build();
            }
            if (http != null) {
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(url.resolve("/readyz"))
                                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = response.statusCode() + " " + response.body();
                } catch (IOException e) {
                    last = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for the API server", e);
                }
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        throw new IOException("kube test server: not ready after " + START_TIMEOUT.toSeconds() + " s (" + last + ")\n"
                + tail(dir.resolve("kube-apiserver.log")));
    }

    private static SSLContext trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read " + caFile + ": " + e.getMessage(), e);
        }
    }

    private static String kubeconfigYaml(URI url, String token, byte[] ca) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: vmflex-test
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: vmflex-admin
                  user:
                    token: %s
                contexts:
                - name: vmflex-test
                  context:
                    cluster: vmflex-test
                    user: vmflex-admin
                    namespace: default
                current-context: vmflex-test
                """.formatted(url, Base64.getEncoder().encodeToString(ca), token);
    }

    private static String serviceAccountKeyPem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pair.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Distinct free ports: all held open until all are chosen, so none is handed out twice. */
    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : held) {
                socket.close();
            }
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no " + log.getFileName() + ")";
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is not worth failing a finished run for
        }
    }
}
