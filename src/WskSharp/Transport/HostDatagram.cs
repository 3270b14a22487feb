using WskSharp.Ws2;

namespace WskSharp.Transport;

/// <summary>What a host datagram receive reports beside the bytes it copied.</summary>
/// <param name="Length">The datagram's real length (more than <paramref name="Copied"/> when the buffer was short).</param>
/// <param name="Copied">The bytes copied into the caller's buffer.</param>
/// <param name="Remote">The sender.</param>
/// <param name="HasPacketInfo">True when <paramref name="PacketInfo"/> holds the destination (the option is on).</param>
/// <param name="PacketInfo">Where the datagram arrived: its destination address and the interface.</param>
/// <param name="ControlTruncated">The host had more control data for the datagram than it had room for (Linux's MSG_CTRUNC);
/// reported only when control data was asked for.</param>
internal readonly record struct HostDatagram(int Length, int Copied, SockAddr Remote, bool HasPacketInfo, HostPacketInfo PacketInfo,
    bool ControlTruncated = false)
{
    /// <summary>The datagram was longer than the buffer: its tail is gone (MSG_TRUNC).</summary>
    public bool Truncated => Length > Copied;
}
