package io.vmflex.netbridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Test-side observer and shell: {@code ip -j} parsed with Jackson, plus namespace plumbing. */
final class HostNet {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HostNet() {
    }

    record Result(int exit, String out) {
    }

    static Result run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("timed out: " + Arrays.toString(command));
        }
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    static void must(String... command) throws IOException, InterruptedException {
        Result result = run(command);
        if (result.exit() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + result.exit() + ": " + result.out());
        }
    }

    /** The link's {@code ip -j -d link show} object, or null if absent. */
    static JsonNode link(String name) throws IOException, InterruptedException {
        Result result = run("ip", "-j", "-d", "link", "show", "dev", name);
        return result.exit() == 0 ? JSON.readTree(result.out()).get(0) : null;
    }

    static List<String> flags(JsonNode link) {
        List<String> flags = new ArrayList<>();
        link.get("flags").forEach(flag -> flags.add(flag.asText()));
        return flags;
    }

    /** {@code "a.b.c.d/len"} for each IPv4 address of the link. */
    static List<String> ipv4(String name) throws IOException, InterruptedException {
        Result result = run("ip", "-j", "-4", "addr", "show", "dev", name);
        List<String> addresses = new ArrayList<>();
        for (JsonNode info : JSON.readTree(result.out()).get(0).get("addr_info")) {
            addresses.add(info.get("local").asText() + "/" + info.get("prefixlen").asInt());
        }
        return addresses;
    }

    static String unique(String prefix) {
        return prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    }

    static void quietly(String... command) {
        try {
            run(command);
        } catch (IOException | InterruptedException e) {
            // cleanup only
        }
    }
}
