using System.Net;

namespace WskSharp.Lab.Wire;

/// <summary>One connection's segments, and what they say.</summary>
internal sealed class ConnectionTrace(IPEndPoint client, IPEndPoint server, IReadOnlyList<TcpSegment> segments)
{
    public IPEndPoint Client { get; } = client;

    public IPEndPoint Server { get; } = server;

    public IReadOnlyList<TcpSegment> Segments { get; } = segments;

    /// <summary>The client's SYNs (SYN without ACK), in order: more than one means the SYN was sent again.</summary>
    public IReadOnlyList<TcpSegment> Syns => [.. Segments.Where(s => s.IsSyn && s.Source.Equals(Client))];

    /// <summary>The server's SYN-ACKs.</summary>
    public IReadOnlyList<TcpSegment> SynAcks => [.. Segments.Where(s => s.IsSynAck && s.Source.Equals(Server))];

    /// <summary>The client's segments that carry data after the handshake (not SYNs), in order.</summary>
    public IReadOnlyList<TcpSegment> ClientDataAfterHandshake => [.. Segments.Where(s => !s.Syn && s.Source.Equals(Client) && s.Payload.Length > 0)];

    /// <summary>
    /// Where each client data segment after the handshake starts in the client's byte stream (0 = the first byte after
    /// the SYN's own sequence number), with its length: the offsets are relative to the first SYN's sequence number.
    /// </summary>
    public IReadOnlyList<(long Offset, int Length)> ClientDataOffsets
    {
        get
        {
            uint isn = Syns[0].Sequence;
            return [.. ClientDataAfterHandshake.Select(s => ((long)unchecked(s.Sequence - isn - 1), s.Payload.Length))];
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, Segments);
}
