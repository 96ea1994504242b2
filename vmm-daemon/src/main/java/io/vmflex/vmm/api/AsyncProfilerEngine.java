package io.vmflex.vmm.api;

import one.profiler.AsyncProfiler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link ProfileRoutes.Engine} on async-profiler's in-process Java API: the library ships its
 * {@code libasyncProfiler.so} in the jar and loads it on first use, so a daemon that is never
 * profiled never loads it. The flame graph goes through a temporary file (async-profiler writes HTML
 * only to a file) that is deleted at once.
 *
 * <p>Not thread-safe; {@link ProfileRoutes} serialises the calls.
 */
final class AsyncProfilerEngine implements ProfileRoutes.Engine {

    private AsyncProfiler profiler;

    @Override
    public void start(String event) throws ProfileRoutes.UnavailableException {
        String command = switch (event) {
            // 1 ms: enough samples in a few seconds of migration, ~1 % overhead per core
            case "cpu" -> "start,event=cpu,interval=1ms";
            case "wall" -> "start,event=wall,interval=5ms";
            case "alloc" -> "start,event=alloc";
            default -> throw new IllegalArgumentException("unknown event " + event);
        };
        // async-profiler finds the JVM's own thread structures through the thread that starts it, and a
        // virtual thread (the admin API's routes run on them) has none: "Could not find VMThread bridge".
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread starter = Thread.ofPlatform().name("profiler-start").start(() -> {
            try {
                load().execute(command);
            } catch (Exception e) {
                failed.set(e);
            }
        });
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the profiler", e);
        }
        switch (failed.get()) {
            case null -> { }
            case ProfileRoutes.UnavailableException u -> throw u;
            case Exception e -> throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public String stopToHtml() throws IOException {
        Path file = Files.createTempFile("vmflex-profile", ".html");
        try {
            profiler.execute("stop,file=" + file);
            return Files.readString(file, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private AsyncProfiler load() throws ProfileRoutes.UnavailableException {
        if (profiler == null) {
            try {
                profiler = AsyncProfiler.getInstance();
            } catch (UnsatisfiedLinkError | RuntimeException e) {
                throw new ProfileRoutes.UnavailableException("async-profiler's native library did not load: "
                        + e.getMessage(), e);
            }
        }
        return profiler;
    }
}
