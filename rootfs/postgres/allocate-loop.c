/*
 * allocate-loop <fromMiB> <toMiB> [cgroup] : memory pressure for a vmflex guest.
 * Joins /sys/fs/cgroup/<cgroup> (created if missing) when given, maps and touches <fromMiB> of
 * anonymous memory, then grows it by one step (STEP_MIB, default 16) every STEP_MS (default 500)
 * until <toMiB>, and holds it until killed. Every page is written, so the memory is really
 * resident (no zero-page sharing). One line per step on stdout: "allocate-loop: <n> MiB".
 * Built static on the host: the guest root has no compiler and no python.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? atol(v) : dflt;
}

static void join_cgroup(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s", name);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "allocate-loop: mkdir %s: %s\n", path, strerror(errno));
        exit(1);
    }
    snprintf(path, sizeof path, "/sys/fs/cgroup/%s/cgroup.procs", name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%d\n", (int) getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, "allocate-loop: cannot join %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* Maps and dirties one chunk; chunks stay mapped for the life of the process. */
static void grab(long mib) {
    char *p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "allocate-loop: mmap %ld MiB: %s\n", mib, strerror(errno));
        exit(1);
    }
    long page = sysconf(_SC_PAGESIZE);
    for (long off = 0; off < mib * MIB; off += page) {
        p[off] = (char) (off / page) | 1;
    }
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: allocate-loop <fromMiB> <toMiB> [cgroup]\n");
        return 2;
    }
    long from = atol(argv[1]);
    long to = atol(argv[2]);
    if (from < 0 || to < from) {
        fprintf(stderr, "allocate-loop: need 0 <= fromMiB <= toMiB\n");
        return 2;
    }
    if (argc == 4) {
        join_cgroup(argv[3]);
    }
    long step = env_long("STEP_MIB", 16);
    long step_ms = env_long("STEP_MS", 500);
    struct timespec every = {step_ms / 1000, (step_ms % 1000) * 1000000L};
    long have = 0;
    if (from > 0) {
        grab(from);
        have = from;
    }
    printf("allocate-loop: %ld MiB\n", have);
    fflush(stdout);
    while (have < to) {
        nanosleep(&every, NULL);
        long n = to - have < step ? to - have : step;
        grab(n);
        have += n;
        printf("allocate-loop: %ld MiB\n", have);
        fflush(stdout);
    }
    for (;;) {
        pause();
    }
}
