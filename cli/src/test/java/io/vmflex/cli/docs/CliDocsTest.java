package io.vmflex.cli.docs;

import io.vmflex.cli.ctl.VmctlCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CliDocsTest {

    @TempDir
    Path dir;

    @Test
    void shouldWriteAPagePerCommandAndBashCompletionForBothEntryPoints() throws Exception {
        List<Path> written = CliDocs.write(dir.resolve("man"), dir.resolve("completions"), "0.1.0", "2026-12-06");

        for (String page : List.of("vmflex", "vmflex-daemon", "vmflex-up", "vmflex-image-build", "vmctl", "vmctl-get",
                "vmctl-apply", "vmctl-check-node", "vmctl-migrate")) {
            assertTrue(Files.isRegularFile(dir.resolve("man/" + page + ".1")), page + " in " + written);
        }
        String vmctl = Files.readString(dir.resolve("completions/vmctl"));
        assertTrue(vmctl.contains("complete -F"), "a bash completion function is registered");
        assertTrue(vmctl.contains("check-node") && vmctl.contains("--socket"), "it completes subcommands and options");
        assertTrue(Files.readString(dir.resolve("completions/vmflex")).contains("daemon"));
    }

    @Test
    void shouldDescribeOptionsWithTheirDefaultsInTheDaemonPage() throws Exception {
        CliDocs.write(dir.resolve("man"), dir.resolve("completions"), "0.1.0", "2026-12-06");
        String page = Files.readString(dir.resolve("man/vmflex-daemon.1"));
        assertTrue(page.startsWith(".\\\""), "a roff comment first");
        assertTrue(page.contains(".TH \"VMFLEX-DAEMON\" 1 \"2026-12-06\" \"vmflex 0.1.0\""), page);
        assertTrue(page.contains(".SH OPTIONS"), page);
        assertTrue(page.contains("\\fB\\-\\-socket\\fR=\\fI"), page);
        assertTrue(page.contains("/run/vmflex/vmmd.sock"), "the default value filled in");
        assertFalse(page.contains("${DEFAULT-VALUE}"), "no picocli variable left");
    }

    @Test
    void shouldPointFromAParentPageToItsSubcommandPages() {
        String page = RoffManPage.render(VmctlCommand.definition(), "0.1.0", "2026-12-06");
        assertTrue(page.contains(".SH COMMANDS"), page);
        assertTrue(page.contains("\\fBvmctl\\-get\\fR(1)"), page);
        assertTrue(page.contains("\\fBvmflex\\fR(1)"), "vmctl's pages point at vmflex");
    }

    @Test
    void shouldEscapeRoffControlCharactersInText() {
        assertEquals("a\\ec", RoffManPage.escape("a\\c"));
        assertEquals("\\&.TH fake", RoffManPage.text(".TH fake"));
        assertEquals("\\&'x", RoffManPage.text("'x"));
        assertEquals("\\-\\-socket", RoffManPage.escape("--socket"));
    }
}
