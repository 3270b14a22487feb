/* What every C conformance test shares: one line per case ("ok NAME", "FAIL NAME: why", "skip NAME: why") that
 * run.sh counts, an IRP driven synchronously the way drivers do (a KEVENT its completion routine sets), and a
 * registration with a loopback listener to connect to. Client code as a driver writes it: ntddk.h and wsk.h only. */
#ifndef WSKTEST_H
#define WSKTEST_H

#include <ntddk.h>
#include <wsk.h>
#include <stdarg.h>
#include <stdio.h>

static int wsktest_failed;

static void wsktest_ok(const char *name)
{
    printf("ok %s\n", name);
    fflush(stdout);
}

static void wsktest_fail(const char *name, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void wsktest_fail(const char *name, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    printf("FAIL %s: ", name);
    vprintf(format, args);
    printf("\n");
    fflush(stdout);
    va_end(args);
    wsktest_failed++;
}

__attribute__((unused)) static void wsktest_skip(const char *name, const char *why)
{
    printf("skip %s: %s\n", name, why);
    fflush(stdout);
}

/* ---- an IRP used synchronously: the routine records what it saw and signals; the caller waits only on PENDING ---- */
typedef struct _SYNC_IRP {
    PIRP Irp;
    KEVENT Done;
    volatile LONG Calls;
    BOOLEAN PendingReturned;
    NTSTATUS Status;
    ULONG_PTR Information;
} SYNC_IRP;

static NTSTATUS SyncIrpCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    SYNC_IRP *sync = Context;
    sync->PendingReturned = Irp->PendingReturned;
    sync->Status = Irp->IoStatus.Status;
    sync->Information = Irp->IoStatus.Information;
    InterlockedIncrement(&sync->Calls);
    KeSetEvent(&sync->Done, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static void SyncIrpInit(SYNC_IRP *sync)
{
    sync->Irp = IoAllocateIrp(1, FALSE);
    KeInitializeEvent(&sync->Done, NotificationEvent, FALSE);
}

/* Ready for a call: reused, a sentinel in IoStatus, the routine set, the event clear. */
static PIRP SyncIrpArm(SYNC_IRP *sync)
{
    IoReuseIrp(sync->Irp, STATUS_UNSUCCESSFUL);
    sync->Irp->IoStatus.Information = 0xDEADBEEF;
    KeClearEvent(&sync->Done);
    sync->Calls = 0;
    sync->PendingReturned = 0xFF;
    IoSetCompletionRoutine(sync->Irp, SyncIrpCompleted, sync, TRUE, TRUE, TRUE);
    return sync->Irp;
}

/* The final status: at once unless the call returned STATUS_PENDING; a hang guard of 20 s, never a measurement. */
static NTSTATUS SyncIrpWait(SYNC_IRP *sync, NTSTATUS returned)
{
    if (returned == STATUS_PENDING) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = -20LL * 1000 * 1000 * 10;
        if (KeWaitForSingleObject(&sync->Done, Executive, KernelMode, FALSE, &timeout) != STATUS_SUCCESS) {
            return STATUS_IO_TIMEOUT;
        }
    }
    return sync->Irp->IoStatus.Status;
}

static void SyncIrpFree(SYNC_IRP *sync)
{
    IoFreeIrp(sync->Irp);
}

/* ---- registration ---- */
static const WSK_CLIENT_DISPATCH WsktestClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };

typedef struct _WSKTEST {
    WSK_REGISTRATION Registration;
    WSK_PROVIDER_NPI Npi;
    SYNC_IRP Sync;
} WSKTEST;

static NTSTATUS WsktestStart(WSKTEST *t)
{
    WSK_CLIENT_NPI client = { t, &WsktestClientDispatch };
    NTSTATUS status = WskRegister(&client, &t->Registration);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = WskCaptureProviderNPI(&t->Registration, WSK_INFINITE_WAIT, &t->Npi);
    if (!NT_SUCCESS(status)) {
        WskDeregister(&t->Registration);
        return status;
    }
    SyncIrpInit(&t->Sync);
    return STATUS_SUCCESS;
}

static void WsktestStop(WSKTEST *t)
{
    SyncIrpFree(&t->Sync);
    WskReleaseProviderNPI(&t->Registration);
    WskDeregister(&t->Registration);
}

/* A socket of Flags' category, or NULL (status in *Status). */
static PWSK_SOCKET WsktestSocket(WSKTEST *t, ADDRESS_FAMILY family, ULONG flags, PVOID context, const VOID *dispatch,
    NTSTATUS *status)
{
    NTSTATUS s = SyncIrpWait(&t->Sync, t->Npi.Dispatch->WskSocket(t->Npi.Client, family, SOCK_STREAM, IPPROTO_TCP, flags,
        context, dispatch, NULL, NULL, NULL, SyncIrpArm(&t->Sync)));
    if (status != NULL) {
        *status = s;
    }
    return NT_SUCCESS(s) ? (PWSK_SOCKET)t->Sync.Irp->IoStatus.Information : NULL;
}

__attribute__((unused)) static NTSTATUS WsktestClose(WSKTEST *t, PWSK_SOCKET socket)
{
    const WSK_PROVIDER_BASIC_DISPATCH *basic = socket->Dispatch;
    return SyncIrpWait(&t->Sync, basic->WskCloseSocket(socket, SyncIrpArm(&t->Sync)));
}

static SOCKADDR_IN WsktestLoopback(USHORT port)
{
    SOCKADDR_IN address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = RtlUshortByteSwap(port);
    address.sin_addr.s_addr = RtlUlongByteSwap(INADDR_LOOPBACK);
    return address;
}

/* A listening socket on 127.0.0.1 with a port of the kernel's choosing (in *Port, host order). */
__attribute__((unused)) static PWSK_SOCKET WsktestListener(WSKTEST *t, USHORT *port, const VOID *clientDispatch, PVOID context)
{
    NTSTATUS status;
    PWSK_SOCKET listener = WsktestSocket(t, AF_INET, WSK_FLAG_LISTEN_SOCKET, context, clientDispatch, &status);
    if (listener == NULL) {
        return NULL;
    }
    const WSK_PROVIDER_LISTEN_DISPATCH *dispatch = listener->Dispatch;
    SOCKADDR_IN any = WsktestLoopback(0);
    SOCKADDR_IN bound;
    if (!NT_SUCCESS(SyncIrpWait(&t->Sync, dispatch->WskBind(listener, (PSOCKADDR)&any, 0, SyncIrpArm(&t->Sync))))
        || !NT_SUCCESS(SyncIrpWait(&t->Sync, dispatch->WskGetLocalAddress(listener, (PSOCKADDR)&bound, SyncIrpArm(&t->Sync))))) {
        WsktestClose(t, listener);
        return NULL;
    }
    *port = RtlUshortByteSwap(bound.sin_port);
    return listener;
}

/* A datagram socket bound to 127.0.0.1 on a port of the kernel's choosing (its address in *Address), or NULL. */
__attribute__((unused)) static PWSK_SOCKET WsktestDatagram(WSKTEST *t, PVOID context, const VOID *dispatch, SOCKADDR_IN *address)
{
    NTSTATUS status = SyncIrpWait(&t->Sync, t->Npi.Dispatch->WskSocket(t->Npi.Client, AF_INET, SOCK_DGRAM, IPPROTO_UDP,
        WSK_FLAG_DATAGRAM_SOCKET, context, dispatch, NULL, NULL, NULL, SyncIrpArm(&t->Sync)));
    if (!NT_SUCCESS(status)) {
        return NULL;
    }
    PWSK_SOCKET socket = (PWSK_SOCKET)t->Sync.Irp->IoStatus.Information;
    const WSK_PROVIDER_DATAGRAM_DISPATCH *d = socket->Dispatch;
    SOCKADDR_IN any = WsktestLoopback(0);
    if (!NT_SUCCESS(SyncIrpWait(&t->Sync, d->WskBind(socket, (PSOCKADDR)&any, 0, SyncIrpArm(&t->Sync))))
        || !NT_SUCCESS(SyncIrpWait(&t->Sync, d->WskGetLocalAddress(socket, (PSOCKADDR)address, SyncIrpArm(&t->Sync))))) {
        WsktestClose(t, socket);
        return NULL;
    }
    return socket;
}

/* A connection socket bound to 127.0.0.1:0. */
__attribute__((unused)) static PWSK_SOCKET WsktestBoundSocket(WSKTEST *t)
{
    PWSK_SOCKET socket = WsktestSocket(t, AF_INET, WSK_FLAG_CONNECTION_SOCKET, NULL, NULL, NULL);
    if (socket == NULL) {
        return NULL;
    }
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = socket->Dispatch;
    SOCKADDR_IN any = WsktestLoopback(0);
    if (!NT_SUCCESS(SyncIrpWait(&t->Sync, dispatch->WskBind(socket, (PSOCKADDR)&any, 0, SyncIrpArm(&t->Sync))))) {
        WsktestClose(t, socket);
        return NULL;
    }
    return socket;
}

/* A connected pair over Listener: *Client (a connection socket of ours) and *Server (the accepted side), with the
 * given client dispatch and context for the accepted socket. */
__attribute__((unused)) static NTSTATUS WsktestPair(WSKTEST *t, PWSK_SOCKET listener, USHORT port, PWSK_SOCKET *client,
    PWSK_SOCKET *server, PVOID serverContext, const WSK_CLIENT_CONNECTION_DISPATCH *serverDispatch)
{
    SYNC_IRP accept;
    SyncIrpInit(&accept);
    const WSK_PROVIDER_LISTEN_DISPATCH *listenDispatch = listener->Dispatch;
    NTSTATUS acceptReturned = listenDispatch->WskAccept(listener, 0, serverContext, serverDispatch, NULL, NULL, SyncIrpArm(&accept));
    *client = WsktestBoundSocket(t);
    SOCKADDR_IN remote = WsktestLoopback(port);
    const WSK_PROVIDER_CONNECTION_DISPATCH *dispatch = (*client)->Dispatch;
    NTSTATUS status = SyncIrpWait(&t->Sync, dispatch->WskConnect(*client, (PSOCKADDR)&remote, 0, SyncIrpArm(&t->Sync)));
    NTSTATUS acceptStatus = SyncIrpWait(&accept, acceptReturned);
    *server = NT_SUCCESS(acceptStatus) ? (PWSK_SOCKET)accept.Irp->IoStatus.Information : NULL;
    SyncIrpFree(&accept);
    return NT_SUCCESS(status) ? acceptStatus : status;
}

/* An MDL over Buffer, built as for nonpaged pool. */
__attribute__((unused)) static PMDL WsktestMdl(PVOID buffer, ULONG length)
{
    PMDL mdl = IoAllocateMdl(buffer, length, FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(mdl);
    return mdl;
}

#endif
