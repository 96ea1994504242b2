/*
 * run-as USER[:GROUP] PROGRAM ARGS...: runs PROGRAM as the image's configured user, for
 * `vmflex image build --from` images (busybox has no setuid helper). USER and GROUP are names from
 * the image's /etc/passwd and /etc/group or numbers, as the OCI config's "User" field allows. The
 * files are read here rather than through glibc's NSS, which a static program cannot load in an
 * image with another C library or none.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int numeric(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (!isdigit((unsigned char) *s)) return 0;
    return 1;
}

/* Finds NAME (or the numeric id ID) in a passwd/group style file: fields name:x:id:gid... */
static int lookup(const char *file, const char *name, long *id, long *gid) {
    FILE *f = fopen(file, "r");
    if (!f) return 0;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char *fields[4] = {0};
        char *p = line;
        for (int i = 0; i < 4 && p; i++) {
            fields[i] = p;
            p = strchr(p, ':');
            if (p) *p++ = '\0';
        }
        if (!fields[2]) continue;
        if (numeric(name) ? strtol(fields[2], NULL, 10) == strtol(name, NULL, 10) : strcmp(fields[0], name) == 0) {
            *id = strtol(fields[2], NULL, 10);
            if (gid && fields[3]) *gid = strtol(fields[3], NULL, 10);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: run-as USER[:GROUP] PROGRAM ARGS...\n");
        return 125;
    }
    char *spec = strdup(argv[1]);
    char *group = strchr(spec, ':');
    if (group) *group++ = '\0';
    long uid = 0, gid = 0;
    if (!lookup("/etc/passwd", spec, &uid, &gid)) {
        if (!numeric(spec)) {
            fprintf(stderr, "vmflex-guest: user %s is not in the image's /etc/passwd\n", spec);
            return 125;
        }
        uid = strtol(spec, NULL, 10);
    }
    if (group && !lookup("/etc/group", group, &gid, NULL)) {
        if (!numeric(group)) {
            fprintf(stderr, "vmflex-guest: group %s is not in the image's /etc/group\n", group);
            return 125;
        }
        gid = strtol(group, NULL, 10);
    }
    if (setgroups(0, NULL) != 0 || setgid((gid_t) gid) != 0 || setuid((uid_t) uid) != 0) {
        perror("vmflex-guest: run-as");
        return 125;
    }
    execvp(argv[2], argv + 2);
    fprintf(stderr, "vmflex-guest: cannot run %s: ", argv[2]);
    perror(NULL);
    return 127;
}
