/* A few of WskSharp's own conformance scenarios (tests/WskSharp.Tests/Conformance, Wsk/CancellationTests), the same
 * bodies written in C through the native face: a graceful disconnect with a final buffer; a megabyte each way across
 * MDL chains whose MDLs start at offsets in their pages; IoCancelIrp of a WskConnectEx that is pending because the
 * listener's accept queue is full; an abortive disconnect. */
#include "wsktest.h"
#include <stdlib.h>

static WSKTEST t;

/* The listener with a full accept queue is made with Linux's own calls (a test fixture, not client code): declared
 * here, since client code never includes glibc's socket headers. An IPv4 SOCKADDR_IN has the same layout on both. */
extern int socket(int, int, int);
extern int bind(int, const void *, unsigned int);
extern int listen(int, int);
extern int connect(int, const void *, unsigned int);
extern int getsockname(int, void *, unsigned int *);
extern int getsockopt(int, int, int, void *, unsigned int *);
extern int close(int);
extern int usleep(unsigned int);
#define LINUX_SOCK_STREAM 1
#define LINUX_SOCK_NONBLOCK 04000
#define LINUX_TCP_INFO 11

/* Receives exactly Length bytes into Buffer (WSK_FLAG_WAITALL), or fewer at a FIN; returns the count. */
static SIZE_T ReceiveAll(PWSK_SOCKET socket, UCHAR *buffer, SIZE_T length, NTSTATUS *status)
{
    PMDL mdl = WsktestMdl(buffer, (ULONG)length);
    SIZE_T got = 0;
    const WSK_PROVIDER_CONNECTION_DISPATCH *d = socket->Dispatch;
    *status = STATUS_SUCCESS;
    while (got < length) {
        WSK_BUF buf = { mdl, (ULONG)got, length - got };
        *status = SyncIrpWait(&t.Sync, d->WskReceive(socket, &buf, 0, SyncIrpArm(&t.Sync)));
        if (*status != STATUS_SUCCESS || t.Sync.Information == 0) {
            break;
        }
        got += t.Sync.Information;
    }
    IoFreeMdl(mdl);
    return got;
}

static void Fill(UCHAR *data, SIZE_T length, unsigned seed)
{
    for (SIZE_T i = 0; i < length; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = (UCHAR)(seed >> 16);
    }
}

/* ---- a graceful disconnect sends its final buffer, then FIN; later sends are refused; the other way stays open ---- */
static void GracefulDisconnect(PWSK_SOCKET a, PWSK_SOCKET b)
{
    static UCHAR last[5000], got[5000], back[3] = { 9, 8, 7 }, backGot[3];
    Fill(last, sizeof(last), 3);
    SYNC_IRP disconnect;
    SyncIrpInit(&disconnect);
    PMDL mdl = WsktestMdl(last, sizeof(last));
    WSK_BUF final = { mdl, 0, sizeof(last) };
    const WSK_PROVIDER_CONNECTION_DISPATCH *da = a->Dispatch;
    NTSTATUS returned = da->WskDisconnect(a, &final, 0, SyncIrpArm(&disconnect));
    NTSTATUS received, eof;
    SIZE_T n = ReceiveAll(b, got, sizeof(got), &received); /* the buffer may exceed the window: read while it completes */
    NTSTATUS disconnected = SyncIrpWait(&disconnect, returned);
    UCHAR extra[10];
    SIZE_T fin = ReceiveAll(b, extra, sizeof(extra), &eof);
    PMDL one = WsktestMdl(back, 1);
    WSK_BUF oneBuf = { one, 0, 1 };
    NTSTATUS later = SyncIrpWait(&t.Sync, da->WskSend(a, &oneBuf, 0, SyncIrpArm(&t.Sync)));
    PMDL backMdl = WsktestMdl(back, sizeof(back));
    WSK_BUF backBuf = { backMdl, 0, sizeof(back) };
    const WSK_PROVIDER_CONNECTION_DISPATCH *db = b->Dispatch;
    NTSTATUS backSent = SyncIrpWait(&t.Sync, db->WskSend(b, &backBuf, 0, SyncIrpArm(&t.Sync)));
    NTSTATUS backReceived;
    SIZE_T backN = ReceiveAll(a, backGot, sizeof(backGot), &backReceived);
    if (disconnected != STATUS_SUCCESS || disconnect.Calls != 1 || n != sizeof(last) || memcmp(got, last, sizeof(last)) != 0) {
        wsktest_fail("conformance_graceful_disconnect", "disconnect 0x%08X (%ld routine calls), %lu of %lu bytes arrived",
            (unsigned)disconnected, (long)disconnect.Calls, (unsigned long)n, (unsigned long)sizeof(last));
    } else if (eof != STATUS_SUCCESS || fin != 0) {
        wsktest_fail("conformance_graceful_disconnect", "after the buffer: 0x%08X with %lu bytes, not a FIN", (unsigned)eof, (unsigned long)fin);
    } else if (later != STATUS_INVALID_DEVICE_STATE) {
        wsktest_fail("conformance_graceful_disconnect", "a send after the disconnect: 0x%08X", (unsigned)later);
    } else if (backSent != STATUS_SUCCESS || backN != sizeof(back) || memcmp(backGot, back, sizeof(back)) != 0) {
        wsktest_fail("conformance_graceful_disconnect", "the other direction: send 0x%08X, %lu bytes back", (unsigned)backSent,
            (unsigned long)backN);
    } else {
        wsktest_ok("conformance_graceful_disconnect");
    }
    IoFreeMdl(mdl);
    IoFreeMdl(one);
    IoFreeMdl(backMdl);
    SyncIrpFree(&disconnect);
}

/* ---- a megabyte each way across MDL chains (segments in separate blocks, at offsets) arrives exactly and in order ---- */
typedef struct _CHAIN {
    PMDL Head;
    UCHAR *Blocks[1100];
    ULONG Count;
} CHAIN;

/* Data in MDLs of Segment bytes, each over its own block at Offset, chained; Data is copied in. */
static void Chain(CHAIN *chain, const UCHAR *data, SIZE_T length, ULONG segment, ULONG offset)
{
    PMDL tail = NULL;
    chain->Head = NULL;
    chain->Count = 0;
    for (SIZE_T at = 0; at < length; at += segment) {
        ULONG n = (ULONG)(length - at < segment ? length - at : segment);
        UCHAR *block = ExAllocatePool2(POOL_FLAG_NON_PAGED, n + offset + 1, 'nhcW');
        memcpy(block + offset, data + at, n);
        PMDL mdl = WsktestMdl(block + offset, n);
        chain->Blocks[chain->Count++] = block;
        if (tail == NULL) {
            chain->Head = mdl;
        } else {
            tail->Next = mdl;
        }
        tail = mdl;
    }
}

static void FreeChain(CHAIN *chain)
{
    for (PMDL mdl = chain->Head, next; mdl != NULL; mdl = next) {
        next = mdl->Next;
        IoFreeMdl(mdl);
    }
    for (ULONG i = 0; i < chain->Count; i++) {
        ExFreePoolWithTag(chain->Blocks[i], 'nhcW');
    }
}

static void MdlChains(PWSK_SOCKET a, PWSK_SOCKET b)
{
    SIZE_T forthLength = 1 << 20, backLength = (1 << 20) + 7;
    UCHAR *forth = malloc(forthLength), *back = malloc(backLength), *atB = malloc(forthLength), *atA = malloc(backLength);
    Fill(forth, forthLength, 1);
    Fill(back, backLength, 2);
    static CHAIN forthChain, backChain;
    Chain(&forthChain, forth, forthLength, 1000, 3);
    Chain(&backChain, back, backLength, 4096, 1);
    SYNC_IRP sendForth, sendBack, receiveB, receiveA;
    SyncIrpInit(&sendForth);
    SyncIrpInit(&sendBack);
    SyncIrpInit(&receiveB);
    SyncIrpInit(&receiveA);
    PMDL inB = WsktestMdl(atB, (ULONG)forthLength), inA = WsktestMdl(atA, (ULONG)backLength);
    WSK_BUF bufInB = { inB, 0, forthLength }, bufInA = { inA, 0, backLength };
    WSK_BUF bufForth = { forthChain.Head, 0, forthLength }, bufBack = { backChain.Head, 0, backLength };
    const WSK_PROVIDER_CONNECTION_DISPATCH *da = a->Dispatch, *db = b->Dispatch;
    NTSTATUS rb = db->WskReceive(b, &bufInB, WSK_FLAG_WAITALL, SyncIrpArm(&receiveB));
    NTSTATUS ra = da->WskReceive(a, &bufInA, WSK_FLAG_WAITALL, SyncIrpArm(&receiveA));
    NTSTATUS s1 = da->WskSend(a, &bufForth, 0, SyncIrpArm(&sendForth));
    NTSTATUS s2 = db->WskSend(b, &bufBack, 0, SyncIrpArm(&sendBack));
    s1 = SyncIrpWait(&sendForth, s1);
    s2 = SyncIrpWait(&sendBack, s2);
    rb = SyncIrpWait(&receiveB, rb);
    ra = SyncIrpWait(&receiveA, ra);
    if (s1 != STATUS_SUCCESS || s2 != STATUS_SUCCESS || rb != STATUS_SUCCESS || ra != STATUS_SUCCESS) {
        wsktest_fail("conformance_megabyte_each_way_across_mdl_chains", "send 0x%08X 0x%08X, receive 0x%08X 0x%08X", (unsigned)s1,
            (unsigned)s2, (unsigned)rb, (unsigned)ra);
    } else if (sendForth.Information != forthLength || sendBack.Information != backLength || receiveB.Information != forthLength
               || receiveA.Information != backLength || sendForth.Calls != 1 || sendBack.Calls != 1) {
        wsktest_fail("conformance_megabyte_each_way_across_mdl_chains", "counts: sent %lu %lu, received %lu %lu",
            (unsigned long)sendForth.Information, (unsigned long)sendBack.Information, (unsigned long)receiveB.Information,
            (unsigned long)receiveA.Information);
    } else if (memcmp(atB, forth, forthLength) != 0 || memcmp(atA, back, backLength) != 0) {
        wsktest_fail("conformance_megabyte_each_way_across_mdl_chains", "the bytes differ");
    } else {
        wsktest_ok("conformance_megabyte_each_way_across_mdl_chains");
    }
    IoFreeMdl(inA);
    IoFreeMdl(inB);
    FreeChain(&forthChain);
    FreeChain(&backChain);
    SyncIrpFree(&sendForth);
    SyncIrpFree(&sendBack);
    SyncIrpFree(&receiveB);
    SyncIrpFree(&receiveA);
    free(forth);
    free(back);
    free(atA);
    free(atB);
}

/* ---- IoCancelIrp of a pending WskConnectEx: one completion, STATUS_CANCELLED; the socket is done after ---- */
/* A Linux listener with listen(0) whose accept queue three non-blocking connects have filled (TCP_INFO of a listener:
 * tcpi_unacked is the queue's length, tcpi_sacked its limit); its port in *Port; the fillers in Fillers. */
static int FullListener(USHORT *port, int fillers[3])
{
    SOCKADDR_IN address = WsktestLoopback(0);
    unsigned int length = sizeof(address);
    int listener = socket(AF_INET, LINUX_SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, &address, sizeof(address)) != 0 || listen(listener, 0) != 0
        || getsockname(listener, &address, &length) != 0) {
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        fillers[i] = socket(AF_INET, LINUX_SOCK_STREAM | LINUX_SOCK_NONBLOCK, 0);
        connect(fillers[i], &address, sizeof(address)); /* EINPROGRESS, or queued */
    }
    /* The handshakes finish in softirq after connect returns: wait for the queue's own state (bounded, 20 s). */
    for (int tries = 0; tries < 20000; tries++) {
        UCHAR info[104];
        unsigned int size = sizeof(info);
        if (getsockopt(listener, IPPROTO_TCP, LINUX_TCP_INFO, info, &size) == 0 && size >= 32) {
            ULONG queued, limit;
            memcpy(&queued, info + 24, 4);
            memcpy(&limit, info + 28, 4);
            if (queued > limit) {
                *port = RtlUshortByteSwap(address.sin_port);
                return listener;
            }
        }
        usleep(1000); /* paces the polling only */
    }
    return -1;
}

static void CancelPendingConnect(void)
{
    USHORT port = 0;
    int fillers[3] = { -1, -1, -1 };
    int listener = FullListener(&port, fillers);
    PWSK_SOCKET socket = listener < 0 ? NULL : WsktestBoundSocket(&t);
    if (socket == NULL) {
        wsktest_fail("conformance_cancel_pending_connect", "no full listener (%d) or no socket", listener);
        return;
    }
    static UCHAR request[10];
    PMDL mdl = WsktestMdl(request, sizeof(request));
    WSK_BUF buffer = { mdl, 0, sizeof(request) };
    SOCKADDR_IN remote = WsktestLoopback(port);
    SYNC_IRP connect;
    SyncIrpInit(&connect);
    const WSK_PROVIDER_CONNECTION_DISPATCH *d = socket->Dispatch;
    NTSTATUS returned = d->WskConnectEx(socket, (PSOCKADDR)&remote, &buffer, 0, SyncIrpArm(&connect));
    BOOLEAN cancelled = returned == STATUS_PENDING && IoCancelIrp(connect.Irp);
    NTSTATUS status = SyncIrpWait(&connect, returned);
    BOOLEAN again = IoCancelIrp(connect.Irp);
    SOCKADDR_IN discard = WsktestLoopback(9);
    NTSTATUS after = SyncIrpWait(&t.Sync, d->WskConnect(socket, (PSOCKADDR)&discard, 0, SyncIrpArm(&t.Sync)));
    if (returned != STATUS_PENDING || !cancelled) {
        wsktest_fail("conformance_cancel_pending_connect", "WskConnectEx returned 0x%08X, IoCancelIrp %d", (unsigned)returned, cancelled);
    } else if (status != STATUS_CANCELLED || connect.Calls != 1 || again) {
        wsktest_fail("conformance_cancel_pending_connect", "status 0x%08X, %ld routine calls, a second cancel %d", (unsigned)status,
            (long)connect.Calls, again);
    } else if (after != STATUS_FILE_FORCED_CLOSED) {
        wsktest_fail("conformance_cancel_pending_connect", "a connect after the cancel: 0x%08X", (unsigned)after);
    } else {
        wsktest_ok("conformance_cancel_pending_connect");
    }
    SyncIrpFree(&connect);
    IoFreeMdl(mdl);
    WsktestClose(&t, socket);
    for (int i = 0; i < 3; i++) {
        if (fillers[i] >= 0) {
            close(fillers[i]);
        }
    }
    close(listener);
}

/* ---- an abortive disconnect cancels its own pending receive and resets the peer ---- */
static void AbortiveDisconnect(PWSK_SOCKET a, PWSK_SOCKET b)
{
    static UCHAR buffer[100], peer[100];
    SYNC_IRP own, disconnect;
    SyncIrpInit(&own);
    SyncIrpInit(&disconnect);
    PMDL mdl = WsktestMdl(buffer, sizeof(buffer));
    WSK_BUF buf = { mdl, 0, sizeof(buffer) };
    const WSK_PROVIDER_CONNECTION_DISPATCH *da = a->Dispatch;
    NTSTATUS ownReturned = da->WskReceive(a, &buf, 0, SyncIrpArm(&own));
    NTSTATUS aborted = SyncIrpWait(&disconnect, da->WskDisconnect(a, NULL, WSK_FLAG_ABORTIVE, SyncIrpArm(&disconnect)));
    NTSTATUS ownStatus = SyncIrpWait(&own, ownReturned);
    NTSTATUS peerStatus;
    SIZE_T n = ReceiveAll(b, peer, sizeof(peer), &peerStatus);
    if (ownReturned != STATUS_PENDING || aborted != STATUS_SUCCESS || ownStatus != STATUS_CANCELLED || own.Calls != 1) {
        wsktest_fail("conformance_abortive_disconnect", "receive returned 0x%08X then 0x%08X (%ld calls), disconnect 0x%08X",
            (unsigned)ownReturned, (unsigned)ownStatus, (long)own.Calls, (unsigned)aborted);
    } else if (peerStatus != STATUS_CONNECTION_RESET || n != 0) {
        wsktest_fail("conformance_abortive_disconnect", "the peer's receive: 0x%08X with %lu bytes, not a reset", (unsigned)peerStatus,
            (unsigned long)n);
    } else {
        wsktest_ok("conformance_abortive_disconnect");
    }
    IoFreeMdl(mdl);
    SyncIrpFree(&own);
    SyncIrpFree(&disconnect);
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    USHORT port = 0;
    PWSK_SOCKET listener = WsktestListener(&t, &port, NULL, NULL);
    PWSK_SOCKET pairs[3][2];
    for (int i = 0; i < 3; i++) {
        if (listener == NULL || !NT_SUCCESS(WsktestPair(&t, listener, port, &pairs[i][0], &pairs[i][1], NULL, NULL))) {
            wsktest_fail("conformance_pairs", "no connected pair");
            return 1;
        }
    }
    GracefulDisconnect(pairs[0][0], pairs[0][1]);
    MdlChains(pairs[1][0], pairs[1][1]);
    AbortiveDisconnect(pairs[2][0], pairs[2][1]);
    CancelPendingConnect();
    for (int i = 0; i < 3; i++) {
        WsktestClose(&t, pairs[i][0]);
        WsktestClose(&t, pairs[i][1]);
    }
    WsktestClose(&t, listener);
    WsktestStop(&t);
    /* The verifier's report of this program: every IRP, MDL, block and socket given back. */
    static char report[2048];
    ULONG problems = WskSharpVerifierReport(report, sizeof(report));
    if (problems != 0) {
        wsktest_fail("conformance_verifier_clean", "%s", report);
    } else {
        wsktest_ok("conformance_verifier_clean");
    }
    return wsktest_failed == 0 ? 0 : 1;
}
