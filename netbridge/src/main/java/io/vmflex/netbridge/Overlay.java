package io.vmflex.netbridge;

import io.vmflex.sys.Errno;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.netlink.FdbEntry;
import io.vmflex.sys.netlink.LinkInfo;
import io.vmflex.sys.netlink.RtNetlink;
import io.vmflex.sys.netlink.VxlanInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The node's part of the flat L2 overlay: one VXLAN device, a port of the node bridge, with one
 * all-zero-MAC forwarding entry per peer VTEP. Broadcast and unknown unicast are copied to every
 * peer (head-end replication, no multicast needed in the underlay); MAC learning stays on, so
 * unicast goes straight to the VTEP a MAC was last seen behind, which QEMU's {@code announce-self}
 * updates after a migration. All nodes' bridges thus form one L2 network in which a VM keeps its
 * IP and MAC wherever it runs.
 *
 * <pre>
 *  node-1                                   node-2
 *  tap vmfx… ─┐                             ┌─ tap vmfx…
 *            bridge vmfxbr0               bridge vmfxbr0
 *  vxlan vmfxvx0 ─┘  ── UDP 4789, VNI ──  └─ vxlan vmfxvx0
 *  (local 10.231.0.11, fdb 00:00:00:00:00:00 dst 10.231.0.12, …)
 * </pre>
 *
 * <p>{@link #ensure} is level-triggered and idempotent: it creates what is missing, fixes MTU,
 * bridge port and link state, adds the flood entries of new peers and deletes those of peers that
 * are gone (static entries only; learned ones age out by themselves). A VXLAN device that already
 * exists but was made with another VNI, local address or port (a changed {@code --overlay-vni} or
 * {@code --underlay-address}) is deleted and made again. The device stays when the daemon stops,
 * like the bridge: VMs outlive the daemon.
 *
 * <p>Thread-safe as far as {@link RtNetlink} is; concurrent ensures with the same peers converge.
 */
public final class Overlay {

    private static final Logger LOG = LoggerFactory.getLogger(Overlay.class);
    private static final byte[] FLOOD = new byte[6];

    private final RtNetlink netlink;
    private final OverlayConfig config;
    private final NodeBridge bridge;

    public Overlay(RtNetlink netlink, OverlayConfig config, NodeBridge bridge) {
        this.netlink = netlink;
        this.config = config;
        this.bridge = bridge;
    }

    /** What one {@link #ensure} changed. */
    public record Changes(boolean created, List<InetAddress> addedPeers, List<InetAddress> removedPeers) {
        public Changes {
            addedPeers = List.copyOf(addedPeers);
            removedPeers = List.copyOf(removedPeers);
        }

        public boolean any() {
            return created || !addedPeers.isEmpty() || !removedPeers.isEmpty();
        }
    }

    /**
     * Makes the overlay look like this: bridge ensured, VXLAN device present, MTU as configured, a
     * port of the bridge, up, and exactly one flood entry per address of {@code peerUnderlays}
     * (this node's own address is skipped).
     */
    public Changes ensure(Collection<Inet4Address> peerUnderlays) throws NativeException {
        bridge.ensure();
        String name = config.device();
        boolean created = netlink.createVxlan(name, config.vni(), config.localAddress(), config.port(), null);
        if (!created) {
            Optional<VxlanInfo> present = netlink.vxlan(name);
            if (!matchesConfig(present)) {
                // Made by an earlier run with another VNI, local address or port (or not a VXLAN at all):
                // made again, since the kernel cannot change those on a live device. Peers come back below.
                LOG.warn("{} is not VXLAN VNI {} local {} port {} (it is {}): making it again", name, config.vni(),
                        config.localAddress().getHostAddress(), config.port(),
                        present.map(Object::toString).orElse("no VXLAN"));
                netlink.deleteLink(name);
                created = netlink.createVxlan(name, config.vni(), config.localAddress(), config.port(), null);
            }
        }
        if (created) {
            LOG.info("created VXLAN {} (VNI {}, local {}, port {})", name, config.vni(),
                    config.localAddress().getHostAddress(), config.port());
        }
        LinkInfo link = netlink.link(name)
                .orElseThrow(() -> new NativeException("RTM_GETLINK " + name + " (vanished after create)", Errno.ENODEV));
        if (link.mtu() != config.mtu()) {
            netlink.setMtu(name, config.mtu());
        }
        int bridgeIndex = netlink.linkIndex(bridge.name());
        if (link.masterIndex() != bridgeIndex) {
            netlink.setMaster(name, bridge.name());
        }
        if (!link.isUp()) {
            netlink.setUp(name);
        }
        Set<InetAddress> wanted = new LinkedHashSet<>(peerUnderlays);
        wanted.remove(config.localAddress());
        Set<InetAddress> present = new LinkedHashSet<>();
        for (FdbEntry e : netlink.fdbEntries(name)) {
            if (e.isFlood()) {
                present.add(e.destination());
            }
        }
        List<InetAddress> added = new ArrayList<>();
        for (InetAddress peer : wanted) {
            if (!present.contains(peer)) {
                netlink.appendFdb(name, FLOOD, peer);
                added.add(peer);
            }
        }
        List<InetAddress> removed = new ArrayList<>();
        for (InetAddress old : present) {
            if (!wanted.contains(old)) {
                netlink.deleteFdb(name, FLOOD, old);
                removed.add(old);
            }
        }
        if (!added.isEmpty() || !removed.isEmpty()) {
            LOG.info("VXLAN {}: peers added {}, removed {}", name, addresses(added), addresses(removed));
        }
        return new Changes(created, added, removed);
    }

    public OverlayConfig config() {
        return config;
    }

    private static List<String> addresses(List<InetAddress> l) {
        return l.stream().map(InetAddress::getHostAddress).toList();
    }

    private boolean matchesConfig(Optional<VxlanInfo> present) {
        return present.isPresent() && present.get().vni() == config.vni()
                && config.localAddress().equals(present.get().local()) && present.get().port() == config.port();
    }
}
