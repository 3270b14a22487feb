/* A faulty driver made on purpose: its WskReceiveFromEvent keeps the datagram list (STATUS_PENDING) and the driver never
 * gives it back with WskRelease, although the WDK requires every kept list released before WskCloseSocket. Everything
 * else it takes (IRP, MDL, sockets, registration) it gives back in DriverUnload. The driver host must report the list.
 * EXPECT: INDICATION_LEAK */
#include <ntddk.h>
#include <wsk.h>

static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI Npi;
static const WSK_CLIENT_DISPATCH ClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };
static PWSK_SOCKET Receiver, Sender;
static PIRP Irp;
static KEVENT Done, Arrived;
static UCHAR Payload[4] = { 'k', 'e', 'p', 't' };

static NTSTATUS Completed(PDEVICE_OBJECT DeviceObject, PIRP Request, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Request);
    UNREFERENCED_PARAMETER(Context);
    KeSetEvent(&Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static PIRP Arm(void)
{
    IoReuseIrp(Irp, STATUS_UNSUCCESSFUL);
    KeClearEvent(&Done);
    IoSetCompletionRoutine(Irp, Completed, NULL, TRUE, TRUE, TRUE);
    return Irp;
}

static NTSTATUS Wait(NTSTATUS returned)
{
    if (returned == STATUS_PENDING) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -20LL * 1000 * 1000 * 10;
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, &timeout);
    }
    return Irp->IoStatus.Status;
}

static NTSTATUS KeepIt(PVOID SocketContext, ULONG Flags, PWSK_DATAGRAM_INDICATION DataIndication)
{
    UNREFERENCED_PARAMETER(SocketContext);
    UNREFERENCED_PARAMETER(Flags);
    if (DataIndication == NULL) {
        return STATUS_SUCCESS;
    }
    KeSetEvent(&Arrived, IO_NO_INCREMENT, FALSE);
    return STATUS_PENDING; /* kept, and never released: that is the fault */
}

static const WSK_CLIENT_DATAGRAM_DISPATCH ReceiverDispatch = { KeepIt };

static PWSK_SOCKET Bound(const VOID *dispatch, SOCKADDR_IN *address)
{
    if (!NT_SUCCESS(Wait(Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, NULL, dispatch,
        NULL, NULL, NULL, Arm())))) {
        return NULL;
    }
    PWSK_SOCKET socket = (PWSK_SOCKET)Irp->IoStatus.Information;
    const WSK_PROVIDER_DATAGRAM_DISPATCH *d = socket->Dispatch;
    SOCKADDR_IN loopback;
    RtlZeroMemory(&loopback, sizeof(loopback));
    loopback.sin_family = AF_INET;
    loopback.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    Wait(d->WskBind(socket, (PSOCKADDR)&loopback, 0, Arm()));
    Wait(d->WskGetLocalAddress(socket, (PSOCKADDR)address, Arm()));
    return socket;
}

static DRIVER_UNLOAD Unload;
static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    PWSK_SOCKET sockets[2] = { Receiver, Sender };
    for (int i = 0; i < 2; i++) {
        if (sockets[i] != NULL) {
            const WSK_PROVIDER_BASIC_DISPATCH *basic = sockets[i]->Dispatch;
            Wait(basic->WskCloseSocket(sockets[i], Arm()));
        }
    }
    IoFreeIrp(Irp);
    WskReleaseProviderNPI(&Registration);
    WskDeregister(&Registration);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    KeInitializeEvent(&Arrived, NotificationEvent, FALSE);
    WSK_CLIENT_NPI client = { NULL, &ClientDispatch };
    NTSTATUS status = WskRegister(&client, &Registration);
    if (NT_SUCCESS(status)) {
        status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &Npi);
    }
    if (!NT_SUCCESS(status)) {
        return status;
    }
    Irp = IoAllocateIrp(1, FALSE);
    DriverObject->DriverUnload = Unload;
    SOCKADDR_IN to, from;
    Receiver = Bound(&ReceiverDispatch, &to);
    Sender = Bound(NULL, &from);
    if (Receiver == NULL || Sender == NULL) {
        return STATUS_SUCCESS; /* the host reports what is left */
    }
    WSK_EVENT_CALLBACK_CONTROL control = { &NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM };
    const WSK_PROVIDER_DATAGRAM_DISPATCH *r = Receiver->Dispatch, *s = Sender->Dispatch;
    r->WskControlSocket(Receiver, WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET, sizeof(control), &control, 0, NULL, NULL, NULL);
    PMDL mdl = IoAllocateMdl(Payload, sizeof(Payload), FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    WSK_BUF buffer = { mdl, 0, sizeof(Payload) };
    Wait(s->WskSendTo(Sender, &buffer, 0, (PSOCKADDR)&to, 0, NULL, Arm()));
    IoFreeMdl(mdl);
    LARGE_INTEGER timeout;
    timeout.QuadPart = -20LL * 1000 * 1000 * 10; /* a hang guard */
    KeWaitForSingleObject(&Arrived, Executive, KernelMode, FALSE, &timeout);
    return STATUS_SUCCESS;
}
