package io.vmflex.vmm.qmp;

/**
 * The QEMU version announced in the QMP greeting.
 *
 * @param major       e.g. 7
 * @param minor       e.g. 2
 * @param micro       e.g. 22
 * @param packageName the distribution's package string, e.g. {@code "Debian 1:7.2+dfsg-7"}; empty if absent
 */
public record QemuVersion(int major, int minor, int micro, String packageName) {

    public QemuVersion {
        packageName = packageName == null ? "" : packageName;
    }

    /** True if this version is at least {@code major.minor}. */
    public boolean isAtLeast(int wantMajor, int wantMinor) {
        return major > wantMajor || (major == wantMajor && minor >= wantMinor);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro + (packageName.isEmpty() ? "" : " (" + packageName + ")");
    }
}
