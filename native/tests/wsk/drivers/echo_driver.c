/* An echo server driver in the shape of the WDK's WSK echo sample (written anew, not copied): DriverEntry registers
 * with WSK, makes a listening socket and starts a system thread that accepts connections one after another and echoes
 * what each sends, with its buffers from a lookaside list; DriverUnload stops it (closing the listening socket cancels
 * the pending accept), waits for the thread and releases everything. Built as a shared object and run by
 * `wsk driver run`; it DbgPrints "echo: listening on port N" once it is ready. */
#include <ntddk.h>
#include <wsk.h>

#define ECHO_TAG 'ohcE'
#define ECHO_BUFFER 4096

static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI Npi;
static PWSK_SOCKET Listener;
static NPAGED_LOOKASIDE_LIST Buffers;
static PETHREAD AcceptThread;
static volatile LONG Stopping;
static const WSK_CLIENT_DISPATCH ClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };

static IO_COMPLETION_ROUTINE SignalCompletion;
static NTSTATUS SignalCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned) {
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    }
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The usual synchronous WSK call: the routine signals only when the call returned STATUS_PENDING. */
static NTSTATUS Finish(PIRP Irp, PKEVENT Event, NTSTATUS Returned)
{
    if (Returned == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
    }
    return Irp->IoStatus.Status;
}

static PIRP Arm(PIRP Irp, PKEVENT Event)
{
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    KeClearEvent(Event);
    IoSetCompletionRoutine(Irp, SignalCompletion, Event, TRUE, TRUE, TRUE);
    return Irp;
}

static VOID Echo(PWSK_SOCKET Socket, PIRP Irp, PKEVENT Event)
{
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = Socket->Dispatch;
    PVOID buffer = ExAllocateFromNPagedLookasideList(&Buffers);
    PMDL mdl = buffer == NULL ? NULL : IoAllocateMdl(buffer, ECHO_BUFFER, FALSE, FALSE, NULL);
    if (mdl != NULL) {
        MmBuildMdlForNonPagedPool(mdl);
        for (;;) {
            WSK_BUF received = { mdl, 0, ECHO_BUFFER };
            NTSTATUS status = Finish(Irp, Event, dispatch->WskReceive(Socket, &received, 0, Arm(Irp, Event)));
            if (!NT_SUCCESS(status) || Irp->IoStatus.Information == 0) {
                break; /* the peer disconnected (0 bytes) or failed */
            }
            WSK_BUF echo = { mdl, 0, Irp->IoStatus.Information };
            if (!NT_SUCCESS(Finish(Irp, Event, dispatch->WskSend(Socket, &echo, 0, Arm(Irp, Event))))) {
                break;
            }
        }
        IoFreeMdl(mdl);
    }
    if (buffer != NULL) {
        ExFreeToNPagedLookasideList(&Buffers, buffer);
    }
    Finish(Irp, Event, dispatch->WskCloseSocket(Socket, Arm(Irp, Event)));
}

static KSTART_ROUTINE AcceptLoop;
static VOID AcceptLoop(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    PIRP irp = IoAllocateIrp(1, FALSE);
    const WSK_PROVIDER_LISTEN_DISPATCH *dispatch = Listener->Dispatch;
    while (irp != NULL && !Stopping) {
        NTSTATUS status = Finish(irp, &event, dispatch->WskAccept(Listener, 0, NULL, NULL, NULL, NULL, Arm(irp, &event)));
        if (!NT_SUCCESS(status)) {
            break; /* STATUS_CANCELLED: DriverUnload closed the listening socket */
        }
        Echo((PWSK_SOCKET)irp->IoStatus.Information, irp, &event);
    }
    if (irp != NULL) {
        IoFreeIrp(irp);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static DRIVER_UNLOAD EchoUnload;
static VOID EchoUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    InterlockedExchange(&Stopping, 1);
    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    PIRP irp = IoAllocateIrp(1, FALSE);
    const WSK_PROVIDER_LISTEN_DISPATCH *dispatch = Listener->Dispatch;
    Finish(irp, &event, dispatch->WskCloseSocket(Listener, Arm(irp, &event))); /* cancels the pending accept */
    IoFreeIrp(irp);
    KeWaitForSingleObject(AcceptThread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(AcceptThread);
    ExDeleteNPagedLookasideList(&Buffers);
    WskReleaseProviderNPI(&Registration);
    WskDeregister(&Registration);
    DbgPrint("echo: unloaded\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    WSK_CLIENT_NPI client = { NULL, &ClientDispatch };
    NTSTATUS status = WskRegister(&client, &Registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &Npi);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&Registration);
        return status;
    }
    ExInitializeNPagedLookasideList(&Buffers, NULL, NULL, 0, ECHO_BUFFER, ECHO_TAG, 0);

    KEVENT event;
    KeInitializeEvent(&event, SynchronizationEvent, FALSE);
    PIRP irp = IoAllocateIrp(1, FALSE);
    status = Finish(irp, &event, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
        NULL, NULL, NULL, NULL, NULL, Arm(irp, &event)));
    SOCKADDR_IN address;
    RtlZeroMemory(&address, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    if (NT_SUCCESS(status)) {
        Listener = (PWSK_SOCKET)irp->IoStatus.Information;
        const WSK_PROVIDER_LISTEN_DISPATCH *dispatch = Listener->Dispatch;
        status = Finish(irp, &event, dispatch->WskBind(Listener, (PSOCKADDR)&address, 0, Arm(irp, &event)));
        if (NT_SUCCESS(status)) {
            status = Finish(irp, &event, dispatch->WskGetLocalAddress(Listener, (PSOCKADDR)&address, Arm(irp, &event)));
        }
        if (!NT_SUCCESS(status)) {
            Finish(irp, &event, dispatch->WskCloseSocket(Listener, Arm(irp, &event)));
        }
    }
    IoFreeIrp(irp);

    HANDLE thread = NULL;
    if (NT_SUCCESS(status)) {
        status = PsCreateSystemThread(&thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, AcceptLoop, NULL);
    }
    if (NT_SUCCESS(status)) {
        status = ObReferenceObjectByHandle(thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&AcceptThread, NULL);
        ZwClose(thread);
    }
    if (!NT_SUCCESS(status)) {
        ExDeleteNPagedLookasideList(&Buffers);
        WskReleaseProviderNPI(&Registration);
        WskDeregister(&Registration);
        return status;
    }
    DriverObject->DriverUnload = EchoUnload;
    DbgPrint("echo: listening on port %u\n", RtlUshortByteSwap(address.sin_port));
    return STATUS_SUCCESS;
}
