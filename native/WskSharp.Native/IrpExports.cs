using System.Runtime.InteropServices;

namespace WskSharp.Native;

/// <summary>What the C shim asks of the bridge (native/shim/pairing.h declares them).</summary>
internal static unsafe class IrpExports
{
    /// <summary>For IoFreeIrp and IoReuseIrp: TRUE while a WSK call holds the IRP (its completion routine has not run).</summary>
    [UnmanagedCallersOnly(EntryPoint = "WskSharpNativeIrpPending")]
    public static byte Pending(CIrp* irp) => NativeIrp.Find(irp)?.Active is { IsPending: true } ? (byte)1 : (byte)0;

    /// <summary>IoFreeIrp: drops the IRP's managed side.</summary>
    [UnmanagedCallersOnly(EntryPoint = "WskSharpNativeIrpFreed")]
    public static void Freed(CIrp* irp) => NativeIrp.Forget(irp);

    /// <summary>IoCancelIrp: cancels the request the WSK layer holds, if any; TRUE if a cancel routine ran.</summary>
    [UnmanagedCallersOnly(EntryPoint = "WskSharpNativeIrpCancel")]
    public static byte Cancel(CIrp* irp)
    {
        NativeIrp? request = NativeIrp.Find(irp);
        return request?.Active is { } active && active.Cancel() ? (byte)1 : (byte)0;
    }

    /// <summary>For the verifier's report: sockets exposed to C and not closed, registrations not deregistered, indication
    /// lists kept (STATUS_PENDING from WskReceiveEvent or WskReceiveFromEvent) and not given back with WskRelease, which the
    /// WDK requires before WskCloseSocket (closing does not release them).</summary>
    [UnmanagedCallersOnly(EntryPoint = "WskSharpNativeHeld")]
    public static void Held(int* sockets, int* registrations, int* indications)
    {
        *sockets = NativeSocket.Open;
        *registrations = NativeClient.Registered;
        *indications = DataIndications.KeptCount + DatagramIndications.KeptCount;
    }
}
