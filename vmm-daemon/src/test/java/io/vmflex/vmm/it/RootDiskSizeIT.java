package io.vmflex.vmm.it;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code spec.guest.rootDisk.size} on the postgres image: the root disk the guest sees has that size
 * and its file system was grown to fill it (seen with {@code df} inside the guest); a size below the
 * image's disk is refused at apply with nothing stored.
 */
@Tag("qemu")
class RootDiskSizeIT {
    private static final String VM = "bigroot";
    private static final Duration STEP = Duration.ofSeconds(180);
    /** busybox df -k: "Filesystem 1K-blocks Used Available Use% Mounted on". */
    private static final Pattern DF = Pattern.compile("/dev/vda\\s+(\\d+)\\s+\\d+\\s+\\d+\\s+\\d+%\\s+/");
    @AutoClose
    private static final Daemons daemons = Daemons.inTempDir("vmfx-root", VM);
    private static TestDaemon daemon;

    @BeforeAll
    static void boot() throws Exception {
        Requirements.skipIf(RootDiskSizeIT.class, Files.isRegularFile(Guest.imageDir().resolve("postgres/manifest.json"))
                ? java.util.Optional.empty() : java.util.Optional.of("postgres image not built in " + Guest.imageDir()));
        daemon = daemons.start("node-it");
    }

    private static String yaml(String size) throws Exception {
        return TestVm.yaml(VM)
                .replace("memorySlotSize: 128Mi", "memorySlotSize: 256Mi")
                .replace("    rootDisk:\n      image: test", "    command: [\"/bin/sh\", \"-c\", \"df -k /\"]\n"
                        + "    rootDisk:\n      image: postgres\n      size: " + size);
    }

    @Test
    void shouldGrowTheGuestsRootFileSystemToRootDiskSize() throws Exception {
        UnixHttp.Response small = daemon.http().send("POST", "/v1/vms", "application/yaml", yaml("16Mi"));
        assertEquals(422, small.status(), small.body());
        assertTrue(small.body().contains("spec.guest.rootDisk.size: 16777216 bytes is smaller than the image's disk"), small.body());
        assertEquals(404, daemon.http().get("/v1/vms/" + VM).status());

        TestVm.create(daemon, yaml("1Gi"));
        Awaitility.await().atMost(STEP).pollInterval(Duration.ofMillis(500)).until(() ->
                DF.matcher(daemon.http().get("/v1/vms/" + VM + "/console").body()).find());
        String console = daemon.http().get("/v1/vms/" + VM + "/console").body();
        assertTrue(console.contains("vmflex-guest: root file system grown to 1048576 KiB"), console);
        Matcher df = DF.matcher(console);
        assertTrue(df.find());
        long kib = Long.parseLong(df.group(1));
        System.out.println("MEASURED root file system seen by the guest with rootDisk.size 1Gi: " + kib + " KiB");
        // ext4's own metadata (journal, inode tables) takes a few percent of the disk.
        assertTrue(kib > 900 * 1024 && kib <= 1024 * 1024, "df says " + kib + " KiB");
    }
}
