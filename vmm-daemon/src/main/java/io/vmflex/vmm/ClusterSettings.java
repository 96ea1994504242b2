package io.vmflex.vmm;

import java.net.Inet4Address;
import java.nio.file.Path;

/**
 * Standalone multi-node settings ({@code --peers FILE}, {@code --underlay-address IP},
 * {@code --overlay-vni N}).
 *
 * @param peersFile the {@link Peers} file, or null for none (migration targets are then host:port only)
 * @param underlay  this node's underlay address, the VXLAN endpoint; null: no overlay
 * @param vni       the overlay's VXLAN network identifier, the same on every node
 */
public record ClusterSettings(Path peersFile, Inet4Address underlay, int vni) {
}
