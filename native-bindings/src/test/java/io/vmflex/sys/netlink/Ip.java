package io.vmflex.sys.netlink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-side observer: runs {@code ip -j} and picks fields out of its compact JSON, so that the
 * code under test is checked by a tool that does not share its code.
 */
final class Ip {

    private Ip() {
    }

    record Result(int exit, String out) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + Arrays.toString(command));
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** {@code ip -j -d link show dev NAME}, or null if there is no such link. */
    static String link(String name) throws IOException, InterruptedException {
        Result result = run("ip", "-j", "-d", "link", "show", "dev", name);
        return result.exit() == 0 ? result.out() : null;
    }

    static String addresses(String name) throws IOException, InterruptedException {
        Result result = run("ip", "-j", "addr", "show", "dev", name);
        if (result.exit() != 0) {
            throw new IOException("ip addr show " + name + ": " + result.out());
        }
        return result.out();
    }

    /** The string value of the first {@code "key":"value"} in {@code json}, or null. */
    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    /** The number value of the first {@code "key":123} in {@code json}, or null. */
    static Long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":(\\d+)").matcher(json);
        return m.find() ? Long.valueOf(m.group(1)) : null;
    }

    static List<String> flags(String json) {
        Matcher m = Pattern.compile("\"flags\":\\[([^\\]]*)]").matcher(json);
        if (!m.find()) {
            return List.of();
        }
        return Arrays.stream(m.group(1).split(",")).map(s -> s.replace("\"", "")).toList();
    }

    /** A name unique to this test run, at most 15 characters: prefix + 6 hex digits. */
    static String uniqueName(String prefix) {
        return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    }

    static void deleteQuietly(String name) {
        try {
            run("ip", "link", "del", "dev", name);
        } catch (IOException | InterruptedException e) {
            // cleanup only
        }
    }
}
