using System.Net;

namespace WskSharp.Lab.Wire;

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
