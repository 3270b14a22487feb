/* A faulty driver made on purpose: it frees the MDL of a receive that is still pending (the transport would write into
 * freed memory). The host must report it; the MDL stays allocated, so the driver's later, correct IoFreeMdl (after the
 * close completed the receive) still works and the rest of the report is clean.
 * EXPECT: MDL_FREED_IN_USE */
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
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS Call(PIRP Irp, PKEVENT Event, NTSTATUS Returned)
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
    IoSetCompletionRoutine(Irp, Signal, Event, TRUE, TRUE, TRUE);
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
    KEVENT received;
    KeInitializeEvent(&received, NotificationEvent, FALSE);

    /* A listening socket and a connection to it: the connection's receive stays pending (nothing is sent). */
    Call(irp, &Done, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, NULL, NULL,
        NULL, NULL, NULL, Arm(irp, &Done)));
    PWSK_SOCKET listener = (PWSK_SOCKET)irp->IoStatus.Information;
    const WSK_PROVIDER_LISTEN_DISPATCH *listen = listener->Dispatch;
    SOCKADDR_IN address;
    RtlZeroMemory(&address, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    Call(irp, &Done, listen->WskBind(listener, (PSOCKADDR)&address, 0, Arm(irp, &Done)));
    Call(irp, &Done, listen->WskGetLocalAddress(listener, (PSOCKADDR)&address, Arm(irp, &Done)));
    Call(irp, &Done, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL,
        NULL, NULL, NULL, NULL, Arm(irp, &Done)));
    PWSK_SOCKET socket = (PWSK_SOCKET)irp->IoStatus.Information;
    const WSK_PROVIDER_CONNECTION_DISPATCH *connection = socket->Dispatch;
    SOCKADDR_IN local;
    RtlZeroMemory(&local, sizeof(local));
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    Call(irp, &Done, connection->WskBind(socket, (PSOCKADDR)&local, 0, Arm(irp, &Done)));
    Call(irp, &Done, connection->WskConnect(socket, (PSOCKADDR)&address, 0, Arm(irp, &Done)));

    UCHAR *buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, 'fdlM');
    PMDL head = IoAllocateMdl(buffer, 8, FALSE, FALSE, NULL);
    PMDL tail = IoAllocateMdl(buffer + 8, 8, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(head);
    MmBuildMdlForNonPagedPool(tail);
    head->Next = tail;
    WSK_BUF receive = { head, 0, 16 };
    NTSTATUS returned = connection->WskReceive(socket, &receive, 0, Arm(pending, &received)); /* nothing will come */
    IoFreeMdl(tail); /* fault: the second MDL of a pending receive's chain (left allocated) */

    /* Closing completes the receive (cancelled); then the MDLs are free to go. */
    Call(irp, &Done, connection->WskCloseSocket(socket, Arm(irp, &Done)));
    Call(pending, &received, returned);
    Call(irp, &Done, listen->WskCloseSocket(listener, Arm(irp, &Done)));
    IoFreeMdl(tail);
    IoFreeMdl(head);
    ExFreePoolWithTag(buffer, 'fdlM');
    IoFreeIrp(pending);
    IoFreeIrp(irp);
    WskReleaseProviderNPI(&Registration);
    WskDeregister(&Registration);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
