using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport;

/// <summary>
/// One non-blocking host socket. Every call tries the operation once and never waits: <see cref="NtStatus.Pending"/>
/// means "not now" (EAGAIN/EINPROGRESS), and readiness follows through <see cref="IHostSocketEvents"/>. Compare
/// results with <c>== NtStatus.Success</c>: STATUS_PENDING is a success-severity value, so <c>IsSuccess</c> does not
/// tell "done" from "not now". Errors
/// arrive already mapped to NTSTATUS; the raw host error stays in <see cref="LastError"/> for diagnostics.
/// </summary>
internal interface IHostSocket : IHostSocketOptions, IDisposable
{
    /// <summary>The host's own error number of the last failed call (errno on Linux), 0 if none.</summary>
    int LastError { get; }

    /// <summary>Binds to a local address.</summary>
    NtStatus Bind(in SockAddr local);

    /// <summary>Before the bind of a listening socket: lets it take a port that connections it accepted earlier still hold
    /// in TIME_WAIT (Windows allows that restart; Linux asks for SO_REUSEADDR, which still refuses two listeners).</summary>
    NtStatus AllowTimeWaitPort();

    /// <summary>Starts a connect: Success (connected at once), Pending (in progress), or an error.</summary>
    NtStatus Connect(in SockAddr remote);

    /// <summary>
    /// Starts a Fast Open connect carrying <paramref name="data"/>: Success with <paramref name="queued"/> bytes
    /// taken (with a cookie they ride in the SYN; the handshake is still in progress), Pending with nothing taken
    /// (no cookie: the SYN asks for one and the data must be sent after the handshake), or an error.
    /// </summary>
    NtStatus ConnectWithData(in SockAddr remote, ReadOnlySpan<byte> data, out int queued);

    /// <summary>After writable readiness during a connect: Success (connected), Pending (still in progress), or the
    /// connect's error.</summary>
    NtStatus GetConnectResult();

    /// <summary>Sends: Success with <paramref name="sent"/> &gt; 0, Pending (no room), or an error.</summary>
    NtStatus Send(ReadOnlySpan<byte> data, out int sent);

    /// <summary>Receives: Success with <paramref name="received"/> bytes (0 = the peer closed), Pending, or an error.</summary>
    NtStatus Receive(Span<byte> buffer, out int received);

    /// <summary>Sets or clears the no-delay (Nagle off) option.</summary>
    NtStatus SetNoDelay(bool on);

    /// <summary>Reads the kernel's Fast Open outcome of the finished handshake.</summary>
    NtStatus GetFastOpenInfo(out HostFastOpenInfo info);

    /// <summary>The bound local address.</summary>
    NtStatus GetLocalAddress(out SockAddr address);

    /// <summary>The connected peer's address.</summary>
    NtStatus GetRemoteAddress(out SockAddr address);

    /// <summary>Starts listening with <paramref name="backlog"/> pending connections.</summary>
    NtStatus Listen(int backlog);

    /// <summary>Sets the kernel's Fast Open server queue (Linux <c>TCP_FASTOPEN</c>) on a listening socket; 0 turns it off.</summary>
    NtStatus SetFastOpenQueue(int length);

    /// <summary>Accepts one pending connection: Success with a new non-blocking socket whose readiness goes to
    /// <paramref name="events"/>, Pending (none waiting), or an error.</summary>
    NtStatus Accept(IHostSocketEvents events, out IHostSocket? accepted);

    /// <summary>Sends FIN (no more data from this side); receiving goes on.</summary>
    NtStatus ShutdownSend();

    /// <summary>The kernel's send buffer size, the backlog that keeps the path busy (for WskSendBacklogEvent).</summary>
    NtStatus GetSendBufferSize(out int size);

    /// <summary>Ends the connection abruptly (RST) and releases the host socket.</summary>
    void Abort();
}
