package io.vmflex.vmm.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The vmmds of one integration test and the temp directory they keep their state in. It makes the
 * directory, cluster secrets and free migration ports, and it remembers every daemon before
 * starting it, so that {@link #close()} can delete the test's VMs through each daemon and then
 * stop it: no daemon or QEMU outlives the test, even when a start or a test failed halfway.
 * Tests keep it in an {@code @AutoClose} field, or close it in their own {@code @AfterAll} when
 * more must be undone after the daemons are gone (a bridge, a namespace). Not thread-safe: JUnit's test thread sets it up and closes it.
 */
final class Daemons implements AutoCloseable {
    private static final int SECRET_CHARS = 48;
    private final String prefix;
    private final List<String> vms;
    private final List<TestDaemon> daemons = new ArrayList<>();
    private Path root;

    private Daemons(String prefix, List<String> vms) {
        this.prefix = prefix;
        this.vms = vms;
    }

    /**
     * Daemons in a fresh directory {@code /tmp/<prefix>...}, made on first use (so a skipped test
     * leaves none behind); {@code vms} are the VMs {@link #close()} deletes.
     */
    static Daemons inTempDir(String prefix, String... vms) {
        return new Daemons(prefix, List.of(vms));
    }

    Path root() throws IOException {
        if (root == null) {
            root = Files.createTempDirectory(Path.of("/tmp"), prefix);
        }
        return root;
    }

    /** A cluster secret file {@code <root>/<fileName>}: {@value #SECRET_CHARS} times {@code fill}, mode 0600. */
    Path secret(String fileName, char fill) throws IOException {
        Path p = root().resolve(fileName);
        Files.writeString(p, String.valueOf(fill).repeat(SECRET_CHARS));
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    /** Starts a daemon on the test images with the root as its state dir. */
    TestDaemon start(String nodeName) throws Exception {
        return start(new TestDaemon(root(), nodeName, Guest.imageDir()));
    }

    /** Starts a daemon whose image dir is empty: for API tests that need no QEMU. */
    TestDaemon startWithoutImages(String nodeName) throws Exception {
        return start(new TestDaemon(root(), nodeName, Files.createTempDirectory(root(), "images")));
    }

    /**
     * A daemon not started yet, {@code node-<name>} with state in {@code <root>/<name>}, that
     * listens for migrations on {@code host} at a free port with {@code secret}; the caller may
     * configure it further, then {@link #start(TestDaemon)} it.
     */
    TestDaemon migrationPeer(String name, String host, Path secret) throws IOException {
        return new TestDaemon(root().resolve(name), "node-" + name, Guest.imageDir()).withMigration(host, freePort(), secret);
    }

    /** Starts a {@link #migrationPeer} on 127.0.0.1. */
    TestDaemon startMigrationPeer(String name, Path secret) throws Exception {
        return start(migrationPeer(name, "127.0.0.1", secret));
    }

    /** Starts {@code daemon}, and closes it with the others even when the start fails. */
    TestDaemon start(TestDaemon daemon) throws Exception {
        daemons.add(daemon);
        return daemon.start();
    }

    /**
     * Deletes the test's VMs through every daemon (whatever the answer: a VM may live on another
     * daemon), then stops the daemon. A daemon that is not running has nothing to delete; a running
     * one that cannot be asked fails the close, once all daemons are stopped.
     */
    @Override
    public void close() throws Exception {
        IOException failure = null;
        for (TestDaemon d : daemons) {
            for (String vm : vms) {
                try {
                    d.http().send("DELETE", "/v1/vms/" + vm, null, null);
                } catch (IOException e) {
                    if (d.isAlive()) {
                        if (failure == null) {
                            failure = e;
                        } else {
                            failure.addSuppressed(e);
                        }
                    }
                }
            }
            d.close();
        }
        if (failure != null) {
            throw failure;
        }
        removeRoot();
    }

    /**
     * Removes the state directory once every daemon stopped cleanly (kept after a failed close, and
     * with {@code -Dvmflex.keepTestDirs=true}, for the daemons' logs).
     */
    private void removeRoot() {
        if (root == null || Boolean.getBoolean("vmflex.keepTestDirs")) {
            return;
        }
        deleteTree(root);
    }

    /** Best effort: a file that cannot go stays, the test does not fail for it. */
    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            System.err.println("could not remove " + dir + ": " + e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
