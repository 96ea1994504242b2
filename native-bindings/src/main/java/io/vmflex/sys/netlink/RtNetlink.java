package io.vmflex.sys.netlink;

import io.vmflex.sys.Errno;
import io.vmflex.sys.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

import static io.vmflex.sys.netlink.NetlinkLayouts.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

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

    private static final int REPLY_TIMEOUT_MS = 5_000;
    private static final int VXLAN_VNI_MAX = (1 << 24) - 1;

    private final NetlinkSocket socket;
    private int sequence; // guarded by this

    private RtNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a route netlink socket in the caller's network namespace. */
    public static RtNetlink open() throws NativeException {
        return new RtNetlink(NetlinkSocket.open());
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
            exchange(operation, request, false, message -> null);
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
        return linkByName(name, RtNetlink::decodeLink);
    }

    /** How the VXLAN device {@code name} is set up; empty if there is no such link or it is no VXLAN. */
    public synchronized Optional<VxlanInfo> vxlan(String name) throws NativeException {
        return linkByName(name, RtNetlink::decodeVxlan);
    }

    /** {@code RTM_GETLINK} of one link by name; empty if there is none, or if {@code decoder} gives null. */
    private <T> Optional<T> linkByName(String name, Decoder<T> decoder) throws NativeException {
        IfName.requireValid(name);
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETLINK, 0)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0)
                    .attribute(IFLA_IFNAME, name);
            return exchange("RTM_GETLINK " + name, request, false, decoder).stream().filter(Objects::nonNull).findFirst();
        } catch (NativeException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** The VXLAN attributes of an {@code RTM_NEWLINK} message, or null when it is no VXLAN device. */
    static VxlanInfo decodeVxlan(NetlinkReply.Message message) {
        if (!decodeLink(message).kind().equals("vxlan")) {
            return null;
        }
        MemorySegment linkInfo = NetlinkReply.attributes(message.payload(), IFINFOMSG.byteSize()).get(IFLA_LINKINFO);
        MemorySegment data = NetlinkReply.attributes(linkInfo, 0).get(IFLA_INFO_DATA);
        if (data == null) {
            throw new IllegalArgumentException("malformed vxlan RTM_NEWLINK: no IFLA_INFO_DATA");
        }
        Map<Integer, MemorySegment> vxlan = NetlinkReply.attributes(data, 0);
        MemorySegment id = vxlan.get(IFLA_VXLAN_ID);
        MemorySegment local = vxlan.get(IFLA_VXLAN_LOCAL);
        MemorySegment port = vxlan.get(IFLA_VXLAN_PORT);
        Inet4Address localAddress = null;
        if (local != null && local.byteSize() == 4) {
            try {
                localAddress = (Inet4Address) InetAddress.getByAddress(local.toArray(JAVA_BYTE));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException("malformed IFLA_VXLAN_LOCAL", e);
            }
        }
        int dstPort = 0;
        if (port != null && port.byteSize() >= 2) {
            // network byte order
            dstPort = (Byte.toUnsignedInt(port.get(JAVA_BYTE, 0)) << 8) | Byte.toUnsignedInt(port.get(JAVA_BYTE, 1));
        }
        return new VxlanInfo(id == null ? 0 : NetlinkReply.u32(id, "IFLA_VXLAN_ID"), localAddress, dstPort);
    }

    /** Every link of this network namespace. */
    public synchronized List<LinkInfo> links() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            NetlinkRequest request = new NetlinkRequest(arena, RTM_GETLINK, NLM_F_DUMP)
                    .ifinfomsg(AF_UNSPEC, 0, 0, 0);
            return exchange("RTM_GETLINK dump", request, true, RtNetlink::decodeLink);
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
            exchange("RTM_SETLINK " + what, request, false, message -> null);
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
            exchange("RTM_DELLINK " + name, request, false, message -> null);
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
            exchange(operation, request, false, message -> null);
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
            exchange(operation, request, false, message -> null);
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
            exchange(operation, request, false, message -> null);
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
            return exchange("RTM_GETNEIGH fdb dump", request, true, RtNetlink::decodeFdb).stream()
                    .filter(e -> e.index() == index)
                    .map(IndexedFdb::entry)
                    .toList();
        }
    }

    private record IndexedFdb(int index, FdbEntry entry) {
    }

    /** An {@code RTM_NEWNEIGH} message of family {@code AF_BRIDGE}; null unless it has a MAC and a dst. */
    private static IndexedFdb decodeFdb(NetlinkReply.Message message) {
        MemorySegment payload = message.payload();
        if (message.type() != RTM_NEWNEIGH || payload.byteSize() < NDMSG.byteSize()
                || payload.get(JAVA_BYTE, NDM_FAMILY) != AF_BRIDGE) {
            return null;
        }
        int index = payload.get(JAVA_INT_UNALIGNED, NDM_IFINDEX);
        int state = Short.toUnsignedInt(payload.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, NDM_STATE));
        Map<Integer, MemorySegment> attributes = NetlinkReply.attributes(payload, NDMSG.byteSize());
        MemorySegment mac = attributes.get(NDA_LLADDR);
        MemorySegment dst = attributes.get(NDA_DST);
        if (mac == null || dst == null || mac.byteSize() != 6 || (dst.byteSize() != 4 && dst.byteSize() != 16)) {
            return null;
        }
        try {
            return new IndexedFdb(index, new FdbEntry(MacAddress.format(mac.toArray(JAVA_BYTE)),
                    InetAddress.getByAddress(dst.toArray(JAVA_BYTE)), (state & NUD_PERMANENT) != 0));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("NDA_DST of " + dst.byteSize() + " bytes", e);
        }
    }

    // ---------------------------------------------------------------- exchange

    @FunctionalInterface
    private interface Decoder<T> {
        T decode(NetlinkReply.Message message);
    }

    /**
     * Sends {@code request} and collects the decoded data messages of its reply: up to
     * {@code NLMSG_DONE} for a dump, else up to the acknowledgement or the first data message.
     */
    private <T> List<T> exchange(String operation, NetlinkRequest request, boolean dump, Decoder<T> decoder)
            throws NativeException {
        int expected = ++sequence;
        socket.send(operation, request.finish(expected));
        List<T> results = new ArrayList<>();
        while (true) {
            MemorySegment datagram = socket.receive(operation, REPLY_TIMEOUT_MS);
            try {
                for (NetlinkReply.Message message : NetlinkReply.split(datagram)) {
                    if (message.sequence() != expected) {
                        continue; // a late reply to an earlier request that timed out
                    }
                    switch (message.type()) {
                        case NLMSG_ERROR -> {
                            NetlinkReply.Error error = NetlinkReply.error(message);
                            if (error.errno() != 0) {
                                throw new NativeException(operation
                                        + error.kernelMessage().map(text -> " (kernel: " + text + ")").orElse(""),
                                        error.errno());
                            }
                            return results;
                        }
                        case NLMSG_DONE -> {
                            return results;
                        }
                        case NLMSG_OVERRUN -> throw new NativeException(operation + ": netlink overrun", Errno.EIO);
                        default -> {
                            T decoded = decoder.decode(message);
                            if (decoded != null) {
                                results.add(decoded);
                            }
                            if (!dump && (message.flags() & NLM_F_MULTI) == 0) {
                                return results;
                            }
                        }
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new NativeException(operation + ": " + e.getMessage(), Errno.EIO);
            }
        }
    }

    /** An {@code RTM_NEWLINK} message: {@code struct ifinfomsg} then attributes. */
    static LinkInfo decodeLink(NetlinkReply.Message message) {
        MemorySegment payload = message.payload();
        if (message.type() != RTM_NEWLINK || payload.byteSize() < IFINFOMSG.byteSize()) {
            throw new IllegalArgumentException("expected RTM_NEWLINK with a " + IFINFOMSG.byteSize()
                    + "-byte ifinfomsg, got type " + message.type() + " with " + payload.byteSize() + " bytes");
        }
        int index = payload.get(JAVA_INT_UNALIGNED, IFI_INDEX);
        int flags = payload.get(JAVA_INT_UNALIGNED, IFI_FLAGS);
        Map<Integer, MemorySegment> attributes = NetlinkReply.attributes(payload, IFINFOMSG.byteSize());
        MemorySegment name = attributes.get(IFLA_IFNAME);
        MemorySegment mtu = attributes.get(IFLA_MTU);
        MemorySegment address = attributes.get(IFLA_ADDRESS);
        MemorySegment master = attributes.get(IFLA_MASTER);
        String kind = "";
        MemorySegment linkInfo = attributes.get(IFLA_LINKINFO);
        if (linkInfo != null) {
            MemorySegment kindValue = NetlinkReply.attributes(linkInfo, 0).get(IFLA_INFO_KIND);
            if (kindValue != null) {
                kind = NetlinkReply.string(kindValue);
            }
        }
        return new LinkInfo(index,
                name == null ? "" : NetlinkReply.string(name),
                flags,
                mtu == null ? 0 : NetlinkReply.u32(mtu, "IFLA_MTU"),
                address == null ? "" : MacAddress.format(address.toArray(JAVA_BYTE)),
                master == null ? 0 : NetlinkReply.u32(master, "IFLA_MASTER"),
                kind);
    }

    @Override
    public synchronized void close() throws NativeException {
        socket.close();
    }
}
