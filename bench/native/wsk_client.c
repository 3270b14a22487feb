/*
 * wsk_client.c - the `wsk-c` bench peer: the c-tfo exchange written as WSK driver code in C (ntddk.h, wsk.h), built
 * against WskSharp's native face (pkg-config wsksharp) and run as a plain program.
 *
 *   wsk_client --mode tfo|connect --addr IPV4 --port P --count N [--concurrency C] [--request-bytes B]
 *              [--warmup W] [--warmup-concurrent WC] [--timeout-ms T] [--no-samples] [--json]
 *
 * Every connection, each call issued from the previous call's completion routine as a driver does:
 * WskSocket (connection socket) -> WskControlSocket(WskSetOption, TCP_FASTOPEN) (mode tfo) -> WskBind 0.0.0.0:0 ->
 * WskConnectEx with the B byte request -> WskReceive until the echo is in -> WskCloseSocket.
 * ttfb = CLOCK_MONOTONIC from before WskSocket to the completion of the receive that delivered the first reply byte;
 * full = the same start to the receive that completed the reply. C connections are kept in flight (each slot starts
 * its next connection from its close's routine); W warm-up connections run first, one at a time (the first fetches the
 * Fast Open cookie), then WC at the measured concurrency (the WskSharp workers' warm-up: pools and the managed heap
 * settle; there is no JIT in the NativeAOT library).
 * Prints the same JSON as client.c (bench/WskSharp.Bench parses it), plus "managed_bytes" (the WSK layer's managed
 * allocation over the measured connections) and "verifier_problems" (WskSharp's verifier report at the end).
 * SYN data is read from WskSharp's Fast Open report (an I/O control) where client.c reads TCP_INFO.
 */
#define _POSIX_C_SOURCE 200809L
#include <ntddk.h>
#include <wsk.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* peer_common.h's helpers, without its socket headers (WSK client code never includes glibc's). */
static int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* WskSharp's Fast Open report (WskControlSocket WskIoctl): 24 bytes. */
#define SIO_WSKSHARP_FASTOPEN_REPORT 0x58005701
#define FASTOPEN_SYN_DATA_ACKNOWLEDGED 0x8
typedef struct _FASTOPEN_REPORT {
    ULONG Flags;
    ULONG BytesInSyn;
    ULONG BytesSent;
    UCHAR FailReason;
    UCHAR Reserved[3];
    LONGLONG SkippedUntil;
} FASTOPEN_REPORT;

#define POOL_TAG 'cksW'

enum stage { ST_SOCKET, ST_SETSOCKOPT, ST_CONNECT, ST_SEND, ST_RECV, ST_EOF, ST_TIMEOUT, ST_CLOSE, ST__COUNT };
static const char *const stage_names[] = { "socket", "setsockopt", "connect", "send", "recv", "eof", "timeout", "close" };

static struct {
    int tfo;
    const char *addr;
    long long port, count, concurrency, request_bytes, warmup, warmup_concurrent, timeout_ms;
    int json, samples;
} cfg = { 1, NULL, -1, -1, 1, 64, 2, 0, 10000, 0, 1 };

/* ---- what every connection shares ---- */
static WSK_REGISTRATION g_registration;
static WSK_PROVIDER_NPI g_npi;
static SOCKADDR_IN g_remote, g_local;
static UCHAR *g_request;
static PMDL g_request_mdl;
static ULONG g_expect;

/* ---- results (written from completion routines: one lock) ---- */
static KSPIN_LOCK g_lock;
static KEVENT g_done;
static LONGLONG g_target, g_started, g_finished; /* of the current batch */
static int g_measuring;
static LONGLONG *g_ttfb, *g_full;
static long long g_ok, g_failed, g_syn_data, g_checked, g_warm_ok, g_warm_failed, g_warm_syn_data;
static struct { int stage; NTSTATUS status; long long n; } g_errs[32];
static int g_nerrs;

static LONGLONG now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (LONGLONG)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- one connection slot: its IRP, reused for every call, and its receive buffer ---- */
typedef enum { S_SOCKET, S_BIND, S_CONNECT, S_RECEIVE, S_CLOSE } SLOT_STATE;

typedef struct _SLOT {
    PIRP Irp;
    PWSK_SOCKET Socket;
    SLOT_STATE State;
    PMDL ReceiveMdl;
    UCHAR *Receive;
    ULONG Got;
    LONGLONG T0, T1, T2;
    int SynData;
    int FailStage;       /* -1: none */
    NTSTATUS FailStatus;
} SLOT;

static SLOT *g_slots;

static IO_COMPLETION_ROUTINE SlotCompleted;

static PIRP Arm(SLOT *slot, SLOT_STATE state)
{
    slot->State = state;
    IoReuseIrp(slot->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(slot->Irp, SlotCompleted, slot, TRUE, TRUE, TRUE);
    return slot->Irp;
}

static void Record(SLOT *slot)
{
    KIRQL irql;
    KeAcquireSpinLock(&g_lock, &irql);
    if (g_measuring == 2) {
        /* after a timeout: the figures are printed already */
    } else if (slot->FailStage < 0) {
        if (g_measuring) {
            g_ttfb[g_ok] = slot->T1 - slot->T0;
            g_full[g_ok] = slot->T2 - slot->T0;
            g_ok++;
            if (slot->SynData >= 0) {
                g_checked++;
            }
            if (slot->SynData > 0) {
                g_syn_data++;
            }
        } else {
            g_warm_ok++;
            g_warm_syn_data += slot->SynData > 0;
        }
    } else if (!g_measuring) {
        g_warm_failed++;
        fprintf(stderr, "wsk_client: warmup connection failed at %s: 0x%08X\n", stage_names[slot->FailStage], (unsigned)slot->FailStatus);
    } else {
        g_failed++;
        int i = 0;
        while (i < g_nerrs && !(g_errs[i].stage == slot->FailStage && g_errs[i].status == slot->FailStatus)) {
            i++;
        }
        if (i == g_nerrs && g_nerrs < (int)(sizeof(g_errs) / sizeof(g_errs[0]))) {
            g_errs[g_nerrs].stage = slot->FailStage;
            g_errs[g_nerrs].status = slot->FailStatus;
            g_nerrs++;
        }
        if (i < g_nerrs) {
            g_errs[i].n++;
        }
    }
    KeReleaseSpinLock(&g_lock, irql);
}

static void StartConnection(SLOT *slot)
{
    slot->Socket = NULL;
    slot->Got = 0;
    slot->SynData = -1;
    slot->FailStage = -1;
    slot->T0 = now_ns();
    g_npi.Dispatch->WskSocket(g_npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL,
        NULL, NULL, Arm(slot, S_SOCKET));
}

/* The slot's next connection, or the batch's end. */
static void StartNext(SLOT *slot)
{
    KIRQL irql;
    KeAcquireSpinLock(&g_lock, &irql);
    g_finished++;
    BOOLEAN start = g_started < g_target;
    if (start) {
        g_started++;
    }
    BOOLEAN all = g_finished == g_target;
    KeReleaseSpinLock(&g_lock, irql);
    if (all) {
        KeSetEvent(&g_done, IO_NO_INCREMENT, FALSE);
    }
    if (start) {
        StartConnection(slot);
    }
}

static void Fail(SLOT *slot, int stage, NTSTATUS status)
{
    slot->FailStage = stage;
    slot->FailStatus = status;
    if (slot->Socket != NULL) {
        const WSK_PROVIDER_BASIC_DISPATCH *basic = slot->Socket->Dispatch;
        basic->WskCloseSocket(slot->Socket, Arm(slot, S_CLOSE));
        return;
    }
    Record(slot);
    StartNext(slot);
}

static void Receive(SLOT *slot)
{
    WSK_BUF buffer = { slot->ReceiveMdl, slot->Got, g_expect - slot->Got };
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = slot->Socket->Dispatch;
    dispatch->WskReceive(slot->Socket, &buffer, 0, Arm(slot, S_RECEIVE));
}

/* Every call's completion: issue the connection's next call. Runs at DISPATCH_LEVEL, inline or on WskSharp's loop. */
static NTSTATUS SlotCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    SLOT *slot = Context;
    NTSTATUS status = Irp->IoStatus.Status;
    switch (slot->State) {
    case S_SOCKET: {
        if (!NT_SUCCESS(status)) {
            Fail(slot, ST_SOCKET, status);
            break;
        }
        slot->Socket = (PWSK_SOCKET)Irp->IoStatus.Information;
        const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = slot->Socket->Dispatch;
        if (cfg.tfo) {
            ULONG on = 1;
            status = dispatch->WskControlSocket(slot->Socket, WskSetOption, TCP_FASTOPEN, IPPROTO_TCP, sizeof(on), &on, 0,
                NULL, NULL, NULL);
            if (!NT_SUCCESS(status)) {
                Fail(slot, ST_SETSOCKOPT, status);
                break;
            }
        }
        dispatch->WskBind(slot->Socket, (PSOCKADDR)&g_local, 0, Arm(slot, S_BIND));
        break;
    }
    case S_BIND: {
        if (!NT_SUCCESS(status)) {
            Fail(slot, ST_CONNECT, status);
            break;
        }
        WSK_BUF request = { g_request_mdl, 0, (SIZE_T)cfg.request_bytes };
        const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = slot->Socket->Dispatch;
        dispatch->WskConnectEx(slot->Socket, (PSOCKADDR)&g_remote, &request, 0, Arm(slot, S_CONNECT));
        break;
    }
    case S_CONNECT: {
        if (!NT_SUCCESS(status) || Irp->IoStatus.Information != (ULONG_PTR)cfg.request_bytes) {
            Fail(slot, NT_SUCCESS(status) ? ST_SEND : ST_CONNECT, NT_SUCCESS(status) ? STATUS_UNSUCCESSFUL : status);
            break;
        }
        if (cfg.tfo) {
            FASTOPEN_REPORT report;
            SIZE_T returned = 0;
            const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = slot->Socket->Dispatch;
            if (dispatch->WskControlSocket(slot->Socket, WskIoctl, SIO_WSKSHARP_FASTOPEN_REPORT, 0, 0, NULL, sizeof(report),
                    &report, &returned, NULL) == STATUS_SUCCESS && returned == sizeof(report)) {
                slot->SynData = (report.Flags & FASTOPEN_SYN_DATA_ACKNOWLEDGED) != 0;
            }
        }
        Receive(slot);
        break;
    }
    case S_RECEIVE:
        if (!NT_SUCCESS(status)) {
            Fail(slot, ST_RECV, status);
            break;
        }
        if (Irp->IoStatus.Information == 0) {
            Fail(slot, ST_EOF, STATUS_CONNECTION_RESET);
            break;
        }
        if (slot->Got == 0) {
            slot->T1 = now_ns();
        }
        slot->Got += (ULONG)Irp->IoStatus.Information;
        if (slot->Got < g_expect) {
            Receive(slot);
            break;
        }
        slot->T2 = now_ns();
        {
            const WSK_PROVIDER_BASIC_DISPATCH *basic = slot->Socket->Dispatch;
            basic->WskCloseSocket(slot->Socket, Arm(slot, S_CLOSE));
        }
        break;
    case S_CLOSE:
        if (!NT_SUCCESS(status) && slot->FailStage < 0) {
            slot->FailStage = ST_CLOSE;
            slot->FailStatus = status;
        }
        slot->Socket = NULL;
        Record(slot);
        StartNext(slot);
        break;
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Runs Count connections, Concurrency at a time; FALSE when they did not all finish within the timeout of no progress. */
static BOOLEAN RunBatch(LONGLONG count, LONGLONG concurrency)
{
    if (concurrency > count) {
        concurrency = count;
    }
    if (count == 0) {
        return TRUE;
    }
    KeClearEvent(&g_done);
    g_target = count;
    g_finished = 0;
    g_started = concurrency;
    for (LONGLONG i = 0; i < concurrency; i++) {
        StartConnection(&g_slots[i]);
    }
    LONGLONG last = -1, lastProgress = now_ns();
    for (;;) {
        LARGE_INTEGER slice;
        slice.QuadPart = -100LL * 1000 * 10; /* 100 ms */
        if (KeWaitForSingleObject(&g_done, Executive, KernelMode, FALSE, &slice) == STATUS_SUCCESS) {
            return TRUE;
        }
        LONGLONG finished = InterlockedCompareExchange64(&g_finished, 0, 0);
        if (finished != last) {
            last = finished;
            lastProgress = now_ns();
        } else if (cfg.timeout_ms > 0 && now_ns() - lastProgress > cfg.timeout_ms * 1000000LL) {
            return FALSE;
        }
    }
}

static double cpu_seconds(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return *user + *sys;
}

static int cmp_ll(const void *a, const void *b)
{
    LONGLONG x = *(const LONGLONG *)a, y = *(const LONGLONG *)b;
    return (x > y) - (x < y);
}

static LONGLONG pct(const LONGLONG *sorted, long long n, long long p)
{
    long long rank = (p * n + 99) / 100;
    rank = rank < 1 ? 1 : rank > n ? n : rank;
    return sorted[rank - 1];
}

static void print_stats(const char *name, const LONGLONG *v, long long n)
{
    LONGLONG *s = malloc((size_t)(n > 0 ? n : 1) * sizeof(*s));
    double sum = 0;
    if (s == NULL) {
        exit(1);
    }
    memcpy(s, v, (size_t)n * sizeof(*s));
    qsort(s, (size_t)n, sizeof(*s), cmp_ll);
    for (long long i = 0; i < n; i++) {
        sum += (double)s[i];
    }
    if (n == 0) {
        printf("\"%s\":{\"p50\":0,\"p90\":0,\"p99\":0,\"mean\":0.0,\"min\":0,\"max\":0}", name);
    } else {
        printf("\"%s\":{\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"mean\":%.1f,\"min\":%lld,\"max\":%lld}", name,
            (long long)pct(s, n, 50), (long long)pct(s, n, 90), (long long)pct(s, n, 99), sum / (double)n, (long long)s[0],
            (long long)s[n - 1]);
    }
    free(s);
}

static const WSK_CLIENT_DISPATCH g_client_dispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };

static void usage(FILE *f)
{
    fprintf(f, "usage: wsk_client --mode tfo|connect --addr IPV4 --port P --count N [--concurrency C] [--request-bytes B]\n"
               "                  [--warmup W] [--warmup-concurrent WC] [--timeout-ms T] [--no-samples] [--json]\n"
               "  the c-tfo exchange as WSK driver code over WskSharp's native face (see the top of wsk_client.c)\n");
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
        } else if (strcmp(a, "--no-samples") == 0) {
            cfg.samples = 0;
            continue;
        } else if (strcmp(a, "--no-tcp-info") == 0) {
            continue; /* client.c's option: the Fast Open report is one call, kept */
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        int bad = v == NULL;
        if (bad) {
        } else if (strcmp(a, "--mode") == 0) {
            bad = strcmp(v, "tfo") != 0 && strcmp(v, "connect") != 0;
            cfg.tfo = strcmp(v, "tfo") == 0;
        } else if (strcmp(a, "--addr") == 0) {
            cfg.addr = v;
        } else if (strcmp(a, "--port") == 0) {
            bad = parse_ll(v, 1, 65535, &cfg.port) < 0;
        } else if (strcmp(a, "--count") == 0) {
            bad = parse_ll(v, 1, 100000000LL, &cfg.count) < 0;
        } else if (strcmp(a, "--concurrency") == 0) {
            bad = parse_ll(v, 1, 100000, &cfg.concurrency) < 0;
        } else if (strcmp(a, "--request-bytes") == 0) {
            bad = parse_ll(v, 1, 1 << 20, &cfg.request_bytes) < 0;
        } else if (strcmp(a, "--warmup") == 0) {
            bad = parse_ll(v, 0, 1000000, &cfg.warmup) < 0;
        } else if (strcmp(a, "--warmup-concurrent") == 0) {
            bad = parse_ll(v, 0, 1000000, &cfg.warmup_concurrent) < 0;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            bad = parse_ll(v, 0, 3600000, &cfg.timeout_ms) < 0;
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "wsk_client: bad option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    PCSTR end;
    struct in_addr address;
    if (cfg.addr == NULL || cfg.port < 0 || cfg.count < 0 || RtlIpv4StringToAddressA(cfg.addr, TRUE, &end, &address) != STATUS_SUCCESS
        || *end != '\0') {
        fprintf(stderr, "wsk_client: --addr (IPv4), --port and --count are required\n");
        usage(stderr);
        return 2;
    }
    raise_nofile();

    memset(&g_remote, 0, sizeof(g_remote));
    g_remote.sin_family = AF_INET;
    g_remote.sin_port = RtlUshortByteSwap((USHORT)cfg.port);
    g_remote.sin_addr = address;
    memset(&g_local, 0, sizeof(g_local));
    g_local.sin_family = AF_INET; /* the wildcard, port 0: what drivers bind to */

    WSK_CLIENT_NPI client = { NULL, &g_client_dispatch };
    NTSTATUS status = WskRegister(&client, &g_registration);
    if (NT_SUCCESS(status)) {
        status = WskCaptureProviderNPI(&g_registration, WSK_INFINITE_WAIT, &g_npi);
    }
    if (!NT_SUCCESS(status)) {
        fprintf(stderr, "wsk_client: WskRegister/WskCaptureProviderNPI: 0x%08X\n", (unsigned)status);
        return 1;
    }
    KeInitializeSpinLock(&g_lock);
    KeInitializeEvent(&g_done, NotificationEvent, FALSE);
    g_expect = (ULONG)cfg.request_bytes; /* the echo */
    g_request = ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)cfg.request_bytes, POOL_TAG);
    g_ttfb = malloc((size_t)cfg.count * sizeof(*g_ttfb));
    g_full = malloc((size_t)cfg.count * sizeof(*g_full));
    long long slots = cfg.concurrency > cfg.count ? cfg.count : cfg.concurrency;
    g_slots = ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)slots * sizeof(SLOT), POOL_TAG);
    if (g_request == NULL || g_ttfb == NULL || g_full == NULL || g_slots == NULL) {
        fprintf(stderr, "wsk_client: out of memory\n");
        return 1;
    }
    for (long long i = 0; i < cfg.request_bytes; i++) {
        g_request[i] = (UCHAR)('A' + (i % 26));
    }
    g_request_mdl = IoAllocateMdl(g_request, (ULONG)cfg.request_bytes, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(g_request_mdl);
    for (long long i = 0; i < slots; i++) {
        g_slots[i].Irp = IoAllocateIrp(1, FALSE);
        g_slots[i].Receive = ExAllocatePool2(POOL_FLAG_NON_PAGED, g_expect, POOL_TAG);
        if (g_slots[i].Irp == NULL || g_slots[i].Receive == NULL) {
            fprintf(stderr, "wsk_client: out of memory\n");
            return 1;
        }
        g_slots[i].ReceiveMdl = IoAllocateMdl(g_slots[i].Receive, g_expect, FALSE, FALSE, NULL);
        MmBuildMdlForNonPagedPool(g_slots[i].ReceiveMdl);
    }

    /* Warm-up, one at a time (the first fetches the Fast Open cookie), unmeasured. */
    g_measuring = 0;
    BOOLEAN finished = TRUE;
    for (long long i = 0; i < cfg.warmup && finished; i++) {
        finished = RunBatch(1, 1);
    }
    finished = finished && RunBatch(cfg.warmup_concurrent, slots);

    double u0, s0, u1, s1;
    g_measuring = 1;
    LONGLONG managed0 = WskSharpManagedAllocatedBytes();
    cpu_seconds(&u0, &s0);
    LONGLONG w0 = now_ns();
    finished = finished && RunBatch(cfg.count, slots);
    LONGLONG w1 = now_ns();
    cpu_seconds(&u1, &s1);
    LONGLONG managed = WskSharpManagedAllocatedBytes() - managed0;
    if (!finished) {
        /* A connection stuck past the timeout: report what finished, and the rest as timed out; no clean-up. */
        KIRQL irql;
        KeAcquireSpinLock(&g_lock, &irql);
        long long missing = cfg.count - g_ok - g_failed;
        g_failed += missing;
        if (g_nerrs < 32) {
            g_errs[g_nerrs].stage = ST_TIMEOUT;
            g_errs[g_nerrs].status = STATUS_IO_TIMEOUT;
            g_errs[g_nerrs].n = missing;
            g_nerrs++;
        }
        g_measuring = 2; /* routines still running record nothing more that counts */
        KeReleaseSpinLock(&g_lock, irql);
    }

    double wall = (double)(w1 - w0) / 1e9, user = u1 - u0, sys = s1 - s0, cpu = user + sys;
    ULONG problems = 0;
    if (finished) {
        for (long long i = 0; i < slots; i++) {
            IoFreeMdl(g_slots[i].ReceiveMdl);
            ExFreePoolWithTag(g_slots[i].Receive, POOL_TAG);
            IoFreeIrp(g_slots[i].Irp);
        }
        IoFreeMdl(g_request_mdl);
        ExFreePoolWithTag(g_request, POOL_TAG);
        ExFreePoolWithTag(g_slots, POOL_TAG);
        WskReleaseProviderNPI(&g_registration);
        WskDeregister(&g_registration);
        static char verifier[4096];
        problems = WskSharpVerifierReport(verifier, sizeof(verifier));
        if (problems != 0) {
            fprintf(stderr, "wsk_client: verifier:\n%s", verifier);
        }
    }

    if (cfg.json) {
        printf("{\"mode\":\"wsk-c-%s\",\"addr\":\"%s\",\"port\":%lld,\"count\":%lld,\"concurrency\":%lld,\"request_bytes\":%lld,"
               "\"reply_bytes\":%lu,\"warmup\":%lld,\"timeout_ms\":%lld,\"succeeded\":%lld,\"failed\":%lld,",
            cfg.tfo ? "tfo" : "connect", cfg.addr, cfg.port, cfg.count, slots, cfg.request_bytes, (unsigned long)g_expect,
            cfg.warmup, cfg.timeout_ms, g_ok, g_failed);
        print_stats("ttfb_ns", g_ttfb, g_ok);
        putchar(',');
        print_stats("full_ns", g_full, g_ok);
        printf(",\"wall_seconds\":%.6f,\"connections_per_second\":%.1f,\"cpu_user_seconds\":%.6f,\"cpu_sys_seconds\":%.6f,"
               "\"cpu_seconds\":%.6f,\"cpu_us_per_connection\":%.3f,",
            wall, wall > 0 ? (double)g_ok / wall : 0.0, user, sys, cpu, g_ok > 0 ? cpu * 1e6 / (double)g_ok : 0.0);
        printf("\"tfo\":{\"syn_data_acked\":%lld,\"checked\":%lld,\"warmup_syn_data_acked\":%lld},", g_syn_data, g_checked,
            g_warm_syn_data);
        printf("\"managed_bytes\":%lld,\"verifier_problems\":%u,\"warmup_failed\":%lld,\"errors\":[", (long long)managed,
            (unsigned)problems, g_warm_failed);
        for (int i = 0; i < g_nerrs; i++) {
            printf("%s{\"stage\":\"%s\",\"errno\":%d,\"error\":\"NTSTATUS 0x%08X\",\"count\":%lld}", i ? "," : "",
                stage_names[g_errs[i].stage], (int)g_errs[i].status, (unsigned)g_errs[i].status, g_errs[i].n);
        }
        printf("]");
        if (cfg.samples) {
            printf(",\"ttfb_us\":[");
            for (long long i = 0; i < g_ok; i++) {
                printf("%s%.3f", i ? "," : "", (double)g_ttfb[i] / 1000.0);
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("wsk-c %s  %s port %lld  count %lld  concurrency %lld  request %lld B  warmup %lld\n", cfg.tfo ? "tfo" : "connect",
            cfg.addr, cfg.port, cfg.count, slots, cfg.request_bytes, cfg.warmup);
        printf("succeeded %lld  failed %lld  (warmup failed %lld)  SYN data acked %lld of %lld\n", g_ok, g_failed, g_warm_failed,
            g_syn_data, g_checked);
        printf("wall %.3f s  %.1f connections/s  cpu %.2f us/connection  managed %lld B  verifier problems %u\n", wall,
            wall > 0 ? (double)g_ok / wall : 0.0, g_ok > 0 ? cpu * 1e6 / (double)g_ok : 0.0, (long long)managed, (unsigned)problems);
        for (int i = 0; i < g_nerrs; i++) {
            printf("error: %lld x %s: 0x%08X\n", g_errs[i].n, stage_names[g_errs[i].stage], (unsigned)g_errs[i].status);
        }
    }
    fflush(stdout);
    if (!finished) {
        _exit(1); /* routines may still run on WskSharp's threads: no orderly unload */
    }
    return (g_failed > 0 || g_warm_failed > 0 || problems > 0) ? 1 : 0;
}
