using System.Runtime.InteropServices;

namespace WskSharp.Transport.Linux;

/// <summary>Owns one file descriptor and closes it exactly once, even when a close races an operation
/// (SafeHandle's reference count keeps the number valid while a call is using it).</summary>
internal sealed class SafeFileDescriptor : SafeHandle
{
    public SafeFileDescriptor(int fd) : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The descriptor number (valid while a reference is held).</summary>
    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Interop.close((int)handle) == 0;
}
