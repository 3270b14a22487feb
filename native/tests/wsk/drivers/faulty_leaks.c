/* A faulty driver made on purpose: it takes an IRP, an MDL, pool, a socket and a WSK registration in DriverEntry and
 * gives none of them back in DriverUnload. The driver host must report each and exit non-zero.
 * EXPECT: IRP_LEAK MDL_LEAK POOL_LEAK SOCKET_LEAK REGISTRATION_LEAK */
#include <ntddk.h>
#include <wsk.h>

static WSK_REGISTRATION Registration;
static WSK_PROVIDER_NPI Npi;
static const WSK_CLIENT_DISPATCH ClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };
static UCHAR Buffer[64];

static DRIVER_UNLOAD LeakyUnload;
static VOID LeakyUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* frees nothing: that is the fault */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    WSK_CLIENT_NPI client = { NULL, &ClientDispatch };
    NTSTATUS status = WskRegister(&client, &Registration);
    if (NT_SUCCESS(status)) {
        status = WskCaptureProviderNPI(&Registration, WSK_INFINITE_WAIT, &Npi);
    }
    if (!NT_SUCCESS(status)) {
        return status;
    }
    PIRP irp = IoAllocateIrp(1, FALSE);
    /* WskSocket completes at once here (no routine set: nothing is waited for). */
    Npi.Dispatch->WskSocket(Npi.Client, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL, NULL,
        NULL, irp);
    IoAllocateMdl(Buffer, sizeof(Buffer), FALSE, FALSE, NULL);
    ExAllocatePool2(POOL_FLAG_NON_PAGED, 100, 'kaeL');
    DriverObject->DriverUnload = LeakyUnload;
    return STATUS_SUCCESS;
}
