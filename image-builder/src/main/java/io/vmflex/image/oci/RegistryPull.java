package io.vmflex.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Copies one linux/amd64 image out of a registry (the OCI distribution API, which Docker's registry,
 * distribution, Harbor, quay.io and ghcr.io all speak) into an OCI image layout directory, which
 * {@link ImageImporter} then unpacks and checks like any other. Anonymous pulls, and the bearer-token
 * challenge public registries answer with; no stored credentials. Every manifest is checked against
 * its digest (the one asked for, or the one the registry states), every blob streamed against its
 * digest and its declared size, and the whole against the importer's byte budget: a registry is no
 * more trusted than an archive.
 *
 * <p>Not thread-safe; one pull per instance.
 */
public final class RegistryPull {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final long maxBytes;
    private String bearer;
    private long fetched;

    /** @param maxBytes the most the pull may download, blobs and manifests together */
    public RegistryPull(long maxBytes) {
        this.maxBytes = maxBytes;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /**
     * Writes {@code ref}'s linux/amd64 image into {@code layout} (a new directory) and returns the digest
     * of the manifest it names.
     *
     * @throws ImageRefusedException with the one-line reason (unreachable, unknown, refused, corrupt, too large)
     */
    public Digest copy(RegistryReference ref, Path layout) throws ImageRefusedException, IOException, InterruptedException {
        Files.createDirectories(layout.resolve("blobs/sha256"));
        String top = ref.reference();
        byte[] manifestBytes = manifest(ref, top);
        Digest topDigest = checked(manifestBytes, ref.byDigest() ? Digest.parse(top, "reference") : null, ref + " manifest");
        JsonNode manifest = ImageImporter.parse(manifestBytes, "manifest of " + ref);
        String topType = manifest.path("mediaType").asText("application/vnd.oci.image.manifest.v1+json");
        Files.write(blob(layout, topDigest), manifestBytes);
        Digest digest = topDigest;
        for (int depth = 0; manifest.path("mediaType").asText("").matches(ImageImporter.INDEX_TYPES) || manifest.has("manifests"); depth++) {
            if (depth > 4) {
                throw new ImageRefusedException("image indexes nest deeper than 4");
            }
            JsonNode chosen = ImageImporter.pick(manifest, "image index " + digest);
            digest = Digest.parse(chosen.path("digest").asText(null), "image index entry");
            manifestBytes = manifest(ref, digest.toString());
            checked(manifestBytes, digest, "manifest " + digest);
            Files.write(blob(layout, digest), manifestBytes);
            manifest = ImageImporter.parse(manifestBytes, "manifest " + digest);
        }
        blobInto(ref, manifest.path("config"), layout, "config");
        int i = 0;
        for (JsonNode layer : manifest.path("layers")) {
            blobInto(ref, layer, layout, "layer " + i++);
        }
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        index.putArray("manifests").addObject().put("mediaType", topType).put("digest", topDigest.toString())
                .put("size", Files.size(blob(layout, topDigest)));
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
        return topDigest;
    }

    private byte[] manifest(RegistryReference ref, String reference) throws ImageRefusedException, IOException, InterruptedException {
        URI uri = URI.create(ref.baseUrl() + "/v2/" + ref.repository() + "/manifests/" + reference);
        HttpResponse<InputStream> r = get(ref, uri, ACCEPT);
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(ImageImporter.MAX_JSON_BYTES + 1);
            if (body.length > ImageImporter.MAX_JSON_BYTES) {
                throw new ImageRefusedException(ref + ": manifest larger than " + ImageImporter.MAX_JSON_BYTES + " bytes");
            }
            count(body.length);
            String stated = r.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (stated != null && !ref.byDigest() && reference.equals(ref.reference())) {
                checked(body, Digest.parse(stated, ref + " Docker-Content-Digest"), ref + " manifest");
            }
            return body;
        }
    }

    private void blobInto(RegistryReference ref, JsonNode descriptor, Path layout, String what)
            throws ImageRefusedException, IOException, InterruptedException {
        Digest digest = Digest.parse(descriptor.path("digest").asText(null), what);
        long size = descriptor.path("size").asLong(-1);
        if (size < 0 || size > maxBytes - fetched) {
            throw new ImageRefusedException(ref + ": " + what + " declares " + size + " bytes, over what is left of the "
                    + maxBytes + "-byte budget");
        }
        Path file = blob(layout, digest);
        if (Files.exists(file)) {
            return;
        }
        URI uri = URI.create(ref.baseUrl() + "/v2/" + ref.repository() + "/blobs/" + digest);
        HttpResponse<InputStream> r = get(ref, uri, "*/*");
        MessageDigest sha = LayerApplier.sha256();
        Path partial = file.resolveSibling(digest.hex() + ".partial");
        long n = 0;
        try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[64 * 1024];
            for (int k; (k = in.read(buffer)) >= 0; ) {
                n += k;
                if (n > size) {
                    throw new ImageRefusedException(ref + ": " + what + " " + digest + " is longer than its declared " + size + " bytes");
                }
                sha.update(buffer, 0, k);
                out.write(buffer, 0, k);
            }
        }
        count(n);
        if (n != size || !Digest.of(sha.digest()).equals(digest)) {
            Files.deleteIfExists(partial);
            throw new ImageRefusedException(ref + ": " + what + " does not match its digest " + digest + " (corrupt)");
        }
        Files.move(partial, file);
    }

    private HttpResponse<InputStream> get(RegistryReference ref, URI uri, String accept)
            throws ImageRefusedException, IOException, InterruptedException {
        HttpResponse<InputStream> r = send(ref, uri, accept);
        if (r.statusCode() == 401 && bearer == null) {
            String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
            r.body().close();
            bearer = token(ref, challenge);
            r = send(ref, uri, accept);
        }
        if (r.statusCode() != 200) {
            r.body().close();
            throw new ImageRefusedException(ref + ": the registry answered " + r.statusCode() + " for " + uri.getPath()
                    + (r.statusCode() == 404 ? " (no such image)" : r.statusCode() == 401 ? " (it wants credentials; only anonymous pulls)" : ""));
        }
        return r;
    }

    private HttpResponse<InputStream> send(RegistryReference ref, URI uri, String accept)
            throws ImageRefusedException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", accept).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ImageRefusedException(ref + ": cannot reach " + ref.baseUrl() + " (" + e.getMessage() + ")");
        }
    }

    /** The anonymous token a {@code Bearer realm="...",service="...",scope="..."} challenge hands out. */
    private String token(RegistryReference ref, String challenge) throws ImageRefusedException, IOException, InterruptedException {
        if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ImageRefusedException(ref + ": the registry wants credentials (" + (challenge.isBlank() ? "401" : challenge.split(" ")[0])
                    + "); only anonymous pulls");
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        String realm = params.remove("realm");
        if (realm == null || !(realm.startsWith("https://") || realm.startsWith(ref.baseUrl()))) {
            throw new ImageRefusedException(ref + ": the registry's token realm " + realm + " is not HTTPS");
        }
        StringBuilder url = new StringBuilder(realm);
        char sep = realm.contains("?") ? '&' : '?';
        for (var e : params.entrySet()) {
            url.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(url.toString())).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException | IllegalArgumentException e) {
            throw new ImageRefusedException(ref + ": cannot get a pull token from " + realm + " (" + e.getMessage() + ")");
        }
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(64 * 1024);
            if (r.statusCode() != 200) {
                throw new ImageRefusedException(ref + ": the token service answered " + r.statusCode());
            }
            JsonNode t = ImageImporter.parse(body, "token answer");
            String token = t.path("token").asText(t.path("access_token").asText(""));
            if (token.isEmpty() || !token.chars().allMatch(c -> c > 32 && c < 127)) {
                throw new ImageRefusedException(ref + ": the token service gave no usable token");
            }
            return token;
        }
    }

    private void count(long bytes) throws ImageRefusedException {
        fetched += bytes;
        if (fetched > maxBytes) {
            throw new ImageRefusedException("the image passes the " + maxBytes + "-byte budget");
        }
    }

    private static Digest checked(byte[] body, Digest expected, String what) throws ImageRefusedException {
        Digest actual = Digest.of(LayerApplier.sha256().digest(body));
        if (expected != null && !expected.equals(actual)) {
            throw new ImageRefusedException(what + " does not match its digest " + expected + " (corrupt)");
        }
        return actual;
    }

    private static Path blob(Path layout, Digest digest) {
        return layout.resolve("blobs/sha256").resolve(digest.hex());
    }
}
