package io.vmflex.vmm;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmflex.api.json.ApiMapper;
import io.vmflex.netbridge.Ipv4Cidr;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The other nodes of a standalone cluster, from a YAML file ({@code vmflex daemon --peers FILE}):
 * which underlay addresses the VXLAN overlay floods to, and where each node's daemon accepts
 * live migrations, so that {@code "target":"node-2"} can name a node. One file can serve every
 * node: a daemon skips the entry with its own name.
 *
 * <pre>
 * peers:
 *   - name: node-1                  # the node's --node-name
 *     underlay: 10.231.0.11         # its --underlay-address (VXLAN endpoint)
 *     migration: 10.231.0.11:7451   # its --migration-listen; optional (port 7451 if left out)
 *   - name: client                  # an overlay-only member: no migration address
 *     underlay: 10.231.0.250
 * </pre>
 *
 * <p>Immutable; thread-safe.
 *
 * @param peers in file order, names unique
 */
record Peers(List<Peer> peers) {

    public static final int DEFAULT_MIGRATION_PORT = 7451;
    public static final Peers NONE = new Peers(List.of());

    /**
     * @param name      node name
     * @param underlay  the node's VXLAN endpoint address, or null if it takes no part in the overlay
     * @param migration where its daemon accepts migrations, or null if it does not
     */
    public record Peer(String name, Inet4Address underlay, InetSocketAddress migration) {
    }

    public Peers {
        peers = List.copyOf(peers);
        Set<String> names = new HashSet<>();
        for (Peer p : peers) {
            if (!names.add(p.name())) {
                throw new IllegalArgumentException("peer \"" + p.name() + "\" is listed twice");
            }
        }
    }

    /** Reads and checks {@code file}; every error names the file and the entry. */
    public static Peers load(Path file) throws IOException {
        JsonNode root;
        try {
            root = ApiMapper.yaml().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IOException(file + ": not readable YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE;
        }
        JsonNode list = root.path("peers");
        if (!root.isObject() || !(list.isArray() || list.isMissingNode() || list.isNull())) {
            throw new IOException(file + ": expected a mapping with a list \"peers\"");
        }
        List<Peer> peers = new ArrayList<>();
        int i = 0;
        for (JsonNode p : list) {
            String where = file + ": peers[" + i++ + "]";
            try {
                peers.add(parse(p));
            } catch (IllegalArgumentException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
        }
        try {
            return new Peers(peers);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Peer parse(JsonNode p) {
        if (!p.isObject()) {
            throw new IllegalArgumentException("expected a mapping with name, underlay, migration");
        }
        for (var it = p.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("name") && !f.equals("underlay") && !f.equals("migration")) {
                throw new IllegalArgumentException("unknown field \"" + f + "\" (fields: name, underlay, migration)");
            }
        }
        String name = p.path("name").asText("");
        if (!name.matches("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?")) {
            throw new IllegalArgumentException("name \"" + name + "\" is not a node name (lower-case DNS label)");
        }
        Inet4Address underlay = p.hasNonNull("underlay") ? Ipv4Cidr.parseAddress(p.get("underlay").asText()) : null;
        InetSocketAddress migration = null;
        if (p.hasNonNull("migration")) {
            String m = p.get("migration").asText();
            migration = m.contains(":") ? MigrationSettings.parseAddress(m) : new InetSocketAddress(m, DEFAULT_MIGRATION_PORT);
        }
        if (underlay == null && migration == null) {
            throw new IllegalArgumentException("peer \"" + name + "\" has neither underlay nor migration");
        }
        return new Peer(name, underlay, migration);
    }

    public Optional<Peer> byName(String name) {
        return peers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** Whether {@code address} is a peer's underlay or migration address (a connection from it may migrate). */
    public boolean includes(java.net.InetAddress address) {
        for (Peer p : peers) {
            if (address.equals(p.underlay()) || (p.migration() != null && address.equals(p.migration().getAddress()))) {
                return true;
            }
        }
        return false;
    }

    /** The underlay addresses of every peer but {@code selfName}. */
    public List<Inet4Address> underlaysExcept(String selfName) {
        return peers.stream().filter(p -> !p.name().equals(selfName) && p.underlay() != null).map(Peer::underlay).toList();
    }

    /**
     * A migration target as the API takes it: {@code host:port}, or the name of a peer with a
     * migration address.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public InetSocketAddress resolveTarget(String target) {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("missing; give a peer node name or host:port");
        }
        if (target.contains(":")) {
            return MigrationSettings.parseAddress(target);
        }
        Peer p = byName(target).orElseThrow(() -> new IllegalArgumentException("unknown node \"" + target
                + "\" (peers: " + (peers.isEmpty() ? "none configured, see --peers" : String.join(", ",
                peers.stream().map(Peer::name).toList())) + "); give a peer node name or host:port"));
        if (p.migration() == null) {
            throw new IllegalArgumentException("node \"" + target + "\" has no migration address in the peers file");
        }
        return p.migration();
    }
}
