/*
 * client.c - native TCP connection benchmark client (TCP Fast Open peer for
 * the WskSharp benchmarks).
 *
 *   client --mode tfo|connect|tfo-connect --addr ADDR --port P --count N
 *          [--concurrency C] [--request-bytes B] [--reply-bytes R]
 *          [--warmup W] [--timeout-ms T] [--no-tcp-info] [--no-samples] [--json]
 *
 * Every connection: socket() -> (mode specific connect/send of B bytes) ->
 * read R bytes (or the B byte echo) -> TCP_INFO -> close().
 * ttfb  = CLOCK_MONOTONIC from before socket() to the return of the recv()
 *         that delivered the first reply byte;
 * full  = same start, to the recv() that completed the reply.
 * With --concurrency 1 connections run sequentially on blocking sockets; with
 * C > 1, C non-blocking connections are kept in flight with epoll.
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
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "peer_common.h"

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif
#ifndef TCPI_OPT_SYN_DATA
#define TCPI_OPT_SYN_DATA 0x20
#endif

enum mode { MODE_TFO, MODE_CONNECT, MODE_TFO_CONNECT };
static const char *const mode_names[] = { "tfo", "connect", "tfo-connect" };

enum stage { ST_SOCKET, ST_SETSOCKOPT, ST_CONNECT, ST_SEND, ST_RECV, ST_EOF, ST_TIMEOUT, ST_EPOLL, ST__COUNT };
static const char *const stage_names[] = { "socket", "setsockopt", "connect", "send",
                                           "recv", "eof", "timeout", "epoll" };

struct config {
    enum mode mode;
    const char *addr;
    long long port;
    long long count;
    long long concurrency;
    long long request_bytes;
    long long reply_bytes; /* -1: expect the echo of the request */
    long long warmup;
    long long timeout_ms;
    int json;
    int tcp_info;
    int samples;
};

static struct config cfg = {
    .mode = MODE_TFO, .addr = NULL, .port = -1, .count = -1, .concurrency = 1,
    .request_bytes = 64, .reply_bytes = -1, .warmup = 2, .timeout_ms = 10000,
    .json = 0, .tcp_info = 1, .samples = 1,
};

static struct sockaddr_storage g_sa;
static socklen_t g_salen;
static int g_family;
static char *g_req;
static size_t g_req_len;
static size_t g_expect; /* reply bytes to read */

/* ---- results ---------------------------------------------------------- */

struct err_entry {
    int stage;
    int err;
    long long n;
};
#define MAX_ERR_KINDS 32
static struct err_entry g_errs[MAX_ERR_KINDS];
static int g_nerrs;
static long long g_err_overflow;

static int64_t *g_ttfb, *g_full;  /* successful measured connections */
static long long g_ok, g_failed, g_syn_data, g_tcpinfo_checked;
static int g_measuring;
static long long g_warm_ok, g_warm_failed, g_warm_syn_data;

static void record_error(int stage, int err)
{
    if (!g_measuring) {
        g_warm_failed++;
        fprintf(stderr, "client: warmup connection failed at %s: %s\n", stage_names[stage],
                    err ? strerror(err) : "-");
        return;
    }
    g_failed++;
    for (int i = 0; i < g_nerrs; i++) {
        if (g_errs[i].stage == stage && g_errs[i].err == err) {
            g_errs[i].n++;
            return;
        }
    }
    if (g_nerrs < MAX_ERR_KINDS) {
        g_errs[g_nerrs].stage = stage;
        g_errs[g_nerrs].err = err;
        g_errs[g_nerrs].n = 1;
        g_nerrs++;
    } else {
        g_err_overflow++;
    }
}

static void record_ok(int64_t ttfb, int64_t full, int syn_data)
{
    if (!g_measuring) {
        g_warm_ok++;
        if (syn_data > 0)
            g_warm_syn_data++;
        return;
    }
    g_ttfb[g_ok] = ttfb;
    g_full[g_ok] = full;
    g_ok++;
    if (syn_data >= 0)
        g_tcpinfo_checked++;
    if (syn_data > 0)
        g_syn_data++;
}

/* ---- helpers ------------------------------------------------------------ */

static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double rusage_cpu_s(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return *user + *sys;
}

/* Returns 1 if TCPI_OPT_SYN_DATA is set, 0 if not, -1 if not checked. */
static int syn_data_flag(int fd)
{
    if (!cfg.tcp_info)
        return -1;
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 || len < 6)
        return -1;
    return (ti.tcpi_options & TCPI_OPT_SYN_DATA) ? 1 : 0;
}

static int is_wouldblock(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS || e == EALREADY;
}

/* ---- sequential (blocking) connection --------------------------------- */

static void run_one_blocking(char *buf, size_t bufsz)
{
    int stage = ST_SOCKET;
    int64_t t0 = now_ns(), t1 = 0, t2;
    int fd = socket(g_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;

    if (cfg.timeout_ms > 0) {
        struct timeval tv = { .tv_sec = cfg.timeout_ms / 1000, .tv_usec = (cfg.timeout_ms % 1000) * 1000 };
        stage = ST_SETSOCKOPT;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
            goto fail;
    }

    size_t sent = 0;
    if (cfg.mode == MODE_TFO) {
        stage = ST_SEND;
        ssize_t n;
        do {
            n = sendto(fd, g_req, g_req_len, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&g_sa, g_salen);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            goto fail;
        sent = (size_t)n;
    } else {
        if (cfg.mode == MODE_TFO_CONNECT) {
            int one = 1;
            stage = ST_SETSOCKOPT;
            if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) < 0)
                goto fail;
        }
        stage = ST_CONNECT;
        if (connect(fd, (struct sockaddr *)&g_sa, g_salen) < 0)
            goto fail;
    }
    stage = ST_SEND;
    while (sent < g_req_len) {
        ssize_t n = send(fd, g_req + sent, g_req_len - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        sent += (size_t)n;
    }

    stage = ST_RECV;
    size_t got = 0;
    while (got < g_expect) {
        size_t want = g_expect - got;
        if (want > bufsz)
            want = bufsz;
        ssize_t n = recv(fd, buf, want, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        if (n == 0) {
            stage = ST_EOF;
            errno = 0;
            goto fail;
        }
        if (got == 0)
            t1 = now_ns();
        got += (size_t)n;
    }
    t2 = now_ns();
    int syn = syn_data_flag(fd);
    close(fd);
    record_ok(t1 - t0, t2 - t0, syn);
    return;

fail:;
    int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK || e == EINPROGRESS) {
        stage = ST_TIMEOUT; /* SO_RCVTIMEO / SO_SNDTIMEO expired */
        e = ETIMEDOUT;
    }
    if (fd >= 0)
        close(fd);
    record_error(stage, e);
}

/* ---- concurrent (epoll) connections ------------------------------------- */

enum slot_state { SL_IDLE, SL_CONNECTING, SL_SENDING, SL_READING };

struct slot {
    int fd;
    int state;
    uint32_t events; /* currently registered epoll events */
    size_t sent, got;
    int64_t t0, t1;
};

static int g_epfd = -1;

static void slot_close(struct slot *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    s->state = SL_IDLE;
}

static void slot_fail(struct slot *s, int stage, int err)
{
    slot_close(s);
    record_error(stage, err);
}

/* (Re)register the slot for ev.  Returns -1 on failure (slot already failed). */
static int slot_want(struct slot *s, uint32_t idx, uint32_t ev)
{
    if (s->events == ev)
        return 0;
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    e.events = ev;
    e.data.u32 = idx;
    int op = s->events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(g_epfd, op, s->fd, &e) < 0) {
        slot_fail(s, ST_EPOLL, errno);
        return -1;
    }
    s->events = ev;
    return 0;
}

static void slot_try_recv(struct slot *s, char *buf, size_t bufsz)
{
    for (;;) {
        size_t want = g_expect - s->got;
        if (want > bufsz)
            want = bufsz;
        ssize_t n = recv(s->fd, buf, want, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            slot_fail(s, ST_RECV, errno);
            return;
        }
        if (n == 0) {
            slot_fail(s, ST_EOF, 0);
            return;
        }
        if (s->got == 0)
            s->t1 = now_ns();
        s->got += (size_t)n;
        if (s->got >= g_expect) {
            int64_t t2 = now_ns();
            int syn = syn_data_flag(s->fd);
            int64_t t0 = s->t0, t1 = s->t1;
            slot_close(s);
            record_ok(t1 - t0, t2 - t0, syn);
            return;
        }
    }
}

/* Push the rest of the request; on completion switch to reading. */
static void slot_try_send(struct slot *s, uint32_t idx)
{
    while (s->sent < g_req_len) {
        ssize_t n = send(s->fd, g_req + s->sent, g_req_len - s->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (is_wouldblock(errno)) {
                s->state = SL_SENDING;
                (void)slot_want(s, idx, EPOLLOUT);
                return;
            }
            slot_fail(s, ST_SEND, errno);
            return;
        }
        s->sent += (size_t)n;
    }
    s->state = SL_READING;
    (void)slot_want(s, idx, EPOLLIN);
}

static void slot_start(struct slot *s, uint32_t idx)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->t0 = now_ns();
    s->fd = socket(g_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        slot_fail(s, ST_SOCKET, errno);
        return;
    }
    if (cfg.mode == MODE_TFO) {
        ssize_t n;
        do {
            n = sendto(s->fd, g_req, g_req_len, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&g_sa, g_salen);
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            if (!is_wouldblock(errno)) {
                slot_fail(s, ST_SEND, errno);
                return;
            }
            /* No cookie (or no room): a plain SYN went out; data follows
             * once the socket becomes writable. */
            s->state = SL_CONNECTING;
            (void)slot_want(s, idx, EPOLLOUT);
            return;
        }
        s->sent = (size_t)n;
        if (s->sent < g_req_len) {
            s->state = SL_CONNECTING;
            (void)slot_want(s, idx, EPOLLOUT);
            return;
        }
        s->state = SL_READING;
        (void)slot_want(s, idx, EPOLLIN);
        return;
    }
    if (cfg.mode == MODE_TFO_CONNECT) {
        int one = 1;
        if (setsockopt(s->fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) < 0) {
            slot_fail(s, ST_SETSOCKOPT, errno);
            return;
        }
    }
    int r;
    do {
        r = connect(s->fd, (struct sockaddr *)&g_sa, g_salen);
    } while (r < 0 && errno == EINTR);
    if (r == 0) {
        /* Connected already, or (TFO_CONNECT with a cookie) deferred until
         * the first write, which carries the data in the SYN. */
        slot_try_send(s, idx);
        return;
    }
    if (errno != EINPROGRESS) {
        slot_fail(s, ST_CONNECT, errno);
        return;
    }
    s->state = SL_CONNECTING;
    (void)slot_want(s, idx, EPOLLOUT);
}

static void slot_event(struct slot *s, uint32_t idx, uint32_t ev, char *buf, size_t bufsz)
{
    if (s->state == SL_READING) {
        /* recv() reports data, EOF or the pending socket error. */
        slot_try_recv(s, buf, bufsz);
        return;
    }
    if (ev & (EPOLLERR | EPOLLHUP)) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        slot_fail(s, s->state == SL_CONNECTING ? ST_CONNECT : ST_SEND, err ? err : ECONNRESET);
        return;
    }
    if (ev & EPOLLOUT)
        slot_try_send(s, idx);
}

static void run_concurrent(long long total, long long conc, char *buf, size_t bufsz)
{
    struct slot *slots = calloc((size_t)conc, sizeof *slots);
    struct epoll_event *evs = calloc((size_t)conc, sizeof *evs);
    if (!slots || !evs) {
        fprintf(stderr, "client: out of memory\n");
        exit(1);
    }
    for (long long i = 0; i < conc; i++) {
        slots[i].fd = -1;
        slots[i].state = SL_IDLE;
    }
    long long started = 0, done = 0;
    int64_t timeout_ns = cfg.timeout_ms * 1000000LL;
    int64_t last_scan = now_ns();

    /* Fill all slots (a slot failing synchronously is immediately reused). */
    for (long long i = 0; i < conc; i++) {
        while (slots[i].state == SL_IDLE && started < total) {
            started++;
            slot_start(&slots[i], (uint32_t)i);
            if (slots[i].state == SL_IDLE)
                done++;
        }
    }
    while (done < total) {
        int n = epoll_wait(g_epfd, evs, (int)conc, 100);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("client: epoll_wait");
            exit(1);
        }
        for (int k = 0; k < n; k++) {
            uint32_t idx = evs[k].data.u32;
            struct slot *s = &slots[idx];
            if (s->state == SL_IDLE)
                continue;
            slot_event(s, idx, evs[k].events, buf, bufsz);
            while (s->state == SL_IDLE) {
                done++;
                if (started >= total)
                    break;
                started++;
                slot_start(s, idx);
            }
        }
        int64_t now = now_ns();
        if (timeout_ns > 0 && now - last_scan >= 100000000LL) {
            last_scan = now;
            for (long long i = 0; i < conc; i++) {
                struct slot *s = &slots[i];
                if (s->state != SL_IDLE && now - s->t0 > timeout_ns) {
                    slot_fail(s, ST_TIMEOUT, ETIMEDOUT);
                    while (s->state == SL_IDLE) {
                        done++;
                        if (started >= total)
                            break;
                        started++;
                        slot_start(s, (uint32_t)i);
                    }
                }
            }
        }
    }
    free(slots);
    free(evs);
}

/* ---- statistics / output ------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct stats {
    int64_t p50, p90, p99, min, max;
    double mean;
};

/* Nearest-rank percentile (p in whole percent) on a sorted array. */
static int64_t pct(const int64_t *sorted, long long n, long long p)
{
    long long rank = (p * n + 99) / 100; /* ceil(p/100 * n) */
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static struct stats compute_stats(const int64_t *v, long long n)
{
    struct stats st;
    memset(&st, 0, sizeof st);
    if (n <= 0)
        return st;
    int64_t *s = malloc((size_t)n * sizeof *s);
    if (!s) {
        fprintf(stderr, "client: out of memory\n");
        exit(1);
    }
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_i64);
    double sum = 0;
    for (long long i = 0; i < n; i++)
        sum += (double)s[i];
    st.mean = sum / (double)n;
    st.min = s[0];
    st.max = s[n - 1];
    st.p50 = pct(s, n, 50);
    st.p90 = pct(s, n, 90);
    st.p99 = pct(s, n, 99);
    free(s);
    return st;
}

static void print_stats_json(const char *name, const struct stats *st)
{
    printf("\"%s\":{\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"mean\":%.1f,\"min\":%lld,\"max\":%lld}", name,
           (long long)st->p50, (long long)st->p90, (long long)st->p99, st->mean, (long long)st->min,
           (long long)st->max);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: client --mode tfo|connect|tfo-connect --addr ADDR --port P --count N\n"
            "              [--concurrency C] [--request-bytes B] [--reply-bytes R] [--warmup W]\n"
            "              [--timeout-ms T] [--no-tcp-info] [--no-samples] [--json]\n"
            "  --mode tfo          sendto(MSG_FASTOPEN) on a fresh socket (data in the SYN with a cookie)\n"
            "  --mode connect      plain connect() then send()\n"
            "  --mode tfo-connect  setsockopt(TCP_FASTOPEN_CONNECT) then connect() + send()\n"
            "  --count N           measured connections (default: required)\n"
            "  --concurrency C     connections in flight (1 = sequential blocking; default 1)\n"
            "  --request-bytes B   request size (default 64)\n"
            "  --reply-bytes R     reply size to wait for (default: B, i.e. the echo)\n"
            "  --warmup W          unmeasured sequential connections first (default 2; they fetch the TFO cookie)\n"
            "  --timeout-ms T      per-connection timeout (default 10000; 0 = none). Sequential mode\n"
            "                      implements it with SO_RCVTIMEO/SO_SNDTIMEO (two setsockopt per connection)\n"
            "  --no-tcp-info       skip the TCP_INFO getsockopt (TFO stats then unavailable)\n"
            "  --no-samples        omit the raw ttfb_us array from the JSON\n"
            "  --json              print one JSON object instead of a readable summary\n"
            "exit status: 0 all connections (warmup included) succeeded, 1 some failed, 2 usage error\n");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            cfg.json = 1;
            continue;
        } else if (strcmp(a, "--no-tcp-info") == 0) {
            cfg.tcp_info = 0;
            continue;
        } else if (strcmp(a, "--no-samples") == 0) {
            cfg.samples = 0;
            continue;
        }
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "client: missing value for %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        int bad = 0;
        if (strcmp(a, "--mode") == 0) {
            if (strcmp(v, "tfo") == 0)
                cfg.mode = MODE_TFO;
            else if (strcmp(v, "connect") == 0)
                cfg.mode = MODE_CONNECT;
            else if (strcmp(v, "tfo-connect") == 0)
                cfg.mode = MODE_TFO_CONNECT;
            else
                bad = 1;
        } else if (strcmp(a, "--addr") == 0) {
            cfg.addr = v;
        } else if (strcmp(a, "--port") == 0) {
            bad = parse_ll(v, 1, 65535, &cfg.port) < 0;
        } else if (strcmp(a, "--count") == 0) {
            bad = parse_ll(v, 1, 100000000LL, &cfg.count) < 0;
        } else if (strcmp(a, "--concurrency") == 0) {
            bad = parse_ll(v, 1, 100000, &cfg.concurrency) < 0;
        } else if (strcmp(a, "--request-bytes") == 0) {
            bad = parse_ll(v, 1, 16LL * 1024 * 1024, &cfg.request_bytes) < 0;
        } else if (strcmp(a, "--reply-bytes") == 0) {
            bad = parse_ll(v, 1, 1024LL * 1024 * 1024, &cfg.reply_bytes) < 0;
        } else if (strcmp(a, "--warmup") == 0) {
            bad = parse_ll(v, 0, 1000000, &cfg.warmup) < 0;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            bad = parse_ll(v, 0, 3600000, &cfg.timeout_ms) < 0;
        } else {
            fprintf(stderr, "client: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "client: invalid value for %s: %s\n", a, v);
            return 2;
        }
    }
    if (!cfg.addr || cfg.port < 0 || cfg.count < 0) {
        fprintf(stderr, "client: --addr, --port and --count are required\n");
        usage(stderr);
        return 2;
    }

    raise_nofile();
    signal(SIGPIPE, SIG_IGN);

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    char portstr[24];
    snprintf(portstr, sizeof portstr, "%lld", cfg.port);
    int gai = getaddrinfo(cfg.addr, portstr, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "client: cannot resolve '%s': %s\n", cfg.addr, gai_strerror(gai));
        return 2;
    }
    memcpy(&g_sa, ai->ai_addr, ai->ai_addrlen);
    g_salen = ai->ai_addrlen;
    g_family = ai->ai_family;
    freeaddrinfo(ai);

    g_req_len = (size_t)cfg.request_bytes;
    g_expect = cfg.reply_bytes > 0 ? (size_t)cfg.reply_bytes : g_req_len;
    g_req = malloc(g_req_len);
    size_t bufsz = 64 * 1024;
    char *buf = malloc(bufsz);
    g_ttfb = malloc((size_t)cfg.count * sizeof *g_ttfb);
    g_full = malloc((size_t)cfg.count * sizeof *g_full);
    if (!g_req || !buf || !g_ttfb || !g_full) {
        fprintf(stderr, "client: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < g_req_len; i++)
        g_req[i] = (char)('A' + (i % 26));

    long long conc = cfg.concurrency;
    if (conc > cfg.count)
        conc = cfg.count;

    /* Warmup: sequential, unmeasured (obtains the TFO cookie). */
    g_measuring = 0;
    for (long long i = 0; i < cfg.warmup; i++)
        run_one_blocking(buf, bufsz);

    if (conc > 1) {
        g_epfd = epoll_create1(EPOLL_CLOEXEC);
        if (g_epfd < 0) {
            perror("client: epoll_create1");
            return 1;
        }
    }

    double u0, s0, u1, s1;
    g_measuring = 1;
    rusage_cpu_s(&u0, &s0);
    int64_t w0 = now_ns();
    if (conc <= 1) {
        for (long long i = 0; i < cfg.count; i++)
            run_one_blocking(buf, bufsz);
    } else {
        run_concurrent(cfg.count, conc, buf, bufsz);
    }
    int64_t w1 = now_ns();
    rusage_cpu_s(&u1, &s1);

    double wall = (double)(w1 - w0) / 1e9;
    double cpu_user = u1 - u0, cpu_sys = s1 - s0, cpu = cpu_user + cpu_sys;
    double cps = wall > 0 ? (double)g_ok / wall : 0.0;
    double cpu_us_per_conn = g_ok > 0 ? cpu * 1e6 / (double)g_ok : 0.0;
    struct stats ts = compute_stats(g_ttfb, g_ok);
    struct stats fs = compute_stats(g_full, g_ok);

    if (cfg.json) {
        printf("{\"mode\":\"%s\",\"addr\":", mode_names[cfg.mode]);
        json_str(cfg.addr);
        printf(",\"port\":%lld,\"count\":%lld,\"concurrency\":%lld,\"request_bytes\":%lld,"
               "\"reply_bytes\":%zu,\"warmup\":%lld,\"timeout_ms\":%lld,\"succeeded\":%lld,\"failed\":%lld,",
               cfg.port, cfg.count, conc, cfg.request_bytes, g_expect, cfg.warmup, cfg.timeout_ms, g_ok,
               g_failed);
        print_stats_json("ttfb_ns", &ts);
        putchar(',');
        print_stats_json("full_ns", &fs);
        printf(",\"wall_seconds\":%.6f,\"connections_per_second\":%.1f,"
               "\"cpu_user_seconds\":%.6f,\"cpu_sys_seconds\":%.6f,\"cpu_seconds\":%.6f,"
               "\"cpu_us_per_connection\":%.3f,",
               wall, cps, cpu_user, cpu_sys, cpu, cpu_us_per_conn);
        printf("\"tfo\":{\"syn_data_acked\":%lld,\"checked\":%lld,\"warmup_syn_data_acked\":%lld},",
               g_syn_data, g_tcpinfo_checked, g_warm_syn_data);
        printf("\"warmup_failed\":%lld,\"errors\":[", g_warm_failed);
        for (int i = 0; i < g_nerrs; i++) {
            printf("%s{\"stage\":\"%s\",\"errno\":%d,\"error\":", i ? "," : "", stage_names[g_errs[i].stage],
                   g_errs[i].err);
            json_str(g_errs[i].err ? strerror(g_errs[i].err) : "unexpected EOF");
            printf(",\"count\":%lld}", g_errs[i].n);
        }
        if (g_err_overflow)
            printf("%s{\"stage\":\"other\",\"errno\":0,\"error\":\"(more kinds)\",\"count\":%lld}",
                   g_nerrs ? "," : "", g_err_overflow);
        printf("]");
        if (cfg.samples) {
            printf(",\"ttfb_us\":[");
            for (long long i = 0; i < g_ok; i++)
                printf("%s%.3f", i ? "," : "", (double)g_ttfb[i] / 1000.0);
            printf("]");
        }
        printf("}\n");
    } else {
        printf("mode %s  %s port %lld  count %lld  concurrency %lld  request %lld B  reply %zu B  warmup %lld\n",
               mode_names[cfg.mode], cfg.addr, cfg.port, cfg.count, conc, cfg.request_bytes, g_expect,
               cfg.warmup);
        printf("succeeded %lld  failed %lld  (warmup failed %lld)\n", g_ok, g_failed, g_warm_failed);
        printf("ttfb  us: p50 %.1f  p90 %.1f  p99 %.1f  mean %.1f  min %.1f  max %.1f\n", ts.p50 / 1e3,
               ts.p90 / 1e3, ts.p99 / 1e3, ts.mean / 1e3, ts.min / 1e3, ts.max / 1e3);
        printf("full  us: p50 %.1f  p90 %.1f  p99 %.1f  mean %.1f  min %.1f  max %.1f\n", fs.p50 / 1e3,
               fs.p90 / 1e3, fs.p99 / 1e3, fs.mean / 1e3, fs.min / 1e3, fs.max / 1e3);
        printf("wall %.3f s  %.1f connections/s  cpu user %.3f s sys %.3f s  %.2f us cpu/connection\n", wall, cps,
               cpu_user, cpu_sys, cpu_us_per_conn);
        if (cfg.tcp_info)
            printf("TFO (TCPI_OPT_SYN_DATA): %lld of %lld measured connections  (warmup: %lld of %lld)\n",
                   g_syn_data, g_tcpinfo_checked, g_warm_syn_data, g_warm_ok);
        for (int i = 0; i < g_nerrs; i++)
            printf("error: %lld x %s: %s\n", g_errs[i].n, stage_names[g_errs[i].stage],
                   g_errs[i].err ? strerror(g_errs[i].err) : "unexpected EOF");
        if (g_err_overflow)
            printf("error: %lld x (other kinds)\n", g_err_overflow);
    }
    fflush(stdout);
    return (g_failed > 0 || g_warm_failed > 0) ? 1 : 0;
}
