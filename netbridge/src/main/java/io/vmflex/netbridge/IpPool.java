package io.vmflex.netbridge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * VM addresses from one IPv4 network, keyed by VM name and kept in a file so that they survive
 * daemon restarts. The network address, the gateway and the broadcast address are never handed
 * out; otherwise the lowest free address of this node's {@link IpRange} is, except that addresses
 * released since the daemon started go last, the longest-released first: a client may still hold a
 * released address with the old VM's MAC in its ARP cache, and a new VM behind it would be
 * unreachable to that client until the entry expires. {@link #reserve}
 * takes one exact address anywhere in the network (a VM that migrates in keeps its IP).
 *
 * <p>The file is plain text, one {@code <vm> <address>} per line after a {@code #} comment line,
 * and every change replaces it atomically: write {@code <file>.tmp}, fsync, rename over the file,
 * fsync the directory. A crash leaves either the old or the new file, never a torn one.
 * Entries outside the network (after a configuration change) are dropped with a warning when
 * the file is loaded.
 *
 * <p>Thread-safe: every method holds this pool's monitor. One pool per file per process; two
 * processes must not share a file.
 */
public final class IpPool {

    private static final Logger LOG = LoggerFactory.getLogger(IpPool.class);

    private final Path file;
    private final Ipv4Cidr network;
    private final Inet4Address gateway;
    private final IpRange range;
    private final Map<String, Inet4Address> byVm = new TreeMap<>(); // guarded by this
    private final Map<Long, String> byOffset = new HashMap<>(); // guarded by this
    /** Offset → order of release (in memory: after a restart the caches have had time). Guarded by this. */
    private final Map<Long, Long> released = new HashMap<>();
    private long releases; // guarded by this

    /**
     * Loads {@code file} if it exists (it is created on the first allocation).
     *
     * @param gateway an address inside {@code network}, reserved for the node bridge
     */
    public IpPool(Path file, Ipv4Cidr network, Inet4Address gateway) throws IOException {
        this(file, network, gateway, IpRange.hostsOf(network));
    }

    /**
     * Loads {@code file} if it exists; new VMs get addresses from {@code range} only.
     *
     * @param range host addresses of {@code network} this node hands out to new VMs
     */
    public IpPool(Path file, Ipv4Cidr network, Inet4Address gateway, IpRange range) throws IOException {
        if (!range.within(network)) {
            throw new IllegalArgumentException("IP range " + range + " is not inside the VM network " + network);
        }
        if (!network.contains(gateway) || gateway.equals(network.network()) || gateway.equals(network.broadcast())) {
            throw new IllegalArgumentException("gateway " + gateway.getHostAddress() + " must be a host address of " + network);
        }
        this.file = file;
        this.network = network;
        this.gateway = gateway;
        this.range = range;
        load();
    }

    /**
     * The address of {@code vmName}: the one it already has, else the lowest free one (saved
     * before returning).
     *
     * @throws IpPoolExhaustedException if every host address is taken
     */
    public synchronized Inet4Address allocate(String vmName) throws IOException {
        VmMac.requireVmName(vmName);
        Inet4Address existing = byVm.get(vmName);
        if (existing != null) {
            return existing;
        }
        long gatewayOffset = network.offsetOf(gateway);
        long first = network.offsetOf(range.first());
        long last = network.offsetOf(range.last());
        long chosen = -1;
        for (long offset = first; offset <= last; offset++) {
            if (offset == gatewayOffset || byOffset.containsKey(offset)) {
                continue;
            }
            if (!released.containsKey(offset)) {
                chosen = offset;
                break;
            }
            if (chosen < 0 || released.get(offset) < released.get(chosen)) {
                chosen = offset;
            }
        }
        if (chosen >= 0) {
            Inet4Address address = network.addressAt(chosen);
            take(vmName, address, chosen);
            released.remove(chosen);
            return address;
        }
        throw new IpPoolExhaustedException("IP pool " + network + " is exhausted: all "
                + (last - first + 1 - (gatewayOffset >= first && gatewayOffset <= last ? 1 : 0))
                + " VM addresses of this node's range " + range + " are allocated (network, gateway "
                + gateway.getHostAddress() + " and broadcast are reserved); cannot allocate one for VM '" + vmName + "'");
    }

    /**
     * Gives {@code vmName} exactly {@code address} (saved before returning): a VM that migrates in
     * keeps the address it had on its source node, inside this node's range or not. If the VM held
     * another address here (left over), that one is released.
     *
     * @throws IpAddressTakenException  if another VM of this node holds {@code address}
     * @throws IllegalArgumentException if {@code address} is not a VM address of the network
     */
    public synchronized Inet4Address reserve(String vmName, Inet4Address address) throws IOException {
        VmMac.requireVmName(vmName);
        if (!isVmAddress(address)) {
            throw new IllegalArgumentException(address.getHostAddress() + " is not a VM address of " + network
                    + " (gateway " + gateway.getHostAddress() + ")");
        }
        long offset = network.offsetOf(address);
        String holder = byOffset.get(offset);
        if (vmName.equals(holder)) {
            return address;
        }
        if (holder != null) {
            throw new IpAddressTakenException("IP address " + address.getHostAddress() + " of VM '" + vmName
                    + "' is taken by VM '" + holder + "' on this node (" + network
                    + "); node IP ranges must not overlap");
        }
        Inet4Address previous = byVm.get(vmName);
        if (previous != null) {
            byOffset.remove(network.offsetOf(previous));
        }
        try {
            take(vmName, address, offset);
        } catch (IOException | RuntimeException e) {
            if (previous != null) {
                byVm.put(vmName, previous);
                byOffset.put(network.offsetOf(previous), vmName);
            }
            throw e;
        }
        released.remove(offset);
        return address;
    }

    private void take(String vmName, Inet4Address address, long offset) throws IOException {
        Inet4Address previous = byVm.put(vmName, address);
        byOffset.put(offset, vmName);
        try {
            save();
        } catch (IOException | RuntimeException e) {
            byOffset.remove(offset);
            if (previous == null) {
                byVm.remove(vmName);
            } else {
                byVm.put(vmName, previous);
            }
            throw e;
        }
    }

    private boolean isVmAddress(Inet4Address address) {
        return network.contains(address) && !address.equals(gateway) && !address.equals(network.network())
                && !address.equals(network.broadcast());
    }

    /** Frees the address of {@code vmName}; returns false if it had none. */
    public synchronized boolean release(String vmName) throws IOException {
        Inet4Address address = byVm.get(vmName);
        if (address == null) {
            return false;
        }
        byVm.remove(vmName);
        long offset = network.offsetOf(address);
        byOffset.remove(offset);
        try {
            save();
        } catch (IOException | RuntimeException e) {
            byVm.put(vmName, address);
            byOffset.put(offset, vmName);
            throw e;
        }
        released.put(offset, ++releases);
        return true;
    }

    public synchronized Optional<Inet4Address> lookup(String vmName) {
        return Optional.ofNullable(byVm.get(vmName));
    }

    /** A snapshot of all allocations, sorted by VM name. */
    public synchronized Map<String, Inet4Address> allocations() {
        return Collections.unmodifiableMap(new TreeMap<>(byVm));
    }

    public Ipv4Cidr network() {
        return network;
    }

    public Inet4Address gateway() {
        return gateway;
    }

    /** The addresses this node hands out to new VMs. */
    public IpRange range() {
        return range;
    }

    private void load() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+");
            if (fields.length != 2) {
                throw new IOException(file + ":" + lineNumber + ": expected '<vm> <address>', got '" + line + "'");
            }
            Inet4Address address;
            try {
                address = Ipv4Cidr.parseAddress(fields[1]);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ":" + lineNumber + ": " + e.getMessage(), e);
            }
            if (!isVmAddress(address)) {
                LOG.warn("dropping IP allocation {} -> {} from {}: not a VM address of {}",
                        fields[0], fields[1], file, network);
                continue;
            }
            long offset = network.offsetOf(address);
            String previous = byOffset.putIfAbsent(offset, fields[0]);
            if (previous != null) {
                throw new IOException(file + ":" + lineNumber + ": " + fields[1] + " is allocated to both '"
                        + previous + "' and '" + fields[0] + "'");
            }
            byVm.put(fields[0], address);
        }
    }

    private void save() throws IOException {
        StringBuilder text = new StringBuilder("# vmflex IP pool ").append(network)
                .append(" gateway ").append(gateway.getHostAddress()).append(": <vm> <address>\n");
        byVm.forEach((vm, address) -> text.append(vm).append(' ').append(address.getHostAddress()).append('\n'));
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        // The rename is durable only once the directory entry is.
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
