/* Stream sockets (WSK_FLAG_STREAM_SOCKET) from C, every call through WSK_PROVIDER_STREAM_DISPATCH by member name, and the
 * client's WSK_CLIENT_STREAM_DISPATCH ({ Listen, Connect }): a stream socket that binds, listens and accepts (by IRP, then
 * by WskAcceptEvent from its Listen table), one that connects, sends and reads its addresses. A table out of the WDK's
 * member order on either side would call the wrong function here (wsk.h's C_ASSERTs pin the offsets). The sockets it
 * accepts are connection sockets, with the connection table. */
#include "wsktest.h"

static WSKTEST t;
static KEVENT accepted;
static PWSK_SOCKET acceptedByEvent;

static NTSTATUS OnAccept(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
    PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext, const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    UNREFERENCED_PARAMETER(RemoteAddress);
    if (SocketContext != &accepted || AcceptSocket == NULL) {
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    acceptedByEvent = AcceptSocket;
    *AcceptSocketContext = NULL;
    *AcceptSocketDispatch = NULL;
    KeSetEvent(&accepted, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_LISTEN_DISPATCH listenEvents = { OnAccept, NULL, NULL };
static const WSK_CLIENT_STREAM_DISPATCH streamEvents = { &listenEvents, NULL };

static PWSK_SOCKET StreamSocket(PVOID context, const WSK_CLIENT_STREAM_DISPATCH *events)
{
    return WsktestSocket(&t, AF_INET, WSK_FLAG_STREAM_SOCKET, context, events, NULL);
}

/* A stream socket connected to Port (bound to 127.0.0.1:0 first), or NULL. */
static PWSK_SOCKET Connected(USHORT port)
{
    PWSK_SOCKET socket = StreamSocket(NULL, NULL);
    if (socket == NULL) {
        return NULL;
    }
    const WSK_PROVIDER_STREAM_DISPATCH *d = socket->Dispatch;
    SOCKADDR_IN local = WsktestLoopback(0), remote = WsktestLoopback(port);
    if (SyncIrpWait(&t.Sync, d->WskBind(socket, (PSOCKADDR)&local, 0, SyncIrpArm(&t.Sync))) != STATUS_SUCCESS
        || SyncIrpWait(&t.Sync, d->WskConnect(socket, (PSOCKADDR)&remote, 0, SyncIrpArm(&t.Sync))) != STATUS_SUCCESS) {
        WsktestClose(&t, socket);
        return NULL;
    }
    return socket;
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    KeInitializeEvent(&accepted, SynchronizationEvent, FALSE);

    /* The listening side: bind, listen, read its port, all through the stream table. */
    PWSK_SOCKET listener = StreamSocket(&accepted, &streamEvents);
    const WSK_PROVIDER_STREAM_DISPATCH *ld = listener != NULL ? listener->Dispatch : NULL;
    SOCKADDR_IN any = WsktestLoopback(0), bound;
    memset(&bound, 0, sizeof(bound));
    NTSTATUS bind = ld == NULL ? STATUS_UNSUCCESSFUL : SyncIrpWait(&t.Sync, ld->WskBind(listener, (PSOCKADDR)&any, 0, SyncIrpArm(&t.Sync)));
    NTSTATUS listen = ld == NULL ? STATUS_UNSUCCESSFUL : SyncIrpWait(&t.Sync, ld->WskListen(listener, SyncIrpArm(&t.Sync)));
    NTSTATUS local = ld == NULL ? STATUS_UNSUCCESSFUL
        : SyncIrpWait(&t.Sync, ld->WskGetLocalAddress(listener, (PSOCKADDR)&bound, SyncIrpArm(&t.Sync)));
    USHORT port = RtlUshortByteSwap(bound.sin_port);
    if (bind != STATUS_SUCCESS || listen != STATUS_SUCCESS || local != STATUS_SUCCESS || port == 0) {
        wsktest_fail("stream_socket_bind_listen", "bind 0x%08X, listen 0x%08X, local address 0x%08X, port %u", (unsigned)bind,
            (unsigned)listen, (unsigned)local, port);
        return 1;
    }
    wsktest_ok("stream_socket_bind_listen");

    /* Accept by IRP (WskAccept), connect, send one way, read the peer's address. */
    SYNC_IRP accept;
    SyncIrpInit(&accept);
    SOCKADDR_IN acceptLocal, acceptRemote;
    NTSTATUS acceptReturned = ld->WskAccept(listener, 0, NULL, NULL, (PSOCKADDR)&acceptLocal, (PSOCKADDR)&acceptRemote,
        SyncIrpArm(&accept));
    PWSK_SOCKET client = Connected(port);
    NTSTATUS acceptStatus = SyncIrpWait(&accept, acceptReturned);
    PWSK_SOCKET server = NT_SUCCESS(acceptStatus) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    static UCHAR hello[] = "stream", got[16];
    if (client == NULL || server == NULL) {
        wsktest_fail("stream_socket_accept_connect_send", "client %p, accept 0x%08X", (void *)client, (unsigned)acceptStatus);
    } else {
        /* An accepted socket is a connection socket (WSK_PROVIDER_CONNECTION_DISPATCH), whatever its listener's category. */
        const WSK_PROVIDER_STREAM_DISPATCH *cd = client->Dispatch;
        const WSK_PROVIDER_CONNECTION_DISPATCH *sd = server->Dispatch;
        PMDL out = WsktestMdl(hello, 6), in = WsktestMdl(got, sizeof(got));
        WSK_BUF outBuf = { out, 0, 6 }, inBuf = { in, 0, 6 };
        NTSTATUS received = sd->WskReceive(server, &inBuf, WSK_FLAG_WAITALL, SyncIrpArm(&accept));
        NTSTATUS sent = SyncIrpWait(&t.Sync, cd->WskSend(client, &outBuf, 0, SyncIrpArm(&t.Sync)));
        received = SyncIrpWait(&accept, received);
        SOCKADDR_IN clientLocal, serverRemote;
        memset(&clientLocal, 0, sizeof(clientLocal));
        memset(&serverRemote, 0, sizeof(serverRemote));
        NTSTATUS a = SyncIrpWait(&t.Sync, cd->WskGetLocalAddress(client, (PSOCKADDR)&clientLocal, SyncIrpArm(&t.Sync)));
        NTSTATUS b = SyncIrpWait(&t.Sync, sd->WskGetRemoteAddress(server, (PSOCKADDR)&serverRemote, SyncIrpArm(&t.Sync)));
        if (sent != STATUS_SUCCESS || received != STATUS_SUCCESS || memcmp(got, hello, 6) != 0) {
            wsktest_fail("stream_socket_accept_connect_send", "send 0x%08X, receive 0x%08X", (unsigned)sent, (unsigned)received);
        } else if (a != STATUS_SUCCESS || b != STATUS_SUCCESS || clientLocal.sin_port == 0 || clientLocal.sin_port != serverRemote.sin_port
                   || acceptRemote.sin_port != clientLocal.sin_port) {
            wsktest_fail("stream_socket_accept_connect_send", "addresses: 0x%08X 0x%08X, ports %u %u %u", (unsigned)a, (unsigned)b,
                RtlUshortByteSwap(clientLocal.sin_port), RtlUshortByteSwap(serverRemote.sin_port), RtlUshortByteSwap(acceptRemote.sin_port));
        } else {
            wsktest_ok("stream_socket_accept_connect_send");
        }
        IoFreeMdl(out);
        IoFreeMdl(in);
    }
    if (server != NULL) {
        WsktestClose(&t, server);
    }
    if (client != NULL) {
        WsktestClose(&t, client);
    }

    /* Accept by event: the client's stream table's Listen member gets WskAcceptEvent once WSK_EVENT_ACCEPT is on. */
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT };
    status = ld->WskControlSocket(listener, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control, 0, NULL,
        NULL, NULL);
    client = NT_SUCCESS(status) ? Connected(port) : NULL;
    LARGE_INTEGER guard;
    guard.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard */
    if (!NT_SUCCESS(status) || client == NULL) {
        wsktest_fail("stream_socket_accept_event", "enable 0x%08X, client %p", (unsigned)status, (void *)client);
    } else if (KeWaitForSingleObject(&accepted, Executive, KernelMode, FALSE, &guard) != STATUS_SUCCESS || acceptedByEvent == NULL) {
        wsktest_fail("stream_socket_accept_event", "no WskAcceptEvent through WSK_CLIENT_STREAM_DISPATCH.Listen");
    } else {
        wsktest_ok("stream_socket_accept_event");
    }
    if (acceptedByEvent != NULL) {
        WsktestClose(&t, acceptedByEvent);
    }
    if (client != NULL) {
        WsktestClose(&t, client);
    }
    SyncIrpFree(&accept);
    WsktestClose(&t, listener);

    /* A basic socket gets WSK_PROVIDER_BASIC_DISPATCH (WskControlSocket and WskCloseSocket), not a connection table whose
     * WskBind would let it bind. */
    NTSTATUS basicStatus, connectionStatus;
    PWSK_SOCKET basic = WsktestSocket(&t, AF_INET, WSK_FLAG_BASIC_SOCKET, NULL, NULL, &basicStatus);
    PWSK_SOCKET connection = WsktestSocket(&t, AF_INET, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, &connectionStatus);
    if (basic == NULL || connection == NULL) {
        wsktest_fail("basic_socket_basic_table", "WskSocket: basic 0x%08X, connection 0x%08X", (unsigned)basicStatus, (unsigned)connectionStatus);
    } else {
        const WSK_PROVIDER_BASIC_DISPATCH *b = basic->Dispatch;
        const WSK_PROVIDER_CONNECTION_DISPATCH *c = connection->Dispatch;
        if (basic->Dispatch == connection->Dispatch || b->WskControlSocket != c->WskControlSocket || b->WskCloseSocket != c->WskCloseSocket) {
            wsktest_fail("basic_socket_basic_table", "the basic socket's table is the connection table, or its members differ");
        } else {
            wsktest_ok("basic_socket_basic_table");
        }
    }
    if (basic != NULL) {
        WsktestClose(&t, basic);
    }
    if (connection != NULL) {
        WsktestClose(&t, connection);
    }
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
