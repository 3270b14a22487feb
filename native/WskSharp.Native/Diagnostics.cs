using System.Runtime.InteropServices;

namespace WskSharp.Native;

/// <summary>Diagnostics for the C face's own tests.</summary>
internal static class Diagnostics
{
    /// <summary>Bytes the managed runtime in libwsksharp.so has allocated (every thread): the steady-state test checks
    /// that a send and a receive on reused IRPs add none.</summary>
    [UnmanagedCallersOnly(EntryPoint = "WskSharpManagedAllocatedBytes")]
    public static long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: true);
}
