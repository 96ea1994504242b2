package io.vmflex.sys.netlink;

import io.vmflex.sys.Errno;
import io.vmflex.sys.NativeException;

import java.lang.foreign.Arena;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;

/**
 * Network interfaces through rtnetlink ({@code NETLINK_ROUTE}), the interface {@code ip(8)}
 * itself uses: bridges, veth pairs, VXLAN devices, up/down, bridge ports, addresses, and
 * bridge-FDB entries of VXLAN devices. No process is started.
 *
 * <p>Every change is sent with {@code NLM_F_ACK} and a fresh sequence number; the call returns
 * once the kernel's {@code NLMSG_ERROR} for that sequence number arrives, and a non-zero error
 * becomes a {@link NativeException} whose call names the operation, for example
 * {@code RTM_NEWLINK bridge vmfxbr0: File exists (errno 17, EEXIST)}. When the kernel adds an
 * explanation (extended ack) it is appended in parentheses to the call. Replies with another
 * sequence number (left over from a request that timed out) are skipped.
 *
 * <p>Idempotence, so that a restarted daemon can replay its setup: creating a link that already
 * exists with the same kind returns {@code false}; adding an address that is already there
 * returns {@code false}; deleting a missing link returns {@code false}. Names are checked with
 * {@link IfName#requireValid} before any system call.
 *
 * <p>Thread-safe: all requests on one instance are serialised by its monitor. Acts on the network
 * namespace of the thread that called {@link #open()}.
 */
public final class RtNetlink implements AutoCloseable {

    private static final int VXLAN_VNI_MAX = (1 << 24) - 1;

    private final NetlinkExchange netlink; // guarded by this

    private RtNetlink(NetlinkExchange netlink) {
        this.netlink = netlink;
    }

    /** Opens a route netlink socket in the caller's network namespace. */
    public static RtNetlink open() throws NativeException {
        return new RtNetlink(new NetlinkExchange(NetlinkSocket.open()));
    }

    // ---------------------------------------------------------------- links: create

    /**
     * Creates a bridge ({@code ip link add NAME type bridge}); the new bridge is down.
     *
     * @return true if created, false if a bridge of that name already existed
     * @throws NativeException EEXIST if the name is taken by a link of another kind
     */
    public synchronized boolean createBridge(String name) throws NativeException {
        IfName.requireValid(name);
        return createLink("bridge", name, request -> { });
    }

    /**
     * Creates a veth pair {@code name} &lt;-&gt; {@code peer}, both down.
     *
     * @return true if created, false if a veth called {@code name} already existed (its peer is
     *         not checked)
     */
    public synchronized boolean createVeth(String name, String peer) throws NativeException {
        IfName.requireValid(name);
        IfName.requireValid(peer);
        // IFLA_INFO_DATA { VETH_INFO_PEER { struct ifinfomsg, IFLA_IFNAME peer } }
        return createLink("veth", name, request -> request
                .beginNested(IFLA_INFO_DATA)
                .beginNested(VETH_INFO_PEER)
                .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                .attribute(IFLA_IFNAME, peer)
                .endNested()
                .endNested());
    }

    /**
     * Creates a VXLAN device ({@code ip link add NAME type vxlan id VNI local LOCAL dstport PORT
     * dev UNDERLAY}), down, with MAC learning left on. Remote endpoints are added with
     * {@link #appendFdb}.
     *
     * @param underlayDevice the device the encapsulated packets leave by, or null to let routing decide
     * @return true if created, false if a vxlan device of that name already existed (its
     *         parameters are not compared)
     */
    public synchronized boolean createVxlan(String name, int vni, Inet4Address localAddress, int dstPort,
                                            String underlayDevice) throws NativeException {
        IfName.requireValid(name);
        Objects.requireNonNull(localAddress, "localAddress");
        if (vni < 1 || vni > VXLAN_VNI_MAX) {
            throw new IllegalArgumentException("VXLAN VNI must be in [1, " + VXLAN_VNI_MAX + "]: " + vni);
        }
        if (dstPort < 1 || dstPort > 0xffff) {
            throw new IllegalArgumentException("UDP port must be in [1, 65535]: " + dstPort);
        }
        int underlayIndex = underlayDevice == null ? 0 : linkIndex(IfName.requireValid(underlayDevice));
        return createLink("vxlan", name, request -> {
            request.beginNested(IFLA_INFO_DATA)
                    .attributeInt(IFLA_VXLAN_ID, vni)
                    .attribute(IFLA_VXLAN_LOCAL, localAddress.getAddress())
                    .attributeBigEndianShort(IFLA_VXLAN_PORT, dstPort);
            if (underlayIndex != 0) {
                request.attributeInt(IFLA_VXLAN_LINK, underlayIndex);
            }
            request.endNested();
        });
    }

    private boolean createLink(String kind, String name, Consumer<NetlinkRequest> kindData) throws NativeException {
        String operation = "RTM_NEWLINK " + kind + " " + name;
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                    .attribute(IFLA_IFNAME, name)
                    .beginNested(IFLA_LINKINFO)
                    .attribute(IFLA_INFO_KIND, kind);
            kindData.accept(request);
            request.endNested();
            netlink.exchange(operation, request, false, message -> null);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EEXIST && link(name).map(LinkInfo::kind).filter(kind::equals).isPresent()) {
                return false;
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- links: query

    /** The link called {@code name}, or empty if there is none. */
    public synchronized Optional<LinkInfo> link(String name) throws NativeException {
        return linkByName(name, RtMessages::decodeLink);
    }

    /** How the VXLAN device {@code name} is set up; empty if there is no such link or it is no VXLAN. */
    public synchronized Optional<VxlanInfo> vxlan(String name) throws NativeException {
        return linkByName(name, RtMessages::decodeVxlan);
    }

    /** {@code RTM_GETLINK} of one link by name; empty if there is none, or if {@code decoder} gives null. */
    private <T> Optional<T> linkByName(String name, NetlinkExchange.Decoder<T> decoder) throws NativeException {
        IfName.requireValid(name);
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETLINK, 0)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                    .attribute(IFLA_IFNAME, name);
            return netlink.exchange("RTM_GETLINK " + name, request, false, decoder).stream().filter(Objects::nonNull).findFirst();
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every link of this network namespace. */
    public synchronized List<LinkInfo> links() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETLINK, NLM_F_DUMP)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0);
            return netlink.exchange("RTM_GETLINK dump", request, true, RtMessages::decodeLink);
        }
    }

    /**
     * The interface index of {@code name}.
     *
     * @throws NativeException ENODEV if there is no such link
     */
    public synchronized int linkIndex(String name) throws NativeException {
        return link(name).orElseThrow(() -> new NativeException("RTM_GETLINK " + name, Errno.ENODEV)).index();
    }

    public synchronized boolean linkExists(String name) throws NativeException {
        return link(name).isPresent();
    }

    // ---------------------------------------------------------------- links: change

    /** Sets the link administratively up ({@code ip link set NAME up}). */
    public synchronized void setUp(String name) throws NativeException {
        setLink(name + " up", name, IFF_UP, IFF_UP, request -> { });
    }

    public synchronized void setDown(String name) throws NativeException {
        setLink(name + " down", name, 0, IFF_UP, request -> { });
    }

    /** Makes {@code name} a port of bridge {@code bridgeName} ({@code ip link set NAME master BRIDGE}). */
    public synchronized void setMaster(String name, String bridgeName) throws NativeException {
        IfName.requireValid(name);
        int bridgeIndex = linkIndex(IfName.requireValid(bridgeName));
        setLink(name + " master " + bridgeName, name, 0, 0, request -> request.attributeInt(IFLA_MASTER, bridgeIndex));
    }

    public synchronized void setMtu(String name, int mtu) throws NativeException {
        if (mtu < 68) {
            throw new IllegalArgumentException("MTU must be at least 68: " + mtu);
        }
        setLink(name + " mtu " + mtu, name, 0, 0, request -> request.attributeInt(IFLA_MTU, mtu));
    }

    /** Sets the link-layer address; a bridge given an address keeps it instead of copying a port's. */
    public synchronized void setMac(String name, byte[] mac) throws NativeException {
        byte[] address = MacAddress.requireValid(mac).clone();
        setLink(name + " address " + MacAddress.format(address), name, 0, 0,
                request -> request.attribute(IFLA_ADDRESS, address));
    }

    private void setLink(String what, String name, int flags, int change, Consumer<NetlinkRequest> attributes)
            throws NativeException {
        IfName.requireValid(name);
        try (Arena arena = Arena.ofConfined()) {
            // ifi_index 0 with IFLA_IFNAME: the kernel looks the link up by name.
            NetlinkRequest request = new NetlinkRequest(arena, RTM_SETLINK, NLM_F_ACK)
                    .ifinfomsg(AF_UNSPEC, 0, flags, change)
                    .attribute(IFLA_IFNAME, name);
            attributes.accept(request);
            netlink.exchange("RTM_SETLINK " + what, request, false, message -> null);
        }
    }

    /**
     * Deletes a link ({@code ip link del NAME}); deleting one end of a veth pair deletes both.
     *
     * @return true if deleted, false if there was no such link
     */
    public synchronized boolean deleteLink(String name) throws NativeException {
        IfName.requireValid(name);
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_DELLINK, NLM_F_ACK)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                    .attribute(IFLA_IFNAME, name);
            netlink.exchange("RTM_DELLINK " + name, request, false, message -> null);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                return false;
            }
            throw e;
        }
    }

    // ---------------------------------------------------------------- addresses

    /**
     * Adds {@code address/prefixLength} to link {@code name} ({@code ip addr add A/P brd + dev NAME}).
     *
     * @return true if added, false if the link already had exactly this address and prefix
     */
    public synchronized boolean addAddress(String name, InetAddress address, int prefixLength) throws NativeException {
        IfName.requireValid(name);
        byte[] bytes = Objects.requireNonNull(address, "address").getAddress();
        int family = address instanceof Inet6Address ? AF_INET6 : AF_INET;
        int maxPrefix = bytes.length * 8;
        if (prefixLength < 0 || prefixLength > maxPrefix) {
            throw new IllegalArgumentException("prefix length must be in [0, " + maxPrefix + "]: " + prefixLength);
        }
        String operation = "RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " dev " + name;
        int index = linkIndex(name);
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)
                    .ifaddrmsg(family, prefixLength, 0 /* RT_SCOPE_UNIVERSE */, index)
                    .attribute(IFA_LOCAL, bytes)
                    .attribute(IFA_ADDRESS, bytes);
            if (family == AF_INET && prefixLength <= 30) {
                request.attribute(IFA_BROADCAST, broadcast(bytes, prefixLength));
            }
            netlink.exchange(operation, request, false, message -> null);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EEXIST) {
                return false;
            }
            throw e;
        }
    }

    private static byte[] broadcast(byte[] ipv4, int prefixLength) {
        int value = ((ipv4[0] & 0xff) << 24) | ((ipv4[1] & 0xff) << 16) | ((ipv4[2] & 0xff) << 8) | (ipv4[3] & 0xff);
        int hostMask = prefixLength == 0 ? -1 : (1 << (32 - prefixLength)) - 1;
        int result = value | hostMask;
        return new byte[] {(byte) (result >>> 24), (byte) (result >>> 16), (byte) (result >>> 8), (byte) result};
    }

    // ---------------------------------------------------------------- bridge FDB (VXLAN)

    /**
     * Appends a forwarding entry to a VXLAN device: frames for {@code mac} go to the VTEP at
     * {@code destination} ({@code bridge fdb append MAC dev NAME dst DST}). With the all-zero MAC
     * the entry is a flood destination (head-end replication for broadcast and unknown unicast).
     * Appending an entry that exists changes nothing.
     */
    public synchronized void appendFdb(String name, byte[] mac, InetAddress destination) throws NativeException {
        byte[] lladdr = MacAddress.requireValid(mac).clone();
        String operation = "RTM_NEWNEIGH fdb " + MacAddress.format(lladdr) + " dev " + name + " dst "
                + destination.getHostAddress();
        int index = linkIndex(IfName.requireValid(name));
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_NEWNEIGH, NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND)
                    .ndmsg(AF_BRIDGE, index, NUD_NOARP | NUD_PERMANENT, NTF_SELF)
                    .attribute(NDA_LLADDR, lladdr)
                    .attribute(NDA_DST, destination.getAddress());
            netlink.exchange(operation, request, false, message -> null);
        }
    }

    /**
     * Removes one forwarding entry of a VXLAN device ({@code bridge fdb del MAC dev NAME dst DST}).
     * Idempotent: a missing entry is not an error (the kernel itself reports success when the MAC
     * is known but not with this destination, so "was it there" cannot be told reliably).
     */
    public synchronized void deleteFdb(String name, byte[] mac, InetAddress destination) throws NativeException {
        byte[] lladdr = MacAddress.requireValid(mac).clone();
        String operation = "RTM_DELNEIGH fdb " + MacAddress.format(lladdr) + " dev " + name + " dst "
                + destination.getHostAddress();
        int index = linkIndex(IfName.requireValid(name));
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_DELNEIGH, NLM_F_ACK)
                    .ndmsg(AF_BRIDGE, index, 0, NTF_SELF)
                    .attribute(NDA_LLADDR, lladdr)
                    .attribute(NDA_DST, destination.getAddress());
            netlink.exchange(operation, request, false, message -> null);
        } catch (NativeException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

    /**
     * The forwarding entries of a VXLAN device that name a remote VTEP ({@code bridge fdb show dev
     * NAME}, entries with a {@code dst}): static ones added with {@link #appendFdb} and learned ones.
     * Entries of other devices are filtered out here: the kernel's dump filter by device differs
     * between kernel versions.
     *
     * @throws NativeException ENODEV if there is no such link
     */
    public synchronized List<FdbEntry> fdbEntries(String name) throws NativeException {
        int index = linkIndex(IfName.requireValid(name));
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETNEIGH, NLM_F_DUMP)
                    .ndmsg(AF_BRIDGE, 0, 0, 0);
            return netlink.exchange("RTM_GETNEIGH fdb dump", request, true, RtMessages::decodeFdb).stream()
                    .filter(e -> e.index() == index)
                    .map(RtMessages.IndexedFdb::entry)
                    .toList();
        }
    }

    @Override
    public synchronized void close() throws NativeException {
        netlink.close();
    }
}
