package io.vmflex.vmm.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A TCP client run in the client namespace ({@code ip netns exec vmfx-client java ... StreamClient}),
 * as its own JVM because a namespace belongs to a process.
 *
 * <ul>
 *   <li>{@code stream HOST PORT}: sends a known byte sequence to an echo server, 1 KiB every 10 ms,
 *   and checks every echoed byte. Prints {@code progress sent=.. verified=.. maxGapMs=..} twice a
 *   second; on a line {@code stop} on stdin it stops sending, waits for the rest of the echo and
 *   prints {@code result sent=.. verified=.. maxGapMs=.. error=none}. A reset, EOF or wrong byte ends
 *   it at once with {@code result ... error=<why>} and exit status 1. maxGapMs is the longest time
 *   between two reads that returned data while bytes were outstanding.</li>
 *   <li>{@code get HOST PORT}: prints what the server sends until it closes.</li>
 * </ul>
 */
public final class StreamClient {
    private static final int CHUNK = 1024;

    private StreamClient() {
    }

    static byte at(long position) {
        return (byte) (position * 31 + (position >>> 9) + 7);
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress address = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
        if (args[0].equals("get")) {
            try (Socket s = new Socket()) {
                s.connect(address, 10_000);
                s.setSoTimeout(30_000);
                System.out.print(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            return;
        }
        Socket socket = new Socket();
        socket.connect(address, 10_000);
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
                // stop
            } catch (IOException e) {
                error.compareAndSet(null, "write: " + e);
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            long last = System.nanoTime();
            try {
                InputStream in = socket.getInputStream();
                while (true) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        error.compareAndSet(null, "EOF from the server");
                        return;
                    }
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
            } catch (IOException e) {
                error.compareAndSet(null, "read: " + e);
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            try {
                BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = stdin.readLine()) != null) {
                    if (line.strip().equals("stop")) {
                        writer.interrupt();
                        return;
                    }
                }
            } catch (IOException ignored) {
                // no more commands
            }
        });
        while (true) {
            Thread.sleep(500);
            String line = "sent=" + sent.get() + " verified=" + verified.get() + " maxGapMs=" + maxGapNanos.get() / 1_000_000;
            if (error.get() != null) {
                System.out.println("result " + line + " error=" + error.get());
                System.exit(1);
            }
            if (!writer.isAlive() && verified.get() == sent.get()) {
                System.out.println("result " + line + " error=none");
                socket.close();
                System.exit(0);
            }
            System.out.println("progress " + line);
        }
    }
}
