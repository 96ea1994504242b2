package io.vmflex.migration;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * What a source daemon asks a target daemon on a {@link MigrationControl} connection, one request
 * per connection. On the wire: a JSON object with {@code "v"} (the protocol version, see
 * {@link ControlCodec#VERSION}) and {@code "op"} naming the record; every field is required (a
 * nullable one is sent as {@code null}). Replies are {@link ControlReply}s.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ControlRequest.Prepare.class, name = "prepare"),
        @JsonSubTypes.Type(value = ControlRequest.Commit.class, name = "commit"),
        @JsonSubTypes.Type(value = ControlRequest.Abort.class, name = "abort"),
        @JsonSubTypes.Type(value = ControlRequest.Fence.class, name = "fence"),
})
public sealed interface ControlRequest {

    UUID migrationId();

    /**
     * Start a paused QEMU for the VM with the devices its source QEMU has now, and expect the
     * migration's channels. Answered {@link ControlReply.Done} or {@link ControlReply.Refused}.
     *
     * @param vm                      the VirtualMachine document (checked by the target as the admin API checks one)
     * @param channels                relayed connections QEMU opens (1, or 1 + multifd channels)
     * @param disk                    the source mirrors the root disk over one channel more
     * @param progressTimeoutSeconds  how long the target waits on a silent source
     * @param ip                      the VM's address, kept on the target; null without a VM network
     * @param mac                     the VM's MAC; null without a VM network
     * @param sshKey                  the VM's SSH key pair (spec.enableSSH), so that its guest, which keeps the
     *                                public key it booted with, can still be logged into from the target; null
     *                                when the VM has none
     */
    record Prepare(UUID migrationId, JsonNode vm, int channels, int multifdChannels, boolean disk,
                   long progressTimeoutSeconds, List<PluggedCpu> pluggedCpus, long virtioMemRequestedBytes,
                   String ip, String mac, SshKey sshKey) implements ControlRequest {
        /** A prepare for a VM without an SSH key pair. */
        public Prepare(UUID migrationId, JsonNode vm, int channels, int multifdChannels, boolean disk,
                       long progressTimeoutSeconds, List<PluggedCpu> pluggedCpus, long virtioMemRequestedBytes,
                       String ip, String mac) {
            this(migrationId, vm, channels, multifdChannels, disk, progressTimeoutSeconds, pluggedCpus,
                    virtioMemRequestedBytes, ip, mac, null);
        }

        public Prepare {
            Objects.requireNonNull(migrationId, "migrationId");
            Objects.requireNonNull(vm, "vm");
            if (!vm.isObject()) {
                throw new IllegalArgumentException("vm must be an object");
            }
            if (channels < 1 || channels > 65) {
                throw new IllegalArgumentException("channels must be 1..65, got " + channels);
            }
            if (multifdChannels < 1 || multifdChannels > 64) {
                throw new IllegalArgumentException("multifdChannels must be 1..64, got " + multifdChannels);
            }
            if (progressTimeoutSeconds < 1) {
                throw new IllegalArgumentException("progressTimeoutSeconds must be positive, got " + progressTimeoutSeconds);
            }
            pluggedCpus = List.copyOf(Objects.requireNonNull(pluggedCpus, "pluggedCpus"));
            if (virtioMemRequestedBytes < 0) {
                throw new IllegalArgumentException("virtioMemRequestedBytes must not be negative");
            }
        }
    }

    /**
     * A VM's SSH key pair as its files hold it: the public key line and the private key in OpenSSH's
     * format. Bounded and shape-checked; it travels only over the authenticated (by default
     * encrypted) control connection between two nodes of one cluster.
     */
    record SshKey(String publicLine, String privateKey) {
        private static final int MAX_PUBLIC = 1024;
        private static final int MAX_PRIVATE = 4096;

        public SshKey {
            Objects.requireNonNull(publicLine, "publicLine");
            Objects.requireNonNull(privateKey, "privateKey");
            if (publicLine.length() > MAX_PUBLIC || !publicLine.matches("ssh-ed25519 [A-Za-z0-9+/]+=*( [ -~]*)?\\n?")) {
                throw new IllegalArgumentException("sshKey.publicLine: not one ed25519 public key line of at most "
                        + MAX_PUBLIC + " characters");
            }
            if (privateKey.length() > MAX_PRIVATE || !privateKey.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
                    || !privateKey.strip().endsWith("-----END OPENSSH PRIVATE KEY-----")) {
                throw new IllegalArgumentException("sshKey.privateKey: not an OpenSSH private key of at most "
                        + MAX_PRIVATE + " characters");
            }
        }

        @Override
        public String toString() {
            return "SshKey[" + publicLine.strip() + ", private key hidden]";
        }
    }

    /** A vCPU hot-plugged on the source, to be given to the target QEMU on its command line. */
    record PluggedCpu(String type, String id, int socketId, int coreId, int threadId) {
        public PluggedCpu {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(id, "id");
            if (socketId < 0 || coreId < 0 || threadId < 0) {
                throw new IllegalArgumentException("socketId, coreId and threadId must not be negative");
            }
        }
    }

    /**
     * The source completed: resume the target's copy. Answered {@link ControlReply.Committed} or
     * {@link ControlReply.Refused} (the copy was dropped and never ran).
     */
    record Commit(UUID migrationId) implements ControlRequest {
        public Commit {
            Objects.requireNonNull(migrationId, "migrationId");
        }
    }

    /** Drop the prepared copy. Answered {@link ControlReply.Done}, also when nothing was prepared. */
    record Abort(UUID migrationId) implements ControlRequest {
        public Abort {
            Objects.requireNonNull(migrationId, "migrationId");
        }
    }

    /**
     * The source lost track of a commit (its answer was lost, or the source daemon restarted): settle
     * it for good. Under the commit's own lock the target either reports the VM committed here, or
     * drops the prepared copy and refuses every later commit of this migration. Answered
     * {@link ControlReply.Fenced}; the source resumes its own copy only on {@code DROPPED}.
     */
    record Fence(UUID migrationId, String vm) implements ControlRequest {
        public Fence {
            Objects.requireNonNull(migrationId, "migrationId");
            Objects.requireNonNull(vm, "vm");
        }
    }
}
