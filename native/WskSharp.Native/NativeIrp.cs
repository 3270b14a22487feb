using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using WskSharp.Nt;
using WskSharp.Ws2;
using WskSharp.Wsk;

namespace WskSharp.Native;

/// <summary>
/// The managed side of a C IRP: the <see cref="Irp"/> the WSK layer completes, and what a request needs to carry its
/// result back (the MDL chain, where accept writes its addresses). An IRP from IoAllocateIrp keeps this object's handle
/// in the pairing block before it; one the driver laid out itself is found in a table. Made on the IRP's first WSK call
/// and reused for every later one, so a resubmitted IRP allocates nothing.
/// </summary>
/// <remarks>
/// Completion is the I/O manager's: the request occupies the IRP's next stack location (as IoCallDriver would), and
/// when the WSK layer completes it the bridge writes IoStatus, marks the location pending if the call returned (or will
/// return) STATUS_PENDING, and calls <c>IoCompleteRequest</c>, which runs the driver's routine per its SL_INVOKE_ON_*
/// bits with <c>PendingReturned</c> set from that mark. Once its routine runs the managed IRP is free again (the IRP
/// contract), so the driver's routine may resubmit the C IRP at once, and the same managed IRP takes the new request.
/// </remarks>
internal sealed unsafe class NativeIrp
{
    private static readonly ConcurrentDictionary<nint, NativeIrp> Unpaired = new();
    private static readonly IoCompletionRoutine OnCompleted = Complete;

    private readonly Irp _irp = new();
    private GCHandle _handle;

    private NativeIrp(CIrp* irp)
    {
        C = irp;
        _irp.SetCompletionRoutine(OnCompleted, this); // Kept across requests: the bridge never calls Reuse.
    }

    /// <summary>The C IRP.</summary>
    public CIrp* C { get; }

    /// <summary>The managed IRP, once the C IRP has made a request.</summary>
    public Irp? Active { get; private set; }

    /// <summary>The request's buffer, over the C MDL chain.</summary>
    public NativeMdlChain Buffer { get; } = new();

    /// <summary>A datagram request's extra state (made on the IRP's first datagram call, kept for the next).</summary>
    public NativeDatagramRequest Datagram => _datagram ??= new NativeDatagramRequest();

    private NativeDatagramRequest? _datagram;

    /// <summary>Where WskAccept writes the accepted socket's addresses (C buffers, or null) and the boxes it fills.</summary>
    public byte* LocalOut;

    /// <summary>See <see cref="LocalOut"/>.</summary>
    public byte* RemoteOut;

    /// <summary>The boxes WskAccept fills while a request of this IRP is an accept; null otherwise.</summary>
    public StrongBox<SockAddr>? LocalBox;

    /// <summary>See <see cref="LocalBox"/>.</summary>
    public StrongBox<SockAddr>? RemoteBox;

    /// <summary>A request that writes a result into C memory at completion (WskGetAddressInfo): how, and its state.</summary>
    public Func<NativeIrp, NtStatus, NtStatus>? WriteResult;

    /// <summary>The managed state <see cref="WriteResult"/> reads.</summary>
    public object? ResultState;

    /// <summary>Where <see cref="WriteResult"/> writes.</summary>
    public nint ResultOut;

    /// <summary>The C IRP's managed side, made on first use; null for a null IRP.</summary>
    public static NativeIrp? Of(CIrp* irp)
    {
        if (irp is null)
        {
            return null;
        }

        CIrpPairing* pairing = (CIrpPairing*)irp - 1;
        if ((irp->AllocationFlags & CIrp.Paired) != 0 && pairing->Magic == CIrp.PairingMagic)
        {
            if (pairing->Managed != 0)
            {
                return (NativeIrp)GCHandle.FromIntPtr(pairing->Managed).Target!;
            }

            var made = new NativeIrp(irp);
            made._handle = GCHandle.Alloc(made);
            pairing->Managed = GCHandle.ToIntPtr(made._handle);
            return made;
        }

        return Unpaired.GetOrAdd((nint)irp, static (key) => new NativeIrp((CIrp*)key));
    }

    /// <summary>The C IRP's managed side if it has one (it made a WSK call), without making it.</summary>
    public static NativeIrp? Find(CIrp* irp)
    {
        if (irp is null)
        {
            return null;
        }

        CIrpPairing* pairing = (CIrpPairing*)irp - 1;
        if ((irp->AllocationFlags & CIrp.Paired) != 0 && pairing->Magic == CIrp.PairingMagic)
        {
            return pairing->Managed == 0 ? null : (NativeIrp)GCHandle.FromIntPtr(pairing->Managed).Target!;
        }

        return Unpaired.TryGetValue((nint)irp, out NativeIrp? found) ? found : null;
    }

    /// <summary>IoFreeIrp: the managed side goes with the C IRP.</summary>
    public static void Forget(CIrp* irp)
    {
        CIrpPairing* pairing = (CIrpPairing*)irp - 1;
        if ((irp->AllocationFlags & CIrp.Paired) != 0 && pairing->Magic == CIrp.PairingMagic)
        {
            if (pairing->Managed != 0)
            {
                GCHandle handle = GCHandle.FromIntPtr(pairing->Managed);
                ((NativeIrp)handle.Target!).Buffer.Release(); // a request the WSK layer refused without completing it
                ((NativeIrp)handle.Target!)._datagram?.Abandon();
                handle.Free();
                pairing->Managed = 0;
            }

            return;
        }

        if (Unpaired.TryRemove((nint)irp, out NativeIrp? unpaired))
        {
            unpaired.Buffer.Release();
            unpaired._datagram?.Abandon();
        }
    }

    /// <summary>
    /// Starts a request: takes the IRP's next stack location (where the driver's IoSetCompletionRoutine wrote) and returns
    /// the managed IRP to hand to the WSK layer; null when the IRP has no stack location left for the provider.
    /// </summary>
    public Irp? Begin()
    {
        if (C->CurrentLocation <= 1)
        {
            return null; // IoAllocateIrp(0): no location for the provider (Windows bug-checks NO_MORE_IRP_STACK_LOCATIONS).
        }

        Irp irp = _irp;
        if (irp.IsPending)
        {
            return null; // The C IRP is pending already: resubmitted before it completed.
        }

        Active = irp;
        C->Cancel = 0;
        C->CurrentLocation--;
        C->CurrentStackLocation--;
        C->CurrentStackLocation->Control &= unchecked((byte)~CStackLocation.PendingReturned);
        return irp;
    }

    private static NtStatus Complete(Irp irp, object? context)
    {
        var self = (NativeIrp)context!;
        CIrp* c = self.C;
        NtStatus status = irp.IoStatus.Status;
        nuint information = irp.IoStatus.Information;
        if (irp.IoStatus.Pointer is WskSocket socket)
        {
            information = (nuint)NativeSocket.Expose(socket);
        }

        if (self.LocalBox is { } local)
        {
            if (status.IsSuccess)
            {
                NativeAddress.Write(self.LocalOut, local.Value);
                NativeAddress.Write(self.RemoteOut, self.RemoteBox!.Value);
            }

            self.LocalBox = self.RemoteBox = null;
            self.LocalOut = self.RemoteOut = null;
        }

        if (self.WriteResult is { } write)
        {
            status = write(self, status); // may refuse what does not fit the client's buffers
            self.WriteResult = null;
            self.ResultState = null;
            self.ResultOut = 0;
        }

        self._datagram?.Complete();
        self.Buffer.Release();
        c->Status = (int)status.Value;
        c->Information = information;

        // The WSK layer marked the request pending when it queued it (the call returns STATUS_PENDING): the mark goes in the
        // provider's stack location, where IoCompleteRequest reads it into Irp->PendingReturned.
        if (irp.PendingReturned)
        {
            c->CurrentStackLocation->Control |= CStackLocation.PendingReturned;
        }

        byte irql = CShim.EnterDispatch();
        CShim.IofCompleteRequest(c, 0);
        CShim.LeaveDispatch(irql);
        return NtStatus.MoreProcessingRequired;
    }
}
