using System.Net;

namespace WskSharp.Bench;

/// <summary>
/// Whether the WskSharp datagram peer (<c>wsk-udp</c>, <c>WskUdpPeer</c>) is compiled in. It needs WskSharp's
/// datagram sockets (WSK_FLAG_DATAGRAM_SOCKET: WskBind, WskSendTo, WskReceiveFrom), which build with
/// <c>-p:WskDatagram=true</c> (the WSK_DATAGRAM symbol); without them the UDP phase runs the C and .NET peers and
/// reports ours as n/a, saying why.
/// </summary>
internal static class WskUdpAvailability
{
#if WSK_DATAGRAM
    public const bool Built = true;

    public const string Reason = "";

    public static IUdpPeer Create(IPEndPoint server, int sockets, byte[] request) => new WskUdpPeer(server, sockets, request);
#else
    public const bool Built = false;

    public const string Reason = "wsk-udp not built: WskSharp's datagram sockets (WskSendTo/WskReceiveFrom) are not on this branch yet; set WskDatagram to true in bench/WskSharp.Bench/WskSharp.Bench.csproj once they are";

    public static IUdpPeer Create(IPEndPoint server, int sockets, byte[] request) => throw new ArgumentException(Reason);
#endif
}
