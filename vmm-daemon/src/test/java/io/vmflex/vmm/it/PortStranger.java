package io.vmflex.vmm.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A host that is no peer, run in the stranger namespace of {@code ci/nodes}
 * ({@code ip netns exec vmfx-stranger java ... PortStranger HOST PORT IDLE GARBAGE_THREADS}), as its
 * own JVM because a namespace belongs to a process. Against a migration port it
 *
 * <ul>
 *   <li>keeps {@code IDLE} connections open that never send a byte, and once a second opens a new one
 *   for each the other end closed, so the port never has fewer than that from it for long;</li>
 *   <li>runs {@code GARBAGE_THREADS} loops that connect, send 4 KiB of junk (every other time behind a
 *   hello's magic and version, so that a port that read it would have something to refuse), read
 *   until the other end closes, and connect again, every 20 ms.</li>
 * </ul>
 *
 * <p>Prints {@code stranger: IDLE idle connections made} once the first IDLE connected. On end of stdin
 * it stops and prints {@code result connections=.. bytesReceived=.. closedByTarget=.. heldOpen=..
 * connectFailed=.. slowestCloseMs=..}: every byte the port ever sent it (0 if it was refused before
 * any byte), how many of its connections the port closed, how many junk connections it kept open 10 s
 * without a word, and the longest a connection stayed open before the port closed it (a port that
 * waited for a hello would keep one until its handshake timeout).
 *
 * <p>Not thread-safe beyond what it does itself; a test harness.
 */
public final class PortStranger {
    private static final AtomicLong CONNECTIONS = new AtomicLong();
    private static final AtomicLong BYTES_RECEIVED = new AtomicLong();
    private static final AtomicLong CLOSED_BY_TARGET = new AtomicLong();
    private static final AtomicLong CONNECT_FAILED = new AtomicLong();
    private static final AtomicLong HELD_OPEN = new AtomicLong();
    private static final AtomicLong SLOWEST_CLOSE_NANOS = new AtomicLong();
    private static final AtomicBoolean STOP = new AtomicBoolean();

    private PortStranger() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress port = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int idle = Integer.parseInt(args[2]);
        int garbageThreads = Integer.parseInt(args[3]);
        Thread idler = Thread.ofPlatform().name("idle").start(() -> idle(port, idle));
        List<Thread> garbage = new ArrayList<>();
        for (int i = 0; i < garbageThreads; i++) {
            long seed = i;
            garbage.add(Thread.ofPlatform().name("garbage-" + i).start(() -> garbage(port, seed)));
        }
        System.in.transferTo(java.io.OutputStream.nullOutputStream());
        STOP.set(true);
        idler.join();
        for (Thread t : garbage) {
            t.join();
        }
        System.out.printf("result connections=%d bytesReceived=%d closedByTarget=%d heldOpen=%d connectFailed=%d"
                + " slowestCloseMs=%d%n", CONNECTIONS.get(), BYTES_RECEIVED.get(), CLOSED_BY_TARGET.get(), HELD_OPEN.get(),
                CONNECT_FAILED.get(), SLOWEST_CLOSE_NANOS.get() / 1_000_000);
        System.out.flush();
    }

    private static SocketChannel connect(InetSocketAddress port) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.socket().connect(port, 5000);
            CONNECTIONS.incrementAndGet();
            return ch;
        } catch (IOException e) {
            CONNECT_FAILED.incrementAndGet();
            return null;
        }
    }

    private static void closedByTarget(long openedNanos) {
        CLOSED_BY_TARGET.incrementAndGet();
        SLOWEST_CLOSE_NANOS.accumulateAndGet(System.nanoTime() - openedNanos, Math::max);
    }

    /**
     * Holds {@code count} idle connections; a selector notices the ones the port closes (or writes to).
     * When told to stop it opens no more and gives the port 3 s to close the last ones.
     */
    private static void idle(InetSocketAddress port, int count) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        Map<SocketChannel, Long> open = new HashMap<>();
        boolean announced = false;
        try (Selector selector = Selector.open()) {
            long nextRefill = 0;
            long giveUp = Long.MAX_VALUE;
            while (!open.isEmpty() || !STOP.get()) {
                if (STOP.get() && giveUp == Long.MAX_VALUE) {
                    // Stopping: no new connections; the last ones get 3 s for the port to close them.
                    giveUp = System.nanoTime() + 3_000_000_000L;
                }
                if (System.nanoTime() > giveUp) {
                    break;
                }
                if (!STOP.get() && System.nanoTime() >= nextRefill) {
                    // At most one connection per missing one: the port closes them as they come.
                    for (int missing = count - open.size(); missing > 0 && !STOP.get(); missing--) {
                        SocketChannel ch = connect(port);
                        if (ch == null) {
                            break;
                        }
                        ch.configureBlocking(false);
                        ch.register(selector, SelectionKey.OP_READ);
                        open.put(ch, System.nanoTime());
                        // Closes noticed as they happen, not after the whole refill: the latency is the port's.
                        selector.selectNow();
                        handleReady(selector, open, buf);
                    }
                    if (!announced) {
                        System.out.println("stranger: " + count + " idle connections made");
                        System.out.flush();
                        announced = true;
                    }
                    nextRefill = System.nanoTime() + 1_000_000_000L;
                }
                selector.select(100);
                handleReady(selector, open, buf);
            }
            HELD_OPEN.addAndGet(open.size()); // the port never closed these
            for (SocketChannel ch : open.keySet()) {
                ch.close();
            }
        } catch (IOException e) {
            System.out.println("stranger: idle loop failed: " + e);
        }
    }

    /** Reads what the port sent on each ready connection: bytes are counted, an end (or reset) closes it. */
    private static void handleReady(Selector selector, Map<SocketChannel, Long> open, ByteBuffer buf) throws IOException {
        for (SelectionKey key : selector.selectedKeys()) {
            SocketChannel ch = (SocketChannel) key.channel();
            buf.clear();
            int n;
            try {
                n = ch.read(buf);
            } catch (IOException reset) {
                n = -1;
            }
            if (n > 0) {
                BYTES_RECEIVED.addAndGet(n);
            } else if (n < 0) {
                closedByTarget(open.remove(ch));
                key.cancel();
                ch.close();
            }
        }
        selector.selectedKeys().clear();
    }

    /** Connect, send junk, read until closed; again every 20 ms. */
    private static void garbage(InetSocketAddress port, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] junk = new byte[4096];
        byte[] in = new byte[4096];
        long round = 0;
        while (!STOP.get()) {
            random.nextBytes(junk);
            if (round++ % 2 == 0) {
                byte[] hello = "VMFX".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(hello, 0, junk, 0, hello.length);
                junk[4] = 0;
                junk[5] = 2; // version 2
            }
            SocketChannel ch = connect(port);
            if (ch != null) {
                long opened = System.nanoTime();
                try (ch) {
                    ch.socket().setSoTimeout(10_000);
                    try {
                        ch.socket().getOutputStream().write(junk);
                    } catch (IOException closedAlready) {
                        // the port may close before the junk is out: what counts is what comes back
                    }
                    int n;
                    while ((n = ch.socket().getInputStream().read(in)) > 0) {
                        BYTES_RECEIVED.addAndGet(n);
                    }
                    closedByTarget(opened);
                } catch (java.net.SocketTimeoutException held) {
                    HELD_OPEN.incrementAndGet(); // the port kept it 10 s without closing: it waits for a hello
                } catch (IOException reset) {
                    closedByTarget(opened); // a reset: the port closed with our junk unread
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
