package io.vmflex.kube.testing;

/**
 * Whether the kube tests run, are skipped or fail, from what is missing and whether the binary was
 * named on purpose (CI names it, so there a missing binary fails instead of skipping quietly).
 */
sealed interface Availability {

    record Ready() implements Availability {
    }

    record Skip(String reason) implements Availability {
    }

    record Fail(String reason) implements Availability {
    }

    /** @param missing what is missing ("no kube-apiserver at ..."), or null when both binaries are there */
    static Availability of(String missing, boolean namedOnPurpose) {
        if (missing == null) {
            return new Ready();
        }
        if (namedOnPurpose) {
            return new Fail(missing + " (named with -Dvmflex.kube.apiserver or VMFLEX_KUBE_APISERVER)");
        }
        return new Skip(missing + " (build it with ci/kube/build-apiserver.sh)");
    }
}
