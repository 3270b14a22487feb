/*
 * udp_echo_server.c - UDP echo server, the native peer of the benchmarks' UDP phase.
 *
 *   udp_echo_server --bind ADDR --port P [--exit-on-stdin-eof]
 *
 * Every datagram received is sent back, unchanged, to the address it came from.
 * One thread, level-triggered epoll, a non-blocking socket drained with
 * recvfrom() until EAGAIN on every wake-up.  Prints "listening ADDR:PORT" on
 * stdout (flushed) once bound (IPv6: "listening [ADDR]:PORT"; --port 0 picks a
 * port and the line gives it).  Exits with status 0 on SIGTERM/SIGINT and, with
 * --exit-on-stdin-eof, when stdin reaches end-of-file (so the death of a parent
 * holding the other end of a pipe stops the server); prints a one-line summary
 * to stderr.
 *
 * Linux only (epoll, signalfd).  C11 + _GNU_SOURCE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "peer_common.h"

#define DGRAM_MAX 65536

/* Sentinels stored in epoll_event.data.ptr. */
static char tag_socket, tag_signal, tag_stdin;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: udp_echo_server --bind ADDR --port P [--exit-on-stdin-eof]\n"
            "  --bind ADDR          numeric IPv4/IPv6 address to bind (e.g. 127.0.0.1, ::1, 0.0.0.0)\n"
            "  --port P             UDP port (0 = pick an ephemeral port; the chosen one is printed)\n"
            "  --exit-on-stdin-eof  exit when stdin reaches EOF (stdin must be a pipe, socket or tty)\n");
}

/* A non-blocking UDP socket bound to bind_addr:port; -2 for a bad address, -1 for any other failure. */
static int open_udp(const char *bind_addr, long long port)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    char portstr[24];
    snprintf(portstr, sizeof portstr, "%lld", port);
    int gai = getaddrinfo(bind_addr, portstr, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "udp_echo_server: bad --bind address '%s': %s\n", bind_addr, gai_strerror(gai));
        return -2;
    }
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "udp_echo_server: socket: %s\n", strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        fprintf(stderr, "udp_echo_server: bind %s:%lld: %s\n", bind_addr, port, strerror(errno));
        freeaddrinfo(ai);
        close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

int main(int argc, char **argv)
{
    const char *bind_addr = NULL;
    long long port = -1;
    int exit_on_stdin_eof = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--exit-on-stdin-eof") == 0) {
            exit_on_stdin_eof = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "udp_echo_server: missing value for %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--bind") == 0) {
            bind_addr = v;
        } else if (strcmp(a, "--port") == 0) {
            if (parse_ll(v, 0, 65535, &port) < 0) {
                fprintf(stderr, "udp_echo_server: invalid value for %s: %s\n", a, v);
                return 2;
            }
        } else {
            fprintf(stderr, "udp_echo_server: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!bind_addr || port < 0) {
        fprintf(stderr, "udp_echo_server: --bind and --port are required\n");
        usage(stderr);
        return 2;
    }

    int fd = open_udp(bind_addr, port);
    if (fd < 0)
        return -fd; /* 2: a bad address (usage), 1: anything else */

    int epfd, sfd;
    int rc = open_server_loop("udp_echo_server", fd, "socket", &tag_socket, &tag_signal, &tag_stdin, exit_on_stdin_eof,
                              &epfd, &sfd);
    if (rc != 0)
        return rc;

    print_listening(fd, (unsigned)port);

    static char buf[DGRAM_MAX];
    unsigned long long echoed = 0, send_failed = 0;
    struct epoll_event events[8];
    const char *why = NULL;
    while (!why) {
        int n = epoll_wait(epfd, events, 8, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("udp_echo_server: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n && !why; i++) {
            void *p = events[i].data.ptr;
            if (p == &tag_socket) {
                for (;;) {
                    struct sockaddr_storage from;
                    socklen_t fl = sizeof from;
                    ssize_t r = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
                    if (r < 0) {
                        if (errno == EINTR)
                            continue;
                        /* EAGAIN: drained.  Anything else (an ICMP error queued on the socket) is per datagram:
                         * the next wake-up goes on. */
                        break;
                    }
                    if (sendto(fd, buf, (size_t)r, 0, (struct sockaddr *)&from, fl) == r)
                        echoed++;
                    else
                        send_failed++;
                }
            } else if (p == &tag_signal) {
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                    why = (si.ssi_signo == SIGTERM) ? "SIGTERM" : "SIGINT";
            } else if (p == &tag_stdin) {
                char tmp[4096];
                ssize_t r = read(STDIN_FILENO, tmp, sizeof tmp);
                if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                    why = "stdin EOF";
            }
        }
    }
    fprintf(stderr, "udp_echo_server: exiting (%s); echoed %llu datagrams, %llu sends failed\n", why, echoed,
            send_failed);
    return 0;
}
