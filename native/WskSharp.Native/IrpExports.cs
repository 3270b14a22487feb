using System.Runtime.InteropServices;

namespace WskSharp.Native;

/// <summary>What the C shim's IRP functions ask of the bridge (native/shim/pairing.h declares them).</summary>
internal static unsafe class IrpExports
{
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
}
