# Sourced by build-postgres-image.sh and oci/build-postgres-container.sh (POSIX sh, on the build
# host), so that the VM image and the container image hold the same PostgreSQL root.

# postgres_root BASE ROOT: ROOT becomes a copy of the cached debootstrap root BASE (with
# postgresql-15 installed), trimmed to what a guest or container running PostgreSQL needs.
postgres_root() {
    cp -a "$1" "$2"
    rm -f "$2/.complete"
    # Debian's packaged cluster (main) is replaced by a template each builder initdb's itself.
    rm -rf "$2/var/lib/postgresql/15" "$2/etc/postgresql/15"
    # JIT is off (llvmjit.so is only dlopen'ed with jit=on): LLVM is ~130 MB of the root.
    rm -rf "$2"/usr/lib/x86_64-linux-gnu/libLLVM-* "$2"/usr/lib/x86_64-linux-gnu/libz3.so* \
        "$2"/usr/lib/postgresql/15/lib/llvmjit* "$2"/usr/lib/postgresql/15/lib/bitcode
    # The PostgreSQL binaries run directly, never Debian's perl wrappers (pg_ctlcluster etc.), in
    # the C locale: full perl, locale sources and translations go too.
    rm -rf "$2"/usr/share/perl "$2"/usr/lib/x86_64-linux-gnu/perl "$2"/usr/share/i18n
    rm -rf "$2"/usr/share/doc/* "$2"/usr/share/man/* "$2"/usr/share/info/* \
        "$2"/usr/share/locale/* "$2"/var/cache/apt/* "$2"/var/lib/apt/lists/* \
        "$2"/var/cache/debconf/*-old "$2"/var/log/* "$2"/usr/share/postgresql/15/man
}
