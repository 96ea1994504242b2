package io.vmflex.image.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside an image's root the way the VM will see it: symbolic links already in the
 * root are followed as if the root were {@code /} (an absolute target starts again at the root),
 * and any step that would leave the root, by {@code ..} or through a link, is refused. A layer can
 * therefore never write, link or delete outside the directory it is applied to, whatever links an
 * earlier layer planted.
 *
 * <p>Stateless; thread-safe as far as the file system under the root is not changed meanwhile.
 */
final class ScopedPath {
    /** As Linux's limit on links followed in one lookup (ELOOP). */
    private static final int MAX_LINKS = 40;

    private ScopedPath() {
    }

    /**
     * The path {@code name} denotes under {@code root}.
     *
     * @param followLast whether a link in the last component is followed too (a hard link's
     *                   target: yes; an entry being written: no, it replaces the link itself)
     */
    static Path resolve(Path root, String name, boolean followLast) throws ImageRefusedException {
        Deque<String> remaining = new ArrayDeque<>(components(name, name));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!remaining.isEmpty()) {
            String c = remaining.pollFirst();
            if (c.equals("..")) {
                if (resolved.isEmpty()) {
                    throw new ImageRefusedException("layer entry " + name + " leads outside the image's root");
                }
                resolved.removeLast();
                continue;
            }
            Path candidate = join(root, resolved).resolve(c);
            boolean last = remaining.isEmpty();
            if ((!last || followLast) && Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new ImageRefusedException("layer entry " + name + ": more than " + MAX_LINKS + " symbolic links");
                }
                String target;
                try {
                    target = Files.readSymbolicLink(candidate).toString();
                } catch (IOException e) {
                    throw new ImageRefusedException("layer entry " + name + ": cannot read link " + candidate + ": " + e.getMessage());
                }
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                List<String> next = components(target, name);
                for (int i = next.size() - 1; i >= 0; i--) {
                    remaining.addFirst(next.get(i));
                }
                continue;
            }
            resolved.add(c);
        }
        return join(root, resolved);
    }

    /** The non-empty components of a slash-separated path, without {@code .}. */
    static List<String> components(String path, String entry) throws ImageRefusedException {
        List<String> out = new ArrayList<>();
        for (String c : path.split("/")) {
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.indexOf('\0') >= 0) {
                throw new ImageRefusedException("layer entry " + entry + " has a NUL byte in its name");
            }
            out.add(c);
        }
        return out;
    }

    private static Path join(Path root, List<String> components) {
        Path p = root;
        for (String c : components) {
            p = p.resolve(c);
        }
        return p;
    }
}
