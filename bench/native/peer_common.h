/*
 * peer_common.h - what the native benchmark peers share: option values, the
 * descriptor limit, and (for the servers) the listening socket and the
 * "listening ADDR:PORT" line the orchestrator waits for.  Header-only, so each
 * peer stays one .c file; include after _GNU_SOURCE and the system headers.
 */
#ifndef PEER_COMMON_H
#define PEER_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* A decimal integer in [lo, hi]: 0, or -1 if s is not one. */
static inline int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Raises this process's soft descriptor limit to its hard limit. */
static inline void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/*
 * A TCP listener on the numeric address bind_addr and port (0 = ephemeral), with
 * SO_REUSEADDR and TCP_NODELAY (accepted sockets inherit it on Linux), TCP_FASTOPEN
 * = fastopen when fastopen >= 0, and the given backlog; sock_flags are added to
 * socket()'s type (SOCK_NONBLOCK for an event loop).  Returns the descriptor, or
 * -2 for a bad address (a usage error) and -1 for any other failure, reported on
 * stderr under prog's name.
 */
static inline int open_listener(const char *prog, const char *bind_addr, long long port, long long fastopen, int backlog,
                                int sock_flags)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
    char portstr[24];
    snprintf(portstr, sizeof portstr, "%lld", port);
    int gai = getaddrinfo(bind_addr, portstr, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "%s: bad --bind address '%s': %s\n", prog, bind_addr, gai_strerror(gai));
        return -2;
    }

    int lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | sock_flags, 0);
    if (lfd < 0) {
        fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }
    int one = 1;
    if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0
        || setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
        fprintf(stderr, "%s: setsockopt(SO_REUSEADDR/TCP_NODELAY): %s\n", prog, strerror(errno));
        goto fail;
    }
    if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0) {
        fprintf(stderr, "%s: bind %s:%lld: %s\n", prog, bind_addr, port, strerror(errno));
        goto fail;
    }
    if (fastopen >= 0) {
        int q = (int)fastopen;
        if (setsockopt(lfd, IPPROTO_TCP, TCP_FASTOPEN, &q, sizeof q) < 0) {
            fprintf(stderr, "%s: setsockopt(TCP_FASTOPEN): %s\n", prog, strerror(errno));
            goto fail;
        }
    }
    if (listen(lfd, backlog) < 0) {
        fprintf(stderr, "%s: listen: %s\n", prog, strerror(errno));
        goto fail;
    }
    freeaddrinfo(ai);
    return lfd;

fail:
    freeaddrinfo(ai);
    close(lfd);
    return -1;
}

/*
 * A server's event loop: an epoll set watching fd (tagged fd_tag; fd_name names it in errors), a signalfd for
 * SIGTERM and SIGINT (blocked first; tagged signal_tag) and, with exit_on_stdin_eof, stdin (tagged stdin_tag:
 * the orchestrator closing its pipe ends the server). Returns 0 with *epfd and *sfd set, or the exit code
 * (2 when stdin cannot be polled, a usage error; 1 otherwise).
 */
static inline int open_server_loop(const char *prog, int fd, const char *fd_name, void *fd_tag, void *signal_tag,
                                   void *stdin_tag, int exit_on_stdin_eof, int *epfd, int *sfd)
{
    *epfd = epoll_create1(EPOLL_CLOEXEC);
    if (*epfd < 0) {
        fprintf(stderr, "%s: epoll_create1: %s\n", prog, strerror(errno));
        return 1;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = fd_tag;
    if (epoll_ctl(*epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        fprintf(stderr, "%s: epoll_ctl(%s): %s\n", prog, fd_name, strerror(errno));
        return 1;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
        fprintf(stderr, "%s: sigprocmask: %s\n", prog, strerror(errno));
        return 1;
    }
    *sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (*sfd < 0) {
        fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(errno));
        return 1;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = signal_tag;
    if (epoll_ctl(*epfd, EPOLL_CTL_ADD, *sfd, &ev) < 0) {
        fprintf(stderr, "%s: epoll_ctl(signalfd): %s\n", prog, strerror(errno));
        return 1;
    }

    if (exit_on_stdin_eof) {
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = stdin_tag;
        if (epoll_ctl(*epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0) {
            fprintf(stderr,
                    "%s: --exit-on-stdin-eof: cannot poll stdin (%s); "
                    "stdin must be a pipe, socket or terminal\n",
                    prog, strerror(errno));
            return 2;
        }
    }
    return 0;
}

/*
 * Prints "listening ADDR:PORT" (IPv6 bracketed, "[::1]:5000", so the last ':'
 * always separates the port) for the address lfd is bound to, and flushes it:
 * the line the orchestrator waits for, with the port that port 0 became.
 */
static inline void print_listening(int lfd, unsigned requested_port)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned actual_port = requested_port;
    memset(&ss, 0, sizeof ss);
    if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
            actual_port = ntohs(s4->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
            actual_port = ntohs(s6->sin6_port);
        }
    }
    if (ss.ss_family == AF_INET6)
        printf("listening [%s]:%u\n", host, actual_port);
    else
        printf("listening %s:%u\n", host, actual_port);
    fflush(stdout);
}

#endif
