using System.Net.Sockets;
using WskSharp.Nt;

namespace WskSharp.Net;

/// <summary>
/// A WSK call made by the .NET face did not succeed. <see cref="Status"/> is the NTSTATUS the call returned or completed
/// its IRP with; <see cref="SocketErrorCode"/> is the <see cref="SocketError"/> .NET's own sockets report for the same
/// failure, and, where there is one, <see cref="Exception.InnerException"/> is a <see cref="SocketException"/> with it,
/// so code that looks for a <see cref="SocketException"/> in the chain (retry policies, HttpClient) recognises it.
/// </summary>
public sealed class WskException : IOException
{
    /// <summary>A failure of <paramref name="call"/> with <paramref name="status"/>, mapped by the .NET face's one table.</summary>
    public WskException(NtStatus status, string call)
        : this(status, WskStatusMapping.ToSocketError(status), call, $"{call} failed: {WskStatusMapping.Describe(status).Meaning}; {status}.")
    {
    }

    /// <summary>Made by <see cref="WskStatusMapping"/>, the one table, with its words for the status.</summary>
    internal WskException(NtStatus status, SocketError socketError, string call, string message)
        : base(message, socketError is SocketError.Success or SocketError.SocketError ? null : new SocketException((int)socketError))
    {
        Status = status;
        SocketErrorCode = socketError;
        Call = call;
        HResult = unchecked((int)(0x10000000 | status.Value)); // HRESULT_FROM_NT
    }

    /// <summary>The NTSTATUS of the failed call, e.g. <see cref="NtStatus.ConnectionRefused"/>.</summary>
    public NtStatus Status { get; }

    /// <summary>The <see cref="SocketError"/> that corresponds to <see cref="Status"/> (<see cref="SocketError.SocketError"/>
    /// where none does).</summary>
    public SocketError SocketErrorCode { get; }

    /// <summary>The WSK call that failed, e.g. <c>WskConnectEx</c>.</summary>
    public string Call { get; }
}
