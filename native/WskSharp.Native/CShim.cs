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

    /// <summary>The kernel runtime's "now at DISPATCH_LEVEL" for a completion routine or event callback: a blocking wait
    /// inside one is then a verifier violation, as Windows runs them at that level. Returns the previous level.</summary>
    /// <remarks>Two stores to a thread-local, no lock, no call out: safe without the GC transition, which would cost more
    /// than the call on every completion.</remarks>
    [LibraryImport(Library, EntryPoint = "WskSharpEnterDispatch")]
    [SuppressGCTransition]
    public static partial byte EnterDispatch();

    /// <summary>Back to the level <see cref="EnterDispatch"/> returned (a routine that left another level is a violation).</summary>
    [LibraryImport(Library, EntryPoint = "WskSharpLeaveDispatch")]
    public static partial void LeaveDispatch(byte oldIrql);

    /// <summary>One log entry of the WSK layer through DbgPrintEx (DPFLTR_IHVNETWORK_ID, <paramref name="level"/>), a line per
    /// line of <paramref name="text"/> (UTF-8, NUL-terminated).</summary>
    [LibraryImport(Library, EntryPoint = "WskSharpLogText")]
    public static partial void LogText(uint level, byte* text);

    /// <summary>Adds the WSK path's "still held" lines to the verifier's report (once).</summary>
    [LibraryImport(Library, EntryPoint = "WskSharpHeldRegister")]
    public static partial void HeldRegister();
}
