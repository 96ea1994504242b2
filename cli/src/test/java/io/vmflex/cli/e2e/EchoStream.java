package io.vmflex.cli.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One TCP connection through a guest's echo server, run in the client namespace as its own JVM
 * ({@code ip netns exec vmfx-client java ... EchoStream HOST PORT}: a network namespace belongs to a
 * process). Sends a known byte sequence, 1 KiB every 10 ms, and checks every byte that comes back.
 * Prints {@code progress sent=.. verified=.. maxGapMs=..} twice a second; a line {@code stop} on stdin
 * stops the sending, and once the rest is echoed it prints {@code result ... error=none} and exits 0.
 * A reset, an EOF or a wrong byte ends it at once with {@code result ... error=<why>}, exit 1.
 * maxGapMs: the longest time between two reads that returned data.
 */
public final class EchoStream {
    private static final int CHUNK = 1024;

    private EchoStream() {
    }

    /** The byte at {@code position} of the stream: not periodic over any short span, so a lost or repeated chunk shows. */
    static byte at(long position) {
        return (byte) (position * 131 + (position >>> 11) + 3);
    }

    public static void main(String[] args) throws Exception {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(args[0], Integer.parseInt(args[1])), 10_000);
        socket.setTcpNoDelay(true);
        AtomicLong sent = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        AtomicLong maxGapNanos = new AtomicLong();
        AtomicReference<String> error = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().daemon().start(() -> {
            byte[] chunk = new byte[CHUNK];
            try {
                OutputStream out = socket.getOutputStream();
                while (!Thread.currentThread().isInterrupted()) {
                    long p = sent.get();
                    for (int i = 0; i < CHUNK; i++) {
                        chunk[i] = at(p + i);
                    }
                    out.write(chunk);
                    out.flush();
                    sent.addAndGet(CHUNK);
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                // told to stop
            } catch (IOException e) {
                error.compareAndSet(null, "write: " + e);
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            long last = System.nanoTime();
            try {
                InputStream in = socket.getInputStream();
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    long now = System.nanoTime();
                    maxGapNanos.accumulateAndGet(now - last, Math::max);
                    last = now;
                    long p = verified.get();
                    for (int i = 0; i < n; i++) {
                        if (buffer[i] != at(p + i)) {
                            error.compareAndSet(null, "wrong byte at offset " + (p + i));
                            return;
                        }
                    }
                    verified.addAndGet(n);
                }
                error.compareAndSet(null, "EOF from the server");
            } catch (IOException e) {
                error.compareAndSet(null, "read: " + e);
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            try {
                byte[] line = System.in.readAllBytes(); // "stop\n", then EOF
                if (new String(line, java.nio.charset.StandardCharsets.UTF_8).strip().equals("stop")) {
                    writer.interrupt();
                }
            } catch (IOException ignored) {
                // no command
            }
        });
        while (true) {
            Thread.sleep(500);
            String state = "sent=" + sent.get() + " verified=" + verified.get() + " maxGapMs=" + maxGapNanos.get() / 1_000_000;
            if (error.get() != null) {
                System.out.println("result " + state + " error=" + error.get());
                System.exit(1);
            }
            if (!writer.isAlive() && verified.get() == sent.get()) {
                System.out.println("result " + state + " error=none");
                socket.close();
                System.exit(0);
            }
            System.out.println("progress " + state);
        }
    }
}
