/* WskConnectEx from C: every row of its status table (WskConnectEx.md), each checked three ways, as drivers rely on
 * them: the value returned, IoStatus in the IRP, and the completion routine (run once; PendingReturned FALSE when the
 * call did not return STATUS_PENDING). */
#include "wsktest.h"

static WSKTEST t;
static USHORT listenPort;
static PWSK_SOCKET listener;

/* One ConnectEx on Socket; the returned status, and a check of the IRP against the contract. */
static NTSTATUS ConnectEx(const char *name, PWSK_SOCKET socket, PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, BOOLEAN *contract)
{
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
    NTSTATUS returned = dispatch->WskConnectEx(socket, remote, buffer, flags, SyncIrpArm(&t.Sync));
    NTSTATUS final = SyncIrpWait(&t.Sync, returned);
    *contract = FALSE;
    if (t.Sync.Calls != 1) {
        wsktest_fail(name, "the completion routine ran %d times", (int)t.Sync.Calls);
    } else if (returned != STATUS_PENDING && final != returned) {
        wsktest_fail(name, "returned 0x%08X but IoStatus.Status is 0x%08X", (unsigned)returned, (unsigned)final);
    } else if (t.Sync.PendingReturned != (returned == STATUS_PENDING)) {
        wsktest_fail(name, "PendingReturned %d for a call that returned 0x%08X", t.Sync.PendingReturned, (unsigned)returned);
    } else {
        *contract = TRUE;
    }
    return final;
}

static void ExpectRefusal(const char *name, PWSK_SOCKET socket, PSOCKADDR remote, PWSK_BUF buffer, ULONG flags, NTSTATUS expected)
{
    BOOLEAN contract;
    NTSTATUS status = ConnectEx(name, socket, remote, buffer, flags, &contract);
    if (!contract) {
        return;
    }
    if (status != expected) {
        wsktest_fail(name, "status 0x%08X, expected 0x%08X", (unsigned)status, (unsigned)expected);
    } else if (t.Sync.PendingReturned) {
        wsktest_fail(name, "a refusal before any I/O was reported pending");
    } else {
        wsktest_ok(name);
    }
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    listener = WsktestListener(&t, &listenPort, NULL, NULL);
    if (listener == NULL) {
        wsktest_fail("listener", "no listening socket");
        return 1;
    }
    SOCKADDR_IN server = WsktestLoopback(listenPort);

    static UCHAR big[65536];
    PMDL bigMdl = IoAllocateMdl(big, sizeof(big), FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(bigMdl);

    PWSK_SOCKET socket = WsktestBoundSocket(&t);
    ExpectRefusal("connectex_flags_nonzero", socket, (PSOCKADDR)&server, NULL, 1, STATUS_INVALID_PARAMETER);

    WSK_BUF overflow = { bigMdl, 0, 65536 };
    ExpectRefusal("connectex_buffer_over_65535", socket, (PSOCKADDR)&server, &overflow, 0, STATUS_BUFFER_OVERFLOW);

    SOCKADDR_IN6 six;
    memset(&six, 0, sizeof(six));
    six.sin6_family = AF_INET6;
    six.sin6_port = RtlUshortByteSwap(listenPort);
    six.sin6_addr.s6_addr[15] = 1;
    ExpectRefusal("connectex_other_family", socket, (PSOCKADDR)&six, NULL, 0, STATUS_INVALID_PARAMETER);

    SOCKADDR_IN wildcard = WsktestLoopback(listenPort);
    wildcard.sin_addr.s_addr = 0;
    ExpectRefusal("connectex_wildcard_address", socket, (PSOCKADDR)&wildcard, NULL, 0, STATUS_INVALID_ADDRESS_COMPONENT);
    SOCKADDR_IN portZero = WsktestLoopback(0);
    ExpectRefusal("connectex_port_zero", socket, (PSOCKADDR)&portZero, NULL, 0, STATUS_INVALID_ADDRESS_COMPONENT);

    /* Unbound: a socket that was never bound. */
    PWSK_SOCKET unbound = WsktestSocket(&t, AF_INET, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL);
    ExpectRefusal("connectex_unbound", unbound, (PSOCKADDR)&server, NULL, 0, STATUS_INVALID_DEVICE_STATE);
    WsktestClose(&t, unbound);

    /* Success with a buffer: Information is the bytes sent, and the listener's side receives exactly them. */
    static UCHAR request[] = "GET /hello HTTP/1.0\r\n\r\n";
    PMDL requestMdl = IoAllocateMdl(request, sizeof(request) - 1, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(requestMdl);
    WSK_BUF requestBuf = { requestMdl, 0, sizeof(request) - 1 };
    WSK_BUF beyondChain = { requestMdl, 0, sizeof(request) + 10 };
    ExpectRefusal("connectex_buffer_beyond_chain", socket, (PSOCKADDR)&server, &beyondChain, 0, STATUS_INVALID_PARAMETER);
    SYNC_IRP accept;
    SyncIrpInit(&accept);
    const WSK_PROVIDER_LISTEN_DISPATCH *listenDispatch = listener->Dispatch;
    SOCKADDR_IN acceptedLocal, acceptedRemote;
    NTSTATUS acceptReturned = listenDispatch->WskAccept(listener, 0, NULL, NULL, (PSOCKADDR)&acceptedLocal,
        (PSOCKADDR)&acceptedRemote, SyncIrpArm(&accept));
    BOOLEAN contract;
    status = ConnectEx("connectex_success_information", socket, (PSOCKADDR)&server, &requestBuf, 0, &contract);
    NTSTATUS acceptStatus = SyncIrpWait(&accept, acceptReturned);
    if (contract) {
        if (status != STATUS_SUCCESS) {
            wsktest_fail("connectex_success_information", "status 0x%08X", (unsigned)status);
        } else if (t.Sync.Information != sizeof(request) - 1) {
            wsktest_fail("connectex_success_information", "Information %lu, expected %lu", (unsigned long)t.Sync.Information,
                (unsigned long)(sizeof(request) - 1));
        } else {
            wsktest_ok("connectex_success_information");
        }
    }

    /* The accepted side: its addresses, and the bytes that rode with the connect. */
    PWSK_SOCKET accepted = NT_SUCCESS(acceptStatus) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    if (accepted == NULL) {
        wsktest_fail("accept_after_connectex", "accept 0x%08X", (unsigned)acceptStatus);
    } else if (acceptedLocal.sin_family != AF_INET || RtlUshortByteSwap(acceptedLocal.sin_port) != listenPort
               || acceptedRemote.sin_addr.s_addr != RtlUlongByteSwap(INADDR_LOOPBACK)) {
        wsktest_fail("accept_after_connectex", "addresses not written (family %u, port %u)", acceptedLocal.sin_family,
            RtlUshortByteSwap(acceptedLocal.sin_port));
    } else {
        UCHAR received[64];
        PMDL receivedMdl = IoAllocateMdl(received, sizeof(received), FALSE, FALSE, NULL);
        MmBuildMdlForNonPagedPool(receivedMdl);
        WSK_BUF receiveBuf = { receivedMdl, 0, sizeof(request) - 1 };
        const WSK_PROVIDER_CONNECTION_DISPATCH *acceptedDispatch = accepted->Dispatch;
        NTSTATUS r = SyncIrpWait(&accept, acceptedDispatch->WskReceive(accepted, &receiveBuf, WSK_FLAG_WAITALL, SyncIrpArm(&accept)));
        if (r != STATUS_SUCCESS || accept.Irp->IoStatus.Information != sizeof(request) - 1
            || memcmp(received, request, sizeof(request) - 1) != 0) {
            wsktest_fail("accept_after_connectex", "receive 0x%08X, %lu bytes", (unsigned)r, (unsigned long)accept.Irp->IoStatus.Information);
        } else {
            wsktest_ok("accept_after_connectex");
        }
        IoFreeMdl(receivedMdl);
    }

    ExpectRefusal("connectex_connected", socket, (PSOCKADDR)&server, NULL, 0, STATUS_CONNECTION_ACTIVE);

    /* No longer functional: after an abortive disconnect the socket must be closed; every call says so. */
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
    status = SyncIrpWait(&t.Sync, dispatch->WskDisconnect(socket, NULL, WSK_FLAG_ABORTIVE, SyncIrpArm(&t.Sync)));
    if (!NT_SUCCESS(status)) {
        wsktest_fail("connectex_forced_closed", "abortive disconnect 0x%08X", (unsigned)status);
    } else {
        ExpectRefusal("connectex_forced_closed", socket, (PSOCKADDR)&server, NULL, 0, STATUS_FILE_FORCED_CLOSED);
    }

    status = WsktestClose(&t, socket);
    ExpectRefusal("connectex_closed", socket, (PSOCKADDR)&server, NULL, 0, STATUS_INVALID_HANDLE);

    /* Refused: a port nobody listens on any more (a listener made, its port noted, then closed). */
    USHORT deadPort = 0;
    PWSK_SOCKET dead = WsktestListener(&t, &deadPort, NULL, NULL);
    WsktestClose(&t, dead);
    SOCKADDR_IN nobody = WsktestLoopback(deadPort);
    PWSK_SOCKET refused = WsktestBoundSocket(&t);
    status = ConnectEx("connectex_refused", refused, (PSOCKADDR)&nobody, &requestBuf, 0, &contract);
    if (contract) {
        if (status != STATUS_CONNECTION_REFUSED) {
            wsktest_fail("connectex_refused", "status 0x%08X", (unsigned)status);
        } else {
            wsktest_ok("connectex_refused");
        }
    }
    WsktestClose(&t, refused);

    if (accepted != NULL) {
        WsktestClose(&t, accepted);
    }
    SyncIrpFree(&accept);
    WsktestClose(&t, listener);
    IoFreeMdl(requestMdl);
    IoFreeMdl(bigMdl);
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
