using WskSharp.Ws2;

namespace WskSharp.Transport;

/// <summary>IP_PKTINFO / IPV6_PKTINFO in the host's terms: a local address (port 0) and an interface index. On receive, where
/// a datagram arrived; on send, the source address and interface to use (0 and the wildcard: the host chooses).</summary>
/// <param name="Address">The local address.</param>
/// <param name="InterfaceIndex">The interface index, 0 for any.</param>
internal readonly record struct HostPacketInfo(SockAddr Address, uint InterfaceIndex);
