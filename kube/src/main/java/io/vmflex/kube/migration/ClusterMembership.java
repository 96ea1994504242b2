package io.vmflex.kube.migration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * What a node daemon in Kubernetes mode takes from and gives to the cluster for migrations, instead of
 * the standalone files: its own Node's annotations ({@link VmNode#MIGRATION_ADDRESS},
 * {@link VmNode#UNDERLAY_ADDRESS}), the cluster secret from Secret {@value #SECRET_NAMESPACE}/{@value #SECRET_NAME}
 * (key {@value #SECRET_KEY}), and the overlay's peers file written from the VM nodes' annotations.
 * Files are written atomically (temporary file, fsync, rename), the secret with mode 0600.
 */
public final class ClusterMembership {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMembership.class);
    public static final String SECRET_NAMESPACE = "vmflex-system";
    public static final String SECRET_NAME = "vmflex-cluster";
    public static final String SECRET_KEY = "secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClusterMembership() {
    }

    /** The cluster secret's bytes, if the Secret exists and has the key. */
    public static Optional<byte[]> clusterSecret(KubernetesClient client) {
        Secret s = client.secrets().inNamespace(SECRET_NAMESPACE).withName(SECRET_NAME).get();
        if (s == null || s.getData() == null || s.getData().get(SECRET_KEY) == null) {
            return Optional.empty();
        }
        return Optional.of(Base64.getDecoder().decode(s.getData().get(SECRET_KEY)));
    }

    /** Writes {@code bytes} to {@code file} with mode 0600, atomically. */
    public static void writeSecretFile(Path file, byte[] bytes) throws IOException {
        write(file, bytes, true);
    }

    /**
     * Annotates this node's Node object with where its daemon takes migrations and its underlay address
     * (either may be null: left out). Retries in the background until the Node exists (a kubelet may
     * register it after the daemon starts); returns at once.
     */
    public static Thread annotateNode(KubernetesClient client, String node, String migrationAddress, String underlay) {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode annotations = patch.putObject("metadata").putObject("annotations");
        if (migrationAddress != null) {
            annotations.put(VmNode.MIGRATION_ADDRESS, migrationAddress);
        }
        if (underlay != null) {
            annotations.put(VmNode.UNDERLAY_ADDRESS, underlay);
        }
        return Thread.ofVirtual().name("kube-node-annotate").start(() -> {
            for (int attempt = 1; !Thread.currentThread().isInterrupted(); attempt++) {
                try {
                    client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
                    LOG.info("node {}: annotated {}", node, annotations);
                    return;
                } catch (KubernetesClientException e) {
                    if (attempt == 1 || attempt % 30 == 0) {
                        LOG.warn("node {}: cannot annotate its Node object yet: {} (retrying)", node,
                                e.getCode() == 404 ? "no such Node" : e.getMessage());
                    }
                }
                LockSupport.parkNanos(Duration.ofSeconds(2).toNanos());
            }
        });
    }

    /** The peers file ({@code vmflex daemon --peers} format) for the VM nodes that have an underlay address. */
    public static String peersYaml(List<VmNode> nodes) {
        StringBuilder b = new StringBuilder("# written by the node daemon from the Nodes' " + VmNode.UNDERLAY_ADDRESS
                + " and " + VmNode.MIGRATION_ADDRESS + " annotations\npeers:\n");
        nodes.stream().filter(n -> n.underlayAddress() != null).sorted(java.util.Comparator.comparing(VmNode::name)).forEach(n -> {
            b.append("  - name: ").append(quote(n.name())).append('\n');
            b.append("    underlay: ").append(quote(n.underlayAddress())).append('\n');
            if (n.migrationAddress() != null) {
                b.append("    migration: ").append(quote(n.migrationAddress())).append('\n');
            }
        });
        if (nodes.stream().noneMatch(n -> n.underlayAddress() != null)) {
            b.setLength(b.length() - 1);
            b.append(" []\n");
        }
        return b.toString();
    }

    /** Writes the peers file when its text changed. */
    public static void writePeers(Path file, List<VmNode> nodes) {
        String text = peersYaml(nodes);
        try {
            if (Files.exists(file) && Files.readString(file).equals(text)) {
                return;
            }
            write(file, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
            LOG.info("overlay peers from the Nodes: {}", nodes.stream().filter(n -> n.underlayAddress() != null).map(VmNode::name).toList());
        } catch (IOException e) {
            LOG.warn("writing the peers file {}: {}", file, e.toString());
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void write(Path file, byte[] bytes, boolean secret) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
