package io.vmflex.kube.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Gives tests a real kube-apiserver ({@link KubeApiServer} as a parameter). One etcd + API server per
 * test JVM, started when the first test class that uses it starts, stopped at JVM exit.
 *
 * <p>Without the binaries the tests are skipped with the reason printed (build it with
 * ci/kube/build-apiserver.sh), unless the binary was named on purpose with -Dvmflex.kube.apiserver or
 * VMFLEX_KUBE_APISERVER, as ci/test.sh does: then its absence fails the tests, so CI cannot skip them.
 */
public final class KubeApiServerExtension implements ExecutionCondition, BeforeAllCallback, ParameterResolver {

    private static KubeApiServer server;
    private static Throwable startFailure;

    /** Disables the tests (reported as skipped, with the reason) when the binaries are missing and were not asked for. */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (availability() instanceof Availability.Skip(String reason)) {
            System.err.println("KubeApiServerExtension: skipping " + context.getDisplayName() + ": " + reason);
            return ConditionEvaluationResult.disabled(reason);
        }
        return ConditionEvaluationResult.enabled("kube-apiserver and etcd present, or named on purpose");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        shared();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KubeApiServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return shared();
    }

    private static synchronized KubeApiServer shared() {
        if (server != null) {
            return server;
        }
        switch (availability()) {
            case Availability.Fail(String reason) -> throw new ExtensionConfigurationException(reason);
            case Availability.Skip(String reason) -> throw new ExtensionConfigurationException(reason);
            case Availability.Ready() -> { }
        }
        if (startFailure != null) {
            throw new ExtensionConfigurationException("the kube test server failed to start earlier in this JVM", startFailure);
        }
        long startNanos = System.nanoTime();
        try {
            server = KubeApiServer.start();
            System.err.printf("KubeApiServerExtension: etcd + kube-apiserver ready at %s in %d ms%n",
                    server.url(), (System.nanoTime() - startNanos) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            startFailure = e;
            throw new ExtensionConfigurationException("cannot start the kube test server: " + e.getMessage(), e);
        }
        KubeApiServer started = server;
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kube-test-server-stop"));
        return server;
    }

    private static Availability availability() {
        return Availability.of(missingBinary(), KubeApiServer.explicitApiServer() != null);
    }

    private static String missingBinary() {
        Path apiServer = KubeApiServer.apiServerBinary();
        if (!Files.isExecutable(apiServer)) {
            return "no kube-apiserver at " + apiServer;
        }
        Path etcd = KubeApiServer.etcdBinary();
        if (!Files.isExecutable(etcd)) {
            return "no etcd at " + etcd;
        }
        return null;
    }
}
