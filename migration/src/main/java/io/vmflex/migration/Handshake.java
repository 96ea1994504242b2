package io.vmflex.migration;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Runs the hello exchange drawn in {@link HelloCodec} on a connected, blocking TCP channel, with
 * one hard deadline for the whole exchange. Reads go through the channel's socket adaptor so that
 * SO_TIMEOUT bounds each read; the remaining time is recomputed before every read, so a peer that
 * trickles one byte at a time still hits the deadline.
 *
 * <p>Stateless; each call runs on the caller's thread.
 */
final class Handshake {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /**
     * What the target accepted: the hello, its expectation, the local channel already connected, and
     * how the bytes that follow are protected.
     */
    record Accepted(MigrationHello hello, Expectation expectation, SocketChannel local, ChannelProtection protection) {
    }

    /**
     * Source side: sends the hello, proves the secret, checks the target's proof. Returns the
     * protection of what follows: sealed records when the hello asked for encryption.
     */
    static ChannelProtection asSource(SocketChannel tcp, MigrationHello hello, ClusterSecret secret, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] helloBytes = new byte[HelloCodec.HELLO_LENGTH];
        HelloCodec.encodeHello(hello, new UnsafeBuffer(helloBytes), 0);
        write(tcp, helloBytes);

        UnsafeBuffer challenge = new UnsafeBuffer(readFully(tcp, HelloCodec.REPLY_LENGTH, deadline));
        HelloStatus challengeStatus = HelloCodec.replyStatus(challenge, 0);
        if (challengeStatus != HelloStatus.ACCEPTED) {
            throw new HandshakeException("target refused hello: " + explained(challengeStatus), challengeStatus);
        }
        byte[] serverNonce = HelloCodec.replyBody(challenge, 0);
        write(tcp, secret.proof(HelloCodec.CLIENT_LABEL, helloBytes, serverNonce));

        UnsafeBuffer verdict = new UnsafeBuffer(readFully(tcp, HelloCodec.REPLY_LENGTH, deadline));
        HelloStatus status = HelloCodec.replyStatus(verdict, 0);
        if (status != HelloStatus.ACCEPTED) {
            throw new HandshakeException("target refused channel " + hello.channel() + ": " + explained(status), status);
        }
        byte[] expected = secret.proof(HelloCodec.TARGET_LABEL, helloBytes, serverNonce);
        if (!ClusterSecret.sameProof(expected, HelloCodec.replyBody(verdict, 0))) {
            throw new HandshakeException("target did not prove knowledge of the cluster secret", (HelloStatus) null);
        }
        tcp.socket().setSoTimeout(0);
        return hello.encrypt() ? ChannelProtection.ofSource(secret.channelKeys(helloBytes, serverNonce))
                : new ChannelProtection.Plain();
    }

    /**
     * Target side: reads the hello, challenges, verifies the proof, claims the channel from the
     * acceptor and only then connects the local endpoint. On refusal sends the status, closes the
     * connection and throws.
     */
    static Accepted asTarget(SocketChannel tcp, ClusterSecret secret, MigrationAcceptor acceptor, Duration timeout)
            throws IOException {
        return asTarget(tcp, secret, acceptor, timeout, false, true);
    }

    /**
     * As above; with {@code controlEnabled} an authenticated hello on {@link MigrationControl#CHANNEL}
     * is accepted without an expectation and returned with a null expectation and local channel.
     * With {@code requireEncryption} an authenticated source that asks for a plain stream is refused
     * with {@link HelloStatus#ENCRYPTION_REQUIRED}; without it both are accepted, as the source asks.
     */
    static Accepted asTarget(SocketChannel tcp, ClusterSecret secret, MigrationAcceptor acceptor, Duration timeout,
            boolean controlEnabled, boolean requireEncryption) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] header = readFully(tcp, HelloCodec.HEADER_LENGTH, deadline);
        HelloStatus wrongHeader = HelloCodec.checkHeader(new UnsafeBuffer(header), 0);
        if (wrongHeader != null) {
            // Before reading on: an older or foreign peer sent fewer bytes than this version's hello.
            if (wrongHeader == HelloStatus.BAD_VERSION && (header[HelloCodec.VERSION_OFFSET + 1] == 1
                    && header[HelloCodec.VERSION_OFFSET] == 0)) {
                // A version-1 source sent 56 bytes: take the rest, so closing sends it the answer, not a reset.
                readFully(tcp, HelloCodec.V1_HELLO_LENGTH - HelloCodec.HEADER_LENGTH, deadline);
            }
            throw refuse(tcp, wrongHeader, "hello");
        }
        byte[] helloBytes = new byte[HelloCodec.HELLO_LENGTH];
        System.arraycopy(header, 0, helloBytes, 0, header.length);
        byte[] rest = readFully(tcp, HelloCodec.HELLO_LENGTH - header.length, deadline);
        System.arraycopy(rest, 0, helloBytes, header.length, rest.length);
        MigrationHello hello = switch (HelloCodec.decodeHello(new UnsafeBuffer(helloBytes), 0)) {
            case HelloCodec.Decoded.Valid v -> v.hello();
            case HelloCodec.Decoded.Invalid i -> throw refuse(tcp, i.status(), "hello");
        };
        byte[] serverNonce = new byte[HelloCodec.NONCE_LENGTH];
        RANDOM.nextBytes(serverNonce);
        writeReply(tcp, HelloStatus.ACCEPTED, serverNonce);

        byte[] proof = readFully(tcp, HelloCodec.PROOF_LENGTH, deadline);
        byte[] expected = secret.proof(HelloCodec.CLIENT_LABEL, helloBytes, serverNonce);
        // Authenticate before looking at the migration id, so an unauthenticated peer learns nothing
        // about which migrations exist and cannot burn a channel index.
        if (!ClusterSecret.sameProof(expected, proof)) {
            throw refuse(tcp, HelloStatus.AUTH_FAILED, hello.toString());
        }
        if (requireEncryption && !hello.encrypt()) {
            throw refuse(tcp, HelloStatus.ENCRYPTION_REQUIRED, hello + " (the source's migration encryption is off, this"
                    + " daemon's is on; both ends must have the same setting)");
        }
        ChannelProtection protection = hello.encrypt()
                ? ChannelProtection.ofTarget(secret.channelKeys(helloBytes, serverNonce))
                : new ChannelProtection.Plain();
        if (hello.channel() == MigrationControl.CHANNEL) {
            if (!controlEnabled) {
                throw refuse(tcp, HelloStatus.UNKNOWN_MIGRATION, hello + " (no control handler)");
            }
            writeReply(tcp, HelloStatus.ACCEPTED, secret.proof(HelloCodec.TARGET_LABEL, helloBytes, serverNonce));
            return new Accepted(hello, null, null, protection);
        }
        Expectation expectation = switch (acceptor.claim(hello.migrationId(), hello.channel())) {
            case MigrationAcceptor.Claim.Granted g -> g.expectation();
            case MigrationAcceptor.Claim.Refused r -> throw refuse(tcp, r.status(), hello.toString());
        };
        SocketChannel local;
        try {
            local = expectation.endpoint().open(hello.channel());
        } catch (IOException e) {
            expectation.fail(e);
            throw refuse(tcp, HelloStatus.TARGET_UNAVAILABLE, hello + " (local endpoint: " + e + ")");
        }
        try {
            writeReply(tcp, HelloStatus.ACCEPTED, secret.proof(HelloCodec.TARGET_LABEL, helloBytes, serverNonce));
            tcp.socket().setSoTimeout(0);
        } catch (IOException e) {
            Relay.closeQuietly(local);
            throw e;
        }
        return new Accepted(hello, expectation, local, protection);
    }

    /**
     * A refusal as the source reports it: the status, and for a mismatch of the encryption setting
     * what the operator has to change (the one refusal that is a configuration error, not an attack).
     */
    static String explained(HelloStatus status) {
        return status == HelloStatus.ENCRYPTION_REQUIRED
                ? status + " (the target requires encrypted migrations and this daemon's migration encryption is off;"
                + " both ends must have the same setting)"
                : String.valueOf(status);
    }

    private static HandshakeException refuse(SocketChannel tcp, HelloStatus status, String what) {
        try {
            writeReply(tcp, status, null);
        } catch (IOException ignored) {
            // The peer may already be gone; the refusal is what matters, not its delivery.
        }
        Relay.closeQuietly(tcp);
        return new HandshakeException("refused " + what + ": " + status, status);
    }

    private static void writeReply(SocketChannel tcp, HelloStatus status, byte[] body) throws IOException {
        byte[] reply = new byte[HelloCodec.REPLY_LENGTH];
        HelloCodec.encodeReply(status, body, new UnsafeBuffer(reply), 0);
        write(tcp, reply);
    }

    static void write(SocketChannel tcp, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            tcp.write(b);
        }
    }

    static byte[] readFully(SocketChannel tcp, int length, long deadline) throws IOException {
        byte[] bytes = new byte[length];
        InputStream in = tcp.socket().getInputStream();
        int off = 0;
        while (off < length) {
            long remainingMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMillis <= 0) {
                throw timedOut(tcp);
            }
            tcp.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
            int n;
            try {
                n = in.read(bytes, off, length - off);
            } catch (SocketTimeoutException e) {
                throw timedOut(tcp);
            }
            if (n < 0) {
                Relay.closeQuietly(tcp);
                throw new HandshakeException("peer closed during handshake after " + off + " of " + length
                        + " bytes", (HelloStatus) null);
            }
            off += n;
        }
        return bytes;
    }

    private static HandshakeException timedOut(SocketChannel tcp) {
        Relay.closeQuietly(tcp);
        return new HandshakeException("handshake timed out", (HelloStatus) null);
    }
}
