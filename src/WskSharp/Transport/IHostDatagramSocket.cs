using WskSharp.Nt;
using WskSharp.Ws2;

namespace WskSharp.Transport;

/// <summary>
/// One non-blocking host datagram (UDP) socket: the datagram contract beside <see cref="IHostSocket"/>. Every call tries
/// once and never waits: <see cref="NtStatus.Pending"/> means "not now" (EAGAIN), and readiness follows through the
/// <see cref="IHostSocketEvents"/> given at creation. Errors arrive mapped to NTSTATUS; the raw host error stays in
/// <see cref="LastError"/>. A datagram goes whole or not at all: there is no partial send.
/// </summary>
internal interface IHostDatagramSocket : IHostSocketOptions, IDisposable
{
    /// <summary>The host's own error number of the last failed call (errno on Linux), 0 if none.</summary>
    int LastError { get; }

    /// <summary>Binds to a local address (port 0: an ephemeral port) and starts readiness reports.</summary>
    NtStatus Bind(in SockAddr local);

    /// <summary>Fixes the remote: datagrams from anyone else are dropped by the host, and an ICMP error about the remote
    /// reaches the next receive. Sends may still name another destination.</summary>
    NtStatus Connect(in SockAddr remote);

    /// <summary>Sends one datagram to <paramref name="remote"/>, from the source <paramref name="packetInfo"/> names when
    /// <paramref name="withPacketInfo"/>: Success (handed to the host whole), Pending (no room), or an error.</summary>
    NtStatus SendTo(ReadOnlySpan<byte> data, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo);

    /// <summary>
    /// Sends the datagrams of <paramref name="datagrams"/>, in order, each whole, to one remote in as few host calls as it
    /// can (at most <see cref="SendManyLimit"/> are looked at): Success with <paramref name="sent"/> of them handed to the
    /// host (all, or fewer when the host stopped early: the caller goes on with the rest, and learns then why it stopped),
    /// Pending (no room for the first), or the error of the first (<paramref name="sent"/> 0).
    /// </summary>
    NtStatus SendMany(ReadOnlySpan<ReadOnlyMemory<byte>> datagrams, in SockAddr remote, in HostPacketInfo packetInfo, bool withPacketInfo,
        out int sent);

    /// <summary>The most datagrams one <see cref="SendMany"/> takes (Linux: sendmmsg's UIO_MAXIOV, 1024).</summary>
    public const int SendManyLimit = 1024;

    /// <summary>
    /// Takes the next datagram: Success with as much as fits in <paramref name="buffer"/> and, in
    /// <paramref name="datagram"/>, its real length (longer than the buffer: the rest was dropped), its sender and, when
    /// asked for with <see cref="HostSocketOption.PacketInfo"/>, where it arrived; Pending (none waiting);
    /// <see cref="NtStatus.PortUnreachable"/> (an ICMP port unreachable came back for an earlier send; the remote of
    /// <paramref name="datagram"/> names the destination when the host says); or another error.
    /// </summary>
    NtStatus ReceiveFrom(Span<byte> buffer, out HostDatagram datagram);

    /// <summary>The socket was reported readable and nobody takes datagrams now (no receive waits, no event can be
    /// delivered): a host that reports a socket again for as long as data waits (level-triggered) stops that until a
    /// receive finds the queue empty, and reports only new arrivals meanwhile. Nothing to do for a host that reports
    /// arrivals only.</summary>
    void ReadableUnclaimed()
    {
    }

    /// <summary>The bound local address.</summary>
    NtStatus GetLocalAddress(out SockAddr address);
}
