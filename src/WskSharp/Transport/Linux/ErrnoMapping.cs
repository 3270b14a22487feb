using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WskSharp.Nt;

namespace WskSharp.Transport.Linux;

/// <summary>
/// errno → NTSTATUS: the one table. Nothing else in WskSharp compares errno values; the raw errno stays beside the status
/// (<see cref="IHostSocket.LastError"/>) for diagnostics. Audited against every errno that socket, bind, connect, send, recv,
/// setsockopt, getsockopt, accept and listen can return on an IPv4/IPv6 TCP socket (their man pages, and the network errors
/// a connected socket reports through them); one outside the table is STATUS_UNSUCCESSFUL and logged once, by name.
/// </summary>
internal static partial class ErrnoMapping
{
    private static readonly ConcurrentDictionary<int, bool> s_reported = new();

    /// <summary>The NTSTATUS for <paramref name="errno"/>; EAGAIN/EINPROGRESS/EALREADY are <see cref="NtStatus.Pending"/>. An
    /// errno outside the table is logged to <paramref name="logger"/>, the first time the process meets it.</summary>
    public static NtStatus ToNtStatus(int errno, ILogger? logger = null)
    {
        NtStatus status = Map(errno);
        if (status == NtStatus.Unsuccessful && logger is not null && s_reported.TryAdd(errno, true))
        {
            LogUnmapped(logger, NameOf(errno), errno);
        }

        return status;
    }

    /// <summary>The NTSTATUS for <paramref name="errno"/> on a datagram socket: the table above, except that ECONNREFUSED there is an
    /// ICMP port unreachable come back for an earlier datagram, which Windows reports as STATUS_PORT_UNREACHABLE.</summary>
    public static NtStatus ToDatagramNtStatus(int errno, ILogger? logger = null)
        => errno == Errno.ECONNREFUSED ? NtStatus.PortUnreachable : ToNtStatus(errno, logger);

    private static NtStatus Map(int errno) => errno switch
    {
        0 => NtStatus.Success,
        // EINTR: a non-blocking connect interrupted by a signal goes on in the background, as with EINPROGRESS (a
        // non-blocking send or receive never waits, so is never interrupted).
        Errno.EAGAIN or Errno.EINPROGRESS or Errno.EALREADY or Errno.EINTR => NtStatus.Pending,
        Errno.ECONNREFUSED => NtStatus.ConnectionRefused,
        Errno.ECONNRESET or Errno.ENETRESET => NtStatus.ConnectionReset,
        Errno.ECONNABORTED or Errno.EPROTO => NtStatus.ConnectionAborted, // EPROTO: accept's pending connection failed.
        Errno.ETIMEDOUT => NtStatus.IoTimeout,
        Errno.ENETUNREACH or Errno.ENETDOWN or Errno.ENONET => NtStatus.NetworkUnreachable,
        Errno.EHOSTUNREACH or Errno.EHOSTDOWN => NtStatus.HostUnreachable,
        Errno.EADDRINUSE => NtStatus.AddressAlreadyAssociated,
        Errno.EADDRNOTAVAIL or Errno.ENODEV => NtStatus.InvalidAddress, // ENODEV: a scope id that names no interface.
        Errno.EISCONN => NtStatus.ConnectionActive,
        Errno.EPIPE or Errno.ENOTCONN or Errno.EDESTADDRREQ => NtStatus.ConnectionDisconnected,
        Errno.ESHUTDOWN => NtStatus.InvalidDeviceState, // As WskSend after a graceful WskDisconnect.
        Errno.ENOMEM or Errno.ENOBUFS => NtStatus.InsufficientResources,
        Errno.EMFILE or Errno.ENFILE => NtStatus.TooManyOpenedFiles,
        Errno.EACCES or Errno.EPERM => NtStatus.AccessDenied,
        Errno.EINVAL or Errno.EFAULT or Errno.EAFNOSUPPORT or Errno.EMSGSIZE => NtStatus.InvalidParameter,
        Errno.EOPNOTSUPP or Errno.ENOPROTOOPT or Errno.EPROTONOSUPPORT or Errno.ESOCKTNOSUPPORT or Errno.EPROTOTYPE => NtStatus.NotSupported,
        Errno.EBADF or Errno.ENOTSOCK => NtStatus.InvalidHandle,
        _ => NtStatus.Unsuccessful,
    };

    /// <summary>The symbolic name of <paramref name="errno"/> (<c>ENODEV</c>), as the C library knows it.</summary>
    public static string NameOf(int errno)
    {
        try
        {
            nint name = strerrorname_np(errno);
            return name != 0 ? Marshal.PtrToStringUTF8(name)! : $"errno {errno}";
        }
        catch (EntryPointNotFoundException)
        {
            return $"errno {errno}"; // A C library without strerrorname_np (glibc before 2.32, musl).
        }
    }

    [LibraryImport("libc")]
    private static partial nint strerrorname_np(int errno);

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning,
        Message = "The host returned {Name} ({Errno}), which has no NTSTATUS of its own: reported as STATUS_UNSUCCESSFUL (logged once)")]
    private static partial void LogUnmapped(ILogger logger, string name, int errno);
}
