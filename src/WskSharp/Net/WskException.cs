using System.Net.Sockets;
using WskSharp.Nt;

namespace WskSharp.Net;

/// <summary>
/// A WSK call made by the .NET face did not succeed. It is a <see cref="SocketException"/>, as .NET's own
/// <see cref="Socket"/> throws for the same failure, so code that catches <see cref="SocketException"/> (retry policies,
/// "connection refused" handling) keeps working: <see cref="SocketException.SocketErrorCode"/> is the
/// <see cref="SocketError"/> .NET reports on Linux for the same failure (<see cref="SocketError.SocketError"/> where none
/// corresponds), <see cref="System.ComponentModel.Win32Exception.NativeErrorCode"/> the platform's error number for it,
/// and <see cref="Status"/> the NTSTATUS the call returned or completed its IRP with.
/// </summary>
/// <remarks>
/// Like <see cref="System.Net.Sockets.NetworkStream"/>, the <see cref="Stream"/> views (<see cref="WskConnection.AsStream"/>,
/// <see cref="WskHttp"/>'s connections) throw an <see cref="IOException"/> whose <see cref="Exception.InnerException"/> is
/// the <see cref="WskException"/>, since stream readers (HttpClient, SslStream, pipes) expect <see cref="IOException"/>.
/// </remarks>
public sealed class WskException : SocketException
{
    private readonly string _message;

    /// <summary>A failure of <paramref name="call"/> with <paramref name="status"/>, mapped by the .NET face's one table.</summary>
    public WskException(NtStatus status, string call)
        : this(status, WskStatusMapping.ToSocketError(status), call, $"{call} failed: {WskStatusMapping.Describe(status).Meaning}; {status}.")
    {
    }

    /// <summary>Made by <see cref="WskStatusMapping"/>, the one table, with its words for the status.</summary>
    internal WskException(NtStatus status, SocketError socketError, string call, string message)
        : base((int)socketError, message)
    {
        _message = message;
        Status = status;
        Call = call;
        HResult = unchecked((int)(0x10000000 | status.Value)); // HRESULT_FROM_NT
    }

    /// <summary>The NTSTATUS of the failed call, e.g. <see cref="NtStatus.ConnectionRefused"/>.</summary>
    public NtStatus Status { get; }

    /// <summary>The WSK call that failed, e.g. <c>WskConnectEx</c>.</summary>
    public string Call { get; }

    /// <summary>What failed, in words, with the call, where it was made and the NTSTATUS.</summary>
    public override string Message => _message;
}
