/* Conditional accept and static event callbacks through the C face. A listener whose WSK_CLIENT_LISTEN_DISPATCH has
 * WskInspectEvent and WskAbortEvent takes SO_CONDITIONAL_ACCEPT; the inspect callback (at DISPATCH_LEVEL, with the
 * addresses and a WSK_INSPECT_ID) accepts, rejects or pends each connection, WskInspectComplete decides a pended one
 * (once), and a pended connection the peer resets is reported by WskAbortEvent. WSK_SET_STATIC_EVENT_CALLBACKS through
 * WskControlClient turns the accept event on for every listener made after it, with no SO_WSK_EVENT_CALLBACK. */
#include "wsktest.h"

#include <string.h>

static WSKTEST t;

typedef struct _INSPECTOR {
    KEVENT Inspected;
    KEVENT Aborted;
    WSK_INSPECT_ACTION Answer;
    WSK_INSPECT_ID Id;
    WSK_INSPECT_ID AbortedId;
    USHORT RemotePort;
    USHORT LocalPort;
    KIRQL Irql;
    PVOID Context;
} INSPECTOR;

static WSK_INSPECT_ACTION InspectEvent(PVOID SocketContext, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress, PWSK_INSPECT_ID InspectID)
{
    INSPECTOR *i = SocketContext;
    WSK_INSPECT_ACTION answer = i->Answer; /* read before signalling: the test changes it once woken */
    i->Context = SocketContext;
    i->Irql = KeGetCurrentIrql();
    i->LocalPort = RtlUshortByteSwap(((PSOCKADDR_IN)LocalAddress)->sin_port);
    i->RemotePort = RtlUshortByteSwap(((PSOCKADDR_IN)RemoteAddress)->sin_port);
    i->Id = *InspectID; /* the client keeps a copy to decide later */
    KeSetEvent(&i->Inspected, IO_NO_INCREMENT, FALSE);
    return answer;
}

static NTSTATUS AbortEvent(PVOID SocketContext, PWSK_INSPECT_ID InspectID)
{
    INSPECTOR *i = SocketContext;
    i->AbortedId = *InspectID;
    KeSetEvent(&i->Aborted, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_LISTEN_DISPATCH ConditionalDispatch = { NULL, InspectEvent, AbortEvent };

static BOOLEAN Wait(PKEVENT event)
{
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard, not a measurement */
    return KeWaitForSingleObject(event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

static NTSTATUS SetConditional(PWSK_SOCKET listener, ULONG value)
{
    const WSK_PROVIDER_LISTEN_DISPATCH *l = listener->Dispatch;
    return SyncIrpWait(&t.Sync, l->WskControlSocket(listener, WskSetOption, SO_CONDITIONAL_ACCEPT, SOL_SOCKET, sizeof(value), &value, 0,
        NULL, NULL, SyncIrpArm(&t.Sync)));
}

static NTSTATUS Decide(PWSK_SOCKET listener, WSK_INSPECT_ID *id, WSK_INSPECT_ACTION action)
{
    const WSK_PROVIDER_LISTEN_DISPATCH *l = listener->Dispatch;
    return SyncIrpWait(&t.Sync, l->WskInspectComplete(listener, id, action, SyncIrpArm(&t.Sync)));
}

/* A bound connection socket (its port in *Port, host order) and a connect to Port started on Connect's IRP. */
static PWSK_SOCKET StartConnect(USHORT listenPort, SYNC_IRP *connect, USHORT *port, NTSTATUS *returned)
{
    PWSK_SOCKET socket = WsktestBoundSocket(&t);
    if (socket == NULL) {
        return NULL;
    }
    const WSK_PROVIDER_CONNECTION_DISPATCH *c = socket->Dispatch;
    SOCKADDR_IN local;
    SyncIrpWait(&t.Sync, c->WskGetLocalAddress(socket, (PSOCKADDR)&local, SyncIrpArm(&t.Sync)));
    *port = RtlUshortByteSwap(local.sin_port);
    SOCKADDR_IN remote = WsktestLoopback(listenPort);
    *returned = c->WskConnect(socket, (PSOCKADDR)&remote, 0, SyncIrpArm(connect));
    return socket;
}

/* A rejected connection: the connect fails (refused or reset), or succeeds and the first receive is reset. */
static BOOLEAN WasReset(PWSK_SOCKET socket, NTSTATUS connected)
{
    if (connected == STATUS_CONNECTION_REFUSED || connected == STATUS_CONNECTION_RESET) {
        return TRUE;
    }
    if (connected != STATUS_SUCCESS) {
        return FALSE;
    }
    static UCHAR byte[1];
    PMDL mdl = WsktestMdl(byte, 1);
    WSK_BUF buffer = { mdl, 0, 1 };
    const WSK_PROVIDER_CONNECTION_DISPATCH *c = socket->Dispatch;
    NTSTATUS status = SyncIrpWait(&t.Sync, c->WskReceive(socket, &buffer, 0, SyncIrpArm(&t.Sync)));
    IoFreeMdl(mdl);
    return status == STATUS_CONNECTION_RESET;
}

static void Conditional(void)
{
    /* Without inspect callbacks the option is refused: the WSK layer would have no one to ask. */
    USHORT plainPort;
    PWSK_SOCKET plain = WsktestListener(&t, &plainPort, NULL, NULL);
    NTSTATUS refused = plain == NULL ? STATUS_UNSUCCESSFUL : SetConditional(plain, 1);
    if (refused != STATUS_INVALID_PARAMETER) {
        wsktest_fail("conditional_accept_needs_inspect_callbacks", "0x%08X", (unsigned)refused);
    } else {
        wsktest_ok("conditional_accept_needs_inspect_callbacks");
    }
    if (plain != NULL) {
        WsktestClose(&t, plain);
    }

    static INSPECTOR inspector;
    KeInitializeEvent(&inspector.Inspected, SynchronizationEvent, FALSE);
    KeInitializeEvent(&inspector.Aborted, SynchronizationEvent, FALSE);
    NTSTATUS status;
    PWSK_SOCKET listener = WsktestSocket(&t, AF_INET, WSK_FLAG_LISTEN_SOCKET, &inspector, &ConditionalDispatch, &status);
    NTSTATUS set = listener == NULL ? status : SetConditional(listener, 1);
    SOCKADDR_IN any = WsktestLoopback(0), bound;
    const WSK_PROVIDER_LISTEN_DISPATCH *l = listener == NULL ? NULL : listener->Dispatch;
    if (set != STATUS_SUCCESS
        || !NT_SUCCESS(SyncIrpWait(&t.Sync, l->WskBind(listener, (PSOCKADDR)&any, 0, SyncIrpArm(&t.Sync))))
        || !NT_SUCCESS(SyncIrpWait(&t.Sync, l->WskGetLocalAddress(listener, (PSOCKADDR)&bound, SyncIrpArm(&t.Sync))))) {
        wsktest_fail("conditional_accept_set", "SO_CONDITIONAL_ACCEPT 0x%08X", (unsigned)set);
        if (listener != NULL) {
            WsktestClose(&t, listener);
        }
        return;
    }
    wsktest_ok("conditional_accept_set");
    USHORT listenPort = RtlUshortByteSwap(bound.sin_port);
    SYNC_IRP accept, connect;
    SyncIrpInit(&accept);
    SyncIrpInit(&connect);

    /* Accepted at once: WskAccept gets the connection; the callback saw both addresses at DISPATCH_LEVEL. */
    inspector.Answer = WskInspectAccept;
    NTSTATUS acceptReturned = l->WskAccept(listener, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&accept));
    USHORT port;
    NTSTATUS connectReturned;
    PWSK_SOCKET first = StartConnect(listenPort, &connect, &port, &connectReturned);
    BOOLEAN inspected = Wait(&inspector.Inspected);
    NTSTATUS connected = SyncIrpWait(&connect, connectReturned);
    NTSTATUS accepted = SyncIrpWait(&accept, acceptReturned);
    PWSK_SOCKET firstAccepted = NT_SUCCESS(accepted) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    if (!inspected || connected != STATUS_SUCCESS || firstAccepted == NULL) {
        wsktest_fail("conditional_accept_inspect_accepts", "inspected %d, connect 0x%08X, accept 0x%08X", inspected, (unsigned)connected,
            (unsigned)accepted);
    } else if (inspector.RemotePort != port || inspector.LocalPort != listenPort || inspector.Context != &inspector
        || inspector.Irql != DISPATCH_LEVEL) {
        wsktest_fail("conditional_accept_inspect_accepts", "remote %u (expected %u), local %u (expected %u), IRQL %u", inspector.RemotePort,
            port, inspector.LocalPort, listenPort, inspector.Irql);
    } else {
        wsktest_ok("conditional_accept_inspect_accepts");
    }

    /* Rejected: reset, and no accept gets it. */
    inspector.Answer = WskInspectReject;
    PWSK_SOCKET second = StartConnect(listenPort, &connect, &port, &connectReturned);
    inspected = Wait(&inspector.Inspected);
    connected = SyncIrpWait(&connect, connectReturned);
    if (!inspected || inspector.RemotePort != port || !WasReset(second, connected)) {
        wsktest_fail("conditional_accept_inspect_rejects", "inspected %d, connect 0x%08X", inspected, (unsigned)connected);
    } else {
        wsktest_ok("conditional_accept_inspect_rejects");
    }

    /* Pended: nothing for WskAccept until WskInspectComplete accepts; the id decides once. The callback signals before it
     * returns its answer, so the pend is certain only once the next connection's inspection has begun (the listener's
     * events run one after the other): that next one, pended too, is the fourth below. */
    inspector.Answer = WskInspectPend;
    acceptReturned = l->WskAccept(listener, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&accept));
    PWSK_SOCKET third = StartConnect(listenPort, &connect, &port, &connectReturned);
    inspected = Wait(&inspector.Inspected);
    WSK_INSPECT_ID id = inspector.Id;
    NTSTATUS thirdConnected = SyncIrpWait(&connect, connectReturned);
    USHORT fourthPort;
    PWSK_SOCKET fourth = StartConnect(listenPort, &connect, &fourthPort, &connectReturned);
    BOOLEAN fourthInspected = Wait(&inspector.Inspected);
    WSK_INSPECT_ID fourthId = inspector.Id;
    NTSTATUS fourthConnected = SyncIrpWait(&connect, connectReturned);
    inspected = inspected && fourthInspected && inspector.RemotePort == fourthPort;
    BOOLEAN waiting = acceptReturned == STATUS_PENDING && accept.Calls == 0;
    NTSTATUS decided = Decide(listener, &id, WskInspectAccept);
    NTSTATUS again = Decide(listener, &id, WskInspectAccept);
    accepted = SyncIrpWait(&accept, acceptReturned);
    connected = thirdConnected;
    PWSK_SOCKET thirdAccepted = NT_SUCCESS(accepted) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    if (!inspected || !waiting || decided != STATUS_SUCCESS || again != STATUS_INVALID_PARAMETER || thirdAccepted == NULL
        || connected != STATUS_SUCCESS) {
        wsktest_fail("conditional_accept_pend_then_complete", "inspected %d, accept waited %d, decide 0x%08X, again 0x%08X, accept 0x%08X",
            inspected, waiting, (unsigned)decided, (unsigned)again, (unsigned)accepted);
    } else {
        wsktest_ok("conditional_accept_pend_then_complete");
    }

    /* Pended, then the peer resets: WskAbortEvent with that id, which no longer decides anything. */
    id = fourthId;
    connected = fourthConnected;
    const WSK_PROVIDER_CONNECTION_DISPATCH *c = fourth->Dispatch;
    NTSTATUS reset = SyncIrpWait(&t.Sync, c->WskDisconnect(fourth, NULL, WSK_FLAG_ABORTIVE, SyncIrpArm(&t.Sync)));
    BOOLEAN aborted = Wait(&inspector.Aborted);
    decided = Decide(listener, &id, WskInspectAccept);
    if (connected != STATUS_SUCCESS || reset != STATUS_SUCCESS || !aborted
        || inspector.AbortedId.Key != id.Key || inspector.AbortedId.SerialNumber != id.SerialNumber || decided != STATUS_INVALID_PARAMETER) {
        wsktest_fail("conditional_accept_abort_event", "connect 0x%08X, reset 0x%08X, aborted %d, decide 0x%08X", (unsigned)connected, (unsigned)reset, aborted, (unsigned)decided);
    } else {
        wsktest_ok("conditional_accept_abort_event");
    }

    PWSK_SOCKET sockets[] = { first, firstAccepted, second, third, thirdAccepted, fourth };
    for (unsigned i = 0; i < sizeof(sockets) / sizeof(sockets[0]); i++) {
        if (sockets[i] != NULL) {
            WsktestClose(&t, sockets[i]);
        }
    }
    SyncIrpFree(&accept);
    SyncIrpFree(&connect);
    WsktestClose(&t, listener);
}

/* A stream socket's Listen table carries the inspect callbacks too (WSK_CLIENT_STREAM_DISPATCH). */
static void StreamConditional(void)
{
    static INSPECTOR inspector;
    KeInitializeEvent(&inspector.Inspected, SynchronizationEvent, FALSE);
    KeInitializeEvent(&inspector.Aborted, SynchronizationEvent, FALSE);
    inspector.Answer = WskInspectAccept;
    static const WSK_CLIENT_STREAM_DISPATCH streamDispatch = { &ConditionalDispatch, NULL };
    NTSTATUS status;
    PWSK_SOCKET stream = WsktestSocket(&t, AF_INET, WSK_FLAG_STREAM_SOCKET, &inspector, &streamDispatch, &status);
    if (stream == NULL) {
        wsktest_fail("conditional_accept_stream_socket", "WskSocket: 0x%08X", (unsigned)status);
        return;
    }
    const WSK_PROVIDER_STREAM_DISPATCH *d = stream->Dispatch;
    ULONG on = 1;
    SOCKADDR_IN any = WsktestLoopback(0), bound;
    NTSTATUS set = SyncIrpWait(&t.Sync, d->WskControlSocket(stream, WskSetOption, SO_CONDITIONAL_ACCEPT, SOL_SOCKET, sizeof(on), &on, 0,
        NULL, NULL, SyncIrpArm(&t.Sync)));
    NTSTATUS listened = STATUS_UNSUCCESSFUL;
    if (set == STATUS_SUCCESS && NT_SUCCESS(SyncIrpWait(&t.Sync, d->WskBind(stream, (PSOCKADDR)&any, 0, SyncIrpArm(&t.Sync))))
        && NT_SUCCESS(SyncIrpWait(&t.Sync, d->WskGetLocalAddress(stream, (PSOCKADDR)&bound, SyncIrpArm(&t.Sync))))) {
        listened = SyncIrpWait(&t.Sync, d->WskListen(stream, SyncIrpArm(&t.Sync)));
    }
    SYNC_IRP accept, connect;
    SyncIrpInit(&accept);
    SyncIrpInit(&connect);
    PWSK_SOCKET client = NULL, accepted = NULL;
    BOOLEAN inspected = FALSE;
    NTSTATUS connected = STATUS_UNSUCCESSFUL, acceptStatus = STATUS_UNSUCCESSFUL;
    USHORT port = 0;
    if (listened == STATUS_SUCCESS) {
        NTSTATUS acceptReturned = d->WskAccept(stream, 0, NULL, NULL, NULL, NULL, SyncIrpArm(&accept));
        NTSTATUS connectReturned;
        client = StartConnect(RtlUshortByteSwap(bound.sin_port), &connect, &port, &connectReturned);
        inspected = Wait(&inspector.Inspected);
        connected = SyncIrpWait(&connect, connectReturned);
        acceptStatus = SyncIrpWait(&accept, acceptReturned);
        accepted = NT_SUCCESS(acceptStatus) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    }
    if (set != STATUS_SUCCESS || listened != STATUS_SUCCESS || !inspected || inspector.RemotePort != port || connected != STATUS_SUCCESS
        || accepted == NULL) {
        wsktest_fail("conditional_accept_stream_socket", "set 0x%08X, listen 0x%08X, inspected %d, connect 0x%08X, accept 0x%08X",
            (unsigned)set, (unsigned)listened, inspected, (unsigned)connected, (unsigned)acceptStatus);
    } else {
        wsktest_ok("conditional_accept_stream_socket");
    }
    if (accepted != NULL) {
        WsktestClose(&t, accepted);
    }
    if (client != NULL) {
        WsktestClose(&t, client);
    }
    SyncIrpFree(&accept);
    SyncIrpFree(&connect);
    WsktestClose(&t, stream);
}

/* ---- static event callbacks ---- */
typedef struct _ACCEPTOR {
    KEVENT Accepted;
    PWSK_SOCKET Socket;
} ACCEPTOR;

static NTSTATUS AcceptEvent(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress, PWSK_SOCKET AcceptSocket,
    PVOID *AcceptSocketContext, const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    UNREFERENCED_PARAMETER(Flags);
    UNREFERENCED_PARAMETER(LocalAddress);
    UNREFERENCED_PARAMETER(RemoteAddress);
    ACCEPTOR *a = SocketContext;
    if (AcceptSocket == NULL) {
        return STATUS_REQUEST_NOT_ACCEPTED; /* the listener is no longer functional */
    }
    a->Socket = AcceptSocket;
    *AcceptSocketContext = NULL;
    *AcceptSocketDispatch = NULL;
    KeSetEvent(&a->Accepted, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_LISTEN_DISPATCH AcceptDispatch = { AcceptEvent, NULL, NULL };

static void StaticEvents(void)
{
    static WSKTEST s;
    NTSTATUS status = WsktestStart(&s);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("static_event_callbacks_accept", "register: 0x%08X", (unsigned)status);
        return;
    }
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT };
    /* With an IRP: refused (documented: none), the routine run once. */
    NTSTATUS returned = s.Npi.Dispatch->WskControlClient(s.Npi.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(control), &control, 0, NULL,
        NULL, SyncIrpArm(&s.Sync));
    NTSTATUS withIrp = SyncIrpWait(&s.Sync, returned);
    if (returned != STATUS_INVALID_PARAMETER || withIrp != STATUS_INVALID_PARAMETER || s.Sync.Calls != 1) {
        wsktest_fail("static_event_callbacks_irp_refused", "returned 0x%08X, IRP 0x%08X", (unsigned)returned, (unsigned)withIrp);
    } else {
        wsktest_ok("static_event_callbacks_irp_refused");
    }
    NTSTATUS set = s.Npi.Dispatch->WskControlClient(s.Npi.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(control), &control, 0, NULL, NULL,
        NULL);

    /* A listener made after it: its accept event is on without SO_WSK_EVENT_CALLBACK. */
    static ACCEPTOR acceptor;
    KeInitializeEvent(&acceptor.Accepted, SynchronizationEvent, FALSE);
    USHORT port;
    PWSK_SOCKET listener = WsktestListener(&s, &port, &AcceptDispatch, &acceptor);
    PWSK_SOCKET client = WsktestBoundSocket(&s);
    NTSTATUS connected = STATUS_UNSUCCESSFUL;
    BOOLEAN accepted = FALSE;
    if (listener != NULL && client != NULL) {
        SOCKADDR_IN remote = WsktestLoopback(port);
        const WSK_PROVIDER_CONNECTION_DISPATCH *c = client->Dispatch;
        connected = SyncIrpWait(&s.Sync, c->WskConnect(client, (PSOCKADDR)&remote, 0, SyncIrpArm(&s.Sync)));
        accepted = Wait(&acceptor.Accepted);
    }
    if (set != STATUS_SUCCESS || connected != STATUS_SUCCESS || !accepted || acceptor.Socket == NULL) {
        wsktest_fail("static_event_callbacks_accept", "set 0x%08X, connect 0x%08X, accept event %d", (unsigned)set, (unsigned)connected,
            accepted);
    } else {
        wsktest_ok("static_event_callbacks_accept");
    }

    /* Once the client has a socket it is too late. */
    NTSTATUS late = s.Npi.Dispatch->WskControlClient(s.Npi.Client, WSK_SET_STATIC_EVENT_CALLBACKS, sizeof(control), &control, 0, NULL,
        NULL, NULL);
    if (late != STATUS_INVALID_DEVICE_STATE) {
        wsktest_fail("static_event_callbacks_after_a_socket_refused", "0x%08X", (unsigned)late);
    } else {
        wsktest_ok("static_event_callbacks_after_a_socket_refused");
    }
    if (acceptor.Socket != NULL) {
        WsktestClose(&s, acceptor.Socket);
    }
    if (client != NULL) {
        WsktestClose(&s, client);
    }
    if (listener != NULL) {
        WsktestClose(&s, listener);
    }
    WsktestStop(&s);
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    Conditional();
    StreamConditional();
    WsktestStop(&t);
    StaticEvents();
    static char report[2048];
    ULONG problems = WskSharpVerifierReport(report, sizeof(report));
    if (problems != 0) {
        wsktest_fail("conditional_verifier_clean", "%s", report);
    } else {
        wsktest_ok("conditional_verifier_clean");
    }
    return wsktest_failed == 0 ? 0 : 1;
}
