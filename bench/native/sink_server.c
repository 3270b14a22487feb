/*
 * sink_server.c - length-prefixed TCP sink, the server for the WskSharp bulk
 * throughput benchmark (P5) and the allocation benchmark's connect cycle (P3).
 *
 *   sink_server --bind ADDR --port P [--fastopen QLEN] [--exit-on-stdin-eof]
 *
 * Per connection, one at a time: read an 8-byte little-endian length L, read
 * and discard L bytes, write the single byte 'k', then close.  The server
 * closes first, so TIME_WAIT stays on the server side and a client can cycle
 * connections without running out of ephemeral ports.
 * Prints "listening ADDR:PORT" (flushed) when ready.  Exits 0 on SIGTERM or
 * SIGINT and, with --exit-on-stdin-eof, when stdin reaches end-of-file.
 * A connection that stalls for 10 s is dropped.
 *
 * Linux only.  C11 + _GNU_SOURCE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include "peer_common.h"

#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 23
#endif

#define BUF_SIZE (1024 * 1024)

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: sink_server --bind ADDR --port P [--fastopen QLEN] [--exit-on-stdin-eof]\n"
               "  per connection: read u64 LE length L, read L bytes, write 'k', close\n");
}

/* Reads exactly n bytes (into buf, reused, if n > cap). Returns 0, or -1 on error/EOF. */
static int read_full(int fd, char *buf, size_t cap, unsigned long long n, int keep)
{
    unsigned long long got = 0;
    while (got < n) {
        unsigned long long want = n - got;
        if (want > cap)
            want = cap;
        ssize_t r = read(fd, keep ? buf + got : buf, (size_t)want);
        if (r < 0 && errno == EINTR) {
            if (g_stop)
                return -1;
            continue;
        }
        if (r <= 0)
            return -1;
        got += (unsigned long long)r;
    }
    return 0;
}

static void serve(int fd, char *buf, unsigned long long *bytes)
{
    struct timeval tv = { .tv_sec = 10, .tv_usec = 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    unsigned char hdr[8];
    if (read_full(fd, (char *)hdr, sizeof hdr, sizeof hdr, 1) < 0)
        return;
    unsigned long long len = 0;
    for (int i = 7; i >= 0; i--)
        len = (len << 8) | hdr[i];
    if (read_full(fd, buf, BUF_SIZE, len, 0) < 0)
        return;
    *bytes += len;
    char k = 'k';
    while (write(fd, &k, 1) < 0 && errno == EINTR && !g_stop) {
    }
}

int main(int argc, char **argv)
{
    const char *bind_addr = NULL;
    long long port = -1, fastopen = -1;
    int exit_on_stdin_eof = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--exit-on-stdin-eof") == 0) {
            exit_on_stdin_eof = 1;
            continue;
        }
        if (!v) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--bind") == 0) {
            bind_addr = v;
        } else if (strcmp(a, "--port") == 0) {
            if (parse_ll(v, 0, 65535, &port) < 0)
                goto bad;
        } else if (strcmp(a, "--fastopen") == 0) {
            if (parse_ll(v, 0, INT_MAX, &fastopen) < 0)
                goto bad;
        } else {
            fprintf(stderr, "sink_server: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        continue;
    bad:
        fprintf(stderr, "sink_server: invalid value for %s: %s\n", a, v);
        return 2;
    }
    if (!bind_addr || port < 0) {
        usage(stderr);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = open_listener("sink_server", bind_addr, port, fastopen, 1024, 0);
    if (lfd < 0)
        return -lfd; /* 2: a bad address (usage), 1: anything else */
    print_listening(lfd, (unsigned)port);

    char *buf = malloc(BUF_SIZE);
    if (!buf) {
        fprintf(stderr, "sink_server: out of memory\n");
        return 1;
    }
    unsigned long long conns = 0, bytes = 0;
    struct pollfd pfd[2] = { { .fd = lfd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
    while (!g_stop) {
        int n = poll(pfd, exit_on_stdin_eof ? 2 : 1, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("sink_server: poll");
            break;
        }
        if (exit_on_stdin_eof && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            char c[256];
            ssize_t r = read(STDIN_FILENO, c, sizeof c);
            if (r <= 0)
                break;
        }
        if (pfd[0].revents & POLLIN) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd < 0)
                continue;
            conns++;
            serve(fd, buf, &bytes);
            close(fd);
        }
    }
    fprintf(stderr, "sink_server: exiting; %llu connections, %llu bytes\n", conns, bytes);
    free(buf);
    close(lfd);
    return 0;
}
