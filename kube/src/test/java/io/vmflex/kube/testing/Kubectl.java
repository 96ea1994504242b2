package io.vmflex.kube.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The machine's kubectl (-Dvmflex.kubectl, else kubectl on PATH), run once with a kubeconfig. */
public final class Kubectl {

    /** What one kubectl run left. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stdout, or an AssertionError naming the command, its exit code and stderr. */
        public String orFail() {
            if (!ok()) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode + ": " + stderr.strip());
            }
            return stdout;
        }
    }

    private Kubectl() {
    }

    public static String binary() {
        return System.getProperty("vmflex.kubectl", "kubectl");
    }

    static Result run(Path kubeconfig, String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary());
        command.add("--kubeconfig=" + kubeconfig);
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("kubectl-", ".out");
            Path err = Files.createTempFile("kubectl-", ".err");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
                builder.environment().remove("KUBECONFIG");
                Process process = builder.start();
                try (var in = process.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
                }
                return new Result(command, process.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }
}
