package io.vmflex.vmm.it;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the test guest says about itself: its init prints
 * {@code vmflex-guest: cpus=<online> memtotal_kb=<MemTotal> uptime=<s>} every second on the serial
 * console, which the daemon serves at {@code GET /v1/vms/{name}/console}.
 */
public final class Guest {
    private static final Pattern LINE = Pattern.compile("vmflex-guest: cpus=(\\d+) memtotal_kb=(\\d+)");

    public record Report(int cpus, long memTotalKb) {
    }

    private Guest() {
    }

    public static Path imageDir() {
        String p = System.getProperty("vmflex.images");
        return p != null ? Path.of(p) : Path.of("..", "build", "images").toAbsolutePath().normalize();
    }

    /** Whether the test image is there; tests needing it are skipped (with this reason) when not. */
    public static Optional<String> missingImage() {
        if (!Files.isRegularFile(imageDir().resolve("test/manifest.json"))) {
            return Optional.of("test image not built in " + imageDir() + " (run rootfs/build-test-image.sh)");
        }
        if (!Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))) {
            return Optional.of("qemu-system-x86_64 not installed");
        }
        return Optional.empty();
    }

    /** True while the process exists and is not a zombie (QEMU's reaper is init, not us). */
    public static boolean processRuns(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    public static Path example(String name) {
        return Path.of("..", "examples", name).toAbsolutePath().normalize();
    }

    public static Optional<Report> lastReport(UnixHttp http, String vm) {
        try {
            String console = http.get("/v1/vms/" + vm + "/console?tail=20").body();
            Report last = null;
            Matcher m = LINE.matcher(console);
            while (m.find()) {
                last = new Report(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
            }
            return Optional.ofNullable(last);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the guest's latest report satisfies {@code ok}; returns that report. */
    public static Report awaitReport(UnixHttp http, String vm, Duration timeout, java.util.function.Predicate<Report> ok) {
        Report[] seen = new Report[1];
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            Optional<Report> r = lastReport(http, vm);
            r.ifPresent(x -> seen[0] = x);
            return r.isPresent() && ok.test(r.get());
        });
        return seen[0];
    }

    public static JsonNode awaitPhase(UnixHttp http, String vm, String phase, Duration timeout) {
        JsonNode[] seen = new JsonNode[1];
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            UnixHttp.Response r = http.get("/v1/vms/" + vm);
            if (r.status() != 200) {
                return false;
            }
            seen[0] = r.json();
            return phase.equals(seen[0].path("status").path("phase").asText());
        });
        return seen[0];
    }

    public static String patchUse(String path, Object value) {
        return "[{\"op\":\"replace\",\"path\":\"" + path + "\",\"value\":" + value + "}]";
    }

    public static List<String> consoleLines(UnixHttp http, String vm) throws IOException {
        return http.get("/v1/vms/" + vm + "/console").body().lines().toList();
    }
}
