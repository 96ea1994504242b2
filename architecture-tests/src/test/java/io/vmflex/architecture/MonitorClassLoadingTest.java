package io.vmflex.architecture;

import io.vmflex.api.guest.GuestMessage;
import io.vmflex.monitor.GuestCodec;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The monitor's class path in the guest image is its own jar and api's, nothing else
 * (rootfs/build-test-image.sh). Loads them so, in a class loader that sees no other library, and
 * runs the monitor's codec both ways: any class of Jackson, Netty or fabric8 it needed would fail
 * with NoClassDefFoundError. Reflection only to reach into that isolated loader.
 */
class MonitorClassLoadingTest {

    private static URL jarOf(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void shouldEncodeAndDecodeGuestMessagesWhenOnlyTheMonitorAndApiAreOnTheClassPath() throws Exception {
        try (URLClassLoader guest = new URLClassLoader(new URL[]{jarOf(GuestCodec.class), jarOf(GuestMessage.class)},
                ClassLoader.getPlatformClassLoader())) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper",
                    false, guest), "the isolated loader must not see Jackson, or this test proves nothing");
            Class<?> codec = Class.forName(GuestCodec.class.getName(), true, guest);
            Class<?> healthCheck = Class.forName(GuestMessage.HealthCheck.class.getName(), true, guest);
            Constructor<?> make = healthCheck.getDeclaredConstructor(long.class);
            Object message = make.newInstance(7L);
            byte[] frame = (byte[]) codec.getMethod("encode", Object.class).invoke(null, message);
            byte[] payload = new byte[frame.length - 4];
            System.arraycopy(frame, 4, payload, 0, payload.length);
            Method decode = codec.getMethod("decodeMessage", byte[].class);
            assertEquals(message, decode.invoke(null, (Object) payload));
        }
    }
}
