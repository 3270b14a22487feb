/* Event callbacks from C: WskAcceptEvent on a listening socket (the accepted socket takes the context and connection
 * dispatch the callback returns), WskReceiveEvent with a WSK_DATA_INDICATION over the received bytes (consumed, then
 * kept with STATUS_PENDING and given back with WskRelease), and WskDisconnectEvent when the peer disconnects. All are
 * enabled with WskControlSocket(SO_WSK_EVENT_CALLBACK) naming NPI_WSK_INTERFACE_ID. */
#include "wsktest.h"

static WSKTEST t;

typedef struct _SERVER_CONNECTION {
    PWSK_SOCKET Socket;
    KEVENT Accepted;
    KEVENT Received;
    KEVENT Disconnected;
    UCHAR Data[64];
    SIZE_T Length;
    BOOLEAN KeepNext;                 /* the next indication is kept (STATUS_PENDING) */
    BOOLEAN HandNext;                 /* the next indication goes to the worker, which releases it before the event returns */
    PWSK_DATA_INDICATION Kept;
    BOOLEAN KeptIntact;               /* the kept bytes were still there when the next event came */
    NTSTATUS Released, ReleasedAgain; /* WskRelease of the kept list, and of the same list again */
    ULONG DisconnectFlags;
    volatile LONG ReceiveEvents;
    volatile LONG DisconnectEvents;
} SERVER_CONNECTION;

static SERVER_CONNECTION connection;

/* A worker thread the receive event hands a kept indication to: it calls WskRelease while the callback still runs (the
 * callback waits for it by polling, as a callback at DISPATCH_LEVEL may), and the callback then returns STATUS_PENDING. */
static struct {
    KEVENT Go, Done;
    PWSK_DATA_INDICATION Handed;
    NTSTATUS Released;
    BOOLEAN Waited; /* the callback saw the release done before it returned */
} worker;

static VOID ReleaseWorker(PVOID Context)
{
    SERVER_CONNECTION *c = Context;
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard */
    if (KeWaitForSingleObject(&worker.Go, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS) {
        const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = c->Socket->Dispatch;
        worker.Released = dispatch->WskRelease(c->Socket, worker.Handed);
    }
    KeSetEvent(&worker.Done, IO_NO_INCREMENT, FALSE);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static BOOLEAN PollDone(void)
{
    LARGE_INTEGER zero, start, now;
    zero.QuadPart = 0;
    KeQuerySystemTime(&start);
    do {
        if (KeWaitForSingleObject(&worker.Done, Executive, KernelMode, FALSE, &zero) == STATUS_SUCCESS) {
            return TRUE;
        }
        KeQuerySystemTime(&now);
    } while (now.QuadPart - start.QuadPart < 20LL * 1000 * 1000 * 10); /* a hang guard */
    return FALSE;
}

static NTSTATUS OnReceive(PVOID SocketContext, ULONG Flags, PWSK_DATA_INDICATION DataIndication, SIZE_T BytesIndicated,
    SIZE_T *BytesAccepted)
{
    UNREFERENCED_PARAMETER(Flags);
    SERVER_CONNECTION *c = SocketContext;
    InterlockedIncrement(&c->ReceiveEvents);
    if (DataIndication == NULL) {
        return STATUS_SUCCESS; /* the socket is no longer functional */
    }
    /* Copy what the indication list holds: each entry is a WSK_BUF over an MDL chain. */
    SIZE_T copied = 0;
    for (PWSK_DATA_INDICATION i = DataIndication; i != NULL; i = i->Next) {
        PMDL mdl = i->Buffer.Mdl;
        ULONG offset = i->Buffer.Offset;
        SIZE_T left = i->Buffer.Length;
        while (mdl != NULL && left > 0) {
            PUCHAR bytes = MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority);
            SIZE_T run = MmGetMdlByteCount(mdl) - offset;
            if (run > left) run = left;
            if (copied + run > sizeof(c->Data)) run = sizeof(c->Data) - copied;
            memcpy(c->Data + copied, bytes + offset, run);
            copied += run;
            left -= run;
            offset = 0;
            mdl = mdl->Next;
        }
    }
    c->Length = copied;
    if (c->HandNext) {
        c->HandNext = FALSE;
        worker.Handed = DataIndication; /* the worker's from here on */
        KeSetEvent(&worker.Go, IO_NO_INCREMENT, FALSE);
        worker.Waited = PollDone();
        KeSetEvent(&c->Received, IO_NO_INCREMENT, FALSE);
        return STATUS_PENDING;
    }
    if (c->Kept != NULL) {
        /* The event after the one that kept a list: it is still intact; give it back (a callback may call WskRelease). */
        PUCHAR kept = MmGetSystemAddressForMdlSafe(c->Kept->Buffer.Mdl, NormalPagePriority);
        c->KeptIntact = memcmp(kept + c->Kept->Buffer.Offset, "kept!", 5) == 0;
        const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = c->Socket->Dispatch;
        c->Released = dispatch->WskRelease(c->Socket, c->Kept);
        c->ReleasedAgain = dispatch->WskRelease(c->Socket, c->Kept);
        c->Kept = NULL;
    }
    if (c->KeepNext) {
        c->KeepNext = FALSE;
        c->Kept = DataIndication;
        KeSetEvent(&c->Received, IO_NO_INCREMENT, FALSE);
        return STATUS_PENDING; /* kept: given back with WskRelease */
    }
    KeSetEvent(&c->Received, IO_NO_INCREMENT, FALSE);
    *BytesAccepted = BytesIndicated;
    return STATUS_SUCCESS;
}

static NTSTATUS OnDisconnect(PVOID SocketContext, ULONG Flags)
{
    SERVER_CONNECTION *c = SocketContext;
    c->DisconnectFlags = Flags;
    InterlockedIncrement(&c->DisconnectEvents);
    KeSetEvent(&c->Disconnected, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_CONNECTION_DISPATCH ConnectionEvents = { OnReceive, OnDisconnect, NULL };

static NTSTATUS OnAccept(PVOID SocketContext, ULONG Flags, PSOCKADDR LocalAddress, PSOCKADDR RemoteAddress,
    PWSK_SOCKET AcceptSocket, PVOID *AcceptSocketContext, const WSK_CLIENT_CONNECTION_DISPATCH **AcceptSocketDispatch)
{
    UNREFERENCED_PARAMETER(Flags);
    SERVER_CONNECTION *c = SocketContext;
    if (AcceptSocket == NULL || LocalAddress->sa_family != AF_INET || RemoteAddress->sa_family != AF_INET) {
        return STATUS_REQUEST_NOT_ACCEPTED;
    }
    c->Socket = AcceptSocket;
    *AcceptSocketContext = c;
    *AcceptSocketDispatch = &ConnectionEvents;
    KeSetEvent(&c->Accepted, IO_NO_INCREMENT, FALSE);
    return STATUS_SUCCESS;
}

static const WSK_CLIENT_LISTEN_DISPATCH ListenEvents = { OnAccept, NULL, NULL };

static NTSTATUS EnableEvents(PWSK_SOCKET socket, ULONG mask)
{
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, mask };
    const WSK_PROVIDER_BASIC_DISPATCH *basic = socket->Dispatch;
    return basic->WskControlSocket(socket, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control, 0, NULL,
        NULL, NULL);
}

static BOOLEAN Wait(KEVENT *event)
{
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard */
    return KeWaitForSingleObject(event, Executive, KernelMode, FALSE, &timeout) == STATUS_SUCCESS;
}

static NTSTATUS Send(PWSK_SOCKET socket, const char *text)
{
    PMDL mdl = WsktestMdl((PVOID)text, (ULONG)strlen(text));
    WSK_BUF buffer = { mdl, 0, strlen(text) };
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
    NTSTATUS status = SyncIrpWait(&t.Sync, dispatch->WskSend(socket, &buffer, 0, SyncIrpArm(&t.Sync)));
    IoFreeMdl(mdl);
    return status;
}

int main(void)
{
    NTSTATUS status = WsktestStart(&t);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("register", "0x%08X", (unsigned)status);
        return 1;
    }
    KeInitializeEvent(&connection.Accepted, SynchronizationEvent, FALSE);
    KeInitializeEvent(&connection.Received, SynchronizationEvent, FALSE);
    KeInitializeEvent(&connection.Disconnected, SynchronizationEvent, FALSE);

    USHORT port = 0;
    PWSK_SOCKET listener = WsktestListener(&t, &port, &ListenEvents, &connection);
    status = listener == NULL ? STATUS_UNSUCCESSFUL : EnableEvents(listener, WSK_EVENT_ACCEPT);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("accept_event", "enable 0x%08X", (unsigned)status);
        return 1;
    }

    /* An event the socket's category does not have is refused. */
    status = EnableEvents(listener, WSK_EVENT_RECEIVE);
    if (status != STATUS_INVALID_PARAMETER) {
        wsktest_fail("event_mask_refused_for_category", "WSK_EVENT_RECEIVE on a listening socket: 0x%08X", (unsigned)status);
    } else {
        wsktest_ok("event_mask_refused_for_category");
    }

    PWSK_SOCKET client = WsktestBoundSocket(&t);
    SOCKADDR_IN server = WsktestLoopback(port);
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = client->Dispatch;
    status = SyncIrpWait(&t.Sync, dispatch->WskConnect(client, (PSOCKADDR)&server, 0, SyncIrpArm(&t.Sync)));
    if (status != STATUS_SUCCESS || !Wait(&connection.Accepted) || connection.Socket == NULL) {
        wsktest_fail("accept_event", "connect 0x%08X, accept event %s", (unsigned)status, connection.Socket ? "ran" : "did not run");
        return 1;
    }
    wsktest_ok("accept_event");

    status = EnableEvents(connection.Socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("receive_event", "enable 0x%08X", (unsigned)status);
        return 1;
    }

    status = Send(client, "ping");
    if (status != STATUS_SUCCESS || !Wait(&connection.Received) || connection.Length != 4 || memcmp(connection.Data, "ping", 4) != 0) {
        wsktest_fail("receive_event", "send 0x%08X, indicated %lu bytes", (unsigned)status, (unsigned long)connection.Length);
    } else {
        wsktest_ok("receive_event");
    }

    /* Kept: the callback returns STATUS_PENDING for "kept!", and at the next event gives the list back with WskRelease. */
    connection.KeepNext = TRUE;
    status = Send(client, "kept!");
    BOOLEAN keptReceived = status == STATUS_SUCCESS && Wait(&connection.Received) && connection.Length == 5;
    status = Send(client, "next");
    if (!keptReceived || status != STATUS_SUCCESS || !Wait(&connection.Received)) {
        wsktest_fail("receive_event_kept_then_released", "the kept indication or the next did not come (send 0x%08X)", (unsigned)status);
    } else if (!connection.KeptIntact || connection.Released != STATUS_SUCCESS || connection.ReleasedAgain == STATUS_SUCCESS) {
        wsktest_fail("receive_event_kept_then_released", "intact %d, WskRelease 0x%08X, a second WskRelease 0x%08X",
            connection.KeptIntact, (unsigned)connection.Released, (unsigned)connection.ReleasedAgain);
    } else {
        wsktest_ok("receive_event_kept_then_released");
    }

    /* Handed to a worker that releases it before the callback returns STATUS_PENDING: honoured once (the bridge registered
     * the list only once the callback had returned, so the worker's WskRelease was refused and the list stayed kept). */
    HANDLE thread = NULL;
    KeInitializeEvent(&worker.Go, NotificationEvent, FALSE);
    KeInitializeEvent(&worker.Done, NotificationEvent, FALSE);
    worker.Released = STATUS_UNSUCCESSFUL;
    NTSTATUS created = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, ReleaseWorker, &connection);
    connection.HandNext = NT_SUCCESS(created);
    status = NT_SUCCESS(created) ? Send(client, "early") : created;
    BOOLEAN handed = status == STATUS_SUCCESS && Wait(&connection.Received);
    const WSK_PROVIDER_CONNECTION_DISPATCH *acceptedDispatch = connection.Socket->Dispatch;
    NTSTATUS again = handed ? acceptedDispatch->WskRelease(connection.Socket, worker.Handed) : STATUS_UNSUCCESSFUL;
    if (!handed || !worker.Waited || worker.Released != STATUS_SUCCESS || again != STATUS_INVALID_PARAMETER) {
        wsktest_fail("receive_event_released_by_a_worker_before_it_returns", "create/send 0x%08X, handed %d, waited %d, "
            "worker's WskRelease 0x%08X, a second WskRelease 0x%08X", (unsigned)status, handed, worker.Waited,
            (unsigned)worker.Released, (unsigned)again);
    } else {
        wsktest_ok("receive_event_released_by_a_worker_before_it_returns");
    }
    if (thread != NULL) {
        ZwWaitForSingleObject(thread, FALSE, NULL);
        ZwClose(thread);
    }

    /* The peer disconnects gracefully: WskDisconnectEvent without WSK_FLAG_ABORTIVE. */
    status = SyncIrpWait(&t.Sync, dispatch->WskDisconnect(client, NULL, 0, SyncIrpArm(&t.Sync)));
    if (status != STATUS_SUCCESS || !Wait(&connection.Disconnected) || (connection.DisconnectFlags & WSK_FLAG_ABORTIVE)) {
        wsktest_fail("disconnect_event", "disconnect 0x%08X, event flags 0x%x, %d events", (unsigned)status,
            (unsigned)connection.DisconnectFlags, (int)connection.DisconnectEvents);
    } else {
        wsktest_ok("disconnect_event");
    }

    WsktestClose(&t, connection.Socket);
    WsktestClose(&t, client);
    WsktestClose(&t, listener);
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
