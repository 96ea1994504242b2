package io.vmflex.cli;

import io.vmflex.vmm.MigrationSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonOptionsTest {

    private static DaemonOptions parse(String... args) {
        return CommandLine.populateCommand(new DaemonOptions(), args);
    }

    @Test
    void shouldEncryptMigrationsWhenNotToldOtherwise() {
        MigrationSettings m = parse("--cluster-secret", "/etc/vmflex/cluster.secret").migration();
        assertTrue(m.encryption());
        assertTrue(m.relayOptions().encryption());
    }

    @Test
    void shouldSendAndAcceptPlainMigrationsWhenEncryptionIsOff() {
        MigrationSettings m = parse("--cluster-secret", "/etc/vmflex/cluster.secret", "--migration-encryption=off").migration();
        assertFalse(m.encryption());
        assertFalse(m.relayOptions().encryption(), "every connection the daemon makes or takes follows the setting");
        assertTrue(parse("--cluster-secret", "s", "--migration-encryption", "on").migration().encryption());
    }

    @Test
    void shouldRefuseAnythingButOnOrOffWithOneLine() {
        DaemonOptions.UsageException e = assertThrows(DaemonOptions.UsageException.class,
                () -> parse("--cluster-secret", "s", "--migration-encryption", "false").migration());
        assertEquals("--migration-encryption must be on or off, got \"false\"", e.getMessage());
    }

    @Test
    void shouldMigrateNothingWithoutAClusterSecret() {
        assertNull(parse().migration());
        assertThrows(DaemonOptions.UsageException.class, () -> parse("--migration-listen", "10.0.0.1:7451").migration());
    }

    @Test
    void shouldRefuseAKubeconfigThatIsNotThereBeforeStartingAnything() {
        DaemonOptions options = parse("--kubeconfig", "/nonexistent/kubeconfig", "--state-dir", "/nonexistent/state");
        assertTrue(options.kubernetes());
        DaemonOptions.UsageException e = assertThrows(DaemonOptions.UsageException.class, options::start);
        assertEquals("--kubeconfig /nonexistent/kubeconfig: not a readable file", e.getMessage());
    }

    @Test
    void shouldRunTheClusterAgentOnlyInKubernetesModeWithAnHttpsSchedulerAndReadableFiles() {
        DaemonOptions.UsageException standalone = assertThrows(DaemonOptions.UsageException.class,
                () -> parse("--scheduler-url", "https://127.0.0.1:9443").clusterAgent());
        assertEquals("--scheduler-url, --scheduler-ca and --scheduler-token-file need Kubernetes mode (--kubeconfig)",
                standalone.getMessage());
        assertNull(parse().clusterAgent());
        assertNull(parse("--kubeconfig", "k").clusterAgent(), "no scheduler named outside a pod: no agent");
        assertEquals("--scheduler-url: must be https://HOST:PORT, got \"http://s:9443\"", assertThrows(
                DaemonOptions.UsageException.class, () -> parse("--kubeconfig", "k", "--scheduler-url", "http://s:9443")
                        .clusterAgent()).getMessage());
        assertEquals("--scheduler-ca /nonexistent/ca.crt: not a readable file", assertThrows(DaemonOptions.UsageException.class,
                () -> parse("--kubeconfig", "k", "--scheduler-url", "https://s:9443", "--scheduler-ca", "/nonexistent/ca.crt")
                        .clusterAgent()).getMessage());
        var options = parse("--kubeconfig", "k", "--scheduler-url", "https://s.vmflex-system.svc:9443").clusterAgent();
        assertEquals("https://s.vmflex-system.svc:9443", options.url().toString());
        assertNull(options.tokenFile(), "the kubeconfig's token");
    }
}
