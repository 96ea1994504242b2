package io.vmflex.netbridge;

import io.vmflex.sys.Errno;
import io.vmflex.sys.NativeException;
import io.vmflex.sys.netlink.LinkInfo;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.sys.netlink.RtNetlink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * The node's bridge: every VM tap is a port of it, and it carries the VMs' gateway address.
 *
 * <p>{@link #ensure()} is a level-triggered reconcile, safe to call at every daemon start and
 * before every attach: it creates what is missing and leaves what is right. It also pins the
 * bridge's MAC: a bridge without an explicit MAC takes the lowest MAC among its ports and changes
 * it as taps come and go, which would leave stale gateway entries in the guests' ARP caches.
 *
 * <p>Anycast gateway: the MAC is derived from the VM network and the gateway address only, so
 * every node of an overlay carries the same gateway IP with the same MAC. A VM's gateway is then
 * always the node it currently runs on, also right after a live migration (its ARP entry for the
 * gateway stays valid), and it does not depend on the node it was born on. The price: the gateway
 * address is not unique on the L2, so a node's own stack can talk over the VM network only to the
 * VMs it hosts (their replies to the gateway address stay on the node the VM is on); clients reach
 * VMs from addresses of their own (as the {@code ci/nodes} client does).
 *
 * <p>An address the bridge has besides the gateway is left alone (an administrator's, or an
 * old configuration's); so is the bridge on {@link #close}: VMs outlive the daemon.
 *
 * <p>Thread-safe as far as {@link RtNetlink} is; concurrent ensures converge on the same state.
 */
public final class NodeBridge {

    private static final Logger LOG = LoggerFactory.getLogger(NodeBridge.class);

    private final RtNetlink netlink;
    private final NetConfig config;
    private final byte[] mac;

    public NodeBridge(RtNetlink netlink, NetConfig config) {
        this.netlink = netlink;
        this.config = config;
        byte[] digest = VmMac.sha256("vmflex-gateway:" + config.network() + ":" + config.gateway().getHostAddress());
        this.mac = new byte[6];
        mac[0] = 0x02;
        System.arraycopy(digest, 0, mac, 1, 5);
    }

    /** Creates the bridge if missing, pins its MAC, adds the gateway address, sets it up. */
    public void ensure() throws NativeException {
        String name = config.bridgeName();
        if (netlink.createBridge(name)) {
            LOG.info("created bridge {}", name);
        }
        LinkInfo link = netlink.link(name)
                .orElseThrow(() -> new NativeException("RTM_GETLINK " + name + " (vanished after create)", Errno.ENODEV));
        if (!link.mac().equals(MacAddress.format(mac))) {
            netlink.setMac(name, mac);
        }
        if (netlink.addAddress(name, config.gateway(), config.network().prefix())) {
            LOG.info("bridge {}: added {}/{}", name, config.gateway().getHostAddress(), config.network().prefix());
        }
        if (!link.isUp()) {
            netlink.setUp(name);
        }
    }

    public String name() {
        return config.bridgeName();
    }

    /** The MAC this node pins on its bridge. */
    public byte[] mac() {
        return Arrays.copyOf(mac, mac.length);
    }
}
