/* A driver in the shape of the WDK's samples, without the WSK calls (the WSK path's): DriverEntry makes a
 * device, a lookaside list, a worker system thread fed through a spin-locked queue, a periodic timer with a
 * DPC and a work item; DriverUnload takes it all down in the documented order. The verifier must then
 * report nothing. */
#include "harness.h"

#define TAG 'vrDS'

typedef struct REQUEST {
    LIST_ENTRY Link;
    ULONG Value;
} REQUEST;

typedef struct DEVICE_EXTENSION {
    NPAGED_LOOKASIDE_LIST Lookaside;
    KSPIN_LOCK QueueLock;
    LIST_ENTRY Queue;
    KEVENT QueueReady;
    volatile LONG Stopping;
    PETHREAD Worker;
    volatile LONG Processed;
    KTIMER Timer;
    KDPC Dpc;
    volatile LONG Ticks;
    PIO_WORKITEM WorkItem;
    KEVENT WorkDone;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

static PDEVICE_OBJECT g_device;

static KSTART_ROUTINE WorkerThread;
_Use_decl_annotations_ static VOID WorkerThread(PVOID Context)
{
    PDEVICE_EXTENSION ext = Context;
    PAGED_CODE();
    for (;;) {
        KeWaitForSingleObject(&ext->QueueReady, Executive, KernelMode, FALSE, NULL);
        for (;;) {
            KLOCK_QUEUE_HANDLE lock;
            KeAcquireInStackQueuedSpinLock(&ext->QueueLock, &lock);
            PLIST_ENTRY entry = IsListEmpty(&ext->Queue) ? NULL : RemoveHeadList(&ext->Queue);
            KeReleaseInStackQueuedSpinLock(&lock);
            if (entry == NULL)
                break;
            REQUEST *request = CONTAINING_RECORD(entry, REQUEST, Link);
            InterlockedAdd(&ext->Processed, (LONG)request->Value);
            ExFreeToNPagedLookasideList(&ext->Lookaside, request);
        }
        if (InterlockedOr(&ext->Stopping, 0))
            break;
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static KDEFERRED_ROUTINE TimerDpc;
_Use_decl_annotations_ static VOID TimerDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    PDEVICE_EXTENSION ext = Context;
    KIRQL irql = KeGetCurrentIrql();
    NT_ASSERT(irql == DISPATCH_LEVEL);
    KeAcquireSpinLockAtDpcLevel(&ext->QueueLock); /* already at DISPATCH_LEVEL */
    InterlockedIncrement(&ext->Ticks);
    KeReleaseSpinLockFromDpcLevel(&ext->QueueLock);
}

static IO_WORKITEM_ROUTINE Work;
_Use_decl_annotations_ static VOID Work(PDEVICE_OBJECT DeviceObject, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    PDEVICE_EXTENSION ext = DeviceObject->DeviceExtension;
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "work item on %wZ\n", &(UNICODE_STRING)RTL_CONSTANT_STRING(L"dev"));
    KeSetEvent(&ext->WorkDone, IO_NO_INCREMENT, FALSE);
}

static DRIVER_UNLOAD ShapeUnload;
_Use_decl_annotations_ static VOID ShapeUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_EXTENSION ext = DriverObject->DeviceObject->DeviceExtension;
    KeCancelTimer(&ext->Timer);
    KeFlushQueuedDpcs();
    InterlockedExchange(&ext->Stopping, 1);
    KeSetEvent(&ext->QueueReady, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(ext->Worker, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(ext->Worker);
    KeWaitForSingleObject(&ext->WorkDone, Executive, KernelMode, FALSE, NULL);
    IoFreeWorkItem(ext->WorkItem);
    ExDeleteNPagedLookasideList(&ext->Lookaside);
    IoDeleteDevice(DriverObject->DeviceObject);
}

static DRIVER_INITIALIZE ShapeEntry;
_Use_decl_annotations_ static NTSTATUS ShapeEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), NULL, FILE_DEVICE_NETWORK, 0, FALSE,
        &g_device);
    if (!NT_SUCCESS(status))
        return status;
    PDEVICE_EXTENSION ext = g_device->DeviceExtension;
    ExInitializeNPagedLookasideList(&ext->Lookaside, NULL, NULL, POOL_NX_ALLOCATION, sizeof(REQUEST), TAG, 0);
    KeInitializeSpinLock(&ext->QueueLock);
    InitializeListHead(&ext->Queue);
    KeInitializeEvent(&ext->QueueReady, SynchronizationEvent, FALSE);
    KeInitializeEvent(&ext->WorkDone, NotificationEvent, FALSE);
    HANDLE thread;
    OBJECT_ATTRIBUTES attributes;
    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, &attributes, NULL, NULL, WorkerThread, ext);
    if (!NT_SUCCESS(status))
        return status;
    status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&ext->Worker,
        NULL);
    ZwClose(thread);
    if (!NT_SUCCESS(status))
        return status;
    KeInitializeDpc(&ext->Dpc, TimerDpc, ext);
    KeInitializeTimerEx(&ext->Timer, NotificationTimer);
    LARGE_INTEGER due = Ms(1);
    KeSetTimerEx(&ext->Timer, due, 1, &ext->Dpc);
    ext->WorkItem = IoAllocateWorkItem(g_device);
    if (ext->WorkItem == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoQueueWorkItem(ext->WorkItem, Work, DelayedWorkQueue, NULL);
    DriverObject->DriverUnload = ShapeUnload;
    g_device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

TEST(driver_shaped_lifecycle_leaves_nothing)
{
    DRIVER_OBJECT driver;
    UNICODE_STRING registry = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\System\\Shape");
    char report[2048];
    RtlZeroMemory(&driver, sizeof driver);
    CaptureBegin();
    NTSTATUS status = ShapeEntry(&driver, &registry);
    PDEVICE_EXTENSION ext = g_device ? g_device->DeviceExtension : NULL;
    if (NT_SUCCESS(status)) {
        for (ULONG i = 1; i <= 100; i++) {
            REQUEST *request = ExAllocateFromNPagedLookasideList(&ext->Lookaside);
            request->Value = i;
            KIRQL irql;
            KeAcquireSpinLock(&ext->QueueLock, &irql);
            InsertTailList(&ext->Queue, &request->Link);
            KeReleaseSpinLock(&ext->QueueLock, irql);
            KeSetEvent(&ext->QueueReady, IO_NO_INCREMENT, FALSE);
        }
        LARGE_INTEGER step = Ms(2);
        for (int i = 0; i < 2500 && (InterlockedOr(&ext->Processed, 0) != 5050 || InterlockedOr(&ext->Ticks, 0) < 3); i++)
            KeDelayExecutionThread(KernelMode, FALSE, &step);
    }
    LONG processed = ext ? InterlockedOr(&ext->Processed, 0) : 0, ticks = ext ? InterlockedOr(&ext->Ticks, 0) : 0;
    if (driver.DriverUnload != NULL)
        driver.DriverUnload(&driver);
    const char *out = CaptureEnd();
    EXPECT_STATUS(status, STATUS_SUCCESS);
    EXPECT(processed == 5050 && ticks >= 3);
    EXPECT(strstr(out, "DbgPrint: work item on dev\n") != NULL);
    EXPECT(driver.DeviceObject == NULL);
    ULONG problems = WskSharpVerifierReport(report, sizeof report);
    if (problems != 0)
        HarnessFail(__FILE__, __LINE__, "verifier report: %s", report);
}
