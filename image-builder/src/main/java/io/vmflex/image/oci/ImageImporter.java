package io.vmflex.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Unpacks a container image (see {@link ImageSource}) into a fresh root directory, refusing what
 * is not a linux/amd64 image or does not hold together: every manifest, config and layer must
 * match its digest (and each layer's uncompressed tar its diff_id), and no layer entry may land
 * outside the root. On a refusal the root directory is deleted, so the caller's store is unchanged.
 *
 * <p>Not thread-safe per root; separate imports may run in parallel.
 */
public final class ImageImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Manifests, indexes and configs are small; a larger one is not an image we want to parse. */
    static final int MAX_JSON_BYTES = 4 * 1024 * 1024;
    static final String INDEX_TYPES = "application/vnd.oci.image.index.v1+json|application/vnd.docker.distribution.manifest.list.v2+json";

    private final long maxBytes;

    /** @param maxBytes the most the image may unpack to (and an archive hold) */
    public ImageImporter(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Unpacks {@code source} into {@code root}, which must not exist yet.
     *
     * @throws ImageRefusedException with the one-line reason; {@code root} is gone then
     */
    public ImportedImage unpack(Path source, Path root) throws ImageRefusedException, IOException {
        ImageSource.Format format = ImageSource.detect(source);
        Files.createDirectory(root);
        Path staging = null;
        try {
            Path layout = source;
            if (format != ImageSource.Format.OCI_LAYOUT) {
                staging = Files.createTempDirectory(root.getParent(), ".vmflex-archive-");
                unpackArchive(source, staging);
                layout = staging;
            }
            return format == ImageSource.Format.DOCKER_ARCHIVE ? dockerArchive(layout, root) : ociLayout(format, layout, root);
        } catch (ImageRefusedException | IOException | RuntimeException e) {
            deleteTree(root);
            throw e;
        } finally {
            if (staging != null) {
                deleteTree(staging);
            }
        }
    }

    private ImportedImage ociLayout(ImageSource.Format format, Path layout, Path root) throws ImageRefusedException, IOException {
        JsonNode layoutFile = json(layout.resolve("oci-layout"), "oci-layout");
        if (!layoutFile.path("imageLayoutVersion").asText("").startsWith("1.")) {
            throw new ImageRefusedException("oci-layout: imageLayoutVersion " + layoutFile.path("imageLayoutVersion") + " is not 1.x");
        }
        JsonNode descriptor = pick(json(layout.resolve("index.json"), "index.json"), "index.json");
        Digest manifestDigest = Digest.parse(descriptor.path("digest").asText(null), "index.json manifest");
        JsonNode manifest = blobJson(layout, manifestDigest, "manifest");
        // A multi-platform image: an index whose entries name a platform each.
        for (int depth = 0; manifest.path("mediaType").asText("").matches(INDEX_TYPES) || manifest.has("manifests"); depth++) {
            if (depth > 4) {
                throw new ImageRefusedException("image indexes nest deeper than 4");
            }
            descriptor = pick(manifest, "image index " + manifestDigest);
            manifestDigest = Digest.parse(descriptor.path("digest").asText(null), "image index entry");
            manifest = blobJson(layout, manifestDigest, "manifest");
        }
        Digest configDigest = Digest.parse(manifest.path("config").path("digest").asText(null), "manifest config");
        ImageConfig config = ImageConfig.parse(blobJson(layout, configDigest, "image config"));
        JsonNode layers = manifest.path("layers");
        if (!layers.isArray()) {
            throw new ImageRefusedException("manifest " + manifestDigest + " has no layers list");
        }
        LayerApplier applier = new LayerApplier(root, maxBytes);
        int i = 0;
        for (JsonNode layer : layers) {
            Digest digest = Digest.parse(layer.path("digest").asText(null), "manifest layer " + i);
            Path blob = blob(layout, digest, "layer " + i);
            MessageDigest sha = LayerApplier.sha256();
            Digest diffId;
            try (InputStream in = new DigestInputStream(Files.newInputStream(blob), sha)) {
                diffId = applier.apply(in, "layer " + i + " (" + digest + ")");
            }
            if (!Digest.of(sha.digest()).equals(digest)) {
                throw new ImageRefusedException("layer " + i + " does not match its digest " + digest + " (corrupt)");
            }
            checkDiffId(config, i, diffId);
            i++;
        }
        return new ImportedImage(format, manifestDigest, config, i, applier.skippedDevices());
    }

    private ImportedImage dockerArchive(Path archive, Path root) throws ImageRefusedException, IOException {
        JsonNode manifest = json(archive.resolve("manifest.json"), "manifest.json");
        if (!manifest.isArray() || manifest.size() != 1) {
            throw new ImageRefusedException("docker-archive manifest.json must list exactly one image, it lists "
                    + (manifest.isArray() ? manifest.size() : "none"));
        }
        JsonNode image = manifest.get(0);
        Path configFile = member(archive, image.path("Config").asText(""), "Config");
        byte[] configBytes = read(configFile, "image config");
        Digest configDigest = Digest.of(LayerApplier.sha256().digest(configBytes));
        ImageConfig config = ImageConfig.parse(parse(configBytes, "image config"));
        LayerApplier applier = new LayerApplier(root, maxBytes);
        int i = 0;
        for (JsonNode layer : image.path("Layers")) {
            Path file = member(archive, layer.asText(""), "Layers[" + i + "]");
            Digest diffId;
            try (InputStream in = Files.newInputStream(file)) {
                diffId = applier.apply(in, "layer " + i + " (" + layer.asText() + ")");
            }
            checkDiffId(config, i, diffId);
            i++;
        }
        if (i != config.diffIds().size()) {
            throw new ImageRefusedException("docker-archive lists " + i + " layers, its config " + config.diffIds().size());
        }
        return new ImportedImage(ImageSource.Format.DOCKER_ARCHIVE, configDigest, config, i, applier.skippedDevices());
    }

    private static void checkDiffId(ImageConfig config, int i, Digest diffId) throws ImageRefusedException {
        if (i >= config.diffIds().size() || !config.diffIds().get(i).equals(diffId)) {
            throw new ImageRefusedException("layer " + i + " does not match the config's diff_id"
                    + (i < config.diffIds().size() ? " " + config.diffIds().get(i) : " (the config lists fewer layers)")
                    + " (corrupt)");
        }
    }

    /** The linux/amd64 entry of an index: the only one, or the one whose platform says so. */
    static JsonNode pick(JsonNode index, String what) throws ImageRefusedException {
        JsonNode manifests = index.path("manifests");
        if (!manifests.isArray() || manifests.isEmpty()) {
            throw new ImageRefusedException(what + " lists no manifest");
        }
        List<String> platforms = new ArrayList<>();
        JsonNode only = manifests.size() == 1 ? manifests.get(0) : null;
        for (JsonNode m : manifests) {
            JsonNode p = m.path("platform");
            if (p.isMissingNode()) {
                continue;
            }
            String os = p.path("os").asText("?");
            String arch = p.path("architecture").asText("?");
            if (os.equals(ImageConfig.OS) && arch.equals(ImageConfig.ARCHITECTURE)) {
                return m;
            }
            platforms.add(os + "/" + arch);
        }
        if (only != null && only.path("platform").isMissingNode()) {
            return only;
        }
        throw new ImageRefusedException(what + " has no " + ImageConfig.OS + "/" + ImageConfig.ARCHITECTURE
                + " image (it has " + (platforms.isEmpty() ? manifests.size() + " without a platform" : String.join(", ", platforms)) + ")");
    }

    private static Path blob(Path layout, Digest digest, String what) throws ImageRefusedException {
        Path blob = layout.resolve("blobs").resolve("sha256").resolve(digest.hex());
        if (!Files.isRegularFile(blob, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageRefusedException(what + " " + digest + " is missing from the image");
        }
        return blob;
    }

    private static JsonNode blobJson(Path layout, Digest digest, String what) throws ImageRefusedException {
        byte[] bytes = read(blob(layout, digest, what), what);
        if (!Digest.of(LayerApplier.sha256().digest(bytes)).equals(digest)) {
            throw new ImageRefusedException(what + " " + digest + " does not match its digest (corrupt)");
        }
        return parse(bytes, what + " " + digest);
    }

    private static JsonNode json(Path file, String what) throws ImageRefusedException {
        return parse(read(file, what), what);
    }

    private static byte[] read(Path file, String what) throws ImageRefusedException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_JSON_BYTES + 1);
            if (bytes.length > MAX_JSON_BYTES) {
                throw new ImageRefusedException(what + " is larger than " + MAX_JSON_BYTES + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new ImageRefusedException(what + " cannot be read: " + e.getMessage());
        }
    }

    static JsonNode parse(byte[] bytes, String what) throws ImageRefusedException {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ImageRefusedException(what + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** A file named inside a docker-archive: a plain relative path to a regular file in it. */
    private static Path member(Path archive, String name, String field) throws ImageRefusedException {
        if (name.isEmpty() || name.startsWith("/") || ScopedPath.components(name, name).contains("..")) {
            throw new ImageRefusedException("docker-archive manifest " + field + " \"" + name + "\" is not a path inside the archive");
        }
        Path p = archive.resolve(name).normalize();
        if (!p.startsWith(archive) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageRefusedException("docker-archive manifest " + field + " \"" + name + "\" is missing from the archive");
        }
        return p;
    }

    /** The outer tar of an archive: only plain files and directories, nothing outside {@code into}. */
    private void unpackArchive(Path archive, Path into) throws ImageRefusedException, IOException {
        long total = 0;
        try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                List<String> parts = ScopedPath.components(e.getName(), e.getName());
                if (e.getName().startsWith("/") || parts.contains("..")) {
                    throw new ImageRefusedException("archive entry " + e.getName() + " leads outside the archive");
                }
                if (parts.isEmpty()) {
                    continue;
                }
                Path target = into.resolve(String.join("/", parts));
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    total += e.getSize();
                    if (total > maxBytes) {
                        throw new ImageRefusedException("the archive holds more than " + maxBytes + " bytes");
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                }
                // Links and devices have no place in an image archive's outer tar: not followed, not made.
            }
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof java.nio.file.FileAlreadyExistsException) {
                throw new ImageRefusedException("archive holds " + e.getMessage() + " twice");
            }
            throw new ImageRefusedException(archive + " is not a readable tar: " + e.getMessage());
        }
    }

    static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(path)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
