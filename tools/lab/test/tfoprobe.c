/*
 * tfoprobe - tiny TCP Fast Open client/server used by the lab self-test.
 *
 *   tfoprobe server [--count N] [--timeout S] ADDR:PORT...
 *       Listens (TCP_FASTOPEN enabled) on each given address only, answers
 *       each connection once and closes it.  A request starting with "GET " or
 *       "HEAD " gets a minimal HTTP/1.0 response (so curl --tcp-fastopen works);
 *       anything else gets "ok syn_data=0|1\n".  Prints "ready" once listening
 *       and one "server ..." line per connection.  Stops after N connections
 *       (0 = no limit) or S seconds (default 60), whichever comes first.
 *
 *   tfoprobe client [--no-tfo] [--count N] [--timeout S] [--message STR] ADDR:PORT
 *       Makes N sequential connections (sendto MSG_FASTOPEN unless --no-tfo),
 *       sends STR, reads the reply until EOF and prints one line per connection:
 *       client seq=1 dst=... tfo=1 syn_data_acked=0|1 elapsed_ms=... reply="..."
 *       syn_data_acked comes from TCP_INFO (TCPI_OPT_SYN_DATA): the server
 *       acknowledged the payload carried in our SYN.
 *
 * ADDR:PORT is "198.18.0.2:7000" or "[2001:2::2]:7000".
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Werror -o tfoprobe tfoprobe.c
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_FASTOPEN
#define MSG_FASTOPEN 0x20000000
#endif
#ifndef TCP_FASTOPEN
#define TCP_FASTOPEN 23
#endif
#ifndef TCPI_OPT_SYN_DATA
#define TCPI_OPT_SYN_DATA 32
#endif

#define MAX_LISTEN 8

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *port;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof host)
            return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = colon + 1;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void fmt_addr(const struct sockaddr_storage *ss, char *out, size_t n)
{
    char h[INET6_ADDRSTRLEN] = "?";
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, h, sizeof h);
        snprintf(out, n, "%s:%u", h, (unsigned)ntohs(a->sin_port));
    } else {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof h);
        snprintf(out, n, "[%s]:%u", h, (unsigned)ntohs(a->sin6_port));
    }
}

static bool syn_data_flag(int fd)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) != 0)
        return false;
    return (ti.tcpi_options & TCPI_OPT_SYN_DATA) != 0;
}

static void set_timeouts(int fd, int seconds)
{
    struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static void sanitize(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    for (; *s; s++) {
        if (*s == '\r' || *s == '\n')
            *s = ' ';
        else if (*s == '"' || (unsigned char)*s < ' ')
            *s = '_';
    }
}

static int cmd_server(int argc, char **argv)
{
    long count = 0, timeout = 60;
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "tfoprobe server: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc || argc - i > MAX_LISTEN || timeout <= 0 || count < 0) {
        fprintf(stderr, "usage: tfoprobe server [--count N] [--timeout S] ADDR:PORT... (max %d)\n", MAX_LISTEN);
        return 2;
    }
    struct pollfd pfd[MAX_LISTEN];
    int n = 0;
    for (; i < argc; i++) {
        struct sockaddr_storage ss;
        socklen_t sl;
        if (parse_endpoint(argv[i], &ss, &sl) != 0) {
            fprintf(stderr, "tfoprobe server: bad address %s\n", argv[i]);
            return 2;
        }
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1, qlen = 64;
        if (fd < 0) {
            perror("socket");
            return 1;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (ss.ss_family == AF_INET6)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&ss, sl) != 0) {
            fprintf(stderr, "tfoprobe server: bind %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof qlen) != 0) {
            fprintf(stderr, "tfoprobe server: TCP_FASTOPEN: %s\n", strerror(errno));
            return 1;
        }
        if (listen(fd, 64) != 0) {
            perror("listen");
            return 1;
        }
        printf("server listening %s\n", argv[i]);
        pfd[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    printf("ready\n");
    fflush(stdout);

    double deadline = now_ms() + (double)timeout * 1e3;
    long served = 0;
    while (count == 0 || served < count) {
        double left = deadline - now_ms();
        if (left <= 0)
            break;
        int rc = poll(pfd, (nfds_t)n, (int)left + 1);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            return 1;
        }
        for (int k = 0; k < n; k++) {
            if (!(pfd[k].revents & POLLIN))
                continue;
            struct sockaddr_storage peer, local;
            socklen_t pl = sizeof peer, ll = sizeof local;
            int c = accept4(pfd[k].fd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC);
            if (c < 0)
                continue;
            getsockname(c, (struct sockaddr *)&local, &ll);
            bool syn_data = syn_data_flag(c);
            set_timeouts(c, 5);
            char req[4096];
            size_t got = 0;
            for (;;) {
                ssize_t r = read(c, req + got, sizeof req - 1 - got);
                if (r <= 0)
                    break;
                got += (size_t)r;
                req[got] = '\0';
                bool http = strncmp(req, "GET ", 4) == 0 || strncmp(req, "HEAD ", 5) == 0;
                if (!http || strstr(req, "\r\n\r\n") != NULL || got >= sizeof req - 1)
                    break;
            }
            req[got] = '\0';
            bool http = strncmp(req, "GET ", 4) == 0 || strncmp(req, "HEAD ", 5) == 0;
            char body[64], resp[256];
            snprintf(body, sizeof body, "ok syn_data=%d\n", syn_data ? 1 : 0);
            if (http)
                snprintf(resp, sizeof resp,
                         "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
                         "Connection: close\r\n\r\n%s",
                         strlen(body), body);
            else
                snprintf(resp, sizeof resp, "%s", body);
            ssize_t w = write(c, resp, strlen(resp));
            (void)w;
            char ls[80], ps[80];
            fmt_addr(&local, ls, sizeof ls);
            fmt_addr(&peer, ps, sizeof ps);
            /* first line of the request, for the log */
            char first[80];
            size_t fl = got < sizeof first - 1 ? got : sizeof first - 1;
            memcpy(first, req, fl);
            first[fl] = '\0';
            char *nl = strpbrk(first, "\r\n");
            if (nl)
                *nl = '\0';
            sanitize(first);
            printf("server local=%s peer=%s syn_data=%d bytes=%zu http=%d req=\"%s\"\n", ls, ps, syn_data ? 1 : 0,
                   got, http ? 1 : 0, first);
            fflush(stdout);
            shutdown(c, SHUT_WR);
            close(c);
            served++;
        }
    }
    for (int k = 0; k < n; k++)
        close(pfd[k].fd);
    printf("server done served=%ld\n", served);
    fflush(stdout);
    return (count > 0 && served < count) ? 3 : 0;
}

static int cmd_client(int argc, char **argv)
{
    long count = 1, timeout = 10;
    bool tfo = true;
    const char *msg = "hello from tfoprobe\n";
    int i = 0;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--message") == 0 && i + 1 < argc)
            msg = argv[++i];
        else if (strcmp(argv[i], "--no-tfo") == 0)
            tfo = false;
        else {
            fprintf(stderr, "tfoprobe client: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (argc - i != 1 || count < 1 || timeout < 1 || msg[0] == '\0' || parse_endpoint(argv[i], &ss, &sl) != 0) {
        fprintf(stderr, "usage: tfoprobe client [--no-tfo] [--count N] [--timeout S] [--message STR] ADDR:PORT\n");
        return 2;
    }
    char dst[80];
    fmt_addr(&ss, dst, sizeof dst);
    int failures = 0;
    for (long seq = 1; seq <= count; seq++) {
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            perror("socket");
            return 1;
        }
        set_timeouts(fd, (int)timeout);
        size_t mlen = strlen(msg);
        double t0 = now_ms();
        ssize_t w;
        if (tfo) {
            w = sendto(fd, msg, mlen, MSG_FASTOPEN | MSG_NOSIGNAL, (struct sockaddr *)&ss, sl);
        } else {
            w = connect(fd, (struct sockaddr *)&ss, sl) == 0 ? send(fd, msg, mlen, MSG_NOSIGNAL) : -1;
        }
        if (w != (ssize_t)mlen) {
            printf("client seq=%ld dst=%s tfo=%d error=\"send: %s\"\n", seq, dst, tfo ? 1 : 0,
                   w < 0 ? strerror(errno) : "short write");
            fflush(stdout);
            close(fd);
            failures++;
            continue;
        }
        char reply[512];
        size_t got = 0;
        int rerr = 0;
        for (;;) {
            ssize_t r = read(fd, reply + got, sizeof reply - 1 - got);
            if (r > 0) {
                got += (size_t)r;
                if (got >= sizeof reply - 1)
                    break;
                continue;
            }
            if (r < 0)
                rerr = errno;
            break;
        }
        double t1 = now_ms();
        reply[got] = '\0';
        bool acked = syn_data_flag(fd);
        close(fd);
        /* the body for HTTP replies is the last line; for plain replies the only one */
        char *body = strstr(reply, "\r\n\r\n");
        body = body ? body + 4 : reply;
        sanitize(body);
        if (got == 0) {
            printf("client seq=%ld dst=%s tfo=%d error=\"no reply%s%s\" elapsed_ms=%.1f\n", seq, dst, tfo ? 1 : 0,
                   rerr ? ": " : "", rerr ? strerror(rerr) : "", t1 - t0);
            failures++;
        } else {
            printf("client seq=%ld dst=%s tfo=%d syn_data_acked=%d elapsed_ms=%.1f reply=\"%s\"\n", seq, dst,
                   tfo ? 1 : 0, acked ? 1 : 0, t1 - t0, body);
        }
        fflush(stdout);
    }
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "server") == 0)
        return cmd_server(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "client") == 0)
        return cmd_client(argc - 2, argv + 2);
    fprintf(stderr, "usage: tfoprobe server [--count N] [--timeout S] ADDR:PORT...\n"
                    "       tfoprobe client [--no-tfo] [--count N] [--timeout S] [--message STR] ADDR:PORT\n");
    return 2;
}
