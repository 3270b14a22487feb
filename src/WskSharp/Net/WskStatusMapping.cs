using System.Net.Sockets;
using WskSharp.Nt;

namespace WskSharp.Net;

/// <summary>
/// NTSTATUS → what the .NET face throws: the one table. Every failed WSK call of the .NET face becomes an exception here
/// (nothing else in <c>WskSharp.Net</c> compares status values), with the <see cref="SocketError"/> that .NET's own sockets
/// would report for the same failure on Linux, and a sentence that says what went wrong.
/// </summary>
internal static class WskStatusMapping
{
    /// <summary>The <see cref="SocketError"/> for <paramref name="status"/>, and what it means in words.</summary>
    public static (SocketError Error, string Meaning) Describe(NtStatus status) => status switch
    {
        _ when status == NtStatus.Success => (SocketError.Success, "it succeeded"),
        _ when status == NtStatus.ConnectionRefused => (SocketError.ConnectionRefused, "the connection was refused (nothing listens there)"),
        _ when status == NtStatus.ConnectionReset => (SocketError.ConnectionReset, "the peer reset the connection"),
        _ when status == NtStatus.ConnectionAborted => (SocketError.ConnectionAborted, "the connection was aborted"),
        _ when status == NtStatus.ConnectionDisconnected => (SocketError.Shutdown, "the connection is disconnected (the sending side is shut down)"),
        _ when status == NtStatus.IoTimeout => (SocketError.TimedOut, "the operation timed out"),
        _ when status == NtStatus.NetworkUnreachable => (SocketError.NetworkUnreachable, "the network is unreachable"),
        _ when status == NtStatus.HostUnreachable => (SocketError.HostUnreachable, "the host is unreachable"),
        _ when status == NtStatus.PortUnreachable => (SocketError.ConnectionReset, "a datagram sent earlier came back port unreachable (nothing listens there)"),
        _ when status == NtStatus.NotFound => (SocketError.HostNotFound, "the name was not found"),
        _ when status == NtStatus.AddressAlreadyAssociated => (SocketError.AddressAlreadyInUse, "the local address is already in use"),
        _ when status == NtStatus.AddressAlreadyExists => (SocketError.AddressAlreadyInUse, "the address already exists"),
        _ when status == NtStatus.InvalidAddress => (SocketError.AddressNotAvailable, "the address is not available here"),
        _ when status == NtStatus.InvalidAddressComponent => (SocketError.AddressNotAvailable, "the address is not valid for this call (port 0 or a wildcard)"),
        _ when status == NtStatus.ConnectionActive => (SocketError.IsConnected, "the socket is already connected"),
        _ when status == NtStatus.InvalidDeviceState => (SocketError.NotConnected, "the socket is not in a state for this call (not connected, or its sending side is closed)"),
        _ when status == NtStatus.FileForcedClosed => (SocketError.ConnectionAborted, "the connection is no longer functional (an earlier request failed or was cancelled part-way)"),
        _ when status == NtStatus.InvalidHandle => (SocketError.NotSocket, "the socket is closed"),
        _ when status == NtStatus.Cancelled => (SocketError.OperationAborted, "the request was cancelled (the connection was closed or the request cancelled)"),
        _ when status == NtStatus.InsufficientResources || status == NtStatus.NoMemory => (SocketError.NoBufferSpaceAvailable, "the system is out of memory or buffers"),
        _ when status == NtStatus.TooManyOpenedFiles => (SocketError.TooManyOpenSockets, "too many files or sockets are open"),
        _ when status == NtStatus.AccessDenied => (SocketError.AccessDenied, "access was denied"),
        _ when status == NtStatus.InvalidParameter => (SocketError.InvalidArgument, "a parameter was not valid"),
        _ when status == NtStatus.BufferOverflow => (SocketError.MessageSize, "the buffer is too large for this call"),
        _ when status == NtStatus.BufferTooSmall => (SocketError.InvalidArgument, "the buffer is too small"),
        _ when status == NtStatus.NotSupported || status == NtStatus.NotImplemented || status == NtStatus.InvalidDeviceRequest => (SocketError.OperationNotSupported, "the operation is not supported"),
        _ when status == NtStatus.ObjectTypeMismatch => (SocketError.InvalidArgument, "the file named as a network namespace is not one"),
        _ when status == NtStatus.InternalError => (SocketError.SocketError, "WskSharp failed inside (its log says how); the connection is no longer functional"),
        _ when status == NtStatus.DeviceNotReady => (SocketError.SystemNotReady, "the WSK provider is not ready (the registration is being removed)"),
        _ => (SocketError.SocketError, "it failed"),
    };

    /// <summary>The <see cref="SocketError"/> for <paramref name="status"/>.</summary>
    public static SocketError ToSocketError(NtStatus status) => Describe(status).Error;

    /// <summary>
    /// The exception for a WSK call that completed with <paramref name="status"/>: <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> cancelled it; <see cref="ObjectDisposedException"/> for
    /// STATUS_INVALID_HANDLE (the .NET face closes a socket only when its connection, listener or provider is disposed,
    /// so a call that raced that disposal meets a closed socket); otherwise a <see cref="WskException"/>.
    /// </summary>
    public static Exception ToException(NtStatus status, string call, object? target, CancellationToken cancellationToken)
    {
        if (status == NtStatus.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException($"{call} was cancelled.", cancellationToken);
        }

        if (status == NtStatus.InvalidHandle)
        {
            return new ObjectDisposedException(target?.ToString() ?? "WskConnection", $"{call}: the socket is closed (disposed); {status}.");
        }

        (SocketError error, string meaning) = Describe(status);
        string where = target is null ? "" : $" ({target})";
        return new WskException(status, error, call, $"{call}{where} failed: {meaning}; {status}.");
    }
}
