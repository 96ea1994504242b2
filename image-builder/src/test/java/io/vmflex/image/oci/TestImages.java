package io.vmflex.image.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Builds container images in the three formats, byte by byte, for the importer's tests. */
final class TestImages {
    static final ObjectMapper JSON = new ObjectMapper();

    private TestImages() {
    }

    /** A layer tar built entry by entry. */
    static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar;

        Layer() {
            tar = new TarArchiveOutputStream(bytes);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        }

        Layer dir(String name) {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            e.setMode(040755);
            return put(e, null);
        }

        Layer file(String name, String content) {
            return file(name, content, 0644);
        }

        Layer file(String name, String content, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            e.setSize(data.length);
            e.setMode(0100000 | mode);
            e.setIds(1000, 1000);
            return put(e, data);
        }

        Layer symlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
            e.setLinkName(target);
            return put(e, null);
        }

        Layer hardlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
            e.setLinkName(target);
            return put(e, null);
        }

        Layer fifo(String name) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_FIFO);
            return put(e, null);
        }

        private Layer put(TarArchiveEntry e, byte[] data) {
            try {
                tar.putArchiveEntry(e);
                if (data != null) {
                    tar.write(data);
                }
                tar.closeArchiveEntry();
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
            return this;
        }

        byte[] tar() {
            try {
                tar.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return bytes.toByteArray();
        }
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static Digest sha(byte[] data) {
        return Digest.of(LayerApplier.sha256().digest(data));
    }

    static ObjectNode config(String os, String arch, List<byte[]> uncompressedLayers) {
        ObjectNode c = JSON.createObjectNode().put("os", os).put("architecture", arch);
        ObjectNode run = c.putObject("config");
        run.putArray("Entrypoint").add("/usr/bin/app");
        run.putArray("Cmd").add("-x");
        run.putArray("Env").add("PATH=/usr/bin:/bin").add("PGDATA=/var/lib/pg");
        run.put("WorkingDir", "/srv").put("User", "postgres");
        ArrayNode ids = c.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        uncompressedLayers.forEach(l -> ids.add(sha(l).toString()));
        return c;
    }

    /**
     * Writes an OCI layout: layers as given (gzip'd when {@code gzipped}), config, manifest,
     * index. {@code tamper} may change the config before it is written.
     *
     * @return the manifest's digest
     */
    static Digest ociLayout(Path dir, String os, String arch, List<byte[]> layers, boolean gzipped,
                            Consumer<ObjectNode> tamperIndex) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        byte[] config = JSON.writeValueAsBytes(config(os, arch, layers));
        manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", blob(dir, config).toString()).put("size", config.length);
        ArrayNode ls = manifest.putArray("layers");
        for (byte[] layer : layers) {
            byte[] stored = gzipped ? gzip(layer) : layer;
            ls.addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar" + (gzipped ? "+gzip" : ""))
                    .put("digest", blob(dir, stored).toString()).put("size", stored.length);
        }
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        Digest digest = blob(dir, manifestBytes);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
        index.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                .put("digest", digest.toString()).put("size", manifestBytes.length);
        tamperIndex.accept(index);
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        return digest;
    }

    static Digest blob(Path layout, byte[] data) throws IOException {
        Digest d = sha(data);
        Files.write(layout.resolve("blobs/sha256").resolve(d.hex()), data);
        return d;
    }

    /** A tar of every file under {@code dir}, names relative to it. */
    static void tarOf(Path dir, Path tarFile) throws IOException {
        try (OutputStream out = Files.newOutputStream(tarFile); TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
             Stream<Path> files = Files.walk(dir)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : files.sorted().toList()) {
                if (p.equals(dir)) {
                    continue;
                }
                TarArchiveEntry e = new TarArchiveEntry(p.toFile(), dir.relativize(p).toString());
                tar.putArchiveEntry(e);
                if (Files.isRegularFile(p)) {
                    Files.copy(p, tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }

    /** A docker-archive ({@code docker save}) of uncompressed layers. */
    static Digest dockerArchive(Path tarFile, List<byte[]> layers, Path work) throws IOException {
        Files.createDirectories(work);
        byte[] config = JSON.writeValueAsBytes(config("linux", "amd64", layers));
        Digest configDigest = sha(config);
        Files.write(work.resolve(configDigest.hex() + ".json"), config);
        List<String> names = new ArrayList<>();
        for (byte[] layer : layers) {
            String name = sha(layer).hex() + "/layer.tar";
            Files.createDirectories(work.resolve(name).getParent());
            Files.write(work.resolve(name), layer);
            names.add(name);
        }
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode image = manifest.addObject().put("Config", configDigest.hex() + ".json");
        image.putArray("RepoTags").add("test:latest");
        ArrayNode ls = image.putArray("Layers");
        names.forEach(ls::add);
        Files.write(work.resolve("manifest.json"), JSON.writeValueAsBytes(manifest));
        tarOf(work, tarFile);
        return configDigest;
    }
}
