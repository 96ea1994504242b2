package io.vmflex.kube.node;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalNameTest {

    @Test
    void shouldNameTheVmAfterNamespaceAndNameAndDecodeItBack() {
        ObjectKey key = new ObjectKey("demo", "vm-compute-node");
        assertEquals(new LocalName.Encoded.Name("demo-vm-compute-node-4"), LocalName.encode(key));
        assertEquals(Optional.of(key), LocalName.decode("demo-vm-compute-node-4"));
    }

    /** A plain "ns-name" would give these two the same VM. */
    @Test
    void shouldKeepKeysApartWhoseJoinedTextIsTheSame() {
        String a = ((LocalName.Encoded.Name) LocalName.encode(new ObjectKey("a-b", "c"))).value();
        String b = ((LocalName.Encoded.Name) LocalName.encode(new ObjectKey("a", "b-c"))).value();
        assertNotEquals(a, b);
        assertEquals(Optional.of(new ObjectKey("a-b", "c")), LocalName.decode(a));
        assertEquals(Optional.of(new ObjectKey("a", "b-c")), LocalName.decode(b));
        String c = ((LocalName.Encoded.Name) LocalName.encode(new ObjectKey("x--y", "z"))).value();
        assertEquals(Optional.of(new ObjectKey("x--y", "z")), LocalName.decode(c));
    }

    @Test
    void shouldRoundTripEveryKeyOfASmallAlphabet() {
        String[] parts = {"a", "a-b", "a--b", "b-a", "ab", "1", "a-1", "1-a", "aaaaaaaaaaaa"};
        java.util.Set<String> names = new java.util.HashSet<>();
        for (String ns : parts) {
            for (String name : parts) {
                ObjectKey key = new ObjectKey(ns, name);
                String local = ((LocalName.Encoded.Name) LocalName.encode(key)).value();
                assertTrue(local.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") && local.length() <= 63, local);
                assertEquals(Optional.of(key), LocalName.decode(local), local);
                assertTrue(names.add(local), "two keys share " + local);
            }
        }
    }

    @Test
    void shouldNotDecodeNamesItNeverMakes() {
        assertEquals(Optional.empty(), LocalName.decode("test-vm"));
        assertEquals(Optional.empty(), LocalName.decode("demo-vm-9"));
        assertEquals(Optional.empty(), LocalName.decode("demo-vm-04"));
        assertEquals(Optional.empty(), LocalName.decode("x-1"));
    }

    @Test
    void shouldSayWhyALongOrDottedNameHasNoLocalName() {
        var tooLong = LocalName.encode(new ObjectKey("team-" + "n".repeat(30), "vm-" + "x".repeat(30)));
        assertEquals("metadata.name: namespace and name together are 68 characters; a node names the VM after both and has room for 59",
                assertInstanceOf(LocalName.Encoded.Unusable.class, tooLong).message());
        var dotted = LocalName.encode(new ObjectKey("demo", "vm.one"));
        assertTrue(assertInstanceOf(LocalName.Encoded.Unusable.class, dotted).message().startsWith("metadata.name: "));
    }
}
