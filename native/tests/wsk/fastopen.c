/* TCP Fast Open through WskConnectEx from C: with TCP_FASTOPEN set on the socket (WskControlSocket), the first
 * connection to a server asks for a cookie and sends its buffer after the handshake; the second carries the buffer in
 * its SYN, acknowledged by the server. WskSharp's report (WskControlSocket WskIoctl SIO_WSKSHARP_FASTOPEN_REPORT) says
 * so, and run.sh checks the wire: it runs this program in a network namespace of its own with net.ipv4.tcp_fastopen=3
 * under tcpdump, and this program prints the SYN it expects ("# syn-data PORT LENGTH"). */
/* WSKTEST_IN_NAMESPACE: run.sh runs this in a namespace of its own with Fast Open on, under tcpdump. */
#include "wsktest.h"

/* WskSharp's I/O control: a 24-byte report (flags, bytes in SYN, bytes sent, fail reason). */
#define SIO_WSKSHARP_FASTOPEN_REPORT 0x58005701
#define FASTOPEN_REQUESTED 0x1
#define FASTOPEN_COOKIE_REQUESTED 0x2
#define FASTOPEN_SYN_DATA_SENT 0x4
#define FASTOPEN_SYN_DATA_ACKNOWLEDGED 0x8

typedef struct _FASTOPEN_REPORT {
    ULONG Flags;
    ULONG BytesInSyn;
    ULONG BytesSent;
    UCHAR FailReason;
    UCHAR Reserved[3];
    LONGLONG SkippedUntil;
} FASTOPEN_REPORT;
C_ASSERT(sizeof(FASTOPEN_REPORT) == 24);

static WSKTEST t;
static UCHAR request[] = "GET /fast-open HTTP/1.0\r\nHost: wsk\r\n\r\n";
#define REQUEST_LENGTH (sizeof(request) - 1)

static NTSTATUS SetFastOpen(PWSK_SOCKET socket)
{
    ULONG on = 1;
    const WSK_PROVIDER_BASIC_DISPATCH *basic = socket->Dispatch;
    return basic->WskControlSocket(socket, WskSetOption, TCP_FASTOPEN, IPPROTO_TCP, sizeof(on), &on, 0, NULL, NULL, NULL);
}

/* One connection: a Fast Open socket, WskConnectEx with the request, the server's accept and receive of it. */
static void Connection(const char *name, PWSK_SOCKET listener, USHORT port, BOOLEAN expectSynData)
{
    PWSK_SOCKET socket = WsktestSocket(&t, AF_INET, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL);
    NTSTATUS status = socket == NULL ? STATUS_UNSUCCESSFUL : SetFastOpen(socket);
    if (!NT_SUCCESS(status)) {
        wsktest_fail(name, "socket or TCP_FASTOPEN: 0x%08X", (unsigned)status);
        return;
    }
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
    SOCKADDR_IN local = WsktestLoopback(0), server = WsktestLoopback(port);
    SyncIrpWait(&t.Sync, dispatch->WskBind(socket, (PSOCKADDR)&local, 0, SyncIrpArm(&t.Sync)));

    SYNC_IRP accept;
    SyncIrpInit(&accept);
    const WSK_PROVIDER_LISTEN_DISPATCH *listenDispatch = listener->Dispatch;
    NTSTATUS acceptReturned = listenDispatch->WskAccept(listener, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&accept));

    PMDL mdl = WsktestMdl(request, REQUEST_LENGTH);
    WSK_BUF buffer = { mdl, 0, REQUEST_LENGTH };
    status = SyncIrpWait(&t.Sync, dispatch->WskConnectEx(socket, (PSOCKADDR)&server, &buffer, 0, SyncIrpArm(&t.Sync)));
    ULONG_PTR sent = t.Sync.Information;
    NTSTATUS acceptStatus = SyncIrpWait(&accept, acceptReturned);

    FASTOPEN_REPORT report;
    memset(&report, 0, sizeof(report));
    SIZE_T returned = 0;
    NTSTATUS reported = dispatch->WskControlSocket(socket, WskIoctl, SIO_WSKSHARP_FASTOPEN_REPORT, 0, 0, NULL, sizeof(report),
        &report, &returned, NULL);

    UCHAR received[128] = { 0 };
    ULONG_PTR receivedLength = 0;
    PWSK_SOCKET accepted = NT_SUCCESS(acceptStatus) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    if (accepted != NULL) {
        PMDL receivedMdl = WsktestMdl(received, sizeof(received));
        WSK_BUF receiveBuffer = { receivedMdl, 0, REQUEST_LENGTH };
        const WSK_PROVIDER_CONNECTION_DISPATCH *acceptedDispatch = accepted->Dispatch;
        if (SyncIrpWait(&accept, acceptedDispatch->WskReceive(accepted, &receiveBuffer, WSK_FLAG_WAITALL, SyncIrpArm(&accept))) == STATUS_SUCCESS) {
            receivedLength = accept.Irp->IoStatus.Information;
        }
        IoFreeMdl(receivedMdl);
    }

    if (status != STATUS_SUCCESS || sent != REQUEST_LENGTH) {
        wsktest_fail(name, "WskConnectEx 0x%08X, Information %lu", (unsigned)status, (unsigned long)sent);
    } else if (accepted == NULL || receivedLength != REQUEST_LENGTH || memcmp(received, request, REQUEST_LENGTH) != 0) {
        wsktest_fail(name, "the server got %lu bytes (accept 0x%08X)", (unsigned long)receivedLength, (unsigned)acceptStatus);
    } else if (reported != STATUS_SUCCESS || returned != sizeof(report) || !(report.Flags & FASTOPEN_REQUESTED)) {
        wsktest_fail(name, "report 0x%08X, %lu bytes, flags 0x%x", (unsigned)reported, (unsigned long)returned, (unsigned)report.Flags);
    } else if (expectSynData && (!(report.Flags & FASTOPEN_SYN_DATA_SENT) || !(report.Flags & FASTOPEN_SYN_DATA_ACKNOWLEDGED)
                                 || report.BytesInSyn != REQUEST_LENGTH)) {
        wsktest_fail(name, "no SYN data: flags 0x%x, %lu bytes in the SYN, fail reason %u", (unsigned)report.Flags,
            (unsigned long)report.BytesInSyn, report.FailReason);
    } else if (!expectSynData && (!(report.Flags & FASTOPEN_COOKIE_REQUESTED) || (report.Flags & FASTOPEN_SYN_DATA_SENT))) {
        wsktest_fail(name, "a first connection should ask for a cookie and send no SYN data: flags 0x%x", (unsigned)report.Flags);
    } else {
        wsktest_ok(name);
        if (expectSynData) {
            struct { SOCKADDR_IN Address; } bound;
            SyncIrpWait(&t.Sync, dispatch->WskGetLocalAddress(socket, (PSOCKADDR)&bound.Address, SyncIrpArm(&t.Sync)));
            printf("# syn-data %u %u %lu\n", RtlUshortByteSwap(bound.Address.sin_port), port, (unsigned long)REQUEST_LENGTH);
        }
    }

    if (accepted != NULL) {
        WsktestClose(&t, accepted);
    }
    WsktestClose(&t, socket);
    SyncIrpFree(&accept);
    IoFreeMdl(mdl);
}

int main(void)
{
    /* Fast Open (client and server) must be on where this runs: run.sh makes such a namespace. */
    FILE *sysctl = fopen("/proc/sys/net/ipv4/tcp_fastopen", "r");
    int mode = 0;
    if (sysctl == NULL || fscanf(sysctl, "%d", &mode) != 1 || (mode & 3) != 3) {
        wsktest_skip("fastopen_first_connection_cookie_request", "net.ipv4.tcp_fastopen is not 3 here (run.sh runs this in a namespace)");
        wsktest_skip("fastopen_second_connection_syn_data", "net.ipv4.tcp_fastopen is not 3 here");
        if (sysctl != NULL) {
            fclose(sysctl);
        }
        return 0;
    }
    fclose(sysctl);

    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    /* The listener: TCP_FASTOPEN before WskBind (a listening socket listens once bound). */
    PWSK_SOCKET listener = WsktestSocket(&t, AF_INET, WSK_FLAG_LISTEN_SOCKET, NULL, NULL, NULL);
    SOCKADDR_IN any = WsktestLoopback(0), bound;
    const WSK_PROVIDER_LISTEN_DISPATCH *listenDispatch = listener->Dispatch;
    status = SetFastOpen(listener);
    if (NT_SUCCESS(status)) {
        status = SyncIrpWait(&t.Sync, listenDispatch->WskBind(listener, (PSOCKADDR)&any, 0, SyncIrpArm(&t.Sync)));
    }
    if (NT_SUCCESS(status)) {
        status = SyncIrpWait(&t.Sync, listenDispatch->WskGetLocalAddress(listener, (PSOCKADDR)&bound, SyncIrpArm(&t.Sync)));
    }
    if (!NT_SUCCESS(status)) {
        wsktest_fail("fastopen_listener", "0x%08X", (unsigned)status);
        return 1;
    }
    USHORT port = RtlUshortByteSwap(bound.sin_port);

    Connection("fastopen_first_connection_cookie_request", listener, port, FALSE);
    Connection("fastopen_second_connection_syn_data", listener, port, TRUE);

    WsktestClose(&t, listener);
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
