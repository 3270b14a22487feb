using WskSharp.Nt;

namespace WskSharp.Transport.Linux;

/// <summary>
/// errno → NTSTATUS: the one table. Nothing else in WskSharp compares errno values; the raw errno stays
/// beside the status (<see cref="IHostSocket.LastError"/>) for diagnostics.
/// </summary>
internal static class ErrnoMapping
{
    /// <summary>The NTSTATUS for <paramref name="errno"/>; EAGAIN/EINPROGRESS/EALREADY are <see cref="NtStatus.Pending"/>.</summary>
    public static NtStatus ToNtStatus(int errno) => errno switch
    {
        0 => NtStatus.Success,
        Errno.EAGAIN or Errno.EINPROGRESS or Errno.EALREADY => NtStatus.Pending,
        Errno.ECONNREFUSED => NtStatus.ConnectionRefused,
        Errno.ECONNRESET => NtStatus.ConnectionReset,
        Errno.ECONNABORTED => NtStatus.ConnectionAborted,
        Errno.ETIMEDOUT => NtStatus.IoTimeout,
        Errno.ENETUNREACH or Errno.ENETDOWN => NtStatus.NetworkUnreachable,
        Errno.EHOSTUNREACH or Errno.EHOSTDOWN => NtStatus.HostUnreachable,
        Errno.EADDRINUSE => NtStatus.AddressAlreadyAssociated,
        Errno.EADDRNOTAVAIL => NtStatus.InvalidAddress,
        Errno.EISCONN => NtStatus.ConnectionActive,
        Errno.EPIPE or Errno.ENOTCONN => NtStatus.ConnectionDisconnected,
        Errno.ENOMEM or Errno.ENOBUFS => NtStatus.InsufficientResources,
        Errno.EMFILE or Errno.ENFILE => NtStatus.TooManyOpenedFiles,
        Errno.EACCES or Errno.EPERM => NtStatus.AccessDenied,
        Errno.EINVAL or Errno.EFAULT or Errno.EAFNOSUPPORT => NtStatus.InvalidParameter,
        Errno.EOPNOTSUPP => NtStatus.NotSupported,
        Errno.EBADF or Errno.ENOTSOCK => NtStatus.InvalidHandle,
        _ => NtStatus.Unsuccessful,
    };
}
