package io.vmflex.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command's usage errors: each a non-zero exit with one line, before any connection is made. */
class WebhookCommandTest {

    private record Run(int code, String err) {
    }

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        java.io.PrintStream oldErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try {
            int code = new CommandLine(new WebhookCommand()).setErr(new PrintWriter(err))
                    .setCaseInsensitiveEnumValuesAllowed(true).execute(args);
            return new Run(code, err + captured.toString());
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void shouldRequireExactlyOneOfServiceAndUrl() {
        assertEquals(2, run().code());
        Run both = run("--service", "vmflex-system/vmflex-webhook", "--url", "https://10.0.0.1:8443");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
    }

    @Test
    void shouldRefuseAPlainHttpUrlAndABadServiceAndListen() {
        Run http = run("--url", "http://10.0.0.1:8443");
        assertEquals(2, http.code());
        assertTrue(http.err().contains("error: --url must be https://HOST[:PORT][/PATH], got http://10.0.0.1:8443"), http.err());
        Run service = run("--service", "vmflex-webhook");
        assertEquals(2, service.code());
        assertTrue(service.err().contains("error: --service must be NAMESPACE/NAME, got \"vmflex-webhook\""), service.err());
        Run listen = run("--service", "a/b", "--listen", "8443");
        assertEquals(2, listen.code());
        assertTrue(listen.err().contains("error: --listen must be HOST:PORT"), listen.err());
    }

    @Test
    void shouldRefuseAnUnknownFailurePolicy() {
        Run policy = run("--service", "a/b", "--failure-policy", "maybe");
        assertEquals(2, policy.code());
        assertTrue(policy.err().contains("--failure-policy"), policy.err());
    }
}
