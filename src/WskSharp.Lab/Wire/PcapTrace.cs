using System.Net;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace WskSharp.Lab.Wire;

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
