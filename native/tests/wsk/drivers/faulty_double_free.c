/* A faulty driver made on purpose: it frees an IRP twice and an MDL twice, both after a completed WSK call. Windows
 * would corrupt its pool (or bug-check); the host must report each, naming where the first free was, and nothing else.
 * EXPECT: IRP_DOUBLE_FREE MDL_DOUBLE_FREE */
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
    Call(irp, Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL,
        NULL, NULL, NULL, Arm(irp)));
    PWSK_SOCKET socket = (PWSK_SOCKET)irp->IoStatus.Information;
    const WSK_PROVIDER_CONNECTION_DISPATCH *connection = socket->Dispatch;
    Call(irp, connection->WskCloseSocket(socket, Arm(irp)));

    static UCHAR buffer[32];
    PMDL mdl = IoAllocateMdl(buffer, sizeof(buffer), FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);

    IoFreeIrp(irp);
    IoFreeIrp(irp); /* fault: freed twice */
    IoFreeMdl(mdl);
    IoFreeMdl(mdl); /* fault: freed twice */
    WskReleaseProviderNPI(&Registration);
    WskDeregister(&Registration);
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
