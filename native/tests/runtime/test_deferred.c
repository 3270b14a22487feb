/* System threads, timers, DPCs and work items. Waits are bounded (5 s) so a broken runtime fails, not hangs. */
#include "harness.h"

#define LONG_WAIT 5000

typedef struct DPC_STATE {
    volatile LONG Count;
    volatile LONG StopAt;
    KIRQL Irql;
    KEVENT Done;
} DPC_STATE;

static VOID CountDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    (void)Dpc, (void)Arg1, (void)Arg2;
    DPC_STATE *s = Context;
    s->Irql = KeGetCurrentIrql();
    if (InterlockedIncrement(&s->Count) == s->StopAt)
        KeSetEvent(&s->Done, IO_NO_INCREMENT, FALSE);
}

TEST(timer_with_dpc_fires_once)
{
    KTIMER timer;
    KDPC dpc;
    DPC_STATE s = { 0, 1, 0, { { 0 } } };
    LARGE_INTEGER wait = Ms(LONG_WAIT), due = Ms(5), settle = Ms(30);
    KeInitializeEvent(&s.Done, NotificationEvent, FALSE);
    KeInitializeDpc(&dpc, CountDpc, &s);
    KeInitializeTimer(&timer);
    EXPECT(!KeSetTimer(&timer, due, &dpc));
    NTSTATUS st = KeWaitForSingleObject(&s.Done, Executive, KernelMode, FALSE, &wait);
    KeDelayExecutionThread(KernelMode, FALSE, &settle);
    BOOLEAN stillSet = KeCancelTimer(&timer);
    EXPECT_STATUS(st, STATUS_SUCCESS);
    EXPECT(!stillSet);
    EXPECT(s.Count == 1);
    EXPECT(s.Irql == DISPATCH_LEVEL); /* a DPC runs at DISPATCH_LEVEL */
    EXPECT(KeReadStateTimer(&timer));
}

TEST(periodic_timer_fires_until_cancelled)
{
    KTIMER timer;
    KDPC dpc;
    DPC_STATE s = { 0, 3, 0, { { 0 } } };
    LARGE_INTEGER wait = Ms(LONG_WAIT), due = Ms(2), settle = Ms(30);
    KeInitializeEvent(&s.Done, NotificationEvent, FALSE);
    KeInitializeDpc(&dpc, CountDpc, &s);
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeSetTimerEx(&timer, due, 2, &dpc);
    NTSTATUS st = KeWaitForSingleObject(&s.Done, Executive, KernelMode, FALSE, &wait);
    BOOLEAN wasSet = KeCancelTimer(&timer);
    KeFlushQueuedDpcs();
    LONG after = s.Count;
    KeDelayExecutionThread(KernelMode, FALSE, &settle);
    EXPECT_STATUS(st, STATUS_SUCCESS);
    EXPECT(wasSet);
    EXPECT(after >= 3 && s.Count == after);
}

TEST(timer_is_waitable)
{
    KTIMER timer;
    LARGE_INTEGER wait = Ms(LONG_WAIT), due = Ms(5), zero = { .QuadPart = 0 };
    KeInitializeTimerEx(&timer, SynchronizationTimer);
    KeSetTimer(&timer, due, NULL);
    NTSTATUS first = KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &wait);
    KeCancelTimer(&timer);
    EXPECT_STATUS(first, STATUS_SUCCESS);
    /* a synchronization timer is consumed by the wait */
    EXPECT_STATUS(KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &zero), STATUS_TIMEOUT);
    LARGE_INTEGER absolute;
    KeQuerySystemTime(&absolute);
    absolute.QuadPart += 5 * 10000;
    KeSetTimer(&timer, absolute, NULL);
    first = KeWaitForSingleObject(&timer, Executive, KernelMode, FALSE, &wait);
    KeCancelTimer(&timer);
    EXPECT_STATUS(first, STATUS_SUCCESS);
}

static volatile LONG g_gate;
static VOID GateDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    (void)Dpc, (void)Arg2;
    *(volatile LONG *)Context = (LONG)(LONG_PTR)Arg1;
    while (!InterlockedOr(&g_gate, 0))
        YieldProcessor(); /* spinning, not waiting: allowed at DISPATCH_LEVEL */
}

TEST(dpc_queued_once_until_it_runs)
{
    KDPC gate, second;
    volatile LONG gateRan = 0;
    DPC_STATE s = { 0, 1, 0, { { 0 } } };
    LARGE_INTEGER wait = Ms(LONG_WAIT);
    InterlockedExchange(&g_gate, 0);
    KeInitializeEvent(&s.Done, NotificationEvent, FALSE);
    KeInitializeDpc(&gate, GateDpc, (PVOID)&gateRan);
    KeInitializeDpc(&second, CountDpc, &s);
    EXPECT(KeInsertQueueDpc(&gate, (PVOID)7, NULL));
    BOOLEAN first = KeInsertQueueDpc(&second, NULL, NULL);
    BOOLEAN again = KeInsertQueueDpc(&second, NULL, NULL); /* still queued behind the gate */
    BOOLEAN removed = KeRemoveQueueDpc(&second);
    BOOLEAN requeued = KeInsertQueueDpc(&second, NULL, NULL);
    InterlockedExchange(&g_gate, 1);
    NTSTATUS st = KeWaitForSingleObject(&s.Done, Executive, KernelMode, FALSE, &wait);
    KeFlushQueuedDpcs();
    EXPECT(first && !again && removed && requeued);
    EXPECT_STATUS(st, STATUS_SUCCESS);
    EXPECT(gateRan == 7 && s.Count == 1);
}

typedef struct WORK_STATE {
    PDEVICE_OBJECT Device;
    PIO_WORKITEM Item;
    KIRQL Irql;
    PDEVICE_OBJECT SeenDevice;
    KEVENT Done;
} WORK_STATE;

static VOID IoWork(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    WORK_STATE *w = Context;
    w->SeenDevice = DeviceObject;
    w->Irql = KeGetCurrentIrql();
    IoFreeWorkItem(w->Item); /* the common pattern: the routine frees its own item */
    KeSetEvent(&w->Done, IO_NO_INCREMENT, FALSE);
}

TEST(io_work_item_runs_at_passive_with_its_device)
{
    DRIVER_OBJECT driver;
    WORK_STATE w;
    LARGE_INTEGER wait = Ms(LONG_WAIT);
    RtlZeroMemory(&driver, sizeof driver);
    RtlZeroMemory(&w, sizeof w);
    EXPECT_STATUS(IoCreateDevice(&driver, 32, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &w.Device), STATUS_SUCCESS);
    EXPECT(w.Device->DeviceExtension != NULL && driver.DeviceObject == w.Device);
    EXPECT(((ULONG_PTR)w.Device->DeviceExtension & 63) == 0);
    KeInitializeEvent(&w.Done, NotificationEvent, FALSE);
    w.Item = IoAllocateWorkItem(w.Device);
    EXPECT(w.Item != NULL);
    w.Irql = 0xff;
    IoQueueWorkItem(w.Item, IoWork, DelayedWorkQueue, &w);
    NTSTATUS st = KeWaitForSingleObject(&w.Done, Executive, KernelMode, FALSE, &wait);
    IoDeleteDevice(w.Device);
    EXPECT_STATUS(st, STATUS_SUCCESS);
    EXPECT(w.SeenDevice == w.Device && w.Irql == PASSIVE_LEVEL);
}

static VOID ExWork(PVOID Parameter)
{
    KeSetEvent((PKEVENT)Parameter, IO_NO_INCREMENT, FALSE);
}

TEST(ex_work_item_runs)
{
    WORK_QUEUE_ITEM item;
    KEVENT done;
    LARGE_INTEGER wait = Ms(LONG_WAIT);
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    ExInitializeWorkItem(&item, ExWork, &done);
    ExQueueWorkItem(&item, DelayedWorkQueue);
    EXPECT_STATUS(KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &wait), STATUS_SUCCESS);
}

static VOID Noop(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    (void)DeviceObject;
    KeWaitForSingleObject((PKEVENT)Context, Executive, KernelMode, FALSE, NULL);
}

TEST(work_item_misuse_is_caught)
{
    KEVENT release;
    PIO_WORKITEM item = IoAllocateWorkItem(NULL);
    KeInitializeEvent(&release, NotificationEvent, FALSE);
    /* Two items block both workers, so the third stays queued while we misuse it. */
    PIO_WORKITEM blockers[2] = { IoAllocateWorkItem(NULL), IoAllocateWorkItem(NULL) };
    IoQueueWorkItem(blockers[0], Noop, DelayedWorkQueue, &release);
    IoQueueWorkItem(blockers[1], Noop, DelayedWorkQueue, &release);
    IoQueueWorkItem(item, Noop, DelayedWorkQueue, &release);
    IoQueueWorkItem(item, Noop, DelayedWorkQueue, &release);
    ULONG queuedTwice = WskSharpVerifierViolationCount("WORKITEM_QUEUED_TWICE");
    IoFreeWorkItem(item);
    ULONG freedQueued = WskSharpVerifierViolationCount("WORKITEM_FREED_QUEUED");
    char report[1024];
    BOOLEAN pendingReported = WskSharpVerifierReport(report, sizeof report) > 0 && strstr(report, "WORKITEM_PENDING");
    KeSetEvent(&release, 0, FALSE);
    /* Wait for all three to finish before freeing. */
    LARGE_INTEGER step = Ms(5);
    for (int i = 0; i < 1000 && strstr(report, "WORKITEM_PENDING"); i++) {
        KeDelayExecutionThread(KernelMode, FALSE, &step);
        WskSharpVerifierReport(report, sizeof report);
    }
    IoFreeWorkItem(item);
    IoFreeWorkItem(blockers[0]);
    IoFreeWorkItem(blockers[1]);
    WskSharpVerifierClearViolations();
    EXPECT(queuedTwice == 1 && freedQueued == 1 && pendingReported);
}

typedef struct THREAD_STATE {
    PETHREAD Self;
    BOOLEAN IsSystem;
} THREAD_STATE;

static VOID Terminates(PVOID Context)
{
    THREAD_STATE *s = Context;
    s->Self = PsGetCurrentThread();
    s->IsSystem = PsIsSystemThread(s->Self);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

TEST(system_thread_object_is_waitable)
{
    HANDLE h;
    CLIENT_ID id;
    THREAD_STATE s = { NULL, FALSE };
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    EXPECT_STATUS(PsCreateSystemThread(&h, THREAD_ALL_ACCESS, &attributes, NULL, &id, Terminates, &s), STATUS_SUCCESS);
    PVOID thread;
    EXPECT_STATUS(ObReferenceObjectByHandle(h, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &thread, NULL),
        STATUS_SUCCESS);
    EXPECT_STATUS(ZwClose(h), STATUS_SUCCESS);
    LARGE_INTEGER wait = Ms(LONG_WAIT);
    NTSTATUS st = KeWaitForSingleObject(thread, Executive, KernelMode, FALSE, &wait);
    BOOLEAN same = s.Self == thread;
    ObDereferenceObject(thread);
    EXPECT_STATUS(st, STATUS_SUCCESS);
    EXPECT(same && s.IsSystem);
    EXPECT(PsGetCurrentThread() != thread && !PsIsSystemThread(PsGetCurrentThread()));
    EXPECT(id.UniqueThread != NULL);
    EXPECT_STATUS(ZwClose(h), STATUS_INVALID_HANDLE); /* already closed */
    EXPECT_VIOLATION("INVALID_HANDLE");
}

static KEVENT g_hold;
static VOID Holds(PVOID Context)
{
    (void)Context;
    KeWaitForSingleObject(&g_hold, Executive, KernelMode, FALSE, NULL);
}

TEST(wait_on_running_thread_times_out)
{
    HANDLE h;
    LARGE_INTEGER t = Ms(10);
    KeInitializeEvent(&g_hold, NotificationEvent, FALSE);
    EXPECT_STATUS(PsCreateSystemThread(&h, 0, NULL, NULL, NULL, Holds, NULL), STATUS_SUCCESS);
    NTSTATUS st = ZwWaitForSingleObject(h, FALSE, &t);
    KeSetEvent(&g_hold, 0, FALSE);
    ZwWaitForSingleObject(h, FALSE, NULL);
    ZwClose(h);
    EXPECT_STATUS(st, STATUS_TIMEOUT);
}

TEST(pseudo_and_bad_handles_are_refused)
{
    PVOID object;
    EXPECT_STATUS(ZwClose(NtCurrentProcess()), STATUS_INVALID_HANDLE);
    EXPECT_VIOLATION("INVALID_HANDLE");
    EXPECT_STATUS(ZwClose(NULL), STATUS_INVALID_HANDLE);
    EXPECT_VIOLATION("INVALID_HANDLE");
    EXPECT_STATUS(ObReferenceObjectByHandle(NtCurrentProcess(), 0, NULL, KernelMode, &object, NULL),
        STATUS_INVALID_HANDLE);
    EXPECT_STATUS(ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsThreadType, KernelMode, &object, NULL),
        STATUS_SUCCESS);
    EXPECT(object == PsGetCurrentThread());
    ObDereferenceObject(object);
}

static VOID FlushesFromDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    (void)Dpc, (void)Arg1, (void)Arg2;
    KeFlushQueuedDpcs(); /* forbidden at DISPATCH_LEVEL: recorded, and must not deadlock */
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
}

TEST(flush_from_a_dpc_is_caught_not_deadlocked)
{
    KDPC dpc;
    KEVENT done;
    LARGE_INTEGER wait = Ms(LONG_WAIT);
    KeInitializeEvent(&done, NotificationEvent, FALSE);
    KeInitializeDpc(&dpc, FlushesFromDpc, &done);
    KeInsertQueueDpc(&dpc, NULL, NULL);
    EXPECT_STATUS(KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, &wait), STATUS_SUCCESS);
    KeFlushQueuedDpcs();
    EXPECT_VIOLATION("WAIT_AT_DISPATCH_LEVEL");
}
