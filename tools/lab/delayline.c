/*
 * delayline - a tiny user-space "netem" for the WskSharp network lab.
 *
 * Opens two TUN devices (IFF_TUN | IFF_NO_PI), creating them by name, and
 * forwards IP packets between them in both directions.  Every packet is held
 * in a per-direction FIFO for a one-way delay (+ optional uniform jitter and
 * serialization time at a given rate) and may be dropped at random (loss) or
 * because it is a TCP SYN carrying payload (TCP Fast Open SYN-data) towards a
 * blackholed address.  Packets never overtake each other within a direction.
 *
 * The program prints "ready" on stdout once both devices exist; the caller can
 * then move them into network namespaces (an open TUN fd keeps working after
 * `ip link set DEV netns NS`).  It stops by itself: on SIGTERM/SIGINT, when a
 * --parent-pid process is gone, after --max-seconds, or when one of its
 * devices disappears (e.g. its namespace was deleted).  Counters go to stderr
 * at exit (and on SIGUSR1).
 *
 * Build: gcc -std=c11 -O2 -Wall -Wextra -Werror -o delayline delayline.c
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define PROG "delayline"
#define MAX_BLACKHOLE 16
#define MAX_PARENTS 4
#define READ_BATCH 256            /* packets read per readable fd per wakeup */
#define PKT_BUF_SIZE 65536        /* largest IP packet we can read */
#define DEFAULT_QUEUE_LIMIT 10000 /* packets per direction */
#define PARENT_CHECK_NS (200ull * 1000 * 1000)
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define MAX_SYNDATA_LOG 100 /* per-drop log lines before going quiet */
#define MAX_TXERR_LOG 20

struct blackhole {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    char text[INET6_ADDRSTRLEN];
};

struct config {
    const char *dev[2];
    uint64_t delay_ns;
    uint64_t jitter_ns;
    double loss_pct;
    uint64_t seed;
    uint64_t rate_kbit; /* 0 = unlimited */
    uint64_t queue_limit;
    uint64_t max_seconds;
    struct blackhole bh[MAX_BLACKHOLE];
    size_t n_bh;
    pid_t parent[MAX_PARENTS];
    size_t n_parent;
    bool check_only;
};

struct pkt {
    uint64_t release_ns;
    unsigned char *data;
    uint32_t len;
};

struct queue {
    struct pkt *ring;
    size_t cap;
    size_t head;
    size_t count;
    uint64_t last_release_ns; /* FIFO: never release before the predecessor */
    uint64_t busy_until_ns;   /* serialization (rate) bookkeeping */
};

struct stats {
    uint64_t rx_pkts, rx_bytes;
    uint64_t fwd_pkts, fwd_bytes;
    uint64_t drop_loss, drop_queue, drop_syndata, tx_err;
};

struct dir {
    const char *in_name, *out_name;
    int in_fd, out_fd;
    struct queue q;
    struct stats st;
};

enum stop_reason {
    STOP_NONE = 0,
    STOP_SIGNAL,
    STOP_PARENT,
    STOP_MAX_SECONDS,
    STOP_DEVICE_GONE,
    STOP_ERROR,
};

static volatile sig_atomic_t g_stop_signal;
static volatile sig_atomic_t g_dump_stats;
static uint64_t g_rng;
static unsigned g_syndata_logged;
static unsigned g_txerr_logged;

static void on_stop_signal(int sig) { g_stop_signal = sig; }
static void on_usr1(int sig)
{
    (void)sig;
    g_dump_stats = 1;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast, good enough for loss/jitter decisions. */
static uint64_t rng_next(void)
{
    uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(void) /* uniform in [0, 1) */
{
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [options] DEV_A DEV_B\n"
            "Creates TUN devices DEV_A and DEV_B and forwards IP packets between them\n"
            "with a one-way delay. Prints 'ready' on stdout once both devices exist.\n"
            "\n"
            "  --delay-ms MS              one-way delay per direction (default 10)\n"
            "  --jitter-ms MS             extra uniform random delay 0..MS; order is kept\n"
            "  --loss PCT                 random loss in percent per direction (default 0)\n"
            "  --seed N                   PRNG seed for loss/jitter (default 1)\n"
            "  --rate-kbit KBIT           serialization rate per direction (default unlimited)\n"
            "  --queue-limit N            max packets queued per direction (default %d)\n"
            "  --blackhole-syn-data ADDR  drop TCP SYNs (ACK clear) carrying payload to ADDR\n"
            "                             (IPv4 or IPv6; repeatable, up to %d)\n"
            "  --parent-pid PID           exit when PID is gone (repeatable, up to %d)\n"
            "  --max-seconds N            exit after N seconds (default 3600)\n"
            "  --check                    validate the arguments and exit\n"
            "  -h, --help                 this help\n"
            "Signals: SIGTERM/SIGINT stop cleanly, SIGUSR1 prints counters to stderr.\n",
            DEFAULT_QUEUE_LIMIT, MAX_BLACKHOLE, MAX_PARENTS);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_double(const char *s, double max, double *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    /* the range test also rejects NaN and infinities */
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0 && v <= max))
        return -1;
    *out = v;
    return 0;
}

static int parse_ms(const char *s, double max_ms, uint64_t *out_ns)
{
    double v;
    if (parse_double(s, max_ms, &v) != 0)
        return -1;
    *out_ns = (uint64_t)(v * (double)NS_PER_MS + 0.5);
    return 0;
}

static bool valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* '%' would make TUNSETIFF treat the name as a template */
        if (*p <= ' ' || *p >= 0x7f || *p == '/' || *p == ':' || *p == '%')
            return false;
    }
    return true;
}

static int parse_args(int argc, char **argv, struct config *c)
{
    enum {
        OPT_DELAY = 1000,
        OPT_JITTER,
        OPT_LOSS,
        OPT_SEED,
        OPT_RATE,
        OPT_QLIMIT,
        OPT_BH,
        OPT_PARENT,
        OPT_MAXSEC,
        OPT_CHECK,
    };
    static const struct option opts[] = {
        {"delay-ms", required_argument, NULL, OPT_DELAY},
        {"jitter-ms", required_argument, NULL, OPT_JITTER},
        {"loss", required_argument, NULL, OPT_LOSS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"rate-kbit", required_argument, NULL, OPT_RATE},
        {"queue-limit", required_argument, NULL, OPT_QLIMIT},
        {"blackhole-syn-data", required_argument, NULL, OPT_BH},
        {"parent-pid", required_argument, NULL, OPT_PARENT},
        {"max-seconds", required_argument, NULL, OPT_MAXSEC},
        {"check", no_argument, NULL, OPT_CHECK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    memset(c, 0, sizeof *c);
    c->delay_ns = 10 * NS_PER_MS;
    c->seed = 1;
    c->queue_limit = DEFAULT_QUEUE_LIMIT;
    c->max_seconds = 3600;

    int opt;
    uint64_t u;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_DELAY:
            if (parse_ms(optarg, 60000.0, &c->delay_ns) != 0) {
                fprintf(stderr, PROG ": --delay-ms: expected 0..60000, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_JITTER:
            if (parse_ms(optarg, 60000.0, &c->jitter_ns) != 0) {
                fprintf(stderr, PROG ": --jitter-ms: expected 0..60000, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_LOSS:
            if (parse_double(optarg, 100.0, &c->loss_pct) != 0) {
                fprintf(stderr, PROG ": --loss: expected a percentage 0..100, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_SEED:
            if (parse_u64(optarg, UINT64_MAX, &c->seed) != 0) {
                fprintf(stderr, PROG ": --seed: expected an unsigned integer, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_RATE:
            if (parse_u64(optarg, 100000000ull, &c->rate_kbit) != 0) {
                fprintf(stderr, PROG ": --rate-kbit: expected 0..100000000, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_QLIMIT:
            if (parse_u64(optarg, 1000000ull, &c->queue_limit) != 0 || c->queue_limit == 0) {
                fprintf(stderr, PROG ": --queue-limit: expected 1..1000000, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_BH: {
            if (c->n_bh >= MAX_BLACKHOLE) {
                fprintf(stderr, PROG ": too many --blackhole-syn-data (max %d)\n", MAX_BLACKHOLE);
                return -1;
            }
            struct blackhole *b = &c->bh[c->n_bh];
            if (inet_pton(AF_INET, optarg, b->addr) == 1) {
                b->family = AF_INET;
            } else if (inet_pton(AF_INET6, optarg, b->addr) == 1) {
                b->family = AF_INET6;
            } else {
                fprintf(stderr, PROG ": --blackhole-syn-data: not an IPv4/IPv6 address: '%s'\n", optarg);
                return -1;
            }
            inet_ntop(b->family, b->addr, b->text, sizeof b->text);
            c->n_bh++;
            break;
        }
        case OPT_PARENT:
            if (c->n_parent >= MAX_PARENTS) {
                fprintf(stderr, PROG ": too many --parent-pid (max %d)\n", MAX_PARENTS);
                return -1;
            }
            if (parse_u64(optarg, INT32_MAX, &u) != 0 || u < 2) {
                fprintf(stderr, PROG ": --parent-pid: expected a process id, got '%s'\n", optarg);
                return -1;
            }
            c->parent[c->n_parent++] = (pid_t)u;
            break;
        case OPT_MAXSEC:
            if (parse_u64(optarg, 7ull * 24 * 3600, &c->max_seconds) != 0 || c->max_seconds == 0) {
                fprintf(stderr, PROG ": --max-seconds: expected 1..604800, got '%s'\n", optarg);
                return -1;
            }
            break;
        case OPT_CHECK:
            c->check_only = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, PROG ": expected exactly two device names\n");
        usage(stderr);
        return -1;
    }
    c->dev[0] = argv[optind];
    c->dev[1] = argv[optind + 1];
    for (int i = 0; i < 2; i++) {
        if (!valid_ifname(c->dev[i])) {
            fprintf(stderr, PROG ": invalid device name '%s' (1..%d chars, no '/', ':', '%%', spaces)\n",
                    c->dev[i], IFNAMSIZ - 1);
            return -1;
        }
    }
    if (strcmp(c->dev[0], c->dev[1]) == 0) {
        fprintf(stderr, PROG ": the two device names must differ\n");
        return -1;
    }
    for (size_t i = 0; i < c->n_parent; i++) {
        if (kill(c->parent[i], 0) != 0 && errno == ESRCH) {
            fprintf(stderr, PROG ": --parent-pid %d does not exist\n", (int)c->parent[i]);
            return -1;
        }
    }
    return 0;
}

static int tun_create(const char *name)
{
    /* Refuse to attach to an existing device (TUNSETIFF would reuse a
     * persistent TUN of the same name). */
    if (if_nametoindex(name) != 0) {
        fprintf(stderr, PROG ": a network device named '%s' already exists here; refusing to use it\n", name);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, PROG ": open /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name)); /* < IFNAMSIZ, rest is zero */
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, PROG ": TUNSETIFF %s: %s\n", name, strerror(errno));
        close(fd);
        return -1;
    }
    if (strncmp(ifr.ifr_name, name, IFNAMSIZ) != 0) {
        fprintf(stderr, PROG ": kernel named the device '%.*s', not '%s'\n", IFNAMSIZ, ifr.ifr_name, name);
        close(fd);
        return -1;
    }
    return fd;
}

static int queue_init(struct queue *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->ring = calloc(cap, sizeof *q->ring);
    if (q->ring == NULL)
        return -1;
    q->cap = cap;
    return 0;
}

static size_t queue_free_all(struct queue *q)
{
    size_t n = q->count;
    while (q->count > 0) {
        free(q->ring[q->head].data);
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    free(q->ring);
    q->ring = NULL;
    return n;
}

static const struct blackhole *bh_match(const struct config *c, int family, const unsigned char *dst)
{
    size_t len = family == AF_INET ? 4 : 16;
    for (size_t i = 0; i < c->n_bh; i++) {
        if (c->bh[i].family == family && memcmp(c->bh[i].addr, dst, len) == 0)
            return &c->bh[i];
    }
    return NULL;
}

/*
 * Is this a TCP SYN (ACK clear) with payload whose destination is blackholed?
 * Handles IPv4 (no options parsing needed beyond IHL) and IPv6 with the usual
 * extension headers.  Non-first fragments never match; a first fragment with
 * "more fragments" set counts as carrying payload.  On a match, fills desc.
 */
static bool is_blackholed_syn_data(const struct config *c, const unsigned char *p, size_t n, char *desc,
                                   size_t desc_len)
{
    if (c->n_bh == 0 || n < 1)
        return false;

    int family;
    const unsigned char *src, *dst;
    size_t l4_off, end;
    bool more_frags = false;

    switch (p[0] >> 4) {
    case 4: {
        if (n < 20)
            return false;
        size_t ihl = (size_t)(p[0] & 0x0f) * 4;
        size_t tot = ((size_t)p[2] << 8) | p[3];
        if (ihl < 20 || tot < ihl || ihl > n)
            return false;
        if (p[9] != 6 /* TCP */)
            return false;
        unsigned frag = ((unsigned)p[6] << 8) | p[7];
        if ((frag & 0x1fff) != 0)
            return false;
        more_frags = (frag & 0x2000) != 0;
        family = AF_INET;
        src = p + 12;
        dst = p + 16;
        l4_off = ihl;
        end = tot < n ? tot : n;
        break;
    }
    case 6: {
        if (n < 40)
            return false;
        size_t plen = ((size_t)p[4] << 8) | p[5];
        unsigned nh = p[6];
        size_t off = 40;
        end = 40 + plen < n ? 40 + plen : n;
        for (int hops = 0;; hops++) {
            if (nh == 6 /* TCP */)
                break;
            if (hops >= 8 || off + 8 > end)
                return false;
            switch (nh) {
            case 0:  /* hop-by-hop */
            case 43: /* routing */
            case 60: /* destination options */
                nh = p[off];
                off += ((size_t)p[off + 1] + 1) * 8;
                break;
            case 44: { /* fragment */
                unsigned fo = ((unsigned)p[off + 2] << 8) | p[off + 3];
                if ((fo & 0xfff8) != 0)
                    return false;
                more_frags = (fo & 1) != 0;
                nh = p[off];
                off += 8;
                break;
            }
            case 51: /* AH */
                nh = p[off];
                off += ((size_t)p[off + 1] + 2) * 4;
                break;
            default:
                return false;
            }
        }
        family = AF_INET6;
        src = p + 8;
        dst = p + 24;
        l4_off = off;
        break;
    }
    default:
        return false;
    }

    if (l4_off + 20 > end)
        return false;
    const unsigned char *tcp = p + l4_off;
    unsigned flags = tcp[13];
    if (!(flags & 0x02) || (flags & 0x10)) /* need SYN, no ACK */
        return false;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (doff < 20)
        return false;
    size_t tcp_len = end - l4_off;
    size_t payload = tcp_len > doff ? tcp_len - doff : 0;
    if (payload == 0 && !more_frags)
        return false;
    const struct blackhole *b = bh_match(c, family, dst);
    if (b == NULL)
        return false;

    char s[INET6_ADDRSTRLEN] = "?";
    inet_ntop(family, src, s, sizeof s);
    unsigned sport = ((unsigned)tcp[0] << 8) | tcp[1];
    unsigned dport = ((unsigned)tcp[2] << 8) | tcp[3];
    if (family == AF_INET)
        snprintf(desc, desc_len, "%s:%u -> %s:%u payload=%zu%s", s, sport, b->text, dport, payload,
                 more_frags ? "+frags" : "");
    else
        snprintf(desc, desc_len, "[%s]:%u -> [%s]:%u payload=%zu%s", s, sport, b->text, dport, payload,
                 more_frags ? "+frags" : "");
    return true;
}

/* Queue one received packet (or drop it). */
static void ingress(const struct config *c, struct dir *d, const unsigned char *buf, size_t len, uint64_t now)
{
    d->st.rx_pkts++;
    d->st.rx_bytes += len;

    char desc[160];
    if (is_blackholed_syn_data(c, buf, len, desc, sizeof desc)) {
        d->st.drop_syndata++;
        if (g_syndata_logged < MAX_SYNDATA_LOG) {
            g_syndata_logged++;
            fprintf(stderr, PROG ": dropped SYN-data %s (%s->%s)%s\n", desc, d->in_name, d->out_name,
                    g_syndata_logged == MAX_SYNDATA_LOG ? " [further drops not logged]" : "");
        }
        return;
    }
    if (c->loss_pct > 0.0 && rng_unit() * 100.0 < c->loss_pct) {
        d->st.drop_loss++;
        return;
    }
    struct queue *q = &d->q;
    if (q->count >= q->cap) {
        d->st.drop_queue++;
        return;
    }
    unsigned char *data = malloc(len);
    if (data == NULL) {
        d->st.drop_queue++;
        return;
    }
    memcpy(data, buf, len);

    uint64_t t = now;
    if (c->rate_kbit > 0) {
        uint64_t start = q->busy_until_ns > now ? q->busy_until_ns : now;
        q->busy_until_ns = start + (uint64_t)len * 8000000ull / c->rate_kbit;
        t = q->busy_until_ns;
    }
    t += c->delay_ns;
    if (c->jitter_ns > 0)
        t += rng_next() % (c->jitter_ns + 1);
    if (t < q->last_release_ns)
        t = q->last_release_ns; /* keep order: never before the predecessor */
    q->last_release_ns = t;

    struct pkt *slot = &q->ring[(q->head + q->count) % q->cap];
    slot->release_ns = t;
    slot->data = data;
    slot->len = (uint32_t)len;
    q->count++;
}

/* Write every packet whose time has come. Returns false if the output device is gone. */
static bool egress(struct dir *d, uint64_t now)
{
    struct queue *q = &d->q;
    bool ok = true;
    while (q->count > 0 && q->ring[q->head].release_ns <= now) {
        struct pkt *pk = &q->ring[q->head];
        ssize_t w = write(d->out_fd, pk->data, pk->len);
        if (w == (ssize_t)pk->len) {
            d->st.fwd_pkts++;
            d->st.fwd_bytes += pk->len;
        } else {
            int e = w < 0 ? errno : EIO;
            d->st.tx_err++;
            if (e == EBADFD || e == ENODEV)
                ok = false;
            /* EIO is normal while the device is not up yet; log a few. */
            if (g_txerr_logged < MAX_TXERR_LOG && e != EIO) {
                g_txerr_logged++;
                fprintf(stderr, PROG ": write %s: %s\n", d->out_name, strerror(e));
            }
        }
        free(pk->data);
        pk->data = NULL;
        q->head = (q->head + 1) % q->cap;
        q->count--;
    }
    return ok;
}

/* Read up to READ_BATCH packets. Returns 1 ok, 0 device gone, -1 fatal error. */
static int drain(const struct config *c, struct dir *d, unsigned char *buf)
{
    for (int i = 0; i < READ_BATCH; i++) {
        ssize_t r = read(d->in_fd, buf, PKT_BUF_SIZE);
        if (r > 0) {
            ingress(c, d, buf, (size_t)r, now_ns());
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return 1;
        if (r < 0 && (errno == EBADFD || errno == ENODEV || errno == EIO))
            return 0;
        if (r == 0)
            return 1;
        fprintf(stderr, PROG ": read %s: %s\n", d->in_name, strerror(errno));
        return -1;
    }
    return 1;
}

static void print_stats(const struct dir *d, size_t n)
{
    uint64_t syn = 0;
    for (size_t i = 0; i < n; i++) {
        const struct stats *s = &d[i].st;
        fprintf(stderr,
                PROG ": %s->%s: rx=%" PRIu64 " fwd=%" PRIu64 " drop_loss=%" PRIu64 " drop_queue=%" PRIu64
                     " drop_syndata=%" PRIu64 " tx_err=%" PRIu64 " queued=%zu rx_bytes=%" PRIu64
                     " fwd_bytes=%" PRIu64 "\n",
                d[i].in_name, d[i].out_name, s->rx_pkts, s->fwd_pkts, s->drop_loss, s->drop_queue,
                s->drop_syndata, s->tx_err, d[i].q.count, s->rx_bytes, s->fwd_bytes);
        syn += s->drop_syndata;
    }
    fprintf(stderr, PROG ": syn_data_dropped=%" PRIu64 "\n", syn);
}

static bool any_parent_gone(const struct config *c)
{
    for (size_t i = 0; i < c->n_parent; i++) {
        if (kill(c->parent[i], 0) != 0 && errno == ESRCH)
            return true;
    }
    return false;
}

static const char *reason_text(enum stop_reason r, int sig)
{
    switch (r) {
    case STOP_SIGNAL:
        return sig == SIGINT ? "SIGINT" : "SIGTERM";
    case STOP_PARENT:
        return "parent-gone";
    case STOP_MAX_SECONDS:
        return "max-seconds";
    case STOP_DEVICE_GONE:
        return "device-gone";
    case STOP_ERROR:
        return "error";
    default:
        return "?";
    }
}

int main(int argc, char **argv)
{
    struct config cfg;
    if (parse_args(argc, argv, &cfg) != 0)
        return 2;

    fprintf(stderr,
            PROG ": %s <-> %s delay=%.3fms jitter=%.3fms loss=%g%% seed=%" PRIu64 " queue_limit=%" PRIu64
                 " max_seconds=%" PRIu64,
            cfg.dev[0], cfg.dev[1], (double)cfg.delay_ns / 1e6, (double)cfg.jitter_ns / 1e6, cfg.loss_pct,
            cfg.seed, cfg.queue_limit, cfg.max_seconds);
    if (cfg.rate_kbit > 0)
        fprintf(stderr, " rate_kbit=%" PRIu64, cfg.rate_kbit);
    else
        fputs(" rate=unlimited", stderr);
    for (size_t i = 0; i < cfg.n_bh; i++)
        fprintf(stderr, " blackhole_syn_data=%s", cfg.bh[i].text);
    for (size_t i = 0; i < cfg.n_parent; i++)
        fprintf(stderr, " parent_pid=%d", (int)cfg.parent[i]);
    fputc('\n', stderr);
    if (cfg.check_only)
        return 0;

    g_rng = cfg.seed;
    (void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL); /* 1 us timer slack */

    /* Signals: handled only while blocked in ppoll (no races, no EINTR elsewhere). */
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &block, &waitmask) != 0) {
        fprintf(stderr, PROG ": sigprocmask: %s\n", strerror(errno));
        return 1;
    }
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGUSR1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    int pidfd[MAX_PARENTS];
    for (size_t i = 0; i < cfg.n_parent; i++)
        pidfd[i] = (int)syscall(SYS_pidfd_open, cfg.parent[i], 0); /* -1: fall back to polling */

    struct dir dir[2];
    memset(dir, 0, sizeof dir);
    int fd_a = tun_create(cfg.dev[0]);
    if (fd_a < 0)
        return 1;
    int fd_b = tun_create(cfg.dev[1]);
    if (fd_b < 0) {
        close(fd_a);
        return 1;
    }
    dir[0] = (struct dir){.in_name = cfg.dev[0], .out_name = cfg.dev[1], .in_fd = fd_a, .out_fd = fd_b};
    dir[1] = (struct dir){.in_name = cfg.dev[1], .out_name = cfg.dev[0], .in_fd = fd_b, .out_fd = fd_a};
    unsigned char *buf = malloc(PKT_BUF_SIZE);
    if (buf == NULL || queue_init(&dir[0].q, cfg.queue_limit) != 0 ||
        queue_init(&dir[1].q, cfg.queue_limit) != 0) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }

    fputs("ready\n", stdout);
    fflush(stdout);

    const uint64_t start = now_ns();
    const uint64_t deadline = start + cfg.max_seconds * NS_PER_S;
    uint64_t next_parent_check = start + PARENT_CHECK_NS;
    enum stop_reason reason = STOP_NONE;

    while (reason == STOP_NONE) {
        if (g_stop_signal) {
            reason = STOP_SIGNAL;
            break;
        }
        if (g_dump_stats) {
            g_dump_stats = 0;
            print_stats(dir, 2);
        }

        uint64_t now = now_ns();
        if (!egress(&dir[0], now) || !egress(&dir[1], now)) {
            reason = STOP_DEVICE_GONE;
            break;
        }
        if (now >= deadline) {
            reason = STOP_MAX_SECONDS;
            break;
        }
        if (cfg.n_parent > 0 && now >= next_parent_check) {
            if (any_parent_gone(&cfg)) {
                reason = STOP_PARENT;
                break;
            }
            next_parent_check = now + PARENT_CHECK_NS;
        }

        uint64_t wake = deadline;
        if (cfg.n_parent > 0 && next_parent_check < wake)
            wake = next_parent_check;
        for (int i = 0; i < 2; i++) {
            if (dir[i].q.count > 0 && dir[i].q.ring[dir[i].q.head].release_ns < wake)
                wake = dir[i].q.ring[dir[i].q.head].release_ns;
        }
        uint64_t wait_ns = wake > now ? wake - now : 0;
        struct timespec ts = {.tv_sec = (time_t)(wait_ns / NS_PER_S), .tv_nsec = (long)(wait_ns % NS_PER_S)};

        struct pollfd pfd[2 + MAX_PARENTS];
        nfds_t nfd = 0;
        pfd[nfd++] = (struct pollfd){.fd = fd_a, .events = POLLIN};
        pfd[nfd++] = (struct pollfd){.fd = fd_b, .events = POLLIN};
        for (size_t i = 0; i < cfg.n_parent; i++)
            pfd[nfd++] = (struct pollfd){.fd = pidfd[i], .events = POLLIN}; /* fd -1 is ignored */

        int rc = ppoll(pfd, nfd, &ts, &waitmask);
        if (rc < 0) {
            if (errno == EINTR)
                continue; /* a signal: flags are checked at the top */
            fprintf(stderr, PROG ": ppoll: %s\n", strerror(errno));
            reason = STOP_ERROR;
            break;
        }
        if (rc == 0)
            continue;
        for (int i = 0; i < 2 && reason == STOP_NONE; i++) {
            short re = pfd[i].revents;
            if (re & (POLLERR | POLLHUP | POLLNVAL)) {
                reason = STOP_DEVICE_GONE;
            } else if (re & POLLIN) {
                int dr = drain(&cfg, &dir[i], buf);
                if (dr == 0)
                    reason = STOP_DEVICE_GONE;
                else if (dr < 0)
                    reason = STOP_ERROR;
            }
        }
        for (size_t i = 0; i < cfg.n_parent && reason == STOP_NONE; i++) {
            if (pfd[2 + i].revents & (POLLIN | POLLERR | POLLHUP))
                reason = STOP_PARENT;
        }
    }

    double runtime = (double)(now_ns() - start) / 1e9;
    fprintf(stderr, PROG ": stopping: reason=%s runtime=%.3fs\n", reason_text(reason, (int)g_stop_signal),
            runtime);
    print_stats(dir, 2);
    for (int i = 0; i < 2; i++)
        queue_free_all(&dir[i].q);
    free(buf);
    close(fd_a); /* non-persistent TUN devices disappear with their fd */
    close(fd_b);
    for (size_t i = 0; i < cfg.n_parent; i++) {
        if (pidfd[i] >= 0)
            close(pidfd[i]);
    }
    return reason == STOP_ERROR ? 1 : 0;
}
