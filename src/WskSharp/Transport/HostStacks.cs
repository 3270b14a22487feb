using Microsoft.Extensions.Logging;
using WskSharp.Nt;
using WskSharp.Transport.Linux;

namespace WskSharp.Transport;

/// <summary>
/// The one place that chooses the default host stack: above it, the WSK layer sees only <see cref="IHostStack"/>.
/// </summary>
internal static class HostStacks
{
    /// <summary>
    /// Opens the default stack (the Linux kernel's) for one registration, which owns it, and so its event loops, and
    /// disposes it at WskDeregister.
    /// </summary>
    /// <returns>Success; for <see cref="HostStackOptions.NetworkNamespace"/>: STATUS_INVALID_PARAMETER if there is no such
    /// file, STATUS_ACCESS_DENIED if it may not be opened, STATUS_OBJECT_TYPE_MISMATCH if it is not a network namespace.</returns>
    public static NtStatus Open(HostStackOptions options, ILogger? logger, out IHostStack? stack)
    {
        ArgumentNullException.ThrowIfNull(options);
        stack = null;
        if (options.NetworkNamespace is { } ns)
        {
            NtStatus opened = LinuxHostStack.Open(ns, options.EventLoopCount, logger, out LinuxHostStack? inNamespace);
            stack = inNamespace;
            return opened;
        }

        stack = LinuxHostStack.Create(options.EventLoopCount, logger);
        return NtStatus.Success;
    }
}
