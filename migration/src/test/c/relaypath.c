/*
 * C baseline for RelayBench: the same one-direction path as the Java variants,
 *   writer -unix-> hop1 -TCP loopback-> hop2 -unix-> reader
 * with both hops done either by a read/write copy loop or by splice(2) through a pipe.
 * One process, four threads. Prints "<mode> <bytes> <nanos> <CPU nanos of both hop threads>".
 * Usage: relaypath copy|splice BYTES [BUFFER]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long total;
static size_t buffer = 256 * 1024;
static int use_splice;

struct hop { int in, out; long long cpu_nanos; };

static void die(const char *what) { perror(what); exit(1); }

static void *hop_run(void *arg) {
    struct hop *h = arg;
    if (use_splice) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) die("pipe2");
        fcntl(p[1], F_SETPIPE_SZ, (int) buffer);
        for (;;) {
            ssize_t n = splice(h->in, NULL, p[1], NULL, buffer, SPLICE_F_MOVE | SPLICE_F_MORE);
            if (n < 0) die("splice in");
            if (n == 0) break;
            while (n > 0) {
                ssize_t m = splice(p[0], NULL, h->out, NULL, n, SPLICE_F_MOVE | SPLICE_F_MORE);
                if (m <= 0) die("splice out");
                n -= m;
            }
        }
    } else {
        char *b = aligned_alloc(4096, buffer);
        for (;;) {
            ssize_t n = read(h->in, b, buffer);
            if (n < 0) die("read");
            if (n == 0) break;
            for (ssize_t off = 0; off < n;) {
                ssize_t m = write(h->out, b + off, n - off);
                if (m <= 0) die("write");
                off += m;
            }
        }
    }
    shutdown(h->out, SHUT_WR);
    struct timespec cpu;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    h->cpu_nanos = cpu.tv_sec * 1000000000LL + cpu.tv_nsec;
    return NULL;
}

static void *writer_run(void *arg) {
    int fd = *(int *) arg;
    size_t chunk = 1 << 20;
    char *b = malloc(chunk);
    for (size_t i = 0; i < chunk; i++) b[i] = (char) (i * 31);
    long long left = total;
    while (left > 0) {
        ssize_t n = write(fd, b, left < (long long) chunk ? (size_t) left : chunk);
        if (n <= 0) die("writer");
        left -= n;
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

static void unix_pair(int *a, int *b) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
    *a = sv[0];
    *b = sv[1];
}

static void tcp_pair(int *a, int *b) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (bind(l, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(l, 1) < 0) die("listen");
    getsockname(l, (struct sockaddr *) &sa, &len);
    *a = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(*a, (struct sockaddr *) &sa, sizeof sa) < 0) die("connect");
    *b = accept(l, NULL, NULL);
    close(l);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s copy|splice BYTES [BUFFER]\n", argv[0]);
        return 2;
    }
    use_splice = strcmp(argv[1], "splice") == 0;
    total = atoll(argv[2]);
    if (argc > 3) buffer = (size_t) atol(argv[3]);
    int w, h1in, h1out, h2in, h2out, r;
    unix_pair(&w, &h1in);
    tcp_pair(&h1out, &h2in);
    unix_pair(&h2out, &r);
    struct hop hop1 = {h1in, h1out}, hop2 = {h2in, h2out};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t tw, t1h, t2h;
    pthread_create(&t1h, NULL, hop_run, &hop1);
    pthread_create(&t2h, NULL, hop_run, &hop2);
    pthread_create(&tw, NULL, writer_run, &w);
    char *b = malloc(1 << 20);
    long long got = 0;
    ssize_t n;
    while ((n = read(r, b, 1 << 20)) > 0) got += n;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (got != total) {
        fprintf(stderr, "received %lld of %lld\n", got, total);
        return 1;
    }
    long long nanos = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    pthread_join(t1h, NULL);
    pthread_join(t2h, NULL);
    printf("%s %lld %lld %lld\n", argv[1], total, nanos, hop1.cpu_nanos + hop2.cpu_nanos);
    return 0;
}
