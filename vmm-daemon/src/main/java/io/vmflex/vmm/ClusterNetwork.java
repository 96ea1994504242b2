package io.vmflex.vmm;

import io.vmflex.migration.PeerFilter;
import io.vmflex.netbridge.Overlay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;

/**
 * Keeps this node in step with its peers file: re-reads it when it changes and, every period,
 * ensures the VXLAN overlay has exactly the peers' flood entries (level-triggered, so a deleted
 * device or entry comes back too). A file that does not parse keeps the last good peers and is
 * logged. Resolves migration targets by node name.
 *
 * <p>Thread-safe: {@link #peers} is a volatile snapshot; the loop runs on one virtual thread.
 */
final class ClusterNetwork implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNetwork.class);

    private final Path file;
    private final String self;
    private final Overlay overlay;
    private volatile Peers peers = Peers.NONE;
    private FileTime loaded; // loop thread only (and the constructor)
    private Thread loop;

    /**
     * Loads the file (an error here fails the daemon's start) and ensures the overlay once.
     *
     * @param file    the peers file, or null: no peers
     * @param overlay the node's overlay, or null: names only
     */
    public ClusterNetwork(Path file, String self, Overlay overlay) throws IOException {
        this.file = file;
        this.self = self;
        this.overlay = overlay;
        if (file != null) {
            loaded = Files.getLastModifiedTime(file);
            peers = Peers.load(file);
            LOG.info("peers from {}: {}", file, peers.peers().stream().map(Peers.Peer::name).toList());
        }
        if (overlay != null) {
            overlay.ensure(peers.underlaysExcept(self));
        }
    }

    /**
     * Who may connect to the migration port: with a peers file, only the peers' addresses (as the
     * file says now; it is re-read); without one, anyone (the cluster secret is then the only gate).
     */
    public PeerFilter migrationPeers() {
        return file == null ? PeerFilter.ANY : address -> peers().includes(address);
    }

    /** Starts re-reading and re-ensuring every {@code period}. */
    public ClusterNetwork watch(Duration period) {
        loop = Thread.ofVirtual().name("cluster-network").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(period.toMillis());
                    step();
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    LOG.warn("peers/overlay reconcile: {}", e.toString());
                }
            }
        });
        return this;
    }

    private void step() throws IOException {
        if (file != null) {
            FileTime now = Files.getLastModifiedTime(file);
            if (!now.equals(loaded)) {
                loaded = now;
                try {
                    peers = Peers.load(file);
                    LOG.info("peers file changed: {}", peers.peers().stream().map(Peers.Peer::name).toList());
                } catch (IOException e) {
                    LOG.warn("peers file not applied, keeping the previous peers: {}", e.getMessage());
                }
            }
        }
        if (overlay != null) {
            overlay.ensure(peers.underlaysExcept(self));
        }
    }

    public Peers peers() {
        return peers;
    }

    /** {@code host:port} or a peer's node name; throws IllegalArgumentException with a one-line reason. */
    public InetSocketAddress resolveTarget(String target) {
        return peers.resolveTarget(target);
    }

    @Override
    public void close() {
        if (loop != null) {
            loop.interrupt();
        }
    }
}
