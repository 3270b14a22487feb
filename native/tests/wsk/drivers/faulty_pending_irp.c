/* A faulty driver made on purpose: it frees, and before that reuses, an IRP whose receive is still pending, and waits
 * (with a timeout) inside a completion routine, which runs at DISPATCH_LEVEL. The host must report each.
 * EXPECT: IRP_REUSED_PENDING IRP_FREED_PENDING WAIT_AT_DISPATCH_LEVEL */
#include <ntddk.h>
#include <wsk.h>

static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI Npi;
static const WSK_CLIENT_DISPATCH ClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };
static KEVENT Done;

static IO_COMPLETION_ROUTINE Signal;
static NTSTATUS Signal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    KeSetEvent(&Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static IO_COMPLETION_ROUTINE BlockingRoutine;
static NTSTATUS BlockingRoutine(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    KEVENT never;
    KeInitializeEvent(&never, NotificationEvent, FALSE);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -1;
    KeWaitForSingleObject(&never, Executive, KernelMode, FALSE, &timeout); /* the fault: a blocking wait here */
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* A call whose completion is waited for (the routine signals Done). */
static NTSTATUS Call(PIRP Irp, NTSTATUS Returned)
{
    if (Returned == STATUS_PENDING) {
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    }
    return Irp->IoStatus.Status;
}

static PIRP Arm(PIRP Irp)
{
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    KeClearEvent(&Done);
    IoSetCompletionRoutine(Irp, Signal, NULL, TRUE, TRUE, TRUE);
    return Irp;
}

static DRIVER_UNLOAD Unload;
static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    WSK_CLIENT_NPI client = { NULL, &ClientDispatch };
    NTSTATUS status = WskRegister(&client, &Registration);
    if (!NT_SUCCESS(status) || !NT_SUCCESS(status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &Npi))) {
        return status;
    }
    PIRP irp = IoAllocateIrp(1, FALSE);
    PIRP pending = IoAllocateIrp(1, FALSE);

    /* A listening socket and a connection to it: the accepted side's receive stays pending. */
    Call(irp, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, NULL, NULL, NULL,
        NULL, NULL, Arm(irp)));
    PWSK_SOCKET listener = (PWSK_SOCKET)irp->IoStatus.Information;
    const WSK_PROVIDER_LISTEN_DISPATCH *listen = listener->Dispatch;
    SOCKADDR_IN address;
    RtlZeroMemory(&address, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    Call(irp, listen->WskBind(listener, (PSOCKADDR)&address, 0, Arm(irp)));
    Call(irp, listen->WskGetLocalAddress(listener, (PSOCKADDR)&address, Arm(irp)));
    Call(irp, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL,
        NULL, NULL, NULL, Arm(irp)));
    PWSK_SOCKET socket = (PWSK_SOCKET)irp->IoStatus.Information;
    const WSK_PROVIDER_CONNECTION_DISPATCH *connection = socket->Dispatch;
    SOCKADDR_IN local;
    RtlZeroMemory(&local, sizeof(local));
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    Call(irp, connection->WskBind(socket, (PSOCKADDR)&local, 0, Arm(irp)));
    Call(irp, connection->WskConnect(socket, (PSOCKADDR)&address, 0, Arm(irp)));

    static UCHAR buffer[16];
    PMDL mdl = IoAllocateMdl(buffer, sizeof(buffer), FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    WSK_BUF receive = { mdl, 0, sizeof(buffer) };
    IoSetCompletionRoutine(pending, BlockingRoutine, NULL, TRUE, TRUE, TRUE);
    connection->WskReceive(socket, &receive, 0, pending); /* nothing will come: pending */
    IoReuseIrp(pending, STATUS_SUCCESS);                   /* fault: reused while pending */
    IoFreeIrp(pending);                                    /* fault: freed while pending (left allocated) */

    /* Closing cancels the receive: its routine runs (and makes its blocking wait). */
    Call(irp, connection->WskCloseSocket(socket, Arm(irp)));
    Call(irp, listen->WskCloseSocket(listener, Arm(irp)));
    IoFreeIrp(pending); /* completed now: this one is fine */
    IoFreeIrp(irp);
    IoFreeMdl(mdl);
    WskReleaseProviderNPI(&Registration);
    WskDeregister(&Registration);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
