using System.Runtime.InteropServices;

namespace WskSharp.Native;

/// <summary>The C shim's functions the bridge calls: linked into the same library (DirectPInvoke), so each is a direct
/// call, resolved when libwsksharp.so is linked.</summary>
internal static unsafe partial class CShim
{
    private const string Library = "wsksharp_shim";

    /// <summary><c>IoCompleteRequest</c>: runs the completion routines above the IRP's current stack location.</summary>
    [LibraryImport(Library, EntryPoint = "IofCompleteRequest")]
    public static partial void IofCompleteRequest(CIrp* irp, sbyte priorityBoost);
}
