package io.vmflex.vmm.qemu;

import io.vmflex.api.vm.EnvVar;
import io.vmflex.api.vm.Guest;
import io.vmflex.api.vm.GuestSettings;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GuestParametersTest {
    private static Guest guest(List<EnvVar> env, List<String> command, List<String> args) {
        return new Guest(null, null, null, null, null, null, null, null, command, args, env, null, null);
    }

    private static Guest settings(String ratio, List<String> sysctl) {
        return new Guest(null, ratio, null, null, null, null, null, null, null, null, null, null,
                new GuestSettings(sysctl, null));
    }

    private static String decoded(String args, String key) {
        for (String a : args.trim().split(" ")) {
            if (a.startsWith(key + "=")) {
                return new String(Base64.getDecoder().decode(a.substring(key.length() + 1)), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Test
    void shouldPassNothingWhenSpecHasNoEnvOrCommand() {
        assertEquals("", GuestParameters.kernelArgs(guest(null, null, null)));
    }

    @Test
    void shouldEncodeEnvAndArgvWithoutSpacesTheKernelWouldSplit() {
        String a = GuestParameters.kernelArgs(guest(List.of(new EnvVar("POSTGRES_PASSWORD", "p a=ss\"word")),
                List.of("/usr/bin/allocate-loop"), List.of("100", "400")));
        assertEquals(2, a.trim().split(" ").length, a);
        assertEquals("POSTGRES_PASSWORD=p a=ss\"word\n", decoded(a, "vmflex.env"));
        assertEquals("/usr/bin/allocate-loop\n100\n400\n", decoded(a, "vmflex.cmd"));
    }

    @Test
    void shouldEncodeSysctlLinesAsOneArgument() {
        String a = GuestParameters.kernelArgs(settings(null, List.of("vm.swappiness = 7", " net.ipv4.tcp_rmem = 4096 87380 6291456 ")));
        assertEquals(1, a.trim().split(" ").length, a);
        assertEquals("vm.swappiness = 7\nnet.ipv4.tcp_rmem = 4096 87380 6291456\n", decoded(a, "vmflex.sysctl"));
    }

    @Test
    void shouldHaveTheKernelOnlineHotpluggedMemoryAutoMovableAtTheRatio() {
        assertEquals(" memhp_default_state=online memory_hotplug.online_policy=auto-movable"
                + " memory_hotplug.auto_movable_ratio=301", GuestParameters.kernelArgs(settings("301", List.of())));
    }
}
