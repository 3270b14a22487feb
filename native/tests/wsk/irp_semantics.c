/* IRPs as drivers use them with WSK: PendingReturned FALSE for a call that completed before it returned and TRUE for
 * one that returned STATUS_PENDING; an IRP reused and resubmitted from inside its own completion routine (a receive
 * loop); IoCancelIrp of a pending receive; WskCloseSocket with a receive pending; an IRP the driver laid out itself
 * (IoInitializeIrp); a WSK_BUF over an MDL chain with an offset. */
#include "wsktest.h"

static WSKTEST t;

/* ---- the receive loop: each completion takes its bytes and, until all have come, re-posts the receive on the same
 * IRP from inside the routine ---- */
#define LOOP_TOTAL 200000
#define LOOP_CHUNK 1000
typedef struct _RECEIVE_LOOP {
    PWSK_SOCKET Socket;
    PIRP Irp;
    WSK_BUF Buffer;
    UCHAR Data[LOOP_CHUNK];
    ULONG Received;
    ULONG Completions;
    ULONG PendingSeen;
    ULONG InlineSeen;
    ULONG Mismatches;
    NTSTATUS Failure;
    KEVENT Done;
} RECEIVE_LOOP;

static NTSTATUS ReceiveLoopCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context);

static VOID ReceiveLoopPost(RECEIVE_LOOP *loop)
{
    IoReuseIrp(loop->Irp, STATUS_UNSUCCESSFUL);
    IoSetCompletionRoutine(loop->Irp, ReceiveLoopCompleted, loop, TRUE, TRUE, TRUE);
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = loop->Socket->Dispatch;
    dispatch->WskReceive(loop->Socket, &loop->Buffer, 0, loop->Irp); /* the routine sees the outcome either way */
}

static NTSTATUS ReceiveLoopCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    RECEIVE_LOOP *loop = Context;
    loop->Completions++;
    if (Irp->PendingReturned) {
        loop->PendingSeen++;
    } else {
        loop->InlineSeen++;
    }
    if (!NT_SUCCESS(Irp->IoStatus.Status) || Irp->IoStatus.Information == 0) {
        loop->Failure = NT_SUCCESS(Irp->IoStatus.Status) ? STATUS_CONNECTION_DISCONNECTED : Irp->IoStatus.Status;
        KeSetEvent(&loop->Done, IO_NO_INCREMENT, FALSE);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    for (ULONG i = 0; i < Irp->IoStatus.Information; i++) {
        if (loop->Data[i] != (UCHAR)(loop->Received + i)) {
            loop->Mismatches++;
        }
    }
    loop->Received += (ULONG)Irp->IoStatus.Information;
    if (loop->Received >= LOOP_TOTAL) {
        KeSetEvent(&loop->Done, IO_NO_INCREMENT, FALSE);
    } else {
        ReceiveLoopPost(loop); /* resubmitted from inside its own routine */
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static void TestReceiveLoop(PWSK_SOCKET client, PWSK_SOCKET server)
{
    static RECEIVE_LOOP loop;
    static UCHAR payload[LOOP_TOTAL];
    for (ULONG i = 0; i < LOOP_TOTAL; i++) {
        payload[i] = (UCHAR)i;
    }
    loop.Socket = server;
    loop.Irp = IoAllocateIrp(1, FALSE);
    PMDL mdl = WsktestMdl(loop.Data, sizeof(loop.Data));
    loop.Buffer.Mdl = mdl;
    loop.Buffer.Offset = 0;
    loop.Buffer.Length = sizeof(loop.Data);
    KeInitializeEvent(&loop.Done, NotificationEvent, FALSE);
    ReceiveLoopPost(&loop); /* nothing sent yet: this one pends */

    PMDL payloadMdl = WsktestMdl(payload, sizeof(payload));
    WSK_BUF send = { payloadMdl, 0, sizeof(payload) };
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = client->Dispatch;
    NTSTATUS sent = SyncIrpWait(&t.Sync, dispatch->WskSend(client, &send, 0, SyncIrpArm(&t.Sync)));
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10;
    NTSTATUS waited = KeWaitForSingleObject(&loop.Done, Executive, KernelMode, FALSE, &timeout);
    if (sent != STATUS_SUCCESS || t.Sync.Information != sizeof(payload)) {
        wsktest_fail("receive_loop_resubmitted_from_routine", "send 0x%08X, %lu bytes", (unsigned)sent, (unsigned long)t.Sync.Information);
    } else if (waited != STATUS_SUCCESS) {
        wsktest_fail("receive_loop_resubmitted_from_routine", "timed out after %lu bytes", (unsigned long)loop.Received);
    } else if (loop.Failure != 0 || loop.Received != LOOP_TOTAL || loop.Mismatches != 0) {
        wsktest_fail("receive_loop_resubmitted_from_routine", "0x%08X, %lu bytes, %lu wrong", (unsigned)loop.Failure,
            (unsigned long)loop.Received, (unsigned long)loop.Mismatches);
    } else if (loop.PendingSeen == 0) {
        wsktest_fail("receive_loop_resubmitted_from_routine", "the first receive (before any data) never showed PendingReturned");
    } else {
        wsktest_ok("receive_loop_resubmitted_from_routine");
    }
    printf("# receive loop: %lu completions (%lu pending, %lu inline)\n", (unsigned long)loop.Completions,
        (unsigned long)loop.PendingSeen, (unsigned long)loop.InlineSeen);
    IoFreeMdl(payloadMdl);
    IoFreeMdl(mdl);
    IoFreeIrp(loop.Irp);
}

/* ---- PendingReturned ---- */
static void TestPendingReturned(PWSK_SOCKET client, PWSK_SOCKET server)
{
    UCHAR buffer[16];
    PMDL mdl = WsktestMdl(buffer, sizeof(buffer));
    WSK_BUF receive = { mdl, 0, sizeof(buffer) };
    SYNC_IRP pending;
    SyncIrpInit(&pending);
    const WSK_PROVIDER_CONNECTION_DISPATCH *serverDispatch = server->Dispatch;
    NTSTATUS returned = serverDispatch->WskReceive(server, &receive, 0, SyncIrpArm(&pending));
    if (returned != STATUS_PENDING) {
        wsktest_fail("pending_returned_true", "a receive with no data returned 0x%08X", (unsigned)returned);
    } else if (pending.Calls != 0) {
        wsktest_fail("pending_returned_true", "the routine ran before any data came");
    }

    static UCHAR hello[] = "hello";
    PMDL helloMdl = WsktestMdl(hello, 5);
    WSK_BUF send = { helloMdl, 0, 5 };
    const WSK_PROVIDER_CONNECTION_DISPATCH *clientDispatch = client->Dispatch;
    returned = clientDispatch->WskSend(client, &send, 0, SyncIrpArm(&t.Sync));
    NTSTATUS sent = SyncIrpWait(&t.Sync, returned);
    if (returned != STATUS_PENDING && t.Sync.PendingReturned) {
        wsktest_fail("pending_returned_false_inline", "a send that returned 0x%08X had PendingReturned TRUE", (unsigned)returned);
    } else if (returned == STATUS_PENDING) {
        wsktest_skip("pending_returned_false_inline", "the send did not complete inline");
    } else if (sent != STATUS_SUCCESS || t.Sync.Calls != 1) {
        wsktest_fail("pending_returned_false_inline", "send 0x%08X, routine ran %d times", (unsigned)sent, (int)t.Sync.Calls);
    } else {
        wsktest_ok("pending_returned_false_inline");
    }

    NTSTATUS received = SyncIrpWait(&pending, STATUS_PENDING);
    if (received != STATUS_SUCCESS || pending.Information != 5 || memcmp(buffer, "hello", 5) != 0) {
        wsktest_fail("pending_returned_true", "receive 0x%08X, %lu bytes", (unsigned)received, (unsigned long)pending.Information);
    } else if (pending.PendingReturned != TRUE) {
        wsktest_fail("pending_returned_true", "PendingReturned %d after STATUS_PENDING", pending.PendingReturned);
    } else {
        wsktest_ok("pending_returned_true");
    }
    SyncIrpFree(&pending);
    IoFreeMdl(helloMdl);
    IoFreeMdl(mdl);
}

/* ---- IoCancelIrp of a pending receive ---- */
static void TestCancel(PWSK_SOCKET server)
{
    UCHAR buffer[16];
    PMDL mdl = WsktestMdl(buffer, sizeof(buffer));
    WSK_BUF receive = { mdl, 0, sizeof(buffer) };
    SYNC_IRP pending;
    SyncIrpInit(&pending);
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = server->Dispatch;
    NTSTATUS returned = dispatch->WskReceive(server, &receive, 0, SyncIrpArm(&pending));
    BOOLEAN cancelled = IoCancelIrp(pending.Irp);
    NTSTATUS status = SyncIrpWait(&pending, returned);
    if (returned != STATUS_PENDING) {
        wsktest_fail("iocancelirp_pending_receive", "the receive returned 0x%08X", (unsigned)returned);
    } else if (!cancelled) {
        wsktest_fail("iocancelirp_pending_receive", "IoCancelIrp returned FALSE for a pending receive");
    } else if (status != STATUS_CANCELLED || !pending.PendingReturned || !pending.Irp->Cancel || pending.Calls != 1) {
        wsktest_fail("iocancelirp_pending_receive", "status 0x%08X, PendingReturned %d, Cancel %d, %d calls", (unsigned)status,
            pending.PendingReturned, pending.Irp->Cancel, (int)pending.Calls);
    } else {
        wsktest_ok("iocancelirp_pending_receive");
    }

    /* A completed IRP: nothing to cancel. */
    if (IoCancelIrp(pending.Irp)) {
        wsktest_fail("iocancelirp_completed", "IoCancelIrp of a completed IRP returned TRUE");
    } else {
        wsktest_ok("iocancelirp_completed");
    }
    SyncIrpFree(&pending);
    IoFreeMdl(mdl);
}

/* ---- WskCloseSocket with a receive pending: the receive completes (cancelled) before the close does ---- */
static void TestCloseWithPending(PWSK_SOCKET server)
{
    UCHAR buffer[16];
    PMDL mdl = WsktestMdl(buffer, sizeof(buffer));
    WSK_BUF receive = { mdl, 0, sizeof(buffer) };
    SYNC_IRP pending;
    SyncIrpInit(&pending);
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = server->Dispatch;
    NTSTATUS returned = dispatch->WskReceive(server, &receive, 0, SyncIrpArm(&pending));
    NTSTATUS closed = WsktestClose(&t, server);
    LONG receiveCallsAtClose = pending.Calls;
    NTSTATUS status = SyncIrpWait(&pending, returned);
    if (returned != STATUS_PENDING) {
        wsktest_fail("close_with_pending_receive", "the receive returned 0x%08X", (unsigned)returned);
    } else if (closed != STATUS_SUCCESS) {
        wsktest_fail("close_with_pending_receive", "close 0x%08X", (unsigned)closed);
    } else if (receiveCallsAtClose != 1) {
        wsktest_fail("close_with_pending_receive", "the pending receive had not completed when the close did");
    } else if (status != STATUS_CANCELLED) {
        wsktest_fail("close_with_pending_receive", "the receive completed with 0x%08X", (unsigned)status);
    } else {
        wsktest_ok("close_with_pending_receive");
    }
    SyncIrpFree(&pending);
    IoFreeMdl(mdl);
}

/* ---- a WSK_BUF over three MDLs, starting 3 bytes into the first ---- */
static void TestMdlChain(PWSK_SOCKET client, PWSK_SOCKET server)
{
    static UCHAR a[] = "xxxHello, ", b[] = "MDL ", c[] = "chain!";
    PMDL first = WsktestMdl(a, 10), second = WsktestMdl(b, 4), third = WsktestMdl(c, 6);
    first->Next = second;
    second->Next = third;
    WSK_BUF send = { first, 3, 17 };
    const WSK_PROVIDER_CONNECTION_DISPATCH *clientDispatch = client->Dispatch;
    NTSTATUS sent = SyncIrpWait(&t.Sync, clientDispatch->WskSend(client, &send, 0, SyncIrpArm(&t.Sync)));
    UCHAR buffer[32] = { 0 };
    PMDL mdl = WsktestMdl(buffer, sizeof(buffer));
    WSK_BUF receive = { mdl, 0, 17 };
    const WSK_PROVIDER_CONNECTION_DISPATCH *serverDispatch = server->Dispatch;
    NTSTATUS received = SyncIrpWait(&t.Sync, serverDispatch->WskReceive(server, &receive, WSK_FLAG_WAITALL, SyncIrpArm(&t.Sync)));
    if (sent != STATUS_SUCCESS || received != STATUS_SUCCESS || t.Sync.Information != 17 || memcmp(buffer, "Hello, MDL chain!", 17) != 0) {
        wsktest_fail("wsk_buf_mdl_chain_offset", "send 0x%08X, receive 0x%08X, got \"%.17s\"", (unsigned)sent, (unsigned)received, buffer);
    } else {
        wsktest_ok("wsk_buf_mdl_chain_offset");
    }
    IoFreeMdl(mdl);
    IoFreeMdl(third);
    IoFreeMdl(second);
    IoFreeMdl(first);
}

/* ---- an IRP in the driver's own memory (IoInitializeIrp), and one without a stack location for the provider ---- */
static void TestDriverLaidOutIrp(void)
{
    USHORT size = IoSizeOfIrp(2);
    PIRP irp = ExAllocatePool2(POOL_FLAG_NON_PAGED, size, 'tseT');
    IoInitializeIrp(irp, size, 2);
    SYNC_IRP sync;
    KeInitializeEvent(&sync.Done, NotificationEvent, FALSE);
    sync.Irp = irp;
    sync.Calls = 0;
    IoSetCompletionRoutine(irp, SyncIrpCompleted, &sync, TRUE, TRUE, TRUE);
    NTSTATUS status;
    PWSK_SOCKET socket = NULL;
    status = SyncIrpWait(&sync, t.Npi.Dispatch->WskSocket(t.Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP,
        WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL, NULL, irp));
    if (status == STATUS_SUCCESS) {
        socket = (PWSK_SOCKET)irp->IoStatus.Information;
    }
    if (socket == NULL || sync.Calls != 1 || irp->CurrentLocation != 3) {
        wsktest_fail("irp_from_ioinitializeirp", "status 0x%08X, %d calls, CurrentLocation %d after completion", (unsigned)status,
            (int)sync.Calls, irp->CurrentLocation);
    } else {
        wsktest_ok("irp_from_ioinitializeirp");
        WsktestClose(&t, socket);
    }
    IoFreeIrp(irp); /* drops the pairing; the memory is the driver's */
    ExFreePoolWithTag(irp, 'tseT');
}

/* ---- a completion routine runs at DISPATCH_LEVEL: a blocking wait in it is a verifier violation ---- */
static NTSTATUS BlockingRoutine(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -1; /* 100 ns: the violation is the non-zero timeout at DISPATCH_LEVEL, not the time */
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout);
    *(KIRQL *)Context = KeGetCurrentIrql();
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static void TestRoutineAtDispatch(PWSK_SOCKET client)
{
    PIRP irp = IoAllocateIrp(1, FALSE);
    KIRQL seen = PASSIVE_LEVEL;
    ULONG before = WskSharpVerifierViolationCount("WAIT_AT_DISPATCH_LEVEL");
    IoSetCompletionRoutine(irp, BlockingRoutine, &seen, TRUE, TRUE, TRUE);
    SOCKADDR_IN address;
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = client->Dispatch;
    NTSTATUS status = dispatch->WskGetLocalAddress(client, (PSOCKADDR)&address, irp);
    ULONG after = WskSharpVerifierViolationCount("WAIT_AT_DISPATCH_LEVEL");
    if (status != STATUS_SUCCESS || seen != DISPATCH_LEVEL || after != before + 1 || KeGetCurrentIrql() != PASSIVE_LEVEL) {
        wsktest_fail("completion_routine_at_dispatch_level", "status 0x%08X, IRQL in the routine %u, %lu violations recorded",
            (unsigned)status, seen, (unsigned long)(after - before));
    } else {
        wsktest_ok("completion_routine_at_dispatch_level");
    }
    WskSharpVerifierClearViolations(); /* provoked on purpose */
    IoFreeIrp(irp);
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
    PWSK_SOCKET client, server;
    status = WsktestPair(&t, listener, port, &client, &server, NULL, NULL);
    if (!NT_SUCCESS(status)) {
        wsktest_fail("connected_pair", "0x%08X", (unsigned)status);
        return 1;
    }

    TestRoutineAtDispatch(client);
    TestPendingReturned(client, server);
    TestMdlChain(client, server);
    TestReceiveLoop(client, server);
    TestCancel(server);
    TestCloseWithPending(server);
    TestDriverLaidOutIrp();

    WsktestClose(&t, client);
    WsktestClose(&t, listener);
    WsktestStop(&t);
    return wsktest_failed == 0 ? 0 : 1;
}
