/* The I/O manager's IRP functions over process memory. An IRP from IoAllocateIrp carries, in the 16 bytes before it
 * (memory the driver never sees), the handle of the managed request that pairs it with WskSharp's WSK layer; an IRP the
 * driver laid out itself (IoInitializeIrp on its own memory) is paired through a table on the managed side instead. */
#include <stdlib.h>
#include <wdm.h>
#include "pairing.h"
#include "../runtime/internal.h"

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    UNREFERENCED_PARAMETER(ChargeQuota);
    if (StackSize < 0) {
        return NULL;
    }
    USHORT size = IoSizeOfIrp(StackSize);
    WSKSHARP_IRP_PAIRING *pairing = calloc(1, sizeof(WSKSHARP_IRP_PAIRING) + size);
    if (pairing == NULL) {
        return NULL;
    }
    pairing->Magic = WSKSHARP_IRP_PAIRING_MAGIC;
    PIRP irp = (PIRP)(pairing + 1);
    IoInitializeIrp(irp, size, StackSize);
    irp->AllocationFlags = WSKSHARP_IRP_PAIRED;
    WskSharpHeldIrps(1);
    return irp;
}

PIRP IoAllocateIrpEx(struct _DEVICE_OBJECT *DeviceObject, CCHAR StackSize, BOOLEAN ChargeQuota)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return IoAllocateIrp(StackSize, ChargeQuota);
}

VOID IoFreeIrp(PIRP Irp)
{
    if (Irp == NULL) {
        return;
    }
    WSKSHARP_IRP_PAIRING *pairing = (Irp->AllocationFlags & WSKSHARP_IRP_PAIRED) ? (WSKSHARP_IRP_PAIRING *)Irp - 1 : NULL;
    if (pairing != NULL && pairing->Magic == WSKSHARP_IRP_FREED_MAGIC) {
        char first[160];
        WskSharpDescribeSite(first, sizeof(first), NULL, 0, pairing->Managed);
        WskSharpVerifierViolation("IRP_DOUBLE_FREE", NULL, 0, __builtin_return_address(0),
            "IoFreeIrp of an IRP already freed (first freed at %s)", first);
        return;
    }
    if (WskSharpNativeIrpPending(Irp)) {
        /* Windows would bug-check; here the IRP is left allocated, since the WSK layer will still complete it. */
        WskSharpVerifierViolation("IRP_FREED_PENDING", NULL, 0, __builtin_return_address(0),
            "IoFreeIrp of an IRP a WSK call still holds (wait for its completion routine first)");
        return;
    }
    WskSharpNativeIrpFreed(Irp); /* drops the managed pairing, whichever way the IRP was allocated */
    if (pairing != NULL) {
        /* Kept a while, marked freed: a second IoFreeIrp is caught, not a heap corruption. AllocationFlags stays. */
        pairing->Magic = WSKSHARP_IRP_FREED_MAGIC;
        pairing->Managed = __builtin_return_address(0);
        Irp->Type = 0;
        WskSharpQuarantine(pairing);
        WskSharpHeldIrps(-1);
    }
}

VOID IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    memset(Irp, 0, PacketSize);
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = PacketSize;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->ThreadListEntry.Flink = Irp->ThreadListEntry.Blink = &Irp->ThreadListEntry;
    /* The stack locations follow the IRP; the current location starts one past the last (none is current yet). */
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    if (WskSharpNativeIrpPending(Irp)) {
        WskSharpVerifierViolation("IRP_REUSED_PENDING", NULL, 0, __builtin_return_address(0),
            "IoReuseIrp of an IRP a WSK call still holds (wait for its completion routine first); left as it is");
        return;
    }
    UCHAR allocationFlags = Irp->AllocationFlags;
    IoInitializeIrp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = allocationFlags; /* keeps the pairing */
    Irp->IoStatus.Status = Iostatus;
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    Irp->Cancel = TRUE;
    return WskSharpNativeIrpCancel(Irp);
}

NTSTATUS IoSetCompletionRoutineEx(struct _DEVICE_OBJECT *DeviceObject, PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine,
    PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError, BOOLEAN InvokeOnCancel)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoSetCompletionRoutine(Irp, CompletionRoutine, Context, InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
    return STATUS_SUCCESS;
}

/* Walks up from the current stack location, as the I/O manager does: each location's routine runs if its Control asks
 * for this outcome, with PendingReturned copied from the location below; STATUS_MORE_PROCESSING_REQUIRED stops the walk
 * (the routine's owner keeps the IRP). WskSharp completes every IRP a WSK call took through here. */
VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    UNREFERENCED_PARAMETER(PriorityBoost);
    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION location = IoGetCurrentIrpStackLocation(Irp);
        Irp->PendingReturned = (location->Control & SL_PENDING_RETURNED) != 0;
        PIO_COMPLETION_ROUTINE routine = location->CompletionRoutine;
        PVOID context = location->Context;
        UCHAR control = location->Control;
        IoSkipCurrentIrpStackLocation(Irp);
        NTSTATUS status = Irp->IoStatus.Status;
        BOOLEAN invoke = routine != NULL
            && ((NT_SUCCESS(status) && (control & SL_INVOKE_ON_SUCCESS))
                || (!NT_SUCCESS(status) && (control & SL_INVOKE_ON_ERROR))
                || (Irp->Cancel && (control & SL_INVOKE_ON_CANCEL)));
        if (invoke) {
            struct _DEVICE_OBJECT *device = Irp->CurrentLocation <= Irp->StackCount
                ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : NULL;
            if (routine(device, Irp, context) == STATUS_MORE_PROCESSING_REQUIRED) {
                return;
            }
        } else if (Irp->PendingReturned && Irp->CurrentLocation <= Irp->StackCount) {
            IoMarkIrpPending(Irp);
        }
    }
}
