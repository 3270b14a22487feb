/*
 * udp_client.c - native UDP request/response client, the C peer (c-udp) of the benchmarks' UDP phase.
 *
 *   udp_client --addr ADDR --port P --count N [--concurrency C] [--request-bytes B]
 *              [--warmup W] [--timeout-ms T] [--json]
 *
 * C unconnected, non-blocking UDP sockets, each with one request in flight: sendto() of B bytes to ADDR:P, then
 * recvfrom() of the echo (one level-triggered epoll set over all sockets); every reply of B bytes counts one
 * datagram pair and, while requests remain, sends the next one on the same socket.  The shape every peer of the
 * phase uses (WskSharp: WskSendTo/WskReceiveFrom; .NET: SendToAsync/ReceiveFromAsync).  W pairs are run first,
 * unmeasured.  A socket whose request goes unanswered for T ms is closed and its request counted as lost
 * ("timeout"), so a lost datagram ends one socket, never the run.
 * Client CPU: getrusage(RUSAGE_SELF) over the measured pairs.  --json prints one JSON object on stdout (errors as
 * {"stage: error": count}).
 *
 * Linux only (epoll).  C11 + _GNU_SOURCE.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "peer_common.h"

enum stage { ST_SOCKET, ST_SEND, ST_RECV, ST_SHORT, ST_TIMEOUT, ST_EPOLL, ST_NO_SOCKET, ST__COUNT };
static const char *const stage_names[] = { "socket", "sendto", "recvfrom", "short reply", "timeout", "epoll", "no socket left" };

struct config {
    const char *addr;
    long long port;
    long long count;
    long long concurrency;
    long long request_bytes;
    long long warmup;
    long long timeout_ms;
    int json;
};

static struct config cfg = {
    .addr = NULL, .port = -1, .count = -1, .concurrency = 16, .request_bytes = 64, .warmup = 1000, .timeout_ms = 2000, .json = 0,
};

struct peer_sock {
    int fd;
    int64_t sent_at; /* 0: idle or closed */
};

static struct sockaddr_storage g_sa;
static socklen_t g_salen;
static char *g_req;
static long long g_errs[ST__COUNT][2]; /* [stage][0] count, [stage][1] the last errno */

static inline int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void cpu_s(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: udp_client --addr ADDR --port P --count N [--concurrency 16] [--request-bytes 64]\n"
               "                  [--warmup 1000] [--timeout-ms 2000] [--json]\n");
}

/* The outcome of one batch of pairs. */
struct batch {
    long long ok, failed;
};

/*
 * Runs count pairs over the sockets (each one request in flight); a socket that fails or times out is closed and
 * leaves the rest to the others.  Errors are recorded only when record is set (the measured batch).
 */
static struct batch run_pairs(struct peer_sock *socks, int nsocks, int epfd, long long count, int record)
{
    struct batch b = { 0, 0 };
    long long issued = 0;
    int active = 0;
    char *buf = malloc(65536);
    if (!buf) {
        b.failed = count;
        return b;
    }
    for (int i = 0; i < nsocks && issued < count; i++) {
        if (socks[i].fd < 0)
            continue;
        if (sendto(socks[i].fd, g_req, (size_t)cfg.request_bytes, 0, (struct sockaddr *)&g_sa, g_salen) != cfg.request_bytes) {
            if (record) {
                g_errs[ST_SEND][0]++;
                g_errs[ST_SEND][1] = errno;
            }
            b.failed++;
            issued++;
            continue;
        }
        socks[i].sent_at = now_ns();
        issued++;
        active++;
    }

    struct epoll_event events[64];
    int64_t timeout_ns = cfg.timeout_ms * 1000000LL;
    while (active > 0) {
        int n = epoll_wait(epfd, events, 64, 100);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (record) {
                g_errs[ST_EPOLL][0]++;
                g_errs[ST_EPOLL][1] = errno;
            }
            break;
        }
        for (int e = 0; e < n; e++) {
            struct peer_sock *s = &socks[events[e].data.u32];
            if (s->fd < 0 || s->sent_at == 0)
                continue;
            struct sockaddr_storage from;
            socklen_t fl = sizeof from;
            ssize_t r = recvfrom(s->fd, buf, 65536, 0, (struct sockaddr *)&from, &fl);
            if (r < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            s->sent_at = 0;
            active--;
            if (r != cfg.request_bytes) {
                int st = r < 0 ? ST_RECV : ST_SHORT;
                if (record) {
                    g_errs[st][0]++;
                    g_errs[st][1] = r < 0 ? errno : 0;
                }
                b.failed++;
            } else {
                b.ok++;
            }
            if (issued < count) {
                issued++;
                if (sendto(s->fd, g_req, (size_t)cfg.request_bytes, 0, (struct sockaddr *)&g_sa, g_salen) != cfg.request_bytes) {
                    if (record) {
                        g_errs[ST_SEND][0]++;
                        g_errs[ST_SEND][1] = errno;
                    }
                    b.failed++;
                    continue;
                }
                s->sent_at = now_ns();
                active++;
            }
        }
        /* A request unanswered for the timeout: the socket is closed (a late echo cannot be taken for the next). */
        int64_t now = now_ns();
        for (int i = 0; i < nsocks; i++) {
            if (socks[i].fd >= 0 && socks[i].sent_at != 0 && now - socks[i].sent_at > timeout_ns) {
                close(socks[i].fd);
                socks[i].fd = -1;
                socks[i].sent_at = 0;
                active--;
                b.failed++;
                if (record)
                    g_errs[ST_TIMEOUT][0]++;
            }
        }
    }
    if (count > issued) { /* every socket gone before the count was issued */
        b.failed += count - issued;
        if (record)
            g_errs[ST_NO_SOCKET][0] += count - issued;
    }
    free(buf);
    return b;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = (i + 1 < argc) ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            cfg.json = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "udp_client: missing value for %s\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        int bad = 0;
        if (strcmp(a, "--addr") == 0)
            cfg.addr = v;
        else if (strcmp(a, "--port") == 0)
            bad = parse_ll(v, 1, 65535, &cfg.port);
        else if (strcmp(a, "--count") == 0)
            bad = parse_ll(v, 1, 1LL << 40, &cfg.count);
        else if (strcmp(a, "--concurrency") == 0)
            bad = parse_ll(v, 1, 4096, &cfg.concurrency);
        else if (strcmp(a, "--request-bytes") == 0)
            bad = parse_ll(v, 1, 65507, &cfg.request_bytes);
        else if (strcmp(a, "--warmup") == 0)
            bad = parse_ll(v, 0, 1LL << 40, &cfg.warmup);
        else if (strcmp(a, "--timeout-ms") == 0)
            bad = parse_ll(v, 1, 3600000, &cfg.timeout_ms);
        else {
            fprintf(stderr, "udp_client: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "udp_client: invalid value for %s: %s\n", a, v);
            return 2;
        }
    }
    if (!cfg.addr || cfg.port < 0 || cfg.count < 0) {
        fprintf(stderr, "udp_client: --addr, --port and --count are required\n");
        usage(stderr);
        return 2;
    }

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char portstr[24];
    snprintf(portstr, sizeof portstr, "%lld", cfg.port);
    int gai = getaddrinfo(cfg.addr, portstr, &hints, &ai);
    if (gai != 0) {
        fprintf(stderr, "udp_client: bad --addr '%s': %s\n", cfg.addr, gai_strerror(gai));
        return 2;
    }
    memcpy(&g_sa, ai->ai_addr, ai->ai_addrlen);
    g_salen = ai->ai_addrlen;
    int family = ai->ai_family;
    freeaddrinfo(ai);

    g_req = malloc((size_t)cfg.request_bytes);
    if (!g_req) {
        fprintf(stderr, "udp_client: out of memory\n");
        return 1;
    }
    for (long long i = 0; i < cfg.request_bytes; i++)
        g_req[i] = (char)('A' + (i % 26));

    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("udp_client: epoll_create1");
        return 1;
    }
    int nsocks = (int)cfg.concurrency;
    struct peer_sock *socks = calloc((size_t)nsocks, sizeof *socks);
    if (!socks) {
        fprintf(stderr, "udp_client: out of memory\n");
        return 1;
    }
    for (int i = 0; i < nsocks; i++) {
        socks[i].fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (socks[i].fd < 0) {
            perror("udp_client: socket");
            return 1;
        }
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u32 = (uint32_t)i;
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, socks[i].fd, &ev) < 0) {
            perror("udp_client: epoll_ctl");
            return 1;
        }
    }

    struct batch warm = { 0, 0 };
    if (cfg.warmup > 0) {
        warm = run_pairs(socks, nsocks, epfd, cfg.warmup, 0);
        if (warm.failed > 0)
            fprintf(stderr, "udp_client: %lld warm-up pairs failed\n", warm.failed);
    }

    double u0, s0, u1, s1;
    cpu_s(&u0, &s0);
    int64_t w0 = now_ns();
    struct batch m = run_pairs(socks, nsocks, epfd, cfg.count, 1);
    int64_t w1 = now_ns();
    cpu_s(&u1, &s1);

    double wall = (double)(w1 - w0) / 1e9;
    double cpu = (u1 - u0) + (s1 - s0);
    double rate = wall > 0 ? (double)m.ok / wall : 0;
    double cpu_us = m.ok > 0 ? cpu * 1e6 / (double)m.ok : 0;
    if (cfg.json) {
        printf("{\"peer\":\"c-udp\",\"count\":%lld,\"concurrency\":%lld,\"request_bytes\":%lld,\"succeeded\":%lld,\"failed\":%lld,"
               "\"warmup_failed\":%lld,\"wall_seconds\":%.6f,\"datagrams_per_second\":%.1f,\"cpu_user_seconds\":%.6f,"
               "\"cpu_sys_seconds\":%.6f,\"cpu_us_per_datagram\":%.3f,\"errors\":{",
               cfg.count, cfg.concurrency, cfg.request_bytes, m.ok, m.failed, warm.failed, wall, rate, u1 - u0, s1 - s0, cpu_us);
        int first = 1;
        for (int st = 0; st < ST__COUNT; st++) {
            if (g_errs[st][0] == 0)
                continue;
            printf("%s\"%s: %s\":%lld", first ? "" : ",", stage_names[st],
                   g_errs[st][1] ? strerror((int)g_errs[st][1]) : "-", g_errs[st][0]);
            first = 0;
        }
        printf("}}\n");
    } else {
        printf("c-udp: %lld pairs ok, %lld failed, %.3f s, %.0f pairs/s, cpu %.2f us/pair\n", m.ok, m.failed, wall, rate, cpu_us);
    }
    for (int i = 0; i < nsocks; i++)
        if (socks[i].fd >= 0)
            close(socks[i].fd);
    close(epfd);
    free(socks);
    free(g_req);
    return m.failed == 0 && warm.failed == 0 ? 0 : 1;
}
