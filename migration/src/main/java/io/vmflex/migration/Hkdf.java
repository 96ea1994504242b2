package io.vmflex.migration;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA256 (RFC 5869): extract a pseudorandom key from input keying material and a salt, then
 * expand it, bound to an {@code info} string, into as many bytes as asked. The JDK has HMAC but no
 * HKDF before its KDF API, and the construction is two loops of HMAC, so it lives here.
 *
 * <p>Stateless and thread-safe; each call creates its own {@link Mac} (one derivation per connection,
 * never on the relay path).
 */
final class Hkdf {

    static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /** Extract then expand: {@code length} bytes of output keying material. */
    static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        return expand(extract(salt, ikm), info, length);
    }

    /** PRK = HMAC-Hash(salt, IKM); an empty salt stands for HashLen zero bytes, as the RFC says. */
    static byte[] extract(byte[] salt, byte[] ikm) {
        byte[] key = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        Mac mac = mac(key);
        return mac.doFinal(ikm);
    }

    /** T(i) = HMAC-Hash(PRK, T(i-1) | info | i), output the first {@code length} bytes of T(1) | T(2) | … */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (length < 1 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF output length must be 1.." + 255 * HASH_LENGTH + ": " + length);
        }
        Mac mac = mac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        int done = 0;
        for (int i = 1; done < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - done);
            System.arraycopy(t, 0, out, done, n);
            done += n;
        }
        return out;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
