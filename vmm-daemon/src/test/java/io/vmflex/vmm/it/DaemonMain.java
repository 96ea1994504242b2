package io.vmflex.vmm.it;

import io.vmflex.vmm.Vmmd;
import io.vmflex.vmm.VmmdConfig;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs vmmd in a JVM of its own for the tests that must kill it: args are
 * {@code stateDir socket nodeName imageDir [socketMode [adminGroup]]}.
 */
public final class DaemonMain {
    /** {@code -Dvmflex.network=bridge,cidr,tapPrefix} gives the VMs a NIC; absent: no network. */
    private static VmmdConfig.Network network() {
        String n = System.getProperty("vmflex.network");
        if (n == null || n.isBlank()) {
            return null;
        }
        String[] f = n.split(",");
        return new VmmdConfig.Network(f[0], f[1], f[2]);
    }

    /** {@code -Dvmflex.migration=host:port,secretFile[,incomingTtlSeconds]} enables live migration; absent: none. */
    private static io.vmflex.vmm.MigrationSettings migration() {
        String m = System.getProperty("vmflex.migration");
        if (m == null || m.isBlank()) {
            return null;
        }
        String[] f = m.split(",");
        var listen = io.vmflex.vmm.MigrationSettings.parseAddress(f[0]);
        return f.length > 2
                ? new io.vmflex.vmm.MigrationSettings(listen, Path.of(f[1]), java.time.Duration.ofSeconds(Long.parseLong(f[2])))
                : new io.vmflex.vmm.MigrationSettings(listen, Path.of(f[1]));
    }

    public static void main(String[] args) throws Exception {
        VmmdConfig d = VmmdConfig.defaults(args[2]);
        VmmdConfig config = new VmmdConfig(Path.of(args[0]), Path.of(args[1]), args[2], Path.of(args[3]),
                d.qemuBinary(), args.length > 5 ? args[5] : null, args.length > 4 ? args[4] : d.socketMode(),
                d.devKvm(), null, "vmflex-test", "auto", d.consoleMaxBytes(), d.virtioMemBlockBytes(), network());
        Vmmd vmmd = Vmmd.start(config, migration());
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vmmd.close();
            done.countDown();
        }));
        done.await();
    }
}
