package io.vmflex.netbridge;

import io.vmflex.sys.NativeException;
import io.vmflex.sys.netlink.LinkInfo;
import io.vmflex.sys.netlink.MacAddress;
import io.vmflex.sys.netlink.RtNetlink;
import io.vmflex.sys.tun.TunTap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Per-VM networking on one node: a persistent tap named after the VM, a port of the node bridge,
 * up; an address from the {@link IpPool}; a MAC from {@link VmMac}.
 *
 * <p>Naming: the tap of VM {@code v} is {@code <tapPrefix><first 8 hex digits of SHA-256(v)>}
 * ({@code vmfx1a2b3c4d} with the default prefix): 12 characters, within the kernel's 15, the
 * same on every node (a migration target creates the same name), and recognisable for cleanup.
 *
 * <p>Everything is idempotent and level-triggered: {@link #attach} after a daemon restart finds
 * the existing tap (possibly held by a running QEMU) and only fixes what differs; {@link #detach}
 * of a detached VM does nothing; {@link #cleanup} removes the taps and addresses of VMs that no
 * longer exist.
 *
 * <p>Thread-safe for different VMs; attach and detach of the same VM must not run concurrently
 * (the VM's supervisor owns its network).
 */
public final class VmNetwork {

    private static final Logger LOG = LoggerFactory.getLogger(VmNetwork.class);
    private static final String TAP_KIND = "tun";

    private final RtNetlink netlink;
    private final NetConfig config;
    private final NodeBridge bridge;
    private final IpPool pool;
    private final Pattern tapPattern;

    public VmNetwork(RtNetlink netlink, NetConfig config, IpPool pool) {
        if (!pool.network().equals(config.network()) || !pool.gateway().equals(config.gateway())) {
            throw new IllegalArgumentException("IP pool " + pool.network() + " does not match the config's " + config.network());
        }
        this.netlink = netlink;
        this.config = config;
        this.bridge = new NodeBridge(netlink, config);
        this.pool = pool;
        this.tapPattern = Pattern.compile(Pattern.quote(config.tapPrefix()) + "[0-9a-f]{" + NetConfig.TAP_HASH_DIGITS + "}");
    }

    /** Opens the pool file under {@code config.stateDir()}. */
    public static VmNetwork open(RtNetlink netlink, NetConfig config) throws IOException {
        return new VmNetwork(netlink, config, new IpPool(config.poolFile(), config.network(), config.gateway(),
                config.ipRange()));
    }

    public NodeBridge bridge() {
        return bridge;
    }

    public IpPool pool() {
        return pool;
    }

    /** The tap name of {@code vmName} under this node's prefix. */
    public String tapName(String vmName) {
        byte[] digest = VmMac.sha256("vmflex-tap:" + VmMac.requireVmName(vmName));
        return config.tapPrefix() + HexFormat.of().formatHex(digest, 0, NetConfig.TAP_HASH_DIGITS / 2);
    }

    /**
     * Gives {@code vmName} its NIC: ensures the bridge, allocates (or finds) its address, creates
     * its persistent tap unless it exists, and makes the tap an up port of the bridge.
     *
     * @throws IpPoolExhaustedException if the network has no free address
     * @throws NativeException          if a link of the tap's name exists but is not a tap, or a
     *                                  netlink/tun call fails
     */
    public VmNic attach(String vmName) throws IOException {
        return attach(vmName, null);
    }

    /**
     * {@link #attach(String)} with an exact address: a VM that migrates in keeps the IP (and, by its
     * name, the MAC) it had on the source node.
     *
     * @param keepIp the address the VM must have, or null to allocate from this node's range
     * @throws IpAddressTakenException if another VM of this node holds {@code keepIp}
     */
    public VmNic attach(String vmName, Inet4Address keepIp) throws IOException {
        bridge.ensure();
        Inet4Address ip = keepIp == null ? pool.allocate(vmName) : pool.reserve(vmName, keepIp);
        String tap = tapName(vmName);
        LinkInfo link = netlink.link(tap).orElse(null);
        if (link == null) {
            TunTap.createTap(tap, true).close();
            LOG.info("vm {}: created tap {}", vmName, tap);
            link = netlink.link(tap).orElseThrow(() -> new IOException("tap " + tap + " vanished after creation"));
        } else if (!TAP_KIND.equals(link.kind())) {
            throw new IOException("vm " + vmName + ": link " + tap + " exists but is a '" + link.kind()
                    + "' device, not a tap; refusing to touch it");
        }
        byte[] tapMac = VmMac.tapSide(vmName);
        if (!link.mac().equals(MacAddress.format(tapMac))) {
            netlink.setMac(tap, tapMac);
        }
        int bridgeIndex = netlink.linkIndex(bridge.name());
        if (link.masterIndex() != bridgeIndex) {
            netlink.setMaster(tap, bridge.name());
        }
        if (!link.isUp()) {
            netlink.setUp(tap);
        }
        return new VmNic(tap, VmMac.of(vmName), ip, config.network().prefix(), config.gateway());
    }

    /** Deletes the VM's tap (if any) and releases its address (if any). */
    public void detach(String vmName) throws IOException {
        String tap = tapName(vmName);
        if (netlink.deleteLink(tap)) {
            LOG.info("vm {}: deleted tap {}", vmName, tap);
        }
        pool.release(vmName);
    }

    /** What {@link #cleanup} removed. */
    public record CleanupReport(List<String> deletedTaps, List<String> releasedVms) {
        public CleanupReport {
            deletedTaps = List.copyOf(deletedTaps);
            releasedVms = List.copyOf(releasedVms);
        }
    }

    /**
     * Removes what belongs to VMs not in {@code liveVmNames}: every tap device named
     * {@code <tapPrefix><8 hex>} that is not a live VM's tap, and every pool address of a VM
     * that is not live. Links of other kinds, or with other names, are never touched.
     */
    public CleanupReport cleanup(Set<String> liveVmNames) throws IOException {
        Set<String> liveTaps = new HashSet<>();
        for (String vm : liveVmNames) {
            liveTaps.add(tapName(vm));
        }
        List<String> deleted = new ArrayList<>();
        for (LinkInfo link : netlink.links()) {
            if (TAP_KIND.equals(link.kind()) && tapPattern.matcher(link.name()).matches()
                    && !liveTaps.contains(link.name()) && netlink.deleteLink(link.name())) {
                LOG.info("cleanup: deleted tap {} of a VM that no longer exists", link.name());
                deleted.add(link.name());
            }
        }
        List<String> released = new ArrayList<>();
        for (String vm : pool.allocations().keySet()) {
            if (!liveVmNames.contains(vm) && pool.release(vm)) {
                LOG.info("cleanup: released the address of VM {} which no longer exists", vm);
                released.add(vm);
            }
        }
        return new CleanupReport(deleted, released);
    }

    /**
     * The Linux kernel's {@code ip=} parameter for a static guest address:
     * {@code ip=<client>::<gateway>:<netmask>::eth0:off}. It takes effect only if the guest
     * kernel has virtio-net built in (CONFIG_IP_PNP runs before modules load).
     */
    public static String kernelIpArg(VmNic nic) {
        return "ip=" + nic.ip().getHostAddress() + "::" + nic.gateway().getHostAddress() + ":" + nic.netmask()
                + "::eth0:off";
    }

    /** QEMU arguments attaching a virtio-net NIC with the VM's MAC to its tap. */
    public static List<String> qemuArgs(VmNic nic) {
        return List.of(
                "-netdev", "tap,id=net0,ifname=" + nic.tapName() + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=net0,mac=" + nic.macText());
    }
}
