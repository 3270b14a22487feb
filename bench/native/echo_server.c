/*
 * echo_server.c - epoll-based TCP echo server used as the native peer for
 * the WskSharp benchmarks.
 *
 *   echo_server --bind ADDR --port P [--fastopen QLEN] [--reply-bytes N]
 *               [--backlog B] [--exit-on-stdin-eof]
 *
 * Without --reply-bytes every received byte is echoed back.  With
 * --reply-bytes N every received chunk (one successful read()) is answered
 * with exactly N bytes instead.  --fastopen QLEN sets TCP_FASTOPEN (23) on the
 * listener.  Prints "listening ADDR:PORT" on stdout (flushed) once ready
 * (IPv6: "listening [ADDR]:PORT"; the port is the actual one, so --port 0
 * works).
 * Exits with status 0 on SIGTERM/SIGINT and, with --exit-on-stdin-eof, when
 * stdin reaches end-of-file (so the death of a parent holding the other end of
 * a pipe stops the server).
 *
 * Linux only (epoll, signalfd, accept4).  C11 + _GNU_SOURCE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "peer_common.h"

#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 23
#endif

#define READ_BUF_SIZE (64 * 1024)
#define MAX_EVENTS 256

/* Sentinels stored in epoll_event.data.ptr for the non-connection fds. */
static char tag_listener, tag_signal, tag_stdin;

struct conn {
    int fd;
    int closing;        /* peer sent EOF; close once the output is drained */
    int want_out;       /* currently registered for EPOLLOUT (not EPOLLIN) */
    char *out;          /* pending output not yet accepted by the kernel */
    size_t out_off, out_len, out_cap;
};

static char *g_reply;          /* reply payload for --reply-bytes */
static size_t g_reply_len;
static int g_reply_mode;
static int g_epfd = -1;
static unsigned long long g_accepted, g_active;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: echo_server --bind ADDR --port P [--fastopen QLEN] [--reply-bytes N]\n"
            "                   [--backlog B] [--exit-on-stdin-eof]\n"
            "  --bind ADDR          numeric IPv4/IPv6 address to listen on (e.g. 127.0.0.1, ::1, ::)\n"
            "  --port P             TCP port (0 = pick an ephemeral port; the chosen one is printed)\n"
            "  --fastopen QLEN      set TCP_FASTOPEN=QLEN on the listener (server-side TFO)\n"
            "  --reply-bytes N      answer every received chunk with exactly N bytes instead of echoing\n"
            "  --backlog B          listen() backlog (default 4096, capped by net.core.somaxconn)\n"
            "  --exit-on-stdin-eof  exit when stdin reaches EOF (stdin must be a pipe, socket or tty)\n");
}

static void conn_free(struct conn *c)
{
    if (c->fd >= 0)
        close(c->fd); /* also removes it from the epoll set */
    free(c->out);
    free(c);
    g_active--;
}

static int conn_set_events(struct conn *c, int want_out)
{
    if (c->want_out == want_out)
        return 0;
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (want_out ? EPOLLOUT : EPOLLIN) | EPOLLRDHUP;
    ev.data.ptr = c;
    if (epoll_ctl(g_epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        return -1;
    c->want_out = want_out;
    return 0;
}

/* Append to the pending-output buffer. */
static int conn_queue(struct conn *c, const char *data, size_t len)
{
    if (c->out_off > 0 && c->out_off == c->out_len) {
        c->out_off = c->out_len = 0;
    }
    if (c->out_len + len > c->out_cap) {
        /* compact first */
        if (c->out_off > 0) {
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        if (c->out_len + len > c->out_cap) {
            size_t ncap = c->out_cap ? c->out_cap : 4096;
            while (ncap < c->out_len + len)
                ncap *= 2;
            char *n = realloc(c->out, ncap);
            if (!n)
                return -1;
            c->out = n;
            c->out_cap = ncap;
        }
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    return 0;
}

/* Try to push pending output.  Returns 0 if all was written, 1 if some is
 * still pending (EAGAIN), -1 on a fatal error. */
static int conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 1;
        return -1;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* Send data directly when nothing is pending; queue whatever the kernel does
 * not take.  Returns 0 when fully written, 1 when output is now pending,
 * -1 on error. */
static int conn_write(struct conn *c, const char *data, size_t len)
{
    size_t off = 0;
    if (c->out_off == c->out_len) {
        while (off < len) {
            ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
            if (n > 0) {
                off += (size_t)n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            return -1;
        }
        if (off == len)
            return 0;
    }
    if (conn_queue(c, data + off, len - off) < 0)
        return -1;
    return 1;
}

static void handle_readable(struct conn *c, char *buf)
{
    ssize_t n;
    for (;;) {
        n = recv(c->fd, buf, READ_BUF_SIZE, 0);
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        conn_free(c);
        return;
    }
    if (n == 0) {
        /* Peer finished sending.  Drain anything still pending, then close. */
        if (c->out_off < c->out_len) {
            c->closing = 1;
            if (conn_set_events(c, 1) < 0)
                conn_free(c);
            return;
        }
        conn_free(c);
        return;
    }
    int r = g_reply_mode ? conn_write(c, g_reply, g_reply_len) : conn_write(c, buf, (size_t)n);
    if (r < 0) {
        conn_free(c);
        return;
    }
    if (r == 1) {
        /* Back-pressure: stop reading until the output drains. */
        if (conn_set_events(c, 1) < 0)
            conn_free(c);
    }
}

static void handle_writable(struct conn *c)
{
    int r = conn_flush(c);
    if (r < 0) {
        conn_free(c);
        return;
    }
    if (r == 0) {
        if (c->closing) {
            conn_free(c);
            return;
        }
        if (conn_set_events(c, 0) < 0)
            conn_free(c);
    }
}

static void handle_accept(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                static int warned;
                if (!warned) {
                    warned = 1;
                    fprintf(stderr, "echo_server: accept4: %s (further warnings suppressed)\n",
                            strerror(errno));
                }
                return;
            }
            fprintf(stderr, "echo_server: accept4: %s\n", strerror(errno));
            return;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.ptr = c;
        if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            close(fd);
            free(c);
            continue;
        }
        g_accepted++;
        g_active++;
    }
}

int main(int argc, char **argv)
{
    const char *bind_addr = NULL;
    long long port = -1, fastopen = -1, reply_bytes = -1, backlog = 4096;
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
            fprintf(stderr, "echo_server: missing value for %s\n", a);
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
        } else if (strcmp(a, "--reply-bytes") == 0) {
            if (parse_ll(v, 1, 64LL * 1024 * 1024, &reply_bytes) < 0)
                goto bad;
        } else if (strcmp(a, "--backlog") == 0) {
            if (parse_ll(v, 1, INT_MAX, &backlog) < 0)
                goto bad;
        } else {
            fprintf(stderr, "echo_server: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        continue;
    bad:
        fprintf(stderr, "echo_server: invalid value for %s: %s\n", a, v);
        return 2;
    }
    if (!bind_addr || port < 0) {
        fprintf(stderr, "echo_server: --bind and --port are required\n");
        usage(stderr);
        return 2;
    }

    raise_nofile();
    signal(SIGPIPE, SIG_IGN);

    if (reply_bytes > 0) {
        g_reply_mode = 1;
        g_reply_len = (size_t)reply_bytes;
        g_reply = malloc(g_reply_len);
        if (!g_reply) {
            fprintf(stderr, "echo_server: out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < g_reply_len; i++)
            g_reply[i] = (char)('a' + (i % 26));
    }

    int lfd = open_listener("echo_server", bind_addr, port, fastopen, (int)backlog, SOCK_NONBLOCK);
    if (lfd < 0)
        return -lfd; /* 2: a bad address (usage), 1: anything else */

    int sfd;
    int rc = open_server_loop("echo_server", lfd, "listener", &tag_listener, &tag_signal, &tag_stdin, exit_on_stdin_eof,
                              &g_epfd, &sfd);
    if (rc != 0)
        return rc;

    print_listening(lfd, (unsigned)port);

    char *buf = malloc(READ_BUF_SIZE);
    if (!buf) {
        fprintf(stderr, "echo_server: out of memory\n");
        return 1;
    }
    struct epoll_event events[MAX_EVENTS];
    const char *why = NULL;
    while (!why) {
        int n = epoll_wait(g_epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("echo_server: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n && !why; i++) {
            void *p = events[i].data.ptr;
            uint32_t e = events[i].events;
            if (p == &tag_listener) {
                handle_accept(lfd);
            } else if (p == &tag_signal) {
                struct signalfd_siginfo si;
                if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                    why = (si.ssi_signo == SIGTERM) ? "SIGTERM" : "SIGINT";
            } else if (p == &tag_stdin) {
                char tmp[4096];
                ssize_t r = read(STDIN_FILENO, tmp, sizeof tmp);
                if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                    why = "stdin EOF";
            } else {
                struct conn *c = p;
                if (c->want_out) {
                    if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                        handle_writable(c);
                } else {
                    /* EPOLLIN/EPOLLRDHUP/EPOLLERR/EPOLLHUP: recv() reports it. */
                    handle_readable(c, buf);
                }
            }
        }
    }
    fprintf(stderr, "echo_server: exiting (%s); accepted %llu connections, %llu still open\n", why,
            g_accepted, g_active);
    return 0;
}
