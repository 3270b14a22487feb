using System.Net;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace WskSharp.Tests.WireProof;

/// <summary>One TCP segment of a capture, as the pcap parser decoded it.</summary>
internal sealed record TcpSegment(
    int Number,
    DateTime Time,
    IPEndPoint Source,
    IPEndPoint Destination,
    uint Sequence,
    uint AcknowledgmentNumber,
    bool Syn,
    bool Ack,
    bool Fin,
    bool Rst,
    byte[] Payload,
    TcpFastOpenOption? FastOpen)
{
    /// <summary>A SYN that opens a connection (SYN set, ACK clear).</summary>
    public bool IsSyn => Syn && !Ack;

    /// <summary>The server's answer to a SYN (SYN and ACK set).</summary>
    public bool IsSynAck => Syn && Ack;

    public override string ToString()
    {
        string flags = (Syn ? "S" : "") + (Fin ? "F" : "") + (Rst ? "R" : "") + (Ack ? "." : "");
        return $"#{Number} {Time:HH:mm:ss.ffffff} {Source} > {Destination} [{flags}] seq {Sequence} ack {AcknowledgmentNumber} len {Payload.Length}{(FastOpen is null ? "" : " " + FastOpen)}";
    }
}

/// <summary>
/// The TCP segments of a pcap file, read with a real parser: SharpPcap's <see cref="CaptureFileReaderDevice"/> (libpcap's
/// <c>pcap_open_offline</c>) for the file, PacketDotNet for the link, IP and TCP headers, and
/// <see cref="TcpFastOpenOption.Find"/> for the Fast Open option in the raw TCP options.
/// </summary>
internal sealed class PcapTrace
{
    private PcapTrace(string path, LinkLayers linkType, IReadOnlyList<TcpSegment> segments, int packets)
    {
        Path = path;
        LinkType = linkType;
        Segments = segments;
        Packets = packets;
    }

    public string Path { get; }

    public LinkLayers LinkType { get; }

    /// <summary>Every packet of the file (TCP or not).</summary>
    public int Packets { get; }

    /// <summary>The TCP segments, in capture order.</summary>
    public IReadOnlyList<TcpSegment> Segments { get; }

    /// <summary>Reads <paramref name="path"/>; every record must be captured whole (no snap-length truncation).</summary>
    public static PcapTrace Read(string path)
    {
        var segments = new List<TcpSegment>();
        int number = 0;
        using var device = new CaptureFileReaderDevice(path);
        device.Open();
        LinkLayers linkType = device.LinkType;
        while (device.GetNextPacket(out PacketCapture capture) == GetPacketStatus.PacketRead)
        {
            number++;
            RawCapture raw = capture.GetPacket();
            if (raw.Data.Length != raw.PacketLength)
            {
                throw new InvalidDataException($"{path}: packet #{number} truncated to {raw.Data.Length} of {raw.PacketLength} bytes");
            }

            Packet packet = Packet.ParsePacket(raw.LinkLayerType, raw.Data);
            if (packet.Extract<IPPacket>() is not { } ip || packet.Extract<TcpPacket>() is not { } tcp)
            {
                continue;
            }

            byte[] payload = tcp.PayloadData ?? [];
            // The payload as the IP header counts it (IPv4: total length less both headers; IPv6: payload length less
            // the TCP header), so a short or padded record cannot pass for data.
            int expected = ip.Version == IPVersion.IPv4
                ? ip.TotalLength - ip.HeaderData.Length - tcp.HeaderData.Length
                : ip.PayloadLength - tcp.HeaderData.Length;
            if (payload.Length != expected)
            {
                throw new InvalidDataException($"{path}: packet #{number}: TCP payload {payload.Length} B, the IP header says {expected} B");
            }

            segments.Add(new TcpSegment(
                number,
                raw.Timeval.Date,
                new IPEndPoint(ip.SourceAddress, tcp.SourcePort),
                new IPEndPoint(ip.DestinationAddress, tcp.DestinationPort),
                tcp.SequenceNumber,
                tcp.AcknowledgmentNumber,
                tcp.Synchronize,
                tcp.Acknowledgment,
                tcp.Finished,
                tcp.Reset,
                payload,
                TcpFastOpenOption.Find(tcp.Options ?? [])));
        }

        return new PcapTrace(path, linkType, segments, number);
    }

    /// <summary>The segments of one connection, both directions, in capture order.</summary>
    public ConnectionTrace Connection(IPEndPoint client, IPEndPoint server) => new(client, server,
        [.. Segments.Where(s => (s.Source.Equals(client) && s.Destination.Equals(server)) || (s.Source.Equals(server) && s.Destination.Equals(client)))]);

    /// <summary>Every segment, one per line (for assertion messages).</summary>
    public string Dump() => $"{Path} ({LinkType}, {Packets} packets):{Environment.NewLine}{string.Join(Environment.NewLine, Segments)}";
}

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
